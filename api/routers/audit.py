"""Postal-bureau audit: compliance metrics, offending waybills, report downloads and trace search."""

from contextlib import suppress
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse
from api.security import require_role
from screening.compliance import service
from screening.compliance.offending import Check
from screening.compliance.periods import Period
from screening.compliance.schemas import PeriodQuery, TraceQuery
from screening.compliance.service import MAX_OFFSET
from screening.compliance.sources import AuditSources
from screening.errors import InvalidInput
from screening.people.roles import READ_AUDIT, TRACE

AuditorDep = Depends(require_role(*READ_AUDIT))
InvestigatorDep = Depends(require_role(*TRACE))


async def get_audit_sources(request: Request) -> AuditSources:
    """The audit's sources, built in the lifespan."""
    sources: AuditSources = request.app.state.audit
    return sources


async def get_period(query: Annotated[PeriodQuery, Query()]) -> Period:
    """The period asked for; without one, the last complete week (what the Friday report covers)."""
    return query.period()


def _report_label(value: str) -> str:
    # Either form here, so that a label of neither is named beside the other bad parameters; whether it
    # is the kind's own form is the handler's to say.
    for make in (Period.week, Period.month):
        with suppress(InvalidInput):
            make(value)
            return value
    raise PydanticCustomError("period_label", "not a report label like 2026-W47 or 2026-11")


async def get_filters(
    carrier: Annotated[str | None, Query(pattern=r"^[A-Z]{2,8}$")] = None,
    province: str | None = None,
    city: str | None = None,
    district: str | None = None,
    outlet_id: str | None = None,
) -> service.Filters:
    """Carrier and region filters."""
    return service.Filters(
        carrier=carrier, province=province, city=city, district=district, outlet_id=outlet_id
    )


SourcesDep = Annotated[AuditSources, Depends(get_audit_sources)]
PeriodDep = Annotated[Period, Depends(get_period)]
FiltersDep = Annotated[service.Filters, Depends(get_filters)]


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"content-disposition": f'attachment; filename="{filename}"'}
    )


router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=JSONBodyRoute)


@router.get("/metrics", dependencies=[AuditorDep])
def metrics(
    sources: SourcesDep,
    period: PeriodDep,
    filters: FiltersDep,
    by: service.Grouping = "carrier",
) -> ORJSONResponse:
    """Compliance rates of the period against the one before, in total and per group."""
    return ORJSONResponse(service.metrics(sources, period=period, by=by, filters=filters))


@router.get("/dashboard", dependencies=[AuditorDep])
def dashboard(
    sources: SourcesDep,
    period: PeriodDep,
    filters: FiltersDep,
    worst: Annotated[int, Query(ge=1, le=500)] = 20,
) -> ORJSONResponse:
    """Totals, carriers, provinces, the worst outlets and the daily trend, from one pass over the log."""
    return ORJSONResponse(service.dashboard(sources, period=period, filters=filters, worst=worst))


@router.get("/offending", dependencies=[AuditorDep])
def offending(
    sources: SourcesDep,
    period: PeriodDep,
    filters: FiltersDep,
    check: Check | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ORJSONResponse:
    """Offending waybills of the period (masked identities), a page at a time."""
    return ORJSONResponse(
        service.offending(sources, period=period, filters=filters, check=check, limit=limit, offset=offset)
    )


@router.get("/reports/{kind}/{label}", dependencies=[AuditorDep])
def report(
    sources: SourcesDep,
    kind: Literal["weekly", "monthly"],
    label: Annotated[str, AfterValidator(_report_label)],
    fmt: Annotated[service.ReportFormat, Query(alias="format")] = "xlsx",
    table: service.ReportTable = "outlets",
) -> Response:
    """Download the weekly (2026-W47) or monthly (2026-11) report as XLSX, HTML or one CSV table."""
    at = ("path", "label")
    period = Period.week(label, loc=at) if kind == "weekly" else Period.month(label, loc=at)
    return _download(*service.report_file(sources, period=period, fmt=fmt, table=table))


@router.post("/trace", dependencies=[InvestigatorDep])
def trace(sources: SourcesDep, query: TraceQuery) -> ORJSONResponse:
    """Every logged parcel of a waybill, phone, ID, address, account or IP in the period, with case ids."""
    found = service.trace_search(sources, query)
    return ORJSONResponse({"count": found.height, "rows": found.to_dicts()})


@router.post(
    "/trace/export",
    dependencies=[InvestigatorDep],
    responses={200: {"content": {"text/csv": {}}, "description": "the rows as CSV"}},
    response_class=Response,
)
def trace_export(sources: SourcesDep, query: TraceQuery) -> Response:
    """The same search as a CSV download."""
    return _download(*service.trace_csv(sources, query))
