"""The FastAPI application: resources made in the lifespan, routers, error mapping."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, observability
from api.bodylimit import BodyLimit
from api.observability import RequestContext, configure_logging
from api.responses import ORJSONResponse
from api.routers import admin, decisions, health, score
from screening.engine import build_engine
from screening.settings import Settings, get_settings

log = logging.getLogger("screening")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; resources are made when it starts."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.engine = build_engine(settings)
        await app.state.engine.start()
        if settings.development:
            log.warning(
                "DEVELOPMENT MODE: placeholder secrets, scoring accepted without an API key; "
                "never expose this instance"
            )
        try:
            yield
        finally:
            await app.state.engine.close()

    app = FastAPI(
        title="Parcel risk screening",
        version="0.1.0",
        summary="Release / inspect / hold / reject for every parcel at pickup, with reasons and evidence.",
        default_response_class=ORJSONResponse,
        lifespan=lifespan,
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(score.router)
    app.include_router(decisions.router)
    app.include_router(admin.router)
    app.add_route("/metrics", observability.metrics, include_in_schema=False)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)
    return app
