"""The loaded model at serving time: a fast single-row predict, and contributions only when asked."""

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import xgboost as xgb

from models.compiled import CompiledTrees, NotCompilable


class RowModel(Protocol):
    """What scoring needs of a model: one probability per row, and per-feature contributions on demand."""

    def predict(self, row: Sequence[float]) -> float:
        """Probability of a violation for one feature vector."""
        ...

    def contributions(self, row: Sequence[float]) -> list[float]:
        """Each feature's contribution to the margin (log-odds), then the bias: they sum to the margin."""
        ...


class BoosterModel:
    """An xgboost booster behind RowModel; predict runs the trees compiled to Python when it can."""

    def __init__(self, booster: xgb.Booster, *, compiled: bool = True) -> None:
        booster.set_param({"nthread": 1})
        self.booster = booster
        self.feature_names = tuple(booster.feature_names or ())
        self.compiled: CompiledTrees | None = None
        if compiled:
            try:
                self.compiled = CompiledTrees(booster)
            except NotCompilable:
                # Correct either way: the booster's own predict is only slower (~150 µs a row).
                self.compiled = None

    @classmethod
    def load(cls, path: Path) -> "BoosterModel":
        """Load a native model file (model.ubj or .json)."""
        booster = xgb.Booster()
        booster.load_model(str(path))
        return cls(booster)

    def predict(self, row: Sequence[float]) -> float:
        """The compiled trees (~10 µs), else inplace_predict on a 1×n array."""
        if self.compiled is not None:
            return self.compiled.predict(row)
        x = np.asarray(row, dtype=np.float32).reshape(1, -1)
        return float(self.booster.inplace_predict(x)[0])

    def margin(self, row: Sequence[float]) -> float:
        """The raw log-odds of one row."""
        x = np.asarray(row, dtype=np.float32).reshape(1, -1)
        return float(self.booster.inplace_predict(x, predict_type="margin")[0])

    def contributions(self, row: Sequence[float]) -> list[float]:
        """Approximate (Saabas) contributions: far cheaper than exact SHAP, enough to name the factors."""
        x = np.asarray(row, dtype=np.float32).reshape(1, -1)
        matrix = xgb.DMatrix(x, feature_names=list(self.feature_names) or None, nthread=1)
        values = self.booster.predict(matrix, pred_contribs=True, approx_contribs=True)
        return [float(v) for v in values[0]]
