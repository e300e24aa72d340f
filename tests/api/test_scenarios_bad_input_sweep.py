"""Every route taking input, sent bad input by a caller with the role: a 4xx naming each field, no change."""

import html
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.pages.labels import label
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes
from tests.api.conftest import PASSWORD, CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import BASE_TIME, ant_ring, over_limit, party, resident_id, waybill

Body = dict[str, Any]
EVERY_ROLE = ("officer", "supervisor", "investigator", "auditor", "admin")
ATTACHMENT = {"kind": "xray", "reference": "s3://evidence/xray-1.png", "sha256": "ab" * 32}
UNKNOWN_CASE = "CASE-SF-SF0000000000"
W47 = {"week": "2026-W47"}
SPAN = {"from": "2026-11-10", "to": "2026-11-12"}


@dataclass
class Desk:
    """A started app; a person with every role logged in (cookie + CSRF header); admin and customs keys."""

    app: FastAPI
    http: TestClient
    people: CaseClient
    admin: dict[str, str]
    customs: dict[str, str]

    def score(self, wb: Body) -> Body:
        """POST /v1/score and expect a decision."""
        return self.people.score(wb)

    def held_case(self) -> str:
        """A fresh hold of its own sender: its case id."""
        sender = party(id_number=resident_id(seq=f"{next(_sequences)}"), phone=fresh_phone())
        case_id: str = self.score(over_limit(sender=sender))["case_id"]
        assert case_id
        return case_id

    def case(self, case_id: str) -> Body:
        """GET /v1/cases/{case_id}, expect 200: status, notes, attachments, trail (without moving figures)."""
        r = self.http.get(f"/v1/cases/{case_id}")
        assert r.status_code == 200, r.text
        body: Body = r.json()
        return {
            k: body[k] for k in ("status", "assignee", "violation_type", "notes", "attachments", "history")
        }

    def audit_entries(self) -> int:
        """Entries of the whole hash-chained audit trail."""
        r = self.http.get("/v1/cases/audit/verify")
        assert r.status_code == 200 and r.json()["problem"] is None, r.text
        entries: int = r.json()["entries"]
        return entries


_phones = iter(range(10_000, 99_999))
# Sequence numbers of the held senders' resident IDs (600 and up are the single tests' own).
_sequences = iter(range(100, 600))


def fresh_phone() -> str:
    """A mainland mobile number no other test of this file uses."""
    return f"137001{next(_phones):05d}"


def started(data_dir: Path, **options: Any) -> Iterator[Desk]:
    """A started app on these settings (random audit off), its keys, and one person with every role."""
    policy = load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})
    settings = Settings(env="development", data_dir=data_dir, **options)
    with TestClient(create_app(settings), follow_redirects=False, raise_server_exceptions=False) as http:
        app: FastAPI = http.app  # type: ignore[assignment]
        app.state.engine.policy = policy
        people = CaseClient(http, app)
        people.as_new("boss", *EVERY_ROLE)
        yield Desk(
            app=app,
            http=http,
            people=people,
            admin=bearer(make_key(app, "admin", "ops")),
            customs=bearer(make_key(app, "customs", "SHA-PVG")),
        )


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """One app for the module: embedded history, SQLite cases."""
    yield from started(tmp_path_factory.mktemp("sweep") / "data")


