"""The wire contract clause by clause over HTTP, built from the shared example waybill.

Written from shared/contract/README.md (the Waybill and Decision tables, Errors, Idempotency, the batch,
the read-back and inspections), its two example files, shared/ARCHITECTURE.md ("Bad input: 422 naming each
field, no state touched") and the API and security sections of the README. Every waybill is a copy of
waybill.example.json with its own waybill number, sender, receiver and order (so the module's one app is
shared without one test's history reaching another's), changed one field at a time.
"""

import copy
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stdnum.cn import uscc

from api.app import create_app
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import DECISION_FIELDS, WAYBILL_REQUIRED, codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import Whole, merge, resident_id, wrong_check_digit
from tests.shared_dir import SHARED

CONTRACT = SHARED / "contract"
EXAMPLE: dict[str, Any] = json.loads((CONTRACT / "waybill.example.json").read_text())
DECISION_EXAMPLE: dict[str, Any] = json.loads((CONTRACT / "decision.example.json").read_text())
SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
REASON_FIELDS = {"code", "outcome", "message", "message_en", "evidence"}
# The one optional field the service adds to the Decision table ("adding optional fields is fine").
ADDED_FIELDS = {"case_status"}
UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
CJK = re.compile(r"[\u4e00-\u9fff]")
JSON = {"content-type": "application/json"}
_serial = itertools.count(1)


# The app --------------------------------------------------------------------------------------------------


@dataclass
class Service:
    """A started app, its client, and keys: an SF carrier key, a customs key, a slow SF key."""

    app: FastAPI
    http: TestClient
    sf: dict[str, str]
    customs: dict[str, str]

    def post(self, wb: Any, headers: dict[str, str] | None = None) -> httpx2.Response:
        """POST /v1/score."""
        return self.http.post("/v1/score", json=wb, headers=headers)

    def score(self, wb: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score and expect a decision."""
        r = self.post(wb)
        assert r.status_code == 200, r.text[:500]
        body: dict[str, Any] = r.json()
        return body

    def read_back(self, wb: dict[str, Any]) -> httpx2.Response:
        """GET /v1/decisions/{carrier}/{waybill_no}."""
        return self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")

    def never_scored(self, wb: dict[str, Any]) -> bool:
        """True when the service keeps no decision for the parcel."""
        return self.read_back(wb).status_code == 404


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One started app for the module (embedded history, SQLite), random audit off."""
    policy = load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})
    settings = Settings(env="development", data_dir=tmp_path_factory.mktemp("contract") / "data")
    # A server error is an answer here (a 5xx the contract does not allow), not an exception in the test.
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        app: FastAPI = http.app  # type: ignore[assignment]
        app.state.engine.policy = policy
        yield Service(
            app=app,
            http=http,
            sf=bearer(make_key(app, "carrier", "SF")),
            customs=bearer(make_key(app, "customs", "SHA-PVG")),
        )


# Waybills from the contract's example --------------------------------------------------------------------


def fresh_sender() -> dict[str, Any]:
    """The example's sender with an ID, phone and building of its own."""
    n = next(_serial)
    birth = (date(1960, 1, 1) + timedelta(days=n)).strftime("%Y%m%d")
    sender = copy.deepcopy(EXAMPLE["sender"])
    sender["id_number"] = resident_id(region="310115", birth=birth, seq="417")
    sender["phone"] = f"137{n:08d}"
    sender["address"]["detail"] = f"张江路{n}号{n % 9 + 1}号楼201室"
    return Whole(sender)


def example(**changes: Any) -> dict[str, Any]:
    """A copy of waybill.example.json (its own parcel and people), deep-merged with changes."""
    n = next(_serial)
    wb = copy.deepcopy(EXAMPLE)
    wb["waybill_no"] = f"SF{1500000000000 + n}"
    wb["sender"] = fresh_sender()
    wb["receiver"]["phone"] = f"+8529{n:07d}"
    wb["receiver"]["address"]["detail"] = f"Flat {n % 8 + 1}, {n}/F, {n} Nathan Road"
    wb["order"] |= {
        "order_id": f"O-{n}",
        "payment_account": f"acct-{n}",
        "buyer_ip": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
    }
    return merge(wb, changes)


def with_items(wb: dict[str, Any], *lines: dict[str, Any]) -> dict[str, Any]:
    """The waybill with these item lines and the declared value that adds them up."""
    total = round(sum(i["quantity"] * i["unit_value"] for i in lines), 2)
    return {**wb, "items": list(lines), "declared_value": total}


def lipstick(**changes: Any) -> dict[str, Any]:
    """The example's item line, changed."""
    line: dict[str, Any] = {**EXAMPLE["items"][0], **changes}
    return line


