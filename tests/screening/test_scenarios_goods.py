"""Goods-side scenarios from RULES.md §1–§3: prohibited goods, category inference and what it changes.

Written from RULES.md and the wire contract; threshold values, brands and floors are the shipped
policy's (screening/policy/policy.toml, features/data/brands.csv). Every decision scored here is
also checked for its form: the most severe outcome decides, reasons come most severe first, and
each reason carries messages and evidence.
"""

from typing import Any

import pytest

from screening.contract import Decision, Reason
from screening.engine import Engine
from tests.factories import NO_ID, cn_receiver, export_postal, hk_receiver, item, party, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import assert_well_formed

pytestmark = pytest.mark.anyio


# Helpers


def line(
    description: str,
    category: str | None = None,
    *,
    quantity: int = 1,
    unit_value: float = 50.0,
    brand: str | None = None,
) -> dict[str, Any]:
    """One item line; without a category the key is left out of the request (the service infers it)."""
    changes: dict[str, Any] = {
        "description": description,
        "category": category if category is not None else ...,
        "quantity": quantity,
        "unit_value": unit_value,
    }
    if brand is not None:
        changes["brand"] = brand
    return item(**changes)


async def decide(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Score a waybill and check the decision's form (RULES.md §3, contract: Decision)."""
    d = await score(engine, wb)
    assert_well_formed(d)
    return d


def the_reason(d: Decision, code: str) -> Reason:
    """The reason with this code; fails the test (not the event loop) when it is missing."""
    found = [r for r in d.reasons if r.code == code]
    assert found, f"{code} not among {sorted(codes(d))}"
    return found[0]


def hit_classes(d: Decision) -> set[str]:
    """The prohibited classes named in the PROHIBITED_ITEM evidence."""
    return {h["prohibited_class"] for h in the_reason(d, "PROHIBITED_ITEM").evidence["hits"]}


def japan_sender() -> dict[str, Any]:
    """A private sender in Tokyo (no ID: the sender of an import is abroad)."""
    return hk_receiver(
        name="SATO HANAKO",
        phone="+81312345678",
        address={"country": "JP", "city": "Tokyo", "detail": "1-1 Chiyoda"},
    )


# PROHIBITED_ITEM: the 18 classes of 禁止寄递物品指导目录, in courier wording, Chinese and English


PROHIBITED: list[Any] = [
    # firearms and ammunition (the catalogue names 仿真枪 and pellets under class 1)
    ("仿真枪 一支", "firearms"),
    ("气枪铅弹 500发", "firearms"),
    ("replica pistol", "firearms"),
    ("9mm ammunition", "firearms"),
    # controlled knives
    ("管制刀具", "controlled_knives"),
    ("弹簧刀 户外", "controlled_knives"),
    ("匕首", "controlled_knives"),
    ("switchblade knife", "controlled_knives"),
    # explosives
    ("雷管 10枚", "explosives"),
    ("烟花爆竹", "explosives"),
    ("detonators", "explosives"),
    ("fireworks", "explosives"),
    # compressed / liquefied gases
    ("打火机气体 补充罐", "compressed_gases"),
    ("丁烷气罐", "compressed_gases"),
    ("butane gas canister", "compressed_gases"),
    # flammable liquids
    ("汽油 5升", "flammable_liquids"),
    ("煤油", "flammable_liquids"),
    ("gasoline", "flammable_liquids"),
    # flammable solids
    ("红磷", "flammable_solids"),
    ("固体酒精", "flammable_solids"),
    ("red phosphorus", "flammable_solids"),
    # oxidisers
    ("高锰酸钾", "oxidisers"),
    ("氯酸钾 化工原料", "oxidisers"),
    ("potassium chlorate", "oxidisers"),
    # toxic substances
    ("毒鼠强", "toxic"),
    ("氰化钠", "toxic"),
    ("sodium cyanide", "toxic"),
    # infectious / biological substances
    ("病毒样本", "infectious"),
    ("virus samples", "infectious"),
    ("infectious substances", "infectious"),
    # radioactive material
    ("放射源", "radioactive"),
    ("放射性物质", "radioactive"),
    ("radioactive source", "radioactive"),
    # corrosives
    ("硫酸 500ml", "corrosives"),
    ("hydrochloric acid", "corrosives"),
    # 盐酸 also begins many drug names (盐酸二甲双胍片, in HARMLESS below); standing alone it is the acid.
    ("盐酸 500ml", "corrosives"),
    ("sulfuric acid", "corrosives"),
    # drugs and precursors
    ("冰毒", "drugs"),
    ("大麻 烟叶", "drugs"),
    ("海洛因", "drugs"),
    ("摇头丸", "drugs"),
    ("cannabis", "drugs"),
    ("methamphetamine", "drugs"),
    # illegal publications
    ("淫秽光盘", "illegal_publications"),
    ("邪教宣传品", "illegal_publications"),
    # espionage equipment
    ("窃听器", "espionage"),
    ("listening device", "espionage"),
    ("bugging device", "espionage"),
    # forged items (currency, documents)
    ("假币", "forged"),
    ("假发票", "forged"),
    ("伪造证件", "forged"),
    ("假身份证", "forged"),
    # IP-infringing and counterfeit goods
    ("高仿名牌包", "counterfeit"),
    ("A货 手表", "counterfeit"),
    ("replica handbags", "counterfeit"),
    # endangered wildlife products
    ("象牙", "endangered_wildlife"),
    ("穿山甲鳞片", "endangered_wildlife"),
    ("犀牛角", "endangered_wildlife"),
    ("ivory carving", "endangered_wildlife"),
    ("pangolin scales", "endangered_wildlife"),
    # goods banned from import / export
    ("珍贵文物", "banned_import_export"),
    ("洋垃圾", "banned_import_export"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), PROHIBITED)
async def test_a_prohibited_description_is_rejected_with_its_class(
    engine: Engine, description: str, prohibited_class: str
) -> None:
    d = await decide(engine, waybill(items=[line(description, "general")]))
    r = the_reason(d, "PROHIBITED_ITEM")
    assert r.outcome == "reject" and d.decision == "reject"
    assert prohibited_class in hit_classes(d)


@pytest.mark.parametrize(
    "description",
    ["REPLICA PISTOL", "Cannabis", "Ivory Carving", "Sulfuric Acid"],
)
async def test_english_terms_match_in_any_letter_case(engine: Engine, description: str) -> None:
    d = await decide(engine, waybill(items=[line(description, "general")]))
    assert "PROHIBITED_ITEM" in codes(d) and d.decision == "reject"


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("仿真枪 儿童玩具", "children_products"),
        ("冰毒", "food"),
        ("象牙手镯", "general"),
        ("硫酸 清洁剂", "building_materials"),
    ],
)
async def test_a_harmless_declared_category_does_not_clear_a_prohibited_description(
    engine: Engine, description: str, category: str
) -> None:
    d = await decide(engine, waybill(items=[line(description, category)]))
    assert "PROHIBITED_ITEM" in codes(d) and d.decision == "reject"


