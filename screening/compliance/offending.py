"""Offending waybills: parcels whose latest scoring shows a pickup check not done, with masked identities."""

from typing import Literal

import polars as pl

from screening.compliance.metrics import (
    INSPECTION_MISSING,
    OFFENDING,
    XRAY_MISSING,
    moved_away,
    parcels_of_day,
)
from screening.compliance.periods import Period
from screening.decisionlog.compaction import LogLayout

Check = Literal["realname", "inspection", "xray"]

# A logged waybill as listings open it: which parcel, picked up where and by whom, and how it was scored.
WAYBILL_COLUMNS = (
    "accepted_at",
    "day",
    "carrier",
    "waybill_no",
    "outlet_id",
    "courier_id",
    "service",
    "channel",
    "decision",
    "reasons",
)
# Who sent an offending waybill, in masked forms only.
OFFENDING_SENDER_COLUMNS = (
    "customer_type",
    "agreement_status",
    "sender_id_type",
    "sender_id_masked",
    "sender_phone_masked",
    "receiver_phone_masked",
)
# What the drill-down and the reports show of an offending waybill.
OFFENDING_COLUMNS = (
    *WAYBILL_COLUMNS,
    "case_id",
    "needs_realname",
    "sender_id_present",
    "sender_id_valid",
    "sender_id_verified",
    "opened_inspection",
    "xray_screened",
    "needs_inspection",
    "needs_xray",
    *OFFENDING_SENDER_COLUMNS,
)
_needs = pl.col("needs_realname")
PROBLEMS: dict[str, pl.Expr] = {
    "realname_missing": _needs & ~pl.col("sender_id_present"),
    "realname_invalid": _needs & pl.col("sender_id_present") & ~pl.col("sender_id_valid"),
    "realname_unverified": _needs & pl.col("sender_id_valid") & ~pl.col("sender_id_verified"),
    "inspection_missing": INSPECTION_MISSING,
    "xray_missing": XRAY_MISSING,
}
CHECKS: dict[Check, pl.Expr] = {
    "realname": PROBLEMS["realname_missing"] | PROBLEMS["realname_invalid"] | PROBLEMS["realname_unverified"],
    "inspection": PROBLEMS["inspection_missing"],
    "xray": PROBLEMS["xray_missing"],
}


def offending_rows(parcels: pl.LazyFrame) -> pl.LazyFrame:
    """The offending parcels among `parcels` (latest scorings, OFFENDING_COLUMNS read) and what they broke."""
    problems = pl.concat_list(pl.when(e).then(pl.lit(name)) for name, e in PROBLEMS.items()).list.drop_nulls()
    return parcels.filter(OFFENDING).select(*OFFENDING_COLUMNS, problems=problems)


def offending_in(
    layout: LogLayout, period: Period, *, where: pl.Expr | None = None, check: Check | None = None
) -> pl.DataFrame:
    """The offending waybills of a period, one day at a time; `where` narrows the parcels first."""
    frames = []
    moved = moved_away(layout, start=period.start, end=period.end)
    for day in period.dates():
        parcels = parcels_of_day(layout, day, more=OFFENDING_COLUMNS, moved=moved)
        if where is not None:
            parcels = parcels.filter(where)
        rows = offending_rows(parcels)
        frames.append((rows if check is None else rows.filter(CHECKS[check])).collect())
    return pl.concat(frames)
