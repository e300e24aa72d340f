"""The postal bureau's audit over HTTP: figures counted by hand from waybills these tests score themselves.

Every waybill goes through POST /v1/score; officers act on cases through the case API; the auditor reads
/v1/audit/metrics, /dashboard, /offending and the report downloads. What is expected comes from
RULES.md (the three systems, the reason catalogue), the wire contract and the README ("Compliance audit
for the postal bureau", "Security model"), never from the service's own code. The scenarios here add to
tests/screening/compliance/test_scenarios_audit.py: real-name, inspection and X-ray rates per outlet and
courier and who is in each denominator, what was caught per carrier, weeks adding up to their month,
corrections that move a parcel, downloads against the dashboard, filters, roles and bad parameters.
"""

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from features.identity import mask_id
from screening.agreements import Agreement
from screening.keys.service import KeyKind
from screening.outlets import Outlet
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import (
    NO_ID,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.screening.compliance.test_scenarios_audit import (
    BEIJING,
    TUESDAY_W47,
    Desk,
    csv_rows,
    letter,
    over_limit,
    table,
    total,
)

W47 = {"week": "2026-W47"}
CHECKS = ("parcels", "realname_needed", "realname_ok", "inspected", "xrayed", "non_compliant")
DECISIONS = ("release", "inspect", "hold", "reject")


@pytest.fixture
def desk(settings: Settings, policy: Policy, cheap_password_hashes: None) -> Iterator[Desk]:
    """A started app (SQLite cases in the data dir, test policy) with an auditor-officer logged in."""
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield Desk(CaseClient(http, app))


def agreements(desk: Desk, *signed: Agreement) -> None:
    """Register agreement customers (协议客户) with the engine."""
    desk.engine.agreements.upsert(list(signed))


def more_outlets(desk: Desk) -> None:
    """Besides SF-A (Shanghai, Pudong) and SF-B (Beijing, Chaoyang): YTO-P in Shanghai, Xuhui."""
    desk.client.app.state.audit.outlets.upsert(
        [
            Outlet(
                outlet_id="YTO-P",
                carrier="YTO",
                province="上海市",
                city="上海市",
                district="徐汇区",
                name="漕河泾营业部",
            )
        ]
    )


def sorted_rows(body: dict[str, Any], key: str, *names: str) -> list[tuple[Any, ...]]:
    """Some columns of a response's rows, sorted (for groupings whose order no source fixes)."""
    return sorted(table(body, key, *names), key=lambda r: tuple(str(v) for v in r))


def import_from_hk(**changes: Any) -> dict[str, Any]:
    """An import by express from a sender in Hong Kong (abroad: no ID to take) to Beijing."""
    return waybill(**{"service": "import", "channel": "express", "sender": hk_receiver(), **changes})


def cbec_import(buyer_id: str | None, **changes: Any) -> dict[str, Any]:
    """A cross-border e-commerce import from Hong Kong; the buyer gave this ID (or none)."""
    identity = NO_ID if buyer_id is None else {"id_number": buyer_id}
    buyer = party(name="王芳", phone="13900001111", **identity)
    return waybill(
        **{"service": "import", "channel": "cbec", "sender": hk_receiver(), "receiver": buyer, **changes}
    )


def contract_sender(contract_id: str, *, with_id: bool = False) -> dict[str, Any]:
    """An agreement customer's sender, with or without an ID."""
    if with_id:
        return party(customer_type="contract", contract_id=contract_id)
    return party(**NO_ID, customer_type="contract", contract_id=contract_id)


# Real-name pickup (实名收寄): who is in the denominator, per outlet, carrier and courier.


def test_the_real_name_rate_per_outlet_leaves_out_letters_agreement_customers_and_imports(
    desk: Desk,
) -> None:
    agreements(desk, Agreement(contract_id="SHOP-1", name="某网店"))
    at = TUESDAY_W47
    decided = {
        # SF-A: one compliant parcel, one without an ID, and four that need no real-name pickup.
        "a_ok": desk.score(waybill(accepted_at=at, outlet_id="SF-A")),
        "a_no_id": desk.score(waybill(accepted_at=at, outlet_id="SF-A", sender=party(**NO_ID))),
        "a_letter": desk.score(letter(accepted_at=at, outlet_id="SF-A")),
        "a_shop": desk.score(waybill(accepted_at=at, outlet_id="SF-A", sender=contract_sender("SHOP-1"))),
        "a_import": desk.score(import_from_hk(accepted_at=at, outlet_id="SF-A")),
        "a_export_letter": desk.score(
            letter(accepted_at=at, outlet_id="SF-A", service="export", receiver=hk_receiver())
        ),
        # SF-B: three that need it; one ID was not checked against its bearer.
        "b_ok": desk.score(waybill(accepted_at=at, outlet_id="SF-B")),
        "b_unverified": desk.score(
            waybill(
                accepted_at=at,
                outlet_id="SF-B",
                sender=party(phone="13700000031", id_verified=False, verification_method="none"),
            )
        ),
        "b_export": desk.score(
            export_postal(accepted_at=at, outlet_id="SF-B", sender=party(phone="13700000032"))
        ),
        # YTO-X (not registered): a cbec import with the buyer's ID, an export without the sender's.
        "y_cbec": desk.score(
            cbec_import(
                resident_id(region="440106", seq="771"), accepted_at=at, carrier="YTO", outlet_id="YTO-X"
            )
        ),
        "y_export_no_id": desk.score(
            export_postal(accepted_at=at, carrier="YTO", outlet_id="YTO-X", sender=party(**NO_ID))
        ),
    }
    assert {n: d["decision"] for n, d in decided.items()} == {
        "a_ok": "release",
        "a_no_id": "reject",
        "a_letter": "release",
        "a_shop": "release",
        "a_import": "release",
        "a_export_letter": "release",
        "b_ok": "release",
        "b_unverified": "inspect",
        "b_export": "release",
        "y_cbec": "release",
        "y_export_no_id": "reject",
    }
    body = desk.get("metrics", **W47, by="outlet")
    names = ("outlet_id", "parcels", "realname_needed", "realname_ok", "realname_rate")
    assert sorted_rows(body, "rows", *names) == [
        ("SF-A", 6, 2, 1, 1 / 2),
        ("SF-B", 3, 3, 2, 2 / 3),
        ("YTO-X", 2, 1, 0, 0.0),
    ]
    assert sorted_rows(body, "rows", "outlet_id", "realname_missing", "realname_unverified") == [
        ("SF-A", 1, 0),
        ("SF-B", 0, 1),
        ("YTO-X", 1, 0),
    ]
    carriers = desk.get("metrics", **W47, by="carrier")
    assert sorted_rows(
        carriers, "rows", "carrier", "parcels", "realname_needed", "realname_ok", "realname_rate"
    ) == [
        ("SF", 9, 5, 3, 3 / 5),
        ("YTO", 2, 1, 0, 0.0),
    ]
    assert total(carriers, "realname_needed", "realname_ok", "realname_rate") == {
        "realname_needed": 6,
        "realname_ok": 3,
        "realname_rate": 3 / 6,
    }


def test_a_letter_or_qualified_agreement_customer_that_gave_an_id_stays_outside_the_denominator(
    desk: Desk,
) -> None:
    agreements(desk, Agreement(contract_id="SHOP-1", name="某网店"))
    at = TUESDAY_W47
    docs = item(description="合同文件 contract documents", category="documents", quantity=1, unit_value=0.0)
    bodies = [
        letter(accepted_at=at, outlet_id="SF-A", sender=party()),
        letter(  # an ID given but not checked: a letter needs none, so nothing failed
            accepted_at=at,
            outlet_id="SF-A",
            sender=party(phone="13700000041", id_verified=False, verification_method="none"),
        ),
        waybill(accepted_at=at, outlet_id="SF-A", sender=contract_sender("SHOP-1", with_id=True)),
        # Documents and a T-shirt in one parcel: not a letter, so the missing ID counts.
        waybill(
            accepted_at=at,
            outlet_id="SF-A",
            sender=party(phone="13700000042", **NO_ID),
            items=[docs, item()],
        ),
    ]
    assert [desk.score(b)["decision"] for b in bodies] == ["release", "release", "release", "reject"]
    body = desk.get("metrics", **W47)
    assert total(
        body,
        "parcels",
        "realname_needed",
        "realname_ok",
        "realname_missing",
        "realname_unverified",
        "realname_rate",
    ) == {
        "parcels": 4,
        "realname_needed": 1,
        "realname_ok": 0,
        "realname_missing": 1,
        "realname_unverified": 0,
        "realname_rate": 0.0,
    }
    offending = desk.get("offending", **W47, check="realname")
    assert [r["problems"] for r in offending["rows"]] == [["realname_missing"]]


def test_only_exempt_parcels_leave_the_real_name_rate_undefined_not_zero_or_full(desk: Desk) -> None:
    for body in (letter(accepted_at=TUESDAY_W47, outlet_id="SF-B"), import_from_hk(accepted_at=TUESDAY_W47)):
        assert desk.score({**body, "outlet_id": "SF-B"})["decision"] == "release"
    body = desk.get("metrics", **W47, by="outlet")
    assert sorted_rows(
        body, "rows", "outlet_id", "parcels", "realname_needed", "realname_rate", "xray_rate"
    ) == [("SF-B", 2, 0, None, 1.0)]


def test_an_agreement_that_expired_the_day_before_in_beijing_no_longer_exempts(desk: Desk) -> None:
    agreements(
        desk,
        Agreement(contract_id="SHOP-E", name="到期网店", valid_until=date(2026, 11, 17)),
        Agreement(contract_id="SHOP-F", name="未生效网店", valid_from=date(2026, 11, 20)),
    )
    last_day = waybill(  # 23:30 on Tuesday 17 in Beijing: the agreement's last day
        accepted_at="2026-11-17T15:30:00Z", outlet_id="SF-A", sender=contract_sender("SHOP-E")
    )
    day_after = waybill(  # 00:30 on Wednesday 18 in Beijing, though still the 17th in UTC
        accepted_at="2026-11-17T16:30:00Z", outlet_id="SF-A", sender=contract_sender("SHOP-E")
    )
    not_yet = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-B", sender=contract_sender("SHOP-F"))
    decided = [desk.score(b) for b in (last_day, day_after, not_yet)]
    assert [d["decision"] for d in decided] == ["release", "reject", "reject"]
    body = desk.get("metrics", **W47, by="outlet")
    assert total(
        body,
        "contract_parcels",
        "contract_qualified",
        "agreement_coverage",
        "realname_needed",
        "realname_missing",
    ) == {
        "contract_parcels": 3,
        "contract_qualified": 1,
        "agreement_coverage": 1 / 3,
        "realname_needed": 2,
        "realname_missing": 2,
    }
    assert sorted_rows(
        body, "rows", "outlet_id", "contract_parcels", "contract_qualified", "realname_needed"
    ) == [
        ("SF-A", 2, 1, 1),
        ("SF-B", 1, 0, 1),
    ]
    days = {d: desk.get("metrics", **{"from": d, "to": d})["total"] for d in ("2026-11-17", "2026-11-18")}
    assert {d: (t["parcels"], t["realname_needed"], t["contract_qualified"]) for d, t in days.items()} == {
        "2026-11-17": (2, 1, 1),
        "2026-11-18": (1, 1, 0),
    }


def test_an_agreement_registered_without_a_carrier_exempts_every_carriers_parcels(desk: Desk) -> None:
    agreements(desk, Agreement(contract_id="SHOP-ANY", name="通用协议网店"))
    at = TUESDAY_W47
    bodies = [
        waybill(accepted_at=at, outlet_id="SF-A", sender=contract_sender("SHOP-ANY")),
        waybill(accepted_at=at, carrier="YTO", outlet_id="YTO-X", sender=contract_sender("SHOP-ANY")),
        # An unknown agreement: the sender's verified ID still makes the pickup real-name compliant.
        waybill(
            accepted_at=at, carrier="YTO", outlet_id="YTO-X", sender=contract_sender("NOPE-9", with_id=True)
        ),
    ]
    decided = [desk.score(b) for b in bodies]
    assert [d["decision"] for d in decided] == ["release", "release", "hold"]
    assert {r["code"] for r in decided[2]["reasons"]} == {"CONTRACT_UNQUALIFIED"}
    body = desk.get("metrics", **W47, by="carrier")
    names = ("carrier", "contract_parcels", "contract_qualified", "agreement_coverage", "realname_needed")
    assert sorted_rows(body, "rows", *names, "realname_rate", "hold") == [
        ("SF", 1, 1, 1.0, 0, None, 0),
        ("YTO", 2, 1, 1 / 2, 1, 1.0, 1),
    ]


def test_real_name_inspection_and_xray_rates_per_courier_within_their_outlet(desk: Desk) -> None:
    at = TUESDAY_W47
    bodies = [
        waybill(accepted_at=at, outlet_id="SF-A", courier_id="C-1"),
        waybill(accepted_at=at, outlet_id="SF-A", courier_id="C-1", pickup_checks={"xray_screened": False}),
        waybill(accepted_at=at, outlet_id="SF-A", courier_id="C-1", sender=party(**NO_ID)),
        waybill(
            accepted_at=at, outlet_id="SF-A", courier_id="C-2", pickup_checks={"opened_inspection": False}
        ),
        letter(accepted_at=at, outlet_id="SF-A", courier_id="C-2", pickup_checks={"xray_screened": False}),
        waybill(accepted_at=at, outlet_id="SF-B", courier_id="C-1"),  # another outlet's C-1
    ]
    for b in bodies:
        desk.score(b)
    body = desk.get("metrics", **W47, by="courier")
    names = ("outlet_id", "courier_id", "parcels", "realname_rate", "inspection_rate", "xray_rate")
    assert sorted_rows(body, "rows", *names, "non_compliant") == [
        ("SF-A", "C-1", 3, 2 / 3, 1.0, 2 / 3, 2),
        ("SF-A", "C-2", 2, 1.0, 1 / 2, 1 / 2, 2),
        ("SF-B", "C-1", 1, 1.0, 1.0, 1.0, 0),
    ]


# Inspection (收寄验视) and X-ray (过机安检): every parcel is in the denominator.


def test_letters_agreement_customers_and_imports_count_in_the_inspection_and_xray_rates(desk: Desk) -> None:
    agreements(desk, Agreement(contract_id="SHOP-1", name="某网店"))
    at = TUESDAY_W47
    bodies = [
        letter(accepted_at=at, outlet_id="SF-A", pickup_checks={"opened_inspection": False}),
        waybill(
            accepted_at=at,
            outlet_id="SF-A",
            sender=contract_sender("SHOP-1"),
            pickup_checks={"xray_screened": False},
        ),
        waybill(accepted_at=at, outlet_id="SF-A"),
        import_from_hk(
            accepted_at=at,
            outlet_id="SF-B",
            pickup_checks={"opened_inspection": False, "xray_screened": False},
        ),
        waybill(accepted_at=at, outlet_id="SF-B", service="import", channel="postal", sender=hk_receiver()),
    ]
    assert [desk.score(b)["decision"] for b in bodies] == [
        "inspect",
        "inspect",
        "release",
        "inspect",
        "release",
    ]
    body = desk.get("metrics", **W47, by="outlet")
    names = ("outlet_id", "parcels", "inspected", "xrayed", "inspection_rate", "xray_rate", "non_compliant")
    assert sorted_rows(body, "rows", *names) == [
        ("SF-A", 3, 2, 2, 2 / 3, 2 / 3, 2),
        ("SF-B", 2, 1, 1, 1 / 2, 1 / 2, 1),
    ]
    assert total(body, "inspection_rate", "xray_rate", "realname_needed") == {
        "inspection_rate": 3 / 5,
        "xray_rate": 3 / 5,
        "realname_needed": 1,
    }
    rows = desk.get("offending", **W47)["rows"]
    assert sorted((r["outlet_id"], r["service"], r["problems"]) for r in rows) == [
        ("SF-A", "domestic", ["inspection_missing"]),
        ("SF-A", "domestic", ["xray_missing"]),
        ("SF-B", "import", ["inspection_missing", "xray_missing"]),
    ]
    assert desk.get("offending", **W47, check="realname")["total"] == 0
    assert desk.get("offending", **W47, check="inspection")["total"] == 2


# What was caught: rejects, holds and what officers made of them.


def test_rejects_for_prohibited_goods_and_false_ids_count_per_carrier_and_open_no_case(desk: Desk) -> None:
    at = TUESDAY_W47
    gun = item(description="仿真手枪 replica pistol", category="general", quantity=1, unit_value=100.0)
    decided = {
        "prohibited": desk.score(waybill(accepted_at=at, outlet_id="SF-A", items=[gun])),
        "false_id": desk.score(
            waybill(
                accepted_at=at,
                outlet_id="SF-A",
                sender=party(phone="13700000051", id_number=wrong_check_digit(resident_id(seq="123"))),
            )
        ),
        "held": desk.score(over_limit(accepted_at=at, outlet_id="SF-B", sender=party(phone="13700000052"))),
        "released": desk.score(waybill(accepted_at=at, outlet_id="SF-B")),
        "no_id": desk.score(
            waybill(
                accepted_at=at, carrier="YTO", outlet_id="YTO-X", sender=party(phone="13700000053", **NO_ID)
            )
        ),
    }
    assert {n: (d["decision"], d["case_id"] is None) for n, d in decided.items()} == {
        "prohibited": ("reject", True),
        "false_id": ("reject", True),
        "held": ("hold", False),
        "released": ("release", True),
        "no_id": ("reject", True),
    }
    assert {r["code"] for r in decided["prohibited"]["reasons"]} == {"PROHIBITED_ITEM"}
    body = desk.get("metrics", **W47, by="carrier")
    assert sorted_rows(
        body, "rows", "carrier", *DECISIONS, "reject_share", "holds_open", "non_compliant"
    ) == [
        ("SF", 1, 0, 1, 2, 2 / 4, 1, 1),
        ("YTO", 0, 0, 0, 1, 1.0, 0, 1),
    ]
    # The prohibited parcel was caught, not a breach of the three systems: only the two ID failures offend.
    offending = desk.get("offending", **W47)
    assert sorted((r["carrier"], r["decision"], r["problems"]) for r in offending["rows"]) == [
        ("SF", "reject", ["realname_invalid"]),
        ("YTO", "reject", ["realname_missing"]),
    ]


def test_hold_outcomes_per_carrier_and_province_with_the_median_time_to_resolve(desk: Desk) -> None:
    at = TUESDAY_W47
    held = [
        desk.score(over_limit(accepted_at=at, outlet_id="SF-A", sender=party(phone="13700000061"))),
        desk.score(over_limit(accepted_at=at, outlet_id="SF-B", sender=party(phone="13700000062"))),
        desk.score(
            over_limit(accepted_at=at, carrier="YTO", outlet_id="YTO-X", sender=party(phone="13700000063"))
        ),
        desk.score(
            over_limit(accepted_at=at, carrier="YTO", outlet_id="YTO-X", sender=party(phone="13700000064"))
        ),
    ]
    assert [d["decision"] for d in held] == ["hold"] * 4
    desk.act(held[0]["case_id"], "seize", hours_after_opening=2)
    desk.act(held[1]["case_id"], "return", hours_after_opening=6)
    desk.act(held[2]["case_id"], "refer_to_police", hours_after_opening=3)
    body = desk.get("metrics", **W47, by="carrier")
    names = ("carrier", "hold", "holds_confirmed", "holds_released", "holds_open", "median_resolve_hours")
    assert sorted_rows(body, "rows", *names, "hold_confirmed_rate") == [
        ("SF", 2, 2, 0, 0, 4.0, 1.0),
        ("YTO", 2, 1, 0, 1, 3.0, 1 / 2),
    ]
    assert total(body, "holds_confirmed", "holds_open", "median_resolve_hours", "hold_confirmed_rate") == {
        "holds_confirmed": 3,
        "holds_open": 1,
        "median_resolve_hours": 3.0,
        "hold_confirmed_rate": 3 / 4,
    }
    provinces = desk.get("metrics", **W47, by="province")
    assert sorted_rows(provinces, "rows", "province", "hold", "holds_confirmed", "holds_open") == [
        ("上海市", 1, 1, 0),
        ("北京市", 1, 1, 0),
        ("未登记", 2, 1, 1),
    ]


def test_a_request_for_information_then_a_seizure_is_one_confirmed_hold_timed_from_opening(
    desk: Desk,
) -> None:
    held = desk.score(over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B"))
    desk.act(held["case_id"], "request_info", hours_after_opening=1)
    assert desk.get("metrics", **W47)["total"]["holds_open"] == 1
    desk.act(held["case_id"], "seize", hours_after_opening=5)
    body = desk.get("metrics", **W47)
    assert total(body, "hold", "holds_confirmed", "holds_open", "median_resolve_hours") == {
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
        "median_resolve_hours": 5.0,
    }


def test_an_officers_decision_two_weeks_later_counts_for_the_week_and_month_of_pickup(desk: Desk) -> None:
    held = desk.score(over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B"))
    desk.act(held["case_id"], "seize", hours_after_opening=15 * 24)  # 2 December
    week = desk.get("metrics", **W47)
    assert total(week, "hold", "holds_confirmed", "holds_open", "median_resolve_hours") == {
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
        "median_resolve_hours": 360.0,
    }
    assert total(desk.get("metrics", month="2026-11"), "hold", "holds_confirmed") == {
        "hold": 1,
        "holds_confirmed": 1,
    }
    assert total(desk.get("metrics", month="2026-12"), "hold", "holds_confirmed") == {
        "hold": 0,
        "holds_confirmed": 0,
    }


def test_a_hold_scored_weeks_after_its_pickup_keeps_its_case_outcome(desk: Desk) -> None:
    # The README: a case opened within 31 days after the period is matched to its hold.
    late = over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B")
    desk.now = datetime(2026, 12, 20, 10, 0, tzinfo=BEIJING)  # a backlog scored four weeks later
    held = desk.client.score(late)
    assert held["decision"] == "hold"
    desk.act(held["case_id"], "seize", hours_after_opening=2)
    body = desk.get("metrics", **W47)
    assert total(body, "parcels", "hold", "holds_confirmed", "holds_open") == {
        "parcels": 1,
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
    }


def test_a_cbec_import_without_the_buyers_id_is_caught_but_breaks_no_pickup_rule(desk: Desk) -> None:
    decided = desk.score(cbec_import(None, accepted_at=TUESDAY_W47, outlet_id="SF-B"))
    assert decided["decision"] == "hold"
    assert "BUYER_ID_MISSING" in {r["code"] for r in decided["reasons"]}
    body = desk.get("metrics", **W47, by="outlet")
    assert sorted_rows(
        body, "rows", "outlet_id", "parcels", "realname_needed", "hold", "holds_open", "non_compliant"
    ) == [("SF-B", 1, 0, 1, 1, 0)]
    assert desk.get("offending", **W47)["total"] == 0


def test_a_hold_re_sent_after_the_officer_seized_it_counts_once_as_confirmed(desk: Desk) -> None:
    body = over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B")
    held = desk.score(body)
    desk.act(held["case_id"], "seize", hours_after_opening=2)
    again = desk.score(body, after_s=9 * 3600)  # the courier system re-sends the same body
    assert (again["decision"], again["case_id"]) == ("hold", held["case_id"])
    figures = desk.get("metrics", **W47)
    assert total(figures, "parcels", "hold", "holds_confirmed", "holds_open", "median_resolve_hours") == {
        "parcels": 1,
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
        "median_resolve_hours": 2.0,
    }


def test_a_release_corrected_into_a_hold_is_one_hold_with_its_cases_outcome(desk: Desk) -> None:
    coat = item(description="羊毛大衣 wool coat", quantity=1, unit_value=500.0)
    first = export_postal(accepted_at=TUESDAY_W47, outlet_id="SF-A", items=[coat])
    assert desk.score(first)["decision"] == "release"
    corrected = {**first, "items": [{**coat, "quantity": 2}], "declared_value": 1000.0}
    held = desk.score(corrected, after_s=120)
    assert held["decision"] == "hold"
    desk.act(held["case_id"], "release", hours_after_opening=2)
    body = desk.get("metrics", **W47, by="outlet")
    assert sorted_rows(body, "rows", "outlet_id", "parcels", *DECISIONS, "holds_released", "holds_open") == [
        ("SF-A", 1, 0, 0, 1, 0, 1, 0)
    ]


# Periods: Beijing days, ISO weeks and calendar months.


def test_a_parcel_at_23_30_utc_belongs_to_the_next_beijing_day(desk: Desk) -> None:
    late = waybill(
        accepted_at="2026-11-17T23:30:00Z", outlet_id="SF-A", pickup_checks={"xray_screened": False}
    )
    evening = waybill(accepted_at="2026-11-17T15:30:00Z", outlet_id="SF-A")  # 23:30 on the 17th in Beijing
    desk.score(late)
    desk.score(evening)
    days = {d: desk.get("metrics", **{"from": d, "to": d})["total"] for d in ("2026-11-17", "2026-11-18")}
    assert {d: (t["parcels"], t["xrayed"]) for d, t in days.items()} == {
        "2026-11-17": (1, 1),
        "2026-11-18": (1, 0),
    }
    offending = csv_rows(desk.download("weekly/2026-W47", format="csv", table="offending"))
    assert [
        (r["运单号 (waybill no.)"], r["收寄时间 (accepted at, Beijing)"], r["日期 (day)"]) for r in offending
    ] == [(late["waybill_no"], "2026-11-18 07:30:00", "2026-11-18")]
    listed = desk.get("offending", **{"from": "2026-11-18", "to": "2026-11-18"})
    assert [(r["waybill_no"], r["day"]) for r in listed["rows"]] == [(late["waybill_no"], "2026-11-18")]


def test_the_week_ends_at_beijing_midnight_whatever_offset_the_courier_sent(desk: Desk) -> None:
    for at in (
        "2026-11-22T15:59:59Z",  # Sunday 23:59:59 in Beijing: W47
        "2026-11-23T00:30:00+09:00",  # Tokyo time; Sunday 23:30 in Beijing: W47
        "2026-11-22T16:00:00Z",  # Monday 00:00 in Beijing: W48
        "2026-11-22T11:30:00-05:00",  # New York time on Sunday; Monday 00:30 in Beijing: W48
    ):
        desk.score(waybill(accepted_at=at, outlet_id="SF-A"))
    counts = {w: desk.get("metrics", week=w)["total"]["parcels"] for w in ("2026-W47", "2026-W48")}
    assert counts == {"2026-W47": 2, "2026-W48": 2}
    assert desk.get("metrics", **{"from": "2026-11-23", "to": "2026-11-23"})["total"]["parcels"] == 2


def month_of_parcels(desk: Desk) -> None:
    """Ten parcels from 31 October to 1 December (Beijing), of every kind of compliance."""
    for body in (
        waybill(
            accepted_at="2026-10-31T23:30:00+08:00",
            outlet_id="SF-A",
            pickup_checks={"opened_inspection": False},
        ),
        waybill(accepted_at="2026-10-31T16:30:00Z", outlet_id="SF-A", pickup_checks={"xray_screened": False}),
        waybill(accepted_at="2026-11-02T09:00:00+08:00", outlet_id="SF-B", sender=party(**NO_ID)),
        letter(
            accepted_at="2026-11-08T23:59:00+08:00",
            outlet_id="SF-A",
            pickup_checks={"opened_inspection": False},
        ),
        waybill(accepted_at="2026-11-09T00:00:00+08:00", outlet_id="SF-A"),
        export_postal(
            accepted_at="2026-11-18T12:00:00+08:00",
            outlet_id="SF-B",
            sender=party(phone="13700000071", id_verified=False, verification_method="none"),
        ),
        over_limit(
            accepted_at="2026-11-23T08:00:00+08:00", outlet_id="SF-B", sender=party(phone="13700000072")
        ),
        waybill(accepted_at="2026-11-29T22:00:00+08:00", carrier="YTO", outlet_id="YTO-X"),
        waybill(
            accepted_at="2026-11-30T10:00:00+08:00",
            carrier="YTO",
            outlet_id="YTO-X",
            pickup_checks={"opened_inspection": False},
        ),
        waybill(accepted_at="2026-11-30T16:30:00Z", outlet_id="SF-A"),  # 1 December in Beijing
    ):
        desk.score(body)


def test_the_weeks_of_a_month_add_up_to_the_month(desk: Desk) -> None:
    month_of_parcels(desk)
    figures = (*CHECKS, *DECISIONS, "realname_missing", "realname_unverified")
    month = total(desk.get("metrics", month="2026-11"), *figures)
    assert month == {
        "parcels": 8,
        "realname_needed": 7,
        "realname_ok": 5,
        "inspected": 6,
        "xrayed": 7,
        "non_compliant": 5,
        "release": 2,
        "inspect": 4,
        "hold": 1,
        "reject": 1,
        "realname_missing": 1,
        "realname_unverified": 1,
    }
    # November: Sunday 1 (end of W44), W45 to W48 whole, Monday 30 (start of W49).
    pieces = [
        desk.get("metrics", **{"from": "2026-11-01", "to": "2026-11-01"}),
        *(desk.get("metrics", week=f"2026-W{w}") for w in (45, 46, 47, 48)),
        desk.get("metrics", **{"from": "2026-11-30", "to": "2026-11-30"}),
    ]
    assert [p["total"]["parcels"] for p in pieces] == [1, 2, 1, 1, 2, 1]
    assert {f: sum(p["total"][f] for p in pieces) for f in figures} == month
    assert [desk.get("metrics", week=w)["total"]["parcels"] for w in ("2026-W44", "2026-W49")] == [2, 2]


def test_a_month_is_compared_with_the_month_before(desk: Desk) -> None:
    month_of_parcels(desk)
    body = desk.get("metrics", month="2026-11")
    assert body["previous"] == {
        "kind": "month",
        "label": "2026-10",
        "start": "2026-10-01",
        "end": "2026-10-31",
    }
    assert total(body, "inspection_rate", "inspection_rate_previous", "inspection_rate_change") == {
        "inspection_rate": 6 / 8,
        "inspection_rate_previous": 0.0,
        "inspection_rate_change": 6 / 8,
    }
    assert total(body, "xray_rate", "xray_rate_previous") == {"xray_rate": 7 / 8, "xray_rate_previous": 1.0}


# A parcel scored more than once counts once, where and when it was last scored.


def test_one_waybill_number_at_two_carriers_is_two_parcels(desk: Desk) -> None:
    sf = waybill(
        accepted_at=TUESDAY_W47,
        waybill_no="SAME00000001",
        outlet_id="SF-A",
        pickup_checks={"xray_screened": False},
    )
    yto = waybill(accepted_at=TUESDAY_W47, waybill_no="SAME00000001", carrier="YTO", outlet_id="YTO-X")
    assert [desk.score(sf)["decision"], desk.score(yto)["decision"]] == ["inspect", "release"]
    body = desk.get("metrics", **W47, by="carrier")
    assert sorted_rows(body, "rows", "carrier", "parcels", "xrayed", "inspect", "release") == [
        ("SF", 1, 0, 1, 0),
        ("YTO", 1, 1, 0, 1),
    ]


def test_a_correction_to_another_outlet_counts_the_parcel_at_the_new_outlet_only(desk: Desk) -> None:
    wrong = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False})
    desk.score(wrong)
    first = desk.get("metrics", **W47, by="outlet")  # compacted: the first body is in Parquet now
    assert sorted_rows(first, "rows", "outlet_id", "parcels") == [("SF-A", 1)]
    right = {
        **wrong,
        "outlet_id": "SF-B",
        "pickup_checks": {"opened_inspection": True, "xray_screened": True},
    }
    assert desk.score(right, after_s=600)["decision"] == "release"
    body = desk.get("metrics", **W47, by="outlet")
    assert sorted_rows(body, "rows", "outlet_id", "parcels", "xrayed", "non_compliant") == [("SF-B", 1, 1, 0)]
    assert desk.get("offending", **W47, outlet_id="SF-A")["total"] == 0


def test_a_correction_across_the_month_end_counts_in_the_later_month_only(desk: Desk) -> None:
    wrong = waybill(
        accepted_at="2026-10-31T23:30:00+08:00", outlet_id="SF-A", pickup_checks={"xray_screened": False}
    )
    desk.score(wrong)
    desk.get("metrics", month="2026-10")
    desk.now = datetime(2026, 11, 1, 9, 0, tzinfo=BEIJING)
    right = {**wrong, "accepted_at": "2026-11-01T00:30:00+08:00"}
    assert desk.client.score(right)["decision"] == "inspect"
    months = {m: desk.get("metrics", month=m)["total"] for m in ("2026-10", "2026-11")}
    assert {m: (t["parcels"], t["inspect"]) for m, t in months.items()} == {
        "2026-10": (0, 0),
        "2026-11": (1, 1),
    }
    listed = csv_rows(desk.download("monthly/2026-10", format="csv", table="offending"))
    assert listed == []


def test_a_correction_two_weeks_back_leaves_the_later_week(desk: Desk) -> None:
    wrong = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False})
    assert desk.score(wrong)["decision"] == "inspect"
    desk.now = datetime(2026, 11, 17, 12, 0, tzinfo=BEIJING)
    right = {
        **wrong,
        "accepted_at": "2026-11-03T10:00:00+08:00",
        "pickup_checks": {"opened_inspection": True, "xray_screened": True},
    }
    assert desk.client.score(right)["decision"] == "release"
    weeks = {w: desk.get("metrics", week=w)["total"]["parcels"] for w in ("2026-W45", "2026-W47")}
    assert weeks == {"2026-W45": 1, "2026-W47": 0}
    assert desk.get("metrics", month="2026-11")["total"]["parcels"] == 1
    assert desk.get("offending", **W47)["total"] == 0


