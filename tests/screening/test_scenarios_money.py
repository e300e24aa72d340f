"""Money: declared values in other currencies, converted to CNY, judged against the limits of RULES.md.

Written from ../shared/domain/RULES.md §1 (GACC 2010 No. 43: 800 CNY to or from Hong Kong, Macau and
Taiwan, 1,000 CNY elsewhere; 财关税〔2018〕49号: 5,000 CNY a cbec transaction, 26,000 CNY a buyer a calendar
year) and §3 (OVER_PERSONAL_LIMIT with its single-article exception, CBEC_SINGLE_LIMIT,
CBEC_ANNUAL_LIMIT, which lanes have which limit L), the wire contract (currency of all values, declared
value = Σ quantity × unit_value to the cent, integer quantities, idempotency and corrections) and the
README (SCREENING_CNY_RATES: currency → CNY rate; a currency without a rate is a 422). The rates are the
shipped table of screening/settings.py (THB 0.2, MYR 1.6, GBP 9.0, JPY 0.047, EUR 7.7, USD 7.1,
VND 0.00028); the first test pins them so the figures below fail loudly when the table changes.
Per-parcel rules run on the embedded engine (`engine`); the annual totals on every history store
(`history_engine`); what a courier system sees over HTTP through `client`.

Readings chosen where the sources leave a choice:
- A value in another currency is converted at the table's rate and compared in CNY to the cent (fen):
  the figures below are chosen so that the exact product needs no rounding, or lies clearly inside a cent,
  so that no test depends on how a half fen is rounded.
- "over L" / "passes 26,000" are strict: a value exactly at a limit is within it.
- The annual quota counts cbec *imports* of the buyer, identified by the buyer's identity document (not
  by phone, name or address); personal (postal, express) imports to the same person are no purchases.
- A declared value within float noise of the cent total of its lines (0.1 + 0.2) is that total; one cent
  off is a 422 naming `declared_value`.
- A custom rate table (SCREENING_CNY_RATES) replaces the built-in one: a currency it leaves out is a 422.
"""

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine
from screening.settings import Settings
from tests.conftest import ScoringClient
from tests.factories import Whole, cn_receiver, hk_receiver, item, merge, party, resident_id, waybill

pytestmark = pytest.mark.anyio

# The shipped rate table (screening/settings.py DEFAULT_RATES, README "SCREENING_CNY_RATES").
RATES = {"CNY": 1.0, "THB": 0.2, "MYR": 1.6, "GBP": 9.0, "JPY": 0.047, "EUR": 7.7, "USD": 7.1, "VND": 0.00028}
MONEY = {"OVER_PERSONAL_LIMIT", "CBEC_SINGLE_LIMIT", "CBEC_ANNUAL_LIMIT"}
CENT = Decimal("0.01")


# Helpers


def cny(amount: float, currency: str) -> float:
    """The CNY value of an amount at the table's rate, to the fen."""
    exact = Decimal(str(amount)) * Decimal(str(RATES[currency]))
    return float(exact.quantize(CENT, rounding=ROUND_HALF_UP))


PLACES: dict[str, tuple[str, str, str]] = {
    "HK": ("+8529300{n:04d}", "Hong Kong", "{n} Nathan Road"),
    "MO": ("+8536613{n:04d}", "Macau", "Rua {n}"),
    "TW": ("+88691234{n:04d}", "Taipei", "{n} Zhongshan Rd"),
    "JP": ("+8131234{n:04d}", "Tokyo", "{n}-1 Chiyoda"),
    "SG": ("+659123{n:04d}", "Singapore", "{n} Orchard Road"),
    "GB": ("+4479111{n:05d}", "London", "{n} Baker Street"),
    "US": ("+1212555{n:04d}", "New York", "{n} Main Street"),
}


def overseas(country: str, n: int = 0) -> dict[str, Any]:
    """A party outside the mainland, without ID."""
    phone, city, detail = PLACES[country]
    return hk_receiver(
        name=f"PARTY {country} {n}",
        phone=phone.format(n=n),
        address={"country": country, "city": city, "detail": detail.format(n=n)},
    )


def pair(total: float) -> list[dict[str, Any]]:
    """Two different articles of one unit each, summing to total exactly (so no single article)."""
    whole = Decimal(str(total))
    first = (whole / 2).quantize(CENT, rounding=ROUND_DOWN)
    return [
        item(
            description="羊毛衫 wool sweater", category="apparel_shoes", quantity=1, unit_value=float(first)
        ),
        item(description="围巾 scarf", category="apparel_shoes", quantity=1, unit_value=float(whole - first)),
    ]


def camera(value: float, quantity: int = 1) -> list[dict[str, Any]]:
    """One item line: a camera."""
    return [item(description="单反相机 camera", category="electronics", quantity=quantity, unit_value=value)]


def personal(
    service: str,
    country: str,
    goods: list[dict[str, Any]],
    *,
    channel: str = "postal",
    currency: str = "CNY",
    **changes: Any,
) -> dict[str, Any]:
    """An individual's cross-border parcel to (export) or from (import) country."""
    sides: dict[str, Any] = (
        {"receiver": overseas(country)}
        if service == "export"
        else {"sender": overseas(country), "receiver": cn_receiver()}
    )
    return waybill(service=service, channel=channel, items=goods, currency=currency, **(sides | changes))


