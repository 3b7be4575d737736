"""Real `ivr serve` processes on loopback for the failure tests: started, probed, stopped by id."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import BASE, ENV, sign

IVR = str(Path(sys.executable).with_name("ivr"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LineProcess:
    """`ivr serve` (gunicorn) on 127.0.0.1, in its own process group so it can be stopped whole.

    PUBLIC_BASE_URL is the tests' BASE, so one signed request is valid on any instance."""

    def __init__(self, root: Path, log: Path, workers: int = 1, env: dict[str, str] | None = None):
        self.root, self.log, self.workers = root, log, workers
        self.port = free_port()
        self.env = {**os.environ, **ENV, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> LineProcess:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [IVR, "--root", str(self.root), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def worker_pids(self) -> list[int]:
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    def worker_rss_kib(self) -> int:
        total = 0
        for pid in self.worker_pids():
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return total

    def health(self) -> dict[str, object] | None:
        try:
            status, body = self.request("GET", "/healthz")
        except OSError:
            return None
        return json.loads(body) if status == 200 else None

    def wait_ready(self, seconds: float = 20) -> LineProcess:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"ivr serve exited:\n{self.log.read_text()}")
            if self.health() and len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.05)
        raise AssertionError(f"ivr serve did not become ready:\n{self.log.read_text()}")

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
                timeout: float = 5) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            reply = conn.getresponse()
            return reply.status, reply.read()
        finally:
            conn.close()

    def post(self, path: str, params: dict[str, str], timeout: float = 5) -> tuple[int, bytes]:
        """POST like Twilio: signed over BASE + path, whichever instance receives it."""
        return self.request("POST", path, urlencode(params).encode(), {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(BASE + path, params)}, timeout)

    def hup(self) -> None:
        os.kill(self.pid, signal.SIGHUP)

    def kill(self) -> None:
        """The machine dies: master and workers, at once."""
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
            assert self.proc is not None
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)   # any worker left behind in its group
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)
