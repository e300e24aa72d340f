"""The officers' and auditors' desk over HTTP as a black box: gaps left by the other case and audit scenarios.

Written from the README ("HTTP API", "Cases for customs officers", "Compliance audit for the postal bureau",
"Security model"), ../shared/ARCHITECTURE.md and ../shared/domain/RULES.md: one case per hold, the queue's
filters, orders and pages, officers' outcomes feeding PRIOR_VIOLATIONS, roles, masking, and the bureau's
monthly and weekly figures per carrier and outlet counted by hand across Beijing-day boundaries.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from features.identity import mask_id
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.answers import codes
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.api.test_scenarios_audit_http import workbook
from tests.factories import (
    NO_ID,
    cn_receiver,
    export_postal,
    inspection_report,
    item,
    over_limit,
    party,
    resident_id,
    resident_id_with_x,
    waybill,
)
from tests.screening.compliance.test_scenarios_audit import Desk, csv_rows

FOUND = "2026-11-12T10:00:00+08:00"


# Helpers -------------------------------------------------------------------------------------------------


def sender(seq: int) -> dict[str, Any]:
    """A sender of their own (ID, phone), so that scenarios share no history by accident."""
    return party(
        id_number=resident_id(region="320106", birth="19860606", seq=f"{seq:03d}"), phone=f"1370{seq:07d}"
    )


def held(client: CaseClient, wb: dict[str, Any]) -> str:
    """Score a waybill that must be held; its case id."""
    d = client.score(wb)
    assert d["decision"] == "hold" and d["case_id"], d
    case_id: str = d["case_id"]
    return case_id


def queue(client: CaseClient, **params: Any) -> dict[str, Any]:
    """GET /v1/cases; expects 200."""
    r = client.http.get("/v1/cases", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def detail(client: CaseClient, case_id: str) -> dict[str, Any]:
    """GET /v1/cases/{case_id}; expects 200."""
    r = client.http.get(f"/v1/cases/{case_id}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def trail(client: CaseClient, case_id: str) -> list[str]:
    """The actions of a case's audit trail, in order."""
    return [h["action"] for h in detail(client, case_id)["history"]]


def locs(r: Any) -> list[list[Any]]:
    """The loc of every error of a 422 answer."""
    return [e["loc"] for e in r.json()["detail"]]


def desk_of(client: CaseClient) -> None:
    """Log in as an officer who is also a supervisor (unmasking) and an auditor."""
    client.as_new("chief", "officer", "supervisor", "auditor")


# One case per hold -------------------------------------------------------------------------------------


def test_a_batch_carrying_one_held_body_twice_opens_one_case(cases_client: CaseClient) -> None:
    """A held body twice in one batch is one parcel: one case, one opening, both slots naming it."""
    client = cases_client
    desk_of(client)
    wb = over_limit(sender=sender(1), outlet_id="DESK-1")
    r = client.http.post("/v1/score/batch", json={"waybills": [wb, wb]})
    assert r.status_code == 200, r.text
    first, second = r.json()["decisions"]
    assert first["decision"] == second["decision"] == "hold"
    assert first["case_id"] == second["case_id"]
    assert queue(client, outlet="DESK-1")["total"] == 1
    assert trail(client, first["case_id"]) == ["opened"]


def test_a_corrected_body_no_longer_held_puts_its_new_decision_and_reasons_on_the_open_case(
    cases_client: CaseClient,
) -> None:
    """README: the case keeps its status; its trail gets rescored_not_held, new decision and reasons."""
    client = cases_client
    desk_of(client)
    wb = over_limit(sender=sender(2), outlet_id="DESK-2")
    case_id = held(client, wb)
    fixed = {**wb, "items": [item(quantity=1, unit_value=100.0)], "declared_value": 100.0}
    fixed["pickup_checks"] = {"opened_inspection": False, "xray_screened": True}
    d = client.score(fixed)
    assert d["decision"] == "inspect" and d["case_id"] is None
    case = detail(client, case_id)
    assert case["status"] == "open"
    last = case["history"][-1]
    assert (last["action"], last["actor"]) == ("rescored_not_held", "system")
    assert last["after"]["decision"] == "inspect"
    assert last["after"]["reason_codes"] == ["INSPECTION_NOT_RECORDED"]
    assert [c["case_id"] for c in queue(client, outlet="DESK-2", status="open")["items"]] == [case_id]


