"""Log in and out: a server-side session in an HttpOnly cookie, its CSRF token in the JSON answer."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from api.deps import SettingsDep
from api.jsonbody import JSONBodyRoute
from api.responses import ORJSONResponse, dump
from api.security import SESSION_COOKIE, DatabaseDep, current_session, require_role, set_session_cookie
from screening.people.schemas import Login, Person, SessionInfo
from screening.people.service import close_session, log_in

router = APIRouter(prefix="/v1/auth", tags=["auth"], route_class=JSONBodyRoute)

AnyPerson = Annotated[Person, Depends(require_role())]


@router.post("/login", response_model=SessionInfo)
async def login(body: Login, db: DatabaseDep, settings: SettingsDep) -> ORJSONResponse:
    """Check the password and start a session (401 for a wrong password or a locked account)."""
    opened = await log_in(db, username=body.username, password=body.password, now=datetime.now(UTC))
    if opened is None:
        raise HTTPException(status_code=401, detail="wrong username or password, or the account is locked")
    token, session = opened
    response = ORJSONResponse(dump(session))
    set_session_cookie(response, token, secure=not settings.development)
    return response


@router.post("/logout")
async def logout(request: Request, person: AnyPerson, db: DatabaseDep) -> ORJSONResponse:
    """End this session."""
    token = request.cookies[SESSION_COOKIE]
    await db.write(lambda s: close_session(s, token=token, now=datetime.now(UTC)))
    response = ORJSONResponse({"logged_out": person.username})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=SessionInfo)
async def me(person: AnyPerson, request: Request) -> ORJSONResponse:
    """Who is logged in, their roles and the session's CSRF token."""
    return ORJSONResponse(dump(current_session(request)))
