"""The model registry: a folder per version under <data_dir>/models/, and a `production` alias file."""

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_FILE = "model.ubj"
FEATURES_FILE = "features.json"
THRESHOLDS_FILE = "thresholds.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "MODEL_CARD.md"
ALIAS = "production"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class UnknownVersion(LookupError):
    """No model of that version in the registry."""


@dataclass(frozen=True, slots=True)
class ModelArtifact:
    """Everything a trained version is made of."""

    version: str
    model: bytes
    feature_names: tuple[str, ...]
    feature_params: Mapping[str, Any]
    thresholds: Mapping[str, Any]
    metrics: Mapping[str, Any]
    card: str
    plots: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One registered version as `screening models list` shows it."""

    version: str
    created: str
    production: bool
    thresholds: Mapping[str, Any]
    headline: Mapping[str, Any]


class Registry:
    """Versions in folders; writes go to a temporary folder first, the alias is replaced atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, version: str) -> Path:
        """The folder of a version (which may not exist)."""
        if not _VERSION.match(version):
            raise UnknownVersion(f"not a model version: {version!r}")
        return self.root / version

    def save(self, artifact: ModelArtifact) -> Path:
        """Write a new version; an existing version is never overwritten."""
        target = self.folder(artifact.version)
        if target.exists():
            raise FileExistsError(f"model version {artifact.version} already exists in {self.root}")
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{artifact.version}-", dir=self.root))
        try:
            (staging / MODEL_FILE).write_bytes(artifact.model)
            _write_json(
                staging / FEATURES_FILE,
                {"names": list(artifact.feature_names), "params": dict(artifact.feature_params)},
            )
            _write_json(staging / THRESHOLDS_FILE, dict(artifact.thresholds))
            _write_json(staging / METRICS_FILE, dict(artifact.metrics))
            (staging / CARD_FILE).write_text(artifact.card, encoding="utf-8")
            for name, png in artifact.plots.items():
                (staging / name).write_bytes(png)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    def versions(self) -> list[ModelInfo]:
        """Every registered version, oldest first."""
        if not self.root.exists():
            return []
        production = self.production()
        out = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not (folder / MODEL_FILE).exists():
                continue
            metrics = _read_json(folder / METRICS_FILE)
            out.append(
                ModelInfo(
                    version=folder.name,
                    created=str(metrics.get("created", "")),
                    production=folder.name == production,
                    thresholds=_read_json(folder / THRESHOLDS_FILE),
                    headline=metrics.get("headline", {}),
                )
            )
        out.sort(key=lambda m: (m.created, m.version))
        return out

    def production(self) -> str | None:
        """The version the production alias names, if any."""
        alias = self.root / ALIAS
        if not alias.exists():
            return None
        version = alias.read_text(encoding="utf-8").strip()
        return version or None

    def promote(self, version: str) -> None:
        """Point the production alias at a version (atomic replace: readers see the old or the new)."""
        folder = self.folder(version)
        if not (folder / MODEL_FILE).exists():
            raise UnknownVersion(f"no model version {version} in {self.root}")
        handle, tmp = tempfile.mkstemp(prefix=".production-", dir=self.root)
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(version + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / ALIAS)

    def feature_spec(self, version: str) -> tuple[tuple[str, ...], dict[str, Any]]:
        """The feature names and parameters a version was trained with."""
        spec = _read_json(self.folder(version) / FEATURES_FILE)
        return tuple(spec["names"]), dict(spec.get("params", {}))

    def thresholds(self, version: str) -> dict[str, Any]:
        """The thresholds a version proposes."""
        return _read_json(self.folder(version) / THRESHOLDS_FILE)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _read_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, dict) else {}
