"""One test per validation rule: a tiny project with one mistake, and the problem it gives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.config import DEV_ENV
from ivr.load import inspect_project, load_project
from ivr.problems import ConfigError, Problem, Severity
from tests.conftest import BASE_EN, BASE_MENUS

Tiny = Callable[..., Path]


def found(root: Path, code: str, env: dict[str, str] | None = None) -> list[Problem]:
    _, report = inspect_project(root, DEV_ENV if env is None else env)
    return [p for p in report.problems if p.code == code]


def one(root: Path, code: str, env: dict[str, str] | None = None) -> Problem:
    problems = found(root, code, env)
    assert len(problems) == 1, f"expected one {code}, got {problems}"
    return problems[0]


def test_the_tiny_project_is_valid(tiny: Tiny) -> None:
    project, report = inspect_project(tiny(), DEV_ENV)
    assert report.errors == []
    assert project is not None and project.menus["main"].options["1"].action.target == "info"


def test_the_bundled_project_is_valid() -> None:
    project, report = inspect_project(Path(__file__).parent.parent, DEV_ENV)
    assert [str(p) for p in report.errors] == []
    assert project is not None


def test_load_project_raises_with_every_error(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("goto: info", "goto: infoo").replace('"+12125550100"', '"555"')
    with pytest.raises(ConfigError) as exc:
        load_project(tiny(menus=menus), DEV_ENV)
    codes = {p.code for p in exc.value.problems}
    assert {"unknown-menu", "bad-number"} <= codes


# --- file level ---------------------------------------------------------------------------------

def test_missing_version(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("version: 1\n", "")), "version-missing")
    assert (p.file, p.line) == ("menus.yaml", 1)
    assert "version: 1" in p.fix


def test_unsupported_version_is_checked_before_anything_else(tiny: Tiny) -> None:
    root = tiny(menus=BASE_MENUS.replace("version: 1", "version: 2").replace("settings:", "setings:"))
    p = one(root, "version-unsupported")
    assert p.line == 1
    assert found(root, "unknown-field") == []


def test_yaml_syntax_error_names_the_line(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("  default_locale: en", "  default_locale: [en")), "yaml-syntax")
    assert p.file == "menus.yaml" and p.line >= 3


def test_duplicate_key_is_an_error(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace('      "1": {label: main.info, goto: info}',
                               '      "1": {label: main.info, goto: info}\n      "1": {label: main.info, goto: main}')
    p = one(tiny(menus=menus), "duplicate-key")
    assert p.line == 26 and "first on line 25" in p.message


def test_unquoted_hash_key_is_caught(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace('  "#": back', "  #: back")), "hash-key-comment")
    assert p.line == 8 and '"#"' in p.fix


def test_unquoted_star_key_is_caught(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace('  "*": repeat', "  *: repeat")), "star-key-unquoted")
    assert p.line == 7


def test_digit_keys_stay_strings(tiny: Tiny) -> None:
    # An unquoted 1 must still be the key "1", never the number 1.
    menus = BASE_MENUS.replace('      "1": {label: main.info', '      1: {label: main.info')
    project = load_project(tiny(menus=menus), DEV_ENV)
    assert list(project.menus["main"].options) == ["1"]


def test_anchors_are_refused(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("    connecting: forward.firm", "    connecting: &c forward.firm")
    assert one(tiny(menus=menus), "yaml-feature").line == 14


def test_file_not_utf8(tiny: Tiny) -> None:
    root = tiny()
    (root / "locales" / "en.yaml").write_bytes(BASE_EN.encode("utf-8") + "  x: caf\xe9\n".encode("latin-1"))
    p = one(root, "file-encoding")
    assert p.file == "locales/en.yaml" and p.line > 20


# --- fields -------------------------------------------------------------------------------------

def test_unknown_field_suggests_the_right_one(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("    keys_prompt: keys.menu\n  info:", "    key_prompt: keys.menu\n  info:")),
            "unknown-field")
    assert p.line == 26 and "keys_prompt" in p.fix and "main" in p.message


def test_missing_field(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("    connecting: forward.firm\n", "")), "missing-field")
    assert "connecting" in p.message


def test_wrong_type(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("    say: [info.text]", "    say: info.text")), "wrong-type")
    assert p.line == 28


def test_number_out_of_range(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("  default_locale: en", "  default_locale: en\n  timeout: 99")),
            "out-of-range")
    assert p.line == 4


def test_not_a_number(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("  default_locale: en", "  default_locale: en\n  timeout: ten")),
            "not-a-number")
    assert "whole number" in p.message


def test_bad_key(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace('"1": {label: main.info', '"11": {label: main.info')), "bad-key")
    assert "keypad" in p.message


def test_bad_action(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace('  "*": repeat', '  "*": again')), "bad-action")
    assert p.line == 7


# --- names across files ---------------------------------------------------------------------------

def test_unknown_menu_with_suggestion(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("goto: info", "goto: infoo")), "unknown-menu")
    assert "'info'" in p.fix


def test_unknown_target(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("{forward: firm}", "{forward: frim}")), "unknown-target")
    assert "firm" in p.fix


def test_unknown_destination(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("  default_locale: en", "  default_locale: en\n  on_noinput: nowhere")),
            "unknown-destination")
    assert p.line == 4


def test_option_key_collides_with_standing_key(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace('"1": {label: main.info', '"0": {label: main.info')), "key-collision")
    assert p.line == 25


def test_main_menu_missing(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("  main:\n", "  start:\n")
    assert one(tiny(menus=menus), "main-missing").file == "menus.yaml"


def test_name_clash_between_menu_and_target(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("  info:\n", "  firm:\n").replace("goto: info", "goto: firm")
    assert one(tiny(menus=menus), "name-clash")


# --- numbers and the environment ------------------------------------------------------------------

def test_number_not_e164(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace('"+12125550100"', '"212-555-0100"')), "bad-number")
    assert p.line == 12 and "+12125550100" in p.fix


def test_caller_id_not_e164(tiny: Tiny) -> None:
    assert one(tiny(menus=BASE_MENUS.replace('"+12125550199"', '"12125550199"')), "bad-caller-id").line == 13


def test_emergency_without_caller_id(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("targets:\n", "targets:\n  emergency:\n    number: \"911\"\n"
                               "    connecting: forward.firm\n")
    p = one(tiny(menus=menus), "emergency-caller-id")
    assert "caller_id" in p.fix


def test_target_without_caller_id_would_show_the_callers_number(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace('    caller_id: "+12125550199"\n', "")), "caller-id-missing")
    assert "firm" in p.message and "${TWILIO_NUMBER}" in p.fix
    assert found(tiny(menus=BASE_MENUS.replace('    caller_id: "+12125550199"\n', "    show_caller: true\n")),
                 "caller-id-missing") == []


def test_environment_variable_missing(tiny: Tiny) -> None:
    root = tiny(menus=BASE_MENUS.replace('"+12125550100"', "${FIRM_NUMBER}"))
    p = one(root, "env-missing", env={})
    assert p.line == 12 and "FIRM_NUMBER" in p.message and p.severity is Severity.ERROR
    _, report = inspect_project(root, {}, env_required=False)
    assert [w.code for w in report.warnings if w.code == "env-missing"] == ["env-missing"]
    assert report.errors == []


def test_environment_default_is_used(tiny: Tiny) -> None:
    root = tiny(menus=BASE_MENUS.replace('"+12125550100"', "${FIRM_NUMBER:-+12125550111}"))
    assert load_project(root, {}).targets["firm"].number == "+12125550111"


# --- locales ----------------------------------------------------------------------------------------

SPANISH = BASE_EN.replace("name: English", "name: Español").replace("english_name: English",
                                                                     "english_name: Spanish")
SPANISH = SPANISH.replace("review: {status: human, reviewer: Test, date: 2026-11-29}",
                          "review: {status: machine, by: test, date: 2026-11-29}")
SPANISH = SPANISH.replace("voice: Polly.Joanna-Neural", "voice: Polly.Lupe-Neural").replace("en-US", "es-US")
ES_MENUS = BASE_MENUS.replace("  en: on\n", "  en: on\n  es: on\n").replace('{"1": en}', '{"1": en, "2": es}')


def test_locale_file_missing(tiny: Tiny) -> None:
    p = one(tiny(menus=ES_MENUS), "locale-file-missing")
    assert (p.file, p.line) == ("menus.yaml", 6)


def test_prompt_missing_in_a_translation(tiny: Tiny) -> None:
    es = SPANISH.replace("  trouble: Technical problem.\n", "")
    p = one(tiny(menus=ES_MENUS, es=es), "prompt-missing")
    assert p.file == "locales/es.yaml" and "trouble" in p.message


def test_extra_prompt_in_a_translation(tiny: Tiny) -> None:
    es = SPANISH + "  trobule: Problema.\n"
    p = one(tiny(menus=ES_MENUS, es=es), "prompt-extra")
    assert "trouble" in p.fix


def test_placeholder_mismatch(tiny: Tiny) -> None:
    es = SPANISH.replace("To go back, press {key:back}", "To go back, press {key:main}")
    p = one(tiny(menus=ES_MENUS, es=es), "placeholder-mismatch")
    assert p.file == "locales/es.yaml" and p.line == 14


def test_unknown_placeholder(tiny: Tiny) -> None:
    en = BASE_EN.replace("Some information.", "Some information {number:nowhere}.")
    p = one(tiny(en=en), "bad-placeholder")
    assert "nowhere" in p.message


def test_key_placeholder_outside_an_option(tiny: Tiny) -> None:
    en = BASE_EN.replace("Some information.", "Press {key}.")
    assert "only for sentences that offer an option" in one(tiny(en=en), "bad-placeholder").message


def test_option_label_without_its_key(tiny: Tiny) -> None:
    en = BASE_EN.replace("For information, press {key}.", "For information, press one.")
    assert one(tiny(en=en), "label-without-key").line == 13


def test_one_sentence_cannot_offer_two_keys(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("    say: [info.text]\n", "    say: [info.text]\n    options:\n"
                               "      \"2\": {label: main.info, goto: main}\n")
    p = one(tiny(menus=menus), "label-two-keys")
    assert p.line == 30 and "key 1" in p.message


def test_keys_missing(tiny: Tiny) -> None:
    en = BASE_EN.replace(', "#": pound', "")
    assert "#" in one(tiny(en=en), "keys-missing").message


def test_prompt_used_by_menus_is_missing_in_the_reference(tiny: Tiny) -> None:
    en = BASE_EN.replace("  info.text: Some information.\n", "")
    p = one(tiny(en=en), "prompt-missing")
    assert "info.text" in p.message and p.file == "locales/en.yaml"


def test_bad_voice_name(tiny: Tiny) -> None:
    assert one(tiny(en=BASE_EN.replace("Polly.Joanna-Neural", "Joanna")), "bad-voice")


def test_google_voice_must_match_language(tiny: Tiny) -> None:
    en = BASE_EN.replace("voice: Polly.Joanna-Neural", "voice: Google.es-US-Neural2-A")
    assert "es-US" in one(tiny(en=en), "voice-language-mismatch").message


def test_bad_review_status(tiny: Tiny) -> None:
    en = BASE_EN.replace("status: human, reviewer: Test", "status: checked, reviewer: Test")
    assert one(tiny(en=en), "bad-review")


def test_enabled_locale_must_be_offered(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("  en: on\n", "  en: on\n  es: on\n")
    assert one(tiny(menus=menus, es=SPANISH), "locale-not-offered").line == 6


def test_locale_offered_twice(tiny: Tiny) -> None:
    menus = ES_MENUS.replace('{"1": en, "2": es}', '{"1": en, "2": es, "3": es}')
    assert one(tiny(menus=menus, es=SPANISH), "duplicate-locale")


def test_no_voice_and_no_audio(tiny: Tiny) -> None:
    es = SPANISH.replace("say: {language: es-US, voice: Polly.Lupe-Neural}", "say: none")
    p = one(tiny(menus=ES_MENUS, es=es), "no-voice-no-audio")
    assert "ivr synth --locale es" in p.fix and "off" in p.fix


# --- whole tree (warnings) ------------------------------------------------------------------------------

def test_unreachable_menu_is_a_warning(tiny: Tiny) -> None:
    menus = BASE_MENUS + "  lost:\n    say: [info.text]\n"
    p = one(tiny(menus=menus), "unreachable-menu")
    assert p.severity is Severity.WARNING and "lost" in p.message


def test_long_menu_is_a_warning(tiny: Tiny) -> None:
    extra = "".join(f'      "{k}": {{label: opt{k}, goto: info}}\n' for k in "23456")
    menus = BASE_MENUS.replace('      "1": {label: main.info, goto: info}\n',
                               '      "1": {label: main.info, goto: info}\n' + extra)
    en = BASE_EN + "".join(f"  opt{k}: Option {k}, press {{key}}.\n" for k in "23456")
    problems = found(tiny(menus=menus, en=en), "menu-too-long")
    assert problems and problems[0].severity is Severity.WARNING


def test_machine_translation_is_a_warning(tiny: Tiny) -> None:
    p = one(tiny(menus=ES_MENUS, es=SPANISH), "not-reviewed")
    assert p.severity is Severity.WARNING and p.file == "locales/es.yaml"


def test_rendered_problem_reads_file_line_what_and_fix(tiny: Tiny) -> None:
    p = one(tiny(menus=BASE_MENUS.replace("goto: info", "goto: infoo")), "unknown-menu")
    assert str(p) == ("menus.yaml:25: menus › main › \"1\": there is no menu 'infoo' - did you mean 'info'?")
