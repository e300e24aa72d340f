"""Time in the history rules: event time, Beijing calendar years, offsets, late and same-instant parcels.

Written from ../shared/domain/RULES.md §1 and §3 ("Windows are in event time (`accepted_at`)", the
26,000 CNY per person per *calendar year* of 财关税〔2018〕49号, PRIOR_VIOLATIONS' "two within a year",
VELOCITY_SPIKE's "≥ 14 days of history"), ../shared/contract/README.md (`accepted_at`: "ISO-8601
timestamp with offset ... no naive timestamps"; bad input is a 422 naming the field), ARCHITECTURE.md
("Windows are in event time, never wall-clock, so a replay ... computes the same features") and the
README ("late events land in the windows event time demands"; a window holds "those picked up at the same
instant and seen before it"; PRIOR_VIOLATIONS "counts back one calendar year to the same Beijing date and
time (29 February safe), not 365 days"). History tests run on the embedded store, single-node Redis and
Redis Cluster (`history_engine`); tests of the wire form of `accepted_at` on the HTTP app (`client`).

Readings used here, where the sources leave a choice:
- An offset only says how an instant is written: the same instant in +08:00, Z, -05:00 or +14:00 is the same
  pickup time for every window, year and edge. A parcel sent again with its pickup written in another offset
  says the same thing: it gets the same answer (scored again or not) and still counts once.
- "in 24 h" / "within 7 days" are (t - 24 h, t] and (t - 7 d, t] of event time, as in the other scenario
  files: a parcel exactly one window older is out, one a second younger is in. Seven days are 7 × 24 h of
  elapsed time whatever the calendar (29 February included).
- A parcel scored late (picked up before parcels already scored) is judged at its own pickup: parcels
  picked up after it are not in its windows; the parcels scored after it count it wherever its pickup
  falls in their windows. The order of arrival changes nothing for a parcel picked up after all of them.
- The calendar year of CBEC_ANNUAL_LIMIT is the Beijing (UTC+8) calendar year of the pickup, whatever offset
  the timestamp is written in; its evidence `year` names that year.
- PRIOR_VIOLATIONS' year runs from the same Beijing date and time one calendar year before the pickup up to
  the pickup; a violation dated after the pickup is not prior to it. For a pickup on 29 February only
  violations that every reading of "the same date a year before" agrees on are tested.
- VELOCITY_SPIKE's "≥ 14 days of history" is the pickup of this parcel minus the entity's earliest pickup,
  both in event time, at least 14 × 24 h; a late parcel picked up earlier moves that first sighting back.
- The contract names no range of years. Times far outside any pickup may be refused, but only as bad input
  (a 422 naming `accepted_at`), never as a server error. ISO-8601's offset forms include the hours-only
  `+08`; naive timestamps, and dates that do not exist (29 February 2026), are bad input.
"""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine
from screening.watchlists import Violation
from tests.conftest import ScoringClient
from tests.factories import (
    BEIJING,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
)

pytestmark = pytest.mark.anyio

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
T = datetime(2026, 11, 11, 9, 30, tzinfo=BEIJING)

ZONES: dict[str, timezone] = {
    "+08:00": BEIJING,
    "Z": UTC,
    "-05:00": timezone(timedelta(hours=-5)),
    "+14:00": timezone(timedelta(hours=14)),
    "-04:00": timezone(timedelta(hours=-4)),
}
WRITINGS = ["+08:00", "Z", "-05:00", "+14:00"]


# Helpers


def written(when: datetime, offset: str) -> str:
    """The instant as ISO-8601 text in one offset (Z for UTC)."""
    text = when.astimezone(ZONES[offset]).isoformat()
    return text[:-6] + "Z" if offset == "Z" else text


def instant(text: str) -> datetime:
    """The instant an ISO-8601 text names."""
    return datetime.fromisoformat(text)


def person(n: int) -> dict[str, Any]:
    """The n-th mainland person with a verified resident ID, a phone and a building of their own."""
    return party(
        name=f"时间{n}",
        phone=f"1590777{n:04d}",
        id_number=resident_id(region="310104", birth="19900315", seq=f"{n:03d}"),
        address={"district": "徐汇区", "detail": f"漕溪北路{n}号{n}栋101室"},
    )


def overseas(n: int) -> dict[str, Any]:
    """The n-th party in Hong Kong (no ID), each with its own phone and building."""
    return hk_receiver(
        name=f"OVERSEAS {n}",
        phone=f"+8529411{n:04d}",
        address={
            "country": "HK",
            "city": "Hong Kong",
            "district": "Central",
            "detail": f"{n} Des Voeux Road",
        },
    )


