"""Goods signals: value per kg, protected brands under their floor, commercial quantities, inference.

Written from shared/domain/RULES.md §2 (the 16 goods categories; `category` inferred from Chinese and English
descriptions when a request leaves it out) and §3 (WEIGHT_VALUE_MISMATCH: value per kg outside the category's
plausible band, bands in the policy; BRAND_PRICE_ANOMALY: a protected brand at a unit value under its floor,
floors shipped with the brand list; COMMERCIAL_QUANTITY: a personal article with more than 10 units of one
item, 5 for medicine and cosmetics; OVER_PERSONAL_LIMIT: hold, inspect for a single article; the final
decision is the most severe outcome), the wire contract (each reason has a code, an outcome, a Chinese and an
English sentence and evidence; `case_id` is set on a hold), the shipped policy (screening/policy/policy.toml:
bands, counts, the minimum weight judged) and brand list (features/data/brands.csv: the floors).

Readings chosen where the sources are silent:
- A band is closed: a value per kg equal to either end of it is inside ("outside" is strictly outside).
- The value per kg of a parcel is its whole declared value (in CNY) over its weight, judged against the band
  of the category of its most valuable line.
- "One item" is one article, however many lines it is declared on: lines of the same description (case,
  width, punctuation and traditional/simplified script aside) add up; different articles do not.
- The brand floor is compared with the unit value, not the line's or the parcel's total.
"""

import re
from typing import Any

import pytest

from features.goods import CATEGORIES  # RULES.md §2, in its order
from screening.agreements import Agreement
from screening.contract import Decision
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import NO_ID, cn_receiver, export_postal, hk_receiver, party, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import assert_well_formed
from tests.screening.test_scenarios_goods import line, the_reason
from tests.screening.test_scenarios_mixed_reasons import assert_reason_well_formed

pytestmark = pytest.mark.anyio

WVM = "WEIGHT_VALUE_MISMATCH"
BPA = "BRAND_PRICE_ANOMALY"
CQ = "COMMERCIAL_QUANTITY"
OPL = "OVER_PERSONAL_LIMIT"
SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}


# Helpers


async def decide(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Score a waybill; the decision must be its most severe reason, each reason with sentences, evidence."""
    d = await score(engine, wb)
    assert_well_formed(d)
    for r in d.reasons:
        assert_reason_well_formed(r)
    return d


def outcomes(d: Decision) -> dict[str, str]:
    """Each reason's code and the outcome it asks for (each code given once)."""
    found = [(r.code, r.outcome) for r in d.reasons]
    assert len({c for c, _ in found}) == len(found), found
    return dict(found)


def band_of(engine: Engine, category: str) -> tuple[float, float]:
    """The policy's value-per-kg band of a category (RULES.md §3: bands in the policy)."""
    return next(b for c, b in engine.policy.goods.value_per_kg.items() if c == category)


def japan() -> dict[str, Any]:
    """A private person in Tokyo (limit 1,000 CNY; no ID: a sender abroad needs none)."""
    return hk_receiver(name="SATO HANAKO", phone="+81312345678", address={"country": "JP", "city": "Tokyo"})


def buyer() -> dict[str, Any]:
    """A mainland receiver with a resident ID (the buyer of a cross-border e-commerce import)."""
    return cn_receiver(
        id_type="resident_id", id_number=resident_id(region="320102", birth="19880808", seq="417")
    )


def shown(figure: str, text: str) -> bool:
    """Whether a figure is in a sentence (thousands separators dropped), not inside a longer number."""
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?!\d|\.\d)", text.replace(",", "")) is not None


# WEIGHT_VALUE_MISMATCH: every category's band, both sides, at both edges (policy.toml [goods.value_per_kg])


