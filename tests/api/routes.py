"""The app's route table, walked by the tests that check every route declares its role."""

from collections.abc import Iterable, Iterator

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, including those of included routers (FastAPI nests them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (router := getattr(route, "original_router", None)) is not None:
            yield from api_routes(router.routes)
