"""Build the `Project` from menus.yaml and locales/*.yaml, reporting every problem at once.

Layer 1 reads each file strictly (fields, types, unknown fields); layer 2 resolves names
across files (menus, targets, prompts, keys, placeholders). `check.py` adds the whole-tree
checks (reachability, coverage, audio). A project with any error is never returned.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .fields import ID, Fields, parse_flag
from .hours import read_hours, read_hours_format, say_hours
from .model import (
    KEYS,
    Action,
    Kind,
    LanguageMenu,
    Locale,
    Menu,
    Option,
    Project,
    Review,
    Settings,
    Synth,
    Target,
    Voice,
    frozen_map,
)
from .problems import ConfigError, Report, did_you_mean
from .yamlsrc import YMap, YScalar, YSeq, read

VERSION = "1"
MENUS_FILE = "menus.yaml"
LOCALES_DIR = "locales"
ENV_REF = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}$")
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
SHORT_EMERGENCY = {"911", "933", "112"}
PLACEHOLDER = re.compile(r"\{([a-z_]*)(?::([^{}]*))?\}")
LOCALE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
STANDING_WORDS = {"repeat": Kind.REPEAT, "back": Kind.BACK, "main": Kind.MAIN}


@dataclass
class Draft:
    """What layer 1 read, before names are resolved."""

    settings: Settings | None = None
    setting_lines: dict[str, int] = field(default_factory=dict)
    locale_switch: dict[str, tuple[bool, int]] = field(default_factory=dict)
    standing: dict[str, Action] = field(default_factory=dict)
    standing_lines: dict[str, int] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    welcome: list[tuple[str, str, int]] = field(default_factory=list)
    language_menu: LanguageMenu | None = None
    language_line: int = 0
    menus: dict[str, Menu] = field(default_factory=dict)
    locales: dict[str, Locale] = field(default_factory=dict)
    bad_hours: set[str] = field(default_factory=set)   # targets whose hours: had errors


def load_project(root: Path, env: Mapping[str, str] | None = None) -> Project:
    """Load and validate everything; raise `ConfigError` listing every error."""
    project, report = inspect_project(root, env)
    if report.errors or project is None:
        raise ConfigError(report.sorted())
    return project


def inspect_project(
    root: Path, env: Mapping[str, str] | None = None, *, env_required: bool = True,
    tolerate: Collection[str] = (),
) -> tuple[Project | None, Report]:
    """Load what can be loaded and return it with every problem found (for `ivr check`).

    Whole-tree errors whose code is in `tolerate` still return the project (the tools that fix
    them need it: `ivr synth` fills the audio that `no-voice-no-audio` asks for)."""
    from .check import check_project

    env = os.environ if env is None else env
    report = Report()
    draft = Draft()
    menus_node = read(root / MENUS_FILE, MENUS_FILE, report)
    if menus_node is not None and _version_ok(menus_node, MENUS_FILE, report):
        _read_menus(menus_node, draft, report, env, env_required)
    _read_locales(root, draft, report)
    if draft.settings is None or draft.language_menu is None:
        return None, report
    _resolve(draft, report)
    texts = _render_texts(draft, report)
    if report.errors:
        return None, report
    project = Project(
        root=root,
        settings=draft.settings,
        standing=frozen_map(draft.standing),
        targets=frozen_map(draft.targets),
        welcome=tuple((loc, prompt) for loc, prompt, _ in draft.welcome),
        language_menu=draft.language_menu,
        menus=frozen_map(draft.menus),
        locales=frozen_map(draft.locales),
        texts=frozen_map(texts),
        fingerprint=_fingerprint(root),
    )
    check_project(project, report, env)
    blocking = [p for p in report.errors if p.code not in tolerate]
    return (None if blocking else project), report


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in [root / MENUS_FILE, *sorted((root / LOCALES_DIR).glob("*.yaml"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _version_ok(node: YMap, file: str, report: Report) -> bool:
    # The version is checked before anything else: a file written for another version
    # would otherwise produce a flood of misleading "unknown field" messages.
    version = node.get("version")
    if version is None:
        report.error("version-missing", file, 1, "the file has no 'version:' line",
                     f"add 'version: {VERSION}' as the first line")
        return False
    if not isinstance(version, YScalar) or version.value != VERSION:
        shown = version.value if isinstance(version, YScalar) else "a list or mapping"
        report.error("version-unsupported", file, version.line, f"version {shown} is not supported",
                     f"this line reads version {VERSION}: write 'version: {VERSION}'")
        return False
    return True


# --- menus.yaml --------------------------------------------------------------------------------

def _read_menus(node: YMap, draft: Draft, report: Report, env: Mapping[str, str], env_required: bool) -> None:
    top = Fields(node, MENUS_FILE, report, "")
    top.where = ""
    top.only(["version", "settings", "locales", "standing_keys", "targets", "welcome",
              "language_menu", "menus"])
    settings = top.sub("settings", what="default_locale, timeout and retry settings")
    if settings is not None:
        draft.settings = _read_settings(settings, draft)
    switches = top.sub("locales", what="one 'tag: on' line per language")
    if switches is not None:
        for tag, value in switches.node.items.items():
            line = switches.line(tag)
            if not LOCALE_TAG.match(tag):
                switches.err("bad-locale-tag", tag, f"'{tag}' is not a language tag",
                             "use a tag like en, es, cmn, yue, ht (lower case)")
                continue
            if not isinstance(value, YScalar):
                switches.err("wrong-type", tag, "expected on or off", f"write '{tag}: on'")
                continue
            draft.locale_switch[tag] = (parse_flag(value, switches, tag, True), line)
    standing = top.sub("standing_keys", what="the keys that work on every menu")
    if standing is not None:
        for key, value in standing.node.items.items():
            action = _read_action(value, standing, key, standing_ok=True)
            if not _key_ok(key, standing, key):
                continue
            if action is not None:
                draft.standing[key] = action
                draft.standing_lines[key] = standing.line(key)
    targets = top.sub("targets", what="the numbers calls can be forwarded to")
    if targets is not None:
        for name, sub in _named(targets, "number, caller_id, timeout, connecting", "target"):
            target = _read_target(name, sub, env, env_required)
            if target is not None:
                draft.targets[name] = target
            if "hours" in sub.node.items and (target is None or target.hours is None):
                draft.bad_hours.add(name)
    welcome = top.seq("welcome", what="a list of {locale, prompt}")
    if welcome is not None:
        for item in welcome.items:
            if not isinstance(item, YMap):
                report.error("wrong-type", MENUS_FILE, item.line, "welcome: each item must be {locale: .., prompt: ..}",
                             "write '- {locale: en, prompt: safety}'")
                continue
            f = Fields(item, MENUS_FILE, report, "welcome")
            f.only(["locale", "prompt"])
            loc, prompt = f.text("locale"), f.text("prompt")
            if loc and prompt:
                draft.welcome.append((loc, prompt, item.line))
    lang = top.sub("language_menu", what="default and pages")
    if lang is not None:
        draft.language_menu = _read_language_menu(lang)
        draft.language_line = top.line("language_menu")
    menus = top.sub("menus", what="one entry per menu")
    if menus is not None:
        for menu_id, sub in _named(menus, "say, options, keys_prompt", "menu"):
            menu = _read_menu(menu_id, sub, draft)
            if menu is not None:
                draft.menus[menu_id] = menu


def _named(section: Fields, what: str, kind: str) -> Iterator[tuple[str, Fields]]:
    """The entries of a 'name: {fields}' section whose name is valid and whose value is a mapping."""
    for name in section.node.items:
        sub = section.sub(name, what=what)
        if sub is None:
            continue
        if not ID.match(name):
            section.err("bad-id", name, f"'{name}' is not a valid {kind} name",
                        "use lower-case letters, digits and _ (starting with a letter)")
            continue
        yield name, sub


def _read_settings(f: Fields, draft: Draft) -> Settings:
    f.only(["default_locale", "timeout", "max_noinput", "max_invalid", "on_noinput", "on_invalid"])
    for key in ("on_noinput", "on_invalid"):
        draft.setting_lines[key] = f.line(key)
    return Settings(
        default_locale=f.text("default_locale", what="a locale tag such as en") or "en",
        timeout=f.integer("timeout", 8, 2, 30),
        max_noinput=f.integer("max_noinput", 3, 1, 10),
        max_invalid=f.integer("max_invalid", 3, 1, 10),
        on_noinput=Action(Kind.GOTO, f.ident("on_noinput", False) or "main"),
        on_invalid=Action(Kind.GOTO, f.ident("on_invalid", False) or "main"),
    )


def _key_ok(key: str, f: Fields, field_name: str) -> bool:
    if key not in KEYS:
        f.err("bad-key", field_name, f"'{key}' is not a key on a phone keypad",
              "use one of 0-9, \"*\" or \"#\" (in quotes)")
        return False
    return True


def _read_action(node: object, f: Fields, key: str, standing_ok: bool) -> Action | None:
    if isinstance(node, YScalar):
        kind = STANDING_WORDS.get(node.value)
        if kind is not None and standing_ok:
            return Action(kind)
        f.err("bad-action", key, f"'{node.value}' is not an action",
              "use repeat, back, main, {goto: <menu>} or {forward: <target>}")
        return None
    if isinstance(node, YMap):
        sub = Fields(node, f.file, f.report, f"{f.where} › {key}")
        sub.only(["goto", "forward"])
        if len(node.items) != 1:
            sub.err("bad-action", None, "an action has exactly one of goto or forward",
                    "write {goto: <menu>} or {forward: <target>}")
            return None
        (kind_name,) = node.items
        target = sub.ident(kind_name)
        return Action(Kind(kind_name), target) if target else None
    f.err("bad-action", key, "an action cannot be a list", "write {goto: <menu>} or {forward: <target>}")
    return None


def _env_value(raw: str, f: Fields, key: str, env: Mapping[str, str], required: bool) -> str | None:
    match = ENV_REF.match(raw.strip())
    if not match:
        if "$" in raw:
            f.err("bad-env-ref", key, f"'{raw}' is not a valid environment reference",
                  "write ${NAME} or ${NAME:-default}, with NAME in capitals")
            return None
        return raw.strip()
    name, default = match.group(1), match.group(2)
    value = env.get(name) or default
    if not value:
        if any(p.code == "env-missing" and f" {name} " in p.message for p in f.report.problems):
            return None  # one line per variable is enough
        if required:
            f.err("env-missing", key, f"the environment variable {name} is not set",
                  f"set {name} before starting the line (see the README's configuration table)")
        else:
            f.warn("env-missing", key, f"the environment variable {name} is not set here",
                   f"set {name} where the line runs; `ivr serve` refuses to start without it")
        return None
    return value.strip()


def _read_target(name: str, f: Fields, env: Mapping[str, str], env_required: bool) -> Target | None:
    f.only(["number", "caller_id", "show_caller", "timeout", "connecting", "after", "hours", "closed",
            "hours_prompt"])
    raw_number = f.text("number", what="a phone number like +12125550100 or ${FIRM_NUMBER}")
    number = _env_value(raw_number, f, "number", env, env_required) if raw_number else None
    if number is not None and not (E164.match(number) or number in SHORT_EMERGENCY):
        f.err("bad-number", "number", f"'{number}' is not a phone number in E.164 form",
              "write it as + then the country code and number, no spaces: +12125550100 (or 911 / 933)")
        number = None
    raw_caller = f.text("caller_id", required=False, what="your Twilio number, like +12125550100")
    caller_id = _env_value(raw_caller, f, "caller_id", env, env_required) if raw_caller else None
    if caller_id is not None and not E164.match(caller_id):
        f.err("bad-caller-id", "caller_id", f"'{caller_id}' is not a phone number in E.164 form",
              "use your Twilio number as + then the country code and number: +12125550100")
        caller_id = None
    show_caller = f.flag("show_caller", False)
    if number in SHORT_EMERGENCY and raw_caller is None:
        f.err("emergency-caller-id", None, f"target '{name}' dials {number} but has no caller_id",
              "set caller_id to the E.164 Twilio number that has an emergency address registered")
    elif raw_caller is None and not show_caller:
        # Without a callerId, Twilio shows whoever answers the caller's own number.
        f.err("caller-id-missing", None, f"target '{name}' has no caller_id, so it would see the caller's "
              "own number", "set caller_id: ${TWILIO_NUMBER} (the line's number), or show_caller: true if "
              "the firm has chosen to see callers' numbers")
    timeout = f.integer("timeout", 25, 5, 600)
    connecting = f.text("connecting", what="the prompt id spoken before dialling") or ""
    after = f.ident("after", required=False) or "after_call"
    hours_f = f.sub("hours", required=False, what="timezone, opening times per day and holidays")
    hours = read_hours(hours_f) if hours_f is not None else None
    closed = f.text("closed", required=hours_f is not None,
                    what="the prompt id said instead of ringing when the target is closed") or ""
    hours_prompt = f.text("hours_prompt", required=hours_f is not None,
                          what="the prompt id that says the office hours, e.g. hours.firm") or ""
    if closed and hours_f is None:
        f.err("closed-without-hours", "closed", "'closed' is said outside the hours, but there are no hours",
              "add 'hours:' to this target, or remove 'closed:'")
    if number in SHORT_EMERGENCY:
        _check_emergency(name, number, caller_id, show_caller, hours_f is not None, f)
    if number is None:
        unset_env = bool(raw_number and ENV_REF.match(raw_number.strip()))
        if env_required or not unset_env:
            return None
        number = ""  # `ivr check` without deployment settings: keep the target so names resolve
    return Target(name, number, caller_id, timeout, connecting, after, f.line(), hours, closed, hours_prompt,
                  show_caller)


def _check_emergency(name: str, number: str, caller_id: str | None, show_caller: bool, has_hours: bool,
                     f: Fields) -> None:
    # An emergency call must come from an E.164 Twilio number with a registered address, in the
    # same country as the emergency number (twilio.md 4.2); 933 is the US test line.
    if show_caller:
        f.err("emergency-show-caller", "show_caller", f"target '{name}' dials {number}: it must show the "
              "caller id that has the registered emergency address, not the caller's number",
              "remove 'show_caller:' (or set it to false) on this target")
    if has_hours:
        f.err("emergency-hours", "hours", f"target '{name}' dials {number}, which answers at every hour",
              "remove 'hours:' from this target")
    if caller_id is not None and (number == "112") == caller_id.startswith("+1"):
        f.err("emergency-country", "caller_id",
              f"{number} is not an emergency number for the country of {caller_id}",
              "use 911 (or 933 to test) with a +1 caller id; 112 only with a non-US/Canada number")


def _read_language_menu(f: Fields) -> LanguageMenu | None:
    f.only(["default", "pages", "more_key"])
    default = f.text("default", what="the locale used when the caller picks none") or "en"
    more_node = f.scalar("more_key", required=False, what="a key")
    more_key = more_node.value if more_node else "8"
    if more_node and not _key_ok(more_key, f, "more_key"):
        more_key = "8"
    pages_node = f.seq("pages", what="a list of pages, each 'key: locale'")
    pages: list[dict[str, str]] = []
    if pages_node is None:
        return None
    for number, page in enumerate(pages_node.items, start=1):
        if not isinstance(page, YMap):
            f.err("wrong-type", "pages", f"page {number} must be '\"1\": en' pairs", "write {\"1\": en, \"2\": es}",
                  line=page.line)
            continue
        pf = Fields(page, f.file, f.report, f"language_menu › page {number}")
        entries: dict[str, str] = {}
        for key, value in page.items.items():
            if not _key_ok(key, pf, key):
                continue
            if key == more_key and len(pages_node.items) > 1:
                pf.err("key-collision", key, f"key {key} is the 'more languages' key",
                       "give this language another key, or change more_key")
                continue
            if not isinstance(value, YScalar):
                pf.err("wrong-type", key, "expected a locale tag", f"write '\"{key}\": es'")
                continue
            entries[key] = value.value
        pages.append(entries)
    if not pages:
        f.err("empty", "pages", "the language menu has no pages", "add at least one page: [{\"1\": en}]")
        return None
    return LanguageMenu(tuple(frozen_map(p) for p in pages), default, more_key)  # type: ignore[misc]


def _read_menu(menu_id: str, f: Fields, draft: Draft) -> Menu | None:
    f.only(["say", "options", "standing", "keys_prompt", "timeout", "max_noinput", "max_invalid",
            "on_noinput", "on_invalid"])
    settings = draft.settings
    say_node = f.seq("say", required=False, what="a list of prompt ids")
    say: list[str] = []
    if say_node is not None:
        for item in say_node.items:
            if isinstance(item, YScalar) and item.value.strip():
                say.append(item.value)
            else:
                f.err("wrong-type", "say", "each entry of say must be a prompt id", "write say: [prompt.id]",
                      line=item.line)
    options: dict[str, Option] = {}
    opts = f.sub("options", required=False, what="one '\"1\": {label: ..., goto: ...}' per key")
    if opts is not None:
        for key, value in opts.node.items.items():
            if not _key_ok(key, opts, key):
                continue
            if not isinstance(value, YMap):
                opts.err("wrong-type", key, "an option needs a label and an action",
                         "write {label: <prompt id>, goto: <menu>} or {label: ..., forward: <target>}")
                continue
            of = Fields(value, f.file, f.report, f"{opts.where} › \"{key}\"")
            of.only(["label", "goto", "forward"])
            label = of.text("label", what="the prompt id of the sentence offering this option")
            kinds = [k for k in ("goto", "forward") if k in value.items]
            if len(kinds) != 1:
                of.err("bad-action", None, "an option needs exactly one of goto or forward",
                       "add goto: <menu> or forward: <target>")
                continue
            target = of.ident(kinds[0])
            if label and target:
                options[key] = Option(key, label, Action(Kind(kinds[0]), target), opts.line(key))
    standing_node = f.seq("standing", required=False, what="a list of standing keys")
    if standing_node is None:
        standing = tuple(draft.standing)
    else:
        keys = []
        for item in standing_node.items:
            if isinstance(item, YScalar) and item.value in draft.standing:
                keys.append(item.value)
            else:
                shown = item.value if isinstance(item, YScalar) else "?"
                f.err("unknown-standing-key", "standing", f"'{shown}' is not one of the standing_keys",
                      f"use keys from standing_keys: {', '.join(draft.standing)}", line=item.line)
        standing = tuple(keys)
    for key in options:
        if key in standing:
            f.err("key-collision", "options",
                  f"key {key} is both an option here and the standing key for "
                  f"'{draft.standing[key]}'",
                  f"give the option another key, or leave {key} out of this menu's 'standing:' list",
                  line=opts.line(key) if opts else None)
    s = settings or Settings("en", 8, 3, 3, Action(Kind.GOTO, "main"), Action(Kind.GOTO, "main"))
    on_noinput = f.ident("on_noinput", required=False)
    on_invalid = f.ident("on_invalid", required=False)
    return Menu(
        id=menu_id,
        say=tuple(say),
        options=frozen_map(options),  # type: ignore[arg-type]
        standing=standing,
        keys_prompt=f.text("keys_prompt", required=False),
        timeout=f.integer("timeout", s.timeout, 2, 30),
        max_noinput=f.integer("max_noinput", s.max_noinput, 1, 10),
        max_invalid=f.integer("max_invalid", s.max_invalid, 1, 10),
        on_noinput=Action(Kind.GOTO, on_noinput) if on_noinput else s.on_noinput,
        on_invalid=Action(Kind.GOTO, on_invalid) if on_invalid else s.on_invalid,
        line=f.line(),
    )


# --- locales/<tag>.yaml ------------------------------------------------------------------------

def _read_locales(root: Path, draft: Draft, report: Report) -> None:
    folder = root / LOCALES_DIR
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    found = {path.stem: path for path in files}
    for tag, (_enabled, line) in draft.locale_switch.items():
        if tag not in found:
            hint = did_you_mean(tag, found)
            report.error("locale-file-missing", MENUS_FILE, line,
                         f"locale '{tag}' has no file {LOCALES_DIR}/{tag}.yaml",
                         hint or f"create {LOCALES_DIR}/{tag}.yaml (copy en.yaml and translate it)")
    for tag, path in found.items():
        shown = f"{LOCALES_DIR}/{path.name}"
        if tag not in draft.locale_switch and draft.locale_switch:
            report.warn("locale-not-listed", shown, 1, f"locale '{tag}' is not listed in {MENUS_FILE}",
                        f"add '{tag}: on' (or off) under 'locales:' in {MENUS_FILE}")
        node = read(path, shown, report)
        if node is None or not _version_ok(node, shown, report):
            continue
        enabled = draft.locale_switch.get(tag, (False, 0))[0]
        locale = _read_locale(tag, node, shown, report, enabled)
        if locale is not None:
            draft.locales[tag] = locale


def _read_locale(tag: str, node: YMap, shown: str, report: Report, enabled: bool) -> Locale | None:
    f = Fields(node, shown, report, "")
    f.where = tag
    f.only(["version", "name", "english_name", "review", "say", "synth", "keys", "digit_separator",
            "hours_format", "prompts"])
    name = f.text("name", what="the language's name in its own language")
    english = f.text("english_name", what="the language's name in English")
    review = _read_review(f)
    say = _read_voice(f)
    synth_f = f.sub("synth", required=False, what="google and espeak voice names")
    synth = Synth()
    if synth_f is not None:
        synth_f.only(["google", "espeak"])
        synth = Synth(synth_f.text("google", required=False), synth_f.text("espeak", required=False))
    keys_f = f.sub("keys", what="how each of the 12 keys is said")
    keys: dict[str, str] = {}
    if keys_f is not None:
        for key in keys_f.node.items:
            if _key_ok(key, keys_f, key):
                value = keys_f.text(key, what="the word for this key")
                if value:
                    keys[key] = value
        missing = [k for k in KEYS if k not in keys_f.node.items]
        if missing:
            keys_f.err("keys-missing", None, f"no word for the keys {', '.join(missing)}",
                       "add one line per key, e.g. \"*\": star (keys in quotes)")
    hours_f = f.sub("hours_format", required=False, what="how office hours are said in this language")
    hours_format = read_hours_format(hours_f) if hours_f is not None else None
    sep_node = f.scalar("digit_separator", required=False, what="text between digit groups")
    separator = sep_node.value if sep_node is not None else ", "
    prompts_f = f.sub("prompts", what="one 'id: text' line per prompt")
    prompts: dict[str, str] = {}
    lines: dict[str, int] = {}
    if prompts_f is not None:
        for pid, value in prompts_f.node.items.items():
            if not isinstance(value, YScalar):
                prompts_f.err("wrong-type", pid, "a prompt must be text",
                              "write the text on one line, or use '>-' for several lines")
                continue
            text = " ".join(value.value.split())
            if not text:
                prompts_f.err("empty", pid, "the prompt is empty", "write what the caller should hear")
                continue
            prompts[pid] = text
            lines[pid] = prompts_f.line(pid)
    if None in (name, english, review) or keys_f is None or prompts_f is None:
        return None
    return Locale(
        tag=tag, name=name or tag, english_name=english or tag, review=review,  # type: ignore[arg-type]
        say=say, synth=synth, keys=frozen_map(keys), digit_separator=separator,  # type: ignore[arg-type]
        prompts=frozen_map(prompts), prompt_lines=frozen_map(lines), file=shown,  # type: ignore[arg-type]
        enabled=enabled, hours_format=hours_format,
    )


def _read_review(f: Fields) -> Review | None:
    sub = f.sub("review", what="status (machine or human), by or reviewer, and date")
    if sub is None:
        return None
    sub.only(["status", "by", "reviewer", "date"])
    status = sub.text("status", what="machine or human")
    if status not in (None, "machine", "human"):
        sub.err("bad-review", "status", f"'{status}' is not a review status",
                "write 'status: machine' (machine-translated) or 'status: human' (reviewed by a person)")
        status = None
    if status == "human":
        by = sub.text("reviewer", what="the name of the person who reviewed it")
    else:
        by = sub.text("by", required=False) or sub.text("reviewer", required=False) or "machine translation"
    date = sub.text("date", what="the date of the translation or review, like 2026-11-29")
    if date and not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        sub.err("bad-date", "date", f"'{date}' is not a date", "write it as YYYY-MM-DD, e.g. 2026-11-29")
    if status and by and date:
        return Review(status, by, date)
    return None


def _read_voice(f: Fields) -> Voice | None:
    node = f.node.get("say")
    if node is None:
        f.err("missing-field", None, "the field 'say' is missing",
              "add 'say: {language: xx-XX, voice: <Twilio voice>}' or 'say: none' if Twilio has no voice")
        return None
    if isinstance(node, YScalar) and node.value == "none":
        return None
    sub = f.sub("say", what="language and voice")
    if sub is None:
        return None
    sub.only(["language", "voice"])
    language = sub.text("language", what="a language code such as es-US")
    voice = sub.text("voice", what="a Twilio voice such as Polly.Lupe-Neural")
    if language and not LANGUAGE_CODE.match(language):
        sub.err("bad-language", "language", f"'{language}' is not a language code", "write it like es-US")
    if voice and not (voice.startswith(("Polly.", "Google.")) or voice in ("man", "woman")):
        sub.err("bad-voice", "voice", f"'{voice}' is not a Twilio voice name",
                "use a name from Twilio's voice list, e.g. Polly.Lupe-Neural or Google.es-US-Neural2-A")
    if voice and language and voice.startswith("Google."):
        voice_lang = "-".join(voice.removeprefix("Google.").split("-")[:2])
        if voice_lang.lower() != language.lower():
            sub.err("voice-language-mismatch", "voice",
                    f"the voice {voice} speaks {voice_lang}, but language is {language}",
                    f"set language: {voice_lang}, or pick a {language} voice")
    if language and voice:
        return Voice(language, voice)
    return None


# --- layer 2: names across files ---------------------------------------------------------------

def _resolve(draft: Draft, report: Report) -> None:
    settings = draft.settings
    assert settings is not None
    menus, targets, locales = draft.menus, draft.targets, draft.locales
    both = set(menus) & set(targets)
    for name in sorted(both):
        report.error("name-clash", MENUS_FILE, menus[name].line,
                     f"'{name}' is both a menu and a target", "rename one of them")
    if "main" not in menus:
        report.error("main-missing", MENUS_FILE, 0, "there is no menu called 'main'",
                     "add a menu 'main:' under 'menus:' (callers go there after choosing a language)")

    def destination(action: Action, file_line: int, where: str) -> Action | None:
        # settings/menus say on_noinput: <name>; a name is a menu or a target.
        if action.target in menus:
            return Action(Kind.GOTO, action.target)
        if action.target in targets:
            return Action(Kind.FORWARD, action.target)
        hint = did_you_mean(action.target, [*menus, *targets])
        report.error("unknown-destination", MENUS_FILE, file_line,
                     f"{where}: '{action.target}' is not a menu or a target",
                     hint or "name a menu from 'menus:' or a target from 'targets:'")
        return None

    fixed_settings = {}
    for key in ("on_noinput", "on_invalid"):
        resolved = destination(getattr(settings, key), draft.setting_lines.get(key, 0), f"settings › {key}")
        fixed_settings[key] = resolved or getattr(settings, key)
    draft.settings = Settings(**{**settings.__dict__, **fixed_settings})
    for key, action in draft.standing.items():
        _check_action(action, menus, targets, draft.standing_lines[key], f"standing_keys › \"{key}\"", report)
    for menu in list(menus.values()):
        for option in menu.options.values():
            _check_action(option.action, menus, targets, option.line, f"menus › {menu.id} › \"{option.key}\"",
                          report)
        fixed = {}
        for key in ("on_noinput", "on_invalid"):
            action = getattr(menu, key)
            if action == getattr(settings, key):
                fixed[key] = getattr(draft.settings, key)
            else:
                fixed[key] = destination(action, menu.line, f"menus › {menu.id} › {key}") or action
        menus[menu.id] = Menu(**{**menu.__dict__, **fixed})
    for target in targets.values():
        if target.after not in menus:
            report.error("unknown-menu", MENUS_FILE, target.line,
                         f"targets › {target.id} › after: there is no menu '{target.after}'",
                         did_you_mean(target.after, menus) or "name a menu from 'menus:'")
    # Locales: the default must exist; enabled locales need files (reported while reading).
    lm = draft.language_menu
    assert lm is not None
    for tag in {settings.default_locale, lm.default}:
        if tag not in locales:
            report.error("unknown-locale", MENUS_FILE, draft.language_line,
                         f"the default locale '{tag}' has no locale file", f"create locales/{tag}.yaml")
    seen: dict[str, int] = {}
    for number, page in enumerate(lm.pages, start=1):
        for key, tag in page.items():
            if tag not in draft.locale_switch:
                report.error("unknown-locale", MENUS_FILE, draft.language_line,
                             f"language_menu › page {number} › \"{key}\": '{tag}' is not in 'locales:'",
                             did_you_mean(tag, draft.locale_switch) or f"add '{tag}: on' under 'locales:'")
            if tag in seen:
                report.error("duplicate-locale", MENUS_FILE, draft.language_line,
                             f"language_menu: '{tag}' is offered twice (pages {seen[tag]} and {number})",
                             "offer each language once")
            seen[tag] = number
    for tag, (enabled, line) in draft.locale_switch.items():
        if enabled and tag not in seen:
            report.error("locale-not-offered", MENUS_FILE, line,
                         f"locale '{tag}' is on but the language menu does not offer it",
                         "give it a key on a page of 'language_menu:', or switch it off")


def _check_action(action: Action, menus: Mapping[str, Menu], targets: Mapping[str, Target], line: int,
                  where: str, report: Report) -> None:
    if action.kind is Kind.GOTO and action.target not in menus:
        report.error("unknown-menu", MENUS_FILE, line, f"{where}: there is no menu '{action.target}'",
                     did_you_mean(action.target, menus) or "name a menu from 'menus:'")
    if action.kind is Kind.FORWARD and action.target not in targets:
        report.error("unknown-target", MENUS_FILE, line, f"{where}: there is no target '{action.target}'",
                     did_you_mean(action.target, targets) or "name a target from 'targets:'")


def used_prompts(draft_menus: Mapping[str, Menu], targets: Mapping[str, Target],
                 welcome: list[tuple[str, str, int]] | tuple[tuple[str, str], ...]) -> dict[str, str | None]:
    """Every prompt id the tree uses, mapped to the key its `{key}` stands for (None if none)."""
    used: dict[str, str | None] = {
        "language.choose": None, "language.default": None, "trouble": None,
        "noinput.1": None, "noinput.2": None, "invalid.1": None, "invalid.2": None,
        "language.more": None,  # spoken only when the language menu has more than one page
    }
    for item in welcome:
        used[item[1]] = None
    for menu in draft_menus.values():
        for pid in menu.say:
            used[pid] = None
        if menu.keys_prompt:
            used[menu.keys_prompt] = None
        for option in menu.options.values():
            used[option.label] = option.key
        for action in (menu.on_noinput, menu.on_invalid):
            used[f"max.{action.target}"] = None
    for target in targets.values():
        used[target.connecting] = None
        for pid in (target.closed, target.hours_prompt):
            if pid:
                used[pid] = None
    for status in ("completed", "busy", "no-answer", "failed", "canceled"):
        used[f"dial.{status}"] = None
    return used


def _render_texts(draft: Draft, report: Report) -> dict[tuple[str, str], str]:
    """Fill placeholders for every locale and prompt; report every mismatch."""
    settings, lm = draft.settings, draft.language_menu
    assert settings is not None and lm is not None
    used = used_prompts(draft.menus, draft.targets, draft.welcome)
    _check_label_keys(draft, report)
    label_keys: dict[str, str | None] = dict(used)
    reference = draft.locales.get(settings.default_locale)
    texts: dict[tuple[str, str], str] = {}
    if reference is None:
        return texts
    for pid in used:
        if pid not in reference.prompts:
            report.error("prompt-missing", reference.file, 0,
                         f"the prompt '{pid}' is used in {MENUS_FILE} but has no text here",
                         f"add '{pid}: <text>' under 'prompts:'")
    for pid in reference.prompts:
        if pid not in used:
            report.warn("prompt-unused", reference.file, reference.prompt_lines[pid],
                        f"the prompt '{pid}' is not used by {MENUS_FILE}", "remove it, or use it in a menu")
    standing_names = _standing_names(draft.standing)
    for locale in draft.locales.values():
        if locale is not reference:
            _compare_locale(locale, reference, report)
        for pid, text in locale.prompts.items():
            line = locale.prompt_lines[pid]
            key = label_keys.get(pid)
            if pid == "language.choose":
                key = _language_key(lm, locale.tag) or "1"  # a locale on no page is never offered
            elif pid == "language.more":
                key = lm.more_key
            rendered = _fill(text, key, pid in label_keys and label_keys[pid] is not None
                             or pid in ("language.choose", "language.more"),
                             locale, draft, standing_names, report, line)
            if rendered is not None:
                texts[(locale.tag, pid)] = rendered
    return texts


def _check_label_keys(draft: Draft, report: Report) -> None:
    # A sentence says its key ("..., press {key}"), so one sentence cannot offer two keys:
    # its recording or synthesized audio would be wrong in one of the places.
    first: dict[str, tuple[str, str]] = {}
    for menu in draft.menus.values():
        for option in menu.options.values():
            seen = first.setdefault(option.label, (option.key, menu.id))
            if seen[0] != option.key:
                report.error("label-two-keys", MENUS_FILE, option.line,
                             f"menus › {menu.id} › \"{option.key}\": the sentence '{option.label}' already offers "
                             f"key {seen[0]} in menu '{seen[1]}'",
                             "use the same key in both menus, or give this option its own prompt id")


def _language_key(lm: LanguageMenu, tag: str) -> str | None:
    for page in lm.pages:
        for key, locale in page.items():
            if locale == tag:
                return key
    return None


def _standing_names(standing: Mapping[str, Action]) -> dict[str, str]:
    names: dict[str, str] = {}
    for key, action in standing.items():
        name = action.target if action.kind is Kind.FORWARD else action.kind.value
        names[name] = key
    return names


def _compare_locale(locale: Locale, reference: Locale, report: Report) -> None:
    for pid in reference.prompts:
        if pid not in locale.prompts:
            report.error("prompt-missing", locale.file, 0,
                         f"the prompt '{pid}' is missing ({reference.file} has it)",
                         f"add '{pid}: <translation>' under 'prompts:'")
    for pid in locale.prompts:
        line = locale.prompt_lines[pid]
        if pid not in reference.prompts:
            report.error("prompt-extra", locale.file, line,
                         f"the prompt '{pid}' is not in {reference.file}",
                         did_you_mean(pid, reference.prompts) or "remove it, or add it to the reference locale")
            continue
        mine = sorted(m.group(0) for m in PLACEHOLDER.finditer(locale.prompts[pid]))
        theirs = sorted(m.group(0) for m in PLACEHOLDER.finditer(reference.prompts[pid]))
        if mine != theirs:
            report.error("placeholder-mismatch", locale.file, line,
                         f"'{pid}' has placeholders {mine or 'none'} but {reference.file} has {theirs or 'none'}",
                         "keep exactly the same {...} placeholders as the reference text, in any order")


def _fill(text: str, key: str | None, is_label: bool, locale: Locale, draft: Draft,
          standing_names: Mapping[str, str], report: Report, line: int) -> str | None:
    ok = True

    def bad(message: str, fix: str) -> str:
        nonlocal ok
        ok = False
        report.error("bad-placeholder", locale.file, line, message, fix)
        return ""

    def replace(match: re.Match[str]) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "key" and arg is None:
            if not is_label or key is None:
                return bad("{key} is only for sentences that offer an option",
                           "name the key instead, e.g. {key:firm}, or remove it")
            return locale.keys.get(key, key)
        if name == "key":
            if arg not in standing_names:
                return bad(f"{{key:{arg}}} names no standing key",
                           f"use one of: {', '.join('{key:' + n + '}' for n in standing_names)}")
            return locale.keys.get(standing_names[arg], standing_names[arg])
        if name == "number":
            target = draft.targets.get(arg or "")
            if target is None:
                return bad(f"{{number:{arg}}} names no target",
                           did_you_mean(arg or "", draft.targets) or "use a target name from menus.yaml")
            return spoken_number(target.number, locale)
        if name == "hours":
            return _said_hours(arg or "", locale, draft, bad)
        return bad(f"unknown placeholder {match.group(0)}",
                   "use {key}, {key:<standing>}, {number:<target>} or {hours:<target>}")

    rendered = PLACEHOLDER.sub(replace, text)
    if "{" in rendered or "}" in rendered:
        return bad("a { or } is left over", "placeholders look like {key} or {number:hotline_nyc}")
    if is_label and key is not None and "{key}" not in text:
        report.error("label-without-key", locale.file, line,
                     "this sentence offers an option but does not say its key",
                     "add {key} where the key should be spoken, e.g. '..., press {key}.'")
        ok = False
    return rendered if ok else None


def _said_hours(target_id: str, locale: Locale, draft: Draft, bad: Callable[[str, str], str]) -> str:
    target = draft.targets.get(target_id)
    if target_id in draft.bad_hours:
        return ""  # the hours themselves were reported; one message is enough
    if target is None:
        return bad(f"{{hours:{target_id}}} names no target",
                   did_you_mean(target_id, draft.targets) or "use a target name from menus.yaml")
    if target.hours is None:
        return bad(f"{{hours:{target_id}}}: the target '{target_id}' has no hours",
                   f"add 'hours:' to the target '{target_id}' in {MENUS_FILE}, or remove the placeholder")
    if locale.hours_format is None:
        return bad(f"{{hours:{target_id}}} needs 'hours_format:' in this file (how hours are said)",
                   "copy the hours_format: section from locales/en.yaml and translate its words")
    return say_hours(target.hours, locale.hours_format)


def spoken_number(number: str, locale: Locale) -> str:
    """Read a number digit by digit in groups: +18007997233 -> '1, 8 0 0, 7 9 9, 7 2 3 3'."""
    digits = number.lstrip("+")
    if len(digits) == 11 and digits.startswith("1"):
        groups = [digits[0], digits[1:4], digits[4:7], digits[7:]]
    elif len(digits) <= 4:
        groups = [digits]
    else:
        groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    said = [" ".join(locale.keys.get(d, d) for d in group) for group in groups]
    return locale.digit_separator.join(said)


__all__ = ["ConfigError", "inspect_project", "load_project", "spoken_number", "YSeq"]
