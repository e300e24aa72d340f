"""The "three systems" at pickup (实名收寄、收寄验视、过机安检) over HTTP: couriers and the bureau's auditor.

Written from shared/domain/RULES.md §1 (快递暂行条例 art. 22, 31–33; the accepted identity documents) and §3
(REALNAME_MISSING, REALNAME_UNVERIFIED, ID_INVALID, CONTRACT_UNQUALIFIED, INSPECTION_NOT_RECORDED,
XRAY_NOT_RECORDED: "required for every parcel; the policy may relax it per lane"), the wire contract
(shared/contract/README.md) and the README ("HTTP API", "Security model", "Compliance audit for the postal
bureau": who is in the real-name, inspection and X-ray denominators).

Couriers score with their carrier's key, an admin system registers agreement customers with an admin key,
and an auditor reads /v1/audit/... with a session. One development-mode app serves most of the module; its
policy file is the shipped one with the random audit off, so the decision log and the engine judge by one
policy. Three more apps run a policy file that relaxes X-ray for one lane. Every parcel has people of its
own, and every audit test a carrier code and an ISO week of its own, so no figure reaches another test.
"""

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from string import ascii_uppercase
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stdnum.cn import uscc

from api.app import create_app
from api.security import CSRF_HEADER, SESSION_COOKIE
from features.identity import mask_id
from screening.people import passwords
from screening.people.roles import parse_roles
from screening.people.schemas import NewUser
from screening.people.service import create_user
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import (
    BEIJING,
    NO_ID,
    Whole,
    cn_receiver,
    item,
    macau_receiver,
    merge,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)

PASSWORD = "pass-word-1"
LANES = ("domestic", "export", "import")
PICKUP = {"INSPECTION_NOT_RECORDED", "XRAY_NOT_RECORDED"}
NO_CHECKS = {"opened_inspection": False, "xray_screened": False}
MISSING = {  # what the courier did not record → the reasons RULES.md §3 asks for
    "inspection": ({"opened_inspection": False}, {"INSPECTION_NOT_RECORDED"}),
    "xray": ({"xray_screened": False}, {"XRAY_NOT_RECORDED"}),
    "both": (NO_CHECKS, PICKUP),
}
# RULES.md §1: the accepted identity documents (and an organisation's unified social credit code).
ID_TYPES = (
    "resident_id",
    "temporary_id",
    "military_id",
    "passport",
    "hk_macau_permit",
    "taiwan_permit",
    "foreign_resident",
    "uscc",
    "other",
)
_serial = itertools.count(1)
_slots = itertools.count()


# The service as its users reach it --------------------------------------------------------------------------


@dataclass
class Bureau:
    """A started app; carrier keys, an admin key, and the sessions of an auditor and an officer."""

    app: FastAPI
    http: TestClient
    admin: dict[str, str]
    auditor: dict[str, str]
    officer: dict[str, str]
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    def key(self, carrier: str) -> dict[str, str]:
        """The Authorization header of the carrier's courier system."""
        if carrier not in self.keys:
            self.keys[carrier] = bearer(make_key(self.app, "carrier", carrier))
        return self.keys[carrier]

    def score(self, wb: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score with the waybill's carrier key and expect a decision."""
        r = self.http.post("/v1/score", json=wb, headers=self.key(wb["carrier"]))
        assert r.status_code == 200, r.text[:600]
        body: dict[str, Any] = r.json()
        return body

    def register(self, *agreements: dict[str, Any]) -> None:
        """PUT /v1/admin/agreements as the admin system."""
        r = self.http.put("/v1/admin/agreements", json=list(agreements), headers=self.admin)
        assert r.status_code == 200, r.text
        assert r.json() == {"upserted": len(agreements)}

    def audit(self, path: str, **params: str) -> Any:
        """GET /v1/audit/{path} as the auditor, once the decision log is compacted (metrics read Parquet)."""
        self.app.state.engine.log.compact()
        r = self.http.get(f"/v1/audit/{path}", params=params, headers=self.auditor)
        assert r.status_code == 200, r.text[:600]
        return r.json()

    def report(self, path: str, **params: str) -> bytes:
        """A report download as the auditor."""
        self.app.state.engine.log.compact()
        r = self.http.get(f"/v1/audit/reports/{path}", params=params, headers=self.auditor)
        assert r.status_code == 200, r.text[:600]
        return r.content


def policy_file(folder: Path, *, relaxed_xray: str | None = None) -> Path:
    """The shipped policy with the random audit off (and X-ray no longer required on one lane)."""
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    changes = {"random_rate = 0.005": "random_rate = 0.0"}
    if relaxed_xray is not None:
        kept = [lane for lane in LANES if lane != relaxed_xray]
        changes['xray_lanes = ["domestic", "export", "import"]'] = f"xray_lanes = {json.dumps(kept)}"
        changes['version = "policy-1"'] = f'version = "policy-no-xray-{relaxed_xray}"'
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def session(http: TestClient, app: FastAPI, username: str, role: str) -> dict[str, str]:
    """Create a person with one role, log them in and return their session's headers."""
    new = NewUser(username=username, password=PASSWORD, roles=parse_roles([role]))
    app.state.db.write_sync(lambda s: create_user(s, new=new, now=datetime.now(BEIJING)))
    r = http.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.cookies[SESSION_COOKIE]
    http.cookies.clear()
    return {"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: r.json()["csrf_token"]}


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bureau]:
    """The module's app: development mode, SQLite cases, embedded history, shipped policy without audit."""
    folder = tmp_path_factory.mktemp("pickup")
    yield from open_bureau(folder, policy_file(folder))


@pytest.fixture(scope="module", params=LANES)
def relaxed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bureau]:
    """An app whose policy file no longer requires X-ray on one lane (RULES.md §3: relaxed per lane)."""
    lane = str(request.param)
    folder = tmp_path_factory.mktemp(f"relaxed-{lane}")
    yield from open_bureau(folder, policy_file(folder, relaxed_xray=lane))


def open_bureau(folder: Path, policy: Path) -> Iterator[Bureau]:
    """Start an app on this policy file and make its users and keys."""
    settings = Settings(env="development", data_dir=folder / "data", policy_file=policy)
    app = create_app(settings)
    with pytest.MonkeyPatch.context() as patch, TestClient(app) as http:
        # Argon2id at its cheapest: the recommended parameters cost about 0.4 s a hash.
        patch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield Bureau(
            app=app,
            http=http,
            admin=bearer(make_key(app, "admin", "ops")),
            auditor=session(http, app, "auditor1", "auditor"),
            officer=session(http, app, "officer1", "officer"),
        )


