"""One building however it is typed: the address writings that must give one building key, and the
look-alikes that must keep their own, at the normaliser and through the rules that count by address.

Written from the README, "Who is the same entity": "one building however it is typed (号楼 / 栋 / 幢, a
Shanghai lane's N号, A座 / A楼, full-width digits, flats and floors dropped; abroad, flat and floor words
dropped, a postcode typed into the detail of a British, Canadian or US address dropped, and a Chinese-written
detail abroad read in Chinese order with its territory name dropped: 香港九龍彌敦道88號 is 彌敦道88號 in
九龍)"; "History is kept per entity (… sender and receiver building address …)"; ANT_MOVING_RECEIVER "by
receiver ID, phone or building-level address". From ../shared/domain/RULES.md §3: ANT_MOVING_RECEIVER ("one
receiver (ID, phone or normalised address), cross-border: ≥ 5 parcels in 7 days from ≥ 3 distinct senders,
each under L, together ≥ 3·L"), NEAR_LIMIT_SPLIT ("≥ 3 cross-border parcels of one entity in [0.9·L, L)
within 7 days"), WATCHLIST_HIT ("sender, receiver, phone, address or account on a watch/black list"),
PRIOR_VIOLATIONS; §1 for L (800 CNY to/from Hong Kong, Macau and Taiwan, 1,000 CNY elsewhere). From
../shared/contract/README.md: `Address` (country ISO-3166 alpha-2; province, city, district, detail; the
four required for CN). The reading of features/address.py's own stated judgement calls is used where the
README is silent: the province may be left out once the city is known; a municipality is its own city;
urban sub-districts (街道) are dropped, rural towns (镇/乡) kept because their roads repeat in one county;
N号 after a compound (小区, 花园, 苑, 公寓, 大厦 …) is a building.

tests/features/test_address.py, tests/data/address_pairs.csv, test_scenarios_entities.py,
test_scenarios_entity_forms.py and test_scenarios_receivers.py already hold the plain forms (号楼/栋/幢/座/#
after a door number, 十二号楼, prefixes repeated in the detail, placeholders, 12/F, Rm/Flat, the README's own
Hong Kong and British examples); this file takes writings they leave out: numerals and markers combined, a
compound's house number after a door number, dashes of other widths, basements, 街道办事处 and 乡, Tianjin and
Chongqing, floors and flats in more English forms, country names and postcodes of more countries, Chinese
written Hong Kong, Macau and Taiwan details with numerals, and the neighbours each of these must not join.

Readings used here, where the sources leave a choice:
- "However it is typed" covers what a courier types for the same place: a country's own names (USA, UK,
  Republic of Korea, Macau SAR, "Hong Kong, China", 中國香港特別行政區, 台湾省 as GB/T 2260 names Taiwan), a
  Singapore postcode after "Singapore", a room written RM1201, 地下 (the Chinese of G/F), the section of a
  Taiwanese or Sichuan road in Arabic or Chinese digits (信義路5段 / 五段), a district named in its field
  while the detail names the city, and an apostrophe left out of Queen's Road. All but the regions'
  order are mended; that one is a strict xfail, a known gap in the README.
- A building is not a flat: in Korea "Apt 101-1203" is building (동) 101, flat 1203, so building 102 of the
  same complex is another building; a Japanese kanji address 六本木6-10-1 names a block and building, so
  六本木6-2-31 is another building; and a Beijing district typed in the city field is still in Beijing, not
  in the Liaoning city of the same name.
"""

from typing import Any

import pytest

from features.address import normalise_address
from screening.contract import Decision
from screening.engine import Engine
from tests.factories import Whole, cn_receiver, export_postal, hk_receiver, waybill
from tests.screening.test_scenarios import codes, reason_of, score
from tests.screening.test_scenarios_entities import address_entry, hits, ring_to, violation
from tests.screening.test_scenarios_rings import export, mainland, numbers, run

pytestmark = pytest.mark.anyio

Body = dict[str, Any]


# Helpers ------------------------------------------------------------------------------------------------


def cn(province: str | None, city: str | None, district: str | None, detail: str) -> Body:
    """A mainland address, field by field (None for a field left out)."""
    return {"country": "CN", "province": province, "city": city, "district": district, "detail": detail}


def sh(detail: str) -> Body:
    """A mainland address in Shanghai's Pudong."""
    return cn("上海市", "上海市", "浦东新区", detail)


