"""The line's configuration as frozen, typed objects.

`load.load_project` builds a `Project` once at start-up from menus.yaml and locales/*.yaml;
nothing in a request ever reads YAML or a raw dict again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from .hours import Hours, HoursFormat

KEYS = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#")
DIAL_STATUSES = ("completed", "answered", "busy", "no-answer", "failed", "canceled")


def frozen_map(data: Mapping[str, object] | None = None) -> Mapping[str, object]:
    return MappingProxyType(dict(data or {}))


class Kind(StrEnum):
    GOTO = "goto"          # enter another menu
    FORWARD = "forward"    # connect the caller to a target
    REPEAT = "repeat"      # hear the current menu again
    BACK = "back"          # the menu before this one
    MAIN = "main"          # the main menu


@dataclass(frozen=True)
class Action:
    kind: Kind
    target: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value} {self.target}".strip()


@dataclass(frozen=True)
class Option:
    key: str
    label: str  # prompt id of the sentence that offers this option
    action: Action
    line: int = 0


@dataclass(frozen=True)
class Menu:
    id: str
    say: tuple[str, ...]            # prompt ids played on entry (the body), before the options
    options: Mapping[str, Option]
    standing: tuple[str, ...]       # standing keys active here
    keys_prompt: str | None         # prompt that announces the standing keys
    timeout: int
    max_noinput: int
    max_invalid: int
    on_noinput: Action
    on_invalid: Action
    line: int = 0


@dataclass(frozen=True)
class Target:
    id: str
    number: str
    caller_id: str | None
    timeout: int
    connecting: str                 # prompt id spoken before dialling
    after: str                      # menu entered when the call ends or fails
    line: int = 0
    hours: Hours | None = None      # None: always dialled
    closed: str = ""                # prompt id said instead of ringing, outside the hours
    hours_prompt: str = ""          # prompt id that says the hours (after a call, and when closed)
    show_caller: bool = False       # True: the target's phone shows the caller's own number


@dataclass(frozen=True)
class Voice:
    """How Twilio's <Say> speaks this locale."""

    language: str
    voice: str


@dataclass(frozen=True)
class Synth:
    """Voices for `ivr synth`: a Google Cloud voice name and an espeak-ng voice."""

    google: str | None = None
    espeak: str | None = None


@dataclass(frozen=True)
class Review:
    status: str                     # "machine" or "human"
    by: str                         # translation engine or reviewer
    date: str


@dataclass(frozen=True)
class Locale:
    tag: str
    name: str                       # in its own language
    english_name: str
    review: Review
    say: Voice | None
    synth: Synth
    keys: Mapping[str, str]         # how each keypad key is said
    digit_separator: str
    prompts: Mapping[str, str]      # prompt id -> text as written (placeholders unfilled)
    prompt_lines: Mapping[str, int]
    file: str
    enabled: bool = True
    hours_format: HoursFormat | None = None   # how {hours:<target>} is said in this language


@dataclass(frozen=True)
class Settings:
    default_locale: str
    timeout: int
    max_noinput: int
    max_invalid: int
    on_noinput: Action
    on_invalid: Action


@dataclass(frozen=True)
class LanguageMenu:
    pages: tuple[Mapping[str, str], ...]  # per page: key -> locale tag
    default: str
    more_key: str | None = "8"


@dataclass(frozen=True)
class Project:
    root: Path
    settings: Settings
    standing: Mapping[str, Action]
    targets: Mapping[str, Target]
    welcome: tuple[tuple[str, str], ...]     # (locale tag, prompt id)
    language_menu: LanguageMenu
    menus: Mapping[str, Menu]
    locales: Mapping[str, Locale]            # every locale file, enabled or not
    texts: Mapping[tuple[str, str], str]     # (locale, prompt id) -> text with placeholders filled
    fingerprint: str = ""                    # sha256 of the files this was built from
    main: str = "main"
    extra: Mapping[str, object] = field(default_factory=frozen_map)

    @property
    def enabled_locales(self) -> tuple[str, ...]:
        return tuple(tag for tag, loc in self.locales.items() if loc.enabled)

    def text(self, locale: str, prompt: str) -> str:
        return self.texts[(locale, prompt)]