def relaxed_lane(b: Bureau) -> str:
    """The lane the app's policy relaxed X-ray for."""
    lanes = set(LANES) - set(b.app.state.engine.policy.pickup.xray_lanes)
    assert len(lanes) == 1
    return lanes.pop()


# Parcels with people of their own ---------------------------------------------------------------------------


def sender(**changes: Any) -> dict[str, Any]:
    """A Shanghai sender with a verified resident ID, a phone and a building nobody else in the module has."""
    n = next(_serial)
    base = party(
        id_number=resident_id(region="310115", birth=f"19{60 + n // 1000:02d}0615", seq=f"{n % 1000:03d}"),
        phone=f"137{n:08d}",
        address={"detail": f"张江路{n}号{n % 9 + 1}号楼{n}室"},
    )
    return Whole(merge(base, changes))


def mainland(**changes: Any) -> dict[str, Any]:
    """A Beijing receiver (or cbec buyer) of the module's own, without an ID unless given."""
    n = next(_serial)
    base = cn_receiver(name=f"李{n}", phone=f"139{n:08d}", address={"detail": f"建国路{n}号{n % 9 + 1}号楼"})
    return Whole(merge(base, changes))


def buyer() -> dict[str, Any]:
    """A cbec buyer in Beijing with a verified resident ID (财关税〔2018〕49号: the buyer's identity)."""
    n = next(_serial)
    number = resident_id(region="110105", birth=f"19{50 + n // 1000}1231", seq=f"{n % 1000:03d}")
    return mainland(id_type="resident_id", id_number=number)


def macau() -> dict[str, Any]:
    """A person in Macau of the module's own (a receiver of exports, a sender of imports)."""
    return macau_receiver(next(_serial))


def parcel(lane: str, **changes: Any) -> dict[str, Any]:
    """A clean parcel (releases) of a lane: domestic, export, import (postal) or cbec (buyer's ID)."""
    sides: dict[str, Any] = {
        "domestic": {"service": "domestic", "channel": "express", "sender": sender(), "receiver": mainland()},
        "export": {"service": "export", "channel": "postal", "sender": sender(), "receiver": macau()},
        "import": {"service": "import", "channel": "postal", "sender": macau(), "receiver": mainland()},
        "cbec": {"service": "import", "channel": "cbec", "sender": macau(), "receiver": buyer()},
    }[lane]
    return waybill(**merge(sides, changes))


def documents(**changes: Any) -> dict[str, Any]:
    """An item line of papers: a letter (信件/文件)."""
    return item(
        **{"description": "合同文件 contract documents", "category": "documents", "quantity": 1} | changes
    )


def letter(lane: str = "domestic", **changes: Any) -> dict[str, Any]:
    """A letter (documents only) whose sender gave no ID."""
    base = {"sender": sender(**NO_ID), "items": [documents(unit_value=0.0)], "weight_kg": 0.2}
    return parcel(lane, **(base | changes))


def uscc_of(first17: str) -> str:
    """A unified social credit code with its check character."""
    return first17 + uscc.calc_check_digit(first17)


def id_number(id_type: str) -> str:
    """A well-formed number of the document type, for a sender of the module's own."""
    n = next(_serial)
    return {
        "resident_id": resident_id(region="320102", birth=f"19{70 + n // 1000}0101", seq=f"{n % 1000:03d}"),
        "temporary_id": resident_id(region="440106", birth=f"19{80 + n // 1000}0202", seq=f"{n % 1000:03d}"),
        "military_id": f"军字第{n:07d}号",
        "passport": f"E{n:08d}",
        "hk_macau_permit": f"H{n:08d}",
        "taiwan_permit": f"{n:08d}",
        "foreign_resident": f"USA3101128{n:05d}",
        "uscc": uscc_of(f"91310115{n:09d}"),
        "other": f"GA2026JZ{n:04d}",
    }[id_type]


def holding(id_type: str, **changes: Any) -> dict[str, Any]:
    """A sender holding a document of this type, verified with the ID reader unless told."""
    return sender(id_type=id_type, id_number=id_number(id_type), **changes)


@dataclass(frozen=True)
class Slot:
    """A carrier code and an ISO week of 2026 that only one test uses."""

    carrier: str
    week: str

    def at(self, weekday: int = 2, hour: int = 10, minute: int = 0, *, weeks: int = 0) -> str:
        """A pickup time in Beijing: weekday 1 is Monday of the slot's week (moved by `weeks`)."""
        monday = date.fromisocalendar(2026, int(self.week[-2:]), 1) + timedelta(weeks=weeks)
        return datetime.combine(monday + timedelta(days=weekday - 1), time(hour, minute), BEIJING).isoformat()

    def of(self, lane: str, outlet: str = "1", **changes: Any) -> dict[str, Any]:
        """A parcel of the lane picked up on Tuesday at the slot carrier's outlet `{carrier}-{outlet}`."""
        base = {
            "carrier": self.carrier,
            "waybill_no": f"{self.carrier}{next(_serial):010d}",
            "outlet_id": f"{self.carrier}-{outlet}",
            "accepted_at": self.at(),
        }
        return parcel(lane, **(base | changes))

    def letter(self, outlet: str = "1", **changes: Any) -> dict[str, Any]:
        """A domestic letter without a sender ID at the slot's outlet."""
        return self.of(
            "domestic",
            outlet,
            **({"sender": sender(**NO_ID), "items": [documents(unit_value=0.0)], "weight_kg": 0.2} | changes),
        )


@pytest.fixture
def slot() -> Slot:
    """A fresh carrier code and week (weeks three apart, so the weeks before and after are free too)."""
    n = next(_slots)
    assert n < 16, "no more free weeks in 2026"
    return Slot(
        carrier=f"P{ascii_uppercase[n // 26]}{ascii_uppercase[n % 26]}", week=f"2026-W{2 + 3 * n:02d}"
    )


def by(rows: list[dict[str, Any]], key: str, *names: str) -> dict[Any, tuple[Any, ...]]:
    """Some figures of each row, by the row's key column."""
    return {r[key]: tuple(r[n] for n in names) for r in rows}


def figures(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """Some figures of one row."""
    return {n: row[n] for n in names}


SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}


