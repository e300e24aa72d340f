"""The serving model: single-row predict equals batch predict; contributions sum to the margin."""

from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from models.scorer import BoosterModel
from models.training import TrainingConfig, fit, model_bytes, predict


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[BoosterModel, np.ndarray]:
    """A small model saved and loaded back from its native file."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2000, 8))
    x[rng.random(x.shape) < 0.1] = np.nan
    y = (np.nan_to_num(x[:, 0]) - np.nan_to_num(x[:, 3]) > 1.0).astype(float)
    booster = fit(
        x[:1500],
        y[:1500],
        x[1500:],
        y[1500:],
        feature_names=[f"f{i}" for i in range(8)],
        config=TrainingConfig(rounds=40),
    )
    path = tmp_path_factory.mktemp("model") / "model.ubj"
    path.write_bytes(model_bytes(booster))
    return BoosterModel.load(path), x[1500:1600]


def test_single_row_predict_equals_batch_predict(model: tuple[BoosterModel, np.ndarray]) -> None:
    loaded, rows = model
    batch = predict(loaded.booster, rows)
    single = np.array([loaded.predict(r.tolist()) for r in rows])
    np.testing.assert_allclose(single, batch, rtol=0, atol=1e-7)


def test_contributions_sum_to_the_margin(model: tuple[BoosterModel, np.ndarray]) -> None:
    loaded, rows = model
    for r in rows[:20]:
        contributions = loaded.contributions(r.tolist())
        assert len(contributions) == 9  # eight features and the bias
        assert sum(contributions) == pytest.approx(loaded.margin(r.tolist()), abs=1e-4)


def test_the_probability_is_the_logistic_of_the_margin(model: tuple[BoosterModel, np.ndarray]) -> None:
    loaded, rows = model
    margin = loaded.margin(rows[0].tolist())
    assert loaded.predict(rows[0].tolist()) == pytest.approx(1 / (1 + np.exp(-margin)), abs=1e-6)
    assert isinstance(loaded.booster, xgb.Booster) and loaded.feature_names[0] == "f0"


def test_a_missing_file_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(xgb.core.XGBoostError):
        BoosterModel.load(tmp_path / "absent.ubj")