@pytest.mark.parametrize("description", ["雷管", "象牙手镯", "毒鼠强"])
async def test_a_prohibited_description_without_a_category_is_rejected(
    engine: Engine, description: str
) -> None:
    d = await decide(engine, waybill(items=[line(description)]))
    assert "PROHIBITED_ITEM" in codes(d) and d.decision == "reject"


async def test_one_prohibited_line_among_harmless_lines_rejects_the_parcel(engine: Engine) -> None:
    items = [
        line("纯棉T恤 cotton T-shirt", "apparel_shoes", quantity=2, unit_value=60.0),
        line("雷管", "general", unit_value=20.0),
        line("茶叶 tea", "food", unit_value=80.0),
    ]
    d = await decide(engine, waybill(items=items, weight_kg=1.0))
    assert d.decision == "reject"
    assert hit_classes(d) == {"explosives"}


@pytest.mark.parametrize("lane", ["domestic", "export", "import_postal", "import_cbec"])
async def test_prohibited_goods_are_rejected_on_every_lane(engine: Engine, lane: str) -> None:
    goods = [line("象牙手镯 ivory bangle", "general", unit_value=300.0)]
    if lane == "domestic":
        wb = waybill(items=goods)
    elif lane == "export":
        wb = export_postal(items=goods)
    else:
        buyer = cn_receiver(
            id_type="resident_id", id_number=resident_id(region="320102", birth="19880808", seq="321")
        )
        wb = waybill(
            service="import",
            channel="postal" if lane == "import_postal" else "cbec",
            sender=japan_sender(),
            receiver=buyer,
            items=goods,
        )
    d = await decide(engine, wb)
    assert "PROHIBITED_ITEM" in codes(d) and d.decision == "reject"


