"""Who counts as the same entity: addresses and phones written many ways, as they decide rings, lists and
prior violations.

Written from ../shared/domain/RULES.md §3 (ANT_MOVING_RECEIVER: "one receiver (ID, phone or normalised
address)"; ANT_MOVING_SENDER; SAME_GOODS_FANOUT; NEAR_LIMIT_SPLIT; WATCHLIST_HIT: "sender, receiver, phone,
address or account on a watch/black list"; PRIOR_VIOLATIONS: "an entity of the parcel"),
../shared/contract/README.md (Party.phone: "mainland mobile/landline or E.164"; Address: country, province,
city, district, detail, postcode) and the README ("by receiver ID, phone or building-level address";
"A listed address, or a violation recorded on one, reaches both" roles).

Reading used here: the README counts an address at building level, so two flats of one building are one
address entity (tested as the service's stated reading, not as a rule of RULES.md), while another building,
door number, road, district or city is another address. Every receiver in the address rings below has its
own name and phone and no ID, so only the address can tie the parcels together.
"""

import json
from typing import Any

import pytest
from pydantic import ValidationError

from screening.contract import Decision
from screening.engine import Engine
from screening.watchlists import ListEntry, Violation
from tests.conftest import ScoringClient
from tests.factories import Whole, cn_receiver, export_postal, hk_receiver, party, resident_id, waybill
from tests.screening.test_scenarios import codes, reason_of, score
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_rings import export, goods, import_postal, mainland, run

pytestmark = pytest.mark.anyio

Body = dict[str, Any]
Fields = tuple[str, str, str, str]  # province, city, district, detail

# One building in Shenzhen's Nanshan: 科苑路15号 阳光花园 building 3.
BUILDING: Fields = ("广东省", "深圳市", "南山区", "科苑路15号阳光花园3栋1单元201室")

# The same building as couriers type it: suffixes dropped, the prefix repeated in the detail, Chinese
# numerals, 号楼/幢/座/#, full-width digits, traditional characters, spaces and punctuation, a sub-district,
# 第, floors, units and rooms (each one another flat of the building).
SAME_BUILDING: dict[str, Fields] = {
    "suffixes-dropped": ("广东", "深圳", "南山", "科苑路15号阳光花园3号楼502"),
    "prefix-in-detail-chinese-numeral-zhuang": (
        "广东省",
        "深圳市",
        "南山区",
        "广东省深圳市南山区科苑路15号阳光花园三幢 1101室",
    ),
    "full-width-hash": ("广东省", "深圳市", "南山区", "科苑路１５号阳光花园３＃２单元１６０２"),
    "traditional": ("廣東省", "深圳市", "南山區", "科苑路15號陽光花園3棟 2單元 901室"),
    "spaces-punctuation-zuo-dash": ("广东省", "深圳市", "南山区", "科苑路 15 号，阳光花园（3 座）1-1203"),
    "sub-district-ordinal-floor": ("广东省", "深圳市", "南山区", "粤海街道科苑路15号阳光花园第3栋12楼1202"),
    "bare-prefix-building-unit-room": ("广东省", "深圳市", "南山区", "深圳南山科苑路15号阳光花园3-2-301"),
    "chinese-numerals-throughout": ("广东省", "深圳市", "南山区", "科苑路十五号阳光花园3号楼二单元二零一室"),
    "country-prefix": ("广东省", "深圳市", "南山区", "中国广东深圳市南山区科苑路15号 阳光花园3栋"),
    "floor-as-f": ("广东省", "深圳", "南山区", "科苑路15号阳光花园3栋12/F"),
    "note-in-brackets": ("广东省", "深圳市", "南山区", "科苑路15号阳光花园3栋201室（放门口）"),
}

# Genuinely other places, each one step away from BUILDING.
OTHER_PLACE: dict[str, Fields] = {
    "next-building": ("广东省", "深圳市", "南山区", "科苑路15号阳光花园4栋201"),
    "building-plus-ten": ("广东省", "深圳市", "南山区", "科苑路15号阳光花园十三栋201"),
    "next-door-number": ("广东省", "深圳市", "南山区", "科苑路16号阳光花园3栋201"),
    "door-number-extra-digit": ("广东省", "深圳市", "南山区", "科苑路115号阳光花园3栋201"),
    "other-road": ("广东省", "深圳市", "南山区", "科技路15号阳光花园3栋201"),
    "north-road-of-the-same-name": ("广东省", "深圳市", "南山区", "科苑北路15号阳光花园3栋201"),
    "same-street-other-district": ("广东省", "深圳市", "福田区", "科苑路15号阳光花园3栋201"),
    "same-street-other-city": ("广东省", "广州市", "天河区", "科苑路15号阳光花园3栋201"),
    "same-district-name-other-city": ("黑龙江省", "鹤岗市", "南山区", "科苑路15号阳光花园3栋201"),
    "lettered-building": ("广东省", "深圳市", "南山区", "科苑路15号阳光花园B3栋201"),
}


