"""The deployment files parse and say what the guide says: the default config names only real
options, the systemd unit is hardened, the Dockerfile has its two stages, and the Kubernetes
StatefulSet has a headless service, readiness on grpc.health.v1, a volume per node and
certificates from a Secret. (They cannot be built or run here; scripts/test-package.sh tests
the .deb.)"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import tomllib
from pathlib import Path

import yaml

TOP = Path(__file__).resolve().parents[2]
DEPLOY = TOP / "deploy"


def _options() -> set[str]:
    help_text = subprocess.run([os.environ["GYRE_NODE_BIN"], "--help"], capture_output=True, timeout=30,
                               check=True).stdout.decode()
    return set(re.findall(r"^\s+--([a-z0-9-]+)", help_text, re.MULTILINE))


def test_default_config_parses_and_names_only_real_options():
    text = (DEPLOY / "gyre.toml").read_text()
    active = tomllib.loads(text)
    # The commented-out lines are options too: parse them as TOML.
    commented = "\n".join(re.sub(r"^#\s?", "", line) for line in text.splitlines()
                          if re.match(r"^#\s?[a-z][a-z0-9-]* = ", line))
    listed = set(active) | set(tomllib.loads(commented))
    options = _options() - {"help", "version", "config", "enable-test-hooks", "bench-peer-delay-ms"}
    assert listed <= options, sorted(listed - options)
    assert options <= listed, f"options missing from deploy/gyre.toml: {sorted(options - listed)}"
    assert active["data-dir"] == "/var/lib/gyre" and active["log-format"] == "json"


def test_systemd_unit_runs_the_packaged_node_hardened():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "systemd/gyre-node.service")
    service = unit["Service"]
    assert service["ExecStart"] == "/usr/bin/gyre-node --config /etc/gyre/gyre.toml"
    assert service["User"] == "gyre" and service["KillSignal"] == "SIGTERM"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
                       "MemoryDenyWriteExecute": "yes", "ReadWritePaths": "/var/lib/gyre"}.items():
        assert service[key] == value, key
    assert "AF_INET" in service["RestrictAddressFamilies"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_dockerfile_builds_statically_and_runs_without_the_toolchain():
    text = (DEPLOY / "docker/Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(stages) == 2 and stages[0].startswith("swift:") and stages[1].startswith("debian:")
    assert "--static-swift-stdlib" in text
    assert re.search(r"^EXPOSE 7100 7200 7300$", text, re.MULTILINE)
    assert re.search(r"^USER gyre$", text, re.MULTILINE) and "VOLUME /var/lib/gyre" in text


def _flag(args: list[str], name: str) -> str:
    values = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    assert len(values) == 1, (name, args)
    return values[0]


def test_kubernetes_statefulset_has_what_a_cluster_needs():
    documents = [d for d in yaml.safe_load_all((DEPLOY / "kubernetes/gyre.yaml").read_text()) if d]
    by_kind = {}
    for document in documents:
        by_kind.setdefault(document["kind"], []).append(document)
    headless = next(s for s in by_kind["Service"] if s["spec"].get("clusterIP") == "None")
    assert headless["spec"]["publishNotReadyAddresses"] is True
    (statefulset,) = by_kind["StatefulSet"]
    spec = statefulset["spec"]
    assert spec["serviceName"] == headless["metadata"]["name"]
    assert spec["replicas"] == 3
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    args = container["args"]
    client_port = int(_flag(args, "listen").rsplit(":", 1)[1])
    assert container["readinessProbe"]["grpc"]["port"] == client_port  # grpc.health.v1
    assert _flag(args, "advertise").endswith(f".{headless['metadata']['name']}.$(POD_NAMESPACE).svc.cluster.local:{client_port}")
    assert _flag(args, "peer-advertise")
    peers = _flag(args, "peers").split(",")
    assert len(peers) == spec["replicas"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    (claim,) = spec["volumeClaimTemplates"]
    assert mounts[claim["metadata"]["name"]]["mountPath"] == _flag(args, "data-dir")
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    secret_volume = next(v for v in pod["volumes"] if "secret" in v)
    tls_mount = mounts[secret_volume["name"]]
    assert tls_mount["readOnly"] is True
    for option in ("tls-cert", "tls-key", "tls-ca"):
        assert _flag(args, option).startswith(tls_mount["mountPath"] + "/")
    assert pod["securityContext"]["runAsNonRoot"] is True
