"""The customs officer's case lifecycle over HTTP: what opens a case, how it moves, who moves it, and after.

Written from ../shared/contract/README.md (Decision: "hold: do not forward, a case is opened", "case_id:
set when decision is hold"; the final decision is the most severe reason; Errors: bad input is a 422 whose
body names every offending field and changes no state; Idempotency: (carrier, waybill_no) identifies a
parcel, a changed body is scored again; GET /v1/decisions: the latest decision "with the case status when
there is a case — so a courier system learns when a hold was released"; POST /v1/inspections: a violation
is a confirmed violation of the parcel's entities), ../shared/domain/RULES.md (§3: which reasons ask for a
hold, PRIOR_VIOLATIONS inspect for one confirmed violation and hold for two within a year; §1 "Personal
information": a masked form for display, an encrypted copy in case records that only the unmask
permission reveals, every unmasking in the audit trail), ../shared/ARCHITECTURE.md ("hold → case row",
"officer outcome → history + labels") and the README ("HTTP API" rows of /v1/cases with their roles;
"Cases for customs officers": the statuses, seized/returned/referred to the police confirm a violation, a
release does not, the hash-chained trail; "Security model": who may call what, customs keys act like an
officer without unmasking or ring actions, admin keys reach /v1/admin only; a held parcel's corrected body
that is no longer held leaves its case's status to the officer).

What the neighbouring files (test_scenarios_cases.py, test_scenarios_officers.py, test_cases.py,
test_scenarios_findings.py, test_scenarios_inspections.py) already pin is not repeated here: the queue's
filters and paging, one closing from in_review per outcome, two officers closing one case at once, CSRF,
the pages. This file adds: every hold reason of RULES.md opening a case and the non-holds (even those
naming a hold reason) opening none; closings straight from open and from info_requested; the wire errors
of a disallowed request, each named with nothing changed; one role table per role; races of two ring
actions, of a note, an unmasking, a request for information or a corrected body against a closing;
findings reached through the whole lifecycle; the read-back after each kind of case action.

Readings where the sources leave a choice:
- Notes and attachments need the same roles as actions (the README's customs-key row lists "act, note,
  attach" together, and an auditor "reads").
- Two ring actions at once: the ring action acts on open cases and lists closed ones as skipped (README),
  so the loser may answer 200 with every case skipped, or 409; either way nothing is closed twice.
"""

from datetime import timedelta
from typing import Any

import pytest

from api.security import CSRF_HEADER
from screening.keys.service import KeyKind
from tests.api.answers import codes, reason_of
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.api.test_scenarios_cases import (
    audit_entries,
    cbec_import,
    detail,
    held_case,
    ids,
    locs,
    queue,
    read_back,
    steady,
    trail,
)
from tests.api.test_scenarios_officers import at_once, masked, post, ring_cases, session_headers
from tests.factories import (
    BASE_TIME,
    NO_ID,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    waybill,
)

CLOSED_STATUS = {
    "release": "released",
    "seize": "seized",
    "return": "returned",
    "refer_to_police": "referred_to_police",
}
VIOLATIONS = ("seize", "return", "refer_to_police")
ACTIVE = ("open", "in_review", "info_requested")
ATTACHMENT = {"kind": "xray", "reference": "xray://outlet-7/lifecycle.png", "sha256": "7e" * 32}


# Helpers ----------------------------------------------------------------------------------------------------


def person(seq: str, **changes: Any) -> dict[str, Any]:
    """A sender (or buyer) of their own: ID and phone of this test alone."""
    return party(
        id_number=resident_id(region="420102", birth="19880808", seq=f"{seq:0>3}"),
        phone=f"13500{seq:0>6}",
        **changes,
    )