@pytest.mark.parametrize("category", CATEGORIES)
async def test_value_per_kg_at_the_band_edges_is_inside_and_a_cent_beyond_is_inspected(
    engine: Engine, category: str
) -> None:
    """2 kg at either end of the band pass; a cent under the low end or over the high end is inspected."""
    low, high = band_of(engine, category)
    points = [(low * 2, False), (high * 2, False), (high * 2 + 0.01, True)]
    if low > 0:
        points.append((low * 2 - 0.01, True))
    for value, fires in points:
        goods = [line("货物 goods", category, unit_value=round(value, 2))]
        d = await decide(engine, waybill(items=goods, weight_kg=2.0))
        assert (WVM in codes(d)) is fires, (category, value, sorted(codes(d)))
        if not fires:
            continue
        r = the_reason(d, WVM)
        ev = r.evidence
        assert r.outcome == "inspect"
        assert (ev["category"], ev["category_inferred"]) == (category, False)
        assert (ev["band_low"], ev["band_high"]) == (low, high)
        assert (ev["value_cny"], ev["weight_kg"]) == (round(value, 2), 2.0)
        assert not low <= ev["value_per_kg"] <= high, ev
        # RULES.md §2: hazardous chemicals are prohibited for post, so that parcel is rejected as well.
        assert d.decision == ("reject" if category == "hazardous_chemicals" else "inspect")


@pytest.mark.parametrize(
    ("description", "category", "value", "weight_kg"),
    [
        ("卷烟 一条 cigarettes", "tobacco", 55.0, 1.1),  # 50 CNY/kg: tobacco's band starts at 50
        ("燕窝 bird's nest", "food", 21000.0, 0.7),  # 30,000 CNY/kg: food's band ends at 30,000
    ],
    ids=["tobacco-low-edge", "food-high-edge"],
)
async def test_a_value_per_kg_exactly_at_the_edge_is_inside_whatever_the_weight(
    engine: Engine, description: str, category: str, value: float, weight_kg: float
) -> None:
    """A parcel declared at exactly the band's end times its weight is not inspected for value per kg."""
    band = band_of(engine, category)
    assert round(value / weight_kg, 6) in band
    goods = [line(description, category, unit_value=value)]
    d = await decide(engine, waybill(items=goods, weight_kg=weight_kg))
    assert WVM not in codes(d), the_reason(d, WVM).message_en
    assert d.decision == "release"


@pytest.mark.parametrize(
    ("value", "weight_kg", "category", "figure"),
    [
        (59.99, 3.0, "electronics", "19.99"),  # 19.9967 CNY/kg under 20: not written "20"
        (90000.02, 3.0, "food", "30000.01"),  # 30,000.0067 CNY/kg over 30,000: not written "30,000"
    ],
    ids=["under", "over"],
)
async def test_the_value_per_kg_is_shown_on_the_far_side_of_the_band(
    engine: Engine, value: float, weight_kg: float, category: str, figure: str
) -> None:
    """A value per kg a fraction outside the band is written outside it, in evidence and both sentences."""
    goods = [line("货物 goods", category, unit_value=value)]
    r = the_reason(await decide(engine, waybill(items=goods, weight_kg=weight_kg)), WVM)
    assert r.evidence["value_per_kg"] == float(figure)
    for text in (r.message, r.message_en):
        assert shown(figure, text), text


async def test_the_band_is_the_most_valuable_lines_and_the_value_the_whole_parcels(engine: Engine) -> None:
    """Phone + socks at ~14.5 CNY/kg: on electronics' band when the phone is worth most, else apparel's."""
    # policy.toml: electronics from 20 CNY/kg, apparel_shoes from 10.
    phone_first = [
        line("手机 mobile phone", "electronics", unit_value=500.0),
        line("袜子 socks", "apparel_shoes", quantity=11, unit_value=20.0),
    ]
    ev = the_reason(await decide(engine, waybill(items=phone_first, weight_kg=50.0)), WVM).evidence
    assert (ev["category"], ev["value_cny"], ev["weight_kg"], ev["value_per_kg"]) == (
        "electronics",
        720.0,
        50.0,
        14.4,
    )
    socks_first = [
        line("手机 mobile phone", "electronics", unit_value=300.0),
        line("袜子 socks", "apparel_shoes", quantity=11, unit_value=40.0),
    ]
    d = await decide(engine, waybill(items=socks_first, weight_kg=50.0))  # 14.8 CNY/kg
    assert WVM not in codes(d) and d.decision == "release"


