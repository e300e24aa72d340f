"""Where ../shared (contract, rules, public data) lies: beside the repository, or SCREENING_SHARED_DIR."""

import os
from pathlib import Path

SHARED = Path(os.environ.get("SCREENING_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
