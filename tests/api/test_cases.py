"""The case API end to end: a hold is queued, an officer seizes it, the sender is flagged next time."""

import os
import signal
import subprocess
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.api.answers import codes
from tests.api.conftest import CaseClient
from tests.api.routes import api_routes
from tests.factories import BASE_TIME, party, resident_id, waybill
from tests.screening.cases.conftest import ant_ring, held
from tests.service_process import Serve


def test_a_held_waybill_is_queued_seized_by_an_officer_and_its_sender_flagged_next_time(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    sender = party(id_number=resident_id(region="330106", birth="19850606", seq="975"))
    held_wb = held(sender=sender)
    decision = client.score(held_wb)
    case_id = decision["case_id"]
    assert decision["decision"] == "hold" and case_id == f"CASE-SF-{held_wb['waybill_no']}"

    client.as_new("wang", "officer")
    queue = client.http.get("/v1/cases", params={"status": "open"}).json()
    assert [c["case_id"] for c in queue["items"]] == [case_id]
    assert queue["counts"]["open"] == 1 and queue["items"][0]["reason_codes"] == ["OVER_PERSONAL_LIMIT"]
    case = client.http.get(f"/v1/cases/{case_id}").json()
    assert (
        case["decision"]["reasons"][0]["message"] and case["waybill"]["sender"]["id_number"].count("*") == 8
    )
    assert sender["id_number"] not in str(case)

    seized = client.act(case_id, "seize", violation_type="undeclared goods", note="X-ray shows 20 phones")
    assert seized.status_code == 200 and seized.json()["status"] == "seized"
    history = client.http.get(f"/v1/cases/{case_id}").json()["history"]
    assert [(h["action"], h["actor"]) for h in history] == [("opened", "system"), ("seize", "wang")]
    assert client.act(case_id, "release").status_code == 409

    read_back = client.http.get(f"/v1/decisions/SF/{held_wb['waybill_no']}").json()
    assert read_back["case_status"] == "seized"
    assert "PRIOR_VIOLATIONS" in codes(client.score(waybill(sender=sender, hours_after=4)))


def test_people_without_the_role_are_refused(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = client.score(held())["case_id"]
    assert client.http.get("/v1/cases").status_code == 401
    client.as_new("zhao", "auditor")
    assert client.http.get(f"/v1/cases/{case_id}").status_code == 200
    assert client.act(case_id, "seize").status_code == 403
    assert client.http.get("/v1/cases/audit/verify").json()["problem"] is None
    client.as_new("root", "admin")
    assert client.http.get("/v1/cases").status_code == 403
    assert client.http.get(f"/v1/cases/{case_id}").status_code == 403
    client.as_new("wang", "officer")
    assert client.http.post(f"/v1/cases/{case_id}/unmask").status_code == 403
    assert client.http.get("/v1/cases/audit/verify").status_code == 403


def test_a_supervisor_unmasks_an_id_and_the_trail_records_who(cases_client: CaseClient) -> None:
    client = cases_client
    number = resident_id(region="310101", birth="19791010", seq="864")
    case_id = client.score(held(sender=party(id_number=number)))["case_id"]
    client.as_new("chief", "supervisor")
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 200 and r.json()["sender_id_number"] == number
    last = client.http.get(f"/v1/cases/{case_id}").json()["history"][-1]
    assert (last["action"], last["actor"]) == ("unmask_id", "chief") and number not in str(last)


def test_notes_attachments_and_a_bulk_action_on_a_ring(cases_client: CaseClient) -> None:
    client = cases_client
    decisions = [client.score(wb) for wb in ant_ring(7, id_number=resident_id(seq="404"))]
    ids = [d["case_id"] for d in decisions if d["case_id"]]
    client.as_new("wang", "officer")
    ring = client.http.get(f"/v1/cases/{ids[0]}").json()["cluster_id"]
    assert ring is not None
    listed = client.http.get("/v1/cases", params={"cluster_id": ring, "sort": "age"}).json()
    assert [c["case_id"] for c in listed["items"]] == ids
    note = client.http.post(f"/v1/cases/{ids[0]}/notes", json={"text": "same face cream, five receivers"})
    assert note.status_code == 200
    attachment = {"kind": "photo", "reference": "s3://evidence/ring-1.jpg", "sha256": "0f" * 32}
    assert client.http.post(f"/v1/cases/{ids[0]}/attachments", json=attachment).status_code == 200
    assert (
        client.http.post(f"/v1/cases/{ids[0]}/attachments", json={**attachment, "sha256": "x"}).status_code
        == 422
    )
    bulk = client.http.post(f"/v1/cases/clusters/{ring}/actions", json={"action": "return"})
    assert bulk.status_code == 200 and bulk.json()["acted"] == sorted(ids)
    mine = client.http.get("/v1/cases", params={"assignee": "me", "status": "returned"}).json()
    assert mine["total"] == len(ids)


def test_inspection_reports_need_a_role_and_a_violation_flags_the_sender(cases_client: CaseClient) -> None:
    client = cases_client
    sender = party(id_number=resident_id(region="210102", birth="19660606", seq="531"))
    released = client.score(waybill(sender=sender))
    report = {
        "carrier": "SF",
        "waybill_no": released["waybill_no"],
        "result": "violation",
        "violation_type": "counterfeit",
        "inspected_at": (BASE_TIME + timedelta(hours=1)).isoformat(),
    }
    assert client.http.post("/v1/inspections", json=report).status_code == 401
    client.as_new("wang", "officer")
    assert client.http.post("/v1/inspections", json={**report, "result": "maybe"}).status_code == 422
    r = client.http.post("/v1/inspections", json=report)
    assert r.status_code == 200 and r.json()["label"] == 1 and r.json()["case_id"] is None
    assert "PRIOR_VIOLATIONS" in codes(client.score(waybill(sender=sender, hours_after=2)))


def test_bad_queries_and_unknown_cases_are_clean_errors(cases_client: CaseClient) -> None:
    client = cases_client
    client.as_new("wang", "officer")
    assert client.http.get("/v1/cases", params={"status": "lost"}).status_code == 422
    assert client.http.get("/v1/cases", params={"per_page": 0}).status_code == 422
    assert client.http.get("/v1/cases", params={"colour": "red"}).status_code == 422
    assert client.http.get("/v1/cases/CASE-SF-SF0000000000").status_code == 404
    assert client.http.get("/v1/cases/not-a-case").status_code == 422
    assert client.act("CASE-SF-SF0000000000", "seize").status_code == 404
    assert client.act("CASE-SF-SF0000000000", "burn").status_code == 422


def test_every_case_route_declares_its_roles(cases_client: CaseClient) -> None:
    guarded = [
        route
        for route in api_routes(cases_client.app.routes)
        if route.path.startswith(("/v1/cases", "/v1/inspections", "/v1/auth/logout", "/v1/auth/me"))
    ]
    assert len(guarded) == 11
    for route in guarded:
        roles = [getattr(d.call, "roles", None) for d in route.dependant.dependencies]
        assert any(roles), f"{route.path} declares no role"


# A real service killed with SIGKILL right after it answered a hold ----------------------------------


def hold_then_kill(url: str, proc: subprocess.Popen[bytes]) -> str:
    """Have the service answer one hold, then SIGKILL it at once; the case id it answered."""
    r = httpx.post(f"{url}/v1/score", json=held(), timeout=10)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert r.status_code == 200 and r.json()["decision"] == "hold"
    case_id: str = r.json()["case_id"]
    return case_id


def read_case(url: str, case_id: str) -> dict[str, Any]:
    """Log in as the development user and read a case."""
    with httpx.Client(base_url=url, timeout=10) as http:
        assert http.post("/v1/auth/login", json={"username": "dev", "password": "dev"}).status_code == 200
        r = http.get(f"/v1/cases/{case_id}")
        assert r.status_code == 200, r.text
        case: dict[str, Any] = r.json()
        return case


@pytest.mark.slow
def test_holds_answered_just_before_a_kill_9_are_cases_after_the_restart(serve: Serve) -> None:
    # 1. SQL down (nothing listens on port 1): the hold is answered from the outbox, then SIGKILL.
    down = {
        "SCREENING_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/screening",
        "SCREENING_SQL_TIMEOUT_S": "0.5",
    }
    proc, url = serve(**down)
    from_outbox = hold_then_kill(url, proc)
    # 2. Restart on the default SQLite file: the outbox is replayed; a new hold is committed, then SIGKILL.
    proc, url = serve()
    assert [h["action"] for h in read_case(url, from_outbox)["history"]] == ["opened"]
    committed = hold_then_kill(url, proc)
    # 3. Restart once more: both cases are there, each opened once.
    _, url = serve()
    for case_id in (from_outbox, committed):
        case = read_case(url, case_id)
        assert case["status"] == "open" and [h["action"] for h in case["history"]] == ["opened"]
