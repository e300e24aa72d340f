"""Goods-text knowledge: category, prohibited-item and protected-brand hits in an item description.

The lists live in ``features/data``:

* ``categories.csv`` (category,term,lang): terms that name goods of one category (RULES.md §2).
* ``prohibited.csv`` (class,term,lang): terms of the 18 classes of 禁止寄递物品指导目录; lang
  ``zh-alone`` marks a term that counts only where no Chinese character follows it.
* ``safe_terms.csv`` (term,lang,note): harmless compounds that contain a prohibited term or a brand
  alias (大麻哈鱼, 水枪, 茅台镇); a hit inside a longer safe term does not count.
* ``brands.csv`` (brand,alias,lang,category,floor_cny): protected brands. A brand's floors are the
  union of its rows (``*`` = any category, an empty floor = none). An alias that has a ``*`` row
  names the brand anywhere; an alias without one (苹果, Coach, Omega) names it only in the
  categories of its rows, because elsewhere it is an ordinary word (the fruit, a sports coach).

Two kinds of terms are derived from the brand list: "fake <alias>", 假/仿/山寨<alias> count as
counterfeit (where the alias names the brand: 山寨苹果 in electronics, not 假苹果 the fruit), and
"for <alias>", 适用/兼容<alias> (compatible accessories) do not name the brand.

Matching is whole-term: a Latin-script term needs a word boundary on each side (digits may follow
a term that ends in a letter, as in iphone15 or glock19; an English plural -s/-es is allowed), and
a hit lying inside a longer hit (a safe term, or a longer listed term) does not count.

A Latin term is one word however a compound is written: a listed "knuckle duster" or "ar-15" also
matches "knuckleduster" and "ar15", a listed "ak47" also matches "ak 47", and a hyphenated description
is read both open and closed ("switch-blade" is a switchblade, "AK-47" an ak47). A term's last word
matches its -ies and -ves plurals too (battery: batteries; knife: knives).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final, NamedTuple

import ahocorasick

# Punctuation and symbols (not letters, digits, CJK or spaces), for goods_text.
_MARKS = re.compile(r"[^\w\s]|_")
# A space between a quantity and its unit, for goods_text: 500 ml is 500ml.
_UNIT_GAP = re.compile(
    r"(?<=\d) +(?=(?:ml|l|cl|g|kg|mg|mm|cm|m|oz|lb|lbs|gb|tb|mb|mah|w|v|pcs|pc"
    r"|毫升|升|克|千克|公斤|毫米|厘米)(?![a-z]))"
)
# Spaces around the x of a multipack, for goods_text: 2 x 250g is 2x250g.
_TIMES_GAP = re.compile(r"(?<=\d) *x *(?=\d)")

CATEGORIES: Final[tuple[str, ...]] = (
    "agri_inputs",
    "food",
    "medicine",
    "cosmetics",
    "medical_devices",
    "electronics",
    "auto_parts",
    "building_materials",
    "hazardous_chemicals",
    "children_products",
    "bags_leather",
    "apparel_shoes",
    "tobacco",
    "publications",
    "documents",
    "general",
)

# RULES.md §2's Chinese names, for the Chinese sentences of the reasons.
CATEGORY_NAMES_ZH: Final[dict[str, str]] = {
    "agri_inputs": "农资",
    "food": "食品",
    "medicine": "药品",
    "cosmetics": "化妆品",
    "medical_devices": "医疗器械",
    "electronics": "电器电子产品",
    "auto_parts": "汽车配件",
    "building_materials": "装饰装修材料",
    "hazardous_chemicals": "易制爆危险化学品",
    "children_products": "儿童用品",
    "bags_leather": "箱包皮具",
    "apparel_shoes": "服装鞋帽",
    "tobacco": "卷烟",
    "publications": "出版物、音像制品",
    "documents": "文件",
    "general": "其他",
}

PROHIBITED_CLASSES: Final[tuple[str, ...]] = (
    "firearms",
    "controlled_knives",
    "explosives",
    "compressed_gases",
    "flammable_liquids",
    "flammable_solids",
    "oxidisers",
    "toxic",
    "infectious",
    "radioactive",
    "corrosives",
    "drugs",
    "illegal_publications",
    "espionage",
    "forged",
    "counterfeit",
    "endangered_wildlife",
    "banned_import_export",
)

# zh-alone: a Chinese term that counts only where no Chinese character follows it (盐酸 the acid, not
# 盐酸二甲双胍片 the medicine, of which there are too many to list as safe terms).
LANGS: Final = frozenset({"zh", "zh-alone", "en"})
ANY_CATEGORY: Final = "*"
# A seller's grading of a copy before a brand ("1:1 Rolex", "AAA quality Gucci"); alone they name no brand.
COUNTERFEIT_MARKERS: Final = ("fake ", "1:1 ", "1:1 copy ", "aaa quality ", "假", "仿", "山寨")
COMPATIBLE_MARKERS: Final = ("for ", "fits ", "compatible with ", "适用", "适配", "兼容", "通用", "用于")

_INVISIBLE: Final = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HYPHEN: Final = re.compile(r"(?<=[0-9a-z])-(?=[0-9a-z])")
# Casefolded text holds no capital letter, so one marks where a hyphen joined a Latin compound.
_JOINT: Final = "J"
# A space between two Latin letters or digits, and a letter next to a digit, for _spellings.
_LATIN_SPACE: Final = re.compile(r"(?<=[0-9a-z]) (?=[0-9a-z])")
_LETTER_DIGIT: Final = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
# English plurals that a match cannot find by reading on past the term (batteries, knives, scarves).
_IRREGULAR_PLURALS: Final = (
    (re.compile(r"(?<=[b-df-hj-np-tv-z])y$"), "ies"),
    (re.compile(r"(?<=[alr])f$|(?<=i)fe$"), "ves"),
)
_HANZI: Final = "\u3400-\u9fff\uf900-\ufaff"
# Marks (and spaces) between two Chinese characters: 冰·毒, 路易·威登, 雷-管.
_HANZI_MARKS: Final = re.compile(rf"(?<=[{_HANZI}])(?:\W|_)+(?=[{_HANZI}])")
_NO_GAPS: Final[frozenset[int]] = frozenset()
_QUOTES: Final = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}


@dataclass(frozen=True, slots=True)
class ProhibitedHit:
    """A prohibited term found in a description."""

    term: str
    prohibited_class: str


@dataclass(frozen=True, slots=True)
class BrandHit:
    """A protected brand named by the brand field or the description, with its price floor."""

    brand: str
    alias: str
    floor_cny: float | None


@dataclass(frozen=True, slots=True)
class GoodsMatch:
    """What one item description says about its goods."""

    category: str
    category_inferred: bool
    category_terms: tuple[str, ...]
    prohibited: tuple[ProhibitedHit, ...]
    brands: tuple[BrandHit, ...]
    # What the description alone says, even under a declared category: hazardous chemicals stay prohibited
    # for post whatever category the sender declares.
    described_category: str = "general"


@dataclass(frozen=True, slots=True)
class _Entry:
    """One normalised key of an automaton and what a whole-term hit on it means."""

    written: str
    label: str
    length: int
    weight: int
    word_start: bool
    word_end: bool
    letter_end: bool
    alone: bool = False
    scope: frozenset[str] | None = None
    terms: tuple[str, ...] = ()
    prohibited: ProhibitedHit | None = None
    brand_hits: dict[str, BrandHit] | None = None


@dataclass(frozen=True, slots=True)
class _Brand:
    """A protected brand: its canonical name and floors per category ('*' = any)."""

    name: str
    floors: dict[str, float | None]

    def floor_for(self, category: str) -> float | None:
        """Floor for an item of this category: its own row, else the '*' row, else none."""
        if category in self.floors:
            return self.floors[category]
        return self.floors.get(ANY_CATEGORY)


_Hit = tuple[int, int, _Entry]
_DIGIT = re.compile(r"\d")
# A model designation: a word with digits (15, s24, 60), its tail of model words (Pro Max), or the digits
# written onto a name (iphone15).
_MODEL = re.compile(
    r"(?:(?<![a-z0-9])[a-z]{0,3}\d{1,4}[a-z]{0,3}(?![a-z0-9])|(?<=[a-z])\d{1,4}(?![0-9]))"
    r"(?:\s+(?:pro|max|plus|mini|ultra|se|lite))*"
)


class _Closed(NamedTuple):
    """A description read with the hyphens of its Latin compounds dropped: "switch-blade" as switchblade."""

    text: str
    spelt: str
    gaps: frozenset[int]
    # Index in text of the character after each dropped hyphen.
    joints: tuple[int, ...]


class _Spelling:
    """Spells text for the automatons: every character as two symbols, unknown ones all alike."""

    def __init__(self, alphabet: Iterable[str], folds: dict[int, str]) -> None:
        letters = sorted(set(alphabet))
        base = math.isqrt(len(letters)) + 1
        spelt = [chr(0xE000 + i // base) + chr(0xE000 + base + i % base) for i in range(len(letters) + 1)]
        self.unknown = spelt[-1]
        self.table = dict.fromkeys(range(0x10000), self.unknown)
        self.table.update({ord(c): s for c, s in zip(letters, spelt, strict=False)})
        for code, target in folds.items():
            self.table[code] = self.table.get(ord(target), self.unknown)

    def __call__(self, text: str) -> str:
        """Two symbols per character of text."""
        spelt = text.translate(self.table)
        if len(spelt) == 2 * len(text):
            return spelt
        # Characters beyond the BMP are not in the table (they are rare and never in a term).
        return "".join(self.table.get(ord(c), self.unknown) for c in text)


def _is_cjk(char: str) -> bool:
    """A Chinese (or Japanese) character or CJK punctuation: scripts written without spaces."""
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"


def _is_hanzi(char: str) -> bool:
    """A Chinese character (CJK unified ideograph), not punctuation."""
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"


def _is_word(char: str) -> bool:
    """A Latin-script (or other alphabetic) letter or digit: a character that joins words."""
    return char < "\u2e80" and char.isalnum()


def _fold(text: str) -> str:
    """NFKC, casefold, invisible marks and marks inside Chinese dropped, spaces collapsed, none by Chinese."""
    return _fold_marked(text)[0]


def _fold_marked(text: str, joint: str = " ") -> tuple[str, frozenset[int]]:
    """_fold, and where in the folded text a space next to Chinese was dropped (its gaps); a hyphen inside a
    Latin compound becomes joint."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if "-" in text:
        # A hyphen inside a Latin compound spells the same words as a space (glue-gun, t-shirt).
        text = _HYPHEN.sub(joint, text)
    if not text.isascii():
        # A mark between Chinese characters is punctuation, as goods_text reads it: it splits no term, and
        # like a space there it is kept as a gap.
        text = _HANZI_MARKS.sub(" ", _INVISIBLE.sub("", text))
    parts = text.split()
    if len(parts) < 2:
        return (parts[0] if parts else ""), _NO_GAPS
    if text.isascii():
        return " ".join(parts), _NO_GAPS
    # Chinese writes no spaces, so one next to a Chinese character is layout (or evasion: 大 麻). Where it
    # was is kept: a term ending there stands alone (盐酸 工业级 is the acid, not a 盐酸… medicine).
    folded, gaps = parts[0], []
    for part in parts[1:]:
        left, right = folded[-1], part[0]
        if (left >= "\u2e80" and _is_cjk(left)) or (right >= "\u2e80" and _is_cjk(right)):
            gaps.append(len(folded))
            folded += part
        else:
            folded += " " + part
    return folded, frozenset(gaps)


