"""Pickup checks: opening inspection (收寄验视, art. 31) and X-ray screening (过机安检, art. 32–33)."""

from screening.contract import Reason
from screening.parcel import Parcel
from screening.policy.catalogue import reason
from screening.policy.schemas import Policy


def inspection_not_recorded(p: Parcel, policy: Policy) -> Reason | None:
    """No opening inspection recorded on a lane that requires it."""
    w = p.waybill
    if w.pickup_checks.opened_inspection or w.service not in policy.pickup.inspection_lanes:
        return None
    return reason("INSPECTION_NOT_RECORDED", opened_inspection=False, lane=w.service)


def xray_not_recorded(p: Parcel, policy: Policy) -> Reason | None:
    """No X-ray screening recorded on a lane that requires it."""
    w = p.waybill
    if w.pickup_checks.xray_screened or w.service not in policy.pickup.xray_lanes:
        return None
    return reason("XRAY_NOT_RECORDED", xray_screened=False, lane=w.service)
