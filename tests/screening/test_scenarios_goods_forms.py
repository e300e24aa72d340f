"""Goods descriptions in every writing, as the law of RULES.md reads them through the engine.

Written from ../shared/domain/RULES.md §1 (the 18 classes of 禁止寄递物品指导目录, IP-infringing and
counterfeit goods among them), §2 (the 16 goods categories; `category` inferred from the description,
Chinese and English, when a request leaves it out) and §3 (PROHIBITED_ITEM on whole terms: 大麻哈鱼 is a
salmon, 水枪 a toy; BRAND_PRICE_ANOMALY: a protected brand at a unit value under its floor;
COMMERCIAL_QUANTITY: more than 10 units of one item, 5 for medicine and cosmetics; SAME_GOODS_FANOUT: the
same goods description on ≥ 5 cross-border parcels of one entity in 7 days to ≥ 3 counterparts), from the
README ("Goods are one description however they are cased, spaced or punctuated (`面霜, face cream.` is
`面霜 face cream`); COMMERCIAL_QUANTITY adds up the units of lines with one description") and from the
wire contract (`Item.description` in any language, `category` and `brand` optional; each reason carries
evidence). Brands and floors are the shipped list's (features/data/brands.csv); the counterfeit markers
(仿, 假, fake, 山寨) and the compatible wordings ("for", "compatible with", 适用, 兼容, 适配) are the ones
features/goods.py names, and the harmless compounds those of features/data/safe_terms.csv.

tests/features/test_goods.py, tests/screening/test_scenarios_goods*.py and test_scenarios_entity_forms.py
already cover the plain writings; this file takes the same law through the other writings a sender types:
traditional characters, full-width forms, mixed Chinese and English, extra spaces, hyphens, invisible
characters, plurals, quantities with units, the interpunct of transliterated names.

Readings used here, where the sources leave a choice:
- An invisible character (zero-width space, soft hyphen, BOM) is neither a letter nor a space a reader sees:
  a description with one typed into a word says what it says without it.
- A mark between two Chinese characters (冰·毒, 路易·威登) is punctuation of the description: the engine's
  own article reading drops it (the README's "however punctuated"), so the term it splits is still written.
- "2 x 250g" and "2x250g" differ only in spacing, as "500 ml" and "500ml" do; "3.5mm" and "35mm", or 500 ml
  and 5000 ml, are other goods.
- A harmless article whose name holds a listed word is what RULES' examples are (大麻哈鱼, 水枪): YSL's
  Opium perfume is a perfume, a shotgun microphone a microphone; a phone case named after the phone it fits
  is a third-party case (the safe list's own note on iphone手机壳), with or without the model number.
- A Chinese word that is no goods term of its own (手链, a bracelet) does not become one by borrowing a
  character of the word before it (潘多拉 + 手链 is not 拉手, a door handle).
"""

from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from tests.factories import export_postal, waybill
from tests.screening.test_scenarios import codes
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_goods import decide, hit_classes, line, the_reason
from tests.screening.test_scenarios_rings import export, goods, mainland, numbers, run

pytestmark = pytest.mark.anyio

PI = "PROHIBITED_ITEM"
BPA = "BRAND_PRICE_ANOMALY"
CQ = "COMMERCIAL_QUANTITY"
WVM = "WEIGHT_VALUE_MISMATCH"
SGF = "SAME_GOODS_FANOUT"


async def one_line(engine: Engine, description: str, unit_value: float, weight_kg: float = 1.0) -> Decision:
    """A domestic parcel of one line, its category left to the service."""
    return await decide(
        engine, waybill(items=[line(description, unit_value=unit_value)], weight_kg=weight_kg)
    )


# 1. COMMERCIAL_QUANTITY: the units of one article over several lines add up, however each line is written


ONE_ARTICLE: list[Any] = [
    pytest.param("面霜 ５００ｍｌ", "面霜 500 ml", id="full-width-digits-and-a-spaced-unit"),
    pytest.param("洗髮水，500ML", "洗发水 500 ml", id="traditional-comma-and-upper-case-unit"),
    pytest.param("口\u200b红 lipstick", "口红 lipstick", id="zero-width-space-in-chinese"),
    pytest.param("Shampoo\n500 ml", "shampoo 500ml", id="line-break-and-unit-gap"),
    pytest.param(
        "面霜 face cre\u00adam",
        "面霜 face cream",
        id="soft-hyphen-in-a-latin-word",
    ),
    pytest.param(
        "面霜 2 x 250g",
        "面霜 2x250g",
        id="spaced-multiplier",
    ),
]


