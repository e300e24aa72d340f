"""An examiner's acceptance scenarios of state over time through the HTTP API, written from the law and the
wire contract alone.

Sources: ../shared/domain/RULES.md §3 (ANT_MOVING_SENDER, ANT_MOVING_RECEIVER, NEAR_LIMIT_SPLIT,
SAME_GOODS_FANOUT, CBEC_ANNUAL_LIMIT, VELOCITY_SPIKE, PRIOR_VIOLATIONS; windows in event time, L per lane),
../shared/contract/README.md (idempotency, `POST /v1/score/batch`, `GET /v1/decisions/...`,
`POST /v1/inspections`) and the README's "What is checked" (a window holds the parcels up to this one's
pickup; distinct people by the ID the lane asks for, else by phone; one building however it is typed).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from screening.policy.schemas import Policy
from tests.api.answers import codes, reason_of
from tests.api.conftest import CaseClient
from tests.conftest import store_settings
from tests.factories import (
    BASE_TIME,
    BEIJING,
    cn_receiver,
    export_postal,
    hk_receiver,
    inspection_report,
    item,
    party,
    resident_id,
    waybill,
)

BACKENDS = ["embedded", pytest.param("redis", marks=pytest.mark.redis)]
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)

# Distinct goods, so that a ring of them is never also a same-goods fan-out.
GOODS = [
    "羊毛围巾 wool scarf",
    "皮带 leather belt",
    "棒球帽 baseball cap",
    "手套 gloves",
    "袜子 socks",
    "运动鞋 sneakers",
    "羽绒外套 down coat",
    "衬衫 shirt",
    "半身裙 skirt",
    "领带 necktie",
    "毛衣 sweater",
    "睡衣 pajamas",
]


# Fixtures and helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def svc(request: pytest.FixtureRequest, tmp_path: Path, policy: Policy) -> Iterator[CaseClient]:
    """A started app on one history store (embedded unless parametrized), no random audit, no model."""
    backend: str = getattr(request, "param", "embedded")
    app = create_app(store_settings(request, backend, tmp_path / "data"))
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield CaseClient(http, app)


def at(moment: datetime) -> str:
    """ISO-8601 with the offset the datetime carries."""
    return moment.isoformat()


def person(seq: int) -> dict[str, Any]:
    """A mainland sender of their own: own ID, phone and building."""
    return party(
        name=f"寄件人{seq}",
        phone=f"137{seq:08d}",
        id_number=resident_id(region="310104", birth="19880808", seq=f"{seq % 1000:03d}"),
        address={"district": "徐汇区", "detail": f"漕宝路{seq}号", "postcode": "200233"},
    )


def abroad(n: int, country: str = "MO") -> dict[str, Any]:
    """The n-th of several receivers abroad (Macau by default: L = 800; elsewhere L = 1,000)."""
    cities = {"MO": "Macau", "HK": "Hong Kong", "TW": "Taipei", "US": "Seattle", "JP": "Tokyo"}
    phones = {"MO": "+8536612", "HK": "+8529123", "TW": "+8869123", "US": "+1206555", "JP": "+8190123"}
    return hk_receiver(
        name=f"RECEIVER {n}",
        phone=f"{phones[country]}{n:04d}",
        address={"country": country, "city": cities[country], "district": "", "detail": f"{n} Rua {n}"},
    )


def sent(
    sender: dict[str, Any], receiver: dict[str, Any], value: float, when: datetime, k: int = 0
) -> dict[str, Any]:
    """An export personal article of one item of `value` CNY picked up at `when`."""
    return export_postal(
        accepted_at=at(when),
        sender=sender,
        receiver=receiver,
        items=[item(description=GOODS[k % len(GOODS)], quantity=1, unit_value=value)],
        weight_kg=0.5,
    )


def ring(
    sender: dict[str, Any], values: list[float], receivers: int = 3, step: timedelta = 20 * MINUTE
) -> list[dict[str, Any]]:
    """One sender's parcels of these values to `receivers` Macau receivers in turn, `step` apart."""
    return [sent(sender, abroad(i % receivers), v, BASE_TIME + i * step, k=i) for i, v in enumerate(values)]


