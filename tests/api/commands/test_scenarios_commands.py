"""The operator's command line, as a mature tool's user would try it: help, refusals, parity with the API.

Written from the README ("Command line", "The policy", "Compliance audit for the postal bureau", "Personal
data"), ../shared/contract/README.md (a bad waybill names every offending field and changes no state; a
well-formed false ID is a decision, `reject` with ID_INVALID; re-sending the same body changes nothing)
and ../shared/domain/RULES.md (the limits and reasons behind the expected decisions; "Nowhere a plain ID
number"). What other files already check is not repeated: that each README command exists with its
options and defaults, `score` of the example from a file and from standard input, `score` naming two bad
fields, the policy refusals at load level and `check-policy` on an unknown, missing or out-of-range key or
an inspect threshold over the hold one, `serve`'s refusals, key creation and revocation, the hand-built
report and trace run, `audit verify` on an edited trail, `labels export`, `users create`.

Readings where the sources leave a choice:

* "A clear refusal" is a non-zero exit code, a message naming the offending argument, key or field, and
  no crash: typer's CliRunner records a handled refusal as `SystemExit`; any other exception is what
  the real command would print as a Python traceback.
* "Nothing changed" after a refused command means the data dir was not even created (the refusal came
  before any work); for a waybill refused only once the engine ran (a currency without a rate), that no
  case was opened and the parcel is not in the decision log.
* `score` decides "as the service decides": the same body scored by the command and by `POST /v1/score`
  of a service on the same (shipped) policy gives the same answer but for `scored_at`. Each side starts
  from an empty history, so only rules without history are compared.
* A threshold written `true` in the policy file is the same slip as a count written `true`, which the
  README refuses; for `hold_threshold` it becomes 1.0, which switches the model's hold off just as the
  `inf` the README refuses would.
* A port outside 0–65535 or fewer than one worker is a bad argument of `serve`, refused before uvicorn
  starts.
* A report run twice for the same period writes the same tables: CSV and HTML byte for byte, the
  workbook's sheets (its document properties carry the time it was written).
"""

