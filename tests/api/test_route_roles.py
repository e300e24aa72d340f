"""Every route of the app declares who may call it; the public ones are listed here, and only here."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from api.app import create_app
from screening.settings import Settings

# (method, path) anyone may call: probes, metrics (counts and latencies, no personal data), the
# API docs, and logging in. Everything else needs a role or an API key.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/docs/oauth2-redirect"),
        ("GET", "/redoc"),
        ("POST", "/v1/auth/login"),
        ("GET", "/login"),
        ("POST", "/login"),
    }
)
PUBLIC_MOUNTS = frozenset({"/static"})


def routes(items: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """Every route with its full path, through included routers and mounts."""
    for route in items:
        if (router := getattr(route, "original_router", None)) is not None:
            yield from routes(router.routes, prefix)
        elif isinstance(route, Mount) and route.path not in PUBLIC_MOUNTS:
            yield from routes(route.routes, prefix + route.path)
        else:
            yield prefix + getattr(route, "path", ""), route


def declared(dependant: Dependant) -> bool:
    """Whether a dependency anywhere under this one names the roles or API keys it accepts."""
    for dep in dependant.dependencies:
        if getattr(dep.call, "roles", None) or getattr(dep.call, "keys", None) or declared(dep):
            return True
    return False


def table(app: FastAPI) -> Iterator[tuple[str, str, BaseRoute]]:
    """(method, path, route) for every method of every route."""
    for path, route in routes(app.router.routes):
        if isinstance(route, Mount):
            yield "*", path, route
            continue
        for method in sorted(getattr(route, "methods", None) or {"*"}):
            if method != "HEAD":
                yield method, path, route


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    """The whole app as `screening serve` builds it, in production mode."""
    return create_app(
        Settings(
            env="production",
            data_dir=tmp_path / "data",
            id_hmac_key="h" * 32,
            id_encryption_key="e" * 32,
            session_secret="s" * 32,
        )
    )


def undeclared(app: FastAPI) -> list[str]:
    """Routes neither public nor declaring a role or key."""
    out = []
    for method, path, route in table(app):
        if (method, path) in PUBLIC or (isinstance(route, Mount) and path in PUBLIC_MOUNTS):
            continue
        if not isinstance(route, APIRoute) or not declared(route.dependant):
            out.append(f"{method} {path}")
    return out


def test_every_route_declares_its_roles_or_is_on_the_public_list(app: FastAPI) -> None:
    assert undeclared(app) == [], "routes that declare no role: add require_role / require_key, or list them"
    assert len(list(table(app))) > 30


def test_a_route_that_declares_nothing_is_caught(app: FastAPI) -> None:
    @app.get("/v1/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    async def plain(request: Request) -> Response:
        return Response()

    app.add_route("/plain", plain)
    assert undeclared(app) == ["GET /v1/forgotten", "GET /plain"]


def test_the_public_list_holds_no_stale_entry(app: FastAPI) -> None:
    present = {(m, p) for m, p, _ in table(app)}
    optional = {("GET", "/login"), ("POST", "/login"), ("GET", "/redoc")}  # pages may not be installed
    assert PUBLIC - optional <= present


def test_an_anonymous_caller_is_refused_on_every_declared_route(app: FastAPI) -> None:
    with TestClient(app, follow_redirects=False) as http:
        for method, path, route in table(app):
            if (method, path) in PUBLIC or not isinstance(route, APIRoute):
                continue
            url = re.sub(r"\{[^}]+\}", "X", path)
            r = http.request(method, url)
            redirected = r.status_code in (302, 303, 307) and "/login" in r.headers.get("location", "")
            assert r.status_code == 401 or redirected, f"{method} {path} answered {r.status_code} anonymously"


def test_public_probes_answer_anonymously(app: FastAPI) -> None:
    with TestClient(app) as http:
        assert [http.get(p).status_code for p in ("/healthz", "/metrics", "/openapi.json")] == [200] * 3
