"""Liveness and readiness."""

from fastapi import APIRouter

from api.deps import EngineDep
from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse

router = APIRouter(tags=["health"], route_class=JSONBodyRoute)


@router.get("/healthz")
async def healthz() -> ORJSONResponse:
    """The process answers."""
    return ORJSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(engine: EngineDep) -> ORJSONResponse:
    """The service can decide: policy loaded, stores reachable."""
    checks = await engine.readiness()
    ready = all(checks.values())
    return ORJSONResponse(
        {
            "status": "ready" if ready else "degraded",
            "checks": checks,
            "policy_version": engine.policy.version,
        },
        status_code=200 if ready else 503,
    )