@pytest.mark.parametrize(("first", "second"), ONE_ARTICLE)
async def test_units_of_one_cosmetic_on_two_lines_written_otherwise_add_up(
    engine: Engine, first: str, second: str
) -> None:
    """README: lines with one description add up; RULES §3: 3 + 3 units of a cosmetic are more than 5."""
    items = [line(first, quantity=3, unit_value=8.0), line(second, quantity=3, unit_value=8.0)]
    d = await decide(engine, export_postal(items=items, weight_kg=1.0))
    ev = the_reason(d, CQ).evidence
    assert (ev["quantity"], ev["max_units"], ev["items"], ev["category"]) == (6, 5, [0, 1], "cosmetics")
    assert d.decision == "inspect"


OTHER_SIZES: list[Any] = [
    pytest.param("耳机 3.5mm jack", "耳机 35mm jack", False, id="3.5mm-is-not-35mm"),
    pytest.param("保温杯 500ml", "保温杯 5000ml", False, id="500ml-is-not-5000ml"),
    pytest.param("耳机 3.5mm jack", "耳机 3.5 MM JACK", True, id="3.5mm-in-another-case-and-spacing"),
]


@pytest.mark.parametrize(("first", "second", "adds_up"), OTHER_SIZES)
async def test_another_size_is_another_article_and_the_same_size_respaced_is_not(
    engine: Engine, first: str, second: str, adds_up: bool
) -> None:
    """RULES §3: more than 10 units of one item; 6 + 6 are 12 of one item only when the lines are one."""
    items = [
        line(first, "electronics", quantity=6, unit_value=5.0),
        line(second, "electronics", quantity=6, unit_value=5.0),
    ]
    d = await decide(engine, export_postal(items=items, weight_kg=1.0))
    assert (CQ in codes(d)) is adds_up
    if adds_up:
        assert the_reason(d, CQ).evidence["quantity"] == 12


@pytest.mark.parametrize(
    ("description", "category"),
    [("感冒藥 顆粒", "medicine"), ("ＬＩＰＳＴＩＣＫＳ", "cosmetics")],
    ids=["traditional-cold-medicine", "full-width-plural-lipsticks"],
)
async def test_a_medicine_or_cosmetic_written_otherwise_keeps_the_count_of_five(
    engine: Engine, description: str, category: str
) -> None:
    """RULES §2–§3: the category is inferred from any writing; 6 units of a medicine or cosmetic exceed 5."""
    d = await decide(
        engine, export_postal(items=[line(description, quantity=6, unit_value=8.0)], weight_kg=1.0)
    )
    ev = the_reason(d, CQ).evidence
    assert (ev["category"], ev["category_inferred"], ev["max_units"]) == (category, True, 5)


# 2. SAME_GOODS_FANOUT: one description on five parcels, the fifth written otherwise

MOISTURISER = "保湿面霜 moisturising cream 50ml"


@pytest.mark.parametrize(
    "fifth",
    [
        pytest.param(
            "保濕面霜，MOISTURISING CREAM 50 ML。", id="traditional-punctuated-upper-case-spaced-unit"
        ),
        pytest.param(
            "保湿\u200b面霜\ufeff moisturising cream ５０ｍｌ", id="invisible-marks-and-full-width-size"
        ),
        pytest.param(
            "保湿面霜 moisturising cre\u200bam 50ml",
            id="zero-width-space-in-a-latin-word",
        ),
    ],
)
async def test_the_fifth_parcel_of_one_moisturiser_written_otherwise_completes_the_fanout(
    engine: Engine, fifth: str
) -> None:
    """README: one description however cased, spaced or punctuated; RULES §3: 5 parcels to 3 receivers."""
    sender = mainland(310)
    texts = [MOISTURISER] * 4 + [fifth]
    ring = [
        export(sender, abroad("HK", i % 3), 150.0, hours=i * 20, items=goods(150.0, description=t))
        for i, t in enumerate(texts)
    ]
    decisions = await run(engine, ring)
    assert not any(SGF in codes(d) for d in decisions[:4])
    ev = the_reason(decisions[4], SGF).evidence
    assert (ev["parcels"], ev["counterparts"], ev["description"]) == (5, 3, fifth)
    assert set(ev["linked_waybills"]) == numbers(ring[:4])