def bigger(wb: dict[str, Any]) -> dict[str, Any]:
    """The same parcel with a corrected, still over-the-limit body (six units of 200 CNY)."""
    return {**wb, "items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}


def under_limit(wb: dict[str, Any]) -> dict[str, Any]:
    """The same parcel corrected to one unit of 100 CNY: no longer over any limit."""
    return {**wb, "items": [item(quantity=1, unit_value=100.0)], "declared_value": 100.0}


def supervisor_headers(client: CaseClient) -> dict[str, str]:
    """A supervisor's session headers (reads cases and the audit), the client's own state left empty."""
    client.add_user("chief", "supervisor", "officer")
    return session_headers(client, "chief")


def verify(client: CaseClient, headers: dict[str, str]) -> dict[str, Any]:
    """GET /v1/cases/audit/verify with these headers; expects 200."""
    r = client.http.get("/v1/cases/audit/verify", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def ring_parcels_and_cases(client: CaseClient, seq: str) -> tuple[list[dict[str, Any]], list[str], str]:
    """An ant-moving ring's waybills, its held cases (oldest first) and its cluster, read as an officer."""
    ring, held = ring_cases(client, seq)
    client.as_new("ring-officer", "officer")
    cluster: str = detail(client, held[0])["cluster_id"]
    assert cluster is not None
    return ring, held, cluster


# Which decisions open a case --------------------------------------------------------------------------------


def watchlisted(client: CaseClient) -> list[dict[str, Any]]:
    """A domestic parcel of a sender whose phone an admin system put on the watch list."""
    admin = bearer(make_key(client.app, "admin", "ops"))
    entry = {"list": "watch", "kind": "phone", "value": "13500000901"}
    assert client.http.put("/v1/admin/lists", json=[entry], headers=admin).status_code == 200
    return [waybill(sender=person("901"))]


def unqualified_shop(client: CaseClient) -> list[dict[str, Any]]:
    """A domestic parcel of an agreement customer the registry does not know."""
    return [waybill(sender=person("902", customer_type="contract", contract_id="SHOP-NOBODY-1"))]


def buyer_without_id(client: CaseClient) -> list[dict[str, Any]]:
    """A cbec import of 300 CNY without the buyer's ID."""
    milk = item(description="奶粉 milk powder", category="food", quantity=1, unit_value=300.0)
    return [cbec_import(items=[milk])]


def buyer(seq: str) -> dict[str, Any]:
    """A mainland buyer with a verified resident ID."""
    return cn_receiver(
        id_type="resident_id",
        id_number=resident_id(region="440106", birth="19900101", seq=seq),
        id_verified=True,
        verification_method="online_check",
    )


def over_single_cbec_limit(client: CaseClient) -> list[dict[str, Any]]:
    """A cbec import of 6,000 CNY (over 5,000) with the buyer's ID."""
    return [cbec_import(receiver=buyer("903"))]


def over_annual_cbec_limit(client: CaseClient) -> list[dict[str, Any]]:
    """Six purchases of 4,900 CNY by one buyer: the sixth passes 26,000 CNY in the year."""
    milk = item(description="奶粉 milk powder", category="food", quantity=1, unit_value=4900.0)
    return [cbec_import(receiver=buyer("904"), items=[milk], hours_after=24 * i) for i in range(6)]


def receiver_of_many(client: CaseClient) -> list[dict[str, Any]]:
    """Five senders' parcels of 760 CNY each to one Hong Kong receiver within a day (3,800 ≥ 3·800)."""
    cream = item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=760.0)
    return [
        export_postal(sender=person(f"91{i}"), items=[cream], weight_kg=0.4, hours_after=i) for i in range(5)
    ]


HOLD_REASONS = {
    "WATCHLIST_HIT": watchlisted,
    "CONTRACT_UNQUALIFIED": unqualified_shop,
    "BUYER_ID_MISSING": buyer_without_id,
    "CBEC_SINGLE_LIMIT": over_single_cbec_limit,
    "CBEC_ANNUAL_LIMIT": over_annual_cbec_limit,
    "ANT_MOVING_RECEIVER": receiver_of_many,
}


@pytest.mark.parametrize("code", list(HOLD_REASONS))
def test_each_reason_that_asks_for_a_hold_opens_a_case_naming_it(cases_client: CaseClient, code: str) -> None:
    """RULES.md §3: these reasons ask for a hold; contract: a hold opens a case, case_id set when held."""
    client = cases_client
    parcels = HOLD_REASONS[code](client)
    *before, last = [client.score(wb) for wb in parcels]
    assert all(d["decision"] != "hold" and d["case_id"] is None for d in before), before
    assert last["decision"] == "hold" and code in codes(last), last["reasons"]
    assert reason_of(last, code)["outcome"] == "hold"
    client.as_new("wang", "officer")
    page = queue(client)
    assert [c["case_id"] for c in page["items"]] == [last["case_id"]]
    case = detail(client, last["case_id"])
    assert code in case["reason_codes"] and case["status"] == "open"
    assert (case["carrier"], case["waybill_no"]) == (parcels[-1]["carrier"], parcels[-1]["waybill_no"])


def test_over_the_limit_as_one_article_is_inspected_and_opens_no_case(cases_client: CaseClient) -> None:
    """RULES.md: OVER_PERSONAL_LIMIT holds, but one single article is inspected; only a hold is a case."""
    client = cases_client
    d = client.score(export_postal(items=[item(quantity=1, unit_value=1000.0)]))
    assert (d["decision"], reason_of(d, "OVER_PERSONAL_LIMIT")["outcome"]) == ("inspect", "inspect")
    assert d["case_id"] is None
    client.as_new("wang", "officer")
    assert queue(client)["total"] == 0
    assert client.http.get(f"/v1/cases/CASE-SF-{d['waybill_no']}").status_code == 404


REJECTED_HOLDS = {
    "no-sender-id": lambda: over_limit(sender=party(**NO_ID)),
    "prohibited": lambda: export_postal(
        items=[
            item(quantity=5, unit_value=200.0),
            item(description="仿真手枪 replica pistol", category="general", quantity=1, unit_value=10.0),
        ]
    ),
}


@pytest.mark.parametrize("kind", list(REJECTED_HOLDS))
def test_a_reject_that_also_names_a_hold_reason_opens_no_case(cases_client: CaseClient, kind: str) -> None:
    """Contract: the decision is the most severe reason (reject > hold) and case_id is set only for a hold."""
    client = cases_client
    d = client.score(REJECTED_HOLDS[kind]())
    assert d["decision"] == "reject" and reason_of(d, "OVER_PERSONAL_LIMIT")["outcome"] == "hold"
    assert d["case_id"] is None
    client.as_new("wang", "officer")
    assert queue(client)["total"] == 0
    assert client.http.get(f"/v1/cases/CASE-SF-{d['waybill_no']}").status_code == 404
    assert read_back(client, d)["decision"] == "reject" and read_back(client, d)["case_id"] is None


def test_an_inspected_parcel_corrected_into_a_hold_opens_its_case_then(cases_client: CaseClient) -> None:
    """Contract: a changed body is scored again; a hold opens a case (the earlier inspect opened none)."""
    client = cases_client
    wb = export_postal(items=[item(quantity=1, unit_value=1000.0)])
    assert client.score(wb)["case_id"] is None
    corrected = {**wb, "items": [item(quantity=2, unit_value=500.0)]}
    d = client.score(corrected)
    assert (d["decision"], d["case_id"]) == ("hold", f"CASE-SF-{wb['waybill_no']}")
    client.as_new("wang", "officer")
    assert ids(client) == [d["case_id"]]
    assert trail(client, d["case_id"]) == [("opened", "system")]
    assert read_back(client, wb)["case_status"] == "open"


# Statuses and transitions -----------------------------------------------------------------------------------


def test_each_outcome_closes_a_case_straight_from_open(cases_client: CaseClient) -> None:
    """README: release, seize, return, refer_to_police are actions on a case; no claim is needed first."""
    client = cases_client
    made = {a: held_case(client, over_limit(sender=person(f"2{i}"))) for i, a in enumerate(CLOSED_STATUS)}
    client.as_new("wang", "officer")
    for action, case_id in made.items():
        r = client.act(case_id, action, violation_type="undeclared goods")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == CLOSED_STATUS[action] and r.json()["closed_at"] is not None
        last = detail(client, case_id)["history"][-1]
        assert (last["action"], last["before"]["status"]) == (action, "open")
    counts = queue(client)["counts"]
    assert {s: counts[s] for s in ACTIVE} == dict.fromkeys(ACTIVE, 0)
    assert all(counts[s] == 1 for s in CLOSED_STATUS.values())


@pytest.mark.parametrize("action", VIOLATIONS)
def test_a_violation_outcome_closes_a_case_waiting_for_information(
    cases_client: CaseClient, action: str
) -> None:
    """README: info_requested is an open status; the officer may still decide the case as a violation."""
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    assert client.act(case_id, "request_info", note="invoice please").json()["status"] == "info_requested"
    r = client.act(case_id, action, violation_type="no invoice came")
    assert r.status_code == 200 and r.json()["status"] == CLOSED_STATUS[action]
    case = detail(client, case_id)
    assert case["violation_type"] == "no invoice came" and case["closed_at"] is not None
    assert [a for a, _ in trail(client, case_id)] == ["opened", "request_info", action]


def test_asking_again_for_information_keeps_the_case_waiting_and_records_both(
    cases_client: CaseClient,
) -> None:
    """README: request_info is an action on an open case; the case stays open until an outcome closes it."""
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    assert client.act(case_id, "request_info", note="invoice please").status_code == 200
    again = client.act(case_id, "request_info", note="the invoice is unreadable, again please")
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["closed_at"]) == ("info_requested", None)
    case = detail(client, case_id)
    assert [n["text"] for n in case["notes"]] == ["invoice please", "the invoice is unreadable, again please"]
    assert [a for a, _ in trail(client, case_id)] == ["opened", "request_info", "request_info"]


