"""Per-parcel rules and how their reasons combine, written from RULES.md §1–§3 and the wire contract.

Pickup checks (INSPECTION_NOT_RECORDED, XRAY_NOT_RECORDED and the policy's per-lane relaxation), the
personal-article limit L (800 CNY to or from Hong Kong, Macau and Taiwan, 1,000 elsewhere; postal parcels
and individuals' express parcels; the single-article exception), CBEC_SINGLE_LIMIT, COMMERCIAL_QUANTITY,
WEIGHT_VALUE_MISMATCH and BRAND_PRICE_ANOMALY, each at, just under and just over its threshold, and the
final decision as the most severe outcome among the reasons. Thresholds are the shipped policy's
(screening/policy/policy.toml) and brand floors those of features/data/brands.csv; each test that leans
on one first checks the policy still says so.
"""

import re
from datetime import date
from typing import Any

import pytest

from screening.contract import SEVERITY, Decision
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import NO_ID, cn_receiver, export_postal, hk_receiver, item, party, resident_id, waybill
from tests.screening.test_scenarios import codes, reason_of, score
from tests.screening.test_scenarios_edges import abroad, assert_well_formed, buyer, cbec_import, lines
from tests.screening.test_scenarios_goods import decide, line, the_reason
from tests.screening.test_scenarios_identity import register, shop, uscc_of

pytestmark = pytest.mark.anyio

PICKUP = {"INSPECTION_NOT_RECORDED", "XRAY_NOT_RECORDED"}
LIMIT_CODES = {"OVER_PERSONAL_LIMIT", "CBEC_SINGLE_LIMIT", "COMMERCIAL_QUANTITY"}
CROSS_BORDER_CODES = LIMIT_CODES | {"BUYER_ID_MISSING", "CBEC_ANNUAL_LIMIT"}
NO_CHECKS = {"opened_inspection": False, "xray_screened": False}
CJK = re.compile(r"[\u4e00-\u9fff]")


# Helpers


def overseas(country: str, n: int = 0) -> dict[str, Any]:
    """A party outside the mainland, no ID: Hong Kong, Macau, Taiwan, Japan, the US, Korea or Germany."""
    if country in {"HK", "MO", "TW", "JP"}:
        return abroad(country, n)
    places: dict[str, tuple[str, str, str]] = {
        "US": (f"+1212555{n:04d}", "New York", f"{n} Main Street"),
        "KR": (f"+8221234{n:04d}", "Seoul", f"{n} Sejong-daero"),
        "DE": (f"+49301234{n:04d}", "Berlin", f"Unter den Linden {n}"),
    }
    phone, city, detail = places[country]
    return hk_receiver(
        name=f"PARTY {country} {n}", phone=phone, address={"country": country, "city": city, "detail": detail}
    )


def personal(
    service: str, country: str, items: list[dict[str, Any]], *, channel: str = "postal", **changes: Any
) -> dict[str, Any]:
    """A cross-border parcel of an individual to (export) or from (import) country."""
    sides: dict[str, Any] = (
        {"receiver": overseas(country)}
        if service == "export"
        else {"sender": overseas(country), "receiver": cn_receiver()}
    )
    return waybill(service=service, channel=channel, items=items, **(sides | changes))


def halves(total: float) -> list[dict[str, Any]]:
    """Two item lines of one unit each (so not a single article) summing to total, to the cent."""
    first = round(total / 2, 2)
    return lines(first, round(total - first, 2))


def organisation() -> dict[str, Any]:
    """A mainland company identified by its unified social credit code (not an agreement customer)."""
    return party(name="某贸易有限公司", id_type="uscc", id_number=uscc_of("91110000600037341"))


def relax_xray(engine: Engine, lane: str) -> None:
    """Take lane off the policy's X-ray lanes (RULES.md §3: the policy may relax it per lane)."""
    pickup = engine.policy.pickup
    relaxed = pickup.model_copy(update={"xray_lanes": frozenset(pickup.xray_lanes - {lane})})
    engine.policy = engine.policy.model_copy(update={"pickup": relaxed})


def lane_waybill(lane: str, **changes: Any) -> dict[str, Any]:
    """A clean parcel of one lane: domestic, export (postal), import (postal) or import_cbec (buyer's ID)."""
    if lane == "domestic":
        return waybill(**changes)
    if lane == "export":
        return export_postal(**changes)
    if lane == "import":
        return personal("import", "JP", [item()], **changes)
    return cbec_import(buyer("401"), 300.0, **changes)


def outcomes(d: Decision) -> dict[str, str]:
    """Each reason's own outcome by code."""
    return {r.code: r.outcome for r in d.reasons}


