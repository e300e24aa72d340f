"""Which per-parcel limit L applies, lane by lane, and what follows from it.

Written from ../shared/domain/RULES.md §1 (GACC 2010 No. 43: 800 CNY to or from Hong Kong, Macau and
Taiwan, 1,000 CNY elsewhere, for personal articles; 财关税〔2018〕49号: 5,000 CNY a cbec transaction) and
§3 ("L is the per-parcel limit that applies to the parcel: 800 / 1,000 CNY for personal articles (the
`postal` channel, and `express` parcels of individuals), 5,000 CNY for `cbec`. 'Cross-border' means
`export` or `import`"), the wire contract (service, channel, customer_type, id_type `uscc`, currency of
all values) and the README ("An organisation (its USCC registered) sending or importing by express ships
goods, not personal articles: the 800 / 1,000 CNY limit is for individuals").

The person whose kind decides the express lane is the one in China: the sender of an export, the
receiver (buyer) of an import. Three kinds: an individual, an organisation (USCC), a qualified agreement
customer (协议客户). A parcel without an L (an organisation's or agreement customer's express parcel, a
domestic parcel) is neither near a limit nor an ant.

Readings chosen where the sources leave a choice:
- In one entity's history every parcel is judged against its own L: a parcel to Hong Kong at 850 is over
  its limit (no ant, never near), the same parcel to Japan is an ant.
- A history rule is about the entity: when the entity's window meets it, its next cross-border parcel gets
  the reason, whatever lane that parcel takes (test_scenarios_boundaries.py reads it the same way).
- A waybill whose lane contradicts its addresses (`domestic` with a receiver abroad) is either bad input
  or judged as what it is (cross-border); it is never a plain domestic release.
Per-parcel rules run on the embedded engine (`engine`); the mixed-lane histories on every history store
(`history_engine`).
"""

from datetime import date
from typing import Any

import pytest
from stdnum.cn import uscc

from screening.agreements import Agreement
from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine
from screening.history import RedisHistoryStore
from tests.conftest import ScoringClient
from tests.factories import cn_receiver, hk_receiver, item, party, resident_id, waybill

pytestmark = pytest.mark.anyio

MONEY = {"OVER_PERSONAL_LIMIT", "CBEC_SINGLE_LIMIT"}
CROSS_BORDER_RULES = {"ANT_MOVING_SENDER", "ANT_MOVING_RECEIVER", "NEAR_LIMIT_SPLIT", "SAME_GOODS_FANOUT"}
CONTRACT_ID = "HT-LANES-0001"


# Helpers


PLACES: dict[str, tuple[str, str, str]] = {
    "HK": ("+8529310{n:04d}", "Hong Kong", "{n} Hennessy Road"),
    "MO": ("+8536614{n:04d}", "Macau", "Avenida {n}"),
    "TW": ("+88691235{n:04d}", "Taipei", "{n} Xinyi Rd"),
    "JP": ("+8131235{n:04d}", "Tokyo", "{n}-2 Shinjuku"),
    "US": ("+1212556{n:04d}", "New York", "{n} Broadway"),
    "DE": ("+49301235{n:04d}", "Berlin", "Friedrichstrasse {n}"),
    "SG": ("+659124{n:04d}", "Singapore", "{n} Marina Road"),
}


def overseas(country: str, n: int = 0) -> dict[str, Any]:
    """The n-th party (no ID) in a country outside the mainland."""
    phone, city, detail = PLACES[country]
    return hk_receiver(
        name=f"PARTY {country} {n}",
        phone=phone.format(n=n),
        address={"country": country, "city": city, "detail": detail.format(n=n)},
    )


def uscc_of(first17: str) -> str:
    """A unified social credit code with its GB 32100 check character."""
    return first17 + uscc.calc_check_digit(first17)


ORG_NUMBER = uscc_of("91310104MA1FR2KX3")


def person(n: int, **changes: Any) -> dict[str, Any]:
    """The n-th mainland individual sender, with a verified resident ID and a phone of their own."""
    fields: dict[str, Any] = {
        "name": f"寄件人{n}",
        "phone": f"1371100{n:04d}",
        "id_number": resident_id(region="310104", birth="19870707", seq=f"{n:03d}"),
        "address": {"detail": f"漕溪北路{n}号"},
    }
    return party(**(fields | changes))


