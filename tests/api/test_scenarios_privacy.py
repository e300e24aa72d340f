"""Scenarios of personal data and observability over HTTP, from the shared sources and the README.

Written from ../shared/domain/RULES.md ("Personal information": an identity number has three forms and no
fourth: an HMAC for matching, a masked form for display, an encrypted copy in case rows for audited
unmasking; never plain in stores, logs, the decision log, exports or backups), ../shared/ARCHITECTURE.md,
../shared/contract/README.md (a well-formed false ID is a reject with ID_INVALID; bad input is a 422 naming
each field and changing nothing) and the README ("Personal data", "Security model", the /metrics and
X-Request-ID lines). One service scores waybills carrying IDs of every document type (resident, temporary,
passport, Hong Kong/Macau permit, USCC, military with Chinese characters), false ones, 422 bodies, held
parcels and corrected bodies; then every byte it wrote under its data directory and every log record it
made is searched for each plain number, its lower-case form and its middle characters (the part the mask
hides). A second service with its SQL database unreachable does the same for the case outbox. /metrics
is read for the series the README names, and responses and log records for their request id.
"""

import contextlib
import json
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pythonjsonlogger.json import JsonFormatter
from stdnum.cn import uscc

from api.app import create_app
from screening.people import passwords
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.conftest import ScoringClient
from tests.factories import (
    BASE_TIME,
    cn_receiver,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    resident_id_with_x,
    waybill,
    wrong_check_digit,
)
from tests.services_redis import free_port

# Numbers -------------------------------------------------------------------------------------------------


def valid_uscc(base: str) -> str:
    """A unified social credit code with a correct check character."""
    return base + uscc.calc_check_digit(base)


def false_uscc(base: str) -> str:
    """The same code with a wrong check character."""
    good = valid_uscc(base)
    return good[:17] + ("0" if good[17] != "0" else "1")


RESIDENT_X = resident_id_with_x(region="370202", birth="19810423")
TEMPORARY = resident_id(region="320102", birth="19880815", seq="613")
PASSPORT = "EJ7QK39M2"
HK_PERMIT = resident_id(region="810000", birth="19770913", seq="528")
MILITARY = "军字第4K7Q2918号"
USCC = valid_uscc("91310115MA1K4G7XQ")
FALSE_RESIDENT = wrong_check_digit(resident_id(region="350102", birth="19830527", seq="468"))
FALSE_USCC = false_uscc("91440300MA5D8Y2KP")
FALSE_HK_PERMIT = wrong_check_digit(resident_id(region="820000", birth="19690402", seq="317"))
BUYER = resident_id(region="440106", birth="19910318", seq="735")
IN_A_422 = resident_id(region="210202", birth="19670708", seq="146")
SHORT_IN_A_422 = resident_id(region="230103", birth="19720616", seq="259")[:17]
IN_A_BAD_SLOT = "EP3ZT58W1"
CORRECTED_FROM = resident_id(region="130102", birth="19750219", seq="382")
CORRECTED_TO = "EC9VW27K4"
RELEASED_BY_CORRECTION = resident_id(region="410105", birth="19640925", seq="571")
LISTED_BY_CSV = "EW4QX81T6"
VIOLATOR = "南字第8R5T3064号"

NUMBERS: dict[str, str] = {
    "resident-x": RESIDENT_X,
    "temporary": TEMPORARY,
    "passport": PASSPORT,
    "hk-permit": HK_PERMIT,
    "military": MILITARY,
    "uscc": USCC,
    "false-resident": FALSE_RESIDENT,
    "false-uscc": FALSE_USCC,
    "false-hk-permit": FALSE_HK_PERMIT,
    "buyer": BUYER,
    "in-a-422": IN_A_422,
    "short-in-a-422": SHORT_IN_A_422,
    "in-a-bad-slot": IN_A_BAD_SLOT,
    "corrected-from": CORRECTED_FROM,
    "corrected-to": CORRECTED_TO,
    "released-by-correction": RELEASED_BY_CORRECTION,
    "listed-by-csv": LISTED_BY_CSV,
    "violator": VIOLATOR,
}
PHONES = ["13800138000", "+8613800138000", "13912345678", "13655501234", "+85291234567"]