import csv
import json
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.app import create_app
from api.cli import app as cli
from screening.decisionlog import LogLayout
from screening.decisionlog.reader import scan_log
from screening.settings import DEFAULT_POLICY, Settings, get_settings
from tests.api.answers import codes
from tests.factories import (
    NO_ID,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.services_redis import free_port
from tests.shared_dir import SHARED

EXAMPLE: dict[str, Any] = json.loads((SHARED / "contract" / "waybill.example.json").read_text("utf-8"))
SHIPPED = DEFAULT_POLICY.read_text(encoding="utf-8")
WEEK = "2026-W46"  # holds the factories' pickup day, 2026-11-11
SETTINGS_ENV = (
    "SCREENING_ENV",
    "SCREENING_REDIS_URL",
    "SCREENING_DATABASE_URL",
    "SCREENING_MODEL_DIR",
    "SCREENING_POLICY_FILE",
    "SCREENING_CNY_RATES",
    "SCREENING_AGREEMENTS_FILE",
    "SCREENING_API_KEY",
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's settings read from tmp_path/data (created only by a command that needs it)."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def db_dir(data_dir: Path, sqlite_template: Path) -> Path:
    """The CLI's data dir holding an empty, migrated case database, as after a first start."""
    data_dir.mkdir(parents=True)
    shutil.copyfile(sqlite_template, data_dir / "screening.db")
    return data_dir


def run(*args: str, stdin: str | None = None) -> Result:
    """Invoke `screening <args>`."""
    return CliRunner().invoke(cli, list(args), input=stdin)


def ok(*args: str, stdin: str | None = None) -> str:
    """Invoke `screening <args>` and expect success; its output."""
    result = run(*args, stdin=stdin)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def assert_refused(result: Result, *named: str) -> None:
    """A handled refusal: non-zero exit, no crash, every named thing in the message."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"crashed with {result.exception!r}"
    assert "Traceback" not in result.output
    for name in named:
        assert name in result.output, (name, result.output)


def score(body: dict[str, Any]) -> dict[str, Any]:
    """`screening score -` of one waybill: the printed decision."""
    decision: dict[str, Any] = json.loads(ok("score", "-", stdin=json.dumps(body, ensure_ascii=False)))
    return decision


def policy_file(folder: Path, old: str, new: str) -> Path:
    """The shipped policy with one text replaced, written into folder."""
    assert old in SHIPPED, old
    path = folder / "policy.toml"
    path.write_text(SHIPPED.replace(old, new), encoding="utf-8")
    return path


def case_ids(data: Path) -> list[str]:
    """Case ids in the data dir's SQLite database."""
    with closing(sqlite3.connect(data / "screening.db")) as db:
        return [row[0] for row in db.execute("SELECT case_id FROM cases ORDER BY case_id")]


def logged(data: Path) -> list[str]:
    """Waybill numbers in the decision log of November 2026, journal included."""
    frame = scan_log(
        LogLayout(data / "decisionlog"), start=date(2026, 11, 1), end=date(2026, 11, 30), include_journal=True
    )
    return [str(n) for n in frame.select("waybill_no").collect()["waybill_no"]]


def report_texts(folder: Path) -> dict[str, str]:
    """Every report file's text, each member of a workbook read apart."""
    out: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                out |= {f"{path.name}/{m}": book.read(m).decode("utf-8") for m in book.namelist()}
        else:
            out[path.name] = path.read_text(encoding="utf-8-sig")
    return out


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A report CSV's rows by heading."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def uniq(n: int, **changes: Any) -> dict[str, Any]:
    """A verified mainland sender of its own (phone and ID), so no parcel shares another's history."""
    base: dict[str, Any] = {"phone": f"1370055{n:04d}", "id_number": resident_id(seq=f"{n:03d}")}
    return party(**(base | changes))


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group of the CLI with its path."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


COMMANDS = list(walk(typer.main.get_command(cli)))


# Help ---------------------------------------------------------------------------------------------------


def test_every_command_and_group_answers_help_with_what_it_does() -> None:
    assert len(COMMANDS) > 30
    for path, command in COMMANDS:
        result = run(*path, "--help")
        assert result.exit_code == 0 and "Usage" in result.output, (path, result.output)
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        assert summary, f"{' '.join(path)} says nothing of what it does"
        shown = " ".join(result.output.replace("│", " ").split())
        assert " ".join(summary.split()) in shown, (path, summary)


def test_every_option_and_argument_says_what_it_is_for() -> None:
    silent = [
        (" ".join(path), p.name)
        for path, command in COMMANDS
        for p in command.params
        if p.name != "help" and not (getattr(p, "help", None) or "").strip()
    ]
    assert silent == []


def test_screening_alone_lists_every_command_and_group() -> None:
    result = run()
    assert "Traceback" not in result.output and "Usage" in result.output
    top = {path[0] for path, _ in COMMANDS if len(path) == 1}
    assert top >= {"serve", "check-policy", "score", "keys", "audit", "models", "report", "trace", "sample"}
    assert [name for name in sorted(top) if name not in result.output] == []


# check-policy -------------------------------------------------------------------------------------------


def test_check_policy_of_the_shipped_file_says_ok_twice_and_touches_nothing(data_dir: Path) -> None:
    before = DEFAULT_POLICY.read_bytes()
    first = ok("check-policy", str(DEFAULT_POLICY))
    assert first == ok("check-policy", str(DEFAULT_POLICY))
    assert "ok" in first and "policy-1" in first
    assert DEFAULT_POLICY.read_bytes() == before
    assert not data_dir.exists()


@pytest.mark.parametrize(
    ("make", "named"),
    [
        pytest.param(lambda d: d / "absent.toml", "absent.toml", id="missing-file"),
        pytest.param(lambda d: d, "Is a directory", id="a-directory"),
        pytest.param(lambda d: d / "p.toml", "limits", id="empty-file"),
    ],
)
def test_check_policy_refuses_a_file_it_cannot_use_naming_it(
    data_dir: Path, tmp_path: Path, make: Callable[[Path], Path], named: str
) -> None:
    (tmp_path / "p.toml").write_text("", encoding="utf-8")
    path = make(tmp_path)
    result = run("check-policy", str(path))
    assert_refused(result, named, str(path))
    assert "ok, version" not in result.output
    assert not data_dir.exists()


def test_check_policy_refuses_a_key_written_twice_naming_its_line(tmp_path: Path) -> None:
    path = policy_file(tmp_path, 'version = "policy-1"\n', 'version = "policy-1"\nversion = "policy-2"\n')
    line = SHIPPED.splitlines().index('version = "policy-1"') + 2
    assert_refused(run("check-policy", str(path)), str(path), f"line {line}")


def test_check_policy_refuses_a_file_that_is_not_utf8_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(SHIPPED.replace("policy-1", "政策-1").encode("gb18030"))
    assert_refused(run("check-policy", str(path)), str(path))


POLICY_REFUSALS: list[Any] = [
    pytest.param("random_rate = 0.005", "random_rate = -0.01", "audit.random_rate", id="negative-audit-rate"),
    pytest.param(
        "inspect_threshold = 0.5",
        "inspect_threshold = -0.1",
        "model.inspect_threshold",
        id="negative-inspect",
    ),
    pytest.param(
        "near_limit_band = 0.9",
        "near_limit_band = 1.0",
        "limits.near_limit_band",
        id="band-of-the-whole-limit",
    ),
    pytest.param(
        "personal_hk_mo_tw_cny = 800.0",
        "personal_hk_mo_tw_cny = 0.0",
        "limits.personal_hk_mo_tw_cny",
        id="zero-hk-limit",
    ),
    pytest.param(
        "personal_hk_mo_tw_cny = 800.0\n", "", "limits.personal_hk_mo_tw_cny", id="hk-limit-missing"
    ),
    pytest.param("[limits]\n", "[limitz]\n", "limitz", id="limits-section-misspelt"),
    pytest.param(
        'short_window = "24h"\nlong_window = "7d"',
        'short_window = "7d"\nlong_window = "24h"',
        "history.ant_sender",
        id="ant-windows-swapped",
    ),
    pytest.param(
        "hold_threshold = 0.8",
        "hold_threshold = true",
        "model.hold_threshold",
        id="hold-threshold-true",
    ),
    pytest.param(
        "random_rate = 0.005",
        "random_rate = true",
        "audit.random_rate",
        id="audit-rate-true",
    ),
]


@pytest.mark.parametrize(("old", "new", "named"), POLICY_REFUSALS)
def test_check_policy_refuses_a_broken_or_inconsistent_value_naming_its_key(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    path = policy_file(tmp_path, old, new)
    result = run("check-policy", str(path))
    assert_refused(result, named, str(path))
    assert result.exit_code == 1 and "ok, version" not in result.output


# score ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A development service on the shipped policy (random audit as shipped, like the command)."""
    settings = Settings(
        env="development", data_dir=tmp_path_factory.mktemp("service") / "data", case_writer="thread"
    )
    with TestClient(create_app(settings)) as client:
        yield client


def cbec_import_without_buyer_id() -> dict[str, Any]:
    """A cross-border e-commerce import from Hong Kong whose buyer gave no ID."""
    return waybill(
        service="import",
        channel="cbec",
        sender=hk_receiver(phone="+85291230007"),
        receiver=cn_receiver(phone="13912340007"),
        items=[item(description="奶粉 milk powder", category="food", quantity=2, unit_value=150.0)],
        weight_kg=2.0,
    )


SAME_AS_API: list[Any] = [
    pytest.param(lambda: EXAMPLE, "release", set(), id="readme-example"),
    pytest.param(lambda: over_limit(sender=uniq(1)), "hold", {"OVER_PERSONAL_LIMIT"}, id="over-limit"),
    pytest.param(
        lambda: export_postal(sender=uniq(2), items=[item(quantity=1, unit_value=900.0)]),
        "inspect",
        {"OVER_PERSONAL_LIMIT"},
        id="single-article-over-limit",
    ),
    pytest.param(
        lambda: waybill(sender=uniq(3, id_number=wrong_check_digit(resident_id(seq="103")))),
        "reject",
        {"ID_INVALID"},
        id="false-id",
    ),
    pytest.param(
        lambda: waybill(sender=party(**NO_ID, phone="13700550004")),
        "reject",
        {"REALNAME_MISSING"},
        id="no-sender-id",
    ),
    pytest.param(
        lambda: waybill(
            sender=uniq(5), items=[item(description="冰毒", category="general", quantity=1, unit_value=100.0)]
        ),
        "reject",
        {"PROHIBITED_ITEM"},
        id="prohibited",
    ),
    pytest.param(
        lambda: export_postal(
            sender=uniq(6),
            items=[
                item(description="手表 watch", category=None, brand="Rolex", quantity=1, unit_value=200.0)
            ],
        ),
        "inspect",
        {"BRAND_PRICE_ANOMALY"},
        id="fake-rolex-at-200-cny",
    ),
    pytest.param(cbec_import_without_buyer_id, "hold", {"BUYER_ID_MISSING"}, id="cbec-without-buyer-id"),
]


@pytest.mark.parametrize(("make", "outcome", "reasons"), SAME_AS_API)
def test_score_answers_what_the_http_api_answers(
    db_dir: Path, http: TestClient, make: Callable[[], dict[str, Any]], outcome: str, reasons: set[str]
) -> None:
    body = make()
    by_command = score(body)
    answer = http.post("/v1/score", json=body)
    assert answer.status_code == 200, answer.text
    by_api = answer.json()
    assert (by_command["decision"], by_api["decision"]) == (outcome, outcome)
    assert codes(by_command) >= reasons
    if not reasons:
        assert by_command["reasons"] == []
    assert {k: v for k, v in by_command.items() if k != "scored_at"} == {
        k: v for k, v in by_api.items() if k != "scored_at"
    }
    assert (by_command["case_id"] is not None) == (outcome == "hold")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda d: d / "absent.json", id="missing-file"),
        pytest.param(lambda d: d, id="a-directory"),
    ],
)
def test_score_refuses_a_file_it_cannot_read_naming_it(
    data_dir: Path, tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)
    assert_refused(run("score", str(path)), path.name)
    assert not data_dir.exists()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        pytest.param("not json", "json_invalid", id="not-json"),
        pytest.param("", "json_invalid", id="empty"),
        pytest.param("[]", "model_type", id="a-list"),
    ],
)
def test_score_refuses_what_is_not_a_waybill_object_and_starts_nothing(
    data_dir: Path, text: str, kind: str
) -> None:
    result = run("score", "-", stdin=text)
    assert_refused(result, kind)
    assert result.exit_code == 1
    assert not data_dir.exists()