# Whole terms: everyday goods whose names contain a prohibited word are not prohibited.
# Contested and so not asserted: 玩具枪 (a toy gun may be a 仿真枪 or not), 打火机 (courier rules
# differ), 菜刀 / 水果刀 (not 管制刀具 by the standard, but carriers differ), 白酒 / 酒精,
# 象牙白 (a colour), 针孔摄像头, 汽油滤芯, "gunpowder tea", "bath bomb", "Top Gun DVD".

HARMLESS: list[Any] = [
    "冷冻大麻哈鱼 2条",  # chum salmon
    "沙滩水枪 2个",  # a toy
    "山西刀削面 速食",  # knife-cut noodles
    "韩式炸鸡 冷冻",  # fried chicken
    "金枪鱼罐头",  # canned tuna
    "盐酸二甲双胍片",  # metformin hydrochloride tablets, a medicine
    "热熔胶枪",  # hot-glue gun
    "指甲刀 套装",  # nail clippers are not 管制刀具
    "螺丝刀 套装",  # screwdrivers
    "消毒湿巾",  # disinfectant wipes
    "奶油爆米花",  # popcorn
    "弹簧床垫",  # spring mattress
    "硫酸纸 A4",  # tracing paper
    "冰糖 500g",  # rock sugar
    "bomber jacket",
    "gunmetal grey phone case",
    "Matchbox toy cars",
]


@pytest.mark.parametrize("description", HARMLESS)
async def test_a_prohibited_word_inside_another_word_is_not_a_hit(engine: Engine, description: str) -> None:
    d = await decide(engine, waybill(items=[line(description, unit_value=30.0)], weight_kg=1.0))
    assert "PROHIBITED_ITEM" not in codes(d)
    assert d.decision != "reject"


# hazardous_chemicals (易制爆危险化学品) is prohibited for post


@pytest.mark.parametrize(
    "wb_factory",
    [
        pytest.param(lambda goods: export_postal(items=goods), id="export-postal"),
        pytest.param(
            lambda goods: waybill(service="import", channel="postal", sender=japan_sender(), items=goods),
            id="import-postal",
        ),
    ],
)
async def test_declared_hazardous_chemicals_are_rejected_on_the_post(engine: Engine, wb_factory: Any) -> None:
    goods = [line("工业原料 industrial raw material", "hazardous_chemicals", unit_value=100.0)]
    d = await decide(engine, wb_factory(goods))
    r = the_reason(d, "PROHIBITED_ITEM")
    assert r.outcome == "reject" and d.decision == "reject"


@pytest.mark.parametrize("description", ["硝酸钾 500克", "potassium nitrate"])
async def test_undeclared_explosive_precursor_chemicals_are_rejected(
    engine: Engine, description: str
) -> None:
    # 硝酸钾 is on the 易制爆危险化学品名录; whether it is found by term or by category, it is prohibited.
    d = await decide(engine, waybill(items=[line(description, unit_value=40.0)]))
    assert "PROHIBITED_ITEM" in codes(d) and d.decision == "reject"


# Category inferred from the description: letters need no sender ID (快递暂行条例 art. 22)


