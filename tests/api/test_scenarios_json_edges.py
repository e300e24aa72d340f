"""Odd and bad JSON at the HTTP boundary: the courier routes, and the officers' and admins' JSON routes.

Written from shared/contract/README.md (the Waybill table's types; Errors: "Bad input answers 422 with a
body that names every offending field and why ... and changes no state: no history is counted, no case
opened"; the batch: "An invalid waybill fails alone"), shared/ARCHITECTURE.md ("Bad input: 422 naming each
field, no state touched"; "nothing acknowledged is lost"), the README ("a body that does not decode (not
UTF-8) is a 422 naming the body", "413 over SCREENING_MAX_BODY_BYTES", the admin and case routes) and RFC
8259 (JSON) where the sources are silent. The readings chosen:

- A key given twice in one object is refused with a 422 naming it. RFC 8259 §4 leaves such an object's
  meaning "unpredictable"; a gateway or log that reads the first copy would disagree with a service that
  reads the last, so a waybill stating two declared values (or a case action stating two actions) is
  ambiguous input, not a choice for the service to make silently.
- JSON has no NaN or Infinity (RFC 8259 §6), and 1e309 is no finite number: each is a 422 at its field.
  -0 is 0; 1e-400 underflows to 0 and so is not a weight.
- Types are strict, as the contract's table gives them: a number sent as text, text sent as a number, 0/1
  for a boolean and true for a number are each a 422 at the field (the existing suite reads it so too).
- A UTF-8 byte-order mark is ignored (RFC 8259 §8.1 allows it); UTF-16 and UTF-32 are not UTF-8 and are
  a 422 naming the body (README). A lone surrogate is not text: a 422 at its field. NUL and other control
  characters in free text are accepted (the contract does not restrict text), but they never hide a
  prohibited term and never lose a hold.
- application/json with any spelling of a UTF-8 charset, and +json types, are JSON. Without a
  Content-Type the refusal says that the content type is the problem. A Content-Encoding the service
  does not decode is a 4xx naming the body; one it decodes must still respect the body limit.
- Unknown fields are refused at every depth, all named at once (the service's reading, already relied on
  by the suite: the contract may add optional fields, a caller may not invent them).
- Batches follow the contract, not the stricter reading "a bad slot fails the batch": the bad slot alone
  fails, named by its index and every offending field, and the other slots are scored without it.

Each refusal is checked for its status, every offending field, and that nothing changed: no decision to
read back, no line in the decision log, no case, and no count in the sender's history. The bodies are
written by hand (`encode`), so a key can be given twice and NaN, 1e309 or -0 can be sent as they are.
"""

import gzip
import itertools
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from screening.decisionlog.reader import scan_log
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import BASE_TIME, export_postal, hk_receiver, item, merge, party, resident_id, waybill

JSON = {"content-type": "application/json"}
_serial = itertools.count(1)


# Writing JSON by hand ------------------------------------------------------------------------------------


class Pairs(list[tuple[str, Any]]):
    """A JSON object written key by key, in order: a key may be given twice."""


class Raw(str):
    """A JSON token written as it is: NaN, 1e309, -0, an integer of thousands of digits."""


def encode(value: Any) -> str:
    """JSON text of a value (ASCII: every non-ASCII character, lone surrogates included, is escaped)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        value = Pairs(value.items())
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{json.dumps(k)}: {encode(v)}" for k, v in value) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    return json.dumps(value)


# The app -------------------------------------------------------------------------------------------------


@dataclass
class Service:
    """A started development app (no key needed to score), with a customs key and an admin key."""

    app: FastAPI
    http: TestClient
    customs: dict[str, str]
    admin: dict[str, str]

    def send(
        self,
        body: bytes | str | Any,
        path: str = "/v1/score",
        headers: dict[str, str] | None = None,
        method: str = "POST",
    ) -> httpx2.Response:
        """Send a body (POST unless told): bytes as they are, str as UTF-8, anything else through encode()."""
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = encode(body).encode()
        return self.http.request(method, path, content=body, headers=JSON if headers is None else headers)

    def score(self, wb: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score and expect a decision."""
        r = self.http.post("/v1/score", json=wb)
        assert r.status_code == 200, r.text[:500]
        body: dict[str, Any] = r.json()
        return body

    def batch(self, body: Any) -> list[dict[str, Any]]:
        """POST /v1/score/batch (bytes, or a body for encode()), expect 200: the slots."""
        r = self.send(body, "/v1/score/batch")
        assert r.status_code == 200, r.text[:500]
        slots: list[dict[str, Any]] = r.json()["decisions"]
        return slots

    def read_back(self, wb: dict[str, Any]) -> httpx2.Response:
        """GET /v1/decisions/{carrier}/{waybill_no}."""
        return self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")

    def logged(self) -> set[str]:
        """The waybill numbers of every scoring in the decision log, committed now."""
        log = self.app.state.engine.log
        log.journal.flush()
        frame = scan_log(log.layout, start=date(2026, 1, 1), end=date(2027, 12, 31), include_journal=True)
        return set(frame.select("waybill_no").collect().to_series().to_list())

    def queue(self, outlet: str) -> list[dict[str, Any]]:
        """The cases of one outlet (customs key)."""
        r = self.http.get("/v1/cases", params={"outlet": outlet, "per_page": 200}, headers=self.customs)
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    def case(self, case_id: str) -> dict[str, Any]:
        """GET /v1/cases/{case_id} (customs key)."""
        r = self.http.get(f"/v1/cases/{case_id}", headers=self.customs)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def kept_nothing_of(self, *wbs: dict[str, Any]) -> bool:
        """No decision to read back and no decision-log line for any of these waybills."""
        logged = self.logged()
        return all(self.read_back(wb).status_code == 404 and wb["waybill_no"] not in logged for wb in wbs)


