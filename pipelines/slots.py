"""When a schedule fires: cron expressions read as wall-clock time in an IANA time zone, as UTC instants.

A *slot* is one fire time of a schedule, stored in UTC. The cron expression is evaluated on the zone's wall
clock (``0 7 * * 1`` is 07:00 on Mondays in Europe/London, winter and summer), then each wall-clock time is
placed on the time line by the rule of PEP 495 (``fold=0``):

* a wall-clock time the clock skips when it springs forward fires as far after the gap as it was into it
  (02:30 on the last Sunday of March in Europe/Berlin fires at 03:30 summer time); two times that land on
  the same instant fire once;
* a wall-clock time the clock passes twice when it falls back fires once, at its first occurrence.

So an hourly schedule fires 23 times on the day the clocks go forward and 24 times on the day they go back
(not 25), and a daily schedule fires exactly once a day, every day.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from thrive_analytics.exceptions import ConfigurationError, require

__all__ = ["fire_times", "next_fire_times", "utc", "validate_cron", "validate_timezone", "zone"]

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# Far enough to cover any daylight-saving shift (at most two hours anywhere) when moving between clocks.
_SHIFT = dt.timedelta(hours=3)
_MACHINE_ZONES = {"localtime", "posixrules", "factory"}
_EXAMPLE = "such as '0 7 * * 1' (Mondays at 07:00) or '0 6 1 * *' (the 1st of each month at 06:00)"


def _croniter():
    return require("croniter", "schedules").croniter


def _expression(cron: str) -> str:
    text = " ".join(str(cron or "").split())
    return ALIASES.get(text.lower(), text)


def validate_cron(cron: str) -> str:
    """``cron`` with its spacing normalised, or one ConfigurationError sentence: five fields (minute, hour,
    day of month, month, day of week) or one of @hourly, @daily, @weekly, @monthly, @yearly."""
    text = " ".join(str(cron or "").split())
    expression = _expression(text)
    croniter = _croniter()
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ConfigurationError(
            f"Cron expression {text!r} is not valid; use five fields (minute hour day-of-month month "
            f"day-of-week), {_EXAMPLE}."
        )
    try:
        croniter(expression, dt.datetime(2000, 1, 1)).get_next(dt.datetime)
    except Exception:  # croniter gives up on dates that never come (the 30th of February)
        raise ConfigurationError(
            f"Cron expression {text!r} never fires (no calendar date matches it); use one {_EXAMPLE}."
        ) from None
    return text


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        if str(name).lower() in _MACHINE_ZONES:
            raise ValueError(name)  # what these mean depends on the machine, not on the schedule
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigurationError(
            f"Unknown time zone {name!r}; use an IANA name such as Europe/London, America/New_York or UTC."
        ) from None


def validate_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone this machine knows, or one ConfigurationError sentence."""
    name = str(name or "").strip()
    zone(name)
    return name


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive, in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _wall(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """``instant`` (aware) as naive wall-clock time in ``tz``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def _instant(wall: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Naive wall-clock time in ``tz`` as a UTC instant, by PEP 495's fold=0 rule (see the module)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def fire_times(
    cron: str, timezone: str, after: dt.datetime, until: dt.datetime, *, limit: int = 100
) -> list[dt.datetime]:
    """The newest ``limit`` slots in (``after``, ``until``], oldest first, as UTC datetimes (naive input is UTC)."""
    tz, expression = zone(timezone), _expression(cron)
    after, until = _aware(after), _aware(until)
    found: set[dt.datetime] = set()
    stop = _wall(after, tz) - _SHIFT
    walker = _croniter()(expression, _wall(until, tz) + _SHIFT)
    while len(found) < limit:
        wall = walker.get_prev(dt.datetime)
        if wall < stop:
            break
        instant = _instant(wall, tz)
        if after < instant <= until:
            found.add(instant)
    return sorted(found)


def next_fire_times(cron: str, timezone: str, after: dt.datetime, count: int = 1) -> list[dt.datetime]:
    """The next ``count`` slots after ``after``, as UTC datetimes."""
    tz, expression = zone(timezone), _expression(cron)
    after = _aware(after)
    walker = _croniter()(expression, _wall(after, tz) - _SHIFT)
    found: set[dt.datetime] = set()
    enough = None  # wall-clock time at which ``count`` were found; a little further may still sort earlier
    while True:
        wall = walker.get_next(dt.datetime)
        if enough is not None and wall > enough + _SHIFT:
            return sorted(found)[:count]
        instant = _instant(wall, tz)
        if instant > after:
            found.add(instant)
            if enough is None and len(found) >= count:
                enough = wall
