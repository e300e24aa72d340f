"""The versioned policy file as law, written from shared/domain/RULES.md and shared/ARCHITECTURE.md.

RULES.md: "Numbers that are law belong in the versioned policy file, not in code, so that a change of law is
a policy change", and §3: "Thresholds are policy values; the figures below are the starting policy".
ARCHITECTURE.md: "the policy file holds every threshold and is versioned (`policy_version` in every
decision)". So: the shipped file says exactly what §3 says; changing one of its values moves the decisions
that value governs, to the new figure, and no other decision; every decision names the version in force; and
a file that is malformed or inconsistent is refused when it is loaded, with an error naming the field.
"""

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from features.windows import WINDOWS_MS
from screening.contract import Decision, Waybill
from screening.engine import Engine, build_engine
from screening.errors import ConfigurationError
from screening.history import EmbeddedHistoryStore, RedisHistoryStore
from screening.parcel import Parcel
from screening.policy.history import EntityView
from screening.policy.loader import load_policy
from screening.policy.schemas import Policy
from screening.settings import DEFAULT_POLICY, Settings
from screening.watchlists import Violation
from tests.conftest import ScoringClient
from tests.factories import (
    BASE_TIME,
    NO_ID,
    ant_ring,
    cn_receiver,
    export_postal,
    item,
    macau_receiver,
    party,
    resident_id,
    waybill,
)
from tests.screening.test_scenarios_edges import abroad, buyer, cbec_import, import_from

pytestmark = pytest.mark.anyio

SHIPPED_TEXT = DEFAULT_POLICY.read_text(encoding="utf-8")
NO_XRAY = {"opened_inspection": True, "xray_screened": False}
NO_INSPECTION = {"opened_inspection": False, "xray_screened": True}


# Helpers ------------------------------------------------------------------------------------------------


def amend(policy: Policy, changes: dict[str, Any], version: str = "policy-test") -> Policy:
    """The policy with dotted keys changed, under another version, validated as a loaded file would be."""
    raw = policy.model_dump()
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        node = raw
        for key in path:
            node = node[key]
        assert last in node, f"{dotted} is not a policy value"
        node[last] = value
    raw["version"] = version
    return Policy.model_validate(raw)


async def run(engine: Engine, policy: Policy, waybills: Sequence[dict[str, Any]]) -> list[Decision]:
    """Decide waybills in order on an empty history under this policy."""
    engine.history = EmbeddedHistoryStore()
    engine.policy = policy
    return [await engine.decide(Waybill.model_validate(wb)) for wb in waybills]


async def both(
    engine: Engine, policy: Policy, changes: dict[str, Any], waybills: Sequence[dict[str, Any]]
) -> tuple[list[Decision], list[Decision]]:
    """The same waybills decided under the shipped policy and under the amended one, each afresh."""
    return await run(engine, policy, waybills), await run(engine, amend(policy, changes), waybills)


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason (fails the test when the reason is missing)."""
    found = [r.evidence for r in d.reasons if r.code == code]
    assert found, f"{code} not among {sorted(codes(d))}"
    return found[0]


def first_with(decisions: Sequence[Decision], code: str) -> int | None:
    """Index of the first decision carrying the code, None when none does."""
    return next((i for i, d in enumerate(decisions) if code in codes(d)), None)


def two_lines(total: float, description: str = "衬衫 shirt") -> list[dict[str, Any]]:
    """Two different articles of one unit each, summing to total (so not a single article)."""
    first = round(total / 2, 2)
    return [
        item(description=f"款式A {description}", category="apparel_shoes", quantity=1, unit_value=first),
        item(
            description=f"款式B {description}", category="apparel_shoes", quantity=1, unit_value=total - first
        ),
    ]


def export_to(country: str, total: float, **changes: Any) -> dict[str, Any]:
    """A personal postal article of two lines from Shanghai to country."""
    return export_postal(receiver=abroad(country), items=two_lines(total), **changes)


def one_line(description: str, category: str, quantity: int, unit_value: float) -> list[dict[str, Any]]:
    """One item line."""
    return [item(description=description, category=category, quantity=quantity, unit_value=unit_value)]


def sender(seq: str) -> dict[str, Any]:
    """A mainland sender of its own (phone and ID)."""
    return party(phone=f"1370009{seq}", id_number=resident_id(region="310115", birth="19850505", seq=seq))


def comparable(d: Decision) -> dict[str, Any]:
    """What a decision says, without the time it was made."""
    return d.model_dump(exclude={"scored_at"})


class FixedScorer:
    """A model that gives every parcel the same score."""

    def __init__(self, score: float) -> None:
        self.fixed = score
        self.version = "fixed-policy-test"

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        return self.fixed

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        return (("declared_value_cny", 0.5),)[:top]


def policy_file(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped policy file with one edit, written under tmp_path."""
    assert old in SHIPPED_TEXT, f"the shipped policy no longer says {old!r}"
    path = tmp_path / "policy.toml"
    path.write_text(SHIPPED_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


# The shipped policy is RULES.md §3's starting policy ----------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(
            "OVER_PERSONAL_LIMIT",
            {
                "limits.personal_hk_mo_tw_cny": 800.0,
                "limits.personal_other_cny": 1000.0,
                "limits.hk_mo_tw": {"HK", "MO", "TW"},
            },
            id="personal-limits",
        ),
        pytest.param(
            "CBEC_LIMITS",
            {
                "limits.cbec_single_cny": 5000.0,
                "limits.cbec_annual_cny": 26000.0,
                "limits.cbec_lanes": {"export", "import"},
            },
            id="cbec-limits",
        ),
        pytest.param(
            "NEAR_LIMIT_SPLIT",
            {
                "limits.near_limit_band": 0.9,
                "history.near_limit.min_count": 3,
                "history.near_limit.window": "7d",
            },
            id="near-limit",
        ),
        pytest.param(
            "ANT_MOVING_SENDER",
            {
                "history.ant_sender.parcels_24h": 6,
                "history.ant_sender.parcels_7d": 10,
                "history.ant_sender.distinct_receivers": 3,
                "history.ant_sender.total_times_limit": 3.0,
            },
            id="ant-sender",
        ),
        pytest.param(
            "ANT_MOVING_RECEIVER",
            {
                "history.ant_receiver.parcels_7d": 5,
                "history.ant_receiver.distinct_senders": 3,
                "history.ant_receiver.total_times_limit": 3.0,
            },
            id="ant-receiver",
        ),
        pytest.param(
            "SAME_GOODS_FANOUT",
            {
                "history.same_goods.parcels": 5,
                "history.same_goods.counterparts": 3,
                "history.same_goods.window": "7d",
            },
            id="same-goods",
        ),
        pytest.param(
            "COMMERCIAL_QUANTITY",
            {
                "goods.commercial_units": 10,
                "goods.commercial_units_sensitive": 5,
                "goods.sensitive_categories": {"medicine", "cosmetics"},
            },
            id="commercial-quantity",
        ),
        pytest.param(
            "VELOCITY_SPIKE",
            {
                "history.velocity.min_history_days": 14,
                "history.velocity.times_median": 5.0,
                "history.velocity.min_parcels_24h": 20,
            },
            id="velocity",
        ),
        pytest.param(
            "PRIOR_VIOLATIONS",
            {"history.prior_violations.hold_count": 2, "history.prior_violations.window_years": 1},
            id="prior-violations",
        ),
        pytest.param("RANDOM_AUDIT", {"audit.random_rate": 0.005}, id="random-audit"),
        pytest.param(
            "PICKUP_CHECKS",
            {
                "pickup.xray_lanes": {"domestic", "export", "import"},
                "pickup.inspection_lanes": {"domestic", "export", "import"},
            },
            id="pickup-every-lane",
        ),
        pytest.param(
            "HISTORY_UNAVAILABLE",
            {"history.unavailable.cross_border": "inspect", "history.unavailable.domestic": "release"},
            id="history-unavailable",
        ),
        pytest.param(
            "REALNAME_MISSING",
            {"realname.lanes": {"domestic", "export"}, "realname.exempt_categories": {"documents"}},
            id="realname",
        ),
    ],
)
def test_the_shipped_policy_file_holds_the_starting_figures_of_rules_md(
    rule: str, expected: dict[str, Any]
) -> None:
    shipped = load_policy(DEFAULT_POLICY).model_dump()
    found: dict[str, Any] = {}
    for dotted in expected:
        node: Any = shipped
        for key in dotted.split("."):
            node = node[key]
        found[dotted] = set(node) if isinstance(node, frozenset) else node
    assert found == expected, rule


