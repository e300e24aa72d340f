"""Phones and identity documents in every writing: what is accepted, what is a 422, who is one entity.

Written from ../shared/domain/RULES.md §1 (real-name pickup: the accepted documents — resident identity card
of 18 characters with its GB 11643 check digit and birth date, "the region code is the one of first issue, so
do not tie it to the birth year ... use its check-digit and birth-date functions instead", temporary ID,
HK/Macau/Taiwan residence permits and travel permits, foreign passports) and §3 (ID_INVALID: "a well-formed
ID whose birth date or check digit is wrong (wrong length or characters is a 422)"; ANT_MOVING_SENDER,
ANT_MOVING_RECEIVER "one receiver (ID, phone or normalised address)", NEAR_LIMIT_SPLIT, SAME_GOODS_FANOUT,
WATCHLIST_HIT, PRIOR_VIOLATIONS and their thresholds; windows in event time), ../shared/contract/README.md
(Party.phone: "mainland mobile/landline or E.164; accepted when it is a *possible* number"; id_type and
id_number; Errors: a 422 "names every offending field and why ... and changes no state") and the README
("Who is the same entity": "one phone however it is typed (+86, 0086, separators, full-width digits, a
foreign number dialled 00… from the mainland, a mainland mobile given for a receiver abroad, a mainland
landline typed without its area code, which takes the code of the address's city ...)"; "a city that
shares its code's listing with a second code (晋中, 吕梁) is left keyed by its digits alone"; distinct
senders and receivers are "people named alike on each parcel: by the ID the lane asks for, the sender's
under real-name pickup or the buyer's on cbec imports, else by phone"; "One citizen number is one person: a
temporary ID, and a Hong Kong, Macau or Taiwan residence permit (numbered 81/82/83… as a resident ID), match
the resident ID of the same number"; "422 bodies never echo input values").

tests/screening/test_contract.py, test_scenarios_identity.py, test_scenarios_documents.py,
test_scenarios_realname.py, test_scenarios_entity_forms.py and test_scenarios_entities.py already cover each
document type's valid and malformed numbers, check digits, birth dates in the abstract, case and padding of
ID numbers, the 81/82/83 joins, and the commonest phone writings (+86, 0086, dashes, full-width digits, a
bare landline in Beijing/Shanghai/Shenzhen/Hangzhou, US/JP/GB/MO national writings, 00-dialled numbers).
This file takes what they leave: Chinese punctuation and labels around a phone, extension marks,
municipalities and cities sharing an area code, Taiwan and Korea, the same local digits in two countries,
mainland mobiles abroad written without "+", phones that are no number at all, birth dates on the Beijing
calendar day, region codes, separators inside an ID number, receivers' documents on postal imports, and
people counted by ID before phone.

Readings where the sources leave a choice:
- An extension (ext. 12, x12, 转12, 分机12) reaches a desk through the line it is typed after: the line is
  the phone (E.164 has no place for an extension), so a listed switchboard matches it, whichever language
  the extension mark is written in.
- Labels and brackets around a number (电话：, 【】, a trailing ；) are typing, not another number.
- "A mainland mobile given for a receiver abroad" holds wherever the receiver lives; in the North American
  plan an eleven-digit number starting with 1 is theirs only when it is a valid number there (1 415 555
  0100), not when it is a mainland mobile that makes no valid number there (1 391 111 2222: area code 391
  is not in service).
"""

from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import Whole, cn_receiver, export_postal, hk_receiver, party, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_documents import ring, with_x
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_entities import cn_address, hits, phone_entry, ring_to, violation
from tests.screening.test_scenarios_entity_forms import city_place, hired, receiver_in
from tests.screening.test_scenarios_rings import export, goods, import_postal, numbers, run

pytestmark = pytest.mark.anyio

Body = dict[str, Any]
Place = tuple[str, str, str]  # province, city, district

ID_CODES = {"REALNAME_MISSING", "ID_INVALID", "REALNAME_UNVERIFIED", "BUYER_ID_MISSING"}
AUTUMN = "2026-09-01T10:00:00+08:00"

