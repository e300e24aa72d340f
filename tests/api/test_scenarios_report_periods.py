"""The postal bureau's weekly and monthly figures over HTTP: which parcels a period holds, and the same
figures in every format.

Sources: RULES.md §1 (the three systems: 实名收寄、收寄验视、过机安检; real-name pickup for domestic and
export parcels), §3 (REALNAME_MISSING, XRAY_NOT_RECORDED, PROHIBITED_ITEM, OVER_PERSONAL_LIMIT); the wire
contract (`accepted_at`: "ISO-8601 timestamp with offset", "(carrier, waybill_no) identifies a parcel", a
re-sent changed body "still counts once"); the README: "HTTP API" (`/v1/audit/metrics`, `/dashboard`,
`/offending`: "period (`week`, `month` or `from`/`to`)"; `/v1/audit/reports/{weekly|monthly}/{label}
?format=xlsx|html|csv`; the roles auditor, supervisor, admin), "Compliance audit for the postal bureau"
("ISO week, Beijing time"; the decision log "partitioned by the Beijing day of `accepted_at`"; "A parcel
counts once, as last scored: a corrected body that moved its pickup to another day ... no longer counts on
the day it left"; "an XLSX workbook, a self-contained HTML report with charts and CSV") and "Security
model" (who may call what; every route answers 401 to an anonymous caller).

What tests/api/test_audit.py, test_scenarios_audit_http.py, test_scenarios_bureau.py and the compliance
scenarios already hold is not repeated here. These add: a courier's own wall clock in other offsets, the
last second of a period in other offsets and fractions of a second, the year ends 2025/2026 and 2027/2028,
February of a common year, the last day of January, day ranges across the new year and their comparison,
a week split between two months per outlet; corrections that only rewrite the offset, that move a parcel
twice, that move it across the new year within one ISO week, one carrier's correction beside another
carrier's parcel of the same number, a batch of three bodies; the workbook's outlet, offending and daily
sheets and its period lines, the HTML page's periods and offending waybills, the weekly daily and regions
CSV tables, file names and media types of a monthly report; more period parameters that are not periods;
and who may download the workbook and the page.

One development-mode app serves the module (SQLite cases, embedded history, the shipped policy without the
random audit). Every test has carrier codes of its own (with their outlets registered) and asks for its
carriers only; a download, which has no carrier filter, is read for the test's carrier's rows or for a
period no other test scores in. Every parcel has a sender and a receiver of its own, so no history rule
joins two tests.
"""

import io
import itertools
from collections.abc import Iterator
from datetime import datetime
from string import ascii_uppercase
from typing import Any, Protocol

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import SESSION_COOKIE
from screening.outlets import Outlet
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.conftest import CaseClient
from tests.factories import NO_ID, item, macau_receiver, party, resident_id, waybill
from tests.screening.compliance.test_scenarios_audit import BEIJING, Desk, csv_rows, table, total

_serial = itertools.count(1)
_carriers = itertools.count()
W47 = {"week": "2026-W47"}
NO_XRAY = {"opened_inspection": True, "xray_screened": False}
BOTH = {"opened_inspection": True, "xray_screened": True}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The module's app with an auditor (who is also an officer) logged in, on clocks the tests set."""
    settings = Settings(env="development", data_dir=tmp_path_factory.mktemp("periods") / "data")
    app = create_app(settings)
    with TestClient(app) as http:
        shipped = load_policy(DEFAULT_POLICY)
        app.state.engine.policy = shipped.model_copy(update={"audit": Audit(random_rate=0.0)})
        yield Desk(CaseClient(http, app))


class Lot:
    """One test's carrier: its code, two registered outlets ({code}-A in Shanghai, {code}-B in Beijing),
    parcels with people of their own, and the audit read for this carrier only."""

    def __init__(self, desk: Desk) -> None:
        n = next(_carriers)
        self.desk = desk
        self.carrier = f"Q{ascii_uppercase[n // 26]}{ascii_uppercase[n % 26]}"
        desk.client.app.state.audit.outlets.upsert(
            [
                Outlet(
                    outlet_id=f"{self.carrier}-A",
                    carrier=self.carrier,
                    province="上海市",
                    city="上海市",
                    district="浦东新区",
                    name=f"{self.carrier} 张江营业部",
                ),
                Outlet(
                    outlet_id=f"{self.carrier}-B",
                    carrier=self.carrier,
                    province="北京市",
                    city="北京市",
                    district="朝阳区",
                    name=f"{self.carrier} 建国路营业部",
                ),
            ]
        )

    def parcel(self, at: str, outlet: str = "A", **changes: Any) -> dict[str, Any]:
        """A clean domestic parcel (released) picked up at `at` at one of the carrier's outlets."""
        n = next(_serial)
        base: dict[str, Any] = {
            "carrier": self.carrier,
            "waybill_no": f"{self.carrier}{n:010d}",
            "outlet_id": f"{self.carrier}-{outlet}",
            "accepted_at": at,
            "sender": person(n),
            "receiver": party(
                name=f"李{n}",
                phone=f"139{n:08d}",
                address={"province": "北京市", "city": "北京市", "district": "朝阳区"}
                | {"detail": f"建国路{n}号{n % 9 + 1}号楼"},
                **NO_ID,
            ),
        }
        return waybill(**(base | changes))

    def held(self, at: str, outlet: str = "A", **changes: Any) -> dict[str, Any]:
        """An export personal article of 1,000 CNY to Macau (limit 800), two coats: held."""
        coats = [item(description="羊毛大衣 wool coat", quantity=2, unit_value=500.0)]
        base = {
            "service": "export",
            "channel": "postal",
            "receiver": macau_receiver(next(_serial)),
            "items": coats,
            "declared_value": 1000.0,
        }
        return self.parcel(at, outlet, **(base | changes))

    def score(self, body: dict[str, Any], *, after_s: float = 5.0) -> dict[str, Any]:
        """Score a waybill `after_s` seconds after its pickup."""
        return self.desk.score(body, after_s=after_s)

    def score_at(self, body: dict[str, Any], when: str) -> dict[str, Any]:
        """Score a waybill at a set moment (a correction sent later)."""
        self.desk.now = datetime.fromisoformat(when)
        return self.desk.client.score(body)

    def get(self, path: str, **params: str) -> Any:
        """An audit route's answer for this carrier only."""
        return self.desk.get(path, carrier=self.carrier, **params)

    def parcels(self, **period: str) -> int:
        """How many of this carrier's parcels a period counts."""
        counted: int = self.get("metrics", **period)["total"]["parcels"]
        return counted


