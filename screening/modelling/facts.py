"""The request-only facts of a parcel that the model reads, taken from the engine's Parcel."""

import math

from features.vector import RequestFacts
from screening.parcel import Parcel


def request_facts(p: Parcel) -> RequestFacts:
    """RequestFacts of one parcel: the same function serves scoring and training."""
    w = p.waybill
    sender, receiver = w.sender, w.receiver
    ratios = [
        f.unit_value_cny / b.floor_cny for f in p.items for b in f.goods.brands if b.floor_cny is not None
    ]
    return RequestFacts(
        at_ms=p.at_ms,
        value_cny=p.value_cny,
        limit_cny=p.limit_cny,
        weight_kg=w.weight_kg,
        category=p.main_category,
        category_inferred=p.main.goods.category_inferred,
        service=w.service,
        channel=w.channel,
        counterpart_country=p.counterpart_country,
        personal=p.personal,
        cbec=w.channel == "cbec",
        sender_id_given=sender.id_number is not None,
        sender_id_verified=sender.id_number is not None and sender.id_verified,
        id_false=p.sender_id_problem is not None or p.receiver_id_problem is not None,
        receiver_id_given=receiver.id_number is not None,
        agreement=p.agreement or "none",
        opened_inspection=w.pickup_checks.opened_inspection,
        xray_screened=w.pickup_checks.xray_screened,
        item_lines=len(p.items),
        max_quantity=max(f.item.quantity for f in p.items),
        brand_floor_ratio=min(ratios) if ratios else math.nan,
        prohibited_hits=sum(len(f.goods.prohibited) for f in p.items),
        has_payment=w.order is not None and w.order.payment_account is not None,
    )
