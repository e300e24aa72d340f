"""Features online (engine + embedded store) and offline (polars, point in time) agree, one by one."""

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from features.vector import FEATURE_NAMES, HISTORY_NAMES, REQUEST, FeatureSet
from screening.agreements import parse_agreements_csv
from screening.contract import Waybill
from screening.modelling.dataset import Dataset, build_dataset
from screening.modelling.facts import request_facts
from screening.modelling.replay import replay, replay_engine
from screening.parcel import Parcel
from screening.policy.history import EntityView
from screening.policy.loader import load_policy
from screening.settings import DEFAULT_POLICY, Settings
from screening.simulation import simulate, waybill_dict


class RecordingScorer:
    """A Scorer that keeps each scored parcel's online feature vector (and scores nothing)."""

    version = "recording"

    def __init__(self, features: FeatureSet) -> None:
        self.features = features
        self.vectors: list[tuple[str, list[float]]] = []

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        self.vectors.append((parcel.waybill.parcel_key, self.features.online(request_facts(parcel), views)))
        return 0.0

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        return ()


@dataclass(frozen=True)
class Replayed:
    """One simulated stream seen both ways."""

    history: pl.DataFrame
    dataset: Dataset
    online: list[tuple[str, list[float]]]
    offline: pl.DataFrame


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """A few thousand simulated waybills (late arrivals, re-sends, retries, confirmed violations)."""
    # Twelve days: the engine's history gives events older than 7 days as counts (Span), read by the
    # 30-day features alone.
    sim = simulate(rows=3000, seed=11, start=date(2026, 11, 6), days=12)
    settings = Settings(env="development", data_dir=tmp_path_factory.mktemp("parity"))
    policy = load_policy(DEFAULT_POLICY)
    agreements = parse_agreements_csv(sim.agreements.write_csv())
    features = FeatureSet(band=policy.limits.near_limit_band)
    recorder = RecordingScorer(features)
    with replay_engine(settings=settings, policy=policy, agreements=agreements, scorer=recorder) as engine:
        asyncio.run(replay(engine, sim.waybills))
    with replay_engine(settings=settings, policy=policy, agreements=agreements) as engine:
        dataset = build_dataset(engine, sim.waybills)
    offline = features.offline(dataset.parcels, dataset.events, dataset.violations)
    return Replayed(history=sim.waybills, dataset=dataset, online=recorder.vectors, offline=offline)


@pytest.mark.slow
def test_the_stream_holds_the_hard_cases(stream: Replayed) -> None:
    h = stream.history
    late = (h["received_at"] - h["accepted_at"]).dt.total_minutes() >= 5
    assert late.sum() > 20, "late uploads"
    out_of_order = (h["accepted_at"].diff().dt.total_seconds() < 0).sum()
    assert out_of_order > 100, "parcels arriving after later-picked-up ones"
    assert h.select(pl.struct("carrier", "waybill_no").is_duplicated().sum()).item() > 20, "re-sends"
    assert len(stream.dataset.violations) > 0, "confirmed violations"
    features = stream.offline
    assert (features["prior_violations"] > 0).sum() > 0
    assert (features["s_days_seen"] < 0).sum() > 0, "a late parcel whose entity was first seen after it"
    assert features["r_cbec_year_cny"].is_not_nan().sum() > 100
    assert (features["s_parcels_30d"] > features["s_parcels_7d"]).sum() > 100, "parcels older than 7 days"
    assert (features["r_parcels_30d"] > features["r_parcels_7d"]).sum() > 20, "received over 7 days ago"


def test_every_scored_parcel_has_both_vectors_in_the_same_order(stream: Replayed) -> None:
    keys = stream.dataset.parcels.sort("row")["parcel"].to_list()
    assert [k for k, _ in stream.online] == keys
    assert len(keys) < len(stream.history), "unchanged re-sends are answered from memory, not scored"


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_online_and_offline_features_are_equal(stream: Replayed, name: str) -> None:
    column = FEATURE_NAMES.index(name)
    online = np.array([v[column] for _, v in stream.online], dtype=np.float64)
    offline = stream.offline.sort("row")[name].to_numpy()
    both_nan = np.isnan(online) & np.isnan(offline)
    close = np.abs(online - offline) <= 1e-9
    differ = np.flatnonzero(~(both_nan | close))
    assert not len(differ), (
        f"{name}: {len(differ)} parcels differ, e.g. {online[differ[:3]]} vs {offline[differ[:3]]}"
    )


def test_history_features_vary_in_the_stream(stream: Replayed) -> None:
    varying = [n for n in HISTORY_NAMES if stream.offline[n].fill_nan(None).n_unique() > 1]
    assert len(varying) >= len(HISTORY_NAMES) - 2


