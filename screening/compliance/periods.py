"""Reporting periods in Beijing days: ISO weeks (the Friday report), calendar months, any range of days."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from screening.contract import EARLIEST, LATEST
from screening.errors import InvalidInput
from screening.parcel import BEIJING

PeriodKind = Literal["week", "month", "days"]
# ASCII digits, the whole text (no trailing newline), and the service's years (as its timestamps):
# a label becomes a file name and a date range, where anything else fails late.
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
FIRST_DAY = EARLIEST.date()
LAST_DAY = LATEST.date() - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Period:
    """Beijing days start..end, both included, with the label reports print."""

    kind: PeriodKind
    label: str
    start: date
    end: date

    @classmethod
    def week(cls, text: str, *, loc: tuple[str, ...] = ("query", "week")) -> "Period":
        """An ISO week such as 2026-W47 (Monday to Sunday); a bad one is named at loc."""
        match = _WEEK.fullmatch(text)
        try:
            if match is None or not FIRST_DAY.year <= int(match[1]) <= LAST_DAY.year:
                raise ValueError(text)
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise _bad(loc, "not an ISO week like 2026-W47 (years 2000 to 2099)") from exc
        return cls("week", text, monday, monday + timedelta(days=6))

    @classmethod
    def month(cls, text: str, *, loc: tuple[str, ...] = ("query", "month")) -> "Period":
        """A calendar month such as 2026-11; a bad one is named at loc."""
        match = _MONTH.fullmatch(text)
        try:
            if match is None or not FIRST_DAY.year <= int(match[1]) <= LAST_DAY.year:
                raise ValueError(text)
            first = date(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise _bad(loc, "not a month like 2026-11 (years 2000 to 2099)") from exc
        following = (first + timedelta(days=32)).replace(day=1)
        return cls("month", text, first, following - timedelta(days=1))

    @classmethod
    def days(cls, start: date, end: date) -> "Period":
        """Any range of days; the period before it is as long."""
        if start < FIRST_DAY:
            raise _bad(("query", "from"), "a day from 2000-01-01 on")
        if end > LAST_DAY:
            raise _bad(("query", "to"), "a day up to 2099-12-31")
        if end < start:
            raise _bad(("query", "to"), "the period ends before it starts")
        return cls("days", f"{start.isoformat()}..{end.isoformat()}", start, end)

    @classmethod
    def last_complete_week(cls, now: datetime | None = None) -> "Period":
        """The last ISO week that has ended in Beijing: what the Friday report covers."""
        today = (now or datetime.now(BEIJING)).astimezone(BEIJING).date()
        monday = today - timedelta(days=today.weekday())
        year, week, _ = (monday - timedelta(days=7)).isocalendar()
        return cls.week(f"{year}-W{week:02d}")

    @classmethod
    def last_complete_month(cls, now: datetime | None = None) -> "Period":
        """The last calendar month that has ended in Beijing."""
        today = (now or datetime.now(BEIJING)).astimezone(BEIJING).date()
        last = today.replace(day=1) - timedelta(days=1)
        return cls.month(f"{last.year}-{last.month:02d}")

    def previous(self) -> "Period":
        """The period just before: the week before, the month before, as many days before."""
        # Made, not parsed: the period before the service's first (in 1999) is a valid, empty comparison.
        if self.kind == "week":
            monday = self.start - timedelta(days=7)
            year, week, _ = monday.isocalendar()
            return Period("week", f"{year}-W{week:02d}", monday, monday + timedelta(days=6))
        if self.kind == "month":
            last = self.start - timedelta(days=1)
            return Period("month", f"{last.year}-{last.month:02d}", last.replace(day=1), last)
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return Period("days", f"{(end - length).isoformat()}..{end.isoformat()}", end - length, end)

    def dates(self) -> list[date]:
        """Every day of the period."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _bad(loc: tuple[str, ...], msg: str) -> InvalidInput:
    return InvalidInput([{"loc": list(loc), "msg": msg, "type": "value_error"}])