def without_ellipsis_in_items(wb: dict[str, Any]) -> dict[str, Any]:
    """Item lines without their keys mapped to ... (merge() removes such keys in objects, not in lists)."""
    if isinstance(wb.get("items"), list):
        wb["items"] = [{k: v for k, v in i.items() if v is not ...} for i in wb["items"]]
    return wb


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body."""
    return [e["loc"] for e in body["detail"]]


def assert_pydantic_style(body: dict[str, Any]) -> None:
    """A 422 body is `detail: [{loc, msg, type}]` and nothing else."""
    assert set(body) == {"detail"} and body["detail"], body
    for e in body["detail"]:
        assert set(e) == {"loc", "msg", "type"}, e
        assert isinstance(e["loc"], list) and e["loc"][0] == "body", e
        assert isinstance(e["msg"], str) and e["msg"] and isinstance(e["type"], str) and e["type"], e


def assert_422_at(svc: Service, wb: Any, *expected: list[Any]) -> dict[str, Any]:
    """POST the waybill: a pydantic-style 422 naming exactly these fields, and nothing kept of it."""
    r = svc.post(wb)
    assert r.status_code == 422, r.text[:500]
    assert r.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = r.json()
    assert_pydantic_style(body)
    assert sorted(locs(body), key=str) == sorted(expected, key=str), locs(body)
    # A parcel key the read-back route takes: the refused waybill has no decision there.
    key = f"{wb.get('carrier')}/{wb.get('waybill_no')}" if isinstance(wb, dict) else ""
    if re.fullmatch(r"[A-Z]{2,8}/[A-Za-z0-9-]{8,32}", key):
        assert svc.never_scored(wb)
    return body


def assert_contract_decision(d: dict[str, Any], wb: dict[str, Any]) -> None:
    """The Decision table: exactly its fields (plus case_status), each of the contract's type."""
    assert DECISION_FIELDS <= set(d) <= DECISION_FIELDS | ADDED_FIELDS, sorted(d)
    assert (d["waybill_no"], d["carrier"]) == (wb["waybill_no"], wb["carrier"])
    assert d["decision"] in SEVERITY
    assert isinstance(d["risk_score"], float | int) and not isinstance(d["risk_score"], bool)
    assert 0.0 <= d["risk_score"] <= 1.0
    assert isinstance(d["model_version"], str) and d["model_version"]
    assert isinstance(d["policy_version"], str) and d["policy_version"]
    assert datetime.fromisoformat(d["scored_at"]).utcoffset() is not None, d["scored_at"]
    assert (d["case_id"] is not None) == (d["decision"] == "hold")
    assert d["case_id"] is None or (isinstance(d["case_id"], str) and d["case_id"])
    assert isinstance(d["reasons"], list)
    outcomes = [r["outcome"] for r in d["reasons"]]
    assert d["decision"] == max(outcomes, key=SEVERITY.__getitem__, default="release")
    assert outcomes == sorted(outcomes, key=SEVERITY.__getitem__, reverse=True), outcomes
    for r in d["reasons"]:
        assert set(r) == REASON_FIELDS, sorted(r)
        assert UPPER_SNAKE.fullmatch(r["code"]), r["code"]
        assert r["outcome"] in SEVERITY
        assert isinstance(r["message"], str) and CJK.search(r["message"]), r["message"]
        assert isinstance(r["message_en"], str) and re.search(r"[A-Za-z]{3}", r["message_en"])
        assert isinstance(r["evidence"], dict) and r["evidence"]


def valid_uscc() -> str:
    """A unified social credit code with a correct check character."""
    base = "91310000607368132"
    return base + uscc.calc_check_digit(base)


# The example files -----------------------------------------------------------------------------------------