def person(n: int) -> dict[str, Any]:
    """A Shanghai sender with a verified resident ID, a phone and a building nobody else has."""
    return party(
        id_number=resident_id(region="310115", birth=f"19{60 + n // 1000:02d}0615", seq=f"{n % 1000:03d}"),
        phone=f"137{n:08d}",
        address={"detail": f"张江路{n}号{n % 9 + 1}号楼{n}室"},
    )


@pytest.fixture
def lot(desk: Desk) -> Lot:
    """A carrier of the test's own."""
    return Lot(desk)


def mine(body: dict[str, Any], key: str, *carriers: str) -> list[dict[str, Any]]:
    """The rows of a response that belong to these carriers."""
    return [r for r in body[key] if r["carrier"] in carriers]


# Which week a pickup falls in: the Beijing day, not the courier's wall clock.


@pytest.mark.parametrize(
    ("accepted_at", "week", "day"),
    [
        ("2026-11-22T23:30:00+08:00", "2026-W47", "2026-11-22"),
        ("2026-11-22T23:30:00+09:00", "2026-W47", "2026-11-22"),  # Tokyo: 22:30 in Beijing
        ("2026-11-22T23:30:00+14:00", "2026-W47", "2026-11-22"),  # Kiribati: 17:30 in Beijing
        ("2026-11-22T23:30:00+07:00", "2026-W48", "2026-11-23"),  # Bangkok: 00:30 on Monday in Beijing
        ("2026-11-22T23:30:00+05:45", "2026-W48", "2026-11-23"),  # Kathmandu: 01:45 on Monday
        ("2026-11-22T23:30:00-05:00", "2026-W48", "2026-11-23"),  # New York: 12:30 on Monday
        ("2026-11-22T23:30:00-12:00", "2026-W48", "2026-11-23"),  # Baker Island: 19:30 on Monday
        ("2026-11-22T23:59:59.999999+08:00", "2026-W47", "2026-11-22"),  # the last microsecond of Sunday
        ("2026-11-22T16:00:00.000001Z", "2026-W48", "2026-11-23"),  # a microsecond into Monday
        ("2026-11-22T16:59:59.5+01:00", "2026-W47", "2026-11-22"),  # Paris: 23:59:59.5 in Beijing
    ],
)
def test_a_pickup_late_on_sunday_in_any_offset_counts_in_the_week_of_its_beijing_day(
    lot: Lot, accepted_at: str, week: str, day: str
) -> None:
    """README: reports are by "ISO week, Beijing time"; the contract: `accepted_at` carries its offset."""
    body = lot.parcel(accepted_at, pickup_checks=NO_XRAY)
    assert lot.score(body)["decision"] == "inspect"
    weeks = {w: lot.parcels(week=w) for w in ("2026-W47", "2026-W48")}
    assert weeks == {w: int(w == week) for w in weeks}
    listed = lot.get("offending", week=week)
    assert [(r["waybill_no"], r["day"]) for r in listed["rows"]] == [(body["waybill_no"], day)]


# Which month a pickup falls in: the last day of January and of a common year's February, in other offsets.


@pytest.mark.parametrize(
    ("accepted_at", "month", "other_side"),
    [
        ("2027-01-31T23:00:00-01:00", "2027-02", "2027-01-31"),  # the Azores: 08:00 on 1 February in Beijing
        ("2027-02-01T01:59:59+10:00", "2027-01", "2027-02-01"),  # Sydney: 23:59:59 on 31 January in Beijing
        ("2027-02-28T23:59:59.999+08:00", "2027-02", "2027-03-01"),  # no leap year: February ends on the 28th
        ("2027-02-28T17:00:00+01:00", "2027-03", "2027-02-28"),  # 00:00 on 1 March in Beijing
        ("2027-03-01T00:59:59+09:00", "2027-02", "2027-03-01"),  # Tokyo on 1 March: 28 February in Beijing
    ],
)
def test_a_pickup_counts_in_the_calendar_month_of_its_beijing_day(
    lot: Lot, accepted_at: str, month: str, other_side: str
) -> None:
    """README: the log is partitioned "by the Beijing day of `accepted_at`"; `report monthly` is a month."""
    body = lot.parcel(accepted_at, pickup_checks=NO_XRAY)
    lot.score(body)
    found = lot.get("metrics", month=month)
    assert (found["total"]["parcels"], found["total"]["xrayed"]) == (1, 0)
    # The Beijing day across the month's end, where the courier's own date would have put it, has nothing.
    assert lot.parcels(**{"from": other_side, "to": other_side}) == 0


def test_the_year_2025_ends_inside_iso_week_1_of_2026(lot: Lot) -> None:
    """README: ISO weeks in Beijing time; 2026-W01 starts on Monday 29 December 2025, inside December."""
    sunday = lot.parcel("2025-12-28T23:59:59+08:00", pickup_checks=NO_XRAY)  # 2025-W52
    monday = lot.parcel("2025-12-28T16:00:00Z")  # 00:00 on Monday 29 December in Beijing: 2026-W01
    new_years_eve = lot.parcel("2025-12-31T23:59:59+08:00")
    new_year = lot.parcel("2025-12-31T16:00:00Z")  # 00:00 on 1 January 2026 in Beijing
    for body in (sunday, monday, new_years_eve, new_year):
        lot.score(body)
    counts = {
        p: lot.parcels(**{k: p})
        for k, p in (("week", "2025-W52"), ("week", "2026-W01"), ("month", "2025-12"))
    } | {"2026-01": lot.parcels(month="2026-01")}
    assert counts == {"2025-W52": 1, "2026-W01": 3, "2025-12": 3, "2026-01": 1}
    w01 = lot.get("metrics", week="2026-W01")
    assert (w01["period"]["start"], w01["period"]["end"], w01["previous"]["label"]) == (
        "2025-12-29",
        "2026-01-04",
        "2025-W52",
    )
    assert total(w01, "xray_rate", "xray_rate_previous", "xray_rate_change") == {
        "xray_rate": 1.0,
        "xray_rate_previous": 0.0,
        "xray_rate_change": 1.0,
    }
    january = lot.get("metrics", month="2026-01")
    assert (january["previous"]["label"], january["total"]["xray_rate_previous"]) == ("2025-12", 2 / 3)


