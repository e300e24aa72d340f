"""API keys end to end: carriers score their own waybills, customs work cases, admins administer."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from screening.policy.schemas import Policy
from screening.settings import Settings, get_settings
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import BASE_TIME, waybill
from tests.screening.cases.conftest import held


@pytest.fixture
def production(tmp_path: Path, policy: Policy) -> Iterator[TestClient]:
    """A started app in production mode (real-looking secrets, a short key cache, a low key rate)."""
    settings = Settings(
        env="production",
        data_dir=tmp_path / "data",
        api_key_cache_s=0.3,
        key_rate_per_s=5.0,
        key_burst=20,
        id_hmac_key="h" * 32,
        id_encryption_key="e" * 32,
        session_secret="s" * 32,
    )
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield http


def key_of(http: TestClient, kind: Any, scope: str, **options: Any) -> dict[str, str]:
    """Headers of a new key of the client's app."""
    return bearer(make_key(http.app, kind, scope, **options))  # type: ignore[arg-type]


def test_production_answers_401_without_a_key_or_with_an_unknown_one(production: TestClient) -> None:
    r = production.post("/v1/score", json=waybill())
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert production.post("/v1/score", json=waybill(), headers=bearer("scr_car_made-up")).status_code == 401
    basic = {"authorization": "Basic ZGV2OmRldg=="}
    assert production.post("/v1/score", json=waybill(), headers=basic).status_code == 401
    assert production.post("/v1/score/batch", json={"waybills": [waybill()]}).status_code == 401
    assert production.get("/v1/decisions/SF/SF000000000001").status_code == 401


def test_a_carrier_key_scores_its_own_waybills_and_names_another_carrier_it_refuses(
    production: TestClient,
) -> None:
    sf = key_of(production, "carrier", "SF")
    own = waybill()
    r = production.post("/v1/score", json=own, headers=sf)
    assert r.status_code == 200 and r.json()["carrier"] == "SF"
    other = waybill(carrier="YTO", waybill_no="YT0000000001")
    r = production.post("/v1/score", json=other, headers=sf)
    assert r.status_code == 403 and "YTO" in r.json()["detail"]
    assert production.get(f"/v1/decisions/SF/{own['waybill_no']}", headers=sf).status_code == 200
    r = production.get(f"/v1/decisions/YTO/{other['waybill_no']}", headers=sf)
    assert r.status_code == 403 and "YTO" in r.json()["detail"]


def test_in_a_batch_only_the_slot_of_another_carrier_fails(production: TestClient) -> None:
    sf = key_of(production, "carrier", "SF")
    batch = [waybill(), waybill(carrier="YTO", waybill_no="YT0000000002"), waybill()]
    r = production.post("/v1/score/batch", json={"waybills": batch}, headers=sf)
    assert r.status_code == 200
    slots = r.json()["decisions"]
    assert [("error" in s) for s in slots] == [False, True, False]
    (problem,) = slots[1]["error"]["detail"]
    assert problem["loc"] == ["body", "waybills", 1, "carrier"] and "YTO" in problem["msg"]


def test_a_key_reaches_only_the_routes_of_its_kind(production: TestClient) -> None:
    sf = key_of(production, "carrier", "SF")
    customs = key_of(production, "customs", "SHA-PVG")
    admin = key_of(production, "admin", "ops")
    assert production.get("/v1/cases", headers=sf).status_code == 403
    assert production.get("/v1/admin/agreements", headers=sf).status_code == 403
    assert production.post("/v1/score", json=waybill(), headers=customs).status_code == 403
    assert production.get("/v1/admin/agreements", headers=customs).status_code == 403
    assert production.get("/v1/admin/agreements", headers=admin).status_code == 200
    assert production.get("/v1/admin/agreements").status_code == 401
    assert production.get("/v1/cases", headers=admin).status_code == 403
    assert production.get("/v1/audit/metrics", headers=customs).status_code == 403


def test_a_revoked_key_is_refused_once_the_cache_has_expired(production: TestClient) -> None:
    sf = key_of(production, "carrier", "SF", rate_per_s=1000.0)
    assert production.post("/v1/score", json=waybill(), headers=sf).status_code == 200
    db = production.app.state.db  # type: ignore[attr-defined]
    with db.transaction() as s:
        s.execute(sa.text("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP"))
    started = time.monotonic()
    while production.post("/v1/score", json=waybill(), headers=sf).status_code == 200:
        assert time.monotonic() - started < 1.5, "a revoked key still works past the cache lifetime"
        time.sleep(0.05)
    assert production.post("/v1/score", json=waybill(), headers=sf).status_code == 401


