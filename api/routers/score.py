"""POST /v1/score and /v1/score/batch: waybills in, decisions out."""

from fastapi import APIRouter

from api.deps import EngineDep
from api.responses import ORJSONResponse, dump
from screening.contract import BatchRequest, BatchResponse, Decision, Waybill

router = APIRouter(prefix="/v1", tags=["scoring"])


@router.post("/score", response_model=Decision)
async def score(waybill: Waybill, engine: EngineDep) -> ORJSONResponse:
    """Decide one waybill; a hold opens a case before the answer leaves."""
    return ORJSONResponse(dump(await engine.decide(waybill)))


@router.post("/score/batch", response_model=BatchResponse)
async def score_batch(batch: BatchRequest, engine: EngineDep) -> ORJSONResponse:
    """Decide waybills in request order; an invalid one fails alone in its slot."""
    decisions = await engine.decide_batch(batch.waybills)
    return ORJSONResponse({"decisions": [dump(d) for d in decisions]})
