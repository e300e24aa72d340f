"""Identity documents and real-name pickup (实名收寄), written from RULES.md §1 and §3 and the wire contract.

Each id_type the contract accepts, the GB 11643 and GB 32100 checks (ID_INVALID, a decision) against the
format (a 422 naming the field), the region code of first issue, verification (REALNAME_UNVERIFIED), who
needs real-name (REALNAME_MISSING, BUYER_ID_MISSING, CONTRACT_UNQUALIFIED) and masking of ID numbers.
"""

import json
from datetime import date
from typing import Any

import pytest
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from screening.agreements import Agreement
from screening.contract import Decision
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import (
    NO_ID,
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

pytestmark = pytest.mark.anyio

ID_CODES = {
    "REALNAME_MISSING",
    "ID_INVALID",
    "REALNAME_UNVERIFIED",
    "BUYER_ID_MISSING",
    "CONTRACT_UNQUALIFIED",
}


# Helpers


def gb11643(first17: str) -> str:
    """An 18-character GB 11643 number (resident ID, residence permit, foreign permanent resident ID)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def uscc_of(first17: str) -> str:
    """A unified social credit code with its GB 32100 check character."""
    return first17 + uscc.calc_check_digit(first17)


def wrong_check_char(code: str) -> str:
    """The same USCC with a different (wrong) check character."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def masked(number: str) -> str:
    """The display form RULES.md §1 gives: 110105********002X."""
    return number[:6] + "*" * 8 + number[-4:]


def dump(d: Decision) -> str:
    """The whole decision as text, to look for a plain ID number anywhere in it."""
    return json.dumps(d.model_dump(mode="json"), ensure_ascii=False)


def no_id_sender(**changes: Any) -> dict[str, Any]:
    """A mainland sender who gave no identity document."""
    return party(**(NO_ID | changes))


def cbec_import(receiver: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A cross-border e-commerce import from a Hong Kong shop to a mainland buyer."""
    fields: dict[str, Any] = {
        "service": "import",
        "channel": "cbec",
        "sender": hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        "receiver": receiver,
        "items": [item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=300.0)],
        "weight_kg": 0.3,
    }
    return waybill(**(fields | changes))


def letter() -> list[dict[str, Any]]:
    """A letter: one item of documents."""
    return [item(description="合同文件 contract papers", category="documents", quantity=1, unit_value=0.0)]


def shop(**changes: Any) -> dict[str, Any]:
    """An agreement customer (协议客户) sending without a per-parcel ID."""
    return no_id_sender(name="某网店", customer_type="contract", contract_id="SHOP-ID-1", **changes)


def register(engine: Engine, **fields: Any) -> None:
    """Put one agreement customer in the engine's registry."""
    engine.agreements.upsert([Agreement(**({"contract_id": "SHOP-ID-1", "name": "某网店"} | fields))])


def post(client: ScoringClient, wb: dict[str, Any]) -> Any:
    """POST /v1/score and return the raw response."""
    return client.http.post("/v1/score", json=wb)


# Every id_type of the contract: a well-formed valid number passes

VALID_IDS = [
    pytest.param("resident_id", "11010519491231002X", id="resident-example"),
    pytest.param("resident_id", gb11643("44010619900101123"), id="resident-digit-check"),
    pytest.param("temporary_id", gb11643("44030519950505710"), id="temporary"),
    pytest.param("military_id", "20019880", id="military-digits"),
    pytest.param("passport", "E12345678", id="passport-cn-e"),
    pytest.param("passport", "EA1234567", id="passport-cn-ea"),
    pytest.param("passport", "C01X00T47", id="passport-de"),
    pytest.param("passport", "533401372", id="passport-us"),
    pytest.param("hk_macau_permit", "H12345678", id="home-return-permit-hk"),
    pytest.param("hk_macau_permit", "M1234567801", id="home-return-permit-mo-11"),
    pytest.param("hk_macau_permit", "C12345678", id="mainland-permit-to-hk-mo"),
    pytest.param("hk_macau_permit", gb11643("81000019900101002"), id="residence-permit-hk"),
    pytest.param("hk_macau_permit", gb11643("82000019880808003"), id="residence-permit-mo"),
    pytest.param("taiwan_permit", "12345678", id="taiwan-compatriot-permit"),
    pytest.param("taiwan_permit", gb11643("83000019750315004"), id="residence-permit-tw"),
    pytest.param("foreign_resident", "USA110090101001", id="foreign-permanent-old-15"),
    pytest.param("foreign_resident", gb11643("93184019800101001"), id="foreign-permanent-new-18"),
    pytest.param("uscc", uscc_of("91110000600037341"), id="uscc-company"),
    pytest.param("uscc", uscc_of("12100000400000000"), id="uscc-public-institution"),
]


@pytest.mark.parametrize(("id_type", "number"), VALID_IDS)
async def test_a_well_formed_valid_number_of_each_id_type_passes(
    engine: Engine, id_type: str, number: str
) -> None:
    d = await score(engine, waybill(sender=party(id_type=id_type, id_number=number)))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


@pytest.mark.parametrize("number", ["南字第20019880号", "武字第0012345号"])
def test_a_military_officer_id_in_its_printed_form_is_accepted(client: ScoringClient, number: str) -> None:
    r = post(client, waybill(sender=party(id_type="military_id", id_number=number)))
    assert r.status_code == 200, r.text
    assert not {x["code"] for x in r.json()["reasons"]} & ID_CODES


# Resident ID: the region code is the one of first issue, not tied to the birth year


@pytest.mark.parametrize(
    ("region", "birth"),
    [
        pytest.param("110110", "19900101", id="yanshan-retired-1986-born-1990"),
        pytest.param("110103", "20120305", id="chongwen-retired-2010-born-2012"),
        pytest.param("110115", "19850615", id="daxing-district-created-2001-born-1985"),
        pytest.param("110118", "19700101", id="miyun-district-created-2015-born-1970"),
    ],
)
async def test_a_region_code_is_not_tied_to_the_birth_year(engine: Engine, region: str, birth: str) -> None:
    number = resident_id(region=region, birth=birth, seq="101")
    with pytest.raises(ValidationError):  # python-stdnum's validate refuses these real numbers
        ric.validate(number)
    d = await score(engine, waybill(sender=party(id_number=number)))
    assert "ID_INVALID" not in codes(d)
    assert d.decision == "release"


# Resident and temporary ID: check digit and birth date are a decision (ID_INVALID, reject)


@pytest.mark.parametrize("id_type", ["resident_id", "temporary_id"])
async def test_a_wrong_check_digit_is_id_invalid_and_rejected(engine: Engine, id_type: str) -> None:
    bad = wrong_check_digit(resident_id(region="310115", birth="19820417", seq="231"))
    d = await score(engine, waybill(sender=party(id_type=id_type, id_number=bad)))
    r = next(r for r in d.reasons if r.code == "ID_INVALID")
    assert r.outcome == "reject"
    assert d.decision == "reject" and d.reasons[0].code == "ID_INVALID"


@pytest.mark.parametrize(
    "birth",
    [
        pytest.param("20261112", id="day-after-pickup"),
        pytest.param("20300101", id="future-year"),
        pytest.param("20230229", id="feb-29-non-leap-2023"),
        pytest.param("21000229", id="feb-29-2100-century"),
        pytest.param("19871301", id="month-13"),
        pytest.param("19870431", id="april-31"),
        pytest.param("19870000", id="month-and-day-zero"),
    ],
)
@pytest.mark.parametrize("id_type", ["resident_id", "temporary_id"])
async def test_an_impossible_birth_date_is_id_invalid_and_rejected(
    engine: Engine, id_type: str, birth: str
) -> None:
    number = resident_id(region="110105", birth=birth, seq="004")  # check digit right: only the date is wrong
    d = await score(engine, waybill(sender=party(id_type=id_type, id_number=number)))
    r = next(r for r in d.reasons if r.code == "ID_INVALID")
    assert r.outcome == "reject"
    assert d.decision == "reject"


@pytest.mark.parametrize(
    "birth",
    [
        pytest.param("18500101", id="1850"),
        pytest.param("18800101", id="1880"),
        pytest.param("18991231", id="1899"),
        pytest.param("19001110", id="126-years-old"),
    ],
)
async def test_a_birth_date_in_the_1800s_is_id_invalid(engine: Engine, birth: str) -> None:
    number = resident_id(region="110105", birth=birth, seq="005")
    d = await score(engine, waybill(sender=party(id_number=number)))
    assert "ID_INVALID" in codes(d)
    assert d.decision == "reject"


@pytest.mark.parametrize(
    "birth",
    [
        pytest.param("20240229", id="feb-29-2024-leap"),
        pytest.param("19200101", id="aged-106"),
        pytest.param("20261110", id="born-the-day-before-pickup"),
    ],
)
async def test_a_possible_birth_date_passes(engine: Engine, birth: str) -> None:
    number = resident_id(region="110105", birth=birth, seq="006")
    d = await score(engine, waybill(sender=party(id_number=number)))
    assert "ID_INVALID" not in codes(d)
    assert d.decision == "release"


async def test_a_lowercase_x_check_digit_is_the_same_valid_number(engine: Engine) -> None:
    number = "11010519491231002X"
    d = await score(engine, waybill(sender=party(id_number=number.lower())))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


async def test_a_lowercase_x_where_a_digit_belongs_is_a_wrong_check_digit(engine: Engine) -> None:
    number = resident_id(region="110105", birth="19491231", seq="003")
    assert number[-1] != "X"
    d = await score(engine, waybill(sender=party(id_number=number[:-1] + "x")))
    assert "ID_INVALID" in codes(d)
    assert d.decision == "reject"


# USCC: GB 32100 check character


async def test_a_uscc_with_a_wrong_check_character_is_id_invalid(engine: Engine) -> None:
    bad = wrong_check_char(uscc_of("91110000600037341"))
    org = party(name="某贸易有限公司", id_type="uscc", id_number=bad)
    d = await score(engine, waybill(sender=org))
    r = next(r for r in d.reasons if r.code == "ID_INVALID")
    assert r.outcome == "reject"
    assert d.decision == "reject"


# Wrong length or characters: a 422 naming the field, with no ID number in the body

MALFORMED = [
    pytest.param("resident_id", "11010519491231002", id="resident-17"),
    pytest.param("resident_id", "11010519491231002X1", id="resident-19"),
    pytest.param("resident_id", "110105491231002", id="resident-old-15"),
    pytest.param("resident_id", "1101051949123100X2", id="resident-x-not-last"),
    pytest.param("resident_id", "11010519491231002Y", id="resident-y-check"),
    pytest.param("resident_id", "110105 19491231002X", id="resident-with-space"),
    pytest.param("resident_id", "１１０１０５１９４９１２３１００２X", id="resident-full-width-digits"),
    pytest.param("temporary_id", "4403051995050571", id="temporary-16"),
    pytest.param("temporary_id", "44030519950505710A", id="temporary-letter-check"),
    pytest.param("uscc", "9111000060003734", id="uscc-16"),
    pytest.param("uscc", "91110000600037341L0", id="uscc-19"),
    pytest.param("uscc", "91110000I00037341L", id="uscc-letter-I"),
    pytest.param("uscc", "9111000060003734O1", id="uscc-letter-O"),
    pytest.param("uscc", "911100006000373S1L", id="uscc-letter-S"),
    pytest.param("uscc", "91A10000600037341L", id="uscc-letter-in-region"),
]


@pytest.mark.parametrize(("id_type", "number"), MALFORMED)
def test_a_malformed_number_is_a_422_naming_the_field_without_echoing_it(
    client: ScoringClient, id_type: str, number: str
) -> None:
    r = post(client, waybill(sender=party(id_type=id_type, id_number=number)))
    assert r.status_code == 422, r.text
    assert ["body", "sender", "id_number"] in [e["loc"] for e in r.json()["detail"]]
    assert number not in r.text
    assert number.replace(" ", "")[:14] not in r.text


def test_a_malformed_buyer_id_is_a_422_on_the_receiver(client: ScoringClient) -> None:
    number = "32010219880808216"
    r = post(client, cbec_import(cn_receiver(id_type="resident_id", id_number=number)))
    assert r.status_code == 422, r.text
    assert ["body", "receiver", "id_number"] in [e["loc"] for e in r.json()["detail"]]
    assert number not in r.text


# REALNAME_UNVERIFIED: an ID given but not checked against the person


@pytest.mark.parametrize(
    ("verified", "method"),
    [
        pytest.param(False, "id_reader", id="not-verified-reader"),
        pytest.param(False, "none", id="not-verified-none"),
        pytest.param(False, None, id="not-verified-no-method"),
        pytest.param(True, "none", id="verified-flag-but-method-none"),
    ],
)
@pytest.mark.parametrize("lane", ["domestic", "export"])
async def test_an_unverified_id_is_inspected(
    engine: Engine, lane: str, verified: bool, method: str | None
) -> None:
    sender = party(id_verified=verified, verification_method=method)
    wb = waybill(sender=sender) if lane == "domestic" else export_postal(sender=sender)
    d = await score(engine, wb)
    r = next(r for r in d.reasons if r.code == "REALNAME_UNVERIFIED")
    assert r.outcome == "inspect"
    assert not codes(d) & {"REALNAME_MISSING", "ID_INVALID"}
    assert d.decision == "inspect"


@pytest.mark.parametrize("method", ["id_reader", "online_check", "face_match", "manual"])
async def test_a_verified_id_passes(engine: Engine, method: str) -> None:
    d = await score(engine, waybill(sender=party(id_verified=True, verification_method=method)))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


async def test_an_unverified_sender_abroad_on_an_import_is_not_real_name_checked(engine: Engine) -> None:
    sender = hk_receiver(id_type="hk_macau_permit", id_number="H12345678", id_verified=False)
    d = await score(
        engine, waybill(service="import", channel="postal", sender=sender, receiver=cn_receiver())
    )
    assert not codes(d) & ID_CODES


# Who needs real-name pickup


@pytest.mark.parametrize(
    ("service", "channel"),
    [
        ("domestic", "express"),
        ("domestic", "postal"),
        ("export", "express"),
        ("export", "postal"),
        ("export", "cbec"),
    ],
)
async def test_a_sender_handing_over_in_china_without_id_is_rejected(
    engine: Engine, service: str, channel: str
) -> None:
    receiver = cn_receiver() if service == "domestic" else hk_receiver()
    wb = waybill(service=service, channel=channel, sender=no_id_sender(), receiver=receiver)
    d = await score(engine, wb)
    r = next(r for r in d.reasons if r.code == "REALNAME_MISSING")
    assert r.outcome == "reject"
    assert d.decision == "reject"


async def test_an_id_type_without_a_number_is_no_id(engine: Engine) -> None:
    sender = no_id_sender(id_type="resident_id", id_verified=True, verification_method="id_reader")
    d = await score(engine, waybill(sender=sender))
    assert "REALNAME_MISSING" in codes(d)
    assert d.decision == "reject"


@pytest.mark.parametrize("channel", ["postal", "express"])
async def test_an_import_needs_no_sender_id(engine: Engine, channel: str) -> None:
    wb = waybill(service="import", channel=channel, sender=hk_receiver(), receiver=cn_receiver())
    d = await score(engine, wb)
    assert not codes(d) & ID_CODES
    assert d.decision not in {"reject", "hold"}


async def test_a_cbec_import_without_the_buyer_id_is_held(engine: Engine) -> None:
    d = await score(engine, cbec_import(cn_receiver(phone="13700020001")))
    r = next(r for r in d.reasons if r.code == "BUYER_ID_MISSING")
    assert r.outcome == "hold"
    assert "REALNAME_MISSING" not in codes(d)
    assert d.decision == "hold"


async def test_a_cbec_import_with_an_id_type_but_no_buyer_number_is_held(engine: Engine) -> None:
    d = await score(
        engine, cbec_import(cn_receiver(phone="13700020002", id_type="resident_id", id_number=None))
    )
    assert "BUYER_ID_MISSING" in codes(d)
    assert d.decision == "hold"


async def test_a_cbec_import_with_the_buyer_id_is_not_held_for_it(engine: Engine) -> None:
    buyer = cn_receiver(
        phone="13700020003",
        id_type="resident_id",
        id_number=resident_id(region="320102", birth="19880808", seq="301"),
    )
    d = await score(engine, cbec_import(buyer))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


@pytest.mark.parametrize("service", ["domestic", "export"])
async def test_a_letter_needs_no_sender_id(engine: Engine, service: str) -> None:
    receiver = cn_receiver() if service == "domestic" else hk_receiver()
    wb = waybill(
        service=service,
        channel="express",
        sender=no_id_sender(),
        receiver=receiver,
        items=letter(),
        weight_kg=0.1,
    )
    d = await score(engine, wb)
    assert "REALNAME_MISSING" not in codes(d)
    assert d.decision != "reject"


@pytest.mark.parametrize("service", ["domestic", "export"])
async def test_a_qualified_agreement_customer_needs_no_per_parcel_id(engine: Engine, service: str) -> None:
    register(engine, valid_until=date(2027, 12, 31))
    receiver = cn_receiver() if service == "domestic" else hk_receiver()
    d = await score(engine, waybill(service=service, channel="express", sender=shop(), receiver=receiver))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


async def test_an_agreement_valid_until_the_pickup_day_still_qualifies(engine: Engine) -> None:
    register(engine, valid_until=date(2026, 11, 11))  # the factories' pickup day, Beijing time
    d = await score(engine, waybill(sender=shop()))
    assert not codes(d) & ID_CODES


@pytest.mark.parametrize(
    "agreement",
    [
        pytest.param({"status": "suspended"}, id="suspended"),
        pytest.param({"valid_until": date(2026, 11, 10)}, id="expired-the-day-before"),
        pytest.param({"contract_id": "SHOP-OTHER"}, id="unknown-contract-id"),
    ],
)
async def test_an_unqualified_agreement_customer_is_held(engine: Engine, agreement: dict[str, Any]) -> None:
    register(engine, **agreement)
    sender = party(name="某网店", customer_type="contract", contract_id="SHOP-ID-1")  # with a verified ID
    d = await score(engine, waybill(sender=sender))
    r = next(r for r in d.reasons if r.code == "CONTRACT_UNQUALIFIED")
    assert r.outcome == "hold"
    assert "REALNAME_MISSING" not in codes(d)
    assert d.decision == "hold"


async def test_a_contract_customer_without_a_contract_id_is_unqualified(engine: Engine) -> None:
    sender = party(name="某网店", customer_type="contract", contract_id=None)
    d = await score(engine, waybill(sender=sender))
    assert "CONTRACT_UNQUALIFIED" in codes(d)
    assert d.decision == "hold"


@pytest.mark.parametrize(
    "agreement",
    [
        pytest.param({"status": "suspended"}, id="suspended"),
        pytest.param({"valid_until": date(2026, 6, 30)}, id="expired"),
    ],
)
async def test_an_unqualified_agreement_customer_without_id_loses_the_exemption(
    engine: Engine, agreement: dict[str, Any]
) -> None:
    register(engine, **agreement)
    d = await score(engine, waybill(sender=shop()))
    assert {"CONTRACT_UNQUALIFIED", "REALNAME_MISSING"} <= codes(d)
    assert d.decision == "reject" and d.reasons[0].code == "REALNAME_MISSING"


# ID numbers never in plain text


async def test_an_invalid_id_is_shown_masked_in_the_evidence_only(engine: Engine) -> None:
    bad = wrong_check_digit("11010519491231002X")
    d = await score(engine, waybill(sender=party(id_number=bad)))
    ev = reason_of(d, "ID_INVALID")
    assert masked(bad) in [v for v in ev.values() if isinstance(v, str)]
    assert masked(bad) == "110105********0021"
    assert bad not in dump(d)
    assert bad[6:14] not in dump(d)  # not even the birth date


async def test_a_false_buyer_id_is_masked_with_its_party(engine: Engine) -> None:
    bad = wrong_check_digit(resident_id(region="320102", birth="19880808", seq="302"))
    d = await score(
        engine, cbec_import(cn_receiver(phone="13700020004", id_type="resident_id", id_number=bad))
    )
    ev = reason_of(d, "ID_INVALID")
    assert masked(bad) in ev.values()
    assert bad not in dump(d)
    assert d.decision == "reject"


async def test_an_invalid_uscc_is_not_in_plain_text(engine: Engine) -> None:
    bad = wrong_check_char(uscc_of("91310115MA1K3XXXX"))
    d = await score(engine, waybill(sender=party(id_type="uscc", id_number=bad)))
    assert "ID_INVALID" in codes(d)
    assert bad not in dump(d)


@pytest.mark.parametrize(
    "sender",
    [
        pytest.param(party(id_verified=False), id="unverified"),
        pytest.param(party(id_number=resident_id(birth="20300101")), id="future-birth"),
        pytest.param(party(id_number=wrong_check_digit(resident_id())), id="wrong-check-digit"),
    ],
)
def test_no_plain_id_in_the_response_nor_when_read_back(
    client: ScoringClient, sender: dict[str, Any]
) -> None:
    wb = waybill(sender=sender)
    number = sender["id_number"]
    r = post(client, wb)
    assert r.status_code == 200, r.text
    assert number not in r.text
    back = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert back.status_code == 200, back.text
    assert number not in back.text
