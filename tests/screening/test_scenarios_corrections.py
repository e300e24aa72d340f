"""Corrections and re-sends of one parcel, and what they do to every history figure, on every history store.

Written from ../shared/contract/README.md ('Idempotency': re-sending the same body returns the same decision
and changes nothing; a changed body is scored again and the parcel still counts once, "its earlier
contribution is replaced, not added to"), RULES.md §3 (windows in event time), ARCHITECTURE.md (State, Rules
for the history store) and the README's promise that a correction changing who the parcel belongs to "also
takes it off the entities only the earlier body had". History tests run on the embedded store, single-node
Redis and Redis Cluster (`history_engine`); tests of the wire form of a body on the HTTP app (`client`).

Readings used here, where the sources leave a choice:
- Windows are (t - 24 h, t] and (t - 7 d, t] of event time, as in the other scenario files.
- The body in force is the last one received: the original body sent again after a correction is a changed
  body (against the correction) and is scored again; sent once more, it gets that new decision back.
- A body is "the same" when it says the same thing in JSON: key order, white space, 1000 against 1000.0 and
  optional fields left out against given as null or as their default do not make another body. The same
  instant written with another offset is another text of the pickup time: scored again is a fair reading,
  but it is still the one parcel and counts once.
- A correction is judged in the event time of its corrected body: parcels picked up after it are not in its
  windows, as for any late parcel.
"""

import json
from datetime import timedelta
from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import BASE_TIME, Whole, cn_receiver, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad, buyer, cbec_import
from tests.screening.test_scenarios_rings import at, export, import_postal, numbers, run
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
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


# Helpers


def revalued(wb: dict[str, Any], value: float) -> dict[str, Any]:
    """The same parcel with its one article declared at another value."""
    first = wb["items"][0]
    return {**wb, "items": [{**first, "quantity": 1, "unit_value": value}], "declared_value": value}


def receiver_at(n: int, **changes: Any) -> dict[str, Any]:
    """The n-th mainland receiver with a phone and a building of their own, no ID."""
    fields: dict[str, Any] = {
        "name": f"收件人{n}",
        "phone": f"1370000{n:04d}",
        "address": {"district": "徐汇区", "detail": f"漕溪北路{n}号{n}栋502室"},
    }
    return cn_receiver(**(fields | changes))


def buyer_id(seq: str) -> str:
    """A cbec buyer's resident ID number."""
    return resident_id(region="320102", birth="19880808", seq=seq)


def ring(
    sender: dict[str, Any], count: int, value: float = 700.0, start: float = 0.0
) -> list[dict[str, Any]]:
    """`count` exports of one sender to distinct Hong Kong receivers, half an hour apart."""
    return [export(sender, abroad("HK", i), value, hours=start + i * 0.5) for i in range(count)]