def organisation(n: int = 1) -> dict[str, Any]:
    """A mainland company sending under its USCC (not an agreement customer)."""
    return party(
        name=f"上海某贸易有限公司{n}",
        phone=f"1371200{n:04d}",
        id_type="uscc",
        id_number=uscc_of(f"91310104MA1FR2K{n:02d}"),
        address={"detail": f"宜山路{n}号"},
    )


def agreement_customer(n: int = 1) -> dict[str, Any]:
    """A qualified agreement customer (registered with `register`) sending with its person's ID."""
    return party(
        name=f"某网店{n}",
        phone=f"1371300{n:04d}",
        id_number=resident_id(region="310104", birth="19800808", seq=f"{n:03d}"),
        customer_type="contract",
        contract_id=CONTRACT_ID,
        address={"detail": f"虹漕路{n}号"},
    )


def register(engine: Engine) -> None:
    """Put the agreement customer in the engine's registry, in force on the factories' pickup day."""
    engine.agreements.upsert(
        [Agreement(contract_id=CONTRACT_ID, name="某网店", carrier="SF", valid_until=date(2027, 12, 31))]
    )


def mainland_receiver(kind: str, n: int = 0) -> dict[str, Any]:
    """A receiver in Beijing of the given kind, each with an identity document (a cbec buyer needs one)."""
    base: dict[str, Any] = {
        "name": f"收件人{n}",
        "phone": f"1391400{n:04d}",
        "address": {"detail": f"光华路{n + 1}号"},
        "id_type": "resident_id",
        "id_number": resident_id(region="110105", birth="19920202", seq=f"{n:03d}"),
    }
    if kind == "organisation":
        base |= {"name": f"北京某科技有限公司{n}", "id_type": "uscc", "id_number": ORG_NUMBER}
    elif kind == "agreement":
        base |= {"name": f"某进口商{n}", "customer_type": "contract", "contract_id": CONTRACT_ID}
    return cn_receiver(**base)


def mainland_sender(kind: str) -> dict[str, Any]:
    """A mainland sender of the given kind."""
    if kind == "organisation":
        return organisation()
    if kind == "agreement":
        return agreement_customer()
    return person(1)


def article(value: float, description: str = "外套 coat") -> list[dict[str, Any]]:
    """One article (one line, quantity 1) worth value."""
    return [item(description=description, category="apparel_shoes", quantity=1, unit_value=value)]


def pair(total: float) -> list[dict[str, Any]]:
    """Two different articles of one unit each summing to total (so not a single article)."""
    first = round(total / 2, 2)
    return [
        item(description="羊毛衫 wool sweater", category="apparel_shoes", quantity=1, unit_value=first),
        item(
            description="围巾 scarf", category="apparel_shoes", quantity=1, unit_value=round(total - first, 2)
        ),
    ]


def export(
    sender: dict[str, Any],
    receiver: dict[str, Any],
    value: float,
    n: int,
    *,
    channel: str = "postal",
    **changes: Any,
) -> dict[str, Any]:
    """An export of the n-th of some distinct articles, worth value, from sender to receiver."""
    fields: dict[str, Any] = {
        "service": "export",
        "channel": channel,
        "sender": sender,
        "receiver": receiver,
        "items": article(value, f"款式{n} 外套 coat"),
    }
    return waybill(**(fields | changes))


def import_(
    sender: dict[str, Any],
    receiver: dict[str, Any],
    value: float,
    n: int,
    *,
    channel: str = "postal",
    **changes: Any,
) -> dict[str, Any]:
    """An import of the n-th of some distinct articles, worth value, from sender abroad to receiver."""
    fields: dict[str, Any] = {
        "service": "import",
        "channel": channel,
        "sender": sender,
        "receiver": receiver,
        "items": article(value, f"样式{n} 奶粉 milk powder"),
    }
    return waybill(**(fields | changes))


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


def numbers(bodies: list[dict[str, Any]]) -> set[str]:
    """The waybill numbers of some waybills."""
    return {wb["waybill_no"] for wb in bodies}


# Which L: lane × channel × counterpart region × kind of the person in China