def middle(number: str) -> str:
    """What the mask hides: the birth date of an 18-character number, the inner part of a shorter one."""
    if len(number) >= 17:
        return number[6:14]
    keep = max(1, len(number) // 4)
    return number[keep : len(number) - keep]


def masked(number: str) -> str:
    """The display form of an 18-character number, as RULES.md shows it (110105********002X)."""
    return number[:6] + "*" * 8 + number[-4:]


def needles_of(number: str) -> list[str]:
    """The plain number, lower-case, its middle, and their JSON-escaped forms (Chinese as \\uXXXX)."""
    forms = {number, number.lower(), middle(number), middle(number).lower()}
    escaped = {json.dumps(f)[1:-1] for f in forms}
    return sorted(forms | escaped)


def found(text: str, numbers: dict[str, str] = NUMBERS) -> dict[str, list[str]]:
    """Which numbers (by label) a text holds in any of their forms."""
    hits = {label: [n for n in needles_of(number) if n in text] for label, number in numbers.items()}
    return {label: h for label, h in hits.items() if h}


# Waybills ------------------------------------------------------------------------------------------------


def cbec_over_single_limit(buyer: dict[str, Any]) -> dict[str, Any]:
    """A cross-border e-commerce import of a 6,000 CNY watch (single limit 5,000): held."""
    return waybill(
        service="import",
        channel="cbec",
        sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        receiver=buyer,
        items=[item(description="手表 watch", category="general", quantity=1, unit_value=6000.0)],
        weight_kg=1.0,
    )


def the_policy() -> Policy:
    """The shipped policy with random audit off (as tests/conftest.py's policy fixture)."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


# Capturing logs ------------------------------------------------------------------------------------------


class Captured(logging.Handler):
    """Every log record, in the service's JSON form and as its raw attributes (args included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"}
            )
        )
        self.records: list[logging.LogRecord] = []
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record, its JSON line and its attributes."""
        self.records.append(record)
        self.texts.append(self.format(record) + repr(record.__dict__))


@dataclass
class Logs:
    """Log capture on the service's loggers (which do not propagate) and the root logger."""

    handler: Captured = field(default_factory=Captured)
    names: tuple[str, ...] = ("screening", "uvicorn", "uvicorn.error", "")

    def attach(self) -> None:
        """Start capturing (after create_app, which replaces the service loggers' handlers)."""
        for name in self.names:
            logging.getLogger(name).addHandler(self.handler)
        logging.getLogger().setLevel(logging.DEBUG)

    def detach(self, root_level: int) -> None:
        """Stop capturing and restore the root level."""
        for name in self.names:
            logging.getLogger(name).removeHandler(self.handler)
        logging.getLogger().setLevel(root_level)


# Metrics -------------------------------------------------------------------------------------------------

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_samples(text: str) -> Samples:
    """Every sample of a Prometheus text page by (name, labels)."""
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def families(text: str) -> dict[str, str]:
    """Metric family name → type."""
    return {f.name: f.type for f in text_string_to_metric_families(text)}


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value, 0 when absent."""
    return samples.get((name, frozenset(labels.items())), 0.0)


# The scenario --------------------------------------------------------------------------------------------


@dataclass
class Scene:
    """What one service run wrote, logged and answered."""

    data: Path
    journal: str = ""
    logs: list[str] = field(default_factory=list)
    records: list[logging.LogRecord] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    unmasked: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused_unmask: int = 0
    metrics_before: str = ""
    metrics_after: str = ""
    metrics_content_type: str = ""


HELD = ("resident-x", "passport", "hk-permit", "military", "buyer", "corrected-to")


def score(scene: Scene, http: TestClient, label: str, wb: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/score, keep the answer under a label."""
    r = http.post("/v1/score", json=wb)
    scene.answers[f"score:{label}"] = r.text
    scene.statuses[label] = r.status_code
    body: dict[str, Any] = r.json()
    if r.status_code == 200:
        scene.decisions[label] = body
    return body