# Helpers ------------------------------------------------------------------------------------------------


def cn_address(fields: Fields) -> Body:
    """A mainland address from (province, city, district, detail)."""
    province, city, district, detail = fields
    return {"country": "CN", "province": province, "city": city, "district": district, "detail": detail}


def someone_at(n: int, fields: Fields, **changes: Any) -> Body:
    """The n-th receiver (own name and phone, no ID) at a mainland address."""
    return cn_receiver(name=f"甄收件{n}", phone=f"1362222{n:04d}", address=cn_address(fields), **changes)


def sender_at(n: int, fields: Fields) -> Body:
    """The n-th mainland sender (own name, phone and ID) handing over at a mainland address."""
    return Whole(mainland(300 + n) | {"address": Whole(cn_address(fields))})


def ring_to(receivers: list[Body], value: float = 650.0, step_h: float = 10.0) -> list[Body]:
    """Postal imports from three Japanese senders in turn, one per receiver, step_h hours apart."""
    return [import_postal(abroad("JP", i % 3), r, value, hours=i * step_h) for i, r in enumerate(receivers)]


def address_entry(address: Body, name: str = "watch", listed: bool = True) -> ListEntry:
    """A list entry of a building."""
    return ListEntry.model_validate({"kind": "address", "address": address, "list": name, "listed": listed})


def phone_entry(value: str, country: str = "CN") -> ListEntry:
    """A watch-list entry of a phone number."""
    return ListEntry.model_validate({"kind": "phone", "value": value, "country": country})


def hits(d: Decision) -> list[tuple[str, list[str]]]:
    """(entity, lists) of every listed entity WATCHLIST_HIT names; [] without the reason."""
    if "WATCHLIST_HIT" not in codes(d):
        return []
    return [(h["entity"], h["lists"]) for h in reason_of(d, "WATCHLIST_HIT")["hits"]]


def rings_by(decisions: list[Decision]) -> list[str]:
    """The entity kind of every ANT_MOVING_RECEIVER among some decisions."""
    return [
        reason_of(d, "ANT_MOVING_RECEIVER")["entity"] for d in decisions if "ANT_MOVING_RECEIVER" in codes(d)
    ]


def violation(ref: Body, at: str, parcel: str) -> Violation:
    """A confirmed violation of an identifier."""
    return Violation.model_validate({**ref, "at": at, "parcel": parcel})


def foreign(country: str, detail: str, **fields: str | None) -> Body:
    """A receiver abroad (no ID) at an address given field by field."""
    address: Body = {"country": country, "province": None, "city": None, "district": None, "detail": detail}
    return hk_receiver(name="RECEIVER ABROAD", phone="+85291230000", address=Whole(address | fields))


ABROAD: dict[str, Body] = {
    "HK": {"city": "Hong Kong", "detail": "7 Nathan Road"},
    "MO": {"city": "Macau", "detail": "Rua 7"},
    "TW": {"city": "Taipei", "detail": "7 Zhongshan Rd"},
    "JP": {"province": "Tokyo", "city": "Minato-ku", "detail": "7-1 Roppongi"},
    "US": {"province": "NY", "city": "New York", "detail": "7 Wall Street"},
    "GB": {"city": "London", "detail": "7 Baker Street"},
    "SG": {"city": "Singapore", "detail": "7 Orchard Road"},
}


def party_abroad(country: str, phone: str, n: int = 7) -> Body:
    """A party (no ID) with the given phone at an address in one of the ABROAD countries."""
    address = {"country": country, "province": None, "city": None, "district": None} | ABROAD[country]
    return hk_receiver(name=f"PARTY {country} {n}", phone=phone, address=Whole(address))


def receiver_abroad(country: str, phone: str) -> Body:
    """A receiver abroad with the given phone, at a fixed address of that country."""
    return party_abroad(country, phone)


# ANT_MOVING_RECEIVER: one building written many ways --------------------------------------------------


async def test_five_cbec_buyers_at_one_building_written_five_ways_are_one_receiver(
    history_engine: Engine,
) -> None:
    """Hired buyers: five IDs and phones, three shops, one building in five writings: held by address."""
    writings = [BUILDING, *(SAME_BUILDING[k] for k in ("suffixes-dropped", "full-width-hash", "traditional"))]
    writings.append(SAME_BUILDING["spaces-punctuation-zuo-dash"])
    buyers = [
        someone_at(n, w, id_type="resident_id", id_number=resident_id(region="440305", seq=f"{n + 401:03d}"))
        for n, w in enumerate(writings)
    ]
    ring = [
        import_postal(abroad("HK", i % 3), buyer, 3000.0, hours=i * 20, channel="cbec", items=goods(3000.0))
        for i, buyer in enumerate(buyers)
    ]
    decisions = await run(history_engine, ring)
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 3)
    assert (ev["per_parcel_limit"], ev["total_value"]) == (5000.0, 15000.0)
    assert set(ev["linked_waybills"]) == {wb["waybill_no"] for wb in ring[:4]}
    assert decisions[4].decision == "hold"


