"""Goods-text knowledge: category, prohibited-item and protected-brand hits in an item description.

The lists live in ``features/data``:

* ``categories.csv`` (category,term,lang): terms that name goods of one category (RULES.md §2).
* ``prohibited.csv`` (class,term,lang): terms of the 18 classes of 禁止寄递物品指导目录.
* ``safe_terms.csv`` (term,lang,note): harmless compounds that contain a prohibited term or a brand
  alias (大麻哈鱼, 水枪, 茅台镇); a hit inside a longer safe term does not count.
* ``brands.csv`` (brand,alias,lang,category,floor_cny): protected brands. A brand's floors are the
  union of its rows (``*`` = any category, an empty floor = none). An alias that has a ``*`` row
  names the brand anywhere; an alias without one (苹果, Coach, Omega) names it only in the
  categories of its rows, because elsewhere it is an ordinary word (the fruit, a sports coach).

Two kinds of terms are derived from the brand list: "fake <alias>"/假<alias>/仿<alias>/山寨<alias>
count as counterfeit, and "for <alias>"/适用<alias>/兼容<alias> (compatible accessories) do not
name the brand.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import ahocorasick

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

LANGS: Final = frozenset({"zh", "en"})
ANY_CATEGORY: Final = "*"
COUNTERFEIT_MARKERS: Final = ("fake ", "假", "仿", "山寨")
COMPATIBLE_MARKERS: Final = ("for ", "fits ", "compatible with ", "适用", "适配", "兼容", "通用", "用于")

_CJK = "\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_NEXT_TO_CJK = re.compile(f"(?<=[{_CJK}]) | (?=[{_CJK}])")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_QUOTES = {ord("\u2018"): "'", ord("\u2019"): "'", ord("\u201c"): '"', ord("\u201d"): '"'}

_TERM: Final = 0
_SAFE: Final = 1


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


@dataclass(frozen=True, slots=True)
class _Entry:
    """One normalised key of an automaton and what a whole-term hit on it means."""

    written: str
    kind: int
    label: str
    length: int
    weight: int
    word_start: bool
    word_end: bool
    plural: bool
    scope: frozenset[str] | None = None


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


def _normalise(text: str, table: dict[int, str | None]) -> str:
    """See GoodsCatalogue.normalise_text."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(table)
    text = " ".join(text.split())
    # Chinese writes no spaces, so one next to a Chinese character is layout (or evasion: 大 麻).
    return _SPACE_NEXT_TO_CJK.sub("", text) if " " in text else text


def _is_word(char: str) -> bool:
    """A Latin-script (or other alphabetic) letter or digit: a character that joins words."""
    return char < "\u2e80" and char.isalnum()


def _weight(key: str) -> int:
    """Evidence weight of a term: a Chinese character says about as much as two Latin letters."""
    return sum(2 if _CJK_CHAR.match(c) else 1 for c in key if c != " ")


def _entry(written: str, key: str, kind: int, label: str, scope: frozenset[str] | None = None) -> _Entry:
    """Automaton value for a normalised key."""
    first, last = key[0], key[-1]
    return _Entry(
        written=written,
        kind=kind,
        label=label,
        length=len(key),
        weight=_weight(key),
        word_start=_is_word(first),
        word_end=_is_word(last),
        plural="a" <= last <= "z",
        scope=scope,
    )


def _glues(char: str, after_letter: bool) -> bool:
    """Whether a neighbouring character joins the term into a longer word (a model number may follow)."""
    return _is_word(char) and not (after_letter and char.isdigit())


# Hand-written: Aho-Corasick libraries (pyahocorasick included) match raw substrings and have no
# notion of word boundaries, and regex word boundaries (\b) treat Chinese characters as word
# characters, so "耐克nike鞋" would not match "nike". Latin edges need a boundary, Chinese ones cannot.
def _whole_term_end(text: str, start: int, end: int, entry: _Entry) -> int | None:
    """End of the whole-term match of entry at text[start:end] (past an English plural), else None."""
    if entry.word_start and start > 0 and _glues(text[start - 1], after_letter=False):
        return None
    if not entry.word_end or end == len(text) or not _glues(text[end], after_letter=entry.plural):
        return end
    if entry.plural:
        for suffix in ("s", "es"):
            stop = end + len(suffix)
            if text.startswith(suffix, end) and (
                stop == len(text) or not _glues(text[stop], after_letter=True)
            ):
                return stop
    return None


