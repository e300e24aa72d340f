"""Who is calling and what they may do: a person's session cookie and CSRF token, or a system's API key.

Every route declares what it needs with require_role (people, and the kinds of API key it accepts)
or require_key (systems only); both leave `roles` and `keys` on the dependency for the route-table test.
"""

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute

from screening.db import Database
from screening.errors import Forbidden, RateLimited, Unauthenticated
from screening.keys.service import KeyInfo, KeyKind, KeyRing, TokenBuckets
from screening.people.roles import ANY_ROLE, Role, allowed
from screening.people.schemas import Person, SessionInfo
from screening.people.service import SESSION_TTL, csrf_matches, resolve_session

SESSION_COOKIE = "screening_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def get_database(request: Request) -> Database:
    """The case and people database opened in the lifespan."""
    db: Database = request.app.state.db
    return db


DatabaseDep = Annotated[Database, Depends(get_database)]


def _unauthenticated(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Cookie"})


def bearer_token(request: Request) -> str | None:
    """The key of an `Authorization: Bearer …` header, None without the header (401 for another scheme)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <API key>'")
    return token.strip()


async def authenticate_key(request: Request, token: str, kinds: tuple[KeyKind, ...]) -> KeyInfo:
    """The live key behind a presented token, of one of these kinds, within its rate (401, 403, 429)."""
    ring: KeyRing = request.app.state.keys
    key = await ring.lookup(token)
    if key is None:
        raise Unauthenticated("the API key is unknown or has been revoked")
    if key.kind not in kinds:
        raise Forbidden(f"a {key.kind} key may not use this route")
    buckets: TokenBuckets = request.app.state.rate_limits
    wait_s = buckets.take(key.id, rate_per_s=key.rate_per_s)
    if wait_s > 0:
        raise RateLimited(
            f"key {key.prefix} is over its request rate; retry later", retry_after_s=max(1, math.ceil(wait_s))
        )
    request.state.api_key = key
    return key


def key_person(key: KeyInfo) -> Person:
    """A key as the principal of a request: its audit name and the roles of its kind."""
    return Person(id=-key.id, username=key.actor, roles=key.roles)


def require_role(
    *roles: Role, keys: tuple[KeyKind, ...] = ()
) -> Callable[[Request, Database], Awaitable[Person]]:
    """A dependency: the logged-in person holding one of roles (any role when none are named),
    or a system presenting an API key of one of the kinds in keys whose roles include one of roles.

    Unsafe methods from a session also need its CSRF token in the X-CSRF-Token header (a key is
    not sent by browsers on their own, so it needs none). 401 without valid credentials, 403 with
    the wrong role, key kind or CSRF token, 429 for a key over its rate.
    """
    needed: tuple[Role, ...] = roles or ANY_ROLE

    async def current_person(request: Request, db: DatabaseDep) -> Person:
        bearer = bearer_token(request)
        if bearer is not None:
            if not keys:
                raise Forbidden("API keys may not use this route; log in as a person")
            key = await authenticate_key(request, bearer, keys)
            if not allowed(key.roles, needed):
                raise Forbidden(f"a {key.kind} key does not hold one of the roles {', '.join(needed)}")
            return key_person(key)
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise _unauthenticated(
                "log in first, or send 'Authorization: Bearer <API key>'" if keys else "log in first"
            )
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

    # Read by the route-table test (#8): every route declares the roles and keys it accepts.
    current_person.roles = needed  # type: ignore[attr-defined]
    current_person.keys = keys  # type: ignore[attr-defined]
    return current_person


def require_key(
    *kinds: KeyKind, open_in_development: bool = False
) -> Callable[[Request], Awaitable[KeyInfo | None]]:
    """A dependency for system-only routes: an API key of one of these kinds.

    None when no key was sent and open_in_development holds in development mode (the start-up
    warning says so); 401 without a key otherwise.
    """

    async def current_key(request: Request) -> KeyInfo | None:
        bearer = bearer_token(request)
        if bearer is None:
            if open_in_development and request.app.state.settings.development:
                return None
            raise Unauthenticated(_KEY_NEEDED)
        return await authenticate_key(request, bearer, kinds)

    current_key.roles = ()  # type: ignore[attr-defined]
    current_key.keys = kinds  # type: ignore[attr-defined]
    current_key.open_in_development = open_in_development  # type: ignore[attr-defined]
    return current_key


_KEY_NEEDED = "this route needs an API key: send 'Authorization: Bearer <API key>'"


def key_checks(route: APIRoute) -> list[Any]:
    """The dependencies of a route, at any depth, that accept an API key (marked with the key kinds)."""
    found, stack = [], list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        if getattr(dependant.call, "keys", ()):
            found.append(dependant.call)
        stack.extend(dependant.dependencies)
    return found


def key_missing(request: Request) -> Unauthenticated | None:
    """The 401 a key-only route owes a request without a key, for a body judged before the key was."""
    # FastAPI parses a JSON body before it runs the route's dependencies: JSON that does not parse would
    # otherwise answer 422 to a caller who sent no key at all.
    route = request.scope.get("route")
    needs = [c for c in key_checks(route) if c.roles == ()] if isinstance(route, APIRoute) else []
    if not needs:
        return None
    try:
        if bearer_token(request) is not None:
            return None  # a key was sent: whether it is good is for the dependency, after the body
    except Unauthenticated as wrong_scheme:
        return wrong_scheme
    if (
        all(getattr(c, "open_in_development", False) for c in needs)
        and request.app.state.settings.development
    ):
        return None
    return Unauthenticated(_KEY_NEEDED)


def current_session(request: Request) -> SessionInfo:
    """The session require_role resolved for this request (declare require_role first)."""
    session: SessionInfo = request.state.session
    return session


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    """The session cookie of a login: HttpOnly, SameSite=Lax, as long-lived as the session."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