async def test_the_value_per_kg_is_judged_in_cny(engine: Engine) -> None:
    """A 1 kg phone at 3 USD (21.3 CNY) is inside the band from 20 CNY/kg; at 2.5 USD (17.75) it is not."""
    for usd, fires in ((3.0, False), (2.5, True)):
        goods = [line("手机 mobile phone", "electronics", unit_value=usd)]
        d = await decide(engine, waybill(items=goods, currency="USD", weight_kg=1.0))
        assert (WVM in codes(d)) is fires, usd
        if fires:
            ev = the_reason(d, WVM).evidence
            assert ev["value_cny"] == pytest.approx(usd * 7.1, abs=0.01)  # settings: 7.1 CNY to the dollar
            assert ev["value_per_kg"] == pytest.approx(17.75, abs=0.01)


async def test_a_parcel_at_the_policys_minimum_weight_is_judged_and_a_lighter_one_is_not(
    engine: Engine,
) -> None:
    """10 CNY/kg electronics: inspected at 0.05 kg, not judged at 0.049 kg (the policy's minimum weight)."""
    assert engine.policy.goods.min_weight_for_value_check_kg == 0.05
    at_min = waybill(items=[line("数据线 usb cable", "electronics", unit_value=0.5)], weight_kg=0.05)
    assert the_reason(await decide(engine, at_min), WVM).evidence["weight_kg"] == 0.05
    lighter = waybill(items=[line("数据线 usb cable", "electronics", unit_value=0.49)], weight_kg=0.049)
    assert WVM not in codes(await decide(engine, lighter))


@pytest.mark.parametrize("lane", ["export-postal", "import-postal"])
async def test_value_per_kg_and_brand_floor_are_judged_on_cross_border_lanes(
    engine: Engine, lane: str
) -> None:
    """A 40 CNY Dior lipstick weighing 10 kg is inspected for both signals, leaving or entering China."""
    goods = [line("口红 lipstick", "cosmetics", unit_value=40.0, brand="Dior")]  # 4 CNY/kg; floor 150
    if lane == "export-postal":
        wb = export_postal(items=goods, weight_kg=10.0)
    else:
        wb = waybill(service="import", channel="postal", sender=japan(), items=goods, weight_kg=10.0)
    d = await decide(engine, wb)
    assert outcomes(d) == {WVM: "inspect", BPA: "inspect"} and d.decision == "inspect"


# BRAND_PRICE_ANOMALY: the floors of features/data/brands.csv, the brand however it is written


@pytest.mark.parametrize("brand", ["dior", "DIOR", "迪奥", "CHRISTIAN DIOR"])
async def test_the_brand_field_names_the_brand_in_any_case_and_script(engine: Engine, brand: str) -> None:
    """Brand field Dior in any case or in Chinese on a cosmetic: 149.99 CNY is inspected, 150 is not."""
    # brands.csv: Dior, cosmetics, floor 150.
    for unit_value, fires in ((149.99, True), (150.0, False)):
        goods = [line("口红 lipstick", "cosmetics", unit_value=unit_value, brand=brand)]
        d = await decide(engine, waybill(items=goods))
        assert (BPA in codes(d)) is fires, (brand, unit_value)
        if fires:
            ev = the_reason(d, BPA).evidence
            assert (ev["brand"], ev["unit_value_cny"], ev["floor_cny"]) == ("Dior", 149.99, 150.0)
            assert d.decision == "inspect"


@pytest.mark.parametrize("description", ["DIOR 口红", "dior lipstick", "迪奥口红"])
async def test_a_brand_written_in_the_description_is_found_without_a_brand_field(
    engine: Engine, description: str
) -> None:
    """No brand field or category: Dior in the description, in any case or in Chinese, has the 150 floor."""
    for unit_value, fires in ((149.99, True), (150.0, False)):
        d = await decide(engine, waybill(items=[line(description, unit_value=unit_value)]))
        assert (BPA in codes(d)) is fires, (description, unit_value)
        if fires:
            ev = the_reason(d, BPA).evidence
            assert (ev["brand"], ev["floor_cny"]) == ("Dior", 150.0)