# INSPECTION_NOT_RECORDED and XRAY_NOT_RECORDED


@pytest.mark.parametrize("lane", ["domestic", "export", "import", "import_cbec"])
async def test_both_pickup_checks_missing_give_two_inspect_reasons(engine: Engine, lane: str) -> None:
    d = await decide(engine, lane_waybill(lane, pickup_checks=NO_CHECKS))
    assert codes(d) == PICKUP
    assert outcomes(d) == {"INSPECTION_NOT_RECORDED": "inspect", "XRAY_NOT_RECORDED": "inspect"}
    service = "import" if lane == "import_cbec" else lane
    assert reason_of(d, "INSPECTION_NOT_RECORDED") == {"opened_inspection": False, "lane": service}
    assert reason_of(d, "XRAY_NOT_RECORDED") == {"xray_screened": False, "lane": service}
    assert d.decision == "inspect"


@pytest.mark.parametrize("service", ["domestic", "export"])
async def test_a_letter_is_exempt_from_the_id_check_not_from_the_pickup_checks(
    engine: Engine, service: str
) -> None:
    receiver = cn_receiver() if service == "domestic" else hk_receiver()
    wb = waybill(
        service=service,
        channel="express",
        sender=party(**NO_ID),
        receiver=receiver,
        items=[line("合同文件 contract papers", "documents", unit_value=0.0)],
        weight_kg=0.1,
        pickup_checks=NO_CHECKS,
    )
    d = await decide(engine, wb)
    assert codes(d) == PICKUP  # no REALNAME_MISSING: X-ray is required for every parcel, letters included
    assert d.decision == "inspect"


@pytest.mark.parametrize(
    ("relaxed", "other"), [("domestic", "export"), ("export", "import"), ("import", "domestic")]
)
async def test_a_lane_relaxed_from_xray_keeps_its_opening_inspection_and_the_other_lanes_keep_xray(
    engine: Engine, relaxed: str, other: str
) -> None:
    assert {"domestic", "export", "import"} <= engine.policy.pickup.xray_lanes
    relax_xray(engine, relaxed)
    no_xray = {"opened_inspection": True, "xray_screened": False}
    assert codes(await decide(engine, lane_waybill(relaxed, pickup_checks=no_xray))) == set()
    d = await decide(engine, lane_waybill(relaxed, pickup_checks=NO_CHECKS))
    assert codes(d) == {"INSPECTION_NOT_RECORDED"} and d.decision == "inspect"
    d = await decide(engine, lane_waybill(other, pickup_checks=no_xray))
    assert codes(d) == {"XRAY_NOT_RECORDED"}
    assert reason_of(d, "XRAY_NOT_RECORDED")["lane"] == other


async def test_missing_pickup_checks_under_a_hold_reason_end_as_hold(engine: Engine) -> None:
    d = await decide(engine, export_postal(items=halves(900.0), pickup_checks=NO_CHECKS))
    assert codes(d) == PICKUP | {"OVER_PERSONAL_LIMIT"}
    assert d.decision == "hold" and d.reasons[0].code == "OVER_PERSONAL_LIMIT"
    assert [r.outcome for r in d.reasons] == ["hold", "inspect", "inspect"]


async def test_missing_pickup_checks_with_a_false_sender_id_end_as_reject(engine: Engine) -> None:
    bad = resident_id(region="110105", birth="19870431", seq="411")  # 31 April: a false ID, not a 422
    d = await decide(engine, waybill(sender=party(id_number=bad), pickup_checks=NO_CHECKS))
    assert codes(d) == PICKUP | {"ID_INVALID"}
    assert d.decision == "reject" and d.reasons[0].code == "ID_INVALID"


async def test_missing_xray_beside_a_single_article_over_the_limit_ends_as_inspect(engine: Engine) -> None:
    goods = [line("相机 camera", "electronics", unit_value=3000.0)]
    wb = export_postal(items=goods, pickup_checks={"opened_inspection": True, "xray_screened": False})
    d = await decide(engine, wb)
    assert outcomes(d) == {"OVER_PERSONAL_LIMIT": "inspect", "XRAY_NOT_RECORDED": "inspect"}
    assert d.decision == "inspect"


# OVER_PERSONAL_LIMIT: L by counterpart, import and export, at L and a cent over