def _outermost(hits: list[_Hit]) -> list[_Hit]:
    """Drop every hit lying inside a longer one (longest match wins), keep text order."""
    hits.sort(key=lambda h: (h[0], -h[1]))
    kept: list[_Hit] = []
    reach = -1
    for hit in hits:
        if hit[1] > reach:
            kept.append(hit)
            reach = hit[1]
    return kept


class GoodsCatalogue:
    """The goods lists compiled into automatons; analyse() is pure and fast."""

    def __init__(
        self,
        categories: ahocorasick.Automaton,
        prohibited: ahocorasick.Automaton,
        brands: ahocorasick.Automaton,
        brand_by_alias: dict[str, tuple[_Brand, str]],
        brand_by_name: dict[str, _Brand],
        t2s: dict[int, str | None],
    ) -> None:
        self._categories = categories
        self._prohibited = prohibited
        self._brands = brands
        self._brand_by_alias = brand_by_alias
        self._brand_by_name = brand_by_name
        self._translate = t2s

    @classmethod
    def load(cls, directory: Path | None = None) -> GoodsCatalogue:
        """Read the four lists (default: features/data) and build the automatons."""
        return _Loader(directory or Path(__file__).with_name("data")).build()

    @property
    def brand_names(self) -> tuple[str, ...]:
        """Canonical names of the protected brands, in list order."""
        return tuple(self._brand_by_name)

    def normalise_text(self, text: str) -> str:
        """NFKC (full-width to half-width), casefold, traditional to simplified, collapsed whitespace."""
        return _normalise(text, self._translate)

    def analyse(
        self, description: str, *, category: str | None = None, brand: str | None = None
    ) -> GoodsMatch:
        """Category (given or inferred), prohibited hits and protected brands of one item."""
        text = self.normalise_text(description)
        terms: tuple[str, ...] = ()
        if category:
            inferred = False
        else:
            category, terms = self._infer_category(text)
            inferred = True
        return GoodsMatch(
            category=category,
            category_inferred=inferred,
            category_terms=terms,
            prohibited=self._prohibited_hits(text),
            brands=self._brand_hits(text, category, brand),
        )

    def _infer_category(self, text: str) -> tuple[str, tuple[str, ...]]:
        """Best-supported category and the terms behind it; 'general' when nothing matches."""
        scores: dict[str, tuple[int, int]] = {}
        hits = _outermost(list(self._scan(self._categories, text)))
        for _, _, entry in hits:
            total, longest = scores.get(entry.label, (0, 0))
            scores[entry.label] = (total + entry.weight, max(longest, entry.weight))
        if not scores:
            return "general", ()
        # Most evidence, then the longest single term, then the order of RULES.md §2.
        best = max(scores, key=lambda c: (*scores[c], -CATEGORIES.index(c)))
        return best, tuple(dict.fromkeys(e.written for _, _, e in hits if e.label == best))

    def _prohibited_hits(self, text: str) -> tuple[ProhibitedHit, ...]:
        """Prohibited terms outside every longer safe term."""
        hits = _outermost(list(self._scan(self._prohibited, text)))
        found = (ProhibitedHit(e.written, e.label) for _, _, e in hits if e.kind == _TERM)
        return tuple(dict.fromkeys(found))

    def _brand_hits(self, text: str, category: str, brand_field: str | None) -> tuple[BrandHit, ...]:
        """Brands named by the brand field (exact alias) or the description, one hit per brand."""
        named: dict[str, tuple[_Brand, str]] = {}
        if brand_field:
            exact = self._brand_by_alias.get(self.normalise_text(brand_field))
            if exact is not None:
                named[exact[0].name] = exact
        for _, _, entry in _outermost(list(self._scan(self._brands, text))):
            if entry.kind != _TERM or (entry.scope is not None and category not in entry.scope):
                continue
            if entry.label not in named:
                named[entry.label] = (self._brand_by_name[entry.label], entry.written)
        return tuple(BrandHit(b.name, alias, b.floor_for(category)) for b, alias in named.values())

    @staticmethod
    def _scan(automaton: ahocorasick.Automaton, text: str) -> Iterator[_Hit]:
        """Whole-term hits of an automaton in normalised text."""
        for last, entry in automaton.iter(text):
            start = last + 1 - entry.length
            end = _whole_term_end(text, start, last + 1, entry)
            if end is not None:
                yield start, end, entry


