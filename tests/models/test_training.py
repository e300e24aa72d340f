"""Training is reproducible bit for bit from its seed, and early stopping keeps the best round."""

import numpy as np
import pytest

from models.training import TrainingConfig, fit, model_bytes, predict


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """A learnable problem with missing values, like history features without history."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 12))
    x[rng.random(x.shape) < 0.05] = np.nan
    y = ((np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 1]) + rng.normal(0, 0.7, 3000)) > 1.8).astype(
        float
    )
    return x, y


def _train(data: tuple[np.ndarray, np.ndarray], **changes: object) -> bytes:
    x, y = data
    config = TrainingConfig(rounds=60, early_stopping=10, **changes)  # type: ignore[arg-type]
    booster = fit(
        x[:2000], y[:2000], x[2000:], y[2000:], feature_names=[f"f{i}" for i in range(12)], config=config
    )
    return model_bytes(booster)


def test_the_same_seed_gives_the_same_model_bytes(data: tuple[np.ndarray, np.ndarray]) -> None:
    assert _train(data, seed=3) == _train(data, seed=3)


def test_another_seed_gives_another_model(data: tuple[np.ndarray, np.ndarray]) -> None:
    assert _train(data, seed=3) != _train(data, seed=4)


def test_the_model_learns_the_signal(data: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = data
    config = TrainingConfig(rounds=60, early_stopping=10)
    booster = fit(
        x[:2000], y[:2000], x[2000:], y[2000:], feature_names=[f"f{i}" for i in range(12)], config=config
    )
    scores = predict(booster, x[2000:])
    assert scores[y[2000:] == 1].mean() > 3 * scores[y[2000:] == 0].mean()
    assert booster.num_boosted_rounds() <= 60
