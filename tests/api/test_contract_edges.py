"""Edges of the HTTP wire contract (shared/contract/README.md, shared/domain/RULES.md) over HTTP.

Validation (422 bodies name every field, change no state), the batch's bounds and slots, idempotency
of re-sends, reading decisions back, inspection reports, and the shape of every decision.
"""

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.answers import WAYBILL_REQUIRED, codes
from tests.api.conftest import CaseClient
from tests.conftest import ScoringClient
from tests.factories import (
    BASE_TIME,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    merge,
    over_limit,
    party,
    resident_id,
    waybill,
)

SEVERITY = {"reject": 3, "hold": 2, "inspect": 1, "release": 0}


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body."""
    return [e["loc"] for e in body["detail"]]


def assert_pydantic_style(body: dict[str, Any]) -> None:
    """A 422 body is `detail: [{loc, msg, type}]` and nothing else."""
    assert set(body) == {"detail"} and body["detail"]
    for e in body["detail"]:
        assert set(e) == {"loc", "msg", "type"}, e
        assert isinstance(e["loc"], list) and e["loc"] and e["msg"] and e["type"]


def evidence(decision: dict[str, Any], code: str) -> dict[str, Any]:
    """The evidence of one reason of a decision (fails when the reason is absent)."""
    found = [r["evidence"] for r in decision["reasons"] if r["code"] == code]
    assert found, f"{code} not in {[r['code'] for r in decision['reasons']]}"
    ev: dict[str, Any] = found[0]
    return ev


def sender_of(seq: str) -> dict[str, str]:
    """Sender overrides that give a ring its own sender (ID and phone), so tests do not share history."""
    return {"id_number": resident_id(seq=seq), "phone": f"13700{int(seq):06d}"}


# 422: every offending field, pydantic style, no state ------------------------------------------------


def test_a_422_names_every_offending_field_at_every_depth(client: ScoringClient) -> None:
    wb = waybill(
        outlet_id=...,
        items=[item(), item(quantity=0), item(unit_value=-1.0)],
        sender={"address": {"country": "XX"}},
        receiver={"phone": "1"},
        pickup_checks={"opened_inspection": ...},
        declared_value=120.0,
    )
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 422, r.text
    assert_pydantic_style(r.json())
    got = locs(r.json())
    for loc in (
        ["body", "outlet_id"],
        ["body", "items", 1, "quantity"],
        ["body", "items", 2, "unit_value"],
        ["body", "sender", "address", "country"],
        ["body", "receiver", "phone"],
        ["body", "pickup_checks", "opened_inspection"],
    ):
        assert loc in got, (loc, got)
    assert next(e["type"] for e in r.json()["detail"] if e["loc"] == ["body", "outlet_id"]) == "missing"


def test_an_empty_object_names_exactly_the_required_fields_as_missing(client: ScoringClient) -> None:
    r = client.http.post("/v1/score", json={})
    assert r.status_code == 422
    assert sorted(locs(r.json())) == sorted(["body", f] for f in WAYBILL_REQUIRED)
    assert {e["type"] for e in r.json()["detail"]} == {"missing"}


def test_a_mainland_address_names_each_missing_part_in_its_own_loc(client: ScoringClient) -> None:
    wb = waybill(sender=party(address={"district": None, "detail": None}))
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 422
    got = locs(r.json())
    assert ["body", "sender", "address", "district"] in got
    assert ["body", "sender", "address", "detail"] in got


def test_an_id_number_in_full_width_digits_is_a_422_at_its_field(client: ScoringClient) -> None:
    # Wrong characters (the contract: a 422), not a number to check: its key would differ from the ASCII one.
    wide = resident_id().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r = client.http.post("/v1/score", json=waybill(sender=party(id_number=wide)))
    assert (r.status_code, locs(r.json())) == (422, [["body", "sender", "id_number"]])


def test_optional_fields_may_be_left_out_and_take_their_contract_defaults(client: ScoringClient) -> None:
    wb = waybill(service="export", courier_id=..., dims_cm=..., order=...)
    for key in ("id_verified", "verification_method", "customer_type", "contract_id"):
        del wb["sender"][key]
    wb["receiver"] = hk_receiver()
    for key in ("province", "postcode"):  # required for CN only; postcode is always optional
        del wb["receiver"]["address"][key]
    d = client.score(wb)
    # id_verified defaults to false: an ID given but not verified is REALNAME_UNVERIFIED (inspect), and
    # customer_type defaults to individual (no agreement-customer exemption, no CONTRACT_UNQUALIFIED).
    assert codes(d) == {"REALNAME_UNVERIFIED"} and d["decision"] == "inspect"


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (100, True), (101, False)])
def test_items_hold_one_to_one_hundred_lines(client: ScoringClient, count: int, ok: bool) -> None:
    wb = waybill(items=[item(quantity=1, unit_value=1.0)] * count, declared_value=float(count))
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == (200 if ok else 422), r.text
    if not ok:
        assert locs(r.json()) == [["body", "items"]]


@pytest.mark.parametrize(
    ("hs_code", "ok"),
    [
        ("33041", False),
        ("330410", True),
        ("3304100000123", True),
        ("33041000001234", False),
        ("3304A0", False),
    ],
)
def test_hs_code_is_six_to_thirteen_digits(client: ScoringClient, hs_code: str, ok: bool) -> None:
    r = client.http.post("/v1/score", json=waybill(items=[item(hs_code=hs_code)]))
    assert r.status_code == (200 if ok else 422), r.text
    if not ok:
        assert locs(r.json()) == [["body", "items", 0, "hs_code"]]


@pytest.mark.parametrize(
    ("accepted_at", "ok"),
    [
        pytest.param("2026-11-11T09:30:00+08:00", True, id="offset"),
        pytest.param("2026-11-11T01:30:00.250Z", True, id="zulu-fraction"),
        pytest.param("2026-11-11", False, id="date-only"),
        pytest.param("2026-11-11 09:30", False, id="naive-space"),
        pytest.param(1762824600, False, id="epoch-int"),
        pytest.param("1762824600", False, id="epoch-str"),
    ],
)
def test_accepted_at_is_an_iso_timestamp_with_an_offset(
    client: ScoringClient, accepted_at: Any, ok: bool
) -> None:
    r = client.http.post("/v1/score", json=waybill(accepted_at=accepted_at))
    assert r.status_code == (200 if ok else 422), r.text
    if not ok:
        assert locs(r.json()) == [["body", "accepted_at"]]


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"channel": "air"}, ["body", "channel"]),
        ({"sender": {"id_type": "drivers_licence"}}, ["body", "sender", "id_type"]),
        ({"sender": {"verification_method": "retina"}}, ["body", "sender", "verification_method"]),
        ({"sender": {"customer_type": "vip"}}, ["body", "sender", "customer_type"]),
        ({"items": [item(category="weapons")]}, ["body", "items", 0, "category"]),
        ({"items": [item(quantity=2.5)], "declared_value": 150.0}, ["body", "items", 0, "quantity"]),
        ({"items": [item(quantity="2")], "declared_value": 120.0}, ["body", "items", 0, "quantity"]),
        ({"weight_kg": 0}, ["body", "weight_kg"]),
        ({"dims_cm": [20, 15]}, ["body", "dims_cm"]),
        ({"dims_cm": [20, 15, 0]}, ["body", "dims_cm", 2]),
        ({"pickup_checks": {"opened_inspection": 1}}, ["body", "pickup_checks", "opened_inspection"]),
    ],
    ids=[
        "channel-enum",
        "id-type-enum",
        "verification-enum",
        "customer-type-enum",
        "category-enum",
        "quantity-fraction",
        "quantity-string",
        "weight-zero",
        "dims-two",
        "dims-zero",
        "check-not-bool",
    ],
)
def test_enums_types_and_ranges_of_the_contract_table_are_enforced(
    client: ScoringClient, changes: dict[str, Any], loc: list[Any]
) -> None:
    r = client.http.post("/v1/score", json=waybill(**changes))
    assert r.status_code == 422, r.text
    assert_pydantic_style(r.json())
    assert loc in locs(r.json())


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"a waybill"', b"42"])
def test_a_body_that_is_not_a_waybill_object_is_a_pydantic_style_422(
    client: ScoringClient, body: bytes
) -> None:
    r = client.http.post("/v1/score", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert_pydantic_style(r.json())
    assert all(e["loc"][0] == "body" for e in r.json()["detail"])


def test_a_currency_422_counts_nothing_and_remembers_nothing(client: ScoringClient) -> None:
    # The currency is refused after the body parsed (no CNY rate): still bad input, still no state.
    ring = ant_ring(8, **sender_of("651"))
    for wb in ring[:5]:
        assert "ANT_MOVING_SENDER" not in client.codes(wb)
    for wb in ring[5:7]:
        r = client.http.post("/v1/score", json={**wb, "currency": "ZAR"})
        assert r.status_code == 422 and locs(r.json()) == [["body", "currency"]]
        assert client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").status_code == 404
    ev = evidence(client.score(ring[7]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert ring[5]["waybill_no"] not in ev["linked_waybills"]
    assert ring[6]["waybill_no"] not in ev["linked_waybills"]


def test_a_422_on_a_parcel_that_would_be_held_opens_no_case(cases_client: CaseClient) -> None:
    client = cases_client
    client.as_new("wang", "officer")
    wb = over_limit(receiver=hk_receiver(phone="1"))
    case_id = f"CASE-SF-{wb['waybill_no']}"
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 422 and locs(r.json()) == [["body", "receiver", "phone"]]
    assert client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").status_code == 404
    assert client.http.get(f"/v1/cases/{case_id}").status_code == 404
    assert client.http.get("/v1/cases").json()["total"] == 0
    # The same parcel, corrected, is held and its case opened: the checks above can see a case.
    held = client.score({**wb, "receiver": hk_receiver()})
    assert held["decision"] == "hold" and held["case_id"] == case_id
    assert client.http.get(f"/v1/cases/{case_id}").status_code == 200


# POST /v1/score/batch ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_batch_of_exactly_1000_waybills_is_scored_in_request_order(client: ScoringClient) -> None:
    wbs = [waybill(sender=party(phone=f"135{i:08d}")) for i in range(1000)]
    r = client.http.post("/v1/score/batch", json={"waybills": wbs})
    assert r.status_code == 200, r.text[:300]
    slots = r.json()["decisions"]
    assert [s.get("waybill_no") for s in slots] == [w["waybill_no"] for w in wbs]
    assert {s["decision"] for s in slots} == {"release"}


def test_a_bad_batch_slot_names_every_field_inside_the_batch_body(client: ScoringClient) -> None:
    bad = waybill(items=[item(), item(quantity=0)], sender={"phone": "1"}, declared_value=120.0)
    wbs = [waybill(), waybill(), bad, waybill()]
    r = client.http.post("/v1/score/batch", json={"waybills": wbs})
    assert r.status_code == 200
    slots = r.json()["decisions"]
    assert [("error" in s) for s in slots] == [False, False, True, False]
    assert_pydantic_style(slots[2]["error"])
    got = locs(slots[2]["error"])
    assert ["body", "waybills", 2, "items", 1, "quantity"] in got
    assert ["body", "waybills", 2, "sender", "phone"] in got
    assert [slots[i]["waybill_no"] for i in (0, 1, 3)] == [wbs[i]["waybill_no"] for i in (0, 1, 3)]
    assert client.http.get(f"/v1/decisions/SF/{bad['waybill_no']}").status_code == 404


def test_bad_slots_inside_a_ring_batch_are_not_counted_by_later_slots(client: ScoringClient) -> None:
    ring = ant_ring(8, **sender_of("652"))
    batch = [*ring[:3], merge(ring[3], {"weight_kg": 0}), merge(ring[4], {"currency": "ZAR"}), *ring[5:]]
    slots = client.http.post("/v1/score/batch", json={"waybills": batch}).json()["decisions"]
    assert [("error" in s) for s in slots] == [False, False, False, True, True, False, False, False]
    assert slots[4]["error"]["detail"][0]["loc"] == ["body", "waybills", 4, "currency"]
    # Six valid parcels in all: the sixth (slot 7) is the first the ring rule holds.
    assert "ANT_MOVING_SENDER" not in codes(slots[6])
    assert evidence(slots[7], "ANT_MOVING_SENDER")["parcels"] == 6


def test_the_same_parcel_twice_in_a_batch_gets_one_decision_and_counts_once(client: ScoringClient) -> None:
    ring = ant_ring(6, **sender_of("653"))
    slots = client.http.post("/v1/score/batch", json={"waybills": [*ring[:5], ring[4]]}).json()["decisions"]
    assert slots[5] == slots[4]
    assert "ANT_MOVING_SENDER" not in codes(slots[5])
    assert evidence(client.score(ring[5]), "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_slot_that_is_not_an_object_fails_alone(client: ScoringClient) -> None:
    good = waybill()
    r = client.http.post("/v1/score/batch", json={"waybills": [good, "SF1400000000000", None]})
    assert r.status_code == 200, r.text
    slots = r.json()["decisions"]
    assert slots[0]["waybill_no"] == good["waybill_no"]
    assert slots[1]["error"]["detail"][0]["loc"] == ["body", "waybills", 1]
    assert slots[2]["error"]["detail"][0]["loc"] == ["body", "waybills", 2]


def test_a_single_waybill_posted_as_a_batch_is_a_422_that_scores_nothing(client: ScoringClient) -> None:
    wb = waybill()
    r = client.http.post("/v1/score/batch", json=wb)
    assert r.status_code == 422
    assert_pydantic_style(r.json())
    assert ["body", "waybills"] in locs(r.json())
    assert client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").status_code == 404


# Idempotency and reading back --------------------------------------------------------------------------


def test_a_resent_body_gets_the_identical_decision_and_counts_once(client: ScoringClient) -> None:
    ring = ant_ring(6, **sender_of("654"))
    for wb in ring[:5]:
        first = client.http.post("/v1/score", json=wb).json()
        reordered = json.dumps(dict(reversed(list(wb.items()))), ensure_ascii=False, indent=2)
        again = client.http.post(
            "/v1/score", content=reordered.encode(), headers={"content-type": "application/json"}
        )
        assert again.json() == first  # scored_at included: the remembered decision, not a new one
    ev = evidence(client.score(ring[5]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert sorted(ev["linked_waybills"]) == sorted(w["waybill_no"] for w in ring[:5])


def test_a_changed_body_is_rescored_and_replaces_its_earlier_contribution(client: ScoringClient) -> None:
    ring = ant_ring(6, **sender_of("655"))  # face cream at 760, 761, … CNY: the near-limit band is [720, 800)
    client.score(ring[0])
    client.score(ring[1])
    undervalued = merge(
        ring[2], {"items": [{**ring[2]["items"][0], "unit_value": 500.0}], "declared_value": 500.0}
    )
    first = client.score(undervalued)
    assert "NEAR_LIMIT_SPLIT" not in codes(first)  # only two parcels in the band so far
    corrected = client.score(ring[2])  # the courier corrects the value to 762
    assert evidence(corrected, "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3
    assert client.http.get(f"/v1/decisions/SF/{ring[2]['waybill_no']}").json() == corrected
    for wb in ring[3:5]:
        client.score(wb)
    ev = evidence(client.score(ring[5]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert ev["total_value"] == pytest.approx(sum(760.0 + i for i in range(6)))


def test_the_same_waybill_number_of_another_carrier_is_another_parcel(client: ScoringClient) -> None:
    held = client.score(over_limit())
    other = waybill(waybill_no=held["waybill_no"], carrier="YTO", outlet_id="YTO-1")
    released = client.score(other)
    assert (released["carrier"], released["decision"], released["case_id"]) == ("YTO", "release", None)
    assert client.http.get(f"/v1/decisions/SF/{held['waybill_no']}").json()["decision"] == "hold"
    assert client.http.get(f"/v1/decisions/YTO/{held['waybill_no']}").json()["decision"] == "release"
    assert client.http.get(f"/v1/decisions/ZTO/{held['waybill_no']}").status_code == 404


def test_read_back_carries_the_case_status_of_a_hold_and_none_for_a_release(cases_client: CaseClient) -> None:
    client = cases_client
    held_wb = over_limit()
    case_id = client.score(held_wb)["case_id"]
    got = client.http.get(f"/v1/decisions/SF/{held_wb['waybill_no']}").json()
    assert (got["decision"], got["case_id"], got["case_status"]) == ("hold", case_id, "open")
    client.as_new("wang", "officer")
    assert client.act(case_id, "release", note="personal gifts").status_code == 200
    got = client.http.get(f"/v1/decisions/SF/{held_wb['waybill_no']}").json()
    assert (got["decision"], got["case_status"]) == ("hold", "released")
    plain = waybill()
    client.score(plain)
    got = client.http.get(f"/v1/decisions/SF/{plain['waybill_no']}").json()
    assert got["case_id"] is None and got.get("case_status") is None


def test_read_back_keeps_the_open_case_of_a_hold_whose_correction_is_not_held(
    cases_client: CaseClient,
) -> None:
    client = cases_client
    held_wb = over_limit()
    case_id = client.score(held_wb)["case_id"]
    corrected = client.score(
        merge(held_wb, {"items": [item(quantity=5, unit_value=100.0)], "declared_value": 500.0})
    )
    assert corrected["decision"] == "release"
    client.as_new("wang", "officer")
    assert client.http.get(f"/v1/cases/{case_id}").json()["status"] == "open"
    got = client.http.get(f"/v1/decisions/SF/{held_wb['waybill_no']}").json()
    assert got["case_status"] == "open"


# POST /v1/inspections ----------------------------------------------------------------------------------


def inspection(wb: dict[str, Any], result: str, hours_after: float, **more: Any) -> dict[str, Any]:
    """An inspection report of a scored waybill."""
    at = (BASE_TIME + timedelta(hours=hours_after)).isoformat()
    return {
        "carrier": wb["carrier"],
        "waybill_no": wb["waybill_no"],
        "result": result,
        "inspected_at": at,
        **more,
    }


def test_a_violation_flags_the_parcels_receiver_as_well_as_its_sender(cases_client: CaseClient) -> None:
    client = cases_client
    receiver = cn_receiver(
        phone="13911110001",
        address={"province": "广东省", "city": "深圳市", "district": "南山区", "detail": "科技园南路18号A座"},
    )
    inspected = waybill(sender=party(**sender_of("661")), receiver=receiver)
    client.score(inspected)
    client.as_new("wang", "officer")
    r = client.http.post(
        "/v1/inspections", json=inspection(inspected, "violation", 1, violation_type="counterfeit")
    )
    assert r.status_code == 200 and r.json()["label"] == 1
    # Another sender in another building: the receiver is all the two parcels share.
    elsewhere = {"district": "徐汇区", "detail": "漕溪北路595号2号楼1101室", "postcode": "200030"}
    other = party(**sender_of("662"), address=elsewhere)
    other_sender = waybill(sender=other, receiver=receiver, hours_after=2)
    d = client.score(other_sender)
    ev = evidence(d, "PRIOR_VIOLATIONS")
    assert ev["violations"] == 1 and ev["entity"].startswith("receiver")
    assert d["decision"] == "inspect"


def test_two_violations_within_a_year_hold_and_a_resent_report_counts_once(cases_client: CaseClient) -> None:
    client = cases_client
    sender = party(**sender_of("663"))
    first, second = waybill(sender=sender), waybill(sender=sender, hours_after=0.5)
    client.score(first)
    client.score(second)
    client.as_new("wang", "officer")
    report = inspection(first, "violation", 1)
    assert client.http.post("/v1/inspections", json=report).status_code == 200
    assert client.http.post("/v1/inspections", json=report).status_code == 200  # the same report re-sent
    once = client.score(waybill(sender=sender, hours_after=2))
    assert evidence(once, "PRIOR_VIOLATIONS")["violations"] == 1 and once["decision"] == "inspect"
    assert client.http.post("/v1/inspections", json=inspection(second, "violation", 2.5)).status_code == 200
    twice = client.score(waybill(sender=sender, hours_after=3))
    assert evidence(twice, "PRIOR_VIOLATIONS")["violations"] == 2
    assert twice["decision"] == "hold" and twice["case_id"] is not None


def test_a_clear_inspection_is_a_negative_label_and_flags_nobody(cases_client: CaseClient) -> None:
    client = cases_client
    sender = party(**sender_of("664"))
    wb = waybill(sender=sender)
    client.score(wb)
    client.as_new("wang", "officer")
    r = client.http.post("/v1/inspections", json=inspection(wb, "clear", 1, note="T-shirts as declared"))
    assert r.status_code == 200 and r.json()["label"] == 0
    assert "PRIOR_VIOLATIONS" not in codes(client.score(waybill(sender=sender, hours_after=2)))


def test_an_inspection_422_names_every_bad_field(cases_client: CaseClient) -> None:
    client = cases_client
    client.as_new("wang", "officer")
    bad = {"carrier": "sf", "waybill_no": "SF 1", "result": "maybe", "inspected_at": "2026-11-11T10:00:00"}
    r = client.http.post("/v1/inspections", json=bad)
    assert r.status_code == 422
    assert_pydantic_style(r.json())
    assert sorted(locs(r.json())) == sorted(
        ["body", f] for f in ("carrier", "waybill_no", "result", "inspected_at")
    )
    r = client.http.post("/v1/inspections", json={"carrier": "SF", "waybill_no": "SF14000000001"})
    assert sorted(locs(r.json())) == [["body", "inspected_at"], ["body", "result"]]
    epoch = {"carrier": "SF", "waybill_no": "SF14000000001", "result": "clear", "inspected_at": 1762824600}
    r = client.http.post("/v1/inspections", json=epoch)
    assert (r.status_code, locs(r.json())) == (422, [["body", "inspected_at"]])


def test_an_inspection_of_a_parcel_not_remembered_is_kept_as_a_label_and_flags_nobody(
    cases_client: CaseClient,
) -> None:
    # Remembered decisions last 30 days; a later report still labels the decision log's row of the parcel.
    client = cases_client
    client.as_new("wang", "officer")
    report = inspection({"carrier": "SF", "waybill_no": "SF999999999991"}, "violation", 1)
    r = client.http.post("/v1/inspections", json=report)
    assert r.status_code == 200, r.text
    assert (r.json()["label"], r.json()["entities"]) == (1, 0)


# The shape of every decision ---------------------------------------------------------------------------


def test_every_decision_is_its_most_severe_reason_and_has_a_case_exactly_when_held(
    client: ScoringClient,
) -> None:
    cases = {
        "release": waybill(),
        "inspect": waybill(sender=party(id_verified=False, verification_method="none")),
        "hold": over_limit(),
        # No sender ID (reject) and over the limit (hold): a refused parcel opens no case.
        "reject": over_limit(sender=party(id_type=None, id_number=None)),
        # One article over the limit is inspected, not held.
        "single-article": export_postal(
            items=[item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=900.0)]
        ),
    }
    seen = {}
    for name, wb in cases.items():
        d = client.score(wb)
        seen[name] = d["decision"]
        outcomes = [r["outcome"] for r in d["reasons"]]
        assert d["decision"] == max(outcomes, key=SEVERITY.__getitem__, default="release"), name
        assert outcomes == sorted(outcomes, key=SEVERITY.__getitem__, reverse=True), name
        assert (d["case_id"] is not None) == (d["decision"] == "hold"), name
        assert 0.0 <= d["risk_score"] <= 1.0 and d["model_version"] and d["policy_version"]
        assert datetime.fromisoformat(d["scored_at"]).tzinfo is not None
        assert (d["waybill_no"], d["carrier"]) == (wb["waybill_no"], wb["carrier"])
        for r in d["reasons"]:
            assert {"code", "outcome", "message", "message_en", "evidence"} <= set(r)
            assert r["code"].replace("_", "").isupper() and isinstance(r["evidence"], dict)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in r["message"]) and r["message_en"]
    assert seen == {
        "release": "release",
        "inspect": "inspect",
        "hold": "hold",
        "reject": "reject",
        "single-article": "inspect",
    }


def test_the_request_id_is_echoed_on_decisions_errors_and_batches(client: ScoringClient) -> None:
    calls: list[tuple[str, str, dict[str, Any], int]] = [
        ("POST", "/v1/score", {"json": waybill()}, 200),
        ("POST", "/v1/score", {"json": waybill(weight_kg=-1)}, 422),
        ("POST", "/v1/score", {"content": b"{", "headers": {"content-type": "application/json"}}, 422),
        (
            "POST",
            "/v1/score",
            {"content": b"x" * 2_000_001, "headers": {"content-type": "application/json"}},
            413,
        ),
        ("POST", "/v1/score/batch", {"json": {"waybills": [waybill(), {}]}}, 200),
        ("GET", "/v1/decisions/SF/SF999999999998", {}, 404),
    ]
    for n, (method, path, kwargs, status) in enumerate(calls):
        rid = f"courier-{n}-7f3a"
        headers = {**kwargs.pop("headers", {}), "X-Request-ID": rid}
        r = client.http.request(method, path, headers=headers, **kwargs)
        assert r.status_code == status, (path, r.text[:200])
        assert r.headers["x-request-id"] == rid, path