@pytest.mark.parametrize(
    ("section", "windows"),
    [
        pytest.param("near_limit", {"7d"}, id="near-limit-7d"),
        pytest.param(
            "ant_sender",
            {"24h", "7d"},
            id="ant-sender-24h-and-7d",
        ),
        pytest.param(
            "ant_receiver",
            {"7d"},
            id="ant-receiver-7d",
        ),
    ],
)
def test_the_windows_rules_md_gives_a_rule_are_values_of_the_policy_file(
    section: str, windows: set[str]
) -> None:
    """RULES.md §3 gives each window with the counts ('≥ 6 parcels in 24 h or ≥ 10 in 7 days'): both law."""
    values = load_policy(DEFAULT_POLICY).history.model_dump()[section].values()
    assert {v for v in values if isinstance(v, str) and v in WINDOWS_MS} == windows


# Each value moves the decisions it governs, to the new figure --------------------------------------------


async def test_a_new_limit_for_elsewhere_moves_that_limit_and_not_the_hong_kong_one(
    engine: Engine, policy: Policy
) -> None:
    parcels = [export_to("JP", 1100.0), export_to("JP", 1200.01), export_to("HK", 800.01)]
    shipped, amended = await both(engine, policy, {"limits.personal_other_cny": 1200.0}, parcels)
    assert [d.decision for d in shipped] == ["hold", "hold", "hold"]
    assert [d.decision for d in amended] == ["release", "hold", "hold"]
    assert evidence(amended[1], "OVER_PERSONAL_LIMIT")["limit_cny"] == 1200.0
    assert "1,200 CNY limit" in next(r.message_en for r in amended[1].reasons)
    assert evidence(amended[2], "OVER_PERSONAL_LIMIT")["limit_cny"] == 800.0


@pytest.mark.parametrize(
    ("regions", "country", "limit"),
    [
        pytest.param(["HK", "MO"], "TW", 1000.0, id="taiwan-taken-off"),
        pytest.param(["HK", "MO", "TW", "JP"], "JP", 800.0, id="japan-added"),
    ],
)
async def test_the_regions_of_the_lower_limit_are_the_policys(
    engine: Engine, policy: Policy, regions: list[str], country: str, limit: float
) -> None:
    """A 900 CNY article is over 800 and under 1,000: the region list decides which applies."""
    (d,) = await run(engine, amend(policy, {"limits.hk_mo_tw": regions}), [export_to(country, 900.0)])
    assert ("OVER_PERSONAL_LIMIT" in codes(d)) is (limit == 800.0)
    assert d.decision == ("hold" if limit == 800.0 else "release")


