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

from ivr.hours import fixed_clock, parse_moment
from ivr.simulate import walk
from tests.conftest import make_app

CALLS = Path(__file__).parent / "calls"
SCENARIOS = sorted(CALLS.glob("*.yaml"))
_APPS: dict[str, Flask] = {}


def app_at(at: str) -> Flask:
    """The app with its clock fixed at `at` (a scenario's `at:`), built once per moment."""
    if at not in _APPS:
        moment = parse_moment(at)
        assert moment is not None, f"bad at: {at}"
        _APPS[at] = make_app(clock=fixed_clock(moment))
    return _APPS[at]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_call_transcript(scenario: Path, app: Flask, update_golden: bool) -> None:
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    keys = [str(k) for k in data["keys"]]
    if "at" in data:   # the moment of the call (business hours); default: conftest.OPEN_TIME
        app = app_at(str(data["at"]))
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
