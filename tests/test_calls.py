"""Golden call transcripts: each tests/calls/<name>.yaml is a caller's keys, and
tests/calls/<name>.txt is what they hear and what is dialled, through the real app.

Regenerate after an intended change with:  .venv/bin/python -m pytest tests/test_calls.py --update-golden
and read the diff before committing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask import Flask

from ivr.simulate import walk

CALLS = Path(__file__).parent / "calls"
SCENARIOS = sorted(CALLS.glob("*.yaml"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_call_transcript(scenario: Path, app: Flask, update_golden: bool) -> None:
    keys = [str(k) for k in yaml.safe_load(scenario.read_text(encoding="utf-8"))["keys"]]
    transcript = "\n".join(walk(app, keys)) + "\n"
    assert "\n!" not in transcript, transcript
    golden = scenario.with_suffix(".txt")
    if update_golden or not golden.exists():
        golden.write_text(transcript, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{golden.name} did not exist; it was written now - read it and commit it")
    assert transcript == golden.read_text(encoding="utf-8")


def test_every_scenario_has_a_golden_file() -> None:
    assert SCENARIOS, "no scenarios found"
    for scenario in SCENARIOS:
        assert scenario.with_suffix(".txt").exists(), scenario.name