COUNTRY = {
    ("HMT", "postal"): "HK",
    ("HMT", "express"): "MO",
    ("HMT", "cbec"): "TW",
    ("other", "postal"): "US",
    ("other", "express"): "DE",
    ("other", "cbec"): "SG",
}


def expected_limit(channel: str, region: str, kind: str) -> tuple[str, float] | None:
    """RULES.md §3: the reason and L of a lane, or None where no per-parcel limit applies."""
    if channel == "cbec":
        return "CBEC_SINGLE_LIMIT", 5000.0
    if channel == "express" and kind != "individual":
        return None
    return "OVER_PERSONAL_LIMIT", 800.0 if region == "HMT" else 1000.0


MATRIX = [
    pytest.param(
        service, channel, region, kind, id=f"{service}-{channel}-{COUNTRY[(region, channel)]}-{kind}"
    )
    for service in ("export", "import")
    for channel in ("postal", "express", "cbec")
    for region in ("HMT", "other")
    for kind in ("individual", "organisation", "agreement")
]


@pytest.mark.parametrize(("service", "channel", "region", "kind"), MATRIX)
async def test_the_limit_of_each_lane_channel_region_and_kind(
    engine: Engine, service: str, channel: str, region: str, kind: str
) -> None:
    """Two articles worth 5,000.01 CNY: held under the lane's L (in evidence); no L, no value reason."""
    register(engine)
    country = COUNTRY[(region, channel)]
    if service == "export":
        wb = waybill(
            service="export",
            channel=channel,
            sender=mainland_sender(kind),
            receiver=overseas(country),
            items=pair(5000.01),
        )
    else:
        wb = waybill(
            service="import",
            channel=channel,
            sender=overseas(country),
            receiver=mainland_receiver(kind),
            items=pair(5000.01),
        )
    d = await score(engine, wb)
    expected = expected_limit(channel, region, kind)
    if expected is None:
        assert not codes(d) & MONEY and d.decision == "release"
        return
    code, limit = expected
    assert codes(d) & MONEY == {code}
    r = the_reason(d, code)
    assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", 5000.01, limit)
    if code == "OVER_PERSONAL_LIMIT":
        assert (r.evidence["counterpart_country"], r.evidence["single_article"]) == (country, False)
    assert d.decision == "hold"


# One article over L: inspected, not held, whatever the personal lane


@pytest.mark.parametrize(
    ("service", "channel", "country", "sender", "limit"),
    [
        pytest.param("import", "express", "MO", "individual", 800.0, id="express-import-from-MO"),
        pytest.param("export", "express", "JP", "individual", 1000.0, id="express-export-to-JP"),
        pytest.param("import", "postal", "DE", "individual", 1000.0, id="postal-import-from-DE"),
        pytest.param("export", "postal", "TW", "organisation", 800.0, id="organisation-posting-to-TW"),
    ],
)
async def test_one_article_at_l_passes_and_a_fen_over_is_inspected(
    engine: Engine, service: str, channel: str, country: str, sender: str, limit: float
) -> None:
    """One article at L is a plain release; a fen over L it is inspected, with the lane's L in evidence."""
    for value, outcome in ((limit, None), (round(limit + 0.01, 2), "inspect")):
        goods = [item(description="单反相机 camera", category="electronics", quantity=1, unit_value=value)]
        if service == "export":
            wb = waybill(
                service=service,
                channel=channel,
                sender=mainland_sender(sender),
                receiver=overseas(country),
                items=goods,
            )
        else:
            wb = waybill(
                service=service,
                channel=channel,
                sender=overseas(country),
                receiver=cn_receiver(),
                items=goods,
            )
        d = await score(engine, wb)
        if outcome is None:
            assert d.reasons == [] and d.decision == "release"
            continue
        r = the_reason(d, "OVER_PERSONAL_LIMIT")
        assert (r.outcome, r.evidence["limit_cny"], r.evidence["single_article"]) == ("inspect", limit, True)
        assert r.evidence["counterpart_country"] == country
        assert codes(d) == {"OVER_PERSONAL_LIMIT"} and d.decision == "inspect"


# NEAR_LIMIT_SPLIT and ANT_MOVING_SENDER by the sender's kind: only parcels with an L count