def run_scene(data: Path) -> Scene:
    """Score every kind of ID, list and record some, work cases, unmask, trace; the service stops."""
    scene = Scene(data=data)
    logs = Logs()
    root_level = logging.getLogger().level
    app = create_app(Settings(env="development", data_dir=data, log_level="DEBUG"))
    logs.attach()
    try:
        with TestClient(app) as http:
            app.state.engine.policy = the_policy()
            admin = bearer(make_key(app, "admin", "ops"))
            client = CaseClient(http, app)

            # The three decisions /metrics is read around: a hold, a reject, a release.
            scene.metrics_before = http.get("/metrics").text
            score(scene, http, "resident-x", over_limit(sender=party(id_number=RESIDENT_X.lower())))
            score(scene, http, "false-resident", waybill(sender=party(id_number=FALSE_RESIDENT)))
            score(
                scene, http, "temporary", waybill(sender=party(id_type="temporary_id", id_number=TEMPORARY))
            )
            scene.metrics_after = http.get("/metrics").text

            passport = party(id_type="passport", id_number=PASSPORT.lower(), phone="13655501234")
            score(scene, http, "passport", over_limit(sender=passport))
            score(
                scene,
                http,
                "hk-permit",
                over_limit(sender=party(id_type="hk_macau_permit", id_number=HK_PERMIT)),
            )
            score(
                scene, http, "military", over_limit(sender=party(id_type="military_id", id_number=MILITARY))
            )
            org = {"name": "上海某某贸易有限公司", "id_type": "uscc", "id_verified": True}
            score(scene, http, "uscc", waybill(sender=party(**org, id_number=USCC)))
            score(scene, http, "false-uscc", waybill(sender=party(**org, id_number=FALSE_USCC)))
            false_permit = party(id_type="hk_macau_permit", id_number=FALSE_HK_PERMIT)
            score(scene, http, "false-hk-permit", waybill(sender=false_permit))
            buyer = cn_receiver(id_type="resident_id", id_number=BUYER, id_verified=True)
            score(scene, http, "buyer", cbec_over_single_limit(buyer))

            # Bad input: a valid number beside a bad field, a number of the wrong length, a bad batch slot.
            bad = waybill(sender=party(id_number=IN_A_422, phone="1"), weight_kg=0)
            scene.answers["422:valid-id"] = http.post("/v1/score", json=bad).text
            short = waybill(sender=party(id_type="temporary_id", id_number=SHORT_IN_A_422))
            scene.answers["422:short-id"] = http.post("/v1/score", json=short).text
            slot = waybill(sender=party(id_type="passport", id_number=IN_A_BAD_SLOT), weight_kg=-1)
            scene.answers["batch"] = http.post("/v1/score/batch", json={"waybills": [waybill(), slot]}).text

            # Corrections: another sender's ID on a held parcel (still held); a hold corrected under limit.
            first = over_limit(sender=party(id_number=CORRECTED_FROM))
            score(scene, http, "corrected-from", first)
            score(
                scene,
                http,
                "corrected-to",
                {**first, "sender": party(id_type="passport", id_number=CORRECTED_TO)},
            )
            again = over_limit(sender=party(id_number=RELEASED_BY_CORRECTION))
            score(scene, http, "released-by-correction:held", again)
            score(
                scene, http, "released-by-correction", {**again, "items": [item()], "declared_value": 120.0}
            )

            # A watch list loaded from CSV, a violation recorded by the admin API; then parcels that hit them.
            header = "list,kind,value,id_type,country,province,city,district,detail"
            csv = f"{header}\nwatch,id,{LISTED_BY_CSV},passport,,,,,\n"
            r = http.post(
                "/v1/admin/lists/csv", content=csv.encode(), headers={**admin, "content-type": "text/csv"}
            )
            scene.answers["lists-csv"] = r.text
            scene.statuses["lists-csv"] = r.status_code
            violation = {
                "kind": "id",
                "value": VIOLATOR,
                "id_type": "military_id",
                "parcel": "SF:SF0000000001",
                "at": BASE_TIME.isoformat(),
            }
            r = http.post("/v1/admin/violations", json=[violation], headers=admin)
            scene.answers["violations"] = r.text
            scene.statuses["violations"] = r.status_code
            listed = party(id_type="passport", id_number=LISTED_BY_CSV, phone="13655501234")
            score(scene, http, "listed-by-csv", waybill(hours_after=1, sender=listed))
            score(
                scene,
                http,
                "violator",
                waybill(hours_after=1, sender=party(id_type="military_id", id_number=VIOLATOR)),
            )
            for label, d in list(scene.decisions.items()):
                wb_no = d["waybill_no"]
                scene.answers[f"read-back:{label}"] = http.get(f"/v1/decisions/SF/{wb_no}").text

            # People: an officer seizes one case and may not unmask; a supervisor unmasks every held case.
            passwords_hasher = passwords.HASHER
            passwords.HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
            try:
                client.add_user("li", "supervisor")
                client.add_user("zhou", "investigator")
                client.as_new("wang", "officer")
            finally:
                passwords.HASHER = passwords_hasher
            scene.refused_unmask = http.post(
                f"/v1/cases/{scene.decisions['passport']['case_id']}/unmask"
            ).status_code
            seize = {"action": "seize", "violation_type": "undeclared goods"}
            r = http.post(f"/v1/cases/{scene.decisions['military']['case_id']}/actions", json=seize)
            scene.statuses["seize"] = r.status_code
            case_ids = {label: scene.decisions[label]["case_id"] for label in HELD}
            case_ids["released-by-correction"] = scene.decisions["released-by-correction:held"]["case_id"]
            for label, case_id in case_ids.items():
                r = http.get(f"/v1/cases/{case_id}")
                scene.answers[f"case:{label}"] = r.text
                scene.cases[label] = r.json()
                page = http.get(f"/cases/{case_id}")
                scene.answers[f"page:{label}"] = page.text
                scene.pages[label] = page.text
            scene.answers["queue"] = http.get("/v1/cases", params={"per_page": 50}).text
            assert client.login("li").status_code == 200
            for label, case_id in case_ids.items():
                r = http.post(f"/v1/cases/{case_id}/unmask")
                scene.unmasked[label] = {"status": r.status_code, **r.json()}
            for label, case_id in case_ids.items():
                scene.cases[f"after-unmask:{label}"] = http.get(f"/v1/cases/{case_id}").json()

            # An investigator's trace of a passport, and its export.
            assert client.login("zhou").status_code == 200
            query = {"from": "2026-11-10", "to": "2026-11-12", "id_type": "passport", "id_number": PASSPORT}
            r = http.post("/v1/audit/trace", json=query)
            scene.answers["trace"] = r.text
            scene.statuses["trace"] = r.status_code
            r = http.post("/v1/audit/trace/export", json=query)
            scene.answers["trace-export"] = r.text
            scene.statuses["trace-export"] = r.status_code

            final = http.get("/metrics")
            scene.answers["metrics"] = final.text
            scene.metrics_content_type = final.headers["content-type"]
            app.state.engine.log.journal.flush()
            journal = data / "decisionlog" / "journal"
            scene.journal = "".join(p.read_text("utf-8", "replace") for p in sorted(journal.glob("*.jsonl")))
    finally:
        logs.detach(root_level)
    scene.records = logs.handler.records
    scene.logs = logs.handler.texts
    return scene


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    """One service run over the whole scenario: a courier, an admin, officers and an investigator."""
    return run_scene(tmp_path_factory.mktemp("privacy") / "data")