def test_iso_week_52_of_2027_runs_into_january_2028(lot: Lot) -> None:
    """README: ISO weeks, Beijing time: 2027 has 52 weeks, the last ending on Sunday 2 January 2028."""
    for at in (
        "2027-12-31T23:59:59+08:00",  # 2027-W52, December
        "2028-01-02T15:59:59Z",  # 23:59:59 on Sunday 2 January in Beijing: 2027-W52, January
        "2028-01-02T16:00:00Z",  # 00:00 on Monday 3 January in Beijing: 2028-W01
    ):
        lot.score(lot.parcel(at))
    w52 = lot.get("metrics", week="2027-W52")
    assert (w52["period"]["start"], w52["period"]["end"], w52["total"]["parcels"]) == (
        "2027-12-27",
        "2028-01-02",
        2,
    )
    counts = {
        "2028-W01": lot.parcels(week="2028-W01"),
        "2027-12": lot.parcels(month="2027-12"),
        "2028-01": lot.parcels(month="2028-01"),
    }
    assert counts == {"2028-W01": 1, "2027-12": 1, "2028-01": 2}
    assert lot.get("metrics", week="2028-W01")["previous"]["label"] == "2027-W52"


def test_a_range_of_days_across_the_new_year_counts_its_beijing_days_against_as_many_before(lot: Lot) -> None:
    """README: a period of `from`/`to` (Beijing days); its comparison is the period before it."""
    for at, checks in (
        ("2026-12-29T12:00:00+08:00", NO_XRAY),  # the two days before
        ("2026-12-30T15:59:59Z", BOTH),  # 23:59:59 on the 30th in Beijing: the two days before
        ("2026-12-31T23:30:00+08:00", BOTH),
        ("2026-12-31T16:30:00Z", BOTH),  # 00:30 on 1 January in Beijing
        ("2027-01-01T16:00:00Z", NO_XRAY),  # 00:00 on 2 January in Beijing: after the range
    ):
        lot.score(lot.parcel(at, pickup_checks=checks))
    body = lot.get("metrics", **{"from": "2026-12-31", "to": "2027-01-01"})
    assert (body["period"]["label"], body["previous"]["label"]) == (
        "2026-12-31..2027-01-01",
        "2026-12-29..2026-12-30",
    )
    assert total(body, "parcels", "xray_rate", "xray_rate_previous") == {
        "parcels": 2,
        "xray_rate": 1.0,
        "xray_rate_previous": 1 / 2,
    }
    days = lot.get("metrics", **{"from": "2026-12-31", "to": "2027-01-01"}, by="day")
    assert table(days, "rows", "day", "parcels") == [
        ("2026-12-29", 1),
        ("2026-12-30", 1),
        ("2026-12-31", 1),
        ("2027-01-01", 1),
    ]