@pytest.fixture(scope="module", params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def store_desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """An app on each history store in turn, for the routes that would change an entity's history."""
    from tests.services_redis import TIMEOUT_S

    options: dict[str, Any] = {}
    if request.param == "redis":
        port = request.getfixturevalue("redis_server")
        options = {
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "redis_prefix": f"sweep{uuid.uuid4().hex[:8]}:",
            "redis_timeout_s": TIMEOUT_S,
        }
    yield from started(tmp_path_factory.mktemp(f"sweep-{request.param}") / "data", **options)


def locs(r: httpx2.Response) -> list[list[Any]]:
    """The loc of every error of a pydantic-style 422, each error {loc, msg, type} only (no input echoed)."""
    assert r.status_code == 422, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    detail = r.json()["detail"]
    assert all(set(e) == {"loc", "msg", "type"} for e in detail), detail
    return [e["loc"] for e in detail]


def same(found: list[list[Any]], *expected: list[Any]) -> bool:
    """The same locs, in any order."""
    return sorted(map(str, found)) == sorted(map(str, expected))


def alert(r: httpx2.Response) -> str:
    """The text of a page's problem alert (empty when there is none)."""
    found = re.findall(r'class="problem"[^>]*>(.*?)</p>', r.text, re.S)
    return html.unescape(" ".join(found))


def names_field(text: str, field: str, *label_keys: str) -> bool:
    """Whether text names a field: by its name, or by a page label of it in Chinese or English."""
    words = [field] + [label(k, lang) for k in label_keys for lang in ("zh", "en")]
    return any(w in text for w in words)


# POST /v1/auth/login ------------------------------------------------------------------------------------


def anonymous(desk: Desk) -> TestClient:
    """A client of the same app with no session (its own cookie jar)."""
    return TestClient(desk.app, follow_redirects=False, raise_server_exceptions=False)


def test_a_login_without_username_and_password_names_both(desk: Desk) -> None:
    r = anonymous(desk).post("/v1/auth/login", json={})
    assert same(locs(r), ["body", "username"], ["body", "password"])
    assert "set-cookie" not in r.headers


def test_a_login_of_wrong_type_overlong_password_and_unknown_field_names_all_three_and_echoes_nothing(
    desk: Desk,
) -> None:
    number = resident_id(region="310115", birth="19850612", seq="611")
    who = anonymous(desk)
    r = who.post("/v1/auth/login", json={"username": 17, "password": number * 57, "remember": True})
    assert same(locs(r), ["body", "username"], ["body", "password"], ["body", "remember"])
    assert number not in r.text and "set-cookie" not in r.headers
    assert who.get("/v1/auth/me").status_code == 401


def test_refused_login_bodies_do_not_count_towards_the_lockout(desk: Desk) -> None:
    """Five failed logins lock an account (README); bodies refused as bad input are no failed logins."""
    desk.people.add_user("lin", "officer")
    who = anonymous(desk)
    for _ in range(6):
        r = who.post("/v1/auth/login", json={"username": "lin", "password": PASSWORD, "otp": "1"})
        assert locs(r) == [["body", "otp"]]
    assert who.post("/v1/auth/login", json={"username": "lin", "password": PASSWORD}).status_code == 200


def test_the_login_form_without_its_fields_names_both_and_sets_no_session(desk: Desk) -> None:
    r = anonymous(desk).post("/login", data={})
    assert same(locs(r), ["body", "username"], ["body", "password"])
    assert "set-cookie" not in r.headers


def test_the_login_form_with_overlong_fields_names_each_and_echoes_no_password(desk: Desk) -> None:
    secret = "pw-" + resident_id(seq="612") * 60
    r = anonymous(desk).post("/login", data={"username": "u" * 65, "password": secret, "next": "/" * 2001})
    assert same(locs(r), ["body", "username"], ["body", "password"], ["body", "next"])
    assert resident_id(seq="612") not in r.text and "set-cookie" not in r.headers


# GET /v1/decisions/{carrier}/{waybill_no} ---------------------------------------------------------------


def test_a_decision_read_back_with_a_malformed_carrier_and_number_names_both(desk: Desk) -> None:
    r = desk.http.get("/v1/decisions/sf/SF1-2")
    assert same(locs(r), ["path", "carrier"], ["path", "waybill_no"])


# GET /v1/cases ------------------------------------------------------------------------------------------


def test_a_queue_query_with_five_bad_filters_names_all_five(desk: Desk) -> None:
    params: dict[str, Any] = {
        "status": ["open", "lost"],
        "lane": "sea",
        "carrier": "sf",
        "sort": "random",
        "page": 0,
    }
    r = desk.http.get("/v1/cases", params=params)
    assert same(
        locs(r),
        ["query", "status", 1],
        ["query", "lane"],
        ["query", "carrier"],
        ["query", "sort"],
        ["query", "page"],
    )


def test_a_queue_query_with_overlong_text_bad_paging_dates_and_flags_names_each(desk: Desk) -> None:
    params = {
        "outlet": "o" * 65,
        "assignee": "a" * 65,
        "per_page": "ten",
        "opened_to": "yesterday",
        "overdue": "maybe",
        "unassigned": "2",
    }
    r = desk.http.get("/v1/cases", params=params)
    assert same(locs(r), *(["query", name] for name in params))


def test_a_queue_page_beyond_the_last_allowed_is_a_422_at_page(desk: Desk) -> None:
    assert locs(desk.http.get("/v1/cases", params={"page": str(10**30)})) == [["query", "page"]]


# GET /v1/cases/{case_id} and the case routes on an unknown case -----------------------------------------


def test_reading_a_case_by_a_malformed_id_is_a_422_at_the_path(desk: Desk) -> None:
    assert locs(desk.http.get("/v1/cases/case-sf-1")) == [["path", "case_id"]]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("POST", "/actions", {"action": "seize", "violation_type": "counterfeit"}),
        ("POST", "/attachments", ATTACHMENT),
        ("POST", "/unmask", None),
    ],
    ids=["read", "action", "attachment", "unmask"],
)
def test_a_well_formed_unknown_case_is_a_404_and_writes_nothing_to_the_trail(
    desk: Desk, method: str, suffix: str, body: Body | None
) -> None:
    entries = desk.audit_entries()
    r = desk.http.request(method, f"/v1/cases/{UNKNOWN_CASE}{suffix}", json=body)
    assert r.status_code == 404, r.text
    assert desk.audit_entries() == entries


