"""The operator's audio commands: `ivr synth`, `ivr audio import`, and `ivr check --coverage` output.

Exit codes as everywhere: 0 done, 1 a problem with the content (a prompt that cannot be made,
a recording that cannot be used), 2 a usage or set-up problem (unknown locale, no credentials,
a missing tool).
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from .problems import did_you_mean

CONTENT_PROBLEM = 1
USAGE_PROBLEM = 2
# Errors `ivr synth` and `ivr audio import` exist to fix: they must not stop those commands.
AUDIO_GAPS = ("no-voice-no-audio",)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _project(root: Path):  # type: ignore[no-untyped-def]
    from .load import inspect_project

    if not (root / "menus.yaml").exists():
        _fail(f"no menus.yaml in {root} - run this in the line's folder or pass --root", USAGE_PROBLEM)
    project, report = inspect_project(root, env_required=False, tolerate=AUDIO_GAPS)
    if project is None:
        for problem in report.sorted():
            if problem.code not in AUDIO_GAPS:
                click.echo(str(problem), err=True)
        _fail("fix the problems above first (`ivr check` lists them)", CONTENT_PROBLEM)
    return project


def _check_locales(project, tags: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    for tag in tags:
        if tag not in project.locales:
            hint = did_you_mean(tag, list(project.locales))
            _fail(f"there is no locale '{tag}' (locales/{tag}.yaml){' - ' + hint if hint else ''} - known: "
                  f"{', '.join(sorted(project.locales))}", USAGE_PROBLEM)


def _wrap(items: list[str], indent: str = "      ") -> str:
    return textwrap.fill(", ".join(items), width=100, initial_indent=indent, subsequent_indent=indent)


@click.command()
@click.option("--locale", "locales", multiple=True, metavar="TAG",
              help="Only this language (repeat for several). Default: every language the engine serves.")
@click.option("--engine", type=click.Choice(["google", "espeak"]), default="google", show_default=True,
              help="google: Google Cloud TTS (needs credentials). espeak: offline PLACEHOLDER audio, only "
                   "for languages with no Twilio voice.")
@click.option("--dry-run", is_flag=True, help="Only say what would be synthesized, how many characters, "
                                              "and the estimated cost. Needs no credentials.")
@click.option("--jobs", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Prompts made at the same time.")
@click.option("--per-minute", type=click.IntRange(1, 100000), default=None,
              help="Google requests per minute at most [default: 200, under every default quota].")
@click.option("--price-per-million", type=click.FloatRange(0), default=None,
              help="USD per million characters for the --dry-run estimate [default: 16, an assumed "
                   "Neural2/WaveNet price].")
@click.option("--prune", is_flag=True, help="Delete synthesized files that no prompt plays any more.")
@click.pass_context
def synth(ctx: click.Context, locales: tuple[str, ...], engine: str, dry_run: bool, jobs: int,
          per_minute: int | None, price_per_million: float | None, prune: bool) -> None:
    """Synthesize every prompt that has no current audio (recording or synthesized file).

    Files are named by a hash of (text, engine, voice, settings): a run with nothing changed
    makes no request and writes nothing; an edited prompt gets a new file.
    """
    from . import synth as s

    root = Path(ctx.obj["root"])
    project = _project(root)
    _check_locales(project, locales)
    if engine == "espeak":
        # Placeholder files would be played instead of a Twilio voice (and sound worse).
        voiced = [t for t in locales if project.locales[t].say is not None]
        for tag in voiced:
            click.echo(f"  {tag}: skipped - {project.locales[tag].english_name} has a Twilio voice "
                       f"({project.locales[tag].say.voice}); placeholders are only for languages "  # type: ignore[union-attr]
                       "without one")
        locales = tuple(t for t in locales if t not in voiced)
        if voiced and not locales:
            return
    plan = s.plan(project, engine, locales or None)
    label = s.LABELS[engine]
    price = s.ASSUMED_USD_PER_MILLION if price_per_million is None else price_per_million
    _print_plan(plan, label, dry_run, price)
    old = s.cleanup_candidates(project)
    if dry_run:
        _print_cleanup(old, root, prune=False)
        return
    outcome = s.Outcome()
    if plan.jobs:
        if engine == "google":
            client = (ctx.obj or {}).get("tts_client")
            try:
                worker: s.Engine = s.GoogleTTS(client if client is not None else s.make_google_client())
            except s.SynthAbort as exc:
                _fail(str(exc), USAGE_PROBLEM)
            limiter = s.RateLimiter(per_minute or s.DEFAULT_PER_MINUTE)
        else:
            try:
                worker = s.Espeak()
            except s.SynthAbort as exc:
                _fail(str(exc), USAGE_PROBLEM)
            limiter = None
        with click.progressbar(length=len(plan.jobs), label=f"synthesizing ({label})",
                               file=sys.stderr, show_pos=True) as bar:
            outcome = s.run(plan.jobs, worker, workers=jobs, limiter=limiter, progress=bar.update)
    for job, why in sorted(outcome.failed, key=lambda f: (f[0].locale, f[0].prompt)):
        click.echo(f"failed: {job.locale} {job.prompt}: {why}", err=True)
    if plan.jobs:
        click.echo(f"made {len(outcome.made)} file(s) with {label}, {len(outcome.failed)} failed"
                   + (f", {outcome.not_tried} not tried" if outcome.not_tried else ""))
        if engine == "google":
            sent = sum(j.chars for j in outcome.made)
            click.echo(f"characters sent to Google: {sent}")
    old = s.cleanup_candidates(project)
    _print_cleanup(old, root, prune)
    if outcome.aborted:
        _fail(outcome.aborted, USAGE_PROBLEM)
    if outcome.failed:
        sys.exit(CONTENT_PROBLEM)


def _print_plan(plan, label: str, dry_run: bool, price: float) -> None:  # type: ignore[no-untyped-def]
    from . import synth as s

    verb = "would be synthesized" if dry_run else "to synthesize"
    click.echo(f"engine: {label}" + (" - placeholder audio, replace with recordings" if plan.engine == "espeak"
                                     else ""))
    for note in plan.notes:
        click.echo(f"  {note}")
    for tag in plan.locales:
        if tag not in plan.current:
            continue
        jobs = [j for j in plan.jobs if j.locale == tag]
        too_big = [j.prompt for j in jobs if plan.engine == "google" and j.size > s.GOOGLE_BYTE_LIMIT]
        click.echo(f"  {tag}: {len(jobs)} prompt(s) {verb}, {plan.chars(tag)} characters; "
                   f"{plan.current[tag]} already have current audio")
        if jobs and dry_run:
            click.echo(_wrap([j.prompt for j in jobs]))
        if too_big:
            click.echo(f"      over Google's {s.GOOGLE_BYTE_LIMIT}-byte limit (will fail): {', '.join(too_big)}")
    total = plan.chars()
    if not plan.locales:
        click.echo("no language to synthesize: " + ("every language has a Twilio voice, and placeholders are only "
                                                   "for languages without one" if plan.engine == "espeak"
                                                   else "no locale file sets synth: google:"))
    elif not plan.jobs:
        click.echo("nothing to synthesize: every prompt already has current audio")
    elif plan.engine == "google" and dry_run:
        click.echo(f"total: {len(plan.jobs)} prompt(s), {total} characters; estimated cost "
                   f"${s.estimate_usd(total, price):.2f} at an assumed ${price:.2f} per million characters "
                   f"(an estimate: check {s.PRICING_URL} for your voice type; the monthly free tier is not "
                   "subtracted)")
    elif dry_run:
        click.echo(f"total: {len(plan.jobs)} prompt(s), {total} characters; espeak-ng is free and offline")


def _print_cleanup(old: list[Path], root: Path, prune: bool) -> None:
    if not old:
        return
    shown = [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in old]
    if prune:
        for path in old:
            path.unlink(missing_ok=True)
        click.echo(f"deleted {len(old)} synthesized file(s) no prompt plays any more:")
    else:
        click.echo(f"{len(old)} synthesized file(s) no prompt plays any more (old text or voice); "
                   "delete them or run `ivr synth --prune`:")
    for name in shown:
        click.echo(f"  {name}")


@click.group()
def audio() -> None:
    """Human recordings: bring them in, telephone-ready."""


@audio.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--locale", "tag", required=True, metavar="TAG", help="The language of the recording(s).")
@click.option("--prompt", "prompt", default=None, metavar="ID",
              help="The prompt id the file says (not with a folder: there, file names are prompt ids).")
@click.pass_context
def import_(ctx: click.Context, source: Path, tag: str, prompt: str | None) -> None:
    """Import SOURCE (a file, or a folder of files named <prompt id>.wav/.mp3/.flac).

    Each recording becomes 8 kHz mono 16-bit WAV, band-limited to 300-3400 Hz, with its speech
    at -20 dBFS RMS and peaks under -1 dBFS, and is linked to the prompt's current text.
    """
    from .coverage import spoken_prompts
    from .recordings import import_recordings, prompts_in_folder
    from .telephony import AudioProblem, ToolMissing

    root = Path(ctx.obj["root"])
    project = _project(root)
    _check_locales(project, (tag,))
    spoken = [p for p in spoken_prompts(project) if (tag, p) in project.texts]
    if source.is_dir():
        if prompt is not None:
            _fail("--prompt is for a single file; in a folder each file is named after its prompt id",
                  USAGE_PROBLEM)
        files, other = prompts_in_folder(source)
        for path in other:
            click.echo(f"skipped {path.name}: not an audio file name (.wav, .mp3, .flac, .ogg, .aiff)")
        if not files:
            _fail(f"no audio files in {source}", CONTENT_PROBLEM)
    else:
        if prompt is None:
            _fail("say which prompt the recording is: --prompt <id> (see locales/"
                  f"{tag}.yaml)", USAGE_PROBLEM)
        files = {prompt: source}
    unknown = [p for p in files if p not in spoken]
    if unknown:
        for p in unknown:
            hint = did_you_mean(p, spoken)
            click.echo(f"error: {files[p].name}: '{p}' is not a prompt the line says in {tag}"
                       f"{' - ' + hint if hint else ''}", err=True)
        _fail("nothing was imported", CONTENT_PROBLEM if source.is_dir() else USAGE_PROBLEM)
    try:
        done = import_recordings(project, tag, files)
    except ToolMissing as exc:
        _fail(str(exc), USAGE_PROBLEM)
    except AudioProblem as exc:
        _fail(str(exc), CONTENT_PROBLEM)
    for item in done:
        if item.unchanged:
            click.echo(f"{tag} {item.prompt}: already imported, nothing changed")
            continue
        click.echo(f"{tag} {item.prompt}: {item.level.describe()} -> audio/{tag}/recorded/{item.file}")
        if item.replaced:
            click.echo(f"    the previous recording stays in audio/{tag}/recorded/{item.replaced} "
                       "(no longer played; delete it when you are sure)")
    click.echo("restart the line (or redeploy) to play the new recordings")


def print_coverage(root: Path, as_json: bool, problems: list | None = None) -> None:  # type: ignore[type-arg]
    """The coverage table of `ivr check --coverage` (text, or JSON with the problems)."""
    from .coverage import coverage, coverage_json, coverage_text
    from .load import inspect_project

    project, _ = inspect_project(root, env_required=False, tolerate=AUDIO_GAPS)
    if project is None:
        if as_json:
            click.echo(json.dumps({"problems": problems or [], "coverage": None}, indent=2, ensure_ascii=False))
        else:
            click.echo("coverage: not available until the errors above are fixed")
        return
    rows = coverage(project)
    if as_json:
        click.echo(json.dumps({"problems": problems or [], "coverage": coverage_json(rows)}, indent=2,
                              ensure_ascii=False))
    else:
        click.echo("")
        click.echo(coverage_text(rows))
