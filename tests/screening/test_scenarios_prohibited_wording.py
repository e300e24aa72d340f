"""PROHIBITED_ITEM against the words couriers' customers really type: the real thing caught, look-alikes not.

Written from ../shared/domain/RULES.md §1 (the 18 classes of 禁止寄递物品指导目录; 快递暂行条例 art. 31–33:
contents inspected at pickup, a suspected prohibited item stops the parcel) and §3 (PROHIBITED_ITEM: reject
when a description matches the prohibited list, on whole terms: 大麻哈鱼 is a salmon, 水枪 a toy), with the
shipped lists features/data/prohibited.csv and safe_terms.csv read first. Every case scores a domestic
express parcel of one line, its category left to the service, through the engine.

tests/features/test_goods.py, tests/data/goods_labelled.csv and tests/screening/test_scenarios_goods*.py
already hold the textbook names of each class (雷管, 冰毒, 象牙手镯, "replica pistol") and the listed
look-alikes (gunmetal, bullet journal, bath bomb, bomber jacket, glue gun, pistol grip). This file takes the
other ways a sender writes the same goods: (a) trade and street names of prohibited goods (钢珠枪, 二踢脚,
白电油, 片碱, 超A货, "BB gun", "M80 firecrackers", "jerry can of petrol") must reject with their own class;
(b) everyday goods with a risky-looking word in them must not reject.

Judgements made where the sources leave a choice (a customs officer's reading of 禁止寄递物品指导目录):
- Cake "sparkler candles" / 烟花蜡烛 burn as pyrotechnics and are explosives; a plain 生日蜡烛 or scented
  candle is not.
- Mini alloy gun keychains (合金枪钥匙扣) can fire and were withdrawn from sale in China: a firearm imitation.
  A spent-casing keychain (子弹壳) is rejected too: 弹壳 is on the list as an ammunition part.
- Raw 罂粟籽 and 大麻籽 can be sown and are drugs; a poppy-seed bagel or 火麻仁 (hulled hemp seed, food)
  is not; nor is hemp rope.
- A Swiss army knife (no lock, short blade) is no 管制刀具 under the 管制刀具认定标准.
- A knife-pleat skirt, a nail gun, 枪色 frames, 子弹头 train models, 仿真花, 香烟盒-shaped sweets are what
  they say; so is a sticker with a lighter printed on it (as the safe list already reads 烟花图案).
- Contested and not asserted: gun accessories (gun oil, holster, gun safe), "rifle scope", titles beyond
  the listed ones ("Smoking Gun", "Young Guns"), 开山刀, 漂白粉, 老鼠药, "mercury", "diesel 20 litres",
  "box of matches", "weed", 活体乌龟, 猛犸象牙, 氢气球, 复刻 (also an official re-issue).
- Found here and mended in the lists: common wordings of listed goods that passed (English where the
  Chinese term is listed, or slang), and everyday goods rejected on a term inside a brand or a compound
  the safe list already treated as harmless in a sibling form (shotgun microphone vs 枪麦, 烟花图案 vs
  打火机图案, 酒精灯 vs 酒精炉, 反邪教 vs 远离毒品).
"""

from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from tests.factories import waybill
from tests.screening.test_scenarios import codes
from tests.screening.test_scenarios_goods import decide, hit_classes, line, the_reason

pytestmark = pytest.mark.anyio

PI = "PROHIBITED_ITEM"


async def one_line(engine: Engine, description: str) -> Decision:
    """A domestic express parcel of one line (40 CNY, 1 kg), the category left to the service."""
    return await decide(engine, waybill(items=[line(description, unit_value=40.0)], weight_kg=1.0))


async def assert_rejected_as(engine: Engine, description: str, prohibited_class: str) -> None:
    """RULES §3: PROHIBITED_ITEM rejects, and every hit names the class the goods belong to."""
    d = await one_line(engine, description)
    assert the_reason(d, PI).outcome == "reject" and d.decision == "reject"
    assert hit_classes(d) == {prohibited_class}


