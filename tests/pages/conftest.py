"""Browser tests: the real service under uvicorn with people and a decision log, one Chromium per session."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session

from screening.db import Database, database_url, upgrade_database
from screening.outlets import OutletRegistry
from screening.people.roles import parse_roles
from screening.people.schemas import NewUser
from screening.people.service import create_user
from screening.settings import Settings
from tests.screening.compliance.logrows import hand_built_rows, registered_outlets, write_log
from tests.service_process import start_service, stop_service

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pass-word-1"
# Who logs in to the pages in these tests, and with which roles.
PEOPLE = {
    "wang": ("officer",),
    "zhao": ("auditor",),
    "li": ("investigator",),
    "root": ("admin",),
}


@dataclass(frozen=True, slots=True)
class Service:
    """The started service: its URL and data dir."""

    url: str
    data_dir: Path

    def score(self, waybill: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score and expect a decision."""
        r = httpx.post(f"{self.url}/v1/score", json=waybill, timeout=10)
        assert r.status_code == 200, r.text
        decision: dict[str, Any] = r.json()
        return decision


def _prepare(data_dir: Path) -> None:
    # The audit reads compacted days: the hand-built W46/W47 log and its outlets are there before the start.
    write_log(data_dir / "decisionlog", hand_built_rows(), name="0-0-000001")
    OutletRegistry(data_dir / "outlets.csv").upsert(registered_outlets())
    url = database_url(Settings(env="development", data_dir=data_dir))
    upgrade_database(url)
    db = Database.connect(url, timeout_s=5.0)
    now = datetime.now(UTC)
    people = [NewUser(username=u, password=PASSWORD, roles=parse_roles(r)) for u, r in PEOPLE.items()]

    def add_people(session: Session) -> None:
        for new in people:
            create_user(session, new=new, now=now)

    db.write_sync(add_people)
    db.dispose()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service under uvicorn on a free loopback port (development mode, embedded history)."""
    root = tmp_path_factory.mktemp("pages")
    data_dir = root / "data"
    _prepare(data_dir)
    proc, url = start_service(data_dir=data_dir, log=root / "serve.log")
    try:
        yield Service(url=url, data_dir=data_dir)
    finally:
        stop_service(proc)


# Module scope, not session: Playwright's sync API runs an event loop in this thread while it is open,
# and later tests that call asyncio.run would find it running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright; a missing Chromium fails the test (never a skip)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install the chromium package (scripts/test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots and downloads go: $SCREENING_ARTIFACTS or tests/artifacts (git-ignored)."""
    folder = Path(os.environ.get("SCREENING_ARTIFACTS") or REPO / "tests" / "artifacts") / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser: Browser, service: Service) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the service."""
    context = browser.new_context(
        base_url=service.url, locale="zh-CN", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def log_in(page: Page, username: str, path: str = "/") -> None:
    """Open a page, get sent to the login form, log in there and come back."""
    page.goto(path)
    page.wait_for_url("**/login?next=*")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """A full-page screenshot; its path is printed for the person running the tests."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
