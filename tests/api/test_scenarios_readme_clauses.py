"""README "HTTP API", "Command line", "Settings" and "The policy": the clauses no other test pinned down."""

import json
import os
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
import redis
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pydantic_settings import SettingsError
from typer.testing import CliRunner, Result

import api.commands.history as history_commands
from api.app import create_app
from api.cli import app as cli
from api.security import CSRF_HEADER, SESSION_COOKIE
from screening.contract import Decision, Waybill
from screening.engine import Engine, build_engine
from screening.errors import ConfigurationError
from screening.history import EmbeddedHistoryStore
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings, get_settings
from tests.api.answers import codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import (
    BASE_TIME,
    NO_ID,
    ant_ring,
    cn_receiver,
    export_postal,
    item,
    macau_receiver,
    party,
    resident_id,
    waybill,
)

SHIPPED = DEFAULT_POLICY.read_text(encoding="utf-8")
SECRET_32 = "k" * 32
AGREEMENTS_HEADER = "contract_id,name,carrier,status,valid_from,valid_until"
LISTS_HEADER = "list,kind,value,id_type,country,province,city,district,detail"
SPAN = {"from": "2026-11-10", "to": "2026-11-12"}
SPAN_ARGS = ("--from", "2026-11-10", "--to", "2026-11-12")


def quiet_policy() -> Policy:
    """The shipped policy with random audit off (a parcel's outcome must not hang on its number)."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


def run(*args: str, stdin: str | None = None) -> Result:
    """Invoke `screening <args>`."""
    return CliRunner().invoke(cli, list(args), input=stdin)


def policy_text(old: str, new: str) -> str:
    """The shipped policy file's text with one text replaced (which must be there)."""
    assert old in SHIPPED, old
    return SHIPPED.replace(old, new, 1)


def write_policy(folder: Path, text: str, name: str = "policy.toml") -> Path:
    """A policy file in folder."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No SCREENING_ variable but the shared-dir one and a private data dir; cached settings dropped."""
    for name in list(os.environ):
        if name.startswith("SCREENING_") and name != "SCREENING_SHARED_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


# The policy: refused values, each named ---------------------------------------------------------------------

NOT_FINITE = [
    pytest.param("hold_threshold = 0.8", "hold_threshold = nan", "model.hold_threshold", id="nan-threshold"),
    pytest.param(
        "times_median = 5.0",
        "times_median = nan",
        "history.velocity.times_median",
        id="nan-velocity-multiple",
    ),
    pytest.param("random_rate = 0.005", "random_rate = nan", "audit.random_rate", id="nan-audit-rate"),
    pytest.param(
        "near_limit_band = 0.9", "near_limit_band = -nan", "limits.near_limit_band", id="minus-nan-band"
    ),
    pytest.param(
        "food = [2.0, 30000.0]", "food = [2.0, inf]", "goods.value_per_kg.food", id="inf-value-per-kg-band"
    ),
    pytest.param(
        "total_times_limit = 3.0\nwindow",
        "total_times_limit = inf\nwindow",
        "ant_receiver",
        id="inf-multiple",
    ),
    pytest.param("sla_hours = 24", "sla_hours = inf", "cases.sla_hours", id="inf-sla"),
]