def most_severe_first(decision: dict[str, Any]) -> bool:
    """Whether the reasons are listed most severe first (the contract's Decision table)."""
    ranks = [SEVERITY[r["outcome"]] for r in decision["reasons"]]
    return ranks == sorted(ranks, reverse=True)


# 收寄验视 and 过机安检 on every lane ------------------------------------------------------------------------


@pytest.mark.parametrize("missing", list(MISSING))
@pytest.mark.parametrize("lane", LANES)
def test_a_pickup_check_not_recorded_asks_for_inspection_on_every_lane(
    bureau: Bureau, lane: str, missing: str
) -> None:
    """A parcel without 收寄验视 or 过机安检 recorded is inspected on each lane, the lane in the evidence."""
    checks, expected = MISSING[missing]
    decided = bureau.score(parcel(lane, pickup_checks=checks))
    assert codes(decided) == expected  # RULES.md §3: both checks required for every parcel
    assert (decided["decision"], decided["case_id"]) == ("inspect", None)
    for code in expected:
        r = reason_of(decided, code)
        assert r["outcome"] == "inspect"
        assert r["evidence"]["lane"] == lane
    if "INSPECTION_NOT_RECORDED" in expected:
        r = reason_of(decided, "INSPECTION_NOT_RECORDED")
        assert "收寄验视" in r["message"] and "inspection" in r["message_en"].lower()
        assert r["evidence"]["opened_inspection"] is False
    if "XRAY_NOT_RECORDED" in expected:
        r = reason_of(decided, "XRAY_NOT_RECORDED")
        assert "过机安检" in r["message"] and "x-ray" in r["message_en"].lower()
        assert r["evidence"]["xray_screened"] is False


@pytest.mark.parametrize("lane", LANES)
def test_a_parcel_with_both_checks_recorded_is_released_without_reasons(bureau: Bureau, lane: str) -> None:
    """Both pickup checks recorded and a verified sender (or an import) release with an empty reason list."""
    decided = bureau.score(parcel(lane))
    assert (decided["decision"], decided["reasons"], decided["case_id"]) == ("release", [], None)


def test_a_cbec_import_without_xray_is_inspected_and_keeps_its_buyer_unquestioned(bureau: Bureau) -> None:
    """A cbec import with its buyer's ID but no X-ray gets XRAY_NOT_RECORDED for the import lane only."""
    decided = bureau.score(parcel("cbec", pickup_checks={"xray_screened": False}))
    assert codes(decided) == {"XRAY_NOT_RECORDED"}
    assert reason_of(decided, "XRAY_NOT_RECORDED")["evidence"]["lane"] == "import"
    assert decided["decision"] == "inspect"


def test_no_sender_id_and_no_checks_is_a_reject_that_still_names_both_checks(bureau: Bureau) -> None:
    """REALNAME_MISSING rejects; the two missing checks are listed after it, not dropped."""
    decided = bureau.score(parcel("domestic", sender=sender(**NO_ID), pickup_checks=NO_CHECKS))
    assert decided["decision"] == "reject"  # RULES.md §3: the most severe reason decides
    assert codes(decided) == {"REALNAME_MISSING", *PICKUP}
    assert decided["reasons"][0]["code"] == "REALNAME_MISSING"
    assert most_severe_first(decided)
    assert decided["case_id"] is None


def test_a_held_parcel_without_inspection_opens_a_case_and_lists_the_inspection_after_the_hold(
    bureau: Bureau,
) -> None:
    """Over the 800 CNY limit to Macau, not inspected: hold with a case, INSPECTION_NOT_RECORDED beneath."""
    coats = [item(description="羊毛大衣 wool coat", quantity=2, unit_value=450.0)]  # RULES.md §1: 800 CNY
    decided = bureau.score(parcel("export", items=coats, pickup_checks={"opened_inspection": False}))
    assert decided["decision"] == "hold"
    assert decided["case_id"] is not None
    assert codes(decided) == {"OVER_PERSONAL_LIMIT", "INSPECTION_NOT_RECORDED"}
    assert [r["outcome"] for r in decided["reasons"]] == ["hold", "inspect"]


def test_the_carrier_reads_back_the_pickup_reasons_and_another_carrier_may_not(bureau: Bureau) -> None:
    """GET /v1/decisions gives the carrier its parcel's reasons; another carrier's key gets 403."""
    wb = parcel("export", pickup_checks={"xray_screened": False})
    decided = bureau.score(wb)
    path = f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}"
    r = bureau.http.get(path, headers=bureau.key(wb["carrier"]))
    assert r.status_code == 200, r.text
    back = r.json()
    assert (back["decision"], codes(back)) == ("inspect", {"XRAY_NOT_RECORDED"})
    assert back["reasons"] == decided["reasons"]
    assert bureau.http.get(path, headers=bureau.key("YTO")).status_code == 403  # README: Security model


@pytest.mark.parametrize(
    ("checks", "loc"),
    [
        pytest.param(..., ["body", "pickup_checks"], id="no-pickup-checks"),
        pytest.param({"opened_inspection": True}, ["body", "pickup_checks", "xray_screened"], id="no-xray"),
        pytest.param(
            {"opened_inspection": "false", "xray_screened": True},
            ["body", "pickup_checks", "opened_inspection"],
            id="inspection-as-text",
        ),
    ],
)
def test_pickup_checks_not_given_as_two_booleans_are_a_422_that_the_audit_never_counts(
    bureau: Bureau, slot: Slot, checks: Any, loc: list[str]
) -> None:
    """Pickup flags not given as two booleans: a 422 naming the field; no decision, no audit row."""
    wb = slot.of("domestic")
    if checks is ...:
        del wb["pickup_checks"]
    else:
        wb["pickup_checks"] = Whole(checks)
    r = bureau.http.post("/v1/score", json=wb, headers=bureau.key(slot.carrier))
    assert r.status_code == 422  # contract: pickup_checks is required, each flag a bool
    assert loc in [e["loc"] for e in r.json()["detail"]]
    read = bureau.http.get(
        f"/v1/decisions/{slot.carrier}/{wb['waybill_no']}", headers=bureau.key(slot.carrier)
    )
    assert read.status_code == 404
    # Contract, Errors: bad input changes no state.
    week = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)
    assert (week["total"]["parcels"], week["rows"]) == (0, [])
    assert bureau.audit("offending", week=slot.week, carrier=slot.carrier)["total"] == 0


# A policy that relaxes X-ray for one lane -------------------------------------------------------------------