@pytest.mark.parametrize(
    ("kind", "channel", "fires"),
    [
        pytest.param("individual", "express", True, id="individual-express"),
        pytest.param("organisation", "postal", True, id="organisation-postal"),
        pytest.param("organisation", "express", False, id="organisation-express"),
        pytest.param("agreement", "postal", True, id="agreement-postal"),
        pytest.param("agreement", "express", False, id="agreement-express"),
    ],
)
async def test_three_exports_at_760_to_hong_kong_by_sender_kind(
    engine: Engine, kind: str, channel: str, fires: bool
) -> None:
    """760 is in [720, 800) only for a parcel that has the 800 limit: postal, or an individual's express."""
    register(engine)
    sender = mainland_sender(kind)
    trio = [
        export(sender, overseas("HK", i), 760.0, i, channel=channel, hours_after=i * 20) for i in range(3)
    ]
    decisions = await run(engine, trio)
    assert not any("NEAR_LIMIT_SPLIT" in codes(d) for d in decisions[:2])
    last = decisions[2]
    assert not codes(last) & MONEY
    if not fires:
        assert "NEAR_LIMIT_SPLIT" not in codes(last) and last.decision == "release"
        return
    ev = the_reason(last, "NEAR_LIMIT_SPLIT").evidence
    assert (ev["near_limit_parcels"], ev["band"], ev["per_parcel_limit"]) == (3, [720.0, 800.0], 800.0)
    assert set(ev["linked_waybills"]) == numbers(trio[:2]) and last.decision == "inspect"


@pytest.mark.parametrize(
    ("kind", "channel", "fires"),
    [
        pytest.param("organisation", "postal", True, id="organisation-postal"),
        pytest.param("organisation", "express", False, id="organisation-express"),
        pytest.param("agreement", "express", False, id="agreement-express"),
    ],
)
async def test_six_exports_at_700_to_six_hong_kong_receivers_by_sender_kind(
    engine: Engine, kind: str, channel: str, fires: bool
) -> None:
    """Six parcels of 700 in 3 h: ants (4,200 ≥ 3 × 800) only where each has the 800 limit."""
    register(engine)
    sender = mainland_sender(kind)
    ring = [
        export(sender, overseas("HK", i), 700.0, i, channel=channel, hours_after=i * 0.5) for i in range(6)
    ]
    decisions = await run(engine, ring)
    assert not any("ANT_MOVING_SENDER" in codes(d) for d in decisions[:5])
    last = decisions[5]
    if not fires:
        assert not codes(last) & CROSS_BORDER_RULES and last.decision == "release"
        return
    ev = the_reason(last, "ANT_MOVING_SENDER").evidence
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 6, 4200.0)
    assert (ev["per_parcel_limit"], ev["thresholds"]["total_value"]) == (800.0, 2400.0)
    assert set(ev["linked_waybills"]) == numbers(ring[:5]) and last.decision == "hold"


@pytest.mark.parametrize(("kind", "fires"), [("individual", True), ("organisation", False)])
async def test_express_imports_collected_by_one_receiver_by_its_kind(
    engine: Engine, kind: str, fires: bool
) -> None:
    """Five express imports of 700 from three Hong Kong senders: an individual's ants, a company's goods."""
    receiver = mainland_receiver(kind, 7)
    ring = [
        import_(overseas("HK", i % 3), receiver, 700.0, i, channel="express", hours_after=i * 20)
        for i in range(5)
    ]
    decisions = await run(engine, ring)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in decisions[:4])
    last = decisions[4]
    if not fires:
        assert not codes(last) & CROSS_BORDER_RULES and last.decision == "release"
        return
    ev = the_reason(last, "ANT_MOVING_RECEIVER").evidence
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 3, 3500.0)
    assert ev["per_parcel_limit"] == 800.0 and last.decision == "hold"


@pytest.mark.parametrize(("country", "limit", "fires"), [("HK", 800.0, True), ("US", 1000.0, False)])
async def test_an_overseas_sender_splitting_imports_of_450_is_judged_against_its_own_l(
    engine: Engine, country: str, limit: float, fires: bool
) -> None:
    """Six imports of 450 to six receivers: 2,700 ≥ 3 × 800 from Hong Kong, < 3 × 1,000 from the US."""
    shop = overseas(country, 50)
    ring = [
        import_(shop, mainland_receiver("individual", 20 + i), 450.0, i, hours_after=i * 0.5)
        for i in range(6)
    ]
    last = (await run(engine, ring))[-1]
    if not fires:
        assert not codes(last) & CROSS_BORDER_RULES and last.decision == "release"
        return
    ev = the_reason(last, "ANT_MOVING_SENDER").evidence
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 6, 2700.0)
    assert (ev["per_parcel_limit"], ev["thresholds"]["total_value"]) == (limit, 3 * limit)
    assert last.decision == "hold"


