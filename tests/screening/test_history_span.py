"""What of a history the engine asks for whole (history_span), and rules reading a window wider than it."""

from typing import Any

import pytest

from features.windows import DAY_MS
from screening.engine import Engine
from screening.history import Span
from screening.policy.history import history_span
from screening.policy.schemas import Policy
from tests.factories import export_postal, item, party, resident_id
from tests.screening.test_scenarios import codes, score

pytestmark = pytest.mark.anyio


def with_near_limit_window(policy: Policy, window: str) -> Policy:
    """The policy with NEAR_LIMIT_SPLIT read over another window."""
    h = policy.history
    near = h.near_limit.model_copy(update={"window": window})
    return policy.model_copy(update={"history": h.model_copy(update={"near_limit": near})})


def near_limit(day: int, sender: dict[str, Any]) -> dict[str, Any]:
    """A parcel to Hong Kong at 750 CNY (in [720, 800)), `day` days after the first."""
    goods = [item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=750.0)]
    return export_postal(hours_after=day * 24, sender=sender, items=goods, weight_kg=0.5)


def test_the_shipped_policy_reads_seven_days_whole_and_counts_thirty(policy: Policy) -> None:
    assert history_span(policy) == Span(
        detail_ms=7 * DAY_MS, wide_ms=30 * DAY_MS, whole_kinds=frozenset({"ord"})
    )


@pytest.mark.parametrize("window", ["1h", "24h", "7d"])
def test_a_rule_window_within_seven_days_keeps_the_span(policy: Policy, window: str) -> None:
    assert history_span(with_near_limit_window(policy, window)) == Span(
        7 * DAY_MS, 30 * DAY_MS, frozenset({"ord"})
    )


def test_a_rule_reading_thirty_days_asks_for_every_event_whole(policy: Policy) -> None:
    assert history_span(with_near_limit_window(policy, "30d")) is None


@pytest.mark.parametrize(("window", "fires"), [("7d", False), ("30d", True)])
async def test_near_limit_parcels_ten_days_apart_count_over_a_thirty_day_window(
    history_engine: Engine, policy: Policy, window: str, fires: bool
) -> None:
    history_engine.policy = with_near_limit_window(policy, window)
    sender = party(phone="13700005151", id_number=resident_id(seq="515"))
    decisions = [await score(history_engine, near_limit(day, sender)) for day in (0, 10, 20)]
    assert all("NEAR_LIMIT_SPLIT" not in codes(d) for d in decisions[:2])
    assert ("NEAR_LIMIT_SPLIT" in codes(decisions[2])) is fires