@contextmanager
def started(settings: Settings) -> Iterator[Service]:
    """A started app on these settings with random audit off, and its customs and admin keys."""
    policy = load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})
    # A 500 is an answer the contract does not allow, not an exception in the test.
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        app: FastAPI = http.app  # type: ignore[assignment]
        app.state.engine.policy = policy
        yield Service(
            app=app,
            http=http,
            customs=bearer(make_key(app, "customs", "SHA-PVG")),
            admin=bearer(make_key(app, "admin", "ops")),
        )


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One started app for the module: embedded history, SQLite, the default body limit."""
    with started(Settings(env="development", data_dir=tmp_path_factory.mktemp("json-edges") / "data")) as s:
        yield s


# People and parcels of each test's own -------------------------------------------------------------------


def n() -> int:
    """A number no other call in this module gets."""
    return next(_serial)


def outlet() -> str:
    """An outlet of its own: its case queue holds one test's cases only."""
    return f"SF-JSON-{n():04d}"


def sender(**changes: Any) -> dict[str, Any]:
    """A Shanghai sender of their own: ID, phone and building."""
    k = n()
    own: dict[str, Any] = {
        "phone": f"1371{k:07d}",
        "id_number": resident_id(region="310115", birth="19790312", seq=f"{k:03d}"),
        "address": {"detail": f"龙东大道{k}号{k % 9 + 1}号楼301室"},
    }
    return party(**(own | changes))


def abroad() -> dict[str, Any]:
    """A receiver in Macau of their own (limit 800 CNY)."""
    k = n()
    return hk_receiver(
        name=f"RECEIVER {k}",
        phone=f"+85366{k:06d}",
        address={"country": "MO", "city": "Macau", "district": "Taipa", "detail": f"Rua {k}, Bloco {k}"},
    )


def ring(count: int) -> list[dict[str, Any]]:
    """One sender's face creams under 800 CNY to five receivers: ANT_MOVING_SENDER holds from the sixth."""
    who, to = sender(), [abroad() for _ in range(5)]
    return [
        export_postal(
            hours_after=i * 0.4,
            sender=who,
            receiver=to[i % 5],
            items=[
                item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=760.0 + i)
            ],
            weight_kg=0.4,
        )
        for i in range(count)
    ]


def held(**changes: Any) -> dict[str, Any]:
    """An export of 1,000 CNY in five units to Macau (limit 800): held, a case opened."""
    return export_postal(
        sender=sender(), receiver=abroad(), items=[item(quantity=5, unit_value=200.0)], **changes
    )


def plain(**changes: Any) -> dict[str, Any]:
    """A clean domestic waybill of a sender of its own: released."""
    return waybill(**({"sender": sender()} | changes))


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error of a 422 body (or of a failed slot's error)."""
    return [e["loc"] for e in body["detail"]]


def assert_422_at(r: httpx2.Response, *expected: list[Any]) -> None:
    """A pydantic-style 422 naming exactly these fields."""
    assert r.status_code == 422, (r.status_code, r.text[:500])
    body = r.json()
    assert set(body) == {"detail"} and body["detail"], body
    for e in body["detail"]:
        assert set(e) == {"loc", "msg", "type"} and e["msg"] and e["type"], e
    assert sorted(locs(body), key=str) == sorted(expected, key=str), locs(body)


def assert_body_refused(r: httpx2.Response, *statuses: int) -> None:
    """A JSON 4xx (one of these statuses) naming the body itself, or only a part of it."""
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    detail = r.json()["detail"]
    if r.status_code == 422:
        assert detail and all(e["loc"][0] == "body" for e in detail), detail
    else:
        assert detail


# Keys given twice ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last"),
    [
        pytest.param(1000.0, 120.0, id="larger-then-smaller"),
        pytest.param(120.0, 1000.0, id="smaller-then-larger"),
    ],
)
def test_two_disagreeing_declared_values_are_refused_whichever_comes_last(
    svc: Service, first: float, last: float
) -> None:
    """Lines of 120 CNY; declared_value stated twice: a 422 at declared_value, and nothing kept."""
    wb = plain()
    body = Pairs([(k, v) for k, v in wb.items() if k != "declared_value"])
    body[6:6] = [("declared_value", first)]
    body.append(("declared_value", last))
    assert_422_at(svc.send(body), ["body", "declared_value"])
    assert svc.kept_nothing_of(wb)


def test_a_pickup_check_answered_twice_is_refused_not_taken_as_done(svc: Service) -> None:
    """'xray_screened': false, then 'xray_screened': true: ambiguous, so a 422 at the field."""
    wb = plain()
    checks = Pairs([("opened_inspection", True), ("xray_screened", False), ("xray_screened", True)])
    body = {**wb, "pickup_checks": checks}
    assert_422_at(svc.send(body), ["body", "pickup_checks", "xray_screened"])
    assert svc.kept_nothing_of(wb)


