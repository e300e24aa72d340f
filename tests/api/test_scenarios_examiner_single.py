"""An examiner's acceptance scenarios: one waybill at a time through POST /v1/score, on a fresh history.

Written as a black box from ../shared/domain/RULES.md §1–§3 (real-name pickup and its exemptions, the
personal and cbec value limits, the prohibited list, the reason catalogue, most severe wins) and
../shared/contract/README.md (Waybill, Decision, Reason, 422 bodies that name every field and change
nothing, case_id set when the decision is hold). Each waybill is a realistic parcel: Chinese parties and
addresses on the domestic and export lanes, the sender's own currency on imports.

Readings where the sources leave a choice, taken from the README's "What is checked" section:
- Values are compared in CNY, each line rounded half up to the fen; "over L" means strictly greater.
- The personal limit L is the foreign party's: the receiver's country on an export, the sender's on an
  import. An organisation registering its USCC and sending (or importing) by express ships goods, not a
  personal article; the postal channel stays a personal article whoever sends it.
- COMMERCIAL_QUANTITY adds up the units of lines with one description and concerns personal articles only.
- An agreement's validity is read on the Beijing calendar day of `accepted_at`.
- The CNY rates are set for this module (SCREENING_CNY_RATES): USD 7.1, HKD 0.91, JPY 0.047, EUR 7.7.
"""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stdnum.cn import uscc

from api.app import create_app
from screening.history.embedded import EmbeddedHistoryStore
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import (
    NO_ID,
    agreement_customer,
    cn_receiver,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S

Body = dict[str, Any]

SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
RATES = {"USD": 7.1, "HKD": 0.91, "JPY": 0.047, "EUR": 7.7}
COMPANY_USCC = "91310115MA1K3Y2B0" + uscc.calc_check_digit("91310115MA1K3Y2B0")

# The agreement-customer registry this module loads over the admin API.
AGREEMENTS: list[Body] = [
    {
        "contract_id": "ZJ-HZ-2026-0001",
        "name": "杭州某某服饰网店",
        "carrier": "SF",
        "status": "active",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    },
    {
        "contract_id": "ZJ-YW-2026-0002",
        "name": "义乌某某小商品商行",
        "carrier": "SF",
        "status": "suspended",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    },
    {
        "contract_id": "GD-GZ-2025-0003",
        "name": "广州某某贸易有限公司",
        "carrier": "SF",
        "status": "active",
        "valid_from": "2025-01-01",
        "valid_until": "2025-12-31",
    },
    {
        "contract_id": "SH-2026-1111",
        "name": "上海某某双十一专营店",
        "carrier": "SF",
        "status": "active",
        "valid_from": "2026-01-01",
        "valid_until": "2026-11-11",
    },
]


# Parties -----------------------------------------------------------------------------------------------


def guangzhou_sender(**changes: Any) -> Body:
    """陈静 in Guangzhou with a verified resident ID."""
    base: Body = {
        "name": "陈静",
        "phone": "13926001234",
        "address": {
            "country": "CN",
            "province": "广东省",
            "city": "广州市",
            "district": "天河区",
            "detail": "天河路385号太古汇一座1208室",
            "postcode": "510620",
        },
        "id_number": resident_id(region="440106", birth="19880315", seq="046"),
    }
    return party(**(base | changes))


def company(**changes: Any) -> Body:
    """A Shanghai trading company registering its unified social credit code, checked by hand."""
    base: Body = {
        "name": "上海某某贸易有限公司",
        "phone": "02158881234",
        "id_type": "uscc",
        "id_number": COMPANY_USCC,
        "verification_method": "manual",
    }
    return party(**(base | changes))


def beijing_buyer(**changes: Any) -> Body:
    """李娜 in Beijing, a cbec buyer whose ID the platform checked online."""
    base: Body = {
        "id_type": "resident_id",
        "id_number": resident_id(region="110105", birth="19850612", seq="123"),
        "id_verified": True,
        "verification_method": "online_check",
    }
    return cn_receiver(**(base | changes))


def abroad(country: str, **changes: Any) -> Body:
    """A private person abroad (no identity document), by country."""
    people: dict[str, Body] = {
        "HK": {},
        "MO": {
            "name": "LEONG KA WAI",
            "phone": "+85366123456",
            "address": {
                "country": "MO",
                "city": "Macau",
                "district": "Taipa",
                "detail": "Rua de Bragança 88",
            },
        },
        "TW": {
            "name": "陳小明",
            "phone": "+886912345678",
            "address": {
                "country": "TW",
                "city": "台北市",
                "district": "大安區",
                "detail": "忠孝東路四段100號5樓",
            },
        },
        "US": {
            "name": "MARY JOHNSON",
            "phone": "+12125550143",
            "address": {
                "country": "US",
                "city": "New York",
                "district": None,
                "detail": "350 5th Ave Apt 12B",
            },
        },
        "JP": {
            "name": "TANAKA HANAKO",
            "phone": "+81312345678",
            "address": {"country": "JP", "city": "Tokyo", "district": "Shinjuku", "detail": "西新宿2-8-1"},
        },
    }
    return hk_receiver(**(people[country] | changes))


# Goods and parcels -------------------------------------------------------------------------------------


def scarves(*values: float) -> list[Body]:
    """One silk scarf a line, at these unit values (distinct descriptions, so no quantity rule adds up)."""
    return [
        item(description=f"真丝围巾 silk scarf 款{i + 1}", category="apparel_shoes", quantity=1, unit_value=v)
        for i, v in enumerate(values)
    ]


def camera(value: float, quantity: int = 1) -> Body:
    """A camera line."""
    return item(
        description="单反相机 DSLR camera", category="electronics", quantity=quantity, unit_value=value
    )


def letter() -> Body:
    """Contract papers declared as documents."""
    return item(description="合同文件 contract papers", category="documents", quantity=1, unit_value=0.0)


def export_to(country: str, **changes: Any) -> Body:
    """A personal postal article from 陈静 in Guangzhou to a private person abroad."""
    base: Body = {
        "service": "export",
        "channel": "postal",
        "sender": guangzhou_sender(),
        "receiver": abroad(country),
        "weight_kg": 0.8,
    }
    return waybill(**(base | changes))


def import_from(country: str, **changes: Any) -> Body:
    """A personal postal article from a private person abroad to 李娜 in Beijing (no ID on either side)."""
    base: Body = {
        "service": "import",
        "channel": "postal",
        "sender": abroad(country),
        "receiver": cn_receiver(),
        "weight_kg": 0.8,
    }
    return waybill(**(base | changes))


def cbec_import(*values: float, **changes: Any) -> Body:
    """A cross-border e-commerce import of infant formula from a US shop to the Beijing buyer."""
    shop = abroad("US", name="PACIFIC NUTRITION LLC", phone="+13105550188")
    base: Body = {
        "service": "import",
        "channel": "cbec",
        "sender": shop,
        "receiver": beijing_buyer(),
        "items": [
            item(
                description=f"婴儿配方奶粉 infant formula 段{i + 1}",
                category="food",
                quantity=1,
                unit_value=v,
            )
            for i, v in enumerate(values)
        ],
        "weight_kg": 3.0,
        "order": {"platform": "tmall_global", "order_id": "TG-20261111-000871"},
    }
    return waybill(**(base | changes))


def one_line(description: str, category: str | None = None, **changes: Any) -> Body:
    """A domestic parcel of one line of 50 CNY with this description."""
    line: Body = {"description": description, "quantity": 1, "unit_value": 50.0}
    if category is not None:
        line["category"] = category
    return waybill(items=[line], **changes)


def plain(text: str) -> str:
    """A message without its thousands separators."""
    return text.replace(",", "")


def quiet_policy() -> Policy:
    """The shipped policy with random audit off, so a decision does not hang on the waybill number."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


# The service -------------------------------------------------------------------------------------------


@dataclass
class Counter:
    """A courier system's view of a started service."""

    app: FastAPI
    http: TestClient

    def post(self, wb: Body) -> httpx2.Response:
        """POST /v1/score, whatever the answer."""
        return self.http.post("/v1/score", json=wb)

    def score(self, wb: Body) -> Body:
        """POST /v1/score and expect a decision that echoes the parcel."""
        r = self.post(wb)
        assert r.status_code == 200, r.text[:600]
        d: Body = r.json()
        assert (d["carrier"], d["waybill_no"]) == (wb["carrier"], wb["waybill_no"])
        return d

    def read_back(self, wb: Body) -> httpx2.Response:
        """GET /v1/decisions/{carrier}/{waybill_no}."""
        return self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")

    def refused_at(self, wb: Body, *expected: list[Any]) -> Body:
        """A pydantic-style 422 naming exactly these fields, and no decision kept for the parcel."""
        r = self.post(wb)
        assert r.status_code == 422, r.text[:600]
        body: Body = r.json()
        assert all(set(e) == {"loc", "msg", "type"} and e["msg"] for e in body["detail"]), body
        assert sorted((e["loc"] for e in body["detail"]), key=str) == sorted(expected, key=str), body
        assert self.read_back(wb).status_code == 404
        return body


def start(settings: Settings) -> Iterator[Counter]:
    """A started app with the quiet policy and this module's agreement registry."""
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = quiet_policy()
        r = http.put("/v1/admin/agreements", json=AGREEMENTS, headers=bearer(make_key(app, "admin", "ops")))
        assert r.status_code == 200, r.text
        yield Counter(app, http)


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Counter]:
    """One started app for the module (embedded history, SQLite cases)."""
    data_dir = tmp_path_factory.mktemp("examiner_single") / "data"
    yield from start(Settings(env="development", data_dir=data_dir, cny_rates=RATES))