BEIJING: Place = ("北京市", "北京市", "朝阳区")
TIANJIN: Place = ("天津市", "天津市", "和平区")
CHONGQING: Place = ("重庆市", "重庆市", "渝中区")
SHENYANG: Place = ("辽宁省", "沈阳市", "和平区")
TIELING: Place = ("辽宁省", "铁岭市", "银州区")
FUSHUN: Place = ("辽宁省", "抚顺市", "新抚区")
DALIAN: Place = ("辽宁省", "大连市", "中山区")
JINZHONG: Place = ("山西省", "晋中市", "榆次区")
SHANGHAI: Place = ("上海市", "上海市", "徐汇区")

# A building in each place abroad; the n-th party there has its own number.
PLACES_ABROAD: dict[str, Body] = {
    "HK": {"city": "Hong Kong", "district": "Kowloon", "detail": "{n} Canton Road"},
    "MO": {"city": "Macau", "district": "Taipa", "detail": "Rua {n}"},
    "TW": {"city": "Taipei", "district": "Da'an", "detail": "{n} Heping E Rd"},
    "JP": {"province": "Tokyo", "city": "Minato-ku", "detail": "{n}-1 Roppongi"},
    "KR": {"city": "Seoul", "district": "Gangnam-gu", "detail": "{n} Teheran-ro"},
    "US": {"province": "CA", "city": "San Francisco", "detail": "{n} Market Street"},
    "CA": {"province": "ON", "city": "Toronto", "detail": "{n} King Street West"},
}


# Helpers ------------------------------------------------------------------------------------------------


def far(country: str, n: int, phone: str, **changes: Any) -> Body:
    """The n-th party (no ID) in a country abroad: own name and building, the phone as given."""
    where = {k: v.format(n=n) for k, v in PLACES_ABROAD[country].items()}
    address: Body = {"country": country, "province": None, "city": None, "district": None} | where
    fields: Body = {"name": f"PARTY {country} {n}", "phone": phone, "address": Whole(address)}
    return hk_receiver(**(fields | changes))


def in_city(n: int, place: Place, phone: str, **changes: Any) -> Body:
    """The n-th mainland receiver in a city (own building), with the phone given."""
    return receiver_in(n, (*place, f"中山路{n + 1}号{n + 2}栋"), phone, **changes)


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of a reason the decision must carry."""
    assert code in codes(d), f"{code} not in {sorted(codes(d))} ({d.decision})"
    return next(r.evidence for r in d.reasons if r.code == code)


def has(decisions: list[Decision], code: str) -> list[bool]:
    """Whether each decision carries a reason code."""
    return [code in codes(d) for d in decisions]


async def listed(engine: Engine, value: str, country: str = "CN") -> None:
    """Put one phone on the watch list, as an officer types it."""
    await engine.set_listed([phone_entry(value, country)])


def post(client: ScoringClient, wb: Body) -> Any:
    """POST /v1/score, the raw response."""
    return client.http.post("/v1/score", json=wb)


def assert_422_at(client: ScoringClient, wb: Body, locs: list[list[str]], *typed: str) -> None:
    """A 422 naming exactly these fields, that echoes nothing typed and leaves no decision behind."""
    r = post(client, wb)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert sorted(e["loc"] for e in detail) == sorted(locs)
    assert all(e["msg"] for e in detail)
    assert all(text.strip() not in r.text for text in typed)
    back = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert back.status_code == 404, back.text


# 1. Mainland mobiles: punctuation, labels and widths around one number ---------------------------------


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("＋８６ １３９ １１１１ ２２２２", id="full-width-plus-and-digits"),
        pytest.param("（+86）139 1111 2222", id="full-width-parentheses"),
        pytest.param("139－1111－2222", id="full-width-hyphen"),
        pytest.param("139—1111—2222", id="em-dash"),
        pytest.param("139\u30001111\u30002222", id="ideographic-space"),
        pytest.param("13911112222；", id="trailing-chinese-semicolon"),
        pytest.param("电话：13911112222", id="label-dianhua"),
    ],
)
async def test_a_listed_mainland_mobile_matches_its_writing_as_sender_and_receiver(
    engine: Engine, written: str
) -> None:
    """README: one phone however typed (+86, separators, full-width digits); a list reaches both roles."""
    await listed(engine, "13911112222")
    as_sender = await score(engine, waybill(sender=party(phone=written)))
    as_receiver = await score(engine, waybill(receiver=cn_receiver(phone=written)))
    assert (as_sender.decision, hits(as_sender)) == ("hold", [("sender_phone", ["watch"])])
    assert (as_receiver.decision, hits(as_receiver)) == ("hold", [("receiver_phone", ["watch"])])


# 2. Mainland landlines: brackets, widths, country code, extensions --------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("（010）6552－9988", id="full-width-brackets-and-hyphen"),
        pytest.param("０１０－６５５２９９８８", id="full-width-throughout"),
        pytest.param("+86 (0)10 6552 9988", id="e164-with-trunk-zero"),
        pytest.param("86 10 6552 9988", id="country-code-without-plus"),
        pytest.param("６５５２ ９９８８", id="bare-full-width-in-beijing"),
        pytest.param("010-6552 9988 ext. 12", id="extension-ext"),
        pytest.param("010-65529988 x12", id="extension-x"),
    ],
)
async def test_a_listed_beijing_landline_matches_its_writings(engine: Engine, written: str) -> None:
    """README: one phone however typed; a bare landline takes its city's code (Beijing: 010)."""
    await listed(engine, "010-6552 9988")
    d = await score(engine, waybill(receiver=in_city(1, BEIJING, written)))
    assert (d.decision, hits(d)) == ("hold", [("receiver_phone", ["watch"])])


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("010-65529988转12", id="zhuan"),
        pytest.param("010-6552 9988 分机 12", id="fenji"),
    ],
)
async def test_a_chinese_extension_mark_is_the_same_line_as_an_english_one(
    engine: Engine, written: str
) -> None:
    """Contract: a possible number is accepted; README: one phone however typed (转 is 'ext.' in Chinese)."""
    await listed(engine, "010-6552 9988")
    d = await score(engine, waybill(receiver=in_city(1, BEIJING, written)))
    assert (d.decision, hits(d)) == ("hold", [("receiver_phone", ["watch"])])


