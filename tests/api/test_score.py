"""POST /v1/score and /v1/score/batch over HTTP: contract examples, bad input, batch slots."""

import json
from typing import Any

import pytest

from tests.conftest import ScoringClient
from tests.factories import export_postal, item, party, resident_id, waybill, wrong_check_digit
from tests.shared_dir import SHARED

CONTRACT = SHARED / "contract"


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body."""
    return [e["loc"] for e in body["detail"]]


def test_the_shared_contract_example_validates_and_scores(client: ScoringClient) -> None:
    example = json.loads((CONTRACT / "waybill.example.json").read_text())
    decision = client.score(example)
    assert decision["waybill_no"] == example["waybill_no"] and decision["carrier"] == "SF"
    assert decision["decision"] in {"release", "inspect", "hold", "reject"}
    assert decision["policy_version"] == "policy-1" and decision["model_version"]


def test_the_shared_decision_example_fits_the_response_model() -> None:
    from screening.contract import Decision

    example = json.loads((CONTRACT / "decision.example.json").read_text())
    assert Decision.model_validate(example).decision == "hold"


def test_a_clean_waybill_is_released_with_no_reasons(client: ScoringClient) -> None:
    d = client.score(waybill())
    assert (d["decision"], d["reasons"], d["case_id"]) == ("release", [], None)
    assert d["model_version"] == "none" and d["policy_version"] == "policy-1"
    assert "+08:00" in d["scored_at"] or d["scored_at"].endswith("Z")


def test_decision_is_the_most_severe_reason_and_reasons_come_most_severe_first(client: ScoringClient) -> None:
    wb = waybill(
        sender=party(id_verified=False, verification_method="none"),
        items=[item(description="弹簧刀 switchblade", category=None, quantity=1, unit_value=50.0)],
        pickup_checks={"opened_inspection": False, "xray_screened": True},
    )
    d = client.score(wb)
    assert d["decision"] == "reject"
    outcomes = [r["outcome"] for r in d["reasons"]]
    order = {"reject": 0, "hold": 1, "inspect": 2, "release": 3}
    assert outcomes == sorted(outcomes, key=order.__getitem__)
    for r in d["reasons"]:
        assert r["message"] and r["message_en"] and isinstance(r["evidence"], dict) and r["evidence"]


def test_false_id_is_a_reject_decision_not_a_422(client: ScoringClient) -> None:
    bad = wrong_check_digit(resident_id())
    d = client.score(waybill(sender=party(id_number=bad)))
    assert d["decision"] == "reject"
    assert [r["code"] for r in d["reasons"]] == ["ID_INVALID"]


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"waybill_no": ...}, ["body", "waybill_no"]),
        ({"weight_kg": "heavy"}, ["body", "weight_kg"]),
        ({"declared_value": -1.0}, ["body", "declared_value"]),
        ({"items": []}, ["body", "items"]),
        ({"accepted_at": "2026-11-11T09:30:00"}, ["body", "accepted_at"]),
        ({"currency": "XYZ"}, ["body", "currency"]),
        ({"service": "teleport"}, ["body", "service"]),
        ({"carrier": "sf"}, ["body", "carrier"]),
        ({"sender": {"id_number": "1101051949123100"}}, ["body", "sender", "id_number"]),
        ({"sender": {"id_number": "11010519491231002A"}}, ["body", "sender", "id_number"]),
        ({"sender": {"phone": "12"}}, ["body", "sender", "phone"]),
        ({"receiver": {"address": {"country": "ZZ"}}}, ["body", "receiver", "address", "country"]),
        ({"declared_value": 999.0}, ["body", "declared_value"]),
        ({"pickup_checks": {"xray_screened": "yes"}}, ["body", "pickup_checks", "xray_screened"]),
        ({"surprise": 1}, ["body", "surprise"]),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: ScoringClient, changes: dict[str, Any], loc: list[Any]
) -> None:
    r = client.http.post("/v1/score", json=waybill(**changes))
    assert r.status_code == 422, r.text
    assert loc in locs(r.json())
    for e in r.json()["detail"]:
        assert set(e) == {"loc", "msg", "type"}


def test_every_offending_field_is_named_at_once(client: ScoringClient) -> None:
    r = client.http.post("/v1/score", json=waybill(weight_kg=0, currency="usd1", items=[item(quantity=0)]))
    assert r.status_code == 422
    got = locs(r.json())
    assert (
        ["body", "weight_kg"] in got
        and ["body", "currency"] in got
        and ["body", "items", 0, "quantity"] in got
    )


def test_a_currency_without_a_rate_is_a_422(client: ScoringClient) -> None:
    r = client.http.post("/v1/score", json=waybill(currency="ZAR"))  # ISO code, but no rate in the table
    assert r.status_code == 422
    assert locs(r.json()) == [["body", "currency"]]


def test_a_body_that_is_not_json_is_a_422(client: ScoringClient) -> None:
    r = client.http.post("/v1/score", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_an_oversized_body_is_a_413(client: ScoringClient) -> None:
    wb = waybill()
    wb["padding"] = "x" * 3_000_000
    r = client.http.post("/v1/score", json=wb)
    assert r.status_code == 413


def test_an_error_never_echoes_the_id_number(client: ScoringClient) -> None:
    number = resident_id()
    r = client.http.post("/v1/score", json=waybill(sender={"id_number": number, "phone": "1"}))
    assert r.status_code == 422
    assert number not in r.text


def test_batch_keeps_request_order_and_fails_bad_slots_alone(client: ScoringClient) -> None:
    good = waybill()
    bad = waybill(weight_kg=-1)
    rejected = waybill(sender=party(id_type=None, id_number=None))
    r = client.http.post("/v1/score/batch", json={"waybills": [good, bad, rejected]})
    assert r.status_code == 200
    slots = r.json()["decisions"]
    assert slots[0]["waybill_no"] == good["waybill_no"] and slots[0]["decision"] == "release"
    assert slots[1]["error"]["detail"][0]["loc"] == ["body", "waybills", 1, "weight_kg"]
    assert slots[2]["decision"] == "reject"


def test_batch_currency_error_is_located_in_its_slot(client: ScoringClient) -> None:
    r = client.http.post("/v1/score/batch", json={"waybills": [waybill(currency="ZAR")]})
    assert r.json()["decisions"][0]["error"]["detail"][0]["loc"] == ["body", "waybills", 0, "currency"]


@pytest.mark.parametrize("body", [{"waybills": []}, {"nope": []}, [1, 2], {"waybills": "x"}])
def test_a_body_that_is_not_a_batch_is_a_422(client: ScoringClient, body: Any) -> None:
    assert client.http.post("/v1/score/batch", json=body).status_code == 422


def test_batch_over_1000_waybills_is_a_422(client: ScoringClient) -> None:
    r = client.http.post("/v1/score/batch", json={"waybills": [{}] * 1001})
    assert r.status_code == 422


def test_health_and_readiness(client: ScoringClient) -> None:
    assert client.http.get("/healthz").json() == {"status": "ok"}
    ready = client.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["policy_version"] == "policy-1"


def test_openapi_docs_are_served(client: ScoringClient) -> None:
    schema = client.http.get("/openapi.json").json()
    assert "/v1/score" in schema["paths"] and "/v1/score/batch" in schema["paths"]
    assert "Waybill" in schema["components"]["schemas"]
    assert client.http.get("/docs").status_code == 200


def test_export_over_the_limit_is_held_end_to_end(client: ScoringClient) -> None:
    d = client.score(export_postal(items=[item(quantity=5, unit_value=200.0)]))
    assert d["decision"] == "hold"
    assert "OVER_PERSONAL_LIMIT" in {r["code"] for r in d["reasons"]}