def score_all(client: CaseClient, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Score bodies one request each, in list order."""
    return [client.score(b) for b in bodies]


def batch(client: CaseClient, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """POST /v1/score/batch and return its slots."""
    r = client.http.post("/v1/score/batch", json={"waybills": bodies})
    assert r.status_code == 200, r.text
    slots: list[dict[str, Any]] = r.json()["decisions"]
    return slots


def read_back(client: CaseClient, wb: dict[str, Any]) -> dict[str, Any]:
    """GET /v1/decisions/{carrier}/{waybill_no}."""
    r = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def report(client: CaseClient, wb: dict[str, Any], result: str, when: datetime) -> None:
    """POST /v1/inspections for a waybill and expect it accepted."""
    r = client.http.post("/v1/inspections", json=inspection_report(wb, result, inspected_at=at(when)))
    assert r.status_code == 200, r.text


def domestic(sender: dict[str, Any], when: datetime, **changes: Any) -> dict[str, Any]:
    """A plain domestic parcel (releases on its own) of this sender picked up at `when`."""
    return waybill(accepted_at=at(when), sender=sender, **changes)


def decision_view(d: dict[str, Any]) -> tuple[Any, ...]:
    """What a re-send must repeat: decision, score, reasons, case."""
    return d["decision"], d["risk_score"], d["reasons"], d["case_id"]


# ANT_MOVING_SENDER: every condition met, and each missing by one --------------------------------------------


@pytest.mark.parametrize("svc", BACKENDS, indirect=True)
def test_six_parcels_in_a_day_to_three_receivers_each_under_l_and_together_3l_hold_the_sixth(
    svc: CaseClient,
) -> None:
    """Six parcels of 500 CNY (L 800, total 3,000 ≥ 2,400) to three receivers: the sixth is held."""
    bodies = ring(person(101), [500.0] * 6)
    out = score_all(svc, bodies)
    assert [d["decision"] for d in out[:5]] == ["release"] * 5
    assert out[5]["decision"] == "hold" and out[5]["case_id"] is not None
    ev = reason_of(out[5], "ANT_MOVING_SENDER")["evidence"]
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 3, 3000.0)
    assert ev["per_parcel_limit"] == 800.0
    assert set(ev["linked_waybills"]) <= {b["waybill_no"] for b in bodies}
    assert len(set(ev["linked_waybills"]) - {bodies[5]["waybill_no"]}) == 5


def test_five_parcels_in_a_day_do_not_hold(svc: CaseClient) -> None:
    """Five parcels (3,000 CNY with larger values, three receivers) are one parcel short of six in 24 h."""
    out = score_all(svc, ring(person(102), [600.0] * 5))
    assert [d["decision"] for d in out] == ["release"] * 5
    assert not any("ANT_MOVING_SENDER" in codes(d) for d in out)


def test_six_parcels_to_only_two_receivers_do_not_hold(svc: CaseClient) -> None:
    """Three receivers are needed; six parcels to two are not a ring of the sender."""
    out = score_all(svc, ring(person(103), [500.0] * 6, receivers=2))
    assert "ANT_MOVING_SENDER" not in codes(out[5])
    assert out[5]["decision"] == "release"


def test_a_parcel_over_l_does_not_count_among_the_ants_until_a_sixth_one_under_l_comes(
    svc: CaseClient,
) -> None:
    """Six parcels of which one is 850 (over L 800): five under L, no ring; a seventh under L makes six."""
    values = [500.0, 500.0, 850.0, 500.0, 500.0, 500.0, 500.0]
    out = score_all(svc, ring(person(104), values))
    assert "OVER_PERSONAL_LIMIT" in codes(out[2])
    assert "ANT_MOVING_SENDER" not in codes(out[5])
    assert "ANT_MOVING_SENDER" in codes(out[6]) and out[6]["decision"] == "hold"


@pytest.mark.parametrize(("last", "held"), [(399.99, False), (400.0, True)])
def test_the_ring_total_must_reach_three_times_l(svc: CaseClient, last: float, held: bool) -> None:
    """5 × 400 + 399.99 = 2,399.99 is under 3 · 800; 5 × 400 + 400 = 2,400 reaches it."""
    out = score_all(svc, ring(person(105), [400.0] * 5 + [last]))
    assert ("ANT_MOVING_SENDER" in codes(out[5])) is held
    assert out[5]["decision"] == ("hold" if held else "release")


@pytest.mark.parametrize(("sixth_after", "held"), [(24 * HOUR - MINUTE, True), (24 * HOUR + MINUTE, False)])
def test_the_24_hour_window_edge_in_event_time(svc: CaseClient, sixth_after: timedelta, held: bool) -> None:
    """Five parcels within the first hour; the sixth a minute inside or outside 24 h of the first."""
    who = person(106)
    bodies = [sent(who, abroad(i % 3), 500.0, BASE_TIME + i * 10 * MINUTE, k=i) for i in range(5)]
    bodies.append(sent(who, abroad(5 % 3), 500.0, BASE_TIME + sixth_after, k=5))
    out = score_all(svc, bodies)
    assert ("ANT_MOVING_SENDER" in codes(out[5])) is held


@pytest.mark.parametrize(("span", "held"), [(7 * DAY - MINUTE, True), (7 * DAY + MINUTE, False)])
def test_ten_parcels_within_seven_days_hold_and_the_window_edge_is_in_event_time(
    svc: CaseClient, span: timedelta, held: bool
) -> None:
    """Ten parcels spread evenly (never six in 24 h); the tenth is written in UTC, a minute inside or
    outside seven days of the first."""
    who = person(107)
    step = span / 9
    bodies = [sent(who, abroad(i % 3), 500.0, BASE_TIME + i * step, k=i) for i in range(10)]
    utc = datetime.fromisoformat(bodies[9]["accepted_at"]).astimezone(UTC)
    bodies[9]["accepted_at"] = utc.isoformat()
    out = score_all(svc, bodies)
    assert not any("ANT_MOVING_SENDER" in codes(d) for d in out[:9])
    assert ("ANT_MOVING_SENDER" in codes(out[9])) is held
    if held:
        assert reason_of(out[9], "ANT_MOVING_SENDER")["evidence"]["window"] == "7d"


def test_a_ring_sent_out_of_pickup_order_is_judged_in_event_time(svc: CaseClient) -> None:
    """The latest pickup is scored first (alone, released); the others come shuffled; a parcel picked up
    after them all sees the six before it."""
    who = person(108)
    bodies = ring(who, [500.0] * 6)
    order = [5, 2, 4, 0, 3]
    early = score_all(svc, [bodies[i] for i in order])
    assert early[0]["decision"] == "release"
    # Parcel 3 is scored last of these five but is not the latest in event time: only 4 precede it.
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in early)
    late = svc.score(bodies[1])
    assert "ANT_MOVING_SENDER" not in codes(late)
    seventh = svc.score(sent(who, abroad(1), 500.0, BASE_TIME + 3 * HOUR, k=6))
    ev = reason_of(seventh, "ANT_MOVING_SENDER")["evidence"]
    assert seventh["decision"] == "hold" and ev["parcels"] == 7


def test_parcels_of_another_sender_do_not_join_a_ring(svc: CaseClient) -> None:
    """Three parcels each of two senders, same receivers: neither sender has six."""
    a, b = ring(person(109), [500.0] * 3), ring(person(110), [500.0] * 3)
    out = score_all(svc, [x for pair in zip(a, b, strict=True) for x in pair])
    assert not any("ANT_MOVING_SENDER" in codes(d) for d in out)


# ANT_MOVING_RECEIVER: keyed by ID, by phone and by the normalised address -----------------------------------


def importer(n: int) -> dict[str, Any]:
    """The n-th sender in Hong Kong (no ID on an import; told apart by phone)."""
    return hk_receiver(
        name=f"SENDER {n}", phone=f"+8525123{n:04d}", address={"detail": f"{n} Des Voeux Road"}
    )


def imported(
    sender: dict[str, Any], receiver: dict[str, Any], value: float, when: datetime, k: int
) -> dict[str, Any]:
    """An import personal article from Hong Kong (L 800) of one item."""
    return waybill(
        accepted_at=at(when),
        service="import",
        channel="postal",
        sender=sender,
        receiver=receiver,
        items=[item(description=GOODS[k % len(GOODS)], quantity=1, unit_value=value)],
        weight_kg=0.5,
    )


RECEIVER_ID = resident_id(region="110105", birth="19900101", seq="515")
# One receiver seen five ways: by ID (phone and building differ each time), by phone (written differently,
# no ID, buildings differ), by building (written differently, no ID, phones differ).
RECEIVER_FORMS: dict[str, list[dict[str, Any]]] = {
    "id": [
        cn_receiver(
            name=f"收件人{i}",
            phone=f"1391100{i:04d}",
            id_type="resident_id",
            id_number=RECEIVER_ID,
            address={"detail": f"朝阳路{i + 1}号"},
        )
        for i in range(5)
    ],
    "phone": [
        cn_receiver(name="孙丽", phone=phone, address={"detail": f"光华路{i + 1}号"})
        for i, phone in enumerate(
            ["13922223333", "+86 139 2222 3333", "0086-139-2222-3333", "139 2222 3333", "+8613922223333"]
        )
    ],
    "address": [
        cn_receiver(name=f"住户{i}", phone=f"1393300{i:04d}", address={"detail": detail})
        for i, detail in enumerate(
            [
                "建国路93号万达广场8号楼1201",
                "建国路93号万达广场8栋502室",
                "建国路93号万达广场8幢1703",
                "建国路93号 万达广场 8号楼 906",
                "建国路９３号万达广场８号楼２２０１",
            ]
        )
    ],
}


@pytest.mark.parametrize("key", list(RECEIVER_FORMS))
def test_five_parcels_to_one_receiver_from_three_senders_hold_the_fifth(svc: CaseClient, key: str) -> None:
    """Five imports of 500 CNY (2,500 ≥ 2,400) from three senders to one receiver, matched by key."""
    forms = RECEIVER_FORMS[key]
    bodies = [imported(importer(i % 3), forms[i], 500.0, BASE_TIME + i * HOUR, i) for i in range(5)]
    out = score_all(svc, bodies)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in out[:4])
    assert out[4]["decision"] == "hold"
    ev = reason_of(out[4], "ANT_MOVING_RECEIVER")["evidence"]
    assert ev["parcels"] == 5 and ev["distinct_senders"] == 3
    assert ev["entity"].startswith("receiver_") and key in ev["entity"]


def test_five_parcels_to_one_receiver_from_two_senders_do_not_hold(svc: CaseClient) -> None:
    """Three distinct senders are needed."""
    forms = RECEIVER_FORMS["id"]
    bodies = [imported(importer(i % 2), forms[i], 500.0, BASE_TIME + i * HOUR, i) for i in range(5)]
    out = score_all(svc, bodies)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in out)


def test_four_parcels_to_one_receiver_from_three_senders_do_not_hold(svc: CaseClient) -> None:
    """Five parcels are needed; four of 700 (2,800 ≥ 2,400) are one short."""
    forms = RECEIVER_FORMS["phone"]
    bodies = [imported(importer(i % 3), forms[i], 700.0, BASE_TIME + i * HOUR, i) for i in range(4)]
    out = score_all(svc, bodies)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in out)


def test_another_building_on_the_same_road_is_another_receiver(svc: CaseClient) -> None:
    """Buildings 8 and 9 of one estate are two receivers: 3 + 2 parcels never make five at one."""
    details = ["建国路93号万达广场8号楼1201", "建国路93号万达广场9号楼1201"] * 3
    bodies = [
        imported(
            importer(i % 3),
            cn_receiver(name=f"住户{i}", phone=f"1394400{i:04d}", address={"detail": details[i]}),
            500.0,
            BASE_TIME + i * HOUR,
            i,
        )
        for i in range(5)
    ]
    out = score_all(svc, bodies)
    assert not any("ANT_MOVING_RECEIVER" in codes(d) for d in out)


# NEAR_LIMIT_SPLIT with L per lane ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "value", "flagged"),
    [
        ("MO", 720.0, True),
        ("MO", 799.99, True),
        ("MO", 719.99, False),
        ("MO", 800.0, False),
        ("US", 950.0, True),
        ("US", 799.99, False),
    ],
)
def test_three_parcels_just_under_the_lanes_limit_are_inspected(
    svc: CaseClient, country: str, value: float, flagged: bool
) -> None:
    """[0.9·L, L): L is 800 to Macau and 1,000 to the US; 800.00 to Macau is at L, not under it."""
    who = person(120)
    bodies = [sent(who, abroad(i, country), value, BASE_TIME + i * DAY, k=i) for i in range(3)]
    out = score_all(svc, bodies)
    assert "NEAR_LIMIT_SPLIT" not in codes(out[1])
    assert ("NEAR_LIMIT_SPLIT" in codes(out[2])) is flagged
    assert "OVER_PERSONAL_LIMIT" not in codes(out[2])
    if flagged:
        ev = reason_of(out[2], "NEAR_LIMIT_SPLIT")["evidence"]
        limit = 800.0 if country == "MO" else 1000.0
        assert ev["per_parcel_limit"] == limit and ev["band"] == [0.9 * limit, limit]
        assert out[2]["decision"] == "inspect"


def test_near_limit_cbec_purchases_use_the_5000_limit(svc: CaseClient) -> None:
    """Three cbec imports of 4,600 for one buyer (band [4,500, 5,000)) are inspected; 4,400 are not."""
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="521"))
    low = [cbec(buyer, 4400.0, BASE_TIME + i * DAY, i) for i in range(3)]
    assert "NEAR_LIMIT_SPLIT" not in codes(score_all(svc, low)[2])
    other = cn_receiver(id_type="resident_id", id_number=resident_id(seq="522"), phone="13955556666")
    high = score_all(svc, [cbec(other, 4600.0, BASE_TIME + i * DAY, i) for i in range(3)])
    ev = reason_of(high[2], "NEAR_LIMIT_SPLIT")["evidence"]
    assert ev["per_parcel_limit"] == 5000.0 and high[2]["decision"] == "inspect"


def test_near_limit_parcels_more_than_seven_days_apart_are_not_split(svc: CaseClient) -> None:
    """The third near-limit parcel a minute past seven days after the first sees only one before it."""
    who = person(121)
    times = [BASE_TIME, BASE_TIME + 3 * DAY, BASE_TIME + 7 * DAY + MINUTE]
    out = score_all(svc, [sent(who, abroad(i), 760.0, t, k=i) for i, t in enumerate(times)])
    assert "NEAR_LIMIT_SPLIT" not in codes(out[2])


# SAME_GOODS_FANOUT ------------------------------------------------------------------------------------------


SAME_GOODS = [
    "蓝牙耳机 Bluetooth earphones",
    "蓝牙耳机, bluetooth earphones.",
    "蓝牙耳机  BLUETOOTH EARPHONES",
]


@pytest.mark.parametrize(("parcels", "counterparts", "flagged"), [(5, 3, True), (5, 2, False), (4, 4, False)])
def test_the_same_goods_on_five_parcels_to_three_counterparts_are_inspected(
    svc: CaseClient, parcels: int, counterparts: int, flagged: bool
) -> None:
    """One description (written three ways) on cheap parcels: five to three receivers is a fan-out."""
    who = person(130)
    bodies = [
        export_postal(
            accepted_at=at(BASE_TIME + i * HOUR),
            sender=who,
            receiver=abroad(i % counterparts),
            items=[item(description=SAME_GOODS[i % 3], category="electronics", quantity=1, unit_value=150.0)],
            weight_kg=0.3,
        )
        for i in range(parcels)
    ]
    out = score_all(svc, bodies)
    assert ("SAME_GOODS_FANOUT" in codes(out[-1])) is flagged
    if flagged:
        ev = reason_of(out[-1], "SAME_GOODS_FANOUT")["evidence"]
        assert (ev["parcels"], ev["counterparts"]) == (5, 3)
        assert out[-1]["decision"] == "inspect"


# CBEC_ANNUAL_LIMIT across a calendar year in Beijing time ---------------------------------------------------


def cbec(buyer: dict[str, Any], value: float, when: datetime, k: int) -> dict[str, Any]:
    """A cbec import from one Hong Kong shop to this buyer."""
    return waybill(
        accepted_at=at(when),
        service="import",
        channel="cbec",
        sender=importer(900),
        receiver=buyer,
        items=[
            item(description=GOODS[k % len(GOODS)], category="apparel_shoes", quantity=1, unit_value=value)
        ],
        weight_kg=2.0,
    )


def year_of_purchases(buyer: dict[str, Any]) -> list[dict[str, Any]]:
    """Five purchases of 5,000 CNY (at the single limit, not over it) spread over 2026: 25,000 in total."""
    months = [2, 4, 6, 8, 10]
    return [
        cbec(buyer, 5000.0, datetime(2026, m, 15, 12, 0, tzinfo=BEIJING), i) for i, m in enumerate(months)
    ]


@pytest.mark.parametrize(
    ("when", "held"),
    [
        ("2026-12-31T23:30:00+08:00", True),
        ("2027-01-01T00:10:00+08:00", False),
        ("2026-12-31T16:10:00+00:00", False),
        ("2026-12-31T15:30:00+00:00", True),
    ],
)
def test_the_buyers_year_is_the_calendar_year_in_beijing_time(svc: CaseClient, when: str, held: bool) -> None:
    """25,000 bought in 2026; 1,500 more at 23:30 on 31 December (Beijing) passes 26,000, at 00:10 on
    1 January (Beijing; still 31 December in UTC) starts a new year."""
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="531"), phone="13977778888")
    before = score_all(svc, year_of_purchases(buyer))
    assert not any("CBEC_ANNUAL_LIMIT" in codes(d) for d in before)
    last = cbec(buyer, 1500.0, BASE_TIME, 7)
    last["accepted_at"] = when
    d = svc.score(last)
    assert ("CBEC_ANNUAL_LIMIT" in codes(d)) is held
    assert d["decision"] == ("hold" if held else "release")


@pytest.mark.parametrize(("value", "held"), [(1000.0, False), (1000.01, True)])
def test_the_annual_limit_is_passed_only_above_26000(svc: CaseClient, value: float, held: bool) -> None:
    """25,000 + 1,000 is exactly 26,000 (not past it); 1,000.01 more passes it."""
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="532"), phone="13977779999")
    score_all(svc, year_of_purchases(buyer))
    d = svc.score(cbec(buyer, value, datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING), 8))
    assert ("CBEC_ANNUAL_LIMIT" in codes(d)) is held


# VELOCITY_SPIKE only with 14 days of history ----------------------------------------------------------------


@pytest.mark.parametrize(("history_days", "spike"), [(0, False), (13, False), (14, True), (20, True)])
def test_a_burst_of_twenty_is_a_spike_only_for_a_sender_with_two_weeks_of_history(
    svc: CaseClient, history_days: int, spike: bool
) -> None:
    """One domestic parcel a day for `history_days` days, then twenty within ten hours."""
    who = person(140)
    start = BASE_TIME + 30 * DAY
    past = [domestic(who, start - (d + 1) * DAY) for d in range(history_days)]
    score_all(svc, past)
    burst = score_all(svc, [domestic(who, start + i * 30 * MINUTE) for i in range(20)])
    assert not any("VELOCITY_SPIKE" in codes(d) for d in burst[:19])
    assert ("VELOCITY_SPIKE" in codes(burst[19])) is spike
    if spike:
        assert burst[19]["decision"] == "inspect"


# PRIOR_VIOLATIONS after inspection results ------------------------------------------------------------------


@pytest.mark.parametrize("svc", BACKENDS, indirect=True)
def test_one_reported_violation_inspects_the_senders_next_parcel(svc: CaseClient) -> None:
    """A violation found on a released parcel: the same sender's next parcel is inspected, count 1."""
    svc.as_new("wang", "officer")
    who = person(150)
    first = domestic(who, BASE_TIME)
    assert svc.score(first)["decision"] == "release"
    report(svc, first, "violation", BASE_TIME + 2 * HOUR)
    d = svc.score(domestic(who, BASE_TIME + DAY))
    r = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], r["outcome"], r["evidence"]["violations"]) == ("inspect", "inspect", 1)