# 3. Municipalities and cities sharing an area code -------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "place", "written", "hit"),
    [
        pytest.param("022-2345 6789", TIANJIN, "2345 6789", True, id="tianjin-bare"),
        pytest.param("022-2345 6789", CHONGQING, "2345 6789", False, id="tianjin-entry-chongqing-bare"),
        pytest.param(
            "023-2345 6789",
            ("重庆市", "市辖区", "渝中区"),
            "23456789",
            True,
            id="chongqing-city-field-shixiaqu",
        ),
        pytest.param("024-8765 4321", TIELING, "8765 4321", True, id="tieling-shares-024"),
        pytest.param("024-8765 4321", FUSHUN, "8765-4321", True, id="fushun-shares-024"),
        pytest.param("024-8765 4321", DALIAN, "8765 4321", False, id="dalian-is-0411"),
        pytest.param("0354-301 2345", JINZHONG, "0354 301 2345", True, id="jinzhong-with-code"),
        pytest.param("0354-301 2345", JINZHONG, "301 2345", False, id="jinzhong-bare-keyed-by-digits"),
    ],
)
async def test_a_bare_landline_takes_the_code_of_its_city(
    engine: Engine, entry: str, place: Place, written: str, hit: bool
) -> None:
    """README: a bare landline takes the code of the address's city; 晋中 and 吕梁 stay keyed by digits."""
    await listed(engine, entry)
    d = await score(engine, waybill(receiver=in_city(2, place, written)))
    if hit:
        assert (d.decision, hits(d)) == ("hold", [("receiver_phone", ["watch"])])
    else:
        assert "WATCHLIST_HIT" not in codes(d)
        assert d.decision == "release"


@pytest.mark.parametrize(
    ("fifth", "fires"),
    [
        pytest.param(TIELING, True, id="fifth-in-tieling"),
        pytest.param(DALIAN, False, id="fifth-in-dalian"),
    ],
)
async def test_a_fifth_parcel_to_the_bare_digits_in_a_city_sharing_024_completes_the_ring(
    engine: Engine, fifth: Place, fires: bool
) -> None:
    """ANT_MOVING_RECEIVER by phone: 024 is the code of 沈阳, 铁岭 and 抚顺 alike; 大连 is 0411."""
    receivers = [in_city(i, SHENYANG, w) for i, w in enumerate(["024-8765 4321", "+86 24 8765 4321"] * 2)]
    receivers.append(in_city(4, fifth, "8765 4321"))
    decisions = await run(engine, ring_to(receivers))
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    if not fires:
        assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])
        return
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 3)
    assert decisions[4].decision == "hold"


