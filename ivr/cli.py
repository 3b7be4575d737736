"""The operator's one command: `ivr serve`, `ivr check`, `ivr call`, ...

Exit codes: 0 all well, 1 a problem in the content (YAML, audio), 2 a usage or settings problem.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from .cli_account import configure_number_command, purge_calls_command
from .config import Config, SettingsError
from .problems import ConfigError

CONTENT_PROBLEM = 1
USAGE_PROBLEM = 2


def _root(ctx: click.Context) -> Path:
    return Path(ctx.obj["root"])


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def show_problems(problems: list, stream_err: bool = True) -> None:
    for problem in problems:
        click.echo(str(problem), err=stream_err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="IVR_ROOT", help="Folder with menus.yaml, locales/ and audio/ (default: here).")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """The rights line: check, try and serve the phone line."""
    ctx.ensure_object(dict)
    ctx.obj["root"] = root or Path.cwd()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--deploy", is_flag=True,
              help="Also require the deployment settings (FIRM_NUMBER, ...) in this environment.")
@click.option("--coverage", is_flag=True, help="Also show, per language, which prompts have which audio.")
@click.pass_context
def check(ctx: click.Context, as_json: bool, strict: bool, deploy: bool, coverage: bool) -> None:
    """Check menus.yaml, the locales and the audio; list every problem as file:line."""
    from .load import inspect_project

    root = _root(ctx)
    if not (root / "menus.yaml").exists():
        fail(f"no menus.yaml in {root} - run this in the line's folder or pass --root", USAGE_PROBLEM)
    _, report = inspect_project(root, env_required=deploy)
    problems = report.sorted()
    if coverage and as_json:
        print_coverage(root, True, [p.as_dict() for p in problems])
    elif as_json:
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        show_problems(problems, stream_err=False)
        errors, warnings = len(report.errors), len(report.warnings)
        click.echo(f"{errors} error(s), {warnings} warning(s)" if problems else "ok: no problems found")
        if coverage:
            print_coverage(root, False)
    if report.errors or (strict and report.warnings):
        sys.exit(CONTENT_PROBLEM)


def _clock_at(at: str | None):  # type: ignore[no-untyped-def]
    """A clock stopped at `at` (None: the real clock); exits 2 when `at` is not a moment."""
    from .hours import parse_moment

    if at is None:
        return None
    moment = parse_moment(at)
    if moment is None:
        fail(f"--at '{at}' is not a date and time - write it like 2026-12-25T10:00", USAGE_PROBLEM)
    return lambda: moment


def _build_app(root: Path, dev: bool, port: int = 8080, clock=None):  # type: ignore[no-untyped-def]
    from .app import create_app

    try:
        config = Config.from_env(root, dev=dev, port=port)
        return create_app(config=config, clock=clock)
    except SettingsError as exc:
        fail(str(exc), USAGE_PROBLEM)
    except ConfigError as exc:
        show_problems(exc.problems)
        fail(f"the line cannot start: {len(exc.problems)} problem(s) in the content", CONTENT_PROBLEM)


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")
@click.option("--dev", is_flag=True,
              help="Local development: listen on 127.0.0.1 only, stand-in numbers, no auth token needed.")
@click.option("--at", "at", default=None, metavar="TIME",
              help="With --dev only: pretend it is always TIME (e.g. 2026-12-01T10:00) to try office hours.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, dev: bool, at: str | None) -> None:
    """Serve the line: gunicorn in production, Flask's server on 127.0.0.1 with --dev."""
    root = _root(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if at is not None and not dev:
        fail("--at only works with --dev: a real line always uses the real clock", USAGE_PROBLEM)
    if dev:
        app = _build_app(root, dev=True, port=port, clock=_clock_at(at))
        click.echo("WARNING: development mode - stand-in phone numbers, a throw-away auth token, "
                   "listening on 127.0.0.1 only. Never use --dev for real callers.", err=True)
        click.echo(f"Web phone: http://127.0.0.1:{port}/   map of the menus: http://127.0.0.1:{port}/map")
        click.echo(f"The line is at http://127.0.0.1:{port}/voice ; try it with: ivr call")
        app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
        return
    app = _build_app(root, dev=False, port=port)  # refuse to start before forking workers
    from .app import create_app
    from .server import run_gunicorn

    run_gunicorn(root, host, port, workers, app,
                 build=lambda: create_app(config=Config.from_env(root, dev=False, port=port)))


@main.command()
@click.option("--keys", default=None,
              help="Keys to press, comma-separated: 2,1,*,.(silence),0,busy (a call outcome).")
@click.option("--at", "at", default=None, metavar="TIME",
              help="Pretend the call happens at TIME, e.g. 2026-12-25T10:00 (read in each target's time "
                   "zone) or 2026-12-25T15:00+00:00, to walk business hours and closed days.")
@click.option("--paths", is_flag=True, help="List every forwarding path: keys, number dialled, caller id.")
@click.pass_context
def call(ctx: click.Context, keys: str | None, at: str | None, paths: bool) -> None:
    """Walk the line from the terminal through the real app; shows what the caller hears."""
    from . import simulate

    root = _root(ctx)
    app = _build_app(root, dev=True, clock=_clock_at(at))
    if paths:
        from .paths import forwarding_paths

        click.echo(f"Forwarding paths at {at or 'the current time'} (keys as for --keys):")
        for line in forwarding_paths(app):
            click.echo(line)
        return
    if keys is None:
        try:
            simulate.interactive(app, input, click.echo)
        except (EOFError, KeyboardInterrupt):
            click.echo("\n(hung up)")
        return
    failed = False
    for line in simulate.walk(app, [k for k in keys.split(",")]):
        click.echo(line)
        failed = failed or line.startswith("!")
    if failed:
        sys.exit(USAGE_PROBLEM)


@main.command()
@click.pass_context
def languages(ctx: click.Context) -> None:
    """List the languages: key on the language menu, voice, and review status (Markdown)."""
    from .load import inspect_project

    project, report = inspect_project(_root(ctx), env_required=False)
    if project is None:
        show_problems(report.errors)
        fail("the content has errors; run `ivr check`", CONTENT_PROBLEM)
    where = {tag: (n, key) for n, page in enumerate(project.language_menu.pages, start=1)
             for key, tag in page.items()}
    click.echo("| tag | language | menu | * and # are said | Twilio <Say> voice | synthesis voices | on | review |")
    click.echo("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for tag in sorted(project.locales, key=lambda t: where.get(t, (99, t))):
        loc = project.locales[tag]
        page, key = where.get(tag, (0, "-"))
        voice = f"{loc.say.voice} ({loc.say.language})" if loc.say else "none: audio only"
        synth = ", ".join(f"{k}: {v}" for k, v in (("google", loc.synth.google), ("espeak", loc.synth.espeak)) if v)
        review = f"{loc.review.status}, {loc.review.date}"
        if loc.review.status == "human":
            review += f" ({loc.review.by})"
        stars = f"{loc.keys.get('*')} / {loc.keys.get('#')}"
        click.echo(f"| {tag} | {loc.english_name} ({loc.name}) | page {page}, key {key} | {stars} | {voice} "
                   f"| {synth or '-'} | {'yes' if loc.enabled else 'off'} | {review} |")


@main.command()
@click.option("--limit", default=20.0, show_default=True, help="Longest first page, in seconds.")
@click.pass_context
def timing(ctx: click.Context, limit: float) -> None:
    """How long each page of the language menu takes to hear (exit 1 if page 1 is too long)."""
    from .timing import language_pages, total

    app = _build_app(_root(ctx), dev=True)
    pages = language_pages(app.extensions["ivr"].engine)
    for number, lines in enumerate(pages, start=1):
        click.echo(f"page {number}: {total(lines):.1f} s")
        for timed in lines:
            click.echo(f"  {timed.seconds:5.1f} s  {timed.label:<16} ({timed.method})")
    menu_only = total([t for t in pages[0] if not t.label.startswith("welcome")]) if pages else 0.0
    click.echo(f"page 1 without the welcome: {menu_only:.1f} s (limit {limit:.0f} s)")
    if menu_only > limit:
        sys.exit(CONTENT_PROBLEM)


main.add_command(configure_number_command)
main.add_command(purge_calls_command)

from .cli_audio import audio, print_coverage, synth  # noqa: E402  (audio commands: their own module)

main.add_command(synth)
main.add_command(audio)

from .cli_graph import graph as _graph_command  # noqa: E402

main.add_command(_graph_command)

from .cli_fallback import fallback as _fallback_command  # noqa: E402

main.add_command(_fallback_command)

if __name__ == "__main__":
    main()
