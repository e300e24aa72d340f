"""What the audit reads: the decision log, the outlet registry, the case outcomes, and the key for traces."""

from dataclasses import dataclass, field

from screening.compliance.case_outcomes import CaseOutcomes, no_case_outcomes
from screening.decisionlog.compaction import LogLayout
from screening.outlets import OutletRegistry
from screening.privacy import PersonalData
from screening.settings import Settings


@dataclass(frozen=True, slots=True)
class AuditSources:
    """The audit's inputs, built once per process (the app's lifespan, or a command)."""

    log: LogLayout
    outlets: OutletRegistry
    privacy: PersonalData
    cases: CaseOutcomes = field(default=no_case_outcomes)

    @classmethod
    def from_settings(cls, settings: Settings, *, cases: CaseOutcomes = no_case_outcomes) -> "AuditSources":
        """The sources under the settings' data dir (decisionlog/, outlets.csv)."""
        return cls(
            log=LogLayout(settings.data_dir / "decisionlog"),
            outlets=OutletRegistry(settings.data_dir / "outlets.csv"),
            privacy=PersonalData(hmac_key=settings.id_hmac_key, encryption_key=settings.id_encryption_key),
            cases=cases,
        )
