#!/usr/bin/env python3
"""The line's benchmark (run it with `scripts/bench`; not a test). Prints three tables:

(a) in process, direct WSGI calls (no test client, no sockets): per-request p50/p99 of five
    webhooks next to two floors of the stack, a constant-TwiML Flask route and the same route
    doing the same X-Twilio-Signature check (the "secure floor");
(b) over HTTP on 127.0.0.1: `ivr serve` (gunicorn, 2 sync workers) and the two floors (gunicorn,
    2 sync workers), loaded with wrk at concurrency 1, 8 and 64: req/s, p50/p99 and server CPU
    per request (utime+stime of the workers from /proc);
(c) start-up time, worker memory and per-request cost with the bundled files and with a
    generated tree of 500 menus x 40 locales.
Ratios are against baselines measured in the same run. Loopback only; every wrk run is bounded
in time; every process started here is stopped here, by its id.
"""

from __future__ import annotations

import argparse
import datetime
import io
import logging
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
sys.path[:0] = [str(REPO), str(SCRIPTS)]

from bench_floor import make_floor  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from ivr.app import create_app  # noqa: E402
from ivr.config import DEV_ENV, Config  # noqa: E402
from ivr.logs import JsonFormatter  # noqa: E402

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"   # never anything else
TOKEN = "bench-token-0123456789abcdef0123"
BASE = "https://line.example.org"
ENV = {**DEV_ENV, "TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_BASE_URL": BASE}
CLK = os.sysconf("SC_CLK_TCK")

# What Twilio posts with every voice webhook (28 fields; Twilio's documented test caller).
FORM = {
    "AccountSid": "AC0123456789abcdef0123456789abcdef", "ApiVersion": "2010-04-01",
    "CallSid": "CAfedcba9876543210fedcba9876543210", "CallStatus": "in-progress",
    "Called": "+12125550199", "CalledCity": "NEW YORK", "CalledCountry": "US", "CalledState": "NY",
    "CalledZip": "10007", "Caller": "+15005550006", "CallerCity": "BROOKLYN", "CallerCountry": "US",
    "CallerState": "NY", "CallerZip": "11201", "Direction": "inbound", "From": "+15005550006",
    "FromCity": "BROOKLYN", "FromCountry": "US", "FromState": "NY", "FromZip": "11201",
    "To": "+12125550199", "ToCity": "NEW YORK", "ToCountry": "US", "ToState": "NY", "ToZip": "10007",
}
WEBHOOKS = [
    ("entry", "/voice", {}),
    ("language choice", "/voice/key/language", {"Digits": "2"}),
    ("menu key", "/voice/key/main?h=language&l=es", {"Digits": "1"}),
    ("topic message", "/voice/key/police?h=language.main&l=es", {"Digits": "1"}),
    ("dial outcome", "/voice/dial/firm?h=language.main&l=es", {"DialCallStatus": "busy"}),
]
MENU_KEY = WEBHOOKS[2]
LUA = """wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Twilio-Signature"] = os.getenv("BENCH_SIG")
"""


def form_for(extra: dict[str, str]) -> dict[str, str]:
    return {**FORM, **extra, **({"msg": "Gather End", "FinishedOnKey": ""} if "Digits" in extra else {})}


def signed(path: str, extra: dict[str, str]) -> tuple[bytes, str]:
    params = form_for(extra)
    return urlencode(params).encode(), RequestValidator(TOKEN).compute_signature(BASE + path, params)


# --- (a) in process ----------------------------------------------------------------------------------------

class Direct:
    """One request, called straight on the WSGI app with a pre-built environ (as gunicorn would)."""

    def __init__(self, app: Any, path: str, extra: dict[str, str]):
        self.app = app
        self.raw, sig = signed(path, extra)
        route, _, query = path.partition("?")
        self.env = EnvironBuilder(path=route, query_string=query, method="POST", data=self.raw,
                                  content_type="application/x-www-form-urlencoded", base_url=f"http://{HOST}:8080",
                                  headers={"X-Twilio-Signature": sig}).get_environ()
        self.env["RAW_URI"] = path
        self.status = ""
        body = self.once()
        if not self.status.startswith("200") or not body.startswith(b"<?xml"):
            raise SystemExit(f"bench: {path} answered {self.status!r} in process")

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        self.status = status

    def once(self) -> bytes:
        env = self.env.copy()
        env["wsgi.input"] = io.BytesIO(self.raw)
        it = self.app(env, self.start_response)
        try:
            return b"".join(it)
        finally:
            if hasattr(it, "close"):
                it.close()

    def timed(self, n: int) -> list[int]:
        out, app, base, raw, sr = [], self.app, self.env, self.raw, self.start_response
        clock = time.perf_counter_ns
        for _ in range(n):
            env = base.copy()
            env["wsgi.input"] = io.BytesIO(raw)
            t = clock()
            it = app(env, sr)
            b"".join(it)
            it.close()
            out.append(clock() - t)
        return out


