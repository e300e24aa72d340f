"""POST /v1/inspections: an inspection's result comes back as a label and, for a violation, history."""

from typing import Annotated

from fastapi import APIRouter, Depends

from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse, dump
from api.routers.cases import CasesDep
from api.security import require_role
from screening.cases.schemas import InspectionOutcome
from screening.contract import Inspection
from screening.keys.service import CUSTOMS_SYSTEMS
from screening.people.roles import REPORT_INSPECTIONS
from screening.people.schemas import Person

router = APIRouter(prefix="/v1", tags=["cases"], route_class=JSONBodyRoute)


@router.post("/inspections", response_model=InspectionOutcome)
async def report_inspection(
    body: Inspection,
    person: Annotated[Person, Depends(require_role(*REPORT_INSPECTIONS, keys=CUSTOMS_SYSTEMS))],
    desk: CasesDep,
) -> ORJSONResponse:
    """Record a clear (negative label) or a violation (positive label, the entities' violations counted)."""
    return ORJSONResponse(dump(await desk.inspection(inspection=body, actor=person.username)))