def test_without_history_every_history_feature_is_nan_and_the_request_features_stay(tmp_path: Path) -> None:
    sim = simulate(rows=50, seed=3, start=date(2026, 11, 6), days=1)
    settings = Settings(env="development", data_dir=tmp_path)
    features = FeatureSet()
    with replay_engine(settings=settings, policy=load_policy(DEFAULT_POLICY)) as engine:
        dataset = build_dataset(engine, sim.waybills.head(1))
        parcel = engine.prepare(Waybill.model_validate(waybill_dict(sim.waybills.row(0, named=True))))
    vector = features.online(request_facts(parcel), None)
    assert all(math.isnan(vector[FEATURE_NAMES.index(n)]) for n in HISTORY_NAMES)
    offline = features.offline(dataset.parcels, dataset.events).select(REQUEST).to_numpy()[0]
    np.testing.assert_array_equal(np.array(vector[: len(REQUEST)]), offline)


def _events(rows: list[tuple[int, str, int, float]]) -> pl.DataFrame:
    """Events of one sender entity: (row, parcel, at_ms, value)."""
    return pl.DataFrame(
        {
            "row": [r[0] for r in rows],
            "parcel": [r[1] for r in rows],
            "entity": ["sph:x"] * len(rows),
            "kind": ["sender_phone"] * len(rows),
            "at_ms": [r[2] for r in rows],
            "value_cny": [r[3] for r in rows],
            "limit_cny": [800.0] * len(rows),
            "cross_border": [True] * len(rows),
            "cbec": [False] * len(rows),
            "goods": ["g"] * len(rows),
            "counterpart": [f"rph:{r[0]}" for r in rows],
        }
    )


def _parcels(events: pl.DataFrame) -> pl.DataFrame:
    n = len(events)
    return (
        events.select("row", "parcel", "at_ms", "value_cny", "limit_cny")
        .with_columns(
            received_ms=pl.col("row") * 1000 + 10**12,
            weight_kg=pl.lit(1.0),
            category=pl.lit("cosmetics"),
            category_inferred=pl.lit(False),
            service=pl.lit("export"),
            channel=pl.lit("postal"),
            counterpart_country=pl.lit("HK"),
            personal=pl.lit(True),
            cbec=pl.lit(False),
            sender_id_given=pl.lit(True),
            sender_id_verified=pl.lit(True),
            id_false=pl.lit(False),
            receiver_id_given=pl.lit(False),
            agreement=pl.lit("none"),
            opened_inspection=pl.lit(True),
            xray_screened=pl.lit(True),
            item_lines=pl.lit(1),
            max_quantity=pl.lit(1),
            brand_floor_ratio=pl.lit(math.nan),
            prohibited_hits=pl.lit(0),
            has_payment=pl.lit(False),
        )
        .head(n)
    )


HOUR = 3_600_000
T0 = 1_790_000_000_000


def test_a_parcel_never_sees_one_that_arrived_after_it_even_if_picked_up_before() -> None:
    # Row 1 (picked up at T0+2h) arrives before row 2 (picked up at T0+1h, uploaded late).
    events = _events(
        [(0, "SF:A", T0, 760.0), (1, "SF:B", T0 + 2 * HOUR, 770.0), (2, "SF:C", T0 + HOUR, 780.0)]
    )
    out = FeatureSet().offline(_parcels(events), events).sort("row")
    assert out["s_parcels_24h"].to_list() == [1.0, 2.0, 2.0]
    assert out["s_near_limit_7d"].to_list() == [1.0, 2.0, 2.0]
    assert out["s_value_7d"].to_list() == [760.0, 1530.0, 1540.0]


def test_a_re_sent_parcel_replaces_its_earlier_version_and_does_not_count_itself() -> None:
    events = _events(
        [
            (0, "SF:A", T0, 700.0),
            (1, "SF:B", T0 + HOUR, 710.0),
            (2, "SF:A", T0, 790.0),
            (3, "SF:D", T0 + 2 * HOUR, 720.0),
        ]
    )
    out = FeatureSet().offline(_parcels(events), events).sort("row")
    # Row 2 is A again (picked up before B): only itself in its windows; row 3 sees A's new value only.
    assert out["s_parcels_24h"].to_list() == [1.0, 2.0, 1.0, 3.0]
    assert out["s_value_7d"].to_list()[2:] == [790.0, 2220.0]
    assert out["s_days_seen"].to_list()[2] == pytest.approx(-1 / 24), "first seen from B, never from A itself"
