"""Reading and checking the policy file."""

import tomllib
from pathlib import Path

from pydantic import ValidationError

from screening.errors import ConfigurationError
from screening.policy.schemas import Policy


def load_policy(path: Path) -> Policy:
    """Read a policy file, refusing anything missing, misspelt or out of range."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"policy file {path}: {exc}") from exc
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"policy file {path}: {problems}") from exc