SHOP = hk_receiver(name="GLOBAL SHOP", phone="+85230001000")


def buyer(n: int, **changes: Any) -> dict[str, Any]:
    """The n-th cbec buyer on the mainland, with a resident ID."""
    base = cn_receiver(
        phone=f"1371234{n:04d}",
        id_type="resident_id",
        id_number=resident_id(region="330106", birth="19900505", seq=f"{n:03d}"),
    )
    return Whole(merge(base, changes))


def purchase(
    who: dict[str, Any], value: float, month: int, *, day: int = 10, currency: str = "CNY", **changes: Any
) -> dict[str, Any]:
    """A cbec import of one watch bought by `who` in 2026 (Beijing time)."""
    wb = waybill(
        service="import",
        channel="cbec",
        sender=SHOP,
        receiver=who,
        items=[item(description="手表 watch", category="general", quantity=1, unit_value=value)],
        currency=currency,
        weight_kg=0.3,
        **changes,
    )
    wb["accepted_at"] = f"2026-{month:02d}-{day:02d}T10:00:00+08:00"
    return wb


def with_value(wb: dict[str, Any], value: float, currency: str | None = None) -> dict[str, Any]:
    """The same parcel (same waybill number) with its one item line at another value: a correction."""
    line = {**wb["items"][0], "unit_value": value}
    return {
        **wb,
        "items": [line],
        "declared_value": value * line["quantity"],
        "currency": currency or wb["currency"],
    }


async def score(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


async def run(engine: Engine, bodies: list[dict[str, Any]]) -> list[Decision]:
    """Decide waybills in order."""
    return [await score(engine, wb) for wb in bodies]


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def the_reason(d: Decision, code: str) -> Reason:
    """One reason of a decision (fails when absent)."""
    found = [r for r in d.reasons if r.code == code]
    assert found, f"{code} not in {sorted(codes(d))}"
    return found[0]


def no_money(d: Decision) -> bool:
    """No value-limit reason fired."""
    return not codes(d) & MONEY


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error of a 422 body."""
    return [e["loc"] for e in body["detail"]]


def reason_json(d: dict[str, Any], code: str) -> dict[str, Any]:
    """One reason of a decision in wire form (fails when absent)."""
    found = [r for r in d["reasons"] if r["code"] == code]
    assert found, f"{code} not in {[r['code'] for r in d['reasons']]}"
    r: dict[str, Any] = found[0]
    return r


def plain(text: str) -> str:
    """A message with thousands separators taken out, so figures can be looked for."""
    return text.replace(",", "")


def mentions(text: str, figure: float) -> bool:
    """The message states this figure, not merely as part of another (in any of its usual written forms)."""
    forms = {f"{figure:.2f}", repr(figure)}
    if figure == int(figure):
        forms.add(str(int(figure)))
    found = (re.search(rf"(?<![\d.]){re.escape(f)}(?!\d|\.\d)", plain(text)) for f in forms)
    return any(found)


# The rate table the figures rely on


def test_the_shipped_rate_table_has_the_rates_these_figures_use() -> None:
    """README: the built-in table (SCREENING_CNY_RATES unset) gives each currency's CNY rate."""
    rates = Settings(env="development").cny_rates
    assert {c: rates[c] for c in RATES} == RATES


# OVER_PERSONAL_LIMIT after conversion: a fen under, exactly at and a fen over L


CONVERTED = [
    # (service, counterpart, currency, amount, L)
    pytest.param("export", "HK", "THB", 3999.95, 800.0, id="THB-to-HK-799.99"),
    pytest.param("export", "HK", "THB", 4000.0, 800.0, id="THB-to-HK-800.00"),
    pytest.param("export", "HK", "THB", 4000.05, 800.0, id="THB-to-HK-800.01"),
    pytest.param("import", "MO", "MYR", 499.99, 800.0, id="MYR-from-MO-799.98"),
    pytest.param("import", "MO", "MYR", 500.0, 800.0, id="MYR-from-MO-800.00"),
    pytest.param("import", "MO", "MYR", 500.01, 800.0, id="MYR-from-MO-800.02"),
    pytest.param("import", "GB", "GBP", 111.11, 1000.0, id="GBP-from-GB-999.99"),
    pytest.param("import", "GB", "GBP", 111.12, 1000.0, id="GBP-from-GB-1000.08"),
    pytest.param("import", "JP", "JPY", 21276.0, 1000.0, id="JPY-from-JP-999.97"),
    pytest.param("import", "JP", "JPY", 21277.0, 1000.0, id="JPY-from-JP-1000.02"),
    pytest.param("export", "SG", "THB", 5000.0, 1000.0, id="THB-to-SG-1000.00"),
    pytest.param("export", "SG", "THB", 5000.05, 1000.0, id="THB-to-SG-1000.01"),
]


@pytest.mark.parametrize(("service", "country", "currency", "amount", "limit"), CONVERTED)
async def test_the_personal_limit_is_judged_on_the_value_in_cny(
    engine: Engine, service: str, country: str, currency: str, amount: float, limit: float
) -> None:
    """Two articles declared in a foreign currency: held exactly when their CNY value is over L."""
    value = cny(amount, currency)
    d = await score(engine, personal(service, country, pair(amount), currency=currency))
    if value <= limit:
        assert no_money(d) and d.decision == "release"
        return
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", value, limit)
    assert (r.evidence["counterpart_country"], r.evidence["single_article"]) == (country, False)
    assert d.decision == "hold"


async def test_a_currency_written_in_lower_case_is_converted_all_the_same(engine: Engine) -> None:
    """4,000.05 'thb' is 800.01 CNY to Hong Kong: held, with the CNY value in the evidence."""
    d = await score(engine, personal("export", "HK", pair(4000.05), currency="thb"))
    assert the_reason(d, "OVER_PERSONAL_LIMIT").evidence["value_cny"] == 800.01
    assert d.decision == "hold"


@pytest.mark.parametrize(
    ("currency", "amount", "over"),
    [("USD", 800.0, True), ("GBP", 88.89, True)],
)
async def test_the_same_figure_in_another_currency_is_judged_in_cny(
    engine: Engine, currency: str, amount: float, over: bool
) -> None:
    """800 USD is 5,680 CNY and 88.89 GBP 800.01 CNY: over L, with the CNY value in the evidence."""
    d = await score(engine, personal("export", "HK", pair(amount), currency=currency))
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) is over
    if over:
        assert the_reason(d, "OVER_PERSONAL_LIMIT").evidence["value_cny"] == cny(amount, currency)
    assert d.decision == ("hold" if over else "release")