def test_a_key_over_its_rate_gets_429_with_retry_after(production: TestClient) -> None:
    slow = key_of(production, "carrier", "SF", rate_per_s=0.5)
    answers = [production.get("/v1/decisions/SF/SF000000000009", headers=slow) for _ in range(2)]
    assert [a.status_code for a in answers] == [404, 429]
    assert int(answers[-1].headers["retry-after"]) == 2
    other = key_of(production, "carrier", "SF")
    assert production.get("/v1/decisions/SF/SF000000000009", headers=other).status_code == 404


def test_the_default_rate_comes_from_settings(production: TestClient) -> None:
    sf = key_of(production, "carrier", "SF")
    codes = [production.get("/v1/decisions/SF/SF000000000009", headers=sf).status_code for _ in range(30)]
    assert codes[:20] == [404] * 20 and 429 in codes[20:]


def test_a_customs_key_works_cases_and_the_audit_trail_names_it(cases_client: CaseClient) -> None:
    client = cases_client
    case_id = client.score(held())["case_id"]
    customs = bearer(make_key(client.app, "customs", "SHA-PVG"))
    queue = client.http.get("/v1/cases", headers=customs)
    assert queue.status_code == 200 and [c["case_id"] for c in queue.json()["items"]] == [case_id]
    r = client.http.post(f"/v1/cases/{case_id}/actions", json={"action": "assign"}, headers=customs)
    assert r.status_code == 200, r.text
    history = client.http.get(f"/v1/cases/{case_id}", headers=customs).json()["history"]
    actor = history[-1]["actor"]
    assert actor.startswith("key:customs:SHA-PVG:scr_cus_")
    assert customs["authorization"].removeprefix("Bearer ").startswith(actor[-16:])
    assert client.http.post(f"/v1/cases/{case_id}/unmask", headers=customs).status_code == 403
    report = {
        "carrier": "SF",
        "waybill_no": client.score(waybill())["waybill_no"],
        "result": "clear",
        "inspected_at": BASE_TIME.isoformat(),
    }
    assert client.http.post("/v1/inspections", json=report, headers=customs).status_code == 200


def test_development_mode_scores_without_a_key_but_checks_one_that_is_sent(cases_client: CaseClient) -> None:
    client = cases_client
    assert client.http.post("/v1/score", json=waybill()).status_code == 200
    assert client.http.post("/v1/score", json=waybill(), headers=bearer("scr_car_nope")).status_code == 401
    assert client.http.get("/v1/admin/agreements").status_code == 401


def test_admin_routes_take_a_person_with_the_admin_role(cases_client: CaseClient) -> None:
    client = cases_client
    client.as_new("wang", "officer")
    assert client.http.get("/v1/admin/agreements").status_code == 403
    client.as_new("root", "admin")
    assert client.http.get("/v1/admin/agreements").status_code == 200
    client.http.headers.pop("X-CSRF-Token")
    assert client.http.put("/v1/admin/agreements", json=[]).status_code == 403


def test_only_the_sha256_of_a_key_is_stored(cases_client: CaseClient) -> None:
    key = make_key(cases_client.app, "carrier", "SF")
    with cases_client.app.state.db.transaction(readonly=True) as s:
        rows = s.execute(sa.text("SELECT * FROM api_keys")).all()
    assert len(rows) == 1 and key not in str(rows) and key[:16] in str(rows)


def test_keys_are_created_listed_and_revoked_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(cli, ["keys", "create", "--carrier", "SF", "--label", "SF gateway"])
        assert made.exit_code == 0, made.output
        key = made.output.split("key (shown once): ")[1].strip()
        assert key.startswith("scr_car_")
        assert runner.invoke(cli, ["keys", "create", "--carrier", "sf"]).exit_code == 2
        assert runner.invoke(cli, ["keys", "create", "--carrier", "SF", "--customs", "X1"]).exit_code == 2
        listed = runner.invoke(cli, ["keys", "list"]).output
        assert "\tcarrier\tSF\t" in listed and "live" in listed and key not in listed
        revoked = runner.invoke(cli, ["keys", "revoke", key[:16]])
        assert revoked.exit_code == 0 and "refused within 5 s" in revoked.output
        assert "revoked 20" in runner.invoke(cli, ["keys", "list"]).output
        assert runner.invoke(cli, ["keys", "revoke", "scr_zzz"]).exit_code == 1
    finally:
        get_settings.cache_clear()