@pytest.mark.parametrize(
    "description", ["商务信函", "信件 一封", "合同 文件 contract papers", "letter", "legal documents"]
)
@pytest.mark.parametrize("lane", ["domestic", "export"])
async def test_an_undeclared_letter_needs_no_sender_id(engine: Engine, description: str, lane: str) -> None:
    goods = [line(description, unit_value=0.0)]
    if lane == "domestic":
        wb = waybill(sender=party(**NO_ID), items=goods, weight_kg=0.1)
    else:
        wb = export_postal(sender=party(**NO_ID), items=goods, weight_kg=0.1)
    d = await decide(engine, wb)
    assert "REALNAME_MISSING" not in codes(d)
    assert d.decision != "reject"


@pytest.mark.parametrize(
    ("description", "unit_value", "weight_kg"),
    [
        ("纯棉T恤 cotton T-shirt", 60.0, 0.3),
        ("文件夹 A4", 20.0, 0.5),
        ("文件柜 铁皮 filing cabinet", 300.0, 25.0),
        ("document shredder", 200.0, 4.0),
    ],
)
async def test_undeclared_goods_without_sender_id_are_rejected(
    engine: Engine, description: str, unit_value: float, weight_kg: float
) -> None:
    wb = waybill(sender=party(**NO_ID), items=[line(description, unit_value=unit_value)], weight_kg=weight_kg)
    d = await decide(engine, wb)
    r = the_reason(d, "REALNAME_MISSING")
    assert r.outcome == "reject" and d.decision == "reject"


# COMMERCIAL_QUANTITY on inferred categories: 10 units, 5 for medicine and cosmetics


@pytest.mark.parametrize(
    ("description", "quantity", "max_units"),
    [
        ("布洛芬缓释胶囊", 5, None),
        ("布洛芬缓释胶囊", 6, 5),
        ("ibuprofen tablets", 6, 5),
        ("口红", 5, None),
        ("口红", 6, 5),
        ("lipstick", 6, 5),
        ("精华液 serum", 6, 5),
        ("袜子", 6, None),  # not medicine or cosmetics: the higher limit
        ("袜子", 10, None),
        ("socks", 11, 10),
        ("婴儿奶粉", 6, None),
    ],
)
async def test_commercial_quantity_follows_the_inferred_category(
    engine: Engine, description: str, quantity: int, max_units: int | None
) -> None:
    assert engine.policy.goods.commercial_units == 10
    assert engine.policy.goods.commercial_units_sensitive == 5
    wb = export_postal(items=[line(description, quantity=quantity, unit_value=10.0)], weight_kg=0.6)
    d = await decide(engine, wb)
    if max_units is None:
        assert "COMMERCIAL_QUANTITY" not in codes(d)
    else:
        r = the_reason(d, "COMMERCIAL_QUANTITY")
        assert (r.evidence["quantity"], r.evidence["max_units"]) == (quantity, max_units)
        assert r.outcome == "inspect" and d.decision == "inspect"


async def test_an_individuals_export_express_parcel_is_a_personal_article(engine: Engine) -> None:
    # RULES.md §3: personal articles are the postal channel and express parcels of individuals.
    wb = waybill(
        service="export",
        channel="express",
        receiver=hk_receiver(),
        items=[line("socks", quantity=11, unit_value=10.0)],
    )
    d = await decide(engine, wb)
    assert the_reason(d, "COMMERCIAL_QUANTITY").evidence["max_units"] == 10


# WEIGHT_VALUE_MISMATCH: the band is the inferred category's


