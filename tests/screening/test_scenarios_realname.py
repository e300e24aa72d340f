"""The real-name pickup system (实名收寄) end to end, written from RULES.md §1 and §3 and the wire contract.

What test_scenarios_identity.py and its neighbours leave open: REALNAME_MISSING on every lane and channel
with its evidence, letters mixed with goods or books, agreement customers on every channel and at the
edges of their validity in Beijing local time (the last valid day, the day after, other offsets), per
carrier registration, verification methods, the buyer's ID on cbec lanes, residence permits and USCCs
with false check characters, 422s that name every field and change nothing, and the final decision when
several real-name reasons meet — never with an identity number in plain text.
"""

from datetime import date
from typing import Any

import pytest

from screening.agreements import Agreement
from screening.contract import SEVERITY, Decision
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import (
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.screening.test_scenarios import codes, reason_of, score
from tests.screening.test_scenarios_identity import (
    ID_CODES,
    cbec_import,
    dump,
    gb11643,
    letter,
    masked,
    no_id_sender,
    post,
    register,
    shop,
    uscc_of,
    wrong_check_char,
)

pytestmark = pytest.mark.anyio

LANES = [
    pytest.param("domestic", "express", id="domestic-express"),
    pytest.param("domestic", "postal", id="domestic-postal"),
    pytest.param("export", "express", id="export-express"),
    pytest.param("export", "postal", id="export-postal"),
    pytest.param("export", "cbec", id="export-cbec"),
]


# Helpers


def lane_waybill(service: str, channel: str, **changes: Any) -> dict[str, Any]:
    """A waybill handed over in China on one lane and channel (a Hong Kong receiver when exported)."""
    receiver = cn_receiver() if service == "domestic" else hk_receiver()
    fields: dict[str, Any] = {"service": service, "channel": channel, "receiver": receiver}
    return waybill(**(fields | changes))


def at(when: str, **changes: Any) -> dict[str, Any]:
    """A clean domestic waybill accepted at the given ISO-8601 time."""
    wb = waybill(**changes)
    wb["accepted_at"] = when
    return wb


def outcomes(d: Decision) -> dict[str, str]:
    """Each reason's own outcome, by code."""
    return {r.code: r.outcome for r in d.reasons}


def assert_most_severe_first(d: Decision) -> None:
    """The decision is the most severe reason's outcome, and the reasons come most severe first."""
    order = [SEVERITY[r.outcome] for r in d.reasons]
    assert order == sorted(order, reverse=True)
    assert d.decision == (d.reasons[0].outcome if d.reasons else "release")


def line(
    description: str, category: str | None, unit_value: float = 0.0, quantity: int = 1
) -> dict[str, Any]:
    """One item line; category None leaves it to be inferred from the description."""
    return item(description=description, category=category, quantity=quantity, unit_value=unit_value)


def contract_sender(contract_id: str | None) -> dict[str, Any]:
    """An agreement customer with the given number, sending without a per-parcel ID."""
    return no_id_sender(name="某网店", customer_type="contract", contract_id=contract_id)


def valid_uscc() -> str:
    """A company's unified social credit code with a correct GB 32100 check character."""
    return uscc_of("91310115MA1K3Y2B0")


def org(**changes: Any) -> dict[str, Any]:
    """An organisation sender registering its USCC, verified."""
    return party(**({"name": "上海某某贸易有限公司", "id_type": "uscc", "id_number": valid_uscc()} | changes))


def buyer(id_type: str, number: str, **changes: Any) -> dict[str, Any]:
    """A cbec buyer in Beijing with an identity document."""
    return cn_receiver(**({"phone": "13700030001", "id_type": id_type, "id_number": number} | changes))


# REALNAME_MISSING: handed over in China without an ID, on every lane and channel


@pytest.mark.parametrize(("service", "channel"), LANES)
async def test_a_verified_flag_without_any_id_is_still_realname_missing(
    engine: Engine, service: str, channel: str
) -> None:
    # The courier ticked "verified by reader" but no document was registered: there is nothing verified.
    sender = no_id_sender(id_verified=True, verification_method="id_reader")
    d = await score(engine, lane_waybill(service, channel, sender=sender))
    r = next(r for r in d.reasons if r.code == "REALNAME_MISSING")
    assert r.outcome == "reject" and r.evidence["lane"] == service
    assert not codes(d) & {"REALNAME_UNVERIFIED", "ID_INVALID", "BUYER_ID_MISSING", "CONTRACT_UNQUALIFIED"}
    assert d.decision == "reject" and d.reasons[0].code == "REALNAME_MISSING"


async def test_a_registered_contract_id_does_not_exempt_an_individual(engine: Engine) -> None:
    # The exemption is for agreement customers (customer_type contract); a contract_id alone is not one.
    register(engine, valid_until=date(2027, 12, 31))
    sender = no_id_sender(customer_type="individual", contract_id="SHOP-ID-1")
    d = await score(engine, export_postal(sender=sender))
    assert "REALNAME_MISSING" in codes(d)
    assert "CONTRACT_UNQUALIFIED" not in codes(d)
    assert d.decision == "reject"


# Letters: exempt only when every item is a document, declared or inferred


@pytest.mark.parametrize(
    ("service", "channel"),
    [
        pytest.param("domestic", "express", id="domestic-express"),
        pytest.param("domestic", "postal", id="domestic-postal"),
        pytest.param("export", "postal", id="export-postal"),
    ],
)
async def test_several_document_lines_declared_and_inferred_are_a_letter(
    engine: Engine, service: str, channel: str
) -> None:
    papers = [
        line("合同文件 contract papers", "documents", quantity=3),
        line("协议书", None),  # inferred from the description
        line("legal documents", None),
    ]
    d = await score(
        engine, lane_waybill(service, channel, sender=no_id_sender(), items=papers, weight_kg=0.2)
    )
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


MIXED = [
    pytest.param(
        [line("合同文件 contract papers", "documents"), line("纯棉T恤 cotton T-shirt", None, 60.0)],
        id="declared-document-and-inferred-goods",
    ),
    pytest.param(
        [line("合同文件 contract papers", None), line("纯棉T恤 cotton T-shirt", "apparel_shoes", 60.0)],
        id="inferred-document-and-declared-goods",
    ),
    pytest.param(
        [line("合同文件 contract papers", None), line("纯棉T恤 cotton T-shirt", None, 60.0)],
        id="inferred-document-and-inferred-goods",
    ),
    pytest.param(
        [line("合同文件 contract papers", "documents"), line("小说 图书 novel", "publications", 45.0)],
        id="document-and-a-book",
    ),
    pytest.param([line("小说 图书 novel", "publications", 45.0)], id="a-book-alone"),
]


@pytest.mark.parametrize("items", MIXED)
@pytest.mark.parametrize("service", ["domestic", "export"])
async def test_a_parcel_not_all_documents_is_not_a_letter(
    engine: Engine, service: str, items: list[dict[str, Any]]
) -> None:
    wb = lane_waybill(service, "postal", sender=no_id_sender(), items=items, weight_kg=0.5)
    d = await score(engine, wb)
    r = next(r for r in d.reasons if r.code == "REALNAME_MISSING")
    assert (r.outcome, r.evidence["lane"]) == ("reject", service)
    assert d.decision == "reject"


# Qualified agreement customers need no per-parcel ID, on every channel


@pytest.mark.parametrize(
    ("service", "channel"),
    [
        pytest.param("domestic", "postal", id="domestic-postal"),
        pytest.param("export", "postal", id="export-postal"),
        pytest.param("export", "cbec", id="export-cbec"),
    ],
)
async def test_a_qualified_agreement_customer_is_exempt_on_every_channel(
    engine: Engine, service: str, channel: str
) -> None:
    register(engine, carrier="SF", valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    d = await score(engine, lane_waybill(service, channel, sender=shop()))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


# CONTRACT_UNQUALIFIED: validity judged on the Beijing local date of accepted_at


@pytest.mark.parametrize(
    ("accepted_at", "valid_until", "qualified"),
    [
        pytest.param("2026-11-11T23:59:59+08:00", date(2026, 11, 11), True, id="last-second-of-last-day"),
        pytest.param("2026-11-12T00:00:00+08:00", date(2026, 11, 11), False, id="first-second-after"),
        pytest.param("2026-11-11T15:59:59Z", date(2026, 11, 11), True, id="utc-2359-59-beijing"),
        pytest.param("2026-11-11T16:00:00Z", date(2026, 11, 11), False, id="utc-still-11th-beijing-12th"),
        pytest.param("2026-11-11T10:30:00-06:00", date(2026, 11, 11), False, id="offset-minus6-beijing-12th"),
        pytest.param("2026-11-11T00:59:00+09:00", date(2026, 11, 10), True, id="tokyo-11th-beijing-10th"),
        pytest.param("2026-11-11T01:00:00+09:00", date(2026, 11, 10), False, id="tokyo-01h-beijing-11th"),
    ],
)
async def test_an_agreement_expires_after_its_last_beijing_day(
    engine: Engine, accepted_at: str, valid_until: date, qualified: bool
) -> None:
    register(engine, carrier="SF", valid_until=valid_until)
    sender = party(name="某网店", customer_type="contract", contract_id="SHOP-ID-1")  # verified ID
    d = await score(engine, at(accepted_at, sender=sender))
    if qualified:
        assert not codes(d) & ID_CODES
        assert d.decision == "release"
    else:
        ev = reason_of(d, "CONTRACT_UNQUALIFIED")
        assert (ev["status"], ev["contract_id"]) == ("expired", "SHOP-ID-1")
        assert outcomes(d)["CONTRACT_UNQUALIFIED"] == "hold"
        assert not codes(d) & {"REALNAME_MISSING", "ID_INVALID", "REALNAME_UNVERIFIED"}
        assert d.decision == "hold"


@pytest.mark.parametrize(
    ("accepted_at", "qualified"),
    [
        pytest.param("2026-11-10T16:00:00Z", True, id="first-beijing-second-of-first-day"),
        pytest.param("2026-11-10T15:59:59Z", False, id="last-beijing-second-before"),
    ],
)
async def test_an_agreement_is_not_in_force_before_its_first_beijing_day(
    engine: Engine, accepted_at: str, qualified: bool
) -> None:
    register(engine, carrier="SF", valid_from=date(2026, 11, 11), valid_until=date(2027, 11, 10))
    d = await score(engine, at(accepted_at, sender=shop()))
    if qualified:
        assert not codes(d) & ID_CODES
        assert d.decision == "release"
    else:
        assert outcomes(d)["CONTRACT_UNQUALIFIED"] == "hold"
        assert d.decision == "reject"  # without its exemption the shop gave no ID
        assert "REALNAME_MISSING" in codes(d)
        # Not in force yet is not "expired": the officer calls the shop about its start date, not a renewal.
        [unqualified] = [r for r in d.reasons if r.code == "CONTRACT_UNQUALIFIED"]
        assert unqualified.evidence["status"] == "not_yet_valid"
        assert "(not yet valid)" in unqualified.message_en
        assert "尚未生效" in unqualified.message


@pytest.mark.parametrize(
    ("accepted_at", "qualified"),
    [
        pytest.param("2026-11-11T23:59:00+08:00", True, id="last-valid-day"),
        pytest.param("2026-11-12T00:01:00+08:00", False, id="day-after"),
    ],
)
async def test_an_agreement_customer_without_id_is_rejected_from_the_day_after_expiry(
    engine: Engine, accepted_at: str, qualified: bool
) -> None:
    register(engine, carrier="SF", valid_until=date(2026, 11, 11))
    d = await score(engine, at(accepted_at, sender=shop()))
    if qualified:
        assert not codes(d) & ID_CODES
        assert d.decision == "release"
    else:
        assert outcomes(d) == {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"}
        assert reason_of(d, "CONTRACT_UNQUALIFIED")["status"] == "expired"
        assert [r.code for r in d.reasons] == ["REALNAME_MISSING", "CONTRACT_UNQUALIFIED"]
        assert d.decision == "reject"


# Agreements are signed with one carrier


async def test_an_agreement_with_another_carrier_only_leaves_a_sender_without_id_rejected(
    engine: Engine,
) -> None:
    register(engine, carrier="YTO", valid_until=date(2027, 12, 31))
    d = await score(engine, waybill(sender=shop()))  # an SF parcel
    assert outcomes(d) == {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"}
    assert reason_of(d, "CONTRACT_UNQUALIFIED")["status"] == "unknown"
    assert d.decision == "reject"


async def test_an_agreement_with_a_carrier_qualifies_that_carriers_parcels(engine: Engine) -> None:
    register(engine, carrier="YTO", valid_until=date(2027, 12, 31))
    wb = waybill(sender=shop(), carrier="YTO", waybill_no="YT9876543210123", outlet_id="YTO-310115-0001")
    d = await score(engine, wb)
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


async def test_an_agreement_with_a_second_carrier_keeps_the_first_in_force(engine: Engine) -> None:
    engine.agreements.upsert(
        [
            Agreement(contract_id="SHOP-ID-1", name="某网店", carrier="SF", valid_until=date(2027, 12, 31)),
            Agreement(contract_id="SHOP-ID-1", name="某网店", carrier="YTO", valid_until=date(2027, 12, 31)),
        ]
    )
    sf = await score(engine, waybill(sender=shop()))
    yto = await score(
        engine, waybill(sender=shop(), carrier="YTO", waybill_no="YT9876543210124", outlet_id="YTO-1")
    )
    assert not codes(sf) & ID_CODES and sf.decision == "release"
    assert not codes(yto) & ID_CODES and yto.decision == "release"


# Unqualified agreement customers without an ID: REALNAME_MISSING (reject) and CONTRACT_UNQUALIFIED (hold)


@pytest.mark.parametrize("channel", ["postal", "cbec"])
async def test_an_unknown_agreement_customer_exporting_without_id_is_rejected(
    engine: Engine, channel: str
) -> None:
    d = await score(engine, lane_waybill("export", channel, sender=contract_sender("SHOP-NOBODY")))
    assert outcomes(d) == {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"}
    ev = reason_of(d, "CONTRACT_UNQUALIFIED")
    assert (ev["status"], ev["contract_id"]) == ("unknown", "SHOP-NOBODY")
    assert "BUYER_ID_MISSING" not in codes(d)
    assert d.decision == "reject"
    assert_most_severe_first(d)


async def test_a_contract_customer_without_contract_id_nor_id_is_rejected(engine: Engine) -> None:
    d = await score(engine, waybill(sender=contract_sender(None)))
    assert outcomes(d) == {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"}
    assert d.decision == "reject"


async def test_an_unqualified_agreement_customer_sending_a_letter_is_held_not_rejected(
    engine: Engine,
) -> None:
    # Letters need no ID (art. 22), but the agreement itself is still unqualified.
    register(engine, carrier="SF", status="suspended")
    d = await score(engine, waybill(sender=shop(), items=letter(), weight_kg=0.1))
    assert outcomes(d) == {"CONTRACT_UNQUALIFIED": "hold"}
    assert reason_of(d, "CONTRACT_UNQUALIFIED")["status"] == "suspended"
    assert d.decision == "hold"


@pytest.mark.parametrize(
    "before",
    [
        pytest.param({"status": "suspended"}, id="suspended-then-active"),
        pytest.param({"valid_until": date(2026, 10, 31)}, id="expired-then-renewed"),
    ],
)
async def test_a_renewed_agreement_qualifies_again(engine: Engine, before: dict[str, Any]) -> None:
    register(engine, carrier="SF", **before)
    first = await score(engine, waybill(sender=shop()))
    assert first.decision == "reject" and "CONTRACT_UNQUALIFIED" in codes(first)
    register(engine, carrier="SF", status="active", valid_until=date(2027, 10, 31))
    again = await score(engine, waybill(sender=shop()))
    assert not codes(again) & ID_CODES
    assert again.decision == "release"


# REALNAME_UNVERIFIED: the verification fields of the contract


@pytest.mark.parametrize("method", ["online_check", "face_match", "manual"])
async def test_a_method_without_the_verified_flag_is_unverified(engine: Engine, method: str) -> None:
    d = await score(engine, waybill(sender=party(id_verified=False, verification_method=method)))
    r = next(r for r in d.reasons if r.code == "REALNAME_UNVERIFIED")
    assert r.outcome == "inspect"
    assert (r.evidence["id_verified"], r.evidence["verification_method"]) == (False, method)
    assert not codes(d) & {"REALNAME_MISSING", "ID_INVALID"}
    assert d.decision == "inspect"


async def test_verified_without_naming_the_method_counts_as_verified(engine: Engine) -> None:
    # verification_method is optional in the contract; id_verified is what says the ID was checked.
    d = await score(engine, waybill(sender=party(id_verified=True, verification_method=...)))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


@pytest.mark.parametrize(
    ("service", "channel"),
    [
        pytest.param("domestic", "postal", id="domestic-postal"),
        pytest.param("export", "express", id="export-express"),
        pytest.param("export", "cbec", id="export-cbec"),
    ],
)
async def test_an_unverified_id_is_inspected_on_every_channel(
    engine: Engine, service: str, channel: str
) -> None:
    sender = party(id_verified=False, verification_method="none")
    d = await score(engine, lane_waybill(service, channel, sender=sender))
    assert outcomes(d) == {"REALNAME_UNVERIFIED": "inspect"}
    assert d.decision == "inspect"


async def test_an_unverified_buyer_id_is_not_a_pickup_matter(engine: Engine) -> None:
    # The buyer is not at the counter; real-name verification is of the sender handing over in China.
    number = resident_id(region="320102", birth="19880808", seq="501")
    wb = cbec_import(buyer("resident_id", number, id_verified=False, verification_method="none"))
    d = await score(engine, wb)
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


# BUYER_ID_MISSING: cbec imports only


def test_a_cbec_import_without_buyer_id_is_held_with_a_case(client: ScoringClient) -> None:
    d = client.score(cbec_import(cn_receiver(phone="13700030002")))
    got = {r["code"]: r["outcome"] for r in d["reasons"]}
    assert got["BUYER_ID_MISSING"] == "hold"
    assert not got.keys() & {"REALNAME_MISSING", "REALNAME_UNVERIFIED", "ID_INVALID", "CONTRACT_UNQUALIFIED"}
    assert d["decision"] == "hold" and d["case_id"]


async def test_a_cbec_export_needs_no_buyer_id(engine: Engine) -> None:
    d = await score(engine, lane_waybill("export", "cbec"))  # the receiver abroad gave no ID
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


async def test_a_cbec_export_without_sender_id_is_realname_missing_not_buyer_id_missing(
    engine: Engine,
) -> None:
    d = await score(engine, lane_waybill("export", "cbec", sender=no_id_sender()))
    assert outcomes(d) == {"REALNAME_MISSING": "reject"}
    assert d.decision == "reject"


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("passport", "E98765432", id="passport"),
        pytest.param("hk_macau_permit", "H87654321", id="home-return-permit"),
        pytest.param("taiwan_permit", gb11643("83000019850315006"), id="taiwan-residence-permit"),
    ],
)
async def test_a_buyer_with_another_accepted_document_is_not_held(
    engine: Engine, id_type: str, number: str
) -> None:
    d = await score(engine, cbec_import(buyer(id_type, number)))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


# ID_INVALID: the field named in the evidence, masked


async def test_an_impossible_buyer_birth_date_is_id_invalid_on_the_receiver(engine: Engine) -> None:
    bad = resident_id(region="320102", birth="19880230", seq="502")  # 30 February, check digit right
    d = await score(engine, cbec_import(buyer("resident_id", bad)))
    ev = reason_of(d, "ID_INVALID")
    assert (ev["party"], ev["problem"], ev["id_type"]) == ("receiver", "birth_date", "resident_id")
    assert ev["masked"] == masked(bad) and ev["masked"].startswith("320102********")
    assert bad not in dump(d) and bad[6:14] not in dump(d)
    assert d.decision == "reject" and d.reasons[0].code == "ID_INVALID"


async def test_a_false_temporary_id_is_masked_in_the_messages_too(engine: Engine) -> None:
    bad = resident_id(region="440305", birth="20270101", seq="711")  # born after the pickup
    d = await score(engine, export_postal(sender=party(id_type="temporary_id", id_number=bad)))
    r = next(r for r in d.reasons if r.code == "ID_INVALID")
    assert (r.evidence["party"], r.evidence["problem"]) == ("sender", "birth_date")
    assert (r.evidence["id_type"], r.evidence["masked"]) == ("temporary_id", masked(bad))
    for text in (r.message, r.message_en):
        assert bad not in text and bad[6:14] not in text
    assert "REALNAME_UNVERIFIED" not in codes(d) and "REALNAME_MISSING" not in codes(d)
    assert d.decision == "reject"


@pytest.mark.parametrize(
    ("id_type", "first17"),
    [
        pytest.param("hk_macau_permit", "81000019900101002", id="hk-residence-permit"),
        pytest.param("hk_macau_permit", "82000019880808003", id="macau-residence-permit"),
        pytest.param("taiwan_permit", "83000019750315004", id="taiwan-residence-permit"),
    ],
)
async def test_a_residence_permit_with_a_wrong_check_digit_is_id_invalid(
    engine: Engine, id_type: str, first17: str
) -> None:
    bad = wrong_check_digit(gb11643(first17))
    d = await score(engine, waybill(sender=party(id_type=id_type, id_number=bad)))
    assert "ID_INVALID" in codes(d), d.decision
    ev = reason_of(d, "ID_INVALID")
    assert (ev["party"], ev["problem"]) == ("sender", "check_digit")
    assert d.decision == "reject"


async def test_a_qualified_agreement_customer_giving_a_false_id_is_rejected(engine: Engine) -> None:
    # The agreement exempts from registering an ID, not from giving a false one (ID_INVALID: no exemption).
    register(engine, carrier="SF", valid_until=date(2027, 12, 31))
    bad = wrong_check_digit(resident_id(region="310115", birth="19820417", seq="233"))
    d = await score(engine, waybill(sender=shop(id_type="resident_id", id_number=bad)))
    assert outcomes(d) == {"ID_INVALID": "reject"}
    assert d.decision == "reject"


async def test_a_letter_sender_giving_a_false_id_is_rejected(engine: Engine) -> None:
    bad = resident_id(region="310115", birth="19821301", seq="234")  # month 13
    d = await score(engine, waybill(sender=party(id_number=bad), items=letter(), weight_kg=0.1))
    assert reason_of(d, "ID_INVALID")["problem"] == "birth_date"
    assert "REALNAME_MISSING" not in codes(d)
    assert d.decision == "reject"


async def test_false_ids_on_both_sides_are_rejected_and_neither_is_in_plain_text(engine: Engine) -> None:
    sender_bad = wrong_check_digit(resident_id(region="310115", birth="19820417", seq="235"))
    receiver_bad = resident_id(region="320102", birth="19880431", seq="503")  # 31 April
    wb = waybill(
        sender=party(id_number=sender_bad),
        receiver=cn_receiver(id_type="resident_id", id_number=receiver_bad),
    )
    d = await score(engine, wb)
    assert "ID_INVALID" in codes(d)
    assert {r.outcome for r in d.reasons if r.code == "ID_INVALID"} == {"reject"}
    text = dump(d)
    for number in (sender_bad, receiver_bad):
        assert number not in text and number[6:14] not in text
    assert d.decision == "reject"


# Wrong length or characters: a 422 that names every field and changes nothing (HTTP)


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("uscc", "110108012345678", id="uscc-old-15-digit-registration"),
        pytest.param("resident_id", "110105-19491231-002X", id="resident-with-dashes"),
        pytest.param("temporary_id", "44030519950505710", id="temporary-17"),
    ],
)
def test_a_malformed_number_is_a_422_at_the_sender_id_number(
    client: ScoringClient, id_type: str, number: str
) -> None:
    r = post(client, waybill(sender=party(id_type=id_type, id_number=number)))
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "sender", "id_number"]]
    assert number not in r.text