def test_a_batch_with_two_waybills_keys_is_refused_and_scores_neither(svc: Service) -> None:
    """{"waybills": [a], "waybills": [b]}: not one batch; a 422 at waybills, neither list scored."""
    a, b = plain(), plain()
    r = svc.send(Pairs([("waybills", [a]), ("waybills", [b])]), "/v1/score/batch")
    assert_422_at(r, ["body", "waybills"])
    assert svc.kept_nothing_of(a, b)


def test_a_case_action_naming_two_actions_is_refused_and_the_case_stays_open(svc: Service) -> None:
    """An officer's system sends release and seize in one body: a 422, the case open, its trail as it was."""
    where = outlet()
    d = svc.score(held(outlet_id=where))
    before = svc.case(d["case_id"])
    body = Pairs([("action", "release"), ("violation_type", "undeclared goods"), ("action", "seize")])
    r = svc.send(body, f"/v1/cases/{d['case_id']}/actions", {**JSON, **svc.customs})
    assert_422_at(r, ["body", "action"])
    after = svc.case(d["case_id"])
    assert (after["status"], after["history"]) == ("open", before["history"])


def test_a_list_entry_saying_listed_twice_is_refused_and_lists_nobody(svc: Service) -> None:
    """An entry both taking a phone off and putting it on: a 422, and the phone's parcels are not hit."""
    who = sender()
    entry = Pairs(
        [("list", "watch"), ("kind", "phone"), ("value", who["phone"]), ("listed", False), ("listed", True)]
    )
    r = svc.send([entry], "/v1/admin/lists", {**JSON, **svc.admin}, "PUT")
    assert_422_at(r, ["body", 0, "listed"])
    assert "WATCHLIST_HIT" not in codes(svc.score(plain(sender=who)))


# Numbers JSON does not have, and numbers at the edge of a double -----------------------------------------


NON_FINITE: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("nan-weight", {"weight_kg": Raw("NaN")}, ["weight_kg"]),
    ("infinity-declared", {"declared_value": Raw("Infinity")}, ["declared_value"]),
    ("minus-infinity-unit", {"items": [item(unit_value=Raw("-Infinity"))]}, ["items", 0, "unit_value"]),
    ("overflow-dims", {"dims_cm": [Raw("1e309"), 15, 10]}, ["dims_cm", 0]),
    ("overflow-weight", {"weight_kg": Raw("-1e309")}, ["weight_kg"]),
]


@pytest.mark.parametrize(
    ("changes", "loc"), [(c, loc) for _, c, loc in NON_FINITE], ids=[i for i, _, _ in NON_FINITE]
)
def test_a_number_json_does_not_have_is_a_422_at_its_field(
    svc: Service, changes: dict[str, Any], loc: list[Any]
) -> None:
    """NaN, Infinity and 1e309 are no amounts or sizes: named, not scored, not logged."""
    wb = plain()
    assert_422_at(svc.send({**wb, **changes}), ["body", *loc])
    assert svc.kept_nothing_of(wb)


def test_every_non_finite_number_of_a_waybill_is_named_at_once(svc: Service) -> None:
    """A NaN weight and two infinite dimensions: three locs in one 422."""
    wb = plain()
    body = {**wb, "weight_kg": Raw("NaN"), "dims_cm": [Raw("Infinity"), Raw("1e400"), 10]}
    assert_422_at(svc.send(body), ["body", "weight_kg"], ["body", "dims_cm", 0], ["body", "dims_cm", 1])


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"weight_kg": Raw("1e-400")}, ["weight_kg"]),
        ({"weight_kg": Raw("-0.0")}, ["weight_kg"]),
        (
            {"items": [item(quantity=Raw("-0"), unit_value=60.0)], "declared_value": 0.0},
            ["items", 0, "quantity"],
        ),
    ],
    ids=["weight-underflows-to-zero", "weight-minus-zero", "quantity-minus-zero"],
)
def test_a_zero_in_disguise_is_no_weight_and_no_quantity(
    svc: Service, changes: dict[str, Any], loc: list[Any]
) -> None:
    """weight_kg > 0 and quantity >= 1: -0, -0.0 and 1e-400 (0.0 in a double) are refused at the field."""
    wb = plain()
    assert_422_at(svc.send({**wb, **changes}), ["body", *loc])
    assert svc.kept_nothing_of(wb)


def test_minus_zero_values_are_judged_as_a_zero_value_parcel(svc: Service) -> None:
    """unit_value and declared_value of -0.0 are 0 (>= 0): the decision of the same parcel sent with 0."""
    sample = item(description="样品 sample", category="general", quantity=1, unit_value=0.0)
    zero = export_postal(sender=sender(), receiver=abroad(), items=[sample], declared_value=0.0)
    minus = {**zero, "waybill_no": f"SF{1600000000000 + n()}"}
    negative = {**minus, "items": [{**sample, "unit_value": Raw("-0.0")}], "declared_value": Raw("-0.0")}
    r = svc.send(negative)
    assert r.status_code == 200, r.text[:300]
    d, twin = r.json(), svc.score(zero)
    assert (d["decision"], codes(d)) == (twin["decision"], codes(twin))
    assert "OVER_PERSONAL_LIMIT" not in codes(d)