# POST /v1/cases/{case_id}/actions, /notes, /attachments --------------------------------------------------


def test_an_action_with_four_bad_fields_names_all_four_and_the_case_stays_as_it_was(desk: Desk) -> None:
    case_id = desk.held_case()
    before, entries = desk.case(case_id), desk.audit_entries()
    body = {"action": "burn", "note": "n" * 2001, "violation_type": "   ", "by": "me"}
    r = desk.http.post(f"/v1/cases/{case_id}/actions", json=body)
    assert same(locs(r), ["body", "action"], ["body", "note"], ["body", "violation_type"], ["body", "by"])
    assert desk.case(case_id) == before and desk.audit_entries() == entries


def test_a_seizure_with_a_number_for_its_violation_type_is_refused_and_seizes_nothing(desk: Desk) -> None:
    case_id = desk.held_case()
    before = desk.case(case_id)
    r = desk.http.post(f"/v1/cases/{case_id}/actions", json={"action": "seize", "violation_type": 5})
    assert locs(r) == [["body", "violation_type"]]
    assert desk.case(case_id) == before and before["status"] == "open"


def test_an_attachment_with_four_bad_fields_names_all_four_and_adds_nothing(desk: Desk) -> None:
    case_id = desk.held_case()
    before, entries = desk.case(case_id), desk.audit_entries()
    body = {"kind": "video", "reference": "   ", "sha256": "xyz", "size": 3}
    r = desk.http.post(f"/v1/cases/{case_id}/attachments", json=body)
    assert same(locs(r), ["body", "kind"], ["body", "reference"], ["body", "sha256"], ["body", "size"])
    assert desk.case(case_id) == before and desk.audit_entries() == entries


def test_an_attachment_reference_over_500_characters_is_refused(desk: Desk) -> None:
    case_id = desk.held_case()
    r = desk.http.post(f"/v1/cases/{case_id}/attachments", json={**ATTACHMENT, "reference": "r" * 501})
    assert locs(r) == [["body", "reference"]]
    assert desk.case(case_id)["attachments"] == []


def test_a_note_too_long_with_an_unknown_field_names_both_and_adds_nothing(desk: Desk) -> None:
    case_id = desk.held_case()
    before = desk.case(case_id)
    r = desk.http.post(f"/v1/cases/{case_id}/notes", json={"text": "t" * 2001, "pinned": True})
    assert same(locs(r), ["body", "text"], ["body", "pinned"])
    assert desk.case(case_id) == before


def test_a_note_of_another_type_is_a_422_at_text(desk: Desk) -> None:
    case_id = desk.held_case()
    r = desk.http.post(f"/v1/cases/{case_id}/notes", json={"text": ["two", "lines"]})
    assert locs(r) == [["body", "text"]]
    assert desk.case(case_id)["notes"] == []


# POST /v1/cases/clusters/{cluster_id}/actions -----------------------------------------------------------