# (a) Everyday wordings of each class, Chinese and English


EVERYDAY: list[Any] = [
    # firearms and ammunition (the catalogue's class 1 names 仿制品 too)
    pytest.param("钢珠枪 户外 射击", "firearms", id="steel-ball-gun-zh"),
    pytest.param("猎枪子弹 12号 一盒", "firearms", id="shotgun-cartridges-zh"),
    pytest.param("BB gun for adults", "firearms", id="bb-gun-en"),
    pytest.param("pellet gun .177 cal", "firearms", id="pellet-gun-en"),
    pytest.param(
        "airsoft gun metal body",
        "firearms",
        id="airsoft-gun-metal-body",
    ),
    # controlled knives and tools
    pytest.param("甩棍 伸缩 防身", "controlled_knives", id="expandable-baton-zh"),
    pytest.param("指虎 合金 防身", "controlled_knives", id="knuckle-duster-zh"),
    pytest.param("brass knuckles", "controlled_knives", id="brass-knuckles-en"),
    pytest.param("crossbow bolts x12", "controlled_knives", id="crossbow-bolts-en"),
    pytest.param(
        "复合弩 狩猎 带箭",
        "controlled_knives",
        id="compound-crossbow-zh",
    ),
    pytest.param(
        "expandable baton self defense",
        "controlled_knives",
        id="expandable-baton-en",
    ),
    # explosives
    pytest.param("二踢脚 十个", "explosives", id="double-kicker-zh"),
    pytest.param("窜天猴 100支", "explosives", id="rocket-firecracker-zh"),
    pytest.param("M80 firecrackers", "explosives", id="m80-firecrackers-en"),
    pytest.param("cherry bombs 20 pcs", "explosives", id="cherry-bombs-en"),
    pytest.param(
        "冷焰火 婚礼 喷泉",
        "explosives",
        id="cold-spark-fountain-zh",
    ),
    pytest.param(
        "bottle rockets 100 pcs",
        "explosives",
        id="bottle-rockets-en",
    ),
    # compressed and liquefied gases
    pytest.param("防风打火机 5个", "compressed_gases", id="windproof-lighter-zh"),
    pytest.param("卡式炉 气罐 4罐", "compressed_gases", id="cassette-gas-spaced-zh"),
    pytest.param("helium tank for balloons", "compressed_gases", id="helium-tank-en"),
    pytest.param("camping gas canister", "compressed_gases", id="camping-gas-en"),
    pytest.param(
        "lighters 10 pcs",
        "compressed_gases",
        id="lighters-plural-en",
    ),
    pytest.param(
        "whipped cream chargers N2O 50 pcs",
        "compressed_gases",
        id="cream-chargers-en",
    ),
    # flammable liquids
    pytest.param("95%酒精 500ml", "flammable_liquids", id="ethanol-95-zh"),
    pytest.param("白电油 清洁 1L", "flammable_liquids", id="white-spirit-zh"),
    pytest.param("jerry can of petrol", "flammable_liquids", id="jerry-can-petrol-en"),
    pytest.param("lighter fluid refill", "flammable_liquids", id="lighter-fluid-en"),
    # flammable solids
    pytest.param("镁条 点火 户外", "flammable_solids", id="magnesium-strip-zh"),
    pytest.param("magnesium powder 500g", "flammable_solids", id="magnesium-powder-en"),
    # oxidisers
    pytest.param("硝酸铵 化肥 50kg", "oxidisers", id="ammonium-nitrate-fertiliser-zh"),
    pytest.param("sodium chlorate weed killer", "oxidisers", id="sodium-chlorate-weed-killer-en"),
    # toxic substances
    pytest.param("氰化物 试剂", "toxic", id="cyanide-reagent-zh"),
    pytest.param("strychnine rat bait", "toxic", id="strychnine-bait-en"),
    # infectious and biological substances
    pytest.param("血样 5管 冷链", "infectious", id="blood-tubes-zh"),
    pytest.param("blood samples for testing", "infectious", id="blood-samples-en"),
    pytest.param(
        "stool sample for lab test",
        "infectious",
        id="stool-sample-en",
    ),
    # radioactive material
    pytest.param("铀矿石 标本", "radioactive", id="uranium-ore-zh"),
    pytest.param("cobalt-60 source", "radioactive", id="cobalt-60-en"),
    # corrosives
    pytest.param("片碱 管道疏通", "corrosives", id="caustic-flakes-drain-zh"),
    pytest.param("battery acid 1L", "corrosives", id="battery-acid-en"),
    pytest.param(
        "car battery 12V 60Ah",
        "corrosives",
        id="car-battery-en",
    ),
    # drugs and precursors
    pytest.param("大麻烟 10支", "drugs", id="joints-zh"),
    pytest.param("cocaine 1g", "drugs", id="cocaine-en"),
    pytest.param(
        "麻古 10粒",
        "drugs",
        id="yaba-zh",
    ),
    pytest.param(
        "magic mushrooms 28g",
        "drugs",
        id="magic-mushrooms-en",
    ),
    # illegal publications
    pytest.param("黄色书刊 一批", "illegal_publications", id="porn-books-zh"),
    pytest.param("porn DVDs", "illegal_publications", id="porn-dvds-en"),
    # espionage equipment
    pytest.param("偷拍眼镜 高清", "espionage", id="spy-glasses-zh"),
    pytest.param("hidden cameras 2 pcs", "espionage", id="hidden-cameras-en"),
    pytest.param(
        "spy cam wifi",
        "espionage",
        id="spy-cam-en",
    ),
    # forged items
    pytest.param("假驾照 一本", "forged", id="fake-driving-licence-zh"),
    pytest.param("fake banknotes 100 USD", "forged", id="fake-banknotes-en"),
    pytest.param(
        "fake diploma",
        "forged",
        id="fake-diploma-en",
    ),
    # IP-infringing and counterfeit goods
    pytest.param("超A货 包包", "counterfeit", id="super-a-grade-zh"),
    pytest.param("AAA replica bag", "counterfeit", id="aaa-replica-en"),
    # endangered wildlife products
    pytest.param("犀角杯 雕刻", "endangered_wildlife", id="rhino-horn-cup-zh"),
    pytest.param("tiger skin rug", "endangered_wildlife", id="tiger-skin-rug-en"),
    # goods banned from import / export
    pytest.param("活体动物 宠物蛇", "banned_import_export", id="live-snake-zh"),
    pytest.param("soil samples for testing", "banned_import_export", id="soil-samples-en"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), EVERYDAY)