def _weight(key: str) -> int:
    """Evidence weight of a term: a Chinese character says about as much as two Latin letters."""
    return sum(2 if _is_cjk(c) else 1 for c in key if c != " ")


def _entry(
    written: str,
    key: str,
    label: str,
    *,
    scope: frozenset[str] | None = None,
    prohibited: ProhibitedHit | None = None,
    brand_hits: dict[str, BrandHit] | None = None,
    alone: bool = False,
) -> _Entry:
    """Automaton value for a normalised key, with the hit objects it yields (built once, immutable)."""
    return _Entry(
        written=written,
        label=label,
        length=len(key),
        weight=_weight(key),
        word_start=_is_word(key[0]),
        word_end=_is_word(key[-1]),
        letter_end="a" <= key[-1] <= "z",
        alone=alone,
        scope=scope,
        terms=(written,),
        prohibited=prohibited,
        brand_hits=brand_hits,
    )


def _spellings(key: str) -> set[str]:
    """Other ways English writes a Latin term: closed (ar15, knuckleduster), open at a digit (ak 47), and
    with its last word's -ies/-ves plural (batteries, knives); the -s/-es plural is read by _plural_end."""
    forms = {key, _LATIN_SPACE.sub("", key), _LETTER_DIGIT.sub(" ", key)}
    for form in list(forms):
        for ending, plural in _IRREGULAR_PLURALS:
            forms.add(ending.sub(plural, form))
    forms.discard(key)
    return forms