def test_two_violations_within_a_year_hold_the_next_parcel(svc: CaseClient) -> None:
    """Two parcels of one sender found violating, five months apart: the next parcel is held."""
    svc.as_new("wang", "officer")
    who = person(151)
    first, second = domestic(who, BASE_TIME), domestic(who, BASE_TIME + 150 * DAY)
    svc.score(first)
    report(svc, first, "violation", BASE_TIME + HOUR)
    svc.score(second)
    report(svc, second, "violation", BASE_TIME + 150 * DAY + HOUR)
    d = svc.score(domestic(who, BASE_TIME + 151 * DAY))
    r = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], r["outcome"], r["evidence"]["violations"]) == ("hold", "hold", 2)
    assert d["case_id"] is not None


def test_a_clear_result_adds_no_violation(svc: CaseClient) -> None:
    """An inspection that found nothing leaves the sender's next parcel released."""
    svc.as_new("wang", "officer")
    who = person(152)
    first = domestic(who, BASE_TIME)
    svc.score(first)
    report(svc, first, "clear", BASE_TIME + HOUR)
    d = svc.score(domestic(who, BASE_TIME + DAY))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d["decision"] == "release"


def test_a_clear_and_a_violation_count_one_not_two(svc: CaseClient) -> None:
    """Of two inspected parcels, one clear and one violating: inspect (one violation), never hold."""
    svc.as_new("wang", "officer")
    who = person(153)
    a, b = domestic(who, BASE_TIME), domestic(who, BASE_TIME + DAY)
    score_all(svc, [a, b])
    report(svc, a, "clear", BASE_TIME + 2 * DAY)
    report(svc, b, "violation", BASE_TIME + 2 * DAY)
    d = svc.score(domestic(who, BASE_TIME + 3 * DAY))
    assert d["decision"] == "inspect"
    assert reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"] == 1


