"""scripts/bench is a benchmark, not a test: this only checks that it runs and prints its tables."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (Debian package wrk; "
                    "scripts/bootstrap installs it)")
def test_the_benchmark_runs_in_smoke_mode() -> None:
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "bench.py"), "--smoke"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for heading in ("(a) In process", "(b) HTTP on loopback", "(c) Start-up, memory"):
        assert heading in out, out
    for row in ("secure floor", "line: menu key", "| line | menu key | 8 |", "| large |"):
        assert row in out, out
    assert "| 0 |" in out   # wrk saw no errors
    assert "Traceback" not in result.stderr