def _with_spellings(entries: dict[str, _Entry]) -> dict[str, _Entry]:
    """The entries and every other spelling of their keys (_spellings); a listed key keeps its own entry."""
    spelt = dict(entries)
    for key, entry in entries.items():
        for form in sorted(_spellings(key)):
            # Every form ends in the same kind of character as the key (a letter, a digit or a hanzi).
            spelt.setdefault(form, dataclasses.replace(entry, length=len(form)))
    return spelt


def _closed_reading(marked: str, gaps: frozenset[int], spelling: _Spelling) -> _Closed:
    """A description folded with joints for its hyphens (marked, with its gaps) read with its Latin compounds
    closed: ak-47 as ak47."""
    # marked is the open reading with a joint where that has a space, at the same index.
    marks: list[int] = []
    at = marked.find(_JOINT)
    while at >= 0:
        marks.append(at)
        at = marked.find(_JOINT, at + 1)
    text = marked.replace(_JOINT, "")
    if gaps:
        gaps = frozenset(gap - bisect_left(marks, gap) for gap in gaps)
    return _Closed(text, spelling(text), gaps, tuple(mark - n for n, mark in enumerate(marks)))


def _opened(hits: list[_Hit], joints: tuple[int, ...]) -> list[_Hit]:
    """Hits of a closed reading that span a joint, at their place in the open reading (a space per joint)."""
    opened: list[_Hit] = []
    for start, end, entry in hits:
        before, within = bisect_right(joints, start), bisect_right(joints, end - 1)
        if before != within:
            opened.append((start + before, end + within, entry))
    return opened


