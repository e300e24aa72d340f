"""Cases as the API and pages see them, the requests that act on them, and what a hold writes."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

CaseStatus = Literal[
    "open", "in_review", "info_requested", "released", "seized", "returned", "referred_to_police"
]
ACTIVE: tuple[CaseStatus, ...] = ("open", "in_review", "info_requested")
CLOSED: tuple[CaseStatus, ...] = ("released", "seized", "returned", "referred_to_police")
STATUSES: tuple[CaseStatus, ...] = ACTIVE + CLOSED
# Outcomes that confirm a violation: the entities' history counts them, training sees a positive label.
VIOLATION_STATUSES: tuple[CaseStatus, ...] = ("seized", "returned", "referred_to_police")

Action = Literal["assign", "request_info", "release", "seize", "return", "refer_to_police"]
STATUS_AFTER: dict[str, CaseStatus] = {
    "request_info": "info_requested",
    "release": "released",
    "seize": "seized",
    "return": "returned",
    "refer_to_police": "referred_to_police",
}

CaseId = Annotated[str, StringConstraints(pattern=r"^CASE-[A-Z]{2,8}-[A-Za-z0-9-]{8,32}$")]
ClusterId = Annotated[str, StringConstraints(pattern=r"^RING-[A-Z]{2,8}-[A-Za-z0-9-]{8,32}$")]
NoteText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ViolationType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class SealedId(BaseModel):
    """An identity number in its three case-row forms: HMAC entity key, display mask, ciphertext."""

    model_config = ConfigDict(frozen=True)

    key: str | None
    masked: str
    cipher: str


class CaseDraft(BaseModel):
    """Everything a hold writes into its case row, already masked and encrypted (also the outbox record)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    carrier: str
    waybill_no: str
    lane: str
    channel: str
    outlet_id: str
    accepted_at: AwareDatetime
    scored_at: AwareDatetime
    risk_score: float
    reason_codes: tuple[str, ...]
    hold_reasons: int
    decision_digest: str
    decision: dict[str, Any]
    waybill: dict[str, Any]
    linked_waybills: tuple[str, ...]
    entities: dict[str, str]
    sender_id: SealedId | None
    receiver_id: SealedId | None


class NotHeldNote(BaseModel):
    """A held parcel's corrected body decided without a hold, for its case's trail (also an outbox record)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["not_held"]
    case_id: str
    scored_at: AwareDatetime
    decision: str
    reason_codes: tuple[str, ...]
    # The corrected body's entities (as a case keeps them) and pickup: a finding on the parcel is theirs.
    entities: dict[str, str] = {}
    accepted_at: AwareDatetime | None = None


class CaseSummary(BaseModel):
    """One line of the queue."""

    case_id: str
    carrier: str
    waybill_no: str
    status: CaseStatus
    assignee: str | None
    priority: float
    risk_score: float
    reason_codes: list[str]
    lane: str
    channel: str
    outlet_id: str
    cluster_id: str | None
    opened_at: datetime
    sla_due_at: datetime
    overdue: bool
    closed_at: datetime | None


class CaseQuery(BaseModel):
    """Filters, order and page of the queue."""

    model_config = ConfigDict(extra="forbid")

    status: list[CaseStatus] | None = None
    lane: Literal["domestic", "export", "import"] | None = None
    reason: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")] | None = None
    carrier: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,8}$")] | None = None
    outlet: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    opened_from: AwareDatetime | None = None
    opened_to: AwareDatetime | None = None
    assignee: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    unassigned: bool = False
    overdue: bool | None = None
    cluster_id: ClusterId | None = None
    sort: Literal["priority", "age", "newest"] = "priority"
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    per_page: Annotated[int, Field(ge=1, le=200)] = 50

    @field_validator("opened_to", mode="after")
    @classmethod
    def _not_before_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        # An empty page would hide the mistyped bound: the officer is told which one.
        first = info.data.get("opened_from")
        if value is not None and first is not None and value < first:
            raise PydanticCustomError("period_order", "opened_to is before opened_from")
        return value


class CasePage(BaseModel):
    """A page of the queue, with the count of cases per status under the same filters."""

    items: list[CaseSummary]
    total: int
    page: int
    per_page: int
    counts: dict[str, int]


class Note(BaseModel):
    """An officer's note."""

    id: int
    author: str
    at: datetime
    text: str


class Attachment(BaseModel):
    """Attachment metadata."""

    id: int
    kind: str
    reference: str
    sha256: str
    added_by: str
    added_at: datetime


class LinkedParcel(BaseModel):
    """A waybill linked to the case by its reasons, and its own case when it has one."""

    waybill_no: str
    case_id: str | None
    status: CaseStatus | None


class PriorCase(BaseModel):
    """Another case of one of this parcel's entities."""

    case_id: str
    status: CaseStatus
    opened_at: datetime
    shared: list[str]  # entity kinds in common, as seen from this case (sender_id, receiver_phone, …)


class AuditRecord(BaseModel):
    """One entry of the audit trail."""

    seq: int
    at: datetime
    actor: str
    action: str
    case_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


class CaseDetail(CaseSummary):
    """One case with everything an officer reads before acting."""

    accepted_at: datetime
    decision: dict[str, Any]
    waybill: dict[str, Any]
    sender_id_masked: str | None
    receiver_id_masked: str | None
    violation_type: str | None
    linked: list[LinkedParcel]
    prior_cases: list[PriorCase]
    notes: list[Note]
    attachments: list[Attachment]
    history: list[AuditRecord]


class ActionRequest(BaseModel):
    """An action on one case (or every open case of a cluster)."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    note: NoteText | None = None
    violation_type: ViolationType | None = None


class NoteRequest(BaseModel):
    """A note to add."""

    model_config = ConfigDict(extra="forbid")

    text: NoteText


class AttachmentRequest(BaseModel):
    """Attachment metadata to add; the file itself stays where reference points."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["xray", "photo", "document", "other"]
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class BulkResult(BaseModel):
    """What a bulk action on a cluster did: the cases it acted on and those already closed."""

    cluster_id: str
    action: Action
    acted: list[str]
    skipped: list[str]


class Unmasked(BaseModel):
    """Plain identity numbers of a case, for an audited unmasking."""

    case_id: str
    sender_id_number: str | None
    receiver_id_number: str | None


class InspectionOutcome(BaseModel):
    """What an inspection report did."""

    carrier: str
    waybill_no: str
    label: int
    case_id: str | None
    entities: int


class AuditVerdict(BaseModel):
    """The result of verifying the audit trail: entries checked and the first bad one, if any."""

    entries: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when the chain is intact."""
        return self.problem is None