@pytest.fixture
def svc(started: Counter) -> Iterator[Counter]:
    """The module's app with an empty history, so every waybill is judged on its own."""
    # A fresh history store instead of a fresh app: starting one costs half a second.
    started.app.state.engine.history = EmbeddedHistoryStore()
    yield started
    started.app.state.engine.policy = quiet_policy()


@pytest.fixture
def redis_svc(redis_server: int, tmp_path: Path) -> Iterator[Counter]:
    """A started app whose history lives in a real Redis (a key prefix of its own)."""
    settings = Settings(
        env="development",
        data_dir=tmp_path / "data",
        cny_rates=RATES,
        redis_url=f"redis://127.0.0.1:{redis_server}/0",
        redis_prefix=f"exsingle{uuid.uuid4().hex[:10]}:",
        redis_timeout_s=REDIS_TIMEOUT_S,
    )
    yield from start(settings)


def assert_only(d: Body, decision: str, **outcomes: str) -> None:
    """The decision and exactly these reasons with these outcomes; case_id set exactly for a hold."""
    assert {r["code"]: r["outcome"] for r in d["reasons"]} == outcomes, d["reasons"]
    assert d["decision"] == decision
    assert (d["case_id"] is not None) == (decision == "hold"), d["case_id"]


# Real-name pickup (实名收寄) ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lane", "word"), [("domestic", "国内"), ("export", "出口")])
def test_a_sender_without_an_id_is_refused_where_the_parcel_is_handed_over_in_china(
    svc: Counter, lane: str, word: str
) -> None:
    """Domestic and export parcels of an individual with no ID: reject for REALNAME_MISSING, no case."""
    wb = (
        waybill(sender=party(**NO_ID))
        if lane == "domestic"
        else export_to("HK", sender=guangzhou_sender(**NO_ID))
    )
    d = svc.score(wb)
    assert_only(d, "reject", REALNAME_MISSING="reject")
    missing = reason_of(d, "REALNAME_MISSING")
    assert missing["evidence"]["lane"] == lane
    assert "身份证件" in missing["message"] and word in missing["message"]
    assert "ID" in missing["message_en"]


@pytest.mark.parametrize(("country", "channel"), [("US", "express"), ("HK", "postal"), ("JP", "postal")])
def test_an_import_needs_no_sender_id_since_the_sender_is_abroad(
    svc: Counter, country: str, channel: str
) -> None:
    """Import of a gift from a person abroad to 李娜, neither giving an ID: a plain release."""
    wb = import_from(country, channel=channel, items=scarves(150.0, 120.0))
    d = svc.score(wb)
    assert (d["decision"], d["reasons"], d["case_id"]) == ("release", [], None)


def test_a_cbec_import_without_the_buyers_id_is_held_with_a_case(svc: Counter) -> None:
    """Infant formula bought on a cbec platform, the buyer 李娜 gave no ID: hold for BUYER_ID_MISSING."""
    wb = cbec_import(298.0, 298.0, receiver=cn_receiver())
    d = svc.score(wb)
    assert_only(d, "hold", BUYER_ID_MISSING="hold")
    missing = reason_of(d, "BUYER_ID_MISSING")
    assert "购买人" in missing["message"] and "buyer" in missing["message_en"]
    assert d["case_id"].startswith("CASE-")


