"""Rendered webhook answers, kept so the same question is never rendered twice.

Most answers are a pure function of the immutable configuration and what the request asks:
the path (menu or target), the query string (the call state) and the caller's `Digits` or the
`DialCallStatus`. `RenderCache` keeps the rendered bytes of such answers, keyed by exactly that.

What is never served from here:
- a `Step` whose `cacheable` is false (built with `uses_clock=True` because it depends on the
  clock, such as business hours, or whose Dial shows the caller's own number): it is rendered
  on every request;
- an answer whose local audio file has vanished since it was rendered: each entry remembers the
  local files its `<Play>`s point at and, on a hit, checks they still exist (one `stat` each);
  if one is gone the entry is dropped and the answer rebuilt, so the prompt falls back to the
  next sound exactly as it would without the cache. Audio served from AUDIO_BASE_URL is never
  checked (the resolver does not check it either).
The signature check happens before the cache is consulted, on every request: a stored answer is
served from the voice blueprint's `before_request`, right after the signature check (so a hit skips
the route, the state parsing and the engine), and logged like any other webhook.

Memory is bounded: at most `max_bytes` of keys and bodies (least recently used out first), and
keys longer than `MAX_KEY` (odd query strings) are never stored.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from .audio import Play
from .engine import Step

CacheKey = tuple[str, str, str, str]
MAX_KEY = 512
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
ENTRY_OVERHEAD = 200   # bytes per entry beyond key and body (tuple, dict slot, object)


@dataclass(frozen=True)
class Entry:
    body: bytes
    files: tuple[str, ...]       # local audio files the answer plays
    size: int
    meta: tuple[str, ...] = ()   # what the webhook logs about it (locale, menu, key)


def local_files(step: Step) -> tuple[str, ...]:
    """The local audio files a step plays (none when audio comes from AUDIO_BASE_URL)."""
    sounds = [*step.sounds, *(step.gather.sounds if step.gather else ())]
    return tuple(dict.fromkeys(str(s.path) for s in sounds if isinstance(s, Play) and s.path is not None))


class RenderCache:
    """A bounded LRU of rendered answers (bytes), safe to share between threads."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, check_files: bool = True):
        self.max_bytes = max(0, max_bytes)
        self.check_files = check_files
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[CacheKey, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> Entry | None:
        """The stored answer for `key`, or None (also when one of its audio files vanished)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            if entry.files and not all(os.path.exists(f) for f in entry.files):
                self._drop(key)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: CacheKey, step: Step, body: bytes, meta: tuple[str, ...] = ()) -> bool:
        """Store `body` if `step` may be reused; returns whether it was stored."""
        if not step.cacheable or self.max_bytes == 0:
            return False
        klen = sum(len(part) for part in key)
        if klen > MAX_KEY:
            return False
        files = local_files(step) if self.check_files else ()
        size = klen + len(body) + sum(len(f) for f in files) + ENTRY_OVERHEAD
        if size > self.max_bytes:
            return False
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = Entry(body, files, size, meta)
            self.size += size
            while self.size > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return True

    def _drop(self, key: CacheKey) -> None:
        entry = self._entries.pop(key)
        self.size -= entry.size


def cache_from_env(env: Mapping[str, str], remote_audio: bool) -> RenderCache:
    """The cache a line uses: IVR_RENDER_CACHE_KB sets its size (0 turns it off)."""
    raw = env.get("IVR_RENDER_CACHE_KB", "")
    kb = int(raw) if raw.strip().isdigit() else DEFAULT_MAX_BYTES // 1024
    return RenderCache(kb * 1024, check_files=not remote_audio)