@pytest.mark.parametrize(
    ("description", "unit_value", "weight_kg", "category"),
    [
        ("手机", 20.0, 5.0, "electronics"),  # 4 CNY/kg: under electronics' 20, inside general's band
        ("laptop computer", 50.0, 3.0, "electronics"),  # 16.7 CNY/kg
        ("香烟", 10.0, 1.0, "tobacco"),  # 10 CNY/kg: under tobacco's 50
        ("东北大米", 40000.0, 1.0, "food"),  # over food's 30,000, inside general's 300,000
        ("rice", 40000.0, 1.0, "food"),
    ],
)
async def test_value_per_kg_is_judged_by_the_inferred_category(
    engine: Engine, description: str, unit_value: float, weight_kg: float, category: str
) -> None:
    low, high = next(band for c, band in engine.policy.goods.value_per_kg.items() if c == category)
    assert not low <= unit_value / weight_kg <= high
    wb = waybill(items=[line(description, unit_value=unit_value)], weight_kg=weight_kg)
    d = await decide(engine, wb)
    r = the_reason(d, "WEIGHT_VALUE_MISMATCH")
    assert r.evidence["category"] == category
    assert r.evidence["value_per_kg"] == pytest.approx(unit_value / weight_kg, abs=0.01)
    assert r.outcome == "inspect"


@pytest.mark.parametrize(("unit_value", "fires"), [(20.0, False), (19.99, True)])
async def test_value_per_kg_exactly_at_the_band_edge_is_inside(
    engine: Engine, unit_value: float, fires: bool
) -> None:
    assert engine.policy.goods.value_per_kg["electronics"][0] == 20.0
    wb = waybill(items=[line("手机 mobile phone", "electronics", unit_value=unit_value)], weight_kg=1.0)
    assert ("WEIGHT_VALUE_MISMATCH" in codes(await decide(engine, wb))) is fires


async def test_a_plausibly_priced_undeclared_phone_passes(engine: Engine) -> None:
    wb = waybill(items=[line("手机", unit_value=2000.0)], weight_kg=0.5)
    assert "WEIGHT_VALUE_MISMATCH" not in codes(await decide(engine, wb))


# BRAND_PRICE_ANOMALY: a protected brand under its floor (floors from features/data/brands.csv)


@pytest.mark.parametrize(("unit_value", "fires"), [(7999.99, True), (8000.0, False)])
async def test_a_declared_brand_under_its_floor_is_inspected_and_at_it_is_not(
    engine: Engine, unit_value: float, fires: bool
) -> None:
    goods = [line("手提包 handbag", "bags_leather", brand="Louis Vuitton", unit_value=unit_value)]
    d = await decide(engine, waybill(items=goods))
    assert ("BRAND_PRICE_ANOMALY" in codes(d)) is fires
    if fires:
        r = the_reason(d, "BRAND_PRICE_ANOMALY")
        assert (r.outcome, r.evidence["brand"], r.evidence["floor_cny"]) == (
            "inspect",
            "Louis Vuitton",
            8000.0,
        )
        assert r.evidence["unit_value_cny"] == 7999.99
        assert d.decision == "inspect"


@pytest.mark.parametrize("description", ["古驰 女士手提包", "Gucci leather handbag"])
async def test_the_floor_is_the_inferred_categorys(engine: Engine, description: str) -> None:
    # Gucci's floors: 6,000 for bags, 2,000 for general goods, 200 otherwise. At 3,000 only the bag
    # floor is missed, so the anomaly shows the handbag was recognised as bags_leather.
    d = await decide(engine, waybill(items=[line(description, unit_value=3000.0)]))
    ev = the_reason(d, "BRAND_PRICE_ANOMALY").evidence
    assert (ev["brand"], ev["floor_cny"]) == ("Gucci", 6000.0)
    assert d.decision == "inspect"


async def test_an_undeclared_brand_exactly_at_its_floor_is_not_an_anomaly(engine: Engine) -> None:
    d = await decide(engine, waybill(items=[line("古驰 女士手提包", unit_value=6000.0)]))
    assert "BRAND_PRICE_ANOMALY" not in codes(d)


@pytest.mark.parametrize(("unit_value", "fires"), [(200.0, True), (249.99, True), (250.0, False)])
async def test_sneakers_of_a_sports_brand_named_in_chinese(
    engine: Engine, unit_value: float, fires: bool
) -> None:
    # Nike: 250 for apparel and shoes, 100 otherwise; 200 fires only if 跑步鞋 is apparel_shoes.
    d = await decide(engine, waybill(items=[line("耐克 跑步鞋", unit_value=unit_value)]))
    assert ("BRAND_PRICE_ANOMALY" in codes(d)) is fires
    if fires:
        assert the_reason(d, "BRAND_PRICE_ANOMALY").evidence["brand"] == "Nike"