def buyer(n: int) -> dict[str, Any]:
    """The n-th mainland receiver with a resident ID, phone and building of their own."""
    return cn_receiver(
        name=f"买家{n}",
        phone=f"1370777{n:04d}",
        id_type="resident_id",
        id_number=resident_id(region="320102", birth="19880808", seq=f"{n:03d}"),
        address={"detail": f"建国路{n}号{n}号楼1201"},
    )


def article(value: float, description: str = "面霜 face cream", category: str = "cosmetics") -> list[Any]:
    """One article worth value."""
    return [item(description=description, category=category, quantity=1, unit_value=value)]


def picked_up(wb: dict[str, Any], when: str) -> dict[str, Any]:
    """The waybill with its accepted_at text."""
    return {**wb, "accepted_at": when}


def export_at(sender: dict[str, Any], receiver: dict[str, Any], value: float, when: str) -> dict[str, Any]:
    """A personal postal export of one article to Hong Kong (limit 800 CNY)."""
    wb = export_postal(sender=sender, receiver=receiver, items=article(value), weight_kg=0.5)
    return picked_up(wb, when)


def import_at(sender: dict[str, Any], receiver: dict[str, Any], value: float, when: str) -> dict[str, Any]:
    """A personal postal import of one article from Hong Kong (limit 800 CNY)."""
    wb = waybill(
        service="import",
        channel="postal",
        sender=sender,
        receiver=receiver,
        items=article(value, "奶粉 milk powder", "food"),
        weight_kg=1.0,
    )
    return picked_up(wb, when)


def cbec_at(receiver: dict[str, Any], value: float, when: str) -> dict[str, Any]:
    """A cross-border e-commerce import of one watch from a Hong Kong shop."""
    wb = waybill(
        service="import",
        channel="cbec",
        sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        receiver=receiver,
        items=article(value, "手表 watch", "general"),
        weight_kg=0.3,
    )
    return picked_up(wb, when)


def domestic_at(sender: dict[str, Any], when: datetime | str) -> dict[str, Any]:
    """A plain domestic parcel of sender."""
    return picked_up(waybill(sender=sender), when if isinstance(when, str) else when.isoformat())


def violation(number: str, when: str, parcel: str) -> Violation:
    """A confirmed violation of a resident ID, dated as written."""
    return Violation.model_validate(
        {"kind": "id", "id_type": "resident_id", "value": number, "at": when, "parcel": f"SF:{parcel}"}
    )


