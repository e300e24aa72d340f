"""The numeric thresholds and windows of RULES.md §3 just under, exactly at and just over their edges.

Written from ../shared/domain/RULES.md §1 and §3 and ../shared/contract/README.md; decided through the
engine. Tests that read history run on the embedded store, single-node Redis and Redis Cluster
(`history_engine`); per-parcel rules and evidence checks on the embedded engine (`engine`).

Readings of RULES.md used here, where it leaves a choice:
- "in 24 h" / "within 7 days" are the spans (t - 24 h, t] and (t - 7 d, t] of event time, as the other
  scenario files read them: a parcel exactly one window older is out.
- "within a year" for PRIOR_VIOLATIONS counts a violation from the same instant one calendar year before
  the parcel up to (not including) the parcel's pickup; a violation dated at the pickup itself is not prior.
- A history rule fires on any cross-border parcel of an entity whose window meets it, whether or not the
  parcel is itself one of the ants or near-limit parcels.
- The CBEC annual limit of 财关税〔2018〕49号 is a quota of cross-border e-commerce retail *imports*: a cbec
  export to the same person is no purchase against it.
"""

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from screening.contract import SEVERITY, Decision
from screening.engine import Engine
from screening.policy import sampling
from screening.policy.sampling import audit_draw
from screening.policy.schemas import Audit
from tests.factories import (
    BASE_TIME,
    Whole,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    merge,
    party,
    resident_id,
    waybill,
)
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad, buyer, cbec_import
from tests.screening.test_scenarios_goods import line
from tests.screening.test_scenarios_identity import uscc_of
from tests.screening.test_scenarios_parcel import halves
from tests.screening.test_scenarios_rings import at, domestic, export, goods, import_postal, numbers, run
from tests.screening.test_scenarios_windows import (
    burst,
    evidence,
    id_violation,
    none_has,
    seasoned,
    stranger,
    the_reason,
    timed,
)

pytestmark = pytest.mark.anyio

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
YEAR = timedelta(days=365)
BURST = BASE_TIME + timedelta(hours=3)


# Helpers


def far_party(country: str, n: int = 0) -> dict[str, Any]:
    """A party (no ID) in Singapore, the United Kingdom or France: outside HK, Macau and Taiwan."""
    places = {
        "SG": (f"+659123{n:04d}", "Singapore", f"{n} Orchard Road"),
        "GB": (f"+4479111{n:05d}", "London", f"{n} Baker Street"),
        "FR": (f"+3361234{n:04d}", "Paris", f"{n} Rue de Rivoli"),
    }
    phone, city, detail = places[country]
    return hk_receiver(
        name=f"PARTY {country} {n}", phone=phone, address={"country": country, "city": city, "detail": detail}
    )


def other_side(country: str, n: int = 0) -> dict[str, Any]:
    """A party abroad in any of the countries the helpers know."""
    return abroad(country, n) if country in {"HK", "MO", "TW", "JP"} else far_party(country, n)