async def decide(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill (a short name for the scenarios)."""
    return await score(engine, wb)


# Re-sending the same body, written another way (wire form, on the HTTP app)


def _drop_defaults(body: dict[str, Any]) -> dict[str, Any]:
    """The body with optional fields that are null or their default left out."""
    defaults: list[tuple[str, Any]] = [("customer_type", "individual"), ("id_verified", False)]
    out = {k: v for k, v in body.items() if v is not None}
    for side in ("sender", "receiver"):
        out[side] = {k: v for k, v in body[side].items() if v is not None and (k, v) not in defaults}
        out[side]["address"] = {k: v for k, v in body[side]["address"].items() if v is not None}
    return out


def _integers(body: dict[str, Any]) -> dict[str, Any]:
    """The body with every whole-number amount written as an integer (1000, not 1000.0)."""

    def whole(v: Any) -> Any:
        return int(v) if isinstance(v, float) and v.is_integer() else v

    out = {k: whole(v) for k, v in body.items()}
    out["items"] = [{k: whole(v) for k, v in i.items()} for i in body["items"]]
    out["dims_cm"] = [whole(v) for v in body["dims_cm"]]
    return out


REWRITES = {
    "keys-reversed": lambda b: json.dumps(dict(reversed(list(b.items()))), ensure_ascii=False),
    "indented": lambda b: json.dumps(b, ensure_ascii=True, indent=7, sort_keys=True),
    "integers": lambda b: json.dumps(_integers(b)),
    "defaults-left-out": lambda b: json.dumps(_drop_defaults(b)),
}


@pytest.mark.parametrize("rewrite", list(REWRITES))
def test_the_same_body_written_another_way_gets_the_identical_decision_and_counts_once(
    client: ScoringClient, rewrite: str
) -> None:
    """Key order, white space, 1000 against 1000.0 and left-out defaults make no other body."""
    sender = stranger(1)
    parcels = [
        export(sender, abroad("HK", i), 760.0, hours=i * 0.5, weight_kg=1.0, dims_cm=[20.0, 15.0, 10.0])
        for i in range(6)
    ]
    first = [client.score(wb) for wb in parcels[:5]]
    for wb, d in zip(parcels[:5], first, strict=True):
        r = client.http.post(
            "/v1/score", content=REWRITES[rewrite](wb), headers={"content-type": "application/json"}
        )
        assert r.status_code == 200, r.text
        assert r.json() == d  # scored_at included: the remembered decision
    sixth = next(r for r in client.score(parcels[5])["reasons"] if r["code"] == "ANT_MOVING_SENDER")
    assert (sixth["evidence"]["parcels"], sixth["evidence"]["total_value"]) == (6, 6 * 760.0)
    assert sorted(sixth["evidence"]["linked_waybills"]) == sorted(numbers(parcels[:5]))


def test_the_same_pickup_written_in_utc_is_still_one_parcel(client: ScoringClient) -> None:
    """The instant of 11:30 +08:00 sent again as 03:30Z: the parcel still counts once in the ring."""
    sender = stranger(2)
    parcels = [export(sender, abroad("HK", i), 760.0, hours=i * 0.5) for i in range(6)]
    for wb in parcels[:5]:
        client.score(wb)
    assert parcels[4]["accepted_at"] == "2026-11-11T11:30:00+08:00"
    client.score(timed(parcels[4], "2026-11-11T03:30:00Z"))
    ev = next(r for r in client.score(parcels[5])["reasons"] if r["code"] == "ANT_MOVING_SENDER")["evidence"]
    assert ev["parcels"] == 6 and len(ev["linked_waybills"]) == 5
    assert sorted(ev["linked_waybills"]) == sorted(numbers(parcels[:5]))


# A corrected value


async def test_a_value_corrected_into_the_band_makes_the_third_near_limit_parcel(
    history_engine: Engine,
) -> None:
    """A parcel first declared at 500 and corrected to 750 counts as near the 800 limit from then on."""
    sender = stranger(11)
    first = export(sender, abroad("HK", 0), 500.0, hours=0)
    near = [export(sender, abroad("HK", i), 760.0, hours=i * 10) for i in (1, 2)]
    await run(history_engine, [first, *near])
    await decide(history_engine, revalued(first, 750.0))
    d = await decide(history_engine, export(sender, abroad("HK", 3), 300.0, hours=30))
    ev = evidence(d, "NEAR_LIMIT_SPLIT")
    assert (ev["near_limit_parcels"], ev["band"], d.decision) == (3, [720.0, 800.0], "inspect")
    assert sorted(ev["linked_waybills"]) == sorted(numbers([first, *near]))


async def test_a_value_corrected_over_the_limit_leaves_the_ants_total(history_engine: Engine) -> None:
    """A ring parcel corrected to 900 (over 800) is no ant: the ring's count, total and links lose it."""
    sender = stranger(12)
    ants = ring(sender, 6)
    await run(history_engine, ants)
    over = await decide(history_engine, revalued(ants[2], 900.0))
    assert "ANT_MOVING_SENDER" not in codes(over)
    assert the_reason(over, "OVER_PERSONAL_LIMIT").evidence["value_cny"] == 900.0
    seventh = await decide(history_engine, export(sender, abroad("HK", 6), 700.0, hours=3.5))
    ev = evidence(seventh, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"], ev["distinct_receivers"]) == (6, 6 * 700.0, 6)
    assert ants[2]["waybill_no"] not in ev["linked_waybills"]
    assert sorted(ev["linked_waybills"]) == sorted(numbers(ants[:2] + ants[3:]))


async def test_a_ring_total_takes_each_parcel_at_its_last_value_once(history_engine: Engine) -> None:
    """Corrected twice, 700 → 500 → 600: the ring's total holds 600 for it, not 700, 500 or their sum."""
    sender = stranger(13)
    ants = ring(sender, 5)
    await run(history_engine, ants)
    await decide(history_engine, revalued(ants[0], 500.0))
    await decide(history_engine, revalued(ants[0], 600.0))
    d = await decide(history_engine, export(sender, abroad("HK", 5), 700.0, hours=2.5))
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"], ev["near_limit_parcels"]) == (6, 600.0 + 5 * 700.0, 0)
    assert sorted(ev["linked_waybills"]) == sorted(numbers(ants))


async def test_a_counterpart_corrected_to_japan_takes_760_out_of_the_800_band(history_engine: Engine) -> None:
    """760 is near 800 (Hong Kong), not near 1,000 (Japan): a receiver corrected to Japan leaves the band."""
    kept, fixed = stranger(14), stranger(15)
    thirds = []
    for sender in (kept, fixed):
        near = [export(sender, abroad("HK", i), 760.0, hours=i * 10) for i in range(2)]
        await run(history_engine, near)
        if sender is fixed:
            jp = await decide(history_engine, {**near[0], "receiver": abroad("JP", 0)})
            assert "NEAR_LIMIT_SPLIT" not in codes(jp) and jp.decision == "release"
        thirds.append(await decide(history_engine, export(sender, abroad("HK", 2), 760.0, hours=20)))
    assert evidence(thirds[0], "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3
    assert "NEAR_LIMIT_SPLIT" not in codes(thirds[1])


# A corrected pickup time


async def test_a_pickup_corrected_into_the_day_completes_the_ring_at_the_correction(
    history_engine: Engine,
) -> None:
    """The sixth parcel typed three days early and corrected into the day: its corrected body is held."""
    sender = stranger(21)
    ants = ring(sender, 5)
    await run(history_engine, ants)
    typo = export(sender, abroad("HK", 5), 700.0, when=at(BASE_TIME + 2.5 * HOUR - 3 * DAY))
    assert "ANT_MOVING_SENDER" not in codes(await decide(history_engine, typo))
    d = await decide(history_engine, timed(typo, BASE_TIME + 2.5 * HOUR))
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["total_value"], d.decision) == ("24h", 6, 4200.0, "hold")
    assert sorted(ev["linked_waybills"]) == sorted(numbers(ants))  # not its own number


@pytest.mark.parametrize(
    ("back", "counted"), [(WEEK - SECOND, True), (WEEK, False)], ids=["7d-less-1s", "7d"]
)
async def test_a_pickup_corrected_to_the_weeks_edge(
    history_engine: Engine, back: timedelta, counted: bool
) -> None:
    """A near-limit parcel typed ten days back, corrected to a week less a second (in) or a week (out)."""
    sender = stranger(22)
    now = BASE_TIME + DAY
    typo = export(sender, abroad("HK", 0), 760.0, when=at(now - 10 * DAY))
    near = [export(sender, abroad("HK", i), 760.0, when=at(now - i * HOUR)) for i in (2, 1)]
    await run(history_engine, [typo, *near])
    await decide(history_engine, timed(typo, now - back))
    d = await decide(history_engine, export(sender, abroad("HK", 3), 300.0, when=at(now)))
    assert ("NEAR_LIMIT_SPLIT" in codes(d)) is counted
    if counted:
        assert sorted(evidence(d, "NEAR_LIMIT_SPLIT")["linked_waybills"]) == sorted(numbers([typo, *near]))


async def test_a_pickup_corrected_before_the_senders_other_parcels_sees_none_of_them(
    history_engine: Engine,
) -> None:
    """The sixth parcel, held at 12:00, corrected to 08:30: the five after it are not in its window."""
    sender = stranger(23)
    ants = ring(sender, 5, start=1.0)
    await run(history_engine, ants)
    sixth = export(sender, abroad("HK", 5), 700.0, hours=3.5)
    assert (await decide(history_engine, sixth)).decision == "hold"
    early = await decide(history_engine, timed(sixth, BASE_TIME - HOUR))
    assert "ANT_MOVING_SENDER" not in codes(early) and early.decision == "release"
    d = await decide(history_engine, export(sender, abroad("HK", 6), 700.0, hours=4))
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (7, 7 * 700.0)
    assert sorted(ev["linked_waybills"]) == sorted(numbers([*ants, sixth]))


# A mistyped pickup time, corrected: the typo must leave nothing behind


async def test_a_pickup_typed_a_month_late_and_corrected_leaves_the_senders_ring_whole(
    history_engine: Engine,
) -> None:
    """2026-12-11 typed for 2026-11-11 and corrected: the five parcels of the day still count."""
    sender = stranger(31)
    ants = ring(sender, 5)
    await run(history_engine, ants)
    typo = export(sender, abroad("HK", 5), 700.0, when="2026-12-11T13:30:00+08:00")
    await decide(history_engine, typo)
    d = await decide(history_engine, timed(typo, "2026-11-11T13:30:00+08:00"))
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"], d.decision) == (6, 4200.0, "hold")


async def test_a_year_typed_two_years_late_and_corrected_keeps_the_senders_violation(
    history_engine: Engine,
) -> None:
    """A sender with a violation last month: a 2028 typo corrected to 2026 still leaves PRIOR_VIOLATIONS."""
    sender = stranger(32)
    await history_engine.record_violations(
        [id_violation(sender["id_number"], BASE_TIME - 30 * DAY, "SF1690000000001")]
    )
    before = await decide(history_engine, waybill(sender=sender, hours_after=-1))
    assert the_reason(before, "PRIOR_VIOLATIONS").evidence["violations"] == 1
    typo = timed(waybill(sender=sender), "2028-11-11T09:30:00+08:00")
    await decide(history_engine, typo)
    corrected = await decide(history_engine, timed(typo, BASE_TIME))
    later = await decide(history_engine, waybill(sender=sender, hours_after=1))
    assert [evidence(d, "PRIOR_VIOLATIONS")["violations"] for d in (corrected, later)] == [1, 1]


async def test_a_purchase_typed_two_years_late_leaves_later_corrections_replacing(
    history_engine: Engine,
) -> None:
    """After a 2028 typo is corrected, a 2026 purchase corrected from 5,000 to 1,000 replaces its 5,000."""
    who = buyer("301")
    bought = [cbec_import(who, 5000.0, f"2026-0{k + 1}-10T10:00:00+08:00") for k in range(5)]
    await run(history_engine, bought)
    typo = cbec_import(who, 100.0, "2028-06-10T10:00:00+08:00")
    await decide(history_engine, typo)
    await decide(history_engine, timed(typo, "2026-06-10T10:00:00+08:00"))
    d = await decide(history_engine, revalued(bought[0], 1000.0))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d) and d.decision == "release"  # 21,100 in 2026
    d = await decide(history_engine, cbec_import(who, 4900.0, "2026-08-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # exactly 26,000
    d = await decide(history_engine, cbec_import(who, 1.0, "2026-09-10T10:00:00+08:00"))
    assert evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26001.0


async def test_a_purchase_corrected_within_its_year_replaces_its_share_of_the_years_total(
    history_engine: Engine,
) -> None:
    """Without a typo, a purchase corrected from 3,000 to 4,000 makes the year 26,500 with it, not 29,500."""
    who = buyer("302")
    bought = [cbec_import(who, 4500.0, f"2026-0{k + 1}-10T10:00:00+08:00") for k in range(5)]
    fixed = cbec_import(who, 3000.0, "2026-07-10T10:00:00+08:00")
    await run(history_engine, [*bought, fixed])
    d = await decide(history_engine, revalued(fixed, 4000.0))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], ev["earlier_cny"], ev["this_parcel_cny"]) == (26500.0, 22500.0, 4000.0)
    assert d.decision == "hold"


# A corrected sender, receiver, buyer, address or account


async def test_a_receiver_corrected_onto_a_collecting_receiver_is_held_there_and_leaves_the_other(
    history_engine: Engine,
) -> None:
    """R1 has four imports, R2 three: the fifth, sent to R2 and corrected to R1, is R1's fifth, not R2's."""
    r1, r2 = receiver_at(1), receiver_at(2)
    to_r1 = [import_postal(abroad("HK", i), r1, 700.0, hours=i) for i in range(4)]
    to_r2 = [import_postal(abroad("HK", 10 + i), r2, 700.0, hours=i) for i in range(3)]
    await run(history_engine, [*to_r1, *to_r2])
    fifth = import_postal(abroad("HK", 20), r2, 700.0, hours=5)
    assert "ANT_MOVING_RECEIVER" not in codes(await decide(history_engine, fifth))
    d = await decide(history_engine, {**fifth, "receiver": r1})
    ev = evidence(d, "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"], d.decision) == (5, 5, 3500.0, "hold")
    assert sorted(ev["linked_waybills"]) == sorted(numbers(to_r1))
    r2_next = await decide(history_engine, import_postal(abroad("HK", 21), r2, 700.0, hours=6))
    assert "ANT_MOVING_RECEIVER" not in codes(r2_next)  # R2: four parcels, not five


