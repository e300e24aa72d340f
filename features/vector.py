"""The model's features, each defined once: online (a parcel and its entities' windows), offline (polars).

Online, a feature reads a parcel's request-only facts (``RequestFacts``) and, per entity of the parcel,
the figures the engine already computed (``features.windows.WindowStats`` per window, first sight,
confirmed violations, the calendar-year cbec total). Offline, the same feature is a polars expression
over a frame of parcel versions and their entity events, strictly point in time: a parcel sees only
events that arrived before it (``row`` is the arrival order) and whose event time lies inside the window
up to it (``start < at_ms <= now``, as ``features.windows.in_window``). Every place where the offline
form could see the future is marked ``LEAKAGE``.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

from features.goods import CATEGORIES
from features.windows import DAY_MS, GOODS_SEP, WINDOWS_MS, WindowStats, is_near_limit

NAN = math.nan
YEAR_MS = 365 * DAY_MS
BEIJING_OFFSET_MS = 8 * 3_600_000

SENDER = ("sender_id", "sender_phone")
RECEIVER = ("receiver_id", "receiver_phone", "receiver_address")
ORDER = ("payment_account", "buyer_ip")
KINDS = SENDER + RECEIVER + ORDER

CATEGORY_CODES = {c: i for i, c in enumerate(CATEGORIES)}
SERVICE_CODES = {"domestic": 0, "export": 1, "import": 2}
CHANNEL_CODES = {"express": 0, "postal": 1, "cbec": 2}
# A weight the contract allows (any number over 0) can make a value per kg past float32, which the model
# cannot take: beyond this it is one figure, far outside every plausible band.
VALUE_PER_KG_MAX = 1e15
AGREEMENT_CODES = {"none": 0, "active": 1, "suspended": 2, "expired": 3, "unknown": 4, "not_yet_valid": 5}
_GREATER_CHINA = frozenset({"HK", "MO", "TW"})
_ASIA = frozenset({"JP", "KR", "SG", "TH", "MY", "VN", "ID", "PH", "IN", "KH", "MM", "LA", "MN", "KZ"})
_WEST = frozenset({"US", "CA", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "AU", "NZ", "IE"})


def country_group(country: str) -> int:
    """0 mainland, 1 Hong Kong/Macau/Taiwan, 2 rest of Asia, 3 Europe/North America/Oceania, 4 elsewhere."""
    if country == "CN":
        return 0
    if country in _GREATER_CHINA:
        return 1
    if country in _ASIA:
        return 2
    return 3 if country in _WEST else 4


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the model reads of one parcel without history (the same builder serves online and offline)."""

    at_ms: int
    value_cny: float
    limit_cny: float
    weight_kg: float
    category: str
    category_inferred: bool
    service: str
    channel: str
    counterpart_country: str
    personal: bool
    cbec: bool
    sender_id_given: bool
    sender_id_verified: bool
    id_false: bool
    receiver_id_given: bool
    agreement: str  # none (individual), active, suspended, expired, unknown
    opened_inspection: bool
    xray_screened: bool
    item_lines: int
    max_quantity: int
    brand_floor_ratio: float  # lowest unit value / brand floor over the items; NaN without a floored brand
    prohibited_hits: int
    has_payment: bool


class HistoryLike(Protocol):
    """What a feature reads of an entity's stored history (screening.history.EntityHistory fits)."""

    @property
    def first_seen_ms(self) -> int | None: ...
    @property
    def violations(self) -> Sequence[tuple[int, str]]: ...  # (at_ms, parcel)
    @property
    def cbec_year_cny(self) -> float: ...


class EntityLike(Protocol):
    """One entity of the parcel with its windows (screening.policy.history.EntityView fits)."""

    @property
    def kind(self) -> str: ...
    @property
    def history(self) -> HistoryLike: ...
    @property
    def stats(self) -> Mapping[str, WindowStats]: ...