@pytest.mark.parametrize(
    ("third", "fires"),
    [
        pytest.param(TIANJIN, True, id="third-bare-in-tianjin"),
        pytest.param(CHONGQING, False, id="third-bare-in-chongqing"),
    ],
)
async def test_hired_senders_on_one_tianjin_landline_are_one_near_limit_splitter(
    engine: Engine, third: Place, fires: bool
) -> None:
    """NEAR_LIMIT_SPLIT: 3 parcels in [0.9 L, L) of one sender phone; a bare landline is its city's."""
    phones = [(TIANJIN, "022-2345 6789"), (TIANJIN, "+86 22 2345 6789"), (third, "2345 6789")]
    trio = [
        export(
            hired(400 + i, phone=p, address=cn_address((*place, f"南京路{i + 1}号{i + 1}栋"))),
            abroad("HK", 40 + i),
            760.0,
            hours=i * 30,
        )
        for i, (place, p) in enumerate(phones)
    ]
    decisions = await run(engine, trio)
    assert not any(has(decisions[:2], "NEAR_LIMIT_SPLIT"))
    if not fires:
        assert "NEAR_LIMIT_SPLIT" not in codes(decisions[2])
        return
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == ("sender_phone", 3)
    assert set(ev["linked_waybills"]) == numbers(trio[:2])


# 4. Numbers abroad: written locally or internationally ------------------------------------------------


@pytest.mark.parametrize(
    ("country", "entry", "written"),
    [
        pytest.param("TW", "+886 912 345 678", "0912-345-678", id="taiwan-mobile-local"),
        pytest.param("TW", "+886 912 345 678", "00886 912 345 678", id="taiwan-mobile-dialled-00"),
        pytest.param("TW", "+886 2 2345 6789", "(02) 2345-6789", id="taipei-landline-local"),
        pytest.param("KR", "+82 10 1234 5678", "010-1234-5678", id="korea-mobile-local"),
        pytest.param("KR", "+82 10 1234 5678", "0082 10 1234 5678", id="korea-mobile-dialled-00"),
        pytest.param("KR", "+82 2 312 3456", "02-312-3456", id="seoul-landline-local"),
        pytest.param("HK", "+852 9123 4567", "852 9123 4567", id="hong-kong-code-without-plus"),
        pytest.param("MO", "+853 6612 3456", "6612-3456", id="macau-local"),
        pytest.param("US", "+1 415 555 0100", "1 415 555 0100", id="us-leading-one"),
        pytest.param("US", "+1 415 555 0100", "001 415 555 0100", id="us-dialled-00"),
        pytest.param("JP", "+81 90 1234 5678", "+81 (0)90 1234 5678", id="japan-trunk-zero"),
        pytest.param("JP", "+81 90 1234 5678", "81-90-1234-5678", id="japan-code-without-plus"),
    ],
)
async def test_a_listed_number_abroad_matches_its_local_and_international_writings(
    engine: Engine, country: str, entry: str, written: str
) -> None:
    """README: one phone however typed, a number abroad dialled 00… from the mainland included."""
    await listed(engine, entry)
    d = await score(engine, export_postal(receiver=far(country, 1, written)))
    assert (d.decision, hits(d)) == ("hold", [("receiver_phone", ["watch"])])


@pytest.mark.parametrize(
    ("entry", "entry_country", "receiver"),
    [
        pytest.param("6612 3456", "HK", far("MO", 2, "6612 3456"), id="hong-kong-digits-in-macau"),
        pytest.param("6612 3456", "MO", far("HK", 2, "6612 3456"), id="macau-digits-in-hong-kong"),
        pytest.param(
            "010-6552-9988", "KR", in_city(2, BEIJING, "010-6552 9988"), id="korean-digits-in-beijing"
        ),
        pytest.param("010-6552 9988", "CN", far("KR", 2, "010-6552-9988"), id="beijing-digits-in-korea"),
        pytest.param("9123 4567", "HK", in_city(2, SHANGHAI, "9123 4567"), id="hong-kong-digits-in-shanghai"),
    ],
)
async def test_the_same_local_digits_in_two_countries_are_two_phones(
    engine: Engine, entry: str, entry_country: str, receiver: Body
) -> None:
    """README: a number is read in its address's country; the same digits elsewhere are another phone."""
    await listed(engine, entry, entry_country)
    abroad_receiver = receiver["address"]["country"] != "CN"
    d = await score(
        engine, export_postal(receiver=receiver) if abroad_receiver else waybill(receiver=receiver)
    )
    assert "WATCHLIST_HIT" not in codes(d)
    assert d.decision == "release"


