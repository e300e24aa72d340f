"""Goods described in English, as a sender abroad, a cross-border shopper or a courier types them.

Written from ../shared/domain/RULES.md §1 (the 18 classes of 禁止寄递物品指导目录: firearms and ammunition,
controlled knives, explosives, corrosives, drugs, forged items, IP-infringing and counterfeit goods,
endangered wildlife…), §2 (the 16 goods categories; `category` inferred from the description, "Chinese and
English", when a request leaves it out; letters exempt from the per-parcel ID check) and §3
(PROHIBITED_ITEM on whole terms: 大麻哈鱼 is a salmon, 水枪 a toy; BRAND_PRICE_ANOMALY under a protected
brand's floor; COMMERCIAL_QUANTITY over 10 units of one item, 5 for medicine and cosmetics;
SAME_GOODS_FANOUT; WEIGHT_VALUE_MISMATCH on the category's band), from the wire contract
(`Item.description` in any language), the README ("goods are one description however they are cased,
spaced or punctuated") and from what the product itself claims to know: features/goods.py (whole-term
matching, "an English plural -s/-es is allowed", "a hyphen inside a Latin compound spells the same words as
a space", counterfeit markers "fake <brand>") and the shipped lists in features/data/ (prohibited.csv lists
replica, knockoff, "1:1 replica", "aaa replica", AAA货; safe_terms.csv clears glue and staple guns, film and
book titles, "counterfeit money detector", "pangolin plush"; brands.csv gives the floors).

tests/screening/test_scenarios_goods*.py and test_scenarios_prohibited_wording.py already hold the textbook
English names ("detonators", "switchblade knife", "replica handbags", "crystal meth", "bath bombs gift set",
"glue guns", "gunmetal grey phone case") and one English description per category; this file takes other
English: plurals and singulars, capitals, hyphenated and closed compounds, British and American words,
English brand names and counterfeit wording, and English false friends.

Readings chosen where the sources leave a choice:
- An English plural names the same goods as its singular, -ies plurals too ("lead acid batteries" are lead
  acid batteries; "AA batteries" are electronics as "battery" is).
- A compound is one word whether written open, hyphenated or closed: AK-47 is the listed ak47, AR15 the
  listed ar-15, "switch-blade" a switchblade, "knuckleduster" a knuckle duster.
- A common name of a listed article is the article: a flick knife is a switchblade, "tear gas spray" the
  listed 催泪喷雾, "meth" methamphetamine.
- Counterfeit sellers' grading in English ("1:1 copy", "AAA quality") before a protected brand says the
  same as the listed "1:1 replica", "aaa replica" and AAA货: IP-infringing goods, rejected.
- A false friend is what the whole name says, as the safe list reads its siblings: a tape gun is a tool
  like a staple gun; "Guns, Germs, and Steel" the book whose Chinese title 枪炮、病菌与钢铁 is cleared;
  "Napoleon Dynamite" a film like "Top Gun"; a counterfeit bill detector a detector like the cleared
  "counterfeit money detector"; a pangolin soft toy a toy like the cleared "pangolin plush"; "Chinese white
  spirit (baijiu)" liquor, which the lists read as food (白酒, baijiu), not paint thinner; a bullet
  vibrator is named for its shape like the cleared "bullet camera".
- Steak knives are cutlery (general goods), not food; a document bag is a bag, not a letter.
- Contested and not asserted: lithium metal batteries (restricted rather than plainly prohibited), "weed"
  alone, cap guns, "9mm cartridges", "carved ivory", mammoth ivory, "ammo pouch", "replica football shirt",
  "The Devil Wears Prada", "LEGO-compatible", and whether a singular and a plural line add up for
  COMMERCIAL_QUANTITY.
"""

from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from tests.factories import NO_ID, party, waybill
from tests.screening.test_scenarios import codes
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_goods import decide, hit_classes, japan_sender, line, the_reason
from tests.screening.test_scenarios_rings import export, goods, mainland, numbers, run

pytestmark = pytest.mark.anyio

PI = "PROHIBITED_ITEM"
BPA = "BRAND_PRICE_ANOMALY"
CQ = "COMMERCIAL_QUANTITY"
WVM = "WEIGHT_VALUE_MISMATCH"
SGF = "SAME_GOODS_FANOUT"