@pytest.mark.parametrize(
    ("service", "country", "limit"),
    [
        ("export", "HK", 800.0),
        ("import", "HK", 800.0),
        ("import", "MO", 800.0),
        ("export", "US", 1000.0),
        ("import", "US", 1000.0),
        ("import", "KR", 1000.0),
    ],
)
async def test_the_personal_limit_is_met_at_l_and_passed_a_cent_over(
    engine: Engine, service: str, country: str, limit: float
) -> None:
    limits = engine.policy.limits
    assert (limits.personal_hk_mo_tw_cny, limits.personal_other_cny) == (800.0, 1000.0)
    d = await decide(engine, personal(service, country, halves(limit)))
    assert codes(d) == set() and d.decision == "release"
    d = await decide(engine, personal(service, country, halves(limit + 0.01)))
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert r.outcome == "hold"
    assert r.evidence["value_cny"] == limit + 0.01 and r.evidence["limit_cny"] == limit
    assert (r.evidence["counterpart_country"], r.evidence["single_article"]) == (country, False)
    assert codes(d) == {"OVER_PERSONAL_LIMIT"} and d.decision == "hold"


@pytest.mark.parametrize(("country", "over"), [("TW", True), ("MO", True), ("DE", False), ("US", False)])
async def test_900_cny_is_over_the_limit_only_to_hong_kong_macau_and_taiwan(
    engine: Engine, country: str, over: bool
) -> None:
    d = await decide(engine, personal("export", country, halves(900.0)))
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) is over
    assert d.decision == ("hold" if over else "release")


@pytest.mark.parametrize(("service", "country", "limit"), [("export", "TW", 800.0), ("import", "US", 1000.0)])
async def test_an_individuals_express_parcel_has_the_personal_limit(
    engine: Engine, service: str, country: str, limit: float
) -> None:
    at = await decide(engine, personal(service, country, halves(limit), channel="express"))
    assert "OVER_PERSONAL_LIMIT" not in codes(at)
    over = await decide(engine, personal(service, country, halves(limit + 0.01), channel="express"))
    assert reason_of(over, "OVER_PERSONAL_LIMIT")["limit_cny"] == limit
    assert over.decision == "hold"


@pytest.mark.parametrize(
    ("quantities_and_values", "over"),
    [
        pytest.param([(2, 150.0), (3, 100.0), (1, 200.01)], True, id="three-lines-800.01"),
        pytest.param([(2, 150.0), (3, 100.0), (1, 200.0)], False, id="three-lines-800"),
        pytest.param([(3, 266.67)], True, id="one-line-3x266.67"),
        pytest.param([(4, 200.0)], False, id="one-line-4x200"),
    ],
)
async def test_the_value_is_the_sum_of_quantity_times_unit_value(
    engine: Engine, quantities_and_values: list[tuple[int, float]], over: bool
) -> None:
    goods = [
        line(f"款式{i} 衬衫 shirt", "apparel_shoes", quantity=q, unit_value=v)
        for i, (q, v) in enumerate(quantities_and_values)
    ]
    d = await decide(engine, export_postal(items=goods))
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) is over
    if over:
        assert reason_of(d, "OVER_PERSONAL_LIMIT")["value_cny"] == 800.01
        assert d.decision == "hold"


@pytest.mark.parametrize(("hkd", "over"), [((439.56, 439.56), False), ((439.56, 439.57), True)])
async def test_the_personal_limit_is_judged_on_the_value_in_cny(
    engine: Engine, hkd: tuple[float, float], over: bool
) -> None:
    assert engine.rates["HKD"] == 0.91  # 879.12 HKD = 799.9992 CNY; 879.13 HKD = 800.0083 CNY
    d = await decide(engine, export_postal(currency="HKD", items=lines(*hkd)))
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) is over
    if over:
        assert reason_of(d, "OVER_PERSONAL_LIMIT")["value_cny"] == 800.01


# The single-article exception: one item line of quantity 1 is inspected, not held


@pytest.mark.parametrize(
    ("service", "country", "channel", "limit"),
    [
        ("import", "HK", "postal", 800.0),
        ("export", "TW", "express", 800.0),
        ("import", "US", "express", 1000.0),
        ("export", "DE", "postal", 1000.0),
    ],
)
async def test_a_single_article_a_cent_over_the_limit_is_inspected(
    engine: Engine, service: str, country: str, channel: str, limit: float
) -> None:
    goods = [line("单反相机 camera", "electronics", unit_value=limit + 0.01)]
    d = await decide(engine, personal(service, country, goods, channel=channel))
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["single_article"], r.evidence["limit_cny"]) == ("inspect", True, limit)
    assert codes(d) == {"OVER_PERSONAL_LIMIT"} and d.decision == "inspect"


async def test_a_single_article_exactly_at_the_limit_is_a_plain_release(engine: Engine) -> None:
    d = await decide(engine, export_postal(items=[line("单反相机 camera", "electronics", unit_value=800.0)]))
    assert d.reasons == [] and d.decision == "release"