async def test_postal_imports_to_one_building_in_five_writings_over_six_days_are_held(
    history_engine: Engine,
) -> None:
    keys = ["sub-district-ordinal-floor", "bare-prefix-building-unit-room", "chinese-numerals-throughout"]
    writings = [BUILDING, *(SAME_BUILDING[k] for k in keys), SAME_BUILDING["country-prefix"]]
    ring = ring_to([someone_at(n, w) for n, w in enumerate(writings)], step_h=36)
    decisions = await run(history_engine, ring)
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["window"], ev["total_value"]) == (
        "receiver_address",
        5,
        "7d",
        3250.0,
    )
    assert decisions[4].decision == "hold"


# Writings the full rings above do not use.
FIFTH = [
    "spaces-punctuation-zuo-dash",
    "prefix-in-detail-chinese-numeral-zhuang",
    "floor-as-f",
    "note-in-brackets",
]


@pytest.mark.parametrize("writing", FIFTH)
async def test_a_fifth_parcel_to_the_building_in_another_writing_completes_the_ring(
    engine: Engine, writing: str
) -> None:
    ring = ring_to([someone_at(n, BUILDING) for n in range(4)] + [someone_at(4, SAME_BUILDING[writing])])
    decisions = await run(engine, ring)
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[3])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 3)


@pytest.mark.parametrize(
    "place",
    [
        "building-plus-ten",
        "door-number-extra-digit",
        "same-street-other-district",
        "same-district-name-other-city",
    ],
)
async def test_a_fifth_parcel_to_another_place_does_not_complete_the_ring(engine: Engine, place: str) -> None:
    ring = ring_to([someone_at(n, BUILDING) for n in range(4)] + [someone_at(4, OTHER_PLACE[place])])
    decisions = await run(engine, ring)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in decisions)
    # The four parcels to the building are still counted: a fifth to it completes the ring.
    fifth = import_postal(abroad("JP", 1), someone_at(5, BUILDING), 650.0, hours=45)
    ev = reason_of(await score(engine, fifth), "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"]) == ("receiver_address", 5)


async def test_five_flats_of_one_building_are_one_receiver_address(engine: Engine) -> None:
    """The README's building-level reading: different flats of one building are one address entity."""
    flats = ["1单元201室", "1单元1502室", "2单元302", "3单元2101室", "2单元1801"]
    ring = ring_to([someone_at(n, (*BUILDING[:3], f"科苑路15号阳光花园3栋{f}")) for n, f in enumerate(flats)])
    ev = reason_of((await run(engine, ring))[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"]) == ("receiver_address", 5)


async def test_five_buildings_written_alike_stay_five_receivers(engine: Engine) -> None:
    """Buildings 3, 13, 23, 30 and 33 of one compound share digits but not a building."""
    buildings = ["3栋", "13栋", "二十三栋", "30号楼", "33幢"]
    ring = ring_to(
        [someone_at(n, (*BUILDING[:3], f"科苑路15号阳光花园{b}201")) for n, b in enumerate(buildings)]
    )
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in await run(engine, ring))


async def test_same_goods_to_one_building_in_five_writings_is_a_fanout(engine: Engine) -> None:
    """Cheap parcels (no ant ring): the same goods from three senders to one building, five writings."""
    writings = [BUILDING, *list(SAME_BUILDING.values())[:4]]
    ring = ring_to([someone_at(n, w) for n, w in enumerate(writings)], value=150.0)
    decisions = await run(engine, ring)
    assert "SAME_GOODS_FANOUT" not in codes(decisions[3])
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["entity"], ev["parcels"], ev["counterparts"]) == ("receiver_address", 5, 3)
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])


async def test_near_limit_parcels_to_one_building_in_three_writings_are_a_split(engine: Engine) -> None:
    writings = [BUILDING, SAME_BUILDING["traditional"], SAME_BUILDING["full-width-hash"]]
    ring = ring_to([someone_at(n, w) for n, w in enumerate(writings)], value=950.0)
    decisions = await run(engine, ring)
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    ev = reason_of(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == ("receiver_address", 3)


async def test_a_building_abroad_in_five_writings_collects_an_export_ring(engine: Engine) -> None:
    """Five mainland senders export to five flats of 88 Nathan Road written five ways."""
    writings = [
        foreign("HK", "Flat B, 12/F, 88 Nathan Road", city="Hong Kong", district="Kowloon"),
        foreign("HK", "88 Nathan Rd, Kowloon, HK"),
        foreign("HK", "Rm 1201, 12/F, 88 NATHAN ROAD, KOWLOON, HONG KONG"),
        foreign("HK", "Flat C 3/F 88 Nathan Rd.", city="HK", district="Kowloon"),
        foreign("HK", "Unit 5, G/F, 88 Nathan Road", city="Kowloon"),
    ]
    ring = [
        export(mainland(200 + i), Whole(r | {"phone": f"+8529555{i:04d}"}), 500.0, hours=i * 10)
        for i, r in enumerate(writings)
    ]
    decisions = await run(engine, ring)
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["per_parcel_limit"]) == ("receiver_address", 5, 800.0)


