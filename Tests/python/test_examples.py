"""The Examples package's QuickStart (a user's program on the GyreClient SDK) against a node.

Runs when GYRE_EXAMPLE_BIN names the built QuickStart (scripts/test.sh builds it and sets it).
"""

from __future__ import annotations

import os
import subprocess

import pytest


def test_quickstart_runs_against_a_node(node):
    binary = os.environ.get("GYRE_EXAMPLE_BIN", "")
    if not binary:
        pytest.skip("GYRE_EXAMPLE_BIN is not set (scripts/test.sh builds Examples and sets it)")
    for run in (1, 2):
        done = subprocess.run([binary, node], capture_output=True, timeout=60)
        assert done.returncode == 0, (done.stdout, done.stderr)
        lines = done.stdout.decode().splitlines()
        assert lines[0].startswith("ring epoch 1: 1 members")
        assert 'get: ["hello"]' in lines
        assert lines[-1] == f"visits: {run}"