# 30,000 CNY at 0.05 kg is 600,000 CNY/kg: over every category's band, so the evidence names the category.
OVER_EVERY_BAND = (30000.0, 0.05)


def from_japan(
    description: str, unit_value: float = 40.0, *, weight_kg: float = 1.0, **changes: Any
) -> dict[str, Any]:
    """A personal postal import of one line from a private sender in Tokyo, its category left out."""
    return waybill(
        service="import",
        channel="postal",
        sender=japan_sender(),
        items=[line(description, unit_value=unit_value, **changes)],
        weight_kg=weight_kg,
    )


async def inferred_category(engine: Engine, description: str) -> tuple[str, Decision]:
    """The category the engine judged an undeclared domestic line on (WEIGHT_VALUE_MISMATCH evidence)."""
    value, weight = OVER_EVERY_BAND
    d = await decide(engine, waybill(items=[line(description, unit_value=value)], weight_kg=weight))
    ev = the_reason(d, WVM).evidence
    assert ev["category_inferred"] is True
    category: str = ev["category"]
    return category, d


# 1. PROHIBITED_ITEM: listed goods in English plurals, singulars, capitals and compounds, from abroad


PROHIBITED: list[Any] = [
    pytest.param("Bullets 9mm 50 rounds", "firearms", id="bullets"),
    pytest.param("SHOTGUN CARTRIDGES 12 GAUGE", "firearms", id="shotgun-cartridges-capitals"),
    pytest.param("AR-15 upper receiver", "firearms", id="ar-15-hyphenated"),
    pytest.param("Switchblades x3", "controlled_knives", id="switchblades"),
    pytest.param("Knuckle-Duster brass", "controlled_knives", id="knuckle-duster-hyphenated"),
    pytest.param("Hand-Grenades", "explosives", id="hand-grenades-hyphenated"),
    pytest.param("CO2 Cartridges for soda maker", "compressed_gases", id="co2-cartridges"),
    pytest.param("Lithium Metal foil 0.1mm", "flammable_solids", id="lithium-metal"),
    pytest.param("lead-acid battery 12V 7Ah", "corrosives", id="lead-acid-battery-hyphenated"),
    pytest.param("THC Vape Cartridges", "drugs", id="thc-vape-cartridges"),
    pytest.param("Ivory Tusks", "endangered_wildlife", id="ivory-tusks"),
    pytest.param("Pangolin Scale", "endangered_wildlife", id="pangolin-scale-singular"),
    pytest.param(
        "AK-47 receiver parts",
        "firearms",
        id="ak-47-hyphenated",
    ),
    pytest.param(
        "AR15 upper receiver",
        "firearms",
        id="ar15-closed",
    ),
    pytest.param(
        "switch-blade knife",
        "controlled_knives",
        id="switch-blade-hyphenated",
    ),
    pytest.param(
        "Knuckleduster",
        "controlled_knives",
        id="knuckleduster-closed",
    ),
    pytest.param(
        "flick knife",
        "controlled_knives",
        id="flick-knife",
    ),
    pytest.param(
        "tear gas spray 60ml",
        "controlled_knives",
        id="tear-gas-spray",
    ),
    pytest.param(
        "lead acid batteries 12V 7Ah",
        "corrosives",
        id="lead-acid-batteries",
    ),
    pytest.param(
        "meth 3.5g",
        "drugs",
        id="meth",
    ),
]


@pytest.mark.parametrize(("description", "prohibited_class"), PROHIBITED)
async def test_listed_goods_in_english_from_abroad_are_rejected_with_their_class(
    engine: Engine, description: str, prohibited_class: str
) -> None:
    """RULES §1/§3: a postal import whose English description names a prohibited article is rejected."""
    d = await decide(engine, from_japan(description))
    assert PI in codes(d), sorted(codes(d))
    assert the_reason(d, PI).outcome == "reject" and d.decision == "reject"
    assert prohibited_class in hit_classes(d)


async def test_gun_powder_written_as_two_words_is_still_rejected(engine: Engine) -> None:
    """A reader takes 'Gun-Powder' and 'gun powder' for gunpowder: rejected, whatever class names it."""
    for description in ("GUNPOWDER 1 lb", "Gun-Powder 500g", "gun powder 500g"):
        d = await decide(engine, from_japan(description))
        assert d.decision == "reject" and PI in codes(d), description