async def decide(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


async def run(engine: Engine, waybills: list[dict[str, Any]]) -> list[Decision]:
    """Decide waybills one after the other."""
    return [await decide(engine, wb) for wb in waybills]


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def the_reason(d: Decision, code: str) -> Reason:
    """The reason of one code; the decision must carry it."""
    assert code in codes(d), f"{code} missing: {d.decision}, {sorted(codes(d))}"
    return next(r for r in d.reasons if r.code == code)


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason; the decision must carry it."""
    return the_reason(d, code).evidence


def numbers(waybills: list[dict[str, Any]]) -> set[str]:
    """The waybill numbers of some waybills."""
    return {wb["waybill_no"] for wb in waybills}


def none_has(decisions: list[Decision], code: str) -> bool:
    """No decision carries the code."""
    return all(code not in codes(d) for d in decisions)


def answer(d: Decision) -> tuple[Any, ...]:
    """What a decision says, without when it was made."""
    return (d.decision, d.risk_score, [(r.code, r.outcome, r.evidence) for r in d.reasons], d.case_id)


# One instant, any offset


async def test_the_same_instant_in_four_offsets_is_one_pickup_in_the_24_hour_window(
    history_engine: Engine,
) -> None:
    """A sixth parcel 24 h less a second after the first is in its window, however either is written;
    sent again in the other three offsets it gets the same answer and still counts once."""
    sender = person(1)
    ring = [
        export_at(sender, overseas(k), 760.0, written(T + k * 10 * MINUTE, WRITINGS[k % 4])) for k in range(5)
    ]
    assert none_has(await run(history_engine, ring), "ANT_MOVING_SENDER")
    sixth = export_at(sender, overseas(5), 760.0, written(T + DAY - SECOND, "+08:00"))
    first = await decide(history_engine, sixth)
    ev = evidence(first, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["window"], first.decision) == (6, "24h", "hold")
    assert set(ev["linked_waybills"]) == numbers(ring)
    for offset in ("Z", "-05:00", "+14:00"):
        again = await decide(history_engine, picked_up(sixth, written(T + DAY - SECOND, offset)))
        assert answer(again) == answer(first), offset
    # Exactly 24 h after the first: the first is out, the sixth is in once (not four times).
    seventh = await decide(history_engine, export_at(sender, overseas(6), 760.0, written(T + DAY, "-05:00")))
    ev = evidence(seventh, "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6 and set(ev["linked_waybills"]) == numbers([*ring[1:], sixth])


async def test_the_seven_day_edge_of_near_limit_parcels_written_in_other_offsets(
    history_engine: Engine,
) -> None:
    """Near-limit parcels at T (New York time), T + 3 d (Kiribati time) and exactly T + 7 d (UTC): the
    first is out of the third's week. A fourth at T + 7 d less a second, scored late, counts the first."""
    sender = person(2)
    first = export_at(sender, overseas(0), 760.0, written(T, "-05:00"))
    second = export_at(sender, overseas(1), 770.0, written(T + 3 * DAY, "+14:00"))
    third = export_at(sender, overseas(2), 780.0, written(T + WEEK, "Z"))
    decisions = await run(history_engine, [first, second, third])
    assert none_has(decisions, "NEAR_LIMIT_SPLIT")
    fourth = export_at(sender, overseas(3), 790.0, written(T + WEEK - SECOND, "+14:00"))
    d = await decide(history_engine, fourth)
    ev = evidence(d, "NEAR_LIMIT_SPLIT")
    assert (ev["near_limit_parcels"], ev["window"], d.decision) == (3, "7d", "inspect")
    assert set(ev["linked_waybills"]) == numbers([first, second])  # not the third, picked up after it


async def test_the_seven_day_edge_of_a_receivers_ring_written_in_other_offsets(
    history_engine: Engine,
) -> None:
    """Four imports from three senders in four days; a fifth exactly 7 d after the first makes four in its
    week, a sixth 7 d less a second after it (scored late) makes five: held."""
    receiver = buyer(3)
    ring = [
        import_at(overseas(10 + k % 3), receiver, 760.0, written(T + k * DAY, WRITINGS[k])) for k in range(4)
    ]
    await run(history_engine, ring)
    fifth = await decide(
        history_engine, import_at(overseas(11), receiver, 760.0, written(T + WEEK, "-05:00"))
    )
    assert "ANT_MOVING_RECEIVER" not in codes(fifth)
    late = await decide(
        history_engine, import_at(overseas(12), receiver, 760.0, written(T + WEEK - SECOND, "+14:00"))
    )
    ev = evidence(late, "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"], ev["window"], late.decision) == (5, 3, "7d", "hold")
    assert set(ev["linked_waybills"]) == numbers(ring)


async def test_one_new_york_wall_clock_time_on_the_night_daylight_saving_ends_is_two_instants(
    history_engine: Engine,
) -> None:
    """01:30 -05:00 on 1 November 2026 is exactly 24 h after the first of five parcels (out of its window);
    01:30 -04:00 the same night is an hour earlier (in), even scored after it."""
    sender = person(4)
    start = datetime(2026, 10, 31, 6, 30, tzinfo=UTC)
    ring = [
        export_at(sender, overseas(20 + k), 760.0, written(start + k * 10 * MINUTE, "-04:00"))
        for k in range(5)
    ]
    await run(history_engine, ring)
    standard = export_at(sender, overseas(25), 760.0, "2026-11-01T01:30:00-05:00")
    d = await decide(history_engine, standard)
    assert "ANT_MOVING_SENDER" not in codes(d)
    daylight = await decide(
        history_engine, export_at(sender, overseas(26), 760.0, "2026-11-01T01:30:00-04:00")
    )
    ev = evidence(daylight, "ANT_MOVING_SENDER")
    assert (ev["parcels"], daylight.decision) == (6, "hold")
    assert set(ev["linked_waybills"]) == numbers(ring)


async def test_seven_days_across_29_february_are_seven_times_24_hours(history_engine: Engine) -> None:
    """23 February 2028 10:00 to 1 March 10:00 (Beijing) is 7 days in a leap year: out; a second less: in."""
    sender = person(5)
    first = export_at(sender, overseas(30), 760.0, "2028-02-23T10:00:00+08:00")
    second = export_at(sender, overseas(31), 760.0, "2028-02-27T02:00:00Z")
    await run(history_engine, [first, second])
    third = await decide(history_engine, export_at(sender, overseas(32), 760.0, "2028-03-01T02:00:00Z"))
    assert "NEAR_LIMIT_SPLIT" not in codes(third)
    fourth = await decide(history_engine, export_at(sender, overseas(33), 760.0, "2028-02-29T20:59:59-05:00"))
    ev = evidence(fourth, "NEAR_LIMIT_SPLIT")
    assert ev["near_limit_parcels"] == 3 and set(ev["linked_waybills"]) == numbers([first, second])


# CBEC_ANNUAL_LIMIT: the Beijing calendar year


