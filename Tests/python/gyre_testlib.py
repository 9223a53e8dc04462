"""Helpers shared by the Python tests: node process control, channels, Stats reading."""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

import grpc

from gyre.v1 import cluster_pb2, cluster_pb2_grpc, kv_pb2, kv_pb2_grpc, replica_pb2, replica_pb2_grpc  # noqa: F401
import health_pb2, health_pb2_grpc  # noqa: F401,E401

READY_RE = re.compile(rb"^gyre-node serving on (127\.0\.0\.1:\d+)\r?\n?$")
ADMIN_RE = re.compile(rb"^gyre-node admin on (\S+:\d+)$", re.MULTILINE)
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
RPC_TIMEOUT_S = 10.0  # every call in the suite is bounded by this unless it sets its own
MAX_MESSAGE = 8 * 1024 * 1024

KEY_LIMIT = 1024
VALUE_LIMIT = 1024 * 1024
MESSAGE_LIMIT = 4 * 1024 * 1024

# If the test process dies without its teardown (SIGKILL, a crash), the node gets SIGTERM from the
# kernel: `setpriv --pdeathsig` (util-linux) sets that and execs the node, so the PID stays the
# node's. (A preexec_fn would do the same but is unsafe in a process with grpcio's threads.)
_SETPRIV = shutil.which("setpriv")


def _command(binary: str, args: list[str], open_files: int | None = None) -> list[str]:
    command = [binary, *args]
    if open_files is not None:
        # prlimit (util-linux) sets RLIMIT_NOFILE, soft and hard, then execs the node.
        command = ["prlimit", f"--nofile={open_files}:{open_files}", "--", *command]
    if _SETPRIV:
        return [_SETPRIV, "--pdeathsig", "TERM", "--", *command]
    return command


class NodeProcess:
    """A gyre-node child process, started and stopped by PID."""

    def __init__(self, popen: subprocess.Popen, address: str, log_path: Path, admin: str | None = None):
        self.popen = popen
        self.address = address
        self.log_path = log_path
        # The admin listener (/metrics, the admin page), when the node printed one.
        self.admin = admin

    @classmethod
    def start(
        cls, binary: str, extra_args: list[str], log_dir: Path, open_files: int | None = None
    ) -> "NodeProcess":
        log_path = Path(log_dir) / "gyre-node.stderr.log"
        if "--data-dir" not in extra_args and "--engine" not in extra_args:
            # The default engine (RocksDB), in a store of the node's own.
            extra_args = ["--data-dir", str(Path(log_dir) / "data"), *extra_args]
        args = _command(binary, ["--listen", "127.0.0.1:0", *extra_args], open_files)
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log
            )
        try:
            line = _read_line(popen, READY_TIMEOUT_S)
        except AssertionError as e:
            _stop(popen)
            raise AssertionError(f"{e}; stderr ({log_path}):\n{_tail(log_path)}") from None
        except BaseException:
            _stop(popen)
            raise
        admin = ADMIN_RE.search(line)
        line = line.split(b"\n", 1)[0] + b"\n"
        m = READY_RE.match(line)
        if not m:
            _stop(popen)
            raise AssertionError(
                f"gyre-node's first stdout line was {line!r}, expected "
                f"'gyre-node serving on 127.0.0.1:PORT'; stderr:\n{_tail(log_path)}"
            )
        # Keep draining stdout so that a chatty node can never block on a full pipe.
        threading.Thread(target=_drain, args=(popen.stdout,), daemon=True).start()
        return cls(popen, m.group(1).decode(), log_path, admin.group(1).decode() if admin else None)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> int:
        """SIGTERM, wait up to STOP_TIMEOUT_S, then SIGKILL. Returns the exit code."""
        return _stop(self.popen)

    def stderr_tail(self) -> str:
        return _tail(self.log_path)


def _read_line(popen: subprocess.Popen, timeout: float) -> bytes:
    """Reads stdout up to the first newline, failing after `timeout` seconds or on exit."""
    fd = popen.stdout.fileno()
    deadline = time.monotonic() + timeout
    buf = b""
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"gyre-node (pid {popen.pid}) printed no 'serving on' line within "
                    f"{timeout:.0f} s (stdout so far: {buf!r})"
                )
            if not sel.select(left):
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                rc = popen.wait(timeout=STOP_TIMEOUT_S)
                raise AssertionError(
                    f"gyre-node exited (code {rc}) before it was ready (stdout: {buf!r})"
                )
            buf += chunk
    finally:
        sel.close()
    # The node writes its "serving on", "peers on" and "admin on" lines at once: keep them all.
    return buf


