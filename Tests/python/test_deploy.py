"""The deployment files (deploy/, docs/OPERATIONS.md) say what gyre-node does: the default config
names only real options with their real defaults and lists every option, and a node starts on
it; the systemd unit runs the packaged node hardened; the Dockerfile has its two stages and the
runtime libraries the node links; the Kubernetes StatefulSet has a headless service, readiness
on grpc.health.v1, a volume at the data directory, the TLS Secret where the options point, and
--peers naming exactly what each pod advertises.

Fast: nothing is built (the .deb has its own test, scripts/test-package.sh); the only node
started is one on the packaged config. GYRE_NODE_BIN's --help is the list of options.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

TOP = Path(__file__).resolve().parents[2]
DEPLOY = TOP / "deploy"
CONFIG = DEPLOY / "gyre.toml"
UNIT = DEPLOY / "systemd" / "gyre-node.service"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
KUBERNETES = DEPLOY / "kubernetes" / "gyre.yaml"

# Options that landed with the config file and the admin listener: a gyre-node built before them
# does not list them, and the file's keys for them are skipped (not failed) until it does.
NEWER_OPTIONS = {"admin-listen", "log-format"}
# Not config-file keys: --config cannot name another file; help and version are not settings.
NOT_SETTINGS = {"config", "help", "version"}
# A commented-out setting in deploy/gyre.toml: "# key = value" (prose comments never look so).
COMMENTED_SETTING = re.compile(r"^#\s?([a-z][a-z0-9-]*) = (.+)$")


# --- gyre-node's options ----------------------------------------------------------------------


def _help(binary: str) -> str:
    result = subprocess.run([binary, "--help"], capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@pytest.fixture(scope="module")
def options(node_binary) -> dict[str, str | None]:
    """Every long option --help lists (name without "--") -> its "(default: X)", or None."""
    found: dict[str, str | None] = {}
    name = None
    block: list[str] = []

    def close():
        if name is not None:
            text = " ".join(" ".join(block).split())
            m = re.search(r"\(default: (.*?)\)$", text)
            found[name] = m.group(1) if m else None

    for line in _help(node_binary).splitlines():
        m = re.match(r"^  (?:-\w, )?--([a-z0-9-]+)(.*)$", line)
        if m:
            close()
            name, block = m.group(1), [m.group(2)]
        elif name is not None and line.startswith("    "):
            block.append(line)
    close()
    assert {"listen", "data-dir", "peers"} <= found.keys(), "could not read gyre-node --help"
    return found


def _check_keys(keys, options: dict, where: str) -> None:
    unknown = sorted(set(keys) - options.keys())
    pending = [k for k in unknown if k in NEWER_OPTIONS]
    assert not set(unknown) - NEWER_OPTIONS, f"{where} names options gyre-node does not have: {unknown}"
    if pending:
        pytest.skip(f"{where} uses {pending}, which this gyre-node's --help does not list yet")


# --- deploy/gyre.toml --------------------------------------------------------------------------


def _config_settings() -> tuple[dict, dict]:
    """(the settings in force, the commented-out ones), each parsed as TOML."""
    text = CONFIG.read_text()
    active = tomllib.loads(text)
    commented_lines = [m.group(0)[1:].lstrip() for m in map(COMMENTED_SETTING.match, text.splitlines()) if m]
    commented = tomllib.loads("\n".join(commented_lines))
    assert len(commented) == len(commented_lines), "a setting is commented out twice in deploy/gyre.toml"
    return active, commented


def test_default_config_names_every_option_and_only_real_ones(options):
    active, commented = _config_settings()
    assert not set(active) & set(commented), f"both set and commented out: {sorted(set(active) & set(commented))}"
    listed = set(active) | set(commented)
    assert not listed & NOT_SETTINGS, f"not settings: {sorted(listed & NOT_SETTINGS)}"
    _check_keys(listed, options, "deploy/gyre.toml")
    missing = sorted(set(options) - NOT_SETTINGS - listed)
    assert not missing, f"options missing from deploy/gyre.toml (list them, commented out): {missing}"


def test_default_config_sets_the_packaged_defaults(options):
    active, _ = _config_settings()
    assert active == {
        "listen": "127.0.0.1:7100",
        "data-dir": "/var/lib/gyre",
        "log-format": "json",
        "admin-listen": "127.0.0.1:7300",
    }
    _check_keys(active, options, "deploy/gyre.toml")


def test_commented_out_settings_show_the_real_defaults(options):
    """Where --help prints a default, the commented-out line shows that value."""
    _, commented = _config_settings()
    wrong = {}
    for key, value in commented.items():
        default = options.get(key)
        if default is None:
            continue  # computed (from --listen, the file limit, ...) or none: the line is an example
        if isinstance(value, bool) or isinstance(value, str):
            same = str(value).lower() == default.lower()
        else:
            try:
                same = float(value) == float(default)
            except ValueError:
                same = False
        if not same:
            wrong[key] = (value, default)
    assert not wrong, f"deploy/gyre.toml value vs gyre-node's default: {wrong}"


def test_a_node_starts_on_the_default_config(start_node, tmp_path):
    """The file as shipped is accepted; its log-format = "json" is in force."""
    node = start_node("--config", str(CONFIG), "--data-dir", str(tmp_path / "data"),
                      "--admin-listen", "127.0.0.1:0")
    assert node.admin and node.admin.startswith("127.0.0.1:")
    lines = [line for line in node.log_path.read_text().splitlines() if line.strip()]
    assert lines, "no log lines"
    for line in lines:
        record = json.loads(line)
        assert {"time", "level", "message"} <= record.keys()


# --- deploy/systemd/gyre-node.service ------------------------------------------------------------


def _unit() -> dict[str, dict[str, list[str]]]:
    """systemd's INI dialect: sections of keys, a key may repeat (each value kept in order)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for number, raw in enumerate(UNIT.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        assert not line.endswith("\\"), f"line {number}: keep each setting on one line"
        if line.startswith("["):
            assert line.endswith("]"), f"line {number}: {raw!r}"
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"line {number}: {raw!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_systemd_unit_runs_the_packaged_node_on_the_packaged_config():
    service = _unit()["Service"]
    one = {key: values[-1] for key, values in service.items()}
    assert one["ExecStart"] == "/usr/bin/gyre-node --config /etc/gyre/gyre.toml"
    assert one["User"] == "gyre" and one["Group"] == "gyre"
    assert one["KillSignal"] == "SIGTERM"  # graceful shutdown
    assert int(one["TimeoutStopSec"]) >= 10
    assert one["Restart"] == "on-failure"
    assert one["ExecReload"].endswith("-HUP $MAINPID")  # certificate reload
    # The node sizes its connection caps from the open-file limit: full caps from 8448.
    assert int(one["LimitNOFILE"]) >= 8448
    active, _ = _config_settings()
    assert active["data-dir"] == f"/var/lib/{one['StateDirectory']}"
    assert _unit()["Install"]["WantedBy"] == ["multi-user.target"]