def mismatched() -> dict[str, Any]:
    """A waybill whose declared value is not its items' total."""
    return waybill(declared_value=999.0)


SHORT_ID = "11010519491231"
BAD_FIELDS: list[Any] = [
    pytest.param(
        lambda: waybill(sender=party(id_number=SHORT_ID)),
        ["sender", "id_number"],
        id="id-of-the-wrong-length",
    ),
    pytest.param(
        lambda: export_postal(receiver=cn_receiver()), ["receiver", "address", "country"], id="export-to-cn"
    ),
    pytest.param(mismatched, ["declared_value"], id="declared-value-not-the-items-total"),
    pytest.param(lambda: waybill(accepted_at="2026-11-11T09:30:00"), ["accepted_at"], id="naive-pickup-time"),
]


@pytest.mark.parametrize(("make", "loc"), BAD_FIELDS)
def test_score_of_a_waybill_with_a_bad_field_names_it_echoes_nothing_and_changes_nothing(
    data_dir: Path, make: Callable[[], dict[str, Any]], loc: list[Any]
) -> None:
    result = run("score", "-", stdin=json.dumps(make(), ensure_ascii=False))
    assert_refused(result)
    detail = json.loads(result.output[result.output.index("{") :])["detail"]
    assert loc in [e["loc"] for e in detail], detail
    assert SHORT_ID not in result.output
    assert not data_dir.exists()