def test_a_cbec_import_with_the_buyers_verified_id_is_released(svc: Counter) -> None:
    """The same order with 李娜's ID checked online by the platform: a plain release."""
    d = svc.score(cbec_import(298.0, 298.0))
    assert (d["decision"], d["reasons"], d["case_id"]) == ("release", [], None)


def test_a_wrong_check_digit_is_a_false_id_rejected_and_shown_masked(svc: Counter) -> None:
    """A well-formed resident ID with a wrong GB 11643 check digit: reject for ID_INVALID, never in plain."""
    number = wrong_check_digit(resident_id(region="440106", birth="19880315", seq="046"))
    d = svc.score(export_to("MO", sender=guangzhou_sender(id_number=number), items=scarves(300.0)))
    assert_only(d, "reject", ID_INVALID="reject")
    invalid = reason_of(d, "ID_INVALID")
    assert invalid["evidence"]["party"] == "sender"
    assert invalid["evidence"]["masked"] == number[:6] + "*" * 8 + number[-4:]
    assert invalid["evidence"]["masked"] in invalid["message"]
    assert number not in json.dumps(d, ensure_ascii=False)


def test_an_impossible_birth_date_is_a_false_id(svc: Counter) -> None:
    """A resident ID born on 30 February 1987 with a right check digit: reject, the problem is the date."""
    number = resident_id(region="440106", birth="19870230", seq="215")
    d = svc.score(waybill(sender=party(id_number=number)))
    assert_only(d, "reject", ID_INVALID="reject")
    assert reason_of(d, "ID_INVALID")["evidence"]["problem"] == "birth_date"


def test_a_false_buyer_id_on_a_cbec_import_is_rejected(svc: Counter) -> None:
    """The buyer's ID with a wrong check digit is a false ID too: reject, naming the receiver."""
    number = wrong_check_digit(resident_id(region="110105", birth="19850612", seq="123"))
    d = svc.score(cbec_import(450.0, receiver=beijing_buyer(id_number=number)))
    assert_only(d, "reject", ID_INVALID="reject")
    invalid = reason_of(d, "ID_INVALID")
    assert invalid["evidence"]["party"] == "receiver" and "收件人" in invalid["message"]


def test_a_companys_credit_code_with_a_wrong_check_character_is_a_false_id(svc: Counter) -> None:
    """A USCC (18 characters) whose check character is wrong: reject for ID_INVALID, id_type uscc."""
    bad = COMPANY_USCC[:-1] + ("1" if COMPANY_USCC[-1] != "1" else "2")
    d = svc.score(waybill(sender=company(id_number=bad), items=scarves(300.0)))
    assert_only(d, "reject", ID_INVALID="reject")
    assert reason_of(d, "ID_INVALID")["evidence"]["id_type"] == "uscc"


@pytest.mark.parametrize(
    ("verified", "method"),
    [(False, None), (False, "manual"), (True, "none")],
    ids=["not", "unticked", "none"],
)
def test_an_id_not_checked_against_the_person_is_inspected(
    svc: Counter, verified: bool, method: str | None
) -> None:
    """A valid ID whose holder was not verified (实名核验): inspect for REALNAME_UNVERIFIED, no case."""
    sender = party(id_verified=verified, verification_method=method)
    d = svc.score(waybill(sender=sender))
    assert_only(d, "inspect", REALNAME_UNVERIFIED="inspect")
    assert "核验" in reason_of(d, "REALNAME_UNVERIFIED")["message"]


@pytest.mark.parametrize(
    ("id_type", "number", "name"),
    [("passport", "533123456", "John Smith"), ("hk_macau_permit", "H12345678", "陳大文")],
    ids=["foreign-passport", "hk-permit"],
)
def test_a_foreigners_passport_or_a_hong_kong_residents_permit_is_a_real_name(
    svc: Counter, id_type: str, number: str, name: str
) -> None:
    """Accepted ID documents other than the resident card, verified by hand: an export is released."""
    sender = party(name=name, id_type=id_type, id_number=number, verification_method="manual")
    d = svc.score(export_to("US", sender=sender, items=scarves(200.0)))
    assert (d["decision"], d["reasons"]) == ("release", [])


# Letters and documents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lane", "line"),
    [
        ("domestic", letter()),
        ("domestic", {"description": "挂号信", "quantity": 1, "unit_value": 0.0}),
        (
            "export",
            item(description="学历证明文件 diploma papers", category="documents", quantity=1, unit_value=0.0),
        ),
        ("export", {"description": "明信片 postcards", "quantity": 3, "unit_value": 5.0}),
    ],
    ids=["contract-papers", "registered-letter-inferred", "export-diploma", "export-postcards"],
)
def test_a_letter_needs_no_sender_id(svc: Counter, lane: str, line: Body) -> None:
    """Letters and documents are exempt from the per-parcel ID check: released without an ID."""
    wb = (
        waybill(sender=party(**NO_ID), items=[line], weight_kg=0.1)
        if lane == "domestic"
        else export_to("HK", sender=guangzhou_sender(**NO_ID), items=[line], weight_kg=0.1)
    )
    d = svc.score(wb)
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize(
    "lines",
    [
        [item(description="iPhone 15 手机", category="documents", quantity=1, unit_value=5999.0)],
        [
            letter(),
            item(description="纯棉T恤 cotton T-shirt", category="apparel_shoes", quantity=1, unit_value=60.0),
        ],
        [{"description": "字母气球 letter balloons", "quantity": 1, "unit_value": 15.0}],
        [
            {
                "description": "护照夹 passport wallet",
                "category": "documents",
                "quantity": 1,
                "unit_value": 45.0,
            }
        ],
    ],
    ids=["phone-declared-as-documents", "letter-plus-tshirt", "letter-balloons", "passport-wallet"],
)
def test_documents_that_are_really_goods_still_need_the_senders_id(svc: Counter, lines: list[Body]) -> None:
    """A phone declared as documents, a letter riding with goods, goods named like letters: reject."""
    d = svc.score(waybill(sender=party(**NO_ID), items=lines, weight_kg=0.5))
    assert d["decision"] == "reject"
    assert reason_of(d, "REALNAME_MISSING")["outcome"] == "reject"
    assert d["case_id"] is None


# Agreement customers (协议客户) ------------------------------------------------------------------------