async def test_ring_evidence_names_the_address_kind_but_no_address_or_phone(engine: Engine) -> None:
    ring = ring_to([someone_at(n, w) for n, w in enumerate([BUILDING, *list(SAME_BUILDING.values())[:4]])])
    d = (await run(engine, ring))[4]
    ev = reason_of(d, "ANT_MOVING_RECEIVER")
    assert ev["entity"] == "receiver_address"
    text = json.dumps(d.model_dump(mode="json"), ensure_ascii=False)
    for plain in ("科苑路", "阳光花园", "陽光花園", "甄收件", *(f"1362222{n:04d}" for n in range(5))):
        assert plain not in text


# Phones: one number in many writings is one entity; other numbers are others ----------------------------


BEIJING_LANDLINE = ["010-65529988", "(010)65529988", "+86 10 6552 9988", "0086 10 6552 9988", "01065529988"]


async def test_one_landline_in_five_writings_is_one_receiver_phone(engine: Engine) -> None:
    places = [f"建国路{n + 1}号" for n in range(5)]  # five buildings: only the phone ties them
    receivers = [
        cn_receiver(name=f"收件人{n}", phone=p, address={"detail": place})
        for n, (p, place) in enumerate(zip(BEIJING_LANDLINE, places, strict=True))
    ]
    decisions = await run(engine, ring_to(receivers))
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[3])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"]) == ("receiver_phone", 5)


async def test_the_same_local_digits_under_two_area_codes_are_two_phones(engine: Engine) -> None:
    beijing = cn_receiver(name="收件人甲", phone="010-6552 9988", address={"detail": "建国路1号"})
    shanghai = cn_receiver(
        name="收件人乙",
        phone="021-6552 9988",
        address=cn_address(("上海市", "上海市", "徐汇区", "漕溪北路595号2号楼")),
    )
    decisions = await run(engine, ring_to([beijing, shanghai, beijing, shanghai, beijing]))
    assert rings_by(decisions) == []


async def test_local_landline_digits_in_two_cities_are_two_receivers(engine: Engine) -> None:
    beijing = cn_receiver(name="收件人甲", phone="6552 9988", address={"detail": "建国路1号"})
    shanghai = cn_receiver(
        name="收件人乙",
        phone="6552 9988",
        address=cn_address(("上海市", "上海市", "徐汇区", "漕溪北路595号2号楼")),
    )
    decisions = await run(engine, ring_to([beijing, shanghai, beijing, shanghai, beijing]))
    assert rings_by(decisions) == []


async def test_hired_senders_on_one_phone_in_six_writings_are_one_ant_sender(engine: Engine) -> None:
    """Six people with their own IDs hand over six exports giving one organiser's phone six ways."""
    writings = [
        "13512340000",
        "+86 135 1234 0000",
        "135-1234-0000",
        "0086 13512340000",
        "１３５１２３４００００",
    ]
    writings.append("(+86) 135 1234 0000")
    ring = [
        export(mainland(500 + i, phone=p), abroad("MO", i % 3), 700.0, hours=i * 0.5)
        for i, p in enumerate(writings)
    ]
    decisions = await run(engine, ring)
    assert "ANT_MOVING_SENDER" not in codes(decisions[4])
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"], ev["distinct_receivers"]) == ("sender_phone", 6, 3)


@pytest.mark.parametrize(
    ("country", "national", "international"),
    [
        ("JP", "03-1234-5678", "+81 3 1234 5678"),
        ("US", "(212) 555-0123", "+1 212 555 0123"),
        ("GB", "020 7946 0123", "+44 20 7946 0123"),
    ],
)
async def test_a_foreign_sender_writing_a_phone_two_ways_is_one_counterpart(
    engine: Engine, country: str, national: str, international: str
) -> None:
    """Two senders abroad (no ID), each writing its phone nationally and internationally: two, not five."""
    receiver = cn_receiver(phone="13622229999")
    one_way, other_way = party_abroad(country, national), party_abroad(country, international)
    senders = [one_way, other_way, abroad("HK", 71), one_way, other_way]
    ring = [import_postal(s, receiver, 700.0, hours=i * 10) for i, s in enumerate(senders)]
    d = (await run(engine, ring))[-1]
    assert "ANT_MOVING_RECEIVER" not in codes(d)
    assert "SAME_GOODS_FANOUT" not in codes(d)


