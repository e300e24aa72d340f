"""POST /v1/bench/echo: the same validated Waybill body, a tiny answer; the yardstick of the benchmarks.

Mounted only when SCREENING_BENCH_ECHO=true: production never exposes it.
"""

from fastapi import APIRouter

from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse
from screening.contract import Waybill

router = APIRouter(prefix="/v1/bench", tags=["benchmark"], include_in_schema=False, route_class=JSONBodyRoute)


@router.post("/echo")
async def echo(waybill: Waybill) -> ORJSONResponse:
    """Validate the waybill as /v1/score does and answer without deciding."""
    return ORJSONResponse({"waybill_no": waybill.waybill_no, "decision": "release"})