# The single-article exception (one item line, quantity 1) after conversion


@pytest.mark.parametrize(
    ("currency", "amount", "quantity", "outcome"),
    [
        pytest.param("THB", 4000.0, 1, None, id="one-camera-at-L"),
        pytest.param("THB", 4000.05, 1, "inspect", id="one-camera-a-fen-over"),
        pytest.param("GBP", 2000.0, 1, "inspect", id="one-camera-22-times-L"),
        pytest.param("THB", 2000.05, 2, "hold", id="two-units-on-one-line"),
    ],
)
async def test_a_single_article_over_l_is_inspected_not_held(
    engine: Engine, currency: str, amount: float, quantity: int, outcome: str | None
) -> None:
    """One line of quantity 1 over L is inspected however far over; two units on one line are held."""
    d = await score(engine, personal("export", "HK", camera(amount, quantity), currency=currency))
    if outcome is None:
        assert no_money(d) and d.decision == "release"
        return
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert r.evidence["value_cny"] == cny(amount * quantity, currency)
    assert (r.outcome, r.evidence["single_article"], d.decision) == (outcome, quantity == 1, outcome)


# Which lanes have which limit L


LANES = [
    # (service, channel, counterpart, L, code)
    pytest.param("export", "postal", "HK", 800.0, "OVER_PERSONAL_LIMIT", id="postal-export-HK"),
    pytest.param("import", "postal", "TW", 800.0, "OVER_PERSONAL_LIMIT", id="postal-import-TW"),
    pytest.param("export", "express", "JP", 1000.0, "OVER_PERSONAL_LIMIT", id="individuals-express-export"),
    pytest.param("import", "express", "US", 1000.0, "OVER_PERSONAL_LIMIT", id="individuals-express-import"),
    pytest.param("import", "cbec", "HK", 5000.0, "CBEC_SINGLE_LIMIT", id="cbec-import"),
    pytest.param("export", "cbec", "HK", 5000.0, "CBEC_SINGLE_LIMIT", id="cbec-export"),
]


def lane_parcel(service: str, channel: str, country: str, amount: float) -> dict[str, Any]:
    """Two articles worth amount CNY on a lane; a cbec import has its buyer's ID."""
    if channel == "cbec" and service == "import":
        return waybill(service="import", channel="cbec", sender=SHOP, receiver=buyer(1), items=pair(amount))
    return personal(service, country, pair(amount), channel=channel)


@pytest.mark.parametrize(("service", "channel", "country", "limit", "code"), LANES)
@pytest.mark.parametrize("fen", [0, 1], ids=["at-L", "a-fen-over"])
async def test_each_lane_has_its_own_limit(
    engine: Engine, service: str, channel: str, country: str, limit: float, code: str, fen: int
) -> None:
    """At L no value reason; a fen over, the lane's own reason with L in the evidence, and no other."""
    amount = float(Decimal(str(limit)) + fen * CENT)
    d = await score(engine, lane_parcel(service, channel, country, amount))
    if not fen:
        assert no_money(d) and d.decision == "release"
        return
    r = the_reason(d, code)
    assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", amount, limit)
    assert codes(d) & MONEY == {code} and d.decision == "hold"


@pytest.mark.parametrize("channel", ["postal", "express", "cbec"])
async def test_a_domestic_parcel_has_no_value_limit_in_any_currency(engine: Engine, channel: str) -> None:
    """10,000 USD (71,000 CNY) in two lines inside China: no value reason on any channel."""
    d = await score(engine, waybill(channel=channel, items=pair(10000.0), currency="USD", weight_kg=10.0))
    assert no_money(d) and d.decision == "release"


