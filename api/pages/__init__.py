"""Server-rendered pages for customs officers, auditors and investigators (Jinja2 + htmx)."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages import audit, cases, login
from api.pages.layout import LoginNeeded, PageForbidden, login_needed, page_forbidden

STATIC = Path(__file__).resolve().parents[1] / "static"


def install(app: FastAPI) -> None:
    """Add the page routes, /static and the page refusals (login redirect, 403 page) to the app."""
    app.add_exception_handler(LoginNeeded, login_needed)
    app.add_exception_handler(PageForbidden, page_forbidden)
    for router in (login.router, cases.router, audit.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
