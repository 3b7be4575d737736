"""Business hours of a forwarding target: reading them from menus.yaml, asking whether the
target is open at a given moment, and saying the hours in a caller's language.

In menus.yaml, under a target:

    hours:
      timezone: America/New_York          # an IANA time zone name
      mon-fri: "09:00-18:00"              # days: mon tue wed thu fri sat sun, a range or a list
      sat: "10:00-12:00, 13:00-15:00"     # several openings on one day; 24:00 ends at midnight
      holidays: [2026-12-25, 2027-01-01]  # closed all day (dates in the target's time zone)

Opening times are local wall-clock times, so daylight-saving changes need no care from the
operator: `is_open` converts the moment to the target's zone first.

In a locale file, `hours_format:` says how `{hours:<target>}` is spoken in that language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .fields import Fields
from .problems import did_you_mean
from .yamlsrc import YScalar, YSeq

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TEMPLATE_FIELD = re.compile(r"\{([a-z0-9_]*)\}")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock (the default everywhere but in tests and `ivr call --at`)."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says `moment` (tests, `ivr call --at`). A naive moment is read in
    each target's own time zone."""
    return lambda: moment


def parse_moment(text: str) -> datetime | None:
    """'2026-12-25T10:00' (naive: each target's own time zone) or with an offset; None if bad."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Hours:
    """When a target answers: per weekday (Monday first) its openings in minutes after local
    midnight, end exclusive; holidays are closed all day."""

    timezone: str
    week: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date]
    line: int = 0


def is_open(hours: Hours, when: datetime) -> bool:
    """Is the target open at `when`? A naive `when` is a wall-clock time in the target's zone."""
    zone = ZoneInfo(hours.timezone)
    local = when.astimezone(zone) if when.tzinfo is not None else when.replace(tzinfo=zone)
    if local.date() in hours.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in hours.week[local.weekday()])


# --- reading `hours:` ---------------------------------------------------------------------------

def read_hours(f: Fields) -> Hours | None:
    """Read a target's `hours:` mapping; every problem is reported with its line."""
    ok = True
    zone_name = f.text("timezone", what="an IANA time zone such as America/New_York")
    if zone_name is not None and not _zone_ok(zone_name):
        f.err("unknown-timezone", "timezone", f"'{zone_name}' is not a time zone name",
              "use an IANA name such as America/New_York (the list: "
              "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)")
        zone_name = None
    week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    given: dict[int, str] = {}
    for key, node in f.node.items.items():
        if key in ("timezone", "holidays"):
            continue
        days = _days(key, f)
        if days is None:
            ok = False
            continue
        if not isinstance(node, YScalar):
            f.err("wrong-type", key, "expected opening times like \"09:00-18:00\"",
                  f"write '{key}: \"09:00-18:00\"' (or \"closed\")")
            ok = False
            continue
        spans = _spans(node.value, key, f)
        if spans is None:
            ok = False
            continue
        for day in days:
            if day in given:
                f.err("day-twice", key, f"{DAYS[day]} already has opening times (from '{given[day]}')",
                      "give each day its times once: remove it from one of the two lines")
                ok = False
                continue
            given[day] = key
            week[day] = spans
    holidays = _holidays(f)
    if holidays is None:
        ok = False
    if not given and ok:
        f.err("no-opening-times", None, "no day has opening times",
              "add a line per day or range of days, e.g. mon-fri: \"09:00-18:00\"")
        ok = False
    if not ok or zone_name is None or holidays is None:
        return None
    return Hours(zone_name, tuple(tuple(day) for day in week), frozenset(holidays), f.line())


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _days(key: str, f: Fields) -> list[int] | None:
    """'mon-fri', 'sat', 'sat, sun' -> weekday numbers (Monday is 0)."""
    days: list[int] = []
    for part in (p.strip().lower() for p in key.split(",")):
        ends = [e.strip() for e in part.split("-")]
        if len(ends) > 2 or not all(ends):
            f.err("unknown-day", key, f"'{part}' is not a day or a range of days",
                  "write a day (mon, tue, wed, thu, fri, sat, sun), a range like mon-fri, or a list like sat, sun")
            return None
        for end in ends:
            if end not in DAYS:
                f.err("unknown-day", key, f"'{end}' is not a day",
                      did_you_mean(end, DAYS) or "days are written mon, tue, wed, thu, fri, sat, sun")
                return None
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if last < first:
            f.err("unknown-day", key, f"the range '{part}' runs backwards",
                  f"write it from the earlier day, or list the days: {', '.join(ends)}")
            return None
        days.extend(range(first, last + 1))
    return days