@pytest.mark.parametrize("lane", ["domestic", "export"])
def test_a_qualified_agreement_customer_needs_no_per_parcel_id(svc: Counter, lane: str) -> None:
    """An active agreement (ZJ-HZ-2026-0001, valid all 2026): the shop's parcel is released without an ID."""
    shop = agreement_customer("ZJ-HZ-2026-0001")
    wb = waybill(sender=shop) if lane == "domestic" else export_to("MO", sender=shop, items=scarves(200.0))
    d = svc.score(wb)
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize(
    ("contract_id", "status", "word"),
    [
        ("ZJ-YW-2026-0002", "suspended", "暂停"),
        ("GD-GZ-2025-0003", "expired", "过期"),
        ("ZJ-XX-2026-9999", "unknown", "未登记"),
    ],
)
def test_an_agreement_customer_without_a_standing_agreement_gets_no_exemption(
    svc: Counter, contract_id: str, status: str, word: str
) -> None:
    """A suspended, expired or unknown agreement and no ID: reject (real-name) over hold (agreement)."""
    d = svc.score(waybill(sender=agreement_customer(contract_id)))
    assert_only(d, "reject", REALNAME_MISSING="reject", CONTRACT_UNQUALIFIED="hold")
    assert [r["code"] for r in d["reasons"]] == ["REALNAME_MISSING", "CONTRACT_UNQUALIFIED"]
    unqualified = reason_of(d, "CONTRACT_UNQUALIFIED")
    assert (unqualified["evidence"]["contract_id"], unqualified["evidence"]["status"]) == (
        contract_id,
        status,
    )
    assert contract_id in unqualified["message"] and word in unqualified["message"]


def test_an_unknown_agreement_customer_with_a_verified_id_is_held_with_a_case(svc: Counter) -> None:
    """The clerk registered a verified ID, but the agreement is unknown: hold for CONTRACT_UNQUALIFIED."""
    sender = party(name="某某网店", customer_type="contract", contract_id="ZJ-XX-2026-9999")
    d = svc.score(waybill(sender=sender))
    assert_only(d, "hold", CONTRACT_UNQUALIFIED="hold")
    assert reason_of(d, "CONTRACT_UNQUALIFIED")["evidence"]["status"] == "unknown"


@pytest.mark.parametrize(
    ("accepted_at", "qualified"),
    [
        ("2026-11-11T23:30:00+08:00", True),
        ("2026-11-11T15:59:00+00:00", True),
        ("2026-11-11T16:30:00+00:00", False),
    ],
    ids=["last-day-beijing", "last-minute-utc", "next-day-in-beijing"],
)
def test_an_agreement_lasts_to_the_end_of_its_last_beijing_day(
    svc: Counter, accepted_at: str, qualified: bool
) -> None:
    """SH-2026-1111 runs to 2026-11-11: 00:30 on the 12th in Beijing (16:30Z the 11th) is past it."""
    wb = waybill(sender=agreement_customer("SH-2026-1111")) | {"accepted_at": accepted_at}
    d = svc.score(wb)
    if qualified:
        assert (d["decision"], d["reasons"]) == ("release", [])
    else:
        assert_only(d, "reject", REALNAME_MISSING="reject", CONTRACT_UNQUALIFIED="hold")
        assert reason_of(d, "CONTRACT_UNQUALIFIED")["evidence"]["status"] == "expired"


# Personal articles: the per-parcel limit L -------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "values", "limit"),
    [
        ("HK", (400.0, 400.0), 800.0),
        ("MO", (500.0, 300.0), 800.0),
        ("TW", (799.99,), 800.0),
        ("US", (600.0, 400.0), 1000.0),
        ("JP", (333.0, 333.0, 334.0), 1000.0),
    ],
)
def test_a_personal_article_exactly_at_its_limit_is_released(
    svc: Counter, country: str, values: tuple[float, ...], limit: float
) -> None:
    """Over L means more than L: a value equal to (or a fen under) 800 / 1,000 CNY is not over it."""
    assert sum(values) <= limit
    d = svc.score(export_to(country, items=scarves(*values)))
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize(
    ("country", "values", "limit", "value"),
    [
        ("HK", (400.0, 400.01), 800.0, 800.01),
        ("MO", (500.0, 300.01), 800.0, 800.01),
        ("TW", (425.0, 425.0), 800.0, 850.0),
        ("US", (600.0, 400.01), 1000.0, 1000.01),
        ("JP", (333.0, 333.0, 334.01), 1000.0, 1000.01),
    ],
)
def test_a_personal_article_a_fen_over_its_limit_is_held_with_the_limit_it_broke(
    svc: Counter, country: str, values: tuple[float, ...], limit: float, value: float
) -> None:
    """800 CNY to/from HK, Macau, Taiwan; 1,000 elsewhere: one fen over is a hold naming L and the value."""
    d = svc.score(export_to(country, items=scarves(*values)))
    assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
    over = reason_of(d, "OVER_PERSONAL_LIMIT")
    ev = over["evidence"]
    assert (ev["limit_cny"], ev["value_cny"], ev["counterpart_country"]) == (limit, value, country)
    assert ev["single_article"] is False
    assert f"{limit:g}元" in plain(over["message"]) and f"{value:g}元" in plain(over["message"])
    assert f"{limit:g} CNY" in plain(over["message_en"])


@pytest.mark.parametrize(
    ("country", "limit", "decision"),
    [("HK", 800.0, "hold"), ("TW", 800.0, "hold"), ("US", 1000.0, "release")],
)
def test_an_import_is_weighed_against_the_limit_of_the_senders_country(
    svc: Counter, country: str, limit: float, decision: str
) -> None:
    """Clothes worth 900 CNY sent to 李娜: over 800 from Hong Kong or Taiwan, under 1,000 from the US."""
    d = svc.score(import_from(country, items=scarves(450.0, 450.0)))
    assert d["decision"] == decision
    if decision == "hold":
        assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
        assert reason_of(d, "OVER_PERSONAL_LIMIT")["evidence"]["limit_cny"] == limit
    else:
        assert d["reasons"] == []


@pytest.mark.parametrize("value", [900.0, 20000.0])
def test_a_single_indivisible_article_over_the_limit_is_inspected_not_held(
    svc: Counter, value: float
) -> None:
    """One item line of quantity 1 (a camera) over 800 CNY to Hong Kong may be for personal use: inspect."""
    d = svc.score(export_to("HK", items=[camera(value)], weight_kg=1.2))
    assert_only(d, "inspect", OVER_PERSONAL_LIMIT="inspect")
    ev = reason_of(d, "OVER_PERSONAL_LIMIT")["evidence"]
    assert (ev["single_article"], ev["limit_cny"], ev["value_cny"]) == (True, 800.0, value)