def at(country: str, detail: str, **fields: str | None) -> Body:
    """An address outside the mainland: the detail and any region fields given."""
    return {"country": country, "province": None, "city": None, "district": None, "detail": detail} | fields


def key(address: Body) -> str:
    """The building key of an address."""
    return normalise_address(
        country=address["country"],
        province=address.get("province"),
        city=address.get("city"),
        district=address.get("district"),
        detail=address.get("detail"),
    ).building_key


# Phones of receivers abroad, one per n, each a possible number of its country.
PHONES = {
    "HK": "+8529377{n:04d}",
    "MO": "+8536677{n:04d}",
    "TW": "+8869123{n:05d}",
    "JP": "+81334{n:06d}",
    "KR": "+8223456{n:04d}",
    "SG": "+6581237{n:03d}",
    "US": "+1212555{n:04d}",
    "GB": "+44207946{n:04d}",
}


def receiver_at(n: int, address: Body) -> Body:
    """The n-th receiver (own name and phone, no ID) at an address; only the address can tie two of them."""
    if address["country"] == "CN":
        return cn_receiver(name=f"收件人{n}", phone=f"1376655{n:04d}", address=Whole(address))
    phone = PHONES[address["country"]].format(n=n)
    return hk_receiver(name=f"RECEIVER {n}", phone=phone, address=Whole(address))


def sender(n: int) -> Body:
    """The n-th mainland sender: own name, phone, resident ID and home, so only the receiver ties parcels."""
    return mainland(600 + n, address={"detail": f"莘庄路{n + 1}号{n % 9 + 1}号楼201室"})