def test_a_422_names_both_malformed_id_numbers(client: ScoringClient) -> None:
    wb = waybill(
        sender=party(id_number="11010519491231002X9"),  # 19 characters
        receiver=cn_receiver(id_type="resident_id", id_number="3201021988080821"),  # 16
    )
    r = post(client, wb)
    assert r.status_code == 422, r.text
    locs = [e["loc"] for e in r.json()["detail"]]
    assert ["body", "sender", "id_number"] in locs and ["body", "receiver", "id_number"] in locs
    assert "11010519491231002X9" not in r.text and "3201021988080821" not in r.text


def test_a_422_for_a_malformed_id_records_no_decision(client: ScoringClient) -> None:
    wb = waybill(sender=party(id_number="11010519491231002"))  # 17 characters
    assert post(client, wb).status_code == 422
    back = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert back.status_code == 404, back.text
    fixed = {**wb, "sender": party()}
    d = client.score(fixed)
    assert d["decision"] == "release" and d["reasons"] == []


# Organisations register their unified social credit code


async def test_an_organisation_exporting_with_a_valid_uscc_passes(engine: Engine) -> None:
    d = await score(engine, export_postal(sender=org()))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


async def test_a_false_uscc_names_the_sender_masked(engine: Engine) -> None:
    bad = wrong_check_char(valid_uscc())
    d = await score(engine, export_postal(sender=org(id_number=bad)))
    ev = reason_of(d, "ID_INVALID")
    assert (ev["party"], ev["id_type"], ev["problem"]) == ("sender", "uscc", "check_digit")
    assert ev["masked"] == bad[:6] + "********" + bad[-4:]
    assert bad not in dump(d)
    assert "REALNAME_MISSING" not in codes(d)
    assert d.decision == "reject"