async def test_an_article_with_a_second_line_of_no_value_is_not_a_single_article(engine: Engine) -> None:
    goods = [
        line("单反相机 camera", "electronics", unit_value=3000.0),
        line("说明书 user manual", "publications", unit_value=0.0),
    ]
    d = await decide(engine, export_postal(items=goods))
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["single_article"]) == ("hold", False)
    assert d.decision == "hold"


async def test_two_lines_of_the_same_article_are_not_a_single_article(engine: Engine) -> None:
    goods = [
        line("单反相机 camera", "electronics", unit_value=450.0),
        line("单反相机 camera", "electronics", unit_value=450.0),
    ]
    d = await decide(engine, export_postal(items=goods))
    assert the_reason(d, "OVER_PERSONAL_LIMIT").outcome == "hold"
    assert d.decision == "hold"


async def test_a_single_article_beside_an_unqualified_agreement_customer_ends_as_hold(engine: Engine) -> None:
    sender = party(name="某网店", customer_type="contract", contract_id="SHOP-UNKNOWN")  # verified ID
    goods = [line("单反相机 camera", "electronics", unit_value=3000.0)]
    d = await decide(engine, export_postal(sender=sender, items=goods))
    assert outcomes(d) == {"CONTRACT_UNQUALIFIED": "hold", "OVER_PERSONAL_LIMIT": "inspect"}
    assert d.decision == "hold" and d.reasons[0].code == "CONTRACT_UNQUALIFIED"


async def test_a_prohibited_single_article_over_the_limit_is_rejected(engine: Engine) -> None:
    d = await decide(
        engine, export_postal(items=[line("象牙雕件 ivory carving", "general", unit_value=3000.0)])
    )
    assert outcomes(d) == {"PROHIBITED_ITEM": "reject", "OVER_PERSONAL_LIMIT": "inspect"}
    assert d.decision == "reject"


async def test_a_cheap_single_luxury_watch_over_the_limit_is_inspected_on_two_counts(engine: Engine) -> None:
    goods = [line("劳力士手表 Rolex watch", "general", brand="Rolex", unit_value=2000.0)]
    d = await decide(engine, export_postal(items=goods))
    assert outcomes(d) == {"OVER_PERSONAL_LIMIT": "inspect", "BRAND_PRICE_ANOMALY": "inspect"}
    assert reason_of(d, "BRAND_PRICE_ANOMALY")["brand"] == "Rolex"
    assert d.decision == "inspect"


# Whose parcels are personal articles


async def test_a_qualified_agreement_customers_express_is_not_a_personal_article(engine: Engine) -> None:
    register(engine, valid_until=date(2027, 12, 31))
    goods = [line("袜子 socks", "apparel_shoes", quantity=30, unit_value=50.0)]  # 1,500 CNY, 30 units
    wb = waybill(service="export", channel="express", sender=shop(), receiver=hk_receiver(), items=goods)
    d = await decide(engine, wb)
    assert not codes(d) & LIMIT_CODES
    assert d.decision == "release"


async def test_an_organisations_express_export_is_not_a_personal_article(engine: Engine) -> None:
    goods = [line("袜子 socks", "apparel_shoes", quantity=20, unit_value=45.0)]  # 900 CNY, 20 units
    wb = waybill(
        service="export", channel="express", sender=organisation(), receiver=hk_receiver(), items=goods
    )
    d = await decide(engine, wb)
    assert not codes(d) & LIMIT_CODES
    assert d.decision == "release"


async def test_an_organisations_express_import_is_not_a_personal_article(engine: Engine) -> None:
    company = cn_receiver(name="某贸易有限公司", id_type="uscc", id_number=uscc_of("91110000600037341"))
    wb = waybill(
        service="import", channel="express", sender=hk_receiver(), receiver=company, items=halves(900.0)
    )
    d = await decide(engine, wb)
    assert not codes(d) & LIMIT_CODES
    assert d.decision == "release"


async def test_a_postal_parcel_is_a_personal_article_whoever_sends_it(engine: Engine) -> None:
    d = await decide(engine, export_postal(sender=organisation(), items=halves(900.0)))
    ev = reason_of(d, "OVER_PERSONAL_LIMIT")
    assert (ev["value_cny"], ev["limit_cny"]) == (900.0, 800.0)
    assert d.decision == "hold"


@pytest.mark.parametrize("channel", ["express", "postal", "cbec"])
async def test_a_domestic_parcel_gets_no_cross_border_reason(engine: Engine, channel: str) -> None:
    goods = [line("面霜 face cream", "cosmetics", quantity=20, unit_value=300.0)]  # 6,000 CNY, 20 units
    d = await decide(engine, waybill(channel=channel, items=goods, weight_kg=4.0))
    assert not codes(d) & CROSS_BORDER_CODES
    assert d.decision == "release"


