"""`ivr graph`: the tree of menus as a diagram (SVG, Graphviz DOT or mermaid)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .config import Config


@click.command()
@click.option("--format", "fmt", type=click.Choice(["svg", "dot", "mermaid"]), default="svg", show_default=True,
              help="svg: a picture; dot: for Graphviz (`dot -Tpng`); mermaid: for Markdown pages.")
@click.option("--locale", default=None, help="Show the prompts in this language (default: the default language).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: print it).")
@click.pass_context
def graph(ctx: click.Context, fmt: str, locale: str | None, out: Path | None) -> None:
    """Draw the tree of menus: every menu, key and target, each prompt with its audio coverage."""
    from . import graph as diagram
    from .app import build_line
    from .cli import CONTENT_PROBLEM, USAGE_PROBLEM, fail, show_problems
    from .problems import ConfigError

    root = Path(ctx.obj["root"])
    if not (root / "menus.yaml").exists():
        fail(f"no menus.yaml in {root} - run this in the line's folder or pass --root", USAGE_PROBLEM)
    try:
        # Numbers not set here are shown as the development stand-ins, as `ivr call` does.
        line = build_line(Config.from_env(root, dev=True))
    except ConfigError as exc:
        show_problems(exc.problems)
        fail(f"cannot draw the line: {len(exc.problems)} problem(s) in the content - run `ivr check`",
             CONTENT_PROBLEM)
        return
    project = line.project
    if locale is not None and locale not in project.locales:
        fail(f"there is no locale '{locale}' - use one of {', '.join(project.locales)}", USAGE_PROBLEM)
    text = diagram.render(diagram.build_graph(project, line.resolver, locale), fmt)
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out} ({fmt}, {len(project.menus)} menus, {len(project.targets)} targets)", err=True)
