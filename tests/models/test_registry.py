"""The registry: a folder per version, listing, and a production alias replaced atomically."""

import json
from pathlib import Path

import pytest

from models.registry import ALIAS, ModelArtifact, Registry, UnknownVersion


def artifact(version: str, created: str) -> ModelArtifact:
    """A minimal version."""
    return ModelArtifact(
        version=version,
        model=b"{model bytes}",
        feature_names=("a", "b"),
        feature_params={"band": 0.9},
        thresholds={"budget": 0.05, "inspect_threshold": 0.2, "hold_threshold": 0.7},
        metrics={"created": created, "headline": {"pr_auc": 0.5}},
        card="# card\n",
        plots={"pr_curve.png": b"\x89PNG"},
    )


def test_a_saved_version_has_every_file(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "models")
    folder = registry.save(artifact("v1", "2026-11-01T00:00:00"))
    assert sorted(p.name for p in folder.iterdir()) == [
        "MODEL_CARD.md",
        "features.json",
        "metrics.json",
        "model.ubj",
        "pr_curve.png",
        "thresholds.json",
    ]
    assert registry.feature_spec("v1") == (("a", "b"), {"band": 0.9})
    assert json.loads((folder / "thresholds.json").read_text())["hold_threshold"] == 0.7


def test_list_and_promote(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "models")
    assert registry.versions() == [] and registry.production() is None
    registry.save(artifact("v2", "2026-11-02T00:00:00"))
    registry.save(artifact("v1", "2026-11-01T00:00:00"))
    registry.promote("v2")
    listed = registry.versions()
    assert [(m.version, m.production) for m in listed] == [("v1", False), ("v2", True)]
    registry.promote("v1")
    assert registry.production() == "v1"
    assert (tmp_path / "models" / ALIAS).read_text() == "v1\n"
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")], (
        "no temporary files left"
    )


def test_an_unknown_version_is_refused_and_the_alias_is_kept(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "models")
    registry.save(artifact("v1", "2026-11-01T00:00:00"))
    registry.promote("v1")
    with pytest.raises(UnknownVersion):
        registry.promote("v9")
    with pytest.raises(UnknownVersion):
        registry.promote("../etc")
    assert registry.production() == "v1"


def test_a_version_is_never_overwritten(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "models")
    registry.save(artifact("v1", "2026-11-01T00:00:00"))
    with pytest.raises(FileExistsError):
        registry.save(artifact("v1", "2026-11-03T00:00:00"))
    assert registry.versions()[0].created == "2026-11-01T00:00:00"
