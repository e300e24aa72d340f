"""The Korean customs benchmark: point-in-time features, leakage guards, precision at a budget, the CLI."""

import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import typer
import xgboost as xgb
from typer.testing import CliRunner

from api.commands import benchmark as benchmark_command
from models import customs_kr
from models.customs_kr import (
    LABEL,
    benchmark,
    build_features,
    category_codes,
    label_history,
    precision_at,
    price_ratio,
    score,
    train_booster,
    typed_declarations,
)
from tests.shared_dir import SHARED

DATA = SHARED / "data" / "customs-declarations-kr"
TRAIN_CSV = DATA / "customs_kr_syn_train_eng.csv"
VALID_CSV = DATA / "customs_kr_syn_valid_eng.csv"


def declarations(n: int, *, start: date, days: int, seed: int, lines: int = 150) -> pl.DataFrame:
    """Synthetic declarations: each row re-declares one of a few goods lines, a fifth of them fraudulent."""
    rng = np.random.default_rng(seed)
    # The goods lines are the same for every seed: train and test share them, as in the real files.
    catalogue = np.random.default_rng(0)
    hs6 = catalogue.choice(["071080", "440890", "690722", "851712", "950300"], size=lines)
    mass = np.round(catalogue.uniform(1, 5000, size=lines), 1)
    price = np.round(mass * catalogue.uniform(1, 300, size=lines), 2)
    fraudulent = catalogue.random(lines) < 0.2
    line = rng.integers(0, lines, size=n)
    # A few labels disagree with their line, as inspections do.
    label = np.where(rng.random(n) < 0.05, ~fraudulent[line], fraudulent[line]).astype(int)
    picks = {
        "Office ID": ["20", "30", "40"],
        "Process Type": ["B"],
        "Import Type": ["11", "87"],
        "Import Use": ["21", "11"],
        "Payment Type": ["11", "43"],
        "Mode of Transport": ["10", "40"],
        "Country of Departure": ["CN", "VN", "US"],
        "Country of Origin": ["CN", "VN", "US"],
        "Tax Type": ["A", "C"],
        "Country of Origin Indicator": ["E", "G"],
        "Courier ID": ["", "C1"],
        "Importer ID": [f"I{i}" for i in range(40)],
        "Declarant ID": [f"D{i}" for i in range(10)],
        "Seller ID": [f"S{i}" for i in range(30)],
    }
    return typed_declarations(
        pl.DataFrame(
            {
                "Declaration ID": [str(10_000_000 + seed * 100_000 + i) for i in range(n)],
                "Date": sorted(str(start + timedelta(days=int(d))) for d in rng.integers(0, days, size=n)),
                **{column: rng.choice(values, size=n).tolist() for column, values in picks.items()},
                "HS6 Code": hs6[line].tolist(),
                "Tax Rate": [str(r) for r in rng.choice([0.0, 8.0], size=n)],
                "Net Mass": [str(m) for m in mass[line]],
                "Item Price": [str(p) for p in price[line]],
                "Fraud": [str(v) for v in label],
                "Critical Fraud": [str(v) for v in label],
            }
        )
    )


@pytest.fixture(scope="module")
def world() -> dict[str, pl.DataFrame]:
    """A year of training declarations, then a validation month and a test month."""
    return {
        "train": declarations(2000, start=date(2020, 1, 1), days=366, seed=1),
        "valid": declarations(500, start=date(2021, 1, 1), days=31, seed=2),
        "test": declarations(500, start=date(2021, 2, 1), days=28, seed=3),
    }


