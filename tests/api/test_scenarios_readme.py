"""The README as a promise: its route table, its security table, its settings and its command line.

Written from the README ("HTTP API", "Command line", "Settings", "The policy", "Security model", "When
parts fail") with ../shared/contract/README.md (the Decision, 422 bodies, who reads a decision back) and
../shared/domain/RULES.md (the limits behind the held examples). What other scenario files already check
(anonymous callers refused on every route, a carrier key refused on another carrier's parcel by score,
batch and read-back, request ids on refusals, the 422 of every field, the default 413, the metric
families) is not repeated here; this file checks what a user reading the README can check and nobody
did yet.

Readings where the README leaves a choice:

* A role is checked only where the README names it: the route table's parentheses (the queue, actions,
  bulk ring actions, unmasking, audit figures, trace) and the security table (`/v1/admin/…` needs
  `admin`; a customs key works cases "as a service principal with the `officer` role; no unmasking, no
  bulk ring actions, no audit reading"; an admin key reaches `/v1/admin/…`; a carrier key reaches
  scoring and read-back only). Where the README names no role (notes for people other than officers,
  `GET /v1/cases/audit/verify`, reports, inspections by people) nothing is asserted. "Allowed" means the
  route's own answer (not 401 or 403, no server error); "refused" means 403. The trace search counts as
  audit reading for the customs key.
* The contract says the read-back route is "for the carrier that scored it (and for customs)": a customs
  key reads any carrier's decision.
* A setting is "read under its name" when `Settings()` built from that environment variable alone holds
  the value, and has the README's default when the variable is unset. A bad value is "refused at start
  naming the setting" when building `Settings` raises and the message names the field (the variable
  without its `SCREENING_` prefix, in lower case), and `screening serve` stops before it starts a server.
* `SCREENING_CNY_RATES` replaces the built-in table: a currency missing from the object is a 422.
* "larger request bodies get 413" holds however the body is sent: with a Content-Length or streamed
  (chunked). A body of exactly `SCREENING_MAX_BODY_BYTES` is not larger.
* `screening score FILE.json` prints "the decision", a contract `Decision`: a hold carries its `case_id`
  (every hold becomes a case; the contract sets `case_id` when the decision is hold).
* A CLI command "exists" when `screening <command> --help` exits 0 and the options the README lists
  (bracketed or not) are among its options; options in brackets are optional.

No server is started: the HTTP API runs in TestClient, `screening serve` runs with `uvicorn.run`
replaced by a recorder, and `lists load` / `violations record` reach an in-process app instead of the
network.
"""

import json
import os
import re
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import typer
import uvicorn
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pydantic_settings import SettingsError
from typer.testing import CliRunner

import api.commands.history as history_commands
from api.app import create_app
from api.cli import app as cli
from api.commands.models import models_root
from api.security import CSRF_HEADER, SESSION_COOKIE
from screening.errors import ConfigurationError
from screening.people import passwords
from screening.people.roles import parse_roles
from screening.people.schemas import NewUser
from screening.people.service import create_user
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, DEFAULT_RATES, PLACEHOLDER, Settings, get_settings
from tests.api.answers import DECISION_FIELDS, codes
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.api.routes import api_routes
from tests.factories import BASE_TIME, export_postal, item, over_limit, party, waybill
from tests.shared_dir import SHARED

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_FILE = SHARED / "contract" / "waybill.example.json"
EXAMPLE: dict[str, Any] = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
SECRET = "r" * 40
JSON = {"content-type": "application/json"}
ROLES = ("officer", "supervisor", "investigator", "auditor", "admin")
KEYS = ("carrier", "customs", "admin-key")
CALLERS = ROLES + KEYS
LISTS_HEADER = "list,kind,value,id_type,country,province,city,district,detail"
AGREEMENTS_HEADER = "contract_id,name,carrier,status,valid_from,valid_until"