@pytest.mark.parametrize(("old", "new", "named"), NOT_FINITE)
def test_inf_or_nan_in_any_threshold_is_refused_by_check_policy_naming_it(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    path = write_policy(tmp_path, policy_text(old, new))
    checked = run("check-policy", str(path))
    assert checked.exit_code == 1 and named in checked.output and str(path) in checked.output
    assert "ok, version" not in checked.output
    with pytest.raises(ConfigurationError, match=named.replace(".", r"\.")):
        load_policy(path)


QUOTED_NUMBERS = [
    pytest.param("parcels_7d = 10", 'parcels_7d = "10"', "history.ant_sender.parcels_7d", id="count"),
    pytest.param(
        "personal_other_cny = 1000.0", 'personal_other_cny = "1000"', "limits.personal_other_cny", id="limit"
    ),
    pytest.param("hold_threshold = 0.8", 'hold_threshold = "0.8"', "model.hold_threshold", id="threshold"),
    pytest.param("random_rate = 0.005", 'random_rate = "0.005"', "audit.random_rate", id="rate"),
    pytest.param(
        "food = [2.0, 30000.0]", 'food = ["2", 30000.0]', "goods.value_per_kg.food", id="band-bound-quoted"
    ),
    pytest.param(
        "food = [2.0, 30000.0]", "food = [true, 30000.0]", "goods.value_per_kg.food", id="band-bound-true"
    ),
    pytest.param("sla_hours = 24", "sla_hours = true", "cases.sla_hours", id="sla-true"),
]


@pytest.mark.parametrize(("old", "new", "named"), QUOTED_NUMBERS)
def test_a_number_written_as_a_string_or_true_is_refused_naming_it(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    path = write_policy(tmp_path, policy_text(old, new))
    checked = run("check-policy", str(path))
    assert checked.exit_code == 1 and named in checked.output
    assert "ok, version" not in checked.output


def test_integers_where_decimals_are_expected_are_the_same_policy(tmp_path: Path) -> None:
    text = SHIPPED
    for old, new in (
        ("personal_other_cny = 1000.0", "personal_other_cny = 1000"),
        ("cbec_single_cny = 5000.0", "cbec_single_cny = 5000"),
        ("food = [2.0, 30000.0]", "food = [2, 30000]"),
        ("times_median = 5.0", "times_median = 5"),
        ("hold_threshold = 0.8", "hold_threshold = 1"),
    ):
        assert old in text
        text = text.replace(old, new)
    path = write_policy(tmp_path, text)
    checked = run("check-policy", str(path))
    assert checked.exit_code == 0 and "ok, version policy-1" in checked.output, checked.output
    loaded = load_policy(path)
    shipped = load_policy(DEFAULT_POLICY)
    assert loaded.limits == shipped.limits and loaded.goods == shipped.goods
    assert loaded.history == shipped.history
    assert loaded.model.hold_threshold == 1.0 and isinstance(loaded.model.hold_threshold, float)


def test_an_ant_short_window_as_long_as_the_long_one_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, policy_text('short_window = "24h"', 'short_window = "7d"'))
    checked = run("check-policy", str(path))
    assert checked.exit_code == 1 and "history.ant_sender" in checked.output
    assert "short_window" in checked.output


def test_an_annual_cbec_limit_equal_to_the_single_one_is_not_under_it_and_is_taken(tmp_path: Path) -> None:
    path = write_policy(tmp_path, policy_text("cbec_annual_cny = 26000.0", "cbec_annual_cny = 5000.0"))
    checked = run("check-policy", str(path))
    assert checked.exit_code == 0, checked.output
    assert load_policy(path).limits.cbec_annual_cny == 5000.0


def test_an_unknown_top_level_key_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_policy(tmp_path, policy_text('version = "policy-1"', 'version = "policy-1"\nstrictness = 2'))
    checked = run("check-policy", str(path))
    assert checked.exit_code == 1 and "strictness" in checked.output


def test_the_service_does_not_start_on_a_policy_file_that_is_not_there(tmp_path: Path) -> None:
    absent = tmp_path / "no-such-policy.toml"
    settings = Settings(data_dir=tmp_path / "data", case_writer="thread", policy_file=absent)
    with pytest.raises(ConfigurationError, match=r"no-such-policy\.toml"), TestClient(create_app(settings)):
        pass


def test_the_policy_file_is_read_at_start_and_a_change_reaches_decisions_at_the_next_start(
    tmp_path: Path,
) -> None:
    path = write_policy(tmp_path, policy_text('version = "policy-1"', 'version = "policy-start-a"'))
    settings = Settings(data_dir=tmp_path / "data", case_writer="thread", policy_file=path)
    with TestClient(create_app(settings)) as http:
        assert http.post("/v1/score", json=waybill()).json()["policy_version"] == "policy-start-a"
        path.write_text(policy_text('version = "policy-1"', 'version = "policy-start-b"'), encoding="utf-8")
        # Still the policy it was started with: the file is validated and read at start only.
        assert http.post("/v1/score", json=waybill()).json()["policy_version"] == "policy-start-a"
        assert http.get("/readyz").json()["policy_version"] == "policy-start-a"
    with TestClient(create_app(settings)) as http:
        assert http.post("/v1/score", json=waybill()).json()["policy_version"] == "policy-start-b"


# The policy: the ant-moving windows are values like their counts -------------------------------------------


def amended(policy: Policy, section: str, **changes: Any) -> Policy:
    """The policy with keys of one history section changed, validated as a loaded file would be."""
    raw = policy.model_dump()
    raw["history"][section].update(changes)
    raw["version"] = "policy-windows"
    return Policy.model_validate(raw)


async def decide_all(engine: Engine, policy: Policy, bodies: list[dict[str, Any]]) -> list[Decision]:
    """Bodies decided in order on an empty history under this policy."""
    engine.history = EmbeddedHistoryStore()
    engine.policy = policy
    return [await engine.decide(Waybill.model_validate(b)) for b in bodies]


def first_with(decisions: list[Decision], code: str) -> int | None:
    """Index of the first decision carrying code."""
    return next((i for i, d in enumerate(decisions) if any(r.code == code for r in d.reasons)), None)


@pytest.mark.anyio
async def test_a_one_hour_short_window_finds_no_ring_in_six_parcels_over_two_hours(
    engine: Engine, policy: Policy
) -> None:
    ring = ant_ring(8, phone="13700461001", id_number=resident_id(seq="461"))
    shipped = await decide_all(engine, policy, ring)
    hourly = await decide_all(engine, amended(policy, "ant_sender", short_window="1h"), ring)
    assert first_with(shipped, "ANT_MOVING_SENDER") == 5
    assert first_with(hourly, "ANT_MOVING_SENDER") is None


@pytest.mark.anyio
async def test_a_thirty_day_long_window_finds_a_ring_spread_over_ten_days(
    engine: Engine, policy: Policy
) -> None:
    who = party(phone="13700461002", id_number=resident_id(seq="462"))
    daily = [
        export_postal(
            hours_after=i * 24.0,  # one a day: never six within 24 h, at most eight within 7 days
            sender=who,
            receiver=macau_receiver(i % 4),
            items=[
                item(description=f"款式{i} 衣服", category="apparel_shoes", quantity=1, unit_value=500.0 + i)
            ],
            weight_kg=1.0,
        )
        for i in range(11)
    ]
    shipped = await decide_all(engine, policy, daily)
    monthly = await decide_all(engine, amended(policy, "ant_sender", long_window="30d"), daily)
    assert first_with(shipped, "ANT_MOVING_SENDER") is None
    assert first_with(monthly, "ANT_MOVING_SENDER") == 9
    ev = next(r.evidence for r in monthly[9].reasons if r.code == "ANT_MOVING_SENDER")
    assert ev["window"] == "30d" and monthly[9].decision == "hold"


# Settings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rates", ['"USD": NaN', '"USD": Infinity', '"CNY": 2', '"CNY": 0.5, "USD": 7.1'], ids=str
)
def test_a_cny_rate_that_is_not_a_finite_number_or_par_for_cny_is_refused_at_start_naming_the_setting(
    clean_env: pytest.MonkeyPatch, rates: str
) -> None:
    clean_env.setenv("SCREENING_CNY_RATES", f'{{{rates}, "HKD": 0.91}}')
    with pytest.raises((ValidationError, SettingsError, ValueError)) as refused:
        Settings()
    assert "cny_rates" in str(refused.value).lower()