@pytest.fixture(scope="module")
def ring(desk: Desk) -> tuple[str, list[str]]:
    """An ant-moving ring's cluster id and its open cases."""
    decisions = [desk.score(wb) for wb in ant_ring(7, id_number=resident_id(seq="613"), phone=fresh_phone())]
    ids = [d["case_id"] for d in decisions if d["case_id"]]
    cluster: str = desk.http.get(f"/v1/cases/{ids[0]}").json()["cluster_id"]
    assert cluster and len(ids) >= 2
    return cluster, ids


def statuses(desk: Desk, ids: list[str]) -> list[str]:
    """The status of each case."""
    return [desk.case(i)["status"] for i in ids]


def test_a_ring_action_with_a_malformed_ring_and_an_unknown_action_names_both(
    desk: Desk, ring: tuple[str, list[str]]
) -> None:
    _, ids = ring
    r = desk.http.post("/v1/cases/clusters/RING-1/actions", json={"action": "burn"})
    assert same(locs(r), ["path", "cluster_id"], ["body", "action"])
    assert statuses(desk, ids) == ["open"] * len(ids)


def test_a_ring_action_with_bad_fields_names_each_and_acts_on_no_case_of_the_ring(
    desk: Desk, ring: tuple[str, list[str]]
) -> None:
    cluster, ids = ring
    entries = desk.audit_entries()
    body = {"action": "seize", "note": "", "violation_type": "v" * 201, "cases": ids}
    r = desk.http.post(f"/v1/cases/clusters/{cluster}/actions", json=body)
    assert same(locs(r), ["body", "note"], ["body", "violation_type"], ["body", "cases"])
    assert statuses(desk, ids) == ["open"] * len(ids) and desk.audit_entries() == entries


# POST /v1/inspections (the history it would change, on each store) --------------------------------------


def test_an_inspection_with_bad_formats_and_an_unknown_field_names_each_and_flags_nobody(
    store_desk: Desk,
) -> None:
    phone = fresh_phone()
    wb = waybill(sender=party(phone=phone, id_number=resident_id(seq="614")))
    store_desk.score(wb)
    good = {
        "carrier": wb["carrier"],
        "waybill_no": wb["waybill_no"],
        "result": "violation",
        "violation_type": "counterfeit",
        "inspected_at": (BASE_TIME + timedelta(hours=1)).isoformat(),
    }
    bad = {**good, "carrier": "sf", "waybill_no": "SF 1", "result": "dirty", "officer": "wang"}
    r = store_desk.http.post("/v1/inspections", json=bad, headers=store_desk.customs)
    assert same(locs(r), ["body", "carrier"], ["body", "waybill_no"], ["body", "result"], ["body", "officer"])
    later = waybill(sender=party(phone=phone, id_number=resident_id(seq="614")), hours_after=2)
    assert "PRIOR_VIOLATIONS" not in codes(store_desk.score(later))
    # The same report, well formed, flags the sender: the check above could have seen it.
    assert store_desk.http.post("/v1/inspections", json=good, headers=store_desk.customs).status_code == 200
    again = waybill(sender=party(phone=phone, id_number=resident_id(seq="614")), hours_after=3)
    assert "PRIOR_VIOLATIONS" in codes(store_desk.score(again))


# POST /v1/admin/violations (the history it would change, on each store) ----------------------------------


def phone_violation(phone: str, **changes: Any) -> Body:
    """A confirmed violation of a phone, a day before the test's pickups."""
    base = {
        "kind": "phone",
        "value": phone,
        "at": (BASE_TIME - timedelta(days=1)).isoformat(),
        "parcel": "SF:SF9000000001",
    }
    return base | changes


def test_bad_violations_are_named_field_by_field_and_the_good_one_beside_them_is_not_recorded(
    store_desk: Desk,
) -> None:
    phone = fresh_phone()
    body = [
        phone_violation(phone),
        {"kind": "tattoo", "value": "x", "at": "2026-11-10T10:00:00", "parcel": "sf-123", "why": "?"},
        phone_violation(phone, parcel="SF:" + "9" * 41),
    ]
    r = store_desk.http.post("/v1/admin/violations", json=body, headers=store_desk.admin)
    assert same(
        locs(r),
        ["body", 1, "kind"],
        ["body", 1, "at"],
        ["body", 1, "parcel"],
        ["body", 1, "why"],
        ["body", 2, "parcel"],
    )
    assert "PRIOR_VIOLATIONS" not in codes(store_desk.score(waybill(sender=party(phone=phone))))
    ok = store_desk.http.post("/v1/admin/violations", json=[body[0]], headers=store_desk.admin)
    assert ok.status_code == 200, ok.text
    assert "PRIOR_VIOLATIONS" in codes(store_desk.score(waybill(sender=party(phone=phone), hours_after=1)))


