"""Clauses of the wire contract (shared/contract) that no other HTTP test pins down, one by one."""

import copy
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import DECISION_FIELDS, codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import NO_ID, Whole, hk_receiver, item, merge, party, resident_id, waybill
from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S
from tests.shared_dir import SHARED

CONTRACT = SHARED / "contract"
DECISION_EXAMPLE: dict[str, Any] = json.loads((CONTRACT / "decision.example.json").read_text())
EXAMPLE_REASONS: dict[str, dict[str, Any]] = {r["code"]: r for r in DECISION_EXAMPLE["reasons"]}
SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
CJK = re.compile(r"[\u4e00-\u9fff]")
_serial = itertools.count(1)


# People and parcels of their own, so the module's one app never mixes two tests' histories ---------------


def sender(**changes: Any) -> dict[str, Any]:
    """A mainland sender with a verified resident ID, a phone and a building no other test uses."""
    n = next(_serial)
    birth = (date(1961, 1, 1) + timedelta(days=n)).strftime("%Y%m%d")
    own: dict[str, Any] = {
        "id_number": resident_id(region="310115", birth=birth, seq="738"),
        "phone": f"136{n:08d}",
        "address": {"detail": f"碧波路{n}号{n % 9 + 1}号楼301室"},
    }
    return party(**merge(own, changes))


def abroad(country: str = "MO", **changes: Any) -> dict[str, Any]:
    """A receiver abroad (Macau unless told) that no other test uses."""
    n = next(_serial)
    phones = {"MO": f"+8536{n:07d}", "HK": f"+8529{n:07d}", "US": f"+1 202 555 {n % 10000:04d}"}
    base = hk_receiver(
        name=f"RECEIVER {n}",
        phone=phones[country],
        address={"country": country, "city": "City", "district": None, "detail": f"Rua {n}, Bloco {n}"},
    )
    return Whole(merge(base, changes))


