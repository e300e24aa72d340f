"""The OpenAPI document, with the API-key scheme of the routes that take a key declared on them."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

API_KEY = "apiKey"
_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key: `Authorization: Bearer <API key>` (couriers' systems and customs).",
}


def _takes_a_key(route: APIRoute) -> bool:
    # api.security marks its dependencies with the key kinds they accept; walked once, at the first
    # /openapi.json, not on the request path (a security dependency would cost every request).
    stack = list(route.dependant.dependencies)
    while stack:
        dependant = stack.pop()
        if getattr(dependant.call, "keys", ()):
            return True
        stack.extend(dependant.dependencies)
    return False


def install(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Declare the bearer API key in the app's OpenAPI document, on every route of these that accepts one."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})[API_KEY] = _SCHEME
        routes = (r for router in routers for r in router.routes)
        for route in routes:
            if isinstance(route, APIRoute) and route.include_in_schema and _takes_a_key(route):
                for method in route.methods or ():
                    operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                    if operation is not None:
                        operation["security"] = [{API_KEY: []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
