"""Business hours: when a target is open (time zones, daylight-saving days, holidays, midnight),
how the hours are said per language, and one test per validation rule of `hours:`."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivr.config import DEV_ENV
from ivr.hours import Hours, HoursFormat, is_open, say_hours, say_time
from ivr.load import inspect_project
from ivr.problems import Problem
from tests.conftest import BASE_EN, BASE_MENUS

Tiny = Callable[..., Path]
NY = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_6 = tuple(((540, 1080),) if d < 5 else () for d in range(7))


def hours(week: tuple[tuple[tuple[int, int], ...], ...] = WEEKDAYS_9_TO_6, zone: str = "America/New_York",
          holidays: tuple[str, ...] = ()) -> Hours:
    return Hours(zone, week, frozenset(date.fromisoformat(d) for d in holidays))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- is_open ------------------------------------------------------------------------------------

def test_open_and_closed_on_an_ordinary_tuesday() -> None:
    h = hours()
    assert not is_open(h, utc(2026, 12, 1, 13, 59))   # 08:59 New York
    assert is_open(h, utc(2026, 12, 1, 14, 0))         # 09:00
    assert is_open(h, utc(2026, 12, 1, 22, 59, 59))    # 17:59:59
    assert not is_open(h, utc(2026, 12, 1, 23, 0))     # 18:00: the end is exclusive
    assert not is_open(h, utc(2026, 12, 5, 15, 0))     # a Saturday


def test_the_moment_is_read_in_the_targets_time_zone() -> None:
    moment = utc(2026, 12, 1, 15, 0)                   # 10:00 New York, 07:00 Los Angeles
    assert is_open(hours(), moment)
    assert not is_open(hours(zone="America/Los_Angeles"), moment)
    assert not is_open(hours(zone="Europe/Madrid"), moment.replace(hour=23))  # 00:00 in Madrid
    # The same instant expressed in another offset gives the same answer.
    assert is_open(hours(), moment.astimezone(ZoneInfo("Asia/Tokyo")))


def test_a_naive_moment_is_a_wall_clock_time_in_the_targets_zone() -> None:
    assert is_open(hours(), datetime(2026, 12, 1, 9, 0))
    assert not is_open(hours(), datetime(2026, 12, 1, 18, 0))


def test_spring_forward_day_2026_03_08() -> None:
    # Sunday 2026-03-08 02:00 EST becomes 03:00 EDT: UTC-5 before, UTC-4 after.
    sunday = tuple(() if d != 6 else ((60, 210),) for d in range(7))   # 01:00-03:30
    h = hours(week=sunday)
    assert is_open(h, utc(2026, 3, 8, 6, 59))          # 01:59 EST
    assert is_open(h, utc(2026, 3, 8, 7, 0))           # 03:00 EDT (02:xx never happens)
    assert is_open(h, utc(2026, 3, 8, 7, 29))          # 03:29 EDT
    assert not is_open(h, utc(2026, 3, 8, 7, 30))      # 03:30 EDT
    # The weekday hours follow the wall clock across the change: 09:00 is 14:00 UTC on the
    # Friday before and 13:00 UTC on the Monday after.
    assert not is_open(hours(), utc(2026, 3, 6, 13, 30)) and is_open(hours(), utc(2026, 3, 6, 14, 0))
    assert is_open(hours(), utc(2026, 3, 9, 13, 0)) and not is_open(hours(), utc(2026, 3, 9, 12, 59))


def test_fall_back_day_2026_11_01() -> None:
    # Sunday 2026-11-01 02:00 EDT becomes 01:00 EST: 01:00-01:59 happens twice.
    sunday = tuple(() if d != 6 else ((60, 120),) for d in range(7))   # 01:00-02:00
    h = hours(week=sunday)
    assert not is_open(h, utc(2026, 11, 1, 4, 59))     # 00:59 EDT
    assert is_open(h, utc(2026, 11, 1, 5, 30))         # 01:30 EDT, the first time
    assert is_open(h, utc(2026, 11, 1, 6, 30))         # 01:30 EST, the second time
    assert not is_open(h, utc(2026, 11, 1, 7, 0))      # 02:00 EST
    assert is_open(hours(), utc(2026, 11, 2, 14, 0))   # Monday 09:00 EST is 14:00 UTC
    assert not is_open(hours(), utc(2026, 11, 2, 13, 30))


def test_holidays_are_closed_all_day_in_local_time() -> None:
    h = hours(week=tuple(((0, 1440),) for _ in range(7)), holidays=("2026-12-25",))
    assert is_open(h, utc(2026, 12, 25, 4, 59))        # 23:59 on the 24th in New York
    assert not is_open(h, utc(2026, 12, 25, 5, 0))     # 00:00 on the 25th
    assert not is_open(h, utc(2026, 12, 26, 4, 59))    # 23:59 on the 25th
    assert is_open(h, utc(2026, 12, 26, 5, 0))         # 00:00 on the 26th


def test_midnight_edges() -> None:
    # Friday until midnight, Saturday from midnight to 02:00: the night stays open across days.
    week = tuple(((1200, 1440),) if d == 4 else ((0, 120),) if d == 5 else () for d in range(7))
    h = hours(week=week)
    assert not is_open(h, datetime(2026, 12, 4, 19, 59))
    assert is_open(h, datetime(2026, 12, 4, 23, 59, 59))
    assert is_open(h, datetime(2026, 12, 5, 0, 0))
    assert is_open(h, datetime(2026, 12, 5, 1, 59))
    assert not is_open(h, datetime(2026, 12, 5, 2, 0))
    assert not is_open(h, datetime(2026, 12, 6, 0, 0))  # Sunday: closed


# --- saying the hours ---------------------------------------------------------------------------

EN = HoursFormat(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                 "{first} to {last}", "{h12} {period}", "{h12} {mm} {period}", ((0, "a.m."), (12, "p.m.")),
                 "midnight", "{start} to {end}", "{days}, {times}", " and ", "; ")


def test_hours_are_grouped_and_said() -> None:
    week = (((540, 1080),),) * 5 + (((600, 720), (780, 870)),) * 2
    assert say_hours(hours(week=week), EN) == (
        "Monday to Friday, 9 a.m. to 6 p.m.; Saturday and Sunday, 10 a.m. to 12 p.m. and 1 p.m. to 2 30 p.m.")


def test_times_on_the_edges_of_the_day() -> None:
    assert say_time(0, EN) == "midnight" and say_time(1440, EN) == "midnight"
    assert say_time(30, EN) == "12 30 a.m." and say_time(720, EN) == "12 p.m."


def test_the_bundled_locales_say_the_firms_hours(app) -> None:  # type: ignore[no-untyped-def]
    project = app.extensions["ivr"].project
    assert "Monday to Friday, 9 a.m. to 6 p.m." in project.text("en", "hours.firm")
    assert "de lunes a viernes, de 9 de la mañana a 6 de la tarde" in project.text("es", "hours.firm")


# --- validation: one test per rule --------------------------------------------------------------

HOURS_LINE = 18  # the line of the first entry under hours: in with_hours()


def with_hours(block: str, target_extra: str = "closed: closed.firm\nhours_prompt: hours.firm\n") -> str:
    inner = textwrap.indent(target_extra, "    ") + "    hours:\n" + textwrap.indent(textwrap.dedent(block), "      ")
    return BASE_MENUS.replace("    connecting: forward.firm\n", "    connecting: forward.firm\n" + inner)


def en_with(hours_format: str | None = None) -> str:
    # BASE_EN ends with its prompts; the hours prompts go there and hours_format after them.
    text = BASE_EN + "  closed.firm: Closed now.\n  hours.firm: Open {hours:firm}.\n"
    fmt = hours_format if hours_format is not None else """\
        hours_format:
          days: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
          day_span: "{first} to {last}"
          time: "{h12} {period}"
          time_minutes: "{h12} {mm} {period}"
          periods: {"0": a.m., "12": p.m.}
          time_span: "{start} to {end}"
          entry: "{days}, {times}"
          both: " and "
          separator: "; "
        """
    return text + textwrap.dedent(fmt)


GOOD = """\
timezone: America/New_York
mon-fri: "09:00-18:00"
sat: "10:00-12:00, 13:00-14:30"
holidays: [2026-12-25]
"""


def problems(tiny: Tiny, menus: str, en: str | None = None, code: str | None = None) -> list[Problem]:
    _, report = inspect_project(tiny(menus=menus, en=en or en_with()), DEV_ENV)
    return [p for p in report.problems if code is None or p.code == code]


def one(tiny: Tiny, block: str, code: str, **kw: str) -> Problem:
    found = problems(tiny, with_hours(block, **kw), code=code)
    assert len(found) == 1, found
    return found[0]


def test_good_hours_load_and_are_spoken(tiny: Tiny) -> None:
    project, report = inspect_project(tiny(menus=with_hours(GOOD), en=en_with()), DEV_ENV)
    assert report.errors == [] and project is not None
    assert project.text("en", "hours.firm") == (
        "Open Monday to Friday, 9 a.m. to 6 p.m.; Saturday, 10 a.m. to 12 p.m. and 1 p.m. to 2 30 p.m..")
    assert project.targets["firm"].hours is not None


def test_unknown_time_zone(tiny: Tiny) -> None:
    p = one(tiny, GOOD.replace("America/New_York", "America/Nueva_York"), "unknown-timezone")
    assert (p.file, p.line) == ("menus.yaml", HOURS_LINE) and "America/New_York" in p.fix


def test_bad_time(tiny: Tiny) -> None:
    p = one(tiny, GOOD.replace('"09:00-18:00"', '"9am-6pm"'), "bad-time")
    assert p.line == HOURS_LINE + 1 and "HH:MM" in p.fix
    assert one(tiny, GOOD.replace("18:00", "25:00"), "bad-time").line == HOURS_LINE + 1
    assert one(tiny, GOOD.replace("09:00-18:00", "24:00-24:00"), "bad-time").line == HOURS_LINE + 1


def test_end_before_start(tiny: Tiny) -> None:
    p = one(tiny, GOOD.replace("09:00-18:00", "18:00-09:00"), "hours-end-before-start")
    assert p.line == HOURS_LINE + 1 and "24:00" in p.fix


def test_unknown_day(tiny: Tiny) -> None:
    p = one(tiny, GOOD.replace("sat:", "satt:"), "unknown-day")
    assert p.line == HOURS_LINE + 2 and "did you mean 'sat'" in p.fix
    assert one(tiny, GOOD.replace("mon-fri", "fri-mon"), "unknown-day").line == HOURS_LINE + 1


def test_bad_date(tiny: Tiny) -> None:
    block = GOOD.replace("holidays: [2026-12-25]", "holidays:\n  - 2026-12-25\n  - 2026-02-30\n  - 25/12/2026")
    found = problems(tiny, with_hours(block), code="bad-date")
    assert [(p.line, "YYYY-MM-DD" in p.fix) for p in found] == [(HOURS_LINE + 5, True), (HOURS_LINE + 6, True)]


def test_day_given_twice(tiny: Tiny) -> None:
    p = one(tiny, GOOD + 'fri: "09:00-12:00"\n', "day-twice")
    assert p.line == HOURS_LINE + 4 and "fri" in p.message


def test_overlapping_openings(tiny: Tiny) -> None:
    assert one(tiny, GOOD.replace("13:00-14:30", "11:00-14:30"), "hours-overlap").line == HOURS_LINE + 2


def test_no_opening_times(tiny: Tiny) -> None:
    one(tiny, "timezone: America/New_York\n", "no-opening-times")


def test_hours_need_the_closed_and_hours_prompts(tiny: Tiny) -> None:
    found = problems(tiny, with_hours(GOOD, target_extra=""), code="missing-field")
    assert sorted("closed" in p.message for p in found) == [False, True]


def test_closed_without_hours(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("    connecting: forward.firm\n", "    connecting: forward.firm\n    closed: x.y\n")
    assert len(problems(tiny, menus, en=BASE_EN, code="closed-without-hours")) == 1


def test_hours_placeholder_for_a_target_without_hours(tiny: Tiny) -> None:
    menus = BASE_MENUS.replace("    say: [info.text]", "    say: [info.text, hours.firm]")
    en = BASE_EN + "  hours.firm: Open {hours:firm}.\n"
    (p,) = problems(tiny, menus, en=en, code="bad-placeholder")
    assert "has no hours" in p.message and p.file == "locales/en.yaml"


def test_bad_hours_give_one_message_not_two(tiny: Tiny) -> None:
    found = problems(tiny, with_hours(GOOD.replace("18:00", "18:61")))
    assert [p.code for p in found if p.severity == "error"] == ["bad-time"]


def test_locale_without_hours_format(tiny: Tiny) -> None:
    (p,) = problems(tiny, with_hours(GOOD), en=en_with(hours_format=""), code="bad-placeholder")
    assert "hours_format" in p.message and "en.yaml" in p.fix


def test_hours_format_template_must_use_its_fields(tiny: Tiny) -> None:
    en = en_with().replace('day_span: "{first} to {last}"', 'day_span: "{first} to {end}"')
    (p,) = problems(tiny, with_hours(GOOD), en=en, code="bad-hours-format")
    assert "day_span" in p.message and "{last}" in p.fix


def test_hours_format_periods_start_at_midnight(tiny: Tiny) -> None:
    en = en_with().replace('periods: {"0": a.m., "12": p.m.}', 'periods: {"12": p.m.}')
    (p,) = problems(tiny, with_hours(GOOD), en=en, code="bad-hours-format")
    assert "hour 0" in p.message


def test_hours_format_needs_seven_days(tiny: Tiny) -> None:
    en = en_with().replace(", Sunday]", "]")
    (p,) = problems(tiny, with_hours(GOOD), en=en, code="bad-days")
    assert "found 6" in p.message


# --- emergency targets --------------------------------------------------------------------------

EMERGENCY = BASE_MENUS.replace("targets:\n", """targets:
  emergency:
    number: "911"
    caller_id: "+12125550199"
    connecting: forward.firm