def exports_to(addresses: list[Body], value: float, step_h: float = 10.0) -> list[Body]:
    """Personal postal exports from distinct mainland senders, one to each address, step_h hours apart."""
    return [export(sender(i), receiver_at(i, a), value, hours=i * step_h) for i, a in enumerate(addresses)]


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of a reason the decision must carry."""
    assert code in codes(d), f"{code} not in {sorted(codes(d))} ({d.decision})"
    return reason_of(d, code)


def fired(decisions: list[Decision], code: str) -> list[bool]:
    """Whether each decision carries a reason code."""
    return [code in codes(d) for d in decisions]


# 1. Mainland: one building -------------------------------------------------------------------------------

MAINLAND_SAME = [
    pytest.param(sh("阳光小区十二号楼"), sh("阳光小区12#"), id="chinese-twelve-vs-hash"),
    pytest.param(sh("阳光花园第十二栋"), sh("阳光花园12幢"), id="ordinal-chinese-twelve-vs-zhuang"),
    pytest.param(sh("陽光花園十二號樓3單元"), sh("阳光花园12座"), id="traditional-numeral-vs-zuo"),
    pytest.param(sh("阳光花园A#"), sh("阳光花园A座"), id="letter-hash-vs-zuo"),
    pytest.param(sh("阳光花园A1号楼"), sh("阳光花园ａ１座"), id="letter-digit-full-width"),
    pytest.param(
        sh("张江路88号阳光大厦A座12楼1201"), sh("张江路88号阳光大厦A楼"), id="tower-floor-room-vs-a-lou"
    ),
    pytest.param(
        cn("上海市", "上海市", "浦東新區", "張江路八十八號三號樓十二樓1201室"),
        sh("张江路88号3号楼"),
        id="traditional-numerals-floor-and-room",
    ),
    pytest.param(
        sh("张江路88号阳光小区3号"), sh("张江路88号阳光小区3栋2单元"), id="compound-house-after-door"
    ),
    pytest.param(sh("阳光花园2－1－301"), sh("阳光花园2号楼"), id="unit-room-full-width-dashes"),
    pytest.param(sh("阳光花园2-301"), sh("阳光花园2幢"), id="building-room-dash"),
    pytest.param(sh("张江路88号3栋负一层"), sh("张江路88号3栋"), id="basement-fu-yi-ceng"),
    pytest.param(
        cn("广东省", "深圳市", "南山区", "粤海街道办事处科苑路15号3栋"),
        cn("广东省", "深圳市", "南山区", "科苑路15号3栋"),
        id="street-office-dropped",
    ),
    pytest.param(
        cn(None, "深圳市", None, "南山区粤海街道科苑路15号三栋"),
        cn("广东省", "深圳市", "南山区", "科苑路15号3栋"),
        id="province-out-district-and-sub-district-in-detail",
    ),
    pytest.param(
        cn("重庆市", "县", "巫山县", "广东路1号2栋"),
        cn("重庆", "重庆", "巫山", "广东路1号2栋"),
        id="chongqing-county-placeholder",
    ),
    pytest.param(
        cn(None, "天津市", "和平区", "南京路219号"),
        cn("天津市", None, "和平区", "南京路219号"),
        id="tianjin-as-city-or-as-province",
    ),
    pytest.param(
        cn("四川省", "成都市", "武侯区", "人民南路4段1号"),
        cn("四川省", "成都市", "武侯区", "人民南路四段1号"),
        id="road-section-in-arabic-digits",
    ),
    pytest.param(
        cn("北京市", "朝阳区", "朝阳区", "建国路93号8号楼"),
        cn("北京市", "北京市", "朝阳区", "建国路93号8号楼"),
        id="municipality-district-typed-in-city-field",
    ),
]


@pytest.mark.parametrize(("one", "other"), MAINLAND_SAME)
def test_mainland_writings_of_one_building_share_one_key(one: Body, other: Body) -> None:
    """README: one building however typed (号楼/栋/幢/座/#, numerals, width, flats and floors dropped)."""
    assert key(one) != ""
    assert key(one) == key(other)


@pytest.mark.parametrize("compound", ["小区", "苑", "大厦"])
def test_a_house_number_after_a_compound_is_its_building(compound: str) -> None:
    """A compound's N号 (小区, 苑, 大厦 …) is building N, as N号楼/N栋 write it; N+1 is the next one."""
    assert key(sh(f"幸福{compound}12号201室")) == key(sh(f"幸福{compound}十二号楼")) != ""
    assert key(sh(f"幸福{compound}12号")) != key(sh(f"幸福{compound}13号"))


MAINLAND_APART = [
    pytest.param(
        cn("浙江省", "杭州市", "淳安县", "汾口乡人民路1号"),
        cn("浙江省", "杭州市", "淳安县", "姜家乡人民路1号"),
        id="one-road-in-two-xiang",
    ),
    pytest.param(
        cn("浙江省", "杭州市", "淳安县", "汾口乡人民路1号"),
        cn("浙江省", "杭州市", "淳安县", "人民路1号"),
        id="xiang-kept",
    ),
    pytest.param(
        cn("江苏省", "苏州市", "昆山市", "周庄镇全福路1号"),
        cn("江苏省", "苏州市", "昆山市", "锦溪镇全福路1号"),
        id="one-road-in-two-towns-of-a-county-level-city",
    ),
    pytest.param(sh("阳光小区十二号楼"), sh("阳光小区二号楼"), id="twelve-vs-two"),
    pytest.param(sh("阳光花园一〇栋"), sh("阳光花园一栋"), id="ten-digit-by-digit-vs-one"),
    pytest.param(sh("阳光花园A1座"), sh("阳光花园A11座"), id="a1-vs-a11"),
    pytest.param(sh("阳光花园21-301"), sh("阳光花园2-1301"), id="building-21-vs-building-2"),
    pytest.param(sh("阳光大厦十二楼"), sh("阳光大厦十二号楼"), id="floor-twelve-vs-building-twelve"),
    pytest.param(
        cn("北京市", "朝阳区", "朝阳区", "人民路88号3栋"),
        cn("辽宁省", "朝阳市", "朝阳县", "人民路88号3栋"),
        id="beijing-chaoyang-district-in-city-field-vs-liaoning-chaoyang",
    ),
]


@pytest.mark.parametrize(("one", "other"), MAINLAND_APART)
def test_mainland_lookalikes_keep_their_own_keys(one: Body, other: Body) -> None:
    """Another building, compound, town (镇/乡) or city is another address, however alike it is typed."""
    assert key(one) != ""
    assert key(other) != ""
    assert key(one) != key(other)


# 2. Abroad: one building ---------------------------------------------------------------------------------

KOWLOON = {"city": "Hong Kong", "district": "Kowloon"}
NATHAN = at("HK", "88 Nathan Road", **KOWLOON)
NEW_YORK = {"province": "NY", "city": "New York"}
WALL_STREET = at("US", "7 Wall Street", **NEW_YORK)
ROPPONGI = at("JP", "1-1-1 Roppongi", province="Tokyo", city="Minato-ku")
TEHERAN = at("KR", "123 Teheran-ro", city="Seoul", district="Gangnam-gu")
NATHAN_ZH = at("HK", "彌敦道88號", city="九龍")
SUN_YAT_SEN = at("MO", "孫逸仙大馬路1號", city="澳門", district="氹仔")
XINYI = at("TW", "信義路五段7號", city="台北市", district="信義區")

ABROAD_SAME = [
    pytest.param(at("HK", "Ground Floor, 88 Nathan Road", **KOWLOON), NATHAN, id="hk-ground-floor-words"),
    pytest.param(
        at("HK", "Flat C, 5/F, Lee Garden Bldg, 33 Hysan Ave", district="Causeway Bay"),
        at("HK", "Lee Garden Building, 33 Hysan Avenue, Causeway Bay"),
        id="hk-bldg-ave",
    ),
    pytest.param(
        at("HK", "88 Nathan Road", city="Kowloon", district="Tsim Sha Tsui"),
        at("HK", "88 Nathan Road, Tsim Sha Tsui, Kowloon, Hong Kong"),
        id="hk-district-and-city-in-fields-or-detail",
    ),
    pytest.param(
        at("HK", "88 Nathan Road, Kowloon", city="Hong Kong", district="Tsim Sha Tsui"),
        at("HK", "88 Nathan Road, Tsim Sha Tsui, Kowloon"),
        id="hk-district-in-field-city-in-detail",
    ),
    pytest.param(
        at("HK", "RM1201, 12/F, 88 Nathan Road", **KOWLOON),
        NATHAN,
        id="hk-room-without-space",
    ),
    pytest.param(
        at("HK", "88 Nathan Road, Kowloon, Hong Kong, China"),
        NATHAN,
        id="hk-hong-kong-china",
    ),
    pytest.param(
        at("HK", "99 Queens Road Central", district="Central"),
        at("HK", "99 Queen's Road Central", district="Central"),
        id="hk-apostrophe-left-out",
    ),
    pytest.param(
        at("US", "7 Wall St, New York, NY 10005-1234, United States"), WALL_STREET, id="us-zip4-country"
    ),
    pytest.param(at("US", "7 Wall St #5B", **NEW_YORK), WALL_STREET, id="us-hash-unit"),
    pytest.param(
        at("US", "7 Wall St, New York, NY 10005, USA"),
        WALL_STREET,
        id="us-usa-in-detail",
    ),
    pytest.param(
        at("GB", "10 Downing St, London SW1A2AA"),
        at("GB", "10 Downing Street", city="London"),
        id="gb-postcode-without-space",
    ),
    pytest.param(
        at("GB", "10 Downing Street, London, UK"),
        at("GB", "10 Downing Street", city="London"),
        id="gb-uk-in-detail",
    ),
    pytest.param(
        at("CA", "290 Bremner Blvd, Toronto ON M5V3L9, Canada"),
        at("CA", "290 Bremner Boulevard", province="ON", city="Toronto"),
        id="ca-postcode-and-country",
    ),
    pytest.param(
        at("SG", "1 Orchard Rd, #12-01, Republic of Singapore"),
        at("SG", "1 Orchard Road", city="Singapore"),
        id="sg-unit-and-official-name",
    ),
    pytest.param(
        at("SG", "1 Orchard Road, Singapore 238801"),
        at("SG", "1 Orchard Road", city="Singapore"),
        id="sg-postcode-after-singapore",
    ),
    pytest.param(
        at("JP", "Room 2301, 1-1-1 Roppongi, Minato-ku, Tokyo, JAPAN"), ROPPONGI, id="jp-room-region-country"
    ),
    pytest.param(
        at("KR", "15F, 123 Teheran-ro, Gangnam-gu, Seoul, South Korea"), TEHERAN, id="kr-floor-region-country"
    ),
    pytest.param(
        at("KR", "123 Teheran-ro, Gangnam-gu, Seoul, Republic of Korea"),
        TEHERAN,
        id="kr-republic-of-korea",
    ),
    pytest.param(
        at("MO", "Avenida da Praia Grande 429, Macau SAR"),
        at("MO", "Avenida da Praia Grande 429"),
        id="mo-macau-sar",
    ),
]


@pytest.mark.parametrize(("one", "other"), ABROAD_SAME)
def test_writings_of_one_building_abroad_share_one_key(one: Body, other: Body) -> None:
    """README: abroad, flat and floor words dropped, regions once, an inline postcode dropped."""
    assert key(one) != ""
    assert key(one) == key(other)


CHINESE_ABROAD_SAME = [
    pytest.param(at("HK", "九龍彌敦道八十八號"), NATHAN_ZH, id="hk-door-number-in-chinese"),
    pytest.param(
        at("HK", "尖沙咀彌敦道88號", city="香港", district="九龍"),
        at("HK", "彌敦道88號", city="九龍", district="尖沙咀"),
        id="hk-districts-in-fields-or-detail",
    ),
    pytest.param(at("HK", "香港鰂魚涌太古城第五座"), at("HK", "鰂魚涌太古城5座"), id="hk-ordinal-block"),
    pytest.param(at("MO", "澳門特別行政區氹仔孫逸仙大馬路1號"), SUN_YAT_SEN, id="mo-sar-name"),
    pytest.param(at("MO", "澳门氹仔孙逸仙大马路一号"), SUN_YAT_SEN, id="mo-simplified-numeral"),
    pytest.param(at("TW", "臺灣臺北市信義區信義路五段7號"), XINYI, id="tw-territory-in-detail"),
    pytest.param(
        at("TW", "忠孝東路四段一百巷五弄三號", city="台北市", district="大安區"),
        at("TW", "忠孝東路四段100巷5弄3號7樓之1", city="臺北市", district="大安區"),
        id="tw-lane-and-alley-numerals",
    ),
    pytest.param(
        at("TW", "信義路5段7號", city="台北市", district="信義區"),
        XINYI,
        id="tw-section-in-arabic-digits",
    ),
    pytest.param(
        at("HK", "中國香港特別行政區九龍彌敦道88號"),
        NATHAN_ZH,
        id="hk-china-hong-kong-sar",
    ),
    pytest.param(
        at("HK", "香港九龍彌敦道88號地下"),
        NATHAN_ZH,
        id="hk-ground-floor-in-chinese",
    ),
    pytest.param(
        cn("台湾省", "台北市", "信义区", "信义路五段7号"),
        XINYI,
        id="cn-form-with-taiwan-sheng",
    ),
]


@pytest.mark.parametrize(("one", "other"), CHINESE_ABROAD_SAME)
def test_chinese_writings_of_one_building_abroad_share_one_key(one: Body, other: Body) -> None:
    """README: a Chinese detail abroad is read in Chinese order, its territory name dropped."""
    assert key(one) != ""
    assert key(one) == key(other)


ABROAD_APART = [
    pytest.param(
        at("SG", "Blk 123 Ang Mo Kio Ave 3 #05-67"),
        at("SG", "Blk 124 Ang Mo Kio Ave 3 #05-67"),
        id="sg-next-hdb-block",
    ),
    pytest.param(at("HK", "香港九龍彌敦道88號"), at("HK", "香港九龍彌敦道188號"), id="hk-zh-door-88-vs-188"),
    pytest.param(
        at("HK", "香港九龍彌敦道88號A座"), at("HK", "香港九龍彌敦道88號B座"), id="hk-zh-tower-a-vs-b"
    ),
    pytest.param(at("HK", "香港鰂魚涌太古城第五座"), at("HK", "鰂魚涌太古城六座"), id="hk-zh-block-5-vs-6"),
    pytest.param(
        at("TW", "忠孝東路四段100巷5弄3號", city="台北市", district="大安區"),
        at("TW", "忠孝東路四段100巷7弄3號", city="台北市", district="大安區"),
        id="tw-next-alley",
    ),
    pytest.param(
        at("MO", "澳門氹仔孫逸仙大馬路1號"), at("MO", "澳門氹仔孫逸仙大馬路11號"), id="mo-zh-1-vs-11"
    ),
    pytest.param(
        at("GB", "10 Downing Street, London SW1A 2AA"),
        at("GB", "11 Downing Street, London SW1A 2AA"),
        id="gb-next-door-same-postcode",
    ),
    pytest.param(
        at("JP", "六本木6-10-1", province="東京都", city="港区"),
        at("JP", "六本木6-2-31", province="東京都", city="港区"),
        id="jp-kanji-other-block",
    ),
    pytest.param(
        at("KR", "Apt 101-1203, 25 Olympic-ro", city="Seoul", district="Songpa-gu"),
        at("KR", "Apt 102-1203, 25 Olympic-ro", city="Seoul", district="Songpa-gu"),
        id="kr-other-apartment-building",
    ),
]


@pytest.mark.parametrize(("one", "other"), ABROAD_APART)
def test_neighbours_abroad_keep_their_own_keys(one: Body, other: Body) -> None:
    """Another door, block, tower or alley abroad is another building, however typed."""
    assert key(one) != ""
    assert key(other) != ""
    assert key(one) != key(other)


# 3. Through the rules: ANT_MOVING_RECEIVER ---------------------------------------------------------------

HANGZHOU = ("浙江省", "杭州市", "西湖区")


def hangzhou(detail: str) -> Body:
    """A mainland address in Hangzhou's Xihu."""
    return cn(*HANGZHOU, detail)


BUILDING_TWELVE = [
    hangzhou("文二路8号幸福小区12号楼1单元301"),
    hangzhou("文二路八号幸福小区十二号楼502室"),
    hangzhou("文二路8号幸福小区12#1103"),
    hangzhou("浙江杭州西湖文二路8号幸福小区第十二幢2单元"),
    hangzhou("文二路8號幸福小區十二號樓3單元201室"),
]


async def test_five_ants_to_building_twelve_in_five_numeral_and_marker_writings_are_one_receiver(
    engine: Engine,
) -> None:
    """ANT_MOVING_RECEIVER by address: 5 in 7 days, 3 senders, ≥ 3·L, one building written five ways."""
    ring = ring_to([receiver_at(i, a) for i, a in enumerate(BUILDING_TWELVE)])
    decisions = await run(engine, ring)
    assert not any(fired(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 3)
    assert set(ev["linked_waybills"]) == numbers(ring[:4])
    assert decisions[4].decision == "hold"


async def test_five_ants_to_buildings_numbered_like_twelve_are_five_receivers(engine: Engine) -> None:
    """Buildings 12, 2, 10, 21 and 1 of one compound are five addresses: no ring by address."""
    neighbours = ["十二号楼", "二号楼", "十号楼", "21#", "1-2-301"]
    ring = ring_to([receiver_at(i, hangzhou(f"文二路8号幸福小区{b}")) for i, b in enumerate(neighbours)])
    assert not any(fired(await run(engine, ring), "ANT_MOVING_RECEIVER"))


TIANJIN_WRITINGS = [
    cn("天津市", "天津市", "和平区", "南京路219号金融中心公寓2号楼3单元2305室"),
    cn("天津", "市辖区", "和平", "南京路二百一十九号金融中心公寓二号楼"),
    cn("天津市", "天津市", "和平区", "天津市和平区南京路219号金融中心公寓2-3-2306"),
    cn("天津市", "天津市", "和平區", "南京路219號金融中心公寓2幢"),
    cn("天津市", "天津市", "和平区", "南京路２１９号金融中心公寓２＃"),
]


async def test_five_ants_to_a_tianjin_building_in_municipality_writings_are_one_receiver(
    engine: Engine,
) -> None:
    """A municipality is its own city: placeholder, short names, prefix in the detail; one building."""
    decisions = await run(engine, ring_to([receiver_at(i, a) for i, a in enumerate(TIANJIN_WRITINGS)]))
    assert not any(fired(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["total_value"]) == ("receiver_address", 5, 3250.0)


NATHAN_ROAD_IN_CHINESE = [
    at("HK", "彌敦道88號", city="九龍"),
    at("HK", "香港特別行政區九龍彌敦道88號12樓B室"),
    at("HK", "中國香港九龍彌敦道八十八號3樓"),
    at("HK", "香港 九龍 彌敦道 88號 5樓A室"),
    at("HK", "弥敦道88号十二楼", city="九龙"),
]


async def test_an_export_ring_to_a_hong_kong_building_in_five_chinese_writings_is_held(
    engine: Engine,
) -> None:
    """ANT_MOVING_RECEIVER (L = 800 to Hong Kong): 5 × 500 from 5 senders, one building in Chinese."""
    ring = exports_to(NATHAN_ROAD_IN_CHINESE, 500.0)
    decisions = await run(engine, ring)
    assert not any(fired(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["per_parcel_limit"]) == ("receiver_address", 5, 800.0)
    assert decisions[4].decision == "hold"


NATHAN_ROAD_IN_ENGLISH = [
    at("HK", "Floor 12, 88 Nathan Road", **KOWLOON),
    at("HK", "LG/F, 88 Nathan Rd.", district="Kowloon"),
    at("HK", "Rm. 1201, 88 NATHAN ROAD, KOWLOON, HKSAR"),
    at("HK", "Unit 1201-02, 12 / F, 88 Nathan Road, Kowloon, Hong Kong SAR"),
    at("HK", "Shop 5, M/F, 88 Nathan Road", city="Kowloon"),
]


async def test_an_export_ring_to_a_hong_kong_building_in_five_english_writings_is_held(
    engine: Engine,
) -> None:
    """ANT_MOVING_RECEIVER: floor and flat words in any form, HKSAR and Hong Kong SAR dropped."""
    decisions = await run(engine, exports_to(NATHAN_ROAD_IN_ENGLISH, 500.0))
    assert not any(fired(decisions[:4], "ANT_MOVING_RECEIVER"))
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 5)


# 4. Through the rules: NEAR_LIMIT_SPLIT ------------------------------------------------------------------

NANSHAN = ("广东省", "深圳市", "南山区")


@pytest.mark.parametrize(
    ("third", "fires"),
    [
        pytest.param(
            cn(*NANSHAN, "南山区粤海街道办事处科苑路15号三栋1502"), True, id="street-office-and-numeral"
        ),
        pytest.param(
            cn("广东", "深圳", "南山", "深圳南山粤海街道科苑路十五号3#"), True, id="short-names-bare-prefix"
        ),
        pytest.param(cn(*NANSHAN, "粤海街道科苑路15号13栋"), False, id="building-thirteen"),
    ],
)
async def test_a_third_near_limit_import_to_the_building_behind_a_sub_district_is_a_split(
    engine: Engine, third: Body, fires: bool
) -> None:
    """NEAR_LIMIT_SPLIT: 3 in [900, 1,000) in 7 days to one building; 街道 dropped, another building not."""
    places = [cn(*NANSHAN, "科苑路15号3栋201"), cn(*NANSHAN, "粤海街道科苑路15号3号楼1201"), third]
    trio = ring_to([receiver_at(i, p) for i, p in enumerate(places)], value=950.0, step_h=30.0)
    decisions = await run(engine, trio)
    assert not any(fired(decisions[:2], "NEAR_LIMIT_SPLIT"))
    if not fires:
        assert "NEAR_LIMIT_SPLIT" not in codes(decisions[2])
        return
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"], ev["band"]) == ("receiver_address", 3, [900.0, 1000.0])
    assert set(ev["linked_waybills"]) == numbers(trio[:2])


KUNSHAN = ("江苏省", "苏州市", "昆山市")


@pytest.mark.parametrize(
    ("third", "fires"),
    [
        pytest.param("周庄镇全福路一号3楼", True, id="same-town-numeral-and-floor"),
        pytest.param("锦溪镇全福路1号", False, id="same-road-in-another-town"),
    ],
)
async def test_near_limit_imports_to_one_road_in_two_towns_are_two_addresses(
    engine: Engine, third: str, fires: bool
) -> None:
    """Towns (镇) are kept: their roads repeat in one county, so another town is another building."""
    places = [cn(*KUNSHAN, "周庄镇全福路1号"), cn(*KUNSHAN, "周庄镇全福路1号201室"), cn(*KUNSHAN, third)]
    decisions = await run(engine, ring_to([receiver_at(i, p) for i, p in enumerate(places)], value=950.0))
    assert fired(decisions, "NEAR_LIMIT_SPLIT") == [False, False, fires]
    if fires:
        assert evidence(decisions[2], "NEAR_LIMIT_SPLIT")["entity"] == "receiver_address"


async def test_three_near_limit_exports_to_one_new_york_building_in_three_writings_are_a_split(
    engine: Engine,
) -> None:
    """NEAR_LIMIT_SPLIT (L = 1,000 to the US): Apt, ZIP+4 and country name, Suite; one building."""
    places = [
        at("US", "7 Wall Street, Apt 5B", **NEW_YORK),
        at("US", "7 Wall St, New York, NY 10005-1234, United States"),
        at("US", "Suite 300, 7 Wall St", **NEW_YORK),
    ]
    trio = exports_to(places, 950.0, step_h=30.0)
    decisions = await run(engine, trio)
    assert not any(fired(decisions[:2], "NEAR_LIMIT_SPLIT"))
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"], ev["band"]) == ("receiver_address", 3, [900.0, 1000.0])


@pytest.mark.parametrize(
    ("third", "fires"),
    [
        pytest.param("BLK 123 ANG MO KIO AVE 3 #01-01", True, id="same-block-other-unit"),
        pytest.param("Blk 124 Ang Mo Kio Ave 3 #05-67", False, id="next-block-same-unit"),
    ],
)
async def test_near_limit_exports_to_a_singapore_block_count_by_block_not_unit(
    engine: Engine, third: str, fires: bool
) -> None:
    """NEAR_LIMIT_SPLIT by building: a Singapore #floor-unit is dropped, the block number is not."""
    places = [
        at("SG", "Blk 123 Ang Mo Kio Ave 3 #05-67"),
        at("SG", "Block 123 Ang Mo Kio Avenue 3, #12-34, Singapore"),
        at("SG", third),
    ]
    decisions = await run(engine, exports_to(places, 950.0, step_h=30.0))
    assert fired(decisions, "NEAR_LIMIT_SPLIT") == [False, False, fires]


# 5. Through the rules: watch lists and prior violations -------------------------------------------------


async def test_a_listed_taipei_building_in_a_lane_matches_its_writings_not_the_next_alley(
    engine: Engine,
) -> None:
    """WATCHLIST_HIT by receiver address: one Taipei building in Chinese numerals; another alley not."""
    listed = at("TW", "忠孝東路四段100巷5弄3號", city="台北市", district="大安區")
    await engine.set_listed([address_entry(listed)])
    same = at("TW", "台灣臺北市大安區忠孝東路四段一百巷五弄三號7樓之1")
    d = await score(engine, export_postal(receiver=receiver_at(1, same)))
    assert (d.decision, hits(d)) == ("hold", [("receiver_address", ["watch"])])
    next_alley = at("TW", "台北市大安區忠孝東路四段100巷7弄3號")
    other = await score(engine, export_postal(receiver=receiver_at(2, next_alley)))
    assert "WATCHLIST_HIT" not in codes(other)


async def test_a_listed_seoul_building_matches_its_writings_not_the_next_door(engine: Engine) -> None:
    """WATCHLIST_HIT: a Seoul building with floor, district, city and country in the detail."""
    await engine.set_listed([address_entry(TEHERAN, "black")])
    same = at("KR", "15F, 123 Teheran-ro, Gangnam-gu, Seoul, South Korea")
    d = await score(engine, export_postal(receiver=receiver_at(3, same)))
    assert hits(d) == [("receiver_address", ["black"])]
    next_door = at("KR", "125 Teheran-ro", city="Seoul", district="Gangnam-gu")
    assert hits(await score(engine, export_postal(receiver=receiver_at(4, next_door)))) == []


async def test_a_violation_at_a_tokyo_building_reaches_its_writing_with_room_and_regions(
    engine: Engine,
) -> None:
    """PRIOR_VIOLATIONS: one confirmed violation of a building inspects a parcel to it, however typed."""
    ref = {"kind": "address", "address": ROPPONGI}
    await engine.record_violations([violation(ref, "2026-09-01T10:00:00+08:00", "SF:SF0000000901")])
    written = at("JP", "Room 2301, 1-1-1 Roppongi, Minato-ku, Tokyo, JAPAN")
    d = await score(engine, export_postal(receiver=receiver_at(3, written)))
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert (ev["entity"], ev["violations"], d.decision) == ("receiver_address", 1, "inspect")


async def test_a_listed_building_in_liaoning_chaoyang_does_not_hold_a_beijing_chaoyang_parcel(
    engine: Engine,
) -> None:
    """Another city is another address: 朝阳区 of Beijing is not 朝阳市 of Liaoning."""
    await engine.set_listed([address_entry(cn("辽宁省", "朝阳市", "朝阳县", "人民路88号3栋"), "black")])
    beijing = cn("北京市", "朝阳区", "朝阳区", "人民路88号3栋1201")
    d = await score(engine, waybill(receiver=receiver_at(4, beijing)))
    assert "WATCHLIST_HIT" not in codes(d)


async def test_a_listed_tokyo_building_in_kanji_does_not_hold_another_block(engine: Engine) -> None:
    """Another block and building of one chome is another address."""
    await engine.set_listed([address_entry(at("JP", "六本木6-10-1", province="東京都", city="港区"))])
    d = await score(engine, export_postal(receiver=receiver_at(5, at("JP", "東京都港区六本木6-2-31"))))
    assert "WATCHLIST_HIT" not in codes(d)


async def test_a_listed_taipei_building_matches_its_section_in_arabic_digits(engine: Engine) -> None:
    """WATCHLIST_HIT: 信義路5段 is 信義路五段 (one building however typed)."""
    await engine.set_listed([address_entry(XINYI)])
    written = at("TW", "信義路5段7號35樓", city="台北市", district="信義區")
    d = await score(engine, export_postal(receiver=receiver_at(6, written)))
    assert hits(d) == [("receiver_address", ["watch"])]
