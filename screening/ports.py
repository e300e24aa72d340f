"""What the engine hands its decisions to, and what scores parcels: small interfaces the engine depends on."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from screening.contract import Decision
from screening.decisionlog.reader import LoggedScoring
from screening.entities import ParcelEntities
from screening.parcel import Parcel
from screening.policy.history import EntityView


@dataclass(frozen=True, slots=True)
class ModelScore:
    """A model's probability of a violation and, when asked, the features that drove it."""

    score: float
    top_factors: tuple[tuple[str, float], ...] = ()


class Scorer(Protocol):
    """The ML model at serving time."""

    version: str

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        """Probability of a violation; views is None when history was unavailable."""
        ...

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        """The top contributing features of this parcel's score, largest first."""
        ...


class CaseSink(Protocol):
    """Where holds become cases for customs officers."""

    async def open_case(
        self, *, decision: Decision, parcel: Parcel, entities: ParcelEntities
    ) -> tuple[str, str | None]:
        """Open (or find) the parcel's case, durably, before the hold is answered; the case id and its
        status after the hold (None while not known: an officer may have closed it already)."""
        ...

    async def case_status(self, case_id: str) -> str | None:
        """The case's current status, None when unknown."""
        ...

    async def held_decision(self, case_id: str) -> Decision | None:
        """The hold the case keeps, with its case id and current status; None when unknown."""
        ...

    async def note_not_held(
        self, *, case_id: str, decision: Decision, entities: ParcelEntities, accepted_at: datetime
    ) -> None:
        """Record on the case that a corrected body of its parcel was decided without a hold, and that the
        parcel's entities and pickup are now the corrected body's."""
        ...


class DecisionSink(Protocol):
    """The decision log: every scored waybill, appended durably."""

    def append(
        self,
        *,
        decision: Decision,
        parcel: Parcel,
        entities: ParcelEntities,
        replaces_day: date | None = None,
    ) -> None:
        """Append one decision (group-committed by the log); replaces_day: see log_record."""
        ...

    def last_scoring(self, *, carrier: str, waybill_no: str, start: date, end: date) -> LoggedScoring | None:
        """The latest scoring of one parcel accepted on days start..end, if logged (blocking: a scan)."""
        ...

    def close(self) -> None:
        """Commit everything appended so far and stop."""
        ...