class _Loader:
    """Reads and checks the lists, then compiles them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.t2s = _t2s_table()

    def norm(self, text: str) -> str:
        """Normalise a list term the same way descriptions are normalised."""
        return _normalise(text, self.t2s)

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
            entry = brands.get(alias)
            if entry is None or entry.scope is not None:
                continue
            for marker in COUNTERFEIT_MARKERS:
                key = self.norm(marker + alias)
                prohibited.setdefault(key, _entry(marker + written, key, _TERM, "counterfeit"))
        for alias in list(brand_by_alias):
            for marker in COMPATIBLE_MARKERS:
                key = self.norm(marker + alias)
                brands.setdefault(key, _entry(marker + alias, key, _SAFE, ""))
        for brand in brand_by_name.values():
            brand_by_alias.setdefault(self.norm(brand.name), (brand, brand.name))
        return GoodsCatalogue(
            _automaton(categories),
            _automaton(prohibited),
            _automaton(brands),
            brand_by_alias,
            brand_by_name,
            self.t2s,
        )

    def category_entries(self) -> dict[str, _Entry]:
        """categories.csv as automaton entries."""
        entries: dict[str, _Entry] = {}
        for line, row in self.rows("categories.csv", ("category", "term", "lang")):
            if row["category"] not in CATEGORIES:
                raise ValueError(f"categories.csv:{line}: unknown category {row['category']!r}")
            self.put(entries, row["term"], _TERM, row["category"], f"categories.csv:{line}")
        return entries

    def prohibited_entries(self) -> dict[str, _Entry]:
        """prohibited.csv as automaton entries."""
        entries: dict[str, _Entry] = {}
        for line, row in self.rows("prohibited.csv", ("class", "term", "lang")):
            if row["class"] not in PROHIBITED_CLASSES:
                raise ValueError(f"prohibited.csv:{line}: unknown class {row['class']!r}")
            self.put(entries, row["term"], _TERM, row["class"], f"prohibited.csv:{line}")
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
            owner, written, cats = aliases.setdefault(key, (name, row["alias"], set()))
            if owner != name:
                raise ValueError(f"{where}: alias {row['alias']!r} already names {owner}")
            cats.add(cat)
        by_name = {name: _Brand(name, cats) for name, cats in floors.items()}
        entries: dict[str, _Entry] = {}
        by_alias: dict[str, tuple[_Brand, str]] = {}
        for key, (name, written, cats) in aliases.items():
            scope = None if ANY_CATEGORY in cats else frozenset(cats)
            entries[key] = _entry(written, key, _TERM, name, scope)
            by_alias[key] = (by_name[name], written)
        return entries, by_alias, by_name

    def add_safe_terms(self, prohibited: dict[str, _Entry], brands: dict[str, _Entry]) -> None:
        """Put each safe term into every automaton holding a term it contains; it must contain one."""
        guarded = {
            "prohibited": (prohibited, _automaton(prohibited)),
            "brands": (brands, _automaton(brands)),
        }
        for line, row in self.rows("safe_terms.csv", ("term", "lang", "note")):
            where, key = f"safe_terms.csv:{line}", self.norm(row["term"])
            if not row["note"]:
                raise ValueError(f"{where}: every safe term needs a note")
            homes = [entries for entries, automaton in guarded.values() if any(automaton.iter(key))]
            if not homes:
                raise ValueError(f"{where}: {row['term']!r} contains no prohibited term or brand alias")
            for entries in homes:
                self.put(entries, row["term"], _SAFE, "", where)

    def put(self, entries: dict[str, _Entry], term: str, kind: int, label: str, where: str) -> None:
        """Add one list term; a term listed twice (after normalisation) is a data error."""
        key = self.norm(term)
        if not key:
            raise ValueError(f"{where}: empty term")
        if key in entries:
            raise ValueError(f"{where}: {term!r} is listed twice (as {entries[key].written!r})")
        entries[key] = _entry(term, key, kind, label)


def _automaton(entries: dict[str, _Entry]) -> ahocorasick.Automaton:
    """An Aho-Corasick automaton over normalised keys."""
    automaton = ahocorasick.Automaton()
    for key, entry in entries.items():
        automaton.add_word(key, entry)
    if entries:
        automaton.make_automaton()
    return automaton


def _t2s_table() -> dict[int, str | None]:
    """Character table: traditional to simplified Chinese (OpenCC's list), quotes, invisible marks."""
    # Character by character through str.translate: OpenCC's own converter is far too slow per call,
    # and goods terms do not need its phrase-level rules.
    source = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    table: dict[int, str | None] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        if len(traditional) == 1 and simplified:
            table[ord(traditional)] = simplified.split(" ")[0]
    table.update(_QUOTES)
    table.update(_INVISIBLE)
    return table