def test_the_relaxed_lane_releases_without_xray_while_the_other_lanes_still_need_it(relaxed: Bureau) -> None:
    """Without X-ray the relaxed lane releases under the file's policy version; other lanes are inspected."""
    lane = relaxed_lane(relaxed)
    decided = {other: relaxed.score(parcel(other, pickup_checks={"xray_screened": False})) for other in LANES}
    assert (decided[lane]["decision"], decided[lane]["reasons"]) == ("release", [])
    assert decided[lane]["policy_version"] == f"policy-no-xray-{lane}"
    for other in set(LANES) - {lane}:
        assert codes(decided[other]) == {"XRAY_NOT_RECORDED"}, other
        assert reason_of(decided[other], "XRAY_NOT_RECORDED")["evidence"]["lane"] == other
        assert decided[other]["decision"] == "inspect"


def test_relaxing_xray_for_a_lane_does_not_relax_its_opening_inspection(relaxed: Bureau) -> None:
    """On the relaxed lane a parcel with neither check is still inspected for the missing 收寄验视 alone."""
    lane = relaxed_lane(relaxed)
    decided = relaxed.score(parcel(lane, pickup_checks=NO_CHECKS))
    assert codes(decided) == {"INSPECTION_NOT_RECORDED"}  # RULES.md §1: art. 31 inspection at pickup
    assert decided["decision"] == "inspect"


def test_the_audit_leaves_a_relaxed_lanes_parcels_out_of_the_xray_rate_only(relaxed: Bureau) -> None:
    """README: X-ray rate over the parcels whose lane required it; a relaxed check is no breach."""
    lane = relaxed_lane(relaxed)
    other = next(x for x in LANES if x != lane)
    week = Slot(carrier="SF", week="2026-W47")
    bodies = [
        week.of(lane, "R1", pickup_checks={"xray_screened": False}),
        week.of(lane, "R1"),
        week.of(other, "R2", pickup_checks={"xray_screened": False}),
        week.of(other, "R2"),
    ]
    assert [relaxed.score(b)["decision"] for b in bodies] == ["release", "release", "inspect", "release"]
    names = ("parcels", "xray_needed", "xrayed", "xray_rate", "inspection_rate", "non_compliant")
    outlets = by(relaxed.audit("metrics", week=week.week, by="outlet")["rows"], "outlet_id", *names)
    assert outlets == {
        "SF-R1": (2, 0, 0, None, 1.0, 0),  # nothing to measure: no rate, not 0 or 100 %
        "SF-R2": (2, 2, 1, 1 / 2, 1.0, 1),
    }
    offending = relaxed.audit("offending", week=week.week, check="xray")
    assert [(r["outlet_id"], r["service"], r["problems"]) for r in offending["rows"]] == [
        ("SF-R2", other, ["xray_missing"])
    ]


# Letters and documents ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lane", ["domestic", "export"])
def test_a_letter_needs_no_sender_id(bureau: Bureau, lane: str) -> None:
    """快递暂行条例 art. 22 exempts letters from the ID check: no REALNAME_MISSING, a release."""
    decided = bureau.score(letter(lane))
    assert (decided["decision"], decided["reasons"]) == ("release", [])


@pytest.mark.parametrize("lane", ["domestic", "export"])
def test_a_letter_is_not_exempt_from_inspection_or_xray(bureau: Bureau, lane: str) -> None:
    """A letter without either check recorded is inspected for both; its missing ID still is no reason."""
    decided = bureau.score(letter(lane, pickup_checks=NO_CHECKS))
    assert codes(decided) == PICKUP  # RULES.md §3: X-ray "required for every parcel"
    assert decided["decision"] == "inspect"


def test_a_letter_whose_sender_id_was_not_verified_is_released(bureau: Bureau) -> None:
    """The per-parcel ID check does not apply to a letter, so an unverified ID is no REALNAME_UNVERIFIED."""
    decided = bureau.score(letter(sender=sender(id_verified=False, verification_method="none")))
    assert (decided["decision"], decided["reasons"]) == ("release", [])


def test_a_letter_declared_without_a_category_is_recognised_from_its_description(bureau: Bureau) -> None:
    """RULES.md §2: a missing category is inferred; 合同文件 is documents, so no ID is needed."""
    papers = item(description="合同文件 contract documents", category=..., quantity=1, unit_value=0.0)
    decided = bureau.score(letter(items=[papers]))
    assert (decided["decision"], decided["reasons"]) == ("release", [])


def test_papers_and_goods_in_one_parcel_are_not_a_letter(bureau: Bureau) -> None:
    """Documents and a T-shirt together without a sender ID are rejected for REALNAME_MISSING."""
    decided = bureau.score(letter(items=[documents(unit_value=0.0), item()]))
    assert decided["decision"] == "reject"
    assert codes(decided) == {"REALNAME_MISSING"}
    assert reason_of(decided, "REALNAME_MISSING")["evidence"]["lane"] == "domestic"


def test_a_phone_declared_as_documents_is_not_a_letter(bureau: Bureau) -> None:
    """A mobile phone in the documents category is goods, not a letter: without an ID it is rejected."""
    phone = item(description="iPhone 15 手机", category="documents", quantity=1, unit_value=5000.0)
    decided = bureau.score(letter(items=[phone], weight_kg=0.4))
    assert "REALNAME_MISSING" in codes(decided)
    assert decided["decision"] == "reject"


# Agreement customers (协议客户) ---------------------------------------------------------------------------


def agreement_sender(contract_id: str, **changes: Any) -> dict[str, Any]:
    """An agreement customer's sender without an ID unless given."""
    return sender(**(NO_ID | {"customer_type": "contract", "contract_id": contract_id} | changes))


@pytest.mark.parametrize("lane", ["domestic", "export"])
def test_a_qualified_agreement_customer_needs_no_per_parcel_id(bureau: Bureau, lane: str) -> None:
    """An active agreement registered with the carrier exempts its parcels from the sender-ID check."""
    bureau.register({"contract_id": f"SHOP-Q-{lane}", "name": "某网店", "carrier": "SF"})
    decided = bureau.score(parcel(lane, sender=agreement_sender(f"SHOP-Q-{lane}")))
    assert (decided["decision"], decided["reasons"]) == ("release", [])


def test_a_qualified_agreement_customer_still_needs_both_pickup_checks(bureau: Bureau) -> None:
    """An agreement exempts from the ID check only: no inspection and no X-ray are inspected (art. 31–33)."""
    bureau.register({"contract_id": "SHOP-CHECKS", "name": "某网店", "carrier": "SF"})
    decided = bureau.score(
        parcel("domestic", sender=agreement_sender("SHOP-CHECKS"), pickup_checks=NO_CHECKS)
    )
    assert codes(decided) == PICKUP
    assert decided["decision"] == "inspect"


