"""Compliance metrics over the decision log: additive counters at the finest grain, rolled up on demand.

A parcel counts once per Beijing day of pickup, in the state of its latest scoring (a courier who adds
the missing ID and re-sends has, in the end, taken the parcel under real name). The log is read one day
at a time, so memory stays that of one day however long the period. Rates are counter ratios, so a
rollup of outlets into a carrier or a province is exact.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import polars as pl

from screening.compliance.case_outcomes import CaseOutcomes, hold_outcomes
from screening.compliance.periods import Period
from screening.decisionlog.compaction import LogLayout
from screening.decisionlog.reader import scan_log
from screening.outlets import UNKNOWN, UNKNOWN_NAME
from screening.parcel import BEIJING

# The columns metrics read: a report scans these and nothing else.
METRIC_COLUMNS = (
    "day",
    "scored_at",
    "carrier",
    "waybill_no",
    "outlet_id",
    "courier_id",
    "decision",
    "opened_inspection",
    "xray_screened",
    "needs_inspection",
    "needs_xray",
    "needs_realname",
    "sender_id_present",
    "sender_id_valid",
    "sender_id_verified",
    "customer_type",
    "agreement_status",
)
GRAIN = ("period", "day", "carrier", "outlet_id", "courier_id")
_REGISTERED = pl.Schema(
    {k: pl.String() for k in ("carrier", "outlet_id", "outlet_name", "province", "city", "district")}
)
REGION = ("province", "city", "district", "outlet_name")
DECISIONS = ("release", "inspect", "hold", "reject")
OUTCOMES = ("confirmed", "released", "open")

_realname_ok = pl.col("sender_id_valid") & pl.col("sender_id_verified")
_realname_failed = pl.col("needs_realname") & ~_realname_ok
# A check the policy relaxed for the parcel's lane was not needed; records from before the log said so
# (null) needed every check, as the policy then did.
NEEDS_INSPECTION = pl.col("needs_inspection").fill_null(True)
NEEDS_XRAY = pl.col("needs_xray").fill_null(True)
INSPECTION_MISSING = NEEDS_INSPECTION & ~pl.col("opened_inspection")
XRAY_MISSING = NEEDS_XRAY & ~pl.col("xray_screened")
# A parcel breaks the three systems (三项制度) when any of them was not run: what the bureau pursues.
OFFENDING = _realname_failed | INSPECTION_MISSING | XRAY_MISSING
_contract = pl.col("customer_type") == "contract"

COUNTERS: dict[str, pl.Expr] = {
    "parcels": pl.len(),
    "realname_needed": pl.col("needs_realname").sum(),
    "realname_ok": (pl.col("needs_realname") & _realname_ok).sum(),
    "realname_missing": (pl.col("needs_realname") & ~pl.col("sender_id_present")).sum(),
    "realname_invalid": (
        pl.col("needs_realname") & pl.col("sender_id_present") & ~pl.col("sender_id_valid")
    ).sum(),
    "realname_unverified": (
        pl.col("needs_realname") & pl.col("sender_id_valid") & ~pl.col("sender_id_verified")
    ).sum(),
    "inspection_needed": NEEDS_INSPECTION.sum(),
    "inspected": (NEEDS_INSPECTION & pl.col("opened_inspection")).sum(),
    "xray_needed": NEEDS_XRAY.sum(),
    "xrayed": (NEEDS_XRAY & pl.col("xray_screened")).sum(),
    "contract_parcels": _contract.sum(),
    "contract_qualified": (_contract & (pl.col("agreement_status") == "active")).sum(),
    "non_compliant": OFFENDING.sum(),
    **{decision: (pl.col("decision") == decision).sum() for decision in DECISIONS},
}
HOLD_COUNTERS = tuple(f"holds_{o}" for o in OUTCOMES)
ALL_COUNTERS = (*COUNTERS, *HOLD_COUNTERS)

# rate name → (numerator, denominator)
RATES: dict[str, tuple[str, str]] = {
    "realname_rate": ("realname_ok", "realname_needed"),
    "inspection_rate": ("inspected", "inspection_needed"),
    "xray_rate": ("xrayed", "xray_needed"),
    "agreement_coverage": ("contract_qualified", "contract_parcels"),
    "non_compliance_rate": ("non_compliant", "parcels"),
    **{f"{d}_share": (d, "parcels") for d in DECISIONS},
    "hold_confirmed_rate": ("holds_confirmed", "hold"),
}
# Rates compared period on period in the reports.
HEADLINE_RATES = (
    "realname_rate",
    "inspection_rate",
    "xray_rate",
    "agreement_coverage",
    "non_compliance_rate",
)


# How much later than its pickup a parcel may be scored again (a correction) or its hold's case open,
# and still be found: as long as a parcel's decision is remembered.
LATER = timedelta(days=31)


def latest_per_parcel(log: pl.LazyFrame) -> pl.LazyFrame:
    """Each parcel (carrier, waybill_no) once, as it was last scored.

    Nearly every parcel is scored once: only the records whose parcel hash repeats take the exact path
    (sort and keep the last), so a hash collision costs a little time and never a parcel.
    """
    keyed = log.with_columns(_parcel=pl.struct("carrier", "waybill_no").hash())
    repeated = pl.col("_parcel").is_duplicated()
    once = keyed.filter(~repeated)
    again = keyed.filter(repeated).sort("scored_at").unique(subset=["carrier", "waybill_no"], keep="last")
    return pl.concat([once, again]).drop("_parcel")


def moved_away(layout: LogLayout, *, start: date, end: date) -> pl.DataFrame:
    """Corrected bodies that moved their parcel's pickup to another day, up to LATER before or after.

    The log is partitioned by the day a body says its parcel was picked up: a correction moving a pickup
    of start..end back lies in an earlier day's partition, one moving it forward in a later one.
    One row per move: the day the parcel left (replaces_day), carrier, waybill_no, when (moved_at).
    """
    return (
        scan_log(layout, start=start - LATER, end=end + LATER)
        .filter(pl.col("replaces_day").is_not_null())
        .select(
            pl.col("replaces_day").str.to_date(),
            "carrier",
            "waybill_no",
            pl.col("scored_at").alias("moved_at"),
        )
        .collect()
    )


def parcels_of_day(
    layout: LogLayout, day: date, *, more: Sequence[str] = (), moved: pl.DataFrame | None = None
) -> pl.LazyFrame:
    """The parcels picked up on one Beijing day, with the columns metrics read and `more`.

    moved (from moved_away): a parcel whose later, corrected body moved its pickup to another day no
    longer counts on this one.
    """
    columns = list(dict.fromkeys([*METRIC_COLUMNS, *more]))
    parcels = latest_per_parcel(scan_log(layout, start=day, end=day).select(columns))
    away = None if moved is None else moved.filter(pl.col("replaces_day") == day)
    if away is None or away.is_empty():
        return parcels
    last_moves = away.group_by("carrier", "waybill_no").agg(pl.col("moved_at").max())
    return (
        parcels.join(last_moves.lazy(), on=["carrier", "waybill_no"], how="left")
        .filter(pl.col("moved_at").is_null() | (pl.col("moved_at") < pl.col("scored_at")))
        .drop("moved_at")
    )


def with_rates(frame: pl.DataFrame) -> pl.DataFrame:
    """Add every rate; a rate with a zero denominator is null (nothing to measure), never 0 or 100 %."""
    return frame.with_columns(
        pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).alias(name)
        for name, (num, den) in RATES.items()
    )


def with_regions(frame: pl.DataFrame, outlets: pl.DataFrame) -> pl.DataFrame:
    """Join each row's outlet to its province, city, district and name; unknown outlets say so."""
    registry = outlets.select(
        "carrier", "outlet_id", "province", "city", "district", pl.col("name").alias("outlet_name")
    )
    return frame.join(registry, on=["carrier", "outlet_id"], how="left").with_columns(
        pl.col("province", "city", "district").fill_null(UNKNOWN),
        pl.col("outlet_name").fill_null(UNKNOWN_NAME),
    )