async def test_an_express_import_from_a_shop_to_an_individual_is_a_personal_article(engine: Engine) -> None:
    """The person of an import is its receiver: a shop abroad sending to an individual still has L."""
    shop_abroad = overseas("US", 7) | {"name": "ACME STORE INC"}
    wb = personal("import", "US", pair(1000.01), channel="express", sender=Whole(shop_abroad))
    r = the_reason(await score(engine, wb), "OVER_PERSONAL_LIMIT")
    assert (r.evidence["limit_cny"], r.evidence["counterpart_country"]) == (1000.0, "US")


@pytest.mark.parametrize(("usd", "over"), [(704.22, False), (704.23, True)])
async def test_a_cbec_export_is_judged_in_cny_against_5000(engine: Engine, usd: float, over: bool) -> None:
    """704.22 USD is 4,999.96 CNY, 704.23 USD 5,000.03 CNY: the single limit applies to cbec exports too."""
    wb = waybill(
        service="export", channel="cbec", receiver=overseas("SG", 3), items=camera(usd), currency="USD"
    )
    d = await score(engine, wb)
    assert ("CBEC_SINGLE_LIMIT" in codes(d)) is over
    assert "OVER_PERSONAL_LIMIT" not in codes(d)
    if over:
        r = the_reason(d, "CBEC_SINGLE_LIMIT")
        assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", 5000.03, 5000.0)


async def test_the_limits_are_the_policys(engine: Engine) -> None:
    """A policy with 500 CNY for Hong Kong holds 500.01 CNY with 500 in the evidence (law is policy)."""
    limits = engine.policy.limits.model_copy(update={"personal_hk_mo_tw_cny": 500.0})
    engine.policy = engine.policy.model_copy(update={"limits": limits})
    assert no_money(await score(engine, personal("export", "HK", pair(2500.0), currency="THB")))
    r = the_reason(
        await score(engine, personal("export", "HK", pair(2500.05), currency="THB")), "OVER_PERSONAL_LIMIT"
    )
    assert (r.evidence["value_cny"], r.evidence["limit_cny"]) == (500.01, 500.0)


# Sums of many lines and many units


def many_lines(unit: float, count: int, last: float) -> list[dict[str, Any]]:
    """count - 1 different articles at unit and one more at last, one unit each."""
    goods = [
        item(description=f"款式{i} 衬衫 shirt", category="apparel_shoes", quantity=1, unit_value=unit)
        for i in range(count - 1)
    ]
    return [*goods, item(description="袜子 socks", category="apparel_shoes", quantity=1, unit_value=last)]


@pytest.mark.parametrize(
    ("currency", "unit", "last", "value"),
    [
        pytest.param("CNY", 8.08, 0.08, 800.0, id="CNY-99x8.08+0.08"),
        pytest.param("CNY", 8.08, 0.09, 800.01, id="CNY-99x8.08+0.09"),
        pytest.param("THB", 40.4, 0.4, 800.0, id="THB-99x40.40+0.40"),
        pytest.param("THB", 40.4, 0.45, 800.01, id="THB-99x40.40+0.45"),
    ],
)
async def test_a_hundred_lines_add_up_to_the_fen(
    engine: Engine, currency: str, unit: float, last: float, value: float
) -> None:
    """A hundred one-unit lines whose float sum is inexact: at L released, a fen over held."""
    wb = personal("export", "HK", many_lines(unit, 100, last), currency=currency, weight_kg=5.0)
    d = await score(engine, wb)
    if value <= 800.0:
        assert no_money(d) and d.decision == "release"
    else:
        assert the_reason(d, "OVER_PERSONAL_LIMIT").evidence["value_cny"] == value
        assert d.decision == "hold"


async def test_sub_fen_unit_values_that_add_up_to_a_fen_over(engine: Engine) -> None:
    """Ten units at 80.001 CNY are 800.01 CNY: held (ten units are no commercial quantity)."""
    goods = [item(description="丝巾 silk scarf", category="apparel_shoes", quantity=10, unit_value=80.001)]
    wb = personal("export", "HK", goods, declared_value=800.01)
    d = await score(engine, wb)
    assert codes(d) == {"OVER_PERSONAL_LIMIT"}
    assert the_reason(d, "OVER_PERSONAL_LIMIT").evidence["value_cny"] == 800.01


@pytest.mark.parametrize(
    ("quantity", "unit", "value"),
    [
        pytest.param(50_000, 0.1, 5000.0, id="50000x0.1"),
        pytest.param(50_001, 0.1, 5000.1, id="50001x0.1"),
        pytest.param(500_000, 0.01, 5000.0, id="500000x0.01"),
        pytest.param(500_001, 0.01, 5000.01, id="500001x0.01"),
    ],
)
async def test_many_units_of_a_cheap_item_on_a_cbec_purchase(
    engine: Engine, quantity: int, unit: float, value: float
) -> None:
    """Half a million beads at a fen: exactly 5,000 CNY passes, one more bead is over the single limit."""
    goods = [item(description="串珠 glass beads", category="general", quantity=quantity, unit_value=unit)]
    wb = waybill(service="import", channel="cbec", sender=SHOP, receiver=buyer(3), items=goods, weight_kg=5.0)
    d = await score(engine, wb)
    if value <= 5000.0:
        assert no_money(d) and d.decision == "release"
    else:
        r = the_reason(d, "CBEC_SINGLE_LIMIT")
        assert (r.evidence["value_cny"], d.decision) == (value, "hold")


