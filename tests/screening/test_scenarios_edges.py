"""Edge cases from RULES.md and the contract: limits met exactly, year and window boundaries, whole terms."""

from typing import Any

import pytest

from screening.contract import SEVERITY, Decision
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import (
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.screening.test_scenarios import codes, macau_receiver, reason_of, score
from tests.screening.test_scenarios_law import goods

pytestmark = pytest.mark.anyio


# Helpers


def abroad(country: str, n: int = 0) -> dict[str, Any]:
    """A party outside the mainland (no ID), in Hong Kong, Macau, Taiwan or Japan."""
    places: dict[str, dict[str, Any]] = {
        "HK": {"phone": f"+8529300{n:04d}", "city": "Hong Kong", "detail": f"{n} Nathan Road"},
        "MO": {"phone": f"+8536613{n:04d}", "city": "Macau", "detail": f"Rua {n}"},
        "TW": {"phone": f"+88691234{n:04d}", "city": "Taipei", "detail": f"{n} Zhongshan Rd"},
        "JP": {"phone": f"+8131234{n:04d}", "city": "Tokyo", "detail": f"{n}-1 Chiyoda"},
    }
    place = places[country]
    return hk_receiver(
        name=f"PARTY {country} {n}",
        phone=place["phone"],
        address={"country": country, "city": place["city"], "detail": place["detail"]},
    )


def buyer(seq: str) -> dict[str, Any]:
    """A mainland cbec buyer with a resident ID."""
    return cn_receiver(
        phone=f"1361234{seq}0",
        id_type="resident_id",
        id_number=resident_id(region="320102", birth="19880808", seq=seq),
    )


def cbec_import(
    receiver: dict[str, Any], value: float, when: str | None = None, **changes: Any
) -> dict[str, Any]:
    """A cross-border e-commerce import of one watch from one Hong Kong shop."""
    fields: dict[str, Any] = {
        "service": "import",
        "channel": "cbec",
        "sender": hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        "receiver": receiver,
        "items": [item(description="手表 watch", category="general", quantity=1, unit_value=value)],
        "weight_kg": 0.3,
    }
    wb = waybill(**(fields | changes))
    if when is not None:
        wb["accepted_at"] = when
    return wb


def lines(*values: float) -> list[dict[str, Any]]:
    """One item line of quantity 1 per value, each a different article."""
    return [
        item(description=f"款式{i} 衬衫 shirt", category="apparel_shoes", quantity=1, unit_value=v)
        for i, v in enumerate(values)
    ]


def assert_well_formed(d: Decision) -> None:
    """The decision is the most severe reason's outcome; reasons come most severe first, with evidence."""
    severities = [SEVERITY[r.outcome] for r in d.reasons]
    assert severities == sorted(severities, reverse=True)
    assert d.decision == (d.reasons[0].outcome if d.reasons else "release")
    for r in d.reasons:
        assert r.message and r.message_en
        assert isinstance(r.evidence, dict) and r.evidence


# OVER_PERSONAL_LIMIT: the limit by counterpart, exactly at it and a cent over


@pytest.mark.parametrize(
    ("service", "country", "values", "limit"),
    [
        ("export", "MO", (400.0, 400.01), 800.0),
        ("export", "TW", (400.0, 400.01), 800.0),
        ("import", "TW", (400.0, 400.01), 800.0),
        ("export", "JP", (500.0, 500.01), 1000.0),
        ("import", "JP", (500.0, 500.01), 1000.0),
    ],
)
async def test_personal_limit_by_counterpart_one_cent_over_is_held(
    history_engine: Engine, service: str, country: str, values: tuple[float, float], limit: float
) -> None:
    limits = history_engine.policy.limits
    assert limit == (
        limits.personal_hk_mo_tw_cny if country in limits.hk_mo_tw else limits.personal_other_cny
    )
    sides: dict[str, Any] = (
        {"receiver": abroad(country)}
        if service == "export"
        else {"sender": abroad(country), "receiver": cn_receiver()}
    )
    at_limit = waybill(service=service, channel="postal", items=lines(values[0], values[0]), **sides)
    assert "OVER_PERSONAL_LIMIT" not in codes(await score(history_engine, at_limit))
    over = waybill(service=service, channel="postal", items=lines(*values), **sides)
    d = await score(history_engine, over)
    r = next(r for r in d.reasons if r.code == "OVER_PERSONAL_LIMIT")
    assert (r.outcome, r.evidence["limit_cny"]) == ("hold", limit)
    assert d.decision == "hold"


@pytest.mark.parametrize(
    "items",
    [
        pytest.param(lines(500.0, 400.0), id="two-lines-of-one-unit"),
        pytest.param(
            [item(description="相机 camera", category="electronics", quantity=2, unit_value=450.0)],
            id="one-line-of-two-units",
        ),
    ],
)
async def test_more_than_one_article_over_the_limit_is_held_not_inspected(
    history_engine: Engine, items: list[dict[str, Any]]
) -> None:
    d = await score(history_engine, export_postal(items=items))
    r = next(r for r in d.reasons if r.code == "OVER_PERSONAL_LIMIT")
    assert r.outcome == "hold"
    assert d.decision == "hold"


async def test_a_single_article_over_the_limit_ends_as_inspect(history_engine: Engine) -> None:
    d = await score(
        history_engine,
        export_postal(
            items=[item(description="相机 camera", category="electronics", quantity=1, unit_value=3000.0)]
        ),
    )
    assert reason_of(d, "OVER_PERSONAL_LIMIT")
    assert d.decision == "inspect"
    assert_well_formed(d)


# CBEC_SINGLE_LIMIT / CBEC_ANNUAL_LIMIT


@pytest.mark.parametrize("service", ["import", "export"])
async def test_cbec_one_cent_over_the_single_limit_is_held(history_engine: Engine, service: str) -> None:
    limit = history_engine.policy.limits.cbec_single_cny
    if service == "import":
        wb = cbec_import(buyer("201"), limit + 0.01)
    else:
        wb = cbec_import(abroad("JP"), limit + 0.01, service="export", sender=party())
    d = await score(history_engine, wb)
    r = next(r for r in d.reasons if r.code == "CBEC_SINGLE_LIMIT")
    assert (r.outcome, r.evidence["limit_cny"]) == ("hold", limit)
    assert d.decision == "hold"


async def test_cbec_annual_total_exactly_at_the_limit_is_not_over(history_engine: Engine) -> None:
    annual = history_engine.policy.limits.cbec_annual_cny
    assert annual == 26000.0
    who = buyer("202")
    for k in range(5):
        d = await score(history_engine, cbec_import(who, 5000.0, f"2026-0{k + 1}-15T10:00:00+08:00"))
        assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    d = await score(history_engine, cbec_import(who, 1000.0, "2026-07-15T10:00:00+08:00"))  # 26,000 in total
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    d = await score(history_engine, cbec_import(who, 1.0, "2026-08-15T10:00:00+08:00"))  # 26,001
    ev = reason_of(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], ev["limit_cny"]) == (26001.0, annual)
    assert d.decision == "hold"