async def spend(engine: Engine, who: dict[str, Any], amounts: list[tuple[str, float]]) -> None:
    """Purchases of one buyer, none of them over the annual limit."""
    for when, value in amounts:
        d = await decide(engine, cbec_at(who, value, when))
        assert "CBEC_ANNUAL_LIMIT" not in codes(d), when


SPENT_2026 = [(f"2026-0{k + 1}-15T10:00:00+08:00", 5000.0) for k in range(5)]  # 25,000 CNY


@pytest.mark.parametrize(
    ("when", "year"),
    [
        pytest.param("2026-12-31T11:30:00-05:00", 2027, id="31-dec-in-new-york-is-1-jan-in-beijing"),
        pytest.param("2027-01-01T05:59:59+14:00", 2026, id="1-jan-in-kiribati-is-still-31-dec-in-beijing"),
        pytest.param("2027-01-01T06:00:00+14:00", 2027, id="beijing-midnight-written-in-kiribati"),
        pytest.param("2026-12-31T15:59:59.999Z", 2026, id="last-millisecond-of-2026-in-beijing"),
    ],
)
async def test_a_purchase_near_beijing_midnight_counts_in_its_beijing_year_whatever_its_offset(
    history_engine: Engine, when: str, year: int
) -> None:
    """25,000 CNY bought in 2026; 1,000.01 more passes 26,000 only when Beijing's calendar says 2026."""
    who = buyer(10)
    await spend(history_engine, who, SPENT_2026)
    d = await decide(history_engine, cbec_at(who, 1000.01, when))
    if year == 2026:
        ev = evidence(d, "CBEC_ANNUAL_LIMIT")
        assert (ev["year"], ev["year_total_cny"], ev["earlier_cny"]) == (2026, 26000.01, 25000.0)
        assert d.decision == "hold"
    else:
        assert "CBEC_ANNUAL_LIMIT" not in codes(d) and d.decision == "release"


