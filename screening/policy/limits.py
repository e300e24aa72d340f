"""Value limits: personal articles (GACC 2010 No. 43) and CBEC single transactions (财关税〔2018〕49号)."""

from screening.contract import Reason
from screening.parcel import Parcel
from screening.policy.catalogue import reason
from screening.policy.schemas import Policy


def over_personal_limit(p: Parcel, policy: Policy) -> Reason | None:
    """A personal article above its per-parcel limit; a single indivisible article is inspected instead."""
    if not p.personal or p.value_cny <= p.limit_cny:
        return None
    single = len(p.items) == 1 and p.items[0].item.quantity == 1
    return reason(
        "OVER_PERSONAL_LIMIT",
        outcome="inspect" if single else "hold",
        value_cny=p.value_cny,
        limit_cny=p.limit_cny,
        counterpart_country=p.counterpart_country,
        single_article=single,
    )


def cbec_single_limit(p: Parcel, policy: Policy) -> Reason | None:
    """A cross-border e-commerce transaction above the single limit."""
    w = p.waybill
    if w.channel != "cbec" or w.service not in policy.limits.cbec_lanes:
        return None
    limit = policy.limits.cbec_single_cny
    if p.value_cny <= limit:
        return None
    return reason("CBEC_SINGLE_LIMIT", value_cny=p.value_cny, limit_cny=limit)