def test_two_violations_more_than_a_year_apart_only_inspect(svc: CaseClient) -> None:
    """A violation picked up on 2026-11-11 has lapsed by 2027-11-12: the second alone counts."""
    svc.as_new("wang", "officer")
    who = person(154)
    first = domestic(who, BASE_TIME)
    second = domestic(who, datetime(2027, 11, 10, 9, 0, tzinfo=BEIJING))
    svc.score(first)
    report(svc, first, "violation", BASE_TIME + HOUR)
    svc.score(second)
    report(svc, second, "violation", datetime(2027, 11, 10, 10, 0, tzinfo=BEIJING))
    d = svc.score(domestic(who, datetime(2027, 11, 12, 9, 0, tzinfo=BEIJING)))
    r = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d["decision"], r["evidence"]["violations"]) == ("inspect", 1)


# Idempotency: same body, corrected body ---------------------------------------------------------------------


@pytest.mark.parametrize("svc", BACKENDS, indirect=True)
def test_a_re_sent_body_answers_the_same_decision_and_counts_once(svc: CaseClient) -> None:
    """Five ring parcels, the fifth re-sent three times and the first once after: the sixth parcel sees six,
    not nine; each re-send repeats its first answer."""
    who = person(160)
    bodies = ring(who, [500.0] * 6)
    first = score_all(svc, bodies[:5])
    for _ in range(3):
        assert decision_view(svc.score(bodies[4])) == decision_view(first[4])
    sixth = svc.score(bodies[5])
    ev = reason_of(sixth, "ANT_MOVING_SENDER")["evidence"]
    assert (ev["parcels"], ev["total_value"]) == (6, 3000.0)
    # Re-sent after the ring formed, the first parcel keeps its first answer.
    assert decision_view(svc.score(bodies[0])) == decision_view(first[0])
    assert read_back(svc, bodies[0])["decision"] == "release"