async def test_a_purchase_at_16_30_utc_on_31_december_counts_against_the_next_years_quota(
    history_engine: Engine,
) -> None:
    """2026-12-31T16:30:00Z is 00:30 on 1 January 2027 in Beijing: it fills 2027's 26,000, not 2026's."""
    who = buyer(11)
    await spend(history_engine, who, [*SPENT_2026[:4], ("2026-06-15T10:00:00+08:00", 2000.0)])  # 22,000
    turn = await decide(history_engine, cbec_at(who, 5000.0, "2026-12-31T16:30:00Z"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(turn)  # 27,000 if it were 2026's
    await spend(history_engine, who, [(f"2027-0{k + 2}-10T10:00:00+08:00", 5000.0) for k in range(4)])
    await spend(history_engine, who, [("2027-07-01T10:00:00+08:00", 1000.0)])  # 2027: 26,000, not over
    over_2027 = await decide(history_engine, cbec_at(who, 0.01, "2027-08-01T10:00:00+08:00"))
    ev = evidence(over_2027, "CBEC_ANNUAL_LIMIT")
    assert (ev["year"], ev["earlier_cny"], ev["year_total_cny"]) == (2027, 26000.0, 26000.01)
    # Half an hour before Beijing midnight is still 2026: 22,000 + 4,000 is not over; a cent more is.
    await spend(history_engine, who, [("2026-12-31T15:30:00Z", 4000.0)])
    over_2026 = await decide(history_engine, cbec_at(who, 0.01, "2026-12-31T15:45:00Z"))
    ev = evidence(over_2026, "CBEC_ANNUAL_LIMIT")
    assert (ev["year"], ev["earlier_cny"], over_2026.decision) == (2026, 26000.0, "hold")


async def test_a_late_purchase_of_the_old_year_counts_only_against_the_old_year(
    history_engine: Engine,
) -> None:
    """2027's purchases are scored first; a purchase picked up at 23:59:59 Beijing on 31 December 2026
    arrives after them: it counts against 2026 (25,000 before it), and never in 2027's total."""
    who = buyer(12)
    await spend(history_engine, who, SPENT_2026)
    await spend(history_engine, who, [(f"2027-0{k + 1}-10T10:00:00+08:00", 5000.0) for k in range(4)])
    late = await decide(history_engine, cbec_at(who, 1000.01, "2026-12-31T15:59:59Z"))
    ev = evidence(late, "CBEC_ANNUAL_LIMIT")
    assert (ev["year"], ev["earlier_cny"], ev["year_total_cny"]) == (2026, 25000.0, 26000.01)
    await spend(history_engine, who, [("2027-05-10T10:00:00+08:00", 5000.0)])  # 2027: 25,000
    d = await decide(history_engine, cbec_at(who, 1000.01, "2027-06-10T10:00:00+08:00"))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["year"], ev["earlier_cny"]) == (2027, 25000.0)


# PRIOR_VIOLATIONS: one calendar year back to the same Beijing date and time


@pytest.mark.parametrize(
    ("pickup", "old", "count"),
    [
        # 1 March 2028 12:00 Beijing: the year runs from 1 March 2027 12:00 (365 days would say 2 March).
        pytest.param("2028-03-01T04:00:00Z", "2027-03-01T05:00:00-05:00", 2, id="1-mar-18h-beijing-inside"),
        pytest.param("2028-03-01T04:00:00Z", "2027-03-01T03:59:59Z", 1, id="a-second-before-the-year"),
        # 28 February 2029 12:00:01: the year from 28 February 2028 12:00:01 holds 29 February 2028.
        pytest.param("2029-02-28T04:00:01Z", "2028-02-29T12:00:00+08:00", 2, id="29-feb-inside-28-feb"),
        # 1 March 2029 11:59:59: the year from 1 March 2028 11:59:59 leaves 29 February 2028 out.
        pytest.param("2029-03-01T11:59:59+08:00", "2028-02-29T04:00:00Z", 1, id="29-feb-outside-1-mar"),
    ],
)
async def test_the_violation_year_counts_back_to_the_same_beijing_date_and_time(
    history_engine: Engine, pickup: str, old: str, count: int
) -> None:
    number = resident_id(region="350203", birth="19830303", seq="771")
    recent = written(instant(pickup) - 30 * DAY, "+14:00")
    await history_engine.record_violations(
        [violation(number, old, "SF1771000000001"), violation(number, recent, "SF1771000000002")]
    )
    d = await decide(history_engine, domestic_at(party(id_number=number), pickup))
    r = the_reason(d, "PRIOR_VIOLATIONS")
    assert (r.evidence["violations"], r.outcome, d.decision) == (
        count,
        "hold" if count == 2 else "inspect",
        "hold" if count == 2 else "inspect",
    )
    local = instant(pickup).astimezone(BEIJING)
    since = instant(r.evidence["since"])
    assert since.astimezone(BEIJING).replace(tzinfo=None) == local.replace(year=local.year - 1, tzinfo=None)


async def test_a_pickup_on_29_february_counts_the_violations_of_the_year_before(
    history_engine: Engine,
) -> None:
    """Picked up at noon on 29 February 2028: a violation on 1 March 2027 at 13:00 is within the year and one
    on 27 February 2027 is not, however 'the same date a year before' is read."""
    number = resident_id(region="350203", birth="19830303", seq="772")
    await history_engine.record_violations(
        [
            violation(number, "2027-02-27T12:00:00+08:00", "SF1772000000001"),
            violation(number, "2027-03-01T00:00:00-05:00", "SF1772000000002"),  # 13:00 Beijing
            violation(number, "2028-01-10T10:00:00+08:00", "SF1772000000003"),
        ]
    )
    d = await decide(history_engine, domestic_at(party(id_number=number), "2028-02-29T04:00:00Z"))
    r = the_reason(d, "PRIOR_VIOLATIONS")
    assert (r.evidence["violations"], d.decision) == (2, "hold")


async def test_a_violation_written_earlier_on_the_clock_but_later_in_time_is_not_prior(
    history_engine: Engine,
) -> None:
    """09:00 -05:00 is 22:00 Beijing: after a 21:30 Beijing pickup (not prior), before a 22:30 one (prior)."""
    number = resident_id(region="350203", birth="19830303", seq="773")
    await history_engine.record_violations(
        [violation(number, "2026-11-11T09:00:00-05:00", "SF1773000000001")]
    )
    sender = party(id_number=number)
    before = await decide(history_engine, domestic_at(sender, "2026-11-11T21:30:00+08:00"))
    assert "PRIOR_VIOLATIONS" not in codes(before) and before.decision == "release"
    after = await decide(history_engine, domestic_at(sender, "2026-11-11T14:30:00Z"))
    assert (evidence(after, "PRIOR_VIOLATIONS")["violations"], after.decision) == (1, "inspect")


# Parcels arriving late


async def test_a_late_parcel_sees_only_what_was_picked_up_before_it_and_counts_for_what_comes_after(
    history_engine: Engine,
) -> None:
    sender = person(6)
    ring = [
        export_at(sender, overseas(40 + k), 760.0, written(T + (k + 1) * HOUR, "+08:00")) for k in range(5)
    ]
    await run(history_engine, ring)
    earliest = export_at(sender, overseas(45), 760.0, written(T, "Z"))
    d = await decide(history_engine, earliest)  # picked up before all five: alone in its windows
    assert none_has([d], "NEAR_LIMIT_SPLIT") and none_has([d], "ANT_MOVING_SENDER")
    assert d.decision == "release"
    middle = export_at(sender, overseas(46), 760.0, written(T + 3.5 * HOUR, "-05:00"))
    d = await decide(history_engine, middle)  # sees the earliest and the first three, not hours 4 and 5
    assert "ANT_MOVING_SENDER" not in codes(d)
    ev = evidence(d, "NEAR_LIMIT_SPLIT")
    assert ev["near_limit_parcels"] == 5 and set(ev["linked_waybills"]) == numbers([earliest, *ring[:3]])
    last = await decide(
        history_engine, export_at(sender, overseas(47), 760.0, written(T + 6 * HOUR, "+14:00"))
    )
    ev = evidence(last, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], last.decision) == (8, 8, "hold")
    assert set(ev["linked_waybills"]) == numbers([*ring, earliest, middle])