@pytest.mark.parametrize(
    ("description", "brand", "floor"),
    [
        ("路易威登 手提包", "Louis Vuitton", 8000.0),  # bags_leather
        ("香奈兒 手提包", "Chanel", 15000.0),  # traditional script; bags_leather
        ("劳力士 手表 ROLEX watch", "Rolex", 30000.0),
        ("飞天茅台 53度 500ml", "Kweichow Moutai", 1000.0),  # food
        ("加拿大鹅 羽绒服 down jacket", "Canada Goose", 1500.0),  # apparel_shoes
    ],
)
async def test_each_brand_has_the_floor_of_the_shipped_list(
    engine: Engine, description: str, brand: str, floor: float
) -> None:
    """A cent under the brand's floor is inspected, brand and floor in evidence and sentences; at it, not."""
    under = await decide(engine, waybill(items=[line(description, unit_value=floor - 0.01)], weight_kg=0.6))
    r = the_reason(under, BPA)
    assert (r.outcome, r.evidence["brand"], r.evidence["floor_cny"]) == ("inspect", brand, floor)
    assert r.evidence["unit_value_cny"] == floor - 0.01
    assert brand in r.message and brand in r.message_en
    at = await decide(engine, waybill(items=[line(description, unit_value=floor)], weight_kg=0.6))
    assert BPA not in codes(at)


async def test_a_brand_on_the_second_line_is_found_and_pointed_at(engine: Engine) -> None:
    """T-shirts, then a Chanel lipstick: at 199.99 (floor 200) line 1 is named; at 200 nothing fires."""
    for unit_value, fires in ((199.99, True), (200.0, False)):
        goods = [
            line("纯棉T恤 cotton T-shirt", "apparel_shoes", quantity=3, unit_value=60.0),
            line("香奈儿 口红 lipstick", "cosmetics", unit_value=unit_value),
        ]
        d = await decide(engine, waybill(items=goods))
        assert (BPA in codes(d)) is fires
        if fires:
            r = the_reason(d, BPA)
            assert r.evidence["items"] == [
                {"item": 1, "brand": "Chanel", "unit_value_cny": 199.99, "floor_cny": 200.0}
            ]
            assert "Chanel" in r.message and "Chanel" in r.message_en
        else:
            assert d.decision == "release"


async def test_two_cheap_brands_on_two_lines_are_both_in_the_evidence(engine: Engine) -> None:
    """An LV bag at 1,200 and a Gucci belt at 100: one reason, both lines with their own floors."""
    goods = [
        line("LV 手提包 handbag", "bags_leather", unit_value=1200.0),  # floor 8,000
        line("古驰 皮带 leather belt", "bags_leather", unit_value=100.0),  # floor 6,000
    ]
    d = await decide(engine, waybill(items=goods, weight_kg=1.0))
    ev = the_reason(d, BPA).evidence
    assert ev["items"] == [
        {"item": 0, "brand": "Louis Vuitton", "unit_value_cny": 1200.0, "floor_cny": 8000.0},
        {"item": 1, "brand": "Gucci", "unit_value_cny": 100.0, "floor_cny": 6000.0},
    ]
    assert (ev["brand"], ev["floor_cny"]) == ("Louis Vuitton", 8000.0)
    assert d.decision == "inspect"


async def test_the_floor_is_compared_with_the_unit_value_not_the_lines_total(engine: Engine) -> None:
    """Three Dior lipsticks at 100 (300 in all) are under the 150 floor; one at 150 is not."""
    three = waybill(items=[line("口红 lipstick", "cosmetics", quantity=3, unit_value=100.0, brand="Dior")])
    assert the_reason(await decide(engine, three), BPA).evidence["unit_value_cny"] == 100.0
    one = waybill(items=[line("口红 lipstick", "cosmetics", quantity=1, unit_value=150.0, brand="Dior")])
    assert BPA not in codes(await decide(engine, one))


# COMMERCIAL_QUANTITY: more than 10 units of one item, 5 for medicine and cosmetics, personal articles only


@pytest.mark.parametrize(
    ("description", "category", "max_units"),
    [
        ("布洛芬 ibuprofen", "medicine", 5),  # RULES.md §3: 5 for medicine and cosmetics
        ("粉底液 foundation", "cosmetics", 5),
        ("数据线 usb cable", "electronics", 10),  # RULES.md §3: more than 10 units
    ],
)
async def test_the_unit_count_of_a_declared_category_at_and_over(
    engine: Engine, description: str, category: str, max_units: int
) -> None:
    """max_units units pass; one more is inspected, quantity, limit and declared category in evidence."""
    at = [line(description, category, quantity=max_units, unit_value=5.0)]
    assert CQ not in codes(await decide(engine, export_postal(items=at, weight_kg=1.0)))
    over = [line(description, category, quantity=max_units + 1, unit_value=5.0)]
    d = await decide(engine, export_postal(items=over, weight_kg=1.0))
    r = the_reason(d, CQ)
    assert r.outcome == "inspect" and d.decision == "inspect"
    ev = r.evidence
    assert (ev["quantity"], ev["max_units"], ev["category"], ev["category_inferred"]) == (
        max_units + 1,
        max_units,
        category,
        False,
    )
    assert (ev["item"], ev["description"]) == (0, description)


