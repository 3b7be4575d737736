"""Failure tests with real `ivr serve` processes on loopback: reload, a dying instance, a burst,
a dead audio store. Bounded in requests and time; every process started here is stopped here."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.callscript import SCRIPT, next_request
from tests.conftest import REPO, make_app, post_signed, twilio_params
from tests.serving import LineProcess, free_port

pytestmark = pytest.mark.slow

Start = Callable[..., LineProcess]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    started: list[LineProcess] = []

    def start(root: Path = REPO, workers: int = 1, env: dict[str, str] | None = None) -> LineProcess:
        line = LineProcess(root, tmp_path / f"serve-{len(started)}.log", workers, env)
        started.append(line)
        return line.start()

    yield start
    for line in started:
        line.stop()


def copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "line"
    root.mkdir()
    shutil.copy(REPO / "menus.yaml", root)
    shutil.copytree(REPO / "locales", root / "locales")
    shutil.copytree(REPO / "audio", root / "audio")   # bn, ht, ur play audio: the line needs it
    return root


def wait_until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


# --- reload on SIGHUP --------------------------------------------------------------------------------------

def test_sighup_rejects_a_bad_edit_and_takes_a_good_one(start: Start, tmp_path: Path) -> None:
    root = copy_content(tmp_path)
    en = root / "locales" / "en.yaml"
    original = en.read_text(encoding="utf-8")
    line = start(root, workers=2).wait_ready()
    old_fingerprint = line.health()["fingerprint"]  # type: ignore[index]

    def answer_text() -> str:
        status, body = line.post("/voice", twilio_params())
        assert status == 200
        return body.decode()

    assert "If you are in danger now" in answer_text()

    # A bad edit: a prompt deleted. The master rejects it; the new workers are forked from the
    # last good line, so gunicorn keeps running and callers hear the old words.
    workers = set(line.worker_pids())
    en.write_text(original.replace("If you are in danger now", "BAD EDIT")
                  .replace("\n  trouble:", "\n  trouble_typo:"), encoding="utf-8")
    line.hup()
    wait_until(lambda: not workers & set(line.worker_pids()) and len(line.worker_pids()) == 2)
    assert line.alive()
    assert all("If you are in danger now" in answer_text() for _ in range(6))
    assert line.health()["fingerprint"] == old_fingerprint  # type: ignore[index]
    log = line.log.read_text()
    assert "reload-rejected" in log and "locales/en.yaml" in log and "trouble" in log

    # The edit fixed: the new content goes live.
    en.write_text(original.replace("If you are in danger now", "If you are in danger at this moment"),
                  encoding="utf-8")
    line.hup()
    wait_until(lambda: line.health() is not None
               and line.health()["fingerprint"] != old_fingerprint)  # type: ignore[index]
    wait_until(lambda: all("If you are in danger at this moment" in answer_text() for _ in range(4)))
    assert line.alive() and '"event":"reloaded"' in line.log.read_text()


# --- two instances, one dies mid-call ----------------------------------------------------------------------

def test_a_call_survives_the_death_of_the_instance_serving_it(start: Start) -> None:
    a, b = start(), start()
    a.wait_ready()
    b.wait_ready()
    # The same call in process, for comparison: every answer must be byte for byte the same.
    reference = make_app().test_client()
    served_by: list[str] = []
    failed_over = 0

    def send(index: int, path: str, params: dict[str, str]) -> bytes:
        nonlocal failed_over
        first, second = (a, b) if index % 2 == 0 else (b, a)
        try:
            status, body = first.post(path, params)
            served_by.append("a" if first is a else "b")
        except OSError:   # the instance is gone: the load balancer sends the request to the other
            failed_over += 1
            status, body = second.post(path, params)
            served_by.append("a" if second is a else "b")
        assert status == 200
        return body

    path, params = "/voice", twilio_params()
    for index, key in enumerate(SCRIPT):
        body = send(index, path, params)
        assert body == post_signed(reference, path, params).data, (index, path)
        if index == 4:
            a.kill()   # mid-call, after it served part of the call
        following = next_request(body, key)
        assert following is not None, "the scripted call ended early"
        path, params = following
    assert "a" in served_by[:5] and "b" in served_by[:5]
    assert set(served_by[5:]) == {"b"} and failed_over >= 3
    assert not a.alive() and b.alive()


# --- a burst ---------------------------------------------------------------------------------------------

def burst_requests(count: int, offset: int) -> list[tuple[str, dict[str, str]]]:
    kinds = [
        ("/voice", twilio_params()),
        ("/voice/key/language", twilio_params(Digits="2")),
        ("/voice/key/main?h=language&l=es", twilio_params(Digits="1")),
        ("/voice/key/police?h=language.main&l=es", twilio_params(Digits="1")),
        ("/voice/dial/firm?h=language.main&l=en", twilio_params(DialCallStatus="no-answer")),
        ("/voice/quiet/main?h=language&l=en&ni=1", twilio_params()),
        ("/voice/key/main?h=language&l=en", twilio_params(Digits="7")),
    ]
    out = []
    for i in range(count):
        path, params = kinds[i % len(kinds)]
        if i % 10 == 9:   # some never-seen URLs too (unique state), so the cache is exercised to its bound
            path = f"{path}{'&' if '?' in path else '?'}zz={offset + i}"
        out.append((path, params))
    return out


def test_a_burst_of_2000_signed_requests_at_concurrency_32(start: Start) -> None:
    line = start(workers=2).wait_ready()

    def burst(offset: int) -> Counter[int]:
        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = list(pool.map(lambda r: line.post(*r, timeout=10)[0], burst_requests(2000, offset)))
        return Counter(statuses)

    first = burst(0)
    rss_after_first = line.worker_rss_kib()
    second = burst(100_000)
    rss_after_second = line.worker_rss_kib()
    assert first == Counter({200: 2000}) and second == Counter({200: 2000})
    assert rss_after_second <= rss_after_first * 1.10, (rss_after_first, rss_after_second)
    assert line.alive() and len(line.worker_pids()) == 2
    assert "Traceback" not in line.log.read_text()


# --- a slow or dead audio store ---------------------------------------------------------------------------

class Blackhole:
    """A TCP server on loopback that accepts connections and never answers (a hung bucket)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.held: list[socket.socket] = []
        self.sock.settimeout(0.1)
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            self.held.append(conn)

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.mark.parametrize("store", ["slow", "dead"])
def test_a_slow_or_dead_audio_store_does_not_touch_the_webhooks(start: Start, store: str) -> None:
    hole = Blackhole() if store == "slow" else None
    port = hole.port if hole else free_port()   # "dead": nothing listens there
    audio = f"http://127.0.0.1:{port}/audio"
    try:
        line = start(env={"AUDIO_BASE_URL": audio}).wait_ready()   # start-up does not fetch audio either
        path, params = "/voice", twilio_params()
        plays = 0
        for key in SCRIPT:
            status, body = line.post(path, params, timeout=5)
            assert status == 200
            plays += body.count(f"<Play>{audio}/".encode())
            following = next_request(body, key)
            assert following is not None
            path, params = following
        assert plays > len(SCRIPT)   # the answers do point at the store ...
        if hole:
            assert hole.accepted == 0   # ... and the server never connected to it
    finally:
        if hole:
            hole.close()
