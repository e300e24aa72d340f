"""The scoring routes never leave the event loop: their endpoints and every dependency are coroutines.

A plain `def` dependency runs in the threadpool, a hop that costs more than the rules on the hot path.
"""

import inspect

from fastapi.dependencies.models import Dependant

from api.app import create_app
from screening.settings import Settings
from tests.api.routes import api_routes

HOT = {"/v1/score", "/v1/score/batch"}


def sync_calls(dependant: Dependant) -> list[str]:
    """Names of the plain functions among a dependant's dependencies, at any depth."""
    out = []
    for sub in dependant.dependencies:
        if sub.call is not None and not inspect.iscoroutinefunction(sub.call):
            out.append(getattr(sub.call, "__name__", repr(sub.call)))
        out += sync_calls(sub)
    return out


def test_the_scoring_routes_and_their_dependencies_are_all_coroutines(settings: Settings) -> None:
    routes = [r for r in api_routes(create_app(settings).routes) if r.path in HOT]
    assert {r.path for r in routes} == HOT
    for route in routes:
        assert inspect.iscoroutinefunction(route.endpoint), route.path
        assert sync_calls(route.dependant) == [], route.path