def test_systemd_unit_is_hardened():
    service = {key: values[-1] for key, values in _unit()["Service"].items()}
    expected = {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
        "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "RestrictNamespaces": "yes",
        "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native",
        "CapabilityBoundingSet": "",
    }
    wrong = {key: service.get(key) for key, value in expected.items() if service.get(key) != value}
    assert not wrong, f"hardening settings missing or different: {wrong}"
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    # ProtectSystem=strict: the data directory (and the backup directory) must be writable.
    active, _ = _config_settings()
    writable = [path.lstrip("-") for path in service["ReadWritePaths"].split()]
    assert active["data-dir"] in writable


# --- deploy/docker/Dockerfile --------------------------------------------------------------------


def _dockerfile() -> tuple[list[str], list[list[str]]]:
    """(the FROM images, each stage's instructions with continuation lines joined)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: list[list[str]] = []
    images = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            images.append(line.split()[1])
            stages.append([])
        elif stages:
            stages[-1].append(line)
    return images, stages


def test_dockerfile_builds_statically_and_runs_without_the_toolchain():
    images, (build, run) = _dockerfile()
    text = DOCKERFILE.read_text()
    assert len(images) == 2
    default_swift = re.search(r"^ARG SWIFT_IMAGE=(\S+)$", text, re.MULTILINE)
    builder = default_swift.group(1) if images[0] == "${SWIFT_IMAGE}" and default_swift else images[0]
    assert re.fullmatch(r"swift:6\.\d+(\.\d+)?-bookworm", builder), builder
    assert images[1] == "debian:bookworm-slim"
    builds = [line for line in build if "swift build" in line]
    for product in ("gyre-node", "gyre"):
        assert any(re.search(rf"--product {product}(\s|$)", line) and "--static-swift-stdlib" in line
                   and "-c release" in line for line in builds), f"no static release build of {product}"
    assert any(line.startswith("COPY --from=") for line in run)
    assert not any("swift" in line for line in run if line.startswith("RUN")), "the run stage installs Swift"
    exposed = {int(p) for line in run if line.startswith("EXPOSE") for p in line.split()[1:]}
    assert {7100, 7200, 7300} <= exposed
    assert "VOLUME /var/lib/gyre" in run
    user = [line.split()[1] for line in run if line.startswith("USER")]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    entrypoint = json.loads(next(line[len("ENTRYPOINT"):] for line in run if line.startswith("ENTRYPOINT")))
    assert entrypoint == ["/usr/bin/gyre-node", "--config", "/etc/gyre/gyre.toml"]
    assert "COPY deploy/gyre.toml /etc/gyre/gyre.toml" in run


def test_dockerfile_installs_every_library_the_node_links(node_binary):
    """The run stage's apt-get install names each Debian package that holds a library gyre-node
    needs (bar the Swift runtime, linked statically there, and the base image's own)."""
    if not all(shutil.which(tool) for tool in ("ldd", "objdump", "dpkg")):
        pytest.skip("needs ldd, objdump and dpkg (Debian)")
    _, (_, run) = _dockerfile()
    installed = {word for line in run if "apt-get install" in line for word in line.split()}
    base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}  # in debian:bookworm-slim
    needed = set()
    direct = set(re.findall(r"NEEDED\s+(\S+)", subprocess.run(
        ["objdump", "-p", node_binary], capture_output=True, text=True, check=True).stdout))
    for line in subprocess.run(["ldd", node_binary], capture_output=True, text=True, check=True).stdout.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if not m or m.group(1) not in direct or "/swift/" in m.group(2):
            continue
        for candidate in (m.group(2), os.path.realpath(m.group(2)), "/usr" + m.group(2)):
            found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if found.returncode == 0:
                needed.add(found.stdout.split(":")[0])
                break
    assert needed, "found no Debian library in gyre-node's ldd"
    assert not needed - base - installed, f"the run stage does not install {sorted(needed - base - installed)}"