def test_an_integer_of_thousands_of_digits_is_a_clean_422_not_a_500(svc: Service) -> None:
    """Python refuses to read a 5,000-digit integer: still bad input, a 422 naming the body."""
    wb = plain()
    body = {**wb, "items": [item(quantity=Raw("9" * 5000), unit_value=60.0)]}
    assert_body_refused(svc.send(body), 422)
    assert svc.kept_nothing_of(wb)


# Types are the contract's, strictly ----------------------------------------------------------------------


STRICT: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("declared-value-text", {"declared_value": "120.0"}, ["declared_value"]),
    ("phone-number", {"sender": {"phone": 13800138000}}, ["sender", "phone"]),
    ("postcode-number", {"sender": {"address": {"postcode": 201203}}}, ["sender", "address", "postcode"]),
    ("hs-code-number", {"items": [item(hs_code=610910)]}, ["items", 0, "hs_code"]),
    ("waybill-no-number", {"waybill_no": 14000000123}, ["waybill_no"]),
    ("id-number-number", {"sender": {"id_number": 110105194912310021}}, ["sender", "id_number"]),
    ("quantity-true", {"items": [item(quantity=True, unit_value=120.0)]}, ["items", 0, "quantity"]),
    ("weight-true", {"weight_kg": True}, ["weight_kg"]),
    ("id-verified-one", {"sender": {"id_verified": 1}}, ["sender", "id_verified"]),
    ("xray-zero", {"pickup_checks": {"xray_screened": 0}}, ["pickup_checks", "xray_screened"]),
]


@pytest.mark.parametrize(
    ("changes", "loc"), [(c, loc) for _, c, loc in STRICT], ids=[i for i, _, _ in STRICT]
)
def test_a_value_of_another_json_type_is_a_422_at_its_field(
    svc: Service, changes: dict[str, Any], loc: list[Any]
) -> None:
    """Text for a number, a number for text, 0/1 for a boolean, true for a number: refused, not coerced."""
    wb = merge(plain(), changes)
    if "items" in changes:
        wb["declared_value"] = 120.0
    assert_422_at(svc.send(wb), ["body", *loc])
    assert svc.kept_nothing_of(wb)


def test_every_wrong_type_is_named_at_once(svc: Service) -> None:
    """A phone as a number, a quantity of true, an X-ray flag of 0 and a declared value as text: four locs."""
    wb = merge(
        plain(),
        {
            "sender": {"phone": 13800138000},
            "items": [item(quantity=True, unit_value=120.0)],
            "pickup_checks": {"xray_screened": 0},
            "declared_value": "120",
        },
    )
    assert_422_at(
        svc.send(wb),
        ["body", "sender", "phone"],
        ["body", "items", 0, "quantity"],
        ["body", "pickup_checks", "xray_screened"],
        ["body", "declared_value"],
    )


# Encodings, surrogates, NUL ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["single", "batch"])
def test_a_utf8_byte_order_mark_is_ignored_and_the_parcel_is_the_same(svc: Service, route: str) -> None:
    """RFC 8259 §8.1 lets a parser ignore a BOM: scored, and the same body without it is a plain re-send."""
    wb = plain()
    if route == "single":
        text = json.dumps(wb, ensure_ascii=False)
        with_bom = svc.send(b"\xef\xbb\xbf" + text.encode())
        assert with_bom.status_code == 200, with_bom.text[:300]
        assert svc.send(text).json() == with_bom.json()
    else:
        text = json.dumps({"waybills": [wb]}, ensure_ascii=False)
        [slot] = svc.batch(b"\xef\xbb\xbf" + text.encode())
        assert svc.score(wb) == slot
    assert svc.read_back(wb).status_code == 200


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_a_body_in_another_unicode_encoding_is_a_422_naming_the_body(svc: Service, codec: str) -> None:
    """Not UTF-8: refused at the body, nothing scored."""
    wb = plain()
    r = svc.send(json.dumps(wb, ensure_ascii=False).encode(codec))
    assert_body_refused(r, 422)
    assert svc.kept_nothing_of(wb)


SURROGATES: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("description", {"items": [item(description="纯棉T恤 \ud800 cotton")]}, ["items", 0, "description"]),
    ("sender-name", {"sender": {"name": "张\udfff伟"}}, ["sender", "name"]),
    ("receiver-phone", {"receiver": {"phone": "1391234567\ud800"}}, ["receiver", "phone"]),
    ("service", {"service": "domestic\udc00"}, ["service"]),
]


@pytest.mark.parametrize(
    ("changes", "loc"), [(c, loc) for _, c, loc in SURROGATES], ids=[i for i, _, _ in SURROGATES]
)
def test_a_lone_surrogate_is_a_422_at_its_field(
    svc: Service, changes: dict[str, Any], loc: list[Any]
) -> None:
    """'\\ud800' escaped in JSON is no character: named at the field, nothing scored."""
    wb = merge(plain(), changes)
    assert_422_at(svc.send(wb), ["body", *loc])
    assert svc.kept_nothing_of(wb)