# 2. False friends: English goods with a listed word inside, not rejected (and read as what they are)


FALSE_FRIENDS: list[Any] = [
    pytest.param("Printer Ink Cartridges HP 302", None, id="ink-cartridges"),
    pytest.param("vape cartridges", "tobacco", id="vape-cartridges"),
    pytest.param("Bullet Journals A5 dotted", "general", id="bullet-journals-plural"),
    pytest.param("Shot Glasses set of 6", "general", id="shot-glasses"),
    pytest.param("Pepper Grinder", None, id="pepper-grinder"),
    pytest.param("Killer Queen T-shirt", "apparel_shoes", id="killer-queen-tshirt"),
    pytest.param("Weed Killer concentrate", "agri_inputs", id="weed-killer"),
    pytest.param("Ammo Boxes for storage", "general", id="ammo-boxes"),
    pytest.param("drug store receipts", "documents", id="drug-store-receipts"),
    pytest.param("Diesel jeans", "apparel_shoes", id="diesel-jeans"),
    pytest.param("Ivory Lace wedding dress", "apparel_shoes", id="ivory-colour"),
    pytest.param(
        "tape gun dispenser",
        None,
        id="tape-gun",
    ),
    pytest.param(
        "counterfeit bill detector pen",
        None,
        id="counterfeit-bill-detector",
    ),
    pytest.param(
        "pangolin soft toy",
        None,
        id="pangolin-soft-toy",
    ),
    pytest.param(
        "Guns, Germs, and Steel paperback",
        None,
        id="guns-germs-and-steel",
    ),
    pytest.param(
        "Napoleon Dynamite DVD",
        None,
        id="napoleon-dynamite-dvd",
    ),
    pytest.param(
        "bullet vibrator",
        None,
        id="bullet-vibrator",
    ),
    pytest.param(
        "Chinese white spirit (baijiu) 500ml",
        None,
        id="chinese-white-spirit-baijiu",
    ),
]


@pytest.mark.parametrize(("description", "category"), FALSE_FRIENDS)
async def test_an_english_false_friend_is_not_rejected(
    engine: Engine, description: str, category: str | None
) -> None:
    """RULES §3 (whole terms): goods are what the whole name says; the category too, where it is plain."""
    inferred, d = await inferred_category(engine, description)
    assert PI not in codes(d) and d.decision != "reject"
    if category is not None:
        assert inferred == category


# 3. Category inference from English (RULES §2), each of the 16 categories, seen through its value band


CATEGORIES: list[Any] = [
    pytest.param("Rice Seeds 1kg", "agri_inputs", id="rice-seeds"),
    pytest.param("dark chocolate bars", "food", id="chocolate-bars"),
    pytest.param("Paracetamol 500mg Tablets", "medicine", id="paracetamol-tablets"),
    pytest.param("moisturising face cream", "cosmetics", id="moisturising-face-cream"),
    pytest.param("KN95 masks", "medical_devices", id="kn95-masks"),
    pytest.param("Wireless Earbuds", "electronics", id="wireless-earbuds"),
    pytest.param("wiper blades", "auto_parts", id="wiper-blades"),
    pytest.param("Laminate Flooring", "building_materials", id="laminate-flooring"),
    pytest.param("aluminium powder", "hazardous_chemicals", id="aluminium-powder"),
    pytest.param("Plush Toys", "children_products", id="plush-toys"),
    pytest.param("crossbody bag", "bags_leather", id="crossbody-bag"),
    pytest.param("Hoodies", "apparel_shoes", id="hoodies"),
    pytest.param("heated tobacco sticks", "tobacco", id="heated-tobacco-sticks"),
    pytest.param("manga volumes", "publications", id="manga"),
    pytest.param("signed contract", "documents", id="signed-contract"),
    pytest.param("stainless steel water bottle", "general", id="water-bottle"),
    pytest.param(
        "Steak Knives 6 pcs",
        "general",
        id="steak-knives",
    ),
    pytest.param(
        "AA batteries 24 pack",
        "electronics",
        id="aa-batteries",
    ),
]


