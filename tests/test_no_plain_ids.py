"""No plain identity number anywhere at rest: SQL rows, Parquet, journal, ledger, outbox, logs."""

import logging
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.conftest import PASSWORD, CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import BASE_TIME, party, resident_id, resident_id_with_x, waybill
from tests.screening.cases.conftest import held

NUMBERS = [
    resident_id_with_x(region="440305", birth="19900101"),
    resident_id(region="330106", birth="19850606", seq="975"),
    resident_id(region="510104", birth="19720303", seq="118"),
    resident_id(region="120101", birth="19601212", seq="447"),
]


def needles() -> list[str]:
    """Each number, and its 17 digits without the check character."""
    return [n for number in NUMBERS for n in (number, number[:-1])]


def found_in(text: str) -> list[str]:
    """Which needles a text holds."""
    return [n for n in needles() if n in text]


def run_scenario(app_settings: Settings, policy: Policy) -> None:
    """Score, hold, act, unmask, list, report an inspection; the app closes (the log is compacted)."""
    app = create_app(app_settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        client = CaseClient(http, app)
        holds = [client.score(held(sender=party(id_number=n)))["case_id"] for n in NUMBERS[:2]]
        released = client.score(waybill(sender=party(id_number=NUMBERS[2])))
        admin = bearer(make_key(app, "admin", "ops"))
        entry = {"list": "watch", "kind": "id", "value": NUMBERS[3], "id_type": "resident_id"}
        assert http.put("/v1/admin/lists", json=[entry], headers=admin).status_code == 200
        assert http.post("/v1/score", json=waybill(sender=party(id_number=NUMBERS[3]))).status_code == 200

        client.as_new("wang", "officer")
        assert client.act(holds[0], "seize", violation_type="undeclared goods").status_code == 200
        report = {
            "carrier": "SF",
            "waybill_no": released["waybill_no"],
            "result": "violation",
            "violation_type": "counterfeit",
            "inspected_at": BASE_TIME.isoformat(),
        }
        assert http.post("/v1/inspections", json=report).status_code == 200
        client.as_new("li", "supervisor")
        unmasked = http.post(f"/v1/cases/{holds[1]}/unmask")
        assert unmasked.status_code == 200 and NUMBERS[1] in unmasked.text  # shown, never stored
        assert client.login("li", PASSWORD).status_code == 200


@pytest.mark.usefixtures("cheap_password_hashes")
def test_no_plain_identity_number_is_left_anywhere_at_rest(
    tmp_path: Path, policy: Policy, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    caplog.set_level(logging.DEBUG)
    run_scenario(Settings(env="development", data_dir=data, log_level="DEBUG"), policy)

    files = [p for p in data.rglob("*") if p.is_file()]
    parquet = [p for p in files if p.suffix == ".parquet"]
    assert parquet, "the decision log was not compacted into Parquet"
    assert (data / "screening.db").exists() and (data / "ledger.jsonl").exists()

    leaks: dict[str, list[str]] = {}
    with sqlite3.connect(data / "screening.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert {"cases", "audit_log", "api_keys", "users"} <= set(tables)
        for table in tables:
            rows = db.execute(f'SELECT * FROM "{table}"').fetchall()  # table names come from sqlite_master
            if hit := found_in(repr(rows)):
                leaks[f"sqlite:{table}"] = hit
    for path in parquet:
        frame = pl.read_parquet(path)
        assert frame.height > 0
        if hit := found_in(repr(frame.rows())):
            leaks[f"parquet:{path.relative_to(data)}"] = hit
    # Every file byte for byte: journal segments, ledger, outbox, agreements, SQLite and its WAL.
    for path in files:
        if hit := found_in(path.read_bytes().decode("utf-8", "replace")):
            leaks[f"file:{path.relative_to(data)}"] = hit
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    out, err = capfd.readouterr()
    if hit := found_in(logged + out + err):
        leaks["logs"] = hit
    assert caplog.records, "nothing was logged: the log check would prove nothing"
    assert leaks == {}


def test_the_scan_does_find_a_number_that_is_there() -> None:
    assert found_in(f"x{NUMBERS[0][:-1]}y") == [NUMBERS[0][:-1]]
    assert NUMBERS[0].endswith("X")