def near_limit(who: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An export personal article of 760 CNY to Macau (limit 800, band [720, 800)) from this sender."""
    cream = item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=760.0)
    base: dict[str, Any] = {
        "service": "export",
        "channel": "postal",
        "sender": who,
        "receiver": abroad(),
        "items": [cream],
        "weight_kg": 0.4,
    }
    return waybill(**(base | changes))


def export(**changes: Any) -> dict[str, Any]:
    """A clean export personal article (120 CNY) from a sender of its own to Macau."""
    base: dict[str, Any] = {"service": "export", "channel": "postal"}
    base |= {"sender": sender(), "receiver": abroad()}
    return waybill(**(base | changes))


def domestic(**changes: Any) -> dict[str, Any]:
    """A clean domestic parcel from a sender of its own."""
    return waybill(**({"sender": sender()} | changes))


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body (or a failed batch slot's error)."""
    return [e["loc"] for e in body["detail"]]


def quiet_policy() -> Policy:
    """The shipped policy with random audit off (as the suite's policy fixture)."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


# The app ---------------------------------------------------------------------------------------------------


@dataclass
class Service:
    """A started app and its client."""

    app: FastAPI
    http: TestClient

    def post(self, wb: Any, headers: dict[str, str] | None = None) -> httpx2.Response:
        """POST /v1/score."""
        return self.http.post("/v1/score", json=wb, headers=headers)

    def score(self, wb: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """POST /v1/score and expect a decision."""
        r = self.post(wb, headers)
        assert r.status_code == 200, r.text[:500]
        body: dict[str, Any] = r.json()
        return body

    def batch(self, wbs: list[Any]) -> list[dict[str, Any]]:
        """POST /v1/score/batch, expect 200 and one slot per waybill."""
        r = self.http.post("/v1/score/batch", json={"waybills": wbs})
        assert r.status_code == 200, r.text[:500]
        slots: list[dict[str, Any]] = r.json()["decisions"]
        assert len(slots) == len(wbs)
        return slots

    def read_back(self, wb: dict[str, Any], headers: dict[str, str] | None = None) -> httpx2.Response:
        """GET /v1/decisions/{carrier}/{waybill_no}."""
        return self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}", headers=headers)

    def never_scored(self, wb: dict[str, Any]) -> bool:
        """True when the service keeps no decision for the parcel."""
        return self.read_back(wb).status_code == 404

    def refused_at(self, wb: dict[str, Any], *expected: list[Any]) -> dict[str, Any]:
        """POST: a pydantic-style 422 naming exactly these fields, and the parcel not kept."""
        r = self.post(wb)
        assert r.status_code == 422, r.text[:500]
        body: dict[str, Any] = r.json()
        assert set(body) == {"detail"}
        assert all(set(e) == {"loc", "msg", "type"} and e["msg"] for e in body["detail"]), body
        assert sorted(locs(body), key=str) == sorted(expected, key=str), locs(body)
        assert self.never_scored(wb)
        return body


def started(data_dir: Path, **options: Any) -> Iterator[Service]:
    """A started development app (random audit off) on its own data dir; a 5xx is an answer, not a raise."""
    with TestClient(
        create_app(Settings(env="development", data_dir=data_dir, **options)), raise_server_exceptions=False
    ) as http:
        app: FastAPI = http.app  # type: ignore[assignment]
        app.state.engine.policy = quiet_policy()
        yield Service(app=app, http=http)


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One started app for the module (embedded history, SQLite)."""
    yield from started(tmp_path_factory.mktemp("clauses") / "data")


@pytest.fixture(params=["embedded", "redis"])
def store_svc(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    """A started app on each history store in turn: embedded, then a real Redis (a key prefix of its own)."""
    options: dict[str, Any] = {}
    if request.param == "redis":
        port = request.getfixturevalue("redis_server")
        options = {
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "redis_prefix": f"clause{next(_serial)}:",
            "redis_timeout_s": REDIS_TIMEOUT_S,
        }
    yield from started(tmp_path / "data", **options)


# Address: "province, city, district, detail (strings; required for CN)" --


@pytest.mark.parametrize(
    ("role", "lane"), [("receiver", "export"), ("sender", "import")], ids=["export-receiver", "import-sender"]
)
def test_an_address_abroad_needs_nothing_but_its_country(svc: Service, role: str, lane: str) -> None:
    """Only `country` is required abroad: a party abroad with an address of one field is scored."""
    wb = export() if lane == "export" else waybill(service="import", channel="express", sender=abroad())
    if lane == "import":
        wb["receiver"] = Whole(merge(sender(), {"id_type": None, "id_number": None, "id_verified": False}))
    wb[role] = Whole({**wb[role], "address": {"country": "MO"}})
    d = svc.score(wb)
    assert (d["waybill_no"], d["decision"]) == (wb["waybill_no"], "release")


def test_an_address_abroad_may_send_each_optional_part_as_null(svc: Service) -> None:
    """province, city, district, detail and postcode null abroad: still a decision, not a 422."""
    parts = dict.fromkeys(("province", "city", "district", "detail", "postcode"))
    wb = export(receiver=abroad(address={"country": "MO", **parts}))
    assert svc.score(wb)["decision"] == "release"


@pytest.mark.parametrize("part", ["province", "city", "district", "detail"])
def test_a_mainland_receivers_address_without_a_part_is_a_422_naming_it(svc: Service, part: str) -> None:
    """'required for CN' holds for the receiver as for the sender: the missing part alone is named."""
    wb = domestic()
    del wb["receiver"]["address"][part]
    svc.refused_at(wb, ["body", "receiver", "address", part])


# Party.phone: "mainland mobile/landline or E.164; accepted when it is a possible number" --


@pytest.mark.parametrize(
    ("country", "phone"),
    [("HK", "9123 4567"), ("MO", "6612 3456"), ("US", "(202) 555-0143"), ("JP", "03-1234-5678")],
)
def test_a_receivers_phone_as_dialled_in_their_country_is_a_possible_number(
    svc: Service, country: str, phone: str
) -> None:
    """A receiver abroad's number written the local way (no +country code) is possible there: scored."""
    wb = export(receiver=abroad(country="MO", phone=phone, address={"country": country}))
    d = svc.score(wb)
    assert d["decision"] == "release", d["reasons"]


@pytest.mark.parametrize(("country", "phone"), [("HK", "9123"), ("US", "+1 202 555")])
def test_a_phone_too_short_for_the_partys_country_is_a_422_that_does_not_echo_it(
    svc: Service, country: str, phone: str
) -> None:
    """Not a possible number where the party lives: a 422 at its phone, the number not repeated."""
    wb = export(receiver=abroad(country="MO", phone=phone, address={"country": country}))
    body = svc.refused_at(wb, ["body", "receiver", "phone"])
    assert phone not in json.dumps(body)


# Errors: a well-formed ID with a wrong birth date is a decision (reject, ID_INVALID) --


@pytest.mark.parametrize(
    "birth",
    ["19000229", "19491301", "20990101", "20261112"],
    ids=["29-feb-of-1900", "month-13", "in-2099", "day-after-pickup"],
)
def test_an_id_with_an_impossible_birth_date_is_a_reject_not_a_422(svc: Service, birth: str) -> None:
    """The check digit is right, the birth date is not (1900 was no leap year; pickup is 2026-11-11)."""
    number = resident_id(region="320102", birth=birth, seq=f"{next(_serial) % 1000:03d}")
    d = svc.score(domestic(sender=sender(id_number=number)))
    assert d["decision"] == "reject"
    invalid = reason_of(d, "ID_INVALID")
    assert invalid["outcome"] == "reject" and invalid["evidence"]
    assert d["case_id"] is None and number not in json.dumps(d)


def test_an_id_born_on_29_february_of_a_leap_year_is_valid(svc: Service) -> None:
    """The yardstick of the test above: 2000-02-29 exists, so the same kind of number is no reason."""
    number = resident_id(region="320102", birth="20000229", seq=f"{next(_serial) % 1000:03d}")
    d = svc.score(domestic(sender=sender(id_number=number)))
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize("number", ["E 12345678", "E12345678!", "E123"], ids=["space", "bang", "four"])
def test_a_passport_number_with_wrong_characters_or_length_is_a_422(svc: Service, number: str) -> None:
    """'An ID number of the wrong length or with wrong characters is a 422', for a passport too."""
    wb = domestic(sender=sender(id_type="passport", id_number=number))
    body = svc.refused_at(wb, ["body", "sender", "id_number"])
    assert number not in json.dumps(body)


def test_a_false_id_in_a_batch_is_a_reject_in_its_slot_not_a_slot_error(svc: Service) -> None:
    """Errors, for the batch: a false birth date is a decision in the slot; the next slot is scored."""
    number = resident_id(region="320102", birth="19000229", seq="917")
    slots = svc.batch([domestic(sender=sender(id_number=number)), domestic()])
    assert "error" not in slots[0]
    assert slots[0]["decision"] == "reject" and "ID_INVALID" in codes(slots[0])
    assert slots[1]["decision"] == "release"


# Party.customer_type / contract_id --


def test_a_contract_customer_without_its_agreement_number_is_held_as_unqualified(svc: Service) -> None:
    """customer_type contract and contract_id null: an agreement customer unknown, CONTRACT_UNQUALIFIED."""
    wb = domestic(sender=sender(customer_type="contract", contract_id=None))
    d = svc.score(wb)
    assert codes(d) == {"CONTRACT_UNQUALIFIED"}
    assert d["decision"] == "hold" and d["case_id"] is not None
    assert svc.read_back(wb).json()["case_status"] == "open"


# Item.description: "string, required, any language" -------------------------------------------------------


@pytest.mark.parametrize(
    "description", ["ハンドクリーム", "핸드크림", "крем для рук"], ids=["japanese", "korean", "russian"]
)
def test_a_description_in_any_language_is_scored(svc: Service, description: str) -> None:
    """Neither Chinese nor English: a decision (the category, given, is not guessed)."""
    line = item(description=description, category="cosmetics", quantity=1, unit_value=80.0)
    d = svc.score(export(items=[line]))
    assert d["decision"] == "release", d["reasons"]


# service and channel: independent enumerations --------------------------------------------------------------


def test_every_lane_takes_every_channel(svc: Service) -> None:
    """`service` and `channel` are two enumerations: each of the nine pairs is a request the service takes."""
    for lane, channel in itertools.product(("domestic", "export", "import"), ("express", "postal", "cbec")):
        if lane == "domestic":
            wb = domestic(channel=channel)
        elif lane == "export":
            wb = export(channel=channel)
        else:
            wb = waybill(service="import", channel=channel, sender=abroad("HK"), receiver=sender())
        r = svc.post(wb)
        assert r.status_code == 200, (lane, channel, r.text[:300])
        assert r.json()["decision"] == "release", (lane, channel, r.json()["reasons"])


# Addresses that contradict the lane (README: a 422 naming each address.country) ---------------------------


LANE_CONTRADICTIONS: dict[str, tuple[dict[str, Any], list[list[Any]]]] = {
    "domestic-to-macau": (
        {"service": "domestic"},
        [["body", "receiver", "address", "country"]],
    ),
    "export-within-china": (
        {"service": "export", "channel": "express", "receiver": "cn"},
        [["body", "receiver", "address", "country"]],
    ),
    "import-from-china": (
        {"service": "import", "channel": "express", "receiver": "cn"},
        [["body", "sender", "address", "country"]],
    ),
}


def contradicting(name: str) -> dict[str, Any]:
    """A waybill whose addresses contradict its lane."""
    changes, _ = LANE_CONTRADICTIONS[name]
    wb = export(**{k: v for k, v in changes.items() if k != "receiver"})
    if changes.get("receiver") == "cn":
        wb["receiver"] = sender(id_type=None, id_number=None, id_verified=False)
    return wb


@pytest.mark.parametrize("name", list(LANE_CONTRADICTIONS))
def test_addresses_contradicting_the_lane_are_a_422_naming_the_country(svc: Service, name: str) -> None:
    """Domestic is CN to CN, export CN to abroad, import abroad to CN: else a 422 at address.country."""
    svc.refused_at(contradicting(name), *LANE_CONTRADICTIONS[name][1])


def test_a_waybill_contradicting_its_lane_fails_alone_in_its_batch_slot(svc: Service) -> None:
    """The batch names the country in the slot (prefixed by its index) and scores the next slot."""
    bad, good = contradicting("domestic-to-macau"), domestic()
    slots = svc.batch([bad, good])
    assert set(slots[0]) == {"error"}
    assert locs(slots[0]["error"]) == [["body", "waybills", 0, "receiver", "address", "country"]]
    assert slots[1]["decision"] == "release"
    assert svc.never_scored(bad)


def test_a_lane_contradiction_is_named_beside_another_bad_field(svc: Service) -> None:
    """Errors: 'names every offending field'; the receiver's country is one beside a bad weight."""
    wb = contradicting("domestic-to-macau")
    wb["weight_kg"] = 0
    svc.refused_at(wb, ["body", "weight_kg"], ["body", "receiver", "address", "country"])


# Reason.evidence: the figures of decision.example.json ------------------------------------------------------


def ring_of(count: int) -> list[dict[str, Any]]:
    """One sender's near-limit parcels to five receivers in Macau, 24 minutes apart: from the sixth, held."""
    who = sender()
    receivers = [abroad() for _ in range(5)]
    return [near_limit(who, receiver=receivers[i % 5], hours_after=0.4 * i) for i in range(count)]


def test_an_ant_moving_hold_carries_the_figures_and_order_of_the_example(svc: Service) -> None:
    """ANT_MOVING_SENDER as decision.example.json: its evidence keys, the 800 limit, the ring's waybills,
    a hold listed before NEAR_LIMIT_SPLIT's inspect, and a case named as the example names it."""
    parcels = ring_of(7)
    for wb in parcels[:-1]:
        svc.score(wb)
    d = svc.score(parcels[-1])
    assert d["decision"] == "hold"
    assert d["case_id"] == f"CASE-{parcels[-1]['carrier']}-{parcels[-1]['waybill_no']}"
    ant = reason_of(d, "ANT_MOVING_SENDER")
    assert set(EXAMPLE_REASONS["ANT_MOVING_SENDER"]["evidence"]) <= set(ant["evidence"])
    ev = ant["evidence"]
    assert (ev["window"], ev["parcels"], ev["distinct_receivers"]) == ("24h", 7, 5)
    assert ev["per_parcel_limit"] == 800.0 and ev["total_value"] == pytest.approx(7 * 760.0)
    assert set(ev["linked_waybills"]) == {wb["waybill_no"] for wb in parcels[:-1]}
    assert CJK.search(ant["message"]) and "7" in ant["message"] and "7" in ant["message_en"]
    order = [r["code"] for r in d["reasons"]]
    assert order.index("ANT_MOVING_SENDER") < order.index("NEAR_LIMIT_SPLIT")


def test_a_near_limit_split_carries_its_band_limit_and_minimum_as_the_example(svc: Service) -> None:
    """NEAR_LIMIT_SPLIT's evidence as decision.example.json: window 7d, band [0.9·L, L), L, min_count 3."""
    who = sender()
    parcels = [near_limit(who, hours_after=30.0 * i) for i in range(3)]
    first, second, third = (svc.score(wb) for wb in parcels)
    assert "NEAR_LIMIT_SPLIT" not in codes(first) | codes(second)
    split = reason_of(third, "NEAR_LIMIT_SPLIT")
    assert set(EXAMPLE_REASONS["NEAR_LIMIT_SPLIT"]["evidence"]) <= set(split["evidence"])
    ev = split["evidence"]
    assert (ev["window"], ev["near_limit_parcels"], ev["min_count"]) == ("7d", 3, 3)
    assert ev["band"] == [720.0, 800.0] and ev["per_parcel_limit"] == 800.0
    assert (split["outcome"], third["decision"], third["case_id"]) == ("inspect", "inspect", None)


# Idempotency: re-sends and corrections, on the embedded store and on Redis ----------------------------------


def test_the_first_body_sent_again_after_its_correction_is_scored_again_and_counts_once(
    store_svc: Service,
) -> None:
    """A, then B (value corrected out of the band), then A again: A is a changed body against B, so it is
    scored again, read back as the latest decision, and its near-limit value counts once."""
    who = sender()
    a = near_limit(who)
    b = merge(a, {"items": [item(quantity=1, unit_value=100.0)], "declared_value": 100.0})
    store_svc.score(a)
    second = store_svc.score(b)
    third = store_svc.score(a)
    assert datetime.fromisoformat(third["scored_at"]) > datetime.fromisoformat(second["scored_at"])
    assert store_svc.read_back(a).json() == third
    later = [near_limit(who, hours_after=1.0), near_limit(who, hours_after=2.0)]
    assert "NEAR_LIMIT_SPLIT" not in codes(store_svc.score(later[0]))
    ev = reason_of(store_svc.score(later[1]), "NEAR_LIMIT_SPLIT")["evidence"]
    assert ev["near_limit_parcels"] == 3
    assert set(ev["linked_waybills"]) == {a["waybill_no"], later[0]["waybill_no"]}


def test_a_reject_re_sent_with_the_missing_id_is_scored_again_and_counts_once(store_svc: Service) -> None:
    """'the courier added the missing ID': the reject becomes the new decision, read back; the parcel is
    one of the sender's near-limit parcels, counted once under the ID it now carries."""
    who = sender()
    bare = near_limit(Whole(merge(who, NO_ID)))
    rejected = store_svc.score(bare)
    assert rejected["decision"] == "reject" and "REALNAME_MISSING" in codes(rejected)
    fixed = {**bare, "sender": who}
    accepted = store_svc.score(fixed)
    assert accepted["decision"] == "release" and accepted["reasons"] == []
    assert store_svc.read_back(bare).json() == accepted
    assert store_svc.score(fixed) == accepted  # the corrected body re-sent: the same answer
    later = [near_limit(who, hours_after=1.0), near_limit(who, hours_after=2.0)]
    assert "NEAR_LIMIT_SPLIT" not in codes(store_svc.score(later[0]))
    ev = reason_of(store_svc.score(later[1]), "NEAR_LIMIT_SPLIT")["evidence"]
    assert ev["near_limit_parcels"] == 3
    assert set(ev["linked_waybills"]) == {bare["waybill_no"], later[0]["waybill_no"]}


def test_two_keys_of_one_carrier_score_and_read_back_one_parcel(svc: Service) -> None:
    """'one key or more per carrier': the parcel is the carrier's, not the key's; a re-send through the
    second key is the same body (same answer), and it reads the first key's decision back."""
    first = bearer(make_key(svc.app, "carrier", "SF"))
    second = bearer(make_key(svc.app, "carrier", "SF"))
    wb = domestic(sender=sender(id_verified=False, verification_method="none"))
    d = svc.score(wb, headers=first)
    assert d["decision"] == "inspect"
    assert svc.score(copy.deepcopy(wb), headers=second) == d
    back = svc.read_back(wb, headers=second)
    assert back.status_code == 200 and back.json() == d
    other = bearer(make_key(svc.app, "carrier", "YTO"))
    assert svc.read_back(wb, headers=other).status_code == 403


# The served schema (/openapi.json) states the contract's constraints -------------------------------------


def schemas(svc: Service) -> dict[str, Any]:
    """The components of the served OpenAPI document."""
    r = svc.http.get("/openapi.json")
    assert r.status_code == 200
    found: dict[str, Any] = r.json()["components"]["schemas"]
    return found


def field(svc: Service, model: str, name: str) -> dict[str, Any]:
    """One property's schema, the non-null branch of a nullable one."""
    prop: dict[str, Any] = schemas(svc)[model]["properties"][name]
    branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
    assert len(branches) == 1, prop
    return {**prop, **branches[0]} if "anyOf" in prop else prop


BOUNDS: list[tuple[str, str, dict[str, Any]]] = [
    ("Waybill", "waybill_no", {"type": "string", "pattern": "^[A-Za-z0-9-]{8,32}$"}),
    ("Waybill", "carrier", {"type": "string", "pattern": "^[A-Z]{2,8}$"}),
    ("Waybill", "accepted_at", {"type": "string", "format": "date-time"}),
    ("Waybill", "items", {"type": "array", "minItems": 1, "maxItems": 100}),
    ("Waybill", "currency", {"type": "string", "minLength": 3, "maxLength": 3}),
    ("Waybill", "declared_value", {"type": "number", "minimum": 0}),
    ("Waybill", "weight_kg", {"type": "number", "exclusiveMinimum": 0}),
    ("Item", "quantity", {"type": "integer", "minimum": 1}),
    ("Item", "unit_value", {"type": "number", "minimum": 0}),
    ("Item", "hs_code", {"type": "string", "pattern": r"^\d{6,13}$"}),
    ("Address", "country", {"type": "string", "minLength": 2, "maxLength": 2}),
    ("Party", "id_verified", {"type": "boolean", "default": False}),
    ("Party", "customer_type", {"default": "individual"}),
]


@pytest.mark.parametrize(("model", "name", "expected"), BOUNDS, ids=[f"{m}.{n}" for m, n, _ in BOUNDS])
def test_the_served_schema_states_each_bound_of_the_contract_tables(
    svc: Service, model: str, name: str, expected: dict[str, Any]
) -> None:
    """A client generated from /openapi.json learns the contract's types, bounds and defaults."""
    got = field(svc, model, name)
    assert {k: got.get(k) for k in expected} == expected, got


def test_the_served_schema_says_each_dimension_is_above_zero(svc: Service) -> None:
    """dims_cm: 'numbers > 0'."""
    dims = field(svc, "Waybill", "dims_cm")
    assert dims["type"] == "array" and dims["items"]["type"] == "number"
    assert dims["items"]["exclusiveMinimum"] == 0


def test_the_served_schema_says_dims_are_exactly_three_numbers(svc: Service) -> None:
    """dims_cm '[l, w, h]': the schema a client is generated from should ask for three numbers."""
    dims = field(svc, "Waybill", "dims_cm")
    assert (dims.get("minItems"), dims.get("maxItems")) == (3, 3)
    assert svc.post(domestic(dims_cm=[20, 15])).status_code == 422  # what the service does enforce


def test_the_served_decision_schema_requires_every_field_of_the_contracts_table(svc: Service) -> None:
    """The Decision table's fields are in every answer (case_id null unless held): required in the schema."""
    d = svc.score(domestic())
    assert set(d) >= DECISION_FIELDS and d["case_id"] is None
    assert set(schemas(svc)["Decision"].get("required", [])) >= DECISION_FIELDS
