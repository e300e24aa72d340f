"""Reading decisions as the API answers them (wire form, plain dicts)."""

from typing import Any

# The "required: yes" rows of the contract's Waybill table.
WAYBILL_REQUIRED = (
    "waybill_no",
    "carrier",
    "outlet_id",
    "accepted_at",
    "service",
    "channel",
    "sender",
    "receiver",
    "items",
    "currency",
    "declared_value",
    "weight_kg",
    "pickup_checks",
)

# The Decision table of the contract (case_status is the one optional field the service adds).
DECISION_FIELDS = frozenset(
    {
        "waybill_no",
        "carrier",
        "decision",
        "risk_score",
        "reasons",
        "case_id",
        "model_version",
        "policy_version",
        "scored_at",
    }
)


def codes(decision: dict[str, Any]) -> set[str]:
    """Reason codes of a decision."""
    return {r["code"] for r in decision["reasons"]}


def reason_of(decision: dict[str, Any], code: str) -> dict[str, Any]:
    """One reason of a decision (fails when it is absent)."""
    found = [r for r in decision["reasons"] if r["code"] == code]
    assert found, f"{code} not in {sorted(codes(decision))}"
    r: dict[str, Any] = found[0]
    return r