async def test_a_new_cbec_single_limit_holds_at_the_new_figure(engine: Engine, policy: Policy) -> None:
    parcels = [cbec_import(buyer("411"), 3000.0), cbec_import(buyer("412"), 3000.01)]
    shipped, amended = await both(engine, policy, {"limits.cbec_single_cny": 3000.0}, parcels)
    assert [d.decision for d in shipped] == ["release", "release"]
    assert [d.decision for d in amended] == ["release", "hold"]
    assert evidence(amended[1], "CBEC_SINGLE_LIMIT") == {"value_cny": 3000.01, "limit_cny": 3000.0}


async def test_a_new_annual_cbec_limit_adds_the_buyers_year_up_to_the_new_figure(
    engine: Engine, policy: Policy
) -> None:
    who = buyer("413")
    earlier = [cbec_import(who, 3000.0, hours_after=-24.0 * (i + 1)) for i in range(3)]
    parcels = [*earlier, cbec_import(who, 1000.0), cbec_import(who, 100.0, hours_after=1.0)]
    shipped, amended = await both(engine, policy, {"limits.cbec_annual_cny": 10000.0}, parcels)
    assert all(d.decision == "release" for d in shipped)
    assert [d.decision for d in amended] == ["release"] * 4 + [
        "hold"
    ]  # 10,000 is not over the limit; 10,100 is
    ev = evidence(amended[4], "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], ev["limit_cny"]) == (10100.0, 10000.0)


async def test_the_lanes_of_the_cbec_single_limit_are_the_policys(engine: Engine, policy: Policy) -> None:
    export = waybill(
        service="export",
        channel="cbec",
        receiver=abroad("JP", 4),
        items=one_line("相机 camera", "electronics", 1, 6000.0),
    )
    parcels = [export, cbec_import(buyer("414"), 6000.0)]
    shipped, amended = await both(engine, policy, {"limits.cbec_lanes": ["import"]}, parcels)
    assert ["CBEC_SINGLE_LIMIT" in codes(d) for d in shipped] == [True, True]
    assert ["CBEC_SINGLE_LIMIT" in codes(d) for d in amended] == [False, True]


@pytest.mark.parametrize(
    ("band", "value", "fires_shipped", "fires_amended"),
    [
        pytest.param(0.8, 650.0, False, True, id="wider-band-0.8"),
        pytest.param(0.95, 750.0, True, False, id="narrower-band-0.95"),
    ],
)
async def test_the_near_limit_band_is_the_policys(
    engine: Engine, policy: Policy, band: float, value: float, fires_shipped: bool, fires_amended: bool
) -> None:
    who = sender("101")
    parcels = [
        export_postal(hours_after=i * 5.0, sender=who, receiver=macau_receiver(i), items=two_lines(value))
        for i in range(3)
    ]
    shipped, amended = await both(engine, policy, {"limits.near_limit_band": band}, parcels)
    assert ("NEAR_LIMIT_SPLIT" in codes(shipped[2])) is fires_shipped
    assert ("NEAR_LIMIT_SPLIT" in codes(amended[2])) is fires_amended
    if fires_amended:
        assert evidence(amended[2], "NEAR_LIMIT_SPLIT")["band"] == [round(band * 800.0, 2), 800.0]
        assert f"{band * 100:g}%" in next(
            r.message for r in amended[2].reasons if r.code == "NEAR_LIMIT_SPLIT"
        )


@pytest.mark.parametrize("min_count", [4])
async def test_the_near_limit_count_is_the_policys(engine: Engine, policy: Policy, min_count: int) -> None:
    who = sender("102")
    parcels = [
        export_postal(hours_after=i * 5.0, sender=who, receiver=macau_receiver(i), items=two_lines(750.0))
        for i in range(4)
    ]
    shipped, amended = await both(engine, policy, {"history.near_limit.min_count": min_count}, parcels)
    assert first_with(shipped, "NEAR_LIMIT_SPLIT") == 2
    assert first_with(amended, "NEAR_LIMIT_SPLIT") == min_count - 1
    assert evidence(amended[min_count - 1], "NEAR_LIMIT_SPLIT")["min_count"] == min_count


@pytest.mark.parametrize(("parcels_24h", "first"), [(4, 3)])
async def test_the_ant_sender_count_in_24_hours_is_the_policys(
    engine: Engine, policy: Policy, parcels_24h: int, first: int
) -> None:
    ring = ant_ring(8, phone="13700091001", id_number=resident_id(seq="911"))
    shipped, amended = await both(engine, policy, {"history.ant_sender.parcels_24h": parcels_24h}, ring)
    assert first_with(shipped, "ANT_MOVING_SENDER") == 5
    assert first_with(amended, "ANT_MOVING_SENDER") == first
    ev = evidence(amended[first], "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["thresholds"]["parcels"]) == ("24h", parcels_24h, parcels_24h)


async def test_the_ant_sender_count_over_seven_days_is_the_policys(engine: Engine, policy: Policy) -> None:
    who = sender("103")
    parcels = [
        export_postal(
            hours_after=i * 14.0,  # never more than two within 24 h
            sender=who,
            receiver=macau_receiver(i % 4),
            items=one_line(f"款式{i} 衣服", "apparel_shoes", 1, 500.0 + i),
            weight_kg=1.0,
        )
        for i in range(10)
    ]
    shipped, amended = await both(engine, policy, {"history.ant_sender.parcels_7d": 7}, parcels)
    assert first_with(shipped, "ANT_MOVING_SENDER") == 9
    assert first_with(amended, "ANT_MOVING_SENDER") == 6
    assert evidence(amended[6], "ANT_MOVING_SENDER")["window"] == "7d"


async def test_the_ant_sender_receiver_count_is_the_policys(engine: Engine, policy: Policy) -> None:
    """Five receivers are not six: the ring of five receivers is no ring under a policy asking for six."""
    ring = ant_ring(8, phone="13700091002", id_number=resident_id(seq="912"))
    shipped, amended = await both(engine, policy, {"history.ant_sender.distinct_receivers": 6}, ring)
    assert first_with(shipped, "ANT_MOVING_SENDER") == 5
    assert first_with(amended, "ANT_MOVING_SENDER") is None


@pytest.mark.parametrize(("times", "first"), [(6.0, 6), (8.0, None)])
async def test_the_ant_sender_total_in_times_the_limit_is_the_policys(
    engine: Engine, policy: Policy, times: float, first: int | None
) -> None:
    """Parcels of 760–767 CNY: six make 4,575 (under 6 × 800), seven 5,341 (over it); eight never 6,400."""
    ring = ant_ring(8, phone="13700091003", id_number=resident_id(seq="913"))
    shipped, amended = await both(engine, policy, {"history.ant_sender.total_times_limit": times}, ring)
    assert first_with(shipped, "ANT_MOVING_SENDER") == 5
    assert first_with(amended, "ANT_MOVING_SENDER") == first
    if first is not None:
        assert evidence(amended[first], "ANT_MOVING_SENDER")["thresholds"]["total_value"] == times * 800.0


@pytest.mark.parametrize(
    ("changes", "senders", "first_shipped", "first_amended"),
    [
        pytest.param({"history.ant_receiver.parcels_7d": 4}, 5, 4, 3, id="four-parcels"),
        pytest.param({"history.ant_receiver.distinct_senders": 2}, 2, None, 4, id="two-senders"),
        # Parcels 10 h apart: never five in a day, so a one-day window finds no ring.
        pytest.param({"history.ant_receiver.window": "24h"}, 5, 4, None, id="one-day-window"),
    ],
)
async def test_the_ant_receiver_thresholds_are_the_policys(
    engine: Engine,
    policy: Policy,
    changes: dict[str, Any],
    senders: int,
    first_shipped: int | None,
    first_amended: int | None,
) -> None:
    receiver = cn_receiver(phone="13700092001")
    parcels = [import_from(i % senders, receiver, 700.0, hours_after=i * 10.0) for i in range(6)]
    shipped, amended = await both(engine, policy, changes, parcels)
    assert first_with(shipped, "ANT_MOVING_RECEIVER") == first_shipped
    assert first_with(amended, "ANT_MOVING_RECEIVER") == first_amended


@pytest.mark.parametrize(
    ("changes", "receivers", "first_shipped", "first_amended"),
    [
        pytest.param({"history.same_goods.parcels": 3}, 3, 4, 2, id="three-parcels"),
        pytest.param({"history.same_goods.counterparts": 2}, 2, None, 4, id="two-counterparts"),
        pytest.param({"history.same_goods.window": "24h"}, 3, 4, None, id="one-day-window"),
    ],
)
async def test_the_same_goods_thresholds_are_the_policys(
    engine: Engine,
    policy: Policy,
    changes: dict[str, Any],
    receivers: int,
    first_shipped: int | None,
    first_amended: int | None,
) -> None:
    who = sender("104")
    parcels = [
        export_postal(
            hours_after=i * 30.0,
            sender=who,
            receiver=macau_receiver(i % receivers),
            items=one_line("运动鞋 sneakers", "apparel_shoes", 1, 120.0),
            weight_kg=1.0,
        )
        for i in range(6)
    ]
    shipped, amended = await both(engine, policy, changes, parcels)
    assert first_with(shipped, "SAME_GOODS_FANOUT") == first_shipped
    assert first_with(amended, "SAME_GOODS_FANOUT") == first_amended


def habit_then_burst(seq: str, *, days: int, per_day: int, burst: int) -> list[dict[str, Any]]:
    """A domestic sender's steady history of per_day parcels a day for days days, then a burst today."""
    who = sender(seq)
    history = [
        waybill(hours_after=-(days - day) * 24.0 + k * 0.5, sender=who)
        for day in range(days)
        for k in range(per_day)
    ]
    return [*history, *(waybill(hours_after=k * 0.5, sender=who) for k in range(burst))]


@pytest.mark.parametrize(
    ("changes", "per_day", "burst", "shipped_fires", "amended_fires"),
    [
        pytest.param({"history.velocity.times_median": 3.0}, 5, 20, False, True, id="three-times-the-median"),
        pytest.param({"history.velocity.min_parcels_24h": 10}, 2, 10, False, True, id="ten-parcels-a-day"),
        pytest.param(
            {"history.velocity.min_history_days": 20}, 5, 25, True, False, id="twenty-days-of-history"
        ),
    ],
)
async def test_the_velocity_thresholds_are_the_policys(
    engine: Engine,
    policy: Policy,
    changes: dict[str, Any],
    per_day: int,
    burst: int,
    shipped_fires: bool,
    amended_fires: bool,
) -> None:
    parcels = habit_then_burst("105", days=16, per_day=per_day, burst=burst)
    shipped, amended = await both(engine, policy, changes, parcels)
    assert ("VELOCITY_SPIKE" in codes(shipped[-1])) is shipped_fires
    assert ("VELOCITY_SPIKE" in codes(amended[-1])) is amended_fires
    if amended_fires:
        thresholds = evidence(amended[-1], "VELOCITY_SPIKE")["thresholds"]
        assert thresholds == {
            "times_median": amended_policy_value(policy, changes, "history.velocity.times_median"),
            "min_parcels_24h": amended_policy_value(policy, changes, "history.velocity.min_parcels_24h"),
        }


def amended_policy_value(policy: Policy, changes: dict[str, Any], dotted: str) -> Any:
    """A value of the amended policy."""
    node: Any = amend(policy, changes).model_dump()
    for key in dotted.split("."):
        node = node[key]
    return node


async def with_violation(engine: Engine, policy: Policy, phone: str, days_ago: int) -> Decision:
    """A parcel of a sender whose phone had a confirmed violation days_ago, on a fresh history."""
    engine.history = EmbeddedHistoryStore()
    engine.policy = policy
    at = BASE_TIME - timedelta(days=days_ago)
    await engine.record_violations([Violation(kind="phone", value=phone, at=at, parcel="SF:SF1399000000001")])
    return await engine.decide(Waybill.model_validate(waybill(sender=party(phone=phone))))


@pytest.mark.parametrize(
    ("changes", "days_ago", "shipped", "amended"),
    [
        pytest.param({"history.prior_violations.hold_count": 1}, 30, "inspect", "hold", id="one-is-enough"),
    ],
)
async def test_the_prior_violation_thresholds_are_the_policys(
    engine: Engine,
    policy: Policy,
    changes: dict[str, Any],
    days_ago: int,
    shipped: str | None,
    amended: str | None,
) -> None:
    phone = "13700093001"
    before = await with_violation(engine, policy, phone, days_ago)
    after = await with_violation(engine, amend(policy, changes), phone, days_ago)
    outcome = {r.code: r.outcome for r in before.reasons}.get("PRIOR_VIOLATIONS")
    assert outcome == shipped
    assert {r.code: r.outcome for r in after.reasons}.get("PRIOR_VIOLATIONS") == amended
    assert after.decision == amended


@pytest.mark.parametrize(
    ("changes", "goods", "shipped_max", "amended_max"),
    [
        pytest.param(
            {"goods.commercial_units": 6},
            ("纯棉T恤 cotton T-shirt", "apparel_shoes", 7),
            None,
            6,
            id="six-units",
        ),
        pytest.param(
            {"goods.sensitive_categories": ["medicine", "cosmetics", "food"]},
            ("奶粉 milk powder", "food", 6),
            None,
            5,
            id="food-made-sensitive",
        ),
        pytest.param(
            {"goods.sensitive_categories": ["medicine"]},
            ("面霜 face cream", "cosmetics", 6),
            5,
            None,
            id="cosmetics-no-longer-sensitive",
        ),
    ],
)
async def test_the_commercial_quantities_are_the_policys(
    engine: Engine,
    policy: Policy,
    changes: dict[str, Any],
    goods: tuple[str, str, int],
    shipped_max: int | None,
    amended_max: int | None,
) -> None:
    description, category, quantity = goods
    wb = export_postal(items=one_line(description, category, quantity, 20.0), weight_kg=1.0)
    shipped, amended = await both(engine, policy, changes, [wb])
    for (d,), expected in ((shipped, shipped_max), (amended, amended_max)):
        if expected is None:
            assert "COMMERCIAL_QUANTITY" not in codes(d)
        else:
            ev = evidence(d, "COMMERCIAL_QUANTITY")
            assert (ev["quantity"], ev["max_units"]) == (quantity, expected)


async def test_a_category_band_of_value_per_kg_is_the_policys(engine: Engine, policy: Policy) -> None:
    rice = waybill(items=one_line("大米 rice", "food", 1, 5.0), weight_kg=1.0)
    shirt = waybill(items=one_line("纯棉T恤 cotton T-shirt", "apparel_shoes", 1, 50.0), weight_kg=1.0)
    shipped, amended = await both(engine, policy, {"goods.value_per_kg.food": [10.0, 30000.0]}, [rice, shirt])
    assert [d.decision for d in shipped] == ["release", "release"]
    assert [d.decision for d in amended] == ["inspect", "release"]
    ev = evidence(amended[0], "WEIGHT_VALUE_MISMATCH")
    assert (ev["value_per_kg"], ev["band_low"], ev["band_high"]) == (5.0, 10.0, 30000.0)


async def test_the_lightest_parcel_judged_on_value_per_kg_is_the_policys(
    engine: Engine, policy: Policy
) -> None:
    """2 CNY of shirts in 0.5 kg is 4 CNY/kg, under apparel's band; a policy weighing from 1 kg skips it."""
    cheap = waybill(items=one_line("纯棉T恤 cotton T-shirt", "apparel_shoes", 1, 2.0), weight_kg=0.5)
    shipped, amended = await both(engine, policy, {"goods.min_weight_for_value_check_kg": 1.0}, [cheap])
    assert "WEIGHT_VALUE_MISMATCH" in codes(shipped[0])
    assert "WEIGHT_VALUE_MISMATCH" not in codes(amended[0])


async def test_the_random_audit_rate_is_the_policys(engine: Engine, policy: Policy) -> None:
    parcels = [waybill(), export_postal(), waybill(hours_after=1.0)]
    shipped, amended = await both(engine, policy, {"audit.random_rate": 1.0}, parcels)
    assert all("RANDOM_AUDIT" not in codes(d) for d in shipped)  # the test policy's rate is 0
    assert all(d.decision == "inspect" and evidence(d, "RANDOM_AUDIT")["rate"] == 1.0 for d in amended)


async def test_a_lane_relaxed_from_opening_inspection_keeps_the_other_lanes(
    engine: Engine, policy: Policy
) -> None:
    parcels = [waybill(pickup_checks=NO_INSPECTION), export_postal(pickup_checks=NO_INSPECTION)]
    changes = {"pickup.inspection_lanes": ["export", "import"]}
    shipped, amended = await both(engine, policy, changes, parcels)
    assert ["INSPECTION_NOT_RECORDED" in codes(d) for d in shipped] == [True, True]
    assert ["INSPECTION_NOT_RECORDED" in codes(d) for d in amended] == [False, True]
    assert [d.decision for d in amended] == ["release", "inspect"]


@pytest.mark.parametrize(
    ("lanes", "rejected"),
    [
        pytest.param(
            ["domestic"], {"domestic": True, "export": False, "import": False}, id="export-taken-off"
        ),
        pytest.param(
            ["domestic", "export", "import"],
            {"domestic": True, "export": True, "import": True},
            id="import-added",
        ),
    ],
)
async def test_the_lanes_of_real_name_pickup_are_the_policys(
    engine: Engine, policy: Policy, lanes: list[str], rejected: dict[str, bool]
) -> None:
    parcels = {
        "domestic": waybill(sender=party(**NO_ID)),
        "export": export_postal(sender=party(**NO_ID)),
        "import": waybill(service="import", channel="postal", sender=abroad("JP", 5), receiver=cn_receiver()),
    }
    decisions = await run(engine, amend(policy, {"realname.lanes": lanes}), list(parcels.values()))
    found = {lane: "REALNAME_MISSING" in codes(d) for lane, d in zip(parcels, decisions, strict=True)}
    assert found == rejected


async def test_letters_lose_their_exemption_when_the_policy_drops_it(engine: Engine, policy: Policy) -> None:
    letter = waybill(
        sender=party(**NO_ID), items=one_line("合同文件 contract papers", "documents", 1, 0.0), weight_kg=0.1
    )
    shipped, amended = await both(engine, policy, {"realname.exempt_categories": []}, [letter])
    assert shipped[0].decision == "release"
    assert amended[0].decision == "reject" and codes(amended[0]) == {"REALNAME_MISSING"}


async def test_the_verification_methods_that_count_are_the_policys(engine: Engine, policy: Policy) -> None:
    by_hand = waybill(sender=party(verification_method="manual"))
    changes = {"realname.verified_methods": ["id_reader", "online_check", "face_match"]}
    shipped, amended = await both(engine, policy, changes, [by_hand])
    assert "REALNAME_UNVERIFIED" not in codes(shipped[0])
    assert "REALNAME_UNVERIFIED" in codes(amended[0]) and amended[0].decision == "inspect"


@pytest.fixture
async def history_down(engine: Engine) -> AsyncIterator[Engine]:
    """The engine with its history store unreachable (a Redis store on a closed port)."""
    live = engine.history
    dead = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    engine.history = dead
    yield engine
    engine.history = live
    await dead.close()


@pytest.mark.parametrize(
    ("changes", "lane", "outcome"),
    [
        pytest.param({"history.unavailable.cross_border": "hold"}, "export", "hold", id="cross-border-held"),
        pytest.param(
            {"history.unavailable.domestic": "inspect"}, "domestic", "inspect", id="domestic-inspected"
        ),
    ],
)
async def test_the_outcome_without_history_is_the_policys(
    history_down: Engine, policy: Policy, changes: dict[str, Any], lane: str, outcome: str
) -> None:
    history_down.policy = amend(policy, changes)
    wb = waybill() if lane == "domestic" else export_postal()
    d = await history_down.decide(Waybill.model_validate(wb))
    assert {r.code: r.outcome for r in d.reasons} == {"HISTORY_UNAVAILABLE": outcome}
    assert d.decision == outcome and d.policy_version == "policy-test"


async def test_the_number_of_linked_waybills_in_evidence_is_the_policys(
    engine: Engine, policy: Policy
) -> None:
    ring = ant_ring(8, phone="13700091004", id_number=resident_id(seq="914"))
    shipped, amended = await both(engine, policy, {"history.linked_max": 3}, ring)
    earlier = {wb["waybill_no"] for wb in ring[:-1]}
    full = evidence(shipped[-1], "ANT_MOVING_SENDER")["linked_waybills"]
    cut = evidence(amended[-1], "ANT_MOVING_SENDER")["linked_waybills"]
    assert len(full) == 7 and set(full) == earlier
    assert len(cut) == 3 and set(cut) <= earlier


@pytest.mark.parametrize(
    ("inspect", "hold", "model_code", "decision"),
    [
        pytest.param(0.5, 0.8, "MODEL_ELEVATED_RISK", "inspect", id="shipped"),
        pytest.param(0.7, 0.9, None, "inspect", id="both-above-the-score"),
        pytest.param(0.4, 0.55, "MODEL_HIGH_RISK", "hold", id="both-below-the-score"),
    ],
)
async def test_the_model_thresholds_in_force_move_only_the_model_reason(
    engine: Engine, policy: Policy, inspect: float, hold: float, model_code: str | None, decision: str
) -> None:
    engine.scorer = FixedScorer(0.6)
    changes = {"model.inspect_threshold": inspect, "model.hold_threshold": hold}
    (d,) = await run(engine, amend(policy, changes), [waybill(pickup_checks=NO_XRAY)])
    assert codes(d) == {"XRAY_NOT_RECORDED"} | ({model_code} if model_code else set())
    assert d.decision == decision and d.risk_score == 0.6
    if model_code is not None:
        assert evidence(d, model_code)["threshold"] == (hold if model_code == "MODEL_HIGH_RISK" else inspect)


# ... and nothing else ------------------------------------------------------------------------------------


def corpus() -> list[dict[str, Any]]:
    """Parcels each governed by other policy values (one sender, far too few parcels for history rules)."""
    return [
        waybill(),  # 0 a clean domestic parcel
        export_to("HK", 700.0),  # 1 under 800
        export_to("JP", 950.0),  # 2 under 1,000
        cbec_import(buyer("421"), 4000.0),  # 3 under 5,000
        export_postal(items=one_line("纯棉T恤 cotton T-shirt", "apparel_shoes", 7, 10.0)),  # 4 seven units
        waybill(pickup_checks=NO_XRAY),  # 5
        waybill(pickup_checks=NO_INSPECTION),  # 6
        waybill(items=one_line("大米 rice", "food", 1, 5.0), weight_kg=1.0),  # 7 five CNY a kg
        export_postal(sender=party(**NO_ID)),  # 8 no sender ID
        waybill(
            service="export",
            channel="cbec",
            receiver=abroad("JP", 6),
            items=one_line("相机 camera", "electronics", 1, 5500.0),
        ),  # 9 over 5,000
    ]


async def test_a_new_version_with_the_same_figures_decides_everything_the_same(
    engine: Engine, policy: Policy
) -> None:
    parcels = corpus()
    shipped = await run(engine, policy, parcels)
    renamed = await run(engine, amend(policy, {}, version="policy-1-reissued"), parcels)
    assert {d.policy_version for d in shipped} == {policy.version}
    assert {d.policy_version for d in renamed} == {"policy-1-reissued"}
    assert [comparable(d) | {"policy_version": ""} for d in shipped] == [
        comparable(d) | {"policy_version": ""} for d in renamed
    ]


@pytest.mark.parametrize(
    ("changes", "moved"),
    [
        pytest.param({"limits.personal_hk_mo_tw_cny": 600.0}, {1}, id="hk-limit"),
        pytest.param({"limits.personal_other_cny": 900.0}, {2}, id="other-limit"),
        pytest.param({"limits.cbec_single_cny": 3500.0}, {3, 9}, id="cbec-single"),
        pytest.param({"goods.commercial_units": 6}, {4}, id="commercial-units"),
        pytest.param({"pickup.xray_lanes": ["export", "import"]}, {5}, id="xray-lanes"),
        pytest.param({"goods.value_per_kg.food": [10.0, 30000.0]}, {7}, id="food-band"),
        pytest.param({"realname.lanes": ["domestic"]}, {8}, id="realname-lanes"),
    ],
)
async def test_a_changed_value_moves_only_the_decisions_it_governs(
    engine: Engine, policy: Policy, changes: dict[str, Any], moved: set[int]
) -> None:
    parcels = corpus()
    shipped = await run(engine, policy, parcels)
    amended = await run(engine, amend(policy, changes, version=policy.version), parcels)
    differ = {
        i for i, (a, b) in enumerate(zip(shipped, amended, strict=True)) if comparable(a) != comparable(b)
    }
    assert differ == moved


# Every decision names the policy in force ----------------------------------------------------------------


async def test_decisions_name_the_policy_version_in_force_and_a_resend_keeps_the_one_that_decided_it(
    engine: Engine, policy: Policy
) -> None:
    first = export_to("JP", 1100.0)
    before = await engine.decide(Waybill.model_validate(first))
    assert (before.policy_version, before.decision) == (policy.version, "hold")
    engine.policy = amend(policy, {"limits.personal_other_cny": 1200.0}, version="policy-2027-01")
    fresh = await engine.decide(Waybill.model_validate(export_to("JP", 1100.0)))
    assert (fresh.policy_version, fresh.decision) == ("policy-2027-01", "release")
    resent = await engine.decide(Waybill.model_validate(first))  # the same body: the same decision
    assert comparable(resent) == comparable(before)
    corrected = await engine.decide(Waybill.model_validate(first | {"weight_kg": 0.7}))
    assert (corrected.policy_version, corrected.decision) == ("policy-2027-01", "release")


def test_the_decision_read_back_names_the_policy_that_decided_it(
    client: ScoringClient, policy: Policy
) -> None:
    engine: Engine = client.http.app.state.engine  # type: ignore[attr-defined]
    wb = export_to("HK", 900.0)
    assert client.score(wb)["policy_version"] == policy.version
    engine.policy = amend(policy, {"limits.personal_hk_mo_tw_cny": 1000.0}, version="policy-hk-1000")
    path = f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}"
    assert client.http.get(path).json()["policy_version"] == policy.version
    corrected = client.score(wb | {"weight_kg": 0.7})
    assert (corrected["policy_version"], corrected["decision"]) == ("policy-hk-1000", "release")
    read = client.http.get(path).json()
    assert (read["policy_version"], read["decision"]) == ("policy-hk-1000", "release")


async def test_a_law_change_made_in_the_file_reaches_the_decisions(tmp_path: Path) -> None:
    """A new limit, written in the file under a new version and checked, is what the service decides with."""
    text = SHIPPED_TEXT.replace("personal_other_cny = 1000.0", "personal_other_cny = 1500.0").replace(
        'version = "policy-1"', 'version = "policy-2027-law"'
    )
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["check-policy", str(path)])
    assert checked.exit_code == 0 and "policy-2027-law" in checked.output
    engine = build_engine(Settings(env="development", data_dir=tmp_path / "data", policy_file=path))
    try:
        d = await engine.decide(Waybill.model_validate(export_to("JP", 1400.0)))
        held = await engine.decide(Waybill.model_validate(export_to("JP", 1500.01)))
    finally:
        if engine.log is not None:
            engine.log.close()
    assert (d.policy_version, "OVER_PERSONAL_LIMIT" in codes(d)) == ("policy-2027-law", False)
    assert evidence(held, "OVER_PERSONAL_LIMIT")["limit_cny"] == 1500.0


