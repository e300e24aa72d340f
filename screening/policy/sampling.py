"""RANDOM_AUDIT: a deterministic random share of parcels, so labels are unbiased and misses measurable."""

import hashlib
from decimal import ROUND_FLOOR, Decimal

from screening.contract import Reason
from screening.parcel import Parcel
from screening.policy.catalogue import reason
from screening.policy.schemas import Policy


def audit_draw(carrier: str, waybill_no: str) -> float:
    """A number in [0, 1) fixed by the parcel's key, so re-sends and replays draw the same."""
    digest = hashlib.blake2b(f"{carrier}:{waybill_no}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def random_audit(p: Parcel, policy: Policy) -> Reason | None:
    """Inspect the parcel if its draw falls under the audit rate."""
    rate = policy.audit.random_rate
    draw = audit_draw(p.waybill.carrier, p.waybill.waybill_no)
    if draw >= rate:
        return None
    # Shown to six decimals rounded down, so the evidence keeps the draw under the rate: a draw of
    # 0.0049996 at a rate of 0.005 reads 0.004999, not 0.005.
    shown = float(Decimal(draw).quantize(_SHOWN, rounding=ROUND_FLOOR))
    # The rate as people read it (0.5%), where the evidence keeps the policy's figure (0.005).
    return reason("RANDOM_AUDIT", words={"rate_pct": f"{rate * 100:g}%"}, rate=rate, draw=shown)


_SHOWN = Decimal("0.000001")
