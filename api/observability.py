"""Request ids, per-route latency metrics, JSON logs and the /metrics endpoint."""

import logging
import os
import re
import time
import uuid
from collections.abc import Sequence

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from screening.decisionlog.journal import process_lag_s
from screening.logs import REQUEST_ID
from screening.metrics import DECISION_LOG_LAG

REQUEST_SECONDS = Histogram(
    "screening_http_request_seconds",
    "HTTP request latency by route and status",
    ["method", "route", "status"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
)
REQUEST_ID_HEADER = b"x-request-id"
# Visible ASCII, as a header and a log line carry it safely; long enough for a trace id with its spans.
_CALLERS_ID = re.compile(rb"[\x21-\x7e]{1,128}")

log = logging.getLogger("screening.http")
# A label value per method a caller may invent would grow /metrics without bound: others share one.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})


class RequestContext:
    """ASGI middleware: a request id (taken from X-Request-ID or made), echoed back, and latency metrics."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Tag the request, time it, and record it under its route template."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER, b"")
        # The caller's id whole, or a new one: never a cut one, which would match neither side's logs.
        request_id = given.decode("ascii") if _CALLERS_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        # Every log record made while serving the request carries its id (screening.logs).
        token = REQUEST_ID.set(request_id)
        status = 500
        start = time.perf_counter()

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            took = time.perf_counter() - start
            route = scope.get("route") or self._route_of(scope)
            template = getattr(route, "path", "unmatched")
            method = scope["method"] if scope["method"] in _METHODS else "other"
            REQUEST_SECONDS.labels(method, template, str(status)).observe(took)
            if status >= 500:
                log.error(
                    "request failed", extra={"route": template, "status": status, "seconds": round(took, 4)}
                )
            REQUEST_ID.reset(token)

    def _route_of(self, scope: Scope) -> BaseRoute | None:
        """The route a request was for when routing set none (a 413 for its body, a plain Starlette route,
        a method the route does not take), if any."""
        partial = None
        for route in self.routes:
            match = route.matches(scope)[0]
            if match is Match.FULL:
                return route
            if match is Match.PARTIAL and partial is None:
                partial = route
        return partial


async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process, or of every worker when PROMETHEUS_MULTIPROC_DIR is set."""
    # The writer thread sets it as it commits; a writer that cannot commit sets nothing, so it is read
    # again here (for this worker; the others' as they last set it).
    DECISION_LOG_LAG.set(process_lag_s())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