@pytest.mark.parametrize(("quantity", "over"), [(8000, False), (8001, True)])
async def test_thousands_of_units_on_a_personal_article(engine: Engine, quantity: int, over: bool) -> None:
    """8,000 stickers at 0.1 CNY are 800 CNY (at L); 8,001 are 800.10: held. Both are commercial."""
    goods = [item(description="贴纸 stickers", category="general", quantity=quantity, unit_value=0.1)]
    d = await score(engine, personal("export", "HK", goods, weight_kg=2.0))
    assert "COMMERCIAL_QUANTITY" in codes(d)
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) is over
    if over:
        assert the_reason(d, "OVER_PERSONAL_LIMIT").evidence["value_cny"] == 800.1
    assert d.decision == ("hold" if over else "inspect")


# Zero values


@pytest.mark.parametrize("lane", ["postal-export", "cbec-import"])
async def test_a_parcel_declared_at_zero_is_under_every_limit(engine: Engine, lane: str) -> None:
    """A free sample declared at 0 (allowed: value ≥ 0) fires no value reason."""
    goods = [item(description="样品 sample", category="general", quantity=1, unit_value=0.0)]
    if lane == "postal-export":
        wb = personal("export", "HK", goods, currency="USD")
    else:
        wb = waybill(service="import", channel="cbec", sender=SHOP, receiver=buyer(4), items=goods)
    d = await score(engine, wb)
    assert no_money(d)


# Money reasons carry their figures in CNY


async def test_the_personal_limit_reason_says_the_cny_value_and_the_limit(engine: Engine) -> None:
    """4,000.05 THB to Hong Kong: the messages state 800.01 and 800 in CNY (元), not the THB figure."""
    r = the_reason(
        await score(engine, personal("export", "HK", pair(4000.05), currency="THB")), "OVER_PERSONAL_LIMIT"
    )
    assert set(r.evidence) >= {"value_cny", "limit_cny", "counterpart_country", "single_article"}
    assert "CNY" in r.message_en and "元" in r.message
    for text in (r.message, r.message_en):
        assert mentions(text, 800.01) and mentions(text, 800.0) and not mentions(text, 4000.05)


async def test_the_cbec_single_limit_reason_says_the_cny_value_and_the_limit(engine: Engine) -> None:
    """704.23 USD: the reason states 5,000.03 CNY against 5,000."""
    r = the_reason(await score(engine, purchase(buyer(5), 704.23, 4, currency="USD")), "CBEC_SINGLE_LIMIT")
    assert (r.evidence["value_cny"], r.evidence["limit_cny"]) == (5000.03, 5000.0)
    assert "CNY" in r.message_en and "元" in r.message
    for text in (r.message, r.message_en):
        assert mentions(text, 5000.03) and mentions(text, 5000.0) and not mentions(text, 704.23)


# CBEC_ANNUAL_LIMIT: one buyer's calendar-year total, including this parcel


async def test_the_annual_total_at_26000_and_a_fen_over(history_engine: Engine) -> None:
    """25,000 + 1,000 is exactly 26,000 (no hold); a free parcel adds nothing; 0.01 more passes it."""
    who = buyer(10)
    for d in await run(history_engine, [purchase(who, 5000.0, m) for m in range(1, 6)]):
        assert no_money(d)
    at = await score(history_engine, purchase(who, 1000.0, 6))
    assert no_money(at) and at.decision == "release"
    free = await score(history_engine, purchase(who, 0.0, 7))
    assert "CBEC_ANNUAL_LIMIT" not in codes(free)
    d = await score(history_engine, purchase(who, 0.01, 8))
    r = the_reason(d, "CBEC_ANNUAL_LIMIT")
    assert r.outcome == "hold" and d.decision == "hold"
    assert r.evidence == {
        "year": 2026,
        "year_total_cny": 26000.01,
        "earlier_cny": 26000.0,
        "this_parcel_cny": 0.01,
        "limit_cny": 26000.0,
    }


async def test_each_buyer_has_a_total_of_their_own(engine: Engine) -> None:
    """Two buyers of one shop at 25,000 each: 1,000.01 more passes the first's 26,000, not 51,000."""
    first, second = buyer(11), buyer(12)
    bodies = [purchase(who, 5000.0, m) for m in range(1, 6) for who in (first, second)]
    await run(engine, bodies)
    d = await score(engine, purchase(first, 1000.01, 7))
    ev = the_reason(d, "CBEC_ANNUAL_LIMIT").evidence
    assert (ev["earlier_cny"], ev["year_total_cny"]) == (25000.0, 26000.01)
    other = await score(engine, purchase(second, 1000.0, 7))
    assert no_money(other) and other.decision == "release"


async def test_the_buyer_is_the_id_not_the_phone_or_address(history_engine: Engine) -> None:
    """One ID under five phones and addresses is one buyer; another ID on the same phone is another."""
    who = buyer(13)
    bodies = [
        purchase(
            buyer(13, phone=f"1391111{m:04d}", name=f"买家{m}", address={"detail": f"建国路{m}号"}), 5000.0, m
        )
        for m in range(1, 6)
    ]
    await run(history_engine, bodies)
    stranger = buyer(14, phone=who["phone"])
    assert no_money(await score(history_engine, purchase(stranger, 5000.0, 6)))
    d = await score(history_engine, purchase(who, 1000.01, 7))
    assert the_reason(d, "CBEC_ANNUAL_LIMIT").evidence["earlier_cny"] == 25000.0


