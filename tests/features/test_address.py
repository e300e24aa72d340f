"""Address normalisation: the same building gets one key, different buildings never share one."""

import csv
import dataclasses
from pathlib import Path

import pytest

from features import address
from features.address import NormalisedAddress, normalise_address

PAIRS = Path(__file__).parent.parent / "data" / "address_pairs.csv"
SIDES = ("country", "province", "city", "district", "detail")


def cn(
    detail: str | None,
    *,
    province: str | None = "上海市",
    city: str | None = "上海市",
    district: str | None = "浦东新区",
    country: str = "CN",
) -> NormalisedAddress:
    """A mainland address, by default in Shanghai's Pudong."""
    return normalise_address(country=country, province=province, city=city, district=district, detail=detail)


def key(
    detail: str | None,
    *,
    province: str | None = "上海市",
    city: str | None = "上海市",
    district: str | None = "浦东新区",
) -> str:
    """The building key of a mainland address, by default in Pudong."""
    return cn(detail, province=province, city=city, district=district).building_key


def hk(detail: str, *, district: str | None = None, city: str | None = None) -> str:
    """The building key of a Hong Kong address."""
    return normalise_address(
        country="HK", province=None, city=city, district=district, detail=detail
    ).building_key


def load_pairs() -> list[dict[str, str]]:
    """The labelled pairs, one dict per row."""
    with PAIRS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def side(row: dict[str, str], prefix: str) -> NormalisedAddress:
    """Normalise one side of a labelled pair; an empty cell is a missing field."""
    values = {name: row[f"{prefix}_{name}"] or None for name in SIDES}
    return normalise_address(
        country=values["country"] or "",
        province=values["province"],
        city=values["city"],
        district=values["district"],
        detail=values["detail"],
    )


def same_key(row: dict[str, str]) -> bool:
    """Both sides share a building key; an empty key (nothing to count by) matches nothing."""
    a, b = side(row, "a"), side(row, "b")
    return bool(a.building_key) and a.building_key == b.building_key


def test_the_labelled_set_has_enough_pairs_of_both_kinds() -> None:
    rows = load_pairs()
    same = [r for r in rows if r["same_building"] == "1"]
    different = [r for r in rows if r["same_building"] == "0"]
    assert len(rows) >= 220
    assert len(same) + len(different) == len(rows)
    assert min(len(same), len(different)) >= 0.4 * len(rows)


def test_at_least_98_percent_of_same_building_pairs_share_a_key() -> None:
    same = [r for r in load_pairs() if r["same_building"] == "1"]
    misses = [r["note"] for r in same if not same_key(r)]
    assert 1 - len(misses) / len(same) >= 0.98, misses


def test_no_different_building_pair_shares_a_key() -> None:
    different = [r for r in load_pairs() if r["same_building"] == "0"]
    false_matches = [(r["note"], side(r, "a").building_key) for r in different if same_key(r)]
    assert false_matches == []


def test_full_width_digits_letters_and_punctuation_are_half_width() -> None:
    assert key("张江路８８号Ａ座（２单元）") == key("张江路88号A座(2单元)") == "cn|上海/浦东|张江路88号a栋"


def test_traditional_characters_are_simplified() -> None:
    traditional = cn("張江路88號3號樓2單元201室", province="上海市", city="上海市", district="浦東新區")
    assert traditional.building_key == key("张江路88号3号楼") == "cn|上海/浦东|张江路88号3栋"


def test_traditional_province_and_city_fields_are_simplified() -> None:
    fields = {"province": "廣東省", "city": "廣州市", "district": "海珠區"}
    assert key("新港中路397號", **fields) == key(
        "新港中路397号", province="广东省", city="广州市", district="海珠区"
    )


def test_a_cjk_compatibility_ideograph_counts_as_its_unified_character() -> None:
    assert key("张江路88号3号\uf94c") == key("张江路88号3号楼")


@pytest.mark.parametrize(
    ("chinese", "arabic"),
    [
        ("三栋", "3栋"),
        ("十二号楼", "12号楼"),
        ("二十一号楼", "21号楼"),
        ("第三栋", "3栋"),
        ("一百零八号楼", "108号楼"),
        ("二〇一号楼", "201号楼"),
        ("两百零八号楼", "208号楼"),
    ],
)
def test_chinese_numerals_before_an_address_marker_are_numbers(chinese: str, arabic: str) -> None:
    assert key(f"张江路88号{chinese}") == key(f"张江路88号{arabic}")