# 5. A mainland mobile given by a receiver abroad ---------------------------------------------------------


@pytest.mark.parametrize("country", ["KR", "JP"])
async def test_a_mainland_mobile_of_a_receiver_in_asia_is_the_listed_mainland_mobile(
    engine: Engine, country: str
) -> None:
    """README: a mainland mobile given for a receiver abroad is the same phone."""
    await listed(engine, "13911112222")
    d = await score(engine, export_postal(receiver=far(country, 3, "139 1111 2222")))
    assert hits(d) == [("receiver_phone", ["watch"])]


async def test_a_valid_us_number_with_its_leading_one_is_the_us_number(engine: Engine) -> None:
    """In the North American plan 1 415 555 0100 is the US number, not a mainland one."""
    await listed(engine, "+1 415 555 0100")
    d = await score(engine, export_postal(receiver=far("US", 3, "14155550100")))
    assert hits(d) == [("receiver_phone", ["watch"])]


@pytest.mark.parametrize("country", ["US", "CA"])
async def test_a_mainland_mobile_of_a_receiver_in_north_america_is_the_listed_mainland_mobile(
    engine: Engine, country: str
) -> None:
    """README: 'a mainland mobile given for a receiver abroad' is one phone with the mainland mobile."""
    await listed(engine, "13911112222")
    d = await score(engine, export_postal(receiver=far(country, 3, "13911112222")))
    assert hits(d) == [("receiver_phone", ["watch"])]


@pytest.mark.parametrize("country", ["HK", "JP"])
async def test_a_mainland_mobile_with_86_but_no_plus_abroad_is_the_mainland_mobile(
    engine: Engine, country: str
) -> None:
    """README: a mainland mobile given for a receiver abroad; '86 139…' is accepted as one on the mainland."""
    await listed(engine, "13911112222")
    d = await score(engine, export_postal(receiver=far(country, 3, "86 139 1111 2222")))
    assert hits(d) == [("receiver_phone", ["watch"])]


# 6. Numbers that are no phone: a 422 naming the field ---------------------------------------------------


@pytest.mark.parametrize(
    ("role", "country", "phone"),
    [
        pytest.param("sender", "CN", "+86", id="country-code-alone"),
        pytest.param("sender", "CN", "0086", id="international-prefix-alone"),
        pytest.param("sender", "CN", "13800138000 / 13900139000", id="two-numbers-in-one-field"),
        pytest.param("receiver", "KR", "+82 10", id="korea-too-short"),
        pytest.param("receiver", "JP", "090-1234", id="japan-too-short"),
        pytest.param("receiver", "US", "12345", id="us-five-digits"),
    ],
)
def test_a_phone_that_is_no_possible_number_is_a_422_at_its_field(
    client: ScoringClient, role: str, country: str, phone: str
) -> None:
    """Contract: a possible number is accepted, bad input a 422 naming the field; nothing echoed or kept."""
    if role == "sender":
        wb = waybill(sender=party(phone=phone))
    else:
        wb = export_postal(receiver=far(country, 4, phone))
    assert_422_at(client, wb, [["body", role, "phone"]], phone)


def test_both_impossible_phones_are_named(client: ScoringClient) -> None:
    """Contract: the 422 names every offending field."""
    wb = export_postal(sender=party(phone="0086"), receiver=far("KR", 4, "+82 10"))
    assert_422_at(client, wb, [["body", "sender", "phone"], ["body", "receiver", "phone"]], "+82 10")


def test_a_phone_and_an_id_both_malformed_are_both_named(client: ScoringClient) -> None:
    """Contract: every offending field is named; an ID of the wrong characters is a 422 too."""
    wb = waybill(sender=party(phone="+86 138", id_number="110105-19491231-002X"))
    assert_422_at(client, wb, [["body", "sender", "phone"], ["body", "sender", "id_number"]], "19491231")


# 7. Counting phones abroad through the engine ------------------------------------------------------------