def cross(service: str, country: str, items: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    """A personal postal article of an individual to (export) or from (import) country."""
    sides: dict[str, Any] = (
        {"receiver": other_side(country)}
        if service == "export"
        else {"sender": other_side(country), "receiver": cn_receiver()}
    )
    return waybill(service=service, channel="postal", items=items, **(sides | changes))


def with_rate(engine: Engine, rate: float) -> None:
    """Put the engine's policy on another random audit rate."""
    engine.policy = engine.policy.model_copy(update={"audit": Audit(random_rate=rate)})


def assert_most_severe_first(d: Decision) -> None:
    """The decision is the most severe reason's outcome, and reasons come most severe first."""
    severities = [SEVERITY[r.outcome] for r in d.reasons]
    assert severities == sorted(severities, reverse=True)
    assert d.decision == (d.reasons[0].outcome if d.reasons else "release")


# OVER_PERSONAL_LIMIT: L = 800 to or from HK, MO, TW and 1,000 elsewhere, in both directions


@pytest.mark.parametrize(
    ("service", "country", "limit"),
    [
        ("import", "TW", 800.0),
        ("export", "TW", 800.0),
        ("import", "MO", 800.0),
        ("export", "SG", 1000.0),
        ("import", "GB", 1000.0),
        ("export", "FR", 1000.0),
    ],
)
async def test_personal_limit_a_cent_under_exactly_at_and_a_cent_over_l(
    engine: Engine, service: str, country: str, limit: float
) -> None:
    """Two articles worth L - 0.01 or L are released; L + 0.01 is held with L in the evidence."""
    for value in (limit - 0.01, limit):
        d = await score(engine, cross(service, country, halves(value)))
        assert codes(d) == set() and d.decision == "release"
    d = await score(engine, cross(service, country, halves(limit + 0.01)))
    r = the_reason(d, "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", limit + 0.01, limit)
    assert r.evidence["counterpart_country"] == country and d.decision == "hold"


@pytest.mark.parametrize("country", ["HK", "MO", "TW"])
async def test_a_lower_case_region_code_still_has_the_800_limit(engine: Engine, country: str) -> None:
    """A receiver's country written in lower case is the same region, with the 800 CNY limit."""
    receiver = Whole(merge(abroad(country), {"address": {"country": country.lower()}}))
    d = await score(engine, export_postal(receiver=receiver, items=halves(800.01)))
    ev = evidence(d, "OVER_PERSONAL_LIMIT")
    assert (ev["limit_cny"], ev["counterpart_country"]) == (800.0, country)
    assert d.decision == "hold"


@pytest.mark.parametrize(("value", "outcome"), [(800.0, None), (800.01, "inspect")])
async def test_a_single_article_import_from_taiwan_at_and_over_l(
    engine: Engine, value: float, outcome: str | None
) -> None:
    """One article of quantity 1 at L is released; a cent over L it is inspected, not held."""
    d = await score(engine, cross("import", "TW", [line("单反相机 camera", "electronics", unit_value=value)]))
    if outcome is None:
        assert codes(d) == set() and d.decision == "release"
    else:
        r = the_reason(d, "OVER_PERSONAL_LIMIT")
        assert (r.outcome, r.evidence["single_article"], d.decision) == ("inspect", True, "inspect")


# COMMERCIAL_QUANTITY: more than 10 units of one item, more than 5 of medicine and cosmetics


@pytest.mark.parametrize(
    ("description", "category", "quantity", "max_units"),
    [
        ("感冒药 cold medicine", "medicine", 5, None),
        ("感冒药 cold medicine", "medicine", 6, 5),
        ("口红 lipstick", "cosmetics", 5, None),
        ("口红 lipstick", "cosmetics", 6, 5),
        ("数据线 USB cable", "electronics", 10, None),
        ("数据线 USB cable", "electronics", 11, 10),
    ],
)
async def test_commercial_quantity_on_a_postal_export_to_taiwan(
    engine: Engine, description: str, category: str, quantity: int, max_units: int | None
) -> None:
    """Exactly 10 (5 for medicine and cosmetics) units pass; one more unit is inspected."""
    goods = [line(description, category, quantity=quantity, unit_value=10.0)]
    d = await score(engine, cross("export", "TW", goods, weight_kg=1.0))
    if max_units is None:
        assert codes(d) == set() and d.decision == "release"
    else:
        r = the_reason(d, "COMMERCIAL_QUANTITY")
        assert (r.outcome, r.evidence["quantity"], r.evidence["max_units"]) == (
            "inspect",
            quantity,
            max_units,
        )
        assert d.decision == "inspect"


# CBEC_ANNUAL_LIMIT: imports of one buyer in a Beijing calendar year


def abroad_buyer(seq: str) -> dict[str, Any]:
    """The cbec buyer of `buyer(seq)` (same resident ID) receiving abroad, in Hong Kong."""
    return Whole(
        merge(
            buyer(seq),
            {
                "phone": "+85291239000",
                "address": {
                    "country": "HK",
                    "province": None,
                    "city": "Hong Kong",
                    "district": "Kowloon",
                    "detail": "1 Nathan Road",
                },
            },
        )
    )


def cbec_export(receiver: dict[str, Any], value: float, when: str) -> dict[str, Any]:
    """A cross-border e-commerce export of one watch from a mainland shop's seller to receiver."""
    return cbec_import(receiver, value, when, service="export", sender=stranger(90))


async def test_cbec_exports_to_a_person_are_not_purchases_against_their_import_quota(
    history_engine: Engine,
) -> None:
    """25,000 CNY of cbec exports to a person abroad leave their 2026 import quota untouched."""
    for k in range(5):
        sent = await score(
            history_engine, cbec_export(abroad_buyer("611"), 5000.0, f"2026-0{k + 1}-15T10:00:00+08:00")
        )
        assert "CBEC_ANNUAL_LIMIT" not in codes(sent)
    d = await score(history_engine, cbec_import(buyer("611"), 1500.0, "2026-07-15T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d) and d.decision == "release"


async def test_a_cbec_export_is_never_held_for_the_annual_import_limit(engine: Engine) -> None:
    """A buyer with 25,000 CNY of imports this year is not held for a 1,500 CNY cbec export to them."""
    for k in range(5):
        await score(engine, cbec_import(buyer("612"), 5000.0, f"2026-0{k + 1}-15T10:00:00+08:00"))
    d = await score(engine, cbec_export(abroad_buyer("612"), 1500.0, "2026-07-15T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d) and d.decision == "release"


@pytest.mark.parametrize(
    ("when", "counted_in_2026"),
    [("2026-12-31T23:30:00+08:00", True), ("2027-01-01T00:10:00+08:00", False)],
    ids=["2026-12-31-23h30-beijing", "2027-01-01-00h10-beijing"],
)
async def test_the_purchase_at_the_turn_of_the_year_counts_in_its_beijing_year(
    engine: Engine, when: str, counted_in_2026: bool
) -> None:
    """25,000 CNY bought in 2026: 1,000.01 more passes 26,000 only when it is bought in 2026."""
    who = buyer("613")
    for k in range(5):
        await score(engine, cbec_import(who, 5000.0, f"2026-0{k + 1}-15T10:00:00+08:00"))
    d = await score(engine, cbec_import(who, 1000.01, when))
    if counted_in_2026:
        ev = evidence(d, "CBEC_ANNUAL_LIMIT")
        assert (ev["year"], ev["year_total_cny"], ev["earlier_cny"]) == (2026, 26000.01, 25000.0)
        assert (ev["this_parcel_cny"], ev["limit_cny"], d.decision) == (1000.01, 26000.0, "hold")
    else:
        assert "CBEC_ANNUAL_LIMIT" not in codes(d) and d.decision == "release"


# NEAR_LIMIT_SPLIT: ≥ 3 cross-border parcels of one entity in [0.9·L, L) within 7 days


async def test_near_limit_parcels_of_two_senders_are_not_one_entitys(engine: Engine) -> None:
    """Two near-limit parcels of one sender and one of another, each to its own receiver, are no split."""
    first, second = stranger(301), stranger(302)
    ring = [
        export(first, abroad("HK", 0), 760.0, hours=0),
        export(first, abroad("HK", 1), 760.0, hours=10),
        export(second, abroad("HK", 2), 760.0, hours=20),
    ]
    assert none_has(await run(engine, ring), "NEAR_LIMIT_SPLIT")
    d = await score(engine, export(first, abroad("HK", 3), 760.0, hours=30))
    ev = evidence(d, "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"], ev["min_count"]) == ("sender_id", 3, 3)
    assert set(ev["linked_waybills"]) == numbers(ring[:2])


@pytest.mark.parametrize(("third", "fires"), [(760.0, True), (719.99, False), (800.0, False)])
async def test_two_near_limit_parcels_and_a_third_at_either_edge_of_the_band(
    engine: Engine, third: float, fires: bool
) -> None:
    """Two parcels in the band make a split with a third inside it, not with one just under or at L."""
    sender = stranger(303)
    ring = [export(sender, abroad("MO", i), v, hours=i * 30) for i, v in enumerate([720.0, 799.99, third])]
    decisions = await run(engine, ring)
    assert ("NEAR_LIMIT_SPLIT" in codes(decisions[2])) is fires
    assert not codes(decisions[2]) & {"OVER_PERSONAL_LIMIT", "ANT_MOVING_SENDER"}
    assert decisions[2].decision == ("inspect" if fires else "release")


async def test_a_cheap_parcel_of_an_entity_with_three_near_limit_parcels_is_inspected(engine: Engine) -> None:
    """Three Hong Kong parcels at 760 in the week: the sender's next cross-border parcel is inspected."""
    sender = stranger(304)
    ring = [export(sender, abroad("HK", i), 760.0, hours=i * 10) for i in range(3)]
    await run(engine, ring)
    d = await score(engine, export(sender, abroad("JP", 9), 100.0, hours=40))
    ev = evidence(d, "NEAR_LIMIT_SPLIT")
    assert (ev["near_limit_parcels"], ev["window"]) == (3, "7d")
    assert set(ev["linked_waybills"]) == numbers(ring) and d.decision == "inspect"


def organisation_parcel(sender: dict[str, Any]) -> dict[str, Any]:
    """The sender's 100 CNY express export to Hong Kong: no personal article from an organisation."""
    return export(sender, abroad("HK", 9), 100.0, hours=40, channel="express")


def japan_parcel(sender: dict[str, Any]) -> dict[str, Any]:
    """The sender's postal export of 100 CNY to Japan, whose limit is 1,000."""
    return export(sender, abroad("JP", 9), 100.0, hours=40)


@pytest.mark.parametrize(
    "last", [japan_parcel, organisation_parcel], ids=["to-japan", "organisation-express"]
)
async def test_the_near_limit_evidence_states_the_band_its_parcels_were_in(
    engine: Engine, last: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """Evidence of three parcels at 760 to Hong Kong names their band, [720, 800), whatever parcel follows."""
    sender = stranger(305)
    if last is organisation_parcel:
        sender = party(
            name="某贸易有限公司",
            phone="13800990000",
            id_type="uscc",
            id_number=uscc_of("91110000600037342"),
            address={"district": "静安区", "detail": "长寿路305号"},
        )
    await run(engine, [export(sender, abroad("HK", i), 760.0, hours=i * 10) for i in range(3)])
    d = await score(engine, last(sender))
    ev = evidence(d, "NEAR_LIMIT_SPLIT")
    assert ev["near_limit_parcels"] == 3
    assert (ev["band"], ev["per_parcel_limit"]) == ([720.0, 800.0], 800.0)


# ANT_MOVING_SENDER and ANT_MOVING_RECEIVER: the parcels counted are the ants, each under L


async def test_ant_senders_receivers_are_counted_among_its_ants_only(history_engine: Engine) -> None:
    """Six ants to two receivers and a parcel at L to a third are no ring; an ant to the third makes one."""
    sender = stranger(310)
    ants = [export(sender, abroad("HK", i % 2), 700.0, hours=i * 0.5) for i in range(6)]
    at_limit = export(sender, abroad("HK", 2), 800.0, hours=3.0, items=goods(800.0, "手表 watch", "general"))
    decisions = await run(history_engine, [*ants, at_limit])
    assert none_has(decisions, "ANT_MOVING_SENDER")
    assert all(d.decision == "release" for d in decisions)
    d = await score(history_engine, export(sender, abroad("HK", 2), 700.0, hours=3.5))
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == ("24h", 7, 3, 4900.0)
    assert ev["thresholds"] == {"parcels": 6, "distinct_receivers": 3, "total_value": 2400.0}
    assert set(ev["linked_waybills"]) == numbers(ants) and d.decision == "hold"


async def test_ant_receivers_senders_are_counted_among_its_ants_only(history_engine: Engine) -> None:
    """Five ants from two senders and a parcel at L from a third are no ring; an ant from the third is."""
    receiver = cn_receiver(phone="13600090001")
    ants = [import_postal(abroad("HK", i % 2), receiver, 700.0, hours=i * 10) for i in range(5)]
    at_limit = import_postal(
        abroad("HK", 2), receiver, 800.0, hours=50, items=goods(800.0, "手表 watch", "general")
    )
    decisions = await run(history_engine, [*ants, at_limit])
    assert none_has(decisions, "ANT_MOVING_RECEIVER")
    d = await score(history_engine, import_postal(abroad("HK", 2), receiver, 700.0, hours=60))
    ev = evidence(d, "ANT_MOVING_RECEIVER")
    assert (ev["window"], ev["parcels"], ev["distinct_senders"], ev["total_value"]) == ("7d", 6, 3, 4200.0)
    assert ev["thresholds"] == {"parcels": 5, "distinct_senders": 3, "total_value": 2400.0}
    assert set(ev["linked_waybills"]) == numbers(ants) and d.decision == "hold"


async def test_the_senders_seven_day_window_leaves_out_a_parcel_exactly_seven_days_older(
    history_engine: Engine,
) -> None:
    """Nine parcels from day 0 to day 3 and a tenth at exactly 7 days: nine in its week, no ring."""
    sender = stranger(311)
    times = [BASE_TIME] + [BASE_TIME + DAY + timedelta(hours=6 * k) for k in range(8)]
    ring = [export(sender, abroad("MO", i % 4), 700.0, when=at(t)) for i, t in enumerate(times)]
    assert none_has(await run(history_engine, ring), "ANT_MOVING_SENDER")
    tenth = await score(history_engine, export(sender, abroad("MO", 1), 700.0, when=at(BASE_TIME + WEEK)))
    assert "ANT_MOVING_SENDER" not in codes(tenth)
    eleventh = await score(
        history_engine, export(sender, abroad("MO", 2), 700.0, when=at(BASE_TIME + WEEK + SECOND))
    )
    ev = evidence(eleventh, "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["thresholds"]["parcels"]) == ("7d", 10, 10)


@pytest.mark.parametrize(
    ("changed", "fires"),
    [
        pytest.param({}, True, id="all-three-met"),
        pytest.param({"value": 400.0}, True, id="exactly-3L"),
        pytest.param({"parcels": 5}, False, id="five-parcels"),
        pytest.param({"receivers": 2}, False, id="two-receivers"),
        pytest.param({"value": 399.99}, False, id="a-cent-under-3L"),
    ],
)
async def test_each_condition_of_the_24_hour_ring_failing_alone(
    engine: Engine, changed: dict[str, Any], fires: bool
) -> None:
    """Six ants, to three receivers, worth 3·L together: missing any one of them leaves no ring."""
    plan = {"parcels": 6, "receivers": 3, "value": 500.0} | changed
    sender = stranger(312)
    ring = [
        export(
            sender,
            abroad("HK", i % plan["receivers"]),
            plan["value"],
            hours=i * 0.5,
            items=goods(plan["value"], f"款式{i} 衬衫 shirt", "apparel_shoes"),
        )
        for i in range(plan["parcels"])
    ]
    d = (await run(engine, ring))[-1]
    assert ("ANT_MOVING_SENDER" in codes(d)) is fires
    assert d.decision == ("hold" if fires else "release")


# SAME_GOODS_FANOUT: ≥ 5 cross-border parcels of the same goods, ≥ 3 counterparts, 7 days


@pytest.mark.parametrize(
    ("fifth_after", "fires"), [(WEEK, False), (WEEK - SECOND, True)], ids=["exactly-7d", "7d-less-1s"]
)
async def test_the_same_goods_seven_day_window_edge(
    history_engine: Engine, fifth_after: timedelta, fires: bool
) -> None:
    """Four parcels of one face cream from BASE_TIME on; the fifth counts the first only inside 7 days."""
    sender = stranger(320)
    ring = [export(sender, abroad("HK", i % 3), 150.0, when=at(BASE_TIME + i * DAY)) for i in range(4)]
    assert none_has(await run(history_engine, ring), "SAME_GOODS_FANOUT")
    d = await score(history_engine, export(sender, abroad("HK", 1), 150.0, when=at(BASE_TIME + fifth_after)))
    assert ("SAME_GOODS_FANOUT" in codes(d)) is fires
    if fires:
        ev = evidence(d, "SAME_GOODS_FANOUT")
        assert (ev["parcels"], ev["counterparts"], ev["window"]) == (5, 3, "7d")
        assert ev["thresholds"] == {"parcels": 5, "counterparts": 3}
        assert set(ev["linked_waybills"]) == numbers(ring) and d.decision == "inspect"
    else:
        assert d.decision == "release"


async def test_same_goods_on_five_parcels_to_two_counterparts_and_then_a_third(engine: Engine) -> None:
    """Five parcels of one goods to two receivers are no fan-out; a sixth to a third receiver is."""
    sender = stranger(321)
    ring = [export(sender, abroad("MO", i % 2), 150.0, hours=i * 20) for i in range(5)]
    assert none_has(await run(engine, ring), "SAME_GOODS_FANOUT")
    d = await score(engine, export(sender, abroad("MO", 2), 150.0, hours=100))
    ev = evidence(d, "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"]) == (6, 3) and d.decision == "inspect"


# VELOCITY_SPIKE: ≥ 14 days of history, ≥ 5 × the daily median and ≥ 20 parcels in 24 h


async def test_velocity_leaves_out_a_parcel_exactly_24_hours_older(history_engine: Engine) -> None:
    """Twenty parcels from BURST to BURST + 24 h: the last sees nineteen in its 24 h; a second on, twenty."""
    sender = stranger(330)
    await run(history_engine, seasoned(sender, days=16, per_day=1))
    times = [BURST] + [BURST + timedelta(hours=1, minutes=10 * k) for k in range(18)] + [BURST + DAY]
    decisions = await run(history_engine, [domestic(sender, t) for t in times])
    assert none_has(decisions, "VELOCITY_SPIKE")
    d = await score(history_engine, domestic(sender, BURST + DAY + SECOND))
    ev = evidence(d, "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["daily_median"]) == (20, 1.0)
    assert ev["thresholds"] == {"times_median": 5.0, "min_parcels_24h": 20}
    assert d.decision == "inspect"


async def test_a_first_parcels_corrected_pickup_time_leaves_no_history_behind(history_engine: Engine) -> None:
    """A sender whose only earlier pickup time was a typo has no 14 days of history: no spike on day one."""
    sender = stranger(331)
    typo = domestic(sender, BASE_TIME - 30 * DAY)
    await score(history_engine, typo)
    await score(history_engine, timed(typo, BASE_TIME))
    later = [domestic(sender, BASE_TIME + timedelta(minutes=3 * (k + 1))) for k in range(19)]
    decisions = await run(history_engine, later)
    assert none_has(decisions, "VELOCITY_SPIKE")


async def test_a_parcel_corrected_to_another_sender_takes_its_history_with_it(history_engine: Engine) -> None:
    """The only parcel once counted for a sender, a month ago, went to another: no 14 days of history."""
    wrong, right = stranger(332), stranger(333)
    typo = domestic(wrong, BASE_TIME - 30 * DAY)
    await score(history_engine, typo)
    await score(history_engine, {**typo, "sender": right})
    decisions = await run(history_engine, burst(wrong, 20))
    assert none_has(decisions, "VELOCITY_SPIKE")


async def test_the_corrected_parcels_new_sender_has_the_history(history_engine: Engine) -> None:
    """A parcel corrected to another sender counts in that sender's history: its burst is a spike."""
    wrong, right = stranger(334), stranger(335)
    await run(history_engine, seasoned(right, days=15, per_day=1))
    typo = domestic(wrong, BASE_TIME - 16 * DAY)
    await score(history_engine, typo)
    await score(history_engine, {**typo, "sender": right})
    decisions = await run(history_engine, burst(right, 20))
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    ev = evidence(decisions[19], "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["daily_median"], ev["history_days"]) == (20, 1.0, 16)


# PRIOR_VIOLATIONS: one → inspect; two within a year → hold


NUMBER = resident_id(region="350203", birth="19830303", seq="631")


@pytest.mark.parametrize(
    ("older", "count"),
    [
        pytest.param(YEAR - SECOND, 2, id="365d-less-1s"),
        pytest.param(YEAR, 2, id="exactly-a-year"),
        pytest.param(YEAR + SECOND, 1, id="365d-and-1s"),
    ],
)
async def test_the_year_of_prior_violations_at_its_edge(engine: Engine, older: timedelta, count: int) -> None:
    """A violation a year before the pickup still counts with a recent one (hold); a second more, not."""
    await engine.record_violations(
        [
            id_violation(NUMBER, BASE_TIME - older, "SF1620000000001"),
            id_violation(NUMBER, BASE_TIME - 10 * DAY, "SF1620000000002"),
        ]
    )
    d = await score(engine, waybill(sender=party(id_number=NUMBER)))
    r = the_reason(d, "PRIOR_VIOLATIONS")
    assert (r.evidence["violations"], r.evidence["window_years"], r.evidence["hold_count"]) == (count, 1, 2)
    assert r.evidence["since"] == "2025-11-11T09:30:00+08:00"
    assert r.outcome == d.decision == ("hold" if count == 2 else "inspect")


@pytest.mark.parametrize(
    ("days_before", "outcome", "count"),
    [
        pytest.param((364.9, 0.4), "hold", 2, id="364.5-days-apart-both-within"),
        pytest.param((366, 1), "inspect", 1, id="365-days-apart-first-outside"),
        pytest.param((400, 34), "inspect", 1, id="366-days-apart"),
    ],
)
async def test_two_violations_about_a_year_apart(
    engine: Engine, days_before: tuple[float, float], outcome: str, count: int
) -> None:
    """Two violations hold the parcel only when both lie in the year before its pickup."""
    await engine.record_violations(
        [
            id_violation(NUMBER, BASE_TIME - d * DAY, f"SF{1620000000010 + i}")
            for i, d in enumerate(days_before)
        ]
    )
    d = await score(engine, waybill(sender=party(id_number=NUMBER)))
    assert (d.decision, evidence(d, "PRIOR_VIOLATIONS")["violations"]) == (outcome, count)


LEAP_CASES = [
    pytest.param("2026-03-01T12:00:00+08:00", "2027-03-01T09:00:00+08:00", id="ordinary-year"),
    pytest.param(
        "2027-03-01T12:00:00+08:00",
        "2028-03-01T09:00:00+08:00",
        id="year-with-29-february",
    ),
]


@pytest.mark.parametrize(("first", "pickup"), LEAP_CASES)
async def test_two_violations_within_a_calendar_year_hold(
    history_engine: Engine, first: str, pickup: str
) -> None:
    """A violation 21 hours less than a calendar year before the pickup, and one since: hold."""
    first_at = datetime.fromisoformat(first)
    await history_engine.record_violations(
        [
            id_violation(NUMBER, first_at, "SF1620000000021"),
            id_violation(NUMBER, first_at + timedelta(days=180), "SF1620000000022"),
        ]
    )
    d = await score(history_engine, timed(waybill(sender=party(id_number=NUMBER)), pickup))
    assert (d.decision, evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("hold", 2)


async def test_a_violation_dated_at_the_pickup_itself_is_not_prior(engine: Engine) -> None:
    """A violation at the very instant of the pickup is not a prior one; a second before the next it is."""
    await engine.record_violations([id_violation(NUMBER, BASE_TIME, "SF1620000000031")])
    d = await score(engine, waybill(sender=party(id_number=NUMBER)))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d.decision == "release"
    later = await score(engine, timed(waybill(sender=party(id_number=NUMBER)), BASE_TIME + SECOND))
    assert (later.decision, evidence(later, "PRIOR_VIOLATIONS")["violations"]) == ("inspect", 1)


# RANDOM_AUDIT: a deterministic share chosen by (carrier, waybill_no)


async def test_a_parcel_is_audited_only_when_its_draw_is_under_the_rate(engine: Engine) -> None:
    """At a rate equal to the parcel's draw it is not chosen; at the next float above, it is."""
    wb = waybill(waybill_no="SF1630000000001")
    draw = audit_draw("SF", "SF1630000000001")
    with_rate(engine, draw)
    assert "RANDOM_AUDIT" not in codes(await score(engine, wb))
    with_rate(engine, math.nextafter(draw, 1.0))
    d = await score(engine, {**wb, "weight_kg": 0.7})
    r = the_reason(d, "RANDOM_AUDIT")
    assert (r.outcome, r.evidence["rate"], d.decision) == ("inspect", math.nextafter(draw, 1.0), "inspect")
    # Six decimals, rounded down: the evidence shows a draw under the rate, never one equal to it.
    assert r.evidence["draw"] == math.floor(draw * 1e6) / 1e6 < r.evidence["rate"]


@pytest.mark.parametrize("draw", [0.0049996, 0.00499999999, 0.5 - 1e-12])
async def test_the_audit_evidence_never_shows_a_draw_equal_to_the_rate(
    engine: Engine, draw: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A draw a hair under a six-decimal rate is shown rounded down, under the rate, not equal to it."""
    rate = math.ceil(draw * 1e6) / 1e6
    with_rate(engine, rate)
    monkeypatch.setattr(sampling, "audit_draw", lambda carrier, waybill_no: draw)
    r = the_reason(await score(engine, waybill(waybill_no="SF1630000000002")), "RANDOM_AUDIT")
    assert r.evidence["draw"] < r.evidence["rate"] == rate


@pytest.mark.parametrize(("rate", "audited"), [(0.0, False), (1.0, True)])
async def test_audit_rates_zero_and_one_choose_no_parcel_and_every_parcel(
    engine: Engine, rate: float, audited: bool
) -> None:
    """At rate 0 no parcel is audited; at rate 1 every parcel is, each ending at least as inspect."""
    with_rate(engine, rate)
    bodies = [waybill(waybill_no=f"EMS{1630000000100 + n}", carrier="EMS", hours_after=n) for n in range(20)]
    decisions = await run(engine, bodies)
    assert all(("RANDOM_AUDIT" in codes(d)) is audited for d in decisions)
    assert all(d.decision == ("inspect" if audited else "release") for d in decisions)


async def test_the_audit_draw_depends_on_the_carrier_as_well_as_the_number(engine: Engine) -> None:
    """The same numbers under two carriers choose different parcels; each carrier's choice is stable."""
    with_rate(engine, 0.5)
    numbers_ = [f"ZT{1630000001000 + n}" for n in range(40)]

    async def chosen(carrier: str, hours: float) -> set[str]:
        bodies = [
            waybill(waybill_no=no, carrier=carrier, hours_after=hours + i) for i, no in enumerate(numbers_)
        ]
        return {d.waybill_no for d in await run(engine, bodies) if "RANDOM_AUDIT" in codes(d)}

    zto, sto = await chosen("ZTO", 0.0), await chosen("STO", 0.0)
    assert zto != sto and 5 <= len(zto) <= 35 and 5 <= len(sto) <= 35
    assert await chosen("ZTO", 0.5) == zto  # the same parcels picked up at other times


# The decision is the most severe reason, and each reason carries its figures


async def test_a_ring_parcel_is_held_over_its_inspect_reasons(engine: Engine) -> None:
    """The sixth ant: ANT_MOVING_SENDER (hold) first, then NEAR_LIMIT_SPLIT and SAME_GOODS_FANOUT."""
    with_rate(engine, 1.0)
    d = (await run(engine, ant_ring(6)))[-1]
    outcomes = {r.code: r.outcome for r in d.reasons}
    assert outcomes == {
        "ANT_MOVING_SENDER": "hold",
        "NEAR_LIMIT_SPLIT": "inspect",
        "SAME_GOODS_FANOUT": "inspect",
        "RANDOM_AUDIT": "inspect",
    }
    assert d.decision == "hold" and d.reasons[0].code == "ANT_MOVING_SENDER"
    assert_most_severe_first(d)
    ant = evidence(d, "ANT_MOVING_SENDER")
    assert (ant["parcels"], ant["distinct_receivers"], ant["total_value"]) == (6, 5, 4575.0)
    assert (ant["per_parcel_limit"], ant["near_limit_parcels"]) == (800.0, 6)
    near = evidence(d, "NEAR_LIMIT_SPLIT")
    assert (near["near_limit_parcels"], near["band"], near["min_count"]) == (6, [720.0, 800.0], 3)


async def test_a_prohibited_ant_is_rejected_over_the_rings_hold(engine: Engine) -> None:
    """An ant ring's sixth parcel holding ivory: PROHIBITED_ITEM (reject) decides, the hold stays listed."""
    ring = ant_ring(6)
    ring[5]["items"] = [line("象牙雕件 ivory carving", "general", unit_value=700.0)]
    ring[5]["declared_value"] = 700.0
    d = (await run(engine, ring))[-1]
    assert [r.code for r in d.reasons[:2]] == ["PROHIBITED_ITEM", "ANT_MOVING_SENDER"]
    assert evidence(d, "ANT_MOVING_SENDER")["total_value"] == 3810.0 + 700.0
    assert d.decision == "reject"
    assert_most_severe_first(d)


async def test_two_prior_violations_hold_a_single_article_otherwise_inspected(engine: Engine) -> None:
    """A single article over L (inspect) from a sender with two violations in the year: hold."""
    await engine.record_violations(
        [
            id_violation(NUMBER, BASE_TIME - 200 * DAY, "SF1620000000041"),
            id_violation(NUMBER, BASE_TIME - 20 * DAY, "SF1620000000042"),
        ]
    )
    goods = [line("单反相机 camera", "electronics", unit_value=3000.0)]
    d = await score(engine, export_postal(sender=party(id_number=NUMBER), items=goods))
    assert {r.code: r.outcome for r in d.reasons} == {
        "PRIOR_VIOLATIONS": "hold",
        "OVER_PERSONAL_LIMIT": "inspect",
    }
    assert d.decision == "hold"
    assert_most_severe_first(d)
