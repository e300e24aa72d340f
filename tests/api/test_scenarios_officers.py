"""The customs officer's case workflow over HTTP, end to end, aimed at what the other case tests leave out.

Written from the README ("Cases for customs officers", "Security model", "HTTP API"), ../shared/contract
(`(carrier, waybill_no)` identifies a parcel), ../shared/domain/RULES.md (three forms of an ID number;
every unmasking in the audit trail; PRIOR_VIOLATIONS from confirmed violations: inspect for one, hold for
two within a year) and ../shared/ARCHITECTURE.md (cases in SQL). A held parcel opens a case; the queue
lists, filters, orders and pages it; officers claim and decide it (one wins a race, the other gets a 409);
notes and evidence stay with it; a violation flows back into the history and a release does not; a ring
is acted on at once; unmasking is for supervisors and investigators only and always audited; the pages
render for officers and refuse system keys.
"""

import html
import logging
import operator
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx2
import pytest

from api.security import CSRF_HEADER, SESSION_COOKIE
from screening.keys.service import KeyKind
from tests.api.answers import codes, reason_of
from tests.api.conftest import PASSWORD, CaseClient
from tests.api.keys import bearer, make_key
from tests.api.test_scenarios_cases import cbec_import, detail, held_case, ids, queue, trail
from tests.factories import (
    BASE_TIME,
    NO_ID,
    ant_ring,
    export_postal,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    waybill,
)

ATTACHMENT = {"kind": "photo", "reference": "photo://outlet-42/ring-0001.jpg", "sha256": "cd" * 32}
CLOSED_STATUS = {
    "release": "released",
    "seize": "seized",
    "return": "returned",
    "refer_to_police": "referred_to_police",
}
VIOLATION_ACTIONS = ("seize", "return", "refer_to_police")


# Helpers ------------------------------------------------------------------------------------------------


def sender(seq: str, **changes: Any) -> dict[str, Any]:
    """A sender of their own (ID and phone), so that one test's parties do not share history by accident."""
    return party(
        id_number=resident_id(region="510104", birth="19870707", seq=f"{seq:0>3}"),
        phone=f"13600{seq:0>6}",
        **changes,
    )


def post(
    client: CaseClient, url: str, headers: dict[str, str], body: Any = None
) -> Callable[[], httpx2.Response]:
    """A POST to run later (in a race), with one person's session headers."""
    return partial(client.http.post, url, json=body, headers=headers)


