"""Whole-tree checks on a loaded project: reachability, menu size, languages and their audio.

`load.py` already checked each file and every name; these checks need the whole picture.
"""

from __future__ import annotations

from collections.abc import Mapping

from .audio import Play, Resolver
from .coverage import check_audio
from .load import MENUS_FILE, used_prompts
from .model import Kind, Project
from .preflight import check_audio_files, check_indexes
from .problems import Report

MAX_OPTIONS = 5


def reachable_menus(project: Project) -> set[str]:
    """Menus a caller can reach from the start of the line."""
    todo = [project.main]
    todo += [t.after for t in project.targets.values()]
    todo += [a.target for a in (project.settings.on_noinput, project.settings.on_invalid)
             if a.kind is Kind.GOTO]
    todo += [a.target for a in project.standing.values() if a.kind is Kind.GOTO]
    seen: set[str] = set()
    while todo:
        menu_id = todo.pop()
        if menu_id in seen or menu_id not in project.menus:
            continue
        seen.add(menu_id)
        menu = project.menus[menu_id]
        actions = [o.action for o in menu.options.values()] + [menu.on_noinput, menu.on_invalid]
        todo += [a.target for a in actions if a.kind is Kind.GOTO]
    return seen


def check_project(project: Project, report: Report, env: Mapping[str, str] | None = None) -> None:
    """Add every whole-tree problem of `project` to `report` (`env`: is AUDIO_BASE_URL set?)."""
    reached = reachable_menus(project)
    for menu in project.menus.values():
        if menu.id not in reached:
            report.warn("unreachable-menu", MENUS_FILE, menu.line, f"menus › {menu.id}: no caller can reach it",
                        "offer it from another menu with goto, or remove it")
        if len(menu.options) > MAX_OPTIONS:
            report.warn("menu-too-long", MENUS_FILE, menu.line,
                        f"menus › {menu.id}: {len(menu.options)} options (callers remember about {MAX_OPTIONS})",
                        "split it into two menus")
    for tag, _prompt in project.welcome:
        if tag not in project.locales:
            report.error("unknown-locale", MENUS_FILE, 0, f"welcome: there is no locale '{tag}'",
                         f"create locales/{tag}.yaml or remove it from welcome")
    remote = bool((env or {}).get("AUDIO_BASE_URL"))
    check_indexes(project, report, remote)  # errors block start-up; the resolver skips a broken index
    resolver = Resolver(project, "http://check.invalid/audio")
    check_audio_files(project, resolver, report, remote)
    used = used_prompts(project.menus, project.targets, project.welcome)
    for locale in project.locales.values():
        if not locale.enabled:
            report.warn("locale-off", MENUS_FILE, 0, f"locale '{locale.tag}' ({locale.english_name}) is off: "
                        "callers cannot choose it", f"set '{locale.tag}: on' under 'locales:' when it is ready")
            continue
        if locale.review.status == "machine":
            report.warn("not-reviewed", locale.file, 0,
                        f"{locale.english_name} is machine-translated ({locale.review.by}, {locale.review.date})",
                        "have a fluent speaker review it, then set review: {status: human, reviewer: ..., date: ...}")
        if locale.say is None:
            silent = [p for p in used if not isinstance(resolver.planned(locale.tag, p), Play)]
            if silent:
                shown = ", ".join(silent[:5]) + (" ..." if len(silent) > 5 else "")
                report.error("no-voice-no-audio", locale.file, 0,
                             f"{locale.english_name} has no Twilio voice and {len(silent)} prompts have no audio "
                             f"({shown})",
                             f"run `ivr synth --locale {locale.tag}` (cloud voice) or `ivr synth --engine espeak "
                             f"--locale {locale.tag}` (placeholder), or record them, or switch "
                             f"'{locale.tag}: off' in {MENUS_FILE}")
    check_audio(project, report)
