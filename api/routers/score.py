"""POST /v1/score and /v1/score/batch: waybills in, decisions out."""

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import EngineDep
from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse, dump
from api.security import require_key
from screening.contract import BatchRequest, BatchResponse, Decision, Waybill
from screening.keys.service import COURIER_SYSTEMS, KeyInfo, ensure_own_carrier

router = APIRouter(prefix="/v1", tags=["scoring"], route_class=JSONBodyRoute)

# A carrier's key; development mode also takes no key (the start-up warning says so).
CourierKey = Annotated[KeyInfo | None, Depends(require_key(*COURIER_SYSTEMS, open_in_development=True))]


@router.post("/score", response_model=Decision)
async def score(waybill: Waybill, key: CourierKey, engine: EngineDep) -> ORJSONResponse:
    """Decide one waybill; a hold opens a case before the answer leaves."""
    ensure_own_carrier(key, waybill.carrier)
    return ORJSONResponse(dump(await engine.decide(waybill)))


@router.post("/score/batch", response_model=BatchResponse)
async def score_batch(batch: BatchRequest, key: CourierKey, engine: EngineDep) -> ORJSONResponse:
    """Decide waybills in request order; an invalid one, or another carrier's, fails alone in its slot."""
    decisions = await engine.decide_batch(batch.waybills, carrier=key.scope if key else None)
    return ORJSONResponse({"decisions": [dump(d) for d in decisions]})