async def test_the_annual_total_adds_purchases_in_several_currencies_in_cny(history_engine: Engine) -> None:
    """15,000 CNY + 2 × 25,000 THB + 625 MYR is exactly 26,000 CNY; 0.01 CNY more passes it."""
    who = buyer(15)
    bodies = [
        *[purchase(who, 5000.0, m) for m in (1, 2, 3)],
        purchase(who, 25000.0, 4, currency="THB"),
        purchase(who, 25000.0, 5, currency="THB"),
        purchase(who, 625.0, 6, currency="MYR"),
    ]
    decisions = await run(history_engine, bodies)
    assert all(no_money(d) for d in decisions)
    ev = the_reason(await score(history_engine, purchase(who, 0.01, 7)), "CBEC_ANNUAL_LIMIT").evidence
    assert (ev["earlier_cny"], ev["year_total_cny"]) == (26000.0, 26000.01)


async def test_fen_amounts_add_up_exactly_across_many_purchases(history_engine: Engine) -> None:
    """Five purchases at 4,999.99 and one at 1,000.05 are exactly 26,000.00; 0.01 more passes it."""
    who = buyer(16)
    bodies = [*[purchase(who, 4999.99, m) for m in range(1, 6)], purchase(who, 1000.05, 6)]
    assert all(no_money(d) for d in await run(history_engine, bodies))
    ev = the_reason(await score(history_engine, purchase(who, 0.01, 7)), "CBEC_ANNUAL_LIMIT").evidence
    assert ev["earlier_cny"] == 26000.0


async def test_personal_imports_to_the_buyer_are_no_purchases(engine: Engine) -> None:
    """A postal and an express import of 700 CNY each to a buyer at 25,000: 1,000 more is exactly 26,000."""
    who = buyer(17)
    await run(engine, [purchase(who, 5000.0, m) for m in range(1, 6)])
    for channel in ("postal", "express"):
        wb = waybill(service="import", channel=channel, sender=SHOP, receiver=who, items=pair(700.0))
        wb["accepted_at"] = "2026-06-01T10:00:00+08:00"
        assert no_money(await score(engine, wb))
    d = await score(engine, purchase(who, 1000.0, 7))
    assert no_money(d) and d.decision == "release"


@pytest.mark.parametrize(
    ("first", "corrected"),
    [
        pytest.param((5000.0, "THB"), (5000.0, "CNY"), id="currency-corrected-1000-to-5000"),
        pytest.param((5000.0, "CNY"), (100.0, "CNY"), id="value-corrected-5000-to-100"),
    ],
)
async def test_a_corrected_purchase_replaces_its_value_in_the_year(
    history_engine: Engine, first: tuple[float, str], corrected: tuple[float, str]
) -> None:
    """20,000 and a purchase corrected once: the year holds its corrected CNY value, not both."""
    who = buyer(18)
    await run(history_engine, [purchase(who, 5000.0, m) for m in range(1, 5)])
    parcel = purchase(who, first[0], 5, currency=first[1])
    await score(history_engine, parcel)
    fixed = await score(history_engine, with_value(parcel, corrected[0], corrected[1]))
    assert no_money(fixed)
    year = 20000.0 + cny(*corrected)
    rest = Decimal(str(26000.0 - year)).quantize(CENT)
    chunks = [Decimal(5000)] * int(rest // 5000) + [rest % 5000]  # each within the single limit
    for month, chunk in enumerate(chunks, start=6):
        at = await score(history_engine, purchase(who, float(chunk), month))
        assert no_money(at) and at.decision == "release"
    ev = the_reason(await score(history_engine, purchase(who, 0.01, 9)), "CBEC_ANNUAL_LIMIT").evidence
    assert (ev["earlier_cny"], ev["year_total_cny"]) == (26000.0, 26000.01)


async def test_a_held_purchase_corrected_under_the_quota_is_judged_without_its_first_value(
    history_engine: Engine,
) -> None:
    """25,000 earlier: 2,000 passes 26,000; corrected to 1,000 it is exactly 26,000; to 1,000.50 over it."""
    who = buyer(19)
    await run(history_engine, [purchase(who, 5000.0, m) for m in range(1, 6)])
    parcel = purchase(who, 2000.0, 6)
    held = the_reason(await score(history_engine, parcel), "CBEC_ANNUAL_LIMIT").evidence
    assert (held["earlier_cny"], held["year_total_cny"]) == (25000.0, 27000.0)
    at = await score(history_engine, with_value(parcel, 1000.0))
    assert no_money(at) and at.decision == "release"
    d = await score(history_engine, with_value(parcel, 1000.5))
    ev = the_reason(d, "CBEC_ANNUAL_LIMIT").evidence
    assert (ev["earlier_cny"], ev["this_parcel_cny"], ev["year_total_cny"]) == (25000.0, 1000.5, 26000.5)


async def test_a_purchase_re_sent_unchanged_counts_once(history_engine: Engine) -> None:
    """A 5,000 purchase sent three times gets one decision and counts once: 1,000 more is exactly 26,000."""
    who = buyer(20)
    await run(history_engine, [purchase(who, 5000.0, m) for m in range(1, 5)])
    parcel = purchase(who, 5000.0, 5)
    first = await score(history_engine, parcel)
    for _ in range(2):
        assert (await score(history_engine, parcel)).model_dump() == first.model_dump()
    d = await score(history_engine, purchase(who, 1000.0, 6))
    assert no_money(d) and d.decision == "release"
    assert "CBEC_ANNUAL_LIMIT" in codes(await score(history_engine, purchase(who, 0.01, 7)))


# History rules read values in CNY


async def test_ants_declared_in_dollars_are_added_up_in_cny(engine: Engine) -> None:
    """Six parcels of 100 USD (710 CNY) to three Hong Kong receivers in a day: 4,260 CNY, held."""
    sender = party(phone="13700220001", id_number=resident_id(seq="221"))
    ring = [
        personal(
            "export",
            "HK",
            camera(100.0),
            currency="USD",
            sender=sender,
            receiver=overseas("HK", i % 3),
            hours_after=i * 0.5,
        )
        for i in range(6)
    ]
    decisions = await run(engine, ring)
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions[:5])
    ev = the_reason(decisions[5], "ANT_MOVING_SENDER").evidence
    assert (ev["parcels"], ev["total_value"], ev["per_parcel_limit"]) == (6, 4260.0, 800.0)
    assert decisions[5].decision == "hold"