def _drain(stream) -> None:
    try:
        while stream.read(4096):
            pass
    except (OSError, ValueError):
        pass


def _stop(popen: subprocess.Popen) -> int:
    if popen.poll() is None:
        try:
            os.kill(popen.pid, signal.SIGCONT)  # a test may have paused it (SIGSTOP)
            os.kill(popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            popen.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.kill(popen.pid, signal.SIGKILL)
            popen.wait(timeout=STOP_TIMEOUT_S)
    return popen.returncode


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"(no log: {e})"


def open_channel(address: str) -> grpc.Channel:
    ch = grpc.insecure_channel(
        address,
        options=[
            ("grpc.max_send_message_length", MAX_MESSAGE),
            ("grpc.max_receive_message_length", MAX_MESSAGE),
            ("grpc.enable_http_proxy", 0),  # never route loopback through an *_proxy variable
            ("grpc.enable_retries", 0),  # the tests count calls on the server
        ],
    )
    grpc.channel_ready_future(ch).result(timeout=RPC_TIMEOUT_S)
    return ch


_CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE),
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.enable_http_proxy", 0),
    ("grpc.enable_retries", 0),
]


class Certs:
    """Development certificates made by scripts/gen-certs.sh: a CA and one per node name."""

    SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen-certs.sh"

    def __init__(self, directory: Path, names: list[str]):
        self.dir = Path(directory)
        subprocess.run([str(self.SCRIPT), str(self.dir), *names], check=True, capture_output=True, timeout=60)

    @property
    def ca(self) -> str:
        return str(self.dir / "ca.pem")

    def cert(self, name: str) -> str:
        return str(self.dir / f"{name}.pem")

    def key(self, name: str) -> str:
        return str(self.dir / f"{name}.key")

    def node_args(self, name: str) -> list[str]:
        """gyre-node flags for mutual TLS between nodes as `name`."""
        return ["--node-name", name, "--tls-cert", self.cert(name), "--tls-key", self.key(name), "--tls-ca", self.ca]

    def credentials(self, name: str | None = None, ca: str | None = None) -> grpc.ChannelCredentials:
        """TLS credentials trusting this CA (or `ca`), presenting `name`'s certificate when given."""
        root = Path(ca or self.ca).read_bytes()
        if name is None:
            return grpc.ssl_channel_credentials(root_certificates=root)
        return grpc.ssl_channel_credentials(
            root_certificates=root, private_key=Path(self.key(name)).read_bytes(),
            certificate_chain=Path(self.cert(name)).read_bytes())


def open_tls_channel(address: str, credentials: grpc.ChannelCredentials, ready: bool = True) -> grpc.Channel:
    """A TLS channel; the certificates name localhost and 127.0.0.1, so no name override is needed."""
    ch = grpc.secure_channel(address, credentials, options=_CHANNEL_OPTIONS)
    if ready:
        grpc.channel_ready_future(ch).result(timeout=RPC_TIMEOUT_S)
    return ch


def partition_of(key: bytes, partition_count: int) -> int:
    """The partition a node puts `key` in: the top log2(Q) bits of its XXH64 hash (seed 0)."""
    import xxhash
    return xxhash.xxh64_intdigest(key, seed=0) >> (64 - (partition_count.bit_length() - 1))


def replica_metadata(cluster_id: str, sender: str, target: str, epoch: int) -> tuple[tuple[str, str], ...]:
    """What every Replica call carries: the cluster, the calling node, the node called and the
    epoch of the ring the call was routed by."""
    return (("gyre-cluster-id", cluster_id), ("gyre-from", sender), ("gyre-to", target),
            ("gyre-ring-epoch", str(epoch)))


def stats(cluster: cluster_pb2_grpc.ClusterStub) -> dict[str, int]:
    resp = cluster.Stats(cluster_pb2.StatsRequest(), timeout=RPC_TIMEOUT_S)
    return {c.name: c.value for c in resp.counters}


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports free at this moment (bound together, then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def wait_for(
    what: str, probe: Callable[[], object], timeout: float = 5.0, interval: float = 0.05,
    describe: Callable[[], object] | None = None,
):
    """Polls `probe` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() >= deadline:
            state = f" (last seen: {describe()})" if describe else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{state}")
        time.sleep(interval)


def raw_unary(channel: grpc.Channel, path: str) -> grpc.UnaryUnaryMultiCallable:
    """A call that sends the given bytes as the message and returns the response bytes."""
    return channel.unary_unary(
        path, request_serializer=lambda b: b, response_deserializer=lambda b: b
    )