@dataclass(frozen=True, slots=True)
class HistoryFeature:
    """The largest value of one window figure over the parcel's entities of some kinds."""

    name: str
    kinds: tuple[str, ...]
    window: str
    stat: str  # a WindowStats attribute, or days_seen

    @property
    def column(self) -> str:
        """The per-entity column the offline form aggregates."""
        return "days_seen" if self.stat == "days_seen" else f"{self.window}_{self.stat}"


def _h(name: str, kinds: tuple[str, ...], window: str, stat: str) -> HistoryFeature:
    return HistoryFeature(name, kinds, window, stat)


HISTORY: tuple[HistoryFeature, ...] = (
    _h("s_parcels_1h", SENDER, "1h", "parcels"),
    _h("s_parcels_24h", SENDER, "24h", "parcels"),
    _h("s_parcels_7d", SENDER, "7d", "parcels"),
    _h("s_parcels_30d", SENDER, "30d", "parcels"),
    _h("s_value_7d", SENDER, "7d", "value_cny"),
    _h("s_counterparts_7d", SENDER, "7d", "counterparts"),
    _h("s_split_parcels_7d", SENDER, "7d", "split_parcels"),
    _h("s_split_counterparts_7d", SENDER, "7d", "split_counterparts"),
    _h("s_split_value_7d", SENDER, "7d", "split_value_cny"),
    _h("s_near_limit_7d", SENDER, "7d", "near_limit"),
    _h("s_same_goods_7d", SENDER, "7d", "same_goods"),
    _h("s_same_goods_counterparts_7d", SENDER, "7d", "same_goods_counterparts"),
    _h("s_cross_border_share_30d", SENDER, "30d", "cross_border_share"),
    _h("s_days_seen", SENDER, "", "days_seen"),
    _h("r_parcels_24h", RECEIVER, "24h", "parcels"),
    _h("r_parcels_7d", RECEIVER, "7d", "parcels"),
    _h("r_parcels_30d", RECEIVER, "30d", "parcels"),
    _h("r_counterparts_7d", RECEIVER, "7d", "counterparts"),
    _h("r_split_parcels_7d", RECEIVER, "7d", "split_parcels"),
    _h("r_split_counterparts_7d", RECEIVER, "7d", "split_counterparts"),
    _h("r_split_value_7d", RECEIVER, "7d", "split_value_cny"),
    _h("r_near_limit_7d", RECEIVER, "7d", "near_limit"),
    _h("r_same_goods_7d", RECEIVER, "7d", "same_goods"),
    _h("r_days_seen", RECEIVER, "", "days_seen"),
    _h("o_parcels_7d", ORDER, "7d", "parcels"),
    _h("o_counterparts_7d", ORDER, "7d", "counterparts"),
)
# Figures that counts alone give: a history store may give a window's older events only as counts.
COUNT_STATS = frozenset({"parcels", "cross_border_share"})


def whole_windows() -> frozenset[str]:
    """The windows whose features read more of a parcel than that it was there and crossed a border."""
    return frozenset(f.window for f in HISTORY if f.window and f.stat not in COUNT_STATS)


# Figures over all the parcel's entities (not a window maximum).
WHOLE = ("prior_violations", "r_cbec_year_cny", "new_entities")


@dataclass(frozen=True, slots=True)
class RequestFeature:
    """A feature of the request alone: online over RequestFacts, offline over a frame of its fields."""

    name: str
    online: Callable[[RequestFacts, float], float]  # (facts, near-limit band)
    offline: Callable[[float], pl.Expr]  # near-limit band -> expression


def _flag(field: str) -> RequestFeature:
    """1.0 when a RequestFacts flag is set, else 0.0."""
    return RequestFeature(
        field, lambda f, _: 1.0 if getattr(f, field) else 0.0, lambda _: pl.col(field).cast(pl.Float64)
    )


def _count(field: str) -> RequestFeature:
    """A RequestFacts count as a number."""
    return RequestFeature(
        field, lambda f, _: float(getattr(f, field)), lambda _: pl.col(field).cast(pl.Float64)
    )


