"""One decision-log record per scored waybill: flat columns, identities only as HMAC keys and masks."""

import re
from datetime import date, datetime
from typing import Any

import polars as pl

from features.identity import mask_id, mask_phone
from screening.contract import Decision, Party
from screening.entities import ParcelEntities
from screening.parcel import Parcel
from screening.policy.realname import realname_applies
from screening.policy.schemas import Policy

UTC_MICROS = pl.Datetime("us", "UTC")

# Column order is the file order. `day` (Beijing date of accepted_at) is the hive partition: it names the
# folder and is not stored inside the Parquet files, so any engine reads the dataset without a clash.
LOG_SCHEMA = pl.Schema(
    {
        "accepted_at": UTC_MICROS,
        "scored_at": UTC_MICROS,
        "carrier": pl.String(),
        "waybill_no": pl.String(),
        "outlet_id": pl.String(),
        "courier_id": pl.String(),
        "service": pl.String(),
        "channel": pl.String(),
        "decision": pl.String(),
        "reasons": pl.List(pl.String()),
        "risk_score": pl.Float64(),
        "policy_version": pl.String(),
        "model_version": pl.String(),
        "case_id": pl.String(),
        "value_cny": pl.Float64(),
        "cross_border": pl.Boolean(),
        "main_category": pl.String(),
        "counterpart_country": pl.String(),
        "opened_inspection": pl.Boolean(),
        "xray_screened": pl.Boolean(),
        # Whether the policy in force required the check on the parcel's lane (null in older records: yes).
        "needs_inspection": pl.Boolean(),
        "needs_xray": pl.Boolean(),
        "needs_realname": pl.Boolean(),
        "sender_id_present": pl.Boolean(),
        "sender_id_valid": pl.Boolean(),
        "sender_id_verified": pl.Boolean(),
        "realname_exempt": pl.Boolean(),
        "realname_exempt_reason": pl.String(),
        "customer_type": pl.String(),
        "agreement_status": pl.String(),
        "sender_id_type": pl.String(),
        "sender_id_key": pl.String(),
        "sender_id_masked": pl.String(),
        "sender_phone_key": pl.String(),
        "sender_phone_masked": pl.String(),
        "receiver_id_key": pl.String(),
        "receiver_id_masked": pl.String(),
        "receiver_phone_key": pl.String(),
        "receiver_phone_masked": pl.String(),
        "receiver_address_key": pl.String(),
        "sender_address_key": pl.String(),
        "payment_account_key": pl.String(),
        "buyer_ip_key": pl.String(),
        # ISO date (see log_record); a string, as the journal writes it.
        "replaces_day": pl.String(),
    }
)
PARTITION = "day"
DATASET_SCHEMA = pl.Schema({**LOG_SCHEMA, PARTITION: pl.Date()})
# In the journal, timestamps are epoch microseconds and the day an ISO date: cheap to write and to parse.
JOURNAL_SCHEMA = pl.Schema(
    [(name, pl.Int64() if dtype == UTC_MICROS else dtype) for name, dtype in LOG_SCHEMA.items()]
    + [(PARTITION, pl.String())]
)
# The entity kinds of ParcelEntities and the column that keeps each one's key.
KEY_COLUMNS = {
    "sender_id": "sender_id_key",
    "sender_phone": "sender_phone_key",
    "receiver_id": "receiver_id_key",
    "receiver_phone": "receiver_phone_key",
    "receiver_address": "receiver_address_key",
    "sender_address": "sender_address_key",
    "payment_account": "payment_account_key",
    "buyer_ip": "buyer_ip_key",
}


def _micros(at: datetime) -> int:
    return round(at.timestamp() * 1_000_000)


def sender_verified(p: Parcel, policy: Policy) -> bool:
    """The sender's ID was checked against the person (the test REALNAME_UNVERIFIED applies)."""
    sender = p.waybill.sender
    if not sender.id_verified:
        return False
    return (
        sender.verification_method is None or sender.verification_method in policy.realname.verified_methods
    )