def test_the_example_waybill_scores_verbatim_as_a_contract_decision(svc: Service) -> None:
    """waybill.example.json is a valid instance: 200, a full Decision echoing its parcel key."""
    r = svc.post(EXAMPLE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    d = r.json()
    assert_contract_decision(d, EXAMPLE)
    # The same answer read back, and the same answer to the same body re-sent.
    assert svc.read_back(EXAMPLE).json() == d
    assert svc.post(EXAMPLE).json() == d


def test_an_answer_has_every_field_of_the_decision_example_and_of_its_reasons(svc: Service) -> None:
    """decision.example.json names the fields: a hold of the service carries each, with the same types."""
    d = svc.score(example(items=[lipstick(quantity=4)], declared_value=1040.0))
    assert d["decision"] == "hold"
    assert set(DECISION_EXAMPLE) <= set(d) <= set(DECISION_EXAMPLE) | ADDED_FIELDS
    for key, value in DECISION_EXAMPLE.items():
        if value is not None and key != "risk_score":
            assert type(d[key]) is type(value), key
    (example_reason_fields,) = {frozenset(r) for r in DECISION_EXAMPLE["reasons"]}
    assert d["reasons"] and all(set(r) == example_reason_fields for r in d["reasons"])


def test_the_served_schema_requires_exactly_what_the_contract_tables_require(svc: Service) -> None:
    """OpenAPI: the required fields of each contract model are the 'required: yes' rows of the contract."""
    schemas = svc.http.get("/openapi.json").json()["components"]["schemas"]
    required = {
        "Waybill": set(WAYBILL_REQUIRED),
        "Party": {"name", "phone", "address"},
        "Address": {"country"},
        "Item": {"description", "quantity", "unit_value"},
        "PickupChecks": {"opened_inspection", "xray_screened"},
        "Order": set(),
        "Inspection": {"carrier", "waybill_no", "result", "inspected_at"},
    }
    for name, fields in required.items():
        assert set(schemas[name].get("required", [])) == fields, name
    assert set(schemas["Decision"]["properties"]) >= DECISION_FIELDS
    assert set(schemas["Reason"]["properties"]) == REASON_FIELDS


def enum_of(schema: dict[str, Any]) -> set[Any]:
    """Every enum value of a property schema (through anyOf, for nullable ones)."""
    found = set(schema.get("enum", []))
    if "const" in schema:
        found.add(schema["const"])
    for part in schema.get("anyOf", []):
        found |= enum_of(part)
    return found


def test_the_served_enumerations_are_the_contracts(svc: Service) -> None:
    """service, channel, id_type, verification_method, customer_type, decision and RULES.md categories."""
    schemas = svc.http.get("/openapi.json").json()["components"]["schemas"]
    rules = (SHARED / "domain" / "RULES.md").read_text()
    section = rules.split("## 2. Goods categories")[1].split("## 3.")[0]
    categories = set(re.findall(r"^\| ([a-z_]+) \|", section, flags=re.M)) - {"code"}
    assert len(categories) == 16
    expected: list[tuple[str, str, set[Any]]] = [
        ("Waybill", "service", {"domestic", "export", "import"}),
        ("Waybill", "channel", {"express", "postal", "cbec"}),
        (
            "Party",
            "id_type",
            {
                "resident_id",
                "temporary_id",
                "military_id",
                "passport",
                "hk_macau_permit",
                "taiwan_permit",
                "foreign_resident",
                "uscc",
                "other",
            },
        ),
        ("Party", "verification_method", {"id_reader", "online_check", "face_match", "manual", "none"}),
        ("Party", "customer_type", {"individual", "contract"}),
        ("Item", "category", categories),
        ("Decision", "decision", set(SEVERITY)),
        ("Reason", "outcome", set(SEVERITY)),
        ("Inspection", "result", {"clear", "violation"}),
    ]
    for model, field, values in expected:
        assert enum_of(schemas[model]["properties"][field]) == values, (model, field)


# Every field of the example, changed to another valid form: still a decision ------------------------------


def _hk_phone(phone: str) -> dict[str, Any]:
    return {"receiver": {"phone": phone}}


def _sender_phone(phone: str) -> dict[str, Any]:
    return {"sender": {"phone": phone}}


VALID_VARIANTS: dict[str, dict[str, Any]] = {
    "courier-absent": {"courier_id": ...},
    "courier-null": {"courier_id": None},
    "dims-absent": {"dims_cm": ...},
    "dims-null": {"dims_cm": None},
    "dims-fractional": {"dims_cm": [20.5, 15.25, 0.5]},
    "order-absent": {"order": ...},
    "order-null": {"order": None},
    "order-empty": {"order": Whole({})},
    "order-all-null": {
        "order": Whole(dict.fromkeys(("platform", "order_id", "shop_id", "buyer_ip", "payment_account")))
    },
    "postcode-absent": {"sender": {"address": {"postcode": ...}}},
    "receiver-optional-absent": {
        "receiver": {"address": {"province": ..., "postcode": ..., "district": ...}}
    },
    "accepted-negative-offset": {"accepted_at": "2026-11-10T20:30:00-05:00"},
    "accepted-quarter-offset": {"accepted_at": "2026-11-11T07:15:00+05:45"},
    "accepted-millis": {"accepted_at": "2026-11-11T09:30:00.125+08:00"},
    "sender-landline-dashed": _sender_phone("021-68881234"),
    "sender-landline-parenthesised": _sender_phone("(010) 6552 9988"),
    "sender-mobile-192": _sender_phone("19212345678"),
    "sender-mobile-166": _sender_phone("16612345678"),
    "sender-virtual-170": _sender_phone("17012345678"),
    "sender-virtual-179": _sender_phone("17912345678"),
    "sender-iot-145": _sender_phone("14512345678"),
    "sender-e164-spaced": _sender_phone("+86 138 0013 8000"),
    "receiver-e164-us": _hk_phone("+1 202 555 0143"),
    "receiver-mainland-mobile": _hk_phone("13912345678"),
    "id-lower-x": {"sender": {"id_number": "11010519491231002x"}},
    "id-verified-absent": {"sender": {"id_verified": ...}},
    "verification-null": {"sender": {"verification_method": None}},
    "category-absent": {"items": [lipstick(category=...)]},
    "category-null": {"items": [lipstick(category=None)]},
    "brand-and-hs-absent": {"items": [lipstick(brand=..., hs_code=...)]},
    "unit-value-integer": {"items": [lipstick(unit_value=260)], "declared_value": 780},
    "currency-hkd": {"currency": "HKD"},
    "declared-within-a-cent": {"declared_value": 780.004},
}


@pytest.mark.parametrize("name", list(VALID_VARIANTS))
def test_a_valid_change_of_one_field_is_scored(svc: Service, name: str) -> None:
    """Each allowed form of a field (optional left out or null, offsets, phone forms...) gets a decision."""
    wb = without_ellipsis_in_items(example(**VALID_VARIANTS[name]))
    r = svc.post(wb)
    assert r.status_code == 200, r.text[:500]
    assert_contract_decision(r.json(), wb)
    assert svc.read_back(wb).json() == r.json()


def test_a_zero_value_parcel_of_one_unit_is_scored(svc: Service) -> None:
    """quantity ≥ 1, unit_value ≥ 0 and declared_value ≥ 0 take their bounds."""
    wb = with_items(
        example(), lipstick(description="样品 sample", category="general", quantity=1, unit_value=0)
    )
    d = svc.score(wb)
    assert_contract_decision(d, wb)
    assert "OVER_PERSONAL_LIMIT" not in codes(d)


# Every field of the example, changed to a bad form: a 422 naming it and nothing else ---------------------


def _sender(**changes: Any) -> dict[str, Any]:
    return {"sender": changes}


def _item(**changes: Any) -> dict[str, Any]:
    return {"items": [lipstick(**changes)]}


INVALID: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("waybill-no-null", {"waybill_no": None}, ["waybill_no"]),
    ("outlet-empty", {"outlet_id": ""}, ["outlet_id"]),
    ("outlet-blank", {"outlet_id": "   "}, ["outlet_id"]),
    ("courier-number", {"courier_id": 88213}, ["courier_id"]),
    ("accepted-naive-millis", {"accepted_at": "2026-11-11T09:30:00.123"}, ["accepted_at"]),
    ("accepted-naive-minutes", {"accepted_at": "2026-11-11T09:30"}, ["accepted_at"]),
    ("accepted-offset-out-of-range", {"accepted_at": "2026-11-11T09:30:00+25:00"}, ["accepted_at"]),
    ("accepted-us-style", {"accepted_at": "11/11/2026 09:30 +08:00"}, ["accepted_at"]),
    ("accepted-empty", {"accepted_at": ""}, ["accepted_at"]),
    ("service-empty", {"service": ""}, ["service"]),
    ("currency-two-letters", {"currency": "CN"}, ["currency"]),
    ("currency-not-iso", {"currency": "RMB"}, ["currency"]),
    ("currency-number", {"currency": 156}, ["currency"]),
    ("declared-negative", {"declared_value": -0.01}, ["declared_value"]),
    ("declared-over-by-a-cent", {"declared_value": 780.01}, ["declared_value"]),
    ("weight-negative", {"weight_kg": -0.6}, ["weight_kg"]),
    ("weight-text", {"weight_kg": "0.6"}, ["weight_kg"]),
    ("dims-negative", {"dims_cm": [20, 15, -1]}, ["dims_cm", 2]),
    ("dims-text-inside", {"dims_cm": [20, "15", 10]}, ["dims_cm", 1]),
    ("dims-text", {"dims_cm": "20x15x10"}, ["dims_cm"]),
    ("pickup-checks-text", {"pickup_checks": "done"}, ["pickup_checks"]),
    (
        "inspection-text-bool",
        {"pickup_checks": {"opened_inspection": "true"}},
        ["pickup_checks", "opened_inspection"],
    ),
    ("order-text", {"order": "xianyu"}, ["order"]),
    ("order-platform-number", {"order": {"platform": 1}}, ["order", "platform"]),
    ("order-unknown-field", {"order": {"coupon": "X"}}, ["order", "coupon"]),
    ("hs-with-dot", _item(hs_code="3304.10"), ["items", 0, "hs_code"]),
    ("quantity-negative", _item(quantity=-1), ["items", 0, "quantity"]),
    ("quantity-null", _item(quantity=None), ["items", 0, "quantity"]),
    ("unit-value-negative", _item(unit_value=-0.01), ["items", 0, "unit_value"]),
    ("unit-value-text", _item(unit_value="260"), ["items", 0, "unit_value"]),
    ("description-blank", _item(description="   "), ["items", 0, "description"]),
    ("brand-number", _item(brand=1), ["items", 0, "brand"]),
    ("name-blank", _sender(name="  "), ["sender", "name"]),
    ("phone-empty", _sender(phone=""), ["sender", "phone"]),
    ("phone-letters", _sender(phone="call me"), ["sender", "phone"]),
    ("phone-too-long", _sender(phone="+86 138 0013 8000 1234"), ["sender", "phone"]),
    ("country-alpha-3", {"receiver": {"address": {"country": "HKG"}}}, ["receiver", "address", "country"]),
    ("country-empty", {"receiver": {"address": {"country": ""}}}, ["receiver", "address", "country"]),
    ("cn-district-absent", _sender(address={"district": ...}), ["sender", "address", "district"]),
    ("cn-detail-blank", _sender(address={"detail": "  "}), ["sender", "address", "detail"]),
    ("id-type-upper", _sender(id_type="RESIDENT_ID"), ["sender", "id_type"]),
    ("id-number-without-type", _sender(id_type=None), ["sender", "id_number"]),
    ("id-number-with-space", _sender(id_number="110105 19491231002X"), ["sender", "id_number"]),
    ("id-number-x-inside", _sender(id_number="1101051949X231002X"), ["sender", "id_number"]),
    ("id-number-nineteen", _sender(id_number="11010519491231002X1"), ["sender", "id_number"]),
    (
        "uscc-with-letter-o",
        _sender(id_type="uscc", id_number=valid_uscc()[:12] + "O" + valid_uscc()[13:]),
        ["sender", "id_number"],
    ),
    ("id-verified-text", _sender(id_verified="true"), ["sender", "id_verified"]),
    ("id-verified-null", _sender(id_verified=None), ["sender", "id_verified"]),
    ("verification-upper", _sender(verification_method="ID_READER"), ["sender", "verification_method"]),
    ("customer-type-null", _sender(customer_type=None), ["sender", "customer_type"]),
    ("contract-id-number", _sender(contract_id=42), ["sender", "contract_id"]),
    ("unknown-party-field", _sender(email="a@b.cn"), ["sender", "email"]),
]


