"""Micro-benchmark of the model's CPU cost per waybill: single-row predict, and contributions when asked.

    .venv/bin/python -m models.bench [--model data/models/<version>/model.ubj] [--calls 5000]

Without --model it reads the registry's production alias under SCREENING_DATA_DIR (default ./data).
"""

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from models.registry import MODEL_FILE, Registry
from models.scorer import BoosterModel


def timings_us(call: Callable[[Sequence[float]], object], rows: np.ndarray, calls: int) -> list[float]:
    """Microseconds of each call, one row at a time, after a warm-up."""
    lists = [r.tolist() for r in rows]
    for r in lists[:100]:
        call(r)
    out = []
    for i in range(calls):
        row = lists[i % len(lists)]
        began = time.perf_counter_ns()
        call(row)
        out.append((time.perf_counter_ns() - began) / 1000)
    return out


def production_model(data_dir: Path) -> Path:
    """The production model file of the registry in a data dir."""
    registry = Registry(Path(os.environ.get("SCREENING_MODEL_DIR") or data_dir / "models"))
    version = registry.production()
    if version is None:
        raise SystemExit(f"no production model in {registry.root}: train one (screening train --promote)")
    return registry.folder(version) / MODEL_FILE


def main() -> None:
    """Print median and p99 microseconds per call as JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, help="native model file (model.ubj)")
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    path = args.model or production_model(Path(os.environ.get("SCREENING_DATA_DIR", "data")))
    model = BoosterModel.load(path)
    width = len(model.feature_names) or int(model.booster.num_features())
    rng = np.random.default_rng(0)
    # Feature values: counts and amounts, a tenth missing (as for parcels without some entities).
    rows = np.abs(rng.lognormal(0.0, 1.5, size=(1000, width)))
    rows[rng.random(rows.shape) < 0.1] = np.nan
    predict = timings_us(model.predict, rows, args.calls)
    contributions = timings_us(model.contributions, rows, max(500, args.calls // 10))
    print(
        json.dumps(
            {
                "model": str(path),
                "features": width,
                "trees": model.booster.num_boosted_rounds(),
                "predict_us_median": round(statistics.median(predict), 1),
                "predict_us_p99": round(float(np.percentile(predict, 99)), 1),
                "contributions_us_median": round(statistics.median(contributions), 1),
                "contributions_us_p99": round(float(np.percentile(contributions, 99)), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