@pytest.mark.parametrize(
    "lines",
    [[camera(450.0, quantity=2)], [camera(450.0), camera(450.0)]],
    ids=["one-line-of-two", "two-lines"],
)
def test_two_articles_over_the_limit_are_held_however_they_are_listed(
    svc: Counter, lines: list[Body]
) -> None:
    """Two cameras worth 900 CNY, on one line or two: not a single article, so hold."""
    d = svc.score(export_to("HK", items=lines, weight_kg=1.5))
    assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
    assert reason_of(d, "OVER_PERSONAL_LIMIT")["evidence"]["single_article"] is False


@pytest.mark.parametrize(
    ("channel", "who", "decision"),
    [
        ("express", "individual", "hold"),
        ("express", "company", "release"),
        ("postal", "company", "hold"),
    ],
)
def test_the_limit_binds_postal_articles_and_express_of_individuals_not_company_express(
    svc: Counter, channel: str, who: str, decision: str
) -> None:
    """1,200 CNY of scarves to New York: an individual's express or any postal article is over 1,000."""
    sender = guangzhou_sender() if who == "individual" else company()
    d = svc.score(export_to("US", channel=channel, sender=sender, items=scarves(600.0, 600.0)))
    if decision == "hold":
        assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
        assert reason_of(d, "OVER_PERSONAL_LIMIT")["evidence"]["limit_cny"] == 1000.0
    else:
        assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize(("receiver", "decision"), [("individual", "hold"), ("company", "release")])
def test_an_express_import_to_a_person_is_a_personal_article_but_to_a_company_goods(
    svc: Counter, receiver: str, decision: str
) -> None:
    """Express from Hong Kong worth 900 CNY: over 800 for 李娜; a company's import is goods."""
    to = cn_receiver() if receiver == "individual" else company()
    d = svc.score(import_from("HK", channel="express", receiver=to, items=scarves(450.0, 450.0)))
    assert d["decision"] == decision
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) == (decision == "hold")


@pytest.mark.parametrize("channel", ["express", "postal"])
def test_a_domestic_parcel_has_no_personal_limit(svc: Counter, channel: str) -> None:
    """5,000 CNY of scarves from Shanghai to Beijing: customs limits are for cross-border parcels only."""
    d = svc.score(waybill(channel=channel, items=scarves(2500.0, 2500.0)))
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize(
    ("currency", "values", "decision", "value_cny"),
    [
        ("HKD", (425.0, 425.0), "release", None),
        ("HKD", (879.12,), "release", None),
        ("USD", (60.0, 60.0), "hold", 852.0),
        ("USD", (112.67,), "release", None),
        ("USD", (112.68,), "inspect", 800.03),
    ],
    ids=["850-hkd-is-773-cny", "879.12-hkd-is-800.00-cny", "120-usd", "112.67-usd", "112.68-usd-single"],
)
def test_a_foreign_currency_value_is_weighed_in_cny_to_the_fen(
    svc: Counter, currency: str, values: tuple[float, ...], decision: str, value_cny: float | None
) -> None:
    """An export to Hong Kong declared in HKD or USD is converted (HKD 0.91, USD 7.1) before L = 800."""
    d = svc.score(export_to("HK", currency=currency, items=scarves(*values)))
    assert d["decision"] == decision
    if value_cny is None:
        assert d["reasons"] == []
    else:
        over = reason_of(d, "OVER_PERSONAL_LIMIT")
        assert (over["evidence"]["value_cny"], over["evidence"]["limit_cny"]) == (value_cny, 800.0)
        assert f"{value_cny:g}元" in plain(over["message"])


def test_an_import_in_yen_is_converted_before_the_limit(svc: Counter) -> None:
    """30,000 JPY of scarves from Tokyo is 1,410 CNY: over 1,000, held, the message in CNY."""
    d = svc.score(import_from("JP", currency="JPY", items=scarves(15000.0, 15000.0)))
    assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
    over = reason_of(d, "OVER_PERSONAL_LIMIT")
    assert (over["evidence"]["value_cny"], over["evidence"]["limit_cny"]) == (1410.0, 1000.0)
    assert "1410元" in plain(over["message"]) and "1410 CNY" in plain(over["message_en"])


def test_a_value_is_rounded_half_up_to_the_fen_before_the_limit(svc: Counter) -> None:
    """A line of 800.005 CNY (and a free gift) is 800.01 CNY: over the 800 limit, held."""
    gift = item(description="赠品钥匙扣 keyring gift", category="general", quantity=1, unit_value=0.0)
    d = svc.score(export_to("HK", items=[*scarves(800.005), gift], declared_value=800.01))
    assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
    assert reason_of(d, "OVER_PERSONAL_LIMIT")["evidence"]["value_cny"] == 800.01


# Cross-border e-commerce -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "currency", "decision", "value_cny"),
    [
        ((2500.0, 2500.0), "CNY", "release", None),
        ((1500.0, 1500.0), "CNY", "release", None),
        ((2500.0, 2500.01), "CNY", "hold", 5000.01),
        ((6000.0,), "CNY", "hold", 6000.0),
        ((400.0, 400.0), "USD", "hold", 5680.0),
    ],
    ids=["5000-exactly", "3000-no-personal-limit", "5000.01", "one-article-6000", "800-usd"],
)
def test_a_cbec_transaction_is_held_only_over_5000_cny(
    svc: Counter, values: tuple[float, ...], currency: str, decision: str, value_cny: float | None
) -> None:
    """cbec is not a personal article (no 800/1,000 limit); over 5,000 CNY (converted) is a hold."""
    d = svc.score(cbec_import(*values, currency=currency))
    if decision == "release":
        assert (d["decision"], d["reasons"]) == ("release", [])
        return
    assert_only(d, "hold", CBEC_SINGLE_LIMIT="hold")
    single = reason_of(d, "CBEC_SINGLE_LIMIT")
    assert (single["evidence"]["value_cny"], single["evidence"]["limit_cny"]) == (value_cny, 5000.0)
    assert "5000元" in plain(single["message"]) and f"{value_cny:g}元" in plain(single["message"])