def every_file(data: Path) -> list[Path]:
    """Every file the service left under its data dir."""
    return sorted(p for p in data.rglob("*") if p.is_file())


# The scenario did what it should -------------------------------------------------------------------------


def test_the_scenario_decided_what_the_sources_say(scene: Scene) -> None:
    d = scene.decisions
    for label in HELD:
        assert d[label]["decision"] == "hold" and d[label]["case_id"], (label, d[label])
    for label in ("false-resident", "false-uscc", "false-hk-permit"):
        assert d[label]["decision"] == "reject", label
        assert "ID_INVALID" in {r["code"] for r in d[label]["reasons"]}, label
    assert d["temporary"]["decision"] == "release"
    corrected = d["released-by-correction"]
    assert corrected["decision"] not in {"hold", "reject"} and corrected["case_id"] is None
    assert "ID_INVALID" not in {r["code"] for r in d["uscc"]["reasons"]}
    assert "WATCHLIST_HIT" in {r["code"] for r in d["listed-by-csv"]["reasons"]}
    assert "PRIOR_VIOLATIONS" in {r["code"] for r in d["violator"]["reasons"]}
    assert (scene.statuses["lists-csv"], scene.statuses["violations"], scene.statuses["seize"]) == (
        200,
        200,
        200,
    )
    assert (scene.statuses["trace"], scene.statuses["trace-export"]) == (200, 200)
    assert all(u["status"] == 200 for u in scene.unmasked.values()), scene.unmasked


def test_the_data_dir_holds_the_stores_the_search_relies_on(scene: Scene) -> None:
    names = {p.relative_to(scene.data).as_posix() for p in every_file(scene.data)}
    assert "screening.db" in names and "ledger.jsonl" in names
    assert any(n.startswith("decisionlog/") and n.endswith(".parquet") for n in names), names
    assert scene.journal, "the journal was empty before the stop: the journal check would prove nothing"
    assert scene.records, "nothing was logged: the log check would prove nothing"


def test_the_search_finds_every_form_it_looks_for() -> None:
    assert found(f"x{PASSPORT.lower()}y") == {
        "passport": sorted([PASSPORT.lower(), middle(PASSPORT).lower()])
    }
    assert "military" in found(json.dumps({"n": MILITARY}))  # escaped Chinese
    assert found(f"..{RESIDENT_X[6:14]}..") == {"resident-x": [RESIDENT_X[6:14]]}
    assert found(masked(RESIDENT_X) + masked(USCC)) == {}


# Every byte at rest ---------------------------------------------------------------------------------------