def test_a_month_compares_with_the_month_before_and_the_same_days_as_a_range_with_as_many_days_before(
    lot: Lot,
) -> None:
    """README: a month is compared with the month before, a range of days with as many days before it."""
    # November as 1..30 November is compared with 2..31 October: 1 October drops out of the comparison.
    lot.score(lot.parcel("2026-10-01T10:00:00+08:00", pickup_checks={"opened_inspection": False}))
    lot.score(lot.parcel("2026-10-01T16:00:00Z"))  # 00:00 on 2 October in Beijing
    lot.score(lot.parcel("2026-11-15T10:00:00+08:00"))
    month = lot.get("metrics", month="2026-11")
    days = lot.get("metrics", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert (month["previous"]["label"], days["previous"]["label"]) == ("2026-10", "2026-10-02..2026-10-31")
    assert (month["total"]["inspection_rate_previous"], days["total"]["inspection_rate_previous"]) == (
        1 / 2,
        1.0,
    )
    this_period = [k for k in month["total"] if not k.endswith(("_previous", "_change"))]
    assert {k: days["total"][k] for k in this_period} == {k: month["total"][k] for k in this_period}


def test_a_week_across_a_month_end_splits_between_the_months_outlet_by_outlet(lot: Lot) -> None:
    """README: metrics per outlet and period; 2026-W49 runs from Monday 30 November to 6 December."""
    for at, outlet, checks in (
        ("2026-11-30T15:59:59Z", "A", NO_XRAY),  # 23:59:59 on 30 November in Beijing
        ("2026-11-30T16:00:00Z", "A", BOTH),  # 00:00 on 1 December
        ("2026-12-06T23:59:59+08:00", "B", BOTH),  # Sunday of W49
        ("2026-12-06T16:00:00Z", "B", NO_XRAY),  # 00:00 on Monday 7 December: W50
    ):
        lot.score(lot.parcel(at, outlet, pickup_checks=checks))
    names = ("outlet_id", "parcels", "xrayed")

    def outlets(**period: str) -> list[tuple[Any, ...]]:
        return sorted(table(lot.get("metrics", by="outlet", **period), "rows", *names))

    a, b = f"{lot.carrier}-A", f"{lot.carrier}-B"
    assert outlets(week="2026-W49") == [(a, 2, 1), (b, 1, 1)]
    assert outlets(month="2026-11") == [(a, 1, 0)]
    assert outlets(month="2026-12") == [(a, 1, 1), (b, 2, 1)]
    assert outlets(**{"from": "2026-12-01", "to": "2026-12-06"}) == [(a, 1, 1), (b, 1, 1)]


def test_the_dashboards_daily_trend_holds_the_beijing_days_of_the_week_and_the_week_before_only(
    lot: Lot,
) -> None:
    """README: the dashboard's figures with the week-over-week change; days are Beijing days."""
    for at, checks in (
        ("2026-11-08T15:59:59Z", BOTH),  # 23:59:59 on Sunday 8 November in Beijing: W45
        ("2026-11-08T16:00:00Z", NO_XRAY),  # 00:00 on Monday 9 November: W46, the week before
        ("2026-11-22T15:59:59Z", BOTH),  # 23:59:59 on Sunday 22 November: W47
        ("2026-11-22T16:00:00Z", NO_XRAY),  # 00:00 on Monday 23 November: W48
    ):
        lot.score(lot.parcel(at, pickup_checks=checks))
    board = lot.get("dashboard", **W47)
    assert table(board, "daily", "day", "parcels", "xrayed") == [("2026-11-09", 1, 0), ("2026-11-22", 1, 1)]
    assert total(board, "parcels", "xray_rate", "xray_rate_previous") == {
        "parcels": 1,
        "xray_rate": 1.0,
        "xray_rate_previous": 0.0,
    }
    assert table(board, "carriers", "carrier", "parcels", "xray_rate_change") == [(lot.carrier, 1, 1.0)]


# Rates and what was caught, per carrier and per outlet, in their own period.


def test_each_outlet_is_compared_with_its_own_week_before(lot: Lot) -> None:
    """README: week-over-week change, outlets ranked by non-compliance, per outlet."""
    lot.score(lot.parcel("2026-11-10T10:00:00+08:00", "A", pickup_checks={"opened_inspection": False}))
    lot.score(lot.parcel("2026-11-10T10:00:00+08:00", "B"))
    lot.score(lot.parcel("2026-11-17T10:00:00+08:00", "A"))
    lot.score(lot.parcel("2026-11-17T10:00:00+08:00", "B"))
    lot.score(lot.parcel("2026-11-17T11:00:00+08:00", "B", pickup_checks={"opened_inspection": False}))
    body = lot.get("metrics", **W47, by="outlet")
    names = ("outlet_id", "parcels", "inspection_rate", "inspection_rate_previous", "inspection_rate_change")
    assert sorted(table(body, "rows", *names)) == [
        (f"{lot.carrier}-A", 1, 1.0, 0.0, 1.0),
        (f"{lot.carrier}-B", 2, 1 / 2, 1.0, -1 / 2),
    ]
    board = lot.get("dashboard", **W47)
    assert [o["outlet_id"] for o in board["worst_outlets"]] == [f"{lot.carrier}-B", f"{lot.carrier}-A"]


def test_rejects_and_holds_per_carrier_count_in_the_month_of_their_beijing_day(lot: Lot) -> None:
    """RULES.md §3 rejects and holds; README: holds and outcomes per carrier, by the Beijing day of pickup."""
    desk, other = lot.desk, Lot(lot.desk)
    gun = item(description="仿真手枪 replica pistol", category="general", quantity=1, unit_value=100.0)
    decided = {
        "prohibited": lot.score(lot.parcel("2026-11-30T16:30:00Z", items=[gun])),  # 1 December in Beijing
        "seized": lot.score(lot.held("2026-11-30T23:00:00+08:00")),
        "no_id": other.score(other.parcel("2026-11-30T23:59:59+08:00", sender=person(next(_serial)) | NO_ID)),
        "released": other.score(other.held("2026-11-30T16:00:00Z")),  # 00:00 on 1 December in Beijing
    }
    assert {n: d["decision"] for n, d in decided.items()} == {
        "prohibited": "reject",
        "seized": "hold",
        "no_id": "reject",
        "released": "hold",
    }
    desk.act(decided["seized"]["case_id"], "seize", hours_after_opening=2)
    desk.act(decided["released"]["case_id"], "release", hours_after_opening=5)
    names = ("carrier", "parcels", "reject", "hold", "holds_confirmed", "holds_released", "holds_open")
    found = {
        m: sorted(tuple(r[n] for n in names) for r in mine(desk.get("metrics", month=m), "rows", *carriers))
        for m in ("2026-11", "2026-12")
        for carriers in [(lot.carrier, other.carrier)]
    }
    assert found == {
        "2026-11": sorted([(lot.carrier, 1, 0, 1, 1, 0, 0), (other.carrier, 1, 1, 0, 0, 0, 0)]),
        "2026-12": sorted([(lot.carrier, 1, 1, 0, 0, 0, 0), (other.carrier, 1, 0, 1, 0, 1, 0)]),
    }


# Corrections: a parcel counts once, on the Beijing day its last body gives.


def test_a_pickup_time_rewritten_in_another_offset_is_the_same_instant_and_stays_on_its_day(lot: Lot) -> None:
    """Contract: a changed body "still counts once"; README: counted on the Beijing day of `accepted_at`."""
    first = lot.parcel("2026-11-22T23:30:00+08:00", pickup_checks=NO_XRAY)
    assert lot.score(first)["decision"] == "inspect"
    lot.get("metrics", **W47)  # the first body is compacted into its day
    again = {**first, "accepted_at": "2026-11-22T15:30:00Z", "pickup_checks": BOTH}
    assert lot.score_at(again, "2026-11-22T23:45:00+08:00")["decision"] == "release"
    days = lot.get("metrics", **W47, by="day")
    assert table(days, "rows", "day", "parcels", "xrayed", "inspect", "release") == [
        ("2026-11-22", 1, 1, 0, 1)
    ]
    assert lot.parcels(week="2026-W48") == 0
    assert lot.get("offending", **W47)["total"] == 0


def test_an_offset_corrected_past_beijing_midnight_on_new_years_eve_moves_the_month_not_the_week(
    lot: Lot,
) -> None:
    """README: a corrected body that moved the pickup to another day no longer counts on the day it left."""
    first = lot.parcel("2026-12-31T23:30:00+08:00", pickup_checks=NO_XRAY)
    assert lot.score(first)["decision"] == "inspect"
    new_years_eve = {"from": "2026-12-31", "to": "2026-12-31"}
    assert lot.get("offending", **new_years_eve)["total"] == 1
    moved = {**first, "accepted_at": "2026-12-31T23:30:00+07:00", "pickup_checks": BOTH}  # 00:30 in Beijing
    assert lot.score_at(moved, "2027-01-01T00:40:00+08:00")["decision"] == "release"
    w53 = lot.get("metrics", week="2026-W53", by="day")
    assert total(w53, "parcels", "xrayed", "inspect", "release") == {
        "parcels": 1,
        "xrayed": 1,
        "inspect": 0,
        "release": 1,
    }
    assert table(w53, "rows", "day", "parcels") == [("2027-01-01", 1)]
    assert (lot.parcels(month="2026-12"), lot.parcels(month="2027-01")) == (0, 1)
    assert lot.get("offending", **new_years_eve)["total"] == 0


def test_a_pickup_corrected_twice_counts_only_on_the_day_of_its_last_body(lot: Lot) -> None:
    """README: a parcel counts once, as last scored; it no longer counts on a day it left."""
    first = lot.parcel("2026-11-16T10:00:00+08:00", pickup_checks=NO_XRAY)
    assert lot.score(first)["decision"] == "inspect"
    lot.get("metrics", **W47)
    second = {
        **first,
        "accepted_at": "2026-11-18T10:00:00+08:00",
        "pickup_checks": {"opened_inspection": False, "xray_screened": True},
    }
    assert lot.score_at(second, "2026-11-18T10:05:00+08:00")["decision"] == "inspect"
    lot.get("metrics", **W47)
    third = {**first, "accepted_at": "2026-11-20T10:00:00+08:00", "pickup_checks": BOTH}
    assert lot.score_at(third, "2026-11-20T10:05:00+08:00")["decision"] == "release"
    days = lot.get("metrics", **W47, by="day")
    assert table(days, "rows", "day", "parcels", "inspected", "xrayed") == [("2026-11-20", 1, 1, 1)]
    assert total(days, "parcels", "inspect", "release", "non_compliant") == {
        "parcels": 1,
        "inspect": 0,
        "release": 1,
        "non_compliant": 0,
    }
    on = {d: lot.parcels(**{"from": d, "to": d}) for d in ("2026-11-16", "2026-11-18", "2026-11-20")}
    assert on == {"2026-11-16": 0, "2026-11-18": 0, "2026-11-20": 1}
    assert table(lot.get("dashboard", **W47), "daily", "day", "parcels") == [("2026-11-20", 1)]
    assert lot.get("offending", **W47)["total"] == 0


def test_one_carriers_correction_leaves_another_carriers_parcel_of_the_same_number_on_its_day(
    lot: Lot,
) -> None:
    """Contract: "(carrier, waybill_no) identifies a parcel"; README: a corrected parcel leaves its day."""
    other = Lot(lot.desk)
    number = f"PAIR{next(_serial):08d}"
    ours = lot.parcel("2026-11-17T10:00:00+08:00", waybill_no=number)
    theirs = other.parcel("2026-11-17T10:00:00+08:00", waybill_no=number)
    lot.score(ours)
    other.score(theirs)
    lot.get("metrics", **W47)
    lot.score_at({**ours, "accepted_at": "2026-11-18T09:00:00+08:00"}, "2026-11-18T09:05:00+08:00")
    counted = {
        (who.carrier, d): who.parcels(**{"from": d, "to": d})
        for who in (lot, other)
        for d in ("2026-11-17", "2026-11-18")
    }
    assert counted == {
        (lot.carrier, "2026-11-17"): 0,
        (lot.carrier, "2026-11-18"): 1,
        (other.carrier, "2026-11-17"): 1,
        (other.carrier, "2026-11-18"): 0,
    }


def test_a_batch_carrying_three_bodies_of_a_parcel_on_three_days_counts_it_on_the_last(lot: Lot) -> None:
    """Contract: a batch is scored in request order; README: a parcel counts once, as last scored."""
    first = lot.parcel("2026-11-16T10:00:00+08:00", pickup_checks=NO_XRAY)
    second = {
        **first,
        "accepted_at": "2026-11-17T10:00:00+08:00",
        "pickup_checks": {"opened_inspection": False, "xray_screened": True},
    }
    third = {**first, "accepted_at": "2026-11-19T10:00:00+08:00", "pickup_checks": BOTH}
    lot.desk.now = datetime(2026, 11, 19, 10, 5, tzinfo=BEIJING)
    r = lot.desk.http.post("/v1/score/batch", json={"waybills": [first, second, third]})
    assert r.status_code == 200, r.text
    assert [d["decision"] for d in r.json()["decisions"]] == ["inspect", "inspect", "release"]
    days = lot.get("metrics", **W47, by="day")
    assert table(days, "rows", "day", "parcels", "inspected", "xrayed") == [("2026-11-19", 1, 1, 1)]
    assert lot.get("offending", **W47)["total"] == 0


# Downloads hold the figures the JSON routes give. A download has no carrier filter: each of these tests
# scores in a period (and the period before it) no other test uses.


def sheet(content: bytes, name: str, *, header: int = 0) -> tuple[list[Any], list[dict[str, Any]]]:
    """A workbook sheet: the rows above its table, and the table's rows as dicts by heading."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = [tuple(c.value for c in row) for row in book[name].iter_rows()]
    book.close()
    headings = rows[header]
    return list(rows[:header]), [dict(zip(headings, r, strict=True)) for r in rows[header + 1 :]]


def test_the_workbooks_outlet_sheet_holds_the_weeks_metrics_per_outlet(lot: Lot) -> None:
    """README: the XLSX workbook has a sheet per outlet; outlets ranked by non-compliance, with the change."""
    lot.score(lot.parcel("2031-03-02T12:00:00+08:00", "A", pickup_checks={"opened_inspection": False}))  # W09
    lot.score(lot.parcel("2031-03-04T10:00:00+08:00", "A"))
    lot.score(lot.parcel("2031-03-04T11:00:00+08:00", "A", pickup_checks=NO_XRAY))
    lot.score(lot.parcel("2031-03-09T15:59:59Z", "B", sender=person(next(_serial)) | NO_ID))  # Sunday, W10
    lot.score(lot.parcel("2031-03-09T16:00:00Z", "B", pickup_checks=NO_XRAY))  # Monday 10 March: W11
    a, b = f"{lot.carrier}-A", f"{lot.carrier}-B"
    names = (
        "outlet_id",
        "parcels",
        "non_compliant",
        "realname_rate",
        "inspection_rate",
        "xray_rate",
        "non_compliance_rate_change",
    )
    metrics = lot.get("metrics", week="2031-W10", by="outlet")
    assert sorted(table(metrics, "rows", *names)) == [
        (a, 2, 1, 1.0, 1.0, 1 / 2, -1 / 2),
        (b, 1, 1, 0.0, 1.0, 1.0, None),
    ]
    _, rows = sheet(lot.desk.download("weekly/2031-W10"), "网点排名 Outlets", header=1)
    headings = (
        "网点编号 (outlet id)",
        "收寄件数 (parcels)",
        "违规件数 (non-compliant parcels)",
        "实名收寄率 (real-name pickup rate)",
        "收寄验视率 (inspection-recorded rate)",
        "过机安检率 (X-ray-recorded rate)",
        "违规率-变化/百分点 (change, points)",
    )
    shown = sorted(tuple(r[h] for h in headings) for r in rows if r["快递企业 (carrier)"] == lot.carrier)
    # The sheet gives the change in percentage points.
    assert shown == [(a, 2, 1, 1.0, 1.0, 1 / 2, -50.0), (b, 1, 1, 0.0, 1.0, 1.0, None)]


def test_the_workbooks_offending_sheet_lists_the_offending_waybills_of_the_week_in_beijing_time(
    lot: Lot,
) -> None:
    """README: the workbook lists the offending waybills; the HTTP route lists the same ones."""
    late = lot.parcel("2031-05-11T16:30:00Z", "A", pickup_checks=NO_XRAY)  # 00:30 on Monday 12 May in Beijing
    no_id = lot.parcel("2031-05-14T10:00:00+08:00", "B", sender=person(next(_serial)) | NO_ID)
    for body in (late, no_id, lot.parcel("2031-05-13T10:00:00+08:00", "A")):
        lot.score(body)
    listed = lot.get("offending", week="2031-W20")
    assert sorted((r["waybill_no"], r["day"], r["problems"]) for r in listed["rows"]) == [
        (late["waybill_no"], "2031-05-12", ["xray_missing"]),
        (no_id["waybill_no"], "2031-05-14", ["realname_missing"]),
    ]
    above, rows = sheet(lot.desk.download("weekly/2031-W20"), "违规运单 Offending", header=1)
    assert "(2 offending waybills)" in str(above[0][0])
    headings = ("运单号 (waybill no.)", "收寄时间 (accepted at, Beijing)", "违规事项 (what was not done)")
    assert sorted(tuple(r[h] for h in headings) for r in rows) == [
        (late["waybill_no"], "2031-05-12 00:30:00", "未记录过机安检 (no X-ray recorded)"),
        (no_id["waybill_no"], "2031-05-14 10:00:00", "未登记寄件人证件 (no sender ID)"),
    ]


def test_the_daily_sheet_and_table_hold_the_dashboards_beijing_days_of_both_weeks(lot: Lot) -> None:
    """README: the report's daily trend is the dashboard's: Beijing days of the week and the week before."""
    for at, checks in (
        ("2031-07-13T15:59:59Z", BOTH),  # 23:59:59 on Sunday 13 July in Beijing: W28
        ("2031-07-13T16:00:00Z", BOTH),  # Monday 14 July: W29
        ("2031-07-20T15:59:59Z", NO_XRAY),  # Sunday 20 July: W29
        ("2031-07-20T16:00:00Z", NO_XRAY),  # Monday 21 July: W30
        ("2031-07-27T15:30:00Z", BOTH),  # 23:30 on Sunday 27 July: W30
        ("2031-07-27T16:00:00Z", BOTH),  # Monday 28 July: W31
    ):
        lot.score(lot.parcel(at, pickup_checks=checks))
    expected = [
        ("2031-07-14", 1, 1.0),
        ("2031-07-20", 1, 0.0),
        ("2031-07-21", 1, 0.0),
        ("2031-07-27", 1, 1.0),
    ]
    board = lot.get("dashboard", week="2031-W30")
    assert table(board, "daily", "day", "parcels", "xray_rate") == expected
    _, rows = sheet(lot.desk.download("weekly/2031-W30"), "每日趋势 Daily")
    assert [
        (r["日期 (day)"].date().isoformat(), r["收寄件数 (parcels)"], r["过机安检率 (X-ray-recorded rate)"])
        for r in rows
    ] == expected
    daily = csv_rows(lot.desk.download("weekly/2031-W30", format="csv", table="daily"))
    assert [
        (r["日期 (day)"], int(r["收寄件数 (parcels)"]), float(r["过机安检率 (X-ray-recorded rate)"]))
        for r in daily
    ] == expected


def test_the_monthly_workbook_names_its_beijing_days_and_compares_with_the_month_before(lot: Lot) -> None:
    """README: `report monthly [--month 2026-11]`; the summary compares with the previous period."""
    for at, checks in (
        ("2033-12-31T15:59:59Z", BOTH),  # 23:59:59 on 31 December 2033 in Beijing
        ("2033-12-31T16:00:00Z", NO_XRAY),  # 00:00 on 1 January 2034
        ("2034-01-31T23:59:59+08:00", BOTH),
        ("2034-01-31T16:00:00Z", NO_XRAY),  # 00:00 on 1 February 2034: after the month
    ):
        lot.score(lot.parcel(at, pickup_checks=checks))
    board = lot.get("dashboard", month="2034-01")
    assert total(board, "parcels", "xray_rate", "xray_rate_previous", "xray_rate_change") == {
        "parcels": 2,
        "xray_rate": 1 / 2,
        "xray_rate_previous": 1.0,
        "xray_rate_change": -1 / 2,
    }
    r = lot.desk.http.get("/v1/audit/reports/monthly/2034-01")  # XLSX unless another format is asked
    assert r.headers["content-disposition"] == 'attachment; filename="compliance-month-2034-01.xlsx"'
    above, rows = sheet(r.content, "汇总 Summary", header=6)
    period, compared = str(above[2][0]), str(above[3][0])
    assert all(t in period for t in ("2034-01", "2034-01-01", "2034-01-31")), period
    assert all(t in compared for t in ("2033-12", "2033-12-01", "2033-12-31")), compared
    lines = {
        r["指标 (figure)"]: (r["本期 (this period)"], r["上期 (previous)"], r["变化 (change)"]) for r in rows
    }
    assert lines["收寄件数 (parcels)"][:2] == (2, 1)
    assert lines["过机安检率 (X-ray-recorded rate)"] == (1 / 2, 1.0, -50.0)


def test_the_weekly_page_of_week_53_names_its_days_across_the_new_year_and_the_week_before(lot: Lot) -> None:
    """README: a self-contained HTML report of an ISO week in Beijing time, against the week before."""
    lot.score(lot.parcel("2032-12-26T15:59:59Z"))  # 23:59:59 on Sunday 26 December in Beijing: W52
    late = lot.parcel("2032-12-31T16:30:00Z", pickup_checks=NO_XRAY)  # 00:30 on 1 January 2033: W53
    lot.score(late)
    lot.score(lot.parcel("2033-01-02T16:00:00Z", pickup_checks=NO_XRAY))  # Monday 3 January: 2033-W01
    board = lot.get("dashboard", week="2032-W53")
    assert (board["period"]["start"], board["period"]["end"], board["previous"]["label"]) == (
        "2032-12-27",
        "2033-01-02",
        "2032-W52",
    )
    assert total(board, "parcels", "xray_rate", "xray_rate_previous") == {
        "parcels": 1,
        "xray_rate": 0.0,
        "xray_rate_previous": 1.0,
    }
    page = lot.desk.download("weekly/2032-W53", format="html").decode("utf-8")
    missing = [
        t
        for t in ("2032-W53", "2032-12-27", "2033-01-02", "2032-W52", "2032-12-20", "2032-12-26")
        if t not in page
    ]
    assert missing == []
    assert "-100.0 pt" in page  # X-ray: none of one against all of one the week before
    assert late["waybill_no"] in page and "2033-01-01 00:30:00" in page


def test_the_weekly_page_lists_the_weeks_offending_waybills_and_no_others(lot: Lot) -> None:
    """README: the HTML report holds the offending waybills of its period (Beijing days)."""
    listed = lot.parcel("2031-09-30T16:30:00Z", pickup_checks=NO_XRAY)  # 00:30 on Wednesday 1 October
    others = [
        lot.parcel("2031-10-02T10:00:00+08:00"),  # compliant
        lot.parcel("2031-10-05T16:00:00Z", pickup_checks=NO_XRAY),  # Monday 6 October: the week after
        lot.parcel("2031-09-28T15:59:59Z", pickup_checks=NO_XRAY),  # Sunday 28 September: the week before
    ]
    for body in (listed, *others):
        lot.score(body)
    page = lot.desk.download("weekly/2031-W40", format="html").decode("utf-8")
    assert listed["waybill_no"] in page and "2031-10-01 00:30:00" in page
    assert [b["waybill_no"] for b in others if b["waybill_no"] in page] == []
    assert "(1 offending waybills;" in page


def test_the_weekly_regions_table_holds_the_metrics_per_district(lot: Lot) -> None:
    """README: metrics per region; the CSV tables of the report; an unregistered outlet shows as such."""
    at = "2035-05-15T10:00:00+08:00"
    for outlet, checks in (("A", BOTH), ("A", NO_XRAY), ("B", BOTH), ("Z", BOTH)):  # Z is not registered
        lot.score(lot.parcel(at, outlet, pickup_checks=checks))
    names = ("province", "city", "district", "parcels", "non_compliant")
    districts = sorted(table(lot.get("metrics", week="2035-W20", by="district"), "rows", *names))
    assert districts == [
        ("上海市", "上海市", "浦东新区", 2, 1),
        ("北京市", "北京市", "朝阳区", 1, 0),
        ("未登记", "未登记", "未登记", 1, 0),
    ]
    regions = csv_rows(lot.desk.download("weekly/2035-W20", format="csv", table="regions"))
    headings = (
        "省份 (province)",
        "城市 (city)",
        "区县 (district)",
        "收寄件数 (parcels)",
        "违规件数 (non-compliant parcels)",
    )
    assert (
        sorted((*(r[h] for h in headings[:3]), *(int(r[h]) for h in headings[3:])) for r in regions)
        == districts
    )


def test_a_correction_across_the_week_end_moves_the_parcel_between_the_weeks_downloads(lot: Lot) -> None:
    """README: a corrected body that moved the pickup to another day no longer counts on the day it left."""
    first = lot.parcel("2036-03-09T23:30:00+08:00", pickup_checks=NO_XRAY)  # Sunday of 2036-W10
    lot.score(first)
    before = csv_rows(lot.desk.download("weekly/2036-W10", format="csv", table="offending"))
    assert [r["运单号 (waybill no.)"] for r in before] == [first["waybill_no"]]
    moved = {**first, "accepted_at": "2036-03-10T00:30:00+08:00"}  # Monday of 2036-W11
    assert lot.score_at(moved, "2036-03-10T00:40:00+08:00")["decision"] == "inspect"
    w10 = {
        t: csv_rows(lot.desk.download("weekly/2036-W10", format="csv", table=t))
        for t in ("offending", "carriers")
    }
    assert w10 == {"offending": [], "carriers": []}
    offending = csv_rows(lot.desk.download("weekly/2036-W11", format="csv", table="offending"))
    assert [(r["运单号 (waybill no.)"], r["收寄时间 (accepted at, Beijing)"]) for r in offending] == [
        (first["waybill_no"], "2036-03-10 00:30:00")
    ]
    carriers = csv_rows(lot.desk.download("weekly/2036-W11", format="csv", table="carriers"))
    assert [
        (r["快递企业 (carrier)"], r["收寄件数 (parcels)"], r["已过机件数 (X-ray recorded)"]) for r in carriers
    ] == [(lot.carrier, "1", "0")]
    _, summary = sheet(lot.desk.download("weekly/2036-W11"), "汇总 Summary", header=6)
    parcels = next(r for r in summary if r["指标 (figure)"] == "收寄件数 (parcels)")
    assert (parcels["本期 (this period)"], parcels["上期 (previous)"]) == (1, 0)


def test_a_rate_with_nothing_to_measure_is_empty_in_the_json_the_csv_and_the_workbook(lot: Lot) -> None:
    """RULES.md §1: real-name pickup is for domestic and export parcels: imports alone give no rate."""
    body = lot.parcel(
        "2026-11-18T10:00:00+08:00", service="import", channel="postal", sender=macau_receiver(next(_serial))
    )
    assert lot.score(body)["decision"] == "release"
    metrics = lot.get("metrics", **W47)
    assert table(metrics, "rows", "carrier", "parcels", "realname_needed", "realname_rate") == [
        (lot.carrier, 1, 0, None)
    ]
    heading = "实名收寄率 (real-name pickup rate)"
    carriers = csv_rows(lot.desk.download("weekly/2026-W47", format="csv", table="carriers"))
    assert [
        (r["收寄件数 (parcels)"], r[heading]) for r in carriers if r["快递企业 (carrier)"] == lot.carrier
    ] == [("1", "")]
    _, rows = sheet(lot.desk.download("weekly/2026-W47"), "按企业 Carriers")
    assert [
        (r["收寄件数 (parcels)"], r[heading]) for r in rows if r["快递企业 (carrier)"] == lot.carrier
    ] == [(1, None)]


def test_a_monthly_page_and_table_download_under_the_months_name(desk: Desk) -> None:
    """README: reports/monthly/{label}?format=html|csv: a month's files, named as `report` names them."""
    found = {}
    for query in ("?format=html", "?format=csv&table=offending"):
        r = desk.http.get(f"/v1/audit/reports/monthly/2045-02{query}")
        assert r.status_code == 200, r.text
        found[query] = (r.headers["content-type"].split(";")[0], r.headers["content-disposition"])
    assert found == {
        "?format=html": ("text/html", 'attachment; filename="compliance-month-2045-02.html"'),
        "?format=csv&table=offending": (
            "text/csv",
            'attachment; filename="compliance-month-2045-02-offending.csv"',
        ),
    }


# Period parameters that are not periods: a 4xx naming the parameter, and no figures.


@pytest.mark.parametrize(
    ("path", "params", "names"),
    [
        ("metrics", {"week": ""}, ["week"]),
        ("dashboard", {"month": ""}, ["month"]),
        ("offending", {"from": ""}, ["from"]),
        ("metrics", {"week": "2026W47"}, ["week"]),  # ISO 8601's basic form, not the documented 2026-W47
        ("dashboard", {"week": "2026-W47-2"}, ["week"]),  # a day of a week, not a week
        ("offending", {"week": "2026-W47 "}, ["week"]),
        ("metrics", {"month": "2026/11"}, ["month"]),
        ("dashboard", {"month": "Nov 2026"}, ["month"]),
        ("metrics", {"from": "2027-02-29"}, ["from"]),  # 2027 is no leap year
        ("dashboard", {"from": "2026-11-01", "to": "2026-11-31"}, ["to"]),
        ("offending", {"from": "2026-11-18T10:00:00+08:00"}, ["from"]),  # an instant, not a day
        ("metrics", {"to": "2100-01-01"}, ["to"]),
        ("metrics", {"from": "1999-12-31", "to": "2000-01-01"}, ["from"]),
        ("offending", {"from": "2027-02-29", "to": "2026-02-30"}, ["from", "to"]),
    ],
)
def test_a_period_parameter_that_is_no_period_is_a_422_naming_it(
    desk: Desk, path: str, params: dict[str, str], names: list[str]
) -> None:
    """README: period `week` (2026-W47), `month` (2026-11) or `from`/`to`; bad input is a 422 naming it."""
    r = desk.http.get(f"/v1/audit/{path}", params=params)
    assert r.status_code == 422, r.text[:300]
    assert [e["loc"] for e in r.json()["detail"]] == [["query", n] for n in names]
    assert "parcels" not in r.text


def test_a_day_given_as_a_unix_timestamp_is_a_422_naming_it(desk: Desk) -> None:
    """README: `from`/`to` are Beijing days (2026-11-16); 1763424000 is a count of seconds, not a day."""
    r = desk.http.get("/v1/audit/metrics", params={"from": "1763424000"})
    assert r.status_code == 422, r.text[:200]
    assert [e["loc"] for e in r.json()["detail"]] == [["query", "from"]]


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/v1/audit/reports/daily/2026-11", ["path", "kind"]),  # weekly or monthly only
        ("/v1/audit/reports/weekly/2026-11", ["path", "label"]),  # a month for a weekly report
        ("/v1/audit/reports/monthly/2026-11-30", ["path", "label"]),  # a day for a monthly report
        ("/v1/audit/reports/weekly/2031-W53", ["path", "label"]),  # 2031 has 52 ISO weeks
    ],
)
def test_a_report_asked_for_by_a_kind_or_label_that_is_not_one_is_a_422_naming_it(
    desk: Desk, url: str, loc: list[str]
) -> None:
    """README: `/v1/audit/reports/{weekly|monthly}/{label}`: ISO weeks like 2026-W47, months like 2026-11."""
    r = desk.http.get(url)
    assert r.status_code == 422, r.text[:200]
    assert "content-disposition" not in r.headers
    assert [e["loc"] for e in r.json()["detail"]] == [loc]