def test_a_violation_of_an_id_of_the_wrong_length_is_named_without_echoing_the_number(desk: Desk) -> None:
    number = resident_id(region="440106", birth="19900101", seq="615")
    body = [{"kind": "id", "id_type": "resident_id", "value": number[:-2]}]
    r = desk.http.post("/v1/admin/violations", json=body, headers=desk.admin)
    assert same(locs(r), ["body", 0, "value"], ["body", 0, "at"], ["body", 0, "parcel"])
    assert number[:-2] not in r.text and number[:14] not in r.text


def test_a_violation_time_sent_as_a_number_is_refused_like_an_inspection_time(desk: Desk) -> None:
    phone = fresh_phone()
    at = int((BASE_TIME - timedelta(days=1)).timestamp())
    r = desk.http.post("/v1/admin/violations", json=[phone_violation(phone, at=at)], headers=desk.admin)
    assert locs(r) == [["body", 0, "at"]]


# PUT /v1/admin/agreements --------------------------------------------------------------------------------


def test_an_agreement_with_every_field_bad_names_each_and_registers_nothing(desk: Desk) -> None:
    before = desk.http.get("/v1/admin/agreements", headers=desk.admin).json()
    entry = {
        "contract_id": "A" * 41,
        "name": "",
        "carrier": "sf",
        "status": "paused",
        "valid_from": "2026/01/01",
        "valid_until": "31.12.2026",
        "discount": 5,
    }
    r = desk.http.put("/v1/admin/agreements", json=[entry], headers=desk.admin)
    assert same(locs(r), *(["body", 0, name] for name in entry))
    assert desk.http.get("/v1/admin/agreements", headers=desk.admin).json() == before


# GET /v1/audit/metrics, /dashboard, /offending, /reports ------------------------------------------------


def test_a_bad_grouping_and_carrier_filter_are_named_together(desk: Desk) -> None:
    r = desk.http.get("/v1/audit/metrics", params={**W47, "by": "outlets", "carrier": "sf"})
    assert same(locs(r), ["query", "by"], ["query", "carrier"])


def test_offending_with_bad_check_limit_offset_and_carrier_names_all_four(desk: Desk) -> None:
    params = {**W47, "check": "id", "limit": "1001", "offset": "-1", "carrier": "s-f"}
    r = desk.http.get("/v1/audit/offending", params=params)
    assert same(locs(r), ["query", "check"], ["query", "limit"], ["query", "offset"], ["query", "carrier"])


def test_a_dashboard_asking_for_too_many_worst_outlets_and_a_bad_day_names_both(desk: Desk) -> None:
    r = desk.http.get("/v1/audit/dashboard", params={"from": "2026-11-31", "worst": "501"})
    assert same(locs(r), ["query", "from"], ["query", "worst"])


@pytest.mark.parametrize("route", ["metrics", "offending"])
def test_a_bad_week_is_named_beside_the_other_bad_parameters(desk: Desk, route: str) -> None:
    extra = {"by": "outlets"} if route == "metrics" else {"check": "id"}
    r = desk.http.get(f"/v1/audit/{route}", params={"week": "2026-47", "carrier": "sf", **extra})
    assert same(locs(r), ["query", "week"], ["query", "carrier"], ["query", next(iter(extra))])


def test_an_offset_past_any_page_is_a_4xx_not_a_500(desk: Desk) -> None:
    r = desk.http.get("/v1/audit/offending", params={**W47, "offset": str(10**30)})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])


def test_a_report_of_an_unknown_kind_format_and_table_names_all_three(desk: Desk) -> None:
    r = desk.http.get("/v1/audit/reports/yearly/2026-11", params={"format": "pdf", "table": "couriers"})
    assert same(locs(r), ["path", "kind"], ["query", "format"], ["query", "table"])


def test_a_bad_report_label_is_named_beside_a_bad_format(desk: Desk) -> None:
    r = desk.http.get("/v1/audit/reports/weekly/2026-47", params={"format": "pdf"})
    assert same(locs(r), ["path", "label"], ["query", "format"])