def test_a_chinese_road_number_equals_the_arabic_one() -> None:
    assert key("张江路一百零八号") == key("张江路108号") == "cn|上海/浦东|张江路108号"


def test_numerals_inside_place_names_are_left_alone() -> None:
    assert key("三元里大道88号") == "cn|上海/浦东|三元里大道88号"
    assert key("九龙湾路8号") == "cn|上海/浦东|九龙湾路8号"


def test_a_lone_liang_is_not_building_two() -> None:
    assert key("万科城两栋") != key("万科城2栋")


@pytest.mark.parametrize(
    ("long", "short"),
    [
        (("上海市", "上海市", "浦东新区"), ("上海", "上海", "浦东")),
        (("广东省", "深圳市", "南山区"), ("广东", "深圳", "南山")),
        (("北京市", "北京市", "朝阳区"), ("北京", "北京", "朝阳")),
        (("内蒙古自治区", "呼和浩特市", "赛罕区"), ("内蒙古", "呼和浩特", "赛罕")),
        (("广西壮族自治区", "南宁市", "青秀区"), ("广西", "南宁", "青秀")),
        (("新疆维吾尔自治区", "乌鲁木齐市", "新市区"), ("新疆", "乌鲁木齐", "新市")),
        (("宁夏回族自治区", "银川市", "兴庆区"), ("宁夏", "银川", "兴庆")),
        (("湖北省", "恩施土家族苗族自治州", "恩施市"), ("湖北", "恩施州", "恩施")),
        (("内蒙古自治区", "鄂尔多斯市", "达拉特旗"), ("内蒙古", "鄂尔多斯", "达拉特")),
        (("浙江省", "金华市", "义乌市"), ("浙江", "金华", "义乌")),
    ],
)
def test_administrative_suffixes_are_optional(
    long: tuple[str, str, str], short: tuple[str, str, str]
) -> None:
    def with_fields(fields: tuple[str, str, str]) -> str:
        province, city, district = fields
        return key("人民路88号", province=province, city=city, district=district)

    assert with_fields(long) == with_fields(short)


@pytest.mark.parametrize(
    "detail",
    [
        "上海市浦东新区张江路88号3号楼",
        "上海浦东新区张江路88号3号楼",
        "上海浦东张江路88号3号楼",
        "中国上海市上海市浦东新区张江路88号3号楼",
        "浦东新区张江路88号3号楼",
    ],
)
def test_a_prefix_repeated_in_the_detail_is_the_same_building(detail: str) -> None:
    assert key(detail) == key("张江路88号3号楼")


def test_the_prefix_can_come_from_the_detail_alone() -> None:
    assert key("上海市浦东新区张江路88号3号楼", province=None, city=None, district=None) == key(
        "张江路88号3号楼"
    )
    assert key("广东省深圳市南山区科苑路15号", province=None, city=None, district=None) == key(
        "科苑路15号", province="广东省", city="深圳市", district="南山区"
    )


def test_a_municipality_needs_no_separate_city() -> None:
    assert (
        key("张江路88号", city=None) == key("张江路88号", city="上海市") == key("张江路88号", city="市辖区")
    )


def test_the_province_may_be_left_out_when_the_city_is_known() -> None:
    fields = {"city": "深圳市", "district": "南山区"}
    assert key("科苑路15号", province=None, **fields) == key("科苑路15号", province="广东省", **fields)


def test_an_urban_sub_district_is_dropped_but_a_town_is_kept() -> None:
    assert key("粤海街道科苑路15号", province="广东省", city="深圳市", district="南山区") == key(
        "科苑路15号", province="广东省", city="深圳市", district="南山区"
    )
    assert key("长安镇人民路88号", province="广东省", city="东莞市", district=None) != key(
        "虎门镇人民路88号", province="广东省", city="东莞市", district=None
    )


@pytest.mark.parametrize(
    "detail",
    [
        "张江路88号3号楼201室",
        "张江路88号3号楼1201",
        "张江路88号3号楼12楼1201",
        "张江路88号3号楼2单元201",
        "张江路88号3号楼3门501",
        "张江路88号3-2-201",
        "张江路88号3-1201",
    ],
)
def test_unit_floor_and_room_are_dropped(detail: str) -> None:
    assert key(detail) == key("张江路88号3号楼") == "cn|上海/浦东|张江路88号3栋"


@pytest.mark.parametrize(
    "detail", ["张江路88号201室", "张江路88号1201", "张江路88号12楼1201", "张江路88号12层", "张江路88-201"]
)
def test_a_room_without_a_building_leaves_the_door_number(detail: str) -> None:
    assert key(detail) == "cn|上海/浦东|张江路88号"


