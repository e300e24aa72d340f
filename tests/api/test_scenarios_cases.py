"""Scenarios of the customs officer's case workflow over HTTP, from the shared sources.

Written from ../shared/ARCHITECTURE.md (a hold opens a case; officers' outcomes flow back into history
and labels), ../shared/contract/README.md (GET /v1/decisions read-back with the case status; bad input
is a 4xx naming the field and changes nothing) and ../shared/domain/RULES.md (PRIOR_VIOLATIONS: inspect,
hold for two within a year; identity numbers only as HMAC, mask and, in case rows, an encrypted copy
that only the unmask permission reveals, every unmasking audited). The queue holds exactly the held
parcels; officers claim, ask for information and close cases; roles and CSRF guard every change.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.security import CSRF_HEADER
from tests.api.answers import codes, reason_of
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import (
    NO_ID,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    waybill,
)

ATTACHMENT = {"kind": "xray", "reference": "xray://outlet-42/0001.png", "sha256": "ab" * 32}
CLOSING = ("release", "seize", "return", "refer_to_police")
STATUS_AFTER = {
    "release": "released",
    "seize": "seized",
    "return": "returned",
    "refer_to_police": "referred_to_police",
}


# Helpers ------------------------------------------------------------------------------------------------


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body."""
    return [e["loc"] for e in body["detail"]]


def sender(seq: str) -> dict[str, Any]:
    """A sender of their own (ID and phone), so that scenarios do not share history by accident."""
    return party(id_number=resident_id(region="320106", birth="19860606", seq=seq), phone=f"13700{seq:0>6}")


def cbec_import(**changes: Any) -> dict[str, Any]:
    """A cross-border e-commerce import of 6,000 CNY without the buyer's ID: held for two reasons."""
    base: dict[str, Any] = {
        "service": "import",
        "channel": "cbec",
        "sender": hk_receiver(),
        "receiver": cn_receiver(),
        "items": [item(description="奶粉 milk powder", category="food", quantity=1, unit_value=6000.0)],
    }
    return waybill(**(base | changes))


def unverified() -> dict[str, Any]:
    """A domestic parcel whose sender ID was not checked against the person: inspected."""
    return waybill(sender=party(id_verified=False, verification_method="none"))


def no_sender_id() -> dict[str, Any]:
    """A domestic parcel without a sender ID: rejected."""
    return waybill(sender=party(**NO_ID))


