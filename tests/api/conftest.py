"""Fixtures for the case, inspection and auth APIs: an app with the case desk, people who log in."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import CSRF_HEADER
from screening.people.roles import parse_roles
from screening.people.schemas import NewUser
from screening.people.service import create_user
from screening.policy.schemas import Policy
from screening.settings import Settings

PASSWORD = "pass-word-1"


class CaseClient:
    """A TestClient that logs in as one person at a time and sends that session's CSRF token."""

    def __init__(self, http: TestClient, app: FastAPI) -> None:
        self.http = http
        self.app = app

    def add_user(self, username: str, *roles: str) -> None:
        """Create a user with these roles and the test password."""
        new = NewUser(username=username, password=PASSWORD, roles=parse_roles(roles))
        self.app.state.db.write_sync(lambda s: create_user(s, new=new, now=datetime.now(UTC)))

    def login(self, username: str, password: str = PASSWORD) -> httpx2.Response:
        """Log in; later requests carry the session cookie and its CSRF token."""
        self.http.cookies.clear()
        self.http.headers.pop(CSRF_HEADER, None)
        r = self.http.post("/v1/auth/login", json={"username": username, "password": password})
        if r.status_code == 200:
            self.http.headers[CSRF_HEADER] = r.json()["csrf_token"]
        return r

    def as_new(self, username: str, *roles: str) -> None:
        """Create a user and log in as them."""
        self.add_user(username, *roles)
        assert self.login(username).status_code == 200

    def score(self, waybill: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score and expect a decision."""
        r = self.http.post("/v1/score", json=waybill)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def act(self, case_id: str, action: str, **body: Any) -> httpx2.Response:
        """POST an action on one case."""
        return self.http.post(f"/v1/cases/{case_id}/actions", json={"action": action, **body})


@pytest.fixture
def cases_client(settings: Settings, policy: Policy, cheap_password_hashes: None) -> Iterator[CaseClient]:
    """A started app with the case desk (SQLite in the data dir) and the test policy; nobody logged in."""
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield CaseClient(http, app)