def pct(samples: list[int] | list[float], q: float) -> float:
    ordered = sorted(samples)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def line_app(root: Path, cache: bool = True, extra_env: dict[str, str] | None = None) -> Any:
    env = {**ENV, **(extra_env or {}), **({} if cache else {"IVR_RENDER_CACHE_KB": "0"})}
    return create_app(config=Config.from_env(root, env))


def measure_inproc(cases: dict[str, Direct], n: int, rounds: int) -> dict[str, list[int]]:
    samples: dict[str, list[int]] = {name: [] for name in cases}
    for case in cases.values():
        case.timed(max(50, n // 10))   # warm-up
    for _ in range(rounds):             # interleaved, so drift hits every case alike
        for name, case in cases.items():
            samples[name] += case.timed(n)
    return samples


def table_a(args: argparse.Namespace, menu_body: bytes) -> dict[str, float]:
    bundled = line_app(REPO)
    uncached = line_app(REPO, cache=False)
    path, extra = MENU_KEY[1], MENU_KEY[2]
    cases = {
        "floor: constant TwiML Flask route": Direct(make_floor(menu_body), path, extra),
        "floor: same + signature check (secure floor)": Direct(make_floor(menu_body, TOKEN, BASE), path, extra),
        "floor: same + one-HMAC signature check (as the line does it)":
            Direct(make_floor(menu_body, TOKEN, BASE, single_hmac=True), path, extra),
    }
    for name, p, e in WEBHOOKS:
        cases[f"line: {name}"] = Direct(bundled, p, e)
        cases[f"line, cache off: {name}"] = Direct(uncached, p, e)
    samples = measure_inproc(cases, args.n, args.rounds)
    floor = pct(samples["floor: same + signature check (secure floor)"], 0.5)
    print(f"\n(a) In process, direct WSGI calls: {args.rounds} round(s) x {args.n} requests per case, interleaved")
    print("| case | p50 µs | p99 µs | mean µs | p50 ÷ secure floor |")
    print("|---|---|---|---|---|")
    ratios = {}
    for name, s in samples.items():
        p50 = pct(s, 0.5) / 1000
        ratios[name] = p50 * 1000 / floor
        print(f"| {name} | {p50:.1f} | {pct(s, 0.99) / 1000:.1f} | {statistics.fmean(s) / 1000:.1f} "
              f"| {ratios[name]:.2f} |")
    one = ratios["floor: same + one-HMAC signature check (as the line does it)"]
    worst = max(v for k, v in ratios.items() if k.startswith("line: "))
    print(f"target: every webhook within 1.3x of the secure floor in process -> worst {worst:.2f}x "
          f"{'PASS' if worst <= 1.3 else 'MISS'} (÷ the one-HMAC floor: {worst / one:.2f}x)")
    return ratios


# --- processes ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def memory_kib(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1])
    private = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key = line.split(":")[0]
            if key == "Pss":
                out["pss"] = int(line.split()[1])
            elif key in ("Private_Clean", "Private_Dirty"):
                private += int(line.split()[1])
    out["uss"] = private
    return out


class Server:
    """A gunicorn server on loopback, in its own process group, stopped by its id."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int):
        self.name, self.port = name, port
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.ready_ms = 0.0

    def wait_ready(self, probe: tuple[str, dict[str, str]], seconds: float = 60) -> Server:
        body, sig = signed(*probe)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"bench: {self.name} exited with {self.proc.returncode}")
            try:
                request = urllib.request.Request(f"http://{HOST}:{self.port}{probe[0]}", data=body,
                                                 headers={"X-Twilio-Signature": sig})
                with urllib.request.urlopen(request, timeout=2) as reply:
                    if reply.status == 200 and len(children(self.proc.pid)) == 2:
                        self.ready_ms = (time.perf_counter() - self.started) * 1000
                        return self
            except OSError:
                pass
            time.sleep(0.01)
        self.stop()
        raise SystemExit(f"bench: {self.name} did not answer within {seconds} s")

    def workers(self) -> list[int]:
        return children(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def gunicorn_flags() -> list[str]:
    import gunicorn.config

    names = {s.name for s in gunicorn.config.KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


def start_floor(kind: str, body_file: Path) -> Server:
    port = free_port()
    env = {**os.environ, "BENCH_BODY_FILE": str(body_file), "BENCH_TOKEN": TOKEN, "BENCH_BASE": BASE}
    argv = [str(BIN / "gunicorn"), "-b", f"{HOST}:{port}", "-w", "2", "-k", "sync", "--log-level", "warning",
            *gunicorn_flags(), "--chdir", str(SCRIPTS), f"bench_floor:create_{kind}()"]
    return Server(f"{kind} floor", argv, env, port)


def start_line(root: Path) -> Server:
    port = free_port()
    argv = [str(BIN / "ivr"), "--root", str(root), "serve", "--host", HOST, "--port", str(port), "--workers", "2"]
    return Server(f"ivr serve ({root.name})", argv, {**os.environ, **ENV}, port)


def to_ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def wrk(server: Server, webhook: tuple[str, str, dict[str, str]], conns: int, seconds: int,
        lua: Path) -> dict[str, float]:
    _, path, extra = webhook
    body, sig = signed(path, extra)
    env = {**os.environ, "BENCH_BODY": body.decode(), "BENCH_SIG": sig}
    workers = server.workers()
    before = cpu_ticks(workers)
    out = subprocess.run(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "--latency",
                          "-s", str(lua), f"http://{HOST}:{server.port}{path}"],
                         env=env, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    after = cpu_ticks(workers)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "cpu_us": (after - before) / CLK * 1e6 / max(requests, 1),
        "requests": requests,
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def median_runs(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) if k != "errors" else sum(r[k] for r in runs)
            for k in runs[0]}


def table_b(args: argparse.Namespace, menu_body: bytes, work: Path, lua: Path) -> dict[str, float]:
    body_file = work / "menu.xml"
    body_file.write_bytes(menu_body)
    servers = {"const floor": start_floor("const", body_file), "secure floor": start_floor("secure", body_file),
               "line": start_line(REPO)}
    try:
        for server in servers.values():
            server.wait_ready((MENU_KEY[1], MENU_KEY[2]))
        # Each line measurement right after a secure-floor one, so drift on the shared box hits both.
        plan: list[tuple[str, tuple[str, str, dict[str, str]], int]] = []
        for conns in args.conns:
            plan += [("const floor", MENU_KEY, conns), ("secure floor", MENU_KEY, conns), ("line", MENU_KEY, conns)]
            if conns == 8 and not args.smoke:
                for w in WEBHOOKS:
                    if w is not MENU_KEY:
                        plan += [("secure floor", MENU_KEY, 8), ("line", w, 8)]
        for name, webhook, _ in plan[:3] if not args.smoke else ():
            wrk(servers[name], webhook, 8, 1, lua)   # warm-up
        results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        for _ in range(min(args.rounds, 3)):
            for name, webhook, conns in plan:
                results.setdefault((name, webhook[0], conns), []).append(
                    wrk(servers[name], webhook, conns, args.seconds, lua))
    finally:
        for server in servers.values():
            server.stop()
    print(f"\n(b) HTTP on loopback, gunicorn 2 sync workers each, wrk -t1 -d{args.seconds}s, "
          f"median of {min(args.rounds, 3)} round(s)")
    print("| target | webhook | conns | req/s | p50 ms | p99 ms | server CPU µs/req | req/s ÷ secure floor | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    summary = {key: median_runs(runs) for key, runs in results.items()}
    ratios = {}
    for (name, hook, conns), r in summary.items():
        floor = summary[("secure floor", MENU_KEY[0], conns)]["rps"]
        ratios[f"{name}|{hook}|{conns}"] = r["rps"] / floor
        print(f"| {name} | {hook} | {conns} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{r['cpu_us']:.0f} | {r['rps'] / floor:.2f} | {r['errors']:.0f} |")
    if 8 in args.conns:
        at8 = [v for k, v in ratios.items() if k.startswith("line|") and k.endswith("|8")]
        print(f"target: at concurrency 8, at least 0.9x the secure floor's req/s -> worst {min(at8):.2f}x "
              f"{'PASS' if min(at8) >= 0.9 else 'MISS'}")
    return ratios


# --- (c) the bundled files and a large generated tree --------------------------------------------------------

def generate_tree(dest: Path, menus: int, locales: int) -> Path:
    """The bundled line plus `menus` - 14 generated menus (a 5-ary tree under the hotlines menu)
    and `locales` - 2 generated locales (copies of English with every generated prompt)."""
    dest.mkdir(parents=True)
    text = (REPO / "menus.yaml").read_text(encoding="utf-8")
    bundled_menus = len(re.findall(r"^  [a-z_]+:\s*$", text.split("\nmenus:", 1)[1], re.M))
    count = max(menus - bundled_menus, 1)
    tags = ["en", "es"] + [f"x{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(max(locales - 2, 0))]
    hook = '      "4": {label: hotlines.nj, forward: hotline_nj}\n'
    if hook in text:
        text = text.replace(hook, hook + '      "5": {label: gen.enter, goto: g0}\n')
    text = re.sub(r"\nlocales:\n(?:  .*\n)+", "\nlocales:\n" + "".join(f"  {t}: on\n" for t in tags), text, count=1)
    pages = [tags[i:i + 7] for i in range(0, len(tags), 7)]
    page_text = "".join("    - {" + ", ".join(f'"{k + 1}": {t}' for k, t in enumerate(p)) + "}\n" for p in pages)
    text = re.sub(r"\n  pages:\n(?:    - .*\n)+", "\n  pages:\n" + page_text, text, count=1)
    lines, prompts = [], {"gen.enter": "For more topics, press {key}."}
    for i in range(count):
        kids = [c for c in range(5 * i + 1, 5 * i + 6) if c < count]
        lines.append(f"  g{i}:\n    say: [g{i}.intro]\n")
        prompts[f"g{i}.intro"] = f"This is generated topic number {i}, with a few sentences of text to read."
        if kids:
            lines.append("    options:\n")
            for k, c in enumerate(kids, start=1):
                lines.append(f'      "{k}": {{label: g{c}.label, goto: g{c}}}\n')
                prompts[f"g{c}.label"] = f"For generated topic {c}, press {{key}}."
        lines.append("    keys_prompt: keys.message\n")
    (dest / "menus.yaml").write_text(text.rstrip("\n") + "\n\n" + "".join(lines), encoding="utf-8")
    (dest / "locales").mkdir()
    extra = "".join(f"  {pid}: {value}\n" for pid, value in prompts.items())
    english = (REPO / "locales" / "en.yaml").read_text(encoding="utf-8")
    for tag in tags:
        source = (REPO / "locales" / f"{tag}.yaml").read_text(encoding="utf-8") if tag in ("en", "es") else \
            english.replace("name: English", f"name: Language {tag}", 1).replace(
                "english_name: English", f"english_name: Language {tag}", 1)
        (dest / "locales" / f"{tag}.yaml").write_text(source.rstrip("\n") + "\n" + extra, encoding="utf-8")
    return dest


def tree_size(root: Path) -> tuple[int, int, float]:
    from ivr.load import load_project

    project = load_project(root, ENV)
    files = [root / "menus.yaml", *(root / "locales").glob("*.yaml")]
    return len(project.menus), len(project.enabled_locales), sum(f.stat().st_size for f in files) / 1e6


def table_c(args: argparse.Namespace, work: Path, lua: Path) -> dict[str, float]:
    large = generate_tree(work / "large", args.large_menus, args.large_locales)
    trees = {"bundled": REPO, "large": large}
    rows: dict[str, dict[str, float]] = {}
    for name, root in trees.items():
        menus, locales, mb = tree_size(root)
        loads = []
        for _ in range(args.startups):
            t = time.perf_counter()
            line_app(root)
            loads.append((time.perf_counter() - t) * 1000)
        cases = {"cached": Direct(line_app(root), MENU_KEY[1], MENU_KEY[2]),
                 "uncached": Direct(line_app(root, cache=False), MENU_KEY[1], MENU_KEY[2]),
                 "entry": Direct(line_app(root, cache=False), WEBHOOKS[0][1], WEBHOOKS[0][2])}
        samples = measure_inproc(cases, args.n, args.rounds)
        starts, memory, cpu = [], [], []
        for i in range(args.startups):
            server = start_line(root)
            try:
                server.wait_ready((MENU_KEY[1], MENU_KEY[2]))
                starts.append(server.ready_ms)
                if i == args.startups - 1:
                    cpu.append(wrk(server, MENU_KEY, 8, args.seconds, lua)["cpu_us"])
                    memory = [memory_kib(w) for w in server.workers()] + [memory_kib(server.proc.pid)]
            finally:
                server.stop()
        rows[name] = {
            "menus": menus, "locales": locales, "mb": mb, "load_ms": statistics.median(loads),
            "start_ms": statistics.median(starts),
            "rss": statistics.median(m["rss"] for m in memory[:-1]) / 1024,
            "uss": statistics.median(m["uss"] for m in memory[:-1]) / 1024,
            "master": memory[-1]["rss"] / 1024,
            "cached": pct(samples["cached"], 0.5) / 1000, "uncached": pct(samples["uncached"], 0.5) / 1000,
            "entry": pct(samples["entry"], 0.5) / 1000, "cpu": statistics.median(cpu),
        }
    print(f"\n(c) Start-up, memory and per-request cost: bundled files vs a generated tree "
          f"({args.large_menus} menus x {args.large_locales} locales)")
    print("| tree | menus x locales | YAML MB | build in process ms | `ivr serve` start -> ready ms | "
          "worker RSS MB | worker USS MB | master RSS MB | menu key µs (cached / cache off) | entry µs (cache off) "
          "| HTTP CPU µs/req (c8) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['menus']:.0f} x {r['locales']:.0f} | {r['mb']:.2f} | {r['load_ms']:.0f} | "
              f"{r['start_ms']:.0f} | {r['rss']:.1f} | {r['uss']:.1f} | {r['master']:.1f} | "
              f"{r['cached']:.1f} / {r['uncached']:.1f} | {r['entry']:.1f} | {r['cpu']:.0f} |")
    b, g = rows["bundled"], rows["large"]
    flat = {k: g[k] / b[k] for k in ("cached", "uncached", "cpu")}
    print("per-request cost large ÷ bundled: " + ", ".join(f"{k} {v:.2f}" for k, v in flat.items()) +
          f" -> {'PASS' if all(v <= 1.15 for v in flat.values()) else 'MISS'} (target within 15%)")
    print(f"large tree start-up: {g['start_ms'] / 1000:.2f} s -> {'PASS' if g['start_ms'] < 5000 else 'MISS'} "
          "(target under 5 s)")
    return flat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="in-process requests per case and round")
    ap.add_argument("--rounds", type=int, default=10, help="interleaved rounds (in process: all samples pooled; "
                    "HTTP: the median round; rounds above 3 are capped to 3 over HTTP)")
    ap.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    ap.add_argument("--conns", default="1,8,64", help="wrk concurrencies")
    ap.add_argument("--startups", type=int, default=3, help="start-ups measured per tree")
    ap.add_argument("--large-menus", type=int, default=500)
    ap.add_argument("--large-locales", type=int, default=40)
    ap.add_argument("--smoke", action="store_true", help="about a second of each part, to check the script runs")
    args = ap.parse_args()
    if args.smoke:
        args.n, args.rounds, args.seconds, args.conns, args.startups = 200, 1, 1, "8", 1
        args.large_menus, args.large_locales = 40, 4
    args.conns = [int(c) for c in str(args.conns).split(",")]
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is not installed (Debian package wrk; scripts/bootstrap installs it)")
    handler = logging.StreamHandler(open(os.devnull, "w"))   # the line logs as in production
    handler.setFormatter(JsonFormatter())
    logging.getLogger("ivr").addHandler(handler)
    logging.getLogger("ivr").propagate = False
    print(f"scripts/bench, {datetime.date.today().isoformat()}, {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}{' (smoke run: tiny sizes, numbers meaningless)' if args.smoke else ''}")
    started = time.perf_counter()
    menu_body = Direct(line_app(REPO), MENU_KEY[1], MENU_KEY[2]).once()
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        work = Path(tmp)
        lua = work / "twilio_post.lua"
        lua.write_text(LUA)
        table_a(args, menu_body)
        table_b(args, menu_body, work, lua)
        table_c(args, work, lua)
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
