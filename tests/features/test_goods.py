"""Goods-text knowledge: floors over the labelled set, each trap, the lists' own invariants and the API."""

import csv
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from features.goods import (
    CATEGORIES,
    PROHIBITED_CLASSES,
    BrandHit,
    GoodsCatalogue,
    GoodsMatch,
    ProhibitedHit,
)

LABELLED = Path(__file__).parents[1] / "data" / "goods_labelled.csv"
DATA = Path(__file__).parents[2] / "features" / "data"
GENERIC_HAZARD_WORDS = {"危险化学品", "危化品", "易制爆", "hazardous chemicals"}


class Labelled(NamedTuple):
    """One row of the labelled set."""

    description: str
    category: str
    prohibited_class: str
    brand: str
    trap: bool
    note: str


def labelled_rows() -> list[Labelled]:
    """The labelled set, as written."""
    with LABELLED.open(encoding="utf-8", newline="") as handle:
        return [
            Labelled(
                r["description"],
                r["category"],
                r["prohibited_class"],
                r["brand"],
                r["trap"] == "1",
                r["note"],
            )
            for r in csv.DictReader(handle)
        ]


def data_rows(name: str) -> list[dict[str, str]]:
    """One shipped list, as written."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS = labelled_rows()


@pytest.fixture(scope="module")
def catalogue() -> GoodsCatalogue:
    """The shipped goods lists."""
    return GoodsCatalogue.load()


def classes(match: GoodsMatch) -> set[str]:
    """Prohibited classes of a match."""
    return {hit.prohibited_class for hit in match.prohibited}


def brands(match: GoodsMatch) -> set[str]:
    """Canonical brand names of a match."""
    return {hit.brand for hit in match.brands}


# --- the labelled set and its floors ---------------------------------------------------------------


def test_the_labelled_set_is_large_varied_and_uses_only_known_labels(catalogue: GoodsCatalogue) -> None:
    per_category = Counter(r.category for r in ROWS if r.category)
    per_class = Counter(r.prohibited_class for r in ROWS if r.prohibited_class)
    assert len(ROWS) >= 320
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 12
    assert set(per_class) == set(PROHIBITED_CLASSES)
    assert sum(per_class.values()) >= 40
    assert sum(r.trap for r in ROWS) >= 40
    assert {r.brand for r in ROWS if r.brand} <= set(catalogue.brand_names)
    assert len({r.description for r in ROWS}) == len(ROWS)


def test_categories_are_inferred_for_at_least_95_percent_of_the_labelled_rows(
    catalogue: GoodsCatalogue,
) -> None:
    given = [r for r in ROWS if r.category]
    wrong = [(r.description, r.category, catalogue.analyse(r.description).category) for r in given]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert 1 - len(wrong) / len(given) >= 0.95, wrong


def test_no_row_without_a_prohibited_label_gets_a_prohibited_hit(catalogue: GoodsCatalogue) -> None:
    false_hits = {
        r.description: catalogue.analyse(r.description).prohibited for r in ROWS if not r.prohibited_class
    }
    assert {d: hits for d, hits in false_hits.items() if hits} == {}


def test_every_prohibited_row_is_caught_with_its_class_and_no_other(catalogue: GoodsCatalogue) -> None:
    found = {r.description: classes(catalogue.analyse(r.description)) for r in ROWS if r.prohibited_class}
    expected = {r.description: {r.prohibited_class} for r in ROWS if r.prohibited_class}
    assert found == expected


def test_brands_are_found_on_at_least_95_percent_of_the_brand_rows(catalogue: GoodsCatalogue) -> None:
    rows = [r for r in ROWS if r.brand]
    missed = [r.description for r in rows if r.brand not in brands(catalogue.analyse(r.description))]
    assert 1 - len(missed) / len(rows) >= 0.95, missed


def test_no_row_names_a_brand_its_label_does_not(catalogue: GoodsCatalogue) -> None:
    extra = {r.description: brands(catalogue.analyse(r.description)) - {r.brand} for r in ROWS}
    assert {d: b for d, b in extra.items() if b} == {}


# --- traps: a harmless compound next to the real thing ---------------------------------------------


@pytest.mark.parametrize(
    ("harmless", "prohibited", "prohibited_class"),
    [
        ("大麻哈鱼 冷冻 2kg", "大麻 200g", "drugs"),
        ("特大麻辣鸭脖", "大麻 叶", "drugs"),
        ("水枪 儿童 玩具", "枪 一把", "firearms"),
        ("喷枪 电动", "仿真枪 金属", "firearms"),
        ("订书枪 木工", "气枪 铅弹", "firearms"),
        ("热熔胶枪 20W", "步枪 瞄准镜", "firearms"),
        ("按摩枪 筋膜枪", "猎枪 子弹", "firearms"),
        ("额温枪 红外", "手枪 模型 可发射", "firearms"),
        ("手枪钻 锂电", "手枪 一把", "firearms"),
        ("弹簧床垫 独立弹簧", "弹药 100发", "firearms"),
        ("子弹杯 6个装", "子弹 9mm", "firearms"),
        ("炮仗花 小苗", "炮仗 一盒", "explosives"),
        ("炮姜 中药饮片", "鞭炮 一万响", "explosives"),
        ("烟花印花 连衣裙", "烟花 礼花弹", "explosives"),
        ("沐浴炸弹 泡澡球", "炸弹 模型 真", "explosives"),
        ("火龙果 5斤", "火药 500g", "explosives"),
        ("Hot glue gun 20W", "gun 9mm", "firearms"),
        ("The game has begun T-shirt", "Glock pistol", "firearms"),
        ("Gunmetal grey hoodie", "shotgun shells", "firearms"),
        ("Massage gun deep tissue", "guns and ammo", "firearms"),
        ("Bath bomb set", "smoke bomb 10 pcs", "explosives"),
        ("Gunpowder green tea 250g", "black powder 500g", "explosives"),
        ("硫酸镁 泻盐", "浓硫酸 98%", "corrosives"),
        ("盐酸二甲双胍片", "盐酸溶液 500ml", "corrosives"),
        ("硝酸铵钙 水溶肥", "硝酸铵 50kg", "oxidisers"),
        ("医用双氧水 3%", "双氧水 50%", "oxidisers"),
        ("健身镁粉 防滑", "镁粉 金属 200目", "flammable_solids"),
        ("火柴盒小汽车 5辆装", "火柴 10盒", "flammable_solids"),
        ("新鲜香蕉水果 10斤", "香蕉水 稀释剂", "flammable_liquids"),
        ("酒精棉片 100片", "医用酒精 500ml", "flammable_liquids"),
        ("汽油滤芯 本田", "汽油 5L", "flammable_liquids"),
        ("天然气灶 嵌入式", "天然气 罐装", "compressed_gases"),
        ("充电打火机 USB", "打火机 一次性", "compressed_gases"),
        ("香菇菌种 菌棒", "菌种 大肠杆菌", "infectious"),
        ("盖革计数器 放射性检测仪", "放射性 矿石", "radioactive"),
        ("象牙白 衬衫", "象牙 手镯", "endangered_wildlife"),
        ("穿山甲公仔 毛绒", "穿山甲片 中药", "endangered_wildlife"),
        ("高仿真花 绿植", "高仿 包包", "counterfeit"),
        ("Maison Margiela REPLICA EDT", "replica watch", "counterfeit"),
        ("谨防假冒 防伪标签", "假冒 名牌 包", "counterfeit"),
        ("防偷拍检测器", "偷拍神器 眼镜", "espionage"),
        ("婴儿监听器 wifi", "监听器 远程", "espionage"),
        ("验假币 验钞机", "假币 100元", "forged"),
        ("Counterfeit money detector pen", "counterfeit money 100 USD", "forged"),
        ("反动物实验 唇膏", "反动书籍", "illegal_publications"),
        ("鸦片战争 图书", "鸦片 50g", "drugs"),
        ("Black Opium eau de parfum", "opium 50g", "drugs"),
        ("机密文件袋 牛皮纸", "机密文件 内部", "banned_import_export"),
    ],
)
def test_a_harmless_compound_hides_the_prohibited_term_inside_it(
    catalogue: GoodsCatalogue, harmless: str, prohibited: str, prohibited_class: str
) -> None:
    assert catalogue.analyse(harmless).prohibited == ()
    assert prohibited_class in classes(catalogue.analyse(prohibited))


def test_a_prohibited_hit_names_the_term_as_listed(catalogue: GoodsCatalogue) -> None:
    assert catalogue.analyse("K粉 5g").prohibited == (ProhibitedHit("k粉", "drugs"),)
    assert catalogue.analyse("HEROIN 5g").prohibited == (ProhibitedHit("heroin", "drugs"),)


def test_the_longest_prohibited_term_wins_over_the_terms_inside_it(catalogue: GoodsCatalogue) -> None:
    assert catalogue.analyse("电击枪 防身").prohibited == (ProhibitedHit("电击枪", "controlled_knives"),)
    assert catalogue.analyse("固体酒精 20块").prohibited == (ProhibitedHit("固体酒精", "flammable_solids"),)
    assert catalogue.analyse("stun gun").prohibited == (ProhibitedHit("stun gun", "controlled_knives"),)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("heroin 5g", True),
        ("heroine costume", False),
        ("pistols x2", True),
        ("glock19 gen5", True),
        ("gunmetal", False),
        ("begun", False),
        ("shotgun", True),
        ("買gun一把", True),
        ("4k粉色手机壳", False),
        ("k粉", True),
    ],
)
def test_latin_terms_match_whole_words_only(catalogue: GoodsCatalogue, text: str, found: bool) -> None:
    assert bool(catalogue.analyse(text).prohibited) is found


@pytest.mark.parametrize(
    "text", ["冰 毒 1g", "冰\u3000毒", "冰\u200b毒", "冰毒", "ＩＣＥ 冰毒", "冰  毒\t1g"]
)
def test_spacing_and_invisible_characters_do_not_hide_a_term(catalogue: GoodsCatalogue, text: str) -> None:
    assert classes(catalogue.analyse(text)) == {"drugs"}


def test_traditional_characters_match_simplified_terms(catalogue: GoodsCatalogue) -> None:
    assert classes(catalogue.analyse("槍支 零件")) == {"firearms"}
    assert catalogue.analyse("化妝品 口紅").category == "cosmetics"


# --- brands -----------------------------------------------------------------------------------------


def test_apple_the_fruit_is_not_apple_the_brand(catalogue: GoodsCatalogue) -> None:
    fruit = catalogue.analyse("红富士苹果 5斤")
    phone = catalogue.analyse("苹果手机 15 Pro")
    assert (fruit.category, fruit.brands) == ("food", ())
    assert phone.category == "electronics"
    assert phone.brands == (BrandHit("Apple", "苹果", 500.0),)


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("Omega-3 fish oil", None),
        ("OMEGA Seamaster watch", "Omega"),
        ("Coach whistle referee", None),
        ("Coach tote bag", "Coach"),
        ("黄小米 5斤", None),
        ("小米手机 14", "Xiaomi"),
        ("三星堆 青铜面具 摆件", None),
        ("三星 手机 S24", "Samsung"),
        ("La Mer Debussy CD", None),
        ("La Mer moisturizing cream", "La Mer"),
        ("Tiffany lamp stained glass", None),
        ("Tiffany necklace silver", "Tiffany"),
    ],
)
def test_an_alias_that_is_an_ordinary_word_names_the_brand_only_in_its_categories(
    catalogue: GoodsCatalogue, text: str, brand: str | None
) -> None:
    assert brands(catalogue.analyse(text)) == ({brand} if brand else set())


@pytest.mark.parametrize(
    "text",
    [
        "适用苹果 充电器",
        "兼容乐高 积木",
        "charger for iPhone 15",
        "华为手机壳 磨砂",
        "茅台镇 酱香酒",
        "蒂芙尼蓝 礼盒",
    ],
)
def test_compatible_accessories_and_lookalike_words_do_not_name_a_brand(
    catalogue: GoodsCatalogue, text: str
) -> None:
    assert catalogue.analyse(text).brands == ()


def test_116610lv_is_a_rolex_reference_not_louis_vuitton(catalogue: GoodsCatalogue) -> None:
    assert brands(catalogue.analyse("劳力士 116610LV")) == {"Rolex"}
    assert brands(catalogue.analyse("LV包 老花")) == {"Louis Vuitton"}


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("fake Nike shoes", "fake Nike"),
        ("假茅台 53度", "假茅台"),
        ("仿LV 包", "仿LV"),
        ("山寨iPhone", "山寨iPhone"),
    ],
)
def test_a_fake_brand_is_counterfeit(catalogue: GoodsCatalogue, text: str, term: str) -> None:
    assert ProhibitedHit(term, "counterfeit") in catalogue.analyse(text).prohibited


def test_fake_fruit_is_only_decoration(catalogue: GoodsCatalogue) -> None:
    assert catalogue.analyse("假苹果 仿真水果 装饰").prohibited == ()


@pytest.mark.parametrize(
    ("text", "category", "floor"),
    [
        ("Dior 口红 999", None, 150.0),
        ("Dior 戴妃包", None, 8000.0),
        ("劳力士 手表", None, 30000.0),
        ("Nike 运动鞋", None, 250.0),
        ("iPhone 15", None, 500.0),
        ("Dior 婴儿 礼盒", "children_products", 150.0),
        ("iPhone 15", "food", None),
    ],
)
def test_the_floor_is_the_brands_floor_for_the_category_else_its_star_floor(
    catalogue: GoodsCatalogue, text: str, category: str | None, floor: float | None
) -> None:
    (hit,) = catalogue.analyse(text, category=category).brands
    assert hit.floor_cny == floor


@pytest.mark.parametrize(
    ("field", "brand"),
    [
        ("路易威登", "Louis Vuitton"),
        ("  DIOR ", "Dior"),
        ("Estée Lauder", "Estée Lauder"),
        ("Apple", "Apple"),
    ],
)
def test_the_brand_field_names_a_brand_by_exact_alias(
    catalogue: GoodsCatalogue, field: str, brand: str
) -> None:
    assert brands(catalogue.analyse("礼品 一件", brand=field)) == {brand}


def test_a_brand_field_that_is_not_an_alias_names_nothing(catalogue: GoodsCatalogue) -> None:
    assert catalogue.analyse("礼品 一件", brand="LV包包").brands == ()


def test_a_brand_in_field_and_description_is_one_hit_with_the_fields_alias(catalogue: GoodsCatalogue) -> None:
    match = catalogue.analyse("古驰 马鞍包 Gucci", brand="GUCCI")
    assert match.brands == (BrandHit("Gucci", "Gucci", 6000.0),)


# --- categories and the API ----------------------------------------------------------------------


def test_categories_are_the_sixteen_codes_of_the_rules_in_order() -> None:
    assert CATEGORIES == (
        "agri_inputs", "food", "medicine", "cosmetics", "medical_devices", "electronics", "auto_parts",
        "building_materials", "hazardous_chemicals", "children_products", "bags_leather", "apparel_shoes",
        "tobacco", "publications", "documents", "general",
    )  # fmt: skip


def test_a_given_category_is_kept_and_matching_still_runs(catalogue: GoodsCatalogue) -> None:
    match = catalogue.analyse("大麻 Dior 口红", category="food")
    assert (match.category, match.category_inferred, match.category_terms) == ("food", False, ())
    assert classes(match) == {"drugs"}
    assert match.brands == (BrandHit("Dior", "Dior", 150.0),)


def test_hazardous_chemicals_given_as_category_is_not_itself_a_prohibited_hit(
    catalogue: GoodsCatalogue,
) -> None:
    assert catalogue.analyse("清洁用品 1箱", category="hazardous_chemicals").prohibited == ()


def test_an_inferred_category_reports_the_terms_that_decided_it(catalogue: GoodsCatalogue) -> None:
    match = catalogue.analyse("口红 lipstick 送 小样")
    assert (match.category, match.category_inferred, match.category_terms) == (
        "cosmetics",
        True,
        ("口红", "lipstick"),
    )


def test_a_description_with_no_known_term_is_general(catalogue: GoodsCatalogue) -> None:
    assert catalogue.analyse("xyz 123 ???") == GoodsMatch("general", True, (), (), ())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("苹果手机 壳", "electronics"),
        ("空调滤芯 汽车", "auto_parts"),
        ("儿童安全座椅 汽车用", "children_products"),
        ("Air conditioner 1.5hp", "electronics"),
        ("硫磺皂 除螨", "cosmetics"),
    ],
)
def test_the_longest_term_decides_over_the_terms_inside_it(
    catalogue: GoodsCatalogue, text: str, category: str
) -> None:
    assert catalogue.analyse(text).category == category


def test_a_tie_goes_to_the_earlier_category_of_the_rules_every_time(catalogue: GoodsCatalogue) -> None:
    assert {catalogue.analyse(t).category for t in ("口红 手机", "手机 口红")} == {"cosmetics"}


def test_normalise_text_folds_width_case_script_and_spaces(catalogue: GoodsCatalogue) -> None:
    assert catalogue.normalise_text("  ＮＩＫＥ　耐克  Air   Max ") == "nike耐克air max"
    assert catalogue.normalise_text("槍 化妝品") == "枪化妆品"
    assert catalogue.normalise_text("Bird’s nest") == "bird's nest"


# --- the shipped lists --------------------------------------------------------------------------


def test_every_category_has_many_terms_in_both_languages() -> None:
    per = Counter((r["category"], r["lang"]) for r in data_rows("categories.csv"))
    assert all(per[(c, "zh")] >= 15 and per[(c, "en")] >= 15 for c in CATEGORIES), per


def test_the_lists_cover_every_class_and_enough_brands() -> None:
    assert {r["class"] for r in data_rows("prohibited.csv")} == set(PROHIBITED_CLASSES)
    assert len({r["brand"] for r in data_rows("brands.csv")}) >= 25
    assert all(r["note"] for r in data_rows("safe_terms.csv"))


def test_every_prohibited_term_alone_is_caught_with_its_own_class(catalogue: GoodsCatalogue) -> None:
    wrong = {
        r["term"]: classes(catalogue.analyse(r["term"]))
        for r in data_rows("prohibited.csv")
        if classes(catalogue.analyse(r["term"])) != {r["class"]}
    }
    assert wrong == {}


def test_every_safe_term_alone_is_harmless(catalogue: GoodsCatalogue) -> None:
    flagged = [r["term"] for r in data_rows("safe_terms.csv") if catalogue.analyse(r["term"]).prohibited]
    assert flagged == []


def test_every_specific_hazardous_chemical_is_also_a_prohibited_term(catalogue: GoodsCatalogue) -> None:
    terms = [r["term"] for r in data_rows("categories.csv") if r["category"] == "hazardous_chemicals"]
    missing = [t for t in terms if t not in GENERIC_HAZARD_WORDS and not catalogue.analyse(t).prohibited]
    assert missing == []


# --- loading other lists -----------------------------------------------------------------------------

ListWriter = Callable[..., Path]

MINIMAL = {
    "categories.csv": "category,term,lang\nfood,大米,zh\nelectronics,phone,en\n",
    "prohibited.csv": "class,term,lang\ndrugs,大麻,zh\nfirearms,gun,en\n",
    "safe_terms.csv": "term,lang,note\n大麻哈鱼,zh,chum salmon\n",
    "brands.csv": "brand,alias,lang,category,floor_cny\nAcme,Acme,en,electronics,99\nAcme,Acme,en,*,\n",
}


@pytest.fixture
def write_lists(tmp_path: Path) -> ListWriter:
    """Writes the four lists (minimal ones, with overrides) into a directory and returns it."""

    def write(**changes: str) -> Path:
        for name, text in (MINIMAL | {f"{k}.csv": v for k, v in changes.items()}).items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        return tmp_path

    return write


def test_lists_load_from_another_directory(write_lists: ListWriter) -> None:
    catalogue = GoodsCatalogue.load(write_lists())
    assert catalogue.analyse("大麻哈鱼 大米").prohibited == ()
    match = catalogue.analyse("Acme phone, 大麻")
    assert (match.category, classes(match)) == ("electronics", {"drugs"})
    assert match.brands == (BrandHit("Acme", "Acme", 99.0),)
    assert catalogue.analyse("Acme 大米").brands == (BrandHit("Acme", "Acme", None),)


def test_a_reading_kept_by_one_catalogue_is_not_another_catalogues(
    catalogue: GoodsCatalogue, write_lists: ListWriter
) -> None:
    # Catalogues keep the readings of descriptions they have seen: each its own, by its own lists.
    other = GoodsCatalogue.load(write_lists(prohibited="class,term,lang\ndrugs,大米,zh\ndrugs,大麻,zh\n"))
    assert catalogue.analyse("大米 5kg").prohibited == ()
    assert classes(other.analyse("大米 5kg")) == {"drugs"}
    assert catalogue.analyse("大米 5kg").prohibited == ()


def test_the_same_description_read_again_under_another_declared_category_or_brand_is_read_anew(
    catalogue: GoodsCatalogue,
) -> None:
    plain = catalogue.analyse("手机壳")
    declared = catalogue.analyse("手机壳", category="electronics", brand="Apple")
    assert catalogue.analyse("手机壳") == plain
    assert (declared.category, declared.category_inferred) == ("electronics", False)
    assert (plain.category_inferred, catalogue.goods_text("手机壳，")) == (True, "手机壳")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"categories": "category,term,lang\nsnacks,薯片,zh\n"}, "unknown category"),
        ({"categories": "category,term,lang\nfood,大米,zh\nfood,大米,zh\n"}, "listed twice"),
        ({"categories": "category,term\nfood,大米\n"}, "header"),
        ({"prohibited": "class,term,lang\nweapons,gun,en\n"}, "unknown class"),
        ({"prohibited": "class,term,lang\ndrugs,大麻,cn\n"}, "lang"),
        ({"safe_terms": "term,lang,note\n大米饭,zh,rice\n"}, "contains no prohibited term"),
        ({"safe_terms": "term,lang,note\n大麻哈鱼,zh,\n"}, "needs a note"),
        ({"brands": "brand,alias,lang,category,floor_cny\nA,A,en,*,1\nA,A,en,*,2\n"}, "two floors"),
        ({"brands": "brand,alias,lang,category,floor_cny\nA,X,en,*,1\nB,X,en,*,1\n"}, "already names"),
    ],
)
def test_a_data_error_in_the_lists_stops_loading(
    write_lists: ListWriter, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        GoodsCatalogue.load(write_lists(**changes))


@pytest.mark.parametrize(
    ("description", "brands"),
    [
        ("iPhone 15 手机壳", []),
        ("iphone15 手机壳", []),
        ("iPhone 15 Pro Max case", []),
        ("iPhone 15 Pro Max", ["Apple"]),
        ("iPhone 15 手机", ["Apple"]),
        ("Nike Air Max 90", ["Nike"]),
    ],
)
def test_a_model_number_between_a_brand_and_an_accessory_leaves_a_third_party_accessory(
    catalogue: GoodsCatalogue, description: str, brands: list[str]
) -> None:
    found = catalogue.analyse(description, category="electronics").brands
    assert [b.brand for b in found] == brands