def test_re_sending_the_corrected_body_adds_no_second_rescored_not_held_entry(
    cases_client: CaseClient,
) -> None:
    """README: re-sending the same body changes nothing, the case's trail included."""
    client = cases_client
    desk_of(client)
    wb = over_limit(sender=sender(3))
    case_id = held(client, wb)
    fixed = {**wb, "items": [item(quantity=1, unit_value=100.0)], "declared_value": 100.0}
    assert client.score(fixed)["decision"] == "release"
    assert client.score(fixed)["decision"] == "release"
    assert trail(client, case_id) == ["opened", "rescored_not_held"]


def test_the_case_page_shows_that_the_corrected_body_is_no_longer_held(cases_client: CaseClient) -> None:
    """README: the rescored_not_held entry is shown on the case page."""
    client = cases_client
    desk_of(client)
    wb = over_limit(sender=sender(4))
    case_id = held(client, wb)
    client.score({**wb, "items": [item(quantity=1, unit_value=100.0)], "declared_value": 100.0})
    page = client.http.get(f"/cases/{case_id}", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert "更正后不再扣留" in page.text or "Corrected: no longer held" in page.text


# The queue ---------------------------------------------------------------------------------------------


def test_each_queue_line_carries_every_reason_code_of_its_hold(cases_client: CaseClient) -> None:
    """A queue line lists the hold's reasons, the inspect ones beside it included."""
    client = cases_client
    desk_of(client)
    wb = over_limit(sender=sender(5), outlet_id="DESK-5", pickup_checks={"xray_screened": False})
    d = client.score(wb)
    line = queue(client, outlet="DESK-5")["items"][0]
    assert set(line["reason_codes"]) == codes(d) == {"OVER_PERSONAL_LIMIT", "XRAY_NOT_RECORDED"}


def test_the_reason_filter_finds_a_case_by_an_inspect_reason_beside_its_hold(
    cases_client: CaseClient,
) -> None:
    """reason= matches any reason of the case, not only the one that held it."""
    client = cases_client
    desk_of(client)
    no_xray = held(
        client, over_limit(sender=sender(6), outlet_id="DESK-6", pickup_checks={"xray_screened": False})
    )
    held(client, over_limit(sender=sender(7), outlet_id="DESK-6"))
    found = queue(client, outlet="DESK-6", reason="XRAY_NOT_RECORDED")
    assert [c["case_id"] for c in found["items"]] == [no_xray]
    assert found["total"] == 1
    assert queue(client, outlet="DESK-6", reason="OVER_PERSONAL_LIMIT")["total"] == 2


def test_a_reason_no_case_carries_lists_nothing(cases_client: CaseClient) -> None:
    """A filter that matches nothing is an empty page with a zero total, not an error."""
    client = cases_client
    desk_of(client)
    held(client, over_limit(sender=sender(8), outlet_id="DESK-8"))
    page = queue(client, outlet="DESK-8", reason="WATCHLIST_HIT")
    assert (page["items"], page["total"]) == ([], 0)


@pytest.mark.parametrize("sort", ["priority", "age", "newest"])
def test_paging_cases_opened_at_one_instant_visits_each_once_in_the_unpaged_order(
    cases_client: CaseClient, sort: str
) -> None:
    """Cases that tie on opening time and score still page without a loss or a repeat."""
    client = cases_client
    desk_of(client)
    instant = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
    client.app.state.engine._clock = lambda: instant
    made = {held(client, over_limit(sender=sender(20 + n), outlet_id="DESK-TIE")) for n in range(11)}
    whole = [c["case_id"] for c in queue(client, outlet="DESK-TIE", sort=sort, per_page=200)["items"]]
    paged: list[str] = []
    for page in (1, 2, 3):
        paged += [
            c["case_id"] for c in queue(client, outlet="DESK-TIE", sort=sort, per_page=4, page=page)["items"]
        ]
    assert set(whole) == made
    assert paged == whole


def test_newest_puts_the_latest_opening_first_and_age_the_oldest(cases_client: CaseClient) -> None:
    """sort=newest is opening time descending, sort=age ascending, across pages."""
    client = cases_client
    desk_of(client)
    for n in range(7):
        held(client, over_limit(sender=sender(40 + n), outlet_id="DESK-AGE", hours_after=n))
    for sort, descending in (("newest", True), ("age", False)):
        opened = [
            datetime.fromisoformat(c["opened_at"])
            for page in (1, 2, 3)
            for c in queue(client, outlet="DESK-AGE", sort=sort, per_page=3, page=page)["items"]
        ]
        assert len(opened) == 7
        assert opened == sorted(opened, reverse=descending), sort


def test_the_unassigned_filter_drops_a_claimed_case(cases_client: CaseClient) -> None:
    """unassigned=true lists only cases nobody has claimed."""
    client = cases_client
    desk_of(client)
    claimed = held(client, over_limit(sender=sender(50), outlet_id="DESK-UN"))
    free = held(client, over_limit(sender=sender(51), outlet_id="DESK-UN"))
    assert client.act(claimed, "assign").status_code == 200
    assert [c["case_id"] for c in queue(client, outlet="DESK-UN", unassigned="true")["items"]] == [free]


def test_two_statuses_at_once_list_both_and_no_other(cases_client: CaseClient) -> None:
    """status may be given twice; the queue lists cases of either status."""
    client = cases_client
    desk_of(client)
    opened = held(client, over_limit(sender=sender(52), outlet_id="DESK-ST"))
    released = held(client, over_limit(sender=sender(53), outlet_id="DESK-ST"))
    seized = held(client, over_limit(sender=sender(54), outlet_id="DESK-ST"))
    assert client.act(released, "release").status_code == 200
    assert client.act(seized, "seize", violation_type="undeclared goods").status_code == 200
    page = queue(client, outlet="DESK-ST", status=["open", "released"], sort="age")
    assert [c["case_id"] for c in page["items"]] == [opened, released]


def test_a_page_past_the_end_is_empty_but_keeps_the_total(cases_client: CaseClient) -> None:
    """Paging past the last case lists nothing and still counts every case."""
    client = cases_client
    desk_of(client)
    for n in range(3):
        held(client, over_limit(sender=sender(55 + n), outlet_id="DESK-END"))
    page = queue(client, outlet="DESK-END", per_page=2, page=3)
    assert (page["items"], page["total"]) == ([], 3)


def test_an_unknown_queue_parameter_is_a_422_naming_it(cases_client: CaseClient) -> None:
    """A misspelt filter is named rather than silently ignored (an officer would read an unfiltered queue)."""
    client = cases_client
    desk_of(client)
    r = client.http.get("/v1/cases", params={"outlett": "SF-1"})
    assert r.status_code == 422
    assert ["query", "outlett"] in locs(r)


def test_two_bad_queue_parameters_are_named_together(cases_client: CaseClient) -> None:
    """Every offending field is named in one answer."""
    client = cases_client
    desk_of(client)
    r = client.http.get("/v1/cases", params={"sort": "oldest", "per_page": "0"})
    assert r.status_code == 422
    assert sorted(locs(r)) == [["query", "per_page"], ["query", "sort"]]


# Officers' actions ----------------------------------------------------------------------------------------


def test_a_release_closes_the_case_and_writes_who_and_when_on_the_trail(cases_client: CaseClient) -> None:
    """The trail entry of an outcome names the officer, the time and the action."""
    client = cases_client
    client.as_new("li", "officer")
    case_id = held(client, over_limit(sender=sender(60)))
    when = datetime(2026, 11, 12, 3, 4, 5, tzinfo=UTC)
    client.app.state.cases._clock = lambda: when
    r = client.act(case_id, "release", note="documents in order")
    assert r.status_code == 200, r.text
    case = detail(client, case_id)
    assert case["status"] == "released"
    assert datetime.fromisoformat(case["closed_at"]) == when
    last = case["history"][-1]
    assert (last["action"], last["actor"], datetime.fromisoformat(last["at"])) == ("release", "li", when)
    assert (last["before"] or {}).get("status") == "open"
    assert (last["after"] or {}).get("status") == "released"


def test_refer_to_police_makes_the_senders_next_parcel_a_prior_violator(cases_client: CaseClient) -> None:
    """RULES: a confirmed violation inspects the entity's next parcel (PRIOR_VIOLATIONS)."""
    client = cases_client
    client.as_new("li", "officer")
    who = sender(61)
    case_id = held(client, over_limit(sender=who))
    assert client.act(case_id, "refer_to_police", violation_type="smuggling").status_code == 200
    nxt = client.score(waybill(sender=who, hours_after=2))
    assert "PRIOR_VIOLATIONS" in codes(nxt)
    assert nxt["decision"] == "inspect"


def test_a_seized_sender_is_a_prior_violator_when_later_named_as_a_receiver(cases_client: CaseClient) -> None:
    """README: a sender caught once is a prior violator as a receiver too."""
    client = cases_client
    client.as_new("li", "officer")
    who = sender(62)
    case_id = held(client, over_limit(sender=who))
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    as_receiver = cn_receiver(
        name=who["name"],
        phone=who["phone"],
        id_type="resident_id",
        id_number=who["id_number"],
        id_verified=True,
    )
    nxt = client.score(waybill(sender=sender(63), receiver=as_receiver, hours_after=3))
    assert "PRIOR_VIOLATIONS" in codes(nxt)


def test_a_seizure_and_an_inspection_finding_on_one_parcel_are_one_violation(
    cases_client: CaseClient,
) -> None:
    """One parcel found violating twice is one violation: the sender's next parcel is inspected, not held."""
    client = cases_client
    client.as_new("li", "officer")
    who = sender(64)
    wb = over_limit(sender=who)
    case_id = held(client, wb)
    r = client.http.post("/v1/inspections", json=inspection_report(wb, "violation", inspected_at=FOUND))
    assert r.status_code == 200, r.text
    assert client.act(case_id, "seize", violation_type="counterfeit").status_code == 200
    nxt = client.score(waybill(sender=who, hours_after=30))
    assert "PRIOR_VIOLATIONS" in codes(nxt)
    assert nxt["decision"] == "inspect"


def test_a_seizure_and_an_inspection_finding_on_another_parcel_hold_the_third(
    cases_client: CaseClient,
) -> None:
    """RULES: two violations within a year hold, whichever way each was confirmed."""
    client = cases_client
    client.as_new("li", "officer")
    who = sender(65)
    case_id = held(client, over_limit(sender=who))
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    inspected = client.score(waybill(sender=who, hours_after=5))
    r = client.http.post(
        "/v1/inspections", json=inspection_report(inspected, "violation", inspected_at=FOUND)
    )
    assert r.status_code == 200, r.text
    third = client.score(waybill(sender=who, hours_after=40))
    assert "PRIOR_VIOLATIONS" in codes(third)
    assert third["decision"] == "hold" and third["case_id"]


def test_a_second_outcome_on_a_returned_case_is_a_409_and_counts_no_second_violation(
    cases_client: CaseClient,
) -> None:
    """A decided case cannot be decided again; the refused seizure adds nothing to the sender's history."""
    client = cases_client
    client.as_new("li", "officer")
    who = sender(66)
    case_id = held(client, over_limit(sender=who))
    assert client.act(case_id, "return", violation_type="undeclared goods").status_code == 200
    before = trail(client, case_id)
    r = client.act(case_id, "seize", violation_type="undeclared goods")
    assert r.status_code == 409
    assert trail(client, case_id) == before
    assert detail(client, case_id)["status"] == "returned"
    assert client.score(waybill(sender=who, hours_after=4))["decision"] == "inspect"


def test_a_page_form_outcome_on_a_decided_case_is_a_409_and_changes_nothing(cases_client: CaseClient) -> None:
    """The case page's form answers 409 on a closed case and leaves its outcome."""
    client = cases_client
    client.as_new("li", "officer")
    case_id = held(client, over_limit(sender=sender(67)))
    assert client.act(case_id, "seize", violation_type="undeclared goods").status_code == 200
    before = trail(client, case_id)
    r = client.http.post(f"/cases/{case_id}/actions", data={"action": "release"})
    assert r.status_code == 409
    assert detail(client, case_id)["status"] == "seized"
    assert trail(client, case_id) == before


# Roles -----------------------------------------------------------------------------------------------------


def test_an_auditor_cannot_act_from_the_case_pages_form(cases_client: CaseClient) -> None:
    """An auditor reads cases but may not decide one, through the page as through the API."""
    client = cases_client
    client.as_new("li", "officer")
    case_id = held(client, over_limit(sender=sender(70)))
    client.as_new("audi", "auditor")
    r = client.http.post(f"/cases/{case_id}/actions", data={"action": "release"})
    assert r.status_code == 403
    assert client.http.post(f"/cases/{case_id}/notes", data={"text": "fine"}).status_code == 403
    assert detail(client, case_id)["status"] == "open"
    assert trail(client, case_id) == ["opened"]


def test_the_parcels_own_carrier_key_cannot_read_its_case(cases_client: CaseClient) -> None:
    """A courier key scores and reads decisions back; the case itself is customs' business."""
    client = cases_client
    key = make_key(client.app, "carrier", "SF")
    client.http.cookies.clear()
    wb = over_limit(sender=sender(71))
    r = client.http.post("/v1/score", json=wb, headers=bearer(key))
    case_id = r.json()["case_id"]
    assert case_id
    for url in (f"/v1/cases/{case_id}", "/v1/cases", "/v1/cases/audit/verify"):
        assert client.http.get(url, headers=bearer(key)).status_code == 403, url
    assert client.http.get("/v1/audit/metrics", headers=bearer(key)).status_code == 403


def test_an_officer_without_unmasking_sees_only_the_masked_number_everywhere(
    cases_client: CaseClient,
) -> None:
    """An officer reads the masked form in the case, queue, both pages and the read-back, never the number."""
    client = cases_client
    client.as_new("li", "officer")
    who = sender(72)
    number = who["id_number"]
    wb = over_limit(sender=who, outlet_id="DESK-MASK")
    case_id = held(client, wb)
    answers = [
        client.http.get(f"/v1/cases/{case_id}").text,
        client.http.get("/v1/cases", params={"outlet": "DESK-MASK"}).text,
        client.http.get(f"/cases/{case_id}").text,
        client.http.get("/cases", params={"outlet": "DESK-MASK"}).text,
        client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").text,
    ]
    for text in answers:
        assert number not in text and number[:17] not in text
    assert mask_id(number) in answers[0]
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 403
    assert trail(client, case_id) == ["opened"]


def test_unmasking_shows_the_number_in_its_answer_alone_and_is_on_the_trail(cases_client: CaseClient) -> None:
    """The plain number is in the unmask answer only; the case stays masked; the trail names who and when."""
    client = cases_client
    client.as_new("chief", "supervisor")
    who = sender(73)
    case_id = held(client, over_limit(sender=who))
    when = datetime(2026, 11, 13, 1, 2, 3, tzinfo=UTC)
    client.app.state.cases._clock = lambda: when
    r = client.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 200, r.text
    assert r.json()["sender_id_number"] == who["id_number"]
    for text in (client.http.get(f"/v1/cases/{case_id}").text, client.http.get(f"/cases/{case_id}").text):
        assert who["id_number"] not in text
    last = detail(client, case_id)["history"][-1]
    assert (last["action"], last["actor"], datetime.fromisoformat(last["at"])) == ("unmask_id", "chief", when)
    assert who["id_number"] not in str(last)


def test_an_investigator_may_unmask_and_is_named_on_the_trail(cases_client: CaseClient) -> None:
    """README: unmasking needs supervisor or investigator."""
    client = cases_client
    client.as_new("inv", "investigator")
    case_id = held(client, over_limit(sender=sender(74)))
    assert client.http.post(f"/v1/cases/{case_id}/unmask").status_code == 200
    assert [(h["action"], h["actor"]) for h in detail(client, case_id)["history"]][-1] == ("unmask_id", "inv")


# The bureau's figures, counted by hand ----------------------------------------------------------------------


@pytest.fixture
def desk(settings: Settings, policy: Policy, cheap_password_hashes: None) -> Iterator[Desk]:
    """A started app with an auditor-officer-investigator logged in; SF-A and SF-B registered."""
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield Desk(CaseClient(http, app))


NO_INSPECTION = {"opened_inspection": False, "xray_screened": True}
NO_XRAY = {"opened_inspection": True, "xray_screened": False}


def month_end(desk: Desk) -> dict[str, dict[str, Any]]:
    """Parcels either side of Beijing midnights: 29/30 November (W48/W49), 30 Nov/1 Dec, 31 Dec/1 Jan.

    November: k (SF-A, W48, no X-ray), l (SF-A, W49), a (SF-A, W49), g (YTO-X, W49, no sender ID).
    December: b (SF-A, no inspection), c/d/e (SF-B holds: seized, released, open), f (YTO-X, unverified, no
    X-ray), h (SF-A). January: i (SF-A).
    """
    sf: dict[str, Any] = {"carrier": "SF", "outlet_id": "SF-A"}
    yto: dict[str, Any] = {"carrier": "YTO", "outlet_id": "YTO-X"}
    bodies = {
        "k": waybill(accepted_at="2026-11-29T15:59:59+00:00", sender=sender(80), pickup_checks=NO_XRAY, **sf),
        "l": waybill(accepted_at="2026-11-29T16:00:00+00:00", sender=sender(81), **sf),
        "a": waybill(accepted_at="2026-11-30T23:59:00+08:00", sender=sender(82), **sf),
        "g": waybill(accepted_at="2026-11-30T15:59:59+00:00", sender=party(**NO_ID), **yto),
        "b": waybill(
            accepted_at="2026-11-30T16:00:00+00:00", sender=sender(83), pickup_checks=NO_INSPECTION, **sf
        ),
        "c": over_limit(accepted_at="2026-12-01T10:00:00+08:00", sender=sender(84), outlet_id="SF-B"),
        "d": over_limit(accepted_at="2026-12-02T10:00:00+08:00", sender=sender(85), outlet_id="SF-B"),
        "e": over_limit(accepted_at="2026-12-03T09:00:00+08:00", sender=sender(86), outlet_id="SF-B"),
        "f": waybill(
            accepted_at="2026-12-01T08:00:00+08:00",
            sender=party(id_number=sender(87)["id_number"], id_verified=False, verification_method="none"),
            pickup_checks=NO_XRAY,
            **yto,
        ),
        "h": waybill(accepted_at="2026-12-31T23:59:59+08:00", sender=sender(88), **sf),
        "i": waybill(accepted_at="2026-12-31T16:00:00+00:00", sender=sender(89), **sf),
    }
    decided = {name: desk.score(body) for name, body in bodies.items()}
    expected = {"k": "inspect", "l": "release", "a": "release", "g": "reject", "b": "inspect"}
    expected |= {"c": "hold", "d": "hold", "e": "hold", "f": "inspect", "h": "release", "i": "release"}
    assert {n: d["decision"] for n, d in decided.items()} == expected
    desk.act(decided["c"]["case_id"], "seize", hours_after_opening=2)
    desk.act(decided["d"]["case_id"], "release", hours_after_opening=6)
    return decided


CARRIER_COLUMNS = (
    "carrier",
    "parcels",
    "realname_needed",
    "realname_ok",
    "realname_rate",
    "inspection_rate",
    "xray_rate",
    "hold",
    "holds_confirmed",
    "holds_released",
    "holds_open",
)
DECEMBER_CARRIERS = [
    ("SF", 5, 5, 5, 1.0, 4 / 5, 1.0, 3, 1, 1, 1),
    ("YTO", 1, 1, 0, 0.0, 1.0, 0.0, 0, 0, 0, 0),
]


def rows_of(body: dict[str, Any], *names: str) -> list[tuple[Any, ...]]:
    """Some columns of a metrics answer's rows, sorted."""
    return sorted(tuple(r[n] for n in names) for r in body["rows"])


def test_the_december_figures_per_carrier_equal_the_hand_count(desk: Desk) -> None:
    """Real-name, inspection and X-ray rates and what the holds' cases found, per carrier, for December."""
    month_end(desk)
    body = desk.get("metrics", month="2026-12", by="carrier")
    assert rows_of(body, *CARRIER_COLUMNS) == DECEMBER_CARRIERS
    assert (body["total"]["parcels"], body["total"]["hold_confirmed_rate"]) == (6, 1 / 3)


def test_the_november_figures_end_at_beijing_midnight_on_the_30th(desk: Desk) -> None:
    """16:00 UTC on 30 November is 1 December in Beijing; 15:59:59 UTC is still November."""
    month_end(desk)
    body = desk.get("metrics", month="2026-11", by="carrier")
    assert rows_of(body, "carrier", "parcels", "realname_needed", "realname_ok", "xray_rate", "reject") == [
        ("SF", 3, 3, 3, 2 / 3, 0),
        ("YTO", 1, 1, 0, 1.0, 1),
    ]


def test_the_december_figures_per_outlet_equal_the_hand_count(desk: Desk) -> None:
    """Per outlet: parcels, inspection rate, holds and their outcomes, with the median time to resolve."""
    month_end(desk)
    body = desk.get("metrics", month="2026-12", by="outlet")
    names = ("outlet_id", "parcels", "inspection_rate", "xray_rate", "hold", "holds_confirmed", "holds_open")
    assert rows_of(body, *names) == [
        ("SF-A", 2, 1 / 2, 1.0, 0, 0, 0),
        ("SF-B", 3, 1.0, 1.0, 3, 1, 1),
        ("YTO-X", 1, 1.0, 0.0, 0, 0, 0),
    ]
    sf_b = next(r for r in body["rows"] if r["outlet_id"] == "SF-B")
    assert sf_b["median_resolve_hours"] == 4.0  # 2 h and 6 h; the open case has no time


def test_the_weeks_split_at_beijing_monday_midnight(desk: Desk) -> None:
    """W48 ends at 16:00 UTC on Sunday 29 November; W49 holds the parcels of 30 November to 6 December."""
    month_end(desk)
    w48 = desk.get("metrics", week="2026-W48", by="carrier")
    assert rows_of(w48, "carrier", "parcels", "xray_rate") == [("SF", 1, 0.0)]
    w49 = desk.get("metrics", week="2026-W49", by="carrier")
    assert rows_of(w49, "carrier", "parcels", "inspection_rate", "hold", "holds_confirmed") == [
        ("SF", 6, 5 / 6, 3, 1),
        ("YTO", 2, 1.0, 0, 0),
    ]


def test_the_last_second_of_the_year_is_december_and_the_next_is_january(desk: Desk) -> None:
    """23:59:59 on 31 December in Beijing counts in December; 16:00 UTC that day is 1 January."""
    month_end(desk)
    january = desk.get("metrics", month="2027-01", by="carrier")
    assert rows_of(january, "carrier", "parcels") == [("SF", 1)]


def test_the_carriers_csv_carries_the_december_figures(desk: Desk) -> None:
    """The downloaded carriers table equals the metrics per carrier."""
    from screening.compliance.labels import LABELS

    month_end(desk)
    rows = csv_rows(desk.download("monthly/2026-12", format="csv", table="carriers"))
    got = sorted(
        (
            r[LABELS["carrier"]],
            *(int(r[LABELS[n]]) for n in ("parcels", "realname_needed", "realname_ok")),
            *(float(r[LABELS[n]]) for n in ("realname_rate", "inspection_rate", "xray_rate")),
            *(int(r[LABELS[n]]) for n in ("hold", "holds_confirmed", "holds_released", "holds_open")),
        )
        for r in rows
    )
    assert got == DECEMBER_CARRIERS


def test_the_outlets_csv_carries_the_december_holds(desk: Desk) -> None:
    """The downloaded outlets table counts each outlet's holds and confirmed holds as the metrics do."""
    from screening.compliance.labels import LABELS

    month_end(desk)
    rows = csv_rows(desk.download("monthly/2026-12", format="csv", table="outlets"))
    got = sorted(
        (
            r[LABELS["outlet_id"]],
            int(r[LABELS["parcels"]]),
            int(r[LABELS["hold"]]),
            int(r[LABELS["holds_confirmed"]]),
        )
        for r in rows
    )
    assert got == [("SF-A", 2, 0, 0), ("SF-B", 3, 3, 1), ("YTO-X", 1, 0, 0)]


def test_the_workbooks_carrier_sheet_carries_the_december_figures(desk: Desk, tmp_path: Path) -> None:
    """The XLSX workbook's carriers sheet holds the same figures."""
    from screening.compliance.labels import LABELS

    month_end(desk)
    sheet = workbook(desk.download("monthly/2026-12"), tmp_path)["按企业 Carriers"]
    rows = [dict(zip(sheet[0], r, strict=True)) for r in sheet[1:] if r[0]]
    got = sorted(tuple(r[LABELS[n]] for n in CARRIER_COLUMNS) for r in rows)
    assert got == DECEMBER_CARRIERS


def test_the_html_report_prints_the_december_rates(desk: Desk) -> None:
    """The HTML report prints the month's inspection and real-name rates."""
    month_end(desk)
    page = desk.download("monthly/2026-12", format="html").decode("utf-8")
    assert "2026-12" in page
    for rate in ("83.3%", "33.3%"):  # real name, inspection and X-ray each 5/6; holds confirmed 1/3
        assert rate in page, rate


# Masking in pages, answers, reports and exports ----------------------------------------------------------


def test_a_number_ending_in_x_repeated_in_lowercase_in_the_goods_is_masked_everywhere(desk: Desk) -> None:
    """RULES: nowhere a plain ID number: a description repeating the sender's own number is masked too."""
    number = resident_id_with_x()
    wb = export_postal(
        accepted_at="2026-11-17T10:00:00+08:00",
        outlet_id="SF-A",
        sender=party(id_number=number, phone="13711112222"),
        items=[item(description=f"羊毛大衣 wool coat {number.lower()}", quantity=5, unit_value=200.0)],
        pickup_checks=NO_INSPECTION,
    )
    case_id = desk.score(wb)["case_id"]
    assert case_id
    desk.log.compact()
    texts = [
        desk.http.get(f"/v1/cases/{case_id}").text,
        desk.http.get(f"/cases/{case_id}").text,
        desk.http.get("/v1/audit/offending", params={"week": "2026-W47"}).text,
        desk.download("weekly/2026-W47", format="csv", table="offending").decode("utf-8-sig"),
        desk.download("weekly/2026-W47", format="html").decode("utf-8"),
    ]
    for n, text in enumerate(texts):
        low = text.lower()
        assert number.lower() not in low and number[:17] not in low, n


def test_an_officers_trace_by_id_answers_and_exports_only_the_masked_number(desk: Desk) -> None:
    """Trace search keys the number before searching; its rows and CSV show the masked form only."""
    who = sender(90)
    desk.score(waybill(accepted_at="2026-11-17T10:00:00+08:00", sender=who, outlet_id="SF-A"))
    desk.log.compact()
    query = {
        "from": "2026-11-16",
        "to": "2026-11-22",
        "id_type": "resident_id",
        "id_number": who["id_number"],
    }
    r = desk.http.post("/v1/audit/trace", json=query)
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 1
    exported = desk.http.post("/v1/audit/trace/export", json=query)
    assert exported.status_code == 200
    for text in (r.text, exported.text):
        assert who["id_number"] not in text and who["id_number"][:17] not in text
    assert mask_id(who["id_number"]) in r.text


# Bad audit parameters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"month": "2026-12", "by": "region"}, "by"),
        ({"month": "2026-13"}, "month"),
        ({"week": "2026-W00"}, "week"),
        ({"from": "1999-12-31"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"month": "2026-12", "carrier": "sf"}, "carrier"),
    ],
)
def test_a_bad_metrics_parameter_is_a_422_naming_it(desk: Desk, params: dict[str, str], name: str) -> None:
    """Bad query parameters are 4xx naming the field."""
    r = desk.http.get("/v1/audit/metrics", params=params)
    assert r.status_code == 422, r.text
    assert locs(r) == [["query", name]]


def test_a_report_of_a_month_under_the_weekly_kind_is_a_422_naming_the_label(desk: Desk) -> None:
    """A weekly report asked for by a month's label names the label; nothing is downloaded."""
    r = desk.http.get("/v1/audit/reports/weekly/2026-12", params={"format": "csv", "table": "carriers"})
    assert r.status_code == 422
    assert locs(r) == [["path", "label"]]
    assert re.search(r"attachment", r.headers.get("content-disposition", "")) is None