def test_a_surrogate_encoded_as_raw_bytes_is_refused(svc: Service) -> None:
    """ED A0 80 (a surrogate in CESU-8) is not UTF-8: a 4xx naming the body or the field, nothing scored."""
    wb = plain()
    body = json.dumps(wb, ensure_ascii=False).encode().replace(b"cotton", b"cot\xed\xa0\x80ton")
    r = svc.send(body)
    assert_body_refused(r, 422)
    assert svc.kept_nothing_of(wb)


def test_a_surrogate_pair_is_one_character_and_scores(svc: Service) -> None:
    """'\\ud83d\\ude00' is an emoji: a description may hold one."""
    wb = plain(items=[item(description="T恤 \U0001f600 T-shirt")])
    r = svc.send(wb)
    assert r.status_code == 200, r.text[:300]
    assert svc.read_back(wb).json() == r.json()


def test_a_lone_surrogate_as_a_key_is_a_422_not_a_500(svc: Service) -> None:
    """An unknown key that is no text: the 422 cannot echo it as it is, and still answers."""
    wb = plain()
    r = svc.send(Pairs([*wb.items(), ("\ud800", 1)]))
    assert_body_refused(r, 422)
    assert svc.kept_nothing_of(wb)


def test_a_batch_slot_with_a_lone_surrogate_key_fails_alone(svc: Service) -> None:
    """The slot's error is answered (no 500) and the slots beside it are scored."""
    a, bad, c = plain(), plain(), plain()
    slots = svc.batch({"waybills": [a, Pairs([*bad.items(), ("\ud800x", 1)]), c]})
    assert "error" in slots[1]
    assert all(e["loc"][:3] == ["body", "waybills", 1] for e in slots[1]["error"]["detail"])
    assert [slots[0]["waybill_no"], slots[2]["waybill_no"]] == [a["waybill_no"], c["waybill_no"]]
    assert svc.kept_nothing_of(bad)


@pytest.mark.parametrize("mark", ["\u0000", "\u0001", "\u001f"], ids=["nul", "soh", "unit-separator"])
def test_a_control_character_inside_a_prohibited_term_does_not_hide_it(svc: Service, mark: str) -> None:
    """冰<NUL>毒 is still 冰毒 (methamphetamine): rejected for PROHIBITED_ITEM or refused, never released."""
    wb = plain(items=[item(description=f"冰{mark}毒 crystal", category=None)])
    r = svc.send(wb)
    if r.status_code == 422:
        assert locs(r.json()) == [["body", "items", 0, "description"]]
        assert svc.kept_nothing_of(wb)
    else:
        assert r.status_code == 200, r.text[:300]
        assert r.json()["decision"] == "reject"
        assert reason_of(r.json(), "PROHIBITED_ITEM")["outcome"] == "reject"


@pytest.fixture(params=["sqlite", "postgres"])
def case_store(request: pytest.FixtureRequest, svc: Service, tmp_path: Path) -> Iterator[Service]:
    """The module's app (SQLite cases), then an app of its own on a PostgreSQL database."""
    if request.param == "sqlite":
        yield svc
        return
    url = request.getfixturevalue("make_postgres_database")()
    with started(Settings(env="development", data_dir=tmp_path / "data", database_url=url)) as s:
        yield s


def test_a_held_parcel_with_nul_bytes_in_its_text_keeps_its_case_and_its_log_line(
    case_store: Service,
) -> None:
    """NUL in the courier id, the sender's name and the description: the hold answered is the hold kept.

    PostgreSQL's text and jsonb hold no NUL: a case row written as the body came would fail there.
    """
    where = outlet()
    wb = held(outlet_id=where, courier_id="C-\u00001")
    wb["sender"]["name"] = "张\u0000伟"
    wb["items"][0]["description"] = "纯棉T恤\u0000 cotton T-shirt"
    d = case_store.score(wb)
    assert d["decision"] == "hold" and d["case_id"]
    assert case_store.read_back(wb).json() == {**d, "case_status": "open"}
    assert [c["case_id"] for c in case_store.queue(where)] == [d["case_id"]]
    assert case_store.case(d["case_id"])["status"] == "open"
    assert wb["waybill_no"] in case_store.logged()


# Bodies that are not one waybill -------------------------------------------------------------------------


def test_a_list_holding_one_waybill_is_a_422_that_scores_it_not(svc: Service) -> None:
    """/v1/score takes an object: [waybill] is refused at the body."""
    wb = held()
    assert_body_refused(svc.send([wb]), 422)
    assert svc.kept_nothing_of(wb)


def test_two_waybills_written_one_after_the_other_are_refused_and_neither_is_scored(svc: Service) -> None:
    """'{...}{...}' is not one JSON text: a 422 at the body, neither parcel scored."""
    a, b = plain(), held()
    assert_body_refused(svc.send(encode(a) + encode(b)), 422)
    assert svc.kept_nothing_of(a, b)


def test_a_trailing_comma_is_a_422_at_the_body(svc: Service) -> None:
    """JSON has no trailing commas: a json_invalid 422, nothing scored."""
    wb = plain()
    r = svc.send(encode(wb)[:-1] + ", }")
    assert_body_refused(r, 422)
    assert r.json()["detail"][0]["type"] == "json_invalid"
    assert svc.kept_nothing_of(wb)