def history_frame(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """Rows of (date, HS6 code, fraud)."""
    return pl.DataFrame(
        {
            "Date": [date.fromisoformat(d) for d, _, _ in rows],
            "HS6 Code": [h for _, h, _ in rows],
            LABEL: [f for _, _, f in rows],
        }
    )


def test_a_row_sees_only_labels_of_strictly_earlier_dates() -> None:
    history = history_frame(
        [("2020-01-01", "A", 1), ("2020-01-02", "A", 0), ("2020-01-02", "A", 1), ("2020-01-03", "B", 1)]
    )
    found = label_history(history, history=history, name="hs6", columns=("HS6 Code",), prior=0.5)
    assert found["hs6_seen"].to_list() == [0, 1, 1, 0]
    # Smoothed towards the prior with weight 2: (frauds + 2 * 0.5) / (seen + 2).
    assert found["hs6_fraud_rate"].to_list() == pytest.approx([0.5, 2 / 3, 2 / 3, 0.5])


def test_later_rows_see_every_earlier_label_of_their_entity_and_unknown_entities_get_the_prior() -> None:
    history = history_frame([("2020-01-01", "A", 1), ("2020-01-02", "A", 1), ("2020-01-02", "B", 0)])
    rows = history_frame([("2021-01-05", "A", 0), ("2021-01-05", "B", 1), ("2021-01-05", "C", 1)])
    found = label_history(rows, history=history, name="hs6", columns=("HS6 Code",), prior=0.2)
    assert found["hs6_seen"].to_list() == [2, 1, 0]
    assert found["hs6_fraud_rate"].to_list() == pytest.approx([(2 + 0.4) / 4, 0.4 / 3, 0.2])


def test_label_history_matches_a_brute_force_count_on_random_rows() -> None:
    rng = np.random.default_rng(7)
    frame = pl.DataFrame(
        {
            "Date": [date(2020, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 12, size=300)],
            "HS6 Code": rng.choice(["A", "B", "C", "D"], size=300).tolist(),
            "Item Price": rng.choice([1.5, 2.0, 7.25], size=300).tolist(),
            LABEL: rng.integers(0, 2, size=300).tolist(),
        }
    )
    found = label_history(frame, history=frame, name="k", columns=("HS6 Code", "Item Price"), prior=0.3)
    rows = frame.rows(named=True)
    for row, seen, rate in zip(rows, found["k_seen"], found["k_fraud_rate"], strict=True):
        earlier = [
            r[LABEL]
            for r in rows
            if r["Date"] < row["Date"]
            and (r["HS6 Code"], r["Item Price"]) == (row["HS6 Code"], row["Item Price"])
        ]
        assert seen == len(earlier)
        assert rate == pytest.approx((sum(earlier) + 0.6) / (len(earlier) + 2))


def test_price_per_kg_is_compared_with_the_median_of_its_hs_code() -> None:
    reference = pl.DataFrame({"HS6 Code": ["A", "A", "A", "B"], "log_price_per_kg": [1.0, 2.0, 9.0, 5.0]})
    rows = pl.DataFrame({"HS6 Code": ["A", "B", "Z"], "log_price_per_kg": [0.5, 5.0, 3.0]})
    assert price_ratio(rows, reference=reference, group="HS6 Code").to_list() == [-1.5, 0.0, None]


def test_zero_prices_and_masses_give_a_finite_price_per_kg(world: dict[str, pl.DataFrame]) -> None:
    raw = world["train"].head(2).select(customs_kr.COLUMNS).cast(pl.String)
    typed = typed_declarations(
        raw.with_columns(pl.Series("Item Price", ["0.0", "10.0"]), pl.lit("0.0").alias("Net Mass"))
    )
    assert typed["log_price_per_kg"].to_list() == pytest.approx([0.0, math.log(11.0)])


def test_hs_codes_are_padded_to_six_digits_before_their_chapter_and_heading_are_taken() -> None:
    raw = pl.DataFrame({c: ["1"] for c in customs_kr.COLUMNS}).with_columns(
        pl.lit("2020-01-01").alias("Date"), pl.lit("71080").alias("HS6 Code")
    )
    typed = typed_declarations(raw)
    assert typed.select("HS6 Code", "HS4", "HS2").row(0) == ("071080", "0710", "07")


def test_categories_unseen_in_training_are_missing_not_a_known_code() -> None:
    reference = pl.DataFrame({"Tax Type": ["C", "A", "A"]})
    rows = pl.DataFrame({"Tax Type": ["A", "C", "NEW"]})
    assert category_codes(rows, reference=reference, column="Tax Type").to_list() == [0, 1, None]


def test_precision_counts_frauds_in_the_top_share_of_scores() -> None:
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.95])
    assert precision_at(labels, scores, 0.2) == 1.0
    assert precision_at(labels, scores, 0.3) == pytest.approx(2 / 3)
    # 5 % of ten rows is under one row: the budget is still one inspection.
    assert precision_at(labels, scores, 0.05) == 1.0


def test_precision_breaks_ties_by_file_order() -> None:
    labels = np.array([0, 1, 1, 0])
    assert precision_at(labels, np.array([0.5, 0.5, 0.5, 0.5]), 0.5) == 0.5
    assert precision_at(labels[::-1].copy(), np.array([0.5, 0.5, 0.5, 0.5]), 0.5) == 0.5
    assert precision_at(np.array([1, 0, 0, 0]), np.array([0.5, 0.5, 0.5, 0.5]), 0.25) == 1.0


def test_precision_refuses_mismatched_inputs() -> None:
    with pytest.raises(ValueError):
        precision_at(np.array([1, 0]), np.array([0.5]), 0.5)
    with pytest.raises(ValueError):
        precision_at(np.array([], dtype=int), np.array([]), 0.5)


def test_labels_of_the_rows_being_featurised_change_nothing(world: dict[str, pl.DataFrame]) -> None:
    train, test = world["train"], world["test"]
    shuffled = test.with_columns(pl.col(LABEL).shuffle(seed=5), pl.col("Critical Fraud").shuffle(seed=6))
    plain = build_features(test, train=train)
    assert plain.equals(build_features(shuffled, train=train))
    assert plain.equals(build_features(test.drop(LABEL, "Critical Fraud"), train=train))
    assert not {LABEL, "Critical Fraud"} & set(plain.columns)