def test_no_file_under_the_data_dir_holds_a_number_in_any_form(scene: Scene) -> None:
    leaks = {}
    for path in every_file(scene.data):
        if hit := found(path.read_bytes().decode("utf-8", "replace")):
            leaks[path.relative_to(scene.data).as_posix()] = hit
    assert leaks == {}


def test_no_decision_log_parquet_row_holds_a_number_once_decompressed(scene: Scene) -> None:
    leaks = {}
    for path in every_file(scene.data):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            if hit := found(repr(frame.rows())):
                leaks[path.name] = hit
    assert leaks == {}


def test_the_decision_log_keeps_keys_and_masks_of_each_scored_number(scene: Scene) -> None:
    frame = pl.concat(
        [pl.read_parquet(p) for p in every_file(scene.data) if p.suffix == ".parquet"], how="diagonal_relaxed"
    )
    rows = {r["waybill_no"]: r for r in frame.iter_rows(named=True)}
    for label in ("resident-x", "hk-permit", "false-resident", "uscc"):
        row = rows[scene.decisions[label]["waybill_no"]]
        assert row["sender_id_masked"] == masked(NUMBERS[label]), label
        assert row["sender_id_key"] and not found(row["sender_id_key"]), label
    buyer = rows[scene.decisions["buyer"]["waybill_no"]]
    assert buyer["receiver_id_masked"] == masked(BUYER)


def test_no_journal_line_holds_a_number(scene: Scene) -> None:
    assert found(scene.journal) == {}


def test_no_case_database_row_holds_a_number_outside_the_encrypted_columns(scene: Scene) -> None:
    leaks: dict[str, dict[str, list[str]]] = {}
    with sqlite3.connect(scene.data / "screening.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert {"cases", "audit_log"} <= set(tables)
        for table in tables:
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if not c.endswith("_cipher")]
            rows = db.execute(f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in kept)} FROM "{table}"')
            text = []
            for row in rows:
                for cell in row:
                    text.append(repr(cell))
                    if isinstance(cell, str) and cell[:1] in "[{":
                        with contextlib.suppress(ValueError):
                            text.append(repr(json.loads(cell)))  # JSON cells with their Chinese unescaped
            if hit := found("".join(text)):
                leaks[table] = hit
    assert leaks == {}


def test_held_cases_keep_an_encrypted_copy_that_is_not_the_number(scene: Scene) -> None:
    with sqlite3.connect(scene.data / "screening.db") as db:
        rows = dict(
            db.execute("SELECT case_id, coalesce(sender_id_cipher, receiver_id_cipher) FROM cases").fetchall()
        )
    for label in HELD:
        cipher = rows[scene.decisions[label]["case_id"]]
        assert isinstance(cipher, str) and len(cipher) > 40, label
        assert found(cipher) == {}, label


# Every log record -----------------------------------------------------------------------------------------


def test_no_log_record_holds_a_number(scene: Scene) -> None:
    leaks = {n: hit for n, text in enumerate(scene.logs) if (hit := found(text))}
    assert leaks == {}


# What answers show ----------------------------------------------------------------------------------------


def test_no_answer_but_the_unmasking_holds_a_number(scene: Scene) -> None:
    leaks = {name: hit for name, text in scene.answers.items() if (hit := found(text))}
    assert leaks == {}


@pytest.mark.parametrize("label", ["resident-x", "hk-permit", "buyer"])
def test_a_case_shows_an_18_character_number_in_the_rules_masked_form(scene: Scene, label: str) -> None:
    case = scene.cases[label]
    side = "receiver" if label == "buyer" else "sender"
    assert case[f"{side}_id_masked"] == masked(NUMBERS[label])
    assert case["waybill"][side]["id_number"] == masked(NUMBERS[label])
    assert masked(NUMBERS[label]) in scene.pages[label]


@pytest.mark.parametrize("label", ["passport", "military", "corrected-to"])
def test_a_case_shows_a_shorter_number_masked_with_its_middle_hidden(scene: Scene, label: str) -> None:
    number = NUMBERS[label]
    shown = scene.cases[label]["sender_id_masked"]
    assert isinstance(shown, str) and "*" in shown and len(shown) == len(number)
    assert middle(number) not in shown and shown[:1] == number[:1] and shown[-1:] == number[-1:]
    assert scene.cases[label]["waybill"]["sender"]["id_number"] == shown
    assert shown in scene.pages[label]