def test_the_status_counts_follow_a_case_step_by_step(cases_client: CaseClient) -> None:
    """README: the queue counts cases per status; a case goes open, in_review, info_requested, returned."""
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    seen = []
    for action in ("assign", "request_info", "return"):
        assert client.act(case_id, action).status_code == 200
        counts = queue(client)["counts"]
        assert sum(counts.values()) == 1
        seen.append(next(s for s, n in counts.items() if n))
    assert seen == ["in_review", "info_requested", "returned"]
    assert [h["before"]["status"] for h in detail(client, case_id)["history"][1:]] == [
        "open",
        "in_review",
        "info_requested",
    ]


def test_the_answer_to_an_action_is_the_case_as_read_afterwards(cases_client: CaseClient) -> None:
    """README: POST …/actions changes the case; what it answers is what GET /v1/cases/{id} then shows."""
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    for action in ("assign", "seize"):
        answered = client.act(case_id, action, violation_type="undeclared goods").json()
        now = detail(client, case_id)
        for field in (
            "case_id",
            "status",
            "assignee",
            "closed_at",
            "cluster_id",
            "reason_codes",
            "opened_at",
        ):
            assert answered[field] == now[field], (action, field)


BAD_ACTIONS: list[tuple[Any, list[list[Any]]]] = [
    ({"action": "reopen"}, [["body", "action"]]),
    ({"action": "SEIZE"}, [["body", "action"]]),
    ({"action": ["seize"]}, [["body", "action"]]),
    ({"action": None}, [["body", "action"]]),
    ({"action": "release", "status": "open"}, [["body", "status"]]),
    ({"action": "seize", "note": 5}, [["body", "note"]]),
    ({"action": "seize", "violation_type": {"kind": "smuggling"}}, [["body", "violation_type"]]),
    ({"action": "burn", "note": "   "}, [["body", "action"], ["body", "note"]]),
    ([{"action": "seize"}], [["body"]]),
]


@pytest.mark.parametrize(
    ("body", "fields"),
    BAD_ACTIONS,
    ids=[
        "reopen",
        "upper-case",
        "list-action",
        "null-action",
        "status-field",
        "number-note",
        "object-violation",
        "two-bad-fields",
        "not-an-object",
    ],
)
def test_a_disallowed_action_request_is_a_422_naming_each_field_and_changes_nothing(
    cases_client: CaseClient, body: Any, fields: list[list[Any]]
) -> None:
    """Contract Errors: bad input is a 422 naming every offending field, and it changes no state."""
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer", "auditor")
    before, entries = steady(detail(client, case_id)), audit_entries(client)
    r = client.http.post(f"/v1/cases/{case_id}/actions", json=body)
    assert r.status_code == 422, r.text
    assert sorted(locs(r.json())) == sorted(fields)
    assert steady(detail(client, case_id)) == before and audit_entries(client) == entries


