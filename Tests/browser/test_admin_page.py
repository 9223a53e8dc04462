"""The admin page in a real headless browser (Debian's chromium and chromium-driver, Selenium):
it loads with no external assets, shows every member of a 3-node cluster, and shows a killed
node as dead without a reload. Run by scripts/test-admin-page.sh (not by the main suite)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

NODE_BIN = os.environ["GYRE_NODE_BIN"]
DETECTOR_ARGS = ["--probe-interval-ms", "200", "--suspicion-timeout-ms", "800"]
START_TIMEOUT_S = 30


def _free_ports(count: int) -> list[int]:
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


@pytest.fixture
def cluster(tmp_path):
    """Three nodes (memory engine), each with its admin listener; stopped by PID at teardown."""
    peer_ports = _free_ports(3)
    peers = ",".join(f"127.0.0.1:{p}" for p in peer_ports)
    nodes = []
    try:
        for i, port in enumerate(peer_ports):
            log = open(tmp_path / f"node{i}.log", "wb")
            popen = subprocess.Popen(
                [NODE_BIN, "--listen", "127.0.0.1:0", "--peer-listen", f"127.0.0.1:{port}", "--peers", peers,
                 "--admin-listen", "127.0.0.1:0", "--engine", "memory", "--partitions", "64", *DETECTOR_ARGS],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
            nodes.append(popen)
            admin = None
            deadline = time.monotonic() + START_TIMEOUT_S
            while admin is None and time.monotonic() < deadline:
                line = popen.stdout.readline().decode()
                assert line, f"node {i} exited: {(tmp_path / f'node{i}.log').read_text()[-2000:]}"
                if line.startswith("gyre-node admin on "):
                    admin = line.split()[-1]
            assert admin, f"node {i} printed no admin address"
            popen.admin = admin
        yield nodes
    finally:
        for popen in nodes:
            if popen.poll() is None:
                popen.send_signal(signal.SIGTERM)
        for popen in nodes:
            try:
                popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()


@pytest.fixture
def browser():
    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]:
        options.add_argument(argument)
    options.binary_location = os.environ.get("GYRE_CHROMIUM", "/usr/bin/chromium")
    driver = webdriver.Chrome(service=Service(os.environ.get("GYRE_CHROMEDRIVER", "/usr/bin/chromedriver")),
                              options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


# The page redraws its tables every second, so an element found in one call may be gone in the
# next: every read takes the whole table in one script, as one snapshot.
_MEMBER_ROWS = """return Array.from(document.querySelectorAll('#members tbody tr')).map(row => ({
    id: row.dataset.nodeId, state: row.querySelector('.state').textContent,
    cells: Array.from(row.querySelectorAll('td')).map(td => td.textContent)}));"""


def _rows(driver) -> list[dict]:
    return driver.execute_script(_MEMBER_ROWS)


def _states(driver) -> dict[str, str]:
    return {row["id"]: row["state"] for row in _rows(driver)}


def test_page_shows_every_member_and_a_killed_node_as_dead(cluster, browser):
    browser.get(f"http://{cluster[0].admin}/")
    wait = WebDriverWait(browser, 30, poll_frequency=0.2)
    states = wait.until(lambda d: (s := _states(d)) and len(s) == 3 and all(v == "alive" for v in s.values()) and s)
    assert len(states) == 3
    # The ring is drawn: every member owns a share of the 64 partitions.
    shares = browser.execute_script("return document.querySelectorAll('#ownership tbody tr').length")
    assert shares == 3
    # Request rate and latency columns fill in once two polls have been seen.
    wait.until(lambda d: all(row["cells"][5] not in ("", "–") for row in _rows(d)))
    # Nothing came from outside the node (no external assets).
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith(f"http://{cluster[0].admin}/") for name in loaded), loaded

    victim = cluster[2]
    # The victim's id: the row that is not this node and whose state changes after the kill.
    before = set(_states(browser))
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    url = browser.current_url
    dead = wait.until(lambda d: [node for node, state in _states(d).items() if state == "dead"])
    assert len(dead) == 1 and dead[0] in before
    assert browser.current_url == url  # no reload: the page polled
    assert browser.find_element(By.ID, "error").text == ""