@pytest.mark.parametrize(("usd", "fires"), [(30.0, True), (40.0, False)])
async def test_the_floor_is_compared_in_cny(engine: Engine, usd: float, fires: bool) -> None:
    # At about 7 CNY to the dollar: 30 USD is some 213 CNY (under Nike's 250), 40 USD some 284 (over).
    goods = [line("跑鞋 running shoes", "apparel_shoes", brand="Nike", unit_value=usd)]
    d = await decide(engine, waybill(items=goods, currency="USD"))
    assert ("BRAND_PRICE_ANOMALY" in codes(d)) is fires
    if fires:
        ev = the_reason(d, "BRAND_PRICE_ANOMALY").evidence
        assert 6.0 * usd < ev["unit_value_cny"] < 8.0 * usd and ev["floor_cny"] == 250.0


async def test_omega_3_fish_oil_is_not_an_omega_watch(engine: Engine) -> None:
    # Contested only in that RULES.md names no brand; but Omega-3 is a fatty acid, not the brand.
    d = await decide(engine, waybill(items=[line("Omega-3 鱼油 fish oil", unit_value=100.0)]))
    assert "BRAND_PRICE_ANOMALY" not in codes(d)


# The final decision is the most severe outcome among the goods reasons


async def test_a_counterfeit_signal_and_a_prohibited_item_end_as_reject(engine: Engine) -> None:
    goods = [
        line("高仿 LV 手提包", "bags_leather", brand="Louis Vuitton", unit_value=300.0),
        line("口红 lipstick", "cosmetics", quantity=6, unit_value=50.0),
    ]
    d = await decide(engine, export_postal(items=goods, weight_kg=1.0))
    outcomes = {r.code: r.outcome for r in d.reasons}
    assert outcomes["PROHIBITED_ITEM"] == "reject"
    assert outcomes["BRAND_PRICE_ANOMALY"] == "inspect"
    assert outcomes["COMMERCIAL_QUANTITY"] == "inspect"
    assert d.decision == "reject" and d.reasons[0].code == "PROHIBITED_ITEM"


async def test_two_inspect_reasons_end_as_inspect(engine: Engine) -> None:
    goods = [line("耐克 运动鞋 sneakers", "apparel_shoes", brand="Nike", unit_value=100.0)]
    d = await decide(engine, waybill(items=goods, weight_kg=20.0))  # 5 CNY/kg, under 10
    assert {"BRAND_PRICE_ANOMALY", "WEIGHT_VALUE_MISMATCH"} <= codes(d)
    assert d.decision == "inspect"


async def test_commercial_quantity_over_the_personal_limit_ends_as_hold(engine: Engine) -> None:
    goods = [line("袜子 socks", "apparel_shoes", quantity=11, unit_value=80.0)]  # 880 > 800
    d = await decide(engine, export_postal(items=goods, weight_kg=1.5))
    outcomes = {r.code: r.outcome for r in d.reasons}
    assert (outcomes["OVER_PERSONAL_LIMIT"], outcomes["COMMERCIAL_QUANTITY"]) == ("hold", "inspect")
    assert d.decision == "hold" and d.reasons[0].code == "OVER_PERSONAL_LIMIT"


async def test_a_letter_with_a_prohibited_description_is_still_rejected(engine: Engine) -> None:
    # The letter exemption is from the ID check only, never from the prohibited list.
    goods = [line("假发票 一叠", "documents", unit_value=0.0)]
    d = await decide(engine, waybill(sender=party(**NO_ID), items=goods, weight_kg=0.1))
    assert "REALNAME_MISSING" not in codes(d)
    assert "forged" in hit_classes(d) and d.decision == "reject"
