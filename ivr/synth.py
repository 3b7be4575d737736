"""`ivr synth`: make the prompt audio that is missing, with Google Cloud TTS or espeak-ng.

A job is one (locale, prompt, current text). It is planned only when the prompt has no current
audio as good as what the engine makes (a recording, or a file whose content address - text,
engine, voice, settings - matches), so a second run with nothing changed plans nothing, makes no
API call and writes nothing. Every result goes through `telephony.normalize`, then lands under
its content-addressed name (audio.synth_name), so the engine finds it without any other change.

Google Cloud Text-to-Speech (`google-cloud-texttospeech` >= 2.9): the client is created lazily,
only when there is work, from Application Default Credentials, or injected (tests). Requests
use the voice *name* and its language code, LINEAR16 at 8000 Hz, the telephony effects profile,
an explicit timeout, and a retry for transient errors only. espeak-ng makes offline
*placeholder* audio for languages with no Twilio voice.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .audio import (
    ENGINES,
    RECORDED,
    SYNTH,
    SYNTH_SETTINGS,
    audio_root,
    engine_voice,
    read_recorded_index,
    synth_name,
    voice_language,
)
from .coverage import spoken_prompts
from .model import Project
from .telephony import AudioProblem, ToolMissing, normalize

GOOGLE_BYTE_LIMIT = 5000          # per request, UTF-8 bytes (not characters); cannot be raised
GOOGLE_TIMEOUT_S = 30.0
DEFAULT_PER_MINUTE = 200          # below every default per-minute quota (Chirp 3: HD is 200; most are 1000)
ASSUMED_USD_PER_MILLION = 16.0    # assumed Neural2/WaveNet list price; an estimate, check the pricing page
PRICING_URL = "https://cloud.google.com/text-to-speech/pricing"
LABELS = {"google": "Google Cloud TTS", "espeak": "espeak-ng PLACEHOLDER"}
ADC_HELP = (
    "Google Cloud credentials were not found. Set GOOGLE_APPLICATION_CREDENTIALS to the path of a "
    "service-account key file (JSON) of a project with the Text-to-Speech API and billing enabled, "
    "or run `gcloud auth application-default login` once on this machine. "
    "Nothing was synthesized. (`ivr synth --dry-run` works without credentials.)"
)


class SynthFailure(Exception):
    """One prompt could not be made; the message says why and what to do."""


class SynthAbort(Exception):
    """Nothing more can be made (no credentials, API disabled, tool missing)."""


@dataclass(frozen=True)
class Job:
    locale: str
    prompt: str
    text: str
    engine: str
    voice: str
    path: Path
    where: str                    # locales/<tag>.yaml:<line> of the prompt's text

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


@dataclass
class Plan:
    engine: str
    locales: list[str]
    jobs: list[Job] = field(default_factory=list)
    current: dict[str, int] = field(default_factory=dict)      # locale -> prompts already done
    notes: list[str] = field(default_factory=list)

    def chars(self, locale: str | None = None) -> int:
        return sum(j.chars for j in self.jobs if locale in (None, j.locale))


def default_locales(project: Project, engine: str) -> list[str]:
    """Google: every locale with a cloud voice. espeak: only locales with no Twilio voice,
    since placeholder audio would otherwise be played instead of a better <Say> voice."""
    tags = sorted(project.locales)
    if engine == "espeak":
        return [t for t in tags if project.locales[t].say is None]
    return [t for t in tags if project.locales[t].synth.google]


def plan(project: Project, engine: str, locales: Sequence[str] | None = None) -> Plan:
    """Every spoken prompt of `locales` that has no current audio as good as `engine` makes."""
    chosen = list(locales) if locales else default_locales(project, engine)
    result = Plan(engine, chosen)
    root = audio_root(project)
    better = ENGINES[: ENGINES.index(engine) + 1]
    for tag in chosen:
        locale = project.locales[tag]
        voice = engine_voice(locale, engine)
        if not voice:
            hint = (f"; for placeholder audio: ivr synth --engine espeak --locale {tag}"
                    if engine == "google" and locale.say is None else "")
            result.notes.append(f"{tag}: no {engine} voice in {locale.file} (synth: {engine}: ...) - skipped{hint}")
            continue
        recorded = read_recorded_index(root / tag / RECORDED)
        done = 0
        for pid in spoken_prompts(project):
            text = project.texts.get((tag, pid))
            if text is None:
                continue
            entry = recorded.get(pid)
            if entry and entry["text"] == text and (root / tag / RECORDED / entry["file"]).is_file():
                done += 1
                continue
            names = [(e, engine_voice(locale, e)) for e in better]
            if any(v and (root / tag / SYNTH / synth_name(pid, text, e, v)).is_file() for e, v in names):
                done += 1
                continue
            where = f"{locale.file}:{locale.prompt_lines.get(pid, 0)}"
            result.jobs.append(Job(tag, pid, text, engine, voice,
                                   root / tag / SYNTH / synth_name(pid, text, engine, voice), where))
        result.current[tag] = done
    return result


def cleanup_candidates(project: Project) -> list[Path]:
    """Synthesized files no current prompt can play (old text, old voice, removed prompt)."""
    root = audio_root(project)
    wanted: dict[str, set[str]] = {}
    prompts = spoken_prompts(project)
    for tag, locale in project.locales.items():
        names = wanted.setdefault(tag, set())
        for engine in ENGINES:
            voice = engine_voice(locale, engine)
            if voice:
                names.update(synth_name(p, project.texts[(tag, p)], engine, voice)
                             for p in prompts if (tag, p) in project.texts)
    old = []
    for path in sorted(root.glob(f"*/{SYNTH}/*.wav")):
        tag = path.parent.parent.name
        if path.name not in wanted.get(tag, set()):
            old.append(path)
    return old


def estimate_usd(chars: int, usd_per_million: float = ASSUMED_USD_PER_MILLION) -> float:
    return chars * usd_per_million / 1_000_000


# --- engines -----------------------------------------------------------------------------------


class Engine(Protocol):
    name: str
    byte_limit: int | None

    def render(self, job: Job, out: Path) -> None:
        """Write the raw audio for `job` to `out` (any format sox reads)."""


def transient_retry(initial: float = 1.0, maximum: float = 20.0, timeout: float = 120.0) -> Any:
    """Retry only what may pass on a second try: 503, 504, 500 and 429 (quota); never 400."""
    from google.api_core import exceptions as gexc
    from google.api_core import retry as gretry

    return gretry.Retry(
        predicate=gretry.if_exception_type(gexc.ServiceUnavailable, gexc.DeadlineExceeded,
                                           gexc.InternalServerError, gexc.ResourceExhausted),
        initial=initial, maximum=maximum, multiplier=2.0, timeout=timeout)


def make_google_client() -> Any:
    """A real client from Application Default Credentials; `SynthAbort` with what to set if none."""
    try:
        from google.auth.exceptions import DefaultCredentialsError
        from google.cloud import texttospeech
    except ImportError as exc:
        raise SynthAbort("google-cloud-texttospeech is not installed - run scripts/bootstrap, or "
                         "`pip install 'google-cloud-texttospeech>=2.9,<3'`") from exc
    try:
        return texttospeech.TextToSpeechClient()
    except DefaultCredentialsError as exc:
        raise SynthAbort(ADC_HELP) from exc


def wav_format(data: bytes) -> tuple[int, int, int, int]:
    """(format tag, channels, sample rate, bits) from a RIFF/WAVE header; ValueError if not WAV."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    stream = io.BytesIO(data[12:])
    while True:
        head = stream.read(8)
        if len(head) < 8:
            raise ValueError("WAV file without a fmt chunk")
        chunk, size = struct.unpack("<4sI", head)
        body = stream.read(size + (size & 1))
        if chunk == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
            return tag, channels, rate, bits


