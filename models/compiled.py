"""An xgboost booster compiled to one Python function: single-row predict without xgboost's call overhead.

The trees become nested conditional expressions in generated source, compiled once at load. Inputs are
rounded to float32 first and thresholds are float32 values, so every row takes xgboost's path; a missing
value (NaN) takes the node's default branch, as in xgboost.

Hand-written because treelite/tl2cgen compile to C and need a C toolchain where the service starts, and
xgboost's own C API still costs some 100 µs a call from Python; generated Python needs neither.
"""

import json
import math
from array import array
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import xgboost as xgb

__all__ = ["CompiledTrees", "NotCompilable"]


class NotCompilable(ValueError):
    """The booster uses something this compiler does not translate (categorical splits, several outputs)."""


def _f32(value: float) -> float:
    return float(np.float32(value))


def _tree_source(tree: dict[str, Any]) -> str:
    left, right = tree["left_children"], tree["right_children"]
    feature, value = tree["split_indices"], tree["split_conditions"]
    default_left = tree["default_left"]
    split_type = tree.get("split_type") or [0] * len(left)

    def node(i: int) -> str:
        if left[i] == -1:
            return repr(_f32(value[i]))
        if split_type[i] != 0:
            raise NotCompilable("categorical splits are not compiled")
        threshold = repr(_f32(value[i]))
        go_left, go_right = node(left[i]), node(right[i])
        # NaN compares false both ways: the comparison is written so that false means the default branch.
        if default_left[i]:
            return f"({go_right} if x[{feature[i]}] >= {threshold} else {go_left})"
        return f"({go_left} if x[{feature[i]}] < {threshold} else {go_right})"

    return node(0)


class CompiledTrees:
    """Probability of one row by generated Python code; equal to the booster's predict within float32."""

    def __init__(self, booster: xgb.Booster) -> None:
        model = json.loads(booster.save_raw(raw_format="json"))
        learner = model["learner"]
        if learner["objective"]["name"] != "binary:logistic":
            raise NotCompilable(f"objective {learner['objective']['name']} is not compiled")
        params = learner["learner_model_param"]
        if int(params.get("num_target", "1")) != 1 or int(params.get("num_class", "0")) > 1:
            raise NotCompilable("only one output is compiled")
        gbm = learner["gradient_booster"]
        if gbm["name"] != "gbtree":
            raise NotCompilable(f"booster {gbm['name']} is not compiled")
        base = _f32(float(params["base_score"].strip("[]")))
        self.base_margin = math.log(base / (1 - base))
        self.width = int(params["num_feature"])
        trees = gbm["model"]["trees"]
        # Parenthesised sums nest one level per tree: fine for the parser at hundreds of trees.
        body = " + ".join(_tree_source(t) for t in trees) or "0.0"
        source = f"def margin(x):\n    return {self.base_margin!r} + {body}\n"
        namespace: dict[str, Any] = {}
        exec(compile(source, "<compiled trees>", "exec"), namespace)
        self._margin: Callable[[Sequence[float]], float] = namespace["margin"]
        self.trees = len(trees)

    def margin(self, row: Sequence[float]) -> float:
        """Raw log-odds of one row."""
        if len(row) != self.width:
            raise ValueError(f"expected {self.width} features, got {len(row)}")
        return self._margin(array("f", row))

    def predict(self, row: Sequence[float]) -> float:
        """Probability of one row."""
        m = self.margin(row)
        # Either form of the logistic, whichever cannot overflow.
        if m >= 0:
            return 1.0 / (1.0 + math.exp(-m))
        e = math.exp(m)
        return e / (1.0 + e)