@pytest.mark.parametrize(("description", "category"), CATEGORIES)
async def test_the_category_is_inferred_from_an_english_description(
    engine: Engine, description: str, category: str
) -> None:
    """RULES §2: without `category` the service infers it from English too; that category's band applies."""
    inferred, d = await inferred_category(engine, description)
    assert inferred == category
    band = next(b for c, b in engine.policy.goods.value_per_kg.items() if c == category)
    ev = the_reason(d, WVM).evidence
    assert (ev["band_low"], ev["band_high"]) == band


async def test_a_document_folder_is_goods_and_needs_the_senders_id(engine: Engine) -> None:
    """RULES §2: letters are exempt from the ID check; a document folder (文件夹) is goods, not a letter."""
    wb = waybill(sender=party(**NO_ID), items=[line("document folder A4", unit_value=20.0)], weight_kg=0.3)
    assert the_reason(await decide(engine, wb), "REALNAME_MISSING").outcome == "reject"


async def test_a_fireproof_document_bag_is_goods_and_needs_the_senders_id(engine: Engine) -> None:
    """RULES §2/§3: a bag for documents is no letter; without a sender ID it is rejected."""
    wb = waybill(
        sender=party(**NO_ID), items=[line("fireproof document bag", unit_value=60.0)], weight_kg=0.5
    )
    d = await decide(engine, wb)
    assert "REALNAME_MISSING" in codes(d) and d.decision == "reject"


# 4. Counterfeit wording in English and English brand names (RULES §1: IP-infringing goods; §3: floors)


async def test_a_replica_rolex_from_abroad_is_rejected_and_its_price_signal_kept(engine: Engine) -> None:
    """'replica' names counterfeit goods (reject); the 800 CNY Rolex is also under its 30,000 floor."""
    d = await decide(engine, from_japan("Replica Rolex Submariner", unit_value=800.0))
    hits = the_reason(d, PI).evidence["hits"]
    assert {"item": 0, "term": "replica", "prohibited_class": "counterfeit"} in hits
    ev = the_reason(d, BPA).evidence
    assert (ev["brand"], ev["floor_cny"], ev["unit_value_cny"]) == ("Rolex", 30000.0, 800.0)
    assert d.decision == "reject" and d.reasons[0].code == PI


@pytest.mark.parametrize(
    "description",
    [
        pytest.param("Rolex Daytona replica", id="marker-after-the-brand"),
        pytest.param("Knock Off Adidas trainers", id="knock-off-open"),
        pytest.param("knock-offs Gucci belts", id="knock-offs-plural"),
        pytest.param("Fake YSL lipstick", id="fake-ysl"),
        pytest.param("fake Apple iPhone 15", id="fake-apple-phone"),
        pytest.param(
            "1:1 copy Rolex Submariner",
            id="one-to-one-copy",
        ),
        pytest.param(
            "AAA quality Louis Vuitton bag",
            id="aaa-quality",
        ),
    ],
)
async def test_english_counterfeit_wording_is_rejected(engine: Engine, description: str) -> None:
    """RULES §1: counterfeit goods are prohibited for post, however the seller grades the copy."""
    d = await decide(engine, from_japan(description, unit_value=300.0))
    assert PI in codes(d), sorted(codes(d))
    assert "counterfeit" in hit_classes(d) and d.decision == "reject"


@pytest.mark.parametrize(
    "description",
    [
        pytest.param("fake apples for decoration", id="fake-apples-the-fruit"),
        pytest.param("fake tan lotion", id="fake-tan"),
        pytest.param("AAA batteries 8 pack", id="aaa-battery-size"),
    ],
)
async def test_fake_aaa_and_apple_in_everyday_english_are_no_brand_and_no_counterfeit(
    engine: Engine, description: str
) -> None:
    """README: a counterfeit marker counts where the alias names the brand (假苹果 the fruit is not Apple)."""
    d = await decide(engine, from_japan(description, unit_value=15.0, weight_kg=0.2))
    assert PI not in codes(d) and BPA not in codes(d)
    assert d.decision == "release"


BRANDS: list[Any] = [
    pytest.param("Dyson Airwrap hair dryer", "Dyson", 1000.0, id="dyson"),
    pytest.param("Lululemon Align leggings", "Lululemon", 300.0, id="lululemon"),
    pytest.param("LEGO Technic building blocks", "LEGO", 50.0, id="lego"),
    pytest.param("Louis Vitton Neverfull bag", "Louis Vuitton", 8000.0, id="louis-vitton-misspelt"),
    pytest.param("Addidas Ultraboost sneakers", "Adidas", 200.0, id="addidas-misspelt"),
    pytest.param("Estee Lauder night repair serum", "Estée Lauder", 150.0, id="estee-without-accent"),
]