@dataclass(frozen=True, slots=True)
class Tally:
    """A period and the one before: counters at the finest grain, and the holds with their cases."""

    current: Period
    previous: Period
    cube: pl.DataFrame  # GRAIN + REGION + ALL_COUNTERS
    holds: pl.DataFrame  # GRAIN + REGION + waybill_no, case_id, outcome, resolve_hours
    # The registered outlets (carrier, outlet_id, REGION): one without parcels is listed, not left out.
    registered: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=_REGISTERED))

    def where(self, **equal: str | None) -> "Tally":
        """Only the rows whose columns equal the given values (None: no filter on that column)."""
        conditions = [pl.col(k) == v for k, v in equal.items() if v is not None]
        if not conditions:
            return self
        known = [pl.col(k) == v for k, v in equal.items() if v is not None and k in self.registered.columns]
        return Tally(
            self.current,
            self.previous,
            self.cube.filter(conditions),
            self.holds.filter(conditions),
            # A filter on a column the registry has not (a courier) leaves no silent outlet to list.
            self.registered.filter(known) if len(known) == len(conditions) else self.registered.clear(),
        )

    def rows(self, by: Sequence[str], *, period: str = "current") -> pl.DataFrame:
        """Counters, rates and hold outcomes per group of `by` in one period, largest groups first."""
        keys = list(by)
        cube = self.cube.filter(pl.col("period") == period)
        holds = self.holds.filter(pl.col("period") == period)
        if keys:
            counted = cube.group_by(keys).agg(pl.col(ALL_COUNTERS).sum())
            resolve = holds.group_by(keys).agg(median_resolve_hours=pl.col("resolve_hours").median())
            out = counted.join(resolve, on=keys, how="left", nulls_equal=True)
        else:
            counted = cube.select(pl.col(ALL_COUNTERS).sum())
            out = counted.with_columns(
                median_resolve_hours=pl.lit(holds["resolve_hours"].median(), pl.Float64)
            )
        return with_rates(out).sort(["parcels", *keys], descending=[True] + [False] * len(keys))

    def compared(self, by: Sequence[str]) -> pl.DataFrame:
        """Rows of the current period with the previous period's headline rates and the change (points)."""
        keys = list(by)
        now = self.rows(keys)
        before = self.rows(keys, period="previous").select(
            *keys, *(pl.col(r).alias(f"{r}_previous") for r in HEADLINE_RATES)
        )
        joined = (
            now.join(before, on=keys, how="left", nulls_equal=True)
            if keys
            else pl.concat([now, before], how="horizontal")
        )
        return joined.with_columns(
            (pl.col(r) - pl.col(f"{r}_previous")).alias(f"{r}_change") for r in HEADLINE_RATES
        )

    def daily(self, by: Sequence[str] = ()) -> pl.DataFrame:
        """Rates per day over both periods (the trend lines), oldest first."""
        keys = ["day", *by]
        counted = self.cube.group_by(keys).agg(pl.col(ALL_COUNTERS).sum())
        return with_rates(counted).sort(keys)

    def outlet_ranking(self, *, min_parcels: int = 20, silent: bool = False) -> pl.DataFrame:
        """Outlets worst first: highest non-compliance rate among outlets with at least min_parcels parcels.

        Smaller outlets follow, ranked the same way: a rate over a handful of parcels says little. With
        silent, outlets without a parcel in the period (registered, or seen in the period before) come last.
        """
        keys = ["carrier", "outlet_id", "outlet_name", "province", "city", "district"]
        outlets = self.compared(keys)
        # Outlets without a parcel in the period, seen in the one before or registered: listed with
        # nothing counted (rates empty), and the period before's rates where there were parcels then.
        before = self.rows(keys, period="previous").select(
            *keys, *(pl.col(r).alias(f"{r}_previous") for r in HEADLINE_RATES)
        )
        quiet = pl.concat([before, self.registered.select(keys)], how="diagonal_relaxed").unique(
            subset=["carrier", "outlet_id"], keep="first", maintain_order=True
        )
        quiet = quiet.join(outlets, on=["carrier", "outlet_id"], how="anti")
        if silent and quiet.height:
            outlets = pl.concat([outlets, quiet], how="diagonal_relaxed").with_columns(
                pl.col(ALL_COUNTERS).fill_null(0)
            )
        return (
            outlets.with_columns(small=pl.col("parcels") < min_parcels)
            .sort(
                ["small", "non_compliance_rate", "non_compliant", "outlet_id"],
                descending=[False, True, True, False],
                nulls_last=True,
            )
            .drop("small")
            .with_row_index("rank", offset=1)
        )


