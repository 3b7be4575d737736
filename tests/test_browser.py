"""The web phone and the map in a real Chromium (Debian's), driven by Playwright.

Each test starts the real `ivr serve --dev` on a free loopback port and uses the page as a
newcomer would: the mouse for most keys, the keyboard for some. Screenshots of the phone and the
map are written to a temporary folder (printed with -s, and kept by pytest under its basetemp).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.app import build_line
from ivr.config import Config
from tests.conftest import BASE_EN, BASE_MENUS, ENV, REPO
from tests.test_cli import IVR, free_port, wait_for

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/bootstrap does, as root)")
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Exception as exc:  # a machine where Chromium cannot start at all
            pytest.skip(f"Chromium could not start here: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


def serve(root: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `ivr serve --dev` on a free port; yield its address; stop it (by its pid) afterwards."""
    port = free_port()
    clean = {k: v for k, v in os.environ.items()
             if k not in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "AUDIO_BASE_URL", "OPERATOR_PASSWORD")}
    # A fixed moment when the firm is open (Tuesday 10:00 in New York), so pressing 0 rings.
    proc = subprocess.Popen([IVR, "--root", str(root), "serve", "--dev", "--port", str(port),
                             "--at", "2026-12-01T10:00"],
                            env={**clean, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
        assert "+15005550006" not in output, "the test caller's number reached the log"
        assert f"Web phone: http://127.0.0.1:{port}/" in output


@pytest.fixture(scope="module")
def line_url() -> Iterator[str]:
    yield from serve(REPO)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots in {folder}")
    return folder


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 400, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture(scope="module")
def texts() -> dict[tuple[str, str], str]:
    return dict(build_line(Config.from_env(REPO, ENV)).project.texts)


def heard(page, text: str, count: int = 1):  # type: ignore[no-untyped-def]
    """Wait until the transcript holds `count` lines containing `text`."""
    from playwright.sync_api import expect

    lines = page.locator("#transcript li", has_text=text[:60])
    expect(lines).to_have_count(count, timeout=20_000)
    return lines


def test_a_newcomer_walks_the_line_in_spanish_with_the_mouse(page, line_url, texts, shots) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    es = functools.partial(lambda pid: texts[("es", pid)])
    page.goto(line_url + "/")
    expect(page.locator(".key")).to_have_count(12)
    page.get_by_role("button", name="Call the line").click()
    heard(page, texts[("en", "safety")])
    page.get_by_role("button", name="2", exact=True).click()         # Spanish, barging in on the welcome
    heard(page, es("main.intro"))
    heard(page, texts[("es", "language.choose")], count=0)           # the key cut the welcome short
    page.get_by_role("button", name="1", exact=True).click()         # police and immigration
    heard(page, es("police.intro"))
    page.keyboard.press("1")                                         # a topic, from the keyboard
    heard(page, es("topic.police_ask"))
    page.get_by_role("button", name="star").click()                  # repeat
    heard(page, es("topic.police_ask"), count=2)
    page.get_by_role("button", name="pound").click()                 # back
    heard(page, es("police.intro"), count=2)
    page.get_by_role("button", name="0", exact=True).click()         # the firm
    heard(page, es("forward.firm"))
    dial = page.locator("#transcript li.t-dial")
    expect(dial).to_have_text("would dial +12125550100 (caller id +12125550199)")
    expect(page.locator("#dial")).to_be_visible()
    expect(page.locator("#dial-text")).to_contain_text("+12125550100")
    page.screenshot(path=str(shots / "phone-dial.png"), full_page=True)
    page.get_by_role("button", name="busy").click()                  # the firm's line is busy
    heard(page, es("dial.busy"))
    heard(page, es("after_call.info"))
    expect(page.locator("#dial")).to_be_hidden()

    said = page.locator("#transcript li.t-say").all_inner_texts()
    assert all(line.startswith(("[en-US]", "[es-US]")) for line in said), said
    assert said[0].startswith("[en-US]") and all(line.startswith("[es-US]") for line in said[1:]), said
    keys = page.locator("#transcript li.t-key").all_inner_texts()
    assert keys == ["You pressed 2", "You pressed 1", "You pressed 1", "You pressed *", "You pressed #",
                    "You pressed 0"]
    page.get_by_role("button", name="Hang up").click()
    expect(page.locator("#transcript li").last).to_have_text("You hung up.")
    expect(page.get_by_role("button", name="Call the line")).to_be_enabled()
    page.screenshot(path=str(shots / "phone.png"), full_page=True)


def test_the_phone_fits_400_px_with_large_keys_and_visible_focus(page, line_url) -> None:  # type: ignore[no-untyped-def]
    page.goto(line_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    box = page.get_by_role("button", name="5", exact=True).bounding_box()
    assert box and box["height"] >= 56 and box["width"] >= 56
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")       # past the skip link to the first control
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_a_key_pressed_while_nothing_listens_is_ignored_like_on_a_phone(page, line_url) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(line_url + "/")
    page.get_by_role("button", name="Call the line").click()
    heard(page, "If you are in danger")
    page.get_by_role("button", name="Hang up").click()
    page.get_by_role("button", name="7", exact=True).click()
    expect(page.locator("#status")).to_have_text('Press "Call the line" first.')


QUICK_MENUS = BASE_MENUS.replace("default_locale: en\n", "default_locale: en\n  timeout: 2\n")
QUICK_EN = BASE_EN.replace("safety: If you are in danger, hang up and dial 9 1 1.", "safety: Hello.") \
    .replace("keys.menu: To repeat, press {key:repeat}. To go back, press {key:back}. Firm, {key:firm}.",
             "keys.menu: Keys {key:repeat} {key:back} {key:firm}.") \
    .replace("main.info: For information, press {key}.", "main.info: Info, {key}.")


@pytest.fixture
def quick_line(tiny) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A tiny line with a 2 s timeout and short prompts; its welcome is a real recording, served
    (as AUDIO_BASE_URL allows) by a static file server of its own."""
    from tests.test_graph import write_wav

    root = tiny(menus=QUICK_MENUS, en=QUICK_EN)
    write_wav(root / "audio/en/recorded/safety.0123456789.wav", seconds=0.5)
    (root / "audio/en/recorded/index.json").write_text(
        '{"prompts": {"safety": {"file": "safety.0123456789.wav", "text": "Hello."}}}', encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "audio"))
    files = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=files.serve_forever, daemon=True)
    thread.start()
    try:
        yield from serve(root, {"AUDIO_BASE_URL": f"http://127.0.0.1:{files.server_address[1]}"})
    finally:
        files.shutdown()
        files.server_close()


def test_a_silent_gather_times_out_and_the_line_reprompts(page, quick_line) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(quick_line + "/")
    page.get_by_role("button", name="Call the line").click()
    heard(page, "[en audio, recorded] Hello.")                     # <Play> through the audio element
    heard(page, "For English, press one.")
    page.keyboard.press("1")
    heard(page, "Info, one.")
    expect(page.locator("#status")).to_contain_text("Listening for a key")
    heard(page, "(no key pressed for 2 s)")                          # the real Gather timeout
    heard(page, "I did not hear a choice.")                          # the line's reprompt
    heard(page, "Info, one.", count=2)
    errors = page.locator("#transcript li.t-error").all_inner_texts()
    assert errors == [], errors


def test_the_map_shows_every_menu_in_the_chosen_language(page, line_url, texts, shots) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(line_url + "/map")
    page.get_by_label("Language", exact=True).select_option("es")               # reloads the page in Spanish
    expect(page).to_have_url(line_url + "/map?locale=es")
    expect(page.locator("#review")).to_contain_text("machine-translated")
    project = build_line(Config.from_env(REPO, ENV)).project
    for menu in project.menus:
        expect(page.locator(f'svg g.node[data-node="menu-{menu}"]')).to_have_count(1)
    page.locator("#list-menu-police button.play").first.click()
    expect(page.locator("#now")).to_contain_text(texts[("es", "police.intro")])
    row = page.locator('svg g.prompt[data-prompt="main.police"]')
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#now")).to_contain_text(texts[("es", "main.police")])
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    page.screenshot(path=str(shots / "map-400.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.locator(".diagram").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "map.png"))
    assert (shots / "map.png").stat().st_size > 10_000