async def test_cbec_year_ends_at_beijing_midnight_for_utc_timestamps(history_engine: Engine) -> None:
    who = buyer("203")
    for k in range(5):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-12-0{k + 1}T10:00:00+08:00"))
    # 2026-12-31T17:00Z is 2027-01-01 01:00 in Beijing: a new year, 2,000 in it so far.
    new_year = await score(history_engine, cbec_import(who, 2000.0, "2026-12-31T17:00:00Z"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(new_year)
    # 2026-12-31T15:30Z is 23:30 on 2026-12-31 in Beijing: still 2026, 26,500 in total.
    old_year = await score(history_engine, cbec_import(who, 1500.0, "2026-12-31T15:30:00Z"))
    assert reason_of(old_year, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26500.0


async def test_cbec_year_starts_at_beijing_midnight_for_utc_timestamps(history_engine: Engine) -> None:
    who = buyer("204")
    # 2025-12-31T15:30Z is 23:30 Beijing on 2025-12-31: last year, never counted in 2026.
    await score(history_engine, cbec_import(who, 5000.0, "2025-12-31T15:30:00Z"))
    # 2025-12-31T16:30Z is 00:30 Beijing on 2026-01-01: the first purchase of 2026.
    await score(history_engine, cbec_import(who, 5000.0, "2025-12-31T16:30:00Z"))
    for k in range(4):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-0{k + 3}-10T10:00:00+08:00"))
    d = await score(history_engine, cbec_import(who, 1500.0, "2026-07-01T10:00:00+08:00"))
    assert reason_of(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26500.0


async def test_resending_a_cbec_parcel_counts_it_once_in_the_annual_total(history_engine: Engine) -> None:
    who = buyer("205")
    first = cbec_import(who, 5000.0, "2026-02-01T10:00:00+08:00")
    decisions = [await score(history_engine, first) for _ in range(6)]
    assert all(d.model_dump() == decisions[0].model_dump() for d in decisions[1:])
    for k in range(4):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-0{k + 3}-10T10:00:00+08:00"))
    d = await score(history_engine, cbec_import(who, 1000.0, "2026-08-01T10:00:00+08:00"))  # 26,000 if once
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)


async def test_a_corrected_cbec_value_replaces_its_earlier_contribution(history_engine: Engine) -> None:
    who = buyer("206")
    first = cbec_import(who, 5000.0, "2026-02-01T10:00:00+08:00")
    await score(history_engine, first)
    corrected = {
        **first,
        "items": [item(description="手表 watch", category="general", quantity=1, unit_value=1000.0)],
        "declared_value": 1000.0,
    }
    await score(history_engine, corrected)
    for k in range(5):
        d = await score(history_engine, cbec_import(who, 5000.0, f"2026-0{k + 3}-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # 1,000 + 25,000 = 26,000
    d = await score(history_engine, cbec_import(who, 1.0, "2026-09-01T10:00:00+08:00"))
    assert reason_of(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26001.0


# NEAR_LIMIT_SPLIT: the band [0.9·L, L) and its window


@pytest.mark.parametrize(("value", "fires"), [(720.0, True), (719.99, False), (800.0, False)])
async def test_near_limit_band_includes_nine_tenths_and_excludes_the_limit(
    history_engine: Engine, value: float, fires: bool
) -> None:
    limit = history_engine.policy.limits.personal_hk_mo_tw_cny
    assert history_engine.policy.limits.near_limit_band * limit == 720.0
    sender = party(phone="13700010001", id_number=resident_id(seq="701"))
    for i in range(3):
        d = await score(history_engine, export_postal(hours_after=i * 30, sender=sender, items=goods(value)))
    assert ("NEAR_LIMIT_SPLIT" in codes(d)) is fires
    assert "OVER_PERSONAL_LIMIT" not in codes(d)
    if fires:
        assert reason_of(d, "NEAR_LIMIT_SPLIT")["band"] == [720.0, 800.0]
        assert d.decision == "inspect"


async def test_near_limit_band_for_cbec_is_below_5000(history_engine: Engine) -> None:
    who = buyer("207")
    decisions = [
        await score(history_engine, cbec_import(who, 4500.0, f"2026-03-0{k + 1}T10:00:00+08:00"))
        for k in range(3)
    ]
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    ev = reason_of(decisions[2], "NEAR_LIMIT_SPLIT")
    assert ev["band"] == [4500.0, 5000.0] and ev["near_limit_parcels"] == 3
    assert "CBEC_SINGLE_LIMIT" not in codes(decisions[2])


async def test_near_limit_parcels_more_than_seven_days_apart_do_not_add_up(history_engine: Engine) -> None:
    sender = party(phone="13700010002", id_number=resident_id(seq="702"))
    for h in (-(7 * 24 + 1), -24):
        await score(history_engine, export_postal(hours_after=h, sender=sender, items=goods(760.0)))
    d = await score(history_engine, export_postal(hours_after=0, sender=sender, items=goods(760.0)))
    assert "NEAR_LIMIT_SPLIT" not in codes(d)  # the first is 7 days and an hour back
    d = await score(history_engine, export_postal(hours_after=1, sender=sender, items=goods(760.0)))
    assert reason_of(d, "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3


async def test_a_late_parcel_is_not_counted_with_parcels_after_it(history_engine: Engine) -> None:
    sender = party(phone="13700010003", id_number=resident_id(seq="703"))
    for h in (10, 20):
        await score(history_engine, export_postal(hours_after=h, sender=sender, items=goods(760.0)))
    late = await score(history_engine, export_postal(hours_after=0, sender=sender, items=goods(760.0)))
    assert "NEAR_LIMIT_SPLIT" not in codes(late)  # only itself up to hour 0 in event time
    d = await score(history_engine, export_postal(hours_after=30, sender=sender, items=goods(760.0)))
    assert reason_of(d, "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 4


# ANT_MOVING_SENDER / ANT_MOVING_RECEIVER / SAME_GOODS_FANOUT


async def test_an_ant_ring_worth_exactly_three_times_the_limit_is_held(history_engine: Engine) -> None:
    sender = party(phone="13700010004", id_number=resident_id(seq="704"))
    decisions = [
        await score(
            history_engine,
            export_postal(
                hours_after=i * 0.5, sender=sender, receiver=macau_receiver(i % 3), items=goods(400.0)
            ),
        )
        for i in range(6)
    ]
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions[:5])
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 3, 2400.0)
    assert decisions[5].decision == "hold"


def import_from(n: int, receiver: dict[str, Any], value: float, hours_after: float) -> dict[str, Any]:
    """A personal postal import from the n-th Hong Kong sender."""
    return waybill(
        hours_after=hours_after,
        service="import",
        channel="postal",
        sender=abroad("HK", n),
        receiver=receiver,
        items=goods(value, description="奶粉 milk powder", category="food"),
        weight_kg=1.0,
    )


async def test_a_receiver_with_only_two_senders_is_not_an_ant_ring(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13700010005")
    for i in range(7):
        d = await score(history_engine, import_from(i % 2, receiver, 600.0, hours_after=i * 10))
    assert "ANT_MOVING_RECEIVER" not in codes(d)


async def test_one_receiver_id_behind_many_phones_and_addresses_is_one_receiver(
    history_engine: Engine,
) -> None:
    number = resident_id(region="330106", birth="19920606", seq="705")
    cities = [("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"), ("广东省", "广州市", "天河区")]
    cities += [("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "江汉区")]
    decisions = []
    for i, (prov, city, district) in enumerate(cities):
        receiver = cn_receiver(
            name=f"收件人{i}",
            phone=f"1350001{i:04d}",
            address={"province": prov, "city": city, "district": district, "detail": f"人民路{i + 1}号"},
            id_type="resident_id",
            id_number=number,
        )
        decisions.append(await score(history_engine, import_from(i, receiver, 600.0, hours_after=i * 10)))
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"]) == (5, 5)


async def test_same_goods_from_three_senders_to_one_receiver_is_a_fanout(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13700010006")
    decisions = [
        await score(history_engine, import_from(i % 3, receiver, 120.0, hours_after=i * 20)) for i in range(5)
    ]
    assert all("SAME_GOODS_FANOUT" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"]) == (5, 3)
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[4])  # 600 in total, far under 3 × L


# VELOCITY_SPIKE


async def test_velocity_spike_fires_at_exactly_five_times_the_median(history_engine: Engine) -> None:
    velocity = history_engine.policy.history.velocity
    assert (velocity.times_median, velocity.min_parcels_24h) == (5.0, 20)
    sender = party(phone="13700010007", id_number=resident_id(seq="707"))
    for day in range(16):
        for k in range(5):
            await score(history_engine, waybill(hours_after=-(16 - day) * 24 + k * 0.5, sender=sender))
    spike = [await score(history_engine, waybill(hours_after=k * 0.5, sender=sender)) for k in range(25)]
    assert all("VELOCITY_SPIKE" not in codes(d) for d in spike[:24])  # 24 < 5 × 5
    ev = reason_of(spike[24], "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["daily_median"]) == (25, 5.0)


async def test_velocity_spike_never_fires_with_less_than_two_weeks_of_history(history_engine: Engine) -> None:
    sender = party(phone="13700010008", id_number=resident_id(seq="708"))
    for day in range(12):
        for k in range(2):
            await score(history_engine, waybill(hours_after=-(12 - day) * 24 + k, sender=sender))
    burst = [await score(history_engine, waybill(hours_after=k * 0.25, sender=sender)) for k in range(40)]
    assert all("VELOCITY_SPIKE" not in codes(d) for d in burst)


# COMMERCIAL_QUANTITY


@pytest.mark.parametrize(
    ("description", "category", "quantity", "fires"),
    [
        ("感冒药 cold medicine", "medicine", 5, False),
        ("感冒药 cold medicine", "medicine", 6, True),
        ("感冒药", None, 6, True),  # inferred as medicine: the lower limit still applies
        ("面霜 face cream", "cosmetics", 5, False),
        ("袜子 socks", "apparel_shoes", 11, True),
    ],
)
async def test_commercial_quantity_on_a_personal_import(
    history_engine: Engine, description: str, category: str | None, quantity: int, fires: bool
) -> None:
    wb = waybill(
        service="import",
        channel="postal",
        sender=abroad("JP"),
        items=[item(description=description, category=category, quantity=quantity, unit_value=10.0)],
    )
    d = await score(history_engine, wb)
    assert ("COMMERCIAL_QUANTITY" in codes(d)) is fires
    if fires:
        ev = reason_of(d, "COMMERCIAL_QUANTITY")
        assert ev["quantity"] == quantity
        assert ev["max_units"] == (5 if description.startswith("感冒药") else 10)


async def test_commercial_quantity_counts_units_of_one_item_not_the_parcel(history_engine: Engine) -> None:
    wb = export_postal(
        items=[
            item(description="袜子 socks", category="apparel_shoes", quantity=6, unit_value=5.0),
            item(description="手套 gloves", category="apparel_shoes", quantity=6, unit_value=5.0),
        ],
        weight_kg=1.0,
    )
    assert "COMMERCIAL_QUANTITY" not in codes(await score(history_engine, wb))


async def test_a_cbec_purchase_is_not_a_personal_article(history_engine: Engine) -> None:
    wb = cbec_import(
        buyer("209"),
        0.0,
        items=[item(description="袜子 socks", category="apparel_shoes", quantity=20, unit_value=60.0)],
        weight_kg=2.0,
    )
    got = codes(await score(history_engine, wb))
    assert "COMMERCIAL_QUANTITY" not in got and "OVER_PERSONAL_LIMIT" not in got


# Real-name pickup and ID numbers


async def test_a_parcel_with_a_document_and_goods_is_not_a_letter(history_engine: Engine) -> None:
    wb = waybill(
        sender=party(id_type=None, id_number=None, id_verified=False, verification_method=None),
        items=[
            item(description="合同文件", category="documents", quantity=1, unit_value=0.0),
            item(description="纯棉T恤 cotton T-shirt", category="apparel_shoes", quantity=1, unit_value=60.0),
        ],
        weight_kg=0.5,
    )
    d = await score(history_engine, wb)
    assert reason_of(d, "REALNAME_MISSING")
    assert d.decision == "reject"


async def test_an_export_letter_needs_no_sender_id(history_engine: Engine) -> None:
    wb = export_postal(
        sender=party(id_type=None, id_number=None, id_verified=False, verification_method=None),
        items=[
            item(description="合同文件 contract papers", category="documents", quantity=1, unit_value=0.0)
        ],
        weight_kg=0.1,
    )
    d = await score(history_engine, wb)
    assert "REALNAME_MISSING" not in codes(d) and d.decision != "reject"


async def test_a_postal_import_without_any_id_is_neither_rejected_nor_held_for_ids(
    history_engine: Engine,
) -> None:
    wb = waybill(service="import", channel="postal", sender=abroad("HK"), receiver=cn_receiver())
    d = await score(history_engine, wb)
    assert not codes(d) & {"REALNAME_MISSING", "BUYER_ID_MISSING", "REALNAME_UNVERIFIED", "ID_INVALID"}
    assert d.decision not in {"reject", "hold"}


async def test_a_cbec_import_without_buyer_id_ends_as_hold(history_engine: Engine) -> None:
    d = await score(history_engine, cbec_import(cn_receiver(phone="13700010010"), 300.0))
    assert reason_of(d, "BUYER_ID_MISSING")
    assert "REALNAME_MISSING" not in codes(d)
    assert d.decision == "hold"
    assert_well_formed(d)


@pytest.mark.parametrize(
    ("birth", "valid"),
    [
        ("19490229", False),  # 1949 is not a leap year
        ("19000229", False),  # 1900 is not a leap year (century rule)
        ("20000229", True),  # 2000 is
        ("19490100", False),  # day 0
        ("19491231", True),
    ],
)
async def test_resident_id_birth_dates_on_leap_days_and_month_ends(
    history_engine: Engine, birth: str, valid: bool
) -> None:
    number = resident_id(region="110105", birth=birth, seq="003")
    d = await score(history_engine, waybill(sender=party(id_number=number)))
    if valid:
        assert "ID_INVALID" not in codes(d)
    else:
        r = next(r for r in d.reasons if r.code == "ID_INVALID")
        assert (r.outcome, r.evidence["problem"]) == ("reject", "birth_date")
        assert d.decision == "reject"


async def test_a_temporary_id_with_a_wrong_check_digit_is_rejected(history_engine: Engine) -> None:
    bad = wrong_check_digit(resident_id(region="440305", birth="19950505", seq="710"))
    d = await score(history_engine, waybill(sender=party(id_type="temporary_id", id_number=bad)))
    assert reason_of(d, "ID_INVALID")["problem"] == "check_digit"
    assert d.decision == "reject"


@pytest.mark.parametrize(
    ("side", "changes"),
    [
        pytest.param("sender", {"id_number": "110105491231002"}, id="old-15-digit"),
        pytest.param(
            "sender", {"id_type": "temporary_id", "id_number": "11010519491231002X1"}, id="temporary-19"
        ),
        pytest.param("sender", {"id_number": "1101051949X231002X"}, id="letter-inside"),
        pytest.param(
            "receiver", {"id_type": "resident_id", "id_number": "11010519491231002"}, id="receiver-17"
        ),
    ],
)
def test_an_id_number_of_wrong_length_or_characters_is_a_422(
    client: ScoringClient, side: str, changes: dict[str, Any]
) -> None:
    who = party(**changes) if side == "sender" else cn_receiver(**changes)
    sides: dict[str, Any] = {side: who}
    r = client.http.post("/v1/score", json=waybill(**sides))
    assert r.status_code == 422, r.text
    assert ["body", side, "id_number"] in [e["loc"] for e in r.json()["detail"]]


# PROHIBITED_ITEM: whole terms only


@pytest.mark.parametrize(
    ("description", "prohibited"),
    [
        ("大麻哈鱼 大麻", True),  # the salmon does not hide the cannabis beside it
        ("儿童水枪 仿真手枪", True),
        ("toy water gun and a pistol", True),
        ("heroin", True),
        ("heroine action figure", False),
        ("Shogun DVD box set", False),
        ("gunny sack", False),
        ("大麻哈鱼罐头", False),
    ],
)
async def test_prohibited_terms_match_whole_terms_only(
    history_engine: Engine, description: str, prohibited: bool
) -> None:
    wb = waybill(items=[item(description=description, category="general", quantity=1, unit_value=50.0)])
    d = await score(history_engine, wb)
    assert ("PROHIBITED_ITEM" in codes(d)) is prohibited
    if prohibited:
        assert d.decision == "reject"


# Pickup checks and the final decision


@pytest.mark.parametrize("service", ["export", "import"])
async def test_xray_is_required_on_cross_border_lanes(history_engine: Engine, service: str) -> None:
    sides: dict[str, Any] = {"receiver": abroad("HK")} if service == "export" else {"sender": abroad("HK")}
    wb = waybill(
        service=service,
        channel="postal",
        pickup_checks={"opened_inspection": True, "xray_screened": False},
        **sides,
    )
    assert "XRAY_NOT_RECORDED" in codes(await score(history_engine, wb))


async def test_the_most_severe_reason_decides_and_comes_first(history_engine: Engine) -> None:
    wb = export_postal(
        sender=party(id_type=None, id_number=None, id_verified=False, verification_method=None),
        items=lines(500.0, 400.0),
        pickup_checks={"opened_inspection": False, "xray_screened": True},
    )
    d = await score(history_engine, wb)
    outcomes = {r.code: r.outcome for r in d.reasons}
    assert outcomes["REALNAME_MISSING"] == "reject"
    assert outcomes["OVER_PERSONAL_LIMIT"] == "hold"
    assert outcomes["INSPECTION_NOT_RECORDED"] == "inspect"
    assert d.decision == "reject" and d.reasons[0].outcome == "reject"
    assert_well_formed(d)


# Currency, time zones and idempotency in the history rules


async def test_the_annual_total_adds_foreign_currency_in_cny(history_engine: Engine) -> None:
    who = buyer("211")
    for k in range(5):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-0{k + 1}-15T10:00:00+08:00"))
    d = await score(history_engine, cbec_import(who, 200.0, "2026-07-15T10:00:00+08:00", currency="USD"))
    assert reason_of(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 25000.0 + 200.0 * 7.1  # 200 USD = 1,420 CNY


async def test_the_near_limit_band_is_judged_on_the_cny_value(history_engine: Engine) -> None:
    sender = party(phone="13700010012", id_number=resident_id(seq="712"))
    for i in range(3):
        d = await score(
            history_engine,
            export_postal(hours_after=i * 30, sender=sender, currency="USD", items=goods(105.0)),  # 745.5 CNY
        )
    assert reason_of(d, "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3


async def test_domestic_parcels_in_the_band_do_not_count_as_near_limit(history_engine: Engine) -> None:
    sender = party(phone="13700010013", id_number=resident_id(seq="713"))
    await score(history_engine, waybill(hours_after=0, sender=sender, items=goods(760.0)))
    for h in (10, 20):
        d = await score(history_engine, export_postal(hours_after=h, sender=sender, items=goods(760.0)))
    assert "NEAR_LIMIT_SPLIT" not in codes(d)  # two cross-border parcels and one domestic


@pytest.mark.parametrize(
    ("sixth_at", "fires"), [("2026-11-12T01:00:00Z", True), ("2026-11-12T02:00:00Z", False)]
)
async def test_the_24_hour_window_reads_each_timestamps_offset(
    history_engine: Engine, sixth_at: str, fires: bool
) -> None:
    sender = party(phone="13700010014", id_number=resident_id(seq="714"))
    for i in range(5):  # 09:30 to 09:54 Beijing on 2026-11-11
        await score(
            history_engine,
            export_postal(hours_after=i * 0.1, sender=sender, receiver=macau_receiver(i), items=goods(760.0)),
        )
    # 01:00Z on the 12th is 09:00 Beijing, inside 24 h of all five; 02:00Z is 10:00 Beijing, after every one.
    sixth = export_postal(sender=sender, receiver=macau_receiver(5), items=goods(760.0))
    sixth["accepted_at"] = sixth_at
    d = await score(history_engine, sixth)
    assert ("ANT_MOVING_SENDER" in codes(d)) is fires
    if fires:
        assert reason_of(d, "ANT_MOVING_SENDER")["window"] == "24h"


async def test_resending_after_a_late_parcel_returns_the_first_decision(history_engine: Engine) -> None:
    sender = party(phone="13700010015", id_number=resident_id(seq="715"))
    ring = [
        export_postal(hours_after=1 + i, sender=sender, receiver=macau_receiver(i), items=goods(760.0))
        for i in range(5)
    ]
    first = [await score(history_engine, wb) for wb in ring]
    assert "ANT_MOVING_SENDER" not in codes(first[4])
    late = export_postal(hours_after=0, sender=sender, receiver=macau_receiver(5), items=goods(760.0))
    await score(history_engine, late)
    again = await score(history_engine, ring[4])  # would see six parcels in 24 h if scored afresh
    assert again.model_dump() == first[4].model_dump()


async def test_a_false_buyer_id_on_a_cbec_import_is_id_invalid(history_engine: Engine) -> None:
    bad = wrong_check_digit(resident_id(region="320102", birth="19880808", seq="216"))
    d = await score(history_engine, cbec_import(cn_receiver(id_type="resident_id", id_number=bad), 300.0))
    ev = reason_of(d, "ID_INVALID")
    assert (ev["party"], ev["problem"]) == ("receiver", "check_digit")
    assert bad not in str(d.model_dump())
    assert d.decision == "reject"


# Value per kg and brand floors: at the bound is inside


@pytest.mark.parametrize(("value", "fires"), [(20.0, False), (19.99, True)])
async def test_value_per_kg_exactly_at_the_band_floor_is_plausible(
    history_engine: Engine, value: float, fires: bool
) -> None:
    low = history_engine.policy.goods.value_per_kg["electronics"][0]
    assert low == 20.0
    wb = waybill(
        items=[item(description="手机壳 phone case", category="electronics", quantity=1, unit_value=value)],
        weight_kg=1.0,
    )
    assert ("WEIGHT_VALUE_MISMATCH" in codes(await score(history_engine, wb))) is fires


@pytest.mark.parametrize(("value", "fires"), [(6000.0, False), (5999.99, True)])
async def test_a_brand_at_exactly_its_floor_is_not_an_anomaly(
    history_engine: Engine, value: float, fires: bool
) -> None:
    wb = waybill(
        items=[
            item(
                description="手提包 handbag",
                category="bags_leather",
                brand="Gucci",
                quantity=1,
                unit_value=value,
            )
        ],
        weight_kg=1.0,
    )
    d = await score(history_engine, wb)
    assert ("BRAND_PRICE_ANOMALY" in codes(d)) is fires
    if fires:
        assert reason_of(d, "BRAND_PRICE_ANOMALY")["floor_cny"] == 6000.0


# The wire contract at its bounds (HTTP)


def test_declared_value_is_compared_to_the_cent(client: ScoringClient) -> None:
    dimes = [item(description="贴纸 sticker", category="general", quantity=3, unit_value=0.1)]
    assert client.http.post("/v1/score", json=waybill(items=dimes, declared_value=0.3)).status_code == 200
    r = client.http.post("/v1/score", json=waybill(declared_value=120.01))
    assert r.status_code == 422
    assert ["body", "declared_value"] in [e["loc"] for e in r.json()["detail"]]


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"waybill_no": "SF123456"}, True),
        ({"waybill_no": "SF12345"}, False),
        ({"waybill_no": "SF-" + "1" * 29}, True),
        ({"waybill_no": "SF-" + "1" * 30}, False),
        ({"carrier": "ABCDEFGH"}, True),
        ({"carrier": "ABCDEFGHI"}, False),
        ({"carrier": "S"}, False),
        ({"accepted_at": "2026-11-11T01:30:00Z"}, True),
    ],
)
def test_waybill_fields_at_their_contract_bounds(
    client: ScoringClient, changes: dict[str, Any], ok: bool
) -> None:
    r = client.http.post("/v1/score", json=waybill(**changes))
    assert r.status_code == (200 if ok else 422), r.text
    if not ok:
        assert ["body", next(iter(changes))] in [e["loc"] for e in r.json()["detail"]]


@pytest.mark.parametrize("phone", ["19212345678", "16512345678", "17012345678", "19912345678"])
def test_new_and_virtual_mobile_prefixes_are_possible_numbers(client: ScoringClient, phone: str) -> None:
    assert client.score(waybill(receiver=cn_receiver(phone=phone)))["decision"] == "release"


def test_a_422_counts_nothing_in_history(client: ScoringClient) -> None:
    sender = party(phone="13700010016", id_number=resident_id(seq="716"))

    def parcel(i: int) -> dict[str, Any]:
        return export_postal(
            hours_after=i * 0.5, sender=sender, receiver=macau_receiver(i), items=goods(760.0)
        )

    for i in range(3):
        bad = parcel(10 + i)
        bad["declared_value"] = 1.0
        assert client.http.post("/v1/score", json=bad).status_code == 422
    assert all("ANT_MOVING_SENDER" not in client.codes(parcel(i)) for i in range(5))
    ev = next(r["evidence"] for r in client.score(parcel(5))["reasons"] if r["code"] == "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6


# A corrected body that changes who the parcel belongs to (contract README, 'Idempotency': a re-sent changed
# body still counts once in the history, its earlier contribution replaced, not added to)


async def test_a_corrected_buyer_takes_the_purchase_off_the_first_buyers_annual_total(
    history_engine: Engine,
) -> None:
    first_buyer = buyer("221")
    true_buyer = cn_receiver(
        name="王芳",
        phone="15812342220",
        address={"province": "广东省", "city": "广州市", "district": "天河区", "detail": "体育西路222号"},
        id_type="resident_id",
        id_number=resident_id(region="440106", birth="19900101", seq="222"),
    )
    purchase = cbec_import(first_buyer, 5000.0, "2026-02-01T10:00:00+08:00")
    await score(history_engine, purchase)
    await score(history_engine, {**purchase, "receiver": true_buyer})  # the courier corrects the buyer
    for k in range(5):
        d = await score(history_engine, cbec_import(first_buyer, 5000.0, f"2026-0{k + 3}-10T10:00:00+08:00"))
    # The first buyer bought five watches of 5,000: 25,000 this year, under 26,000.
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
async def test_a_corrected_sender_takes_the_parcel_off_the_first_senders_count(
    history_engine: Engine, batched: bool
) -> None:
    async def decide(wb: dict[str, Any]) -> Decision:
        if not batched:
            return await score(history_engine, wb)
        [d] = await history_engine.decide_batch([wb])
        assert isinstance(d, Decision)
        return d

    wrong = party(phone="13700010022", id_number=resident_id(seq="722"))
    right = party(name="王强", phone="13700010023", id_number=resident_id(seq="723"))
    parcel = export_postal(hours_after=0, sender=wrong, receiver=macau_receiver(0), items=goods(760.0))
    await decide(parcel)
    await decide({**parcel, "sender": right})  # it was someone else's parcel
    for i in range(1, 6):
        d = await decide(
            export_postal(hours_after=i * 0.5, sender=wrong, receiver=macau_receiver(i), items=goods(760.0))
        )
    # The first sender sent five parcels in 24 h: one short of an ant ring.
    assert "ANT_MOVING_SENDER" not in codes(d)


async def test_a_late_purchase_that_takes_the_years_total_over_the_limit_is_held(
    history_engine: Engine,
) -> None:
    # RULES.md: "the buyer's calendar-year total including this parcel passes 26,000 CNY": the year's total,
    # whatever order its purchases are declared in; the one declared last is the one that passes it.
    who = buyer("231")
    for day in ("10-02", "11-03", "12-04", "12-05", "12-06"):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-{day}T10:00:00+08:00"))
    march = await score(history_engine, cbec_import(who, 1500.0, "2026-03-01T10:00:00+08:00"))
    ev = reason_of(march, "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], march.decision) == (26500.0, "hold")