@pytest.mark.anyio
async def test_a_rates_table_without_cny_still_takes_cny_values_at_par(
    tmp_path: Path, policy: Policy
) -> None:
    e = build_engine(Settings(data_dir=tmp_path / "data", cny_rates={"USD": 7.1}))
    e.policy = policy
    try:
        under = await e.decide(
            Waybill.model_validate(export_postal(items=[item(quantity=4, unit_value=200.0)]))
        )
        over = await e.decide(
            Waybill.model_validate(export_postal(items=[item(quantity=5, unit_value=161.0)]))
        )
    finally:
        if e.log is not None:
            e.log.close()
    assert (under.decision, under.reasons) == ("release", [])
    assert over.decision == "hold" and any(r.code == "OVER_PERSONAL_LIMIT" for r in over.reasons)


@pytest.mark.parametrize(
    ("session_secret", "refused"),
    [("s" * 32, False), ("s" * 31, True)],
    ids=["32-characters-taken", "31-characters-refused"],
)
def test_production_takes_secrets_of_32_characters_and_refuses_shorter(
    clean_env: pytest.MonkeyPatch, session_secret: str, refused: bool
) -> None:
    started: list[dict[str, Any]] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    clean_env.setenv("SCREENING_ENV", "production")
    clean_env.setenv("SCREENING_ID_HMAC_KEY", "h" * 32)
    clean_env.setenv("SCREENING_ID_ENCRYPTION_KEY", "e" * 32)
    clean_env.setenv("SCREENING_SESSION_SECRET", session_secret)
    result = run("serve")
    if refused:
        assert result.exit_code != 0 and started == []
        assert "SCREENING_SESSION_SECRET" in result.output and "SCREENING_ID_HMAC_KEY" not in result.output
        assert session_secret not in result.output
    else:
        assert result.exit_code == 0, result.output
        assert len(started) == 1


# SCREENING_AGREEMENTS_FILE seeded at every start ---------------------------------------------------------


@dataclass
class Seeded:
    """Registry listings and decisions before and after a restart that seeds the agreements file again."""

    first_listing: list[dict[str, Any]] = field(default_factory=list)
    second_listing: list[dict[str, Any]] = field(default_factory=list)
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)