def test_a_request_to_reopen_a_closed_case_is_refused_and_it_stays_closed(cases_client: CaseClient) -> None:
    """README: a case's statuses and actions; none reopens a closed case (422 for the unknown action)."""
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer", "auditor")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    before, entries = steady(detail(client, case_id)), audit_entries(client)
    for attempt in ({"action": "reopen"}, {"action": "assign", "status": "open"}):
        r = client.http.post(f"/v1/cases/{case_id}/actions", json=attempt)
        assert r.status_code == 422, attempt
    assert client.act(case_id, "assign").status_code == 409
    assert steady(detail(client, case_id)) == before and audit_entries(client) == entries


@pytest.mark.parametrize(
    ("body", "field"),
    [({"action": "burn"}, "action"), ({"action": "seize", "cases": ["all"]}, "cases")],
    ids=["unknown-action", "unknown-field"],
)
def test_a_bad_ring_action_is_a_422_naming_its_field_and_no_case_of_the_ring_moves(
    cases_client: CaseClient, body: dict[str, Any], field: str
) -> None:
    """Contract Errors: a 422 naming the field, no state changed; README: one action on every ring case."""
    client = cases_client
    _, held, cluster = ring_parcels_and_cases(client, "301")
    r = client.http.post(f"/v1/cases/clusters/{cluster}/actions", json=body)
    assert r.status_code == 422 and locs(r.json()) == [["body", field]]
    page = queue(client, cluster_id=cluster)
    assert page["counts"]["open"] == len(held) == page["total"]
    assert all(trail(client, c) == [("opened", "system")] for c in held)