_ES_AFTER = ("s", "x", "z", "ch", "sh", "o")


def _plural_end(text: str, end: int) -> int:
    """End of an English plural -s/-es at text[end:] when it closes the word, else -1."""
    for suffix in ("s", "es"):
        stop = end + len(suffix)
        # -es only where English spells it (boxes, matches, tomatoes): heroines are no heroin.
        if suffix == "es" and not text[:end].endswith(_ES_AFTER):
            continue
        if text.startswith(suffix, end) and (
            stop == len(text) or not _is_word(text[stop]) or text[stop].isdigit()
        ):
            return stop
    return -1


def _unborrowed(hits: list[_Hit], gaps: frozenset[int]) -> list[_Hit]:
    """Drop a hit across a gap that overlaps a hit within one word: 潘多拉 手链 is a 手链, no 拉手."""
    across = [any(start < gap < end for gap in gaps) for start, end, _ in hits]
    return [
        hit
        for hit, crosses in zip(hits, across, strict=True)
        if not crosses
        or not any(
            not other_crosses and other[0] < hit[1] and hit[0] < other[1]
            for other, other_crosses in zip(hits, across, strict=True)
        )
    ]


def _outermost(hits: list[_Hit], *, ordered: bool) -> list[_Hit]:
    """Drop every hit lying inside a longer one (longest match wins), keep text order."""
    if not ordered:
        hits.sort(key=lambda h: h[1])
    # Sorted by end (the automaton reports them so), a hit can only lie inside the last kept one,
    # and the kept ones lying inside it are at the tail.
    kept: list[_Hit] = []
    for hit in hits:
        start, end = hit[0], hit[1]
        if kept and kept[-1][0] <= start and end <= kept[-1][1]:
            continue
        while kept and start <= kept[-1][0] and kept[-1][1] <= end:
            kept.pop()
        kept.append(hit)
    return kept


# Readings of distinct descriptions kept by a catalogue (GoodsCatalogue.analyse, goods_text): some 22 MB when
# full of descriptions that name a brand.
_KEPT_READINGS = 32_768