SPLITS: list[Any] = [
    pytest.param([("袜子 socks", 5), ("袜子 socks", 6)], 11, 10, id="socks-5+6"),
    pytest.param([("袜子 socks", 5), ("袜子 socks", 5)], None, 10, id="socks-5+5"),
    pytest.param([("布洛芬 ibuprofen", 3), ("布洛芬 ibuprofen", 3)], 6, 5, id="medicine-3+3"),
    pytest.param([("布洛芬 ibuprofen", 3), ("布洛芬 ibuprofen", 2)], None, 5, id="medicine-3+2"),
    pytest.param([("Face Cream", 3), ("face cream.", 3)], 6, 5, id="cosmetics-case-and-full-stop"),
    pytest.param([("面霜", 3), ("麵霜", 3)], 6, 5, id="cosmetics-traditional-script"),
]


@pytest.mark.parametrize(("lines", "total", "max_units"), SPLITS)
async def test_units_of_one_item_split_over_lines_add_up(
    engine: Engine, lines: list[tuple[str, int]], total: int | None, max_units: int
) -> None:
    """The same article on several lines counts as one: over the count, inspected with every line named."""
    goods = [line(text, quantity=q, unit_value=8.0) for text, q in lines]
    d = await decide(engine, export_postal(items=goods, weight_kg=1.0))
    if total is None:
        assert CQ not in codes(d) and d.decision == "release"
        return
    ev = the_reason(d, CQ).evidence
    assert (ev["quantity"], ev["max_units"]) == (total, max_units)
    assert ev["items"] == list(range(len(lines))) and ev["item"] == 0
    assert d.decision == "inspect"


async def test_a_split_item_with_another_article_between_its_lines_still_adds_up(engine: Engine) -> None:
    """Lipstick 3, a T-shirt, lipstick 3: six lipsticks over 5, lines 0 and 2 named, the T-shirt not."""
    goods = [
        line("口红 lipstick", quantity=3, unit_value=30.0),
        line("纯棉T恤 cotton T-shirt", quantity=1, unit_value=60.0),
        line("口红 lipstick", "cosmetics", quantity=3, unit_value=30.0),
    ]
    ev = the_reason(await decide(engine, export_postal(items=goods, weight_kg=1.0)), CQ).evidence
    assert (ev["quantity"], ev["max_units"], ev["items"], ev["category"]) == (6, 5, [0, 2], "cosmetics")


async def test_different_articles_are_not_added_up(engine: Engine) -> None:
    """Six socks and six T-shirts, three lipsticks and three face creams: no article over its count."""
    goods = [
        line("袜子 socks", quantity=6, unit_value=8.0),
        line("纯棉T恤 cotton T-shirt", quantity=6, unit_value=8.0),
        line("口红 lipstick", quantity=3, unit_value=8.0),
        line("面霜 face cream", quantity=3, unit_value=8.0),
    ]
    d = await decide(engine, export_postal(items=goods, weight_kg=2.0))
    assert CQ not in codes(d) and d.decision == "release"


async def test_two_articles_over_their_counts_are_both_named(engine: Engine) -> None:
    """Eleven socks and six lipsticks: one reason speaks of the socks, its evidence names the lipsticks."""
    goods = [
        line("袜子 socks", quantity=11, unit_value=8.0),
        line("口红 lipstick", quantity=6, unit_value=8.0),
    ]
    r = the_reason(await decide(engine, export_postal(items=goods, weight_kg=1.0)), CQ)
    assert (r.evidence["item"], r.evidence["quantity"], r.evidence["max_units"]) == (0, 11, 10)
    [other] = r.evidence["others"]
    assert (other["item"], other["quantity"], other["max_units"], other["category"]) == (1, 6, 5, "cosmetics")
    assert "袜子 socks" in r.message and "11" in r.message_en