# cbec: its L is 5,000, so its band is [4,500, 5,000), never [720, 800)


@pytest.mark.parametrize(("value", "fires"), [(760.0, False), (4600.0, True)])
async def test_three_cbec_exports_to_hong_kong_are_near_only_the_5000_limit(
    engine: Engine, value: float, fires: bool
) -> None:
    """Three cbec exports to Hong Kong: 760 is nowhere near 5,000; 4,600 is in [4,500, 5,000)."""
    sender = person(30)
    trio = [export(sender, overseas("HK", i), value, i, channel="cbec", hours_after=i * 20) for i in range(3)]
    last = (await run(engine, trio))[-1]
    assert not codes(last) & MONEY
    if not fires:
        assert "NEAR_LIMIT_SPLIT" not in codes(last) and last.decision == "release"
        return
    ev = the_reason(last, "NEAR_LIMIT_SPLIT").evidence
    assert (ev["near_limit_parcels"], ev["band"], ev["per_parcel_limit"]) == (3, [4500.0, 5000.0], 5000.0)
    assert last.decision == "inspect"


async def test_parcels_each_just_under_its_own_limit_add_up_across_channels(engine: Engine) -> None:
    """Two cbec exports at 4,600 and a postal one at 760 to Hong Kong: three parcels each near its own L."""
    sender = person(31)
    parcels = [
        export(sender, overseas("HK", 0), 4600.0, 0, channel="cbec", hours_after=0),
        export(sender, overseas("HK", 1), 4600.0, 1, channel="cbec", hours_after=20),
    ]
    await run(engine, parcels)
    d = await score(engine, export(sender, overseas("HK", 2), 760.0, 2, hours_after=40))
    ev = the_reason(d, "NEAR_LIMIT_SPLIT").evidence
    assert ev["near_limit_parcels"] == 3 and set(ev["linked_waybills"]) == numbers(parcels)
    assert not codes(d) & MONEY and d.decision == "inspect"
    # The contract example's shapes (a pair, a number) for this parcel's limit; every band beside them.
    assert (ev["band"], ev["per_parcel_limit"]) == ([720.0, 800.0], 800.0)
    assert (ev["bands"], ev["per_parcel_limits"]) == ([[720.0, 800.0], [4500.0, 5000.0]], [800.0, 5000.0])


# Mixed lanes in one entity's history: each parcel under its own L


async def test_a_senders_850_to_hong_kong_is_over_its_limit_and_850_to_japan_is_an_ant(
    history_engine: Engine,
) -> None:
    """850 to Japan five times (under 1,000) and to Hong Kong once (over 800): five ants, then six."""
    sender = person(40)
    japan = [export(sender, overseas("JP", i), 850.0, i, hours_after=i * 0.5) for i in range(5)]
    assert not any(codes(d) for d in await run(history_engine, japan))
    hong_kong = export(sender, overseas("HK", 9), 850.0, 9, hours_after=2.6)
    d = await score(history_engine, hong_kong)
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["limit_cny"], r.evidence["counterpart_country"]) == ("inspect", 800.0, "HK")
    assert "ANT_MOVING_SENDER" not in codes(d)  # five ants and a parcel over its own L
    sixth_ant = export(sender, overseas("JP", 7), 850.0, 7, hours_after=2.8)
    d = await score(history_engine, sixth_ant)
    ev = the_reason(d, "ANT_MOVING_SENDER").evidence
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 6, 5100.0)
    assert ev["per_parcel_limit"] == 1000.0
    assert set(ev["linked_waybills"]) == numbers(japan)  # not the Hong Kong parcel
    assert d.decision == "hold"