async def test_five_parcels_of_one_earphone_in_two_sizes_are_no_fanout(engine: Engine) -> None:
    """RULES §3: the same goods description; a 3.5mm plug on two parcels and 35mm on three are not one."""
    sender = mainland(311)
    texts = ["耳机 3.5mm jack", "耳机 35mm jack", "耳机 3.5mm jack", "耳机 35mm jack", "耳机 35mm jack"]
    ring = [
        export(
            sender,
            abroad("HK", i % 3),
            150.0,
            hours=i * 20,
            items=goods(150.0, description=t, category="electronics"),
        )
        for i, t in enumerate(texts)
    ]
    decisions = await run(engine, ring)
    assert not any(SGF in codes(d) for d in decisions)


# 3. PROHIBITED_ITEM: a listed term in any writing rejects; a harmless compound in any writing does not


PROHIBITED_WRITINGS: list[Any] = [
    pytest.param("鴉片 50g", "drugs", id="traditional-opium"),
    pytest.param("氰化鉀 试剂", "toxic", id="traditional-cyanide"),
    pytest.param("電擊槍 防身", "controlled_knives", id="traditional-stun-gun"),
    pytest.param("ＨＥＲＯＩＮ　５ｇ", "drugs", id="full-width-heroin"),
    pytest.param("stun-gun 防身", "controlled_knives", id="hyphenated-stun-gun"),
    pytest.param("crystal-meth 5g", "drugs", id="hyphenated-crystal-meth"),
    pytest.param("firecrackers 100 pcs", "explosives", id="plural-firecrackers"),
    pytest.param("co\u00adcaine", "drugs", id="soft-hyphen-in-cocaine"),
    pytest.param("\ufeff雷管x10", "explosives", id="bom-and-a-count"),
    pytest.param("冰\n毒 1g", "drugs", id="line-break-in-meth"),
    pytest.param(
        "butterfly knives",
        "controlled_knives",
        id="irregular-plural-knives",
    ),
    pytest.param(
        "冰·毒 1g",
        "drugs",
        id="interpunct-in-meth",
    ),
    pytest.param(
        "雷-管 10枚",
        "explosives",
        id="hyphen-in-detonator",
    ),
    pytest.param(
        "fire-works 100 pcs",
        "explosives",
        id="hyphenated-fireworks",
    ),
]


@pytest.mark.parametrize(("description", "prohibited_class"), PROHIBITED_WRITINGS)
async def test_a_prohibited_term_in_another_writing_is_rejected(
    engine: Engine, description: str, prohibited_class: str
) -> None:
    """RULES §3: a description matching the prohibited list is rejected, however the term is written."""
    d = await one_line(engine, description, 40.0)
    assert the_reason(d, PI).outcome == "reject" and d.decision == "reject"
    assert prohibited_class in hit_classes(d)


HARMLESS_WRITINGS: list[Any] = [
    pytest.param("高壓水槍 洗車", id="traditional-pressure-washer"),
    pytest.param("大麻哈魚 罐頭", id="traditional-chum-salmon"),
    pytest.param("Massage-Guns x2", id="hyphenated-plural-massage-guns"),
    pytest.param("ＷＡＴＥＲ ＧＵＮＳ 儿童", id="full-width-plural-water-guns"),
    pytest.param("Black-Opium eau de parfum", id="hyphenated-perfume-name"),
    pytest.param(
        "大麻-哈鱼 刺身",
        id="hyphen-in-chum-salmon",
    ),
    pytest.param(
        "水·枪 玩具",
        id="interpunct-in-water-gun",
    ),
    pytest.param(
        "YSL Opium eau de parfum",
        id="ysl-opium-perfume",
    ),
    pytest.param(
        "RODE shotgun microphone",
        id="shotgun-microphone",
    ),
]


@pytest.mark.parametrize("description", HARMLESS_WRITINGS)
async def test_a_harmless_compound_in_another_writing_is_not_rejected(
    engine: Engine, description: str
) -> None:
    """RULES §3: whole terms only — 大麻哈鱼 is a salmon, 水枪 a toy, in whatever writing."""
    d = await one_line(engine, description, 60.0)
    assert PI not in codes(d) and d.decision != "reject"