def test_score_of_a_currency_without_a_rate_names_it_and_logs_no_parcel_and_opens_no_case(
    db_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCREENING_CNY_RATES", '{"CNY": 1.0, "HKD": 0.91}')
    get_settings.cache_clear()
    refused = over_limit(sender=uniq(20), currency="EUR")
    result = run("score", "-", stdin=json.dumps(refused, ensure_ascii=False))
    assert_refused(result, "currency")
    assert result.exit_code == 1
    held = score(over_limit(sender=uniq(21)))
    assert held["decision"] == "hold"
    assert logged(db_dir) == [held["waybill_no"]]
    assert case_ids(db_dir) == [held["case_id"]]


def test_score_of_a_false_id_rejects_showing_only_its_masked_form(db_dir: Path) -> None:
    false_id = wrong_check_digit(resident_id(region="310115", birth="19880214", seq="047"))
    result = run("score", "-", stdin=json.dumps(waybill(sender=uniq(22, id_number=false_id))))
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    assert d["decision"] == "reject" and codes(d) == {"ID_INVALID"}
    assert f"310115********{false_id[-4:]}" in result.output
    assert false_id not in result.output and false_id[:17] not in result.output
    assert false_id[6:14] not in result.output


def test_a_held_parcel_scored_twice_keeps_one_case_and_the_same_answer(db_dir: Path) -> None:
    body = over_limit(sender=uniq(23))
    first = score(body)
    second = score(body)
    assert first["decision"] == "hold" and first["case_id"]
    assert {k: v for k, v in first.items() if k != "scored_at"} == {
        k: v for k, v in second.items() if k != "scored_at"
    }
    assert case_ids(db_dir) == [first["case_id"]]
    verified = ok("audit", "verify")
    assert "ok" in verified and verified == ok("audit", "verify")


# Reports --------------------------------------------------------------------------------------------------


WEEK_IDS = {
    "held": resident_id(region="440305", birth="19900101", seq="031"),
    "false": wrong_check_digit(resident_id(region="320106", birth="19770707", seq="062")),
}


@pytest.fixture(scope="module")
def scored_week(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A data dir where `score` decided a held, a false-ID and an un-X-rayed parcel of 2026-11-11."""
    data = tmp_path_factory.mktemp("week") / "data"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / "screening.db")
    with pytest.MonkeyPatch.context() as patch:
        for name in SETTINGS_ENV:
            patch.delenv(name, raising=False)
        patch.setenv("SCREENING_DATA_DIR", str(data))
        get_settings.cache_clear()
        assert score(over_limit(sender=uniq(30, id_number=WEEK_IDS["held"])))["decision"] == "hold"
        assert score(waybill(sender=uniq(31, id_number=WEEK_IDS["false"])))["decision"] == "reject"
        no_xray = waybill(sender=uniq(32), pickup_checks={"opened_inspection": True, "xray_screened": False})
        assert score(no_xray)["decision"] == "inspect"
    get_settings.cache_clear()
    return data


def score_a_week(data: Path, scored: Path) -> dict[str, str]:
    """Give the CLI's data dir the scored week; the senders' ID numbers by role."""
    shutil.copytree(scored, data)
    return WEEK_IDS


def test_a_weekly_report_writes_the_workbook_the_html_page_and_the_csv_tables_it_prints(
    data_dir: Path, tmp_path: Path, scored_week: Path
) -> None:
    score_a_week(data_dir, scored_week)
    out = tmp_path / "reports"
    printed = ok("report", "weekly", "--week", WEEK, "--out", str(out)).split()
    files = sorted(out.iterdir())
    assert sorted(Path(p) for p in printed) == files
    names = {p.name for p in files}
    stem = f"compliance-week-{WEEK}"
    assert {f"{stem}.xlsx", f"{stem}.html", f"{stem}-carriers.csv", f"{stem}-offending.csv"} <= names
    assert all(p.stat().st_size > 0 for p in files)
    with zipfile.ZipFile(out / f"{stem}.xlsx") as book:
        sheets = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode("utf-8"))
    assert len(sheets) >= 4 and any("Offending" in s for s in sheets), sheets
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "<svg" in page or "data:image" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    (carrier,) = csv_rows(out / f"{stem}-carriers.csv")
    assert carrier["快递企业 (carrier)"] == "SF" and carrier["收寄件数 (parcels)"] == "3"


def test_a_monthly_report_goes_to_data_dir_reports_named_for_the_month(
    data_dir: Path, scored_week: Path
) -> None:
    score_a_week(data_dir, scored_week)
    printed = [Path(p) for p in ok("report", "monthly", "--month", "2026-11").split()]
    assert printed and all(p.parent == data_dir / "reports" and p.exists() for p in printed)
    assert {p.suffix for p in printed} == {".xlsx", ".html", ".csv"}
    assert all(p.name.startswith("compliance-month-2026-11") for p in printed)
    (carrier,) = csv_rows(data_dir / "reports" / "compliance-month-2026-11-carriers.csv")
    assert carrier["收寄件数 (parcels)"] == "3"


def test_a_report_run_twice_writes_the_same_tables(data_dir: Path, tmp_path: Path, scored_week: Path) -> None:
    score_a_week(data_dir, scored_week)
    out = tmp_path / "out"
    printed = ok("report", "weekly", "--week", WEEK, "--out", str(out))
    first = report_texts(out)
    assert ok("report", "weekly", "--week", WEEK, "--out", str(out)) == printed
    second = report_texts(out)
    assert set(first) == set(second)
    differing = sorted(name for name in first if first[name] != second[name])
    assert differing in ([], [f"compliance-week-{WEEK}.xlsx/docProps/core.xml"])


def test_a_parcel_scored_twice_counts_once_in_the_report(db_dir: Path, tmp_path: Path) -> None:
    body = over_limit(sender=uniq(33))
    score(body)
    score(body)
    score(waybill(sender=uniq(34)))
    ok("report", "weekly", "--week", WEEK, "--out", str(tmp_path / "out"))
    (carrier,) = csv_rows(tmp_path / "out" / f"compliance-week-{WEEK}-carriers.csv")
    assert (carrier["收寄件数 (parcels)"], carrier["扣留 (hold)"], carrier["放行 (release)"]) == (
        "2",
        "1",
        "1",
    )


def test_no_report_file_and_no_command_output_holds_a_plain_id_number(
    data_dir: Path, tmp_path: Path, scored_week: Path
) -> None:
    ids = score_a_week(data_dir, scored_week)
    printed = ok("report", "weekly", "--week", WEEK, "--out", str(tmp_path / "out"))
    texts = report_texts(tmp_path / "out") | {"stdout": printed}
    for number in ids.values():
        for form in (number, number[:17], number[6:14] + number[14:17]):
            assert [name for name, text in texts.items() if form in text] == [], form
    assert f"320106********{ids['false'][-4:]}" in texts[f"compliance-week-{WEEK}-offending.csv"]


def test_a_week_without_parcels_still_writes_its_report(db_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    printed = ok("report", "weekly", "--week", "2026-W40", "--out", str(out))
    assert sorted(Path(p) for p in printed.split()) == sorted(out.iterdir())
    assert {p.suffix for p in out.iterdir()} == {".xlsx", ".html", ".csv"}
    assert csv_rows(out / "compliance-week-2026-W40-carriers.csv") == []


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        pytest.param("weekly", "2026-W60", id="week-60"),
        pytest.param("weekly", "2026-47", id="week-without-w"),
        pytest.param("monthly", "2026-13", id="month-13"),
    ],
)
def test_a_report_for_a_period_that_does_not_exist_is_refused_naming_it_and_writes_nothing(
    data_dir: Path, tmp_path: Path, kind: str, label: str
) -> None:
    option = "--week" if kind == "weekly" else "--month"
    result = run("report", kind, option, label, "--out", str(tmp_path / "out"))
    assert_refused(result, option.removeprefix("--"))
    assert not (tmp_path / "out").exists() and not data_dir.exists()


# Trace ----------------------------------------------------------------------------------------------------


def test_a_trace_by_id_number_prints_masked_ids_only_whether_typed_or_asked(
    db_dir: Path, tmp_path: Path
) -> None:
    number = resident_id(region="440305", birth="19900101", seq="031")
    held = score(over_limit(sender=uniq(40, id_number=number)))
    span = ("--from", "2026-11-10", "--to", "2026-11-12")
    typed = ok("trace", "--id-type", "resident_id", "--id-number", number, *span)
    asked = ok("trace", "--id-type", "resident_id", *span, stdin=number + "\n")
    out = tmp_path / "trace.csv"
    written = ok("trace", "--id-type", "resident_id", "--id-number", number, *span, "--out", str(out))
    table = out.read_text(encoding="utf-8-sig")
    assert held["waybill_no"] in typed and held["waybill_no"] in asked and held["waybill_no"] in table
    assert "1 records" in written
    for text in (typed, asked, written, table):
        assert number not in text and number[:17] not in text
    assert f"440305********{number[-4:]}" in typed and held["case_id"] in typed


def test_a_trace_by_an_id_number_of_the_wrong_length_is_refused_without_echoing_it(data_dir: Path) -> None:
    result = run(
        "trace",
        "--id-type",
        "resident_id",
        "--id-number",
        SHORT_ID,
        "--from",
        "2026-11-10",
        "--to",
        "2026-11-12",
    )
    assert_refused(result, "id_number")
    assert SHORT_ID not in result.output


@pytest.mark.parametrize(
    ("identifiers", "named"),
    [
        pytest.param((), "exactly one", id="none"),
        pytest.param(("--phone", "13800138000", "--ip", "203.0.113.7"), "phone, ip", id="two"),
    ],
)
def test_a_trace_needs_exactly_one_identifier(
    data_dir: Path, identifiers: tuple[str, ...], named: str
) -> None:
    result = run("trace", *identifiers, "--from", "2026-11-10", "--to", "2026-11-12")
    assert_refused(result, named)
    assert not data_dir.exists()


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        pytest.param("2026-11-12", "2026-11-10", "ends before it starts", id="backwards"),
        pytest.param("2026-11-10", "2027-11-12", "367 days", id="over-a-year"),
        pytest.param("2026-02-30", "2026-11-12", "--from", id="no-such-day"),
    ],
)
def test_a_trace_over_a_period_that_cannot_be_is_refused_naming_it(
    data_dir: Path, start: str, end: str, named: str
) -> None:
    result = run("trace", "--phone", "13800138000", "--from", start, "--to", end)
    assert_refused(result, named)
    assert not data_dir.exists()


# The decision log and registries --------------------------------------------------------------------------


def test_log_compact_a_second_time_changes_nothing(db_dir: Path) -> None:
    score(over_limit(sender=uniq(50)))
    score(waybill(sender=uniq(51)))
    ok("log", "compact")
    parquet = db_dir / "decisionlog" / "parquet"
    after_first = {p: p.read_bytes() for p in parquet.rglob("*.parquet")}
    second = ok("log", "compact")
    assert "0 journal segments, 0 records" in second and "days merged: none" in second
    assert {p: p.read_bytes() for p in parquet.rglob("*.parquet")} == after_first
    assert sorted(logged(db_dir)) == sorted(set(logged(db_dir)))
    assert len(logged(db_dir)) == 2


OUTLETS_HEADER = "outlet_id,carrier,province,city,district,name"


def test_outlets_loaded_twice_leave_the_same_registry(data_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "outlets.csv"
    source.write_text(f"{OUTLETS_HEADER}\nSF-310115-0042,SF,上海市,上海市,浦东新区,张江营业部\n", "utf-8")
    assert "1 outlets loaded" in ok("outlets", "load", str(source))
    registry = (data_dir / "outlets.csv").read_bytes()
    assert "1 outlets loaded" in ok("outlets", "load", str(source))
    assert (data_dir / "outlets.csv").read_bytes() == registry


def test_outlets_without_a_header_row_are_refused_naming_the_missing_columns(
    data_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "outlets.csv"
    source.write_text("SF-310115-0042,SF,上海市,上海市,浦东新区,张江营业部\n", "utf-8")
    result = run("outlets", "load", str(source))
    assert_refused(result, "outlet_id", "carrier", "name")
    detail = json.loads(result.output[result.output.index("{") :])["detail"]
    assert {e["loc"][1] for e in detail} == {1}
    assert not (data_dir / "outlets.csv").exists()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("outlets", "load", "ABSENT"), id="outlets-load"),
        pytest.param(("lists", "load", "ABSENT", "--url", "URL"), id="lists-load"),
    ],
)
def test_loading_a_missing_csv_is_refused_naming_the_file(
    data_dir: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    fill = {"ABSENT": str(tmp_path / "absent.csv"), "URL": f"http://127.0.0.1:{free_port()}"}
    result = run(*(fill.get(a, a) for a in args))
    assert_refused(result, "absent.csv")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("lists", "load", "LISTS"), id="lists-load"),
        pytest.param(
            (
                "violations",
                "record",
                "--kind",
                "phone",
                "--value",
                "13700990006",
                "--parcel",
                "SF:SF1400099000001",
                "--at",
                "2026-11-11T09:30:00+08:00",
            ),
            id="violations-record",
        ),
    ],
)
def test_an_admin_command_to_a_service_that_is_not_there_says_it_cannot_reach_it(
    data_dir: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    lists = tmp_path / "lists.csv"
    lists.write_text(
        "list,kind,value,id_type,country,province,city,district,detail\nwatch,phone,13700990004,,CN,,,,\n",
        "utf-8",
    )
    url = f"http://127.0.0.1:{free_port()}"
    result = run(*(str(lists) if a == "LISTS" else a for a in args), "--url", url)
    assert_refused(result, "cannot reach", url)
    assert result.exit_code == 2


# Models -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("evaluate", "--version", "xgb-no-such"), id="evaluate"),
        pytest.param(("backtest", "--history", "ABSENT", "--version", "xgb-no-such"), id="backtest"),
        pytest.param(("models", "promote", "xgb-no-such"), id="promote"),
    ],
)
def test_an_unknown_model_version_is_refused_naming_it_before_any_work(
    data_dir: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run(*(str(tmp_path / "h.parquet") if a == "ABSENT" else a for a in args))
    assert_refused(result, "xgb-no-such")
    assert result.exit_code == 1
    assert not (data_dir / "simulated").exists()
    assert "no models registered" in ok("models", "list")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("train", "--history"), id="train"),
        pytest.param(("backtest", "--history"), id="backtest"),
    ],
)
def test_a_missing_history_file_is_refused_naming_it(
    data_dir: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run(*args, str(tmp_path / "absent.parquet"))
    assert_refused(result, "absent.parquet")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(("train", "--budget", "0.9"), "--budget", id="train-budget-over-half"),
        pytest.param(("simulate", "--out", "OUT", "--days", "0"), "--days", id="simulate-zero-days"),
        pytest.param(("sample", "load", "--rows", "0"), "--rows", id="sample-zero-rows"),
        pytest.param(
            ("benchmark", "customs-kr", "--train", "OUT", "--valid", "OUT", "--test", "OUT"),
            "--train",
            id="benchmark-missing-file",
        ),
    ],
)
def test_an_option_out_of_its_range_is_refused_naming_it_before_any_work(
    data_dir: Path, tmp_path: Path, args: tuple[str, ...], option: str
) -> None:
    out = tmp_path / "out.parquet"
    result = run(*(str(out) if a == "OUT" else a for a in args))
    assert_refused(result, option)
    assert result.exit_code == 2
    assert not out.exists() and not data_dir.exists()


# Keys -------------------------------------------------------------------------------------------------------


def key_rows(data: Path) -> list[tuple[Any, ...]]:
    """(id, prefix, revoked_at) of every key in the data dir's database."""
    with closing(sqlite3.connect(data / "screening.db")) as db:
        return list(db.execute("SELECT id, prefix, revoked_at FROM api_keys ORDER BY id"))


def test_a_key_is_printed_once_and_the_list_shows_only_its_prefix(db_dir: Path) -> None:
    made = ok("keys", "create", "--carrier", "SF", "--label", "SF gateway")
    token = made.split("(shown once): ")[1].strip()
    listed = ok("keys", "list")
    (row,) = key_rows(db_dir)
    assert row[1] in listed and token.startswith(row[1])
    assert token not in listed and token[len(row[1]) :] not in listed


def test_revoking_a_key_twice_keeps_its_first_revocation(db_dir: Path) -> None:
    ok("keys", "create", "--admin", "ops")
    ok("keys", "revoke", "1")
    (first,) = key_rows(db_dir)
    assert first[2] is not None
    again = run("keys", "revoke", "1")
    assert again.exception is None or isinstance(again.exception, SystemExit)
    assert key_rows(db_dir) == [first]


@pytest.mark.parametrize("rate", ["0", "-5"])
def test_a_key_with_a_rate_that_is_not_positive_is_refused_and_none_is_made(db_dir: Path, rate: str) -> None:
    assert_refused(run("keys", "create", "--carrier", "SF", "--rate", rate), "rate")
    assert ok("keys", "list").strip() == ""


def test_revoking_by_a_prefix_that_matches_two_keys_revokes_neither(db_dir: Path) -> None:
    ok("keys", "create", "--carrier", "SF")
    ok("keys", "create", "--carrier", "YTO")
    assert_refused(run("keys", "revoke", "scr_car_"), "2 keys match")
    assert [row[2] for row in key_rows(db_dir)] == [None, None]


# serve ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(("--port", "70000"), "--port", id="port-over-65535"),
        pytest.param(("--workers", "0"), "--workers", id="no-workers"),
    ],
)
def test_serve_refuses_a_port_or_worker_count_that_cannot_be(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], option: str
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: started.append(kw))
    result = run("serve", *args)
    assert started == []
    assert_refused(result, option)
