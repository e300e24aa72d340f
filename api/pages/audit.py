"""The postal-bureau auditors' pages (dashboard, offending waybills) and the investigators' trace search."""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from api.pages.cases import Blank
from api.pages.labels import Lang, label
from api.pages.layout import language, page_role, render
from api.routers.audit import SourcesDep
from screening.compliance import charts, service
from screening.compliance.offending import Check
from screening.compliance.periods import Period
from screening.compliance.schemas import TraceQuery
from screening.compliance.service import MAX_OFFSET
from screening.contract import IdType
from screening.errors import InvalidInput
from screening.parcel import BEIJING
from screening.people.roles import READ_AUDIT, TRACE
from screening.people.schemas import Person

Auditor = Annotated[Person, Depends(page_role(*READ_AUDIT))]
Investigator = Annotated[Person, Depends(page_role(*TRACE))]
PER_PAGE = 50

router = APIRouter(include_in_schema=False)


class AuditForm(BaseModel):
    """The dashboard's and drill-down's filters as the browser sends them."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["week", "month"] = "week"
    label: Annotated[str | None, Blank] = None
    carrier: Annotated[str | None, Blank] = None
    province: Annotated[str | None, Blank] = None
    outlet_id: Annotated[str | None, Blank] = None
    check: Annotated[Check | None, Blank] = None
    # Any page past the last is empty; one whose offset polars cannot take is bad input.
    page: Annotated[int, Field(le=MAX_OFFSET // PER_PAGE)] = 1

    def period(self) -> Period:
        """The period asked for; the last complete week or month when none is given."""
        if self.kind == "month":
            return Period.month(self.label) if self.label else Period.last_complete_month()
        return Period.week(self.label) if self.label else Period.last_complete_week()

    def filters(self) -> service.Filters:
        """Carrier and region filters."""
        carrier = self.carrier.strip().upper() if self.carrier else None
        return service.Filters(carrier=carrier, province=self.province, outlet_id=self.outlet_id)

    def link(self, path: str, **changes: Any) -> str:
        """A URL under path with these filters, changed."""
        values = self.model_dump(mode="json") | changes
        return path + "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _charts(board: dict[str, Any], lang: Lang) -> dict[str, str]:
    days = [str(d["day"])[5:] for d in board["daily"]]
    rates = ("realname_rate", "inspection_rate", "xray_rate")
    trend = charts.line_chart(
        days,
        {label(r, lang): [d[r] for d in board["daily"]] for r in rates},
        title=label("daily_trend", lang),
    )
    worst = board["worst_outlets"][:10]
    bars = charts.bar_chart(
        [f"{o['outlet_id']} {o['outlet_name'] or ''}".strip() for o in worst],
        [o["non_compliance_rate"] for o in worst],
        title=f"{label('worst_outlets', lang)} · {label('non_compliance_rate', lang)}",
    )
    return {"trend": trend, "worst": bars}


@router.get("/audit", response_class=HTMLResponse)
async def dashboard_page(
    request: Request, form: Annotated[AuditForm, Query()], person: Auditor, sources: SourcesDep
) -> HTMLResponse:
    """The dashboard: totals against the period before, carriers, regions, the worst outlets, the trend."""
    try:
        period = form.period()
    except InvalidInput:
        refused: dict[str, Any] = {"form": form, "board": None, "bad_fields": ["period"]}
        return render(request, "dashboard.html", refused, status_code=422)
    board = await anyio.to_thread.run_sync(
        lambda: service.dashboard(sources, period=period, filters=form.filters())
    )
    context = {"form": form, "board": board, "period": period, "charts": _charts(board, language(request))}
    return render(request, "dashboard.html", context)


@router.get("/audit/offending", response_class=HTMLResponse)
async def offending_page(
    request: Request, form: Annotated[AuditForm, Query()], person: Auditor, sources: SourcesDep
) -> HTMLResponse:
    """The offending waybills of the period, a page at a time; each opens to its details."""
    try:
        period = form.period()
    except InvalidInput:
        refused: dict[str, Any] = {"form": form, "found": None, "bad_fields": ["period"]}
        return render(request, "offending.html", refused, status_code=422)
    offset = (max(form.page, 1) - 1) * PER_PAGE
    found = await anyio.to_thread.run_sync(
        lambda: service.offending(
            sources, period=period, filters=form.filters(), check=form.check, limit=PER_PAGE, offset=offset
        )
    )
    context = {"form": form, "found": found, "period": period, "per_page": PER_PAGE}
    return render(request, "offending.html", context)


TraceField = Annotated[str | None, Form(max_length=200), Blank]


async def trace_query(
    # Text, read as days by TraceQuery: a form's lax date would take 1763424000 as seconds since 1970.
    start: Annotated[str, Form(alias="from", max_length=32)],
    end: Annotated[str, Form(alias="to", max_length=32)],
    waybill_no: TraceField = None,
    phone: TraceField = None,
    country: Annotated[str, Form(max_length=2)] = "CN",
    id_type: Annotated[IdType | None, Form(), Blank] = None,
    id_number: Annotated[SecretStr | None, Form(max_length=64), Blank] = None,
    account: TraceField = None,
    ip: TraceField = None,
    address_country: Annotated[str, Form(max_length=2)] = "CN",
    province: TraceField = None,
    city: TraceField = None,
    district: TraceField = None,
    detail: TraceField = None,
) -> TraceQuery | str:
    """The trace form as a TraceQuery, or why it is not one (never quoting what was typed)."""
    address = None
    if detail:
        address = {
            "country": address_country,
            "province": province,
            "city": city,
            "district": district,
            "detail": detail,
        }
    try:
        return TraceQuery.model_validate(
            {
                "from": start,
                "to": end,
                "waybill_no": waybill_no,
                "phone": phone,
                "country": country or "CN",
                "id_type": id_type,
                "id_number": id_number,
                "address": address,
                "account": account,
                "ip": ip,
            }
        )
    except ValidationError as exc:
        # Each problem with the field it is about, by the form's own names (from, to, phone…).
        return "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" if e["loc"] else str(e["msg"])
            for e in exc.errors(include_input=False)
        )


def _unkeyable(exc: InvalidInput) -> str:
    """An identifier that cannot be keyed (a phone that is no number), named as the form's other problems."""
    return "; ".join(f"{d['loc'][-1]}: {d['msg']}" for d in exc.detail)