def test_another_carriers_case_id_for_the_same_number_is_a_404_and_the_case_is_untouched(
    cases_client: CaseClient,
) -> None:
    """Contract: (carrier, waybill_no) identifies a parcel, so the number under another carrier is no case."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    stranger = f"CASE-EMS-{wb['waybill_no']}"
    assert client.act(stranger, "seize").status_code == 404
    assert client.http.post(f"/v1/cases/{stranger}/notes", json={"text": "x"}).status_code == 404
    case = detail(client, case_id)
    assert (case["status"], case["notes"]) == ("open", [])
    assert trail(client, case_id) == [("opened", "system")]


def test_the_same_number_held_at_two_carriers_is_two_cases_decided_apart(cases_client: CaseClient) -> None:
    """Contract: (carrier, waybill_no) identifies a parcel; README: every hold becomes a case."""
    client = cases_client
    sf = over_limit(sender=person("311"))
    ems = over_limit(
        carrier="EMS", waybill_no=sf["waybill_no"], outlet_id="EMS-110000-7", sender=person("312")
    )
    sf_case, ems_case = held_case(client, sf), held_case(client, ems)
    assert sf_case != ems_case
    client.as_new("wang", "officer")
    assert client.act(ems_case, "seize", violation_type="undeclared goods").status_code == 200
    assert detail(client, sf_case)["status"] == "open"
    assert (read_back(client, sf)["case_status"], read_back(client, ems)["case_status"]) == ("open", "seized")
    assert trail(client, sf_case) == [("opened", "system")]


def test_a_ring_actions_note_is_written_only_on_the_cases_it_acted_on(cases_client: CaseClient) -> None:
    """README: one action on every open case of a ring; a closed case is not acted on, so it gets no note."""
    client = cases_client
    _, held, cluster = ring_parcels_and_cases(client, "313")
    assert client.act(held[0], "release").status_code == 200
    r = client.http.post(
        f"/v1/cases/clusters/{cluster}/actions",
        json={"action": "seize", "note": "same cream, five receivers"},
    )
    assert r.status_code == 200 and r.json()["skipped"] == [held[0]]
    assert detail(client, held[0])["notes"] == []
    assert all(
        [n["text"] for n in detail(client, c)["notes"]] == ["same cream, five receivers"] for c in held[1:]
    )


# Who may do what --------------------------------------------------------------------------------------------

# README "HTTP API": read (officer, supervisor, investigator, auditor); act, note, attach (officer,
# supervisor, investigator); ring actions (officer, supervisor); unmask (supervisor, investigator).
ROLE_TABLE: dict[str, set[str]] = {
    "officer": {"read", "note", "attachment", "assign", "ring"},
    "supervisor": {"read", "note", "attachment", "assign", "ring", "unmask_id"},
    "investigator": {"read", "note", "attachment", "assign", "unmask_id"},
    "auditor": {"read"},
    "admin": set(),
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_exactly_what_the_readme_table_gives_it(cases_client: CaseClient, role: str) -> None:
    """README: GET /v1/cases and actions, ring actions and unmasking each name the roles that may use them."""
    client = cases_client
    ring, held = ring_cases(client, "401")
    number = ring[0]["sender"]["id_number"]
    case_id = held[0]
    client.as_new("watcher", "auditor")
    cluster = detail(client, case_id)["cluster_id"]
    may = ROLE_TABLE[role]
    client.as_new(f"the-{role}", role)
    answers = {
        "read": [client.http.get("/v1/cases"), client.http.get(f"/v1/cases/{case_id}")],
        "note": [client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "seen"})],
        "attachment": [client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT)],
        "unmask_id": [client.http.post(f"/v1/cases/{case_id}/unmask")],
        "assign": [client.act(case_id, "assign")],
        "ring": [client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "request_info"})],
    }
    for what, responses in answers.items():
        for r in responses:
            assert r.status_code == (200 if what in may else 403), (role, what, r.status_code, r.text)
            if what == "unmask_id" and what not in may:
                assert number[:17] not in r.text
    client.as_new("reader", "auditor")
    mine = [a for a, actor in trail(client, case_id) if actor == f"the-{role}"]
    expected: list[str] = [a for a in ("note", "attachment", "unmask_id", "assign") if a in may]
    expected += ["request_info"] if "ring" in may else []
    assert mine == expected
    others = {a for c in held[1:] for a, actor in trail(client, c) if actor == f"the-{role}"}
    assert others == ({"request_info"} if "ring" in may else set())


@pytest.mark.parametrize(("kind", "scope"), [("carrier", "SF"), ("admin", "ops")])
def test_a_courier_or_admin_systems_key_can_neither_read_nor_change_any_case(
    cases_client: CaseClient, kind: KeyKind, scope: str
) -> None:
    """README Security model: a carrier key reaches scoring and read-back, an admin key /v1/admin only."""
    client = cases_client
    _, held = ring_cases(client, "402")
    key = bearer(make_key(client.app, kind, scope))
    client.as_new("wang", "officer")
    cluster = detail(client, held[0])["cluster_id"]
    before = {c: steady(detail(client, c)) for c in held}
    # The key alone, without the officer's session.
    client.http.cookies.clear()
    client.http.headers.pop(CSRF_HEADER, None)
    case_id = held[0]
    refused = [
        client.http.get("/v1/cases", headers=key),
        client.http.get(f"/v1/cases/{case_id}", headers=key),
        client.http.post(f"/v1/cases/{case_id}/actions", json={"action": "seize"}, headers=key),
        client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "x"}, headers=key),
        client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT, headers=key),
        client.http.post(f"/v1/cases/{case_id}/unmask", headers=key),
        client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize"}, headers=key),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused), [r.text for r in refused]
    assert client.login("wang").status_code == 200
    assert {c: steady(detail(client, c)) for c in held} == before


# Races on one case or one ring ------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [("seize", "release"), ("seize", "seize")])
def test_two_ring_actions_at_once_close_every_case_once(
    cases_client: CaseClient, first: str, second: str
) -> None:
    """README: one action on every open case of a ring, closed ones skipped; a case is closed once."""
    client = cases_client
    ring, held = ring_cases(client, "501")
    client.add_user("li", "officer")
    client.add_user("wang", "supervisor")
    li, wang = session_headers(client, "li"), session_headers(client, "wang")
    cluster = detail(client, held[0], **li)["cluster_id"]
    url = f"/v1/cases/clusters/{cluster}/actions"
    answers = at_once(
        [
            post(client, url, li, {"action": first, "violation_type": "ant moving"}),
            post(client, url, wang, {"action": second, "violation_type": "ant moving"}),
        ]
    )
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    acted = [a.json()["acted"] if a.status_code == 200 else [] for a in answers]
    assert sorted(map(len, acted)) == [0, len(held)], acted
    won = 0 if acted[0] else 1
    winning = (first, second)[won]
    if answers[1 - won].status_code == 200:
        assert answers[1 - won].json()["skipped"] == sorted(held)
    for case_id in held:
        case = detail(client, case_id, **li)
        assert case["status"] == CLOSED_STATUS[winning]
        assert [h["action"] for h in case["history"] if h["action"] in CLOSED_STATUS] == [winning]
    assert verify(client, wang)["problem"] is None
    # Each held parcel is one confirmed violation, however many ring actions came at once.
    d = client.score(waybill(sender=ring[0]["sender"], hours_after=48))
    prior = [r for r in d["reasons"] if r["code"] == "PRIOR_VIOLATIONS"]
    assert [p["evidence"]["violations"] for p in prior] == ([len(held)] if winning in VIOLATIONS else [])


def test_a_note_written_while_another_officer_closes_the_case_is_kept(cases_client: CaseClient) -> None:
    """README: notes are part of a case; the trail is hash-chained with one entry per change."""
    client = cases_client
    case_id = held_case(client)
    client.add_user("li", "officer")
    client.add_user("wang", "officer")
    chief = supervisor_headers(client)
    li, wang = session_headers(client, "li"), session_headers(client, "wang")
    note, close = at_once(
        [
            post(client, f"/v1/cases/{case_id}/notes", li, {"text": "X-ray shows 20 phones"}),
            post(client, f"/v1/cases/{case_id}/actions", wang, {"action": "seize", "violation_type": "x"}),
        ]
    )
    assert (note.status_code, close.status_code) == (200, 200)
    case = detail(client, case_id, **chief)
    assert case["status"] == "seized" and [n["text"] for n in case["notes"]] == ["X-ray shows 20 phones"]
    assert sorted(h["action"] for h in case["history"][1:]) == ["note", "seize"]
    assert verify(client, chief)["problem"] is None


def test_an_unmasking_during_a_closing_is_audited_and_both_are_in_the_trail(cases_client: CaseClient) -> None:
    """RULES.md: every unmasking is written to the audit trail, whatever else happens to the case at once."""
    client = cases_client
    number = resident_id(region="420102", birth="19880808", seq="502")
    case_id = held_case(client, over_limit(sender=party(id_number=number)))
    client.add_user("chen", "investigator")
    client.add_user("wang", "officer")
    chief = supervisor_headers(client)
    chen, wang = session_headers(client, "chen"), session_headers(client, "wang")
    unmask, close = at_once(
        [
            post(client, f"/v1/cases/{case_id}/unmask", chen),
            post(client, f"/v1/cases/{case_id}/actions", wang, {"action": "return"}),
        ]
    )
    assert (unmask.status_code, close.status_code) == (200, 200)
    assert unmask.json()["sender_id_number"] == number
    case = detail(client, case_id, **chief)
    assert case["status"] == "returned"
    assert sorted((h["action"], h["actor"]) for h in case["history"][1:]) == [
        ("return", "wang"),
        ("unmask_id", "chen"),
    ]
    assert number not in str(case) and verify(client, chief)["entries"] == 3


def test_a_request_for_information_racing_a_seizure_never_reopens_the_case(cases_client: CaseClient) -> None:
    """README: request_info keeps a case open, an outcome closes it, nothing acts on a closed case (409)."""
    client = cases_client
    case_id = held_case(client)
    client.add_user("li", "officer")
    client.add_user("wang", "officer")
    li, wang = session_headers(client, "li"), session_headers(client, "wang")
    url = f"/v1/cases/{case_id}/actions"
    ask, seize = at_once(
        [
            post(client, url, li, {"action": "request_info"}),
            post(client, url, wang, {"action": "seize", "violation_type": "x"}),
        ]
    )
    assert seize.status_code == 200 and ask.status_code in (200, 409)
    case = detail(client, case_id, **li)
    assert case["status"] == "seized"
    actions = [h["action"] for h in case["history"]]
    if ask.status_code == 200:
        assert actions == ["opened", "request_info", "seize"]
    else:
        assert actions == ["opened", "seize"] and "seized" in ask.json()["detail"]


def test_a_corrected_hold_racing_a_closing_leaves_the_officers_outcome(cases_client: CaseClient) -> None:
    """README: re-scoring finds the case, a new hold does not reopen a closed one; the answer tells it."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.add_user("wang", "officer")
    wang = session_headers(client, "wang")
    rescored, closed = at_once(
        [
            lambda: client.http.post("/v1/score", json=bigger(wb)),
            post(client, f"/v1/cases/{case_id}/actions", wang, {"action": "release"}),
        ]
    )
    assert (rescored.status_code, closed.status_code) == (200, 200)
    answer = rescored.json()
    assert (answer["decision"], answer["case_id"]) == ("hold", case_id)
    case = detail(client, case_id, **wang)
    assert case["status"] == "released"
    actions = [h["action"] for h in case["history"]]
    assert actions in (["opened", "rescored", "release"], ["opened", "release", "held_again"])
    assert answer["case_status"] == ("open" if actions[1] == "rescored" else "released")
    assert read_back(client, wb)["case_status"] == "released"


