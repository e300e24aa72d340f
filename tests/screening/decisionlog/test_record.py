"""A log record of a real decision: the real-name flags follow the rules, identities are keys and masks."""

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from screening.agreements import Agreement
from screening.contract import Waybill
from screening.decisionlog import DecisionLog, LogLayout, log_record, scan_log
from screening.engine import Engine, body_digest
from screening.entities import parcel_entities
from screening.policy.schemas import Policy
from tests.factories import (
    BASE_TIME,
    NO_ID,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.screening.compliance.logrows import row

pytestmark = pytest.mark.anyio


async def scored(engine: Engine, wb: dict[str, Any]) -> dict[str, Any]:
    """Decide a waybill and build its log record as the log's writer thread does."""
    waybill_ = Waybill.model_validate(wb)
    decision = await engine.decide(waybill_)
    parcel = engine.prepare(waybill_)
    entities = parcel_entities(
        parcel, privacy=engine.privacy, goods=engine.goods, digest=body_digest(waybill_)
    )
    return log_record(decision=decision, parcel=parcel, entities=entities, policy=engine.policy)


async def test_identities_are_kept_only_as_keys_and_masks(engine: Engine) -> None:
    number = resident_id(region="310115", birth="19850612", seq="417")
    wb = waybill(
        sender=party(id_number=number, phone="13812345678"),
        order={
            "platform": "shop",
            "order_id": "O1",
            "payment_account": "alipay-4411",
            "buyer_ip": "10.1.2.3",
        },
    )
    record = await scored(engine, wb)
    text = orjson.dumps(record).decode()
    for plain in (number, "13812345678", "8613812345678", "13912345678", "alipay-4411", "10.1.2.3"):
        assert plain not in text
    assert record["sender_id_masked"] == "310115********" + number[-4:]
    assert record["sender_phone_masked"] == "+86138****5678"
    expected = engine.privacy.key("sid", f"resident_id:{number}")
    assert record["sender_id_key"] == expected
    assert record["payment_account_key"] == engine.privacy.key("acct", "alipay-4411")
    assert record["buyer_ip_key"] == engine.privacy.key("ip", "10.1.2.3")
    assert record["receiver_address_key"].startswith("adr:")


async def test_a_verified_domestic_sender_is_real_name_compliant(engine: Engine) -> None:
    record = await scored(engine, waybill())
    assert {k: record[k] for k in ("needs_realname", "sender_id_valid", "sender_id_verified")} == {
        "needs_realname": True,
        "sender_id_valid": True,
        "sender_id_verified": True,
    }
    assert record["decision"] == "release"
    assert record["day"] == BASE_TIME.date().isoformat()


@pytest.mark.parametrize(
    ("changes", "flags", "code"),
    [
        ({"sender": party(**NO_ID)}, (True, False, False, False), "REALNAME_MISSING"),
        ({"sender": party(id_verified=False)}, (True, True, True, False), "REALNAME_UNVERIFIED"),
        ({"sender": party(verification_method="none")}, (True, True, True, False), "REALNAME_UNVERIFIED"),
        (
            {"sender": party(id_number=wrong_check_digit(resident_id()))},
            (True, True, False, False),
            "ID_INVALID",
        ),
    ],
)
async def test_real_name_flags_agree_with_the_rules(
    engine: Engine, changes: dict[str, Any], flags: tuple[bool, ...], code: str
) -> None:
    record = await scored(engine, waybill(**changes))
    got = tuple(
        record[k] for k in ("needs_realname", "sender_id_present", "sender_id_valid", "sender_id_verified")
    )
    assert got == flags
    assert code in record["reasons"]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        (
            {
                "service": "import",
                "sender": hk_receiver(),
                "receiver": party(),
            },
            "import",
        ),
        (
            {
                "sender": party(**NO_ID),
                "items": [item(description="合同文件", category="documents", quantity=1, unit_value=0.0)],
                "weight_kg": 0.1,
            },
            "letter",
        ),
        ({"sender": party(**NO_ID, customer_type="contract", contract_id="SHOP-1")}, "agreement"),
    ],
)
async def test_exempt_parcels_say_why(engine: Engine, changes: dict[str, Any], why: str) -> None:
    engine.agreements.upsert([Agreement(contract_id="SHOP-1", name="某网店")])
    record = await scored(engine, waybill(**changes))
    assert (record["needs_realname"], record["realname_exempt"], record["realname_exempt_reason"]) == (
        False,
        True,
        why,
    )
    assert "REALNAME_MISSING" not in record["reasons"]