BAD_PERIODS = (
    "/v1/audit/metrics?week=2026-W54",
    "/v1/audit/dashboard?from=2026-11-31",
    "/v1/audit/offending?month=2026-13",
    "/v1/audit/reports/weekly/2026-47",
)


def test_an_anonymous_caller_with_a_bad_period_is_refused_before_the_parameter_is_judged(
    desk: Desk, someone: "Someone"
) -> None:
    """README, Security model: every route answers an anonymous caller 401."""
    desk.http.cookies.clear()
    answers = [desk.http.get(url) for url in BAD_PERIODS]
    assert [r.status_code for r in answers] == [401] * len(BAD_PERIODS)
    assert not any("loc" in r.text for r in answers)


def test_an_officer_with_a_bad_period_is_refused_for_the_role_not_for_the_parameter(
    desk: Desk, someone: "Someone"
) -> None:
    """README: the audit routes are for auditor, supervisor and admin; an officer may not read them at all."""
    someone("officer", "investigator")
    answers = [desk.http.get(url) for url in BAD_PERIODS]
    assert [r.status_code for r in answers] == [403] * len(BAD_PERIODS)
    assert not any("loc" in r.text for r in answers)


# Who may download the workbook and the page.


class Someone(Protocol):
    """Log in as a new person with these roles."""

    def __call__(self, *roles: str) -> None: ...