def test_a_training_row_never_sees_its_own_label_nor_a_same_day_one(world: dict[str, pl.DataFrame]) -> None:
    train = world["train"]
    flipped = train.with_columns(
        pl.when(pl.int_range(pl.len()) == 1000).then(1 - pl.col(LABEL)).otherwise(pl.col(LABEL)).alias(LABEL)
    )
    on_or_before = (train["Date"] <= train["Date"][1000]).to_numpy()
    later_changed = False
    for name in customs_kr.CHOSEN_HISTORIES:
        columns = customs_kr.HISTORIES[name]
        own = label_history(train, history=train, name=name, columns=columns, prior=0.2)
        moved = label_history(flipped, history=flipped, name=name, columns=columns, prior=0.2)
        rate = f"{name}_fraud_rate"
        assert np.array_equal(own[rate].to_numpy()[on_or_before], moved[rate].to_numpy()[on_or_before])
        later_changed |= not np.array_equal(own[rate].to_numpy(), moved[rate].to_numpy())
    # The flip does reach later rows of the same entities: the comparison above can fail.
    assert later_changed


@pytest.fixture(scope="module")
def booster(world: dict[str, pl.DataFrame]) -> xgb.Booster:
    """The booster trained on the synthetic world with seed 0."""
    return train_booster(world["train"], world["valid"], seed=0)


def test_shuffling_the_test_labels_does_not_change_the_test_scores(
    world: dict[str, pl.DataFrame], booster: xgb.Booster
) -> None:
    train, test = world["train"], world["test"]
    shuffled = test.with_columns(pl.col(LABEL).shuffle(seed=9))
    assert np.array_equal(score(booster, test, train=train), score(booster, shuffled, train=train))


def test_the_model_learns_from_the_training_labels_and_nothing_else(
    world: dict[str, pl.DataFrame], booster: xgb.Booster
) -> None:
    train, valid, test = world["train"], world["valid"], world["test"]
    labels = test[LABEL].to_numpy()
    learned = precision_at(labels, score(booster, test, train=train), 0.10)
    blind = benchmark(train.with_columns(pl.col(LABEL).shuffle(seed=4)), valid, test, seed=0)
    assert learned >= 0.8
    # With noise for training labels the ranking is no better than the base rate (about a fifth) plus chance.
    assert blind.precision_at_10 <= 0.45


def test_training_is_reproducible_bit_for_bit(world: dict[str, pl.DataFrame], booster: xgb.Booster) -> None:
    train, valid, test = world["train"], world["valid"], world["test"]
    again = train_booster(train, valid, seed=0)
    assert again.save_raw() == booster.save_raw()
    assert np.array_equal(score(again, test, train=train), score(booster, test, train=train))


def test_a_test_file_without_labels_is_refused(world: dict[str, pl.DataFrame]) -> None:
    with pytest.raises(ValueError, match="test file has no 'Fraud'"):
        benchmark(world["train"], world["valid"], world["test"].drop(LABEL))


def run_command(*args: str) -> Any:
    """The benchmark command group, run as the CLI runs it."""
    app = typer.Typer()
    benchmark_command.register(app)
    return CliRunner().invoke(app, ["benchmark", "customs-kr", *args])


def test_a_missing_column_is_reported_and_fails(tmp_path: Path, world: dict[str, pl.DataFrame]) -> None:
    broken = tmp_path / "broken.csv"
    world["test"].select("Date", "Fraud").write_csv(broken)
    good = tmp_path / "good.csv"
    world["train"].select(*customs_kr.COLUMNS, "Fraud").write_csv(good)
    result = run_command("--train", str(good), "--valid", str(good), "--test", str(broken))
    assert result.exit_code == 1
    assert "missing columns" in result.output


@pytest.mark.slow
def test_the_command_meets_the_acceptance_figures_on_the_korean_valid_split(tmp_path: Path) -> None:
    # The shared data must be there: a missing file fails the test, it is never skipped.
    assert TRAIN_CSV.is_file(), TRAIN_CSV
    assert VALID_CSV.is_file(), VALID_CSV
    out = tmp_path / "figures.json"
    result = run_command(
        "--train", str(TRAIN_CSV), "--valid", str(VALID_CSV), "--test", str(VALID_CSV), "--out-json", str(out)
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert set(figures) == {"precision_at_5", "precision_at_10"}
    assert figures["precision_at_5"] >= 0.72
    assert figures["precision_at_10"] >= 0.62
    detail = json.loads(out.read_text(encoding="utf-8"))
    assert detail["precision_at_10"] == figures["precision_at_10"]
    assert "Critical Fraud" not in detail["features"]