# Commercial quantities ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "units", "max_units"),
    [
        (
            [
                item(
                    description="纯棉T恤 cotton T-shirt",
                    category="apparel_shoes",
                    quantity=11,
                    unit_value=30.0,
                )
            ],
            11,
            10,
        ),
        ([item(description="口红 lipstick", category="cosmetics", quantity=6, unit_value=50.0)], 6, 5),
        (
            [item(description="布洛芬缓释胶囊 ibuprofen", category="medicine", quantity=6, unit_value=20.0)],
            6,
            5,
        ),
        ([{"description": "口红 lipstick", "quantity": 6, "unit_value": 50.0}], 6, 5),
        (
            [
                item(description="面霜 face cream", category="cosmetics", quantity=3, unit_value=50.0),
                item(description="面霜 face cream", category="cosmetics", quantity=3, unit_value=55.0),
            ],
            6,
            5,
        ),
    ],
    ids=["11-tshirts", "6-lipsticks", "6-ibuprofen", "6-lipsticks-category-inferred", "3+3-face-cream"],
)
def test_more_than_a_personal_quantity_is_inspected(
    svc: Counter, lines: list[Body], units: int, max_units: int
) -> None:
    """A personal article with over 10 units of one item (5 for medicine and cosmetics): inspect."""
    d = svc.score(export_to("MO", items=lines))
    assert_only(d, "inspect", COMMERCIAL_QUANTITY="inspect")
    commercial = reason_of(d, "COMMERCIAL_QUANTITY")
    assert (commercial["evidence"]["quantity"], commercial["evidence"]["max_units"]) == (units, max_units)
    assert f"{units}件" in commercial["message"] and f"{max_units}件" in commercial["message"]


@pytest.mark.parametrize(
    "line",
    [
        item(description="纯棉T恤 cotton T-shirt", category="apparel_shoes", quantity=10, unit_value=30.0),
        item(description="口红 lipstick", category="cosmetics", quantity=5, unit_value=50.0),
        item(description="布洛芬缓释胶囊 ibuprofen", category="medicine", quantity=5, unit_value=20.0),
    ],
    ids=["10-tshirts", "5-lipsticks", "5-ibuprofen"],
)
def test_a_personal_quantity_at_its_ceiling_is_released(svc: Counter, line: Body) -> None:
    """Exactly 10 units (5 of medicine or cosmetics) is not more than the personal quantity."""
    d = svc.score(export_to("MO", items=[line]))
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize("parcel", ["domestic", "cbec-import", "company-express"])
def test_eleven_units_are_no_commercial_quantity_outside_personal_articles(svc: Counter, parcel: str) -> None:
    """Eleven T-shirts: a domestic parcel, a cbec order or a company's express are not personal articles."""
    shirts = [
        item(description="纯棉T恤 cotton T-shirt", category="apparel_shoes", quantity=11, unit_value=30.0)
    ]
    if parcel == "domestic":
        wb = waybill(items=shirts)
    elif parcel == "cbec-import":
        wb = cbec_import(0.0) | {"items": shirts, "declared_value": 330.0}
    else:
        wb = export_to("US", channel="express", sender=company(), items=shirts)
    d = svc.score(wb)
    assert (d["decision"], d["reasons"]) == ("release", [])


# Prohibited goods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("大麻哈鱼 冷冻鱼块", "food"),
        ("儿童水枪玩具", "children_products"),
        ("金枪鱼罐头 canned tuna", "food"),
        ("天津大麻花", "food"),
        ("红外额温枪 infrared thermometer", "medical_devices"),
        ("筋膜枪 massage gun", "electronics"),
        ("热熔胶枪 hot glue gun", "general"),
        ("water gun toy", "children_products"),
        ("bath bomb 沐浴球", "cosmetics"),
        ("珠茶 gunpowder green tea", "food"),
        ("无酒精漱口水 alcohol-free mouthwash", "cosmetics"),
    ],
)
def test_a_word_that_only_contains_a_prohibited_term_is_not_prohibited(
    svc: Counter, description: str, category: str
) -> None:
    """Whole terms only: 大麻哈鱼 is a salmon, 水枪 a toy, 金枪鱼 a tuna, an 额温枪 a thermometer."""
    d = svc.score(one_line(description, category))
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize(
    ("description", "term", "klass"),
    [
        ("大麻", "大麻", "drugs"),
        ("冰毒", "冰毒", "drugs"),
        ("仿真手枪", "仿真手枪", "firearms"),
        ("弹簧刀", "弹簧刀", "controlled_knives"),
        ("雷管", "雷管", "explosives"),
        ("汽油", "汽油", "flammable_liquids"),
        ("象牙手镯 ivory bracelet", "象牙", "endangered_wildlife"),
        ("cannabis oil", "cannabis", "drugs"),
        ("gunpowder", "gunpowder", "explosives"),
        ("handguns", "handgun", "firearms"),
        ("FIREWORKS", "firework", "explosives"),
        ("AK-47 rifle", "ak47", "firearms"),
    ],
)
def test_a_prohibited_article_in_chinese_or_english_is_refused(
    svc: Counter, description: str, term: str, klass: str
) -> None:
    """A description naming a prohibited article: reject for PROHIBITED_ITEM, the term and class named."""
    d = svc.score(one_line(description))
    assert_only(d, "reject", PROHIBITED_ITEM="reject")
    prohibited = reason_of(d, "PROHIBITED_ITEM")
    assert {"item": 0, "term": term, "prohibited_class": klass} in prohibited["evidence"]["hits"]
    assert description in prohibited["message"] and description in prohibited["message_en"]


def test_a_prohibited_article_hidden_in_the_second_line_is_found(svc: Counter) -> None:
    """T-shirts on line 0 and cannabis gummies on line 1 of an export: reject, the hit on item 1."""
    gummies = item(description="大麻软糖 cannabis gummies", category="food", quantity=1, unit_value=80.0)
    tshirt = item(description="纯棉T恤 cotton T-shirt", category="apparel_shoes", quantity=2, unit_value=60.0)
    d = svc.score(export_to("HK", items=[tshirt, gummies]))
    assert_only(d, "reject", PROHIBITED_ITEM="reject")
    hits = reason_of(d, "PROHIBITED_ITEM")["evidence"]["hits"]
    assert hits and all(h["item"] == 1 for h in hits)


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("非酒精饮料 苏打水", "food"),
        ("0%酒精爽肤水 toner", "cosmetics"),
        ("低酒精饮料 果酒", "food"),
        ("含酒精饮料 预调鸡尾酒", "food"),
        ("毒品检测试纸 10条装", "medical_devices"),
        ("toy pistol with foam darts", "children_products"),
        ("gun oil for sewing machines", "general"),
    ],
    ids=[
        "non-alcoholic-drink",
        "zero-percent-toner",
        "low-alcohol",
        "alcoholic-drink",
        "drug-test",
        "toy",
        "oil",
    ],
)
def test_goods_that_only_name_a_prohibited_term_are_not_prohibited(
    svc: Counter, description: str, category: str
) -> None:
    """Non-alcoholic soda, a 0 % alcohol toner, drinks, drug test strips, a toy pistol, gun oil: released."""
    d = svc.score(one_line(description, category, weight_kg=1.0))
    assert (d["decision"], d["reasons"]) == ("release", [])