async def test_a_qualified_agreement_customer_registering_its_uscc_passes(engine: Engine) -> None:
    register(engine, carrier="SF", valid_until=date(2027, 12, 31))
    sender = org(customer_type="contract", contract_id="SHOP-ID-1")
    d = await score(engine, waybill(sender=sender))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


async def test_an_unknown_agreement_customer_with_a_valid_uscc_is_held_not_rejected(engine: Engine) -> None:
    sender = org(customer_type="contract", contract_id="SHOP-NOBODY")
    d = await score(engine, waybill(sender=sender))
    assert outcomes(d) == {"CONTRACT_UNQUALIFIED": "hold"}
    assert d.decision == "hold"


# Several real-name reasons: the most severe decides and comes first


async def test_an_expired_agreement_customer_with_a_false_id_is_rejected_for_the_id(engine: Engine) -> None:
    register(engine, carrier="SF", valid_until=date(2026, 10, 31))
    bad = wrong_check_digit(resident_id(region="310115", birth="19820417", seq="236"))
    d = await score(engine, waybill(sender=shop(id_type="resident_id", id_number=bad)))
    assert outcomes(d) == {"ID_INVALID": "reject", "CONTRACT_UNQUALIFIED": "hold"}
    assert d.reasons[0].code == "ID_INVALID" and d.decision == "reject"
    assert_most_severe_first(d)