# 4. BRAND_PRICE_ANOMALY: a protected brand in any writing, under its floor and at it

BRAND_WRITINGS: list[Any] = [
    pytest.param("ＧＵＣＣＩ 手提包", "Gucci", 6000.0, id="full-width-gucci-bag"),
    pytest.param("普拉達 手袋", "Prada", 6000.0, id="traditional-prada-bag"),
    pytest.param("愛馬仕 絲巾", "Hermès", 5000.0, id="traditional-hermes-scarf"),
    pytest.param("Louis   Vuitton  handbag", "Louis Vuitton", 8000.0, id="extra-spaces-lv"),
    pytest.param("Gu\u200bcci 手提包", "Gucci", 6000.0, id="zero-width-space-in-gucci"),
    pytest.param("Cha\u00adnel lipstick", "Chanel", 200.0, id="soft-hyphen-in-chanel"),
    pytest.param("Nike's sneakers", "Nike", 250.0, id="possessive-nike"),
    pytest.param("耐克nike跑鞋", "Nike", 250.0, id="mixed-scripts-nike"),
    pytest.param("SK-II 神仙水", "SK-II", 300.0, id="hyphenated-sk-ii"),
    pytest.param(
        "路易·威登 手提包",
        "Louis Vuitton",
        8000.0,
        id="interpunct-louis-vuitton",
    ),
    pytest.param(
        "潘多拉 手链",
        "Pandora",
        200.0,
        id="pandora-bracelet",
    ),
]


@pytest.mark.parametrize(("description", "brand", "floor"), BRAND_WRITINGS)
async def test_a_brand_in_another_writing_under_its_floor_is_inspected_and_at_it_is_not(
    engine: Engine, description: str, brand: str, floor: float
) -> None:
    """RULES §3: a protected brand at a unit value under its floor is a counterfeit signal (inspect)."""
    under = await one_line(engine, description, round(floor * 0.2, 2), weight_kg=0.5)
    r = the_reason(under, BPA)
    assert (r.outcome, r.evidence["brand"], r.evidence["floor_cny"]) == ("inspect", brand, floor)
    assert under.decision == "inspect"
    at = await one_line(engine, description, floor, weight_kg=0.5)
    assert BPA not in codes(at)


COMPATIBLE: list[Any] = [
    pytest.param("ＦＯＲ　ｉＰＨＯＮＥ 手机壳", id="full-width-for-iphone"),
    pytest.param("Compatible With AirPods case", id="compatible-with-airpods"),
    pytest.param("compatible-with iPhone charger", id="hyphenated-compatible-with"),
    pytest.param("適用於 蘋果手機 充電器", id="traditional-shiyongyu-apple"),
    pytest.param("適配 華為 手機殼", id="traditional-shipei-huawei"),
    pytest.param("iPhone 15 手机壳", id="phone-case-with-a-model-number"),
    pytest.param("iPhone 15 Pro Max 钢化膜", id="screen-protector-with-a-model-and-its-words"),
    pytest.param("三星 S24 手机壳", id="samsung-case-with-a-model"),
    pytest.param("苹果15手机壳", id="model-number-between-chinese-words"),
]


@pytest.mark.parametrize("description", COMPATIBLE)
async def test_an_accessory_for_a_brand_is_not_the_brand(engine: Engine, description: str) -> None:
    """RULES §3: a protected brand's own goods under its floor signal counterfeits; accessories not."""
    d = await one_line(engine, description, 29.0, weight_kg=0.2)
    assert BPA not in codes(d)


async def test_compatible_wording_on_one_part_does_not_hide_the_brand_on_another(engine: Engine) -> None:
    """RULES §3: an iPhone at 300 CNY is under Apple's 500 floor, whatever charger is listed with it."""
    d = await one_line(engine, "iPhone 15 手机 + 适用iPhone 充电器", 300.0, weight_kg=0.5)
    ev = the_reason(d, BPA).evidence
    assert (ev["brand"], ev["floor_cny"]) == ("Apple", 500.0)