def quiet_policy() -> Policy:
    """The shipped policy with random audit off (a parcel's outcome must not hang on its number)."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


# One production service with a person of each role and a key of each kind -----------------------------------


@dataclass
class Desk:
    """A started production app: people of each role (session, CSRF token), keys of each kind, a case."""

    app: FastAPI
    http: TestClient
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    case_id: str = ""
    released: dict[str, Any] = field(default_factory=dict)

    def call(
        self,
        caller: str | None,
        method: str,
        url: str,
        body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One request as a person of a role, a system with a key of a kind, or nobody (None)."""
        self.http.cookies.clear()
        sent = dict(headers or {})
        if caller in self.sessions:
            token, csrf = self.sessions[caller]
            self.http.cookies.set(SESSION_COOKIE, token)
            sent[CSRF_HEADER] = csrf
        elif caller is not None:
            sent.update(self.keys[caller])
        if content is not None:
            return self.http.request(method, url, content=content, headers=sent)
        if body is not None:
            return self.http.request(method, url, json=body, headers=sent)
        return self.http.request(method, url, headers=sent)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """Production mode, SQLite in the data dir, holds written from a thread, random audit off."""
    settings = Settings(
        env="production",
        data_dir=tmp_path_factory.mktemp("readme") / "data",
        case_writer="thread",
        id_hmac_key=SECRET,
        id_encryption_key=SECRET + "e",
        session_secret=SECRET + "s",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        with TestClient(create_app(settings), raise_server_exceptions=False) as http:
            app: FastAPI = http.app  # type: ignore[assignment]
            app.state.engine.policy = quiet_policy()
            d = Desk(app=app, http=http)
            d.keys = {
                "carrier": bearer(make_key(app, "carrier", "SF")),
                "customs": bearer(make_key(app, "customs", "SHA-PVG")),
                "admin-key": bearer(make_key(app, "admin", "ops")),
            }
            now = datetime.now(UTC)
            for role in ROLES:
                new = NewUser(username=f"u-{role}", password="pass-word-1", roles=parse_roles([role]))
                app.state.db.write_sync(lambda s, new=new: create_user(s, new=new, now=now))
                http.cookies.clear()
                r = http.post("/v1/auth/login", json={"username": f"u-{role}", "password": "pass-word-1"})
                assert r.status_code == 200, r.text
                d.sessions[role] = (r.cookies[SESSION_COOKIE], r.json()["csrf_token"])
            held = d.call("carrier", "POST", "/v1/score", over_limit(sender=party(phone="13700990000")))
            assert held.status_code == 200 and held.json()["decision"] == "hold", held.text
            d.case_id = held.json()["case_id"]
            d.released = waybill(sender=party(phone="13700990001"))
            assert d.call("carrier", "POST", "/v1/score", d.released).json()["decision"] == "release"
            yield d


def verdicts(
    desk: Desk, method: str, url: str, body: Any = None, content: bytes | None = None
) -> dict[str, str]:
    """For every caller: allowed (the route's own answer), refused (403) or the unexpected status."""
    out = {}
    for caller in CALLERS:
        r = desk.call(caller, method, url, body=body, content=content)
        if r.status_code == 403:
            out[caller] = "refused"
        elif r.status_code in (401, 429) or r.status_code >= 500:
            out[caller] = f"status {r.status_code}"
        else:
            out[caller] = "allowed"
    return out


def expected(allowed: set[str], refused: set[str]) -> dict[str, str]:
    """The verdicts the README states (callers it is silent on are left out)."""
    return dict.fromkeys(allowed, "allowed") | dict.fromkeys(refused, "refused")


# The route table --------------------------------------------------------------------------------------------

# Every (method, path) of the README's "HTTP API" table, path parameters written {}.
README_ROUTES = {
    ("POST", "/v1/score"),
    ("POST", "/v1/score/batch"),
    ("GET", "/v1/decisions/{}/{}"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("PUT", "/v1/admin/agreements"),
    ("POST", "/v1/admin/agreements/csv"),
    ("GET", "/v1/admin/agreements"),
    ("PUT", "/v1/admin/lists"),
    ("POST", "/v1/admin/lists/csv"),
    ("POST", "/v1/admin/violations"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/logout"),
    ("GET", "/v1/auth/me"),
    ("GET", "/v1/cases"),
    ("GET", "/v1/cases/{}"),
    ("POST", "/v1/cases/{}/actions"),
    ("POST", "/v1/cases/clusters/{}/actions"),
    ("POST", "/v1/cases/{}/notes"),
    ("POST", "/v1/cases/{}/attachments"),
    ("POST", "/v1/cases/{}/unmask"),
    ("GET", "/v1/cases/audit/verify"),
    ("POST", "/v1/inspections"),
    ("GET", "/v1/audit/metrics"),
    ("GET", "/v1/audit/dashboard"),
    ("GET", "/v1/audit/offending"),
    ("GET", "/v1/audit/reports/{}/{}"),
    ("POST", "/v1/audit/trace"),
    ("POST", "/v1/audit/trace/export"),
    ("GET", "/metrics"),
}


def test_every_route_of_the_readme_table_is_served_with_its_method(desk: Desk) -> None:
    served = {
        (m, re.sub(r"\{[^}]+\}", "{}", r.path)) for r in api_routes(desk.app.routes) for m in r.methods or ()
    }
    served |= {("GET", getattr(r, "path", "")) for r in desk.app.routes if not isinstance(r, APIRoute)}
    assert sorted(README_ROUTES - served) == []


TRACE = {"from": "2026-11-01", "to": "2026-11-30", "phone": "13700990000"}
PEOPLE_BUT_ADMIN = {"officer", "supervisor", "investigator", "auditor"}
# README row → its requests (method, url, JSON body or CSV bytes), the callers it admits, those it refuses.
Request = tuple[str, str, Any]
MATRIX: dict[str, tuple[list[Request], set[str], set[str]]] = {
    "queue": (
        [("GET", "/v1/cases", None)],
        PEOPLE_BUT_ADMIN | {"customs"},
        {"admin", "carrier", "admin-key"},
    ),
    "case-action": (
        [("POST", "/v1/cases/{case}/actions", {"action": "assign"})],
        {"officer", "supervisor", "investigator", "customs"},
        {"auditor", "admin", "carrier", "admin-key"},
    ),
    "ring-action": (
        [("POST", "/v1/cases/clusters/RING-SF-SF1499999999999/actions", {"action": "assign"})],
        {"officer", "supervisor"},
        {"investigator", "auditor", "admin", "customs", "carrier", "admin-key"},
    ),
    "unmask": (
        [("POST", "/v1/cases/{case}/unmask", None)],
        {"supervisor", "investigator"},
        {"officer", "auditor", "admin", "customs", "carrier", "admin-key"},
    ),
    "notes-attachments": (
        [
            ("POST", "/v1/cases/{case}/notes", {"text": "x-ray image matches the declaration"}),
            (
                "POST",
                "/v1/cases/{case}/attachments",
                {"kind": "xray", "reference": "xray://SF-310115-0042/0001.png", "sha256": "ab" * 32},
            ),
        ],
        {"officer", "customs"},
        {"carrier", "admin-key"},
    ),
    "audit-figures": (
        [
            ("GET", "/v1/audit/metrics?week=2026-W46", None),
            ("GET", "/v1/audit/dashboard?week=2026-W46", None),
            ("GET", "/v1/audit/offending?week=2026-W46", None),
        ],
        {"auditor", "supervisor", "admin"},
        {"officer", "investigator", "customs", "carrier", "admin-key"},
    ),
    "trace": (
        [("POST", "/v1/audit/trace", TRACE), ("POST", "/v1/audit/trace/export", TRACE)],
        {"investigator", "officer", "supervisor"},
        {"auditor", "admin", "customs", "carrier", "admin-key"},
    ),
    "admin": (
        [
            ("GET", "/v1/admin/agreements", None),
            ("PUT", "/v1/admin/agreements", []),
            ("POST", "/v1/admin/agreements/csv", (AGREEMENTS_HEADER + "\n").encode()),
            ("PUT", "/v1/admin/lists", []),
            ("POST", "/v1/admin/lists/csv", (LISTS_HEADER + "\n").encode()),
            ("POST", "/v1/admin/violations", []),
        ],
        {"admin", "admin-key"},
        PEOPLE_BUT_ADMIN | {"carrier", "customs"},
    ),
    "auth-me": ([("GET", "/v1/auth/me", None)], set(ROLES), set()),
}


@pytest.mark.parametrize("row", list(MATRIX))
def test_each_route_admits_exactly_the_roles_and_keys_the_readme_names(desk: Desk, row: str) -> None:
    requests, allowed, refused = MATRIX[row]
    want = expected(allowed, refused)
    for method, url, body in requests:
        content = body if isinstance(body, bytes) else None
        got = verdicts(desk, method, url.format(case=desk.case_id), None if content else body, content)
        assert {c: got[c] for c in want} == want, url


def test_scoring_takes_a_carrier_key_and_refuses_customs_and_admin_keys(desk: Desk) -> None:
    single = {k: desk.call(k, "POST", "/v1/score", waybill()).status_code for k in KEYS}
    batch = {k: desk.call(k, "POST", "/v1/score/batch", {"waybills": [waybill()]}).status_code for k in KEYS}
    assert single == batch == {"carrier": 200, "customs": 403, "admin-key": 403}


def test_a_decision_is_read_back_by_its_carrier_and_by_customs_not_by_an_admin_key(desk: Desk) -> None:
    url = f"/v1/decisions/SF/{desk.released['waybill_no']}"
    answers = {k: desk.call(k, "GET", url) for k in KEYS}
    assert {k: a.status_code for k, a in answers.items()} == {
        "carrier": 200,
        "customs": 200,
        "admin-key": 403,
    }
    assert answers["customs"].json()["decision"] == answers["carrier"].json()["decision"] == "release"


def test_a_carrier_key_reading_a_parcel_another_carrier_scored_is_refused_by_name(desk: Desk) -> None:
    yto = bearer(make_key(desk.app, "carrier", "YTO"))
    theirs = waybill(carrier="YTO", waybill_no="YT7000000001", sender=party(phone="13700990002"))
    desk.http.cookies.clear()
    assert desk.http.post("/v1/score", json=theirs, headers=yto).status_code == 200
    r = desk.call("carrier", "GET", f"/v1/decisions/YTO/{theirs['waybill_no']}")
    assert r.status_code == 403 and "YTO" in r.json()["detail"]
    assert "decision" not in r.json() and "release" not in r.text


def test_the_public_pages_answer_anyone_in_production(desk: Desk) -> None:
    paths = ["/readyz", "/docs", "/login", "/static/pages.css"]
    assert {p: desk.call(None, "GET", p).status_code for p in paths} == dict.fromkeys(paths, 200)


def test_anyone_may_log_in_and_a_person_of_any_role_may_log_out(desk: Desk) -> None:
    desk.http.cookies.clear()
    r = desk.http.post("/v1/auth/login", json={"username": "u-auditor", "password": "pass-word-1"})
    assert r.status_code == 200
    token, csrf = r.cookies[SESSION_COOKIE], r.json()["csrf_token"]
    desk.http.cookies.set(SESSION_COOKIE, token)
    assert desk.http.post("/v1/auth/logout", headers={CSRF_HEADER: csrf}).status_code == 200
    desk.http.cookies.set(SESSION_COOKIE, token)
    assert desk.http.get("/v1/auth/me").status_code == 401


@pytest.mark.parametrize(
    ("url", "missing"),
    [("/v1/admin/lists/csv", {"kind"}), ("/v1/admin/agreements/csv", {"contract_id", "name"})],
    ids=["lists", "agreements"],
)
def test_a_csv_upload_without_its_header_row_names_the_missing_columns_on_line_1(
    desk: Desk, url: str, missing: set[str]
) -> None:
    rows = {
        "/v1/admin/lists/csv": "watch,phone,13700990003,,CN,,,,\n",
        "/v1/admin/agreements/csv": "C-77,Shop,SF,active,2026-01-01,2027-01-01\n",
    }[url]
    r = desk.call("admin-key", "POST", url, content=rows.encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert all(set(e) == {"loc", "msg", "type"} for e in detail)
    assert {e["loc"][-1] for e in detail} >= missing and {e["loc"][1] for e in detail} == {1}
    # Nothing of the headerless upload was applied.
    listed = desk.call("carrier", "POST", "/v1/score", waybill(sender=party(phone="13700990003")))
    assert "WATCHLIST_HIT" not in codes(listed.json())


def test_sql_calls_are_timed_under_store_sql(desk: Desk) -> None:
    def reads(text: str) -> float:
        found = re.search(r'^screening_store_seconds_count\{call="read",store="sql"\} (\S+)$', text, re.M)
        return float(found.group(1)) if found else 0.0

    before = reads(desk.http.get("/metrics").text)
    assert desk.call("officer", "GET", "/v1/cases").status_code == 200
    assert reads(desk.http.get("/metrics").text) > before


# The command line over the admin API: SCREENING_API_KEY -----------------------------------------------------


def through(desk: Desk) -> types.SimpleNamespace:
    """An httpx stand-in for the CLI that sends its request to the in-process app."""

    def request(method: str, url: str, *, content: bytes, headers: dict[str, str]) -> Any:
        desk.http.cookies.clear()
        return desk.http.request(
            method, url.removeprefix("http://readme.test"), content=content, headers=headers
        )

    return types.SimpleNamespace(request=request, HTTPError=httpx.HTTPError)


@pytest.fixture
def admin_cli(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run `screening …` with its admin-API calls going to the desk's app."""
    monkeypatch.setattr(history_commands, "httpx", through(desk))
    monkeypatch.delenv("SCREENING_API_KEY", raising=False)

    def run(*args: str, key: str | None = None) -> Any:
        if key is not None:
            monkeypatch.setenv("SCREENING_API_KEY", key)
        return CliRunner().invoke(cli, [*args, "--url", "http://readme.test"])

    return run


def admin_token(desk: Desk) -> str:
    """The desk's admin key as SCREENING_API_KEY holds it."""
    return desk.keys["admin-key"]["authorization"].removeprefix("Bearer ")


def test_lists_load_sends_screening_api_key_and_the_listed_phone_holds_the_next_parcel(
    desk: Desk, admin_cli: Callable[..., Any], tmp_path: Path
) -> None:
    csv = tmp_path / "lists.csv"
    csv.write_text(f"{LISTS_HEADER}\nwatch,phone,13700990004,,CN,,,,\n", encoding="utf-8")
    # Without SCREENING_API_KEY the production service refuses the upload, and nothing is listed.
    refused = admin_cli("lists", "load", str(csv))
    assert refused.exit_code != 0 and "401" in refused.output
    before = desk.call("carrier", "POST", "/v1/score", waybill(sender=party(phone="13700990004"))).json()
    assert "WATCHLIST_HIT" not in codes(before)
    loaded = admin_cli("lists", "load", str(csv), key=admin_token(desk))
    assert loaded.exit_code == 0, loaded.output
    d = desk.call("carrier", "POST", "/v1/score", waybill(sender=party(phone="13700990004"))).json()
    assert d["decision"] == "hold" and "WATCHLIST_HIT" in codes(d)


def test_violations_record_gives_the_phone_prior_violations_next_time(
    desk: Desk, admin_cli: Callable[..., Any]
) -> None:
    result = admin_cli(
        "violations",
        "record",
        "--kind",
        "phone",
        "--value",
        "13700990006",
        "--parcel",
        "SF:SF1400099000001",
        "--at",
        (BASE_TIME - timedelta(days=20)).isoformat(),
        key=admin_token(desk),
    )
    assert result.exit_code == 0, result.output
    d = desk.call("carrier", "POST", "/v1/score", waybill(sender=party(phone="13700990006"))).json()
    assert "PRIOR_VIOLATIONS" in codes(d) and d["decision"] in {"inspect", "hold"}


# Settings ---------------------------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No SCREENING_ variable but the shared-dir one; the cached settings dropped before and after."""
    for name in list(os.environ):
        if name.startswith("SCREENING_") and name != "SCREENING_SHARED_DIR":
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


# (variable, field, the README's default, a value to set, what Settings then holds)
SETTINGS_TABLE: list[tuple[str, str, Any, str, Any]] = [
    ("SCREENING_ENV", "env", "development", "production", "production"),
    ("SCREENING_DATA_DIR", "data_dir", Path("data"), "/srv/screening", Path("/srv/screening")),
    (
        "SCREENING_POLICY_FILE",
        "policy_file",
        REPO / "screening" / "policy" / "policy.toml",
        "/etc/policy-9.toml",
        Path("/etc/policy-9.toml"),
    ),
    ("SCREENING_REDIS_URL", "redis_url", None, "redis://10.0.0.5:6379/2", "redis://10.0.0.5:6379/2"),
    ("SCREENING_REDIS_CLUSTER", "redis_cluster", False, "true", True),
    ("SCREENING_REDIS_PREFIX", "redis_prefix", "scr:", "blue:", "blue:"),
    ("SCREENING_REDIS_TIMEOUT_S", "redis_timeout_s", 0.2, "0.05", 0.05),
    (
        "SCREENING_DATABASE_URL",
        "database_url",
        None,
        "postgresql+psycopg://app@db/cases",
        "postgresql+psycopg://app@db/cases",
    ),
    ("SCREENING_SQL_TIMEOUT_S", "sql_timeout_s", 2.0, "3.5", 3.5),
    ("SCREENING_CASE_WRITER", "case_writer", "process", "thread", "thread"),
    ("SCREENING_ID_HMAC_KEY", "id_hmac_key", PLACEHOLDER, SECRET, SECRET),
    ("SCREENING_ID_ENCRYPTION_KEY", "id_encryption_key", PLACEHOLDER, SECRET, SECRET),
    ("SCREENING_SESSION_SECRET", "session_secret", PLACEHOLDER, SECRET, SECRET),
    ("SCREENING_CNY_RATES", "cny_rates", DEFAULT_RATES, '{"USD": 7.1, "HKD": 0.91}', None),
    ("SCREENING_MODEL_DIR", "model_dir", Path("data/models"), "/models", Path("/models")),
    (
        "SCREENING_AGREEMENTS_FILE",
        "agreements_file",
        None,
        "/etc/agreements.csv",
        Path("/etc/agreements.csv"),
    ),
    ("SCREENING_API_KEY_CACHE_S", "api_key_cache_s", 5.0, "2", 2.0),
    ("SCREENING_KEY_RATE_PER_S", "key_rate_per_s", 200.0, "50", 50.0),
    ("SCREENING_KEY_BURST", "key_burst", 400, "60", 60),
    ("SCREENING_MAX_BODY_BYTES", "max_body_bytes", 2_000_000, "4096", 4096),
    ("SCREENING_LOG_LEVEL", "log_level", "INFO", "DEBUG", "DEBUG"),
    ("SCREENING_BENCH_ECHO", "bench_echo", False, "true", True),
    ("SCREENING_STAGE_TIMERS", "stage_timers", False, "true", True),
]


@pytest.mark.parametrize(
    ("variable", "name", "default", "raw", "value"), SETTINGS_TABLE, ids=[row[0] for row in SETTINGS_TABLE]
)
def test_each_setting_of_the_table_has_its_default_and_is_read_under_its_name(
    clean_env: pytest.MonkeyPatch, variable: str, name: str, default: Any, raw: str, value: Any
) -> None:
    def read() -> Any:
        settings = Settings()
        # The model registry's folder is DATA_DIR/models unless the variable names one.
        return models_root(settings) if name == "model_dir" else getattr(settings, name)

    assert read() == default
    clean_env.setenv(variable, raw)
    if variable == "SCREENING_CNY_RATES":
        rates = Settings().cny_rates
        assert (rates["USD"], rates["HKD"]) == (7.1, 0.91) and "EUR" not in rates
    else:
        assert read() == value


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("SCREENING_ENV", "staging"),
        ("SCREENING_REDIS_CLUSTER", "perhaps"),
        ("SCREENING_REDIS_TIMEOUT_S", "0"),
        ("SCREENING_CASE_WRITER", "fork"),
        ("SCREENING_CNY_RATES", '{"USD": -7.1}'),
        ("SCREENING_CNY_RATES", "USD=7.1"),
        ("SCREENING_KEY_BURST", "0"),
        ("SCREENING_MAX_BODY_BYTES", "2MB"),
    ],
)
def test_a_bad_value_is_refused_at_start_naming_the_setting(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, variable: str, raw: str
) -> None:
    clean_env.setenv(variable, raw)
    with pytest.raises((ValidationError, SettingsError)) as refused:
        Settings()
    assert variable.removeprefix("SCREENING_").lower() in str(refused.value).lower()
    started: list[Any] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started.append((a, k)))
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code != 0 and started == []


def test_a_bad_log_level_stops_the_app_before_it_serves(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="LOUD"):
        create_app(Settings(data_dir=tmp_path / "data", log_level="LOUD"))
    create_app(Settings(data_dir=tmp_path / "data"))  # the service's own logging back as it was


@pytest.mark.parametrize(
    ("secrets", "named"),
    [
        ({}, {"SCREENING_ID_HMAC_KEY", "SCREENING_ID_ENCRYPTION_KEY", "SCREENING_SESSION_SECRET"}),
        (
            {
                "SCREENING_ID_HMAC_KEY": SECRET,
                "SCREENING_ID_ENCRYPTION_KEY": SECRET,
                "SCREENING_SESSION_SECRET": "short",
            },
            {"SCREENING_SESSION_SECRET"},
        ),
    ],
    ids=["placeholders", "one-short"],
)
def test_production_serve_refuses_placeholder_or_short_secrets_naming_them(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, secrets: dict[str, str], named: set[str]
) -> None:
    started: list[Any] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started.append((a, k)))
    clean_env.setenv("SCREENING_ENV", "production")
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    for name, value in secrets.items():
        clean_env.setenv(name, value)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code != 0 and started == []
    mentioned = set(re.findall(r"SCREENING_[A-Z_]+", result.output))
    assert mentioned == named


def test_a_production_app_with_placeholder_secrets_does_not_start(tmp_path: Path) -> None:
    app = create_app(Settings(env="production", data_dir=tmp_path / "data"))
    with pytest.raises(ConfigurationError, match="SCREENING_ID_HMAC_KEY"), TestClient(app):
        pass


def test_serve_starts_the_api_on_127_0_0_1_8000_with_one_worker_by_default(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[dict[str, Any]] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    ((options),) = started
    assert (options["host"], options["port"], options["workers"], options["reload"]) == (
        "127.0.0.1",
        8000,
        1,
        False,
    )


def test_serve_refuses_more_workers_on_the_embedded_store_and_says_why(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started: list[dict[str, Any]] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    refused = CliRunner().invoke(cli, ["serve", "--workers", "2"])
    assert refused.exit_code != 0 and started == []
    assert "SCREENING_REDIS_URL" in refused.output and "history" in refused.output
    clean_env.setenv("SCREENING_REDIS_URL", "redis://127.0.0.1:1/0")  # recorded, never contacted
    get_settings.cache_clear()
    ok = CliRunner().invoke(cli, ["serve", "--workers", "2", "--host", "0.0.0.0", "--port", "9100"])
    assert ok.exit_code == 0, ok.output
    assert [(o["host"], o["port"], o["workers"]) for o in started] == [("0.0.0.0", 9100, 2)]


def app_with(tmp_path: Path, **options: Any) -> TestClient:
    """A development app (thread case writer) with these settings; enter it to start it."""
    settings = Settings(data_dir=tmp_path / "data", case_writer="thread", **options)
    return TestClient(create_app(settings))


def padded(body: dict[str, Any], size: int) -> bytes:
    """The body as JSON, padded with spaces to exactly size bytes."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def test_a_body_of_exactly_the_configured_size_is_scored_and_one_byte_more_is_a_413(tmp_path: Path) -> None:
    with app_with(tmp_path, max_body_bytes=4096) as http:
        http.app.state.engine.policy = quiet_policy()  # type: ignore[attr-defined]
        first, second = waybill(), waybill()
        assert http.post("/v1/score", content=padded(first, 4096), headers=JSON).status_code == 200
        r = http.post("/v1/score", content=padded(second, 4097), headers={**JSON, "X-Request-ID": "big-1"})
        assert r.status_code == 413 and r.headers["x-request-id"] == "big-1" and r.json()["detail"]
        assert http.get(f"/v1/decisions/SF/{second['waybill_no']}").status_code == 404


def test_the_configured_limit_holds_on_every_route(tmp_path: Path) -> None:
    paths = ["/v1/score/batch", "/v1/admin/lists/csv", "/v1/auth/login", "/v1/inspections"]
    with app_with(tmp_path, max_body_bytes=4096) as http:
        got = {p: http.post(p, content=b" " * 4097, headers=JSON).status_code for p in paths}
        assert got == dict.fromkeys(paths, 413)


def test_a_streamed_body_over_the_limit_is_a_413_too(tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield json.dumps(EXAMPLE).encode()
        yield b" " * 4096

    with app_with(tmp_path, max_body_bytes=4096) as http:
        got = {
            p: http.post(p, content=chunks(), headers=JSON).status_code
            for p in ("/v1/score", "/v1/score/batch")
        }
        assert got == {"/v1/score": 413, "/v1/score/batch": 413}
        assert http.get(f"/v1/decisions/SF/{EXAMPLE['waybill_no']}").status_code == 404


def test_the_bench_echo_route_is_mounted_only_when_asked_and_decides_nothing(tmp_path: Path) -> None:
    with app_with(tmp_path / "off") as off:
        assert off.post("/v1/bench/echo", json=EXAMPLE).status_code == 404
    with app_with(tmp_path / "on", bench_echo=True) as on:
        assert on.post("/v1/bench/echo", json=EXAMPLE).status_code == 200
        bad = on.post("/v1/bench/echo", json={**EXAMPLE, "weight_kg": 0})
        assert bad.status_code == 422 and [e["loc"] for e in bad.json()["detail"]] == [["body", "weight_kg"]]
        assert on.get(f"/v1/decisions/SF/{EXAMPLE['waybill_no']}").status_code == 404


def stage_cpu(text: str) -> float:
    """The sum of screening_stage_cpu_seconds_total over its stages."""
    found = re.findall(r"^screening_stage_cpu_seconds_total\{[^}]*\} (\S+)$", text, re.M)
    return sum(float(v) for v in found)


def test_stage_cpu_reaches_the_metrics_only_with_stage_timers(tmp_path: Path) -> None:
    grew = {}
    for timers in (False, True):
        with app_with(tmp_path / str(timers), stage_timers=timers) as http:
            before = stage_cpu(http.get("/metrics").text)
            assert http.post("/v1/score", json=waybill()).status_code == 200
            grew[timers] = stage_cpu(http.get("/metrics").text) > before
    assert grew == {False: False, True: True}


def test_cny_rates_from_the_environment_convert_values_and_an_unlisted_currency_is_a_422(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("SCREENING_CNY_RATES", '{"USD": 7.1, "HKD": 0.91}')
    settings = Settings(data_dir=tmp_path / "data", case_writer="thread")
    with TestClient(create_app(settings)) as http:
        http.app.state.engine.policy = quiet_policy()  # type: ignore[attr-defined]
        # 120 USD = 852 CNY: over the 800 CNY limit to Hong Kong, in two units.
        usd = export_postal(currency="USD", items=[item(quantity=2, unit_value=60.0)])
        d = http.post("/v1/score", json=usd).json()
        assert "OVER_PERSONAL_LIMIT" in codes(d) and d["decision"] == "hold"
        r = http.post("/v1/score", json=waybill(currency="EUR"))
        assert r.status_code == 422 and [e["loc"] for e in r.json()["detail"]] == [["body", "currency"]]


def test_a_checked_policy_file_in_the_setting_decides_the_policy_version_of_every_decision(
    tmp_path: Path,
) -> None:
    shipped = CliRunner().invoke(cli, ["check-policy", str(DEFAULT_POLICY)])
    assert shipped.exit_code == 0 and "policy-1" in shipped.output
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        'version = "policy-1"', 'version = "policy-readme-7"'
    )
    custom = tmp_path / "policy.toml"
    custom.write_text(text, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["check-policy", str(custom)])
    assert checked.exit_code == 0 and "policy-readme-7" in checked.output
    with app_with(tmp_path, policy_file=custom) as http:
        assert http.post("/v1/score", json=waybill()).json()["policy_version"] == "policy-readme-7"
        assert http.get("/readyz").json()["policy_version"] == "policy-readme-7"


def broken_policies() -> dict[str, tuple[str, str]]:
    """Policy texts the README says are refused, with the key the refusal must name."""
    shipped = DEFAULT_POLICY.read_text(encoding="utf-8")
    return {
        "unknown-key": (
            shipped.replace("near_limit_band = 0.9", "near_limit_band = 0.9\nnear_limit_bnad = 0.9"),
            "near_limit_bnad",
        ),
        "missing-key": (shipped.replace("cbec_annual_cny = 26000.0\n", ""), "cbec_annual_cny"),
        "out-of-range": (
            shipped.replace("near_limit_band = 0.9", "near_limit_band = 1.5"),
            "near_limit_band",
        ),
    }


@pytest.mark.parametrize("case", ["unknown-key", "missing-key", "out-of-range"])
def test_check_policy_refuses_a_broken_file_naming_the_key_and_the_service_will_not_start_on_it(
    tmp_path: Path, case: str
) -> None:
    text, key = broken_policies()[case]
    assert text != DEFAULT_POLICY.read_text(encoding="utf-8")
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["check-policy", str(path)])
    assert checked.exit_code != 0 and key in checked.output
    with pytest.raises(ConfigurationError, match=key), app_with(tmp_path, policy_file=path):
        pass


def test_the_data_dir_holds_the_sqlite_database_and_the_decision_log(tmp_path: Path) -> None:
    with app_with(tmp_path) as http:
        assert http.post("/v1/score", json=waybill()).status_code == 200
    data = tmp_path / "data"
    assert (data / "screening.db").is_file() and (data / "decisionlog").is_dir()


# People: lockout and the session's lifetime -----------------------------------------------------------------


def test_five_failed_logins_lock_the_account_for_fifteen_minutes(cases_client: CaseClient) -> None:
    client = cases_client
    client.add_user("four", "officer")
    for _ in range(4):
        assert client.login("four", "guess").status_code == 401
    assert client.login("four").status_code == 200
    client.add_user("five", "officer")
    for _ in range(5):
        assert client.login("five", "guess").status_code == 401
    assert client.login("five").status_code == 401
    with client.app.state.db.transaction(readonly=True) as s:
        until = s.execute(sa.text("SELECT locked_until FROM users WHERE username = 'five'")).scalar_one()
    locked = until if isinstance(until, datetime) else datetime.fromisoformat(str(until))
    left = (locked.replace(tzinfo=locked.tzinfo or UTC) - datetime.now(UTC)).total_seconds()
    assert 14 * 60 < left <= 15 * 60


def test_a_session_cookie_lives_twelve_hours(cases_client: CaseClient) -> None:
    cases_client.add_user("wang", "officer")
    cookie = cases_client.login("wang").headers["set-cookie"].lower()
    assert "max-age=43200" in cookie


# The shared example, as the README sends it -----------------------------------------------------------------


def test_the_readme_curl_of_the_example_answers_a_decision_in_development_mode(tmp_path: Path) -> None:
    with app_with(tmp_path) as http:
        http.app.state.engine.policy = quiet_policy()  # type: ignore[attr-defined]
        r = http.post(
            "/v1/score", content=EXAMPLE_FILE.read_bytes(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 200, r.text
        d = r.json()
        assert set(d) >= DECISION_FIELDS
        # Under every limit of RULES.md, ID verified, both checks recorded: a plain release, no model.
        assert (d["decision"], d["reasons"], d["case_id"]) == ("release", [], None)
        assert (d["model_version"], d["policy_version"]) == ("none", "policy-1")


@pytest.fixture
def cli_data(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The CLI's settings read from a private data dir."""
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_screening_score_prints_the_decision_of_the_example_from_a_file_or_standard_input(
    cli_data: Path,
) -> None:
    from_file = CliRunner().invoke(cli, ["score", str(EXAMPLE_FILE)])
    assert from_file.exit_code == 0, from_file.output
    d = json.loads(from_file.output)
    assert set(d) >= DECISION_FIELDS and (d["waybill_no"], d["carrier"]) == ("SF1400238817561", "SF")
    assert (d["model_version"], d["policy_version"]) == ("none", "policy-1")
    piped = CliRunner().invoke(cli, ["score", "-"], input=EXAMPLE_FILE.read_text(encoding="utf-8"))
    assert piped.exit_code == 0, piped.output
    again = json.loads(piped.output)
    assert (again["waybill_no"], again["decision"], again["reasons"]) == (
        d["waybill_no"],
        d["decision"],
        d["reasons"],
    )


def test_screening_score_names_every_offending_field_of_a_bad_file(cli_data: Path) -> None:
    bad = {**EXAMPLE, "carrier": "sf", "weight_kg": 0}
    result = CliRunner().invoke(cli, ["score", "-"], input=json.dumps(bad))
    assert result.exit_code != 0
    detail = json.loads(result.output[result.output.index("{") :])["detail"]
    assert sorted(e["loc"][-1] for e in detail) == ["carrier", "weight_kg"]


def test_screening_score_of_a_held_parcel_prints_its_case_id(cli_data: Path) -> None:
    held = {**EXAMPLE, "items": [{**EXAMPLE["items"][0], "quantity": 4}], "declared_value": 1040.0}
    result = CliRunner().invoke(cli, ["score", "-"], input=json.dumps(held))
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert d["decision"] == "hold" and "OVER_PERSONAL_LIMIT" in codes(d)
    assert d["case_id"]


# The command table ------------------------------------------------------------------------------------------

# README row → the commands it names: (path, options it lists, options it writes in brackets, arguments).
CommandRow = list[tuple[tuple[str, ...], set[str], set[str], int]]
COMMANDS: dict[str, CommandRow] = {
    "serve": [(("serve",), set(), {"--host", "--port", "--workers", "--reload"}, 0)],
    "check-policy": [(("check-policy",), set(), set(), 1)],
    "score": [(("score",), set(), set(), 1)],
    "lists-load": [(("lists", "load"), set(), {"--url"}, 1)],
    "violations-record": [
        (("violations", "record"), {"--kind", "--value", "--parcel", "--at"}, {"--id-type", "--url"}, 0)
    ],
    "simulate": [(("simulate",), {"--out"}, {"--rows", "--seed", "--start", "--days"}, 0)],
    "train": [
        (("train",), set(), {"--history", "--labels", "--budget", "--promote", "--seed", "--no-rules"}, 0)
    ],
    "evaluate": [(("evaluate",), set(), {"--history", "--version", "--labels", "--json"}, 0)],
    "backtest": [(("backtest",), {"--history"}, {"--from", "--to", "--policy", "--version", "--json"}, 0)],
    "models": [
        (("models", "list"), set(), set(), 0),
        (("models", "promote"), set(), set(), 1),
        (("models", "ensure"), set(), set(), 0),
    ],
    "benchmark": [
        (("benchmark", "customs-kr"), {"--train", "--valid", "--test"}, {"--seed", "--out-json"}, 0)
    ],
    "keys": [
        (("keys", "create"), {"--carrier", "--customs", "--admin"}, {"--rate"}, 0),
        (("keys", "list"), set(), set(), 0),
        (("keys", "revoke"), set(), set(), 1),
    ],
    "users-create": [(("users", "create"), {"--username", "--role"}, {"--password"}, 0)],
    "audit-verify": [(("audit", "verify"), set(), set(), 0)],
    "labels-export": [(("labels", "export"), {"--out"}, set(), 0)],
    "log-compact": [(("log", "compact"), set(), set(), 0)],
    "report": [
        (("report", "weekly"), set(), {"--week", "--out"}, 0),
        (("report", "monthly"), set(), {"--month"}, 0),
    ],
    "outlets-load": [(("outlets", "load"), set(), set(), 1)],
    "trace": [
        (
            ("trace",),
            {"--phone", "--waybill", "--id-type", "--address", "--account", "--ip", "--from", "--to"},
            {"--id-number", "--out"},
            0,
        )
    ],
    "sample-load": [(("sample", "load"), set(), {"--once"}, 0)],
}


def command(path: tuple[str, ...]) -> Any:
    """The click command behind `screening <path>`."""
    found: Any = typer.main.get_command(cli)
    for name in path:
        found = found.commands[name]
    return found


@pytest.mark.parametrize("row", list(COMMANDS))
def test_each_command_of_the_readme_exists_with_the_options_it_lists(row: str) -> None:
    for path, listed, bracketed, arguments in COMMANDS[row]:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, (path, result.output)
        params = command(path).params
        options = {o for p in params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}
        assert listed | bracketed <= options, (path, sorted((listed | bracketed) - options))
        required = {o for p in params if p.required for o in p.opts}
        assert not bracketed & required, (path, sorted(bracketed & required))
        assert sum(1 for p in params if not p.opts[0].startswith("-")) == arguments, path


@pytest.mark.parametrize(
    ("path", "defaults"),
    [
        (("serve",), {"host": "127.0.0.1", "port": 8000, "workers": 1}),
        (("simulate",), {"rows": 100_000, "seed": 7, "start": "2026-10-01", "days": 61}),
        (("train",), {"budget": 0.05, "seed": 7}),
        (("benchmark", "customs-kr"), {"seed": 0}),
        (("sample", "load"), {"rows": 3000, "days": 14}),
    ],
    ids=["serve", "simulate", "train", "benchmark", "sample-load"],
)
def test_the_defaults_the_readme_states_are_the_commands(
    path: tuple[str, ...], defaults: dict[str, Any]
) -> None:
    params = {p.name: p.default for p in command(path).params}
    got = {k: (str(params[k])[:10] if k == "start" else params[k]) for k in defaults}
    assert got == defaults


def test_a_log_level_is_a_level_name_named_as_the_setting_when_wrong() -> None:
    """SCREENING_LOG_LEVEL takes Python's level names in any case; another word is refused naming it."""
    assert Settings(log_level=" warning ").log_level == "WARNING"
    with pytest.raises(ValidationError) as caught:
        Settings(log_level="LOUD")
    assert [e["loc"] for e in caught.value.errors()] == [("log_level",)]