# Watch lists: a listed building or phone matches its writings, never its neighbours ----------------------


# tests/api/test_scenarios_watchlists.py already lists short names, full-width digits and traditional text.
COVERED = ("suffixes-dropped", "full-width-hash", "traditional")
LISTED_WRITINGS = [k for k in SAME_BUILDING if k not in COVERED]


@pytest.mark.parametrize("writing", LISTED_WRITINGS)
async def test_a_listed_building_holds_parcels_to_and_from_its_writings(engine: Engine, writing: str) -> None:
    await engine.set_listed([address_entry(cn_address(BUILDING), "black")])
    to_it = await score(engine, waybill(receiver=someone_at(1, SAME_BUILDING[writing])))
    from_it = await score(engine, waybill(sender=sender_at(1, SAME_BUILDING[writing])))
    assert (to_it.decision, hits(to_it)) == ("hold", [("receiver_address", ["black"])])
    assert (from_it.decision, hits(from_it)) == ("hold", [("sender_address", ["black"])])


# Next building and next door number are in tests/api/test_scenarios_watchlists.py.
@pytest.mark.parametrize("place", [k for k in OTHER_PLACE if k not in ("next-building", "next-door-number")])
async def test_a_listed_building_does_not_hold_another_place(engine: Engine, place: str) -> None:
    await engine.set_listed([address_entry(cn_address(BUILDING), "black")])
    fields = OTHER_PLACE[place]
    for wb in (waybill(receiver=someone_at(1, fields)), waybill(sender=sender_at(1, fields))):
        d = await score(engine, wb)
        assert (d.decision, d.reasons) == ("release", [])


async def test_a_listed_building_taken_off_in_another_writing_is_off(engine: Engine) -> None:
    await engine.set_listed([address_entry(cn_address(BUILDING))])
    await engine.set_listed([address_entry(cn_address(SAME_BUILDING["traditional"]), listed=False)])
    d = await score(engine, waybill(receiver=someone_at(1, SAME_BUILDING["full-width-hash"])))
    assert (d.decision, d.reasons) == ("release", [])


async def test_a_listed_flat_reaches_the_other_flats_of_its_building(engine: Engine) -> None:
    """The README's building-level reading: an officer listing one flat lists its building."""
    await engine.set_listed([address_entry(cn_address((*BUILDING[:3], "科苑路15号阳光花园3栋2单元1502室")))])
    d = await score(engine, waybill(receiver=someone_at(1, (*BUILDING[:3], "科苑路15号阳光花园3栋1单元201"))))
    assert hits(d) == [("receiver_address", ["watch"])]


@pytest.mark.parametrize(
    ("listed", "written"),
    [
        pytest.param("张杨路100弄5号", "张杨路100弄5号602室", id="lane-house-rooms"),
        pytest.param("望京街1号院3号楼", "望京街一号院三号楼1单元101", id="courtyard-chinese-numerals"),
        pytest.param("望京街1号院3号楼", "望京街1号3栋101", id="courtyard-without-yuan"),
        pytest.param("张江路88号A座", "张江路88号a栋1201室", id="letter-case-and-marker"),
        pytest.param(
            "世纪大道100号环球金融中心", "世纪大道100号环球金融中心50楼5001室", id="tower-floor-room"
        ),
    ],
)
async def test_a_listed_shanghai_or_beijing_building_matches_its_writings(
    engine: Engine, listed: str, written: str
) -> None:
    city = ("北京市", "北京市", "朝阳区") if "望京" in listed else ("上海市", "上海市", "浦东新区")
    await engine.set_listed([address_entry(cn_address((*city, listed)))])
    d = await score(engine, waybill(receiver=someone_at(1, (*city, written))))
    assert hits(d) == [("receiver_address", ["watch"])]


@pytest.mark.parametrize(
    ("listed", "written"),
    [
        pytest.param("张杨路100弄5号", "张杨路100弄6号601室", id="lane-next-house"),
        pytest.param("张杨路100弄5号", "张杨路101弄5号601室", id="next-lane"),
        pytest.param("张杨路88号", "张杨路88弄3号", id="door-vs-lane"),
        pytest.param("阳光花园三期5栋", "阳光花园5期5栋", id="other-phase"),
        pytest.param("阳光花园A区3栋", "阳光花园B区3栋", id="other-zone"),
        pytest.param("张江路88号A座", "张江路88号B座1201", id="other-letter"),
    ],
)
async def test_a_listed_building_does_not_match_its_neighbours(
    engine: Engine, listed: str, written: str
) -> None:
    city = ("上海市", "上海市", "浦东新区")
    await engine.set_listed([address_entry(cn_address((*city, listed)))])
    d = await score(engine, waybill(receiver=someone_at(1, (*city, written))))
    assert "WATCHLIST_HIT" not in codes(d)