async def test_an_everyday_wording_of_prohibited_goods_is_rejected_with_its_class(
    engine: Engine, description: str, prohibited_class: str
) -> None:
    """RULES §1/§3: goods of a prohibited class are rejected under that class, whatever they are called."""
    await assert_rejected_as(engine, description, prohibited_class)


# Judgements: everyday-looking goods that a customs officer would still stop


JUDGED_PROHIBITED: list[Any] = [
    pytest.param("烟花蜡烛 生日蛋糕", "explosives", id="sparkler-cake-candle-zh"),
    pytest.param("sparkler birthday candles", "explosives", id="sparkler-candles-en"),
    pytest.param("合金 枪 模型 钥匙扣", "firearms", id="alloy-gun-keychain"),
    pytest.param("弹壳 项链", "firearms", id="cartridge-case-necklace"),
    pytest.param("罂粟籽 500g", "drugs", id="raw-poppy-seed"),
    pytest.param("大麻籽 10粒", "drugs", id="cannabis-seed"),
]


@pytest.mark.parametrize(("description", "prohibited_class"), JUDGED_PROHIBITED)
async def test_a_harmless_looking_article_that_is_still_prohibited_is_rejected(
    engine: Engine, description: str, prohibited_class: str
) -> None:
    """RULES §1: pyrotechnic candles, firing gun keychains, cartridge cases, viable seeds are prohibited."""
    await assert_rejected_as(engine, description, prohibited_class)