KOREAN_MOBILE = [
    "010-1234-5678",
    "+82 10 1234 5678",
    "01012345678",
    "0082-10-1234-5678",
    "+82 (0)10-1234-5678",
]


async def test_five_receivers_in_korea_on_one_mobile_in_five_writings_are_one_ring_receiver(
    engine: Engine,
) -> None:
    """ANT_MOVING_RECEIVER: ≥ 5 parcels in 7 days to one receiver phone, ≥ 3 senders, together ≥ 3·L."""
    ring_parcels = [
        export(hired(500 + i), far("KR", i, p), 700.0, hours=i * 10) for i, p in enumerate(KOREAN_MOBILE)
    ]
    decisions = await run(engine, ring_parcels)
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 5)
    assert (ev["per_parcel_limit"], ev["total_value"]) == (1000.0, 3500.0)
    assert set(ev["linked_waybills"]) == numbers(ring_parcels[:4])


@pytest.mark.parametrize(
    ("fifth", "fires"),
    [
        pytest.param(far("HK", 5, "+852 6612 3456"), True, id="fifth-hong-kong-international"),
        pytest.param(far("MO", 5, "6612 3456"), False, id="fifth-same-digits-in-macau"),
    ],
)
async def test_the_same_local_digits_in_macau_do_not_complete_a_hong_kong_ring(
    engine: Engine, fifth: Body, fires: bool
) -> None:
    """ANT_MOVING_RECEIVER by phone: 6612 3456 in Hong Kong and in Macau are two receivers."""
    receivers = [
        far("HK", i, w) for i, w in enumerate(["6612 3456", "6612-3456", "(852) 6612 3456", "66123456"])
    ]
    parcels = [export(hired(510 + i), r, 600.0, hours=i * 10) for i, r in enumerate([*receivers, fifth])]
    decisions = await run(engine, parcels)
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    if not fires:
        assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])
        return
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["per_parcel_limit"]) == ("receiver_phone", 5, 800.0)


async def test_same_goods_to_one_taiwan_mobile_in_five_writings_is_a_fanout(engine: Engine) -> None:
    """SAME_GOODS_FANOUT: one goods on ≥ 5 cross-border parcels of one entity in 7 days, ≥ 3 counterparts."""
    writings = ["0912-345-678", "+886 912 345 678", "00886 912345678", "+886 (0)912-345-678", "0912 345 678"]
    parcels = [
        export(hired(520 + i % 3), far("TW", i, p), 150.0, hours=i * 20, items=goods(150.0))
        for i, p in enumerate(writings)
    ]
    decisions = await run(engine, parcels)
    assert not any(has(decisions[:4], "SAME_GOODS_FANOUT"))
    ev = evidence(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["entity"], ev["parcels"], ev["counterparts"]) == ("receiver_phone", 5, 3)


@pytest.mark.parametrize(
    ("phones", "fires"),
    [
        pytest.param([*KOREAN_MOBILE, "010 1234 5678"], False, id="one-korean-mobile-six-writings"),
        pytest.param(
            [
                "010-1234-5678",
                "+82 10 1234 5678",
                "010-2222-3333",
                "+82 10 2222 3333",
                "010-4444-5555",
                "01044445555",
            ],
            True,
            id="three-korean-mobiles-two-writings-each",
        ),
    ],
)
async def test_a_senders_distinct_receivers_abroad_are_counted_by_phone(
    engine: Engine, phones: list[str], fires: bool
) -> None:
    """ANT_MOVING_SENDER needs ≥ 3 distinct receivers; README: receivers without an ID are people by phone."""
    sender = hired(530)
    parcels = [export(sender, far("KR", i, p), 700.0, hours=i * 0.5) for i, p in enumerate(phones)]
    decisions = await run(engine, parcels)
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    if not fires:
        assert "ANT_MOVING_SENDER" not in codes(decisions[5])
        return
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"], ev["distinct_receivers"]) == ("sender_id", 6, 3)