def test_a_customs_system_and_an_officer_deciding_at_once_one_wins_with_a_409_for_the_other(
    cases_client: CaseClient,
) -> None:
    """README: a customs key works cases as an officer; a closed case refuses further actions (409)."""
    client = cases_client
    case_id = held_case(client)
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    client.add_user("wang", "officer")
    wang = session_headers(client, "wang")
    url = f"/v1/cases/{case_id}/actions"
    answers = at_once(
        [
            post(client, url, customs, {"action": "seize", "violation_type": "x"}),
            post(client, url, wang, {"action": "release"}),
        ]
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    won = 0 if answers[0].status_code == 200 else 1
    status = ("seized", "released")[won]
    assert status in answers[1 - won].json()["detail"]
    case = detail(client, case_id, **wang)
    assert case["status"] == status
    closings = [h["actor"] for h in case["history"] if h["action"] in CLOSED_STATUS]
    assert len(closings) == 1 and closings[0].startswith("key:customs:") == (won == 0)


# Findings flow back into the history ------------------------------------------------------------------------


def test_a_seizure_after_a_request_for_information_flags_the_senders_next_parcel(
    cases_client: CaseClient,
) -> None:
    """README: seized confirms a violation of the parcel's entities; RULES.md: PRIOR_VIOLATIONS inspects."""
    client = cases_client
    who = person("601")
    case_id = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(case_id, "assign").status_code == 200
    assert client.act(case_id, "request_info").status_code == 200
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=who, hours_after=1)))
    assert client.act(case_id, "seize", violation_type="no invoice").status_code == 200
    d = client.score(waybill(sender=who, hours_after=2))
    assert (d["decision"], reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"]) == ("inspect", 1)


def test_a_customs_systems_seizure_flags_the_sender_like_an_officers(cases_client: CaseClient) -> None:
    """README: a customs key acts as an officer; a confirmed violation feeds the history (PRIOR_VIOLATIONS)"""
    client = cases_client
    who = person("602")
    case_id = held_case(client, over_limit(sender=who))
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    r = client.http.post(
        f"/v1/cases/{case_id}/actions",
        json={"action": "refer_to_police", "violation_type": "x"},
        headers=customs,
    )
    assert r.status_code == 200 and r.json()["status"] == "referred_to_police"
    d = client.score(waybill(sender=who, hours_after=3))
    assert reason_of(d, "PRIOR_VIOLATIONS")["outcome"] == "inspect"


def test_an_inspection_finding_stays_confirmed_when_the_officer_then_releases(
    cases_client: CaseClient,
) -> None:
    """Contract: an inspection's violation is confirmed for the parcel's entities; a release undoes none."""
    client = cases_client
    who = person("603")
    wb = over_limit(sender=who)
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    report = {
        "carrier": "SF",
        "waybill_no": wb["waybill_no"],
        "result": "violation",
        "violation_type": "undeclared goods",
        "inspected_at": (BASE_TIME + timedelta(hours=1)).isoformat(),
    }
    assert client.http.post("/v1/inspections", json=report).status_code == 200
    assert client.act(case_id, "release", note="goods returned to the sender's shop").status_code == 200
    assert detail(client, case_id)["status"] == "released"
    d = client.score(waybill(sender=who, hours_after=3))
    assert (d["decision"], reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"]) == ("inspect", 1)


def test_a_seized_senders_next_parcel_is_inspected_without_a_case_and_read_back_so(
    cases_client: CaseClient,
) -> None:
    """RULES.md: one confirmed violation asks for inspect; contract: only a hold opens a case."""
    client = cases_client
    who = person("604")
    case_id = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    nxt = waybill(sender=who, hours_after=5)
    d = client.score(nxt)
    assert (d["decision"], d["case_id"]) == ("inspect", None)
    got = read_back(client, nxt)
    assert (got["decision"], got["case_id"], got.get("case_status")) == ("inspect", None, None)
    assert "PRIOR_VIOLATIONS" in codes(got)
    assert ids(client) == [case_id]


def test_a_hold_for_prior_violations_is_a_case_whose_seizure_counts_a_third(cases_client: CaseClient) -> None:
    """RULES.md: two within a year hold; README: every hold is a case, and its seizure confirms one more."""
    client = cases_client
    who = person("605")
    client.as_new("wang", "officer")
    for day in (0, 10):
        case_id = held_case(client, over_limit(sender=who, hours_after=24 * day))
        assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    third = client.score(waybill(sender=who, hours_after=24 * 20))
    assert third["decision"] == "hold" and codes(third) == {"PRIOR_VIOLATIONS"}
    assert detail(client, third["case_id"])["reason_codes"] == ["PRIOR_VIOLATIONS"]
    assert client.act(third["case_id"], "seize", violation_type="repeat offender").status_code == 200
    d = client.score(waybill(sender=who, hours_after=24 * 30))
    prior = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], prior["evidence"]["violations"]) == ("hold", 3)