def test_a_qualified_agreement_customers_unverified_id_is_no_reason(bureau: Bureau) -> None:
    """A qualified agreement customer that gave an ID not checked against the person is released."""
    bureau.register({"contract_id": "SHOP-UNV", "name": "某网店", "carrier": "SF"})
    who = agreement_sender(
        "SHOP-UNV", id_type="uscc", id_number=id_number("uscc"), id_verified=False, verification_method="none"
    )
    decided = bureau.score(parcel("domestic", sender=who))
    assert (decided["decision"], decided["reasons"]) == ("release", [])


@pytest.mark.parametrize(
    ("agreement", "status"),
    [
        pytest.param({"status": "suspended"}, "suspended", id="suspended"),
        pytest.param({"valid_until": "2026-11-10"}, "expired", id="expired-the-day-before"),
        pytest.param({"valid_from": "2026-11-12"}, "not_yet_valid", id="not-yet-valid"),
        pytest.param({"carrier": "YTO"}, "unknown", id="signed-with-another-carrier"),
        pytest.param(None, "unknown", id="never-registered"),
    ],
)
def test_an_unqualified_agreement_customer_without_an_id_is_rejected_and_named(
    bureau: Bureau, agreement: dict[str, Any] | None, status: str
) -> None:
    """An agreement not active on the pickup's day exempts nothing: REALNAME_MISSING, CONTRACT_UNQUALIFIED."""
    contract_id = f"SHOP-{next(_serial)}"
    if agreement is not None:
        bureau.register({"contract_id": contract_id, "name": "某网店", "carrier": "SF"} | agreement)
    decided = bureau.score(parcel("domestic", sender=agreement_sender(contract_id)))  # 2026-11-11
    assert codes(decided) == {"REALNAME_MISSING", "CONTRACT_UNQUALIFIED"}
    assert decided["decision"] == "reject"
    assert [r["code"] for r in decided["reasons"]] == ["REALNAME_MISSING", "CONTRACT_UNQUALIFIED"]
    evidence = reason_of(decided, "CONTRACT_UNQUALIFIED")["evidence"]
    assert evidence["contract_id"] == contract_id
    # RULES.md §3 names unknown, suspended and expired; one not yet in force is none of them, and says so.
    assert evidence["status"] == status
    assert reason_of(decided, "CONTRACT_UNQUALIFIED")["outcome"] == "hold"


def test_an_unknown_agreement_customer_with_a_verified_id_is_held_not_rejected(bureau: Bureau) -> None:
    """A verified ID satisfies real-name pickup; the unknown agreement alone holds the parcel with a case."""
    decided = bureau.score(parcel("domestic", sender=sender(customer_type="contract", contract_id="NOPE-1")))
    assert codes(decided) == {"CONTRACT_UNQUALIFIED"}
    assert decided["decision"] == "hold"
    assert decided["case_id"] is not None


# Identity documents: REALNAME_MISSING against REALNAME_UNVERIFIED ---------------------------------------


@pytest.mark.parametrize("id_type", [*ID_TYPES, "hk_macau_residence_permit"])
def test_a_verified_document_of_every_accepted_type_releases(bureau: Bureau, id_type: str) -> None:
    """A sender whose accepted ID was read and verified needs nothing more (RULES.md §1)."""
    if id_type == "hk_macau_residence_permit":  # numbered 81… as a resident ID (README: What is checked)
        who = sender(id_type="hk_macau_permit", id_number=resident_id(region="810000", seq="417"))
    else:
        who = holding(id_type)
    decided = bureau.score(parcel("domestic", sender=who))
    assert (decided["decision"], decided["reasons"]) == ("release", [])


@pytest.mark.parametrize("id_type", ID_TYPES)
def test_an_unverified_document_of_every_type_is_inspected_not_rejected(bureau: Bureau, id_type: str) -> None:
    """An ID given but not verified against the person is REALNAME_UNVERIFIED (inspect), never MISSING."""
    decided = bureau.score(
        parcel("export", sender=holding(id_type, id_verified=False, verification_method=None))
    )
    assert codes(decided) == {"REALNAME_UNVERIFIED"}
    r = reason_of(decided, "REALNAME_UNVERIFIED")
    assert (r["outcome"], r["evidence"]["id_verified"]) == ("inspect", False)
    assert decided["decision"] == "inspect"


@pytest.mark.parametrize("id_type", ["resident_id", "uscc"])
def test_a_document_type_without_its_number_is_no_id_at_all(bureau: Bureau, id_type: str) -> None:
    """id_type given, id_number left out, 'verified' ticked: no ID was given, REALNAME_MISSING rejects."""
    who = sender(id_type=id_type, id_number=None, id_verified=True, verification_method="id_reader")
    decided = bureau.score(parcel("export", sender=who))
    assert codes(decided) == {"REALNAME_MISSING"}
    assert reason_of(decided, "REALNAME_MISSING")["evidence"]["lane"] == "export"
    assert decided["decision"] == "reject"


@pytest.mark.parametrize(
    ("verified", "method", "unverified"),
    [
        (True, "face_match", False),
        (True, "manual", False),
        (True, "none", True),
        (False, "id_reader", True),
    ],
)
def test_only_a_verification_by_a_known_method_counts(
    bureau: Bureau, verified: bool, method: str, unverified: bool
) -> None:
    """id_verified with a method the policy lists releases; method 'none', or the flag off, is unverified."""
    decided = bureau.score(
        parcel("domestic", sender=holding("passport", id_verified=verified, verification_method=method))
    )
    assert ("REALNAME_UNVERIFIED" in codes(decided)) is unverified
    assert decided["decision"] == ("inspect" if unverified else "release")


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        pytest.param("resident_id", wrong_check_digit(resident_id(seq="731")), id="resident-id"),
        pytest.param(
            "hk_macau_permit",
            wrong_check_digit(resident_id(region="810000", seq="732")),
            id="residence-permit",
        ),
        pytest.param("uscc", wrong_check_digit(uscc_of("91310115600037341")), id="uscc"),
    ],
)
def test_a_false_id_not_verified_is_rejected_as_false_not_as_unverified(
    bureau: Bureau, id_type: str, number: str
) -> None:
    """A wrong check digit is ID_INVALID (reject), the masked number in evidence, whatever was ticked."""
    who = sender(id_type=id_type, id_number=number, id_verified=False, verification_method="none")
    decided = bureau.score(parcel("domestic", sender=who))
    assert codes(decided) == {"ID_INVALID"}
    evidence = reason_of(decided, "ID_INVALID")["evidence"]
    assert (evidence["party"], evidence["masked"], evidence["problem"]) == (
        "sender",
        mask_id(number),
        "check_digit",
    )
    assert number not in json.dumps(decided)
    assert decided["decision"] == "reject"