""")


def test_emergency_accepts_933_with_an_e164_caller_id(tiny: Tiny) -> None:
    _, report = inspect_project(tiny(menus=EMERGENCY.replace('"911"', '"933"')), DEV_ENV)
    assert report.errors == []


@pytest.mark.parametrize(("change", "code"), [
    ('    caller_id: "+12125550199"\n    connecting', "emergency-caller-id"),
    ('    caller_id: "2125550199"\n    connecting', "bad-caller-id"),
    ('    caller_id: "+12125550199"\n    show_caller: true\n    connecting', "emergency-show-caller"),
    ('    caller_id: "+442071234567"\n    connecting', "emergency-country"),
])
def test_emergency_target_rules(tiny: Tiny, change: str, code: str) -> None:
    menus = EMERGENCY.replace('    caller_id: "+12125550199"\n    connecting', change, 1)
    if code == "emergency-caller-id":
        menus = EMERGENCY.replace('    caller_id: "+12125550199"\n', "", 1)
    _, report = inspect_project(tiny(menus=menus), DEV_ENV)
    found = [p for p in report.errors if p.code == code]
    assert len(found) == 1 and found[0].line in (11, 12, 13, 14), report.errors


def test_emergency_has_no_hours(tiny: Tiny) -> None:
    extra = '    hours: {timezone: UTC, mon: "09:00-10:00"}\n    closed: info.text\n    hours_prompt: info.text\n'
    menus = EMERGENCY.replace('    number: "911"\n', '    number: "911"\n' + extra)
    _, report = inspect_project(tiny(menus=menus), DEV_ENV)
    assert [p.code for p in report.errors] == ["emergency-hours"]