TraceForm = Annotated[TraceQuery | str, Depends(trace_query)]


def _default_span() -> dict[str, str]:
    today = datetime.now(BEIJING).date()
    return {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}


@router.get("/trace", response_class=HTMLResponse)
async def trace_page(request: Request, person: Investigator) -> HTMLResponse:
    """The trace form."""
    return render(request, "trace.html", {"span": _default_span(), "id_types": get_args(IdType)})


@router.post("/trace", response_class=HTMLResponse)
async def trace_search(
    request: Request, person: Investigator, query: TraceForm, sources: SourcesDep
) -> HTMLResponse:
    """Parcels of one identifier with links to their cases (the ID number is never shown back)."""
    if isinstance(query, str):
        return render(request, "trace_results.html", {"problem": query, "rows": None}, status_code=422)
    try:
        found = await anyio.to_thread.run_sync(lambda: service.trace_search(sources, query))
    except InvalidInput as exc:
        context = {"problem": _unkeyable(exc), "rows": None}
        return render(request, "trace_results.html", context, status_code=422)
    return render(request, "trace_results.html", {"problem": None, "rows": found.to_dicts(), "query": query})


@router.post("/trace/export")
async def trace_export(person: Investigator, query: TraceForm, sources: SourcesDep) -> Response:
    """The same search as a CSV download."""
    if isinstance(query, str):
        return Response(query, status_code=422, media_type="text/plain; charset=utf-8")
    try:
        content, media_type, filename = await anyio.to_thread.run_sync(
            lambda: service.trace_csv(sources, query)
        )
    except InvalidInput as exc:
        return Response(_unkeyable(exc), status_code=422, media_type="text/plain; charset=utf-8")
    disposition = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers={"content-disposition": disposition})