# CBEC_SINGLE_LIMIT: 5,000 per transaction, never the 800 / 1,000 limit


@pytest.mark.parametrize(("quantity", "unit_value", "over"), [(3, 1666.67, True), (2, 2500.0, False)])
async def test_the_cbec_limit_is_judged_on_the_sum_of_the_lines(
    engine: Engine, quantity: int, unit_value: float, over: bool
) -> None:
    assert engine.policy.limits.cbec_single_cny == 5000.0
    goods = [line("面霜 face cream", "cosmetics", quantity=quantity, unit_value=unit_value)]
    d = await decide(engine, cbec_import(buyer("402"), 0.0, items=goods, weight_kg=1.0))
    assert ("CBEC_SINGLE_LIMIT" in codes(d)) is over
    assert not codes(d) & {"OVER_PERSONAL_LIMIT", "COMMERCIAL_QUANTITY"}
    if over:
        r = the_reason(d, "CBEC_SINGLE_LIMIT")
        assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", 5000.01, 5000.0)
        assert d.decision == "hold"
    else:
        assert d.decision == "release"


async def test_a_single_cbec_article_over_5000_is_held_not_inspected(engine: Engine) -> None:
    d = await decide(engine, cbec_import(buyer("403"), 6000.0))
    assert outcomes(d) == {"CBEC_SINGLE_LIMIT": "hold"}
    assert d.decision == "hold"


@pytest.mark.parametrize("value", [800.01, 1000.01, 4999.99, 5000.0])
async def test_a_cbec_purchase_up_to_5000_fires_no_limit(engine: Engine, value: float) -> None:
    d = await decide(engine, cbec_import(buyer("404"), value))  # from a Hong Kong shop
    assert not codes(d) & LIMIT_CODES
    assert d.decision == "release"


@pytest.mark.parametrize(("usd", "over"), [(704.22, False), (704.23, True)])
async def test_the_cbec_limit_is_judged_on_the_value_in_cny(engine: Engine, usd: float, over: bool) -> None:
    assert engine.rates["USD"] == 7.1  # 704.22 USD = 4,999.96 CNY; 704.23 USD = 5,000.03 CNY
    d = await decide(engine, cbec_import(buyer("405"), usd, currency="USD"))
    assert ("CBEC_SINGLE_LIMIT" in codes(d)) is over
    if over:
        assert reason_of(d, "CBEC_SINGLE_LIMIT")["value_cny"] == 5000.03


async def test_a_cbec_import_over_the_limit_without_buyer_id_has_both_hold_reasons(engine: Engine) -> None:
    d = await decide(engine, cbec_import(cn_receiver(phone="13700040001"), 5200.0))
    assert outcomes(d) == {"BUYER_ID_MISSING": "hold", "CBEC_SINGLE_LIMIT": "hold"}
    assert d.decision == "hold"


# COMMERCIAL_QUANTITY: more than 10 units of one item, 5 for medicine and cosmetics; personal articles only


@pytest.mark.parametrize(
    ("description", "category", "quantity", "max_units"),
    [
        ("面霜 face cream", "cosmetics", 5, None),
        ("面霜 face cream", "cosmetics", 6, 5),
        ("维生素片 vitamin tablets", "medicine", 6, 5),
        ("血压计 blood pressure monitor", "medical_devices", 6, None),  # not medicine: the higher limit
        ("血压计 blood pressure monitor", "medical_devices", 11, 10),
        ("数据线 USB cable", "electronics", 10, None),
        ("数据线 USB cable", "electronics", 11, 10),
        ("儿童玩具 toy car", "children_products", 11, 10),
    ],
)
@pytest.mark.parametrize("lane", ["export-express", "import-express"])
async def test_commercial_quantity_on_an_individuals_express_parcel(
    engine: Engine, lane: str, description: str, category: str, quantity: int, max_units: int | None
) -> None:
    assert (engine.policy.goods.commercial_units, engine.policy.goods.commercial_units_sensitive) == (10, 5)
    goods = [line(description, category, quantity=quantity, unit_value=10.0)]
    service = lane.split("-")[0]
    d = await decide(engine, personal(service, "JP", goods, channel="express", weight_kg=1.0))
    if max_units is None:
        assert codes(d) == set() and d.decision == "release"
    else:
        r = the_reason(d, "COMMERCIAL_QUANTITY")
        assert (r.outcome, r.evidence["quantity"], r.evidence["max_units"]) == (
            "inspect",
            quantity,
            max_units,
        )
        assert (r.evidence["category"], r.evidence["category_inferred"]) == (category, False)
        assert codes(d) == {"COMMERCIAL_QUANTITY"} and d.decision == "inspect"


