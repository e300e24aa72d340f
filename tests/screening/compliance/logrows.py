"""Hand-built decision-log records, written through the journal and compaction like real ones."""

import itertools
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from screening.compliance.case_outcomes import CASE_OUTCOMES_SCHEMA
from screening.decisionlog import LogLayout, compact
from screening.outlets import Outlet, OutletRegistry

BEIJING = timezone(timedelta(hours=8))
_serial = itertools.count(1)


def row(*, at: str = "2026-11-17T10:00", scored_after_s: float = 1.0, **changes: Any) -> dict[str, Any]:
    """One compliant domestic parcel (real name verified, inspected, X-rayed, released), in journal form.

    `at` is the Beijing time of pickup; the record's day is its Beijing date.
    """
    accepted = datetime.fromisoformat(at).replace(tzinfo=BEIJING)
    n = next(_serial)
    base: dict[str, Any] = {
        "accepted_at": int(accepted.timestamp() * 1_000_000),
        "scored_at": int((accepted + timedelta(seconds=scored_after_s)).timestamp() * 1_000_000),
        "day": accepted.date().isoformat(),
        "carrier": "SF",
        "waybill_no": f"SF{7000000000 + n}",
        "outlet_id": "SF-A",
        "courier_id": "C-1",
        "service": "domestic",
        "channel": "express",
        "decision": "release",
        "reasons": [],
        "risk_score": 0.0,
        "policy_version": "policy-1",
        "model_version": "none",
        "case_id": None,
        "value_cny": 120.0,
        "cross_border": False,
        "main_category": "apparel_shoes",
        "counterpart_country": "CN",
        "opened_inspection": True,
        "xray_screened": True,
        "needs_realname": True,
        "sender_id_present": True,
        "sender_id_valid": True,
        "sender_id_verified": True,
        "realname_exempt": False,
        "realname_exempt_reason": None,
        "customer_type": "individual",
        "agreement_status": None,
        "sender_id_type": "resident_id",
        "sender_id_key": f"sid:key{n}",
        "sender_id_masked": "110105********0021",
        "sender_phone_key": f"sph:key{n}",
        "sender_phone_masked": "+86138****8000",
        "receiver_id_key": None,
        "receiver_id_masked": None,
        "receiver_phone_key": f"rph:key{n}",
        "receiver_phone_masked": "+86139****5678",
        "receiver_address_key": f"adr:key{n}",
        "payment_account_key": None,
        "buyer_ip_key": None,
    }
    base.update(changes)
    return base