async def test_parcels_over_l_after_conversion_are_no_ants(engine: Engine) -> None:
    """Six parcels of 113 USD (802.30 CNY) each: each over L (its own hold), none of them an ant."""
    sender = party(phone="13700220002", id_number=resident_id(seq="222"))
    ring = [
        personal(
            "export",
            "HK",
            pair(113.0),
            currency="USD",
            sender=sender,
            receiver=overseas("HK", i % 3),
            hours_after=i * 0.5,
        )
        for i in range(6)
    ]
    decisions = await run(engine, ring)
    assert all(the_reason(d, "OVER_PERSONAL_LIMIT").evidence["value_cny"] == 802.3 for d in decisions)
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions)


@pytest.mark.parametrize(("third_thb", "fires"), [(3600.0, True), (3599.95, False)])
async def test_the_near_limit_band_starts_at_720_cny_after_conversion(
    engine: Engine, third_thb: float, fires: bool
) -> None:
    """Two parcels at 3,900 THB (780 CNY) and a third at 3,600 THB (720, in the band) or 3,599.95 (719.99)."""
    sender = party(phone="13700220003", id_number=resident_id(seq="223"))
    ring = [
        personal(
            "export",
            "MO",
            camera(v),
            currency="THB",
            sender=sender,
            receiver=overseas("MO", i),
            hours_after=i * 30,
        )
        for i, v in enumerate([3900.0, 3900.0, third_thb])
    ]
    d = (await run(engine, ring))[-1]
    assert ("NEAR_LIMIT_SPLIT" in codes(d)) is fires
    if fires:
        ev = the_reason(d, "NEAR_LIMIT_SPLIT").evidence
        assert (ev["near_limit_parcels"], ev["band"], ev["per_parcel_limit"]) == (3, [720.0, 800.0], 800.0)


async def test_the_near_limit_band_of_cbec_purchases_is_under_5000(engine: Engine) -> None:
    """Three purchases of 4,800 CNY in three days, in [4,500, 5,000): the third is inspected."""
    who = buyer(21)
    decisions = await run(engine, [purchase(who, 4800.0, 3, day=d) for d in (1, 2, 3)])
    assert all("NEAR_LIMIT_SPLIT" not in codes(d) for d in decisions[:2])
    ev = the_reason(decisions[2], "NEAR_LIMIT_SPLIT").evidence
    assert (ev["near_limit_parcels"], ev["band"], ev["per_parcel_limit"]) == (3, [4500.0, 5000.0], 5000.0)
    assert no_money(decisions[2]) and decisions[2].decision == "inspect"


# Over HTTP: what a courier system sends and gets back


def test_a_foreign_currency_parcel_over_l_is_held_with_a_case(client: ScoringClient) -> None:
    """500.01 MYR of two articles from Macau (800.02 CNY): hold, a case, the CNY figures in the evidence."""
    d = client.score(personal("import", "MO", pair(500.01), currency="MYR"))
    assert d["decision"] == "hold" and d["case_id"]
    r = reason_json(d, "OVER_PERSONAL_LIMIT")
    assert r["outcome"] == "hold"
    assert (r["evidence"]["value_cny"], r["evidence"]["limit_cny"]) == (800.02, 800.0)
    assert r["evidence"]["counterpart_country"] == "MO"


def test_a_purchase_declared_in_dong_far_over_the_limits_is_held_not_refused(client: ScoringClient) -> None:
    """110,000,000 VND (30,800 CNY, a valid number ≥ 0): held for the single limit, not a 422."""
    r = client.http.post("/v1/score", json=purchase(buyer(31), 110_000_000.0, 3, currency="VND"))
    assert r.status_code == 200, r.text
    ev = reason_json(r.json(), "CBEC_SINGLE_LIMIT")["evidence"]
    value = cny(110_000_000.0, "VND")
    assert (ev["value_cny"], ev["limit_cny"], r.json()["decision"]) == (value, 5000.0, "hold")