def exempt_reason(p: Parcel, policy: Policy) -> str | None:
    """Why the parcel needs no real-name pickup ('import', 'letter', 'agreement'), None when it does."""
    if realname_applies(p, policy):
        return None
    if p.waybill.service not in policy.realname.lanes:
        return "import"
    # Same order as the rule: a letter is exempt before the question of its sender's agreement arises.
    if p.documents_only and all(f.goods.category in policy.realname.exempt_categories for f in p.items):
        return "letter"
    return "agreement"


_CN_MOBILE = re.compile(r"^1\d{10}$")


def _masked_phone(party: Party) -> str:
    # Parsing with phonenumbers costs some 40 µs; a plain mainland mobile, the usual case, needs none.
    if party.address.country == "CN" and _CN_MOBILE.match(party.phone):
        return mask_phone(f"+86{party.phone}")
    return mask_phone(party.e164_phone())


def _masked_id(party: Party) -> str | None:
    return mask_id(party.id_number) if party.id_number is not None else None


def log_record(
    *,
    decision: Decision,
    parcel: Parcel,
    entities: ParcelEntities,
    policy: Policy,
    replaces_day: date | None = None,
) -> dict[str, Any]:
    """The journal form of one scored waybill (never a plain ID number or phone).

    replaces_day: the Beijing day of the parcel's earlier body when this corrected body moved its pickup
    to another day, so that the audit stops counting the parcel on that day.
    """
    w = parcel.waybill
    sender, receiver = w.sender, w.receiver
    exempt = exempt_reason(parcel, policy)
    sender_id_present = sender.id_number is not None
    sender_id_valid = sender_id_present and parcel.sender_id_problem is None
    record: dict[str, Any] = {
        "accepted_at": _micros(w.accepted_at),
        "scored_at": _micros(decision.scored_at),
        "carrier": w.carrier,
        "waybill_no": w.waybill_no,
        "outlet_id": w.outlet_id,
        "courier_id": w.courier_id,
        "service": w.service,
        "channel": w.channel,
        "decision": decision.decision,
        "reasons": [r.code for r in decision.reasons],
        "risk_score": decision.risk_score,
        "policy_version": decision.policy_version,
        "model_version": decision.model_version,
        "case_id": decision.case_id,
        "value_cny": parcel.value_cny,
        "cross_border": parcel.cross_border,
        "main_category": parcel.main_category,
        "counterpart_country": parcel.counterpart_country,
        "opened_inspection": w.pickup_checks.opened_inspection,
        "xray_screened": w.pickup_checks.xray_screened,
        "needs_inspection": w.service in policy.pickup.inspection_lanes,
        "needs_xray": w.service in policy.pickup.xray_lanes,
        "needs_realname": exempt is None,
        "sender_id_present": sender_id_present,
        "sender_id_valid": sender_id_valid,
        # A false ID cannot have been checked against its bearer, whatever the courier ticked.
        "sender_id_verified": sender_id_valid and sender_verified(parcel, policy),
        "realname_exempt": exempt is not None,
        "realname_exempt_reason": exempt,
        "customer_type": sender.customer_type,
        "agreement_status": parcel.agreement,
        "sender_id_type": sender.id_type,
        "sender_id_masked": _masked_id(sender),
        "sender_phone_masked": _masked_phone(sender),
        "receiver_id_masked": _masked_id(receiver),
        "receiver_phone_masked": _masked_phone(receiver),
        "replaces_day": replaces_day.isoformat() if replaces_day is not None else None,
        PARTITION: parcel.local_day.isoformat(),
    }
    for column in KEY_COLUMNS.values():
        record[column] = None
    for key, kind in entities.kinds.items():
        if kind in KEY_COLUMNS:
            record[KEY_COLUMNS[kind]] = key
    return record