@pytest.mark.parametrize("svc", BACKENDS, indirect=True)
@pytest.mark.parametrize("corrected", [False, True])
def test_a_ring_member_corrected_below_the_pattern_takes_the_ring_under_the_threshold(
    svc: CaseClient, corrected: bool
) -> None:
    """Six parcels of 420 (2,520) are a ring; the first corrected to 100 replaces its 420 (2,200), so a
    seventh of 50 (2,250) stays under 2,400, where uncorrected it would be held."""
    who = person(161)
    bodies = ring(who, [420.0] * 6)
    out = score_all(svc, bodies)
    assert out[5]["decision"] == "hold"
    if corrected:
        fixed = {**bodies[0], "items": [item(description=GOODS[0], quantity=1, unit_value=100.0)]}
        fixed["declared_value"] = 100.0
        assert svc.score(fixed)["decision"] == "release"
    seventh = svc.score(sent(who, abroad(0), 50.0, BASE_TIME + 3 * HOUR, k=7))
    assert ("ANT_MOVING_SENDER" in codes(seventh)) is not corrected
    if not corrected:
        assert reason_of(seventh, "ANT_MOVING_SENDER")["evidence"]["total_value"] == 2570.0


def test_a_corrected_value_replaces_the_earlier_contribution_in_the_ring_total(svc: CaseClient) -> None:
    """The fifth parcel corrected from 500 to 550: the sixth sees 3,050 over six parcels, not seven."""
    who = person(162)
    bodies = ring(who, [500.0] * 6)
    score_all(svc, bodies[:5])
    fixed = {
        **bodies[4],
        "items": [item(description=GOODS[4], quantity=1, unit_value=550.0)],
        "declared_value": 550.0,
    }
    svc.score(fixed)
    ev = reason_of(svc.score(bodies[5]), "ANT_MOVING_SENDER")["evidence"]
    assert (ev["parcels"], ev["total_value"]) == (6, 3050.0)


def test_the_held_parcel_itself_corrected_below_the_pattern_is_released_and_read_back_so(
    svc: CaseClient,
) -> None:
    """The sixth parcel (420, held) corrected to 50: 2,150 is under 2,400; the read-back is the release."""
    who = person(163)
    bodies = ring(who, [420.0] * 6)
    held = score_all(svc, bodies)[5]
    assert held["decision"] == "hold"
    fixed = {
        **bodies[5],
        "items": [item(description=GOODS[5], quantity=1, unit_value=50.0)],
        "declared_value": 50.0,
    }
    again = svc.score(fixed)
    assert "ANT_MOVING_SENDER" not in codes(again) and again["decision"] == "release"
    assert read_back(svc, bodies[5])["decision"] == "release"


def test_a_corrected_receiver_removes_the_parcel_from_the_old_receivers_ring(svc: CaseClient) -> None:
    """Four imports to one receiver ID, one corrected to another person: the fifth sees four, not five."""
    forms = RECEIVER_FORMS["id"]
    bodies = [imported(importer(i % 3), forms[i], 500.0, BASE_TIME + i * HOUR, i) for i in range(5)]
    score_all(svc, bodies[:4])
    other = cn_receiver(
        name="别人",
        phone="13966660000",
        id_type="resident_id",
        id_number=resident_id(seq="599"),
        address={"detail": "望京街10号"},
    )
    svc.score({**bodies[0], "receiver": other})
    d = svc.score(bodies[4])
    assert "ANT_MOVING_RECEIVER" not in codes(d)


@pytest.mark.parametrize("svc", BACKENDS, indirect=True)
def test_a_re_sent_cbec_purchase_counts_once_in_the_buyers_year(svc: CaseClient) -> None:
    """Five purchases of 5,000, the last re-sent twice: 25,000, so 1,000 more is exactly 26,000, no hold."""
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="533"), phone="13977770000")
    bodies = year_of_purchases(buyer)
    score_all(svc, bodies)
    score_all(svc, [bodies[4], bodies[4]])
    d = svc.score(cbec(buyer, 1000.0, datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING), 8))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)


# Batch: order, visibility, a bad slot alone -----------------------------------------------------------------


@pytest.mark.parametrize("svc", BACKENDS, indirect=True)
def test_a_batch_answers_in_request_order_and_a_later_waybill_sees_the_earlier(svc: CaseClient) -> None:
    """Seven ring parcels in one batch: slots in order, the sixth held with five linked, the seventh too."""
    bodies = ring(person(170), [500.0] * 7)
    slots = batch(svc, bodies)
    assert [s["waybill_no"] for s in slots] == [b["waybill_no"] for b in bodies]
    assert [s["decision"] for s in slots] == ["release"] * 5 + ["hold", "hold"]
    assert reason_of(slots[5], "ANT_MOVING_SENDER")["evidence"]["parcels"] == 6
    assert reason_of(slots[6], "ANT_MOVING_SENDER")["evidence"]["parcels"] == 7


def test_a_batch_continues_history_of_earlier_requests(svc: CaseClient) -> None:
    """Four parcels scored alone, two in a batch: the batch's second slot is the sixth of the ring."""
    bodies = ring(person(171), [500.0] * 6)
    score_all(svc, bodies[:4])
    slots = batch(svc, bodies[4:])
    assert [s["decision"] for s in slots] == ["release", "hold"]


def test_an_invalid_slot_fails_alone_with_its_loc_and_counts_nothing(svc: CaseClient) -> None:
    """Slot 2 of six ring parcels declares a value that is not its items' sum: it fails alone, the others
    are scored, and the sixth sees only five parcels."""
    bodies = ring(person(172), [500.0] * 6)
    bodies[2] = {**bodies[2], "declared_value": 400.0}
    slots = batch(svc, bodies)
    assert set(slots[2]) == {"error"}
    locs = [e["loc"] for e in slots[2]["error"]["detail"]]
    assert locs == [["body", "waybills", 2, "declared_value"]]
    assert [s["waybill_no"] for i, s in enumerate(slots) if i != 2] == [
        b["waybill_no"] for i, b in enumerate(bodies) if i != 2
    ]
    assert "ANT_MOVING_SENDER" not in codes(slots[5])
    r = svc.http.get(f"/v1/decisions/SF/{bodies[2]['waybill_no']}")
    assert r.status_code == 404