@pytest.mark.parametrize("order", [[5, 4, 3, 2, 1, 0], [2, 5, 0, 4, 1, 3]], ids=["reversed", "shuffled"])
async def test_a_ring_scored_out_of_order_counts_by_pickup_time(
    history_engine: Engine, order: list[int]
) -> None:
    """Each parcel counts only the parcels already scored that were picked up no later than it; a parcel
    picked up after all of them counts all of them, as if they had come in order."""
    sender = person(7)
    ring = [
        export_at(sender, overseas(50 + k), 760.0 + k, written(T + k * 30 * MINUTE, WRITINGS[k % 4]))
        for k in range(6)
    ]
    scored: list[int] = []
    for k in order:
        d = await decide(history_engine, ring[k])
        seen = 1 + sum(1 for j in scored if j < k)
        assert ("NEAR_LIMIT_SPLIT" in codes(d)) is (seen >= 3), (k, seen)
        if seen >= 3:
            assert evidence(d, "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == seen
        assert ("ANT_MOVING_SENDER" in codes(d)) is (seen >= 6)
        scored.append(k)
    last = await decide(history_engine, export_at(sender, overseas(56), 760.0, written(T + 3 * HOUR, "Z")))
    ev = evidence(last, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (7, 7, 7 * 760.0 + 15)
    assert set(ev["linked_waybills"]) == numbers(ring) and last.decision == "hold"


async def test_a_late_import_joins_the_receivers_week_only_for_parcels_after_it(
    history_engine: Engine,
) -> None:
    receiver = buyer(13)
    ring = [
        import_at(overseas(60 + k % 3), receiver, 760.0, written(T + (k + 1) * DAY, "+08:00"))
        for k in range(4)
    ]
    await run(history_engine, ring)
    late = import_at(overseas(61), receiver, 760.0, written(T, "-05:00"))
    d = await decide(history_engine, late)
    assert "ANT_MOVING_RECEIVER" not in codes(d) and "NEAR_LIMIT_SPLIT" not in codes(d)
    after = await decide(
        history_engine, import_at(overseas(62), receiver, 760.0, written(T + 5 * DAY, "+14:00"))
    )
    ev = evidence(after, "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"], after.decision) == (6, 3, "hold")
    assert set(ev["linked_waybills"]) == numbers([*ring, late])


async def test_a_late_parcel_more_than_a_week_before_the_others_is_in_none_of_their_weeks(
    history_engine: Engine,
) -> None:
    sender = person(8)
    near = [
        export_at(sender, overseas(70 + k), 760.0, written(T + 8 * DAY + k * HOUR, "Z")) for k in range(2)
    ]
    await run(history_engine, near)
    late = export_at(sender, overseas(72), 760.0, written(T, "+14:00"))
    assert "NEAR_LIMIT_SPLIT" not in codes(await decide(history_engine, late))
    d = await decide(
        history_engine, export_at(sender, overseas(73), 760.0, written(T + 8 * DAY + 2 * HOUR, "-05:00"))
    )
    ev = evidence(d, "NEAR_LIMIT_SPLIT")
    assert ev["near_limit_parcels"] == 3 and set(ev["linked_waybills"]) == numbers(near)


async def test_a_ring_scored_weeks_late_is_judged_in_its_own_time(history_engine: Engine) -> None:
    """The sender's parcel of 40 days later was scored first; the ring of six arrives afterwards: held."""
    sender = person(9)
    await decide(history_engine, export_at(sender, overseas(80), 300.0, written(T + 40 * DAY, "+08:00")))
    ring = [
        export_at(sender, overseas(81 + k), 760.0, written(T + k * 30 * MINUTE, WRITINGS[k % 4]))
        for k in range(6)
    ]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:5], "ANT_MOVING_SENDER")
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], decisions[5].decision) == (6, "hold")
    assert set(ev["linked_waybills"]) == numbers(ring[:5])


