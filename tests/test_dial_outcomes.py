"""Every DialCallStatus for every forwarding target, in English and Spanish, as golden
transcripts in tests/calls/dial/<target>.<status>.<locale>.txt (through the real app).

Each transcript starts at the key that forwards the call: the welcome and the main menu are
covered by tests/calls. Regenerate after an intended change with
    .venv/bin/python -m pytest tests/test_dial_outcomes.py --update-golden
and read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from ivr.model import DIAL_STATUSES
from ivr.simulate import walk

GOLDEN = Path(__file__).parent / "calls" / "dial"
# The keys that reach each target from the language menu (after the language key).
PATHS = {
    "firm": ["0"],
    "emergency": ["9"],
    "hotline_national": ["4", "1"],
    "hotline_nyc": ["4", "2"],
    "hotline_nys": ["4", "3"],
    "hotline_nj": ["4", "4"],
}
LANGUAGES = {"en": "1", "es": "2"}
CASES = [(t, s, lang) for t in PATHS for s in DIAL_STATUSES for lang in LANGUAGES]


def test_every_target_of_the_bundled_line_is_covered(app: Flask) -> None:
    assert set(PATHS) == set(app.extensions["ivr"].project.targets)


@pytest.mark.parametrize(("target", "status", "lang"), CASES, ids=[".".join(c) for c in CASES])
def test_dial_outcome(app: Flask, target: str, status: str, lang: str, update_golden: bool) -> None:
    project = app.extensions["ivr"].project
    keys = [LANGUAGES[lang], *PATHS[target], status]
    lines = list(walk(app, keys))
    assert not [line for line in lines if line.startswith("!")], lines
    start = max(i for i, line in enumerate(lines) if line == f"> press {PATHS[target][-1]}")
    transcript = "\n".join(lines[start:]) + "\n"
    # Whatever the golden file says, these must hold: the right number is dialled with a
    # caller id, the caller hears what happened in their language, and the hotline is one key away.
    number = project.targets[target].number
    assert f"DIAL {number} (caller id +1" in transcript
    said = project.text(lang, f"dial.{'completed' if status == 'answered' else status}")
    assert f"> the forwarded call ends: {status}\n  [{lang}-US] {said}\n" in transcript
    assert project.text(lang, "after_call.hotline") in transcript
    assert project.text(lang, "after_call.main") in transcript
    if target == "firm":
        assert project.text(lang, "hours.firm") in transcript
    if target == "emergency":
        assert project.text(lang, "emergency.warning") in transcript
        after = transcript.split("> the forwarded call ends")[1]
        assert project.text(lang, "safety") in after
    golden = GOLDEN / f"{target}.{status}.{lang}.txt"
    if update_golden or not golden.exists():
        golden.write_text(transcript, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{golden.name} did not exist; it was written now - read it and commit it")
    assert transcript == golden.read_text(encoding="utf-8")
