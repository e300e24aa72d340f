"""Receiver-address normalisation: a canonical text and a building-level key for counting parcels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cn2an  # type: ignore[import-untyped]
import opencc
import pycountry

__all__ = ["NormalisedAddress", "normalise_address"]

# A Chinese key reads cn|<city>/<district>|<road + door number or compound><building>. Judgement calls:
# * The province is left out once the city is known: prefecture-level city names are unique in China, and
#   couriers often skip the province.
# * N号 right after a road is a door number and stays; right after a compound (小区, 花园, 苑, 公寓, 大厦 …)
#   it is how people write the building, so it equals N号楼/N栋/N幢/N座/N#.
# * N楼 without 号 is a floor (12楼1201): that is how it is read on a label.
# * 2-1-301 after a door number or compound is building-unit-room; right after a road the first part is
#   the door number, and a one- or two-digit second part belongs to it (88-1 is a door, 88-201 a room).
# * A lone 两 (两栋) means "two buildings", never building 2, so it stays as written.
# * Urban sub-districts (粤海街道) are dropped because road names are unique within a district; rural towns
#   (镇/乡) stay because their roads (人民路 …) repeat across one county.
# * No city (given or found in the detail; a municipality is its own city) means no key: 桥西区 alone is in
#   three Hebei cities. Nor is there a key without street-level detail. An empty key matches nothing.


@dataclass(frozen=True, slots=True)
class NormalisedAddress:
    """One address as canonical text and as a building-level key."""

    full: str
    building_key: str


_T2S: Any = opencc.OpenCC("t2s")


def _convertible_chars(converter: Any) -> frozenset[str]:
    """Characters the converter could change, read from its loaded dictionaries."""
    chars: set[str] = set()
    for _longest, _shortest, mapping in converter.dict_cache.values():
        for source, target in mapping.items():
            first = target.split(" ")[0]
            if len(first) == len(source):
                chars.update(a for a, b in zip(source, first, strict=True) if a != b)
            else:
                chars.update(source)
    return frozenset(chars)


# OpenCC walks every character through its phrase tree (about 50 µs per address); simplified text, the
# usual case, has none of these characters and can skip it unchanged.
_TRADITIONAL = _convertible_chars(_T2S)
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−﹣", "-"))
_SEPARATORS = re.compile(r"[^\w#/-]+|_|(?<!\d)-|-(?!\d)|(?<![\da-z])#|/(?!f(?![a-z]))")


def _prepare(text: str) -> str:
    """Half-width, simplified, casefolded text with one kind of dash."""
    text = unicodedata.normalize("NFKC", text)
    if not _TRADITIONAL.isdisjoint(text):
        text = _T2S.convert(text)
    return text.casefold().translate(_DASHES)


def _tidy(text: str) -> str:
    """Punctuation and runs of whitespace become single spaces."""
    return " ".join(_SEPARATORS.sub(" ", text).split())


_COUNTRY_ALIASES = {
    "中国": "cn",
    "中华人民共和国": "cn",
    "中国大陆": "cn",
    "prc": "cn",
    "香港": "hk",
    "中国香港": "hk",
    "hong kong sar": "hk",
    "澳门": "mo",
    "中国澳门": "mo",
    "macau": "mo",
    "台湾": "tw",
    "中国台湾": "tw",
    "uk": "gb",
}
_EXTRA_COUNTRY_NAMES = {
    "hk": (
        "hong kong sar",
        "hksar",
        "hk",
        "hongkong",
        "hong kong china",
        "hong kong sar china",
        "香港",
        "香港特别行政区",
        "中国香港",
        "中国香港特别行政区",
    ),
    "mo": (
        "macau",
        "macao sar",
        "macau sar",
        "macau china",
        "macao china",
        "macau sar china",
        "macao sar china",
        "澳门",
        "澳门特别行政区",
        "中国澳门",
        "中国澳门特别行政区",
    ),
    "tw": ("taiwan china", "台湾", "中国台湾", "台湾省", "中国台湾省"),
    "sg": ("新加坡",),
    "us": ("usa", "united states of america"),
    "gb": ("uk", "great britain"),
    "kr": ("republic of korea", "korea republic of", "south korea"),
}


@lru_cache(maxsize=1024)
def _country_code(raw: str) -> str:
    """ISO 3166 alpha-2 in lower case when known, else the tidied text."""
    text = _tidy(_prepare(raw))
    if text in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[text]
    try:
        return str(pycountry.countries.lookup(text).alpha_2).casefold()
    except LookupError:
        return text


@lru_cache(maxsize=256)
def _country_names(code: str) -> re.Pattern[str]:
    """Whole-word pattern for the names of a country, to drop them from a foreign address."""
    names = {code, *_EXTRA_COUNTRY_NAMES.get(code, ())}
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is not None:
        for attribute in ("name", "official_name", "common_name"):
            names.add(str(getattr(country, attribute, "")))
    phrases = {_tidy(_prepare(name)) for name in names} - {""}
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    # Chinese writes no space after a leading name (香港九龙弥敦道88号): those go at the start as well.
    leading = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True) if _HAN.match(p))
    whole = rf"(?<!\S)(?:{alternatives})(?!\S)"
    return re.compile(rf"^(?:{leading})+|{whole}" if leading else whole)


_MUNICIPALITIES = frozenset({"北京", "上海", "天津", "重庆"})
_ELSEWHERE = {"香港": "hk", "澳门": "mo", "台湾": "tw"}
# Placeholder names from the GB/T 2260 tables that some shippers copy into the city/district fields.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖市"})
_ADMIN_SUFFIX = (
    r"(?:(?:维吾尔|[^族\s]{1,4}族)*自治[区州县旗]|特别行政区|省|市(?![场政民])|(?<!高)新区|林区|地区|区(?!域)"
    r"|县|旗|盟|(?<!小)镇|乡|州)"
)
_FIELD_NAME = re.compile(rf"(?P<name>.{{2,}}?){_ADMIN_SUFFIX}")
_SUFFIX_AHEAD = re.compile(_ADMIN_SUFFIX)
# An administrative name in the detail when the fields leave that level empty; names never contain the
# characters of roads, buildings or compounds.
_ADMIN_TOKEN = re.compile(
    rf"(?P<name>(?:(?![路街巷弄号栋楼幢座室园苑村厦场馆院])[\u4e00-\u9fff]){{2,8}}?)(?P<suffix>{_ADMIN_SUFFIX})"
)
_ROAD_AHEAD = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,8}?)(?:大道|大街|胡同|路|街|道|巷|弄)")
# The 34 province-level names (GB/T 2260) are a closed set; knowing them lets 新疆乌鲁木齐市 split when no
# suffix marks where the province ends. Lower levels are recognised by their suffixes instead.
_PROVINCES = re.compile(
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川"
    "|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_DIRECTIONS = frozenset("东南西北中大")
_COUNTRY_PREFIX = re.compile(r"^(?:中华人民共和国|中国)\s*")
_HAN_SPACE = re.compile(r"\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+")
_SUBDISTRICT = re.compile(r"^(?:(?![路街巷弄号])[\u4e00-\u9fff]){2,6}?街道(?:办事处)?\s*")
_PROVINCE, _CITY, _DISTRICT = 0, 1, 2


@lru_cache(maxsize=8192)
def _region_name(raw: str) -> str:
    """Short form of one administrative name: 广西壮族自治区 → 广西, 浦东新区 → 浦东, 南山区 → 南山."""
    text = _tidy(_prepare(raw)).replace(" ", "")
    if text in _PLACEHOLDERS:
        return ""
    match = _FIELD_NAME.fullmatch(text)
    return match["name"] if match else text


def _suffix_level(suffix: str, slots: list[str], level: int) -> int:
    """Administrative level named by a suffix found in the detail."""
    if suffix in ("省", "特别行政区") or suffix.endswith("自治区"):
        return _PROVINCE
    if suffix == "市":
        # A county-level city (义乌市) sits at district level once the prefecture is known.
        return _CITY if not slots[_CITY] and level <= _CITY else _DISTRICT
    if suffix in ("地区", "盟", "州") or suffix.endswith("自治州"):
        return _CITY
    return _DISTRICT


def _road_follows(after: str) -> bool:
    """A named road starts here; 北路 or 大道 alone is the rest of a road named after the place."""
    road = _ROAD_AHEAD.match(after)
    return road is not None and not set(road["name"]) <= _DIRECTIONS


def _bare_name_ends(after: str, slots: list[str], level: int) -> bool:
    """A short name without its suffix ends here: a deeper name or a road follows (上海浦东张江路)."""
    return any(name and after.startswith(name) for name in slots[level + 1 :]) or _road_follows(after)


def _strip_region(rest: str, slots: list[str]) -> str:
    """Drop the administrative prefix from the detail, filling empty slots from it."""
    level = _PROVINCE
    while rest:
        consumed = 0
        for lv in range(level, _DISTRICT + 1):
            name = slots[lv]
            if not name or not rest.startswith(name):
                continue
            after = rest[len(name) :]
            suffix = _SUFFIX_AHEAD.match(after)
            if suffix:
                consumed = len(name) + suffix.end()
            elif _bare_name_ends(after, slots, lv):
                consumed = len(name)
            if consumed:
                level = lv + 1
                break
        if not consumed and level == _PROVINCE and (province := _PROVINCES.match(rest)):
            after = rest[province.end() :]
            if slots[_PROVINCE] in ("", province[0]):
                if suffix := _SUFFIX_AHEAD.match(after):
                    consumed = province.end() + suffix.end()
                elif _ADMIN_TOKEN.match(after) or _bare_name_ends(after, slots, _PROVINCE):
                    consumed = province.end()
                if consumed:
                    slots[_PROVINCE], level = province[0], _CITY
        if not consumed:
            token = _ADMIN_TOKEN.match(rest)
            if token is None:
                break
            lv = _suffix_level(token["suffix"], slots, level)
            if lv < level or slots[lv] not in ("", token["name"]):
                break
            slots[lv] = token["name"]
            consumed, level = token.end(), lv + 1
        rest = rest[consumed:].lstrip()
    # 朝阳区朝阳公园路6号 and 朝阳公园路6号 (district in the field) must agree, so a bare district or city
    # name before a road goes even after its suffixed form did.
    for name in (slots[_DISTRICT], slots[_CITY]):
        if name and rest.startswith(name) and _road_follows(rest[len(name) :]):
            return rest[len(name) :]
    return rest


_CN_DIGITS = "零〇一二三四五六七八九十百千两"
_MARKERS = "号|栋|幢|座|单元|楼|层|室|期|段|弄|巷|区|排|组|户|街坊|#"
# cn2an.transform would do this in one call but rewrites place names too (九龙湾 → 9龙湾, 三元里 → 3元里)
# and warns on stray 万; only numerals directly before an address marker are numbers.
_CN_NUMBER = re.compile(rf"(?P<num>[{_CN_DIGITS}]+)(?=(?:{_MARKERS}))")
_ORDINAL = re.compile(rf"第(?=\d+(?:{_MARKERS}))")
_ROAD_NUMBER = re.compile(
    r"(?P<road>大道|大街|胡同|[路街道巷弄])\s*(?P<num>\d+)(?![\d号段弄巷#栋幢座楼层室单元门期区\-/a-z])"
)
_COURTYARD = re.compile(r"(?<=\d)号院")
_ID = r"(?:(?<![a-z\d])[a-z](?=\d))?(?<!\d)\d+[a-z]?|(?<![a-z\d])[a-z]"
_BUILDING_MARK = re.compile(rf"(?P<id>{_ID})\s*(?:号楼|号馆|号栋|号幢|号座|#楼|#栋|#座|栋|幢|座|#)")
_BUILDING = re.compile(rf"(?:{_ID})栋")
# A lettered 楼 is a tower (A楼 = A座); a numbered one is a floor (5楼).
_LETTER_TOWER = re.compile(r"(?<![a-z\d])(?P<id>[a-z])\s*楼")
_DASH = re.compile(r"(?<![\d-])(?P<first>\d+)-(?P<more>\d+(?:-\d+)?)(?![\d\-号])")
_COMPOUND = "小区|花园|家园|新村|公寓|大厦|广场|中心|公馆|苑|园|城|村|庭|府|邸|居|阁|湾"
# A Shanghai lane's (弄) numbered houses are its buildings, as a compound's are.
_COMPOUND_NUMBER = re.compile(rf"(?P<pre>{_COMPOUND}|(?<=\d)弄)\s*(?P<id>\d+[a-z]?)号(?![楼馆])")
_SUB_BUILDING = re.compile(
    r"(?<![a-z\d])[a-z]?\d+[a-z]?\s*(?:单元|门|楼|层|f(?![a-z])|/f|室|房|户)"
    r"|(?<![a-z\d])[a-z](?:单元|室|房)|地下室|地下\d*层|地下(?=$|[\sa-z\d及])"  # 地下 alone is G/F
)
# A number after a dash belongs to the dashed number (a Japanese 6-10-1 is block 10, building 1).
_TRAILING_ROOM = re.compile(r"(?:\s*(?<![a-z\d-])[a-z]?\d+[a-z]?)+\s*$")
_ROOM_MARK = re.compile(r"(?<=[\da-z])(?:室|房|户)")
_ROAD_END = ("大道", "大街", "胡同", "路", "街", "道", "巷", "弄")


@lru_cache(maxsize=4096)
def _arabic(numeral: str) -> str:
    """Arabic digits for one Chinese numeral (十二 → 12, 一百零八 → 108, 二〇一 → 201)."""
    if numeral == "两":
        return numeral
    try:
        return str(int(cn2an.cn2an(numeral, "normal")))
    except ValueError:
        return numeral


def _street_parts(street: str, *, mainland: bool = True) -> tuple[str, str]:
    """Split canonical street text into the building part and the unit/floor/room tail."""
    street = _CN_NUMBER.sub(lambda m: _arabic(m["num"]), street)
    street = _ORDINAL.sub("", street)
    street = _ROAD_NUMBER.sub(r"\g<road>\g<num>号", street)
    street = _COURTYARD.sub("号", street)
    street = _BUILDING_MARK.sub(r"\g<id>栋", street)
    street = _LETTER_TOWER.sub(r"\g<id>栋", street)
    if building := _BUILDING.search(street):
        return street[: building.end()], street[building.end() :]
    # 2-1-301 as building-unit-room is a mainland habit; 六本木6-10-1 in Tokyo is chome-block-building.
    if mainland and (dash := _DASH.search(street)):
        before, after = street[: dash.start()].rstrip(), street[dash.end() :]
        if not before.endswith(_ROAD_END):
            return f"{before}{dash['first']}栋", f"{dash['more']}{after}"
        # Right after a road the first part is the door number; a short second part belongs to it
        # (88-1 is door 88-1, 88-201 is door 88 room 201).
        second, _, rest = dash["more"].partition("-")
        if len(second) <= 2:
            return f"{before}{dash['first']}-{second}号", f"{rest}{after}"
        return f"{before}{dash['first']}号", f"{dash['more']}{after}"
    if numbered := _COMPOUND_NUMBER.search(street):
        head = f"{street[: numbered.start()]}{numbered['pre']}{numbered['id']}栋"
        return head, street[numbered.end() :]
    cut = _SUB_BUILDING.search(street)
    head, tail = (street[: cut.start()], street[cut.start() :]) if cut else (street, "")
    room = _TRAILING_ROOM.search(head)
    if room:
        head, tail = head[: room.start()], head[room.start() :] + tail
    return head, tail


def _squash(text: str) -> str:
    """Text without spaces."""
    return text.replace(" ", "")


def _chinese(province: str, city: str, district: str, detail: str) -> NormalisedAddress:
    """Normalise a mainland address."""
    slots = [_region_name(province), _region_name(city), _region_name(district)]
    # Spaces only separate numbers and Latin words; next to a Han character they carry nothing.
    rest = _COUNTRY_PREFIX.sub("", _HAN_SPACE.sub("", _tidy(_prepare(detail))))
    rest = _strip_region(rest, slots)
    rest = _SUBDISTRICT.sub("", rest, count=1)
    province, city, district = slots
    if city and district.startswith(city) and len(district) - len(city) >= 2:
        district = district[len(city) :]  # 成都高新区 is 成都's 高新区
    if province in _MUNICIPALITIES and city != province:
        # A municipality is its own city, so a name in the city field (朝阳区) is its district: keyed
        # as a city it would be Liaoning's 朝阳市.
        district, city = district or city, province
    region = f"{city or (province + '*' if province else '')}/{district}"
    head, tail = _street_parts(rest)
    head, tail = _squash(head), _ROOM_MARK.sub("", _squash(tail))
    full = f"cn|{region}|{head}|{tail}"
    # Without a city the same district and road names recur across a province (桥西区 is in three
    # Hebei cities), so there is no building to name.
    return NormalisedAddress(full=full, building_key=f"cn|{region}|{head}" if head and city else "")


_FOREIGN_SUB_BUILDING = re.compile(
    r"\b(?:flat|room|rm|unit|apt|apartment|suite|ste|shop)(?:\b|(?=\d))\.?\s*(?:no\.?\s*)?#?\s*"
    r"(?:[a-z]?\d+[a-z]?(?:-\d+)?|[a-z])?\b"
    r"|#\s*\d+[a-z]?(?:-\d+[a-z]?)?\b"
    r"|\b(?:\d+|g|lg|ug|m|b\d?)\s*/\s*f\b|\b\d+f\b"
    r"|\b\d+(?:st|nd|rd|th|º|o)?\s*(?:floor|fl|flr|andar)\b|\b(?:floor|fl|flr|level|lvl)\s*\d+\b|\bground\s+floor\b"
)
_ABBREVIATIONS = {
    "rd": "road",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "bldg": "building",
    "blk": "block",
    "twr": "tower",
    "ctr": "centre",
    "center": "centre",
    "hwy": "highway",
}
_ABBREVIATION = re.compile(rf"\b(?:{'|'.join(_ABBREVIATIONS)})\b")
_HAN = re.compile(r"[\u4e00-\u9fff]")


# Postcodes typed into the detail, where their shape cannot be a house number: the key ignores the
# postcode field, so an inline one must not make the same building another address.
_INLINE_POSTCODES = {
    "gb": re.compile(r"\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b"),
    "ca": re.compile(r"\b[a-z]\d[a-z]\s*\d[a-z]\d\b"),
    "us": re.compile(r"(?<=\b[a-z]{2}) +\d{5}(?:-\d{4})?\b"),  # a ZIP after its state's code
    "sg": re.compile(r"(?<=\bsingapore) +\d{6}\b"),
}
# In Korea an apartment's 101-1203 is building (동) 101, flat (호) 1203: the building stays in the key.
_APARTMENT_BUILDINGS = {
    "kr": re.compile(r"\b(?:apt|apartment)\.?\s*(?:no\.?\s*)?#?\s*(?P<building>\d+)-\d+\b")
}
# Queen's Road is also typed Queens Road.
_APOSTROPHE = re.compile(r"(?<=[a-z])['’](?=[a-z])")


def _words(
    text: str, country: re.Pattern[str], *, drop_sub_building: bool, postcode: re.Pattern[str] | None = None
) -> str:
    """Canonical space-separated words of one foreign address part, country names removed."""
    text = _APOSTROPHE.sub("", text)
    if drop_sub_building:
        text = _FOREIGN_SUB_BUILDING.sub(" ", text)
        if postcode is not None:
            text = postcode.sub(" ", _tidy(text))
    text = country.sub(" ", _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m[0]], _tidy(text)))
    if drop_sub_building and _HAN.search(text):
        return " ".join(
            _squash(_street_parts(w, mainland=False)[0]) if _HAN.search(w) else w for w in text.split()
        )
    return " ".join(text.split())


# Hong Kong's three regions say nothing its districts and streets do not (Nathan Road is in Kowloon), and
# writers put them before or after the district, in the detail or in a field: the key leaves them out.
# Place names that hold one (Kowloon City, West Kowloon) stay whole.
_HK_REGIONS = re.compile(
    r"(?<!\bwest\s)\b(?:(?:kowloon|kln)(?!\s+(?:city|tong|bay|tsai|station|park|peak)\b)"
    r"|new\s+territories|(?:hong\s+kong|hk)\s+island|nt)\b|\bn\.\s?t\b\.?"
)


def _foreign(country: str, parts: tuple[str, str, str, str]) -> NormalisedAddress:
    """Normalise an address outside mainland China: words in order, each region name once."""
    names = _country_names(country)
    texts = [_prepare(part) for part in parts if part]
    if texts and parts[0] and _HAN.search(texts[0]):
        return _foreign_chinese(country, names, texts)
    full = key = " "
    for text in texts:
        # A region field is usually repeated at the end of the detail; the "Kowloon" of the district field
        # must not count twice.
        if (words := _words(text, names, drop_sub_building=False)) and f" {words} " not in full:
            full = f"{full}{words} "
        if country == "hk":
            text = _HK_REGIONS.sub(" ", text)
        words = _words(text, names, drop_sub_building=True, postcode=_INLINE_POSTCODES.get(country))
        if words and f" {words} " not in key:
            key = f"{key}{words} "
    # The flat words went with the flat; the building is named last, wherever the detail wrote it.
    apartment = _APARTMENT_BUILDINGS.get(country)
    if key.strip() and apartment and parts[0] and (flat := apartment.search(texts[0])):
        key = f"{key} {flat['building']} dong"
    key = _once(key.split())
    return NormalisedAddress(
        full=f"{country}|{full.strip()}",
        building_key=f"{country}|{key}" if key else "",
    )


def _once(words: list[str], longest: int = 3) -> str:
    """Words with a phrase repeated right after itself written once: 99 Queen's Road Central, Central is
    99 Queen's Road Central in the district Central, as the district typed in its own field makes it."""
    out: list[str] = []
    for word in words:
        out.append(word)
        for n in range(1, min(longest, len(out) // 2) + 1):
            if out[-n:] == out[-2 * n : -n]:
                del out[-n:]
                break
    return " ".join(out)


_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff\d]) (?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff]) (?=\d)")