def test_a_false_id_is_shown_in_its_reason_masked_only(scene: Scene) -> None:
    for label in ("false-resident", "false-hk-permit"):
        reason = next(r for r in scene.decisions[label]["reasons"] if r["code"] == "ID_INVALID")
        assert not found(json.dumps(reason, ensure_ascii=False)), label


def test_a_422_names_each_offending_field_and_echoes_no_number(scene: Scene) -> None:
    body = json.loads(scene.answers["422:valid-id"])
    assert sorted(tuple(e["loc"]) for e in body["detail"]) == [
        ("body", "sender", "phone"),
        ("body", "weight_kg"),
    ]
    short = json.loads(scene.answers["422:short-id"])
    assert [tuple(e["loc"]) for e in short["detail"]] == [("body", "sender", "id_number")]
    slots = json.loads(scene.answers["batch"])["decisions"]
    assert "decision" in slots[0] and [e["loc"] for e in slots[1]["error"]["detail"]] == [
        ["body", "waybills", 1, "weight_kg"]
    ]


def test_the_trace_and_its_export_show_the_passport_masked(scene: Scene) -> None:
    rows = json.loads(scene.answers["trace"])["rows"]
    assert {r["waybill_no"] for r in rows} >= {scene.decisions["passport"]["waybill_no"]}
    shown = scene.cases["passport"]["sender_id_masked"]
    assert shown in scene.answers["trace-export"] and PASSPORT not in scene.answers["trace-export"]


# Unmasking -------------------------------------------------------------------------------------------------


def test_an_officer_may_not_unmask(scene: Scene) -> None:
    assert scene.refused_unmask == 403


@pytest.mark.parametrize("label", ["passport", "military", "hk-permit", "resident-x"])
def test_a_supervisor_unmasks_each_document_type_to_its_number_and_it_is_audited(
    scene: Scene, label: str
) -> None:
    assert scene.unmasked[label]["sender_id_number"] == NUMBERS[label]
    before = [h["action"] for h in scene.cases[label]["history"]]
    after = scene.cases[f"after-unmask:{label}"]["history"]
    assert "unmask_id" not in before
    assert (after[-1]["action"], after[-1]["actor"]) == ("unmask_id", "li")
    assert not found(json.dumps(after, ensure_ascii=False))


def test_a_held_parcel_corrected_to_another_sender_shows_and_unmasks_the_new_number(scene: Scene) -> None:
    assert scene.decisions["corrected-to"]["case_id"] == scene.decisions["corrected-from"]["case_id"]
    case = scene.cases["corrected-to"]
    assert case["waybill"]["sender"]["id_type"] == "passport"
    assert scene.unmasked["corrected-to"]["sender_id_number"] == CORRECTED_TO


def test_a_hold_corrected_under_the_limit_keeps_its_case_and_its_encrypted_number(scene: Scene) -> None:
    case = scene.cases["released-by-correction"]
    assert case["status"] == "open"
    assert "rescored_not_held" in [h["action"] for h in case["history"]]
    assert scene.unmasked["released-by-correction"]["sender_id_number"] == RELEASED_BY_CORRECTION


# The case outbox, with SQL unreachable --------------------------------------------------------------------


@dataclass
class OutboxScene:
    """What a service with its SQL database unreachable answered, wrote and logged."""

    data: Path
    decisions: dict[str, dict[str, Any]]
    outbox: str
    logs: list[str]


OUTBOX_NUMBERS = {
    k: NUMBERS[k] for k in ("resident-x", "passport", "military", "buyer", "corrected-from", "corrected-to")
}


@pytest.fixture(scope="module")
def outbox_scene(tmp_path_factory: pytest.TempPathFactory) -> OutboxScene:
    """Holds answered while SQL is down: their cases wait in the outbox file."""
    data = tmp_path_factory.mktemp("outbox") / "data"
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nowhere"
    logs = Logs()
    root_level = logging.getLogger().level
    app = create_app(
        Settings(env="development", data_dir=data, database_url=url, sql_timeout_s=0.5, log_level="DEBUG")
    )
    logs.attach()
    decisions: dict[str, dict[str, Any]] = {}
    try:
        with TestClient(app) as http:
            app.state.engine.policy = the_policy()
            bodies = {
                "resident-x": over_limit(sender=party(id_number=RESIDENT_X.lower())),
                "passport": over_limit(sender=party(id_type="passport", id_number=PASSPORT.lower())),
                "military": over_limit(sender=party(id_type="military_id", id_number=MILITARY)),
                "buyer": cbec_over_single_limit(
                    cn_receiver(id_type="resident_id", id_number=BUYER, id_verified=True)
                ),
                "corrected-from": over_limit(sender=party(id_number=CORRECTED_FROM)),
            }
            bodies["corrected-to"] = {
                **bodies["corrected-from"],
                "sender": party(id_type="passport", id_number=CORRECTED_TO),
            }
            for label, wb in bodies.items():
                r = http.post("/v1/score", json=wb)
                assert r.status_code == 200, r.text
                decisions[label] = r.json()
            outbox = "".join(p.read_text("utf-8", "replace") for p in sorted(data.glob("*outbox*")))
    finally:
        logs.detach(root_level)
    return OutboxScene(data=data, decisions=decisions, outbox=outbox, logs=logs.handler.texts)


