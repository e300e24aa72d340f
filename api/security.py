"""Who is calling and what they may do: the session cookie of a person, CSRF, the role each route needs."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from screening.db import Database
from screening.errors import Forbidden
from screening.people.roles import ANY_ROLE, Role, allowed
from screening.people.schemas import Person, SessionInfo
from screening.people.service import csrf_matches, resolve_session

SESSION_COOKIE = "screening_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_database(request: Request) -> Database:
    """The case and people database opened in the lifespan."""
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(get_database)]


def _unauthenticated(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Cookie"})


def require_role(*roles: Role) -> Callable[[Request, Database], Awaitable[Person]]:
    """A dependency: the logged-in person holding one of roles (any role when none are named).

    Unsafe methods also need the session's CSRF token in the X-CSRF-Token header.
    401 without a valid session, 403 with the wrong role or CSRF token.
    """
    needed: tuple[Role, ...] = roles or ANY_ROLE

    async def current_person(request: Request, db: DatabaseDep) -> Person:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise _unauthenticated("log in first")
        now = datetime.now(UTC)
        found = await db.read(lambda s: resolve_session(s, token=token, now=now))
        if found is None:
            raise _unauthenticated("the session is unknown or has expired; log in again")
        person, session = found
        if request.method in UNSAFE_METHODS and not csrf_matches(
            session.csrf_token, request.headers.get(CSRF_HEADER)
        ):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header")
        if not allowed(person.roles, needed):
            raise Forbidden(f"this needs one of the roles {', '.join(needed)}")
        request.state.session = session
        return person

    # Read by the route-table test (#8): every route declares the roles it needs.
    current_person.roles = needed  # type: ignore[attr-defined]
    return current_person


def current_session(request: Request) -> SessionInfo:
    """The session require_role resolved for this request (declare require_role first)."""
    session: SessionInfo = request.state.session
    return session