async def test_an_unknown_agreement_customer_with_an_unverified_id_is_held(engine: Engine) -> None:
    sender = party(
        customer_type="contract", contract_id="SHOP-NOBODY", id_verified=False, verification_method="none"
    )
    d = await score(engine, export_postal(sender=sender))
    assert outcomes(d) == {"CONTRACT_UNQUALIFIED": "hold", "REALNAME_UNVERIFIED": "inspect"}
    assert [r.code for r in d.reasons] == ["CONTRACT_UNQUALIFIED", "REALNAME_UNVERIFIED"]
    assert d.decision == "hold"


async def test_a_suspended_customer_unverified_and_not_xrayed_is_held(engine: Engine) -> None:
    register(engine, carrier="SF", status="suspended")
    sender = party(
        customer_type="contract", contract_id="SHOP-ID-1", id_verified=False, verification_method=None
    )
    wb = waybill(sender=sender, pickup_checks={"opened_inspection": True, "xray_screened": False})
    d = await score(engine, wb)
    assert outcomes(d) == {
        "CONTRACT_UNQUALIFIED": "hold",
        "REALNAME_UNVERIFIED": "inspect",
        "XRAY_NOT_RECORDED": "inspect",
    }
    assert d.decision == "hold"
    assert_most_severe_first(d)