# POST /v1/audit/trace and /v1/audit/trace/export ---------------------------------------------------------


@pytest.mark.parametrize("route", ["/v1/audit/trace", "/v1/audit/trace/export"])
def test_a_trace_with_five_malformed_fields_names_all_five(desk: Desk, route: str) -> None:
    body = {"from": "2026-13-01", "to": "x", "waybill_no": "a", "carrier": "sf", "country": "CHN"}
    assert same(locs(desk.http.post(route, json=body)), *(["body", name] for name in body))


def test_a_trace_with_an_unknown_field_names_it(desk: Desk) -> None:
    r = desk.http.post("/v1/audit/trace", json={**SPAN, "phone": "13800138000", "colour": "red"})
    assert locs(r) == [["body", "colour"]]


def test_a_trace_with_an_unknown_id_type_names_it_and_never_echoes_the_number(desk: Desk) -> None:
    number = resident_id(region="320102", birth="19800101", seq="616")
    r = desk.http.post("/v1/audit/trace", json={**SPAN, "id_type": "ssn", "id_number": number})
    assert locs(r) == [["body", "id_type"]]
    assert number not in r.text and number[:17] not in r.text


def test_a_trace_phone_sent_as_a_number_is_a_422_at_phone(desk: Desk) -> None:
    r = desk.http.post("/v1/audit/trace", json={**SPAN, "phone": 13800138000})
    assert locs(r) == [["body", "phone"]]


def test_a_trace_day_sent_as_a_unix_timestamp_is_a_422_at_from(desk: Desk) -> None:
    r = desk.http.post(
        "/v1/audit/trace", json={"from": 1763424000, "to": "2025-11-20", "phone": "13800138000"}
    )
    assert locs(r) == [["body", "from"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"from": "2026-11-20", "to": "2026-11-19", "phone": "13800138000"}, "to"),
        ({**SPAN, "id_number": "E12345678"}, "id_type"),
    ],
    ids=["ends-before-it-starts", "number-without-type"],
)
def test_a_trace_refused_across_fields_names_the_field_to_fix(desk: Desk, changes: Body, field: str) -> None:
    r = desk.http.post("/v1/audit/trace", json=changes)
    assert locs(r) == [["body", field]]


# The officers' pages: /cases, /cases/{id}, and their forms ---------------------------------------------


def test_the_queue_page_with_bad_choices_names_each_choice(desk: Desk) -> None:
    params = {"status": "lost", "lane": "sea", "sort": "random", "page": "x", "day": "2026-13-01"}
    r = desk.http.get("/cases", params=params)
    assert same(locs(r), *(["query", name] for name in params))


def test_the_queue_page_names_a_malformed_carrier_filter(desk: Desk) -> None:
    r = desk.http.get("/cases", params={"carrier": "s f"})
    assert r.status_code == 422
    assert names_field(alert(r), "carrier", "carrier")


def test_a_case_page_of_a_malformed_id_is_a_422_and_of_an_unknown_one_a_404(desk: Desk) -> None:
    assert locs(desk.http.get("/cases/CASE-x")) == [["path", "case_id"]]
    assert desk.http.get(f"/cases/{UNKNOWN_CASE}").status_code == 404


def test_the_action_form_with_an_unknown_action_and_a_long_note_names_both_and_changes_nothing(
    desk: Desk,
) -> None:
    case_id = desk.held_case()
    before, entries = desk.case(case_id), desk.audit_entries()
    r = desk.http.post(f"/cases/{case_id}/actions", data={"action": "burn", "note": "n" * 2001})
    assert same(locs(r), ["body", "action"], ["body", "note"])
    assert desk.case(case_id) == before and desk.audit_entries() == entries


def test_the_action_form_seizing_with_a_violation_type_too_long_seizes_nothing(desk: Desk) -> None:
    case_id = desk.held_case()
    before = desk.case(case_id)
    r = desk.http.post(f"/cases/{case_id}/actions", data={"action": "seize", "violation_type": "v" * 201})
    assert locs(r) == [["body", "violation_type"]]
    assert desk.case(case_id) == before