def _foreign_chinese(country: str, names: re.Pattern[str], texts: list[str]) -> NormalisedAddress:
    """_foreign for a detail written in Chinese: regions first, as Chinese writes them (九龙弥敦道88号),
    each once, with no spaces between Chinese words."""
    full, key = (_chinese_order(texts, names, drop_sub_building=drop) for drop in (False, True))
    return NormalisedAddress(full=f"{country}|{full}", building_key=f"{country}|{key}" if key else "")


def _chinese_order(texts: list[str], names: re.Pattern[str], *, drop_sub_building: bool) -> str:
    """The detail (texts[0]) after the region fields it does not already name, largest region first."""
    detail = _words(texts[0], names, drop_sub_building=drop_sub_building)
    written = detail.replace(" ", "")
    regions = [
        words
        for text in texts[:0:-1]
        if (words := _words(text, names, drop_sub_building=drop_sub_building))
        and words.replace(" ", "") not in written
    ]
    return _HAN_GAP.sub("", " ".join([*regions, detail])).strip()


def normalise_address(
    *, country: str, province: str | None, city: str | None, district: str | None, detail: str | None
) -> NormalisedAddress:
    """Canonical text and building-level key of a receiver address."""
    code = _country_code(country or "")
    if code == "cn" and (elsewhere := _ELSEWHERE.get(_region_name(province or ""))):
        code = elsewhere
    if code == "cn":
        return _chinese(province or "", city or "", district or "", detail or "")
    return _foreign(code, (detail or "", district or "", city or "", province or ""))