def test_a_correction_of_a_mistyped_month_leaves_the_wrong_month(desk: Desk) -> None:
    # The README: a move of up to 31 days either way.
    typo = waybill(accepted_at="2026-10-17T10:00:00+08:00", outlet_id="SF-A")
    desk.now = datetime(2026, 11, 17, 10, 0, 5, tzinfo=BEIJING)
    desk.client.score(typo)
    desk.now += timedelta(minutes=5)
    desk.client.score({**typo, "accepted_at": TUESDAY_W47})
    months = {m: desk.get("metrics", month=m)["total"]["parcels"] for m in ("2026-10", "2026-11")}
    assert months == {"2026-10": 0, "2026-11": 1}


def test_a_correction_that_trades_one_missing_check_for_another_is_listed_once(desk: Desk) -> None:
    first = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False})
    desk.score(first)
    desk.get("offending", **W47)
    second = {**first, "pickup_checks": {"opened_inspection": False, "xray_screened": True}}
    desk.score(second, after_s=300)
    listed = desk.get("offending", **W47)
    assert [(r["waybill_no"], r["problems"]) for r in listed["rows"]] == [
        (first["waybill_no"], ["inspection_missing"])
    ]
    rows = csv_rows(desk.download("weekly/2026-W47", format="csv", table="offending"))
    assert [(r["运单号 (waybill no.)"], r["违规事项 (what was not done)"]) for r in rows] == [
        (first["waybill_no"], "未记录收寄验视 (no inspection recorded)")
    ]
    assert total(desk.get("metrics", **W47), "parcels", "inspected", "xrayed") == {
        "parcels": 1,
        "inspected": 0,
        "xrayed": 1,
    }