# No identity number in plain text, whatever the reason


def plain_cases() -> list[Any]:
    """Decisions that carry real-name reasons, each with the ID numbers it was given."""
    unverified = resident_id(region="510104", birth="19751111", seq="601")
    contract = resident_id(region="510104", birth="19760202", seq="602")
    buyer_ok = resident_id(region="320102", birth="19880909", seq="603")
    buyer_bad = wrong_check_digit(resident_id(region="320102", birth="19881010", seq="604"))
    temp_bad = resident_id(region="440305", birth="19950230", seq="605")
    return [
        pytest.param(
            waybill(sender=party(id_number=unverified, id_verified=False)),
            [unverified],
            {"REALNAME_UNVERIFIED"},
            id="unverified-sender",
        ),
        pytest.param(
            waybill(sender=party(id_number=contract, customer_type="contract", contract_id="SHOP-NOBODY")),
            [contract],
            {"CONTRACT_UNQUALIFIED"},
            id="unknown-agreement-with-id",
        ),
        pytest.param(
            cbec_import(
                buyer("resident_id", buyer_ok, phone="13700030004"),
                items=[line("手提包 handbag", "bags_leather", 5200.0)],
            ),
            [buyer_ok],
            {"CBEC_SINGLE_LIMIT"},
            id="valid-buyer-id-held-for-value",
        ),
        pytest.param(
            cbec_import(buyer("resident_id", buyer_bad, phone="13700030005")),
            [buyer_bad],
            {"ID_INVALID"},
            id="false-buyer-id",
        ),
        pytest.param(
            export_postal(sender=party(id_type="temporary_id", id_number=temp_bad, id_verified=False)),
            [temp_bad],
            {"ID_INVALID"},
            id="false-unverified-temporary-id",
        ),
    ]


@pytest.mark.parametrize(("wb", "numbers", "expected"), plain_cases())
async def test_no_reason_carries_an_id_number_in_plain_text(
    engine: Engine, wb: dict[str, Any], numbers: list[str], expected: set[str]
) -> None:
    d = await score(engine, wb)
    assert expected <= codes(d)
    text = dump(d)
    for number in numbers:
        assert number not in text and number.lower() not in text
        assert number[:14] not in text  # region and birth date together identify too much
    assert d.decision != "release"
