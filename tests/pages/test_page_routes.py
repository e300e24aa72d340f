"""The page routes without a browser: login redirect, 403 page, CSRF, what each page shows."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import CSRF_HEADER
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.conftest import PASSWORD, CaseClient
from tests.api.routes import api_routes
from tests.api.test_audit import sources_for
from tests.factories import party, resident_id
from tests.screening.cases.conftest import ant_ring, held
from tests.screening.compliance.logrows import hand_built_rows, write_log

PUBLIC_PAGES = {"/login"}


@pytest.fixture
def pages(settings: Settings, policy: Policy, cheap_password_hashes: None) -> Iterator[CaseClient]:
    """A started app; nobody logged in; redirects are not followed."""
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as http:
        app.state.engine.policy = policy
        yield CaseClient(http, app)


def log_in_through_the_form(client: CaseClient, username: str, *roles: str) -> str:
    """Create a user, log in through the login page; the session's CSRF token."""
    client.add_user(username, *roles)
    client.http.cookies.clear()
    r = client.http.post("/login", data={"username": username, "password": PASSWORD, "next": "/"})
    assert r.status_code == 303, r.text
    me = client.http.get("/v1/auth/me").json()
    token: str = me["csrf_token"]
    return token


def test_a_page_without_a_session_redirects_to_the_login_with_the_way_back(pages: CaseClient) -> None:
    r = pages.http.get("/cases", params={"status": "open"})
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fcases%3Fstatus%3Dopen"
    assert pages.http.get("/audit").headers["location"].startswith("/login?next=%2Faudit")
    htmx = pages.http.post("/cases/CASE-SF-SF0000000000/actions", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/login")
    login = pages.http.get("/login", params={"next": "/cases"})
    assert login.status_code == 200 and 'name="password"' in login.text and "登录" in login.text


def test_the_login_form_sets_the_session_and_refuses_a_wrong_password(pages: CaseClient) -> None:
    pages.add_user("wang", "officer")
    wrong = pages.http.post("/login", data={"username": "wang", "password": "nope-nope"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    r = pages.http.post(
        "/login", data={"username": "wang", "password": PASSWORD, "next": "/cases?lane=export"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/cases?lane=export"
    assert pages.http.get("/v1/auth/me").json()["username"] == "wang"
    elsewhere = pages.http.post(
        "/login", data={"username": "wang", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert elsewhere.headers["location"] == "/cases"


def test_the_wrong_role_gets_a_403_page(pages: CaseClient) -> None:
    case_id = pages.score(held())["case_id"]
    log_in_through_the_form(pages, "root", "admin")
    r = pages.http.get("/cases")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html") and "403" in r.text
    assert pages.http.get(f"/cases/{case_id}").status_code == 403
    assert pages.http.get("/trace").status_code == 403
    token = log_in_through_the_form(pages, "zhao", "auditor")
    assert pages.http.get(f"/cases/{case_id}").status_code == 200
    acted = pages.http.post(
        f"/cases/{case_id}/actions", data={"action": "seize"}, headers={CSRF_HEADER: token}
    )
    assert acted.status_code == 403
    assert pages.http.get("/audit").status_code == 200


def test_a_form_post_without_the_csrf_token_is_refused(pages: CaseClient) -> None:
    case_id = pages.score(held())["case_id"]
    token = log_in_through_the_form(pages, "wang", "officer")
    refused = pages.http.post(f"/cases/{case_id}/actions", data={"action": "seize"})
    assert refused.status_code == 403
    wrong = pages.http.post(f"/cases/{case_id}/actions", data={"action": "seize"}, headers={CSRF_HEADER: "x"})
    assert wrong.status_code == 403
    assert pages.http.post("/logout").status_code == 403
    done = pages.http.post(
        f"/cases/{case_id}/actions", data={"action": "seize"}, headers={CSRF_HEADER: token}
    )
    assert done.status_code == 200 and 'data-status="seized"' in done.text


def test_the_queue_and_case_pages_show_the_hold_and_its_actions(pages: CaseClient) -> None:
    number = resident_id(region="330106", birth="19850606", seq="975")
    case_id = pages.score(held(sender=party(id_number=number)))["case_id"]
    token = log_in_through_the_form(pages, "wang", "officer")
    queue = pages.http.get("/cases", params={"status": "open", "lane": "", "reason": "over_personal_limit"})
    assert queue.status_code == 200 and case_id in queue.text and "OVER_PERSONAL_LIMIT" in queue.text
    assert pages.http.get("/cases", params={"carrier": "s f"}).status_code == 422
    page = pages.http.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "<svg" in page.text and "超过" in page.text
    assert number not in page.text and number[:6] + "********" in page.text
    headers = {CSRF_HEADER: token}
    noted = pages.http.post(f"/cases/{case_id}/notes", data={"text": "两件大衣"}, headers=headers)
    assert noted.status_code == 200 and "两件大衣" in noted.text
    pages.http.post(f"/cases/{case_id}/actions", data={"action": "release"}, headers=headers)
    again = pages.http.post(f"/cases/{case_id}/actions", data={"action": "seize"}, headers=headers)
    assert again.status_code == 409 and "已结案" in again.text


def test_the_case_page_tells_the_officer_a_corrected_body_is_no_longer_held(pages: CaseClient) -> None:
    wb = held()
    case_id = pages.score(wb)["case_id"]
    corrected = {**wb, "items": [{**wb["items"][0], "quantity": 1}], "declared_value": 500.0}
    assert pages.score(corrected)["decision"] != "hold"
    log_in_through_the_form(pages, "wang", "officer")
    page = pages.http.get(f"/cases/{case_id}")
    assert page.status_code == 200 and 'data-action="rescored_not_held"' in page.text
    assert "更正后不再扣留" in page.text and "action_" not in page.text


def test_a_ring_is_acted_on_at_once_from_a_case_page(pages: CaseClient) -> None:
    ids = [
        d["case_id"] for d in map(pages.score, ant_ring(7, id_number=resident_id(seq="404"))) if d["case_id"]
    ]
    token = log_in_through_the_form(pages, "wang", "officer")
    ring = pages.http.get(f"/v1/cases/{ids[0]}").json()["cluster_id"]
    listed = pages.http.get("/cases", params={"cluster_id": ring})
    assert all(i in listed.text for i in ids) and f"/cases/clusters/{ring}/actions" in listed.text
    r = pages.http.post(
        f"/cases/clusters/{ring}/actions",
        data={"action": "return", "case_id": ids[0]},
        headers={CSRF_HEADER: token},
    )
    assert r.status_code == 200 and 'data-status="returned"' in r.text
    assert all(pages.http.get(f"/v1/cases/{i}").json()["status"] == "returned" for i in ids)


def test_the_english_switch_sets_a_cookie_and_changes_the_labels(pages: CaseClient) -> None:
    log_in_through_the_form(pages, "wang", "officer")
    assert "案件队列" in pages.http.get("/cases").text
    english = pages.http.get("/cases", params={"lang": "en"})
    assert "Case queue" in english.text and english.cookies.get("lang") == "en"
    assert "Case queue" in pages.http.get("/cases").text


def test_every_page_route_but_the_login_declares_its_roles(pages: CaseClient) -> None:
    page_routes = [
        r for r in api_routes(pages.app.routes) if not r.path.startswith(("/v1", "/healthz", "/readyz"))
    ]
    assert {r.path for r in page_routes} >= {
        "/cases",
        "/cases/{case_id}",
        "/audit",
        "/audit/offending",
        "/trace",
    }
    for route in page_routes:
        if route.path in PUBLIC_PAGES:
            continue
        roles = [getattr(d.call, "roles", None) for d in route.dependant.dependencies]
        assert any(roles), f"{route.path} declares no role"


@pytest.fixture
def audited(pages: CaseClient, settings: Settings) -> CaseClient:
    """The pages over the hand-built W46/W47 log of tests/screening/compliance."""
    layout = write_log(settings.data_dir / "hand-built-log", hand_built_rows())
    pages.app.state.audit = sources_for(settings, pages.app.state.engine, layout)
    return pages


def test_the_dashboard_filters_by_carrier_and_drills_down_to_the_offending_waybills(
    audited: CaseClient,
) -> None:
    log_in_through_the_form(audited, "zhao", "auditor")
    board = audited.http.get("/audit", params={"kind": "week", "label": "2026-W47", "carrier": "sf"})
    assert board.status_code == 200 and 'data-metric="parcels">12<' in board.text.replace("\n", "")
    assert "<svg" in board.text and "/v1/audit/reports/weekly/2026-W47?format=xlsx" in board.text
    assert audited.http.get("/audit", params={"label": "2026-47"}).status_code == 422
    found = audited.http.get("/audit/offending", params={"label": "2026-W47", "check": "xray"})
    assert 'data-waybill="SFA0000005"' in found.text and 'data-waybill="YTX0000013"' in found.text
    assert audited.http.get("/v1/audit/reports/weekly/2026-W47").status_code == 200


def test_a_trace_never_shows_the_id_number_it_was_given(pages: CaseClient) -> None:
    number = resident_id(region="440106", birth="19900101", seq="123")
    pages.score(held(sender=party(id_number=number)))
    token = log_in_through_the_form(pages, "li", "investigator")
    assert pages.http.get("/trace").status_code == 200
    form = {"from": "2026-11-10", "to": "2026-11-13", "id_type": "resident_id", "id_number": number}
    pages.app.state.engine.log.journal.flush()
    found = pages.http.post("/trace", data=form, headers={CSRF_HEADER: token})
    assert found.status_code == 200 and 'data-testid="trace-count">1<' in found.text
    assert number not in found.text and "/cases/CASE-SF-" in found.text
    exported = pages.http.post("/trace/export", data=form, headers={CSRF_HEADER: token})
    assert exported.headers["content-disposition"].startswith('attachment; filename="trace-id-')
    assert number not in exported.content.decode("utf-8-sig")
    two = pages.http.post("/trace", data={**form, "phone": "13800138000"}, headers={CSRF_HEADER: token})
    assert two.status_code == 422 and number not in two.text
    assert pages.http.post("/trace", data=form).status_code == 403