class GoodsCatalogue:
    """The goods lists compiled into automatons; analyse() is pure and fast."""

    def __init__(
        self,
        automatons: tuple[ahocorasick.Automaton, ahocorasick.Automaton, ahocorasick.Automaton],
        spelling: _Spelling,
        folds: dict[int, str],
        brand_by_alias: dict[str, tuple[_Brand, str]],
        brand_by_name: dict[str, _Brand],
    ) -> None:
        self._categories, self._prohibited, self._brands = automatons
        self._spelling = spelling
        self._folds = folds
        self._brand_by_alias = brand_by_alias
        self._brand_by_name = brand_by_name
        # A shop sends the same goods all day: the same descriptions come again and again (152 distinct in
        # 5,106 items of the simulated month), and reading one cost 18 µs, 0.2 µs once kept. Both readings
        # are pure functions of the text and of this catalogue, which never changes once built, so a kept
        # result is the one reading again would give.
        self._analysed = functools.lru_cache(maxsize=_KEPT_READINGS)(self._analyse)
        self._goods_texts = functools.lru_cache(maxsize=_KEPT_READINGS)(self._goods_text)

    @classmethod
    def load(cls, directory: Path | None = None) -> GoodsCatalogue:
        """Read the four lists (default: features/data) and build the automatons."""
        return _Loader(directory or Path(__file__).with_name("data")).build()

    @classmethod
    @functools.cache
    def shipped(cls) -> GoodsCatalogue:
        """The lists shipped in features/data, built once a process: a catalogue never changes once built,
        and building one takes a quarter of a second (every engine, every test engine, used to)."""
        return cls.load()

    @property
    def brand_names(self) -> tuple[str, ...]:
        """Canonical names of the protected brands, in list order."""
        return tuple(self._brand_by_name)

    def normalise_text(self, text: str) -> str:
        """NFKC (full-width to half-width), casefold, traditional to simplified, collapsed whitespace."""
        return _fold(text).translate(self._folds)

    def goods_text(self, description: str) -> str:
        """A description as one article whatever its punctuation: 面霜, face cream. and 面霜（face cream） are
        面霜 face cream (a mark becomes a space, so 3.5mm stays apart from 35mm)."""
        return self._goods_texts(description)

    def analyse(
        self, description: str, *, category: str | None = None, brand: str | None = None
    ) -> GoodsMatch:
        """Category (given or inferred), prohibited hits and protected brands of one item."""
        return self._analysed(description, category, brand)

    def _goods_text(self, description: str) -> str:
        # Invisible characters go first: as marks they would become spaces and split a word (cre\u00adam).
        text = self.normalise_text(_MARKS.sub(" ", _INVISIBLE.sub("", description)))
        return _TIMES_GAP.sub("x", _UNIT_GAP.sub("", text))

    def _analyse(self, description: str, category: str | None, brand: str | None) -> GoodsMatch:
        text, gaps = _fold_marked(description, _JOINT)
        closed = None
        if _JOINT in text:
            closed = _closed_reading(text, gaps, self._spelling)
            text = text.replace(_JOINT, " ")
        spelt = self._spelling(text)
        terms: tuple[str, ...] = ()
        category_hits = self._hits(self._categories, spelt, text, gaps, closed)
        if gaps and len(category_hits) > 1:
            category_hits = _unborrowed(category_hits, gaps)
        described, described_terms = self._infer_category(category_hits)
        inferred = not category
        if not category:
            category, terms = described, described_terms
        return GoodsMatch(
            category=category,
            category_inferred=inferred,
            category_terms=terms,
            described_category=described,
            prohibited=self._prohibited_hits(
                self._hits(self._prohibited, spelt, text, gaps, closed), category
            ),
            brands=self._modelled(
                text,
                self._brand_hits(self._hits(self._brands, spelt, text, gaps, closed), category, brand),
                category,
                brand,
            ),
        )

    def _modelled(
        self, text: str, brands: tuple[BrandHit, ...], category: str, brand_field: str | None
    ) -> tuple[BrandHit, ...]:
        """The brands still named once model numbers are read out: a third-party case names the phone it
        fits with its model (iPhone 15 手机壳 is the safe iPhone 手机壳); the brand's own phone stays."""
        if not brands or not _DIGIT.search(text):
            return brands
        bare, gaps = _fold_marked(_MODEL.sub(" ", text))
        if bare == text:
            return brands
        hits = self._hits(self._brands, self._spelling(bare), bare, gaps)
        still = {b.brand for b in self._brand_hits(hits, category, brand_field)}
        return tuple(b for b in brands if b.brand in still)

    @staticmethod
    def _hits(
        automaton: ahocorasick.Automaton,
        spelt: str,
        text: str,
        gaps: frozenset[int] = _NO_GAPS,
        closed: _Closed | None = None,
    ) -> list[_Hit]:
        """Whole-term hits not inside a longer hit, as (start, end, entry) in the folded text; with a closed
        reading, its hits across a hyphen too."""
        hits: list[_Hit] = []
        size = len(text)
        ordered = True
        for last, entry in automaton.iter(spelt):
            end = (last + 1) >> 1
            start = end - entry.length
            # Hand-written: Aho-Corasick libraries (pyahocorasick included) match raw substrings with
            # no notion of words, and regex \b counts Chinese characters as word characters ("耐克nike鞋"
            # would miss "nike"). A Latin edge must not touch a letter or digit, except digits after a
            # final letter (iphone15, glock19); a Chinese edge needs no boundary.
            if entry.word_start and start:
                before = text[start - 1]
                if before < "\u2e80" and before.isalnum():
                    continue
            if entry.word_end and end < size:
                after = text[end]
                if after < "\u2e80" and after.isalnum() and not (entry.letter_end and after.isdigit()):
                    end = _plural_end(text, end) if entry.letter_end else -1
                    if end < 0:
                        continue
                    ordered = False
            if entry.alone and end < size and _is_hanzi(text[end]) and end not in gaps:
                continue
            hits.append((start, end, entry))
        if closed is not None:
            joined = GoodsCatalogue._hits(automaton, closed.spelt, closed.text, closed.gaps)
            hits += _opened(joined, closed.joints)
            ordered = False
        return _outermost(hits, ordered=ordered) if len(hits) > 1 else hits

    @staticmethod
    def _infer_category(hits: list[_Hit]) -> tuple[str, tuple[str, ...]]:
        """Best-supported category and the terms behind it; 'general' when nothing matches."""
        if not hits:
            return "general", ()
        if len(hits) == 1:
            entry = hits[0][2]
            return entry.label, entry.terms
        scores: dict[str, tuple[int, int]] = {}
        for _, _, entry in hits:
            total, longest = scores.get(entry.label, (0, 0))
            scores[entry.label] = (total + entry.weight, max(longest, entry.weight))
        if len(scores) > 1:
            # A letter is a letter only when nothing else is named: goods named after a document (发票打印机,
            # passport wallet, letter box) are the goods, whichever term is longer.
            scores.pop("documents", None)
        # Most evidence, then the longest single term, then the order of RULES.md §2.
        best = max(scores, key=lambda c: (*scores[c], -CATEGORIES.index(c)))
        return best, tuple(dict.fromkeys(e.written for _, _, e in hits if e.label == best))

    @staticmethod
    def _prohibited_hits(hits: list[_Hit], category: str) -> tuple[ProhibitedHit, ...]:
        """Prohibited terms outside every longer safe term (and in their categories), each once."""
        found = [
            e.prohibited
            for _, _, e in hits
            if e.prohibited is not None and (e.scope is None or category in e.scope)
        ]
        return tuple(dict.fromkeys(found)) if len(found) > 1 else tuple(found)

    def _brand_hits(self, hits: list[_Hit], category: str, brand_field: str | None) -> tuple[BrandHit, ...]:
        """Brands named by the brand field (exact alias) or the description, one hit per brand."""
        named: dict[str, BrandHit] = {}
        if brand_field:
            exact = self._brand_by_alias.get(self.normalise_text(brand_field))
            if exact is not None:
                brand, alias = exact
                named[brand.name] = BrandHit(brand.name, alias, brand.floor_for(category))
        for _, _, entry in hits:
            if entry.brand_hits is None or entry.label in named:
                continue
            if entry.scope is not None and category not in entry.scope:
                continue
            hit = entry.brand_hits.get(category)
            if hit is None:  # a category code outside RULES.md §2, given by the caller
                hit = BrandHit(
                    entry.label, entry.written, self._brand_by_name[entry.label].floor_for(category)
                )
            named[entry.label] = hit
        return tuple(named.values())