def test_the_full_form_keeps_the_room() -> None:
    assert cn("张江路88号3号楼2单元201室").full == "cn|上海/浦东|张江路88号3栋|2单元201"
    assert cn("张江路88号3号楼2单元201室").full != cn("张江路88号3号楼2单元202室").full


@pytest.mark.parametrize("marker", ["号楼", "栋", "幢", "座", "#楼", "#", "号栋"])
def test_building_markers_name_the_same_building(marker: str) -> None:
    assert key(f"张江路88号3{marker}") == "cn|上海/浦东|张江路88号3栋"


@pytest.mark.parametrize(("one", "other"), [("3栋", "4栋"), ("3栋", "13栋"), ("3栋", "33栋"), ("a座", "b座")])
def test_neighbouring_buildings_differ(one: str, other: str) -> None:
    assert key(f"阳光花园{one}") != key(f"阳光花园{other}")


def test_a_number_after_a_compound_is_a_building_and_after_a_road_a_door() -> None:
    assert key("阳光花园1号201室") == key("阳光花园1号楼") == "cn|上海/浦东|阳光花园1栋"
    assert key("张江路1号") == "cn|上海/浦东|张江路1号"
    assert key("张江路1号") != key("张江路11号")


def test_neighbouring_door_numbers_differ() -> None:
    assert key("张江路88号") != key("张江路89号")
    assert key("张江路88号") != key("张江路188号")
    assert key("张江路88-1号") != key("张江路88-2号")
    assert key("张江路88-1") == key("张江路88-1号") != key("张江路88-2")


def test_the_same_road_in_another_district_or_city_differs() -> None:
    assert key("中山路88号", district="浦东新区") != key("中山路88号", district="徐汇区")
    nanjing = key("中山路88号", province="江苏省", city="南京市", district="鼓楼区")
    xiamen = key("中山路88号", province="福建省", city="厦门市", district="思明区")
    assert nanjing != xiamen


def test_the_same_district_name_in_another_city_differs() -> None:
    beijing = key("人民大街88号", province="北京市", city="北京市", district="朝阳区")
    changchun = key("人民大街88号", province="吉林省", city="长春市", district="朝阳区")
    assert beijing != changchun


def test_without_a_city_there_is_no_building_key() -> None:
    assert key("中山西路88号", province="河北省", city=None, district="桥西区") == ""


def test_without_street_detail_there_is_no_building_key() -> None:
    assert key(None) == ""
    assert key("上海市浦东新区") == ""
    assert key("201室") == ""


def test_whitespace_and_punctuation_do_not_matter() -> None:
    assert key(" 张江路 88 号，3 号楼（2单元）、201室 ") == key("张江路88号3号楼")
    assert key("张江路 88") == key("张江路88号")


def test_hong_kong_drops_flat_and_floor_and_the_territory_name() -> None:
    assert hk("Flat B, 12/F, 88 Nathan Road, Kowloon, Hong Kong") == hk("88 Nathan Rd", district="Kowloon")
    assert hk("88 Nathan Road, Kowloon") == "hk|88 nathan road"
    assert hk("88 Nathan Road, Kowloon") != hk("89 Nathan Road, Kowloon")


def test_a_chinese_province_of_hong_kong_is_treated_as_hong_kong() -> None:
    as_cn = normalise_address(
        country="CN", province="香港特别行政区", city="九龙", district=None, detail="弥敦道88号"
    )
    assert as_cn.building_key == hk("彌敦道88號12樓B室", city="九龙")


def test_foreign_countries_are_told_apart() -> None:
    singapore = normalise_address(
        country="SG", province=None, city=None, district=None, detail="1 Orchard Road"
    )
    malaysia = normalise_address(
        country="MY", province=None, city=None, district=None, detail="1 Orchard Road"
    )
    assert singapore.building_key != malaysia.building_key


def test_skipping_opencc_for_simplified_text_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = load_pairs()
    before = [(side(r, "a"), side(r, "b")) for r in rows]
    everything = frozenset("".join(v for r in rows for v in r.values()))
    monkeypatch.setattr(address, "_TRADITIONAL", everything)
    address._region_name.cache_clear()
    address._country_code.cache_clear()
    try:
        after = [(side(r, "a"), side(r, "b")) for r in rows]
    finally:
        address._region_name.cache_clear()
        address._country_code.cache_clear()
    assert after == before


def test_the_result_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        cn("张江路88号").building_key = "x"  # type: ignore[misc]