async def test_a_sender_corrected_to_a_known_one_leaves_too_few_distinct_senders(
    history_engine: Engine,
) -> None:
    """Imports to one receiver from A, B, A, B, C: C's parcel corrected to A leaves two senders in six."""
    receiver = receiver_at(3)
    senders = [abroad("HK", n) for n in (0, 1, 0, 1, 2)]
    parcels = [import_postal(s, receiver, 700.0, hours=i) for i, s in enumerate(senders)]
    decisions = await run(history_engine, parcels)
    assert evidence(decisions[4], "ANT_MOVING_RECEIVER")["distinct_senders"] == 3
    fixed = await decide(history_engine, {**parcels[4], "sender": abroad("HK", 0)})
    assert "ANT_MOVING_RECEIVER" not in codes(fixed)
    d = await decide(history_engine, import_postal(abroad("HK", 1), receiver, 700.0, hours=6))
    assert "ANT_MOVING_RECEIVER" not in codes(d)  # six parcels from two senders


async def test_a_corrected_building_takes_the_parcel_off_the_first_buildings_ring(
    history_engine: Engine,
) -> None:
    """Five receivers of one building (each their own phone) are one ring, less one corrected elsewhere."""
    fifths = []
    for b in (88, 89):  # building 89's fourth parcel goes to another building by correction
        building = {"district": "徐汇区", "detail": f"漕溪北路{b}号5栋502室"}
        people = [receiver_at(10 * b + n, address=building) for n in range(5)]
        parcels = [import_postal(abroad("HK", 10 * b + n), people[n], 700.0, hours=n) for n in range(5)]
        await run(history_engine, parcels[:4])
        if b == 89:
            moved = receiver_at(10 * b + 3, address={"district": "静安区", "detail": "南京西路1号1栋101室"})
            assert "ANT_MOVING_RECEIVER" not in codes(
                await decide(history_engine, {**parcels[3], "receiver": moved})
            )
        fifths.append(await decide(history_engine, parcels[4]))
    ev = evidence(fifths[0], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_address", 5, 5)
    assert "ANT_MOVING_RECEIVER" not in codes(fifths[1]) and fifths[1].decision == "release"


async def test_a_buyer_id_corrected_under_the_same_phone_moves_the_purchase_between_two_years_totals(
    history_engine: Engine,
) -> None:
    """Same phone and address, ID corrected: the first ID's year loses 5,000 and the second's gains it."""
    first = buyer("311")
    second = Whole({**first, "id_number": buyer_id("312")})
    await run(
        history_engine, [cbec_import(first, 5000.0, f"2026-0{k + 1}-10T10:00:00+08:00") for k in range(4)]
    )
    await run(
        history_engine, [cbec_import(second, 5000.0, f"2026-0{k + 1}-11T10:00:00+08:00") for k in range(4)]
    )
    purchase = cbec_import(first, 5000.0, "2026-06-10T10:00:00+08:00")
    await decide(history_engine, purchase)
    await decide(history_engine, {**purchase, "receiver": second})
    d = await decide(history_engine, cbec_import(first, 5000.0, "2026-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # 25,000: the corrected purchase is not the first ID's
    d = await decide(history_engine, cbec_import(second, 1001.0, "2026-07-11T10:00:00+08:00"))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], ev["earlier_cny"]) == (26001.0, 25000.0)


async def test_a_buyer_id_withdrawn_by_a_correction_leaves_the_ids_year_and_holds_for_the_missing_id(
    history_engine: Engine,
) -> None:
    """A cbec purchase corrected to have no buyer ID is held for the missing ID and leaves the ID's total."""
    who = buyer("313")
    await run(
        history_engine, [cbec_import(who, 5000.0, f"2026-0{k + 1}-10T10:00:00+08:00") for k in range(4)]
    )
    purchase = cbec_import(who, 5000.0, "2026-06-10T10:00:00+08:00")
    await decide(history_engine, purchase)
    anonymous = Whole({**who, "id_type": None, "id_number": None})
    d = await decide(history_engine, {**purchase, "receiver": anonymous})
    assert "BUYER_ID_MISSING" in codes(d) and "CBEC_ANNUAL_LIMIT" not in codes(d)
    d = await decide(history_engine, cbec_import(who, 5000.0, "2026-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # 25,000 without the withdrawn purchase


def _paid(sender: dict[str, Any], n: int, account: str, hours: float) -> dict[str, Any]:
    """A near-limit export of a sender of its own, paid from an account."""
    order = {"platform": "shop", "order_id": f"O-{n}", "payment_account": account}
    return export(sender, abroad("HK", n), 760.0, hours=hours, order=order)


async def test_a_corrected_payment_account_leaves_the_first_accounts_near_limit_count(
    history_engine: Engine,
) -> None:
    """Three senders paid from one account are three near-limit parcels of it, unless one account is fixed."""
    thirds = []
    for a, account in enumerate(("6222020000000001", "6222020000000002")):
        parcels = [_paid(stranger(40 + 3 * a + n), 3 * a + n, account, hours=n * 10) for n in range(3)]
        await run(history_engine, parcels[:2])
        if a == 1:
            order = {**parcels[0]["order"], "payment_account": "6222020000000099"}
            await decide(history_engine, {**parcels[0], "order": order})
        thirds.append(await decide(history_engine, parcels[2]))
    ev = evidence(thirds[0], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == ("payment_account", 3)
    assert "NEAR_LIMIT_SPLIT" not in codes(thirds[1]) and thirds[1].decision == "release"


async def test_a_ring_forms_at_the_correction_that_names_the_true_sender(history_engine: Engine) -> None:
    """A parcel of T corrected to S, who has five ants that day, is S's sixth: held, linking S's five."""
    s, t = stranger(51), stranger(52)
    ants = ring(s, 5)
    await run(history_engine, ants)
    parcel = export(t, abroad("HK", 9), 700.0, hours=2.5)
    assert (await decide(history_engine, parcel)).decision == "release"
    d = await decide(history_engine, {**parcel, "sender": s})
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], d.decision) == (6, 6, "hold")
    assert sorted(ev["linked_waybills"]) == sorted(numbers(ants))


async def test_a_sender_corrected_away_and_back_counts_for_the_first_sender_only(
    history_engine: Engine,
) -> None:
    """S → T → S: S's sixth parcel is a ring with it; T's fifth, without it, is not."""
    s, t = stranger(53), stranger(54)
    await run(history_engine, ring(t, 4, start=0.1))
    s_ants = ring(s, 4)
    parcel = export(s, abroad("HK", 8), 700.0, hours=2.1)
    await run(history_engine, [*s_ants, parcel])
    await decide(history_engine, {**parcel, "sender": t})
    back = await decide(history_engine, parcel)
    assert "ANT_MOVING_SENDER" not in codes(back)  # S: five with it
    d = await decide(history_engine, export(t, abroad("HK", 9), 700.0, hours=3))
    assert "ANT_MOVING_SENDER" not in codes(d)  # T: five without it
    d = await decide(history_engine, export(s, abroad("HK", 9), 700.0, hours=3))
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6 and sorted(ev["linked_waybills"]) == sorted(numbers([*s_ants, parcel]))


# A corrected lane: channel and service


async def test_a_purchase_corrected_to_a_personal_import_leaves_the_buyers_year(
    history_engine: Engine,
) -> None:
    """A cbec purchase of 3,000 corrected to a personal postal import is no purchase against the quota."""
    who = buyer("321")
    await run(
        history_engine, [cbec_import(who, 5000.0, f"2026-0{k + 1}-10T10:00:00+08:00") for k in range(4)]
    )
    purchase = cbec_import(who, 3000.0, "2026-06-10T10:00:00+08:00")
    await decide(history_engine, purchase)
    d = await decide(history_engine, {**purchase, "channel": "postal"})
    assert "CBEC_ANNUAL_LIMIT" not in codes(d) and "CBEC_SINGLE_LIMIT" not in codes(d)
    d = await decide(history_engine, cbec_import(who, 5000.0, "2026-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # 25,000; 28,000 had the corrected parcel stayed


async def test_a_personal_import_corrected_to_a_purchase_joins_the_buyers_year(
    history_engine: Engine,
) -> None:
    """A postal import of 1,500 corrected to cbec is judged with the buyer's 25,000: 26,500, held."""
    who = buyer("322")
    await run(
        history_engine, [cbec_import(who, 5000.0, f"2026-0{k + 1}-10T10:00:00+08:00") for k in range(5)]
    )
    parcel = cbec_import(who, 1500.0, "2026-07-10T10:00:00+08:00", channel="postal")
    first = await decide(history_engine, parcel)
    assert "CBEC_ANNUAL_LIMIT" not in codes(first)
    d = await decide(history_engine, {**parcel, "channel": "cbec"})
    r = the_reason(d, "CBEC_ANNUAL_LIMIT")
    assert (r.evidence["year_total_cny"], r.evidence["earlier_cny"], d.decision) == (26500.0, 25000.0, "hold")
    d = await decide(history_engine, cbec_import(who, 1.0, "2026-08-10T10:00:00+08:00"))
    assert evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26501.0


async def test_an_export_corrected_to_domestic_leaves_the_near_limit_count(history_engine: Engine) -> None:
    """Two near-limit exports and a third: one corrected to a domestic parcel leaves two in the band."""
    thirds = []
    for n in (61, 63):  # the second sender's first parcel was in truth a domestic one
        sender = stranger(n)
        near = [export(sender, abroad("HK", i), 760.0, hours=i * 10) for i in range(3)]
        await run(history_engine, near[:2])
        if n == 63:
            home = {**near[0], "service": "domestic", "channel": "express", "receiver": receiver_at(n)}
            assert not codes(await decide(history_engine, home))
        thirds.append(await decide(history_engine, near[2]))
    assert evidence(thirds[0], "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3
    assert "NEAR_LIMIT_SPLIT" not in codes(thirds[1])


async def test_an_export_corrected_to_domestic_leaves_the_same_goods_fanout(history_engine: Engine) -> None:
    """Five exports of one face cream to three receivers fan out; one corrected to domestic leaves four."""
    fifths, firsts = [], []
    for n in (62, 64):  # the second sender's second parcel was in truth a domestic one
        sender = stranger(n)
        parcels = [export(sender, abroad("HK", i % 3), 150.0, hours=i) for i in range(5)]
        await run(history_engine, parcels[:4])
        if n == 64:
            home = {**parcels[1], "service": "domestic", "channel": "express", "receiver": receiver_at(n)}
            await decide(history_engine, home)
        fifths.append(await decide(history_engine, parcels[4]))
        firsts.append(parcels[:4])
    ev = evidence(fifths[0], "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"]) == (5, 3)
    assert sorted(ev["linked_waybills"]) == sorted(numbers(firsts[0]))
    assert "SAME_GOODS_FANOUT" not in codes(fifths[1]) and fifths[1].decision == "release"


# Many corrections, re-sends of the original, recall


async def test_five_parcels_each_corrected_three_times_interleaved_count_once_at_their_last_values(
    history_engine: Engine,
) -> None:
    """Fifteen corrections in round-robin order: the sixth parcel sees five parcels at their last values."""
    sender = stranger(71)
    ants = ring(sender, 5)
    for value in (700.0, 710.0, 720.0):
        for wb in ants:
            await decide(history_engine, revalued(wb, value))
            await decide(history_engine, revalued(wb, value))  # and each once re-sent as is
    d = await decide(history_engine, export(sender, abroad("HK", 5), 700.0, hours=2.5))
    ev = evidence(d, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"], ev["near_limit_parcels"]) == (6, 5 * 720.0 + 700.0, 5)
    assert len(ev["linked_waybills"]) == 5
    assert sorted(ev["linked_waybills"]) == sorted(numbers(ants))


async def test_corrected_parcels_of_a_burst_count_once_towards_a_velocity_spike(
    history_engine: Engine,
) -> None:
    """Nineteen parcels each corrected once are nineteen in 24 h, not 38: the twentieth makes the spike."""
    sender = stranger(72)
    await run(history_engine, seasoned(sender, days=16, per_day=1))
    parcels = burst(sender, 20)
    decisions = []
    for wb in parcels[:19]:
        await decide(history_engine, wb)
        decisions.append(await decide(history_engine, revalued(wb, 100.0)))
    assert none_has(decisions, "VELOCITY_SPIKE")
    ev = evidence(await decide(history_engine, parcels[19]), "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["daily_median"]) == (20, 1.0)


async def test_the_original_body_re_sent_after_its_correction_is_scored_again_and_then_remembered(
    history_engine: Engine,
) -> None:
    """A → B → A: the third scoring is fresh (the body in force changed), and a fourth A returns it."""
    sender = stranger(73)
    ants = ring(sender, 5)
    await run(history_engine, ants)
    sixth = export(sender, abroad("HK", 5), 700.0, hours=3)
    first = await decide(history_engine, sixth)
    assert evidence(first, "ANT_MOVING_SENDER")["parcels"] == 6
    over = await decide(history_engine, revalued(sixth, 900.0))  # B: over the limit, no ant
    assert "ANT_MOVING_SENDER" not in codes(over)
    recalled = await history_engine.recall(carrier=sixth["carrier"], waybill_no=sixth["waybill_no"])
    assert recalled.model_dump() == over.model_dump()
    late = export(sender, abroad("HK", 6), 700.0, hours=2.75)  # picked up before it, scored after
    await decide(history_engine, late)
    again = await decide(history_engine, sixth)  # A once more
    ev = evidence(again, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (7, 7 * 700.0)
    assert sorted(ev["linked_waybills"]) == sorted(numbers([*ants, late]))
    assert (await decide(history_engine, sixth)).model_dump() == again.model_dump()
    recalled = await history_engine.recall(carrier=sixth["carrier"], waybill_no=sixth["waybill_no"])
    assert recalled.model_dump() == again.model_dump()
    d = await decide(history_engine, export(sender, abroad("HK", 7), 700.0, hours=3.5))
    assert evidence(d, "ANT_MOVING_SENDER")["parcels"] == 8  # A counted once over four scorings


async def test_a_re_sent_correction_returns_its_own_decision_not_the_originals(
    history_engine: Engine,
) -> None:
    """A, then B sent three times: each B gets B's decision, identical; the ring counts the parcel once."""
    sender = stranger(74)
    ants = ring(sender, 5)
    await run(history_engine, ants)
    sixth = export(sender, abroad("HK", 5), 700.0, hours=3)
    assert (await decide(history_engine, sixth)).decision == "hold"
    fixed = revalued(sixth, 400.0)
    decisions = [await decide(history_engine, fixed) for _ in range(3)]
    assert all(d.model_dump() == decisions[0].model_dump() for d in decisions)
    ev = evidence(decisions[0], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (6, 5 * 700.0 + 400.0)
    d = await decide(history_engine, export(sender, abroad("HK", 6), 700.0, hours=3.5))
    assert evidence(d, "ANT_MOVING_SENDER")["total_value"] == 6 * 700.0 + 400.0