def contract_sender(contract_id: str, phone: str) -> dict[str, Any]:
    """An agreement customer handing a parcel over without a per-parcel ID."""
    return party(**NO_ID, name="某网店", customer_type="contract", contract_id=contract_id, phone=phone)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A start with SHOP-1 in the file, suspended through the admin API; a restart with SHOP-2 added."""
    folder = tmp_path_factory.mktemp("agreements")
    path = folder / "agreements.csv"
    path.write_text(f"{AGREEMENTS_HEADER}\nSHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n", encoding="utf-8")
    settings = Settings(data_dir=folder / "data", case_writer="thread", agreements_file=path)
    out = Seeded()
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = quiet_policy()
        admin = bearer(make_key(app, "admin", "ops"))
        out.first_listing = http.get("/v1/admin/agreements", headers=admin).json()
        out.decisions["shop-1-seeded"] = http.post(
            "/v1/score", json=waybill(sender=contract_sender("SHOP-1", "13700462001"))
        ).json()
        suspended = [{"contract_id": "SHOP-1", "name": "某网店", "carrier": "SF", "status": "suspended"}]
        assert http.put("/v1/admin/agreements", json=suspended, headers=admin).status_code == 200
    path.write_text(
        f"{AGREEMENTS_HEADER}\nSHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n"
        "SHOP-2,另一网店,SF,active,2026-01-01,2026-12-31\n",
        encoding="utf-8",
    )
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = quiet_policy()
        admin = bearer(make_key(app, "admin", "ops2"))
        out.second_listing = http.get("/v1/admin/agreements", headers=admin).json()
        for name, contract_id, phone in (
            ("shop-1", "SHOP-1", "13700462002"),
            ("shop-2", "SHOP-2", "13700462003"),
        ):
            out.decisions[name] = http.post(
                "/v1/score", json=waybill(sender=contract_sender(contract_id, phone))
            ).json()
    return out


def test_the_agreements_file_seeds_the_registry_at_start(seeded: Seeded) -> None:
    assert [(a["contract_id"], a["status"]) for a in seeded.first_listing] == [("SHOP-1", "active")]
    d = seeded.decisions["shop-1-seeded"]
    assert (d["decision"], d["reasons"]) == ("release", [])


def test_an_agreement_the_admin_api_changed_keeps_the_change_when_the_file_is_seeded_again(
    seeded: Seeded,
) -> None:
    listed = {a["contract_id"]: a["status"] for a in seeded.second_listing}
    assert listed["SHOP-1"] == "suspended"
    d = seeded.decisions["shop-1"]
    assert d["decision"] == "reject" and "CONTRACT_UNQUALIFIED" in codes(d)
    assert reason_of(d, "CONTRACT_UNQUALIFIED")["evidence"]["status"] == "suspended"


def test_an_agreement_the_registry_lacks_is_added_from_the_file_at_the_next_start(seeded: Seeded) -> None:
    listed = {a["contract_id"]: a["status"] for a in seeded.second_listing}
    assert listed == {"SHOP-1": "suspended", "SHOP-2": "active"}
    d = seeded.decisions["shop-2"]
    assert (d["decision"], d["reasons"]) == ("release", [])


# SCREENING_REDIS_PREFIX ----------------------------------------------------------------------------------


def redis_engine(port: int, prefix: str, data_dir: Path, policy: Policy) -> Engine:
    """An engine on the test Redis under a key prefix."""
    e = build_engine(
        Settings(
            data_dir=data_dir,
            redis_url=f"redis://127.0.0.1:{port}/0",
            redis_prefix=prefix,
            redis_timeout_s=10.0,
        )
    )
    e.policy = policy
    return e


@pytest.mark.redis
@pytest.mark.anyio
async def test_services_on_one_redis_under_two_prefixes_keep_apart_histories_and_keys(
    redis_server: int, tmp_path: Path, policy: Policy
) -> None:
    raw = redis.Redis(port=redis_server)
    before = set(raw.scan_iter(count=1000))
    mine, theirs = f"h4a{uuid.uuid4().hex[:8]}:", f"h4b{uuid.uuid4().hex[:8]}:"
    ring = ant_ring(6, phone="13700463001", id_number=resident_id(seq="463"))
    decided: dict[str, Decision] = {}
    for name, prefix, bodies in (
        ("first", mine, ring[:5]),
        ("other", theirs, ring[5:]),
        ("same", mine, ring[5:]),
    ):
        e = redis_engine(redis_server, prefix, tmp_path / name, policy)
        await e.start()
        try:
            for body in bodies:
                decided[name] = await e.decide(Waybill.model_validate(body))
        finally:
            await e.close()
    new = {k.decode() for k in set(raw.scan_iter(count=1000)) - before}
    raw.close()
    assert "ANT_MOVING_SENDER" not in {r.code for r in decided["other"].reasons}
    assert "ANT_MOVING_SENDER" in {r.code for r in decided["same"].reasons}
    assert new and all(k.startswith((mine, theirs)) for k in new), sorted(new)[:5]
    assert any(k.startswith(mine) for k in new) and any(k.startswith(theirs) for k in new)


# The command line: serve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "port", "reload"),
    [
        pytest.param(("--port", "0"), 0, False, id="port-0"),
        pytest.param(("--port", "65535"), 65535, False, id="port-65535"),
        pytest.param(("--reload",), 8000, True, id="reload"),
    ],
)
def test_serve_takes_every_port_from_0_to_65535_and_the_reload_switch(
    clean_env: pytest.MonkeyPatch, args: tuple[str, ...], port: int, reload: bool
) -> None:
    started: list[dict[str, Any]] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    result = run("serve", *args)
    assert result.exit_code == 0, result.output
    assert [(k["port"], k["reload"], k["workers"]) for k in started] == [(port, reload, 1)]


@pytest.mark.parametrize(
    "args", [("--port", "-1"), ("--workers", "-2")], ids=["port-minus-1", "workers-minus-2"]
)
def test_serve_refuses_a_negative_port_or_worker_count_before_starting(
    clean_env: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    started: list[dict[str, Any]] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    result = run("serve", *args)
    assert result.exit_code != 0 and started == []
    assert args[0] in result.output


def test_score_decides_under_the_policy_file_the_setting_names(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = policy_text('version = "policy-1"', 'version = "policy-cli-h4"')
    path = write_policy(
        tmp_path, text.replace("personal_hk_mo_tw_cny = 800.0", "personal_hk_mo_tw_cny = 1200.0")
    )
    body = export_postal(sender=party(phone="13700464001"), items=[item(quantity=5, unit_value=200.0)])
    shipped = run("score", "-", stdin=json.dumps(body, ensure_ascii=False))
    assert shipped.exit_code == 0, shipped.output
    assert (json.loads(shipped.output)["policy_version"], json.loads(shipped.output)["decision"]) == (
        "policy-1",
        "hold",
    )
    clean_env.setenv("SCREENING_POLICY_FILE", str(path))
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data2"))
    get_settings.cache_clear()
    again = dict(body, waybill_no=body["waybill_no"] + "A")
    custom = run("score", "-", stdin=json.dumps(again, ensure_ascii=False))
    assert custom.exit_code == 0, custom.output
    d = json.loads(custom.output)
    assert (d["policy_version"], d["decision"], d["reasons"]) == ("policy-cli-h4", "release", [])


@pytest.mark.parametrize(
    ("make", "named"),
    [
        pytest.param(lambda d: d / "absent.toml", "absent.toml", id="missing-policy"),
        pytest.param(
            lambda d: write_policy(
                d, policy_text("hold_threshold = 0.8", "hold_threshold = nan"), "nan.toml"
            ),
            "model.hold_threshold",
            id="nan-threshold",
        ),
    ],
)
def test_backtest_refuses_a_policy_file_it_cannot_use_naming_it_before_any_work(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, make: Callable[[Path], Path], named: str
) -> None:
    path = make(tmp_path)
    result = run("backtest", "--history", str(tmp_path / "history.parquet"), "--policy", str(path))
    assert result.exit_code == 1 and named in result.output and str(path) in result.output
    assert "Traceback" not in result.output


def test_simulate_writes_the_same_file_for_the_same_seed_with_labels_and_violation_types(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def simulate(name: str, seed: str) -> Path:
        out = tmp_path / f"{name}.parquet"
        args = ("simulate", "--rows", "1200", "--seed", seed, "--start", "2026-12-01", "--days", "3")
        result = run(*args, "--out", str(out))
        assert result.exit_code == 0, result.output
        return out

    first, again, other = simulate("first", "9"), simulate("again", "9"), simulate("other", "10")
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    frame = pl.read_parquet(first)
    assert frame.height == 1200 and {"label", "violation_type"} <= set(frame.columns)
    assert set(frame["label"].unique()) == {0, 1}
    assert set(frame.filter(pl.col("label") == 0)["violation_type"].unique()) == {""}
    assert "" not in set(frame.filter(pl.col("label") == 1)["violation_type"].unique())
    days = frame["accepted_at"].dt.convert_time_zone("Asia/Shanghai").dt.date()
    assert (str(days.min()), str(days.max())) == ("2026-12-01", "2026-12-03")


# The command line: a file to read that is missing, a directory or unreadable ----------------------------


@pytest.mark.parametrize(
    ("args", "argument", "problem"),
    [
        pytest.param(
            ("train", "--labels", "ABSENT"), "--labels", "does not exist", id="train-labels-missing"
        ),
        pytest.param(("train", "--labels", "DIR"), "--labels", "is a directory", id="train-labels-directory"),
        pytest.param(
            ("train", "--history", "DIR"), "--history", "is a directory", id="train-history-directory"
        ),
        pytest.param(
            ("backtest", "--history", "DIR"), "--history", "is a directory", id="backtest-history-directory"
        ),
        pytest.param(("score", "ABSENT"), "FILE", "does not exist", id="score-file-missing"),
        pytest.param(("outlets", "load", "DIR"), "FILE", "is a directory", id="outlets-file-directory"),
        pytest.param(
            ("lists", "load", "DIR", "--url", "http://127.0.0.1:9"),
            "FILE",
            "is a directory",
            id="lists-directory",
        ),
    ],
)
def test_a_file_to_read_that_is_missing_or_a_directory_is_refused_naming_the_argument_and_the_file(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, args: tuple[str, ...], argument: str, problem: str
) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    fill = {"ABSENT": str(folder / "absent.parquet"), "DIR": str(folder)}
    named = fill[next(a for a in args if a in fill)]
    result = run(*(fill.get(a, a) for a in args))
    assert result.exit_code == 2, result.output
    assert f"{argument}: {named} {problem}" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "data" / "simulated").exists()


# The command line against a running service: keys, lists, violations ----------------------------------------


@dataclass
class Service:
    """A started development app on its own data dir, which the CLI shares through SCREENING_DATA_DIR."""

    app: FastAPI
    http: TestClient
    data: Path
    admin: dict[str, str]
    session: tuple[str, str] = ("", "")

    def call(self, method: str, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        """A request with exactly these headers: no session cookie unless as_dev() set one."""
        self.http.cookies.clear()
        return self.http.request(method, url, headers=headers or {}, **kw)

    def as_dev(self, method: str, url: str, **kw: Any) -> Any:
        """A request by the development user (every role), session cookie and CSRF token; the decision
        log's journal is flushed first (it commits within milliseconds anyway), so no test hangs on timing."""
        self.app.state.engine.log.journal.flush()
        self.http.cookies.clear()
        self.http.cookies.set(SESSION_COOKIE, self.session[0])
        return self.http.request(method, url, headers={CSRF_HEADER: self.session[1]}, **kw)

    def score(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score without a key (development mode) and expect a decision."""
        r = self.call("POST", "/v1/score", json=body)
        assert r.status_code == 200, r.text
        d: dict[str, Any] = r.json()
        return d


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A development app with random audit off, an admin key and the dev user's session."""
    data = tmp_path_factory.mktemp("service") / "data"
    app = create_app(Settings(data_dir=data, case_writer="thread"))
    with TestClient(app) as http:
        app.state.engine.policy = quiet_policy()
        svc = Service(app=app, http=http, data=data, admin=bearer(make_key(app, "admin", "ops")))
        r = http.post("/v1/auth/login", json={"username": "dev", "password": "dev"})
        assert r.status_code == 200, r.text
        svc.session = (r.cookies[SESSION_COOKIE], r.json()["csrf_token"])
        yield svc


@pytest.fixture
def cli_to(service: Service, clean_env: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `screening …` on the service's data dir, its admin-API calls going to the in-process app."""

    def request(method: str, url: str, *, content: bytes, headers: dict[str, str]) -> Any:
        return service.call(method, url.removeprefix("http://service.test"), headers=headers, content=content)

    clean_env.setattr(
        history_commands, "httpx", types.SimpleNamespace(request=request, HTTPError=httpx.HTTPError)
    )
    clean_env.setenv("SCREENING_DATA_DIR", str(service.data))
    clean_env.setenv("SCREENING_API_KEY", service.admin["authorization"].removeprefix("Bearer "))
    get_settings.cache_clear()

    def invoke(*args: str) -> Result:
        return run(*args)

    return invoke


def test_a_customs_key_made_by_the_command_works_cases_at_its_own_rate_and_scores_nothing(
    service: Service, cli_to: Callable[..., Result]
) -> None:
    made = cli_to("keys", "create", "--customs", "SHA-PVG-H4", "--rate", "0.5")
    assert made.exit_code == 0, made.output
    token = made.output.split("key (shown once): ")[1].strip()
    customs = bearer(token)
    listed = cli_to("keys", "list").output
    assert "\tcustoms\tSHA-PVG-H4\t" in listed and "0.5/s" in listed and token not in listed
    assert service.call("POST", "/v1/score", headers=customs, json=waybill()).status_code == 403
    answers = [service.call("GET", "/v1/cases", headers=customs) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429]
    assert int(answers[1].headers["retry-after"]) >= 1


def test_an_admin_key_made_by_the_command_reaches_the_admin_routes_only(
    service: Service, cli_to: Callable[..., Result]
) -> None:
    made = cli_to("keys", "create", "--admin", "registry-bot")
    assert made.exit_code == 0, made.output
    admin = bearer(made.output.split("key (shown once): ")[1].strip())
    assert "\tadmin\tregistry-bot\t" in cli_to("keys", "list").output
    assert service.call("GET", "/v1/admin/agreements", headers=admin).status_code == 200
    assert service.call("GET", "/v1/cases", headers=admin).status_code == 403
    assert service.call("POST", "/v1/score", headers=admin, json=waybill()).status_code == 403


LISTED_ID = resident_id(region="320102", birth="19800808", seq="471")
LISTED_ADDRESS = {"country": "CN", "province": "北京市", "city": "北京市", "district": "朝阳区"}
LISTED_DETAIL = "光华路9号时尚大厦5号楼"


def test_lists_load_puts_each_kind_of_identifier_on_its_list(
    service: Service, cli_to: Callable[..., Result], tmp_path: Path
) -> None:
    csv = tmp_path / "lists.csv"
    csv.write_text(
        f"{LISTS_HEADER}\n"
        f"watch,id,{LISTED_ID},resident_id,CN,,,,\n"
        f"black,address,,,CN,北京市,北京市,朝阳区,{LISTED_DETAIL}\n"
        "watch,account,acct-h4-listed-01,,,,,,\n"
        "black,ip,198.51.100.44,,,,,,\n",
        encoding="utf-8",
    )
    loaded = cli_to("lists", "load", str(csv), "--url", "http://service.test")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.output) == {"updated": 4}
    parcels = {
        "id": waybill(sender=party(phone="13700471001", id_number=LISTED_ID)),
        "address": waybill(
            sender=party(phone="13700471002", id_number=resident_id(seq="472")),
            receiver=cn_receiver(
                phone="13912471002", address={**LISTED_ADDRESS, "detail": LISTED_DETAIL + "1203室"}
            ),
        ),
        "account": waybill(
            sender=party(phone="13700471003", id_number=resident_id(seq="473")),
            order={"platform": "tmall", "order_id": "H4-1", "payment_account": "acct-h4-listed-01"},
        ),
        "ip": waybill(
            sender=party(phone="13700471004", id_number=resident_id(seq="474")),
            order={"platform": "tmall", "order_id": "H4-2", "buyer_ip": "198.51.100.44"},
        ),
    }
    got = {kind: service.score(body) for kind, body in parcels.items()}
    assert {k: (d["decision"], "WATCHLIST_HIT" in codes(d)) for k, d in got.items()} == dict.fromkeys(
        parcels, ("hold", True)
    )
    clean = service.score(waybill(sender=party(phone="13700471005", id_number=resident_id(seq="475"))))
    assert (clean["decision"], clean["reasons"]) == ("release", [])


def test_violations_record_of_an_id_number_with_its_type_flags_that_persons_next_parcel(
    service: Service, cli_to: Callable[..., Result]
) -> None:
    number = resident_id(region="330106", birth="19850505", seq="481")
    recorded = cli_to(
        "violations",
        "record",
        "--kind",
        "id",
        "--id-type",
        "resident_id",
        "--value",
        number,
        "--parcel",
        "SF:SF1400048100001",
        "--at",
        (BASE_TIME - timedelta(days=30)).isoformat(),
        "--url",
        "http://service.test",
    )
    assert recorded.exit_code == 0, recorded.output
    assert json.loads(recorded.output) == {"recorded": 1}
    d = service.score(waybill(sender=party(phone="13700481001", id_number=number)))
    assert "PRIOR_VIOLATIONS" in codes(d) and d["decision"] in {"inspect", "hold"}
    other = service.score(waybill(sender=party(phone="13700481002", id_number=resident_id(seq="482"))))
    assert "PRIOR_VIOLATIONS" not in codes(other)


# Trace by account and IP: over HTTP and from the command line ---------------------------------------------


def ordered(n: int, account: str, ip: str) -> dict[str, Any]:
    """A parcel of an e-commerce order paid from account by a buyer at ip."""
    return waybill(
        sender=party(phone=f"137004900{n:02d}", id_number=resident_id(seq=f"5{n:02d}")),
        order={"platform": "jd", "order_id": f"H4-O-{n}", "payment_account": account, "buyer_ip": ip},
    )


@pytest.mark.parametrize(
    ("kind", "role"), [("account", "payment_account"), ("ip", "buyer_ip")], ids=["account", "ip"]
)
def test_a_trace_by_account_or_ip_finds_exactly_that_identifiers_parcels(
    service: Service, kind: str, role: str
) -> None:
    n = 1 if kind == "account" else 2
    mine = ordered(n, f"acct-h4-trace-{n}", f"203.0.113.{n}")
    service.score(mine)
    service.score(ordered(n + 10, f"acct-h4-trace-{n + 10}", f"203.0.113.{n + 10}"))
    value = mine["order"]["payment_account" if kind == "account" else "buyer_ip"]
    r = service.as_dev("POST", "/v1/audit/trace", json={**SPAN, kind: value})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 1
    assert [(row["waybill_no"], row["matched_on"]) for row in body["rows"]] == [(mine["waybill_no"], role)]
    export = service.as_dev("POST", "/v1/audit/trace/export", json={**SPAN, kind: value})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and mine["waybill_no"] in lines[1] and value not in export.text


def test_a_trace_of_an_account_nobody_used_finds_nothing(service: Service) -> None:
    r = service.as_dev("POST", "/v1/audit/trace", json={**SPAN, "account": "acct-h4-never-seen"})
    assert r.status_code == 200 and r.json() == {"count": 0, "rows": []}


def test_a_trace_by_a_senders_building_finds_the_parcels_sent_from_it(service: Service) -> None:
    home = {
        "country": "CN",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "detail": "漕溪北路18号实业大厦",
    }
    mine = waybill(sender=party(phone="13700490071", id_number=resident_id(seq="571"), address=home))
    service.score(mine)
    service.score(waybill(sender=party(phone="13700490072", id_number=resident_id(seq="572"))))
    asked = {**home, "detail": "漕溪北路18号实业大厦2105室"}
    r = service.as_dev("POST", "/v1/audit/trace", json={**SPAN, "address": asked})
    assert r.status_code == 200, r.text
    assert [(row["waybill_no"], row["matched_on"]) for row in r.json()["rows"]] == [
        (mine["waybill_no"], "sender_address")
    ]


def padded(body: dict[str, Any], size: int) -> bytes:
    """The body as JSON, padded with spaces to exactly size bytes."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    return raw + b" " * (size - len(raw))


def test_the_default_body_limit_is_2000000_bytes(service: Service) -> None:
    fits, over = waybill(), waybill()
    headers = {"content-type": "application/json"}
    assert (
        service.call("POST", "/v1/score", headers=headers, content=padded(fits, 2_000_000)).status_code == 200
    )
    r = service.call("POST", "/v1/score", headers=headers, content=padded(over, 2_000_001))
    assert r.status_code == 413 and r.json()["detail"]
    assert service.call("GET", f"/v1/decisions/SF/{fits['waybill_no']}").status_code == 200
    assert service.call("GET", f"/v1/decisions/SF/{over['waybill_no']}").status_code == 404


@dataclass
class Traced:
    """The parcels a command-line trace should find and the output of each trace."""

    wanted: str = ""
    outputs: dict[str, Result] = field(default_factory=dict)


TRACE_BY: dict[str, tuple[str, ...]] = {
    "account": ("--account", "acct-h4-cli-1"),
    "ip": ("--ip", "192.0.2.61"),
    "address": (
        "--address",
        "光华路7号汉威大厦2号楼",
        "--province",
        "北京市",
        "--city",
        "北京市",
        "--district",
        "朝阳区",
    ),
    "waybill": ("--waybill", "WAYBILL"),
}


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Traced:
    """Two parcels scored with `screening score -`, then `screening trace` by each kind of identifier."""
    data = tmp_path_factory.mktemp("trace") / "data"
    wanted = waybill(
        sender=party(phone="13700490061", id_number=resident_id(seq="561")),
        receiver=cn_receiver(phone="13912490061", address={"detail": "光华路7号汉威大厦2号楼1801"}),
        order={
            "platform": "jd",
            "order_id": "H4-CLI-1",
            "payment_account": "acct-h4-cli-1",
            "buyer_ip": "192.0.2.61",
        },
    )
    other = waybill(
        sender=party(phone="13700490062", id_number=resident_id(seq="562")),
        order={
            "platform": "jd",
            "order_id": "H4-CLI-2",
            "payment_account": "acct-h4-cli-2",
            "buyer_ip": "192.0.2.62",
        },
    )
    out = Traced(wanted=wanted["waybill_no"])
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("SCREENING_") and name != "SCREENING_SHARED_DIR":
                patch.delenv(name)
        patch.setenv("SCREENING_DATA_DIR", str(data))
        get_settings.cache_clear()
        try:
            for body in (wanted, other):
                scored = run("score", "-", stdin=json.dumps(body, ensure_ascii=False))
                assert scored.exit_code == 0, scored.output
            for kind, args in TRACE_BY.items():
                filled = tuple(out.wanted if a == "WAYBILL" else a for a in args)
                out.outputs[kind] = run("trace", *filled, *SPAN_ARGS)
        finally:
            get_settings.cache_clear()
    return out


@pytest.mark.parametrize("kind", list(TRACE_BY))
def test_screening_trace_by_each_identifier_prints_exactly_its_parcel(traced: Traced, kind: str) -> None:
    result = traced.outputs[kind]
    assert result.exit_code == 0, result.output
    assert "1 records" in result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [row["waybill_no"] for row in rows] == [traced.wanted]