@pytest.mark.parametrize(
    ("lane", "personal"),
    [
        ("domestic", False),
        ("import-cbec", False),
        ("export-express-agreement-customer", False),
        ("import-postal", True),
        ("import-express-individual", True),
    ],
)
async def test_commercial_quantity_is_for_personal_articles_only(
    engine: Engine, lane: str, personal: bool
) -> None:
    """12 pairs of socks: inspected as postal or an individual's express; not domestic, cbec, shop express."""
    # RULES.md §3: personal articles are the postal channel and express parcels of individuals.
    engine.agreements.upsert([Agreement(contract_id="HT-GOODS-01", name="某网店", carrier="SF")])
    shop = party(**(NO_ID | {"name": "某网店", "customer_type": "contract", "contract_id": "HT-GOODS-01"}))
    goods = [line("袜子 socks", "apparel_shoes", quantity=12, unit_value=10.0)]
    wb: dict[str, Any]
    if lane == "domestic":
        wb = waybill(items=goods)
    elif lane == "import-cbec":
        wb = waybill(service="import", channel="cbec", sender=japan(), receiver=buyer(), items=goods)
    elif lane == "export-express-agreement-customer":
        wb = waybill(service="export", channel="express", sender=shop, receiver=hk_receiver(), items=goods)
    elif lane == "import-postal":
        wb = waybill(service="import", channel="postal", sender=japan(), items=goods)
    else:
        wb = waybill(service="import", channel="express", sender=japan(), items=goods)
    d = await decide(engine, wb)
    assert (CQ in codes(d)) is personal, sorted(codes(d))
    if personal:
        assert the_reason(d, CQ).evidence["quantity"] == 12 and d.decision == "inspect"


# Category inference: the same goods in Chinese and in English, each category of RULES.md §2, seen through
# the value-per-kg band (30,000 CNY at 0.05 kg is 600,000 CNY/kg, over every band's top; evidence names it)

PAIRS: list[Any] = [
    ("杀虫剂", "insecticide", "agri_inputs"),
    ("月饼 礼盒", "mooncakes", "food"),
    ("阿莫西林胶囊", "amoxicillin capsules", "medicine"),
    ("眼影", "eyeshadow palette", "cosmetics"),
    ("血糖仪", "glucose meter", "medical_devices"),
    ("笔记本电脑", "laptop", "electronics"),
    ("火花塞", "spark plugs", "auto_parts"),
    ("墙纸", "wallpaper rolls", "building_materials"),
    ("硝酸钠", "sodium nitrate", "hazardous_chemicals"),
    ("婴儿奶瓶", "baby bottle", "children_products"),
    ("行李箱", "suitcase", "bags_leather"),
    ("牛仔裤", "jeans", "apparel_shoes"),
    ("雪茄", "cigars", "tobacco"),
    ("漫画书", "comic books", "publications"),
    ("信函", "business letter", "documents"),
    ("雨伞", "umbrella", "general"),
]


# Each of these once read as general goods in one language (a gap of the goods lists).
FILLED: list[tuple[str, str, str]] = [
    ("番茄种子", "tomato seeds", "agri_inputs"),  # RULES.md §2 names seeds under agri_inputs
    ("玉米种子", "corn seeds", "agri_inputs"),
    ("葵花籽", "sunflower seeds", "food"),  # a snack, not seed for sowing
    ("晚霜", "night cream", "cosmetics"),
    ("日霜", "day cream", "cosmetics"),
    ("安眠药", "sleeping pills", "medicine"),
    ("膏药", "medicated plaster", "medicine"),
    ("电风扇", "electric fan", "electronics"),
    ("电暖器", "electric heater", "electronics"),
    ("电熨斗", "electric iron", "electronics"),
    ("钙片", "calcium tablets", "food"),  # a health food (保健食品), as 钙片 reads
    ("鱼油", "fish oil capsules", "food"),
]