def test_holds_answered_while_sql_is_down_wait_in_the_outbox(outbox_scene: OutboxScene) -> None:
    assert all(d["decision"] == "hold" for d in outbox_scene.decisions.values()), outbox_scene.decisions
    for d in outbox_scene.decisions.values():
        assert d["case_id"] in outbox_scene.outbox


def test_no_outbox_draft_or_other_file_holds_a_number(outbox_scene: OutboxScene) -> None:
    assert found(outbox_scene.outbox, OUTBOX_NUMBERS) == {}
    leaks = {}
    for path in every_file(outbox_scene.data):
        if hit := found(path.read_bytes().decode("utf-8", "replace"), OUTBOX_NUMBERS):
            leaks[path.name] = hit
    assert leaks == {}


def test_no_log_record_of_the_outage_holds_a_number(outbox_scene: OutboxScene) -> None:
    assert outbox_scene.logs, "nothing was logged during the outage"
    assert {n: hit for n, text in enumerate(outbox_scene.logs) if (hit := found(text, OUTBOX_NUMBERS))} == {}


# /metrics --------------------------------------------------------------------------------------------------


def test_metrics_are_prometheus_text_with_the_promised_families(scene: Scene) -> None:
    assert scene.metrics_content_type.startswith("text/plain")
    types = families(scene.answers["metrics"])
    assert types["screening_http_request_seconds"] == "histogram"
    assert types["screening_decisions"] == "counter"
    assert types["screening_reasons"] == "counter"
    assert types["screening_model_score"] == "histogram"
    assert types["screening_store_seconds"] == "histogram"
    assert types["screening_decision_log_lag_seconds"] == "gauge"


def test_a_hold_a_reject_and_a_release_are_each_counted_once_by_outcome(scene: Scene) -> None:
    before, after = parse_samples(scene.metrics_before), parse_samples(scene.metrics_after)
    for outcome in ("hold", "reject", "release"):
        delta = value(after, "screening_decisions_total", decision=outcome) - value(
            before, "screening_decisions_total", decision=outcome
        )
        assert delta == 1, outcome
    assert value(after, "screening_decisions_total", decision="inspect") == value(
        before, "screening_decisions_total", decision="inspect"
    )


def test_the_reasons_of_those_decisions_are_counted_by_code(scene: Scene) -> None:
    before, after = parse_samples(scene.metrics_before), parse_samples(scene.metrics_after)
    for code in ("OVER_PERSONAL_LIMIT", "ID_INVALID"):
        delta = value(after, "screening_reasons_total", code=code) - value(
            before, "screening_reasons_total", code=code
        )
        assert delta == 1, code


def test_request_latency_is_a_histogram_per_route_template_never_per_parcel(scene: Scene) -> None:
    samples = parse_samples(scene.answers["metrics"])
    buckets = [dict(labels) for name, labels in samples if name == "screening_http_request_seconds_bucket"]
    routes = {b["route"] for b in buckets}
    assert {
        "/v1/score",
        "/v1/score/batch",
        "/v1/decisions/{carrier}/{waybill_no}",
        "/v1/cases/{case_id}",
    } <= routes
    assert all(set(b) == {"method", "route", "status", "le"} for b in buckets)
    score_200 = {"method": "POST", "route": "/v1/score", "status": "200"}
    assert value(samples, "screening_http_request_seconds_bucket", **score_200, le="+Inf") == value(
        samples, "screening_http_request_seconds_count", **score_200
    )
    concrete = [d["waybill_no"] for d in scene.decisions.values()] + [
        d["case_id"] for d in scene.decisions.values() if d["case_id"]
    ]
    assert not [c for c in concrete if c in scene.answers["metrics"]]


def test_history_store_calls_are_timed_by_store_and_call(scene: Scene) -> None:
    before, after = parse_samples(scene.metrics_before), parse_samples(scene.metrics_after)
    key = {"store": "history", "call": "observe"}
    assert (
        value(after, "screening_store_seconds_count", **key)
        - value(before, "screening_store_seconds_count", **key)
        >= 3
    )


