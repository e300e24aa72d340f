"""The one place where the service's errors become HTTP answers."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.jsonbody import BodyRefused
from api.responses import ORJSONResponse
from api.security import key_missing
from screening.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    ScreeningError,
    Unauthenticated,
    Unavailable,
)

_STATUS: tuple[tuple[type[ScreeningError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (RateLimited, 429),
    (Unavailable, 503),
    (ConfigurationError, 500),
)


def clean_detail(errors: Any) -> list[dict[str, Any]]:
    """Validation errors as {loc, msg, type} only: the input is never echoed (it may hold an ID number)."""
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]


_NOT_JSON = {"loc": ["body"], "msg": "the Content-Type must be application/json", "type": "content_type"}


async def _validation(request: Request, exc: Exception) -> ORJSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = clean_detail(exc.errors())
    if isinstance(exc.body, bytes):
        # FastAPI hands validation the bytes unparsed when the Content-Type is not JSON: that is what failed.
        detail = [d for d in detail if d["loc"][:1] != ["body"]] + [_NOT_JSON]
    if any(d["type"] == "json_invalid" for d in detail) and (missing := key_missing(request)) is not None:
        return await _screening(request, missing)
    engine = getattr(request.app.state, "engine", None)
    if engine is not None:
        # A waybill's currency without a rate is known only to the engine: named beside the other fields.
        named = {tuple(d["loc"][1:]) for d in detail if d["loc"][:1] == ["body"]}
        detail += engine.unrated_currency(exc.body, named=named, at=["body"])
    return ORJSONResponse({"detail": detail}, status_code=422)


async def _screening(request: Request, exc: Exception) -> ORJSONResponse:
    assert isinstance(exc, ScreeningError)
    if isinstance(exc, InvalidInput):
        return ORJSONResponse({"detail": exc.detail}, status_code=422)
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    elif isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    return ORJSONResponse({"detail": str(exc)}, status_code=status, headers=headers or None)


# What FastAPI raises when a body does not decode at all (a charset other than UTF-8, say).
_UNREADABLE_BODY = "There was an error parsing the body"


async def _http(request: Request, exc: Exception) -> ORJSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    unreadable = exc.status_code == 400 and exc.detail == _UNREADABLE_BODY
    # A body refused as it is parsed is JSON that does not parse: without a key, the missing key's 401.
    if (unreadable or isinstance(exc, BodyRefused)) and (missing := key_missing(request)) is not None:
        return await _screening(request, missing)
    if unreadable:
        # Bad input like any other: a 422 naming the field, the body, in the pydantic style.
        detail = [{"loc": ["body"], "msg": "the body is not JSON in UTF-8", "type": "body_unreadable"}]
        return ORJSONResponse({"detail": detail}, status_code=422)
    return ORJSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> ORJSONResponse:
    # Starlette answers this outside every middleware (RequestContext included): the id is added here, and
    # the error is logged there under it, with its traceback re-raised to the server.
    request_id = request.scope.get("state", {}).get("request_id")
    headers = {"X-Request-ID": request_id} if request_id else None
    return ORJSONResponse({"detail": "internal error"}, status_code=500, headers=headers)


def install(app: FastAPI) -> None:
    """Map every error the service raises on purpose to its HTTP status, and any other to a plain 500."""
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(ScreeningError, _screening)
    app.add_exception_handler(StarletteHTTPException, _http)