def test_an_import_sender_abroad_needs_no_id_and_an_unverified_one_is_no_reason(bureau: Bureau) -> None:
    """Real-name pickup is for parcels handed over in China: an import's sender is not asked for an ID."""
    no_id = bureau.score(parcel("import"))
    abroad = macau_receiver(next(_serial)) | {
        "id_type": "passport",
        "id_number": "MA1234567",
        "id_verified": False,
    }
    unverified = bureau.score(parcel("import", sender=Whole(abroad)))
    assert [(d["decision"], d["reasons"]) for d in (no_id, unverified)] == [("release", []), ("release", [])]


# The bureau's audit: real-name, inspection and X-ray rates per carrier and outlet -----------------------


def test_the_rates_per_outlet_and_carrier_count_each_check_over_its_own_denominator(
    bureau: Bureau, slot: Slot
) -> None:
    """Eight parcels at two outlets: real-name over domestic+export non-letters, checks over every parcel."""
    decided = {
        "ok": bureau.score(slot.of("domestic", "1")),
        "no_id": bureau.score(slot.of("domestic", "1", sender=sender(**NO_ID))),
        "unverified": bureau.score(
            slot.of("export", "1", sender=sender(id_verified=False, verification_method="none"))
        ),
        "no_xray": bureau.score(slot.of("domestic", "1", pickup_checks={"xray_screened": False})),
        "import_no_inspection": bureau.score(
            slot.of("import", "1", pickup_checks={"opened_inspection": False})
        ),
        "export_ok": bureau.score(slot.of("export", "2")),
        "letter_no_xray": bureau.score(slot.letter("2", pickup_checks={"xray_screened": False})),
        "cbec_no_checks": bureau.score(slot.of("cbec", "2", pickup_checks=NO_CHECKS)),
    }
    assert {n: d["decision"] for n, d in decided.items()} == {
        "ok": "release",
        "no_id": "reject",
        "unverified": "inspect",
        "no_xray": "inspect",
        "import_no_inspection": "inspect",
        "export_ok": "release",
        "letter_no_xray": "inspect",
        "cbec_no_checks": "inspect",
    }
    names = (
        "parcels",
        "realname_needed",
        "realname_ok",
        "realname_missing",
        "realname_unverified",
        "realname_rate",
        "inspection_needed",
        "inspected",
        "inspection_rate",
        "xray_needed",
        "xrayed",
        "xray_rate",
        "non_compliant",
    )
    outlets = bureau.audit("metrics", week=slot.week, carrier=slot.carrier, by="outlet")
    assert by(outlets["rows"], "outlet_id", *names) == {
        f"{slot.carrier}-1": (5, 4, 2, 1, 1, 2 / 4, 5, 4, 4 / 5, 5, 4, 4 / 5, 4),
        f"{slot.carrier}-2": (3, 1, 1, 0, 0, 1.0, 3, 2, 2 / 3, 3, 1, 1 / 3, 2),
    }
    carriers = bureau.audit("metrics", week=slot.week, carrier=slot.carrier, by="carrier")
    assert by(carriers["rows"], "carrier", *names) == {
        slot.carrier: (8, 5, 3, 1, 1, 3 / 5, 8, 6, 6 / 8, 8, 5, 5 / 8, 6),
    }
    assert tuple(carriers["total"][n] for n in names) == by(carriers["rows"], "carrier", *names)[slot.carrier]
    assert carriers["total"]["non_compliance_rate"] == 6 / 8
    assert figures(carriers["total"], "release", "inspect", "hold", "reject") == {
        "release": 2,
        "inspect": 5,
        "hold": 0,
        "reject": 1,
    }


def test_missing_and_unverified_ids_of_every_document_type_are_counted_apart_and_shown_masked(
    bureau: Bureau, slot: Slot
) -> None:
    """Per type one verified, one unverified, one without a number: rate 1/3, each failure counted apart."""
    unverified: dict[str, str] = {}
    for id_type in ID_TYPES:
        bureau.score(slot.of("domestic", sender=holding(id_type)))
        who = holding(id_type, id_verified=False, verification_method="none")
        unverified[id_type] = who["id_number"]
        assert codes(bureau.score(slot.of("domestic", sender=who))) == {"REALNAME_UNVERIFIED"}
        missing = sender(id_type=id_type, id_number=None)
        assert codes(bureau.score(slot.of("export", sender=missing))) == {"REALNAME_MISSING"}
    count = len(ID_TYPES)
    body = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)
    assert figures(
        body["total"],
        "parcels",
        "realname_needed",
        "realname_ok",
        "realname_missing",
        "realname_invalid",
        "realname_unverified",
        "realname_rate",
    ) == {
        "parcels": 3 * count,
        "realname_needed": 3 * count,
        "realname_ok": count,
        "realname_missing": count,
        "realname_invalid": 0,
        "realname_unverified": count,
        "realname_rate": 1 / 3,
    }
    offending = bureau.audit("offending", week=slot.week, carrier=slot.carrier, check="realname")
    assert offending["total"] == 2 * count
    shown = {(r["service"], tuple(r["problems"]), r["sender_id_masked"]) for r in offending["rows"]}
    assert shown == {
        *(("domestic", ("realname_unverified",), mask_id(n)) for n in unverified.values()),
        ("export", ("realname_missing",), None),
    }
    text = json.dumps(offending, ensure_ascii=False)
    assert [n for n in unverified.values() if n in text] == []  # 个人信息保护法: masked forms only


