"""The operator's one command: `ivr serve`, `ivr check`, `ivr call`, ...

Exit codes: 0 all well, 1 a problem in the content (YAML, audio), 2 a usage or settings problem.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from .config import DEV_ENV, Config, SettingsError
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
@click.pass_context
def check(ctx: click.Context, as_json: bool, strict: bool, deploy: bool) -> None:
    """Check menus.yaml, the locales and the audio; list every problem as file:line."""
    from .load import inspect_project

    root = _root(ctx)
    if not (root / "menus.yaml").exists():
        fail(f"no menus.yaml in {root} - run this in the line's folder or pass --root", USAGE_PROBLEM)
    _, report = inspect_project(root, env_required=deploy)
    problems = report.sorted()
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    else:
        show_problems(problems, stream_err=False)
        errors, warnings = len(report.errors), len(report.warnings)
        click.echo(f"{errors} error(s), {warnings} warning(s)" if problems else "ok: no problems found")
    if report.errors or (strict and report.warnings):
        sys.exit(CONTENT_PROBLEM)


def _build_app(root: Path, dev: bool, port: int = 8080):  # type: ignore[no-untyped-def]
    from .app import create_app

    try:
        config = Config.from_env(root, dev=dev, port=port)
        return create_app(config=config)
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
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the line: gunicorn in production, Flask's server on 127.0.0.1 with --dev."""
    root = _root(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if dev:
        app = _build_app(root, dev=True, port=port)
        click.echo("WARNING: development mode - stand-in phone numbers, a throw-away auth token, "
                   "listening on 127.0.0.1 only. Never use --dev for real callers.", err=True)
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
@click.pass_context
def call(ctx: click.Context, keys: str | None) -> None:
    """Walk the line from the terminal through the real app; shows what the caller hears."""
    from . import simulate

    root = _root(ctx)
    import os

    env = {**DEV_ENV, **os.environ}
    app = _build_app_env(root, env)
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


def _build_app_env(root: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    from .app import create_app

    try:
        return create_app(config=Config.from_env(root, env, dev=True))
    except ConfigError as exc:
        show_problems(exc.problems)
        fail(f"the line cannot start: {len(exc.problems)} problem(s) in the content", CONTENT_PROBLEM)


from .cli_fallback import fallback as _fallback_command  # noqa: E402

main.add_command(_fallback_command)

if __name__ == "__main__":
    main()
