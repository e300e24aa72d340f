"""ModelScorer: the engine's Scorer on a registry model (features defined once in features/vector.py)."""

from collections.abc import Sequence
from pathlib import Path

from features.vector import FEATURE_NAMES, FeatureSet
from models.registry import MODEL_FILE, Registry
from models.scorer import BoosterModel, RowModel
from screening.errors import ConfigurationError
from screening.modelling.facts import request_facts
from screening.parcel import Parcel
from screening.policy.history import EntityView


class ModelScorer:
    """Scores a parcel from its request facts and its entities' windows; explains only when asked."""

    def __init__(self, *, model: RowModel, features: FeatureSet, version: str) -> None:
        self.model = model
        self.features = features
        self.version = version
        self._last: tuple[Parcel, Sequence[EntityView] | None, list[float]] | None = None

    @classmethod
    def load(cls, registry: Registry, version: str) -> "ModelScorer":
        """A registered version; refused when it was trained on other features than this code defines."""
        names, params = registry.feature_spec(version)
        if names != FEATURE_NAMES:
            raise ConfigurationError(
                f"model {version} was trained on other features than features/vector.py defines; retrain it"
            )
        model = BoosterModel.load(registry.folder(version) / MODEL_FILE)
        return cls(model=model, features=FeatureSet(band=float(params.get("band", 0.9))), version=version)

    @classmethod
    def load_production(cls, root: Path) -> "ModelScorer | None":
        """The version the registry's production alias names, or None when there is none."""
        registry = Registry(root)
        version = registry.production()
        return cls.load(registry, version) if version is not None else None

    def vector(self, parcel: Parcel, views: Sequence[EntityView] | None) -> list[float]:
        """The feature vector of a parcel (the last is kept: explain follows score for the same parcel)."""
        last = self._last
        if last is not None and last[0] is parcel and last[1] is views:
            return last[2]
        values = self.features.online(request_facts(parcel), views)
        self._last = (parcel, views, values)
        return values

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        """Probability of a violation; request-only features (history NaN) when views is None."""
        return self.model.predict(self.vector(parcel, views))

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        """The features that raised this parcel's score most (log-odds contributions), largest first."""
        contributions = self.model.contributions(self.vector(parcel, views))
        named = sorted(
            ((name, value) for name, value in zip(FEATURE_NAMES, contributions, strict=False) if value > 0),
            key=lambda nv: nv[1],
            reverse=True,
        )
        return tuple(named[:top])