@pytest.mark.parametrize(
    "written",
    ["张杨路100弄5号楼601室", "张杨路100弄5幢601", "张杨路100弄5栋 601"],
    ids=["hao-lou", "zhuang", "dong"],
)
async def test_a_shanghai_lane_house_number_and_its_building_are_one_address(
    engine: Engine, written: str
) -> None:
    city = ("上海市", "上海市", "浦东新区")
    await engine.set_listed([address_entry(cn_address((*city, "张杨路100弄5号")))])
    d = await score(engine, waybill(receiver=someone_at(1, (*city, written))))
    assert hits(d) == [("receiver_address", ["watch"])]


async def test_building_a_written_with_lou_is_building_a(engine: Engine) -> None:
    city = ("上海市", "上海市", "浦东新区")
    await engine.set_listed([address_entry(cn_address((*city, "张江路88号A座")))])
    d = await score(engine, waybill(receiver=someone_at(1, (*city, "张江路88号A楼1201"))))
    assert hits(d) == [("receiver_address", ["watch"])]


FOREIGN_BUILDINGS: dict[str, tuple[Body, Body, Body]] = {
    # country: (listed address, the same building written another way, the building next door)
    "HK": (
        {"country": "HK", "city": "Hong Kong", "district": "Kowloon", "detail": "88 Nathan Road"},
        {"country": "HK", "detail": "Rm 1201, 12/F, 88 NATHAN RD, KOWLOON, HONG KONG"},
        {"country": "HK", "city": "Hong Kong", "district": "Kowloon", "detail": "89 Nathan Road"},
    ),
    "US": (
        {"country": "US", "province": "CA", "city": "San Francisco", "detail": "1 Market Street"},
        {"country": "US", "province": "CA", "city": "SAN FRANCISCO", "detail": "1 Market St., Suite 300"},
        {"country": "US", "province": "CA", "city": "San Francisco", "detail": "11 Market Street"},
    ),
    "GB": (
        {"country": "GB", "city": "London", "detail": "10 Downing Street"},
        {"country": "GB", "city": "London", "detail": "Flat 2, 10, Downing St."},
        {"country": "GB", "city": "London", "detail": "11 Downing Street"},
    ),
    "JP": (
        {"country": "JP", "province": "Tokyo", "city": "Minato-ku", "detail": "1-1-1 Roppongi"},
        {"country": "JP", "province": "Tokyo", "city": "Minato-ku", "detail": "1-1-1 ROPPONGI, Room 2301"},
        {"country": "JP", "province": "Tokyo", "city": "Minato-ku", "detail": "1-1-2 Roppongi"},
    ),
    "MO": (
        {"country": "MO", "city": "Macau", "district": "Taipa", "detail": "Rua 3, Bloco 3"},
        {"country": "MO", "detail": "Rua 3 Bloco 3, 15 andar, Taipa, Macao"},
        {"country": "MO", "city": "Macau", "district": "Taipa", "detail": "Rua 4, Bloco 3"},
    ),
}


@pytest.mark.parametrize("country", list(FOREIGN_BUILDINGS))
async def test_a_listed_building_abroad_matches_its_writings_but_not_next_door(
    engine: Engine, country: str
) -> None:
    listed, same, next_door = FOREIGN_BUILDINGS[country]
    await engine.set_listed([address_entry(listed)])
    d = await score(engine, export_postal(receiver=hk_receiver(address=Whole(same))))
    assert (d.decision, hits(d)) == ("hold", [("receiver_address", ["watch"])])
    other = await score(engine, export_postal(receiver=hk_receiver(address=Whole(next_door))))
    assert "WATCHLIST_HIT" not in codes(other)


async def test_a_hong_kong_address_in_chinese_with_the_territory_name_is_the_same_building(
    engine: Engine,
) -> None:
    await engine.set_listed([address_entry({"country": "HK", "detail": "九龍彌敦道88號"})])
    d = await score(engine, export_postal(receiver=foreign("HK", "香港九龍彌敦道88號12樓B室")))
    assert hits(d) == [("receiver_address", ["watch"])]


async def test_a_hong_kong_district_in_the_field_or_in_the_chinese_detail_is_the_same_building(
    engine: Engine,
) -> None:
    await engine.set_listed([address_entry({"country": "HK", "detail": "九龍彌敦道88號"})])
    d = await score(engine, export_postal(receiver=foreign("HK", "彌敦道88號12樓B室", city="九龍")))
    assert hits(d) == [("receiver_address", ["watch"])]