def test_the_same_body_twice_in_one_batch_counts_once(svc: CaseClient) -> None:
    """Slots 4 and 5 are one body: the same answer, and the ring still needs a sixth parcel."""
    bodies = ring(person(173), [500.0] * 6)
    slots = batch(svc, [*bodies[:5], bodies[4]])
    assert decision_view(slots[5]) == decision_view(slots[4])
    assert "ANT_MOVING_SENDER" not in codes(slots[5])
    assert svc.score(bodies[5])["decision"] == "hold"


# GET /v1/decisions: the latest decision and its case's status -----------------------------------------------


@pytest.mark.parametrize("svc", BACKENDS, indirect=True)
def test_read_back_gives_the_latest_decision_and_the_case_status_of_a_hold(svc: CaseClient) -> None:
    """A ring's sixth parcel is read back held with an open case; after an officer releases the case, the
    read-back says so; a released parcel has no case."""
    bodies = ring(person(180), [500.0] * 6)
    out = score_all(svc, bodies)
    got = read_back(svc, bodies[5])
    assert (got["decision"], got["case_id"], got["case_status"]) == ("hold", out[5]["case_id"], "open")
    assert got["reasons"] == out[5]["reasons"]
    svc.as_new("wang", "officer")
    assert svc.act(out[5]["case_id"], "release").status_code == 200
    after = read_back(svc, bodies[5])
    assert (after["decision"], after["case_status"]) == ("hold", "released")
    first = read_back(svc, bodies[0])
    assert (first["decision"], first["case_id"], first.get("case_status")) == ("release", None, None)


def test_read_back_follows_a_correction_from_release_to_hold(svc: CaseClient) -> None:
    """A release corrected to a value over L as five units (held): the read-back is the hold with its case."""
    wb = export_postal(sender=person(181), items=[item(quantity=2, unit_value=100.0)])
    assert svc.score(wb)["decision"] == "release"
    fixed = {**wb, "items": [item(quantity=5, unit_value=200.0)], "declared_value": 1000.0}
    held = svc.score(fixed)
    got = read_back(svc, wb)
    assert (got["decision"], got["case_id"], got["case_status"]) == ("hold", held["case_id"], "open")
    assert "OVER_PERSONAL_LIMIT" in codes(got)


# Further edges ----------------------------------------------------------------------------------------------


def test_six_parcels_at_exactly_l_are_not_ants(svc: CaseClient) -> None:
    """Each parcel must be under L: six of exactly 800.00 to Macau are at the limit, not under it."""
    out = score_all(svc, ring(person(190), [800.0] * 6))
    assert "OVER_PERSONAL_LIMIT" not in codes(out[5])
    assert "ANT_MOVING_SENDER" not in codes(out[5])


def test_domestic_parcels_of_a_sender_do_not_make_a_cross_border_ring(svc: CaseClient) -> None:
    """Five export parcels and a domestic one: the domestic one is not held, and the next export parcel
    is the sixth cross-border one."""
    who = person(191)
    bodies = ring(who, [500.0] * 7)
    home = domestic(who, BASE_TIME + 95 * MINUTE, items=[item(quantity=1, unit_value=500.0)])
    out = score_all(svc, [*bodies[:5], home])
    assert out[5]["decision"] == "release" and "ANT_MOVING_SENDER" not in codes(out[5])
    assert svc.score(bodies[5])["decision"] == "hold"


def exported_to(receiver: dict[str, Any], sender: dict[str, Any], when: datetime, k: int) -> dict[str, Any]:
    """An export parcel of 500 CNY from this sender to this receiver."""
    return sent(sender, receiver, 500.0, when, k=k)


def test_senders_sharing_an_id_under_different_phones_are_one_sender(svc: CaseClient) -> None:
    """Five exports to one Macau receiver from one ID under three phones: one sender, no receiver ring."""
    who = [
        party(phone=f"1365555000{i}", id_number=resident_id(seq="611"), address={"detail": f"龙华路{i}号"})
        for i in range(3)
    ]
    target = abroad(77)
    out = score_all(svc, [exported_to(target, who[i % 3], BASE_TIME + i * HOUR, i) for i in range(5)])
    assert "ANT_MOVING_RECEIVER" not in codes(out[4])


def test_three_ids_sharing_one_phone_are_three_senders_on_an_export(svc: CaseClient) -> None:
    """The export lane asks for the sender's ID: three IDs behind one phone are three senders."""
    who = [
        party(phone="13655551111", id_number=resident_id(seq=f"62{i}"), address={"detail": f"龙华路{i}号"})
        for i in range(3)
    ]
    target = abroad(78)
    out = score_all(svc, [exported_to(target, who[i % 3], BASE_TIME + i * HOUR, i) for i in range(5)])
    ev = reason_of(out[4], "ANT_MOVING_RECEIVER")["evidence"]
    assert ev["distinct_senders"] == 3 and out[4]["decision"] == "hold"


def test_a_postal_import_does_not_count_in_the_buyers_cbec_year(svc: CaseClient) -> None:
    """25,000 of cbec purchases, a 700 postal import, then 1,000 of cbec: 26,000 of cbec, no hold."""
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="534"), phone="13977771111")
    score_all(svc, year_of_purchases(buyer))
    svc.score(imported(importer(5), buyer, 700.0, datetime(2026, 11, 1, 10, 0, tzinfo=BEIJING), 9))
    d = svc.score(cbec(buyer, 1000.0, datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING), 8))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)


def test_a_corrected_cbec_purchase_replaces_its_value_in_the_buyers_year(svc: CaseClient) -> None:
    """A 5,000 purchase corrected to 4,000: 24,000 in the year, so 2,000 more is exactly 26,000, no hold."""
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="535"), phone="13977772222")
    bodies = year_of_purchases(buyer)
    score_all(svc, bodies)
    fixed = {
        **bodies[2],
        "items": [item(description=GOODS[2], category="apparel_shoes", quantity=1, unit_value=4000.0)],
    }
    fixed["declared_value"] = 4000.0
    svc.score(fixed)
    d = svc.score(cbec(buyer, 2000.0, datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING), 8))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    again = svc.score(cbec(buyer, 0.01, datetime(2026, 11, 21, 10, 0, tzinfo=BEIJING), 9))
    assert "CBEC_ANNUAL_LIMIT" in codes(again)