async def test_commercial_quantity_names_the_line_over_its_own_limit(engine: Engine) -> None:
    goods = [
        line("袜子 socks", "apparel_shoes", quantity=10, unit_value=5.0),
        line("口红 lipstick", "cosmetics", quantity=5, unit_value=20.0),
        line("香水 perfume", "cosmetics", quantity=6, unit_value=20.0),
    ]
    d = await decide(engine, export_postal(items=goods, weight_kg=1.5))
    ev = reason_of(d, "COMMERCIAL_QUANTITY")
    assert (ev["item"], ev["quantity"], ev["max_units"], ev["category"]) == (2, 6, 5, "cosmetics")
    assert d.decision == "inspect"


@pytest.mark.parametrize(
    "description",
    ["香水", "perfume", "防晒霜 sunscreen", "面膜", "阿莫西林胶囊", "insulin pens"],
)
async def test_an_inferred_medicine_or_cosmetic_has_the_lower_quantity_limit(
    engine: Engine, description: str
) -> None:
    wb = personal("import", "KR", [line(description, quantity=6, unit_value=10.0)], weight_kg=1.0)
    d = await decide(engine, wb)
    ev = reason_of(d, "COMMERCIAL_QUANTITY")
    assert ev["category"] in {"medicine", "cosmetics"} and ev["category_inferred"] is True
    assert (ev["quantity"], ev["max_units"]) == (6, 5)
    assert d.decision == "inspect"


@pytest.mark.parametrize(
    "lane",
    [
        pytest.param("cbec-export", id="cbec-export"),
        pytest.param("agreement-express", id="agreement-customer-express"),
    ],
)
async def test_many_units_outside_personal_articles_are_not_commercial_quantity(
    engine: Engine, lane: str
) -> None:
    goods = [line("口红 lipstick", "cosmetics", quantity=40, unit_value=20.0)]  # 800 CNY, 40 units
    if lane == "cbec-export":
        wb = waybill(service="export", channel="cbec", receiver=overseas("US"), items=goods, weight_kg=2.0)
    else:
        register(engine, valid_until=date(2027, 12, 31))
        wb = waybill(
            service="export",
            channel="express",
            sender=shop(),
            receiver=overseas("US"),
            items=goods,
            weight_kg=2.0,
        )
    d = await decide(engine, wb)
    assert not codes(d) & LIMIT_CODES
    assert d.decision == "release"


# WEIGHT_VALUE_MISMATCH: the category's band from the policy, at each edge and a cent beyond


BANDS = [
    ("food", "大米 rice", (2.0, 30000.0)),
    ("cosmetics", "面霜 face cream", (20.0, 200000.0)),
    ("tobacco", "卷烟 cigarettes", (50.0, 50000.0)),
    ("apparel_shoes", "纯棉T恤 cotton T-shirt", (10.0, 100000.0)),
    ("agri_inputs", "化肥 fertiliser", (1.0, 20000.0)),
    ("building_materials", "瓷砖 ceramic tiles", (0.5, 20000.0)),
    ("publications", "图书 books", (5.0, 20000.0)),
]


@pytest.mark.parametrize(("category", "description", "band"), BANDS)
@pytest.mark.parametrize("edge", ["low", "high"])
async def test_value_per_kg_at_the_band_edge_is_plausible_and_a_cent_beyond_is_not(
    engine: Engine, category: str, description: str, band: tuple[float, float], edge: str
) -> None:
    assert tuple(engine.policy.goods.value_per_kg[category]) == band  # type: ignore[index]
    low, high = band
    at, beyond = (low, round(low - 0.01, 2)) if edge == "low" else (high, round(high + 0.01, 2))
    d = await decide(engine, waybill(items=[line(description, category, unit_value=at)], weight_kg=1.0))
    assert codes(d) == set() and d.decision == "release"
    d = await decide(engine, waybill(items=[line(description, category, unit_value=beyond)], weight_kg=1.0))
    r = the_reason(d, "WEIGHT_VALUE_MISMATCH")
    assert r.outcome == "inspect"
    assert (r.evidence["value_per_kg"], r.evidence["category"]) == (beyond, category)
    assert (r.evidence["band_low"], r.evidence["band_high"]) == band
    assert codes(d) == {"WEIGHT_VALUE_MISMATCH"} and d.decision == "inspect"