class GoogleTTS:
    """Google Cloud Text-to-Speech through an injected (or lazily made) `TextToSpeechClient`."""

    name = "google"
    byte_limit: int | None = GOOGLE_BYTE_LIMIT

    def __init__(self, client: Any = None, *, client_factory: Callable[[], Any] = make_google_client,
                 retry: Any = None, timeout: float = GOOGLE_TIMEOUT_S):
        self._client = client
        self._factory = client_factory
        self._lock = threading.Lock()
        self.retry = retry if retry is not None else transient_retry()
        self.timeout = timeout

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def render(self, job: Job, out: Path) -> None:
        from google.api_core import exceptions as gexc
        from google.cloud import texttospeech as tts

        settings = SYNTH_SETTINGS
        encoding = getattr(tts.AudioEncoding, str(settings["encoding"]))
        try:
            response = self.client.synthesize_speech(
                input=tts.SynthesisInput(text=job.text),
                voice=tts.VoiceSelectionParams(language_code=voice_language(job.voice) or "", name=job.voice),
                audio_config=tts.AudioConfig(
                    audio_encoding=encoding,
                    sample_rate_hertz=int(settings["sample_rate_hz"]),  # type: ignore[call-overload]
                    effects_profile_id=list(settings["effects_profile_id"]),  # type: ignore[call-overload]
                ),
                retry=self.retry,
                timeout=self.timeout,
            )
        except (gexc.Unauthenticated, gexc.PermissionDenied) as exc:
            raise SynthAbort(f"Google refused the credentials ({exc.message}) - check that the Text-to-Speech "
                             "API and billing are enabled for the project, and that the account may use it") from exc
        except gexc.InvalidArgument as exc:
            raise SynthFailure(f"Google refused the request ({exc.message}) - check the voice name "
                               f"'{job.voice}' (synth: google:) in locales/{job.locale}.yaml and the text "
                               f"at {job.where}") from exc
        except gexc.RetryError as exc:
            raise SynthFailure(f"Google did not answer after several tries ({exc.cause}) - run `ivr synth` "
                               "again later; what was made is kept") from exc
        except gexc.GoogleAPICallError as exc:
            raise SynthFailure(f"Google answered {exc.code}: {exc.message}") from exc
        audio = bytes(response.audio_content)
        try:
            tag, channels, rate, bits = wav_format(audio)
        except ValueError as exc:
            raise SynthFailure(f"Google returned {len(audio)} bytes that are not a WAV file ({exc})") from exc
        wanted_tag = {"LINEAR16": 1, "MULAW": 7, "ALAW": 6}[str(settings["encoding"])]
        if (tag, channels, rate) != (wanted_tag, 1, settings["sample_rate_hz"]):
            raise SynthFailure(f"Google returned WAV format {tag}, {channels} channel(s), {rate} Hz, {bits} bit; "
                               f"expected format {wanted_tag}, mono, {settings['sample_rate_hz']} Hz")
        out.write_bytes(audio)


