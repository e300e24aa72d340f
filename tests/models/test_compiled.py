"""The compiled trees score every row as xgboost does (to 1e-5), missing values included."""

import json

import numpy as np
import pytest
import xgboost as xgb

from models.compiled import CompiledTrees, NotCompilable
from models.scorer import BoosterModel
from models.training import TrainingConfig, fit


@pytest.fixture(scope="module")
def booster() -> xgb.Booster:
    """A depth-6 model on 12 features with a fifth of the values missing, some features integer-valued."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3000, 12))
    x[:, 5:8] = rng.integers(0, 4, size=(3000, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = ((np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 5]) - np.isnan(x[:, 2])) > 1.0).astype(float)
    return fit(
        x[:2400],
        y[:2400],
        x[2400:],
        y[2400:],
        feature_names=[f"f{i}" for i in range(12)],
        config=TrainingConfig(rounds=80),
    )


def test_scores_equal_xgboost_on_random_and_boundary_rows(booster: xgb.Booster) -> None:
    rng = np.random.default_rng(4)
    rows = rng.normal(size=(2000, 12))
    rows[:, 5:8] = rng.integers(0, 4, size=(2000, 3))
    rows[rng.random(rows.shape) < 0.3] = np.nan
    # Rows sitting exactly on split thresholds: the comparison must go the way xgboost's does.
    thresholds = [c for t in booster.get_dump(dump_format="json") for c in _thresholds(t)]
    edge = rows[:200].copy()
    for i, (feature, value) in enumerate(thresholds[:200]):
        edge[i, feature] = value
    rows = np.vstack([rows, edge]).astype(np.float32)
    expected = booster.inplace_predict(rows)
    compiled = CompiledTrees(booster)
    got = np.array([compiled.predict(r.tolist()) for r in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert compiled.trees == booster.num_boosted_rounds()


def test_the_serving_model_predicts_with_the_compiled_trees(booster: xgb.Booster) -> None:
    served = BoosterModel(booster.copy())
    plain = BoosterModel(booster.copy(), compiled=False)
    row = [0.3, float("nan"), -1.2, 0.0, 2.0, 1.0, 3.0, float("nan"), 0.1, 0.2, -0.5, 9.0]
    assert served.compiled is not None and plain.compiled is None
    assert served.predict(row) == pytest.approx(plain.predict(row), abs=1e-5)


def test_a_row_of_the_wrong_width_is_refused(booster: xgb.Booster) -> None:
    with pytest.raises(ValueError, match="expected 12 features"):
        CompiledTrees(booster).predict([0.0] * 11)


def test_other_objectives_are_not_compiled() -> None:
    x = np.random.default_rng(5).normal(size=(200, 3))
    regression = xgb.train({"objective": "reg:squarederror"}, xgb.DMatrix(x, label=x[:, 0]), 3)
    with pytest.raises(NotCompilable):
        CompiledTrees(regression)
    assert BoosterModel(regression).compiled is None


def _thresholds(dump: str) -> list[tuple[int, float]]:
    out: list[tuple[int, float]] = []
    stack = [json.loads(dump)]
    while stack:
        node = stack.pop()
        if "split" in node:
            out.append((int(node["split"][1:]), float(node["split_condition"])))
            stack.extend(node["children"])
    return out
