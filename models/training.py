"""Training the xgboost model: deterministic (seed, threads, hist method), early-stopped on a later period."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import xgboost as xgb


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """Hyper-parameters; the same config, data and thread count give the same model bytes."""

    seed: int = 7
    nthread: int = 2
    rounds: int = 600
    early_stopping: int = 50
    max_depth: int = 6
    eta: float = 0.06
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 2.0
    reg_lambda: float = 2.0

    def params(self) -> dict[str, Any]:
        """xgboost parameters."""
        return {
            "objective": "binary:logistic",
            "eval_metric": "aucpr",
            "tree_method": "hist",
            "seed": self.seed,
            "nthread": self.nthread,
            "max_depth": self.max_depth,
            "eta": self.eta,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "lambda": self.reg_lambda,
        }

    def as_dict(self) -> dict[str, Any]:
        """The config as plain values (for the model card and metrics.json)."""
        return asdict(self)


def fit(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_valid: np.ndarray,
    y_valid: np.ndarray,
    *,
    feature_names: Sequence[str],
    config: TrainingConfig,
) -> xgb.Booster:
    """A booster trained on the earlier period and stopped where the later one stops improving."""
    names = list(feature_names)
    train = xgb.DMatrix(x_train, label=y_train, feature_names=names, nthread=config.nthread)
    valid = xgb.DMatrix(x_valid, label=y_valid, feature_names=names, nthread=config.nthread)
    booster = xgb.train(
        config.params(),
        train,
        num_boost_round=config.rounds,
        evals=[(valid, "valid")],
        early_stopping_rounds=config.early_stopping if len(y_valid) and y_valid.any() else None,
        verbose_eval=False,
    )
    best = getattr(booster, "best_iteration", None)
    return booster[: best + 1] if best is not None else booster


def model_bytes(booster: xgb.Booster) -> bytes:
    """The model in xgboost's native binary (UBJSON) format."""
    return bytes(booster.save_raw(raw_format="ubj"))


def predict(booster: xgb.Booster, x: np.ndarray, *, nthread: int = 2) -> np.ndarray:
    """Probabilities for many rows at once (training and evaluation, not serving)."""
    booster.set_param({"nthread": nthread})
    return np.asarray(booster.inplace_predict(x), dtype=np.float64)