@pytest.mark.parametrize(
    "description", ["70%酒精 消毒", "75酒精 500ml", "无水酒精 分析纯", "pistol grip 9mm pistol"]
)
def test_ethanol_and_a_pistol_stay_prohibited_beside_those_words(svc: Counter, description: str) -> None:
    """70 % alcohol is not 0 % alcohol, anhydrous ethanol is ethanol, a pistol is a pistol: rejected."""
    d = svc.score(one_line(description, "general", weight_kg=1.0))
    assert d["decision"] == "reject" and "PROHIBITED_ITEM" in codes(d)


# Counterfeit signal, weight and pickup checks ----------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "unit_value", "unit_value_cny"),
    [("CNY", 50.0, 50.0), ("USD", 800.0, 5680.0)],
    ids=["50-cny", "800-usd"],
)
def test_a_luxury_brand_below_its_price_floor_is_inspected_as_possibly_counterfeit(
    svc: Counter, currency: str, unit_value: float, unit_value_cny: float
) -> None:
    """A GUCCI handbag declared at 50 CNY, or 800 USD (5,680 CNY): inspect for BRAND_PRICE_ANOMALY."""
    bag = item(
        description="GUCCI 女士手提包 handbag", category="bags_leather", quantity=1, unit_value=unit_value
    )
    d = svc.score(waybill(currency=currency, items=[bag]))
    assert_only(d, "inspect", BRAND_PRICE_ANOMALY="inspect")
    anomaly = reason_of(d, "BRAND_PRICE_ANOMALY")
    ev = anomaly["evidence"]
    assert (ev["brand"], ev["unit_value_cny"]) == ("Gucci", unit_value_cny)
    assert ev["floor_cny"] > unit_value_cny
    assert "Gucci" in anomaly["message"] and "假冒" in anomaly["message"]


@pytest.mark.parametrize(
    "line",
    [
        item(description="GUCCI 女士手提包 handbag", category="bags_leather", quantity=1, unit_value=20000.0),
        item(description="iPhone 15 手机壳 phone case", category="electronics", quantity=1, unit_value=30.0),
    ],
    ids=["genuine-priced-gucci", "case-for-an-iphone"],
)
def test_a_genuine_price_or_a_third_party_accessory_is_no_counterfeit_signal(
    svc: Counter, line: Body
) -> None:
    """A 20,000 CNY Gucci bag, or a 30 CNY case that fits an iPhone: released."""
    d = svc.score(waybill(items=[line], weight_kg=0.5))
    assert (d["decision"], d["reasons"]) == ("release", [])


def test_a_heavy_parcel_declared_far_too_cheap_is_inspected(svc: Counter) -> None:
    """A 20 kg television declared at 100 CNY is 5 CNY/kg, under the electronics band: inspect."""
    tv = item(description="液晶电视机 LCD TV", category="electronics", quantity=1, unit_value=100.0)
    d = svc.score(waybill(items=[tv], weight_kg=20.0))
    assert_only(d, "inspect", WEIGHT_VALUE_MISMATCH="inspect")
    ev = reason_of(d, "WEIGHT_VALUE_MISMATCH")["evidence"]
    assert (ev["value_per_kg"], ev["category"], ev["weight_kg"]) == (5.0, "electronics", 20.0)
    assert ev["band_low"] > ev["value_per_kg"]


@pytest.mark.parametrize("lane", ["domestic", "export", "import"])
@pytest.mark.parametrize(
    ("checks", "code"),
    [
        ({"opened_inspection": False, "xray_screened": True}, "INSPECTION_NOT_RECORDED"),
        ({"opened_inspection": True, "xray_screened": False}, "XRAY_NOT_RECORDED"),
    ],
    ids=["no-inspection", "no-xray"],
)
def test_a_pickup_check_not_recorded_is_inspected_on_every_lane(
    svc: Counter, lane: str, checks: Body, code: str
) -> None:
    """收寄验视 and 过机安检 are required for every parcel: each missing one is an inspect."""
    changes: Body = {"pickup_checks": checks, "items": scarves(200.0)}
    if lane == "domestic":
        wb = waybill(**changes)
    else:
        wb = export_to("HK", **changes) if lane == "export" else import_from("US", **changes)
    d = svc.score(wb)
    assert_only(d, "inspect", **{code: "inspect"})
    assert reason_of(d, code)["evidence"]["lane"] == lane


def test_a_random_audit_picks_the_same_parcel_on_a_resend(svc: Counter) -> None:
    """At an audit rate of 1, a clean parcel is inspected for RANDOM_AUDIT, and again on a re-send."""
    svc.app.state.engine.policy = quiet_policy().model_copy(update={"audit": Audit(random_rate=1.0)})
    wb = waybill()
    first = svc.score(wb)
    assert_only(first, "inspect", RANDOM_AUDIT="inspect")
    assert reason_of(first, "RANDOM_AUDIT")["evidence"]["rate"] == 1.0
    again = svc.score(wb)
    assert (again["decision"], again["reasons"]) == (first["decision"], first["reasons"])


# Most severe wins --------------------------------------------------------------------------------------


def test_reject_outranks_hold_and_inspect_and_the_reasons_come_most_severe_first(svc: Counter) -> None:
    """No ID, a replica pistol, 1,000 CNY to Hong Kong and no pickup checks: reject, no case."""
    replica = item(description="仿真手枪模型", category="general", quantity=2, unit_value=500.0)
    wb = export_to(
        "HK",
        sender=guangzhou_sender(**NO_ID),
        items=[replica],
        pickup_checks={"opened_inspection": False, "xray_screened": False},
    )
    d = svc.score(wb)
    assert_only(
        d,
        "reject",
        REALNAME_MISSING="reject",
        PROHIBITED_ITEM="reject",
        OVER_PERSONAL_LIMIT="hold",
        INSPECTION_NOT_RECORDED="inspect",
        XRAY_NOT_RECORDED="inspect",
    )
    severities = [SEVERITY[r["outcome"]] for r in d["reasons"]]
    assert severities == sorted(severities, reverse=True)