# --- deploy/kubernetes/gyre.yaml -------------------------------------------------------------------


@pytest.fixture(scope="module")
def kube():
    documents = [d for d in yaml.safe_load_all(KUBERNETES.read_text()) if d]
    by_kind: dict[str, list[dict]] = {}
    for document in documents:
        by_kind.setdefault(document["kind"], []).append(document)
    (statefulset,) = by_kind["StatefulSet"]
    pod = statefulset["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return by_kind, statefulset, pod, container


def _args(container) -> dict[str, str | bool]:
    """The container's args as {option: value}; each is one `--name=value` (or a bare flag)."""
    parsed: dict[str, str | bool] = {}
    for arg in container["args"]:
        assert arg.startswith("--"), arg
        name, _, value = arg[2:].partition("=")
        assert name not in parsed, f"--{name} given twice"
        parsed[name] = value if value else True
    return parsed


def _config_map(kube) -> dict:
    """The gyre.toml the pods mount at /etc/gyre/gyre.toml (from a ConfigMap), or {}."""
    by_kind, _, pod, container = kube
    mount = next((m for m in container["volumeMounts"] if m["mountPath"] == "/etc/gyre/gyre.toml"), None)
    if mount is None:
        return {}
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    (config_map,) = [c for c in by_kind["ConfigMap"] if c["metadata"]["name"] == volume["configMap"]["name"]]
    return tomllib.loads(config_map["data"][mount["subPath"]])


def _effective(kube) -> dict:
    """What the node runs with: the mounted config file, overridden by the args."""
    return {**_config_map(kube), **_args(kube[3])}


def test_kubernetes_options_are_real(kube, options):
    _check_keys(_args(kube[3]), options, "the StatefulSet's args")
    _check_keys(_config_map(kube), options, "the ConfigMap's gyre.toml")


def test_kubernetes_headless_service_and_statefulset(kube):
    by_kind, statefulset, pod, container = kube
    spec = statefulset["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    (headless,) = [s for s in by_kind["Service"] if s["spec"].get("clusterIP") == "None"]
    assert headless["spec"]["publishNotReadyAddresses"] is True  # members find each other while forming
    assert spec["serviceName"] == headless["metadata"]["name"]
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["replicas"] == 3
    effective = _effective(kube)
    client_port = int(effective["listen"].rsplit(":", 1)[1])
    peer_port = int(effective["peer-listen"].rsplit(":", 1)[1])
    headless_ports = {p["name"]: p["port"] for p in headless["spec"]["ports"]}
    assert headless_ports == {"client": client_port, "peer": peer_port}
    for service in by_kind["Service"]:
        assert service["spec"]["selector"].items() <= labels.items(), service["metadata"]["name"]
    (client_service,) = [s for s in by_kind["Service"] if s is not headless]
    assert [p["port"] for p in client_service["spec"]["ports"]] == [client_port]
    container_ports = {p["containerPort"] for p in container["ports"]}
    assert {client_port, peer_port} <= container_ports
    assert int(pod["terminationGracePeriodSeconds"]) >= 10


def test_kubernetes_each_pod_advertises_its_dns_name_and_peers_list_them_all(kube):
    by_kind, statefulset, _, _ = kube
    effective = _effective(kube)
    headless = statefulset["spec"]["serviceName"]
    suffix = f".{headless}.$(POD_NAMESPACE).svc.cluster.local"
    client_port = effective["listen"].rsplit(":", 1)[1]
    peer_port = effective["peer-listen"].rsplit(":", 1)[1]
    assert effective["listen"].startswith("0.0.0.0:") and effective["peer-listen"].startswith("0.0.0.0:")
    assert effective["advertise"] == f"$(POD_NAME){suffix}:{client_port}"
    assert effective["peer-advertise"] == f"$(POD_NAME){suffix}:{peer_port}"
    assert effective["node-name"] == "$(POD_NAME)"
    # A node restarted on its volume reuses its ring only when --peers is exactly what the
    # members advertise: pod i of the StatefulSet is named NAME-i.
    name = statefulset["metadata"]["name"]
    expected = [effective["peer-advertise"].replace("$(POD_NAME)", f"{name}-{i}")
                for i in range(statefulset["spec"]["replicas"])]
    assert effective["peers"].split(",") == expected
    env = {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in kube[3]["env"]}
    assert env["POD_NAME"] == "metadata.name" and env["POD_NAMESPACE"] == "metadata.namespace"


def test_kubernetes_readiness_is_the_grpc_health_check_on_the_client_port(kube):
    container = kube[3]
    effective = _effective(kube)
    client_port = int(effective["listen"].rsplit(":", 1)[1])
    assert container["readinessProbe"]["grpc"]["port"] == client_port
    assert "service" not in container["readinessProbe"]["grpc"]  # "": the node as a whole
    assert effective.get("client-tls", "off") == "off", "the kubelet's gRPC probe cannot speak TLS"
    assert "livenessProbe" in container


def test_kubernetes_data_volume_is_mounted_at_the_data_dir(kube):
    _, statefulset, _, container = kube
    effective = _effective(kube)
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert mounts[claim["metadata"]["name"]]["mountPath"] == effective["data-dir"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"


def test_kubernetes_tls_files_come_from_the_secret(kube):
    _, _, pod, container = kube
    effective = _effective(kube)
    (secret_volume,) = [v for v in pod["volumes"] if "secret" in v]
    assert secret_volume["secret"]["secretName"] == "gyre-tls"
    mount = next(m for m in container["volumeMounts"] if m["name"] == secret_volume["name"])
    assert mount["readOnly"] is True and "subPath" not in mount  # a subPath never sees an update
    items = secret_volume["secret"].get("items")
    files = {item["path"] for item in items} if items else {"tls.crt", "tls.key", "ca.crt"}
    for option, key in (("tls-cert", "tls.crt"), ("tls-key", "tls.key"), ("tls-ca", "ca.crt")):
        assert effective[option] == f"{mount['mountPath']}/{key}", option
        assert key in files


def test_kubernetes_pods_run_as_the_images_user(kube):
    _, _, pod, container = kube
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True and "fsGroup" in security
    _, (_, run) = _dockerfile()
    image_user = [line.split()[1] for line in run if line.startswith("USER")][-1].split(":")[0]
    if image_user.isdigit():
        assert security["runAsUser"] == int(image_user)
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert set(container["resources"]) >= {"requests", "limits"}
