"""A small network of Linux network namespaces for fault-injection tests: one namespace per host,
all attached to one bridge (itself in a namespace of its own, so the test machine's own network is
never touched), host addresses in 127.0.0.0/8 (`route_localnet`), partitions as iptables DROP
rules inside the host namespaces.

Each host namespace keeps only 127.0.0.1/32 on its loopback (not the usual /8), so the other
hosts' 127.1.0.x addresses route over the bridge instead of to itself. The root namespace cannot
reach the hosts (its loopback owns 127.0.0.0/8): run clients in a host namespace too.

Needs root, `ip` (iproute2) and `iptables`. Everything it creates is removed by `close()`.
"""

from __future__ import annotations

import os
import shutil
import subprocess

SUBNET_PREFIX = "127.1.0."


def available() -> str | None:
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed"
    return None


def _run(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, timeout=30)


class Lab:
    """Hosts `names` (each with an address SUBNET_PREFIX + (10 + index)) on one bridge."""

    def __init__(self, names: list[str]):
        self.tag = f"g{os.getpid() % 100000}"
        self.bridge_ns = f"{self.tag}-br"
        self.names = list(names)
        self.namespaces: dict[str, str] = {}
        self.addresses = {name: f"{SUBNET_PREFIX}{10 + i}" for i, name in enumerate(names)}
        self._created: list[str] = []
        try:
            _run("ip", "netns", "add", self.bridge_ns)
            self._created.append(self.bridge_ns)
            _run("ip", "-n", self.bridge_ns, "link", "add", "br0", "type", "bridge")
            _run("ip", "-n", self.bridge_ns, "link", "set", "br0", "up")
            for i, name in enumerate(names):
                self._add_host(i, name)
        except BaseException:
            self.close()
            raise

    def _add_host(self, index: int, name: str) -> None:
        ns = f"{self.tag}-{name}"
        _run("ip", "netns", "add", ns)
        self._created.append(ns)
        self.namespaces[name] = ns
        _run("ip", "-n", ns, "link", "set", "lo", "up")
        _run("ip", "-n", ns, "addr", "del", "127.0.0.1/8", "dev", "lo")
        _run("ip", "-n", ns, "addr", "add", "127.0.0.1/32", "dev", "lo")
        veth = f"v{index}"
        _run("ip", "-n", self.bridge_ns, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _run("ip", "-n", self.bridge_ns, "link", "set", veth, "master", "br0", "up")
        _run("ip", "-n", ns, "addr", "add", f"{self.addresses[name]}/16", "dev", "eth0")
        _run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1",
             "net.ipv4.conf.eth0.route_localnet=1")
        _run("ip", "-n", ns, "link", "set", "eth0", "up")

    def command(self, host: str, argv: list[str]) -> list[str]:
        """`argv` run inside `host`'s namespace (same PID: `ip netns exec` execs it)."""
        return ["ip", "netns", "exec", self.namespaces[host], *argv]

    def partition(self, side_a: list[str], side_b: list[str]) -> None:
        """Drops every packet between the two sides (both directions, in every host of both)."""
        for mine, theirs in ((side_a, side_b), (side_b, side_a)):
            for host in mine:
                for other in theirs:
                    address = self.addresses[other]
                    _run("ip", "netns", "exec", self.namespaces[host], "iptables", "-A", "INPUT", "-s", address, "-j", "DROP")
                    _run("ip", "netns", "exec", self.namespaces[host], "iptables", "-A", "OUTPUT", "-d", address, "-j", "DROP")

    def heal(self) -> None:
        for ns in self.namespaces.values():
            _run("ip", "netns", "exec", ns, "iptables", "-F")

    def close(self) -> None:
        for ns in reversed(self._created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        self._created = []