async def test_a_late_part_of_a_burst_sees_no_spike_and_the_next_parcel_counts_it(
    history_engine: Engine,
) -> None:
    sender = person(10)
    await decide(history_engine, domestic_at(sender, T - 15 * DAY))
    start = T + 3 * HOUR
    burst = [domestic_at(sender, written(start + k * 3 * MINUTE, WRITINGS[k % 4])) for k in range(20)]
    decisions = await run(history_engine, burst)
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    assert evidence(decisions[19], "VELOCITY_SPIKE")["parcels_24h"] == 20
    late = [domestic_at(sender, written(start - (k + 1) * MINUTE, "-05:00")) for k in range(5)]
    assert none_has(await run(history_engine, late), "VELOCITY_SPIKE")  # each picked up before the burst
    d = await decide(history_engine, domestic_at(sender, written(start + 2 * HOUR, "+14:00")))
    ev = evidence(d, "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], d.decision) == (26, "inspect")


# Many parcels at one instant


async def test_six_parcels_at_one_instant_make_a_ring_and_a_re_send_among_them_counts_once(
    history_engine: Engine,
) -> None:
    """A courier collecting parcels at once types one time (in whatever offset): each sees those before it."""
    sender = person(11)
    ring = [export_at(sender, overseas(90 + k), 760.0, written(T, WRITINGS[k % 4])) for k in range(6)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:5], "ANT_MOVING_SENDER")
    assert [evidence(d, "NEAR_LIMIT_SPLIT")["near_limit_parcels"] for d in decisions[2:5]] == [3, 4, 5]
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], decisions[5].decision) == (6, "hold")
    assert set(ev["linked_waybills"]) == numbers(ring[:5])
    again = await decide(history_engine, ring[2])
    assert answer(again) == answer(decisions[2])
    seventh = await decide(history_engine, export_at(sender, overseas(96), 760.0, written(T, "Z")))
    assert evidence(seventh, "ANT_MOVING_SENDER")["parcels"] == 7