# Downloads hold the dashboard's figures.


SUMMARY = {
    "parcels": "收寄件数 (parcels)",
    "realname_rate": "实名收寄率 (real-name pickup rate)",
    "inspection_rate": "收寄验视率 (inspection-recorded rate)",
    "xray_rate": "过机安检率 (X-ray-recorded rate)",
    "non_compliant": "违规件数 (non-compliant parcels)",
    "hold": "扣留 (hold)",
    "reject": "拒收 (reject)",
}


def workbook(content: bytes, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet of a downloaded workbook as rows of values."""
    path = tmp_path / "report.xlsx"
    path.write_bytes(content)
    book = openpyxl.load_workbook(path, read_only=True)
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    book.close()
    return sheets


def test_the_monthly_workbook_summary_holds_the_monthly_dashboard(desk: Desk, tmp_path: Path) -> None:
    month_of_parcels(desk)
    board = desk.get("dashboard", month="2026-11")
    sheets = workbook(desk.download("monthly/2026-11"), tmp_path)
    summary = {r[0]: r[1:] for r in sheets["汇总 Summary"] if r[0]}
    assert {f: summary[h][0] for f, h in SUMMARY.items()} == {f: board["total"][f] for f in SUMMARY}
    assert {f: board["total"][f] for f in SUMMARY} == {
        "parcels": 8,
        "realname_rate": 5 / 7,
        "inspection_rate": 6 / 8,
        "xray_rate": 7 / 8,
        "non_compliant": 5,
        "hold": 1,
        "reject": 1,
    }
    assert summary[SUMMARY["parcels"]][1] == 1  # October, the month before
    assert summary[SUMMARY["inspection_rate"]][1] == 0.0


def test_the_workbooks_carrier_sheet_holds_the_metrics_per_carrier(desk: Desk, tmp_path: Path) -> None:
    month_of_parcels(desk)
    metrics = desk.get("metrics", month="2026-11", by="carrier")
    sheet = workbook(desk.download("monthly/2026-11"), tmp_path)["按企业 Carriers"]
    rows = [dict(zip(sheet[0], r, strict=True)) for r in sheet[1:]]
    assert sorted(
        (
            r["快递企业 (carrier)"],
            r["收寄件数 (parcels)"],
            r["实名收寄率 (real-name pickup rate)"],
            r["收寄验视率 (inspection-recorded rate)"],
            r["过机安检率 (X-ray-recorded rate)"],
            r["扣留 (hold)"],
        )
        for r in rows
    ) == sorted_rows(
        metrics, "rows", "carrier", "parcels", "realname_rate", "inspection_rate", "xray_rate", "hold"
    )
    assert sorted_rows(metrics, "rows", "carrier", "parcels", "realname_rate", "inspection_rate") == [
        ("SF", 6, 3 / 5, 5 / 6),
        ("YTO", 2, 1.0, 1 / 2),
    ]


def test_the_regions_and_daily_csv_tables_hold_the_metrics_by_district_and_day(desk: Desk) -> None:
    month_of_parcels(desk)
    districts = desk.get("metrics", month="2026-11", by="district")
    regions = csv_rows(desk.download("monthly/2026-11", format="csv", table="regions"))
    assert sorted(
        (
            r["省份 (province)"],
            r["区县 (district)"],
            int(r["收寄件数 (parcels)"]),
            int(r["违规件数 (non-compliant parcels)"]),
        )
        for r in regions
    ) == sorted_rows(districts, "rows", "province", "district", "parcels", "non_compliant")
    assert sorted_rows(districts, "rows", "province", "parcels") == [
        ("上海市", 3),
        ("北京市", 3),
        ("未登记", 2),
    ]
    daily = csv_rows(desk.download("monthly/2026-11", format="csv", table="daily"))
    in_november = {
        r["日期 (day)"]: (int(r["收寄件数 (parcels)"]), int(r["已验视件数 (inspection recorded)"]))
        for r in daily
        if r["日期 (day)"].startswith("2026-11")
    }
    assert in_november == {
        "2026-11-01": (1, 1),
        "2026-11-02": (1, 1),
        "2026-11-08": (1, 0),
        "2026-11-09": (1, 1),
        "2026-11-18": (1, 1),
        "2026-11-23": (1, 1),
        "2026-11-29": (1, 1),
        "2026-11-30": (1, 0),
    }


def test_the_outlets_csv_holds_each_outlets_rates(desk: Desk) -> None:
    month_of_parcels(desk)
    metrics = desk.get("metrics", month="2026-11", by="outlet")
    outlets = csv_rows(desk.download("monthly/2026-11", format="csv", table="outlets"))
    assert sorted(
        (
            r["网点编号 (outlet id)"],
            int(r["收寄件数 (parcels)"]),
            float(r["实名收寄率 (real-name pickup rate)"]),
            float(r["收寄验视率 (inspection-recorded rate)"]),
            float(r["过机安检率 (X-ray-recorded rate)"]),
        )
        for r in outlets
    ) == sorted_rows(metrics, "rows", "outlet_id", "parcels", "realname_rate", "inspection_rate", "xray_rate")
    assert sorted_rows(
        metrics, "rows", "outlet_id", "parcels", "realname_rate", "inspection_rate", "xray_rate"
    ) == [
        ("SF-A", 3, 2 / 2, 2 / 3, 2 / 3),
        ("SF-B", 3, 1 / 3, 3 / 3, 3 / 3),
        ("YTO-X", 2, 1.0, 1 / 2, 1.0),
    ]


def test_the_offending_download_lists_the_offending_route_row_for_row(desk: Desk) -> None:
    month_of_parcels(desk)
    listed = desk.get("offending", month="2026-11", limit="1000")
    rows = csv_rows(desk.download("monthly/2026-11", format="csv", table="offending"))
    assert listed["total"] == len(rows) == 5
    assert sorted((r["运单号 (waybill no.)"], r["判定 (decision)"]) for r in rows) == sorted(
        (r["waybill_no"], r["decision"]) for r in listed["rows"]
    )


def test_the_html_report_prints_the_dashboards_rates(desk: Desk) -> None:
    month_of_parcels(desk)
    page = desk.download("monthly/2026-11", format="html").decode("utf-8")
    assert "2026-11" in page
    for rate in ("71.4%", "75.0%", "87.5%"):  # real name 5/7, inspection 6/8, X-ray 7/8
        assert rate in page, rate


# Filters narrow every figure alike.


def filtered_week(desk: Desk) -> None:
    """W46 and W47 at SF-A (Shanghai, Pudong), SF-B (Beijing), YTO-P (Shanghai, Xuhui) and YTO-X."""
    more_outlets(desk)
    for body in (
        waybill(
            accepted_at="2026-11-10T10:00:00+08:00",
            outlet_id="SF-A",
            pickup_checks={"opened_inspection": False},
        ),
        waybill(accepted_at="2026-11-10T10:00:00+08:00", carrier="YTO", outlet_id="YTO-P"),
        waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"),
        waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False}),
        waybill(accepted_at=TUESDAY_W47, outlet_id="SF-B", sender=party(**NO_ID)),
        waybill(
            accepted_at=TUESDAY_W47,
            carrier="YTO",
            outlet_id="YTO-P",
            pickup_checks={"opened_inspection": False},
        ),
        waybill(
            accepted_at=TUESDAY_W47, carrier="YTO", outlet_id="YTO-X", pickup_checks={"xray_screened": False}
        ),
    ):
        desk.score(body)


def test_a_carrier_filter_narrows_the_dashboard_and_the_week_before(desk: Desk) -> None:
    filtered_week(desk)
    board = desk.get("dashboard", **W47, carrier="SF")
    assert total(
        board, "parcels", "inspection_rate", "inspection_rate_previous", "xray_rate", "realname_rate"
    ) == {
        "parcels": 3,
        "inspection_rate": 1.0,
        "inspection_rate_previous": 0.0,
        "xray_rate": 2 / 3,
        "realname_rate": 2 / 3,
    }
    assert sorted_rows(board, "carriers", "carrier", "parcels") == [("SF", 3)]
    assert sorted_rows(board, "provinces", "province", "parcels") == [("上海市", 2), ("北京市", 1)]
    assert sorted(o["outlet_id"] for o in board["worst_outlets"]) == ["SF-A", "SF-B"]
    assert sum(d["parcels"] for d in board["daily"] if d["day"] >= "2026-11-16") == 3


def test_region_and_outlet_filters_narrow_metrics_and_offending_alike(desk: Desk) -> None:
    filtered_week(desk)
    expected = {
        (("province", "上海市"),): (3, ["SF-A", "YTO-P"]),
        (("city", "北京市"),): (1, ["SF-B"]),
        (("district", "浦东新区"),): (2, ["SF-A"]),
        (("district", "徐汇区"),): (1, ["YTO-P"]),
        (("province", "未登记"),): (1, ["YTO-X"]),
        (("outlet_id", "SF-A"),): (2, ["SF-A"]),
        (("carrier", "YTO"), ("province", "上海市")): (1, ["YTO-P"]),
        (("carrier", "SF"), ("district", "徐汇区")): (0, []),
    }
    found = {}
    for filters in expected:
        params = dict(filters)
        parcels = desk.get("metrics", **W47, **params)["total"]["parcels"]
        offending = desk.get("offending", **W47, **params)
        found[filters] = (parcels, sorted({r["outlet_id"] for r in offending["rows"]}))
    assert found == expected


def test_a_filter_that_matches_nothing_counts_nothing(desk: Desk) -> None:
    filtered_week(desk)
    body = desk.get("metrics", **W47, carrier="JD")
    assert total(body, "parcels", "non_compliant", "realname_rate", "inspection_rate", "xray_rate") == {
        "parcels": 0,
        "non_compliant": 0,
        "realname_rate": None,
        "inspection_rate": None,
        "xray_rate": None,
    }
    assert body["rows"] == []
    assert desk.get("offending", **W47, carrier="JD") == {"total": 0, "rows": []}


def test_the_dashboard_shows_as_many_worst_outlets_as_asked(desk: Desk) -> None:
    filtered_week(desk)
    board = desk.get("dashboard", **W47, worst="2")
    assert len(board["worst_outlets"]) == 2
    everyone = desk.get("dashboard", **W47)
    assert sorted(o["outlet_id"] for o in everyone["worst_outlets"]) == ["SF-A", "SF-B", "YTO-P", "YTO-X"]
    assert [o["outlet_id"] for o in board["worst_outlets"]] == [
        o["outlet_id"] for o in everyone["worst_outlets"]
    ][:2]


# No plain identity number anywhere an auditor looks.


def test_no_plain_identity_number_of_any_document_type_in_grouped_figures_or_monthly_downloads(
    desk: Desk,
) -> None:
    temporary = resident_id(region="510104", birth="19870709", seq="318")
    corrected_away = resident_id(region="420102", birth="19920214", seq="527")
    letter_sender = resident_id(region="350203", birth="19760930", seq="664")
    permit, military, passport = "C61234567", "南字第731205号", "P98765432"
    at = TUESDAY_W47
    bodies = [
        waybill(
            accepted_at=at,
            outlet_id="SF-A",
            sender=party(phone="13700000081", id_type="temporary_id", id_number=temporary),
            pickup_checks={"xray_screened": False},
        ),
        export_postal(
            accepted_at=at,
            outlet_id="SF-B",
            sender=party(phone="13700000082", id_type="hk_macau_permit", id_number=permit, id_verified=False),
        ),
        waybill(
            accepted_at=at,
            carrier="YTO",
            outlet_id="YTO-X",
            sender=party(phone="13700000083", id_type="military_id", id_number=military),
            pickup_checks={"opened_inspection": False},
        ),
        export_postal(
            accepted_at=at,
            outlet_id="SF-A",
            sender=party(phone="13700000084", id_type="passport", id_number=passport, id_verified=False),
        ),
        letter(
            accepted_at=at,
            outlet_id="SF-A",
            sender=party(phone="13700000085", id_number=letter_sender),
            pickup_checks={"xray_screened": False},
        ),
    ]
    wrong_person = waybill(
        accepted_at=at,
        outlet_id="SF-B",
        sender=party(phone="13700000086", id_number=corrected_away),
        pickup_checks={"xray_screened": False},
    )
    bodies.append(wrong_person)
    for body in bodies:
        desk.score(body)
    desk.score({**wrong_person, "sender": party(phone="13700000086", id_number=temporary)}, after_s=60)
    numbers = [temporary, corrected_away, letter_sender, permit, military, passport]
    forbidden = [*numbers, *(n[:17] for n in numbers if len(n) == 18)]

    texts: dict[str, str] = {}
    for by in ("carrier", "outlet", "courier", "province", "district", "day"):
        texts[f"metrics:{by}"] = desk.http.get(
            "/v1/audit/metrics", params={"month": "2026-11", "by": by}
        ).text
    texts["dashboard"] = desk.http.get("/v1/audit/dashboard", params={"month": "2026-11"}).text
    texts["offending"] = desk.http.get("/v1/audit/offending", params={"month": "2026-11"}).text
    book = zipfile.ZipFile(io.BytesIO(desk.download("monthly/2026-11")))
    texts |= {f"xlsx:{n}": book.read(n).decode("utf-8") for n in book.namelist()}
    texts["html"] = desk.download("monthly/2026-11", format="html").decode("utf-8")
    for name in ("carriers", "outlets", "regions", "daily", "offending"):
        texts[f"csv:{name}"] = desk.download("monthly/2026-11", format="csv", table=name).decode("utf-8-sig")
    leaks = [(where, n) for where, text in texts.items() for n in forbidden if n in text]
    assert leaks == []
    offending = texts["csv:offending"]
    assert all(mask_id(n) in offending for n in (temporary, permit, military, passport, letter_sender))


# Who may read the audit.


AUDIT_ROUTES = (
    "/v1/audit/metrics?week=2026-W47",
    "/v1/audit/dashboard?week=2026-W47",
    "/v1/audit/offending?week=2026-W47",
    "/v1/audit/reports/weekly/2026-W47?format=csv&table=carriers",
    "/v1/audit/reports/monthly/2026-11?format=csv&table=daily",
)


def test_officers_and_investigators_may_not_read_the_audit(desk: Desk) -> None:
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"))
    desk.log.compact()
    statuses = {}
    for role in ("officer", "investigator"):
        desk.client.as_new(f"{role}9", role)
        statuses[role] = [desk.http.get(url).status_code for url in AUDIT_ROUTES]
    assert statuses == {"officer": [403] * 5, "investigator": [403] * 5}


def test_supervisors_and_admins_read_the_same_figures_as_auditors(desk: Desk) -> None:
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False}))
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"))
    desk.log.compact()
    seen = {}
    for username, role in (("auditor2", "auditor"), ("supervisor2", "supervisor"), ("admin2", "admin")):
        desk.client.as_new(username, role)
        assert [desk.http.get(url).status_code for url in AUDIT_ROUTES] == [200] * 5
        seen[role] = desk.http.get("/v1/audit/metrics", params=W47).json()["total"]["xray_rate"]
    assert seen == {"auditor": 1 / 2, "supervisor": 1 / 2, "admin": 1 / 2}


def test_no_api_key_and_no_anonymous_caller_reads_the_audit(desk: Desk) -> None:
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"))
    desk.log.compact()
    desk.http.cookies.clear()
    scopes: tuple[tuple[KeyKind, str], ...] = (("carrier", "SF"), ("customs", "PVG"), ("admin", "ops"))
    keys = {kind: make_key(desk.client.app, kind, scope) for kind, scope in scopes}
    answers: dict[tuple[str, str], bool] = {}
    for kind, key in keys.items():
        for url in AUDIT_ROUTES:
            r = desk.http.get(url, headers=bearer(key))
            answers[(kind, url)] = r.status_code in (401, 403) and "parcels" not in r.text
    assert all(answers.values()), [k for k, refused in answers.items() if not refused]
    assert {desk.http.get(url).status_code for url in AUDIT_ROUTES} == {401}


def test_an_auditor_alone_may_read_figures_but_not_trace_people(desk: Desk) -> None:
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"))
    desk.log.compact()
    desk.client.as_new("auditor3", "auditor")
    assert desk.http.get("/v1/audit/metrics", params=W47).status_code == 200
    traced = desk.http.post(
        "/v1/audit/trace", json={"from": "2026-11-16", "to": "2026-11-22", "phone": "13800138000"}
    )
    assert traced.status_code == 403
    exported = desk.http.post(
        "/v1/audit/trace/export", json={"from": "2026-11-16", "to": "2026-11-22", "phone": "13800138000"}
    )
    assert exported.status_code == 403


# Bad query parameters: 422 naming the parameter, no figures.


@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        ("/v1/audit/metrics", {"week": "2026-47"}, "week"),
        ("/v1/audit/metrics", {"week": "2025-W53"}, "week"),  # 2025 has 52 ISO weeks
        ("/v1/audit/dashboard", {"month": "2026-13"}, "month"),
        ("/v1/audit/metrics", {"from": "2026-11-31"}, "from"),
        ("/v1/audit/offending", {"to": "17/11/2026"}, "to"),
        ("/v1/audit/metrics", {"week": "2026-W47", "by": "outlets"}, "by"),
        ("/v1/audit/dashboard", {"week": "2026-W47", "carrier": "sf"}, "carrier"),
        ("/v1/audit/offending", {"week": "2026-W47", "check": "id"}, "check"),
        ("/v1/audit/offending", {"week": "2026-W47", "limit": "0"}, "limit"),
        ("/v1/audit/offending", {"week": "2026-W47", "offset": "-1"}, "offset"),
        ("/v1/audit/dashboard", {"week": "2026-W47", "worst": "0"}, "worst"),
        ("/v1/audit/reports/weekly/2026-W47", {"format": "pdf"}, "format"),
        ("/v1/audit/reports/weekly/2026-W47", {"format": "csv", "table": "couriers"}, "table"),
    ],
)
def test_a_bad_query_parameter_is_a_422_naming_it(
    desk: Desk, url: str, params: dict[str, str], name: str
) -> None:
    r = desk.http.get(url, params=params)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["query", name]]


def test_a_range_that_ends_before_it_starts_names_the_to_parameter(desk: Desk) -> None:
    r = desk.http.get("/v1/audit/metrics", params={"from": "2026-11-20", "to": "2026-11-19"})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["query", "to"]]


def test_a_bad_report_label_is_a_422_naming_the_label(desk: Desk) -> None:
    locs = [
        desk.http.get(url).json()["detail"][0]["loc"]
        for url in ("/v1/audit/reports/weekly/2026-47", "/v1/audit/reports/monthly/2026-W47")
    ]
    assert locs == [["path", "label"], ["path", "label"]]