# A malformed or inconsistent file is refused at load, naming the field ---------------------------------


SUSPECT = "suspected bug: "
REFUSED: list[Any] = [
    pytest.param(
        "personal_other_cny = 1000.0",
        "personal_other_cny = -1000.0",
        "limits.personal_other_cny",
        id="negative-limit",
    ),
    pytest.param(
        "inspect_threshold = 0.5", "inspect_threshold = 0.9", "inspect_threshold", id="inspect-above-hold"
    ),
    pytest.param(
        "hold_threshold = 0.8", "hold_threshold = 80", "model.hold_threshold", id="threshold-in-percent"
    ),
    pytest.param("random_rate = 0.005", "random_rate = 0.5e1", "audit.random_rate", id="audit-rate-over-one"),
    pytest.param('version = "policy-1"\n', "", "version", id="missing-version"),
    pytest.param(
        "[history.velocity]\nmin_history_days = 14\ntimes_median = 5.0\nmin_parcels_24h = 20\n",
        "",
        "history.velocity",
        id="missing-section",
    ),
    pytest.param(
        "parcels_7d = 10", "parcels_7d = 9.5", "history.ant_sender.parcels_7d", id="fractional-count"
    ),
    pytest.param(
        'counterparts = 3\nwindow = "7d"',
        'counterparts = 3\nwindow = "5d"',
        "history.same_goods.window",
        id="unknown-window",
    ),
    pytest.param(
        'cross_border = "inspect"',
        'cross_border = "quarantine"',
        "history.unavailable.cross_border",
        id="unknown-outcome",
    ),
    pytest.param(
        'xray_lanes = ["domestic", "export", "import"]',
        'xray_lanes = ["domestic", "export", "air"]',
        "pickup.xray_lanes",
        id="unknown-lane",
    ),
    pytest.param(
        'sensitive_categories = ["medicine", "cosmetics"]',
        'sensitive_categories = ["medicine", "cosmetic"]',
        "goods.sensitive_categories",
        id="unknown-category",
    ),
    pytest.param("food = [2.0, 30000.0]", "food = [30000.0, 2.0]", "food", id="inverted-band"),
    # The history keeps a violation 400 days: a two-year window would silently count none older.
    pytest.param("window_years = 1", "window_years = 2", "window_years", id="window-longer-than-kept"),
    pytest.param(
        "commercial_units = 10", "commercial_units = true", "goods.commercial_units", id="bool-count"
    ),
    pytest.param("parcels_24h = 6", "parcels_24h = 12", "parcels_24h", id="day-over-week"),
    pytest.param(
        "personal_other_cny = 1000.0",
        "personal_other_cny = inf",
        "limits.personal_other_cny",
        id="infinite-limit",
    ),
    pytest.param(
        "cbec_annual_cny = 26000.0",
        "cbec_annual_cny = 2600.0",
        "cbec_annual_cny",
        id="annual-below-single",
    ),
    pytest.param(
        'hk_mo_tw = ["HK", "MO", "TW"]',
        'hk_mo_tw = ["HK", "MO", "Taiwan"]',
        "limits.hk_mo_tw",
        id="region-not-a-country-code",
    ),
    pytest.param(
        'verified_methods = ["id_reader", "online_check", "face_match", "manual"]',
        'verified_methods = ["id_reader", "online_check", "face_matching", "manual"]',
        "realname.verified_methods",
        id="unknown-verification-method",
    ),
    pytest.param(
        "food = [2.0, 30000.0]\n",
        "",
        "value_per_kg",
        id="missing-category-band",
    ),
]