def _code(field: str, codes: Mapping[str, int], default: int | None = None) -> RequestFeature:
    """A RequestFacts label as its code (unknown labels: default, or an error without one)."""

    def online(f: RequestFacts, _: float) -> float:
        value = getattr(f, field)
        return float(codes[value] if default is None else codes.get(value, default))

    return RequestFeature(
        field, online, lambda _: pl.col(field).replace_strict(codes, default=default, return_dtype=pl.Float64)
    )


_VALUE, _LIMIT = pl.col("value_cny"), pl.col("limit_cny")

REQUEST_FEATURES: tuple[RequestFeature, ...] = (
    RequestFeature("value_cny", lambda f, _: f.value_cny, lambda _: _VALUE),
    RequestFeature(
        "value_limit_ratio",
        lambda f, _: f.value_cny / f.limit_cny if f.limit_cny > 0 else NAN,
        lambda _: pl.when(_LIMIT > 0).then(_VALUE / _LIMIT).otherwise(NAN),
    ),
    RequestFeature(
        "near_limit",
        lambda f, band: 1.0 if is_near_limit(f.value_cny, f.limit_cny, band) else 0.0,
        lambda band: ((_LIMIT > 0) & (band * _LIMIT <= _VALUE) & (_VALUE < _LIMIT)).cast(pl.Float64),
    ),
    RequestFeature("weight_kg", lambda f, _: f.weight_kg, lambda _: pl.col("weight_kg")),
    RequestFeature(
        "value_per_kg",
        lambda f, _: min(f.value_cny / f.weight_kg, VALUE_PER_KG_MAX),
        lambda _: (_VALUE / pl.col("weight_kg")).clip(upper_bound=VALUE_PER_KG_MAX),
    ),
    _code("category", CATEGORY_CODES, -1),
    _flag("category_inferred"),
    _code("service", SERVICE_CODES),
    _code("channel", CHANNEL_CODES),
    RequestFeature(
        "counterpart_group",
        lambda f, _: float(country_group(f.counterpart_country)),
        lambda _: _country_group_expr().cast(pl.Float64),
    ),
    _flag("personal"),
    _flag("sender_id_given"),
    _flag("sender_id_verified"),
    _flag("id_false"),
    _flag("receiver_id_given"),
    _code("agreement", AGREEMENT_CODES),
    _flag("opened_inspection"),
    _flag("xray_screened"),
    _count("item_lines"),
    _count("max_quantity"),
    RequestFeature(
        "brand_floor_ratio",
        lambda f, _: f.brand_floor_ratio,
        lambda _: pl.col("brand_floor_ratio").fill_null(NAN),
    ),
    _count("prohibited_hits"),
    _flag("has_payment"),
    RequestFeature(
        "hour_beijing",
        lambda f, _: float((f.at_ms + BEIJING_OFFSET_MS) // 3_600_000 % 24),
        lambda _: ((pl.col("at_ms") + BEIJING_OFFSET_MS) // 3_600_000 % 24).cast(pl.Float64),
    ),
)
REQUEST: tuple[str, ...] = tuple(f.name for f in REQUEST_FEATURES)

FEATURE_NAMES: tuple[str, ...] = REQUEST + tuple(f.name for f in HISTORY) + WHOLE
HISTORY_NAMES: tuple[str, ...] = tuple(f.name for f in HISTORY) + WHOLE

# Window figures the offline form computes per entity, by window (the union of what HISTORY reads).
_NEEDED: dict[str, tuple[str, ...]] = {
    w: tuple(dict.fromkeys(f.stat for f in HISTORY if f.window == w)) for w in WINDOWS_MS
}


class FeatureSet:
    """The features at the near-limit band a model was trained with (stored with the model)."""

    def __init__(self, *, band: float = 0.9) -> None:
        self.band = band
        self.names = FEATURE_NAMES
        self._side: dict[str, list[tuple[int, HistoryFeature]]] = {k: [] for k in KINDS}
        for i, f in enumerate(HISTORY):
            for kind in f.kinds:
                self._side[kind].append((len(REQUEST) + i, f))

    # ---- online --------------------------------------------------------------------------------

    def request_values(self, f: RequestFacts) -> list[float]:
        """The request-only features of one parcel, in REQUEST order."""
        return [feature.online(f, self.band) for feature in REQUEST_FEATURES]

    def online(self, f: RequestFacts, entities: Sequence[EntityLike] | None) -> list[float]:
        """The whole vector of one parcel, in FEATURE_NAMES order; history features NaN without history."""
        out = self.request_values(f)
        out.extend([NAN] * len(HISTORY_NAMES))
        if entities is None:
            return out
        now = f.at_ms
        prior = 0
        new = 0
        cbec_year = NAN
        for e in entities:
            first = e.history.first_seen_ms
            if first is None:
                new += 1
            for index, feature in self._side.get(e.kind, ()):
                if feature.stat == "days_seen":
                    if first is None:
                        continue
                    value = (now - first) / DAY_MS
                elif feature.stat == "cross_border_share":
                    value = e.stats[feature.window].cross_border_share
                else:
                    value = float(getattr(e.stats[feature.window], feature.stat))
                current = out[index]
                if current != current or value > current:  # NaN (nothing yet) or larger
                    out[index] = value
            start = now - YEAR_MS
            prior = max(prior, sum(1 for t, _ in e.history.violations if start <= t < now))
            if e.kind == "receiver_id":
                cbec_year = e.history.cbec_year_cny + (f.value_cny if f.cbec else 0.0)
        base = len(REQUEST) + len(HISTORY)
        out[base] = float(prior)
        out[base + 1] = cbec_year
        out[base + 2] = float(new)
        return out

    # ---- offline -------------------------------------------------------------------------------

    def request_exprs(self) -> list[pl.Expr]:
        """The request-only features over a frame with one column per RequestFacts field."""
        return [
            feature.offline(self.band).cast(pl.Float64).alias(feature.name) for feature in REQUEST_FEATURES
        ]

    def offline(
        self,
        parcels: pl.DataFrame,
        events: pl.DataFrame,
        violations: pl.DataFrame | None = None,
        *,
        max_pairs: int = 20_000_000,
    ) -> pl.DataFrame:
        """Feature vectors of parcel versions, point in time, in FEATURE_NAMES order with their ``row``.

        parcels: one row per scored version: row (arrival order), parcel, at_ms, received_ms and the
        RequestFacts fields. events: one row per (version, entity): row, parcel, entity, kind, at_ms,
        value_cny, limit_cny, cross_border, cbec, goods, counterpart. violations: entity, parcel,
        at_ms (when it happened), known_ms (when it was confirmed).
        """
        request = parcels.select("row", *self.request_exprs())
        stats = entity_stats(
            events,
            parcels.select("row", "received_ms"),
            violations,
            band=self.band,
            max_pairs=max_pairs,
        )
        history = _aggregate(stats, parcels.select("row", "value_cny", "cbec"))
        return (
            request.join(history, on="row", how="left")
            .with_columns(pl.col(n).cast(pl.Float64).fill_null(NAN) for n in HISTORY_NAMES)
            .select("row", *FEATURE_NAMES)
            .sort("row")
        )


def _country_group_expr() -> pl.Expr:
    c = pl.col("counterpart_country")
    return (
        pl.when(c == "CN")
        .then(0)
        .when(c.is_in(list(_GREATER_CHINA)))
        .then(1)
        .when(c.is_in(list(_ASIA)))
        .then(2)
        .when(c.is_in(list(_WEST)))
        .then(3)
        .otherwise(4)
    )


def _aggregate(stats: pl.DataFrame, parcels: pl.DataFrame) -> pl.DataFrame:
    """Per-parcel features from per-(parcel, entity) figures: the side maxima and the whole-parcel figures."""
    kind = pl.col("kind")
    aggs = [pl.col(f.column).filter(kind.is_in(list(f.kinds))).max().alias(f.name) for f in HISTORY]
    aggs += [
        pl.col("violations").max().alias("prior_violations"),
        pl.col("cbec_year_cny").filter(kind == "receiver_id").first().alias("_cbec_year"),
        (~pl.col("seen")).sum().alias("new_entities"),
    ]
    return (
        stats.group_by("row")
        .agg(aggs)
        .join(parcels, on="row", how="left")
        .with_columns(
            r_cbec_year_cny=pl.col("_cbec_year")
            + pl.when(pl.col("cbec")).then(pl.col("value_cny")).otherwise(0.0)
        )
        .drop("_cbec_year", "value_cny", "cbec")
    )


def entity_stats(
    events: pl.DataFrame,
    arrivals: pl.DataFrame,
    violations: pl.DataFrame | None,
    *,
    band: float,
    max_pairs: int = 20_000_000,
) -> pl.DataFrame:
    """Per (parcel version, entity): the window figures, first sight, violations and cbec year total."""
    ev = (
        events.with_columns(eid=pl.col("entity").rank("dense").cast(pl.Int64))
        .sort("eid", "row")
        .with_columns(
            # A version stays in an entity's history until the next version of its parcel arrives there.
            next_row=pl.col("row").shift(-1).over("eid", "parcel").fill_null(np.iinfo(np.int64).max),
            prev_row=pl.col("row").shift(1).over("eid", "parcel"),
        )
    )
    windows = _windows(ev, band=band, max_pairs=max_pairs)
    first = _first_seen(ev)
    prior = _violations(ev, arrivals, violations)
    cbec = _cbec_year(ev)
    return (
        ev.select("row", "eid", "kind", "at_ms")
        .join(windows, on=["row", "eid"], how="left")
        .join(first, on=["row", "eid"], how="left")
        .join(prior, on=["row", "eid"], how="left")
        .join(cbec, on=["row", "eid"], how="left")
        .with_columns(
            seen=pl.col("first_seen_ms").is_not_null(),
            days_seen=(pl.col("at_ms") - pl.col("first_seen_ms")) / DAY_MS,
            violations=pl.col("violations").fill_null(0),
        )
    )


def _windows(ev: pl.DataFrame, *, band: float, max_pairs: int) -> pl.DataFrame:
    """Window figures per (version, entity) from the pairs (version, earlier event of the same entity)."""
    longest = max(WINDOWS_MS.values())
    by_time = ev.select(
        "row",
        "eid",
        "parcel",
        "at_ms",
        "next_row",
        "value_cny",
        "limit_cny",
        "cross_border",
        "goods",
        "counterpart",
    ).sort("eid", "at_ms", "row")
    at = by_time["at_ms"].to_numpy()
    eid = by_time["eid"].to_numpy()
    base = int(at.min()) - longest if len(at) else 0
    span = int(at.max()) - base + 1 if len(at) else 1
    shift = max(1, span.bit_length())
    if int(eid.max() if len(eid) else 0).bit_length() + shift > 62:
        raise ValueError("too many entities over too long a period for one offline pass; split the frame")
    keys = (eid << shift) + (at - base)
    # Candidates of a version: the same entity's events with now - 30d < at_ms <= now (as in_window); of
    # those at now, the filter below keeps the ones that arrived before it.
    lo = np.searchsorted(keys, keys - longest + 1, side="left")
    hi = np.searchsorted(keys, keys, side="right")
    sizes = hi - lo
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    parts = []
    start = 0
    n = len(by_time)
    while start < n:
        stop = int(np.searchsorted(bounds, bounds[start] + max_pairs, side="right")) - 1
        stop = min(n, max(stop, start + 1))
        parts.append(_window_chunk(by_time, lo[start:stop], hi[start:stop], start, band=band))
        start = stop
    return pl.concat(parts)


def _window_chunk(
    by_time: pl.DataFrame, lo: np.ndarray, hi: np.ndarray, offset: int, *, band: float
) -> pl.DataFrame:
    queries = by_time.slice(offset, len(lo)).with_columns(
        q=pl.int_range(offset, offset + len(lo), dtype=pl.Int64)
    )
    sizes = hi - lo
    q = np.repeat(np.arange(offset, offset + len(lo)), sizes)
    c = np.repeat(lo - np.cumsum(np.concatenate([[0], sizes[:-1]])), sizes) + np.arange(sizes.sum())
    cand = by_time.select(
        c_row="row",
        c_parcel="parcel",
        c_at="at_ms",
        c_next="next_row",
        value_cny="value_cny",
        limit_cny="limit_cny",
        cross_border="cross_border",
        goods="goods",
        counterpart="counterpart",
    )
    pairs = (
        pl.concat([pl.DataFrame({"q": q}), cand[c]], how="horizontal")
        .join(queries.select("q", "row", "eid", "parcel", q_at="at_ms", q_goods="goods"), on="q", how="left")
        # LEAKAGE: only events that arrived before the version (row order), that were still the
        # current version of their parcel then, and that belong to another parcel.
        .filter(
            (pl.col("c_row") < pl.col("row"))
            & (pl.col("c_next") > pl.col("row"))
            & (pl.col("c_parcel") != pl.col("parcel"))
        )
        .with_columns(dt=pl.col("q_at") - pl.col("c_at"))
        .select(
            "row", "eid", "dt", "value_cny", "limit_cny", "cross_border", "goods", "counterpart", "q_goods"
        )
    )
    # The version itself is in every one of its windows, counted once.
    own = queries.select(
        "row",
        "eid",
        dt=pl.lit(0, dtype=pl.Int64),
        value_cny="value_cny",
        limit_cny="limit_cny",
        cross_border="cross_border",
        goods="goods",
        counterpart="counterpart",
        q_goods="goods",
    )
    rows = pl.concat([pairs, own.cast(pairs.schema)])
    return rows.group_by("row", "eid").agg(_window_aggs(band))


def _window_aggs(band: float) -> list[pl.Expr]:
    value, limit, cross = pl.col("value_cny"), pl.col("limit_cny"), pl.col("cross_border")
    split = cross & (limit > 0) & (value < limit)
    near = cross & (limit > 0) & (value >= band * limit) & (value < limit)
    # Main article to main article, as the online tally's same_goods.
    goods, q_goods = (pl.col(c).str.split(GOODS_SEP).list.first() for c in ("goods", "q_goods"))
    same = cross & (goods != "") & (goods == q_goods)
    cp = pl.col("counterpart")
    aggs: list[pl.Expr] = []
    for window, stats in _NEEDED.items():
        inside = pl.col("dt") < WINDOWS_MS[window]
        exprs = {
            "parcels": inside.sum(),
            "value_cny": value.filter(inside).sum().round(2),
            "counterparts": cp.filter(inside & (cp != "")).n_unique(),
            "split_parcels": (inside & split).sum(),
            "split_counterparts": cp.filter(inside & split & (cp != "")).n_unique(),
            "split_value_cny": value.filter(inside & split).sum().round(2),
            "near_limit": (inside & near).sum(),
            "same_goods": (inside & same).sum(),
            "same_goods_counterparts": cp.filter(inside & same & (cp != "")).n_unique(),
            "cross_border_share": (inside & cross).sum() / inside.sum(),
        }
        aggs += [exprs[s].cast(pl.Float64).alias(f"{window}_{s}") for s in stats]
    return aggs


def _first_seen(ev: pl.DataFrame) -> pl.DataFrame:
    """Earliest event time of the entity's other parcels that arrived before the version."""
    # LEAKAGE: cumulative over arrival order, shifted so the version's own event is not included.
    running = ev.select("row", "eid", "parcel", "prev_row", "at_ms").with_columns(
        first_seen_ms=pl.col("at_ms").cum_min().shift(1).over("eid")
    )
    plain = running.filter(pl.col("prev_row").is_null()).select("row", "eid", "first_seen_ms")
    # A re-sent version must not see its own parcel's earlier versions: recomputed without them.
    resent = running.filter(pl.col("prev_row").is_not_null()).select("row", "eid", "parcel")
    if resent.is_empty():
        return plain
    others = (
        resent.join(ev.select("eid", o_row="row", o_parcel="parcel", o_at="at_ms"), on="eid")
        .filter((pl.col("o_row") < pl.col("row")) & (pl.col("o_parcel") != pl.col("parcel")))
        .group_by("row", "eid")
        .agg(first_seen_ms=pl.col("o_at").min())
    )
    return pl.concat([plain, resent.select("row", "eid").join(others, on=["row", "eid"], how="left")])


def _violations(ev: pl.DataFrame, arrivals: pl.DataFrame, violations: pl.DataFrame | None) -> pl.DataFrame:
    """Confirmed violations of the entity within a year before the parcel, known when it arrived."""
    if violations is None or violations.is_empty():
        return ev.select("row", "eid", violations=pl.lit(0, dtype=pl.Int64))
    ids = ev.select("entity", "eid").unique()
    known = violations.join(ids, on="entity").select("eid", "parcel", v_at="at_ms", known_ms="known_ms")
    queries = ev.select("row", "eid", "at_ms").join(arrivals, on="row", how="left")
    return (
        queries.join(known, on="eid")
        # LEAKAGE: a violation counts only once it was confirmed (known_ms), not from when it happened.
        .filter(
            (pl.col("known_ms") <= pl.col("received_ms"))
            & (pl.col("v_at") >= pl.col("at_ms") - YEAR_MS)
            & (pl.col("v_at") < pl.col("at_ms"))
        )
        .group_by("row", "eid")
        .agg(violations=pl.col("parcel").n_unique())
    )


def _cbec_year(ev: pl.DataFrame) -> pl.DataFrame:
    """The buyer's (receiver ID's) cbec total this Beijing year over other parcels that arrived before."""
    ids = ev.filter(pl.col("kind") == "receiver_id").with_columns(
        year=pl.from_epoch(pl.col("at_ms") + BEIJING_OFFSET_MS, time_unit="ms").dt.year(),
        cents=pl.when(pl.col("cbec")).then((pl.col("value_cny") * 100).round(0)).otherwise(0).cast(pl.Int64),
    )
    if ids.is_empty():
        return ev.select("row", "eid", cbec_year_cny=pl.lit(None, dtype=pl.Float64)).head(0)
    ids = ids.sort("eid", "row").with_columns(
        prev_cents=pl.col("cents").shift(1).over("eid", "parcel"),
        prev_year=pl.col("year").shift(1).over("eid", "parcel"),
    )
    # Each version adds its amount and takes back its parcel's previous one (a re-send replaces it).
    deltas = pl.concat(
        [
            ids.select("eid", "year", "row", delta="cents"),
            ids.filter(pl.col("prev_cents").is_not_null()).select(
                "eid", year="prev_year", row="row", delta=-pl.col("prev_cents")
            ),
        ]
    )
    running = (
        deltas.group_by("eid", "year", "row")
        .agg(pl.col("delta").sum())
        .sort("eid", "year", "row")
        .with_columns(total=pl.col("delta").cum_sum().over("eid", "year"))
        .select("eid", "year", "row", "total")
        .sort("row")
    )
    # LEAKAGE: the running total strictly before the version's arrival, never at or after it.
    return (
        ids.sort("row")
        # Both sides are sorted by row (checked by construction: polars cannot check it with by groups).
        .join_asof(
            running,
            on="row",
            by=["eid", "year"],
            strategy="backward",
            allow_exact_matches=False,
            check_sortedness=False,
        )
        .with_columns(
            own=pl.when(pl.col("prev_year") == pl.col("year")).then(pl.col("prev_cents")).otherwise(0),
        )
        .select(
            "row",
            "eid",
            cbec_year_cny=(pl.col("total").fill_null(0) - pl.col("own").fill_null(0)) / 100,
        )
    )