BAD = [
    pytest.param(
        lambda: personal("export", "HK", many_lines(8.08, 100, 0.08), declared_value=800.01),
        [["body", "declared_value"]],
        id="hundred-lines-declared-a-fen-over",
    ),
    pytest.param(
        lambda: personal("export", "HK", pair(100.0), currency="USD", declared_value=710.0),
        [["body", "declared_value"]],
        id="lines-in-usd-total-in-cny",
    ),
    pytest.param(
        lambda: personal("export", "HK", [item(quantity=0.5, unit_value=800.0)], declared_value=400.0),
        [["body", "items", 0, "quantity"]],
        id="half-a-unit",
    ),
    pytest.param(
        lambda: personal(
            "export", "HK", [*pair(300.0), item(quantity=1, unit_value=-0.01)], declared_value=299.99
        ),
        [["body", "items", 2, "unit_value"]],
        id="negative-unit-value",
    ),
    pytest.param(
        lambda: personal("export", "HK", pair(800.0), declared_value="800.00"),
        [["body", "declared_value"]],
        id="declared-as-text",
    ),
    pytest.param(
        lambda: personal("export", "HK", pair(800.0), currency="CHF"),
        [["body", "currency"]],
        id="currency-without-a-rate",
    ),
    pytest.param(
        lambda: personal("export", "HK", pair(800.0), currency="CHF", declared_value=800.01),
        [["body", "currency"], ["body", "declared_value"]],
        id="unrated-currency-and-a-wrong-total",
    ),
]


@pytest.mark.parametrize(("body", "where"), BAD)
def test_bad_money_fields_are_a_422_naming_them(
    client: ScoringClient, body: Any, where: list[list[Any]]
) -> None:
    """Each offending money field is named in `detail[].loc`, and no other field."""
    r = client.http.post("/v1/score", json=body())
    assert r.status_code == 422, r.text
    assert sorted(locs(r.json()), key=str) == sorted(where, key=str)


@pytest.mark.parametrize(
    ("goods", "declared"),
    [
        pytest.param([0.1] * 100, 10.0, id="hundred-lines-of-0.1"),
        pytest.param([400.0, 400.0], 800.0000000001, id="float-noise-on-800"),
        pytest.param([400.0, 400.0], 800.004, id="800.004-is-800.00"),
    ],
)
async def test_a_total_equal_to_the_fen_is_accepted(
    engine: Engine, goods: list[float], declared: float
) -> None:
    """A declared value equal to the lines' total to the fen is valid input, judged at that total (≤ L)."""
    lines = [
        item(description=f"款式{i} 衬衫 shirt", category="apparel_shoes", quantity=1, unit_value=v)
        for i, v in enumerate(goods)
    ]
    d = await score(engine, personal("export", "HK", lines, declared_value=declared))
    assert no_money(d)


def test_a_refused_purchase_counts_nothing_towards_the_year(client: ScoringClient) -> None:
    """25,000 bought; a 5,000 purchase with a wrong total is a 422: 1,000 more is exactly 26,000."""
    who = buyer(30)
    for m in range(1, 6):
        assert "CBEC_ANNUAL_LIMIT" not in client.codes(purchase(who, 5000.0, m))
    bad = purchase(who, 5000.0, 6) | {"declared_value": 5000.5}
    assert client.http.post("/v1/score", json=bad).status_code == 422
    assert "CBEC_ANNUAL_LIMIT" not in client.codes(purchase(who, 1000.0, 7))
    held = client.score(purchase(who, 0.01, 8))
    assert reason_json(held, "CBEC_ANNUAL_LIMIT")["evidence"]["earlier_cny"] == 26000.0


# A rate table of the service's own (SCREENING_CNY_RATES)


@pytest.fixture
def usd_at_eight(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's rate table is {"usd": 8.0} alone (set before the app reads its settings)."""
    monkeypatch.setenv("SCREENING_CNY_RATES", '{"usd": 8.0}')


@pytest.mark.usefixtures("usd_at_eight")
def test_a_configured_rate_is_the_one_values_are_converted_at(client: ScoringClient) -> None:
    """At 8 CNY a dollar, 100 USD is 800 (at L) and 100.01 USD 800.08: held with 800.08 in the evidence."""
    assert "OVER_PERSONAL_LIMIT" not in client.codes(personal("export", "HK", pair(100.0), currency="USD"))
    d = client.score(personal("export", "HK", pair(100.01), currency="USD"))
    assert reason_json(d, "OVER_PERSONAL_LIMIT")["evidence"]["value_cny"] == 800.08


@pytest.mark.usefixtures("usd_at_eight")
def test_a_currency_left_out_of_the_configured_table_is_a_422(client: ScoringClient) -> None:
    """EUR has a rate in the built-in table but not in this one: a 422 naming the currency."""
    r = client.http.post("/v1/score", json=personal("export", "HK", pair(100.0), currency="EUR"))
    assert r.status_code == 422 and locs(r.json()) == [["body", "currency"]]