async def test_a_hong_kong_address_in_chinese_drops_floor_and_flat(engine: Engine) -> None:
    await engine.set_listed([address_entry({"country": "HK", "detail": "九龍彌敦道88號"})])
    d = await score(engine, export_postal(receiver=foreign("HK", "九龍彌敦道88號12樓B室")))
    assert hits(d) == [("receiver_address", ["watch"])]
    other = await score(engine, export_postal(receiver=foreign("HK", "九龍彌敦道89號12樓B室")))
    assert "WATCHLIST_HIT" not in codes(other)


@pytest.mark.parametrize(
    ("listed", "inline"),
    [
        pytest.param(
            {"country": "GB", "city": "London", "detail": "10 Downing Street", "postcode": "SW1A 2AA"},
            {"country": "GB", "detail": "10 Downing Street, London SW1A 2AA"},
            id="GB",
        ),
        pytest.param(
            {
                "country": "US",
                "province": "CA",
                "city": "San Francisco",
                "detail": "1 Market Street",
                "postcode": "94105",
            },
            {"country": "US", "detail": "1 Market St, San Francisco, CA 94105"},
            id="US",
        ),
    ],
)
async def test_a_postcode_typed_into_the_detail_is_the_same_building(
    engine: Engine, listed: Body, inline: Body
) -> None:
    await engine.set_listed([address_entry(listed)])
    d = await score(engine, export_postal(receiver=hk_receiver(address=Whole(inline))))
    assert hits(d) == [("receiver_address", ["watch"])]


@pytest.mark.parametrize(
    ("entry", "written"),
    [
        pytest.param("010-65529988", "(010)6552 9988", id="landline-brackets"),
        pytest.param("0755-8600 1234", "+86 755 8600 1234", id="shenzhen-landline"),
        pytest.param("+86 139 1111 2222", "(+86)139.1111.2222", id="mobile-dotted"),
        pytest.param("13911112222", "+86１３９１１１１２２２２", id="mobile-mixed-width"),
    ],
)
async def test_a_listed_mainland_phone_matches_its_writings_on_both_sides(
    engine: Engine, entry: str, written: str
) -> None:
    await engine.set_listed([phone_entry(entry)])
    as_receiver = await score(engine, waybill(receiver=cn_receiver(phone=written)))
    as_sender = await score(engine, waybill(sender=party(phone=written)))
    assert hits(as_receiver) == [("receiver_phone", ["watch"])]
    assert hits(as_sender) == [("sender_phone", ["watch"])]


@pytest.mark.parametrize(
    ("entry", "other"),
    [
        pytest.param("010-65529988", "021-65529988", id="other-area-code"),
        pytest.param("010-65529988", "010-65529989", id="last-digit"),
        pytest.param("13911112222", "13911112223", id="mobile-last-digit"),
        pytest.param("+85291234567", "+85391234567", id="other-country-code"),
    ],
)
async def test_a_listed_phone_does_not_match_another_number(engine: Engine, entry: str, other: str) -> None:
    await engine.set_listed([phone_entry(entry)])
    d = await score(engine, waybill(receiver=cn_receiver(phone=other)))
    assert "WATCHLIST_HIT" not in codes(d)


@pytest.mark.parametrize(
    ("country", "entry", "written"),
    [
        ("US", "+1 212 555 0123", "(212) 555-0123"),
        ("JP", "+81 90 1234 5678", "090-1234-5678"),
        ("GB", "+44 7700 900123", "07700 900123"),
        ("MO", "+853 6612 3456", "00853 6612 3456"),
        ("GB", "+44 7700 900123", "0044 7700 900123"),
    ],
)
async def test_a_listed_foreign_phone_matches_its_national_writing_abroad(
    engine: Engine, country: str, entry: str, written: str
) -> None:
    await engine.set_listed([phone_entry(entry)])
    d = await score(engine, export_postal(receiver=receiver_abroad(country, written)))
    assert hits(d) == [("receiver_phone", ["watch"])]


@pytest.mark.parametrize(
    ("country", "entry", "written"),
    [
        ("HK", "+852 9123 4567", "00852 9123 4567"),
        ("SG", "+65 8123 4567", "0065 8123 4567"),
        ("JP", "+81 3 1234 5678", "0081 3 1234 5678"),
    ],
)
async def test_a_foreign_phone_dialled_from_the_mainland_with_00_is_the_same_phone(
    engine: Engine, country: str, entry: str, written: str
) -> None:
    await engine.set_listed([phone_entry(entry)])
    d = await score(engine, export_postal(receiver=receiver_abroad(country, written)))
    assert hits(d) == [("receiver_phone", ["watch"])]


async def test_a_mainland_mobile_with_its_country_code_matches_a_receiver_abroad(engine: Engine) -> None:
    await engine.set_listed([phone_entry("13911112222")])
    d = await score(engine, export_postal(receiver=receiver_abroad("HK", "+86 139 1111 2222")))
    assert hits(d) == [("receiver_phone", ["watch"])]