def test_a_false_id_counts_as_invalid_not_as_unverified_or_missing(bureau: Bureau, slot: Slot) -> None:
    """A rejected false ID is a real-name failure of its own kind in the audit (证件无效)."""
    number = wrong_check_digit(resident_id(region="310115", seq="733"))
    who = sender(id_number=number, id_verified=False, verification_method="none")
    assert bureau.score(slot.of("domestic", sender=who))["decision"] == "reject"
    body = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)
    assert figures(
        body["total"],
        "realname_needed",
        "realname_ok",
        "realname_missing",
        "realname_invalid",
        "realname_unverified",
    ) == {
        "realname_needed": 1,
        "realname_ok": 0,
        "realname_missing": 0,
        "realname_invalid": 1,
        "realname_unverified": 0,
    }
    rows = bureau.audit("offending", week=slot.week, carrier=slot.carrier)["rows"]
    assert [(r["problems"], r["sender_id_masked"]) for r in rows] == [(["realname_invalid"], mask_id(number))]


def test_agreement_customers_count_for_the_checks_and_leave_real_name_only_with_their_own_carrier(
    bureau: Bureau, slot: Slot
) -> None:
    """README: an agreement counts only with its own carrier; every parcel counts for the two checks."""
    other = f"{slot.carrier}X"
    contract_id = f"SHOP-{slot.carrier}"
    bureau.register({"contract_id": contract_id, "name": "某网店", "carrier": slot.carrier})
    own = slot.of("domestic", sender=agreement_sender(contract_id), pickup_checks={"xray_screened": False})
    elsewhere = slot.of(
        "domestic",
        carrier=other,
        waybill_no=f"{other}{next(_serial):010d}",
        outlet_id=f"{other}-1",
        sender=agreement_sender(contract_id),
    )
    assert codes(bureau.score(own)) == {"XRAY_NOT_RECORDED"}
    assert codes(bureau.score(elsewhere)) == {"REALNAME_MISSING", "CONTRACT_UNQUALIFIED"}
    names = (
        "parcels",
        "contract_parcels",
        "contract_qualified",
        "agreement_coverage",
        "realname_needed",
        "realname_missing",
        "realname_rate",
        "xray_needed",
        "xray_rate",
        "non_compliant",
    )
    rows = {c: bureau.audit("metrics", week=slot.week, carrier=c)["total"] for c in (slot.carrier, other)}
    assert {c: tuple(t[n] for n in names) for c, t in rows.items()} == {
        slot.carrier: (1, 1, 1, 1.0, 0, 0, None, 1, 0.0, 1),
        other: (1, 1, 0, 0.0, 1, 1, 0.0, 1, 1.0, 1),
    }


def test_a_held_parcel_without_inspection_is_both_a_hold_and_a_breach_with_its_case(
    bureau: Bureau, slot: Slot
) -> None:
    """The audit counts a hold that broke the inspection rule among the non-compliant, with its case id."""
    coats = [item(description="羊毛大衣 wool coat", quantity=2, unit_value=450.0)]
    held = bureau.score(slot.of("export", items=coats, pickup_checks={"opened_inspection": False}))
    assert held["decision"] == "hold"
    body = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)
    assert figures(
        body["total"], "parcels", "hold", "holds_open", "inspection_rate", "realname_rate", "non_compliant"
    ) == {
        "parcels": 1,
        "hold": 1,
        "holds_open": 1,
        "inspection_rate": 0.0,
        "realname_rate": 1.0,
        "non_compliant": 1,
    }
    rows = bureau.audit("offending", week=slot.week, carrier=slot.carrier, check="inspection")["rows"]
    assert [(r["waybill_no"], r["case_id"], r["problems"]) for r in rows] == [
        (held["waybill_no"], held["case_id"], ["inspection_missing"])
    ]


def test_a_parcel_missing_every_check_is_one_offending_waybill_listed_under_each_check(
    bureau: Bureau, slot: Slot
) -> None:
    """No ID, inspection or X-ray: one non-compliant parcel, three problems, found by each check filter."""
    wb = slot.of("domestic", sender=sender(**NO_ID), pickup_checks=NO_CHECKS)
    bureau.score(wb)
    assert bureau.audit("metrics", week=slot.week, carrier=slot.carrier)["total"]["non_compliant"] == 1
    listed = bureau.audit("offending", week=slot.week, carrier=slot.carrier)
    assert [(r["waybill_no"], r["problems"]) for r in listed["rows"]] == [
        (wb["waybill_no"], ["realname_missing", "inspection_missing", "xray_missing"])
    ]
    for check in ("realname", "inspection", "xray"):
        found = bureau.audit("offending", week=slot.week, carrier=slot.carrier, check=check)
        assert [r["waybill_no"] for r in found["rows"]] == [wb["waybill_no"]], check


def test_a_courier_who_adds_the_xray_and_re_sends_counts_once_as_compliant(
    bureau: Bureau, slot: Slot
) -> None:
    """README: a parcel counts once, as last scored; a re-sent unchanged body answers the same decision."""
    first = slot.of("export", pickup_checks={"xray_screened": False})
    decided = bureau.score(first)
    assert bureau.score(first)["reasons"] == decided["reasons"]  # contract: Idempotency
    corrected = first | {"pickup_checks": {"opened_inspection": True, "xray_screened": True}}
    assert (bureau.score(corrected)["decision"], bureau.score(corrected)["reasons"]) == ("release", [])
    read = bureau.http.get(
        f"/v1/decisions/{slot.carrier}/{first['waybill_no']}", headers=bureau.key(slot.carrier)
    )
    assert read.json()["decision"] == "release"
    body = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)
    assert figures(body["total"], "parcels", "xray_needed", "xrayed", "xray_rate", "non_compliant") == {
        "parcels": 1,
        "xray_needed": 1,
        "xrayed": 1,
        "xray_rate": 1.0,
        "non_compliant": 0,
    }
    assert bureau.audit("offending", week=slot.week, carrier=slot.carrier)["total"] == 0


def test_a_pickup_counts_in_the_iso_week_of_its_beijing_day(bureau: Bureau, slot: Slot) -> None:
    """Sunday 23:30 in Beijing is the slot's week; Monday 00:30 Beijing (still Sunday in UTC) the next one."""
    sunday = slot.of("domestic", accepted_at=slot.at(7, 23, 30), pickup_checks={"xray_screened": False})
    monday_in_utc = datetime.fromisoformat(slot.at(1, 0, 30, weeks=1)).astimezone(UTC)
    assert monday_in_utc.isoweekday() == 7  # still Sunday of the slot's week in UTC
    monday = slot.of("domestic", accepted_at=monday_in_utc.isoformat())
    bureau.score(sunday)
    bureau.score(monday)
    this = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)["total"]
    next_week = f"2026-W{int(slot.week[-2:]) + 1:02d}"
    after = bureau.audit("metrics", week=next_week, carrier=slot.carrier)["total"]
    assert (this["parcels"], this["xray_rate"]) == (1, 0.0)
    assert (after["parcels"], after["xray_rate"]) == (1, 1.0)


