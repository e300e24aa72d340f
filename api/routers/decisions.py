"""GET /v1/decisions/{carrier}/{waybill_no}: read back the latest decision for a parcel."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from api.deps import EngineDep
from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse, dump
from api.security import require_key
from screening.contract import Decision
from screening.keys.service import DECISION_READERS, KeyInfo, ensure_own_carrier

router = APIRouter(prefix="/v1", tags=["scoring"], route_class=JSONBodyRoute)

ReaderKey = Annotated[KeyInfo | None, Depends(require_key(*DECISION_READERS, open_in_development=True))]


@router.get("/decisions/{carrier}/{waybill_no}", response_model=Decision)
async def read_decision(
    carrier: Annotated[str, Path(pattern=r"^[A-Z]{2,8}$")],
    waybill_no: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{8,32}$")],
    key: ReaderKey,
    engine: EngineDep,
) -> ORJSONResponse:
    """The latest decision for the parcel (404 when it was never scored; 403 for another carrier's key).

    Customs reads any carrier's parcels.
    """
    ensure_own_carrier(key, carrier)
    return ORJSONResponse(dump(await engine.recall(carrier=carrier, waybill_no=waybill_no)))