def queue(client: CaseClient, **params: Any) -> dict[str, Any]:
    """GET /v1/cases with these query parameters; expects 200."""
    r = client.http.get("/v1/cases", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def ids(client: CaseClient, **params: Any) -> list[str]:
    """Case ids of one page of the queue."""
    return [c["case_id"] for c in queue(client, **params)["items"]]


def detail(client: CaseClient, case_id: str, **headers: str) -> dict[str, Any]:
    """GET /v1/cases/{case_id}; expects 200."""
    r = client.http.get(f"/v1/cases/{case_id}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def steady(case: dict[str, Any]) -> dict[str, Any]:
    """A case without its priority and overdue flag, which move with the clock."""
    return {k: v for k, v in case.items() if k not in ("priority", "overdue")}


def trail(client: CaseClient, case_id: str) -> list[tuple[str, str]]:
    """(action, actor) of each entry of a case's audit trail."""
    return [(h["action"], h["actor"]) for h in detail(client, case_id)["history"]]


def read_back(client: CaseClient, wb: dict[str, Any], **headers: str) -> dict[str, Any]:
    """GET /v1/decisions/{carrier}/{waybill_no}; expects 200."""
    r = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def held_case(client: CaseClient, wb: dict[str, Any] | None = None) -> str:
    """Score a waybill that must be held; its case id."""
    d = client.score(wb if wb is not None else over_limit())
    assert d["decision"] == "hold" and d["case_id"], d
    case_id: str = d["case_id"]
    return case_id


def audit_entries(client: CaseClient) -> int:
    """Entries of the whole audit trail (needs a role that reads the audit)."""
    r = client.http.get("/v1/cases/audit/verify")
    assert r.status_code == 200, r.text
    assert r.json()["problem"] is None
    entries: int = r.json()["entries"]
    return entries


# The queue: exactly the held parcels, in order, filtered --------------------------------------------


def test_the_queue_holds_the_held_parcels_and_no_released_inspected_or_rejected_one(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    decided = {
        "release": client.score(waybill()),
        "inspect": client.score(unverified()),
        "reject": client.score(no_sender_id()),
        "hold": client.score(over_limit()),
    }
    assert {k: d["decision"] for k, d in decided.items()} == {k: k for k in decided}
    assert [d["case_id"] is None for d in decided.values()] == [True, True, True, False]
    client.as_new("wang", "officer")
    page = queue(client)
    assert [c["waybill_no"] for c in page["items"]] == [decided["hold"]["waybill_no"]]
    assert page["total"] == 1 and page["counts"] == {
        "open": 1,
        "in_review": 0,
        "info_requested": 0,
        "released": 0,
        "seized": 0,
        "returned": 0,
        "referred_to_police": 0,
    }
    for kind in ("release", "inspect", "reject"):
        wb_no = decided[kind]["waybill_no"]
        assert client.http.get(f"/v1/cases/CASE-SF-{wb_no}").status_code == 404


def test_each_held_parcel_is_one_open_case_carrying_its_own_hold_reasons(cases_client: CaseClient) -> None:
    client = cases_client
    postal = client.score(over_limit())
    cbec = client.score(cbec_import())
    client.score(waybill())
    client.as_new("wang", "officer")
    page = queue(client, sort="age")
    assert [c["case_id"] for c in page["items"]] == [postal["case_id"], cbec["case_id"]]
    by_id = {c["case_id"]: c for c in page["items"]}
    assert by_id[postal["case_id"]]["reason_codes"] == ["OVER_PERSONAL_LIMIT"]
    assert set(by_id[cbec["case_id"]]["reason_codes"]) == {"CBEC_SINGLE_LIMIT", "BUYER_ID_MISSING"}
    assert {c["status"] for c in page["items"]} == {"open"}
    assert all(c["assignee"] is None and c["closed_at"] is None for c in page["items"])
    assert (by_id[cbec["case_id"]]["lane"], by_id[cbec["case_id"]]["channel"]) == ("import", "cbec")


def test_a_held_parcel_re_sent_is_one_case_with_one_opening(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    first = client.score(wb)
    again = client.score(wb)
    assert again["case_id"] == first["case_id"] and again["decision"] == "hold"
    # Corrected but still over the limit: rescored, still the same case.
    corrected = {**wb, "items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}
    assert client.score(corrected)["case_id"] == first["case_id"]
    client.as_new("wang", "officer")
    page = queue(client)
    assert [c["case_id"] for c in page["items"]] == [first["case_id"]] and page["counts"]["open"] == 1
    assert [a for a, _ in trail(client, first["case_id"])] == ["opened", "rescored"]


def test_a_held_parcel_re_sent_after_its_case_was_closed_does_not_reopen_it(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    assert client.act(case_id, "release", note="gifts").status_code == 200
    again = client.score(wb)
    assert (again["case_id"], again["case_status"]) == (case_id, "released")
    page = queue(client)
    assert page["total"] == 1 and page["counts"]["released"] == 1 and page["counts"]["open"] == 0
    assert detail(client, case_id)["status"] == "released"
    assert read_back(client, wb)["case_status"] == "released"


def test_the_queue_puts_more_hold_reasons_first_and_sorts_by_age_either_way(cases_client: CaseClient) -> None:
    client = cases_client
    older = held_case(client)
    two_reasons = held_case(client, cbec_import())
    newer = held_case(client)
    client.as_new("wang", "officer")
    assert ids(client) == [two_reasons, older, newer]  # priority is the default order
    assert ids(client, sort="priority") == [two_reasons, older, newer]
    assert ids(client, sort="age") == [older, two_reasons, newer]
    assert ids(client, sort="newest") == [newer, two_reasons, older]
    priorities = [c["priority"] for c in queue(client)["items"]]
    assert priorities == sorted(priorities, reverse=True)


def test_the_queue_filters_by_status_lane_carrier_outlet_and_reason(cases_client: CaseClient) -> None:
    client = cases_client
    sf = held_case(client)
    ems = held_case(client, over_limit(carrier="EMS", outlet_id="EMS-110000-7"))
    cbec = held_case(client, cbec_import())
    client.as_new("wang", "officer")
    assert client.act(sf, "release").status_code == 200
    assert ids(client, lane="import") == [cbec]
    assert ids(client, lane="export", sort="age") == [sf, ems]
    assert ids(client, carrier="EMS") == [ems]
    assert ids(client, outlet="EMS-110000-7") == [ems]
    assert ids(client, reason="BUYER_ID_MISSING") == [cbec]
    assert ids(client, reason="OVER_PERSONAL_LIMIT", sort="age") == [sf, ems]
    assert ids(client, reason="WATCHLIST_HIT") == []
    assert ids(client, status="released") == [sf]
    assert ids(client, status=["open", "released"], sort="age") == [sf, ems, cbec]
    page = queue(client, status="open", lane="export")
    assert [c["case_id"] for c in page["items"]] == [ems] and page["total"] == 1
    # Counts per status under the other filters, whatever the status filter.
    assert (page["counts"]["open"], page["counts"]["released"]) == (1, 1)


def test_the_queue_pages_and_reports_the_total(cases_client: CaseClient) -> None:
    client = cases_client
    made = [held_case(client) for _ in range(3)]
    client.as_new("wang", "officer")
    pages = [queue(client, sort="age", per_page=2, page=p) for p in (1, 2, 3)]
    assert [[c["case_id"] for c in p["items"]] for p in pages] == [made[:2], made[2:], []]
    assert {p["total"] for p in pages} == {3}
    assert [(p["page"], p["per_page"]) for p in pages] == [(1, 2), (2, 2), (3, 2)]


def test_the_queue_filters_by_opening_time(cases_client: CaseClient) -> None:
    client = cases_client
    before = datetime.now(UTC) - timedelta(seconds=1)
    case_id = held_case(client)
    after = datetime.now(UTC) + timedelta(seconds=1)
    client.as_new("wang", "officer")
    assert ids(client, opened_from=before.isoformat()) == [case_id]
    assert ids(client, opened_from=after.isoformat()) == []
    assert ids(client, opened_to=before.isoformat()) == []
    assert ids(client, opened_to=after.isoformat()) == [case_id]


# Claiming, asking for information, outcomes -------------------------------------------------------


def test_claiming_a_case_puts_it_in_review_under_the_officer(cases_client: CaseClient) -> None:
    client = cases_client
    mine, other = held_case(client), held_case(client)
    client.add_user("li", "officer")
    client.as_new("wang", "officer")
    r = client.act(mine, "assign")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["assignee"]) == ("in_review", "wang")
    assert ids(client, assignee="me") == [mine]
    assert ids(client, assignee="wang") == [mine]
    assert ids(client, unassigned=True) == [other]
    assert ids(client, status="in_review") == [mine]
    last = detail(client, mine)["history"][-1]
    assert (last["action"], last["actor"]) == ("assign", "wang")
    assert last["before"]["status"] == "open" and last["after"] == {"status": "in_review", "assignee": "wang"}
    assert client.login("li").status_code == 200
    assert ids(client, assignee="me") == []


def test_asking_for_information_keeps_the_case_active_until_it_is_released(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    asked = client.act(case_id, "request_info", note="invoice please")
    assert asked.status_code == 200 and asked.json()["status"] == "info_requested"
    assert asked.json()["closed_at"] is None and asked.json()["assignee"] == "wang"
    assert [n["text"] for n in detail(client, case_id)["notes"]] == ["invoice please"]
    released = client.act(case_id, "release", note="invoice matches")
    assert released.status_code == 200
    assert released.json()["status"] == "released" and released.json()["closed_at"] is not None
    assert [a for a, _ in trail(client, case_id)] == ["opened", "request_info", "release"]


@pytest.mark.parametrize("action", CLOSING)
def test_each_outcome_closes_the_case_and_nothing_acts_on_it_afterwards(
    cases_client: CaseClient, action: str
) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    assert client.act(case_id, "assign").status_code == 200
    r = client.act(case_id, action, violation_type="undeclared goods")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == STATUS_AFTER[action] and r.json()["closed_at"] is not None
    assert r.json()["overdue"] is False
    closed = steady(detail(client, case_id))
    for later in ("assign", "request_info", *CLOSING):
        assert client.act(case_id, later).status_code == 409, later
    assert steady(detail(client, case_id)) == closed
    assert ids(client, status=["open", "in_review", "info_requested"]) == []
    assert ids(client, status=STATUS_AFTER[action]) == [case_id]


def test_a_violation_outcome_keeps_its_violation_type_on_the_case(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    case = detail(client, case_id)
    assert case["violation_type"] == "undeclared goods" and case["status"] == "seized"
    assert case["history"][-1]["after"]["violation_type"] == "undeclared goods"


# Read-back: the courier learns what became of the hold --------------------------------------------


def test_the_decision_read_back_follows_the_case_through_every_step(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    sf = bearer(make_key(client.app, "carrier", "SF"))
    seen = [read_back(client, wb, **sf)["case_status"]]
    client.as_new("wang", "officer")
    for action in ("assign", "request_info", "seize"):
        assert client.act(case_id, action, violation_type="undeclared goods").status_code == 200
        got = read_back(client, wb, **sf)
        assert (got["decision"], got["case_id"]) == ("hold", case_id)
        seen.append(got["case_status"])
        assert got["case_status"] == detail(client, case_id)["status"]
    assert seen == ["open", "in_review", "info_requested", "seized"]


def test_another_carriers_key_cannot_read_the_decision_back(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    held_case(client, wb)
    yto = bearer(make_key(client.app, "carrier", "YTO"))
    r = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}", headers=yto)
    assert r.status_code == 403 and "case_status" not in r.text


def test_customs_reads_the_decision_back_with_the_case_status(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    got = read_back(client, wb, **customs)
    assert (got["decision"], got["case_id"], got["case_status"]) == ("hold", case_id, "open")


def test_a_re_send_after_the_case_closed_leaves_the_read_back_on_the_outcome(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    changed = {**wb, "items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}
    for body in (wb, changed):
        again = client.score(body)
        # The answer to the re-send tells the courier the case's status now, as the read-back does.
        assert (again["decision"], again["case_id"], again["case_status"]) == ("hold", case_id, "seized")
        assert read_back(client, wb)["case_status"] == "seized"
    assert detail(client, case_id)["status"] == "seized"
    assert queue(client)["counts"]["seized"] == 1 and queue(client)["total"] == 1


def test_a_batch_re_sending_a_closed_cases_parcel_answers_the_cases_status(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    assert client.act(case_id, "release", note="gifts").status_code == 200
    changed = {**wb, "items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}
    r = client.http.post("/v1/score/batch", json={"waybills": [wb, changed]})
    assert r.status_code == 200, r.text
    slots = r.json()["decisions"]
    assert [(d["case_id"], d["case_status"]) for d in slots] == [(case_id, "released")] * 2


# Outcomes flow back into history: PRIOR_VIOLATIONS ----------------------------------------------------


@pytest.mark.parametrize("action", ["seize", "refer_to_police"])
def test_a_case_closed_as_a_violation_flags_the_senders_next_parcel(
    cases_client: CaseClient, action: str
) -> None:
    client = cases_client
    who = sender("101")
    case_id = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(case_id, action, violation_type="undeclared goods").status_code == 200
    d = client.score(waybill(sender=who, hours_after=3))
    ev = reason_of(d, "PRIOR_VIOLATIONS")["evidence"]
    assert (d["decision"], ev["violations"]) == ("inspect", 1)
    assert reason_of(d, "PRIOR_VIOLATIONS")["outcome"] == "inspect"


@pytest.mark.parametrize("steps", [("assign", "release"), ("request_info", "release")])
def test_a_case_cleared_by_release_flags_nobody(cases_client: CaseClient, steps: tuple[str, ...]) -> None:
    client = cases_client
    who = sender("102")
    case_id = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    for step in steps:
        assert client.act(case_id, step).status_code == 200
    d = client.score(waybill(sender=who, hours_after=3))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d["decision"] == "release" and d["case_id"] is None


def test_an_open_or_claimed_case_is_not_yet_a_violation(cases_client: CaseClient) -> None:
    client = cases_client
    who = sender("103")
    case_id = held_case(client, over_limit(sender=who))
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=who, hours_after=1)))
    client.as_new("wang", "officer")
    assert client.act(case_id, "assign").status_code == 200
    assert client.act(case_id, "request_info").status_code == 200
    d = client.score(waybill(sender=who, hours_after=2))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d["decision"] == "release"


def test_two_cases_closed_as_violations_within_a_year_hold_the_senders_next_parcel(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    who = sender("104")
    first = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(first, "seize", violation_type="undeclared goods").status_code == 200
    second_d = client.score(over_limit(sender=who, hours_after=24 * 100))
    assert reason_of(second_d, "PRIOR_VIOLATIONS")["evidence"]["violations"] == 1
    assert client.act(second_d["case_id"], "refer_to_police", violation_type="smuggling").status_code == 200
    d = client.score(waybill(sender=who, hours_after=24 * 101))
    prior = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], prior["outcome"], prior["evidence"]["violations"]) == ("hold", "hold", 2)
    # The new hold is a case in the queue, found by its reason.
    assert d["case_id"] and ids(client, reason="PRIOR_VIOLATIONS", status="open") == [d["case_id"]]


def test_two_violations_more_than_a_year_apart_only_inspect(cases_client: CaseClient) -> None:
    client = cases_client
    who = sender("105")
    first = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(first, "seize", violation_type="undeclared goods").status_code == 200
    second = held_case(client, over_limit(sender=who, hours_after=24 * 400))
    assert client.act(second, "seize", violation_type="undeclared goods").status_code == 200
    d = client.score(waybill(sender=who, hours_after=24 * 401))
    prior = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], prior["evidence"]["violations"]) == ("inspect", 1)


def test_a_released_case_and_a_seized_one_count_as_one_violation(cases_client: CaseClient) -> None:
    client = cases_client
    who = sender("106")
    cleared = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(cleared, "release").status_code == 200
    seized = held_case(client, over_limit(sender=who, hours_after=2))
    assert client.act(seized, "seize", violation_type="undeclared goods").status_code == 200
    d = client.score(waybill(sender=who, hours_after=3))
    assert (d["decision"], reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"]) == ("inspect", 1)


def test_a_bulk_seizure_of_a_ring_flags_the_rings_sender(cases_client: CaseClient) -> None:
    client = cases_client
    ring = ant_ring(7, id_number=resident_id(seq="107"), phone="13700000107")
    held_ids = [d["case_id"] for d in map(client.score, ring) if d["case_id"]]
    assert held_ids
    client.as_new("wang", "officer")
    cluster = detail(client, held_ids[0])["cluster_id"]
    r = client.http.post(
        f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize", "violation_type": "ant moving"}
    )
    assert r.status_code == 200 and r.json()["acted"] == sorted(held_ids)
    d = client.score(waybill(sender=ring[0]["sender"], hours_after=10))
    assert "PRIOR_VIOLATIONS" in codes(d)


def test_a_seized_parcels_receiver_is_flagged_on_another_senders_parcel(cases_client: CaseClient) -> None:
    client = cases_client
    receiver = hk_receiver(phone="+85291110001", name="LEE", address={"detail": "Flat 1, 1 Queen's Road"})
    case_id = held_case(client, over_limit(sender=sender("108"), receiver=receiver))
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    # Another person in another building sends one small article to the same receiver.
    elsewhere = {"district": "徐汇区", "detail": "漕溪北路595号2号楼1101室"}
    other = party(id_number=resident_id(seq="109"), phone="13700000109", address=elsewhere)
    small = export_postal(
        sender=other, receiver=receiver, hours_after=2, items=[item(quantity=1, unit_value=100.0)]
    )
    d = client.score(small)
    ev = reason_of(d, "PRIOR_VIOLATIONS")["evidence"]
    assert (d["decision"], ev["violations"]) == ("inspect", 1) and ev["entity"].startswith("receiver")


# Unmasking -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_unmasking_is_refused_without_the_permission_and_leaves_no_trace(
    cases_client: CaseClient, role: str
) -> None:
    client = cases_client
    number = resident_id(region="310101", birth="19791010", seq="201")
    case_id = held_case(client, over_limit(sender=party(id_number=number)))
    client.as_new("someone", role)
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 403 and number not in r.text
    client.as_new("chief", "supervisor")
    assert trail(client, case_id) == [("opened", "system")]


@pytest.mark.parametrize("role", ["supervisor", "investigator"])
def test_unmasking_with_the_permission_shows_the_number_and_records_who_and_when(
    cases_client: CaseClient, role: str
) -> None:
    client = cases_client
    number = resident_id(region="310101", birth="19791010", seq="202")
    case_id = held_case(client, over_limit(sender=party(id_number=number)))
    client.as_new("li", role)
    before = datetime.now(UTC)
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    after = datetime.now(UTC)
    assert r.status_code == 200
    assert r.json() == {"case_id": case_id, "sender_id_number": number, "receiver_id_number": None}
    last = detail(client, case_id)["history"][-1]
    assert (last["action"], last["actor"], last["case_id"]) == ("unmask_id", "li", case_id)
    at = datetime.fromisoformat(last["at"])
    assert at.tzinfo is not None and before - timedelta(seconds=1) <= at <= after + timedelta(seconds=1)
    assert number not in str(last)


def test_every_unmasking_is_its_own_audit_entry(cases_client: CaseClient) -> None:
    client = cases_client
    number = resident_id(region="310101", birth="19791010", seq="203")
    case_id = held_case(client, over_limit(sender=party(id_number=number)))
    client.add_user("chen", "investigator")
    client.as_new("chief", "supervisor")
    entries = audit_entries(client)
    for who in ("chief", "chen", "chief"):
        assert client.login(who).status_code == 200
        assert client.http.post(f"/v1/cases/{case_id}/unmask").json()["sender_id_number"] == number
    assert client.login("chief").status_code == 200
    unmasks = [(a, w) for a, w in trail(client, case_id) if a == "unmask_id"]
    assert unmasks == [("unmask_id", "chief"), ("unmask_id", "chen"), ("unmask_id", "chief")]
    assert audit_entries(client) == entries + 3


def test_a_buyers_id_on_an_import_case_is_masked_and_unmasked_on_the_receiver_side(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    buyer = resident_id(region="440106", birth="19900101", seq="204")
    wb = cbec_import(receiver=cn_receiver(id_type="resident_id", id_number=buyer, id_verified=True))
    case_id = held_case(client, wb)
    client.as_new("chief", "supervisor")
    case = detail(client, case_id)
    assert case["receiver_id_masked"] == buyer[:6] + "*" * 8 + buyer[-4:]
    assert case["sender_id_masked"] is None and buyer not in str(case)
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 200
    assert (r.json()["sender_id_number"], r.json()["receiver_id_number"]) == (None, buyer)
    assert detail(client, case_id)["history"][-1]["after"] == {"fields": ["receiver_id_number"]}


def test_the_plain_number_is_never_in_the_queue_a_case_or_the_read_back(cases_client: CaseClient) -> None:
    client = cases_client
    number = resident_id(region="330106", birth="19850606", seq="205")
    wb = over_limit(sender=party(id_number=number))
    case_id = held_case(client, wb)
    client.as_new("chief", "supervisor", "officer")
    assert client.act(case_id, "assign", note="checking the sender").status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/unmask").status_code == 200
    masked = number[:6] + "*" * 8 + number[-4:]
    case = client.http.get(f"/v1/cases/{case_id}")
    assert (
        case.json()["sender_id_masked"] == masked and case.json()["waybill"]["sender"]["id_number"] == masked
    )
    answers = [
        client.http.get("/v1/cases"),
        client.http.get("/v1/cases", params={"status": "in_review", "sort": "newest"}),
        case,
        client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}"),
    ]
    for a in answers:
        assert a.status_code == 200 and number not in a.text and number[6:14] not in a.text


def test_unmasking_an_unknown_case_is_404_and_writes_nothing(cases_client: CaseClient) -> None:
    client = cases_client
    held_case(client)
    client.as_new("chief", "supervisor")
    entries = audit_entries(client)
    assert client.http.post("/v1/cases/CASE-SF-SF0000000000/unmask").status_code == 404
    assert client.http.post("/v1/cases/not-a-case/unmask").status_code == 422
    assert audit_entries(client) == entries


# Roles ---------------------------------------------------------------------------------------------


def test_a_courier_key_cannot_read_or_work_cases(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    sf = bearer(make_key(client.app, "carrier", "SF"))
    assert client.http.get("/v1/cases", headers=sf).status_code == 403
    assert client.http.get(f"/v1/cases/{case_id}", headers=sf).status_code == 403
    assert (
        client.http.post(f"/v1/cases/{case_id}/actions", json={"action": "release"}, headers=sf).status_code
        == 403
    )
    assert client.http.post(f"/v1/cases/{case_id}/unmask", headers=sf).status_code == 403
    assert client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "x"}, headers=sf).status_code == 403
    client.as_new("wang", "officer")
    case = detail(client, case_id)
    assert (
        case["status"] == "open" and case["notes"] == [] and trail(client, case_id) == [("opened", "system")]
    )


def test_an_auditor_reads_cases_but_changes_none(cases_client: CaseClient) -> None:
    client = cases_client
    ring_ids = [
        d["case_id"]
        for d in map(
            client.score,
            ant_ring(7, id_number=resident_id(seq="301")),
        )
        if d["case_id"]
    ]
    case_id = ring_ids[0]
    client.as_new("zhao", "auditor")
    before = steady(detail(client, case_id))
    assert ids(client, sort="age") == ring_ids
    refused = [
        client.act(case_id, "assign"),
        client.act(case_id, "release"),
        client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "looked at it"}),
        client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT),
        client.http.post(f"/v1/cases/{case_id}/unmask"),
        client.http.post(f"/v1/cases/clusters/{before['cluster_id']}/actions", json={"action": "seize"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert steady(detail(client, case_id)) == before
    assert queue(client)["counts"]["open"] == len(ring_ids)


def test_an_investigator_works_one_case_but_not_a_whole_ring(cases_client: CaseClient) -> None:
    client = cases_client
    ring_ids = [
        d["case_id"] for d in map(client.score, ant_ring(7, id_number=resident_id(seq="302"))) if d["case_id"]
    ]
    client.as_new("chen", "investigator")
    cluster = detail(client, ring_ids[0])["cluster_id"]
    bulk = client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize"})
    assert bulk.status_code == 403
    assert queue(client)["counts"]["seized"] == 0
    assert client.act(ring_ids[0], "assign").status_code == 200


# Bad input: a 4xx naming the field, and nothing changed ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "action"),
        ({"action": "burn"}, "action"),
        ({"action": "release", "note": ""}, "note"),
        ({"action": "release", "note": "x" * 2001}, "note"),
        ({"action": "seize", "violation_type": ""}, "violation_type"),
        ({"action": "assign", "assignee": "li"}, "assignee"),
    ],
    ids=[
        "missing",
        "unknown",
        "empty-note",
        "long-note",
        "empty-violation",
        "unknown-field",
    ],
)
def test_a_bad_action_is_a_422_naming_its_field_and_changes_nothing(
    cases_client: CaseClient, body: dict[str, Any], field: str
) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer", "auditor")
    before, entries = steady(detail(client, case_id)), audit_entries(client)
    r = client.http.post(f"/v1/cases/{case_id}/actions", json=body)
    assert r.status_code == 422
    assert locs(r.json()) == [["body", field]]
    assert steady(detail(client, case_id)) == before and audit_entries(client) == entries


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("notes", {}, "text"),
        ("attachments", {**ATTACHMENT, "kind": "video"}, "kind"),
        ("attachments", {**ATTACHMENT, "sha256": "AB" * 32}, "sha256"),
        ("attachments", {k: v for k, v in ATTACHMENT.items() if k != "sha256"}, "sha256"),
    ],
    ids=["no-text", "kind", "upper-sha", "no-sha"],
)
def test_a_bad_note_or_attachment_is_a_422_naming_its_field_and_adds_nothing(
    cases_client: CaseClient, path: str, body: dict[str, Any], field: str
) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer", "auditor")
    entries = audit_entries(client)
    r = client.http.post(f"/v1/cases/{case_id}/{path}", json=body)
    assert r.status_code == 422 and locs(r.json()) == [["body", field]]
    case = detail(client, case_id)
    assert (case["notes"], case["attachments"]) == ([], []) and audit_entries(client) == entries


BAD_QUERIES: list[tuple[dict[str, Any], str]] = [
    ({"sort": "random"}, "sort"),
    ({"page": 0}, "page"),
    ({"per_page": 201}, "per_page"),
    ({"lane": "sea"}, "lane"),
    ({"carrier": "sf"}, "carrier"),
    ({"reason": "not a code"}, "reason"),
    ({"opened_from": "2026-11-11T09:30:00"}, "opened_from"),
    ({"opened_from": "2026-11-12T00:00:00+08:00", "opened_to": "2026-11-11T00:00:00+08:00"}, "opened_to"),
    ({"cluster_id": "RING-1"}, "cluster_id"),
    ({"unassigned": "perhaps"}, "unassigned"),
]


def test_a_bad_queue_query_is_a_422_naming_its_parameter(cases_client: CaseClient) -> None:
    client = cases_client
    held_case(client)
    client.as_new("wang", "officer")
    for params, field in BAD_QUERIES:
        r = client.http.get("/v1/cases", params=params)
        assert (r.status_code, locs(r.json())) == (422, [["query", field]]), params
    # A good query beside a bad one: the whole query is refused.
    r = client.http.get("/v1/cases", params={"status": "open", "sort": "random"})
    assert (r.status_code, locs(r.json())) == (422, [["query", "sort"]])


def test_a_malformed_case_id_is_a_422_at_the_path_and_an_unknown_one_a_404(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("chief", "supervisor", "officer")
    for bad in ("case-sf-SF14000000001", "CASE-SF-short", "CASE-SF-SF1400000000_1"):
        for r in (client.act(bad, "release"), client.http.post(f"/v1/cases/{bad}/unmask")):
            assert (r.status_code, locs(r.json())) == (422, [["path", "case_id"]]), bad
    assert client.http.post("/v1/cases/CASE-SF-SF0000000000/notes", json={"text": "x"}).status_code == 404
    assert (
        client.http.post(
            "/v1/cases/clusters/RING-SF-SF0000000000/actions", json={"action": "seize"}
        ).status_code
        == 404
    )
    assert detail(client, case_id)["status"] == "open"


# CSRF ----------------------------------------------------------------------------------------------


CHANGES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "action": ("actions", {"action": "seize", "violation_type": "undeclared goods"}),
    "note": ("notes", {"text": "two coats"}),
    "attachment": ("attachments", ATTACHMENT),
    "unmask": ("unmask", None),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    cases_client: CaseClient, change: str
) -> None:
    client = cases_client
    case_id = held_case(client)
    client.add_user("li", "supervisor", "officer")
    assert client.login("li").status_code == 200
    other_token = client.http.headers[CSRF_HEADER]
    client.as_new("chief", "supervisor", "officer", "auditor")
    before, entries = steady(detail(client, case_id)), audit_entries(client)
    own_token = client.http.headers.pop(CSRF_HEADER)
    path, body = CHANGES[change]
    url = f"/v1/cases/{case_id}/{path}"
    for name, headers in (
        ("missing", {}),
        ("forged", {CSRF_HEADER: "forged"}),
        ("another session's", {CSRF_HEADER: other_token}),
    ):
        r = client.http.post(url, json=body, headers=headers)
        assert r.status_code == 403, name
        assert steady(detail(client, case_id)) == before and audit_entries(client) == entries, name
    # The same request with the session's own token goes through.
    assert client.http.post(url, json=body, headers={CSRF_HEADER: own_token}).status_code == 200
    assert audit_entries(client) == entries + 1


def test_a_bulk_action_without_the_csrf_token_is_refused(cases_client: CaseClient) -> None:
    client = cases_client
    ring_ids = [
        d["case_id"] for d in map(client.score, ant_ring(7, id_number=resident_id(seq="401"))) if d["case_id"]
    ]
    client.as_new("wang", "officer")
    cluster = detail(client, ring_ids[0])["cluster_id"]
    token = client.http.headers.pop(CSRF_HEADER)
    url = f"/v1/cases/clusters/{cluster}/actions"
    assert client.http.post(url, json={"action": "return"}).status_code == 403
    assert queue(client)["counts"]["returned"] == 0
    assert client.http.post(url, json={"action": "return"}, headers={CSRF_HEADER: token}).status_code == 200
    assert queue(client)["counts"]["returned"] == len(ring_ids)


def test_reading_needs_no_csrf_token(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    client.http.headers.pop(CSRF_HEADER)
    assert client.http.get("/v1/cases").status_code == 200
    assert client.http.get(f"/v1/cases/{case_id}").status_code == 200


# The whole trail stays verifiable ------------------------------------------------------------------


def test_a_days_work_leaves_an_unbroken_trail_with_one_entry_per_change(cases_client: CaseClient) -> None:
    client = cases_client
    first, second = held_case(client), held_case(client)
    client.as_new("chief", "supervisor", "officer")
    assert client.act(first, "assign").status_code == 200
    assert client.http.post(f"/v1/cases/{first}/notes", json={"text": "two coats"}).status_code == 200
    assert client.http.post(f"/v1/cases/{first}/unmask").status_code == 200
    assert client.act(first, "seize", violation_type="undeclared goods").status_code == 200
    assert client.act(second, "release").status_code == 200
    assert client.act(second, "seize").status_code == 409
    assert trail(client, first) == [
        ("opened", "system"),
        ("assign", "chief"),
        ("note", "chief"),
        ("unmask_id", "chief"),
        ("seize", "chief"),
    ]
    assert trail(client, second) == [("opened", "system"), ("release", "chief")]
    assert audit_entries(client) == 7
    seqs = [h["seq"] for h in detail(client, first)["history"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