async def test_a_value_per_kg_a_fraction_of_a_cent_under_the_band_is_outside_it(engine: Engine) -> None:
    goods = [line("手机壳 phone case", "electronics", unit_value=199.99)]
    d = await decide(engine, waybill(items=goods, weight_kg=10.0))
    assert "WEIGHT_VALUE_MISMATCH" in codes(d)
    assert d.decision == "inspect"


async def test_a_value_per_kg_a_fraction_of_a_cent_over_the_band_is_outside_it(engine: Engine) -> None:
    goods = [line("大米 rice", "food", unit_value=90000.01)]
    d = await decide(engine, waybill(items=goods, weight_kg=3.0))
    assert "WEIGHT_VALUE_MISMATCH" in codes(d)
    assert d.decision == "inspect"


@pytest.mark.parametrize(
    ("description", "unit_value", "weight_kg", "category"),
    [
        ("cigarettes", 10.0, 1.0, "tobacco"),  # 10 CNY/kg: under tobacco's 50, inside general's band
        ("图书 旧书", 4.0, 2.0, "publications"),  # 2 CNY/kg: under publications' 5
        ("fertiliser", 25000.0, 1.0, "agri_inputs"),  # over agri_inputs' 20,000, inside general's band
        ("ceramic tiles", 50000.0, 2.0, "building_materials"),  # 25,000 CNY/kg: over 20,000
    ],
)
async def test_value_per_kg_is_judged_on_the_category_inferred_from_the_description(
    engine: Engine, description: str, unit_value: float, weight_kg: float, category: str
) -> None:
    d = await decide(engine, waybill(items=[line(description, unit_value=unit_value)], weight_kg=weight_kg))
    r = the_reason(d, "WEIGHT_VALUE_MISMATCH")
    assert (r.evidence["category"], r.evidence["category_inferred"]) == (category, True)
    assert r.evidence["value_per_kg"] == round(unit_value / weight_kg, 2)
    assert d.decision == "inspect"


# BRAND_PRICE_ANOMALY: the unit value against the floor, Chinese and English brand names


@pytest.mark.parametrize(("quantity", "unit_value", "fires"), [(2, 3500.0, True), (3, 6000.0, False)])
async def test_the_brand_floor_is_compared_with_the_unit_value_not_the_line_value(
    engine: Engine, quantity: int, unit_value: float, fires: bool
) -> None:
    goods = [line("手提包 handbag", "bags_leather", brand="Gucci", quantity=quantity, unit_value=unit_value)]
    d = await decide(engine, waybill(items=goods, weight_kg=2.0))
    assert ("BRAND_PRICE_ANOMALY" in codes(d)) is fires
    if fires:  # 7,000 for the line, over the 6,000 floor; 3,500 a unit, under it
        ev = reason_of(d, "BRAND_PRICE_ANOMALY")
        assert (ev["brand"], ev["unit_value_cny"], ev["floor_cny"]) == ("Gucci", 3500.0, 6000.0)
        assert d.decision == "inspect"
    else:
        assert d.decision == "release"


@pytest.mark.parametrize(
    ("description", "category", "brand", "canonical", "floor"),
    [
        pytest.param("口红 lipstick", "cosmetics", "香奈儿", "Chanel", 200.0, id="brand-field-chinese"),
        pytest.param("手提包 handbag", "bags_leather", "LV", "Louis Vuitton", 8000.0, id="brand-field-lv"),
        pytest.param("手提包 handbag", "bags_leather", "GUCCI", "Gucci", 6000.0, id="brand-field-upper-case"),
        pytest.param("路易威登 女士手提包", None, None, "Louis Vuitton", 8000.0, id="chinese-description"),
        pytest.param("CHANEL lipstick", None, None, "Chanel", 200.0, id="english-description"),
        pytest.param("爱马仕 丝巾", "apparel_shoes", None, "Hermès", None, id="chinese-hermes"),
    ],
)
async def test_a_protected_brand_under_and_at_its_floor(
    engine: Engine,
    description: str,
    category: str | None,
    brand: str | None,
    canonical: str,
    floor: float | None,
) -> None:
    cheap = await decide(engine, waybill(items=[line(description, category, brand=brand, unit_value=10.0)]))
    ev = reason_of(cheap, "BRAND_PRICE_ANOMALY")
    assert ev["brand"] == canonical and ev["unit_value_cny"] == 10.0
    if floor is not None:
        assert ev["floor_cny"] == floor
    floor_cny = ev["floor_cny"]
    assert cheap.decision == "inspect"
    under = await decide(
        engine,
        waybill(items=[line(description, category, brand=brand, unit_value=round(floor_cny - 0.01, 2))]),
    )
    assert reason_of(under, "BRAND_PRICE_ANOMALY")["floor_cny"] == floor_cny
    at = await decide(engine, waybill(items=[line(description, category, brand=brand, unit_value=floor_cny)]))
    assert "BRAND_PRICE_ANOMALY" not in codes(at)