def test_a_ring_case_released_alone_before_the_ring_is_seized_is_not_counted(
    cases_client: CaseClient,
) -> None:
    """README: seized confirms a violation, a release does not; the ring action skips the closed case."""
    client = cases_client
    ring, held, cluster = ring_parcels_and_cases(client, "606")
    assert client.act(held[0], "release", note="a genuine gift").status_code == 200
    r = client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize"})
    assert r.status_code == 200 and r.json()["skipped"] == [held[0]]
    d = client.score(waybill(sender=ring[0]["sender"], hours_after=48))
    assert reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"] == len(held) - 1


# Unmasking --------------------------------------------------------------------------------------------------


def test_unmasking_neither_claims_nor_moves_the_case(cases_client: CaseClient) -> None:
    """README: unmasking reveals the numbers and is audited; it is not one of the actions that move a case."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("chief", "supervisor")
    before = steady(detail(client, case_id))
    assert client.http.post(f"/v1/cases/{case_id}/unmask").status_code == 200
    after = steady(detail(client, case_id))
    assert (after["status"], after["assignee"], after["closed_at"]) == ("open", None, None)
    assert {k: v for k, v in after.items() if k != "history"} == {
        k: v for k, v in before.items() if k != "history"
    }
    assert ids(client, unassigned=True) == [case_id]
    assert read_back(client, wb)["case_status"] == "open"


def test_both_parties_numbers_are_masked_on_the_case_and_unmasked_together(cases_client: CaseClient) -> None:
    """RULES.md: a masked form for display, the encrypted copy revealed by the unmask permission, audited."""
    client = cases_client
    number = resident_id(region="420102", birth="19880808", seq="701")
    other = resident_id(region="440106", birth="19900101", seq="702")
    receiver = hk_receiver(id_type="resident_id", id_number=other, id_verified=True)
    case_id = held_case(client, over_limit(sender=party(id_number=number), receiver=receiver))
    client.as_new("chen", "investigator")
    case = detail(client, case_id)
    assert (case["sender_id_masked"], case["receiver_id_masked"]) == (masked(number), masked(other))
    assert case["waybill"]["sender"]["id_number"] == masked(number)
    assert case["waybill"]["receiver"]["id_number"] == masked(other)
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.json() == {"case_id": case_id, "sender_id_number": number, "receiver_id_number": other}
    last = detail(client, case_id)["history"][-1]
    assert (last["action"], last["actor"]) == ("unmask_id", "chen")
    assert last["after"] == {"fields": ["sender_id_number", "receiver_id_number"]}
    assert number not in str(detail(client, case_id)) and other not in str(detail(client, case_id))


def test_a_ring_case_is_unmasked_one_case_at_a_time(cases_client: CaseClient) -> None:
    """RULES.md: every unmasking is written to the audit trail: of the case unmasked, not of its ring."""
    client = cases_client
    ring, held = ring_cases(client, "703")
    client.as_new("chief", "supervisor")
    r = client.http.post(f"/v1/cases/{held[-1]}/unmask")
    assert r.status_code == 200 and r.json()["sender_id_number"] == ring[0]["sender"]["id_number"]
    assert trail(client, held[-1])[-1] == ("unmask_id", "chief")
    assert all(trail(client, c) == [("opened", "system")] for c in held[:-1])


# Decision look-up after a case action -----------------------------------------------------------------------


@pytest.mark.parametrize("action", list(CLOSED_STATUS))
def test_the_read_back_after_an_outcome_is_the_same_hold_with_the_cases_status(
    cases_client: CaseClient, action: str
) -> None:
    """Contract: GET /v1/decisions is the latest decision with the case status; an outcome adds only that."""
    client = cases_client
    wb = over_limit()
    answered = client.score(wb)
    sf = bearer(make_key(client.app, "carrier", "SF"))
    client.as_new("wang", "officer")
    assert client.act(answered["case_id"], action, violation_type="undeclared goods").status_code == 200
    got = read_back(client, wb, **sf)
    assert got["case_status"] == CLOSED_STATUS[action]
    for field in (
        "decision",
        "case_id",
        "reasons",
        "risk_score",
        "policy_version",
        "model_version",
        "scored_at",
    ):
        assert got[field] == answered[field], field


def test_the_read_back_of_a_rings_parcels_after_a_ring_action(cases_client: CaseClient) -> None:
    """Contract: the read-back has the case status when there is a case; ring parcels not held have none."""
    client = cases_client
    ring, held, cluster = ring_parcels_and_cases(client, "801")
    assert (
        client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "return"}).status_code
        == 200
    )
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    seen = {wb["waybill_no"]: read_back(client, wb, **customs) for wb in ring}
    with_case = {n: d for n, d in seen.items() if d["case_id"]}
    assert sorted(d["case_id"] for d in with_case.values()) == sorted(held)
    assert {d["case_status"] for d in with_case.values()} == {"returned"}
    assert {d["decision"] for d in with_case.values()} == {"hold"}
    without = [d for d in seen.values() if not d["case_id"]]
    assert without and all(d["decision"] != "hold" and d.get("case_status") is None for d in without)


def test_notes_evidence_and_an_unmasking_leave_the_read_back_status_where_it_was(
    cases_client: CaseClient,
) -> None:
    """Contract: the read-back's status is the case's; README: notes, evidence, unmasking move no status."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("chief", "supervisor")
    assert client.act(case_id, "assign").status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "seen"}).status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT).status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/unmask").status_code == 200
    assert read_back(client, wb)["case_status"] == "in_review"
    assert detail(client, case_id)["assignee"] == "chief"