# (b) Ordinary goods whose descriptions merely contain a risky-looking word


HARMLESS: list[Any] = [
    pytest.param("knife-pleat skirt midi", id="knife-pleat-skirt"),
    pytest.param("nail gun 18 gauge brad", id="nail-gun"),
    pytest.param("hemp rope 10mm 20m", id="hemp-rope"),
    pytest.param("poppy seed bagel 6 pack", id="poppy-seed-bagel"),
    pytest.param("lemon poppy seed cake", id="poppy-seed-cake"),
    pytest.param("火麻仁 500g", id="hulled-hemp-seed"),
    pytest.param("火锅底料 麻辣 500g", id="hotpot-base"),
    pytest.param("car battery charger 12V 10A", id="car-battery-charger"),
    pytest.param("car battery jump starter 20000mAh", id="car-battery-jump-starter"),
    pytest.param("lighter weight rain jacket", id="lighter-weight-jacket"),
    pytest.param("烟花图案T恤", id="fireworks-print-tshirt"),
    pytest.param("枪色眼镜框 钛架", id="gunmetal-glasses-frame"),
    pytest.param("子弹头列车模型 1:87", id="bullet-train-model"),
    pytest.param("仿真花 一束 客厅", id="artificial-flowers"),
    pytest.param("香薰蜡烛 礼盒", id="scented-candles"),
    pytest.param("生日蜡烛 数字", id="birthday-candles"),
    pytest.param("香烟盒形状的糖果", id="cigarette-box-sweets"),
    pytest.param("swiss army knife", id="swiss-army-knife"),
    pytest.param("盐酸左西替利嗪片 10片", id="levocetirizine-hydrochloride-tablets"),
    pytest.param(
        "打火机图案贴纸",
        id="lighter-print-sticker",
    ),
    pytest.param(
        "三枪 内衣 男 纯棉",
        id="three-gun-underwear",
    ),
    pytest.param(
        "标枪 田径 比赛用",
        id="athletics-javelin",
    ),
    pytest.param(
        "RODE 枪麦 指向性 麦克风",
        id="shotgun-microphone-zh",
    ),
    pytest.param(
        "hot chocolate bombs 6 pack",
        id="hot-chocolate-bombs",
    ),
    pytest.param(
        "远离毒品 宣传海报",
        id="anti-drug-poster",
    ),
    pytest.param(
        "酒精炉 户外 野营",
        id="empty-spirit-stove",
    ),
    pytest.param(
        "LSD 限滑差速器",
        id="limited-slip-differential",
    ),
]


@pytest.mark.parametrize("description", HARMLESS)
async def test_ordinary_goods_with_a_risky_looking_word_are_not_rejected(
    engine: Engine, description: str
) -> None:
    """RULES §3: whole terms only (大麻哈鱼 is a salmon, 水枪 a toy): goods are what the whole name says."""
    d = await one_line(engine, description)
    assert PI not in codes(d) and d.decision != "reject"


# Both sides in one parcel: the harmless line is not named, the prohibited one is


async def test_a_harmless_look_alike_beside_the_real_thing_leaves_only_the_real_thing_in_the_evidence(
    engine: Engine,
) -> None:
    """RULES §3: the evidence names the prohibited line (罂粟籽), not the bagel nor the hotpot base."""
    items = [
        line("poppy seed bagel 6 pack", unit_value=30.0),
        line("火锅底料 麻辣 500g", unit_value=20.0),
        line("罂粟籽 500g", unit_value=40.0),
    ]
    d = await decide(engine, waybill(items=items, weight_kg=1.5))
    assert d.decision == "reject"
    hits = the_reason(d, PI).evidence["hits"]
    assert [(h["item"], h["prohibited_class"]) for h in hits] == [(2, "drugs")]