@pytest.mark.parametrize(("description", "brand", "floor"), BRANDS)
async def test_an_english_brand_under_its_floor_is_inspected_and_at_it_is_not(
    engine: Engine, description: str, brand: str, floor: float
) -> None:
    """RULES §3: a protected brand under the floor of its inferred category is a counterfeit signal."""
    under = await decide(engine, waybill(items=[line(description, unit_value=floor - 0.01)], weight_kg=0.5))
    r = the_reason(under, BPA)
    assert (r.outcome, r.evidence["brand"], r.evidence["floor_cny"]) == ("inspect", brand, floor)
    assert brand in r.message_en and PI not in codes(under)
    at = await decide(engine, waybill(items=[line(description, unit_value=floor)], weight_kg=0.5))
    assert BPA not in codes(at)


# 5. COMMERCIAL_QUANTITY: one English article on two lines, hyphenated or cased otherwise, adds up


@pytest.mark.parametrize(
    ("first", "second", "quantity", "max_units", "category"),
    [
        pytest.param("Anti-Ageing Serum", "anti ageing serum", 3, 5, "cosmetics", id="serum-hyphen"),
        pytest.param(
            "Paracetamol 500mg Tablets", "PARACETAMOL 500 MG TABLETS", 3, 5, "medicine", id="paracetamol"
        ),
    ],
)
async def test_one_english_article_written_two_ways_adds_up(
    engine: Engine, first: str, second: str, quantity: int, max_units: int, category: str
) -> None:
    """README: lines of one description add up however cased, spaced or punctuated; RULES §3 counts."""
    items = [
        line(first, quantity=quantity, unit_value=8.0),
        line(second, quantity=quantity, unit_value=8.0),
    ]
    wb = waybill(service="import", channel="postal", sender=japan_sender(), items=items, weight_kg=1.0)
    d = await decide(engine, wb)
    ev = the_reason(d, CQ).evidence
    assert (ev["quantity"], ev["max_units"], ev["items"]) == (2 * quantity, max_units, [0, 1])
    assert (ev["category"], ev["category_inferred"]) == (category, True)
    assert d.decision == "inspect"


# 6. SAME_GOODS_FANOUT: one English description typed five ways, and a different model number


async def test_one_sneaker_typed_five_ways_in_english_is_one_description(engine: Engine) -> None:
    """README: one description however cased, spaced or punctuated; RULES §3: 5 parcels to 3 receivers."""
    writings = [
        "Nike Air Max 90 sneakers",
        "NIKE AIR-MAX 90 SNEAKERS",
        "Nike Air Max 90 Sneakers.",
        "nike  air max 90 sneakers",
        "Nike Air-Max 90, sneakers",
    ]
    sender = mainland(731)
    ring = [
        export(
            sender,
            abroad("HK", i % 3),
            300.0,
            hours=i * 20,
            items=goods(300.0, description=w, category="apparel_shoes"),
        )
        for i, w in enumerate(writings)
    ]
    decisions = await run(engine, ring)
    assert not any(SGF in codes(d) for d in decisions[:4])
    ev = the_reason(decisions[4], SGF).evidence
    assert (ev["parcels"], ev["counterparts"]) == (5, 3)
    assert set(ev["linked_waybills"]) == numbers(ring[:4])
    assert decisions[4].decision == "inspect"


async def test_two_sneaker_models_are_two_descriptions(engine: Engine) -> None:
    """RULES §3 (the same goods): Air Max 90 on three parcels and Air Max 95 on two are no fan-out."""
    texts = ["Nike Air Max 90 sneakers", "Nike Air Max 95 sneakers"] * 2 + ["Nike Air Max 90 sneakers"]
    sender = mainland(732)
    ring = [
        export(
            sender,
            abroad("HK", i % 3),
            300.0,
            hours=i * 20,
            items=goods(300.0, description=t, category="apparel_shoes"),
        )
        for i, t in enumerate(texts)
    ]
    decisions = await run(engine, ring)
    assert not any(SGF in codes(d) for d in decisions)