@pytest.mark.parametrize(("old", "new", "named"), REFUSED)
def test_a_malformed_or_inconsistent_policy_is_refused_at_load_naming_the_field(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    path = policy_file(tmp_path, old, new)
    with pytest.raises(ConfigurationError) as refused:
        load_policy(path)
    assert named in str(refused.value)
    assert str(path) in str(refused.value)


def test_every_problem_of_a_policy_file_is_named_at_once(tmp_path: Path) -> None:
    text = SHIPPED_TEXT.replace("personal_other_cny = 1000.0", "personal_other_cny = -1.0").replace(
        "commercial_units = 10", "commercial_units = 0"
    )
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as refused:
        load_policy(path)
    assert "limits.personal_other_cny" in str(refused.value)
    assert "goods.commercial_units" in str(refused.value)


def test_a_file_that_is_not_toml_is_refused_naming_the_file_and_line(tmp_path: Path) -> None:
    path = policy_file(tmp_path, "cbec_annual_cny = 26000.0", "cbec_annual_cny = 26,000")
    line = SHIPPED_TEXT.splitlines().index("cbec_annual_cny = 26000.0") + 1
    with pytest.raises(ConfigurationError) as refused:
        load_policy(path)
    assert str(path) in str(refused.value) and f"line {line}" in str(refused.value)


def test_an_inconsistent_policy_fails_check_policy_and_the_service_will_not_start_on_it(
    tmp_path: Path,
) -> None:
    path = policy_file(tmp_path, "inspect_threshold = 0.5", "inspect_threshold = 0.95")
    checked = CliRunner().invoke(cli, ["check-policy", str(path)])
    assert checked.exit_code == 1 and "inspect_threshold" in checked.output
    with pytest.raises(ConfigurationError, match="inspect_threshold"):
        build_engine(Settings(env="development", data_dir=tmp_path / "data", policy_file=path))