def trail_with(client: CaseClient, case_id: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    """(action, actor) of a case's trail, read with these headers."""
    return [(h["action"], h["actor"]) for h in detail(client, case_id, **headers)["history"]]


def ring_cases(client: CaseClient, seq: str, count: int = 8) -> tuple[list[dict[str, Any]], list[str]]:
    """Score one sender's ant-moving ring; its waybills and the ids of its held cases, oldest first."""
    ring = ant_ring(count, id_number=resident_id(region="510104", seq=seq), phone=f"13600{seq:0>6}")
    held = [d["case_id"] for d in map(client.score, ring) if d["case_id"]]
    assert len(held) >= 2, "the ring must hold at least two parcels"
    return ring, held


def session_headers(client: CaseClient, username: str) -> dict[str, str]:
    """Log a person in and return the headers of their session, leaving the client's own state empty."""
    client.http.cookies.clear()
    client.http.headers.pop(CSRF_HEADER, None)
    r = client.http.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.cookies[SESSION_COOKIE]
    client.http.cookies.clear()
    return {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: r.json()["csrf_token"]}


def at_once(calls: list[Callable[[], httpx2.Response]]) -> list[httpx2.Response]:
    """Run the calls in threads released together; their answers in call order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx2.Response]) -> httpx2.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def masked(number: str) -> str:
    """The display mask of an 18-character ID number (RULES.md: 110105********002X)."""
    return number[:6] + "*" * 8 + number[-4:]


def set_desk_clock(client: CaseClient, now: datetime) -> None:
    """Move the case desk's clock (overdue flags and priorities are computed at it)."""
    client.app.state.cases._clock = lambda: now


# The queue: filters, order, paging, SLA -------------------------------------------------------------------


def test_the_queue_filters_by_opening_time_as_the_readme_names_it(cases_client: CaseClient) -> None:
    """README: GET /v1/cases filters by opened_from / opened_to (the opening time, with offset)."""
    client = cases_client
    before = datetime.now(UTC) - timedelta(seconds=1)
    case_id = held_case(client)
    after = datetime.now(UTC) + timedelta(seconds=1)
    client.as_new("wang", "officer")
    r = client.http.get(
        "/v1/cases", params={"opened_from": before.isoformat(), "opened_to": after.isoformat()}
    )
    assert r.status_code == 200, r.text
    assert [c["case_id"] for c in r.json()["items"]] == [case_id]
    assert ids(client, opened_from=after.isoformat()) == []


def test_paging_in_priority_order_visits_every_case_once_in_the_unpaged_order(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    made = [held_case(client, over_limit(sender=sender(f"1{i}"))) for i in range(3)]
    made += [held_case(client, cbec_import()) for _ in range(2)]
    client.as_new("wang", "officer")
    whole = ids(client, sort="priority", per_page=50)
    assert sorted(whole) == sorted(made)
    pages = [ids(client, sort="priority", per_page=2, page=p) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [c for p in pages for c in p] == whole
    # The two-reason cbec holds come first.
    assert set(whole[:2]) == set(made[3:])
    past = queue(client, sort="priority", per_page=2, page=4)
    assert (past["items"], past["total"]) == ([], 5)


def test_the_newest_first_order_is_the_age_order_reversed_across_pages(cases_client: CaseClient) -> None:
    client = cases_client
    made = [held_case(client, over_limit(sender=sender(f"2{i}"))) for i in range(4)]
    client.as_new("wang", "officer")
    newest = ids(client, sort="newest", per_page=3, page=1) + ids(client, sort="newest", per_page=3, page=2)
    assert newest == list(reversed(made))
    assert ids(client, sort="age") == made


def test_a_case_is_due_the_policys_sla_hours_after_it_opened(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    case = detail(client, case_id)
    due = datetime.fromisoformat(case["sla_due_at"]) - datetime.fromisoformat(case["opened_at"])
    assert due == timedelta(hours=client.app.state.engine.policy.cases.sla_hours)
    assert case["overdue"] is False


def test_an_open_case_past_its_sla_is_overdue_and_a_closed_one_never_is(cases_client: CaseClient) -> None:
    client = cases_client
    waiting = held_case(client, over_limit(sender=sender("31")))
    decided = held_case(client, over_limit(sender=sender("32")))
    client.as_new("wang", "officer")
    assert client.act(decided, "release").status_code == 200
    assert ids(client, overdue=True) == []
    sla = client.app.state.engine.policy.cases.sla_hours
    set_desk_clock(client, datetime.now(UTC) + timedelta(hours=sla + 1))
    assert ids(client, overdue=True) == [waiting]
    assert ids(client, overdue=False) == [decided]
    by_id = {c["case_id"]: c for c in queue(client)["items"]}
    assert (by_id[waiting]["overdue"], by_id[decided]["overdue"]) == (True, False)
    page = client.http.get("/cases")
    assert page.status_code == 200
    assert f'class="overdue" data-case="{waiting}"' in page.text
    assert f'class="" data-case="{decided}"' in page.text


def test_an_open_cases_priority_grows_with_waiting_and_a_closed_ones_stops_at_closing(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    waiting = held_case(client, over_limit(sender=sender("33")))
    decided = held_case(client, over_limit(sender=sender("34")))
    client.as_new("wang", "officer")
    assert client.act(decided, "seize", violation_type="undeclared goods").status_code == 200
    now = {c["case_id"]: c["priority"] for c in queue(client)["items"]}
    set_desk_clock(client, datetime.now(UTC) + timedelta(hours=10))
    later = {c["case_id"]: c["priority"] for c in queue(client)["items"]}
    assert later[waiting] == pytest.approx(now[waiting] + 10, abs=0.2)
    assert later[decided] == pytest.approx(now[decided], abs=0.1)


def test_the_priority_order_agrees_with_the_priorities_shown_when_cases_waited_differently(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    engine = client.app.state.engine
    now = datetime.now(UTC)
    made = []
    for hours_ago, body in ((60, over_limit(sender=sender("35"))), (1, cbec_import()), (0, over_limit())):
        engine._clock = partial(operator.sub, now, timedelta(hours=hours_ago))
        made.append(held_case(client, body))
    client.as_new("wang", "officer")
    page = queue(client, sort="priority")
    shown = [(c["case_id"], c["priority"]) for c in page["items"]]
    assert [p for _, p in shown] == sorted((p for _, p in shown), reverse=True)
    by_id = dict(shown)
    # The case that waited 60 hours has gained 60 points on the one opened now with the same reason.
    assert by_id[made[0]] - by_id[made[2]] == pytest.approx(60, abs=5)
    assert shown[0][0] == made[0] and queue(client, overdue=True)["items"][0]["case_id"] == made[0]


def test_the_assignee_filter_finds_another_officers_cases_and_combines_with_status(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    lis, wangs, nobodys = (held_case(client, over_limit(sender=sender(f"4{i}"))) for i in range(3))
    client.as_new("li", "officer")
    assert client.act(lis, "assign").status_code == 200
    client.as_new("wang", "officer")
    assert client.act(wangs, "request_info", note="invoice please").status_code == 200
    assert ids(client, assignee="li") == [lis]
    assert ids(client, assignee="me") == [wangs]
    assert ids(client, assignee="me", status="in_review") == []
    assert ids(client, assignee="me", status="info_requested") == [wangs]
    assert ids(client, unassigned=True) == [nobodys]
    assert ids(client, assignee="nobody-here") == []
    page = queue(client, assignee="li")
    assert page["counts"]["in_review"] == 1 and page["counts"]["info_requested"] == 0


# Claiming and deciding ------------------------------------------------------------------------------------


def test_a_second_claim_takes_the_case_over_and_the_trail_shows_both(cases_client: CaseClient) -> None:
    # The README names no exclusive claim: "assign" is "assign to me". The service's reading is that a
    # later claim takes the case over (a supervisor redistributing work needs that); the trail keeps both.
    client = cases_client
    case_id = held_case(client)
    client.as_new("li", "officer")
    assert client.act(case_id, "assign").json()["assignee"] == "li"
    client.as_new("wang", "officer")
    r = client.act(case_id, "assign")
    assert r.status_code == 200 and (r.json()["status"], r.json()["assignee"]) == ("in_review", "wang")
    last = detail(client, case_id)["history"][-1]
    assert last["before"] == {"status": "in_review", "assignee": "li"}
    assert last["after"] == {"status": "in_review", "assignee": "wang"}
    assert trail(client, case_id) == [("opened", "system"), ("assign", "li"), ("assign", "wang")]


def test_claiming_while_information_is_requested_keeps_the_case_waiting(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("li", "officer")
    assert client.act(case_id, "request_info").json()["status"] == "info_requested"
    client.as_new("wang", "officer")
    r = client.act(case_id, "assign")
    assert (r.json()["status"], r.json()["assignee"]) == ("info_requested", "wang")
    assert r.json()["closed_at"] is None


def test_an_officer_closing_anothers_claimed_case_is_named_in_the_trail(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("li", "officer")
    assert client.act(case_id, "assign").status_code == 200
    client.as_new("wang", "officer")
    r = client.act(case_id, "seize", violation_type="undeclared goods")
    assert r.status_code == 200 and r.json()["status"] == "seized"
    last = detail(client, case_id)["history"][-1]
    assert (last["action"], last["actor"]) == ("seize", "wang")
    assert last["before"] == {"status": "in_review", "assignee": "li"}


@pytest.mark.parametrize(
    ("first", "second"),
    [("seize", "release"), ("release", "seize"), ("return", "return"), ("refer_to_police", "release")],
)
def test_two_officers_closing_one_case_at_once_one_wins_and_the_other_gets_a_409(
    cases_client: CaseClient, first: str, second: str
) -> None:
    client = cases_client
    who = sender("51")
    wb = over_limit(sender=who)
    case_id = held_case(client, wb)
    client.add_user("li", "officer")
    client.add_user("wang", "officer")
    li, wang = session_headers(client, "li"), session_headers(client, "wang")
    url = f"/v1/cases/{case_id}/actions"
    answers = at_once(
        [
            post(client, url, li, {"action": first, "violation_type": "x"}),
            post(client, url, wang, {"action": second, "violation_type": "x"}),
        ]
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    won = 0 if answers[0].status_code == 200 else 1
    winner, winning_action = ("li", first) if won == 0 else ("wang", second)
    loser = answers[1 - won]
    assert CLOSED_STATUS[winning_action] in loser.json()["detail"] and case_id in loser.json()["detail"]
    case = detail(client, case_id, **li)
    assert case["status"] == CLOSED_STATUS[winning_action]
    closings = [h for h in case["history"] if h["action"] in CLOSED_STATUS]
    assert [(h["action"], h["actor"]) for h in closings] == [(winning_action, winner)]
    # Only a violation outcome flows back into the sender's history.
    later = client.score(waybill(sender=who, hours_after=3))
    assert ("PRIOR_VIOLATIONS" in codes(later)) == (winning_action in VIOLATION_ACTIONS)


def test_a_claim_racing_a_closing_leaves_a_closed_case_and_a_consistent_trail(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    case_id = held_case(client)
    client.add_user("li", "officer")
    client.add_user("wang", "officer")
    li, wang = session_headers(client, "li"), session_headers(client, "wang")
    url = f"/v1/cases/{case_id}/actions"
    claim, close = at_once(
        [
            post(client, url, li, {"action": "assign"}),
            post(client, url, wang, {"action": "release"}),
        ]
    )
    assert close.status_code == 200 and claim.status_code in (200, 409)
    case = detail(client, case_id, **li)
    assert case["status"] == "released"
    actions = [h["action"] for h in case["history"]]
    # A claim that lost the race is refused as on any closed case; one that won came before the release.
    assert actions == (["opened", "assign", "release"] if claim.status_code == 200 else ["opened", "release"])


def test_many_officers_racing_for_one_case_leave_exactly_one_outcome(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    names = [f"officer{i}" for i in range(5)]
    for name in names:
        client.add_user(name, "officer")
    headers = [session_headers(client, n) for n in names]
    url = f"/v1/cases/{case_id}/actions"
    actions = ["seize", "release", "return", "seize", "refer_to_police"]
    answers = at_once([post(client, url, h, {"action": a}) for h, a in zip(headers, actions, strict=True)])
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    case = detail(client, case_id, **headers[0])
    assert case["status"] == CLOSED_STATUS[actions[winner]]
    assert [h["actor"] for h in case["history"] if h["action"] != "opened"] == [names[winner]]


def test_a_ring_action_racing_an_officers_own_decision_closes_the_case_once(cases_client: CaseClient) -> None:
    client = cases_client
    _, held = ring_cases(client, "036")
    client.add_user("li", "officer")
    client.add_user("wang", "officer")
    li, wang = session_headers(client, "li"), session_headers(client, "wang")
    cluster = detail(client, held[0], **li)["cluster_id"]
    single, bulk = at_once(
        [
            post(client, f"/v1/cases/{held[0]}/actions", li, {"action": "seize", "violation_type": "x"}),
            post(client, f"/v1/cases/clusters/{cluster}/actions", wang, {"action": "release"}),
        ]
    )
    assert bulk.status_code == 200 and single.status_code in (200, 409)
    case = detail(client, held[0], **li)
    closings = [(h["action"], h["actor"]) for h in case["history"] if h["action"] in CLOSED_STATUS]
    if single.status_code == 200:
        assert held[0] in bulk.json()["skipped"] and closings == [("seize", "li")]
        assert case["status"] == "seized"
    else:
        assert held[0] in bulk.json()["acted"] and closings == [("release", "wang")]
        assert case["status"] == "released" and "released" in single.json()["detail"]
    assert {detail(client, c, **li)["status"] for c in held[1:]} == {"released"}


def test_unmaskings_at_once_are_each_written_and_the_chain_stays_whole(cases_client: CaseClient) -> None:
    client = cases_client
    number = resident_id(region="510104", birth="19870707", seq="037")
    case_id = held_case(client, over_limit(sender=party(id_number=number)))
    names = ["chief", "chen", "li", "zhou"]
    for name in names:
        client.add_user(name, "supervisor", "auditor")
    headers = [session_headers(client, n) for n in names]
    answers = at_once([post(client, f"/v1/cases/{case_id}/unmask", h) for h in headers])
    assert [a.json()["sender_id_number"] for a in answers] == [number] * len(names)
    unmasks = [h for h in detail(client, case_id, **headers[0])["history"] if h["action"] == "unmask_id"]
    assert sorted(h["actor"] for h in unmasks) == sorted(names)
    assert all(h["case_id"] == case_id and h["at"] for h in unmasks)
    verdict = client.http.get("/v1/cases/audit/verify", headers=headers[0]).json()
    assert verdict["problem"] is None and verdict["entries"] == 1 + len(names)


def test_a_409_on_a_closed_case_names_its_status_and_writes_nothing(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer", "auditor")
    assert client.act(case_id, "return", violation_type="undeclared goods").status_code == 200
    entries = client.http.get("/v1/cases/audit/verify").json()["entries"]
    r = client.act(case_id, "release", note="changed my mind")
    assert r.status_code == 409 and "returned" in r.json()["detail"]
    case = detail(client, case_id)
    assert case["notes"] == [] and case["status"] == "returned"
    assert client.http.get("/v1/cases/audit/verify").json()["entries"] == entries


def test_a_case_carries_the_decision_snapshot_an_officer_reads_before_acting(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    wb = over_limit()
    decision = client.score(wb)
    client.as_new("wang", "officer")
    case = detail(client, decision["case_id"])
    snapshot = case["decision"]
    for field in ("risk_score", "policy_version", "model_version", "decision"):
        assert snapshot[field] == decision[field], field
    assert [r["code"] for r in snapshot["reasons"]] == [r["code"] for r in decision["reasons"]]
    assert snapshot["reasons"][0]["evidence"] == decision["reasons"][0]["evidence"]
    assert snapshot["reasons"][0]["message"] and snapshot["reasons"][0]["message_en"]
    assert (case["waybill"]["waybill_no"], case["carrier"], case["outlet_id"]) == (
        wb["waybill_no"],
        "SF",
        wb["outlet_id"],
    )
    assert case["history"][0]["after"]["policy_version"] == decision["policy_version"]


def test_a_note_given_with_an_outcome_is_the_officers_note_on_the_case(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    r = client.act(case_id, "release", note="  gifts for the family, invoice seen  ")
    assert r.status_code == 200
    case = detail(client, case_id)
    assert [(n["author"], n["text"]) for n in case["notes"]] == [
        ("wang", "gifts for the family, invoice seen")
    ]
    assert case["history"][-1]["after"]["note_id"] == case["notes"][0]["id"]
    assert case["history"][-1]["after"]["label"] == 0


def test_a_release_keeps_no_violation_type(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    assert client.act(case_id, "release", violation_type="undeclared goods").status_code == 200
    case = detail(client, case_id)
    assert case["violation_type"] is None and "violation_type" not in case["history"][-1]["after"]


# A confirmed violation flows back ---------------------------------------------------------------------------


def test_a_returned_parcel_confirms_a_violation_of_its_sender(cases_client: CaseClient) -> None:
    client = cases_client
    who = sender("61")
    case_id = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(case_id, "return", violation_type="over the personal limit").status_code == 200
    d = client.score(waybill(sender=who, hours_after=5))
    assert (d["decision"], reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"]) == ("inspect", 1)


def test_a_seizure_flags_the_senders_phone_under_another_name_id_and_address(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    who = sender("62")
    case_id = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    other = party(
        name="王芳",
        id_number=resident_id(region="510104", birth="19900909", seq="063"),
        phone=who["phone"],
        address={"district": "徐汇区", "detail": "漕溪北路595号2号楼1101室"},
    )
    d = client.score(waybill(sender=other, hours_after=5))
    prior = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], prior["evidence"]["violations"]) == ("inspect", 1)
    assert prior["evidence"]["entity"] == "sender_phone"


def test_a_seizure_flags_the_senders_building_for_another_person(cases_client: CaseClient) -> None:
    client = cases_client
    who = sender("64", address={"district": "黄浦区", "detail": "南京东路300号5号楼1201室"})
    case_id = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    neighbour = party(
        name="赵磊",
        id_number=resident_id(region="510104", birth="19910101", seq="065"),
        phone="13600000065",
        address={"district": "黄浦区", "detail": "南京东路300号5栋802室"},
    )
    d = client.score(waybill(sender=neighbour, hours_after=5))
    prior = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], prior["evidence"]["entity"]) == ("inspect", "sender_address")


def test_a_seizure_flags_the_payment_account_on_another_senders_order(cases_client: CaseClient) -> None:
    client = cases_client
    account = "6222020200123456789"
    order = {"platform": "taobao", "order_id": "O-1", "payment_account": account}
    case_id = held_case(client, over_limit(sender=sender("66"), order=order))
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    other_order = {"platform": "taobao", "order_id": "O-2", "payment_account": account}
    other = party(
        name="孙丽",
        id_number=resident_id(region="510104", birth="19920202", seq="067"),
        phone="13600000067",
        address={"district": "闵行区", "detail": "七莘路1000号1号楼101室"},
    )
    d = client.score(waybill(sender=other, order=other_order, hours_after=5))
    assert reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["entity"] == "payment_account"


def test_two_seized_cases_hold_the_senders_next_parcel_which_opens_a_case_showing_both(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    who = sender("68")
    first = held_case(client, over_limit(sender=who))
    client.as_new("wang", "officer")
    assert client.act(first, "seize", violation_type="undeclared goods").status_code == 200
    second = held_case(client, over_limit(sender=who, hours_after=24 * 30))
    assert client.act(second, "return", violation_type="undeclared goods").status_code == 200
    d = client.score(waybill(sender=who, hours_after=24 * 31))
    assert d["decision"] == "hold" and reason_of(d, "PRIOR_VIOLATIONS")["outcome"] == "hold"
    case = detail(client, d["case_id"])
    prior = {p["case_id"]: p for p in case["prior_cases"]}
    assert set(prior) == {first, second}
    assert prior[first]["status"] == "seized" and prior[second]["status"] == "returned"
    assert "sender_id" in prior[first]["shared"] and "sender_phone" in prior[first]["shared"]


def test_a_released_case_after_a_request_for_information_flags_no_entity(cases_client: CaseClient) -> None:
    client = cases_client
    who = sender("69")
    receiver = hk_receiver(phone="+85291110069", name="HO", address={"detail": "Flat 9, 9 Queen's Road"})
    case_id = held_case(client, over_limit(sender=who, receiver=receiver))
    client.as_new("wang", "officer")
    assert client.act(case_id, "request_info").status_code == 200
    assert client.act(case_id, "release", note="invoice matches").status_code == 200
    small = [item(quantity=1, unit_value=100.0)]
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=who, hours_after=5)))
    other = party(id_number=resident_id(region="510104", seq="070"), phone="13600000070")
    to_receiver = export_postal(sender=other, receiver=receiver, items=small, hours_after=6)
    assert "PRIOR_VIOLATIONS" not in codes(client.score(to_receiver))


# A customs system's key -------------------------------------------------------------------------------------


def test_a_customs_key_works_a_case_without_csrf_and_the_trail_names_the_key(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    case_id = held_case(client)
    key = make_key(client.app, "customs", "SHA-PVG")
    customs = bearer(key)
    assert (
        client.http.post(f"/v1/cases/{case_id}/actions", json={"action": "assign"}, headers=customs)
        .json()["assignee"]
        .startswith("key:customs:SHA-PVG:")
    )
    mine = client.http.get("/v1/cases", params={"assignee": "me"}, headers=customs).json()
    assert [c["case_id"] for c in mine["items"]] == [case_id]
    note = client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "X-ray taken"}, headers=customs)
    assert note.status_code == 200
    evidence = client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT, headers=customs)
    assert evidence.status_code == 200
    seized = client.http.post(
        f"/v1/cases/{case_id}/actions", json={"action": "seize", "violation_type": "x"}, headers=customs
    )
    assert seized.status_code == 200
    actors = {actor for action, actor in trail_with(client, case_id, customs) if action != "opened"}
    assert len(actors) == 1
    (actor,) = actors
    prefix = actor.removeprefix("key:customs:SHA-PVG:")
    assert prefix != actor and prefix.startswith("scr_cus_") and key.startswith(prefix)
    assert key not in str(detail(client, case_id, **customs))


def test_a_customs_key_may_not_unmask_act_on_a_ring_or_read_the_audit(cases_client: CaseClient) -> None:
    client = cases_client
    number = resident_id(region="510104", birth="19870707", seq="081")
    _, held = ring_cases(client, "081")
    single = held_case(client, over_limit(sender=party(id_number=number, phone="13600000082")))
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    cluster = detail(client, held[0], **customs)["cluster_id"]
    refused = [
        client.http.post(f"/v1/cases/{single}/unmask", headers=customs),
        client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize"}, headers=customs),
        client.http.get("/v1/cases/audit/verify", headers=customs),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert number not in refused[0].text
    client.as_new("chief", "supervisor")
    assert trail(client, single) == [("opened", "system")]
    assert queue(client)["counts"]["seized"] == 0


# Unmasking --------------------------------------------------------------------------------------------------


def test_an_anonymous_caller_or_an_officer_with_every_other_role_cannot_unmask(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    number = resident_id(region="510104", birth="19870707", seq="091")
    case_id = held_case(client, over_limit(sender=party(id_number=number)))
    anonymous = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert anonymous.status_code == 401 and number not in anonymous.text
    client.as_new("busy", "officer", "auditor", "admin")
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 403 and number not in r.text
    assert trail(client, case_id) == [("opened", "system")]


def test_unmasking_a_case_without_identity_numbers_is_still_written_to_the_trail(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    case_id = held_case(client, cbec_import())
    client.as_new("chief", "supervisor")
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.json() == {"case_id": case_id, "sender_id_number": None, "receiver_id_number": None}
    last = detail(client, case_id)["history"][-1]
    assert (last["action"], last["actor"], last["after"]) == ("unmask_id", "chief", {"fields": []})


def test_a_closed_case_can_still_be_unmasked_and_it_is_audited(cases_client: CaseClient) -> None:
    client = cases_client
    number = resident_id(region="510104", birth="19870707", seq="092")
    case_id = held_case(client, over_limit(sender=party(id_number=number)))
    client.as_new("chief", "supervisor", "officer")
    assert client.act(case_id, "refer_to_police", violation_type="smuggling").status_code == 200
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 200 and r.json()["sender_id_number"] == number
    assert trail(client, case_id)[-2:] == [("refer_to_police", "chief"), ("unmask_id", "chief")]


def test_no_plain_number_in_any_answer_page_or_log_of_a_days_work_but_the_unmasking(
    cases_client: CaseClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = cases_client
    caplog.set_level(logging.DEBUG)
    number = resident_id(region="510104", birth="19870707", seq="093")
    buyer = resident_id(region="440106", birth="19900101", seq="094")
    wb = export_postal(
        sender=party(id_number=number, phone="13600000093"),
        receiver=hk_receiver(id_type="resident_id", id_number=buyer, id_verified=True),
        items=[item(quantity=6, unit_value=200.0)],
    )
    scored = client.http.post("/v1/score", json=wb)
    case_id = scored.json()["case_id"]
    assert scored.json()["decision"] == "hold" and case_id
    client.as_new("chief", "supervisor", "officer", "investigator")
    answers = [
        scored,
        client.http.get("/v1/cases"),
        client.http.get("/v1/cases", params={"reason": "OVER_PERSONAL_LIMIT"}),
        client.act(case_id, "assign", note="checking both IDs"),
        client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "sender called"}),
        client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT),
        client.http.get(f"/v1/cases/{case_id}"),
        client.http.get("/cases"),
        client.http.get(f"/cases/{case_id}"),
    ]
    unmasked = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert unmasked.json()["sender_id_number"] == number
    answers += [
        client.http.get(f"/v1/cases/{case_id}"),
        client.http.get(f"/cases/{case_id}"),
        client.act(case_id, "seize", violation_type="undeclared goods"),
        client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}"),
        client.http.get("/v1/cases/audit/verify"),
    ]
    assert all(a.status_code == 200 for a in answers), [(a.url, a.status_code) for a in answers]
    for plain in (number, buyer):
        for a in answers:
            assert plain not in a.text and plain[:17] not in a.text, a.url
        assert plain[:17] not in caplog.text
    page = client.http.get(f"/cases/{case_id}").text
    assert masked(number) in page and masked(buyer) in page


# Notes and evidence -----------------------------------------------------------------------------------------


def test_notes_and_evidence_are_still_taken_after_a_case_closed(cases_client: CaseClient) -> None:
    # The README forbids acting on a closed case; it does not forbid adding to its record. The service
    # takes notes and evidence after closing (a seized parcel's photos come later), each audited.
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "photos taken"}).status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT).status_code == 200
    case = detail(client, case_id)
    assert case["status"] == "seized" and [n["text"] for n in case["notes"]] == ["photos taken"]
    assert [(a["kind"], a["reference"], a["added_by"]) for a in case["attachments"]] == [
        ("photo", ATTACHMENT["reference"], "wang")
    ]
    assert [a for a, _ in trail(client, case_id)] == ["opened", "seize", "note", "attachment"]


def test_notes_of_two_officers_keep_their_authors_in_the_order_written(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("li", "officer")
    assert client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "first look"}).status_code == 200
    client.as_new("wang", "investigator")
    r = client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "  called the sender  "})
    assert r.status_code == 200 and (r.json()["author"], r.json()["text"]) == ("wang", "called the sender")
    notes = detail(client, case_id)["notes"]
    assert [(n["author"], n["text"]) for n in notes] == [("li", "first look"), ("wang", "called the sender")]
    assert notes[0]["id"] < notes[1]["id"] and notes[0]["at"] <= notes[1]["at"]


@pytest.mark.parametrize("text", ["   ", "\n\t"], ids=["spaces", "whitespace"])
def test_a_blank_note_is_a_422_and_adds_nothing(cases_client: CaseClient, text: str) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    r = client.http.post(f"/v1/cases/{case_id}/notes", json={"text": text})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "text"]
    assert detail(client, case_id)["notes"] == []


def test_several_attachments_keep_their_order_and_hashes(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    sent = [
        {"kind": "xray", "reference": "xray://1.png", "sha256": "01" * 32},
        {"kind": "photo", "reference": "photo://2.jpg", "sha256": "02" * 32},
        {"kind": "document", "reference": "doc://invoice.pdf", "sha256": "03" * 32},
    ]
    for body in sent:
        assert client.http.post(f"/v1/cases/{case_id}/attachments", json=body).status_code == 200
    kept = detail(client, case_id)["attachments"]
    assert [{k: a[k] for k in ("kind", "reference", "sha256")} for a in kept] == sent


def test_a_note_with_markup_is_shown_as_text_on_the_case_page(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert client.http.post(f"/v1/cases/{case_id}/notes", json={"text": text}).status_code == 200
    page = client.http.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(" in page.text


# Rings ------------------------------------------------------------------------------------------------------


def test_a_ring_case_lists_its_linked_parcels_with_their_own_cases(cases_client: CaseClient) -> None:
    client = cases_client
    ring, held = ring_cases(client, "101")
    client.as_new("wang", "officer")
    case = detail(client, held[-1])
    linked = {p["waybill_no"]: p for p in case["linked"]}
    assert ring[0]["waybill_no"] in linked and linked[ring[0]["waybill_no"]]["case_id"] is None
    for other in held[:-1]:
        number = other.removeprefix("CASE-SF-")
        assert (linked[number]["case_id"], linked[number]["status"]) == (other, "open")
    assert {detail(client, c)["cluster_id"] for c in held} == {case["cluster_id"]}
    listed = queue(client, cluster_id=case["cluster_id"], sort="age")
    assert [c["case_id"] for c in listed["items"]] == held and listed["counts"]["open"] == len(held)


def test_a_ring_action_skips_closed_cases_and_leaves_them_as_they_were(cases_client: CaseClient) -> None:
    client = cases_client
    _, held = ring_cases(client, "102")
    client.as_new("wang", "officer")
    assert client.act(held[0], "release", note="genuine gift").status_code == 200
    cluster = detail(client, held[0])["cluster_id"]
    r = client.http.post(
        f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize", "violation_type": "ant moving"}
    )
    assert r.status_code == 200
    assert (r.json()["acted"], r.json()["skipped"]) == (sorted(held[1:]), [held[0]])
    assert detail(client, held[0])["status"] == "released"
    assert [a for a, _ in trail(client, held[0])] == ["opened", "release"]
    assert {detail(client, c)["status"] for c in held[1:]} == {"seized"}
    assert {detail(client, c)["violation_type"] for c in held[1:]} == {"ant moving"}


def test_a_ring_action_with_a_note_notes_every_case_it_acted_on(cases_client: CaseClient) -> None:
    client = cases_client
    _, held = ring_cases(client, "103")
    client.as_new("wang", "officer")
    cluster = detail(client, held[0])["cluster_id"]
    r = client.http.post(
        f"/v1/cases/clusters/{cluster}/actions", json={"action": "request_info", "note": "ask for invoices"}
    )
    assert r.status_code == 200 and r.json()["acted"] == sorted(held)
    for case_id in held:
        case = detail(client, case_id)
        assert (case["status"], case["assignee"]) == ("info_requested", "wang")
        assert [(n["author"], n["text"]) for n in case["notes"]] == [("wang", "ask for invoices")]
        assert trail(client, case_id)[-1] == ("request_info", "wang")


def test_a_ring_whose_cases_are_all_closed_is_acted_on_no_further(cases_client: CaseClient) -> None:
    client = cases_client
    _, held = ring_cases(client, "104")
    client.as_new("wang", "officer")
    cluster = detail(client, held[0])["cluster_id"]
    url = f"/v1/cases/clusters/{cluster}/actions"
    assert client.http.post(url, json={"action": "return"}).json()["acted"] == sorted(held)
    again = client.http.post(url, json={"action": "release"})
    assert again.status_code == 200
    assert (again.json()["acted"], again.json()["skipped"]) == ([], sorted(held))
    assert {detail(client, c)["status"] for c in held} == {"returned"}


def test_a_ring_released_at_once_flags_nobody(cases_client: CaseClient) -> None:
    client = cases_client
    ring, held = ring_cases(client, "105")
    client.as_new("wang", "officer")
    cluster = detail(client, held[0])["cluster_id"]
    assert client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "release"}).json()[
        "acted"
    ] == sorted(held)
    d = client.score(waybill(sender=ring[0]["sender"], hours_after=48))
    assert "PRIOR_VIOLATIONS" not in codes(d)


def test_a_ring_seized_at_once_holds_the_senders_next_parcel(cases_client: CaseClient) -> None:
    # Each seized parcel is a confirmed violation of the sender (README: "A confirmed violation ...
    # increments the confirmed-violation count of the parcel's entities"): a ring of two or more seized
    # parcels is two within a year, so the next parcel is held (RULES.md: "hold for two within a year").
    client = cases_client
    ring, held = ring_cases(client, "106")
    client.as_new("wang", "officer")
    cluster = detail(client, held[0])["cluster_id"]
    r = client.http.post(
        f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize", "violation_type": "ant moving"}
    )
    assert r.status_code == 200
    d = client.score(waybill(sender=ring[0]["sender"], hours_after=48))
    prior = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], prior["evidence"]["violations"]) == ("hold", len(held))


def test_a_supervisor_acts_on_a_ring_but_an_auditor_may_not(cases_client: CaseClient) -> None:
    client = cases_client
    _, held = ring_cases(client, "107")
    client.as_new("zhao", "auditor")
    cluster = detail(client, held[0])["cluster_id"]
    url = f"/v1/cases/clusters/{cluster}/actions"
    assert client.http.post(url, json={"action": "assign"}).status_code == 403
    client.as_new("chief", "supervisor")
    r = client.http.post(url, json={"action": "assign"})
    assert r.status_code == 200 and r.json()["acted"] == sorted(held)
    assert ids(client, assignee="chief", sort="age") == held


def test_another_carriers_case_with_the_same_number_stays_out_of_the_ring(cases_client: CaseClient) -> None:
    client = cases_client
    ring = ant_ring(8, id_number=resident_id(region="510104", seq="108"), phone="13600000108")
    # An unrelated EMS parcel that happens to carry the number of the ring's first SF parcel is held first.
    stranger = over_limit(
        carrier="EMS",
        waybill_no=ring[0]["waybill_no"],
        outlet_id="EMS-110000-7",
        sender=party(id_number=resident_id(region="510104", seq="109"), phone="13600000109"),
    )
    stranger_case = held_case(client, stranger)
    held = [d["case_id"] for d in map(client.score, ring) if d["case_id"]]
    client.as_new("wang", "officer")
    cluster = detail(client, held[0])["cluster_id"]
    r = client.http.post(f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize"})
    assert r.status_code == 200 and set(held) <= set(r.json()["acted"])
    assert stranger_case not in r.json()["acted"]
    assert detail(client, stranger_case)["status"] == "open"
    assert detail(client, stranger_case)["cluster_id"] != cluster
    linked = {p["waybill_no"]: p for p in detail(client, held[-1])["linked"]}
    assert linked[ring[0]["waybill_no"]]["case_id"] is None


def test_a_ring_sent_through_two_carriers_is_one_cluster(cases_client: CaseClient) -> None:
    """One sender's ants alternating SF and YTO: every held parcel joins one cluster, whatever its carrier."""
    client = cases_client
    ring = ant_ring(8, id_number=resident_id(region="510104", seq="118"), phone="13600000118")
    for i, wb in enumerate(ring):
        if i % 2:
            wb.update(carrier="YTO", waybill_no=f"YT{wb['waybill_no'][2:]}", outlet_id="YTO-310000-1")
    held = [d["case_id"] for d in map(client.score, ring) if d["case_id"]]
    assert len(held) >= 2 and {h.split("-")[1] for h in held} == {"SF", "YTO"}
    client.as_new("wang", "officer")
    assert len({detail(client, h)["cluster_id"] for h in held}) == 1


# Sessions and CSRF ------------------------------------------------------------------------------------------


def test_after_logout_the_old_cookie_and_token_can_no_longer_act(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.add_user("wang", "officer")
    old = session_headers(client, "wang")
    assert client.http.post("/v1/auth/logout", headers=old).status_code == 200
    client.http.cookies.clear()
    r = client.http.post(f"/v1/cases/{case_id}/actions", json={"action": "seize"}, headers=old)
    assert r.status_code == 401
    assert client.http.get("/v1/cases", headers=old).status_code == 401
    client.as_new("chief", "supervisor")
    assert detail(client, case_id)["status"] == "open"


def test_a_new_login_gets_a_new_csrf_token_and_the_old_sessions_token_does_not_fit_it(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    case_id = held_case(client)
    client.add_user("wang", "officer")
    first = session_headers(client, "wang")
    second = session_headers(client, "wang")
    assert first[CSRF_HEADER] != second[CSRF_HEADER]
    mixed = {"Cookie": second["Cookie"], CSRF_HEADER: first[CSRF_HEADER]}
    r = client.http.post(f"/v1/cases/{case_id}/actions", json={"action": "assign"}, headers=mixed)
    assert r.status_code == 403
    ok = client.http.post(f"/v1/cases/{case_id}/actions", json={"action": "assign"}, headers=second)
    assert ok.status_code == 200


def test_the_session_cookie_is_httponly_and_samesite_lax(cases_client: CaseClient) -> None:
    client = cases_client
    client.add_user("wang", "officer")
    r = client.http.post("/v1/auth/login", json={"username": "wang", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert f"{SESSION_COOKIE}=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "csrf" not in cookie


@pytest.mark.parametrize(
    ("path", "form"),
    [("notes", {"text": "two coats"}), ("actions", {"action": "release"})],
    ids=["note", "action"],
)
def test_a_page_form_without_the_csrf_token_is_refused_and_changes_nothing(
    cases_client: CaseClient, path: str, form: dict[str, str]
) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    token = client.http.headers.pop(CSRF_HEADER)
    refused = client.http.post(f"/cases/{case_id}/{path}", data=form)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    # A token sent as a form field instead of the header is no token.
    as_field = client.http.post(f"/cases/{case_id}/{path}", data={**form, "csrf_token": token})
    assert as_field.status_code == 403
    case = detail(client, case_id)
    assert (case["status"], case["notes"]) == ("open", [])
    done = client.http.post(f"/cases/{case_id}/{path}", data=form, headers={CSRF_HEADER: token})
    assert done.status_code == 200


def test_a_page_ring_action_without_the_csrf_token_is_refused(cases_client: CaseClient) -> None:
    client = cases_client
    _, held = ring_cases(client, "111")
    client.as_new("wang", "officer")
    cluster = detail(client, held[0])["cluster_id"]
    token = client.http.headers.pop(CSRF_HEADER)
    assert client.http.post(f"/cases/clusters/{cluster}/actions", data={"action": "seize"}).status_code == 403
    assert queue(client)["counts"]["seized"] == 0
    r = client.http.post(
        f"/cases/clusters/{cluster}/actions", data={"action": "seize"}, headers={CSRF_HEADER: token}
    )
    assert r.status_code == 200 and queue(client)["counts"]["seized"] == len(held)


# Pages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["carrier", "customs", "admin"])
def test_the_queue_and_case_pages_are_refused_for_a_system_key(
    cases_client: CaseClient, kind: KeyKind
) -> None:
    client = cases_client
    case_id = held_case(client)
    key = bearer(make_key(client.app, kind, "SF" if kind == "carrier" else "SHA-PVG"))
    for r in (
        client.http.get("/cases", headers=key, follow_redirects=False),
        client.http.get(f"/cases/{case_id}", headers=key, follow_redirects=False),
        client.http.post(
            f"/cases/{case_id}/actions", data={"action": "release"}, headers=key, follow_redirects=False
        ),
    ):
        assert r.status_code == 403, (r.url, r.status_code)
        assert "OVER_PERSONAL_LIMIT" not in r.text and "hx-post" not in r.text
    client.as_new("wang", "officer")
    assert detail(client, case_id)["status"] == "open"


def test_the_queue_page_shows_counts_and_filters_for_an_officer(cases_client: CaseClient) -> None:
    client = cases_client
    kept = held_case(client, over_limit(sender=sender("121")))
    released = held_case(client, over_limit(sender=sender("122")))
    client.as_new("wang", "officer")
    assert client.act(released, "release").status_code == 200
    page = client.http.get("/cases")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'data-status="open">1<' in page.text and 'data-status="released">1<' in page.text
    assert kept in page.text and released in page.text
    only_open = client.http.get("/cases", params={"status": "open"})
    assert kept in only_open.text and f'data-case="{released}"' not in only_open.text


def test_the_queue_pages_day_filter_is_the_beijing_day_of_opening(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    opened = datetime.fromisoformat(detail(client, case_id)["opened_at"])
    beijing_day = opened.astimezone(BASE_TIME.tzinfo).date()
    on_day = client.http.get("/cases", params={"day": beijing_day.isoformat()})
    assert on_day.status_code == 200 and f'data-case="{case_id}"' in on_day.text
    day_after = client.http.get("/cases", params={"day": (beijing_day + timedelta(days=1)).isoformat()})
    assert f'data-case="{case_id}"' not in day_after.text


def test_the_queue_pages_status_links_keep_an_outlet_filter_with_special_characters(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    outlet = "SF-A&B-01"
    case_id = held_case(client, over_limit(outlet_id=outlet))
    client.as_new("wang", "officer")
    page = client.http.get("/cases", params={"outlet": outlet})
    assert f'data-case="{case_id}"' in page.text
    # Follow the "open" count's link as a browser would: the case must still be listed under the outlet.
    (link,) = re.findall(r'href="(/cases\?status=open[^"]*)"', page.text)
    followed = client.http.get(html.unescape(link))
    assert followed.status_code == 200 and f'data-case="{case_id}"' in followed.text


def test_a_closed_cases_page_offers_no_actions_but_still_a_note_form(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    open_page = client.http.get(f"/cases/{case_id}").text
    assert f'hx-post="/cases/{case_id}/actions"' in open_page
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    page = client.http.get(f"/cases/{case_id}")
    assert page.status_code == 200 and 'data-status="seized"' in page.text
    assert f'hx-post="/cases/{case_id}/actions"' not in page.text
    assert f'hx-post="/cases/{case_id}/notes"' in page.text and "已结案" in page.text


def test_an_auditor_reads_the_case_page_without_any_form_to_act(cases_client: CaseClient) -> None:
    client = cases_client
    _, held = ring_cases(client, "131")
    client.as_new("zhao", "auditor")
    page = client.http.get(f"/cases/{held[0]}")
    assert page.status_code == 200 and held[0] in page.text
    assert "/actions" not in page.text and "/notes" not in page.text
    cluster = detail(client, held[0])["cluster_id"]
    listed = client.http.get("/cases", params={"cluster_id": cluster})
    assert listed.status_code == 200 and "/actions" not in listed.text


def test_an_investigator_acts_from_the_case_page_but_is_offered_no_ring_action(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    _, held = ring_cases(client, "132")
    client.as_new("chen", "investigator")
    page = client.http.get(f"/cases/{held[0]}").text
    assert f'hx-post="/cases/{held[0]}/actions"' in page and "/cases/clusters/" not in page.split("trail")[0]
    token = client.http.headers[CSRF_HEADER]
    cluster = detail(client, held[0])["cluster_id"]
    r = client.http.post(
        f"/cases/clusters/{cluster}/actions", data={"action": "seize"}, headers={CSRF_HEADER: token}
    )
    assert r.status_code == 403
    assert queue(client)["counts"]["seized"] == 0


def test_the_case_page_renders_every_kind_of_trail_entry(cases_client: CaseClient) -> None:
    client = cases_client
    wb = over_limit()
    case_id = held_case(client, wb)
    client.as_new("chief", "supervisor", "officer")
    assert client.act(case_id, "assign").status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/notes", json={"text": "seen"}).status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/attachments", json=ATTACHMENT).status_code == 200
    assert client.http.post(f"/v1/cases/{case_id}/unmask").status_code == 200
    report = {
        "carrier": "SF",
        "waybill_no": wb["waybill_no"],
        "result": "violation",
        "violation_type": "undeclared goods",
        "note": "20 phones",
        "inspected_at": (BASE_TIME + timedelta(hours=2)).isoformat(),
    }
    assert client.http.post("/v1/inspections", json=report).status_code == 200
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    again = {**wb, "items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}
    assert client.score(again)["case_status"] == "seized"
    actions = [a for a, _ in trail(client, case_id)]
    assert actions == [
        "opened",
        "assign",
        "note",
        "attachment",
        "unmask_id",
        "inspection",
        "seize",
        "held_again",
    ]
    for lang, words in (
        ("zh", ("查看完整证件号", "查验结果", "再次扣留")),
        ("en", ("Unmask ID", "Held again")),
    ):
        page = client.http.get(f"/cases/{case_id}", params={"lang": lang})
        assert page.status_code == 200
        for action in actions:
            assert f'data-action="{action}"' in page.text
        for word in words:
            assert word in page.text, (lang, word)


def test_a_page_action_on_an_unknown_case_is_a_404_not_a_crash(cases_client: CaseClient) -> None:
    client = cases_client
    held_case(client)
    client.as_new("wang", "officer")
    r = client.http.post("/cases/CASE-SF-SF0000000000/actions", data={"action": "release"})
    assert r.status_code == 404
    assert client.http.get("/cases/CASE-SF-SF0000000000").status_code == 404


def test_a_page_action_with_an_unknown_action_changes_nothing(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client)
    client.as_new("wang", "officer")
    r = client.http.post(f"/cases/{case_id}/actions", data={"action": "burn"})
    assert r.status_code == 422
    assert detail(client, case_id)["status"] == "open" and trail(client, case_id) == [("opened", "system")]


def test_no_id_sender_case_page_shows_a_dash_not_a_number(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = held_case(client, cbec_import(sender=hk_receiver(**NO_ID)))
    client.as_new("wang", "officer")
    case = detail(client, case_id)
    assert case["sender_id_masked"] is None and case["receiver_id_masked"] is None
    assert client.http.get(f"/cases/{case_id}").status_code == 200