@pytest.mark.parametrize(
    ("changes", "loc"), [(c, loc) for _, c, loc in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_one_bad_field_is_a_422_naming_it_alone_and_scoring_nothing(
    svc: Service, changes: dict[str, Any], loc: list[Any]
) -> None:
    """Each type, format, range and enum rule of the Waybill table, one field at a time."""
    wb = without_ellipsis_in_items(example(**changes))
    assert_422_at(svc, wb, ["body", *loc])


REQUIRED = list(WAYBILL_REQUIRED)


@pytest.mark.parametrize("field", REQUIRED)
def test_a_required_field_sent_as_null_is_a_422_naming_it_alone(svc: Service, field: str) -> None:
    """null is not a value for a required field: named, whatever its type."""
    wb = example(**{field: None})
    body = assert_422_at(svc, wb, ["body", field])
    assert body["detail"][0]["type"] != "missing"  # present, but null: not reported as absent


def test_empty_nested_objects_name_each_of_their_required_fields(svc: Service) -> None:
    """An empty party, item line and pickup checks: every required field inside named as missing."""
    wb = example(
        receiver=Whole({}),
        items=[{}],
        pickup_checks=Whole({}),
        sender={"address": Whole({})},
        declared_value=0,
    )
    body = assert_422_at(
        svc,
        wb,
        ["body", "receiver", "name"],
        ["body", "receiver", "phone"],
        ["body", "receiver", "address"],
        ["body", "sender", "address", "country"],
        ["body", "items", 0, "description"],
        ["body", "items", 0, "quantity"],
        ["body", "items", 0, "unit_value"],
        ["body", "pickup_checks", "opened_inspection"],
        ["body", "pickup_checks", "xray_screened"],
    )
    assert {e["type"] for e in body["detail"]} == {"missing"}


def test_a_well_formed_false_id_of_any_party_is_a_reject_not_a_422(svc: Service) -> None:
    """Errors: a false check digit is a decision, reject with ID_INVALID, for receiver as for sender."""
    false = wrong_check_digit(resident_id(region="440305", birth="19880808", seq="551"))
    for wb in (
        example(sender={"id_number": false}),
        example(receiver={"id_type": "resident_id", "id_number": false}),
    ):
        d = svc.score(wb)
        assert d["decision"] == "reject" and reason_of(d, "ID_INVALID")["outcome"] == "reject"
        assert false not in json.dumps(d)


# Every offending field at once ------------------------------------------------------------------------------


def test_offending_fields_of_every_level_are_named_together(svc: Service) -> None:
    """A top field, a party's nested field, an item field and a check: four locs in one 422."""
    wb = example(
        service="teleport",
        receiver={"address": {"country": "ZZ"}},
        items=[lipstick(), lipstick(hs_code="33")],
        declared_value=1560.0,
        pickup_checks={"xray_screened": "no"},
    )
    assert_422_at(
        svc,
        wb,
        ["body", "service"],
        ["body", "receiver", "address", "country"],
        ["body", "items", 1, "hs_code"],
        ["body", "pickup_checks", "xray_screened"],
    )


@pytest.mark.parametrize(
    ("other", "other_loc"),
    [
        ({"postcode": "2012-03!"}, "postcode"),
        ({"city": 310000}, "city"),
        ({"detail": "张" * 201}, "detail"),
    ],
    ids=["bad-postcode", "city-number", "detail-too-long"],
)
def test_a_mainland_address_missing_a_part_names_it_beside_another_bad_part(
    svc: Service, other: dict[str, Any], other_loc: str
) -> None:
    """'Address: province, city, district, detail (required for CN)': missing district + another bad field."""
    wb = example(sender={"address": {"district": None, **other}})
    assert_422_at(
        svc, wb, ["body", "sender", "address", "district"], ["body", "sender", "address", other_loc]
    )


def test_a_wrong_total_is_named_beside_an_item_error_outside_the_sum(svc: Service) -> None:
    """3 × 260 declared as 999, and the line's category unknown: both fields are offending."""
    wb = example(items=[lipstick(category="weapons")], declared_value=999.0)
    assert_422_at(svc, wb, ["body", "items", 0, "category"], ["body", "declared_value"])


@pytest.mark.parametrize("currency", ["cny", "hkd", " CNY"])
def test_an_accepted_currency_is_not_named_when_another_field_fails(svc: Service, currency: str) -> None:
    """Alone the currency scores; beside a bad weight the 422 names the weight only."""
    assert svc.post(example(currency=currency)).status_code == 200
    assert_422_at(svc, example(currency=currency, weight_kg=0), ["body", "weight_kg"])


def test_an_accepted_currency_is_not_named_in_a_failed_batch_slot(svc: Service) -> None:
    """The batch path has the same check: the slot names weight_kg only."""
    r = svc.http.post("/v1/score/batch", json={"waybills": [example(currency="hkd", weight_kg=0)]})
    assert r.status_code == 200
    assert locs(r.json()["decisions"][0]["error"]) == [["body", "waybills", 0, "weight_kg"]]


# Null and absent, defaults, and what makes "the same body" --------------------------------------------------


def test_optional_fields_null_absent_or_at_their_default_are_the_same_body(svc: Service) -> None:
    """Re-sent with optional nulls left out and defaults spelt out: the same decision, scored_at included.

    The contract does not say whether null and absent are the same body; the service's reading (they
    mean the same, so the re-send changes nothing) is the one a courier system expects.
    """
    wb = example(courier_id=None, dims_cm=None, order=None, sender={"contract_id": None})
    first = svc.score(wb)
    spelt = merge(
        wb,
        {"courier_id": ..., "dims_cm": ..., "order": ..., "sender": {"contract_id": ...}},
    )
    spelt["receiver"] = {**spelt["receiver"], "id_verified": False, "customer_type": "individual"}
    assert svc.score(spelt) == first


def test_a_change_to_a_field_outside_the_rules_is_still_scored_again(svc: Service) -> None:
    """Idempotency: 'Re-sending a changed body ... is scored again'; read-back gives the later scoring."""
    wb = example()
    first = svc.score(wb)
    again = svc.score({**wb, "courier_id": "C-10001"})
    assert datetime.fromisoformat(again["scored_at"]) > datetime.fromisoformat(first["scored_at"])
    assert svc.read_back(wb).json() == again


def test_an_absent_category_is_inferred_from_the_description(svc: Service) -> None:
    """Item.category 'inferred from the description when absent': 6 lipsticks are cosmetics (5 a person)."""
    line = lipstick(quantity=6, unit_value=100.0, brand=None, hs_code=None)
    inferred = lipstick(quantity=6, unit_value=100.0, brand=None, hs_code=None)
    del inferred["category"]
    stated = svc.score(with_items(example(), line))
    guessed = svc.score(with_items(example(), inferred))
    assert "COMMERCIAL_QUANTITY" in codes(stated)
    assert reason_of(guessed, "COMMERCIAL_QUANTITY")["evidence"]["category"] == "cosmetics"
    assert codes(guessed) == codes(stated)


# The Decision -----------------------------------------------------------------------------------------------


OUTCOMES: dict[str, dict[str, Any]] = {
    "release": {},
    "inspect": {"sender": {"id_verified": False, "verification_method": "none"}},
    "hold": {"items": [lipstick(quantity=4)], "declared_value": 1040.0},
    "reject": {"sender": {"id_type": None, "id_number": None, "id_verified": False}},
}


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_outcome_is_a_full_decision_and_reads_back_the_same(svc: Service, outcome: str) -> None:
    """Decision table for each outcome: types, reasons most severe first, case_id exactly for a hold."""
    wb = example(**OUTCOMES[outcome])
    before = datetime.now().astimezone()
    d = svc.score(wb)
    after = datetime.now().astimezone()
    assert d["decision"] == outcome
    assert_contract_decision(d, wb)
    assert (d["reasons"] == []) == (outcome == "release")  # 'empty only for a plain release'
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(d["scored_at"]) <= after
    back = svc.read_back(wb).json()
    assert {k: v for k, v in back.items() if k != "case_status"} == {
        k: v for k, v in d.items() if k != "case_status"
    }
    if outcome == "hold":
        assert back["case_status"] == "open"  # read-back: 'with the case status when there is a case'
    else:
        assert back.get("case_status") is None


def test_values_are_judged_in_the_requests_currency(svc: Service) -> None:
    """'currency of all values in the request': 850 HKD is under the 800 CNY limit, 120 USD × 1 is not."""
    rates = svc.app.state.settings.cny_rates
    hkd = with_items(example(currency="HKD"), lipstick(quantity=1, unit_value=850.0))
    cny = with_items(example(), lipstick(quantity=1, unit_value=850.0))
    usd = with_items(example(currency="USD"), lipstick(quantity=2, unit_value=60.0))
    assert "OVER_PERSONAL_LIMIT" not in codes(svc.score(hkd))
    assert "OVER_PERSONAL_LIMIT" in codes(svc.score(cny))
    ev = reason_of(svc.score(usd), "OVER_PERSONAL_LIMIT")["evidence"]
    assert ev["value_cny"] == pytest.approx(120.0 * rates["USD"])


# Bad input and refused calls leave no trace -----------------------------------------------------------------


def test_refused_copies_of_a_parcel_leave_no_trace_in_the_senders_history(svc: Service) -> None:
    """422s of every kind, 401, 403, 429 and 413: the third valid near-limit parcel counts three, not more."""
    sender = fresh_sender()
    valid = [example(sender=sender) for _ in range(3)]  # 780 CNY each: in [720, 800), the near-limit band
    for wb in valid[:2]:
        assert "NEAR_LIMIT_SPLIT" not in codes(svc.score(wb))
    refused = [example(sender=sender) for _ in range(9)]
    bad_bodies = [
        merge(refused[0], {"accepted_at": "2026-11-11T09:30:00"}),
        merge(refused[1], {"declared_value": 781.0}),
        merge(refused[2], {"sender": {"address": {"city": None}}}),
        merge(refused[3], {"currency": "ZAR"}),
        merge(refused[4], {"note": "extra"}),
    ]
    for wb in bad_bodies:
        assert svc.post(wb).status_code == 422
    slow = bearer(make_key(svc.app, "carrier", "SF", rate_per_s=0.01))
    assert svc.post(example(), headers=slow).status_code == 200  # the bucket's one token
    statuses = [
        svc.post(refused[5], headers=bearer("scr_car_not-a-real-key")).status_code,
        svc.post(refused[6], headers=svc.customs).status_code,
        svc.post(refused[7], headers=slow).status_code,
        svc.http.post(
            "/v1/score", content=json.dumps({**refused[8], "pad": "x" * 2_100_000}).encode(), headers=JSON
        ).status_code,
    ]
    assert statuses == [401, 403, 429, 413]
    assert all(svc.never_scored(wb) for wb in refused)
    ev = reason_of(svc.score(valid[2]), "NEAR_LIMIT_SPLIT")["evidence"]
    assert ev["near_limit_parcels"] == 3
    assert set(ev["linked_waybills"]) == {wb["waybill_no"] for wb in valid[:2]}


def test_a_bad_correction_of_a_held_parcel_keeps_its_decision_and_its_one_case(svc: Service) -> None:
    """A 422 re-send of a scored hold changes neither the read-back nor the case queue."""
    wb = example(items=[lipstick(quantity=4)], declared_value=1040.0)
    held = svc.score(wb)
    corrected = merge(wb, {"weight_kg": 0, "items": [lipstick(quantity=1)], "declared_value": 260.0})
    r = svc.post(corrected)
    assert (r.status_code, locs(r.json())) == (422, [["body", "weight_kg"]])
    assert svc.read_back(wb).json() == {**held, "case_status": "open"}
    r = svc.http.get(f"/v1/cases/{held['case_id']}", headers=svc.customs)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["status"] == "open"
    assert r.json()["decision"]["reasons"] == held["reasons"]


# Status codes and headers ---------------------------------------------------------------------------------


def test_an_unknown_key_is_a_401_asking_for_a_bearer_even_in_development(svc: Service) -> None:
    """'Authorization: Bearer <api key>': an unknown key or another scheme is a 401 with WWW-Authenticate."""
    for header in ("Bearer scr_car_unknown", "Basic c2Y6c2Y=", "Bearer "):
        r = svc.http.post("/v1/score", json=example(), headers={"authorization": header})
        assert r.status_code == 401, header
        assert r.headers["www-authenticate"] == "Bearer"
        assert isinstance(r.json()["detail"], str) and r.json()["detail"]


def test_a_carrier_key_scores_and_reads_back_its_own_parcel(svc: Service) -> None:
    """One key per carrier: the SF key scores an SF parcel and reads its decision back."""
    wb = example()
    r = svc.post(wb, headers=svc.sf)
    assert r.status_code == 200, r.text
    got = svc.http.get(f"/v1/decisions/SF/{wb['waybill_no']}", headers=svc.sf)
    assert got.status_code == 200 and got.json()["scored_at"] == r.json()["scored_at"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/v1/score", {"headers": {"authorization": "Bearer scr_car_nope"}}, 401),
        ("GET", "/v1/decisions/SF/SF9999999999999", {}, 404),
        ("GET", "/v1/decisions/sf/SF9999999999999", {}, 422),
        ("GET", "/v1/decisions/SF/SF_1", {}, 422),
        ("GET", "/v1/score", {}, 405),
        ("GET", "/v1/no-such-route", {}, 404),
        ("POST", "/v1/inspections", {"json": {}}, 401),
    ],
    ids=["unknown-key", "never-scored", "lower-carrier", "bad-waybill-no", "method", "route", "no-login"],
)
def test_every_error_is_json_with_a_detail_and_echoes_the_request_id(
    svc: Service, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    """Every response carries X-Request-ID (the caller's); errors are JSON with `detail`."""
    kwargs = copy.deepcopy(kwargs)
    headers = {**kwargs.pop("headers", {}), "X-Request-ID": f"courier-{status}-{path[-6:]}"}
    if method == "POST" and "json" not in kwargs:
        kwargs["json"] = example()
    r = svc.http.request(method, path, headers=headers, **kwargs)
    assert r.status_code == status, r.text[:300]
    assert r.headers["x-request-id"] == headers["X-Request-ID"]
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"]
    if status == 422:
        for e in r.json()["detail"]:
            assert set(e) == {"loc", "msg", "type"} and e["loc"][0] == "path"


def test_a_key_over_its_rate_is_a_429_with_retry_after_and_its_parcel_is_not_scored(svc: Service) -> None:
    """429 with Retry-After and the request id; the refused waybill is not kept."""
    slow = bearer(make_key(svc.app, "carrier", "SF", rate_per_s=0.02))
    assert svc.post(example(), headers=slow).status_code == 200
    wb = example()
    r = svc.post(wb, headers={**slow, "X-Request-ID": "courier-429"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1 and r.headers["x-request-id"] == "courier-429"
    assert svc.never_scored(wb)


# 422 bodies never echo input -----------------------------------------------------------------------------


def test_a_bad_phone_or_id_is_not_echoed_in_the_422(svc: Service) -> None:
    """README: '422 bodies never echo input'; a bad phone and a short ID stay out of the body."""
    number = resident_id(region="320102", birth="19770707", seq="913")
    wb = example(sender={"phone": "+999 7654 3210 9876", "id_number": number[:17]})
    r = svc.post(wb)
    assert r.status_code == 422
    assert "7654" not in r.text and number[:17] not in r.text


@pytest.mark.parametrize(
    ("changes", "sent"),
    [
        ({"receiver": {"address": {"country": "QJ"}}}, "QJ"),
        ({"currency": "QJQ"}, "QJQ"),
        ({"currency": "ZAR"}, "ZAR"),
        ({"declared_value": 777.77}, "777.77"),
    ],
    ids=["country", "currency", "unrated-currency", "declared-value"],
)
def test_a_422_does_not_echo_the_value_sent(svc: Service, changes: dict[str, Any], sent: str) -> None:
    """The msg says why, not what was sent."""
    r = svc.post(example(**changes))
    assert r.status_code == 422
    assert sent not in r.text, r.text


@pytest.mark.parametrize("contract_id", ["HT/2026/0042", "协议2026-001", "SF 2026 0042"])
def test_an_agreement_number_is_any_string(svc: Service, contract_id: str) -> None:
    """An agreement customer's number as carriers write it is accepted (a decision, not a 422)."""
    wb = example(sender={"customer_type": "contract", "contract_id": contract_id})
    r = svc.post(wb)
    assert r.status_code == 200, r.text[:300]


# POST /v1/inspections ---------------------------------------------------------------------------------------


def report(wb: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An inspection report of a scored waybill, an hour after its pickup."""
    return {
        "carrier": wb["carrier"],
        "waybill_no": wb["waybill_no"],
        "result": "violation",
        "inspected_at": "2026-11-11T10:30:00+08:00",
        **fields,
    }


def test_a_bad_inspection_report_is_a_422_that_flags_nobody(svc: Service) -> None:
    """Naive inspected_at, unknown field, bad result: 422s; the sender's next parcel has no prior one."""
    sender = fresh_sender()
    wb = example(sender=sender, accepted_at="2026-11-11T09:00:00+08:00")
    svc.score(wb)
    bad = [
        (report(wb, inspected_at="2026-11-11T10:30:00"), [["body", "inspected_at"]]),
        (report(wb, seized=True), [["body", "seized"]]),
        (report(wb, result="VIOLATION", carrier="SF1"), [["body", "result"], ["body", "carrier"]]),
        ({k: v for k, v in report(wb).items() if k != "waybill_no"}, [["body", "waybill_no"]]),
    ]
    for body, expected in bad:
        r = svc.http.post("/v1/inspections", json=body, headers=svc.customs)
        assert r.status_code == 422, r.text
        assert_pydantic_style(r.json())
        assert sorted(locs(r.json()), key=str) == sorted(expected, key=str)
    assert "PRIOR_VIOLATIONS" not in codes(svc.score(example(sender=sender)))
    # The same report, well formed, is taken: the check above could see a violation.
    ok = svc.http.post(
        "/v1/inspections", json=report(wb, violation_type=None, note=None), headers=svc.customs
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["label"] == 1
    assert "PRIOR_VIOLATIONS" in codes(
        svc.score(example(sender=sender, accepted_at="2026-11-12T09:00:00+08:00"))
    )


def test_a_clear_report_with_only_the_required_fields_is_a_negative_label(svc: Service) -> None:
    """violation_type and note are optional: a clear report of four fields is accepted."""
    wb = example()
    svc.score(wb)
    r = svc.http.post("/v1/inspections", json=report(wb, result="clear"), headers=svc.customs)
    assert r.status_code == 200, r.text
    assert r.json()["label"] == 0


def test_a_carrier_key_may_not_report_inspections(svc: Service) -> None:
    """Inspections come from customs or officers: a carrier key is a 403 and records nothing."""
    sender = fresh_sender()
    wb = example(sender=sender)
    svc.score(wb)
    r = svc.http.post("/v1/inspections", json=report(wb), headers=svc.sf)
    assert r.status_code == 403
    assert "PRIOR_VIOLATIONS" not in codes(svc.score(example(sender=sender)))