def test_a_claimed_case_whose_parcel_is_corrected_and_still_held_reads_back_the_new_hold(
    cases_client: CaseClient,
) -> None:
    """Contract: a changed body is scored again; the read-back is the latest decision with its case status."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    assert client.act(case_id, "assign").status_code == 200
    # Twelve units of one item: still over the limit, and now more than ten units (COMMERCIAL_QUANTITY).
    again = client.score({**wb, "items": [item(quantity=12, unit_value=100.0)], "declared_value": 1200.0})
    assert codes(again) == {"OVER_PERSONAL_LIMIT", "COMMERCIAL_QUANTITY"}
    assert (again["decision"], again["case_id"], again["case_status"]) == ("hold", case_id, "in_review")
    got = read_back(client, wb)
    assert (got["case_id"], got["case_status"]) == (case_id, "in_review")
    assert [r["code"] for r in got["reasons"]] == [r["code"] for r in again["reasons"]]
    case = detail(client, case_id)
    assert (case["status"], case["assignee"]) == ("in_review", "wang")
    assert sorted(case["reason_codes"]) == ["COMMERCIAL_QUANTITY", "OVER_PERSONAL_LIMIT"]
    assert [r["code"] for r in case["decision"]["reasons"]] == [r["code"] for r in again["reasons"]]
    assert [a for a, _ in trail(client, case_id)] == ["opened", "assign", "rescored"]


def test_a_hold_corrected_under_the_limit_reads_back_its_case_until_the_officer_decides(
    cases_client: CaseClient,
) -> None:
    """README: a corrected body no longer held leaves the status to the officer; the read-back says so."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    now = client.score(under_limit(wb))
    assert now["decision"] == "release"
    got = read_back(client, wb)
    assert (got["decision"], got["case_status"]) == ("release", "open")
    client.as_new("wang", "officer")
    assert [a for a, _ in trail(client, case_id)] == ["opened", "rescored_not_held"]
    assert client.act(case_id, "release", note="value corrected by the courier").status_code == 200
    assert read_back(client, wb)["case_status"] == "released"


def test_a_held_parcel_corrected_into_a_reject_keeps_its_case_for_the_officer(
    cases_client: CaseClient,
) -> None:
    """README: a corrected body no longer held leaves the case's status to the officer; contract: reject."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    assert client.act(case_id, "assign").status_code == 200
    refused = client.score({**wb, "sender": party(**NO_ID)})
    assert (refused["decision"], refused["case_id"]) == ("reject", None)
    assert "REALNAME_MISSING" in codes(refused)
    got = read_back(client, wb)
    assert (got["decision"], got["case_status"]) == ("reject", "in_review")
    last = detail(client, case_id)["history"][-1]
    assert (last["action"], last["after"]["decision"]) == ("rescored_not_held", "reject")
    assert detail(client, case_id)["status"] == "in_review"
    assert client.act(case_id, "return", violation_type="no real-name pickup").status_code == 200
    assert read_back(client, wb)["case_status"] == "returned"


def test_a_hold_corrected_away_and_back_is_one_case_rescored_with_its_claim_kept(
    cases_client: CaseClient,
) -> None:
    """README: a later hold of a parcel whose corrected body was not held rescores its case; one case."""
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("wang", "officer")
    assert client.act(case_id, "assign").status_code == 200
    assert client.score(under_limit(wb))["decision"] == "release"
    back = client.score(wb)
    assert (back["decision"], back["case_id"], back["case_status"]) == ("hold", case_id, "in_review")
    got = read_back(client, wb)
    assert (got["decision"], got["case_id"], got["case_status"]) == ("hold", case_id, "in_review")
    assert [a for a, _ in trail(client, case_id)] == ["opened", "assign", "rescored_not_held", "rescored"]
    assert ids(client) == [case_id] and detail(client, case_id)["assignee"] == "wang"