@pytest.mark.parametrize(
    ("phones", "fires"),
    [
        pytest.param(KOREAN_MOBILE, False, id="one-korean-sender-five-writings"),
        pytest.param(
            ["02-312-3456", "+82 2 312 3456", "010-2222-3333", "0082 10 2222 3333", "051-640-3114"],
            True,
            id="three-korean-senders",
        ),
    ],
)
async def test_a_receivers_distinct_senders_abroad_are_counted_by_phone(
    engine: Engine, phones: list[str], fires: bool
) -> None:
    """ANT_MOVING_RECEIVER needs ≥ 3 distinct senders; senders abroad (no ID asked) are people by phone."""
    receiver = cn_receiver(phone="13600551234")
    parcels = [import_postal(far("KR", i, p), receiver, 700.0, hours=i * 10) for i, p in enumerate(phones)]
    decisions = await run(engine, parcels)
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    if not fires:
        assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])
        return
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"]) == (5, 3)


@pytest.mark.parametrize(
    ("ref", "receiver", "reached"),
    [
        pytest.param({"value": "+82 10 1234 5678"}, far("KR", 6, "010-1234-5678"), True, id="korea-local"),
        pytest.param(
            {"value": "010-1234-5678", "country": "KR"},
            far("KR", 6, "0082 10 1234 5678"),
            True,
            id="korea-00",
        ),
        pytest.param(
            {"value": "010-1234-5678", "country": "KR"},
            in_city(6, BEIJING, "010-1234 5678"),
            False,
            id="korean-violation-beijing-digits",
        ),
    ],
)
async def test_a_violation_of_a_foreign_phone_reaches_its_writings_in_its_country_only(
    engine: Engine, ref: Body, receiver: Body, reached: bool
) -> None:
    """PRIOR_VIOLATIONS: an entity's confirmed violation inspects its next parcel; one phone however typed."""
    await engine.record_violations([violation({"kind": "phone"} | ref, AUTUMN, "SF:SF0000000901")])
    abroad_receiver = receiver["address"]["country"] != "CN"
    d = await score(
        engine, export_postal(receiver=receiver) if abroad_receiver else waybill(receiver=receiver)
    )
    if not reached:
        assert "PRIOR_VIOLATIONS" not in codes(d)
        assert d.decision == "release"
        return
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == ("receiver_phone", 1, "inspect")


# 8. Identity numbers: the Beijing calendar day, region codes, separators ----------------------------------


@pytest.mark.parametrize(
    ("birth", "accepted_at", "false"),
    [
        pytest.param("20261111", "2026-11-11T00:30:00+08:00", False, id="born-on-the-beijing-pickup-day"),
        pytest.param("20261111", "2026-11-10T16:30:00Z", False, id="same-instant-written-in-utc"),
        pytest.param("20261112", "2026-11-11T23:30:00Z", False, id="utc-evening-is-the-next-beijing-day"),
        pytest.param("20261112", "2026-11-11T15:59:00Z", True, id="utc-1559-is-still-the-beijing-day-before"),
    ],
)
async def test_a_birth_date_is_judged_against_the_beijing_day_of_pickup(
    engine: Engine, birth: str, accepted_at: str, false: bool
) -> None:
    """RULES §3: ID_INVALID for a birth date that is wrong (after the pickup); event time, Beijing day."""
    number = resident_id(region="110105", birth=birth, seq="018")
    d = await score(engine, waybill(sender=party(id_number=number), accepted_at=accepted_at))
    if false:
        ev = evidence(d, "ID_INVALID")
        assert (ev["party"], ev["problem"], d.decision) == ("sender", "birth_date", "reject")
        return
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


@pytest.mark.parametrize("region", ["000000", "123456", "999999"])
async def test_a_region_code_is_not_what_makes_an_id_false(engine: Engine, region: str) -> None:
    """RULES §1/§3: ID_INVALID is a wrong check digit or birth date; the region code is not checked."""
    number = resident_id(region=region, birth="19800101", seq="123")
    d = await score(engine, waybill(sender=party(id_number=number)))
    assert not codes(d) & ID_CODES
    assert d.decision == "release"


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("resident_id", "110105-19491231-002X", id="resident-hyphens"),
        pytest.param("resident_id", "11010519491231\u3000002X", id="resident-ideographic-space"),
        pytest.param("resident_id", "11010519491231002X号", id="resident-trailing-hao"),
        pytest.param("temporary_id", "（11010519491231002X）", id="temporary-full-width-brackets"),
        pytest.param("uscc", "91110000-600037341-L", id="uscc-hyphens"),
    ],
)
def test_separators_inside_an_id_number_are_a_422_at_the_id_number(
    client: ScoringClient, id_type: str, number: str
) -> None:
    """Contract: 18 characters with the check digit; an ID number with wrong characters is a 422."""
    wb = waybill(sender=party(id_type=id_type, id_number=number))
    assert_422_at(client, wb, [["body", "sender", "id_number"]], number, number[6:14])


