"""The customs officers' pages: the queue, one case, its actions and notes, bulk action on a ring."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from api.pages.labels import Lang, label
from api.pages.layout import language, page_role, render
from api.pages.parcel_graph import COLUMNS, build_graph, graph_svg
from api.routers.cases import CaseIdPath, CasesDep, ClusterIdPath
from screening.cases.schemas import (
    STATUSES,
    Action,
    CaseDetail,
    CaseQuery,
    CaseStatus,
    NoteText,
    ViolationType,
)
from screening.errors import Conflict, InvalidInput, NotFound
from screening.parcel import BEIJING
from screening.people.roles import ACT_ON_CASES, BULK_ACT, READ_CASES
from screening.people.schemas import Person

Reader = Annotated[Person, Depends(page_role(*READ_CASES))]
Actor = Annotated[Person, Depends(page_role(*ACT_ON_CASES))]
BulkActor = Annotated[Person, Depends(page_role(*BULK_ACT))]
ACTIONS: tuple[Action, ...] = ("assign", "request_info", "release", "seize", "return", "refer_to_police")
LINKED_CASES_READ = 12


def _blank_is_none(value: Any) -> Any:
    # Spaces alone are blank too: a form's optional note or type of spaces is no note, not an error.
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)


class QueueForm(BaseModel):
    """The queue's filter form as the browser sends it: empty fields mean no filter."""

    model_config = ConfigDict(extra="ignore")

    status: Annotated[CaseStatus | None, Blank] = None
    lane: Annotated[Literal["domestic", "export", "import"] | None, Blank] = None
    reason: Annotated[str | None, Blank] = None
    carrier: Annotated[str | None, Blank] = None
    outlet: Annotated[str | None, Blank] = None
    day: Annotated[date | None, Blank] = None
    cluster_id: Annotated[str | None, Blank] = None
    sort: Literal["priority", "age", "newest"] = "priority"
    page: int = 1

    def case_query(self) -> CaseQuery:
        """The desk's query (ValidationError for a malformed reason code, carrier or ring)."""
        opened: dict[str, datetime] = {}
        if self.day is not None:
            start = datetime.combine(self.day, time(), tzinfo=BEIJING)
            opened = {"opened_from": start, "opened_to": start + timedelta(days=1)}
        return CaseQuery(
            status=[self.status] if self.status else None,
            lane=self.lane,
            reason=self.reason.strip().upper() if self.reason else None,
            carrier=self.carrier.strip().upper() if self.carrier else None,
            outlet=self.outlet,
            cluster_id=self.cluster_id,
            sort=self.sort,
            page=self.page,
            **opened,
        )

    def link(self, **changes: Any) -> str:
        """The queue URL with these filters, changed."""
        values = self.model_dump(mode="json") | changes
        return "/cases?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})


router = APIRouter(include_in_schema=False)


def fields_of(exc: ValidationError) -> list[str]:
    """The fields a validation error names, each once, in order (never what was typed)."""
    return list(dict.fromkeys(str(e["loc"][0]) for e in exc.errors(include_input=False) if e["loc"]))


@router.get("/cases", response_class=HTMLResponse)
async def queue_page(
    request: Request, form: Annotated[QueueForm, Query()], person: Reader, desk: CasesDep
) -> HTMLResponse:
    """The queue: filters, sort, counts per status, overdue cases highlighted."""
    try:
        query = form.case_query()
    except ValidationError as exc:
        context = {"form": form, "page": None, "bad_filter": True, "bad_fields": fields_of(exc)}
        return render(request, "queue.html", context, status_code=422)
    page = await desk.queue(query)
    return render(
        request, "queue.html", {"form": form, "page": page, "statuses": STATUSES, "actions": ACTIONS}
    )


async def _detail_context(desk: CasesDep, case: CaseDetail, lang: Lang) -> dict[str, Any]:
    linked: list[dict[str, Any] | str] = []
    for parcel in case.linked:
        if parcel.case_id is not None and len(linked) < LINKED_CASES_READ:
            try:
                linked.append((await desk.get(parcel.case_id)).waybill)
                continue
            except NotFound:
                pass
        linked.append(parcel.waybill_no)
    headings = {c: label(c, lang) for c in COLUMNS}
    headings["title"] = label("parcel_graph", lang)
    return {
        "case": case,
        "graph": graph_svg(build_graph(case.waybill, linked), headings=headings),
        "actions": ACTIONS,
        "closed": case.closed_at is not None,
    }


async def _panel(
    request: Request, desk: CasesDep, case_id: str, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    case = await desk.get(case_id)
    context = await _detail_context(desk, case, language(request))
    return render(request, "case_panel.html", context | extra, status_code=status_code)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: CaseIdPath, person: Reader, desk: CasesDep) -> HTMLResponse:
    """One case: waybill, reasons and evidence, linked parcels and their graph, prior cases, audit trail."""
    case = await desk.get(case_id)
    return render(request, "case.html", await _detail_context(desk, case, language(request)))


@router.post("/cases/{case_id}/actions", response_class=HTMLResponse)
async def act(
    request: Request,
    case_id: CaseIdPath,
    action: Annotated[Action, Form()],
    person: Actor,
    desk: CasesDep,
    note: Annotated[NoteText | None, Form(), Blank] = None,
    violation_type: Annotated[ViolationType | None, Form(), Blank] = None,
) -> HTMLResponse:
    """Act on the case and show its panel again (a closed case says so, 409)."""
    try:
        await desk.act(
            case_id=case_id, action=action, actor=person.username, note=note, violation_type=violation_type
        )
    except Conflict:
        return await _panel(request, desk, case_id, status_code=409, problem="closed_case")
    return await _panel(request, desk, case_id)


@router.post("/cases/{case_id}/notes", response_class=HTMLResponse)
async def add_note(
    request: Request,
    case_id: CaseIdPath,
    person: Actor,
    desk: CasesDep,
    text: Annotated[NoteText | None, Form(), Blank] = None,
) -> HTMLResponse:
    """Add a note and show the panel again (a note without text: the panel says so, 422)."""
    if text is None:
        if request.headers.get("hx-request") == "true":
            # The page swaps the answer into the case panel: the panel again, saying why.
            return await _panel(request, desk, case_id, status_code=422, problem="note_empty")
        raise InvalidInput([{"loc": ["body", "text"], "msg": "a note needs some text", "type": "missing"}])
    await desk.note(case_id=case_id, author=person.username, text=text)
    return await _panel(request, desk, case_id)


@router.post("/cases/clusters/{cluster_id}/actions", response_class=HTMLResponse)
async def act_on_ring(
    request: Request,
    cluster_id: ClusterIdPath,
    action: Annotated[Action, Form()],
    person: BulkActor,
    desk: CasesDep,
    note: Annotated[NoteText | None, Form(), Blank] = None,
    violation_type: Annotated[ViolationType | None, Form(), Blank] = None,
    case_id: Annotated[str | None, Form(pattern=r"^CASE-[A-Z]{2,8}-[A-Za-z0-9-]{8,32}$"), Blank] = None,
) -> HTMLResponse:
    """One action on every open case of a ring: from a case page its panel again, else the result."""
    result = await desk.bulk(
        cluster_id=cluster_id, action=action, actor=person.username, note=note, violation_type=violation_type
    )
    if case_id is not None:
        return await _panel(request, desk, case_id, bulk=result)
    return render(request, "bulk_result.html", {"bulk": result})