def test_the_week_before_is_compared_rate_by_rate(bureau: Bureau, slot: Slot) -> None:
    """README: week-over-week change; last week half the parcels lacked an ID and X-ray, this week none."""
    before = {"accepted_at": slot.at(weeks=-1)}
    bureau.score(slot.of("domestic", **before))
    bureau.score(
        slot.of("domestic", **before, sender=sender(**NO_ID), pickup_checks={"xray_screened": False})
    )
    bureau.score(slot.of("domestic"))
    bureau.score(slot.of("export"))
    body = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)
    assert body["previous"]["label"] == f"2026-W{int(slot.week[-2:]) - 1:02d}"
    total = body["total"]
    for rate in ("realname_rate", "xray_rate"):
        assert (total[rate], total[f"{rate}_previous"], total[f"{rate}_change"]) == (1.0, 0.5, 0.5), rate
    assert (total["inspection_rate"], total["inspection_rate_change"]) == (1.0, 0.0)
    assert (total["non_compliance_rate"], total["non_compliance_rate_previous"]) == (0.0, 0.5)


def test_the_dashboard_shows_the_metrics_figures_for_the_carrier(bureau: Bureau, slot: Slot) -> None:
    """The dashboard's carrier row and total agree with /metrics for the same week and carrier."""
    bureau.score(slot.of("domestic"))
    bureau.score(slot.of("domestic", sender=sender(id_verified=False, verification_method="none")))
    bureau.score(slot.of("export", pickup_checks={"opened_inspection": False}))
    bureau.score(slot.letter(pickup_checks={"xray_screened": False}))
    names = (
        "parcels",
        "realname_rate",
        "inspection_rate",
        "xray_rate",
        "non_compliant",
        "non_compliance_rate",
    )
    dashboard = bureau.audit("dashboard", week=slot.week, carrier=slot.carrier)
    metrics = bureau.audit("metrics", week=slot.week, carrier=slot.carrier)
    expected = {
        "parcels": 4,
        "realname_rate": 2 / 3,
        "inspection_rate": 3 / 4,
        "xray_rate": 3 / 4,
        "non_compliant": 3,
        "non_compliance_rate": 3 / 4,
    }
    assert figures(metrics["total"], *names) == expected
    assert figures(dashboard["total"], *names) == expected
    assert [figures(r, "carrier", *names) for r in dashboard["carriers"]] == [
        {"carrier": slot.carrier} | expected
    ]
    assert sum(d["parcels"] for d in dashboard["daily"]) == 4  # the week before had none


def test_the_weekly_report_csv_carries_the_carriers_rates_and_its_offending_waybills(
    bureau: Bureau, slot: Slot
) -> None:
    """The downloaded report (CSV tables) gives the same rates per carrier and names what was not done."""
    bureau.score(slot.of("domestic"))
    missing = slot.of("domestic", sender=sender(**NO_ID), pickup_checks={"xray_screened": False})
    bureau.score(missing)
    carriers = csv_rows(bureau.report(f"weekly/{slot.week}", format="csv", table="carriers"))
    mine = [r for r in carriers if r["快递企业 (carrier)"] == slot.carrier]
    assert len(mine) == 1
    row = mine[0]
    assert int(row["收寄件数 (parcels)"]) == 2
    assert float(row["实名收寄率 (real-name pickup rate)"]) == 0.5
    assert float(row["收寄验视率 (inspection-recorded rate)"]) == 1.0
    assert float(row["过机安检率 (X-ray-recorded rate)"]) == 0.5
    offending = csv_rows(bureau.report(f"weekly/{slot.week}", format="csv", table="offending"))
    mine = [r for r in offending if r["快递企业 (carrier)"] == slot.carrier]
    assert [(r["运单号 (waybill no.)"], r["违规事项 (what was not done)"]) for r in mine] == [
        (missing["waybill_no"], "未登记寄件人证件 (no sender ID)；未记录过机安检 (no X-ray recorded)")
    ]


def csv_rows(content: bytes) -> list[dict[str, str]]:
    """A downloaded CSV table as dicts by heading."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_batch_is_counted_per_courier_as_single_scorings_are(bureau: Bureau, slot: Slot) -> None:
    """A courier system's batch: each slot decided, and the audit per courier counts each check."""
    bodies = [
        slot.of("domestic", courier_id="C-1"),
        slot.of("domestic", courier_id="C-1", pickup_checks={"opened_inspection": False}),
        slot.of("export", courier_id="C-2", pickup_checks={"xray_screened": False}),
        slot.of("export", courier_id="C-2", sender=sender(**NO_ID)),
    ]
    r = bureau.http.post("/v1/score/batch", json={"waybills": bodies}, headers=bureau.key(slot.carrier))
    assert r.status_code == 200, r.text
    decided = r.json()["decisions"]
    assert [(d["decision"], sorted(codes(d))) for d in decided] == [
        ("release", []),
        ("inspect", ["INSPECTION_NOT_RECORDED"]),
        ("inspect", ["XRAY_NOT_RECORDED"]),
        ("reject", ["REALNAME_MISSING"]),
    ]
    rows = bureau.audit("metrics", week=slot.week, carrier=slot.carrier, by="courier")["rows"]
    names = ("parcels", "realname_rate", "inspection_rate", "xray_rate", "non_compliant")
    assert by(rows, "courier_id", *names) == {
        "C-1": (2, 1.0, 1 / 2, 1.0, 1),
        "C-2": (2, 1 / 2, 1.0, 1 / 2, 2),
    }


@pytest.mark.parametrize("who", ["anonymous", "carrier-key", "officer"])
def test_only_the_bureaus_roles_read_the_audit(bureau: Bureau, who: str) -> None:
    """README: audit metrics are for auditor, supervisor and admin; a courier system or an officer may not."""
    headers = {"anonymous": {}, "carrier-key": bureau.key("SF"), "officer": bureau.officer}[who]
    expected = {"anonymous": 401, "carrier-key": 403, "officer": 403}[who]
    for path in ("metrics", "dashboard", "offending"):
        r = bureau.http.get(f"/v1/audit/{path}", params={"week": "2026-W46"}, headers=headers)
        assert r.status_code == expected, (path, r.text)
    assert (
        bureau.http.get("/v1/audit/metrics", params={"week": "2026-W46"}, headers=bureau.auditor).status_code
        == 200
    )