def test_a_burst_under_five_times_the_median_is_no_spike(svc: CaseClient) -> None:
    """A sender of five parcels a day for fifteen days sends twenty-two in a day: under 5 × 5 = 25."""
    who = person(192)
    start = BASE_TIME + 30 * DAY
    past = [domestic(who, start - (d + 1) * DAY + i * HOUR) for d in range(15) for i in range(5)]
    score_all(svc, past)
    burst = score_all(svc, [domestic(who, start + i * 20 * MINUTE) for i in range(22)])
    assert "VELOCITY_SPIKE" not in codes(burst[-1])


def test_a_ring_member_corrected_to_a_pickup_eight_days_earlier_leaves_the_window(svc: CaseClient) -> None:
    """The first of five ring parcels moved eight days back: the next one is the fifth in 24 h."""
    who = person(193)
    bodies = ring(who, [500.0] * 5)
    score_all(svc, bodies)
    moved = {**bodies[0], "accepted_at": at(BASE_TIME - 8 * DAY)}
    assert svc.score(moved)["decision"] == "release"
    sixth = svc.score(sent(who, abroad(2), 500.0, BASE_TIME + 2 * HOUR, k=6))
    assert "ANT_MOVING_SENDER" not in codes(sixth)
    seventh = svc.score(sent(who, abroad(1), 500.0, BASE_TIME + 3 * HOUR, k=7))
    assert reason_of(seventh, "ANT_MOVING_SENDER")["evidence"]["parcels"] == 6


def test_read_back_is_per_carrier(svc: CaseClient) -> None:
    """(carrier, waybill_no) names the parcel: another carrier's code with the same number is unknown."""
    wb = waybill(sender=person(194))
    svc.score(wb)
    assert svc.http.get(f"/v1/decisions/EMS/{wb['waybill_no']}").status_code == 404
    assert read_back(svc, wb)["decision"] == "release"


def test_a_violation_on_a_parcel_scored_in_a_batch_flags_the_sender(svc: CaseClient) -> None:
    """A batch-scored parcel found violating: the sender's next parcel carries PRIOR_VIOLATIONS."""
    svc.as_new("wang", "officer")
    who = person(195)
    first = domestic(who, BASE_TIME)
    batch(svc, [waybill(), first])
    report(svc, first, "violation", BASE_TIME + HOUR)
    d = svc.score(domestic(who, BASE_TIME + DAY))
    assert reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"] == 1


def test_a_batch_in_reverse_pickup_order_is_judged_in_event_time(svc: CaseClient) -> None:
    """Six ring parcels in a batch latest first: each slot sees only parcels picked up before it and already
    scored, so none is held; a seventh picked up after them all is."""
    who = person(196)
    bodies = ring(who, [500.0] * 6)
    slots = batch(svc, list(reversed(bodies)))
    assert not any("ANT_MOVING_SENDER" in codes(s) for s in slots)
    seventh = svc.score(sent(who, abroad(0), 500.0, BASE_TIME + 3 * HOUR, k=7))
    assert reason_of(seventh, "ANT_MOVING_SENDER")["evidence"]["parcels"] == 7


@pytest.mark.parametrize(("value", "held"), [(479.99, False), (480.0, True)])
def test_the_receiver_ring_total_must_reach_three_times_l(svc: CaseClient, value: float, held: bool) -> None:
    """Five imports to one receiver ID from three senders: 5 × 479.99 is under 2,400, 5 × 480 reaches it."""
    forms = RECEIVER_FORMS["id"]
    bodies = [imported(importer(i % 3), forms[i], value, BASE_TIME + i * HOUR, i) for i in range(5)]
    out = score_all(svc, bodies)
    assert ("ANT_MOVING_RECEIVER" in codes(out[4])) is held


@pytest.mark.parametrize(("fifth_after", "held"), [(7 * DAY - MINUTE, True), (7 * DAY + MINUTE, False)])
def test_the_receiver_ring_window_is_seven_days_of_event_time(
    svc: CaseClient, fifth_after: timedelta, held: bool
) -> None:
    """Four imports on the first day, the fifth a minute inside or outside seven days of the first."""
    forms = RECEIVER_FORMS["id"]
    times = [BASE_TIME + i * HOUR for i in range(4)] + [BASE_TIME + fifth_after]
    out = score_all(svc, [imported(importer(i % 3), forms[i], 500.0, t, i) for i, t in enumerate(times)])
    assert ("ANT_MOVING_RECEIVER" in codes(out[4])) is held


def test_one_receiver_phone_written_three_ways_is_one_receiver_of_the_senders_ring(svc: CaseClient) -> None:
    """Six parcels to three names behind one Macau phone typed three ways: one receiver, no sender ring."""
    phones = ["+85366120001", "+853 6612 0001", "00853-6612-0001"]
    who = person(197)
    bodies = [
        sent(
            who,
            hk_receiver(
                name=f"R{i}",
                phone=phones[i % 3],
                address={"country": "MO", "city": "Macau", "district": "", "detail": f"{i} Rua Nova"},
            ),
            500.0,
            BASE_TIME + i * 20 * MINUTE,
            k=i,
        )
        for i in range(6)
    ]
    out = score_all(svc, bodies)
    assert "ANT_MOVING_SENDER" not in codes(out[5])


@pytest.mark.parametrize(("sender", "flagged"), [("individual", True), ("organisation", False)])
def test_near_limit_express_parcels_use_l_only_for_individuals(
    svc: CaseClient, sender: str, flagged: bool
) -> None:
    """Express exports of 760 to Hong Kong: an individual's are personal articles near L 800; an
    organisation's (USCC) are goods without a per-parcel L."""
    if sender == "individual":
        who = person(198)
    else:
        who = party(name="某贸易公司", phone="02155550000", id_type="uscc", id_number="91350100M000100Y43")
    bodies = [
        export_postal(
            channel="express",
            accepted_at=at(BASE_TIME + i * DAY),
            sender=who,
            receiver=abroad(i, "HK"),
            items=[item(description=GOODS[i], quantity=1, unit_value=760.0)],
            weight_kg=0.5,
        )
        for i in range(3)
    ]
    out = score_all(svc, bodies)
    assert ("NEAR_LIMIT_SPLIT" in codes(out[2])) is flagged


@pytest.mark.parametrize(
    ("next_pickup", "held"), [("2027-11-11T01:29:00+00:00", True), ("2027-11-11T01:31:00+00:00", False)]
)
def test_prior_violations_count_back_one_calendar_year_in_beijing_time(
    svc: CaseClient, next_pickup: str, held: bool
) -> None:
    """Violations picked up 2026-11-11 09:30 and 2027-06-01 (Beijing): a parcel at 09:29 Beijing on
    2027-11-11 (written in UTC) still sees both, one at 09:31 only the second."""
    svc.as_new("wang", "officer")
    who = person(200)
    first = domestic(who, BASE_TIME)
    second = domestic(who, datetime(2027, 6, 1, 10, 0, tzinfo=BEIJING))
    for wb in (first, second):
        svc.score(wb)
        report(svc, wb, "violation", datetime.fromisoformat(wb["accepted_at"]) + HOUR)
    nxt = domestic(who, BASE_TIME)
    nxt["accepted_at"] = next_pickup
    d = svc.score(nxt)
    assert reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"] == (2 if held else 1)
    assert d["decision"] == ("hold" if held else "inspect")


