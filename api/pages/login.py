"""/login and /logout for people in a browser: the same session cookie as /v1/auth/login."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SettingsDep
from api.pages.layout import page_role, render, safe_next
from api.security import SESSION_COOKIE, DatabaseDep, set_session_cookie
from screening.people.roles import READ_AUDIT, READ_CASES, TRACE, allowed
from screening.people.schemas import Person
from screening.people.service import close_session, log_in

router = APIRouter(include_in_schema=False)
AnyPerson = Annotated[Person, Depends(page_role())]


def home_for(roles: tuple[str, ...]) -> str:
    """The first page a person's roles open: the queue, the dashboard or the trace search."""
    for needed, path in ((READ_CASES, "/cases"), (READ_AUDIT, "/audit"), (TRACE, "/trace")):
        if allowed(roles, needed):
            return path
    return "/cases"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The login form."""
    return render(request, "login.html", {"next": safe_next(next), "failed": False})


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password, set the session cookie and go on (the form again, 401, when refused)."""
    opened = await log_in(db, username=username, password=password, now=datetime.now(UTC))
    if opened is None:
        context = {"next": safe_next(next), "failed": True, "username": username}
        return render(request, "login.html", context, status_code=401)
    token, session = opened
    target = safe_next(next)
    response = RedirectResponse(home_for(session.roles) if target == "/" else target, status_code=303)
    set_session_cookie(response, token, secure=not settings.development)
    return response


@router.post("/logout")
async def logout(
    request: Request, person: Annotated[Person, Depends(page_role())], db: DatabaseDep
) -> Response:
    """End this session and go back to the login page."""
    token = request.cookies[SESSION_COOKIE]
    await db.write(lambda s: close_session(s, token=token, now=datetime.now(UTC)))
    response = Response(status_code=200, headers={"HX-Redirect": "/login"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
async def home(person: AnyPerson) -> RedirectResponse:
    """The first page of the logged-in person's roles."""
    return RedirectResponse(home_for(person.roles), status_code=303)
