"""Every way a caller can be forwarded, walked through the real app (`ivr call --paths`).

For each option, standing key, silence or wrong-key escape that forwards a call, this finds the
keys that reach it, walks them like `ivr call --keys` does, and reports the number dialled and
the caller id used, or that the target is closed at the line's clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from flask import Flask

from .model import Kind, Project
from .simulate import walk


def _routes(project: Project) -> dict[str, list[str]]:
    """Keys that reach each menu from the start of a call (language key first)."""
    default = project.language_menu.default
    lang_key = next((k for page in project.language_menu.pages for k, tag in page.items() if tag == default), "1")
    routes = {project.main: [lang_key]}
    todo = deque([project.main])
    while todo:
        menu = project.menus[todo.popleft()]
        for option in menu.options.values():
            if option.action.kind is Kind.GOTO and option.action.target not in routes:
                routes[option.action.target] = [*routes[menu.id], option.key]
                todo.append(option.action.target)
    return routes


def _escapes(project: Project, menu_id: str) -> list[tuple[str, list[str], str]]:
    """(what, keys, target) for each way out of a menu that forwards: options, standing keys,
    silences, wrong keys."""
    menu = project.menus[menu_id]
    found = [(f"{menu_id} › {o.key}", [o.key], o.action.target) for o in menu.options.values()
             if o.action.kind is Kind.FORWARD]
    found += [(f"{menu_id} › {k} (standing key)", [k], project.standing[k].target) for k in menu.standing
              if project.standing[k].kind is Kind.FORWARD]
    wrong = next((k for k in "0123456789*#" if k not in menu.options and k not in menu.standing), None)
    if menu.on_noinput.kind is Kind.FORWARD:
        found.append((f"{menu_id} › {menu.max_noinput} silences", ["."] * menu.max_noinput, menu.on_noinput.target))
    if menu.on_invalid.kind is Kind.FORWARD and wrong:
        found.append((f"{menu_id} › {menu.max_invalid} wrong keys", [wrong] * menu.max_invalid,
                      menu.on_invalid.target))
    return found


def forwarding_paths(app: Flask) -> Iterator[str]:
    """One line per forwarding path: keys, where, target, and what happens."""
    project: Project = app.extensions["ivr"].project
    routes = _routes(project)
    paths: list[tuple[str, list[str], str]] = []
    standing_done = False
    for menu_id, keys in routes.items():
        for what, more, target in _escapes(project, menu_id):
            if "(standing key)" in what and menu_id != project.main and standing_done:
                continue  # the same on every menu: shown once, from the main menu
            paths.append((what, [*keys, *more], target))
        standing_done = True
    for key, action in project.standing.items():
        if action.kind is Kind.FORWARD and not any(key in page for page in project.language_menu.pages):
            paths.append((f"language menu › {key} (standing key)", [key], action.target))
    # Menus entered after a forwarded call (after_call, emergency_after): reached by a call that
    # was not answered.
    for target in project.targets.values():
        if target.after in routes:
            continue
        # A path that really dials the target now (a closed target enters its `after` menu
        # without a call, so "no-answer" would not apply).
        via = next((keys for _, keys, t in paths if t == target.id and _outcome(app, keys).startswith("DIAL")),
                   None)
        if via is not None:
            routes[target.after] = [*via, "no-answer"]
            paths += [(w, [*routes[target.after], *more], t) for w, more, t in _escapes(project, target.after)
                      if "(standing key)" not in w]
    for what, keys, target in paths:
        yield f"{','.join(keys):<22} {what:<34} -> {target}: {_outcome(app, keys)}"


def _outcome(app: Flask, keys: list[str]) -> str:
    lines = list(walk(app, keys))
    last = max(i for i, line in enumerate(lines) if line.startswith(">"))
    heard = [line.strip() for line in lines[last + 1:]]
    dial = next((line for line in heard if line.startswith("DIAL ")), None)
    if dial:
        return dial
    if any(line.startswith("!") for line in lines):
        return "could not be walked: " + next(line for line in lines if line.startswith("!"))
    return "not dialled now: " + (heard[0] if heard else "(nothing said)")