@pytest.mark.parametrize("body", [b"true", b'"waybills"', b"1000"], ids=["boolean", "string", "number"])
def test_a_scalar_batch_body_is_a_422(svc: Service, body: bytes) -> None:
    """Contract: 'A body that is not a batch at all is a 422'."""
    assert_body_refused(svc.send(body, "/v1/score/batch"), 422)


# Content-Type and Content-Encoding -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/score", "/v1/score/batch"])
def test_a_body_without_a_content_type_is_refused_and_scores_nothing(svc: Service, path: str) -> None:
    """No Content-Type: a 4xx (415 or 422 at the body), the waybill not scored, no case opened."""
    where = outlet()
    wb = held(outlet_id=where)
    body = json.dumps(wb if path == "/v1/score" else {"waybills": [wb]}).encode()
    assert_body_refused(svc.send(body, path, {}), 415, 422)
    assert svc.kept_nothing_of(wb)
    assert svc.queue(where) == []


def test_a_refusal_for_a_missing_content_type_says_the_content_type_is_the_problem(svc: Service) -> None:
    """415, or a 422 whose message names the content type: the courier's system can tell what to fix."""
    r = svc.send(json.dumps(plain()).encode(), "/v1/score", {})
    messages = " ".join(e["msg"] for e in r.json()["detail"]) if r.status_code == 422 else ""
    assert r.status_code == 415 or "content-type" in messages.lower() or "content type" in messages.lower()


@pytest.mark.parametrize(
    "content_type",
    ['application/json; charset="utf-8"', "application/json;charset=UTF-8", "application/vnd.courier+json"],
    ids=["quoted-charset", "upper-charset", "plus-json"],
)
def test_json_with_a_utf8_charset_or_a_json_suffix_is_scored(svc: Service, content_type: str) -> None:
    """The parameter's spelling and a +json type do not change the body: scored and read back."""
    wb = plain()
    r = svc.send(json.dumps(wb, ensure_ascii=False).encode(), "/v1/score", {"content-type": content_type})
    assert r.status_code == 200, r.text[:300]
    assert svc.read_back(wb).json() == r.json()


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress)],
    ids=["gzip", "deflate"],
)
def test_a_compressed_body_is_scored_as_the_plain_one_or_refused_whole(
    svc: Service, coding: str, compress: Callable[[bytes], bytes]
) -> None:
    """Decoding is optional: if the service decodes, it answers as for the plain body; if not, a 4xx."""
    wb = held()
    r = svc.send(compress(json.dumps(wb).encode()), "/v1/score", {**JSON, "content-encoding": coding})
    if r.status_code == 200:
        assert r.json()["decision"] == "hold" and svc.read_back(wb).json()["case_id"] == r.json()["case_id"]
    else:
        assert_body_refused(r, 415, 422)
        assert svc.kept_nothing_of(wb)


def test_a_compressed_body_that_inflates_past_the_limit_is_never_scored(svc: Service) -> None:
    """10 KB of gzip inflating to 10 MB of JSON: refused (413 if inflated, else a 4xx naming the body)."""
    wb = plain()
    inflated = json.dumps(wb).encode()[:-1] + b" " * 10_000_000 + b"}"
    r = svc.send(gzip.compress(inflated), "/v1/score", {**JSON, "content-encoding": "gzip"})
    assert_body_refused(r, 413, 415, 422)
    assert svc.kept_nothing_of(wb)


# The body limit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 413)], ids=["at-the-limit", "one-byte-over"])
def test_a_body_of_exactly_the_limit_is_scored_and_one_byte_more_is_a_413(
    svc: Service, extra: int, status: int
) -> None:
    """SCREENING_MAX_BODY_BYTES: a waybill padded with spaces to the limit scores; a byte more is refused."""
    limit = svc.app.state.settings.max_body_bytes
    wb = held()
    text = encode(wb).encode()
    body = text[:-1] + b" " * (limit - len(text) + extra) + b"}"
    assert len(body) == limit + extra
    r = svc.send(body)
    assert r.status_code == status, r.text[:300]
    if status == 413:
        assert r.json()["detail"]
        assert svc.kept_nothing_of(wb)
    else:
        assert r.json()["decision"] == "hold"