class Espeak:
    """espeak-ng (Debian package) through a subprocess: offline placeholder audio."""

    name = "espeak"
    byte_limit: int | None = None

    def __init__(self, binary: str | None = None, words_per_minute: int | None = None):
        found = binary or shutil.which("espeak-ng")
        if found is None:
            raise SynthAbort("espeak-ng is not installed - install it with `apt-get install espeak-ng` "
                             "(scripts/bootstrap does this when run as root)")
        self.binary = found
        self.wpm = words_per_minute or int(SYNTH_SETTINGS["espeak_words_per_minute"])  # type: ignore[call-overload]

    def render(self, job: Job, out: Path) -> None:
        try:
            done = subprocess.run([self.binary, "-v", job.voice, "-s", str(self.wpm), "-b", "1",
                                   "-w", str(out), "--stdin"], input=job.text.encode("utf-8"),
                                  capture_output=True, timeout=60, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SynthFailure("espeak-ng took longer than 60 s") from exc
        message = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0 or not out.is_file():
            if "voice does not exist" in message:
                raise SynthAbort(f"espeak-ng has no voice '{job.voice}' (synth: espeak: in locales/{job.locale}"
                                 ".yaml) - pick one from `espeak-ng --voices`")
            raise SynthFailure(f"espeak-ng failed: {message or 'exit code ' + str(done.returncode)}")


# --- running ------------------------------------------------------------------------------------


class RateLimiter:
    """At most `per_minute` starts in any 60-second window (shared by all worker threads)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self.starts: deque[float] = deque()
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            while True:
                now = self.clock()
                while self.starts and now - self.starts[0] >= 60.0:
                    self.starts.popleft()
                if len(self.starts) < self.per_minute:
                    self.starts.append(now)
                    return
                self.sleep(60.0 - (now - self.starts[0]))


@dataclass
class Outcome:
    made: list[Job] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)
    aborted: str | None = None
    not_tried: int = 0


def run(jobs: Iterable[Job], engine: Engine, *, workers: int = 4, limiter: RateLimiter | None = None,
        progress: Callable[[int], None] | None = None) -> Outcome:
    """Make every job in parallel; a failed prompt never stops the others, an abort stops all."""
    outcome = Outcome()
    todo = []
    for job in jobs:
        if engine.byte_limit is not None and job.size > engine.byte_limit:
            outcome.failed.append((job, f"the text is {job.size} bytes in UTF-8 ({job.chars} characters); "
                                        f"Google accepts at most {engine.byte_limit} bytes per request - "
                                        f"shorten it or split it into two prompts ({job.where})"))
            if progress:
                progress(1)
        else:
            todo.append(job)
    stop = threading.Event()

    def one(job: Job) -> None:
        if stop.is_set():
            raise _NotTried
        if limiter is not None:
            limiter.wait()
        with tempfile.TemporaryDirectory(prefix="ivr-synth-") as tmp:
            raw = Path(tmp) / "raw.wav"
            engine.render(job, raw)
            try:
                normalize(raw, job.path)
            except AudioProblem as exc:
                raise SynthFailure(f"the audio made for it is unusable: {exc}") from exc

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(one, job): job for job in todo}
        for future in as_completed(futures):
            job = futures[future]
            try:
                future.result()
                outcome.made.append(job)
            except _NotTried:
                outcome.not_tried += 1
            except SynthFailure as exc:
                outcome.failed.append((job, str(exc)))
            except (SynthAbort, ToolMissing) as exc:
                if outcome.aborted is None:
                    outcome.aborted = str(exc)
                stop.set()
                outcome.not_tried += 1
            if progress:
                progress(1)
    return outcome


class _NotTried(Exception):
    pass