class _Loader:
    """Reads and checks the lists, then compiles them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.folds = _folds()

    def norm(self, text: str) -> str:
        """Normalise a list term the same way descriptions are normalised."""
        return _fold(text).translate(self.folds)

    def rows(self, name: str, header: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
        """Rows of one CSV file with their line numbers; the header must be exactly as expected."""
        path = self.directory / name
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != header:
                raise ValueError(f"{path}: header must be {','.join(header)}")
            for row in reader:
                values = {k: (v or "").strip() for k, v in row.items()}
                if not any(values.values()):
                    continue
                if values.get("lang") not in LANGS:
                    raise ValueError(f"{path}:{reader.line_num}: lang must be one of {sorted(LANGS)}")
                yield reader.line_num, values

    def build(self) -> GoodsCatalogue:
        """Compile the three automatons and the brand tables."""
        categories = self.category_entries()
        prohibited = self.prohibited_entries()
        brands, brand_by_alias, brand_by_name = self.brand_entries()
        self.add_safe_terms(prohibited, brands)
        for alias, (_, written) in brand_by_alias.items():
            # A counterfeit marker counts where its alias names the brand (fake Coach on a bag, not a coach).
            scope = brands[alias].scope
            for marker in COUNTERFEIT_MARKERS:
                key = self.norm(marker + alias)
                hit = ProhibitedHit(marker + written, "counterfeit")
                prohibited.setdefault(
                    key, _entry(hit.term, key, hit.prohibited_class, scope=scope, prohibited=hit)
                )
        for alias in list(brand_by_alias):
            for marker in COMPATIBLE_MARKERS:
                key = self.norm(marker + alias)
                brands.setdefault(key, _entry(marker + alias, key, ""))
        for brand in brand_by_name.values():
            brand_by_alias.setdefault(self.norm(brand.name), (brand, brand.name))
        lists = (_with_spellings(categories), _with_spellings(prohibited), _with_spellings(brands))
        spelling = _Spelling((c for entries in lists for key in entries for c in key), self.folds)
        automatons = (
            _automaton(lists[0], spelling),
            _automaton(lists[1], spelling),
            _automaton(lists[2], spelling),
        )
        return GoodsCatalogue(automatons, spelling, self.folds, brand_by_alias, brand_by_name)

    def category_entries(self) -> dict[str, _Entry]:
        """categories.csv as automaton entries."""
        entries: dict[str, _Entry] = {}
        for line, row in self.rows("categories.csv", ("category", "term", "lang")):
            if row["category"] not in CATEGORIES:
                raise ValueError(f"categories.csv:{line}: unknown category {row['category']!r}")
            self.put(entries, row["term"], row["category"], f"categories.csv:{line}")
        return entries

    def prohibited_entries(self) -> dict[str, _Entry]:
        """prohibited.csv as automaton entries."""
        entries: dict[str, _Entry] = {}
        for line, row in self.rows("prohibited.csv", ("class", "term", "lang")):
            if row["class"] not in PROHIBITED_CLASSES:
                raise ValueError(f"prohibited.csv:{line}: unknown class {row['class']!r}")
            hit = ProhibitedHit(row["term"], row["class"])
            where, alone = f"prohibited.csv:{line}", row["lang"] == "zh-alone"
            self.put(entries, row["term"], row["class"], where, prohibited=hit, alone=alone)
        return entries

    def brand_entries(
        self,
    ) -> tuple[dict[str, _Entry], dict[str, tuple[_Brand, str]], dict[str, _Brand]]:
        """brands.csv as alias entries (with their scopes) and brands with their floors."""
        floors: dict[str, dict[str, float | None]] = {}
        aliases: dict[str, tuple[str, str, set[str]]] = {}
        for line, row in self.rows("brands.csv", ("brand", "alias", "lang", "category", "floor_cny")):
            where, name, cat = f"brands.csv:{line}", row["brand"], row["category"]
            if not name or not row["alias"]:
                raise ValueError(f"{where}: brand and alias are required")
            if cat != ANY_CATEGORY and cat not in CATEGORIES:
                raise ValueError(f"{where}: unknown category {cat!r}")
            floor = float(row["floor_cny"]) if row["floor_cny"] else None
            if floor is not None and floor <= 0:
                raise ValueError(f"{where}: floor_cny must be positive")
            known = floors.setdefault(name, {})
            if known.setdefault(cat, floor) != floor:
                raise ValueError(f"{where}: {name} has two floors for {cat}")
            key = self.norm(row["alias"])
            owner, _, cats = aliases.setdefault(key, (name, row["alias"], set()))
            if owner != name:
                raise ValueError(f"{where}: alias {row['alias']!r} already names {owner}")
            cats.add(cat)
        by_name = {name: _Brand(name, cats) for name, cats in floors.items()}
        entries: dict[str, _Entry] = {}
        by_alias: dict[str, tuple[_Brand, str]] = {}
        for key, (name, written, cats) in aliases.items():
            scope = None if ANY_CATEGORY in cats else frozenset(cats)
            brand = by_name[name]
            hits = {c: BrandHit(name, written, brand.floor_for(c)) for c in CATEGORIES}
            entries[key] = _entry(written, key, name, scope=scope, brand_hits=hits)
            by_alias[key] = (brand, written)
        return entries, by_alias, by_name

    def add_safe_terms(self, prohibited: dict[str, _Entry], brands: dict[str, _Entry]) -> None:
        """Put each safe term into every list holding a term it contains; it must contain one."""
        guarded = [(entries, _plain_automaton(entries)) for entries in (prohibited, brands)]
        for line, row in self.rows("safe_terms.csv", ("term", "lang", "note")):
            where, key = f"safe_terms.csv:{line}", self.norm(row["term"])
            if not row["note"]:
                raise ValueError(f"{where}: every safe term needs a note")
            homes = [entries for entries, automaton in guarded if any(automaton.iter(key))]
            if not homes:
                raise ValueError(f"{where}: {row['term']!r} contains no prohibited term or brand alias")
            for entries in homes:
                self.put(entries, row["term"], "", where)

    def put(
        self,
        entries: dict[str, _Entry],
        term: str,
        label: str,
        where: str,
        prohibited: ProhibitedHit | None = None,
        alone: bool = False,
    ) -> None:
        """Add one list term; a term listed twice (after normalisation) is a data error."""
        key = self.norm(term)
        if not key:
            raise ValueError(f"{where}: empty term")
        if key in entries:
            raise ValueError(f"{where}: {term!r} is listed twice (as {entries[key].written!r})")
        entries[key] = _entry(term, key, label, prohibited=prohibited, alone=alone)


# Hand-written: pyahocorasick finds a node's child by a linear scan, so matching Chinese text is
# slow when the root has ~1,500 different first characters. Spelling every character as two
# symbols (high, low) from small disjoint alphabets keeps every node small (about 4x faster); a
# match can only start on a high symbol, that is on a character boundary.
def _automaton(entries: dict[str, _Entry], spelling: _Spelling) -> ahocorasick.Automaton:
    """An Aho-Corasick automaton over the spelt keys."""
    automaton = ahocorasick.Automaton()
    for key, entry in entries.items():
        automaton.add_word(spelling(key), entry)
    if entries:
        automaton.make_automaton()
    return automaton


def _plain_automaton(entries: dict[str, _Entry]) -> ahocorasick.Automaton:
    """An Aho-Corasick automaton over the normalised keys themselves (to check the lists)."""
    automaton = ahocorasick.Automaton()
    for key in entries:
        automaton.add_word(key, key)
    if entries:
        automaton.make_automaton()
    return automaton


def _folds() -> dict[int, str]:
    """Character folds: traditional to simplified Chinese (OpenCC's list) and curly quotes."""
    # Character by character through str.translate: OpenCC's own converter is far too slow per call,
    # and goods terms do not need its phrase-level rules.
    source = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    pairs: dict[str, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        first = simplified.split(" ")[0]
        if len(traditional) == 1 and len(first) == 1 and first != traditional:
            pairs[traditional] = first
    folds: dict[int, str] = {}
    for traditional, simplified in pairs.items():
        while simplified in pairs:  # a few entries chain (薴 → 苧 → 苎)
            simplified = pairs[simplified]
        folds[ord(traditional)] = simplified
    folds.update({ord(k): v for k, v in _QUOTES.items()})
    return folds