def test_a_streamed_body_over_the_limit_without_a_length_is_a_413(svc: Service) -> None:
    """Chunked, with no Content-Length to refuse up front: counted as it comes, refused, nothing scored."""
    limit = svc.app.state.settings.max_body_bytes
    where = outlet()
    wb = held(outlet_id=where)
    text = encode(wb).encode()

    def chunks() -> Iterator[bytes]:
        yield text[:-1]
        for _ in range(limit // 100_000 + 1):
            yield b" " * 100_000
        yield b"}"

    r = svc.http.post("/v1/score", content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert svc.kept_nothing_of(wb)
    assert svc.queue(where) == []


# Unknown fields ------------------------------------------------------------------------------------------


def test_unknown_fields_at_every_depth_are_named_together(svc: Service) -> None:
    """An invented key on the waybill, an item line, an address and the pickup checks: four locs."""
    wb = merge(
        plain(),
        {
            "priority": "high",
            "items": [{**item(), "colour": "red"}],
            "receiver": {"address": {"floor": 12}},
            "pickup_checks": {"weighed": True},
        },
    )
    assert_422_at(
        svc.send(wb),
        ["body", "priority"],
        ["body", "items", 0, "colour"],
        ["body", "receiver", "address", "floor"],
        ["body", "pickup_checks", "weighed"],
    )
    assert svc.kept_nothing_of(wb)


# Batches -------------------------------------------------------------------------------------------------


def test_a_bad_eighth_slot_names_its_index_and_every_field_and_the_ring_does_not_count_it(
    svc: Service,
) -> None:
    """Slot 7 of ten ring parcels: NaN weight, a phone as a number, a lone surrogate and an unknown key.

    Contract: the invalid waybill fails alone; the rest are scored in request order without it, so
    ANT_MOVING_SENDER counts 8 parcels at slot 8 and 9 at slot 9, never the refused one.
    """
    parcels = ring(10)
    bad = parcels[7]
    broken = {
        **bad,
        "weight_kg": Raw("NaN"),
        "sender": {**bad["sender"], "phone": 13712345678},
        "items": [{**bad["items"][0], "description": "面霜 \ud800"}],
        "memo": "urgent",
    }
    slots = svc.batch({"waybills": [*parcels[:7], broken, *parcels[8:]]})
    assert set(slots[7]) == {"error"}
    assert sorted(locs(slots[7]["error"]), key=str) == sorted(
        [
            ["body", "waybills", 7, "weight_kg"],
            ["body", "waybills", 7, "sender", "phone"],
            ["body", "waybills", 7, "items", 0, "description"],
            ["body", "waybills", 7, "memo"],
        ],
        key=str,
    )
    scored = [s for i, s in enumerate(slots) if i != 7]
    assert [s["waybill_no"] for s in scored] == [p["waybill_no"] for i, p in enumerate(parcels) if i != 7]
    assert "ANT_MOVING_SENDER" not in codes(slots[4])
    ring_at = {i: reason_of(slots[i], "ANT_MOVING_SENDER")["evidence"] for i in (8, 9)}
    assert (ring_at[8]["parcels"], ring_at[9]["parcels"]) == (8, 9)
    assert bad["waybill_no"] not in ring_at[9]["linked_waybills"]
    assert svc.kept_nothing_of(bad)


def test_a_bad_copy_after_a_good_one_in_a_batch_changes_neither_its_decision_nor_its_count(
    svc: Service,
) -> None:
    """The fifth ring parcel, then it again with a NaN weight: the fifth's answer stands, counted once."""
    parcels = ring(6)
    broken = {**parcels[4], "weight_kg": Raw("NaN")}
    slots = svc.batch({"waybills": [*parcels[:5], broken, parcels[5]]})
    assert locs(slots[5]["error"]) == [["body", "waybills", 5, "weight_kg"]]
    assert svc.read_back(parcels[4]).json() == {**slots[4], "case_status": None}
    assert reason_of(slots[6], "ANT_MOVING_SENDER")["evidence"]["parcels"] == 6


# Refusals of every JSON kind, then the same sender's real parcels ----------------------------------------


def _nan_weight(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return encode({**wb, "weight_kg": Raw("NaN")}).encode(), JSON


def _infinite_value(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return encode({**wb, "declared_value": Raw("Infinity")}).encode(), JSON


def _surrogate(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return encode({**wb, "items": [{**wb["items"][0], "description": "面霜\ud800"}]}).encode(), JSON


def _phone_number(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return encode({**wb, "sender": {**wb["sender"], "phone": int(wb["sender"]["phone"])}}).encode(), JSON


def _no_content_type(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return encode(wb).encode(), {}


def _gzipped(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return gzip.compress(encode(wb).encode()), {**JSON, "content-encoding": "gzip"}


def _concatenated(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return (encode(wb) + encode(wb)).encode(), JSON


def _in_a_list(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return encode([wb]).encode(), JSON


def _unknown_key(wb: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return encode({**wb, "signature": "x"}).encode(), JSON


REFUSALS = [
    _nan_weight,
    _infinite_value,
    _surrogate,
    _phone_number,
    _no_content_type,
    _gzipped,
    _concatenated,
    _in_a_list,
    _unknown_key,
]


def test_refused_parcels_of_every_json_kind_leave_no_trace_in_the_senders_history(svc: Service) -> None:
    """Nine refused parcels of a ring sender, then six real ones: the sixth counts six, not fifteen."""
    parcels = ring(len(REFUSALS) + 6)
    refused, real = parcels[: len(REFUSALS)], parcels[len(REFUSALS) :]
    for how, wb in zip(REFUSALS, refused, strict=True):
        body, headers = how(wb)
        r = svc.send(body, "/v1/score", headers)
        assert 400 <= r.status_code < 500, (how.__name__, r.status_code, r.text[:300])
    assert svc.kept_nothing_of(*refused)
    decided = [svc.score(wb) for wb in real]
    assert "ANT_MOVING_SENDER" not in codes(decided[4])
    ev = reason_of(decided[5], "ANT_MOVING_SENDER")["evidence"]
    assert ev["parcels"] == 6
    assert not {wb["waybill_no"] for wb in refused} & set(ev["linked_waybills"])


# The admins' and officers' JSON routes -------------------------------------------------------------------


def test_a_list_entry_with_a_lone_surrogate_refuses_the_whole_list(svc: Service) -> None:
    """A good phone entry beside an account of no text: a 422 at [1, value]; the phone is not listed."""
    who = sender()
    good = {"list": "watch", "kind": "phone", "value": who["phone"]}
    bad = {"list": "watch", "kind": "account", "value": "acct-\ud800"}
    r = svc.send([good, bad], "/v1/admin/lists", {**JSON, **svc.admin}, "PUT")
    assert_422_at(r, ["body", 1, "value"])
    assert "WATCHLIST_HIT" not in codes(svc.score(plain(sender=who)))
    assert svc.send([good], "/v1/admin/lists", {**JSON, **svc.admin}, "PUT").status_code == 200
    assert "WATCHLIST_HIT" in codes(svc.score(plain(sender=who)))


def test_a_single_list_entry_not_in_a_list_is_a_422_and_lists_nobody(svc: Service) -> None:
    """PUT /v1/admin/lists takes a list: one bare object is refused at the body."""
    who = sender()
    entry = {"list": "black", "kind": "phone", "value": who["phone"]}
    assert_body_refused(svc.send(entry, "/v1/admin/lists", {**JSON, **svc.admin}, "PUT"), 422)
    assert "WATCHLIST_HIT" not in codes(svc.score(plain(sender=who)))


def test_a_violation_at_a_nan_time_refuses_the_good_one_beside_it(svc: Service) -> None:
    """Two violations of one phone, the second at NaN: a 422 at [1, at], and no prior violation counted."""
    who = sender()
    at = (BASE_TIME - timedelta(days=2)).isoformat()
    good = {"kind": "phone", "value": who["phone"], "at": at, "parcel": f"SF:SF{1700000000000 + n()}"}
    bad = {**good, "at": Raw("NaN"), "parcel": f"SF:SF{1700000000000 + n()}"}
    r = svc.send([good, bad], "/v1/admin/violations", {**JSON, **svc.admin})
    assert_422_at(r, ["body", 1, "at"])
    assert "PRIOR_VIOLATIONS" not in codes(svc.score(plain(sender=who)))
    assert svc.send([good], "/v1/admin/violations", {**JSON, **svc.admin}).status_code == 200
    assert "PRIOR_VIOLATIONS" in codes(svc.score(plain(sender=who, hours_after=1)))


def test_an_agreement_named_with_a_lone_surrogate_refuses_the_good_one_beside_it(svc: Service) -> None:
    """A 422 at [1, name]; the registry does not hold the good agreement sent with it."""
    k = n()
    good = {"contract_id": f"JSON-{k}", "name": "好店", "carrier": "SF"}
    bad = {"contract_id": f"JSON-{k}-B", "name": "坏\udc00店", "carrier": "SF"}
    r = svc.send([good, bad], "/v1/admin/agreements", {**JSON, **svc.admin}, "PUT")
    assert_422_at(r, ["body", 1, "name"])
    listed = svc.http.get("/v1/admin/agreements", headers=svc.admin).json()
    assert good["contract_id"] not in {a["contract_id"] for a in listed}


def test_a_deeply_nested_admin_body_is_a_clean_4xx(svc: Service) -> None:
    """50,000 nested lists on an admin route: refused as bad input, not a 500."""
    r = svc.http.put("/v1/admin/lists", content=b"[" * 50_000 + b"]" * 50_000, headers={**JSON, **svc.admin})
    assert_body_refused(r, 422)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"action": "seize", "violation_type": "counterfeit\ud800"}, "violation_type"),
        ({"action": "release", "note": Raw("NaN")}, "note"),
        ({"action": "release", "note": 42}, "note"),
    ],
    ids=["surrogate-violation-type", "nan-note", "number-note"],
)
def test_a_case_action_with_odd_json_is_a_422_and_the_case_stays_as_it_was(
    svc: Service, body: dict[str, Any], loc: str
) -> None:
    """A 422 at the field; the case still open with the trail it had (no seizure, no release)."""
    d = svc.score(held(outlet_id=outlet()))
    before = svc.case(d["case_id"])
    r = svc.send(body, f"/v1/cases/{d['case_id']}/actions", {**JSON, **svc.customs})
    assert_422_at(r, ["body", loc])
    after = svc.case(d["case_id"])
    assert (after["status"], after["history"]) == ("open", before["history"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("note", "seized\ud800"), ("violation_type", Raw("Infinity"))],
    ids=["surrogate-note", "infinite-violation-type"],
)
def test_an_inspection_report_with_odd_json_is_a_422_and_flags_nobody(
    svc: Service, field: str, value: Any
) -> None:
    """A violation report refused at the field: the sender's next parcel has no prior violation."""
    who = sender()
    wb = plain(sender=who)
    svc.score(wb)
    report = {
        "carrier": "SF",
        "waybill_no": wb["waybill_no"],
        "result": "violation",
        "inspected_at": (BASE_TIME + timedelta(hours=1)).isoformat(),
        field: value,
    }
    r = svc.send(report, "/v1/inspections", {**JSON, **svc.customs})
    assert_422_at(r, ["body", field])
    assert "PRIOR_VIOLATIONS" not in codes(svc.score(plain(sender=who, hours_after=2)))