async def test_the_log_takes_decisions_from_the_engine_and_a_clean_stop_keeps_them(
    engine: Engine, tmp_path: Path
) -> None:
    log = DecisionLog.open(tmp_path / "decisionlog", policy=engine.policy, compact_interval_s=3600)
    numbers = []
    for i in range(20):
        wb = Waybill.model_validate(waybill(sender=party(**NO_ID)) if i % 4 == 0 else waybill())
        decision = await engine.decide(wb)
        parcel = engine.prepare(wb)
        entities = parcel_entities(parcel, privacy=engine.privacy, goods=engine.goods, digest=body_digest(wb))
        log.append(decision=decision, parcel=parcel, entities=entities)
        numbers.append(wb.waybill_no)
    log.close()
    assert list((tmp_path / "decisionlog" / "journal").iterdir()) == []  # compacted at close
    day = BASE_TIME.date()
    frame = scan_log(LogLayout(tmp_path / "decisionlog"), start=day, end=day).collect()
    assert sorted(frame["waybill_no"]) == sorted(numbers)
    assert frame.filter(~pl.col("sender_id_present"))["decision"].to_list() == ["reject"] * 5
    assert frame.schema["accepted_at"] == pl.Datetime("us", "UTC")


def test_a_restart_compacts_what_a_dead_process_left(policy: Policy, tmp_path: Path) -> None:
    root = tmp_path / "decisionlog"
    journal = root / "journal"
    journal.mkdir(parents=True)
    record = row(at="2026-11-11T09:30")
    (journal / "999999-1-000001.jsonl").write_bytes(orjson.dumps(record) + b"\n")
    log = DecisionLog.open(root, policy=policy, compact_interval_s=3600)
    try:
        deadline = time.monotonic() + 10
        while any(journal.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not any(journal.iterdir())
    finally:
        log.close()
    day = BASE_TIME.date()
    assert scan_log(LogLayout(root), start=day, end=day).collect()["waybill_no"].to_list() == [
        record["waybill_no"]
    ]


async def test_phones_are_masked_in_e164_whichever_way_they_were_typed(engine: Engine) -> None:
    record = await scored(
        engine,
        waybill(
            service="export",
            channel="express",
            sender=party(phone="+86 138-1234-5678"),
            receiver=hk_receiver(),
        ),
    )
    assert record["sender_phone_masked"] == "+86138****5678"
    assert record["receiver_phone_masked"] == "+852****4567"


async def test_the_last_scoring_of_a_parcel_is_found_in_the_journal_and_after_compaction(
    engine: Engine, tmp_path: Path
) -> None:
    log = DecisionLog.open(tmp_path / "decisionlog", policy=engine.policy, compact_interval_s=3600)
    first = waybill()
    corrected = {**first, "sender": party(phone="13700050001", id_number=resident_id(seq="501"))}
    expected: dict[str, str] = {}
    for body in (first, waybill(), corrected):
        wb = Waybill.model_validate(body)
        parcel = engine.prepare(wb)
        entities = parcel_entities(parcel, privacy=engine.privacy, goods=engine.goods, digest=body_digest(wb))
        log.append(decision=await engine.decide(wb), parcel=parcel, entities=entities)
        expected = entities.kinds if body is corrected else expected
    day = BASE_TIME.date()
    ask = {"carrier": "SF", "waybill_no": first["waybill_no"], "start": day, "end": day}
    try:
        in_journal = log.last_scoring(**ask)  # flushed by the call, not yet compacted
        assert in_journal is not None
        assert in_journal.entities == expected and in_journal.accepted_at == BASE_TIME
        log.compact()
        assert log.last_scoring(**ask) == in_journal
        assert log.last_scoring(**{**ask, "waybill_no": "SF1499999999998"}) is None
        later = day + timedelta(days=1)
        assert log.last_scoring(**{**ask, "start": later, "end": later}) is None
    finally:
        log.close()
