"""The `ivr` command as an operator uses it: exit codes, messages, and a real server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from ivr.cli import main
from tests.conftest import BASE_MENUS, ENV, REPO, sign, twilio_params
from tests.serving import free_port

IVR = str(Path(sys.executable).with_name("ivr"))


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_check_passes_on_the_bundled_files() -> None:
    result = run("--root", str(REPO), "check")
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_check_exits_1_on_content_errors(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(menus=BASE_MENUS.replace("goto: info", "goto: infoo"))
    result = run("--root", str(root), "check")
    assert result.exit_code == 1
    assert "menus.yaml:25: menus › main › \"1\": there is no menu 'infoo' - did you mean 'info'?" in result.output


def test_check_json(tiny) -> None:  # type: ignore[no-untyped-def]
    import json

    result = run("--root", str(tiny(menus=BASE_MENUS.replace("goto: info", "goto: infoo"))), "check", "--json")
    problems = json.loads(result.output)
    assert problems[0]["code"] == "unknown-menu" and problems[0]["line"] == 25


def test_check_exits_2_on_usage_problems(tmp_path: Path) -> None:
    assert run("--root", str(tmp_path), "check").exit_code == 2
    assert run("check", "--no-such-flag").exit_code == 2


def test_call_with_keys_prints_the_transcript_and_the_number_dialled() -> None:
    result = run("--root", str(REPO), "call", "--at", "2026-12-01T10:00", "--keys", "2,1,1,0")
    assert result.exit_code == 0, result.output
    assert "[es-US] En la ciudad de Nueva York" in result.output
    assert "DIAL +12125550100 (caller id +12125550199" in result.output


def test_call_at_a_closed_time_says_so_before_any_ringing() -> None:
    result = run("--root", str(REPO), "call", "--at", "2026-12-25T10:00", "--keys", "1,0,1")
    assert result.exit_code == 0, result.output
    closed = result.output.split("> press 0")[1]
    assert closed.index("office is closed") < closed.index("DIAL +18007997233")
    assert "DIAL +12125550100" not in result.output


def test_call_at_needs_a_date_and_time() -> None:
    result = run("--root", str(REPO), "call", "--at", "christmas", "--keys", "1")
    assert result.exit_code == 2 and "2026-12-25T10:00" in result.output


def test_call_rejects_a_bad_key() -> None:
    result = run("--root", str(REPO), "call", "--keys", "1,x")
    assert result.exit_code == 2 and "! 'x' is not a key" in result.output


def test_call_interactive_reads_keys_from_the_terminal() -> None:
    result = CliRunner().invoke(main, ["--root", str(REPO), "call"], input="2\n\nq\n")
    assert result.exit_code == 0
    assert "Para español" in result.output and "Perdone, no escuché" in result.output


def test_serve_refuses_to_start_without_an_auth_token(tmp_path: Path) -> None:
    env = {k: "" for k in ("TWILIO_AUTH_TOKEN",)} | {"PUBLIC_BASE_URL": "https://x.example"}
    result = run("--root", str(REPO), "serve", env=env)
    assert result.exit_code == 2 and "TWILIO_AUTH_TOKEN is not set" in result.output


def test_serve_refuses_to_start_on_content_errors(tiny) -> None:  # type: ignore[no-untyped-def]
    root = tiny(menus=BASE_MENUS.replace("goto: info", "goto: infoo"))
    result = run("--root", str(root), "serve", env={**ENV})
    assert result.exit_code == 1 and "there is no menu 'infoo'" in result.output


def wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not start")


@pytest.mark.slow
def test_a_real_gunicorn_server_answers_signed_posts_on_loopback() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **ENV, "PUBLIC_BASE_URL": base}
    proc = subprocess.Popen([IVR, "--root", str(REPO), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(port, proc)
        params = twilio_params()
        request = urllib.request.Request(base + "/voice", data=urlencode(params).encode(),
                                         headers={"X-Twilio-Signature": sign(base + "/voice", params)})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/xml")
            assert b"<Gather" in reply.read()
        bad = urllib.request.Request(base + "/voice", data=urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": "nope"})
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(bad, timeout=10)
        assert exc.value.code == 403
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=20)[0].decode()
    assert "gunicorn" in output.lower() or "Booting worker" in output
    assert "+15005550006" not in output


def test_dev_server_binds_loopback_only() -> None:
    assert shutil.which(IVR) or Path(IVR).exists()
    port = free_port()
    proc = subprocess.Popen([IVR, "--root", str(REPO), "serve", "--dev", "--port", str(port), "--host", "0.0.0.0"],
                            env={k: v for k, v in os.environ.items() if k != "TWILIO_AUTH_TOKEN"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(port, proc)
        connections = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout if shutil.which("ss") \
            else ""
        if connections:
            listening = [line for line in connections.splitlines() if f":{port} " in line]
            assert listening and all("127.0.0.1" in line for line in listening), listening
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=20)[0].decode()
    assert "WARNING: development mode" in output


def test_languages_lists_every_locale_in_menu_order() -> None:
    result = run("--root", str(REPO), "languages")
    assert result.exit_code == 0
    rows = [line for line in result.output.splitlines() if line.startswith("| ") and not line.startswith("| tag")]
    rows = [r for r in rows if not r.startswith("| ---")]
    assert len(rows) == 12
    assert rows[0].startswith("| en | English") and "page 1, key 1" in rows[0]
    assert "| ur | Urdu (اردو) | page 2, key 3 |" in result.output


def test_timing_measures_the_language_menu() -> None:
    result = run("--root", str(REPO), "timing")
    assert result.exit_code == 0, result.output
    assert "page 1:" in result.output and "page 2:" in result.output
    assert "page 1 without the welcome" in result.output


def test_call_paths_lists_every_forwarding_path_with_number_and_caller_id() -> None:
    result = run("--root", str(REPO), "call", "--paths", "--at", "2026-12-01T10:00")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()[1:]
    for number in ("+12125550100", "933", "+18007997233", "+18006214673", "+18009426906", "+18005727233"):
        assert any(f"DIAL {number} (caller id +12125550199" in line for line in lines), number
    assert all("DIAL " in line for line in lines), lines
    assert any(line.startswith("1,5,1 ") and "consultation › 1" in line and "-> firm" in line for line in lines)


def test_call_paths_at_a_closed_time_shows_the_firm_is_not_dialled() -> None:
    result = run("--root", str(REPO), "call", "--paths", "--at", "2026-12-25T10:00")
    firm = [line for line in result.output.splitlines() if "-> firm:" in line]
    assert firm and all("not dialled now" in line and "closed" in line for line in firm)
    assert "could not be walked" not in result.output