async def test_twenty_parcels_at_one_instant_are_a_velocity_spike(history_engine: Engine) -> None:
    sender = person(12)
    await decide(history_engine, domestic_at(sender, T - 15 * DAY))
    burst = [domestic_at(sender, written(T, WRITINGS[k % 4])) for k in range(20)]
    decisions = await run(history_engine, burst)
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    assert all(d.decision == "release" for d in decisions[:19])
    ev = evidence(decisions[19], "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["history_days"], decisions[19].decision) == (20, 15, "inspect")


# VELOCITY_SPIKE: ≥ 14 days of history in event time


async def test_fourteen_days_of_history_are_counted_to_the_second_across_offsets(
    history_engine: Engine,
) -> None:
    """First seen at F; nineteen parcels in the two hours before F + 14 d; the twentieth at F + 14 d less a
    second is no spike, the twenty-first at exactly F + 14 d is."""
    sender = person(13)
    first = T - 14 * DAY
    await decide(history_engine, domestic_at(sender, written(first, "-05:00")))
    burst = [domestic_at(sender, written(T - 2 * HOUR + k * 5 * MINUTE, WRITINGS[k % 4])) for k in range(19)]
    decisions = await run(history_engine, burst)
    twentieth = await decide(history_engine, domestic_at(sender, written(T - SECOND, "+14:00")))
    assert none_has([*decisions, twentieth], "VELOCITY_SPIKE")
    d = await decide(history_engine, domestic_at(sender, written(T, "Z")))
    ev = evidence(d, "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["history_days"], d.decision) == (21, 14, "inspect")


async def test_history_is_measured_at_the_parcels_own_pickup_not_at_the_newest_parcel(
    history_engine: Engine,
) -> None:
    """First seen at F and already seen at F + 20 d: a burst picked up at F + 10 d (scored late) has ten days
    of history at its pickup, no spike; the same burst at F + 20 d is one."""
    sender = person(14)
    first = T - 20 * DAY
    await decide(history_engine, domestic_at(sender, written(first, "+08:00")))
    await decide(history_engine, domestic_at(sender, written(T, "Z")))
    early = [domestic_at(sender, written(first + 10 * DAY + k * MINUTE, "-05:00")) for k in range(20)]
    assert none_has(await run(history_engine, early), "VELOCITY_SPIKE")
    now = [domestic_at(sender, written(T + (k + 1) * MINUTE, "+14:00")) for k in range(19)]
    decisions = await run(history_engine, now)
    ev = evidence(decisions[-1], "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["history_days"]) == (20, 20)


@pytest.mark.parametrize("late_first", [True, False], ids=["late-first-sighting", "no-earlier-parcel"])
async def test_a_late_parcel_moves_the_first_sighting_back(history_engine: Engine, late_first: bool) -> None:
    """Parcels on the 5 days before a burst; a late parcel picked up 15 days before it, scored after them,
    gives the sender 15 days of history: the burst is a spike. Without it, five days are too few."""
    sender = person(15 if late_first else 16)
    await run(history_engine, [domestic_at(sender, written(T - d * DAY, "+08:00")) for d in range(5, 0, -1)])
    if late_first:
        await decide(history_engine, domestic_at(sender, written(T - 15 * DAY, "-05:00")))
    burst = [domestic_at(sender, written(T + 3 * HOUR + k * 3 * MINUTE, "Z")) for k in range(20)]
    decisions = await run(history_engine, burst)
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    if late_first:
        ev = evidence(decisions[19], "VELOCITY_SPIKE")
        assert (ev["parcels_24h"], ev["history_days"], decisions[19].decision) == (20, 15, "inspect")
    else:
        assert "VELOCITY_SPIKE" not in codes(decisions[19]) and decisions[19].decision == "release"


# The wire form of accepted_at (the contract)


def locs(body: dict[str, Any]) -> list[list[Any]]:
    """The loc of every error in a 422 body."""
    return [e["loc"] for e in body["detail"]]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("2026-11-11T09:30:00", id="naive"),
        pytest.param("2028-02-29T23:59:59.999", id="naive-29-february"),
        pytest.param("2026-02-29T10:00:00+08:00", id="29-february-of-a-common-year"),
        pytest.param("2026-04-31T10:00:00Z", id="31-april"),
    ],
)
def test_a_pickup_time_without_offset_or_without_a_real_date_is_a_422_naming_it(
    client: ScoringClient, text: str
) -> None:
    r = client.http.post("/v1/score", json=waybill(accepted_at=text))
    assert r.status_code == 422, r.text
    assert locs(r.json()) == [["body", "accepted_at"]]


def test_iso_offsets_from_minus_12_to_plus_14_are_scored(client: ScoringClient) -> None:
    """Real offsets (and the first day of the cbec rules, 2018 in UTC) all get a decision."""
    for text in (
        "2026-11-10T13:30:00-12:00",
        "2026-11-11T15:30:00+14:00",
        "2026-11-11T07:15:00+05:45",
        "2026-11-11T14:15:00+12:45",
        "2026-11-10T22:00:00-03:30",
        "2019-01-01T00:00:00+08:00",
    ):
        d = client.score(waybill(accepted_at=text))
        assert d["decision"] == "release", text


def test_an_iso_8601_hours_only_offset_is_a_pickup_time_with_offset(client: ScoringClient) -> None:
    d = client.score(waybill(accepted_at="2026-11-11T09:30:00+08"))
    assert d["decision"] == "release"


def test_times_outside_any_pickup_are_bad_input_never_a_server_error(client: ScoringClient) -> None:
    for text in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00", "1970-01-01T00:00:00Z"):
        r = client.http.post("/v1/score", json=waybill(accepted_at=text))
        assert r.status_code in (200, 422), (text, r.status_code)
        if r.status_code == 422:
            assert locs(r.json()) == [["body", "accepted_at"]], text


def test_a_naive_pickup_time_fails_alone_in_a_batch_and_counts_nothing(client: ScoringClient) -> None:
    """Six parcels of a ring in one batch, the third without offset: it fails in its slot, the sixth sees five
    parcels (no ring); sent again with its offset it counts once, and a seventh sees seven."""
    sender = person(17)
    ring = [
        export_at(sender, overseas(100 + k), 760.0, written(T + k * 10 * MINUTE, "+08:00")) for k in range(6)
    ]
    naive = picked_up(ring[2], "2026-11-11T09:50:00")
    r = client.http.post("/v1/score/batch", json={"waybills": [*ring[:2], naive, *ring[3:]]})
    assert r.status_code == 200, r.text
    slots = r.json()["decisions"]
    assert [e["loc"] for e in slots[2]["error"]["detail"]] == [["body", "waybills", 2, "accepted_at"]]
    assert "ANT_MOVING_SENDER" not in {x["code"] for x in slots[5]["reasons"]}
    client.score(ring[2])
    seventh = client.score(export_at(sender, overseas(106), 760.0, written(T + HOUR, "Z")))
    ev = next(x for x in seventh["reasons"] if x["code"] == "ANT_MOVING_SENDER")["evidence"]
    assert ev["parcels"] == 7 and set(ev["linked_waybills"]) == numbers(ring)