def test_sql_call_latencies_are_in_the_metrics(scene: Scene) -> None:
    samples = parse_samples(scene.answers["metrics"])
    sql = [
        (name, dict(labels))
        for (name, labels), v in samples.items()
        if name.endswith("_count")
        and v > 0
        and (
            "sql" in name.lower()
            or any("sql" in x.lower() or x in {"cases", "database", "db"} for _, x in labels)
        )
    ]
    assert sql, "no SQL latency series with observations"


def test_metrics_never_hold_a_number_or_a_phone(scene: Scene) -> None:
    text = scene.answers["metrics"]
    assert found(text) == {}
    assert [p for p in PHONES if p in text] == []


def test_the_decision_log_lag_grows_while_the_journal_cannot_commit(client: ScoringClient) -> None:
    journal = client.http.app.state.engine.log.journal  # type: ignore[attr-defined]
    with journal._io_lock:  # the writer thread waits: what is scored stays uncommitted
        client.score(waybill())
        time.sleep(0.3)
        lag = value(parse_samples(client.http.get("/metrics").text), "screening_decision_log_lag_seconds")
    assert lag >= 0.2


# Request ids ----------------------------------------------------------------------------------------------


@pytest.fixture
def people(cases_client: CaseClient) -> CaseClient:
    """A started app with an officer logged in."""
    cases_client.as_new("wang", "officer")
    return cases_client


def case_of(client: CaseClient) -> str:
    """A held parcel's case id."""
    case_id: str = client.score(over_limit(sender=party(id_type="passport", id_number="EQ5RT82N7")))[
        "case_id"
    ]
    return case_id


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/metrics", 200),
        ("GET", "/v1/cases/{case_id}", 200),
        ("GET", "/cases/{case_id}", 200),
        ("POST", "/v1/cases/{case_id}/unmask", 403),
        ("GET", "/v1/admin/agreements", 403),
        ("DELETE", "/v1/score", 405),
        ("GET", "/v1/nowhere", 404),
    ],
    ids=["metrics", "case", "case-page", "unmask-refused", "admin-refused", "wrong-method", "unknown-route"],
)
def test_every_answer_carries_a_new_request_id(
    people: CaseClient, method: str, path: str, status: int
) -> None:
    url = path.format(case_id=case_of(people))
    r = people.http.request(method, url)
    assert r.status_code == status, r.text[:200]
    rid = r.headers.get("x-request-id")
    assert rid and len(rid) == 32
    assert people.http.request(method, url).headers["x-request-id"] != rid


def test_a_callers_request_id_is_kept_on_refusals_and_pages(people: CaseClient) -> None:
    case_id = case_of(people)
    calls = [
        ("POST", f"/v1/cases/{case_id}/unmask", 403),
        ("GET", f"/cases/{case_id}", 200),
        ("GET", "/metrics", 200),
        ("POST", "/v1/auth/login", 422),
    ]
    for n, (method, path, status) in enumerate(calls):
        rid = f"customs-{n}-b71c"
        r = people.http.request(method, path, headers={"X-Request-ID": rid})
        assert (r.status_code, r.headers.get("x-request-id")) == (status, rid), path
    people.http.cookies.clear()
    anonymous = people.http.get("/v1/cases", headers={"X-Request-ID": "anon-1"})
    assert (anonymous.status_code, anonymous.headers.get("x-request-id")) == (401, "anon-1")


def test_service_log_lines_are_json_objects_with_level_and_logger(
    capfd: pytest.CaptureFixture[str], settings: Settings
) -> None:
    app = create_app(settings)
    with TestClient(app):
        pass
    err = capfd.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if "DEVELOPMENT MODE" in line]
    assert lines, err[:500]
    assert all(line["level"] == "WARNING" and line["name"].startswith("screening") for line in lines)


def test_a_log_record_made_by_a_request_carries_its_request_id(cases_client: CaseClient) -> None:
    logs = Logs()
    root_level = logging.getLogger().level
    logs.attach()
    try:
        for n in range(7):
            r = cases_client.http.post(
                "/v1/auth/login",
                json={"username": "dev", "password": "wrong"},
                headers={"X-Request-ID": f"login-{n}"},
            )
            assert r.status_code == 401
    finally:
        logs.detach(root_level)
    made = [r for r in logs.handler.records if r.name.startswith("screening") and "dev" in r.getMessage()]
    assert made, "no record of the refused logins"
    assert [getattr(r, "request_id", None) for r in made] == [f"login-{n}" for n in range(7 - len(made), 7)]