def write_log(root: Path, rows: list[dict[str, Any]], *, name: str = "1-1-000001") -> LogLayout:
    """Write rows as a sealed journal segment of a finished process and compact it into Parquet."""
    layout = LogLayout(root)
    layout.journal.mkdir(parents=True, exist_ok=True)
    (layout.journal / f"{name}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    report = compact(layout)
    assert report.records == len(rows)
    return layout


def hand_built_rows() -> list[dict[str, Any]]:
    """Fourteen parcels in W47, three in W46, one on each side outside (see the numbers in each test)."""
    no_id: dict[str, Any] = {
        "sender_id_present": False,
        "sender_id_valid": False,
        "sender_id_verified": False,
    }
    return [
        row(waybill_no="SFA0000001", courier_id="C-1"),  # 1 compliant
        row(waybill_no="SFA0000002", courier_id="C-1", decision="reject", **no_id),  # 2 no ID
        row(waybill_no="SFA0000003", courier_id="C-2", decision="inspect", sender_id_verified=False),  # 3
        row(waybill_no="SFA0000004", courier_id="C-2", decision="inspect", opened_inspection=False),  # 4
        row(  # 5 import: no real name needed, but not X-rayed
            waybill_no="SFA0000005",
            courier_id="C-1",
            service="import",
            decision="inspect",
            needs_realname=False,
            realname_exempt=True,
            realname_exempt_reason="import",
            xray_screened=False,
            **no_id,
        ),
        row(  # 6 a letter
            waybill_no="SFA0000006",
            courier_id="C-1",
            needs_realname=False,
            realname_exempt=True,
            realname_exempt_reason="letter",
            **no_id,
        ),
        row(  # 7 a qualified agreement customer
            waybill_no="SFA0000007",
            courier_id="C-1",
            needs_realname=False,
            realname_exempt=True,
            realname_exempt_reason="agreement",
            customer_type="contract",
            agreement_status="active",
            **no_id,
        ),
        row(  # 8 a suspended agreement customer without ID: held, case confirmed after 4 h
            waybill_no="SFA0000008",
            courier_id="C-1",
            decision="hold",
            case_id="CASE-8",
            customer_type="contract",
            agreement_status="suspended",
            **no_id,
        ),
        row(waybill_no="SFB0000009", outlet_id="SF-B", courier_id="C-9", decision="hold", case_id="CASE-9"),
        row(waybill_no="SFB0000010", outlet_id="SF-B", courier_id="C-9", decision="hold", case_id="CASE-10"),
        row(
            waybill_no="SFB0000011",
            outlet_id="SF-B",
            courier_id="C-9",
            decision="reject",
            sender_id_valid=False,
            sender_id_verified=False,
        ),  # 11 a false ID
        # 12 and 13 at an unregistered outlet, at both ends of the Beijing week (UTC dates 15 and 22)
        row(
            waybill_no="YTX0000012", carrier="YTO", outlet_id="YTO-X", courier_id=None, at="2026-11-16T00:05"
        ),
        row(
            waybill_no="YTX0000013",
            carrier="YTO",
            outlet_id="YTO-X",
            courier_id=None,
            at="2026-11-22T23:30",
            decision="inspect",
            xray_screened=False,
        ),
        # 14 refused without ID, then re-sent with a verified ID: counts once, as released
        row(waybill_no="SFA0000014", courier_id="C-1", decision="reject", scored_after_s=1, **no_id),
        row(waybill_no="SFA0000014", courier_id="C-1", scored_after_s=60),
        # W46
        row(waybill_no="SFA0000101", at="2026-11-10T09:00"),
        row(waybill_no="SFA0000102", at="2026-11-11T09:00", opened_inspection=False, decision="inspect"),
        row(
            waybill_no="YTX0000103", carrier="YTO", outlet_id="YTO-X", courier_id=None, at="2026-11-12T09:00"
        ),
        # outside: W45, and Monday of W48 in Beijing (still Sunday the 22nd in UTC)
        row(waybill_no="SFA0000901", at="2026-11-08T09:00", **no_id),
        row(waybill_no="SFA0000902", at="2026-11-23T00:10", **no_id),
    ]


def case_outcomes(*, opened_from: datetime, opened_to: datetime) -> pl.DataFrame:
    """Case 8 confirmed after 4 h, case 9 released after 10 h, case 10 still open."""
    opened = datetime(2026, 11, 17, 10, 0, tzinfo=BEIJING)
    return pl.DataFrame(
        [
            ("SF", "SFA0000008", "confirmed", opened, opened + timedelta(hours=4)),
            ("SF", "SFB0000009", "released", opened, opened + timedelta(hours=10)),
            ("SF", "SFB0000010", "open", opened, None),
        ],
        schema=CASE_OUTCOMES_SCHEMA,
        orient="row",
    )


def registered_outlets() -> list[Outlet]:
    """SF-A in Shanghai and SF-B in Beijing; YTO-X is not registered."""
    return [
        Outlet(
            outlet_id="SF-A",
            carrier="SF",
            province="上海市",
            city="上海市",
            district="浦东新区",
            name="张江营业部",
        ),
        Outlet(
            outlet_id="SF-B",
            carrier="SF",
            province="北京市",
            city="北京市",
            district="朝阳区",
            name="建国路营业部",
        ),
    ]


def outlets() -> pl.DataFrame:
    """The registered outlets as the registry's frame."""
    registry = OutletRegistry()
    registry.upsert(registered_outlets())
    return registry.frame()