def _minutes(text: str, key: str, f: Fields, end: bool) -> int | None:
    match = TIME.match(text.strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        value = hour * 60 + minute
        if minute < 60 and (value < DAY_MINUTES or (end and value == DAY_MINUTES)):
            return value
    f.err("bad-time", key, f"'{text.strip()}' is not a time of day",
          "write 24-hour times as HH:MM, from 00:00 to 24:00 (24:00 only as a closing time), e.g. 09:00-18:00")
    return None


def _spans(value: str, key: str, f: Fields) -> list[tuple[int, int]] | None:
    if value.strip().lower() == "closed":
        return []
    spans: list[tuple[int, int]] = []
    for part in value.split(","):
        ends = part.split("-")
        if len(ends) != 2:
            f.err("bad-time", key, f"'{part.strip()}' is not an opening time",
                  "write a start and an end, e.g. \"09:00-18:00\"; several: \"09:00-12:00, 13:00-17:00\"")
            return None
        start = _minutes(ends[0], key, f, False)
        end = _minutes(ends[1], key, f, True) if start is not None else None
        if start is None or end is None:
            return None
        if end <= start:
            f.err("hours-end-before-start", key, f"'{part.strip()}' ends before it starts",
                  "the end must be later the same day; for a night opening, end this day at 24:00 "
                  "and open the next day at 00:00")
            return None
        spans.append((start, end))
    spans.sort()
    for (_, end1), (start2, _) in zip(spans, spans[1:], strict=False):
        if start2 < end1:
            f.err("hours-overlap", key, f"the openings in '{value.strip()}' overlap",
                  "make them one opening, or let one end before the next starts")
            return None
    return spans


def _holidays(f: Fields) -> set[date] | None:
    node = f.node.get("holidays")
    if node is None:
        return set()
    if not isinstance(node, YSeq):
        f.err("wrong-type", "holidays", "expected a list of dates", "write holidays: [2026-12-25, 2027-01-01]")
        return None
    days: set[date] = set()
    ok = True
    for item in node.items:
        text = item.value.strip() if isinstance(item, YScalar) else ""
        try:
            if not DATE.match(text):
                raise ValueError(text)
            days.add(date.fromisoformat(text))
        except ValueError:
            shown = text or "a list or mapping"
            f.err("bad-date", "holidays", f"'{shown}' is not a date",
                  "write dates as YYYY-MM-DD, e.g. 2026-12-25", line=item.line)
            ok = False
    return days if ok else None


# --- saying the hours -----------------------------------------------------------------------------

@dataclass(frozen=True)
class HoursFormat:
    """How one language says office hours (the locale file's `hours_format:`)."""

    days: tuple[str, ...]                   # Monday first
    day_span: str                           # {first} {last}: three or more days in a row
    time: str                               # {h12} {h24} {period}: a time on the hour
    time_minutes: str                       # the same with {mm}
    periods: tuple[tuple[int, str], ...]    # (from this hour on, word), sorted
    midnight: str | None                    # said for 00:00 and 24:00, when given
    time_span: str                          # {start} {end}
    entry: str                              # {days} {times}
    both: str                               # joins two days, or two openings of one day
    separator: str                          # joins the entries


TEMPLATES: dict[str, tuple[set[str], set[str]]] = {
    # field: (allowed placeholders, required placeholders)
    "day_span": ({"first", "last"}, {"first", "last"}),
    "time": ({"h12", "h24", "period"}, set()),
    "time_minutes": ({"h12", "h24", "mm", "period"}, {"mm"}),
    "time_span": ({"start", "end"}, {"start", "end"}),
    "entry": ({"days", "times"}, {"days", "times"}),
}


def read_hours_format(f: Fields) -> HoursFormat | None:
    """Read a locale's `hours_format:`; every problem is reported with its line."""
    f.only(["days", *TEMPLATES, "periods", "midnight", "both", "separator"])
    ok = True
    days_node = f.seq("days", what="the seven day names, Monday first")
    days: list[str] = []
    if days_node is not None:
        days = [i.value.strip() for i in days_node.items if isinstance(i, YScalar) and i.value.strip()]
        if len(days) != 7 or len(days) != len(days_node.items):
            f.err("bad-days", "days", f"expected the 7 day names, Monday first, found {len(days_node.items)}",
                  "write days: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday] in this language")
            ok = False
    texts: dict[str, str] = {}
    for name, (allowed, required) in TEMPLATES.items():
        text = f.text(name, what="how this part of the hours is said")
        if text is None:
            ok = False
            continue
        used = set(TEMPLATE_FIELD.findall(text))
        leftover = TEMPLATE_FIELD.sub("", text)
        if used - allowed or required - used or "{" in leftover or "}" in leftover:
            f.err("bad-hours-format", name, f"'{text}' must use {', '.join('{' + a + '}' for a in sorted(required))}"
                  if required else f"'{text}' has an unknown placeholder",
                  f"use only {', '.join('{' + a + '}' for a in sorted(allowed))}")
            ok = False
        if "{h12}" not in text and "{h24}" not in text and name.startswith("time") and name != "time_span":
            f.err("bad-hours-format", name, f"'{text}' does not say the hour",
                  "put {h12} (1-12, with {period}) or {h24} (0-24) in it")
            ok = False
        texts[name] = text
    periods: list[tuple[int, str]] = []
    periods_f = f.sub("periods", required=False, what="'hour: word' lines, e.g. \"0\": a.m.")
    if periods_f is not None:
        for hour, _node in periods_f.node.items.items():
            word = periods_f.text(hour, what="the word said after the time")
            if not hour.isdigit() or int(hour) > 23:
                periods_f.err("bad-hours-format", hour, f"'{hour}' is not an hour from 0 to 23",
                              "write each period as the hour it starts: \"0\": a.m. and \"12\": p.m.")
                ok = False
            elif word:
                periods.append((int(hour), word))
    periods.sort()
    uses_period = any("{period}" in texts.get(n, "") for n in ("time", "time_minutes"))
    if uses_period and (not periods or periods[0][0] != 0):
        f.err("bad-hours-format", "periods", "{period} is used but 'periods' does not start at hour 0",
              "add periods: {\"0\": a.m., \"12\": p.m.} (each entry: the hour it starts and its word)")
        ok = False
    midnight = f.text("midnight", required=False, what="the word for midnight")
    both = f.scalar("both", what="the word joining two days or two openings, like ' and '")
    separator = f.scalar("separator", what="what goes between days with different hours, like '; '")
    if not ok or both is None or separator is None:
        return None
    return HoursFormat(tuple(days), texts["day_span"], texts["time"], texts["time_minutes"], tuple(periods),
                       midnight, texts["time_span"], texts["entry"], both.value, separator.value)


def _fill(template: str, **values: str) -> str:
    return TEMPLATE_FIELD.sub(lambda m: values.get(m.group(1), ""), template)


def say_time(minutes: int, fmt: HoursFormat) -> str:
    """09:30 -> '9 30 a.m.' in English (as the locale's format says)."""
    if minutes in (0, DAY_MINUTES) and fmt.midnight:
        return fmt.midnight
    h24, mm = divmod(minutes, 60)
    period = ""
    for start, word in fmt.periods:
        if h24 % 24 >= start:
            period = word
    template = fmt.time_minutes if mm else fmt.time
    return " ".join(_fill(template, h12=str(h24 % 12 or 12), h24=str(h24), mm=f"{mm:02d}",
                          period=period).split())


def say_hours(hours: Hours, fmt: HoursFormat) -> str:
    """The week's opening times in words: 'Monday to Friday, 9 a.m. to 6 p.m.; Saturday, ...'."""
    entries: list[str] = []
    day = 0
    while day < len(DAYS):
        spans = hours.week[day]
        last = day
        while last + 1 < len(DAYS) and hours.week[last + 1] == spans:
            last += 1
        if spans:
            if last == day:
                days = fmt.days[day]
            elif last == day + 1:
                days = fmt.days[day] + fmt.both + fmt.days[last]
            else:
                days = _fill(fmt.day_span, first=fmt.days[day], last=fmt.days[last])
            times = fmt.both.join(_fill(fmt.time_span, start=say_time(s, fmt), end=say_time(e, fmt))
                                  for s, e in spans)
            entries.append(_fill(fmt.entry, days=days, times=times))
        day = last + 1
    return fmt.separator.join(entries)
