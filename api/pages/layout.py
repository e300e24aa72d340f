"""What every page shares: templates, the language, page auth (login redirect, 403 page), error pages."""

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.pages.labels import LANGS, Lang, label
from api.security import DatabaseDep, require_role
from screening.compliance.charts import rate_text
from screening.errors import Forbidden
from screening.parcel import BEIJING
from screening.people.roles import ACT_ON_CASES, BULK_ACT, READ_AUDIT, READ_CASES, TRACE, Role, allowed
from screening.people.schemas import Person, SessionInfo

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
LANG_COOKIE = "lang"
ONE_YEAR_S = 365 * 24 * 3600
# What templates may ask with may(...): the role tuples of screening.people.roles, by a short name.
NEEDS = {
    "read_cases": READ_CASES,
    "act_on_cases": ACT_ON_CASES,
    "bulk_act": BULK_ACT,
    "read_audit": READ_AUDIT,
    "trace": TRACE,
}


def language(request: Request) -> Lang:
    """The page language: ?lang= first, then the lang cookie, Chinese by default."""
    for given in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if given in LANGS:
            return "en" if given == "en" else "zh"
    return "zh"


def beijing_time(value: datetime | str | None) -> str:
    """A timestamp as Beijing wall time to the minute (the officers' clock)."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def percent(value: float | None) -> str:
    """A rate 0..1 as a percentage, a dash when there is none."""
    return "—" if value is None else rate_text(value)


TEMPLATES.env.filters["beijing"] = beijing_time
TEMPLATES.env.filters["percent"] = percent


def switch_url(request: Request, lang: Lang) -> str:
    """This page's URL in the other language."""
    other = "en" if lang == "zh" else "zh"
    query = {k: v for k, v in request.query_params.multi_items() if k != "lang"}
    params = "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
    return f"{request.url.path}?{params + '&' if params else ''}lang={other}"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page or fragment in the request's language, with the person, roles and CSRF token when logged in."""
    lang = language(request)
    session: SessionInfo | None = getattr(request.state, "session", None)
    roles = session.roles if session else ()
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": lambda key: label(key, lang),
            "session": session,
            "csrf_token": session.csrf_token if session else "",
            "may": lambda need: allowed(roles, NEEDS[need]),
            "switch_url": switch_url(request, lang),
            **(context or {}),
        },
        status_code=status_code,
        headers=headers,
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR_S, samesite="lax", path="/")
    return response


class LoginNeeded(Exception):
    """A page was asked for without a valid session: the browser goes to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageForbidden(Exception):
    """A logged-in person lacks the role, or an unsafe request lacks the CSRF token: a 403 page."""


def safe_next(target: str | None) -> str:
    """A local path to return to after login; anything else (another host, a scheme) becomes /."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _return_to(request: Request) -> str:
    if request.method == "GET":
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{request.url.path}{query}"
    current = request.headers.get("HX-Current-URL", "")
    path = current.split("://", 1)[-1]
    return safe_next(path[path.find("/") :] if "/" in path else "/")


def page_role(*roles: Role) -> Callable[[Request, DatabaseDep], Awaitable[Person]]:
    """require_role for pages: no session sends the browser to /login?next=…, a refusal is a 403 page."""
    check = require_role(*roles)

    async def page_person(request: Request, db: DatabaseDep) -> Person:
        try:
            return await check(request, db)
        except HTTPException as exc:
            if exc.status_code == 401:
                raise LoginNeeded(_return_to(request)) from exc
            raise
        except Forbidden as exc:
            raise PageForbidden(str(exc)) from exc

    # The route-table test reads the roles of every route's dependencies.
    page_person.roles = check.roles  # type: ignore[attr-defined]
    return page_person


async def login_needed(request: Request, exc: Exception) -> Response:
    """To the login page, then back; an htmx request is told to load it as a whole page."""
    assert isinstance(exc, LoginNeeded)
    target = f"/login?next={quote(safe_next(exc.next_url), safe='')}"
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def page_forbidden(request: Request, exc: Exception) -> HTMLResponse:
    """The 403 page."""
    return render(request, "forbidden.html", status_code=403)