async def test_760_is_near_800_to_hong_kong_but_not_1000_to_the_us(history_engine: Engine) -> None:
    """760, 760 to Hong Kong and 760 to the US: two near-limit parcels; 950 to the US makes the third."""
    sender = person(41)
    parcels = [
        export(sender, overseas("HK", 0), 760.0, 0, hours_after=0),
        export(sender, overseas("HK", 1), 760.0, 1, hours_after=20),
        export(sender, overseas("US", 2), 760.0, 2, hours_after=40),
    ]
    decisions = await run(history_engine, parcels)
    assert all(d.reasons == [] for d in decisions)
    d = await score(history_engine, export(sender, overseas("US", 3), 950.0, 3, hours_after=60))
    ev = the_reason(d, "NEAR_LIMIT_SPLIT").evidence
    assert ev["near_limit_parcels"] == 3
    assert set(ev["linked_waybills"]) == numbers(parcels[:2])  # the 760 to the US is not near its 1,000
    assert not codes(d) & MONEY and d.decision == "inspect"


async def test_a_receivers_imports_from_hong_kong_over_800_are_not_its_ants(engine: Engine) -> None:
    """Imports of 850 to one receiver: two from Hong Kong (over 800), five from Japan (ants under 1,000)."""
    receiver = mainland_receiver("individual", 42)
    from_hk = [import_(overseas("HK", i), receiver, 850.0, i, hours_after=i * 10) for i in range(2)]
    from_jp = [import_(overseas("JP", i), receiver, 850.0, 10 + i, hours_after=20 + i * 10) for i in range(5)]
    decisions = await run(engine, [*from_hk, *from_jp])
    assert all(the_reason(d, "OVER_PERSONAL_LIMIT").evidence["limit_cny"] == 800.0 for d in decisions[:2])
    assert not any(codes(d) & MONEY for d in decisions[2:])
    # The fifth parcel of the receiver (third from Japan) finds three ants, not five parcels.
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in decisions[:6])
    ev = the_reason(decisions[6], "ANT_MOVING_RECEIVER").evidence
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 5, 4250.0)
    assert ev["per_parcel_limit"] == 1000.0
    assert set(ev["linked_waybills"]) == numbers(from_jp[:4])
    assert decisions[6].decision == "hold"


# Currency: values converted to CNY before they meet the receiver's L (JPY 0.047, shipped table)


@pytest.mark.parametrize(("jpy", "fires"), [(13000.0, True), (12700.0, False)])
async def test_imports_from_japan_in_yen_are_added_up_in_cny_against_3000(
    engine: Engine, jpy: float, fires: bool
) -> None:
    """Five imports from three senders in Japan: 13,000 JPY is 611 CNY (3,055 ≥ 3,000); 12,700 is 596.90."""
    assert engine.rates["JPY"] == 0.047
    receiver = mainland_receiver("individual", 43)
    ring = [
        import_(overseas("JP", i % 3), receiver, jpy, i, currency="JPY", hours_after=i * 20) for i in range(5)
    ]
    last = (await run(engine, ring))[-1]
    assert not codes(last) & MONEY  # 611 CNY is far under 1,000, though 13,000 is not
    if not fires:
        assert not codes(last) & CROSS_BORDER_RULES and last.decision == "release"
        return
    ev = the_reason(last, "ANT_MOVING_RECEIVER").evidence
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 3, 3055.0)
    assert ev["per_parcel_limit"] == 1000.0 and last.decision == "hold"


# Domestic parcels are never cross-border


async def test_a_ring_senders_domestic_parcel_is_released_and_its_next_export_held(engine: Engine) -> None:
    """After a six-ant ring to Hong Kong the sender's domestic parcel has no ring reason; one to Japan has."""
    sender = person(50)
    ring = [export(sender, overseas("HK", i), 700.0, i, hours_after=i * 0.5) for i in range(6)]
    assert "ANT_MOVING_SENDER" in codes((await run(engine, ring))[-1])
    home = await score(
        engine, waybill(hours_after=3.2, sender=sender, items=article(700.0, "款式8 外套 coat"))
    )
    assert not codes(home) & (CROSS_BORDER_RULES | MONEY) and home.decision == "release"
    to_japan = await score(engine, export(sender, overseas("JP", 9), 100.0, 9, hours_after=3.4))
    ev = the_reason(to_japan, "ANT_MOVING_SENDER").evidence
    assert (ev["parcels"], ev["total_value"], ev["per_parcel_limit"]) == (7, 4300.0, 1000.0)
    assert set(ev["linked_waybills"]) == numbers(ring)  # not the domestic parcel
    assert to_japan.decision == "hold"