@pytest.mark.parametrize("data", [{}, {"text": "   "}, {"text": "t" * 2001}], ids=["none", "blank", "long"])
def test_the_note_form_without_a_usable_text_names_it_and_adds_nothing(desk: Desk, data: Body) -> None:
    case_id = desk.held_case()
    r = desk.http.post(f"/cases/{case_id}/notes", data=data)
    assert locs(r) == [["body", "text"]]
    assert desk.case(case_id)["notes"] == []


def test_an_action_form_on_an_unknown_case_is_a_404_and_writes_nothing(desk: Desk) -> None:
    entries = desk.audit_entries()
    assert desk.http.post(f"/cases/{UNKNOWN_CASE}/actions", data={"action": "seize"}).status_code == 404
    assert desk.http.post(f"/cases/{UNKNOWN_CASE}/notes", data={"text": "x"}).status_code == 404
    assert desk.audit_entries() == entries


def test_the_ring_form_with_a_malformed_case_id_acts_on_no_case_of_the_ring(
    desk: Desk, ring: tuple[str, list[str]]
) -> None:
    cluster, ids = ring
    r = desk.http.post(f"/cases/clusters/{cluster}/actions", data={"action": "seize", "case_id": "bad"})
    assert locs(r) == [["body", "case_id"]]
    assert statuses(desk, ids) == ["open"] * len(ids)


def test_the_ring_form_with_an_unknown_action_and_a_malformed_ring_names_both(desk: Desk) -> None:
    r = desk.http.post("/cases/clusters/RING-x/actions", data={"action": "burn"})
    assert same(locs(r), ["path", "cluster_id"], ["body", "action"])


# The auditors' pages: /audit, /audit/offending -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/audit", "/audit/offending"])
def test_an_audit_page_with_bad_choices_names_each(desk: Desk, path: str) -> None:
    r = desk.http.get(path, params={"kind": "year", "check": "id", "page": "x"})
    assert same(locs(r), ["query", "kind"], ["query", "check"], ["query", "page"])


def test_the_dashboard_page_names_a_malformed_period_label(desk: Desk) -> None:
    r = desk.http.get("/audit", params={"kind": "week", "label": "2026-47"})
    assert r.status_code == 422
    assert names_field(alert(r), "label", "period", "week")


def test_an_offending_page_far_past_the_last_is_a_4xx_not_a_500(desk: Desk) -> None:
    r = desk.http.get("/audit/offending", params={"label": "2026-W47", "page": str(10**30)})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])


# The investigators' trace form: /trace, /trace/export ---------------------------------------------------


@pytest.mark.parametrize("path", ["/trace", "/trace/export"])
def test_the_trace_form_without_its_period_names_from_and_to(desk: Desk, path: str) -> None:
    r = desk.http.post(path, data={"phone": "13800138000"})
    assert same(locs(r), ["body", "from"], ["body", "to"])


def test_the_trace_form_with_an_overlong_phone_and_country_names_both(desk: Desk) -> None:
    data = {**SPAN, "phone": "1" * 201, "country": "CHN"}
    assert same(locs(desk.http.post("/trace", data=data)), ["body", "phone"], ["body", "country"])


def test_the_trace_form_with_an_unknown_id_type_names_it_and_never_echoes_the_number(desk: Desk) -> None:
    number = resident_id(region="440106", birth="19900101", seq="617")
    r = desk.http.post("/trace", data={**SPAN, "id_type": "ssn", "id_number": number})
    assert locs(r) == [["body", "id_type"]]
    assert number not in r.text and number[:17] not in r.text


@pytest.mark.parametrize("path", ["/trace", "/trace/export"])
def test_the_trace_form_names_a_phone_too_short(desk: Desk, path: str) -> None:
    r = desk.http.post(path, data={**SPAN, "phone": "12"})
    assert r.status_code == 422
    text = alert(r) if path == "/trace" else r.text
    assert names_field(text, "phone", "phone")


@pytest.mark.parametrize("path", ["/trace", "/trace/export"])
def test_the_trace_form_names_a_day_typed_as_seconds_since_1970(desk: Desk, path: str) -> None:
    r = desk.http.post(path, data={"from": "1763424000", "to": "2025-11-20", "phone": "13800138000"})
    assert r.status_code == 422
    text = alert(r) if path == "/trace" else r.text
    assert "from" in text and "1763424000" not in text