@pytest.mark.parametrize(("zh", "en", "category"), PAIRS + FILLED)
async def test_chinese_and_english_descriptions_of_the_same_goods_infer_the_same_category(
    engine: Engine, zh: str, en: str, category: str
) -> None:
    """Without `category`, the Chinese and the English description are judged on the same category's band."""
    band = band_of(engine, category)
    for description in (zh, en):
        d = await decide(engine, waybill(items=[line(description, unit_value=30000.0)], weight_kg=0.05))
        ev = the_reason(d, WVM).evidence
        assert (ev["category"], ev["category_inferred"]) == (category, True), (description, ev["category"])
        assert (ev["band_low"], ev["band_high"]) == band


@pytest.mark.parametrize(("description", "category"), [("感冒灵 颗粒", "medicine"), ("MASCARA", "cosmetics")])
async def test_an_inferred_medicine_or_cosmetic_has_the_count_of_five(
    engine: Engine, description: str, category: str
) -> None:
    """Five units of an undeclared medicine or cosmetic pass; six are inspected, the category named."""
    at = export_postal(items=[line(description, quantity=5, unit_value=10.0)], weight_kg=1.0)
    assert CQ not in codes(await decide(engine, at))
    over = export_postal(items=[line(description, quantity=6, unit_value=10.0)], weight_kg=1.0)
    ev = the_reason(await decide(engine, over), CQ).evidence
    assert (ev["category"], ev["category_inferred"], ev["max_units"], ev["quantity"]) == (
        category,
        True,
        5,
        6,
    )


# With the personal-article limit on multi-line parcels: the most severe reason decides, every reason is kept


SOCKS_11 = line("袜子 socks", "apparel_shoes", quantity=11, unit_value=50.0)  # 550 CNY, over 10 units


def dior(quantity: int) -> dict[str, Any]:
    """Dior lipsticks at 100 CNY each, under the 150 floor."""
    return line("口红 lipstick", "cosmetics", quantity=quantity, unit_value=100.0, brand="Dior")


async def test_goods_signals_under_the_limit_are_inspected(engine: Engine) -> None:
    """750 CNY to Hong Kong (limit 800) with 11 socks and cheap Dior: inspected for both, no limit reason."""
    d = await decide(engine, export_postal(items=[SOCKS_11, dior(2)], weight_kg=1.0))
    assert outcomes(d) == {BPA: "inspect", CQ: "inspect"} and d.decision == "inspect"
    assert the_reason(d, BPA).evidence["items"][0]["item"] == 1
    assert the_reason(d, CQ).evidence["item"] == 0


async def test_goods_signals_over_the_limit_are_held_and_kept(engine: Engine) -> None:
    """850 CNY to Hong Kong on two lines: held for the limit first, both goods reasons kept with evidence."""
    d = await decide(engine, export_postal(items=[SOCKS_11, dior(3)], weight_kg=1.0))
    assert outcomes(d) == {OPL: "hold", BPA: "inspect", CQ: "inspect"}
    assert d.decision == "hold" and d.reasons[0].code == OPL
    ev = the_reason(d, OPL).evidence
    assert (ev["value_cny"], ev["limit_cny"], ev["single_article"]) == (850.0, 800.0, False)
    assert the_reason(d, BPA).evidence["items"] == [
        {"item": 1, "brand": "Dior", "unit_value_cny": 100.0, "floor_cny": 150.0}
    ]
    assert (the_reason(d, CQ).evidence["quantity"], the_reason(d, CQ).evidence["max_units"]) == (11, 10)


@pytest.mark.parametrize(("second_line", "decision"), [(False, "inspect"), (True, "hold")])
async def test_a_cheap_branded_single_article_over_the_limit_is_inspected_until_a_second_line(
    engine: Engine, second_line: bool, decision: str
) -> None:
    """An LV bag at 1,200 CNY to Hong Kong: inspected as a single article; with socks added, held."""
    goods = [line("LV 手提包 handbag", "bags_leather", unit_value=1200.0, brand="LV")]
    if second_line:
        goods.append(line("袜子 socks", "apparel_shoes", unit_value=10.0))
    d = await decide(engine, export_postal(items=goods, weight_kg=1.0))
    assert outcomes(d) == {OPL: decision, BPA: "inspect"} and d.decision == decision
    assert the_reason(d, OPL).evidence["single_article"] is not second_line
    assert the_reason(d, BPA).evidence["floor_cny"] == 8000.0


