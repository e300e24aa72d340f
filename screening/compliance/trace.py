"""Trace search (溯源追查): every logged parcel of one waybill number, phone, ID, address, account or IP."""

from datetime import datetime, time, timedelta

import polars as pl
from pydantic import ValidationError

from screening.compliance.case_outcomes import CaseOutcomes
from screening.compliance.offending import WAYBILL_COLUMNS
from screening.compliance.schemas import TraceKind, TraceQuery
from screening.decisionlog.compaction import LogLayout
from screening.decisionlog.reader import distinct_records, scan_log
from screening.errors import InvalidInput
from screening.parcel import BEIJING
from screening.privacy import PersonalData
from screening.watchlists import EntityRef

# Which entity kinds (columns *_key) an identifier can appear as.
ROLES: dict[TraceKind, tuple[str, ...]] = {
    "phone": ("sender_phone", "receiver_phone"),
    "id": ("sender_id", "receiver_id"),
    "address": ("sender_address", "receiver_address"),
    "account": ("payment_account",),
    "ip": ("buyer_ip",),
}
TRACE_COLUMNS = (
    *WAYBILL_COLUMNS,
    "risk_score",
    "case_id",
    "value_cny",
    "main_category",
    "counterpart_country",
    "sender_id_type",
    "sender_id_masked",
    "sender_phone_masked",
    "receiver_id_masked",
    "receiver_phone_masked",
)


def entity_keys(query: TraceQuery, privacy: PersonalData) -> list[str]:
    """The HMAC keys of the identifier in every role it can play (the plain value goes no further)."""
    kind = query.kind
    if kind == "waybill":
        return []
    try:
        if kind == "id":
            assert query.id_number is not None
            ref = EntityRef(kind="id", value=query.id_number.get_secret_value(), id_type=query.id_type)
        elif kind == "phone":
            ref = EntityRef(kind="phone", value=query.phone, country=query.country)
        elif kind == "address":
            ref = EntityRef(kind="address", address=query.address)
        else:
            ref = EntityRef(kind=kind, value=query.account if kind == "account" else query.ip)
    except ValidationError as exc:
        # The identifier passed the query's types but cannot be normalised (e.g. not a possible phone).
        msg = f"not a usable {kind}: {exc.errors()[0]['msg']}"
        field = "id_number" if kind == "id" else kind  # the query's field that holds the identifier
        raise InvalidInput.field((field,), msg, "value_error") from exc
    return ref.keys(privacy)


def trace(
    layout: LogLayout, query: TraceQuery, *, privacy: PersonalData, cases: CaseOutcomes
) -> pl.DataFrame:
    """Every logged scoring of the identifier's parcels in the period, oldest first, with case outcomes.

    `matched_on` names the role the identifier played (sender_phone, receiver_id, waybill_no, …).
    """
    log = scan_log(layout, start=query.start, end=query.end, include_journal=True)
    if query.kind == "waybill":
        match = pl.col("waybill_no") == query.waybill_no
        if query.carrier is not None:
            match &= pl.col("carrier") == query.carrier
        matched_on = pl.concat_list(pl.lit("waybill_no"))
    else:
        keys = entity_keys(query, privacy)
        roles = ROLES[query.kind]
        match = pl.any_horizontal(pl.col(f"{role}_key").is_in(keys) for role in roles)
        matched_on = pl.concat_list(
            pl.when(pl.col(f"{role}_key").is_in(keys)).then(pl.lit(role)) for role in roles
        ).list.drop_nulls()
    found = (
        distinct_records(log.filter(match).with_columns(matched_on=matched_on.list.join(",")))
        .select(*TRACE_COLUMNS, "matched_on", "scored_at")
        .sort(["accepted_at", "scored_at"])
        .collect()
    )
    opened_from = datetime.combine(query.start, time(), BEIJING)
    outcomes = cases(opened_from=opened_from, opened_to=datetime.now(BEIJING) + timedelta(days=1)).select(
        "carrier", "waybill_no", pl.col("status").alias("case_status")
    )
    latest_status = outcomes.unique(subset=["carrier", "waybill_no"], keep="last")
    return found.join(latest_status, on=["carrier", "waybill_no"], how="left", maintain_order="left").drop(
        "scored_at"
    )
