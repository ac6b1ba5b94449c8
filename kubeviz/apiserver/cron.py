"""Cron schedules as Kubernetes reads them: robfig/cron/v3's ``ParseStandard``.

The API server validates a CronJob's ``spec.schedule`` with it and the CronJob
controller computes start times with it, so both use this one parser (as both use
robfig/cron in Kubernetes): five fields (minute hour day-of-month month day-of-week),
``*``, ``?``, lists, ranges, steps, month and weekday names, and the descriptors
``@yearly`` ``@annually`` ``@monthly`` ``@weekly`` ``@daily`` ``@midnight`` ``@hourly``
and ``@every <duration>``. Errors carry robfig's own messages, which the API server
shows after ``spec.schedule: Invalid value``.

Simplified: a wall-clock time that a daylight-saving change skips or repeats is
matched as Python's zoneinfo resolves it, not exactly as Go's time package does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# (min, max, names) per field, as robfig's bounds.
_FIELDS: list[tuple[int, int, dict[str, int]]] = [
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, {m: i + 1 for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}),
    (0, 6, {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}),
]
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_GO_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
#: how far ahead Next looks before giving up (robfig: five years)
_YEARS_AHEAD = 5


class CronError(ValueError):
    """An unparseable schedule; the text is robfig's error message."""


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: frozenset[int]
    months: frozenset[int]
    dow: frozenset[int]
    dom_star: bool
    dow_star: bool
    every: float = 0.0  # seconds, for @every

    def _day_matches(self, t: datetime) -> bool:
        dom_match = t.day in self.dom
        dow_match = (t.isoweekday() % 7) in self.dow
        if self.dom_star or self.dow_star:
            return dom_match and dow_match
        return dom_match or dow_match

    def next(self, after: datetime, tz: timezone | ZoneInfo = UTC) -> datetime | None:
        """The first activation strictly after ``after`` (a UTC datetime), or None if there
        is none within five years (an impossible date such as 30 February)."""
        if self.every:
            whole = after.replace(microsecond=0)
            return whole + timedelta(seconds=max(self.every, 1.0))
        t = after.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=1)
        limit = t.year + _YEARS_AHEAD
        while t.year <= limit:
            if t.month not in self.months:
                t = datetime(t.year + (t.month == 12), t.month % 12 + 1, 1)
                continue
            if not self._day_matches(t):
                t = datetime(t.year, t.month, t.day) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = datetime(t.year, t.month, t.day, t.hour) + timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += timedelta(minutes=1)
                continue
            return t.replace(tzinfo=tz).astimezone(UTC)
        return None


def _int(text: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise CronError(f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax')
    value = int(text)
    if value < 0:
        raise CronError(f"negative number ({value}) not allowed: {text}")
    return value


def _int_or_name(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    return _int(text)


def _range(expr: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """robfig getRange: one comma-separated part; (values, whether it is a star)."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    star = False
    if low_and_high[0] in ("*", "?"):
        start, end, star = low, high, True
    else:
        start = _int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _int(range_and_step[1])
        if len(low_and_high) == 1 and not star:
            end = high  # "N/step" means N-max/step
        if step > 1:
            star = False
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < low:
        raise CronError(f"beginning of range ({start}) below minimum ({low}): {expr}")
    if end > high:
        raise CronError(f"end of range ({end}) above maximum ({high}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _field(text: str, index: int) -> tuple[frozenset[int], bool]:
    low, high, names = _FIELDS[index]
    values: set[int] = set()
    star = False
    for part in text.split(","):
        got, is_star = _range(part, low, high, names)
        values |= got
        star = star or is_star
    return frozenset(values), star


def _duration(text: str) -> float:
    """Go's time.ParseDuration, for ``@every``."""
    if not text or not re.fullmatch(f"(?:{_GO_DURATION.pattern})+", text):
        raise CronError(f'failed to parse duration @every {text}: time: invalid duration "{text}"')
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in _GO_DURATION.findall(text))


def parse_standard(spec: str) -> Schedule:
    """cron.ParseStandard."""
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        tz_part, _, spec = spec.partition(" ")
        name = tz_part.split("=", 1)[1]
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise CronError(f"provided bad location {name}: unknown time zone {name}") from None
    spec = spec.strip()
    if spec.startswith("@"):
        if spec.startswith("@every "):
            seconds = _duration(spec[len("@every "):].strip())
            everything = frozenset()
            return Schedule(everything, everything, everything, everything, everything, True, True, every=seconds)
        if spec not in _DESCRIPTORS:
            raise CronError(f"unrecognized descriptor: {spec}")
        spec = _DESCRIPTORS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    minutes, _ = _field(fields[0], 0)
    hours, _ = _field(fields[1], 1)
    dom, dom_star = _field(fields[2], 2)
    months, _ = _field(fields[3], 3)
    dow, dow_star = _field(fields[4], 4)
    return Schedule(minutes, hours, dom, months, dow, dom_star, dow_star)


def zone(name: str | None) -> ZoneInfo | timezone | None:
    """The location a ``timeZone`` names (UTC when unset: kube-controller-manager's
    local time, which in kubeviz is UTC); None when unknown."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