# Not US or another country of the North American plan: there 1 391 111 2222 is written the same way, and the
# service reads an eleven-digit number starting with 1 as theirs when it is possible there.
@pytest.mark.parametrize("country", ["HK", "TW", "GB"])
async def test_a_mainland_mobile_of_a_receiver_abroad_is_the_listed_mainland_mobile(
    engine: Engine, country: str
) -> None:
    await engine.set_listed([phone_entry("13911112222")])
    d = await score(engine, export_postal(receiver=receiver_abroad(country, "13911112222")))
    assert hits(d) == [("receiver_phone", ["watch"])]


@pytest.mark.parametrize("country", ["MO", "GB"])
def test_a_receiver_abroad_giving_a_mainland_mobile_is_accepted(client: ScoringClient, country: str) -> None:
    r = client.http.post("/v1/score", json=export_postal(receiver=receiver_abroad(country, "13911112222")))
    assert r.status_code == 200, r.text


# PRIOR_VIOLATIONS: a violation of an address or phone reaches its other writings -------------------------


async def test_a_violation_at_a_building_reaches_parcels_to_and_from_its_writings(engine: Engine) -> None:
    ref = {"kind": "address", "address": cn_address(BUILDING)}
    await engine.record_violations([violation(ref, "2026-10-01T10:00:00+08:00", "SF:SF0000000101")])
    to_it = await score(engine, waybill(receiver=someone_at(1, SAME_BUILDING["traditional"])))
    from_it = await score(engine, waybill(sender=sender_at(1, SAME_BUILDING["suffixes-dropped"])))
    for d, kind in ((to_it, "receiver_address"), (from_it, "sender_address")):
        ev = reason_of(d, "PRIOR_VIOLATIONS")
        assert (d.decision, ev["entity"], ev["violations"]) == ("inspect", kind, 1)


async def test_two_violations_reported_in_two_writings_of_one_building_hold(engine: Engine) -> None:
    first = {"kind": "address", "address": cn_address(SAME_BUILDING["full-width-hash"])}
    second = {"kind": "address", "address": cn_address(SAME_BUILDING["chinese-numerals-throughout"])}
    await engine.record_violations(
        [
            violation(first, "2026-03-01T10:00:00+08:00", "SF:SF0000000102"),
            violation(second, "2026-09-01T10:00:00+08:00", "SF:SF0000000103"),
        ]
    )
    d = await score(engine, waybill(receiver=someone_at(1, BUILDING)))
    ev = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d.decision, ev["entity"], ev["violations"]) == ("hold", "receiver_address", 2)


@pytest.mark.parametrize("place", ["next-building", "same-district-name-other-city"])
async def test_a_violation_at_a_building_does_not_reach_another_place(engine: Engine, place: str) -> None:
    ref = {"kind": "address", "address": cn_address(BUILDING)}
    await engine.record_violations([violation(ref, "2026-10-01T10:00:00+08:00", "SF:SF0000000104")])
    d = await score(engine, waybill(receiver=someone_at(1, OTHER_PLACE[place])))
    assert "PRIOR_VIOLATIONS" not in codes(d)


async def test_a_violation_of_a_landline_reaches_its_other_writings(engine: Engine) -> None:
    ref = {"kind": "phone", "value": "(010)6552-9988"}
    await engine.record_violations([violation(ref, "2026-10-01T10:00:00+08:00", "SF:SF0000000105")])
    d = await score(engine, waybill(receiver=cn_receiver(phone="+86 10 6552 9988")))
    ev = reason_of(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"]) == ("receiver_phone", 1)
    shanghai = await score(engine, waybill(receiver=cn_receiver(phone="021-6552 9988")))
    assert "PRIOR_VIOLATIONS" not in codes(shanghai)


async def test_a_violation_at_a_building_abroad_reaches_another_flat_written_otherwise(
    engine: Engine,
) -> None:
    listed, same, next_door = FOREIGN_BUILDINGS["HK"]
    ref = {"kind": "address", "address": listed}
    await engine.record_violations([violation(ref, "2026-10-01T10:00:00+08:00", "SF:SF0000000106")])
    d = await score(engine, export_postal(receiver=hk_receiver(phone="+85291239999", address=Whole(same))))
    ev = reason_of(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"]) == ("receiver_address", 1)
    other = await score(
        engine, export_postal(receiver=hk_receiver(phone="+85291239998", address=Whole(next_door)))
    )
    assert "PRIOR_VIOLATIONS" not in codes(other)


# Entries that name no building to match on --------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(("广东省", "深圳市", "南山区", "南山区"), id="district-only"),
        pytest.param(("广东省", "深圳市", "南山区", "1单元201室"), id="room-only"),
    ],
)
def test_an_address_entry_naming_no_building_is_refused(fields: Fields) -> None:
    with pytest.raises(ValidationError, match="names no city and building"):
        address_entry(cn_address(fields))
