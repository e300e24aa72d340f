"""The HTTP API as a courier system sees it: keys, rate limits, bodies, routes, the served schema, read-back.

Written from shared/contract/README.md (field names, Errors: "changes no state"), its two example files,
shared/ARCHITECTURE.md ("Bad input: 422 naming each field, no state touched") and the README's "HTTP API"
and "Security model" sections. One production-mode app serves the module; every test uses senders,
receivers and keys of its own, so one test's history never reaches another's.
"""

import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx2
import polars as pl
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from screening.decisionlog.reader import distinct_records, scan_log
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.keys import bearer, make_key
from tests.factories import export_postal, item, party, resident_id
from tests.shared_dir import SHARED

CONTRACT = SHARED / "contract"
WAYBILL_EXAMPLE: dict[str, Any] = json.loads((CONTRACT / "waybill.example.json").read_text())
DECISION_EXAMPLE: dict[str, Any] = json.loads((CONTRACT / "decision.example.json").read_text())
MAX_BODY = 20_000
_serial = itertools.count(1)


@dataclass
class Api:
    """The started production app, its client, and standing keys: SF carrier, YTO carrier, customs."""

    app: FastAPI
    http: TestClient
    sf: dict[str, str]
    yto: dict[str, str]
    customs: dict[str, str]

    def score(self, wb: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        """POST /v1/score with the SF key and expect a decision."""
        r = self.http.post("/v1/score", json=wb, headers=headers or self.sf)
        assert r.status_code == 200, r.text[:400]
        body: dict[str, Any] = r.json()
        return body

    def read_back(self, wb: dict[str, Any], headers: dict[str, str] | None = None) -> httpx2.Response:
        """GET /v1/decisions/{carrier}/{waybill_no} (customs key unless told)."""
        return self.http.get(
            f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}", headers=headers or self.customs
        )

    def cases(self) -> int:
        """How many cases the case database holds."""
        with self.app.state.db.transaction(readonly=True) as s:
            n: int = s.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
        return n

    def logged(self) -> int:
        """How many scorings the decision log holds (committed now)."""
        log = self.app.state.engine.log
        log.journal.flush()
        frame = distinct_records(
            scan_log(log.layout, start=date(2026, 1, 1), end=date(2027, 12, 31), include_journal=True)
        )
        n: int = frame.select(pl.len()).collect().item()
        return n

    def key(self, kind: str, scope: str, **options: Any) -> dict[str, str]:
        """Headers of a new key."""
        return bearer(make_key(self.app, kind, scope, **options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One production-mode app (SQLite, embedded history), random audit off, a small body limit."""
    policy = load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})
    data: Path = tmp_path_factory.mktemp("courier") / "data"
    settings = Settings(
        env="production",
        data_dir=data,
        id_hmac_key="h" * 32,
        id_encryption_key="e" * 32,
        session_secret="s" * 32,
        api_key_cache_s=0.3,
        max_body_bytes=MAX_BODY,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        app: FastAPI = http.app  # type: ignore[assignment]
        app.state.engine.policy = policy
        yield Api(
            app=app,
            http=http,
            sf=bearer(make_key(app, "carrier", "SF")),
            yto=bearer(make_key(app, "carrier", "YTO")),
            customs=bearer(make_key(app, "customs", "SHA-PVG")),
        )


# Parcels of people of their own -----------------------------------------------------------------------------


def sender() -> dict[str, Any]:
    """A Shanghai sender with an ID, phone and building nobody else in the module has."""
    n = next(_serial)
    return party(
        id_number=resident_id(
            region="310115", birth=f"19{60 + n % 30:02d}0{n % 9 + 1}1{n % 9}", seq=f"{n:03d}"
        ),
        phone=f"136{n:08d}",
        address={"detail": f"碧波路{n}号{n % 7 + 1}号楼{n}室"},
    )


def ring(count: int) -> list[dict[str, Any]]:
    """One sender's export parcels, each under the 800 CNY limit, to five receivers of its own in Macau.

    RULES.md: ANT_MOVING_SENDER holds from the sixth such parcel in 24 h (to >= 3 receivers, >= 3 L).
    """
    who = sender()
    tag = next(_serial)
    receivers = [
        party(
            name=f"RECEIVER {tag}-{k}",
            phone=f"+8536{tag % 1000:03d}{k:04d}",
            address={
                "country": "MO",
                "province": None,
                "city": "Macau",
                "district": "Taipa",
                "detail": f"Rua {tag}-{k}, Bloco {k}",
                "postcode": None,
            },
            id_type=None,
            id_number=None,
            id_verified=False,
            verification_method=None,
        )
        for k in range(5)
    ]
    return [
        export_postal(
            hours_after=i * 0.4,
            sender=who,
            receiver=receivers[i % 5],
            items=[
                item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=760.0 + i)
            ],
            weight_kg=0.4,
        )
        for i in range(count)
    ]


def held_parcel() -> dict[str, Any]:
    """A personal article of 1,000 CNY to Hong Kong (limit 800) in two units: held, a case opened."""
    return export_postal(
        sender=sender(), items=[item(description="羊毛大衣 wool coat", quantity=2, unit_value=500.0)]
    )


# The refused requests a courier system can make -------------------------------------------------------------

Send = Callable[[Api, dict[str, Any]], httpx2.Response]


def _revoked(api: Api) -> dict[str, str]:
    headers = api.key("carrier", "SF")
    prefix = headers["authorization"].removeprefix("Bearer ")[:16]
    with api.app.state.db.transaction() as s:
        s.execute(
            sa.text("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE prefix = :p"), {"p": prefix}
        )
    return headers


def _over_rate(api: Api) -> dict[str, str]:
    slow = api.key("carrier", "SF", rate_per_s=0.01)
    assert api.http.get("/v1/decisions/SF/SF00000000", headers=slow).status_code == 404
    return slow


def _raw(
    api: Api, wb: dict[str, Any], content_type: str, headers: dict[str, str] | None = None
) -> httpx2.Response:
    return api.http.post(
        "/v1/score",
        content=json.dumps(wb, ensure_ascii=False).encode(),
        headers={**(headers if headers is not None else api.sf), "content-type": content_type},
    )


REFUSALS: dict[str, tuple[Send, int | None]] = {
    "no-key": (lambda a, wb: a.http.post("/v1/score", json=wb), 401),
    "unknown-key": (
        lambda a, wb: a.http.post("/v1/score", json=wb, headers=bearer("scr_car_" + "x" * 43)),
        401,
    ),
    "revoked-key": (lambda a, wb: a.http.post("/v1/score", json=wb, headers=_revoked(a)), 401),
    "customs-key": (lambda a, wb: a.http.post("/v1/score", json=wb, headers=a.customs), 403),
    "other-carriers-key": (lambda a, wb: a.http.post("/v1/score", json=wb, headers=a.yto), 403),
    "over-rate": (lambda a, wb: a.http.post("/v1/score", json=wb, headers=_over_rate(a)), 429),
    "text-plain": (lambda a, wb: _raw(a, wb, "text/plain"), None),
    "gbk-charset": (
        lambda a, wb: a.http.post(
            "/v1/score",
            content=json.dumps(wb, ensure_ascii=False).encode("gbk"),
            headers={**a.sf, "content-type": "application/json; charset=gbk"},
        ),
        None,
    ),
    "too-large": (
        lambda a, wb: a.http.post("/v1/score", json={**wb, "courier_id": "C" * MAX_BODY}, headers=a.sf),
        413,
    ),
    "wrong-method": (lambda a, wb: a.http.put("/v1/score", json=wb, headers=a.sf), 405),
    "batch-with-customs-key": (
        lambda a, wb: a.http.post("/v1/score/batch", json={"waybills": [wb]}, headers=a.customs),
        403,
    ),
}


def assert_refused(r: httpx2.Response, status: int | None) -> None:
    """A 4xx (this one when given), JSON with a detail."""
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if status is not None:
        assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"]


@pytest.mark.parametrize("how", list(REFUSALS))
def test_a_refused_ring_parcel_is_not_counted_in_the_senders_history(api: Api, how: str) -> None:
    """Contract, Errors: a refused request 'changes no state: no history is counted'.

    The ring's first parcel is refused; five more are scored: only five count, so the sixth scored
    (the ring's sixth parcel in all) is not held as an ant; one more parcel and the sixth count holds.
    """
    send, status = REFUSALS[how]
    parcels = ring(7)
    logged = api.logged()
    assert_refused(send(api, parcels[0]), status)
    assert api.logged() == logged
    assert api.read_back(parcels[0]).status_code == 404
    decided = [api.score(wb) for wb in parcels[1:6]]
    assert decided[-1]["decision"] != "hold", decided[-1]
    assert "ANT_MOVING_SENDER" not in {r["code"] for r in decided[-1]["reasons"]}
    control = api.score(parcels[6])
    assert "ANT_MOVING_SENDER" in {r["code"] for r in control["reasons"]}


@pytest.mark.parametrize("how", list(REFUSALS))
def test_a_refused_parcel_that_would_be_held_opens_no_case_and_is_not_logged(api: Api, how: str) -> None:
    """Contract, Errors: no case opened, nothing in the decision log; the same body scored opens one."""
    send, status = REFUSALS[how]
    wb = held_parcel()
    cases, logged = api.cases(), api.logged()
    assert_refused(send(api, wb), status)
    assert (api.cases(), api.logged()) == (cases, logged)
    assert api.read_back(wb).status_code == 404
    d = api.score(wb)
    assert d["decision"] == "hold" and d["case_id"]
    assert api.cases() == cases + 1


# Keys -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/score", "waybill"),
        ("POST", "/v1/score/batch", "batch"),
        ("GET", "/v1/decisions/SF/SF12345678", None),
    ],
    ids=["score", "batch", "read-back"],
)
@pytest.mark.parametrize("credential", ["none", "unknown", "revoked"])
def test_every_courier_route_answers_a_bad_key_with_401_and_a_bearer_challenge(
    api: Api, method: str, path: str, body: str | None, credential: str
) -> None:
    """README Security model: production answers 401 without a key; the challenge names Bearer."""
    headers = {
        "none": {},
        "unknown": bearer("scr_car_unknown-key-of-nobody"),
        "revoked": _revoked(api) if credential == "revoked" else {},
    }[credential]
    wb = ring(1)[0]
    payload: Any = {"waybill": wb, "batch": {"waybills": [wb]}, None: None}[body]
    r = api.http.request(method, path, json=payload, headers=headers)
    assert r.status_code == 401, r.text[:300]
    assert r.headers["www-authenticate"].split()[0] == "Bearer"
    assert r.headers["content-type"].startswith("application/json") and r.json()["detail"]
    assert api.read_back(wb).status_code == 404


def test_the_bearer_scheme_is_case_insensitive(api: Api) -> None:
    """RFC 9110 §11.1: the auth scheme is case-insensitive; 'bearer <key>' is the same key."""
    token = api.sf["authorization"].removeprefix("Bearer ")
    wb = ring(1)[0]
    r = api.http.post("/v1/score", json=wb, headers={"authorization": f"bearer {token}"})
    assert r.status_code == 200, r.text[:300]
    assert api.read_back(wb).json()["scored_at"] == r.json()["scored_at"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"waybill_no": ', id="malformed-json"),
        pytest.param(b'{"waybill_no": "SF12345678"}', id="incomplete-waybill"),
        pytest.param(b"", id="empty"),
    ],
)
def test_without_a_key_a_bad_body_is_still_a_401(api: Api, body: bytes) -> None:
    """README: 'production mode answers 401 without a key' — authentication before the body is judged."""
    r = api.http.post("/v1/score", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert r.headers["www-authenticate"] == "Bearer"


def test_malformed_json_with_a_key_is_a_422_and_with_another_scheme_a_401(api: Api) -> None:
    """With a key the body is judged (422 at the body); with a Basic header it is refused as no key."""
    body, json_type = b'{"waybill_no": ', {"content-type": "application/json"}
    r = api.http.post("/v1/score", content=body, headers={**json_type, **api.sf})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][0] == "body"
    r = api.http.post("/v1/score", content=body, headers={**json_type, "authorization": "Basic eDp5"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_a_key_over_its_rate_is_answered_again_after_retry_after(api: Api) -> None:
    """README: over the bucket, 429 with Retry-After (seconds); waiting that long lets the key in again."""
    fast = api.key("carrier", "SF", rate_per_s=1.0)  # burst of two
    first, second = ring(2)
    assert api.http.post("/v1/score", json=first, headers=fast).status_code == 200
    assert api.http.get("/v1/decisions/SF/SF00000000", headers=fast).status_code == 404
    refused = api.http.post("/v1/score", json=second, headers=fast)
    assert refused.status_code == 429 and refused.json()["detail"]
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 2
    assert api.read_back(second).status_code == 404
    time.sleep(wait + 0.05)
    again = api.http.post("/v1/score", json=second, headers=fast)
    assert again.status_code == 200, again.text[:300]


def test_a_carrier_reads_back_and_customs_reads_back_the_hold_it_was_answered(api: Api) -> None:
    """Contract GET /v1/decisions: the latest decision for the carrier that scored it and for customs."""
    wb = held_parcel()
    answered = api.score(wb)
    assert answered["decision"] == "hold"
    own = api.read_back(wb, api.sf)
    by_customs = api.read_back(wb, api.customs)
    assert own.status_code == 200 and by_customs.status_code == 200
    expected = {**answered, "case_status": "open"}
    assert own.json() == expected and by_customs.json() == expected
    other = api.read_back(wb, api.yto)
    assert other.status_code == 403 and "SF" in other.json()["detail"]


# Bodies -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        ("text/plain", "utf-8"),
        ("application/x-www-form-urlencoded", "utf-8"),
        pytest.param(
            "application/json; charset=gbk",
            "gbk",
        ),
    ],
    ids=["text", "form", "gbk"],
)
def test_a_body_that_is_not_a_json_waybill_is_a_422_naming_the_body(
    api: Api, content_type: str, encode: str
) -> None:
    """Contract, Errors: bad input is a 422 `detail: [{loc, msg, type}]`; here the body itself is at fault."""
    wb = ring(1)[0]
    r = api.http.post(
        "/v1/score",
        content=json.dumps(wb, ensure_ascii=False).encode(encode),
        headers={**api.sf, "content-type": content_type},
    )
    assert r.status_code == 422, (r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail
    assert all(set(e) == {"loc", "msg", "type"} and e["loc"][0] == "body" for e in detail)
    assert api.read_back(wb).status_code == 404


def test_a_body_over_the_limit_is_a_413_json_answer_with_the_request_id(api: Api) -> None:
    """README: larger bodies get 413; errors are JSON and every response carries X-Request-ID."""
    wbs = ring(30)
    body = json.dumps({"waybills": wbs}).encode()
    assert len(body) > MAX_BODY
    r = api.http.post(
        "/v1/score/batch",
        content=body,
        headers={**api.sf, "content-type": "application/json", "x-request-id": "big-1"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/json") and r.json()["detail"]
    assert r.headers["x-request-id"] == "big-1"
    assert all(api.read_back(wb).status_code == 404 for wb in wbs[:3])


def test_a_batch_of_no_waybills_is_a_422_naming_waybills(api: Api) -> None:
    """Contract: a batch holds 1-1000 waybills."""
    logged = api.logged()
    r = api.http.post("/v1/score/batch", json={"waybills": []}, headers=api.sf)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "waybills"]]
    assert api.logged() == logged


# Routes and methods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/score", "POST"),
        ("GET", "/v1/score/batch", "POST"),
        ("DELETE", "/v1/decisions/SF/SF12345678", "GET"),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(api: Api, method: str, path: str, allow: str) -> None:
    """RFC 9110 §15.5.6: a 405 names the allowed methods in Allow; the answer is JSON with a detail."""
    r = api.http.request(method, path, headers={**api.sf, "x-request-id": f"m-{method}"})
    assert r.status_code == 405
    assert allow in [m.strip() for m in r.headers["allow"].split(",")]
    assert r.headers["content-type"].startswith("application/json") and r.json()["detail"]
    assert r.headers["x-request-id"] == f"m-{method}"


@pytest.mark.parametrize("path", ["/v1/scores", "/v2/score", "/v1/decisions/SF"])
def test_an_unknown_route_is_a_json_404(api: Api, path: str) -> None:
    """Unknown routes answer JSON with a detail and the request id, like every other error."""
    r = api.http.post(path, json={}, headers={**api.sf, "x-request-id": "nf-1"})
    if r.status_code == 405:  # a GET-only route under the same path
        r = api.http.get(path, headers={**api.sf, "x-request-id": "nf-1"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json") and r.json()["detail"]
    assert r.headers["x-request-id"] == "nf-1"


# Headers of the answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["score", "batch", "read-back"])
def test_answers_are_json_and_echo_the_callers_request_id(api: Api, route: str) -> None:
    """README: every response carries X-Request-ID (the caller's); decisions are JSON."""
    wb = ring(1)[0]
    headers = {**api.sf, "x-request-id": f"courier-{route}"}
    if route == "score":
        r = api.http.post("/v1/score", json=wb, headers=headers)
    elif route == "batch":
        r = api.http.post("/v1/score/batch", json={"waybills": [wb]}, headers=headers)
    else:
        api.score(wb)
        r = api.http.get(f"/v1/decisions/SF/{wb['waybill_no']}", headers=headers)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].split(";")[0].strip() == "application/json"
    assert r.headers["x-request-id"] == f"courier-{route}"
    body = r.json()
    decision = body["decisions"][0] if route == "batch" else body
    assert (decision["carrier"], decision["waybill_no"]) == ("SF", wb["waybill_no"])


# The served schema against the contract's examples ----------------------------------------------------------


def _schemas(api: Api) -> dict[str, Any]:
    r = api.http.get("/openapi.json")
    assert r.status_code == 200
    schemas: dict[str, Any] = r.json()["components"]["schemas"]
    return schemas


EXAMPLE_PARTS: dict[str, dict[str, Any]] = {
    "Waybill": WAYBILL_EXAMPLE,
    "Party": WAYBILL_EXAMPLE["sender"],
    "Address": WAYBILL_EXAMPLE["sender"]["address"],
    "Item": WAYBILL_EXAMPLE["items"][0],
    "PickupChecks": WAYBILL_EXAMPLE["pickup_checks"],
    "Order": WAYBILL_EXAMPLE["order"],
}


@pytest.mark.parametrize("model", list(EXAMPLE_PARTS))
def test_the_served_request_models_name_exactly_the_example_waybills_fields(api: Api, model: str) -> None:
    """Contract: field names are fixed; the example waybill fills every field of every part."""
    assert set(_schemas(api)[model]["properties"]) == set(EXAMPLE_PARTS[model])


def test_the_served_decision_names_the_example_decisions_fields_plus_optional_ones_only(api: Api) -> None:
    """Contract: renaming or removing is breaking, adding optional fields is fine (never required)."""
    decision = _schemas(api)["Decision"]
    names = set(decision["properties"])
    assert names >= set(DECISION_EXAMPLE)
    assert set(decision.get("required", [])) <= set(DECISION_EXAMPLE)
    reason = _schemas(api)["Reason"]
    assert set(reason["properties"]) == set(DECISION_EXAMPLE["reasons"][0])


def _ref(schema: dict[str, Any]) -> str:
    ref: str = schema["$ref"]
    return ref.rsplit("/", 1)[-1]


def test_the_courier_routes_take_and_answer_the_contract_models(api: Api) -> None:
    """POST /v1/score: Waybill → Decision; the batch: waybills of Waybill → decisions; read-back: Decision."""
    spec = api.http.get("/openapi.json").json()
    paths = spec["paths"]
    score = paths["/v1/score"]["post"]
    assert _ref(score["requestBody"]["content"]["application/json"]["schema"]) == "Waybill"
    assert _ref(score["responses"]["200"]["content"]["application/json"]["schema"]) == "Decision"
    read = paths["/v1/decisions/{carrier}/{waybill_no}"]["get"]
    assert _ref(read["responses"]["200"]["content"]["application/json"]["schema"]) == "Decision"
    batch = paths["/v1/score/batch"]["post"]
    batch_in = spec["components"]["schemas"][
        _ref(batch["requestBody"]["content"]["application/json"]["schema"])
    ]
    waybills = batch_in["properties"]["waybills"]
    assert _ref(waybills["items"]) == "Waybill"
    assert (waybills.get("minItems"), waybills.get("maxItems")) == (1, 1000)
    batch_out = spec["components"]["schemas"][
        _ref(batch["responses"]["200"]["content"]["application/json"]["schema"])
    ]
    assert set(batch_out["properties"]) == {"decisions"}


def test_the_served_schema_declares_the_bearer_key_of_the_scoring_routes(api: Api) -> None:
    """Contract: couriers authenticate with 'Authorization: Bearer <api key>'; a client generated from
    /openapi.json (the README's docs) should learn it there."""
    spec = api.http.get("/openapi.json").json()
    schemes = spec.get("components", {}).get("securitySchemes", {})
    bearer_names = {
        n for n, s in schemes.items() if s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"
    }
    assert bearer_names
    for path in ("/v1/score", "/v1/score/batch"):
        required = {n for entry in spec["paths"][path]["post"].get("security", []) for n in entry}
        assert required & bearer_names, path