@pytest.mark.parametrize(
    "description",
    ["Diorite stone sample", "Nikon camera bag", "Coachella T-shirt"],
)
async def test_a_brand_name_inside_a_longer_word_is_not_the_brand(engine: Engine, description: str) -> None:
    """RULES §3 (whole terms): Diorite is no Dior, Nikon no Nike, Coachella no Coach."""
    d = await one_line(engine, description, 10.0, weight_kg=0.5)
    assert BPA not in codes(d)


# 5. Counterfeit markers (仿, 假, fake, 山寨) before a brand in any writing: IP-infringing goods, rejected

COUNTERFEIT_WRITINGS: list[Any] = [
    pytest.param("仿 路易威登 手提包", id="spaced-fang-lv"),
    pytest.param("仿勞力士 手錶", id="traditional-fang-rolex"),
    pytest.param("假 香奈兒 香水", id="traditional-jia-chanel"),
    pytest.param("ｆａｋｅ ｒｏｌｅｘ", id="full-width-fake-rolex"),
    pytest.param("FAKE-ROLEX watch", id="hyphenated-fake-rolex"),
    pytest.param("fake  Louis  Vuitton bag", id="extra-spaces-fake-lv"),
    pytest.param("假\u200b茅台 53度", id="zero-width-space-jia-moutai"),
    pytest.param("山寨 華為 手机", id="traditional-shanzhai-huawei"),
    pytest.param(
        "山寨苹果手机",
        id="shanzhai-apple-phone",
    ),
    pytest.param(
        "fake Coach handbag",
        id="fake-coach-handbag",
    ),
    pytest.param(
        "fake Omega watch",
        id="fake-omega-watch",
    ),
]


@pytest.mark.parametrize("description", COUNTERFEIT_WRITINGS)
async def test_a_counterfeit_marker_before_a_brand_in_another_writing_is_rejected(
    engine: Engine, description: str
) -> None:
    """RULES §1: counterfeit goods are prohibited for post; RULES §3: PROHIBITED_ITEM rejects them."""
    d = await one_line(engine, description, 5000.0, weight_kg=0.5)
    assert "counterfeit" in hit_classes(d)
    assert d.decision == "reject"


@pytest.mark.parametrize(
    "description",
    [
        "假发 女 长卷发",
        "仿古 花瓶",
        "仿皮 钱包",
        "假日 礼盒",
        "fake fur coat",
    ],
)
async def test_a_marker_inside_another_word_is_no_counterfeit(engine: Engine, description: str) -> None:
    """RULES §3 (whole terms): a wig (假发), antique-style (仿古) or faux fur is no counterfeit."""
    d = await one_line(engine, description, 60.0, weight_kg=0.5)
    assert PI not in codes(d) and d.decision != "reject"


# 6. The category inferred from a description in any writing (RULES §2), seen through its value-per-kg band

CATEGORY_WRITINGS: list[Any] = [
    pytest.param("筆記本電腦", "electronics", id="traditional-laptop"),
    pytest.param("Laptops", "electronics", id="plural-laptops"),
    pytest.param("T-shirts", "apparel_shoes", id="hyphenated-plural-t-shirts"),
    pytest.param("口\u200b红", "cosmetics", id="zero-width-space-lipstick"),
    pytest.param("Shampoo 500 ML", "cosmetics", id="shampoo-with-a-unit"),
    pytest.param("牛奶 250ml x 12", "food", id="milk-in-a-multipack"),
    pytest.param("化肥 25 kg", "agri_inputs", id="fertiliser-with-a-unit"),
    pytest.param("嬰兒奶粉 900g", "food", id="traditional-infant-formula"),
    pytest.param(
        "男鞋 42码",
        "apparel_shoes",
        id="mens-shoes",
    ),
    pytest.param(
        "苹果 充电线",
        "electronics",
        id="apple-charging-cable",
    ),
    pytest.param(
        "潘多拉 手链",
        "general",
        id="pandora-bracelet",
    ),
]


@pytest.mark.parametrize(("description", "category"), CATEGORY_WRITINGS)
async def test_the_category_is_inferred_from_any_writing(
    engine: Engine, description: str, category: str
) -> None:
    """RULES §2: without `category` the service infers it from the description; its band applies."""
    d = await one_line(engine, description, 30000.0, weight_kg=0.05)  # 600,000 CNY/kg: over every band's top
    ev = the_reason(d, WVM).evidence
    assert (ev["category"], ev["category_inferred"]) == (category, True)