@pytest.mark.parametrize(
    ("receiver", "socks_value", "held"),
    [
        (hk_receiver(), 50.0, False),  # 11 × 50 + 5 × 50 = 800: at the 800 limit
        (hk_receiver(), 50.01, True),  # 800.11
        (japan(), 68.18, False),  # 749.98 + 250 = 999.98: under the 1,000 limit
        (japan(), 68.19, True),  # 1,000.09
    ],
    ids=["hk-at-800", "hk-over-800", "jp-under-1000", "jp-over-1000"],
)
async def test_the_limit_decides_between_inspect_and_hold_for_a_parcel_of_too_many_units(
    engine: Engine, receiver: dict[str, Any], socks_value: float, held: bool
) -> None:
    """Eleven socks and five lipsticks: inspected for the socks alone up to the limit, held once over it."""
    # GACC 2010 No. 43: 800 CNY to HK/MO/TW, 1,000 elsewhere.
    goods = [
        line("袜子 socks", "apparel_shoes", quantity=11, unit_value=socks_value),
        line("口红 lipstick", "cosmetics", quantity=5, unit_value=50.0),  # five cosmetics: not over 5
    ]
    d = await decide(engine, export_postal(receiver=receiver, items=goods, weight_kg=1.0))
    assert outcomes(d) == ({CQ: "inspect", OPL: "hold"} if held else {CQ: "inspect"})
    assert d.decision == ("hold" if held else "inspect")
    assert the_reason(d, CQ).evidence["items"] == [0]


async def test_one_item_split_over_two_lines_over_the_limit_is_held_and_counted_whole(engine: Engine) -> None:
    """Face cream 3 + 3 at 150 CNY: 900 CNY over 800 held, six jars over 5 inspected, both lines named."""
    goods = [
        line("面霜 face cream", quantity=3, unit_value=150.0),
        line("面霜 face cream", quantity=3, unit_value=150.0),
    ]
    d = await decide(engine, export_postal(items=goods, weight_kg=1.0))
    assert outcomes(d) == {OPL: "hold", CQ: "inspect"} and d.decision == "hold"
    ev = the_reason(d, CQ).evidence
    assert (ev["quantity"], ev["max_units"], ev["items"]) == (6, 5, [0, 1])
    assert the_reason(d, OPL).evidence["single_article"] is False


async def test_all_goods_reasons_and_the_limit_with_a_prohibited_line_end_as_reject(engine: Engine) -> None:
    """Detonator, 11 socks, cheap Dior at 100 kg: reject, hold, then three inspects, each with evidence."""
    goods = [line("雷管 detonator", "general", unit_value=10.0), SOCKS_11, dior(3)]  # 860 CNY, 8.6 CNY/kg
    d = await decide(engine, export_postal(items=goods, weight_kg=100.0))
    assert outcomes(d) == {
        "PROHIBITED_ITEM": "reject",
        OPL: "hold",
        BPA: "inspect",
        CQ: "inspect",
        WVM: "inspect",
    }
    assert d.decision == "reject"
    assert [SEVERITY[r.outcome] for r in d.reasons] == [3, 2, 1, 1, 1]
    # The main line is the socks (550 CNY): apparel_shoes' band starts at 10 CNY/kg.
    ev = the_reason(d, WVM).evidence
    assert (ev["category"], ev["value_per_kg"], ev["band_low"]) == ("apparel_shoes", 8.6, 10.0)


def test_over_http_a_held_parcel_carries_a_case_and_every_goods_reason(client: ScoringClient) -> None:
    """POST /v1/score: the two-line 850 CNY parcel is held with a case; reasons have the contract fields."""
    body = client.score(export_postal(items=[SOCKS_11, dior(3)], weight_kg=1.0))
    assert body["decision"] == "hold" and body["case_id"]
    assert body["reasons"][0]["code"] == OPL
    assert {r["code"]: r["outcome"] for r in body["reasons"]} == {OPL: "hold", BPA: "inspect", CQ: "inspect"}
    for r in body["reasons"]:
        assert set(r) >= {"code", "outcome", "message", "message_en", "evidence"}
        assert r["message"] and r["message_en"] and r["evidence"]
    brand = next(r for r in body["reasons"] if r["code"] == BPA)
    assert (brand["evidence"]["brand"], brand["evidence"]["floor_cny"]) == ("Dior", 150.0)
