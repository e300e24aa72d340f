"""What auditors and investigators ask of the log, as plain functions returning JSON-ready data or files."""

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from screening.compliance.export import csv_bytes
from screening.compliance.metrics import Tally, tally
from screening.compliance.offending import Check, offending_in
from screening.compliance.periods import Period
from screening.compliance.report import Report, build_report
from screening.compliance.report_html import render_html
from screening.compliance.report_xlsx import write_xlsx
from screening.compliance.schemas import TraceQuery
from screening.compliance.sources import AuditSources
from screening.compliance.trace import trace
from screening.outlets import UNKNOWN

log = logging.getLogger("screening.audit")

Grouping = Literal["carrier", "outlet", "courier", "province", "city", "district", "day"]
GROUPS: dict[Grouping, tuple[str, ...]] = {
    "carrier": ("carrier",),
    "outlet": ("carrier", "outlet_id", "outlet_name", "province", "city", "district"),
    "courier": ("carrier", "outlet_id", "outlet_name", "courier_id"),
    "province": ("province",),
    "city": ("province", "city"),
    "district": ("province", "city", "district"),
    "day": ("day",),
}
ReportFormat = Literal["xlsx", "html", "csv"]
ReportTable = Literal["carriers", "outlets", "regions", "daily", "offending"]
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Filters:
    """Which parcels an auditor looks at: by carrier and by region (None: all)."""

    carrier: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    outlet_id: str | None = None

    def apply(self, counted: Tally) -> Tally:
        """The tally restricted to these filters."""
        return counted.where(
            carrier=self.carrier,
            province=self.province,
            city=self.city,
            district=self.district,
            outlet_id=self.outlet_id,
        )

    def region(self, sources: AuditSources) -> pl.Expr | None:
        """Condition on the outlet (carrier and code) for the region filters (None when there are none)."""
        wanted = {
            c: getattr(self, c) for c in ("province", "city", "district") if getattr(self, c) is not None
        }
        if not wanted:
            return None
        registry = sources.outlets.frame()
        outlet = pl.concat_str("carrier", "outlet_id", separator="|").alias("outlet")
        if UNKNOWN in wanted.values():
            # An unregistered outlet is unknown at every level: 广东省 with an unknown city is none of them.
            if any(value != UNKNOWN for value in wanted.values()):
                return pl.lit(False)
            return ~outlet.is_in(registry.select(outlet)["outlet"].to_list())
        for column, value in wanted.items():
            registry = registry.filter(pl.col(column) == value)
        return outlet.is_in(registry.select(outlet)["outlet"].to_list())


def _period_json(period: Period) -> dict[str, Any]:
    return {"kind": period.kind, "label": period.label, "start": period.start, "end": period.end}


def _tally(sources: AuditSources, period: Period, filters: Filters) -> Tally:
    counted, _ = tally(sources.log, period=period, outlets=sources.outlets.frame(), cases=sources.cases)
    return filters.apply(counted)


def metrics(sources: AuditSources, *, period: Period, by: Grouping, filters: Filters) -> dict[str, Any]:
    """Totals of the period against the one before, and one row per group."""
    counted = _tally(sources, period, filters)
    rows = counted.daily() if by == "day" else counted.compared(GROUPS[by])
    return {
        "period": _period_json(counted.current),
        "previous": _period_json(counted.previous),
        "total": counted.compared([]).row(0, named=True),
        "rows": rows.to_dicts(),
    }


def dashboard(
    sources: AuditSources, *, period: Period, filters: Filters, worst: int = 20, min_parcels: int = 20
) -> dict[str, Any]:
    """Everything the auditor's dashboard shows, from one pass over the log."""
    counted = _tally(sources, period, filters)
    return {
        "period": _period_json(counted.current),
        "previous": _period_json(counted.previous),
        "total": counted.compared([]).row(0, named=True),
        "carriers": counted.compared(GROUPS["carrier"]).to_dicts(),
        "provinces": counted.compared(GROUPS["province"]).to_dicts(),
        "worst_outlets": counted.outlet_ranking(min_parcels=min_parcels).head(worst).to_dicts(),
        "daily": counted.daily().to_dicts(),
    }


# Past any log's rows, within what a row offset of polars (a 64-bit integer) takes.
MAX_OFFSET = 10**12


def offending(
    sources: AuditSources,
    *,
    period: Period,
    filters: Filters,
    check: Check | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """The period's offending waybills (masked identities), optionally one check only, a page at a time."""
    rows = _offending_frame(sources, period=period, filters=filters, check=check)
    return {"total": rows.height, "rows": rows.slice(offset, limit).to_dicts()}


def _offending_frame(
    sources: AuditSources, *, period: Period, filters: Filters, check: Check | None
) -> pl.DataFrame:
    conditions = [
        pl.col(k) == v for k, v in (("carrier", filters.carrier), ("outlet_id", filters.outlet_id)) if v
    ]
    region = filters.region(sources)
    if region is not None:
        conditions.append(region)
    where = pl.all_horizontal(conditions) if conditions else None
    rows = offending_in(sources.log, period, where=where, check=check)
    return rows.sort(["carrier", "outlet_id", "accepted_at", "waybill_no"])


def report(sources: AuditSources, *, period: Period) -> Report:
    """The weekly or monthly report of a period."""
    return build_report(sources.log, period=period, outlets=sources.outlets.frame(), cases=sources.cases)


def report_file(
    sources: AuditSources, *, period: Period, fmt: ReportFormat, table: ReportTable = "outlets"
) -> tuple[bytes, str, str]:
    """One report file for download: (content, media type, file name)."""
    built = report(sources, period=period)
    if fmt == "html":
        return render_html(built).encode("utf-8"), MEDIA_TYPES["html"], f"{built.name}.html"
    if fmt == "csv":
        frames: dict[str, Callable[[], pl.DataFrame]] = {
            "carriers": built.carriers,
            "outlets": built.outlets,
            "regions": built.regions,
            "daily": built.daily,
            "offending": lambda: built.offending,
        }
        return csv_bytes(frames[table]()), MEDIA_TYPES["csv"], f"{built.name}-{table}.csv"
    with tempfile.TemporaryDirectory() as folder:
        path = write_xlsx(built, Path(folder) / f"{built.name}.xlsx")
        return path.read_bytes(), MEDIA_TYPES["xlsx"], path.name


def trace_search(sources: AuditSources, query: TraceQuery) -> pl.DataFrame:
    """Every logged parcel of the identifier in the period, with case ids and outcomes.

    The search is logged with what was traced (the kind, the period, how many rows), never the value.
    """
    found = trace(sources.log, query, privacy=sources.privacy, cases=sources.cases)
    log.info(
        "trace by %s from %s to %s: %d records",
        query.kind,
        query.start.isoformat(),
        query.end.isoformat(),
        found.height,
    )
    return found


def trace_csv(sources: AuditSources, query: TraceQuery) -> tuple[bytes, str, str]:
    """The trace result as a CSV download."""
    found = trace_search(sources, query)
    name = f"trace-{query.kind}-{query.start.isoformat()}-{query.end.isoformat()}.csv"
    return csv_bytes(found), MEDIA_TYPES["csv"], name
