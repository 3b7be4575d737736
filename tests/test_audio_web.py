"""Serving audio to <Play>: headers, ETag/304, no signature, traversal attempts, and a file that
vanishes while the line runs (through the real app)."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask

from ivr.audio import synth_name
from tests.audiokit import SAFETY, VOICED_EN, tone_wav_bytes
from tests.conftest import BASE, ENV, make_app, post_signed

VOICE = "en-US-Neural2-F"
NAME = synth_name("safety", SAFETY, "google", VOICE)


@pytest.fixture
def line(tiny) -> tuple[Path, Flask, str]:  # type: ignore[no-untyped-def]
    """A tiny project whose English safety line has synthesized audio; the app; its audio URL path."""
    root = tiny(en=VOICED_EN)
    folder = root / "audio" / "en" / "synth"
    folder.mkdir(parents=True)
    (folder / NAME).write_bytes(tone_wav_bytes())
    return root, make_app(root), f"/audio/en/synth/{NAME}"


def plays(body: bytes) -> list[str]:
    return [e.text or "" for e in ET.fromstring(body).iter("Play")]


def says(body: bytes) -> list[str]:
    return [e.text or "" for e in ET.fromstring(body).iter("Say")]


def test_audio_is_served_with_explicit_type_cache_and_etag(line) -> None:  # type: ignore[no-untyped-def]
    root, app, path = line
    client = app.test_client()
    answer = post_signed(client, "/voice")
    assert BASE + path in plays(answer.data)
    response = client.get(path)           # no X-Twilio-Signature: Twilio sends none for <Play>
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/wav"
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert response.headers["ETag"].strip('"')
    assert response.data == (root / "audio" / "en" / "synth" / NAME).read_bytes()
    head = client.head(path)
    assert head.status_code == 200 and head.headers["Content-Type"] == "audio/wav"


def test_etag_answers_304_and_is_the_same_on_every_instance(line) -> None:  # type: ignore[no-untyped-def]
    root, app, path = line
    first = app.test_client().get(path)
    etag = first.headers["ETag"]
    os.utime(root / "audio" / "en" / "synth" / NAME, (1, 1))      # another checkout, another mtime
    second = make_app(root).test_client().get(path)
    assert second.headers["ETag"] == etag
    again = app.test_client().get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    changed = app.test_client().get(path, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


@pytest.mark.parametrize("attempt", [
    "/audio/en/synth/../../../menus.yaml",
    "/audio/en/synth/..%2F..%2F..%2Fmenus.yaml",
    "/audio/en/synth/..%2f..%2fen%2fsynth%2f" + NAME,
    "/audio/en/%2E%2E/%2E%2E/locales/en.yaml",
    "/audio/en/synth/%2Fetc%2Fpasswd",
    "/audio/en/synth//etc/passwd",
    "/audio//etc/passwd",
    "/audio/en/synth/..\\..\\menus.yaml",
    "/audio/en/locales/en.yaml",
    "/audio/en/recorded/index.json",
    "/audio/xx/synth/" + NAME,
    "/audio/en/synth/" + NAME.replace(".wav", ".WAV"),
    "/audio/en/synth/.hidden.0123456789ab.wav",
    "/audio/en/SYNTH/" + NAME,
    "/audio/en/synth/" + NAME + "%00.txt",
    "/audio/en/synth/safety.0123456789ab.wav",
])
def test_traversal_and_odd_names_get_404(line, attempt: str) -> None:  # type: ignore[no-untyped-def]
    _, app, _ = line
    response = app.test_client().get(attempt)
    assert response.status_code == 404, attempt
    assert b"danger" not in response.data and b"version" not in response.data


def test_symlink_out_of_the_audio_folder_is_refused(line, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    root, app, _ = line
    outside = tmp_path_factory.mktemp("outside") / "secret.wav"
    outside.write_bytes(tone_wav_bytes())
    link = root / "audio" / "en" / "synth" / "trouble.0123456789ab.wav"
    link.symlink_to(outside)
    assert app.test_client().get("/audio/en/synth/" + link.name).status_code == 404
    folder_link = root / "audio" / "en" / "recorded"
    folder_link.symlink_to(outside.parent, target_is_directory=True)
    (outside.parent / NAME).write_bytes(b"RIFF")
    assert app.test_client().get(f"/audio/en/recorded/{NAME}").status_code == 404


def test_a_vanished_file_falls_back_to_say_and_its_url_answers_404(line) -> None:  # type: ignore[no-untyped-def]
    root, app, path = line
    client = app.test_client()
    assert BASE + path in plays(post_signed(client, "/voice").data)
    (root / "audio" / "en" / "synth" / NAME).unlink()
    answer = post_signed(client, "/voice")
    assert answer.status_code == 200
    assert BASE + path not in plays(answer.data)
    assert SAFETY in says(answer.data)
    assert client.get(path).status_code == 404


def test_audio_base_url_points_play_at_the_cdn_only_for_files_that_exist(line) -> None:  # type: ignore[no-untyped-def]
    root, _, _ = line
    cdn = "https://cdn.example.net/line-audio"
    app = make_app(root, {**ENV, "AUDIO_BASE_URL": cdn})
    body = post_signed(app.test_client(), "/voice").data
    assert f"{cdn}/en/synth/{NAME}" in plays(body)
    assert all(url.startswith(cdn) for url in plays(body))
    # prompts without a file here are not sent to the CDN (it would answer 404): they use <Say>
    assert plays(body) == [f"{cdn}/en/synth/{NAME}"]
    (root / "audio" / "en" / "synth" / NAME).unlink()
    fresh = make_app(root, {**ENV, "AUDIO_BASE_URL": cdn})
    body = post_signed(fresh.test_client(), "/voice").data
    assert plays(body) == [] and SAFETY in says(body)