@pytest.fixture
def someone(desk: Desk) -> Iterator[Someone]:
    """Log in as a new person; the module's auditor logs in again afterwards."""

    def log_in(*roles: str) -> None:
        desk.client.as_new(f"person{next(_serial)}", *roles)

    yield log_in
    assert desk.client.login("auditor1").status_code == 200


QUIET_WEEK = "2045-W10"  # nothing is scored in it: the downloads are quick


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (("officer",), False),
        (("investigator",), False),
        (("officer", "investigator"), False),
        (("supervisor",), True),
        (("admin",), True),
    ],
)
def test_who_may_download_the_workbook_and_the_page(
    lot: Lot, someone: Someone, roles: tuple[str, ...], allowed: bool
) -> None:
    """README: `/v1/audit/metrics`, `/dashboard`, `/offending` and the reports: auditor, supervisor, admin."""
    lot.score(lot.parcel("2026-11-17T10:00:00+08:00", pickup_checks=NO_XRAY))
    auditors = lot.get("dashboard", **W47)
    someone(*roles)
    urls = (
        f"/v1/audit/reports/weekly/{QUIET_WEEK}",
        f"/v1/audit/reports/weekly/{QUIET_WEEK}?format=html",
        f"/v1/audit/reports/weekly/{QUIET_WEEK}?format=csv&table=carriers",
        f"/v1/audit/dashboard?week=2026-W47&carrier={lot.carrier}",
    )
    answers = [lot.desk.http.get(url) for url in urls]
    if not allowed:
        assert [r.status_code for r in answers] == [403] * len(urls)
        assert not any(lot.carrier in r.text for r in answers)
        return
    assert [r.status_code for r in answers] == [200] * len(urls)
    assert answers[0].content.startswith(b"PK")  # a workbook is a zip file
    assert answers[1].headers["content-type"].startswith("text/html")
    assert answers[3].json() == auditors


def test_an_auditor_who_logged_out_reads_no_more_figures_with_the_old_session(
    desk: Desk, someone: Someone
) -> None:
    """README: a person's session is an HttpOnly cookie; `POST /v1/auth/logout` ends it."""
    someone("auditor")
    assert desk.http.get("/v1/audit/metrics", params={"week": QUIET_WEEK}).status_code == 200
    token = desk.http.cookies.get(SESSION_COOKIE)
    assert token
    assert desk.http.post("/v1/auth/logout").status_code == 200
    desk.http.cookies.clear()
    old = {"Cookie": f"{SESSION_COOKIE}={token}"}
    statuses = [
        desk.http.get("/v1/audit/metrics", params={"week": QUIET_WEEK}, headers=old).status_code,
        desk.http.get(f"/v1/audit/reports/weekly/{QUIET_WEEK}", headers=old).status_code,
    ]
    assert statuses == [401, 401]
