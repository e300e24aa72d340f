"""The OpenAPI document, with the API-key scheme of the routes that take a key declared on them."""

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api.security import key_checks

API_KEY = "apiKey"
_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key: `Authorization: Bearer <API key>` (couriers' systems and customs).",
}


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
            # Walked once, at the first /openapi.json: a security dependency would cost every request.
            if isinstance(route, APIRoute) and route.include_in_schema and key_checks(route):
                for method in route.methods or ():
                    operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                    if operation is not None:
                        operation["security"] = [{API_KEY: []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