async def test_domestic_parcels_at_760_are_not_near_limit_parcels(engine: Engine) -> None:
    """Two exports at 760 to Hong Kong and two domestic parcels at 760: two near-limit parcels, not four."""
    sender = person(51)
    bodies = [
        export(sender, overseas("HK", 0), 760.0, 0, hours_after=0),
        waybill(hours_after=10, sender=sender, items=article(760.0, "款式1 外套 coat")),
        waybill(hours_after=20, sender=sender, items=article(760.0, "款式2 外套 coat")),
        export(sender, overseas("HK", 3), 760.0, 3, hours_after=30),
    ]
    assert not any(codes(d) for d in await run(engine, bodies))
    cheap = await score(engine, export(sender, overseas("HK", 4), 100.0, 4, hours_after=40))
    assert "NEAR_LIMIT_SPLIT" not in codes(cheap) and cheap.decision == "release"
    third = export(sender, overseas("HK", 5), 760.0, 5, hours_after=50)
    ev = the_reason(await score(engine, third), "NEAR_LIMIT_SPLIT").evidence
    assert ev["near_limit_parcels"] == 3
    assert set(ev["linked_waybills"]) == {bodies[0]["waybill_no"], bodies[3]["waybill_no"]}


@pytest.mark.parametrize(
    ("service", "channel", "outcome"),
    [
        pytest.param("domestic", "postal", "release", id="domestic-postal"),
        pytest.param("domestic", "cbec", "release", id="domestic-cbec"),
        pytest.param("import", "express", "inspect", id="import-express"),
    ],
)
async def test_without_history_the_outcome_follows_the_lane_not_the_channel(
    engine: Engine, service: str, channel: str, outcome: str
) -> None:
    """HISTORY_UNAVAILABLE: inspect for cross-border, release for domestic, whatever the channel."""
    engine.history = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    try:
        if service == "domestic":
            wb = waybill(channel=channel, items=article(300.0))
        else:
            wb = import_(overseas("JP", 1), mainland_receiver("individual", 60), 300.0, 1, channel=channel)
        d = await score(engine, wb)
        r = the_reason(d, "HISTORY_UNAVAILABLE")
        assert (r.outcome, r.evidence["cross_border"], r.evidence["lane"]) == (
            outcome,
            service != "domestic",
            service,
        )
        assert [x.code for x in d.reasons] == ["HISTORY_UNAVAILABLE"] and d.decision == outcome
    finally:
        await engine.history.close()


# Suspected bugs


async def test_an_organisations_express_parcel_after_its_postal_ant_ring_is_held(engine: Engine) -> None:
    """An organisation's six postal ants to Hong Kong (held); its next export, by express, is held too."""
    sender = organisation(7)
    ring = [export(sender, overseas("HK", i), 700.0, i, hours_after=i * 0.5) for i in range(6)]
    assert "ANT_MOVING_SENDER" in codes((await run(engine, ring))[-1])
    d = await score(engine, export(sender, overseas("HK", 6), 100.0, 6, channel="express", hours_after=3.2))
    ev = the_reason(d, "ANT_MOVING_SENDER").evidence
    assert ev["parcels"] >= 6 and set(ev["linked_waybills"]) >= numbers(ring[1:])
    assert d.decision == "hold"


@pytest.mark.parametrize("country", ["HK", "US"])
def test_a_domestic_waybill_to_an_address_abroad_is_not_a_plain_domestic_release(
    client: ScoringClient, country: str
) -> None:
    """6,000 CNY from Shanghai to an address abroad, typed `domestic`: bad input, or judged cross-border."""
    body = waybill(receiver=overseas(country, 70), items=pair(6000.0))
    r = client.http.post("/v1/score", json=body)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "receiver", "address", "country"]]
    # Typed as the export it is, the same parcel is held over its limit.
    r = client.http.post("/v1/score", json={**body, "service": "export"})
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "hold"
    assert "OVER_PERSONAL_LIMIT" in {x["code"] for x in r.json()["reasons"]}
