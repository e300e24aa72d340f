"""Admin endpoints: the agreement-customer registry."""

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from api.deps import AgreementsDep, EngineDep
from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse, dump
from api.security import require_role
from screening.agreements import Agreement, parse_agreements_csv
from screening.errors import InvalidInput
from screening.keys.service import ADMIN_SYSTEMS
from screening.people.roles import ADMINISTER
from screening.watchlists import ListEntry, Violation, parse_list_csv


async def read_text(request: Request) -> str:
    """A UTF-8 request body (a byte-order mark is allowed); anything else is a 422."""
    try:
        return (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.field((), f"body is not UTF-8 text: {exc.reason}", "unicode_error") from exc


# A person with the admin role (session + CSRF) or an admin key (scripts, `screening lists load`).
class Upserted(BaseModel):
    """How many agreements were added or replaced."""

    upserted: int


class Updated(BaseModel):
    """How many list entries were applied."""

    updated: int


class Recorded(BaseModel):
    """How many violations were recorded."""

    recorded: int


router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    dependencies=[Depends(require_role(*ADMINISTER, keys=ADMIN_SYSTEMS))],
    route_class=JSONBodyRoute,
)


@router.put("/agreements", response_model=Upserted)
async def upsert_agreements(agreements: list[Agreement], registry: AgreementsDep) -> ORJSONResponse:
    """Add or replace agreement customers (JSON)."""
    count = await registry.put(agreements)
    return ORJSONResponse({"upserted": count})


@router.post("/agreements/csv", response_model=Upserted)
async def upload_agreements_csv(request: Request, registry: AgreementsDep) -> ORJSONResponse:
    """Add or replace agreement customers from a CSV body (text/csv)."""
    text = await read_text(request)
    count = await registry.put(parse_agreements_csv(text))
    return ORJSONResponse({"upserted": count})


@router.get("/agreements", response_model=list[Agreement])
async def list_agreements(registry: AgreementsDep) -> ORJSONResponse:
    """Every agreement customer."""
    return ORJSONResponse([dump(a) for a in await registry.listing()])


@router.put("/lists", response_model=Updated)
async def set_listed(entries: list[ListEntry], engine: EngineDep) -> ORJSONResponse:
    """Put identifiers on the watch or black list, or take them off (listed: false)."""
    return ORJSONResponse({"updated": await engine.set_listed(entries)})


@router.post("/lists/csv", response_model=Updated)
async def load_lists_csv(request: Request, engine: EngineDep) -> ORJSONResponse:
    """Load list entries from a CSV body (list,kind,value,id_type,country,province,city,district,detail)."""
    text = await read_text(request)
    return ORJSONResponse({"updated": await engine.set_listed(parse_list_csv(text))})


@router.post("/violations", response_model=Recorded)
async def record_violations(violations: list[Violation], engine: EngineDep) -> ORJSONResponse:
    """Record confirmed violations of identifiers (the case workflow does this on its own)."""
    return ORJSONResponse({"recorded": await engine.record_violations(violations)})