def test_a_hold_among_inspects_decides_hold_and_opens_a_case(svc: Counter) -> None:
    """An unverified ID, 12 T-shirts worth 960 CNY to Hong Kong, no X-ray: hold first, three inspects."""
    shirts = [
        item(description="纯棉T恤 cotton T-shirt", category="apparel_shoes", quantity=12, unit_value=80.0)
    ]
    wb = export_to(
        "HK",
        sender=guangzhou_sender(id_verified=False, verification_method=None),
        items=shirts,
        pickup_checks={"opened_inspection": True, "xray_screened": False},
    )
    d = svc.score(wb)
    assert_only(
        d,
        "hold",
        OVER_PERSONAL_LIMIT="hold",
        REALNAME_UNVERIFIED="inspect",
        COMMERCIAL_QUANTITY="inspect",
        XRAY_NOT_RECORDED="inspect",
    )
    assert d["reasons"][0]["code"] == "OVER_PERSONAL_LIMIT"
    back = svc.read_back(wb)
    assert back.status_code == 200
    assert (back.json()["case_id"], back.json()["case_status"]) == (d["case_id"], "open")


def test_two_holds_make_one_hold_with_one_case(svc: Counter) -> None:
    """A cbec order of 6,000 CNY without the buyer's ID: BUYER_ID_MISSING and CBEC_SINGLE_LIMIT, one case."""
    wb = cbec_import(3000.0, 3000.0, receiver=cn_receiver())
    d = svc.score(wb)
    assert_only(d, "hold", BUYER_ID_MISSING="hold", CBEC_SINGLE_LIMIT="hold")
    assert d["case_id"] == svc.score(wb)["case_id"]


@pytest.mark.parametrize(
    ("parcel", "decision"),
    [
        ("clean", "release"),
        ("unverified", "inspect"),
        ("single-article", "inspect"),
        ("over-limit", "hold"),
        ("false-id-and-over-limit", "reject"),
    ],
)
def test_a_case_id_is_given_exactly_for_a_hold(svc: Counter, parcel: str, decision: str) -> None:
    """case_id is null for release, inspect and reject (even with a hold reason inside), set for hold."""
    wrong = wrong_check_digit(resident_id(region="440106", birth="19880315", seq="046"))
    parcels: dict[str, Body] = {
        "clean": export_to("HK", items=scarves(300.0)),
        "unverified": export_to("HK", sender=guangzhou_sender(id_verified=False), items=scarves(300.0)),
        "single-article": export_to("HK", items=[camera(1500.0)]),
        "over-limit": export_to("HK", items=scarves(500.0, 500.0)),
        "false-id-and-over-limit": export_to(
            "HK", sender=guangzhou_sender(id_number=wrong), items=scarves(500.0, 500.0)
        ),
    }
    wb = parcels[parcel]
    d = svc.score(wb)
    assert d["decision"] == decision
    if decision == "hold":
        assert d["case_id"] == f"CASE-{wb['carrier']}-{wb['waybill_no']}"
    else:
        assert d["case_id"] is None
    assert svc.read_back(wb).json()["case_id"] == d["case_id"]


# Bad input: a 422 that names the field and changes nothing ---------------------------------------------


def test_a_declared_value_that_is_not_the_lines_total_is_a_422_and_the_parcel_stays_unseen(
    svc: Counter,
) -> None:
    """Five scarves of 200 CNY declared at 999: 422 at declared_value; corrected, it scores as new."""
    lines = [item(description="真丝围巾 silk scarf", category="apparel_shoes", quantity=5, unit_value=200.0)]
    wb = export_to("HK", items=lines, declared_value=999.0)
    svc.refused_at(wb, ["body", "declared_value"])
    twin = export_to("HK", items=lines)
    fixed = wb | {"declared_value": 1000.0}
    d = svc.score(fixed)
    expected = svc.score(twin)
    assert (d["decision"], d["reasons"]) == (expected["decision"], expected["reasons"])
    assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
    assert d["case_id"] == f"CASE-SF-{wb['waybill_no']}"
    assert svc.read_back(fixed).json()["decision"] == "hold"


def test_a_naive_pickup_time_is_a_422_at_accepted_at(svc: Counter) -> None:
    """accepted_at without an offset cannot be placed in time: 422 at accepted_at, nothing kept."""
    wb = waybill(sender=party(**NO_ID)) | {"accepted_at": "2026-11-11T09:30:00"}
    svc.refused_at(wb, ["body", "accepted_at"])
    d = svc.score(wb | {"accepted_at": "2026-11-11T09:30:00+08:00"})
    assert_only(d, "reject", REALNAME_MISSING="reject")


@pytest.mark.parametrize(
    "number",
    [
        resident_id(region="440106", birth="19880315", seq="046")[:17],
        resident_id(region="440106", birth="19880315", seq="046") + "7",
        "4401061988O315046X",
    ],
    ids=["17-characters", "19-characters", "letter-o-in-the-date"],
)
def test_an_id_number_of_the_wrong_shape_is_a_422_that_does_not_echo_it(svc: Counter, number: str) -> None:
    """A resident ID of 17 or 19 characters or with a letter inside: 422 at sender.id_number, not a reject."""
    wb = export_to("HK", sender=guangzhou_sender(id_number=number), items=scarves(300.0))
    body = svc.refused_at(wb, ["body", "sender", "id_number"])
    assert number not in json.dumps(body, ensure_ascii=False)
    d = svc.score(wb | {"sender": guangzhou_sender()})
    assert (d["decision"], d["reasons"]) == ("release", [])


def test_every_bad_field_is_named_at_once(svc: Counter) -> None:
    """A naive time, a 17-character ID and a wrong total in one body: one 422 naming all three."""
    wb = waybill(
        sender=party(id_number=resident_id()[:17]),
        items=[item(quantity=2, unit_value=60.0)],
        declared_value=119.99,
    ) | {"accepted_at": "2026-11-11T09:30:00"}
    svc.refused_at(wb, ["body", "accepted_at"], ["body", "sender", "id_number"], ["body", "declared_value"])


@pytest.mark.redis
def test_on_redis_a_422_keeps_nothing_and_the_corrected_parcel_is_held_once(redis_svc: Counter) -> None:
    """With the history in Redis: the 422 leaves no decision; the corrected body is held, a re-send agrees."""
    lines = scarves(500.0, 500.0)
    wb = export_to("MO", items=lines, declared_value=1000.5)
    redis_svc.refused_at(wb, ["body", "declared_value"])
    fixed = wb | {"declared_value": 1000.0}
    d = redis_svc.score(fixed)
    assert_only(d, "hold", OVER_PERSONAL_LIMIT="hold")
    assert redis_svc.score(fixed) == d