async def test_every_cheap_brand_line_is_in_the_evidence(engine: Engine) -> None:
    goods = [
        line("手提包 handbag", "bags_leather", brand="Gucci", unit_value=100.0),
        line("纯棉T恤 cotton T-shirt", "apparel_shoes", unit_value=60.0),
        line("口红 lipstick", "cosmetics", brand="Chanel", unit_value=50.0),
    ]
    d = await decide(engine, waybill(items=goods, weight_kg=1.0))
    ev = reason_of(d, "BRAND_PRICE_ANOMALY")
    assert ev["brand"] == "Gucci"
    assert [(i["item"], i["brand"], i["floor_cny"]) for i in ev["items"]] == [
        (0, "Gucci", 6000.0),
        (2, "Chanel", 200.0),
    ]
    assert d.decision == "inspect"


# The decision and its reasons on the wire


def test_every_reason_carries_code_outcome_both_messages_and_evidence(client: ScoringClient) -> None:
    goods = [
        line("手提包 handbag", "bags_leather", brand="Gucci", quantity=2, unit_value=500.0),
        line("袜子 socks", "apparel_shoes", quantity=11, unit_value=10.0),
    ]  # 1,110 CNY over 100 kg: 11.1 CNY/kg, under bags_leather's 20
    body = client.score(export_postal(items=goods, weight_kg=100.0, pickup_checks=NO_CHECKS))
    got = {r["code"]: r["outcome"] for r in body["reasons"]}
    assert got == {
        "OVER_PERSONAL_LIMIT": "hold",
        "BRAND_PRICE_ANOMALY": "inspect",
        "COMMERCIAL_QUANTITY": "inspect",
        "WEIGHT_VALUE_MISMATCH": "inspect",
        "INSPECTION_NOT_RECORDED": "inspect",
        "XRAY_NOT_RECORDED": "inspect",
    }
    assert body["decision"] == "hold" and body["case_id"]
    severities = [SEVERITY[r["outcome"]] for r in body["reasons"]]
    assert severities == sorted(severities, reverse=True)
    for r in body["reasons"]:
        assert {"code", "outcome", "message", "message_en", "evidence"} <= r.keys()
        assert CJK.search(r["message"]), r["message"]
        assert re.search(r"[A-Za-z]{3}", r["message_en"]), r["message_en"]
        assert "{" not in r["message"] + r["message_en"]
        assert isinstance(r["evidence"], dict) and r["evidence"]


def test_the_limit_reason_states_its_figures_in_both_languages(client: ScoringClient) -> None:
    body = client.score(export_postal(items=halves(800.01)))
    r = next(r for r in body["reasons"] if r["code"] == "OVER_PERSONAL_LIMIT")
    for text in (r["message"], r["message_en"]):
        assert "800.01" in text and re.search(r"(?<![\d.,])800(?![\d.,])", text), text
    assert r["evidence"]["value_cny"] == 800.01 and r["evidence"]["limit_cny"] == 800.0


@pytest.mark.parametrize(
    ("goods", "decision"),
    [
        pytest.param(
            [line("单反相机 camera", "electronics", unit_value=3000.0)], "inspect", id="single-article"
        ),
        pytest.param(lines(100.0), "release", id="plain-release"),
    ],
)
def test_only_a_hold_opens_a_case(client: ScoringClient, goods: list[dict[str, Any]], decision: str) -> None:
    body = client.score(export_postal(items=goods))
    assert body["decision"] == decision and body["case_id"] is None
    if decision == "release":
        assert body["reasons"] == []


async def test_a_false_buyer_id_over_the_cbec_limit_without_xray_ends_as_reject(engine: Engine) -> None:
    bad = resident_id(region="320102", birth="20230229", seq="406")  # 29 February 2023: a false ID
    wb = cbec_import(
        cn_receiver(id_type="resident_id", id_number=bad),
        5200.0,
        pickup_checks={"opened_inspection": True, "xray_screened": False},
    )
    d = await score(engine, wb)
    assert_well_formed(d)
    assert outcomes(d) == {
        "ID_INVALID": "reject",
        "CBEC_SINGLE_LIMIT": "hold",
        "XRAY_NOT_RECORDED": "inspect",
    }
    assert d.decision == "reject"
    assert [r.code for r in d.reasons] == ["ID_INVALID", "CBEC_SINGLE_LIMIT", "XRAY_NOT_RECORDED"]
