"""/v1/cases: the customs officers' queue, one case, actions, notes, attachments, unmasking, rings."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse, dump
from api.security import require_role
from screening.cases.desk import CaseDesk
from screening.cases.schemas import (
    ActionRequest,
    Attachment,
    AttachmentRequest,
    AuditVerdict,
    BulkResult,
    CaseDetail,
    CasePage,
    CaseQuery,
    CaseSummary,
    Note,
    NoteRequest,
    Unmasked,
)
from screening.keys.service import CUSTOMS_SYSTEMS
from screening.people.roles import ACT_ON_CASES, BULK_ACT, READ_AUDIT, READ_CASES, UNMASK_ID
from screening.people.schemas import Person


async def get_case_desk(request: Request) -> CaseDesk:
    """The case desk built in the lifespan."""
    desk: CaseDesk = request.app.state.cases
    return desk


CasesDep = Annotated[CaseDesk, Depends(get_case_desk)]
CaseIdPath = Annotated[str, Path(pattern=r"^CASE-[A-Z]{2,8}-[A-Za-z0-9-]{8,32}$")]
ClusterIdPath = Annotated[str, Path(pattern=r"^RING-[A-Z]{2,8}-[A-Za-z0-9-]{8,32}$")]
# A customs system's key reads and works cases like an officer; unmasking and bulk actions stay with people.
Reader = Annotated[Person, Depends(require_role(*READ_CASES, keys=CUSTOMS_SYSTEMS))]
Actor = Annotated[Person, Depends(require_role(*ACT_ON_CASES, keys=CUSTOMS_SYSTEMS))]

router = APIRouter(prefix="/v1/cases", tags=["cases"], route_class=JSONBodyRoute)


@router.get("", response_model=CasePage)
async def list_cases(query: Annotated[CaseQuery, Query()], person: Reader, desk: CasesDep) -> ORJSONResponse:
    """The queue: filters, sort by priority or age, paging, counts per status (assignee=me for mine)."""
    if query.assignee == "me":
        query = query.model_copy(update={"assignee": person.username})
    return ORJSONResponse(dump(await desk.queue(query)))


@router.get("/audit/verify", response_model=AuditVerdict)
async def verify_audit(
    person: Annotated[Person, Depends(require_role(*READ_AUDIT))], desk: CasesDep
) -> ORJSONResponse:
    """Walk the hash-chained audit trail; names the first edited, missing or cut-off entry."""
    return ORJSONResponse(dump(await desk.verify_audit()))


@router.get("/{case_id}", response_model=CaseDetail)
async def read_case(case_id: CaseIdPath, person: Reader, desk: CasesDep) -> ORJSONResponse:
    """One case: snapshot, linked parcels, other cases of its entities, notes, attachments, history."""
    return ORJSONResponse(dump(await desk.get(case_id)))


@router.post("/{case_id}/actions", response_model=CaseSummary)
async def act(case_id: CaseIdPath, body: ActionRequest, person: Actor, desk: CasesDep) -> ORJSONResponse:
    """Assign to me, request information, release, seize, return or refer to police (409 once closed)."""
    case = await desk.act(
        case_id=case_id,
        action=body.action,
        actor=person.username,
        note=body.note,
        violation_type=body.violation_type,
    )
    return ORJSONResponse(dump(case))


@router.post("/{case_id}/notes", response_model=Note)
async def add_note(case_id: CaseIdPath, body: NoteRequest, person: Actor, desk: CasesDep) -> ORJSONResponse:
    """Add a note."""
    return ORJSONResponse(dump(await desk.note(case_id=case_id, author=person.username, text=body.text)))


@router.post("/{case_id}/attachments", response_model=Attachment)
async def add_attachment(
    case_id: CaseIdPath, body: AttachmentRequest, person: Actor, desk: CasesDep
) -> ORJSONResponse:
    """Record an X-ray image, photo or document kept elsewhere: kind, reference, SHA-256."""
    return ORJSONResponse(dump(await desk.attach(case_id=case_id, actor=person.username, attachment=body)))


@router.post("/{case_id}/unmask", response_model=Unmasked)
async def unmask(
    case_id: CaseIdPath, person: Annotated[Person, Depends(require_role(*UNMASK_ID))], desk: CasesDep
) -> ORJSONResponse:
    """The plain identity numbers of a case (supervisors and investigators; written to the audit trail)."""
    return ORJSONResponse(dump(await desk.unmask(case_id=case_id, actor=person.username)))


@router.post("/clusters/{cluster_id}/actions", response_model=BulkResult)
async def act_on_cluster(
    cluster_id: ClusterIdPath,
    body: ActionRequest,
    person: Annotated[Person, Depends(require_role(*BULK_ACT))],
    desk: CasesDep,
) -> ORJSONResponse:
    """One action on every open case of an ant-moving ring; closed ones are listed as skipped."""
    result = await desk.bulk(
        cluster_id=cluster_id,
        action=body.action,
        actor=person.username,
        note=body.note,
        violation_type=body.violation_type,
    )
    return ORJSONResponse(dump(result))