def test_two_violating_parcels_picked_up_at_one_instant_are_two_violations(svc: CaseClient) -> None:
    """Two parcels of one sender typed with one pickup time, both found violating: the next is held."""
    svc.as_new("wang", "officer")
    who = person(201)
    a, b = domestic(who, BASE_TIME), domestic(who, BASE_TIME)
    score_all(svc, [a, b])
    report(svc, a, "violation", BASE_TIME + HOUR)
    report(svc, b, "violation", BASE_TIME + HOUR)
    d = svc.score(domestic(who, BASE_TIME + DAY))
    assert reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"] == 2 and d["decision"] == "hold"


def test_a_violation_reported_twice_for_one_parcel_counts_once(svc: CaseClient) -> None:
    """The same parcel reported violating twice is one violation: the next parcel is inspected, not held."""
    svc.as_new("wang", "officer")
    who = person(202)
    a = domestic(who, BASE_TIME)
    svc.score(a)
    report(svc, a, "violation", BASE_TIME + HOUR)
    report(svc, a, "violation", BASE_TIME + 2 * HOUR)
    d = svc.score(domestic(who, BASE_TIME + DAY))
    assert reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"] == 1 and d["decision"] == "inspect"


def test_a_ring_typed_with_one_pickup_time_in_one_batch_holds_the_sixth(svc: CaseClient) -> None:
    """Six parcels a courier collected at once (one pickup time): the sixth slot sees the five before it."""
    who = person(203)
    bodies = [sent(who, abroad(i % 3), 500.0, BASE_TIME, k=i) for i in range(6)]
    slots = batch(svc, bodies)
    assert [s["decision"] for s in slots] == ["release"] * 5 + ["hold"]


def test_a_hold_corrected_to_a_release_reads_back_without_a_case_id(svc: CaseClient) -> None:
    """The contract sets case_id when the decision is hold: a hold corrected to a release reads back so."""
    wb = export_postal(sender=person(204), items=[item(quantity=5, unit_value=200.0)])
    assert svc.score(wb)["decision"] == "hold"
    fixed = {**wb, "items": [item(quantity=2, unit_value=100.0)], "declared_value": 200.0}
    again = svc.score(fixed)
    got = read_back(svc, wb)
    assert (again["decision"], got["decision"]) == ("release", "release")
    assert again["case_id"] is None and got["case_id"] is None


def test_the_same_goods_from_three_senders_to_one_receiver_fan_in(svc: CaseClient) -> None:
    """Five imports of one description to one receiver ID from three senders: the receiver's fan-out."""
    forms = RECEIVER_FORMS["id"]
    bodies = [
        waybill(
            accepted_at=at(BASE_TIME + i * HOUR),
            service="import",
            channel="postal",
            sender=importer(i % 3),
            receiver=forms[i],
            items=[item(description=SAME_GOODS[i % 3], category="electronics", quantity=1, unit_value=150.0)],
            weight_kg=0.3,
        )
        for i in range(5)
    ]
    out = score_all(svc, bodies)
    ev = reason_of(out[4], "SAME_GOODS_FANOUT")["evidence"]
    assert ev["entity"].startswith("receiver_") and ev["counterparts"] == 3


def test_a_third_receiver_reached_only_by_a_parcel_over_l_is_not_a_third_ant_receiver(
    svc: CaseClient,
) -> None:
    """Six parcels of 500 to two receivers and one of 900 (over L) to a third: the ants reach two."""
    who = person(205)
    bodies = ring(who, [500.0] * 6, receivers=2)
    bodies.insert(2, sent(who, abroad(9), 900.0, BASE_TIME + 45 * MINUTE, k=9))
    out = score_all(svc, bodies)
    assert "OVER_PERSONAL_LIMIT" in codes(out[2])
    assert "ANT_MOVING_SENDER" not in codes(out[6])


def test_a_parcel_over_l_does_not_lift_the_ants_total_to_3l(svc: CaseClient) -> None:
    """Six parcels of 300 (1,800) and one of 900 over L: 2,700 in all, but the ants' total is under 2,400."""
    who = person(206)
    bodies = ring(who, [300.0] * 6)
    bodies.insert(1, sent(who, abroad(8), 900.0, BASE_TIME + 10 * MINUTE, k=9))
    out = score_all(svc, bodies)
    assert "ANT_MOVING_SENDER" not in codes(out[6])


def test_a_late_scored_december_purchase_still_counts_in_its_own_year(svc: CaseClient) -> None:
    """January 2027 purchases scored first; then 2026's five and a 1,500 one at 23:30 on 31 December: held."""
    buyer = cn_receiver(id_type="resident_id", id_number=resident_id(seq="536"), phone="13977773333")
    score_all(
        svc, [cbec(buyer, 3000.0, datetime(2027, 1, 2 + i, 10, 0, tzinfo=BEIJING), 10 + i) for i in range(2)]
    )
    score_all(svc, year_of_purchases(buyer))
    d = svc.score(cbec(buyer, 1500.0, datetime(2026, 12, 31, 23, 30, tzinfo=BEIJING), 7))
    ev = reason_of(d, "CBEC_ANNUAL_LIMIT")["evidence"]
    assert d["decision"] == "hold" and ev
    nxt = svc.score(cbec(buyer, 3000.0, datetime(2027, 1, 5, 10, 0, tzinfo=BEIJING), 12))
    assert "CBEC_ANNUAL_LIMIT" not in codes(nxt)


def test_domestic_parcels_near_a_cross_border_limit_are_not_split(svc: CaseClient) -> None:
    """Three domestic parcels of 760 are no personal articles crossing a border: no NEAR_LIMIT_SPLIT."""
    who = person(207)
    out = score_all(
        svc,
        [
            domestic(
                who, BASE_TIME + i * DAY, items=[item(description=GOODS[i], quantity=1, unit_value=760.0)]
            )
            for i in range(3)
        ],
    )
    assert "NEAR_LIMIT_SPLIT" not in codes(out[2])


def test_a_body_re_sent_with_another_courier_is_scored_again_but_counts_once(svc: CaseClient) -> None:
    """The fifth parcel re-sent three times under changing courier ids: the sixth still sees six parcels."""
    who = person(208)
    bodies = ring(who, [500.0] * 6)
    score_all(svc, bodies[:5])
    for n in range(3):
        assert svc.score({**bodies[4], "courier_id": f"C-9{n}"})["decision"] == "release"
    ev = reason_of(svc.score(bodies[5]), "ANT_MOVING_SENDER")["evidence"]
    assert (ev["parcels"], ev["total_value"]) == (6, 3000.0)
