"""Logging in and out: a session cookie, its CSRF token, lockout, and what a missing or stale session gets."""

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from screening.people.service import MAX_FAILED_LOGINS
from screening.settings import Settings
from tests.api.conftest import CaseClient


def test_logging_in_sets_an_httponly_session_cookie_and_answers_the_csrf_token(
    cases_client: CaseClient,
) -> None:
    cases_client.add_user("wang", "officer", "supervisor")
    r = cases_client.login("wang")
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "wang" and body["roles"] == ["officer", "supervisor"] and body["csrf_token"]
    cookie = r.headers["set-cookie"].lower()
    assert "screening_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # development mode runs on plain http://127.0.0.1
    me = cases_client.http.get("/v1/auth/me")
    assert me.status_code == 200 and me.json()["csrf_token"] == body["csrf_token"]


def test_a_wrong_password_or_unknown_user_is_401(cases_client: CaseClient) -> None:
    cases_client.add_user("wang", "officer")
    assert cases_client.login("wang", "not-the-password").status_code == 401
    assert cases_client.login("nobody").status_code == 401
    assert cases_client.http.get("/v1/auth/me").status_code == 401


def test_repeated_failures_lock_the_account(cases_client: CaseClient) -> None:
    cases_client.add_user("wang", "officer")
    for _ in range(MAX_FAILED_LOGINS):
        assert cases_client.login("wang", "guess").status_code == 401
    assert cases_client.login("wang").status_code == 401


def test_logging_out_ends_the_session(cases_client: CaseClient) -> None:
    cases_client.as_new("wang", "officer")
    token = cases_client.http.cookies["screening_session"]
    assert cases_client.http.post("/v1/auth/logout").status_code == 200
    cases_client.http.cookies.set("screening_session", token)
    r = cases_client.http.get("/v1/cases")
    assert r.status_code == 401


def test_a_post_without_the_csrf_token_is_refused(cases_client: CaseClient) -> None:
    cases_client.as_new("wang", "officer")
    cases_client.http.headers.pop("X-CSRF-Token")
    assert cases_client.http.post("/v1/auth/logout").status_code == 403
    cases_client.http.headers["X-CSRF-Token"] = "forged"
    assert cases_client.http.post("/v1/auth/logout").status_code == 403
    assert cases_client.http.get("/v1/auth/me").status_code == 200


def test_the_development_user_can_log_in(cases_client: CaseClient) -> None:
    r = cases_client.login("dev", "dev")
    assert r.status_code == 200
    assert set(r.json()["roles"]) == {"officer", "supervisor", "investigator", "auditor", "admin"}


def test_production_cookies_are_secure_and_no_development_user_is_made(
    tmp_path: Path, cheap_password_hashes: None
) -> None:
    secret = "s" * 40
    settings = Settings(
        env="production",
        data_dir=tmp_path / "data",
        id_hmac_key=secret,
        id_encryption_key=secret + "e",
        session_secret=secret + "x",
    )
    app = create_app(settings)
    with TestClient(app) as http:
        client = CaseClient(http, app)
        assert client.login("dev", "dev").status_code == 401
        client.add_user("wang", "officer")
        r = client.login("wang")
        assert r.status_code == 200 and "secure" in r.headers["set-cookie"].lower()