def tally(
    layout: LogLayout,
    *,
    period: Period,
    outlets: pl.DataFrame,
    cases: CaseOutcomes,
    extra: Mapping[str, Callable[[pl.LazyFrame], pl.LazyFrame]] | None = None,
    extra_columns: Sequence[str] = (),
) -> tuple[Tally, dict[str, pl.DataFrame]]:
    """Count a period and the one before it, reading the log one day at a time.

    extra: further queries over each day of the period (not the one before), each built from that
    day's parcel frame (with extra_columns too) and collected in the same pass; their frames come back
    by name.
    """
    previous = period.previous()
    extra = extra or {}
    cubes: list[pl.DataFrame] = []
    holds: list[pl.DataFrame] = []
    found: dict[str, list[pl.DataFrame]] = {name: [] for name in extra}
    moved = moved_away(layout, start=previous.start, end=period.end)
    for day in [*previous.dates(), *period.dates()]:
        current = day >= period.start
        parcels = parcels_of_day(
            layout, day, more=extra_columns if current else (), moved=moved
        ).with_columns(period=pl.lit("current" if current else "previous"))
        queries = [
            parcels.group_by(GRAIN).agg(**COUNTERS),
            parcels.filter(pl.col("decision") == "hold").select(*GRAIN, "waybill_no"),
            *(build(parcels) for build in extra.values() if current),
        ]
        cube, hold, *more = pl.collect_all(queries)
        cubes.append(cube)
        holds.append(hold)
        for name, frame in zip(found, more, strict=False):  # nothing more on the previous period's days
            found[name].append(frame)
    # A case opens when its parcel is scored, which may be after the pickup's day (a waybill sent late,
    # or at midnight): the holds of the period are matched to cases opened up to LATER after it.
    opened_from = datetime.combine(previous.start, time(), BEIJING) - timedelta(days=1)
    opened_to = datetime.combine(period.end, time(), BEIJING) + timedelta(days=1) + LATER
    cased = hold_outcomes(pl.concat(holds), cases(opened_from=opened_from, opened_to=opened_to))
    outcome_counts = (
        cased.group_by(GRAIN)
        .agg(**{f"holds_{o}": (pl.col("outcome") == o).sum() for o in OUTCOMES})
        .with_columns(pl.col(HOLD_COUNTERS).cast(pl.UInt32))
    )
    cube_frame = (
        pl.concat(cubes)
        .join(outcome_counts, on=GRAIN, how="left", nulls_equal=True)
        .with_columns(pl.col(HOLD_COUNTERS).fill_null(0))
    )
    result = Tally(
        current=period,
        previous=previous,
        cube=with_regions(cube_frame, outlets),
        holds=with_regions(cased, outlets),
        registered=outlets.select(
            "carrier", "outlet_id", pl.col("name").alias("outlet_name"), "province", "city", "district"
        ),
    )
    return result, {name: pl.concat(frames) for name, frames in found.items()}