# 9. Identity documents through the engine: receivers on postal imports, people by ID before phone ---------

PASSPORT = "EJ7QK39M2"
CITIZEN = with_x("440106", "19830303")
HK_RESIDENT = with_x("810000", "19910909")


@pytest.mark.parametrize(
    "documents",
    [
        pytest.param(
            [("passport", PASSPORT), ("passport", PASSPORT.lower()), ("passport", " Ej7qK39m2 ")] * 2,
            id="one-passport-in-three-cases",
        ),
        pytest.param(
            [("resident_id", CITIZEN), ("temporary_id", CITIZEN.lower()), ("resident_id", CITIZEN.lower())]
            * 2,
            id="citizen-resident-and-temporary",
        ),
        pytest.param(
            [
                ("hk_macau_permit", HK_RESIDENT),
                ("temporary_id", HK_RESIDENT.lower()),
                ("resident_id", HK_RESIDENT),
            ]
            * 2,
            id="hk-residence-permit-temporary-and-resident",
        ),
    ],
)
async def test_one_receiver_document_on_postal_imports_is_one_ring_receiver(
    engine: Engine, documents: list[tuple[str, str]]
) -> None:
    """ANT_MOVING_RECEIVER by receiver ID; README: one citizen number is one person (temporary, 81 permit)."""
    receivers = [
        receiver_in(i, city_place(i), f"1370066{i:04d}", id_type=t, id_number=n)
        for i, (t, n) in enumerate(documents[:5])
    ]
    decisions = await run(engine, ring_to(receivers))
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_id", 5, 3)
    assert decisions[4].decision == "hold"


async def test_one_number_on_a_passport_and_a_travel_permit_is_two_receivers(engine: Engine) -> None:
    """Two documents are two identities unless the sources join them (only citizen numbers are joined)."""
    documents = [("passport" if i % 2 else "hk_macau_permit", "C12345678") for i in range(5)]
    receivers = [
        receiver_in(i, city_place(i), f"1370067{i:04d}", id_type=t, id_number=n)
        for i, (t, n) in enumerate(documents)
    ]
    decisions = await run(engine, ring_to(receivers))
    assert not any(has(decisions, "ANT_MOVING_RECEIVER"))


@pytest.mark.parametrize(
    ("one_person", "fires"),
    [
        pytest.param(False, True, id="five-citizens-sharing-one-phone"),
        pytest.param(True, False, id="one-citizen-in-forms-on-one-phone"),
    ],
)
async def test_a_receivers_distinct_senders_are_people_by_id_before_phone(
    engine: Engine, one_person: bool, fires: bool
) -> None:
    """README: distinct senders are people by the ID the lane asks for (real-name pickup), else by phone."""
    forms = [("resident_id", CITIZEN), ("temporary_id", CITIZEN.lower())]
    senders = [
        hired(
            540 + i,
            phone="13900990000",
            **(
                {"id_type": forms[i % 2][0], "id_number": forms[i % 2][1]}
                if one_person
                else {"id_number": resident_id(region="440106", birth="19830303", seq=f"{600 + i}")}
            ),
        )
        for i in range(5)
    ]
    receiver = far("HK", 90, "+852 9300 0090")
    decisions = await run(engine, [export(s, receiver, 600.0, hours=i * 10) for i, s in enumerate(senders)])
    assert not any(has(decisions[:4], "ANT_MOVING_RECEIVER"))
    if not fires:
        assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])
        return
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"]) == (5, 5)


async def test_a_hong_kong_residence_permit_and_its_temporary_id_are_one_ant_sender(engine: Engine) -> None:
    """README: a temporary ID and an 81 residence permit both match the resident ID of the same number."""
    documents = [("hk_macau_permit" if i % 2 else "temporary_id", HK_RESIDENT) for i in range(6)]
    decisions = await run(engine, ring(documents))
    assert not any(has(decisions[:5], "ANT_MOVING_SENDER"))
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"]) == ("sender_id", 6)
