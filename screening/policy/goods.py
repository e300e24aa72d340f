"""Goods rules: prohibited articles, counterfeit price signals, commercial quantities, value per kg."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from features.goods import CATEGORY_NAMES_ZH
from screening.contract import Reason
from screening.parcel import ItemFacts, Parcel
from screening.policy.catalogue import quoted, reason
from screening.policy.schemas import Policy


def prohibited_item(p: Parcel, policy: Policy) -> Reason | None:
    """An item matching the prohibited list (whole terms) or declared as hazardous chemicals."""
    hits: list[dict[str, Any]] = []
    for f in p.items:
        for hit in f.goods.prohibited:
            hits.append({"item": f.index, "term": hit.term, "prohibited_class": hit.prohibited_class})
        hazardous = "hazardous_chemicals" in (f.goods.category, f.goods.described_category)
        if hazardous and not f.goods.prohibited:
            hits.append(
                {"item": f.index, "term": "hazardous_chemicals", "prohibited_class": "hazardous_chemicals"}
            )
    if not hits:
        return None
    first = hits[0]
    description = quoted(p.items[first["item"]].item.description, p.waybill)
    return reason(
        "PROHIBITED_ITEM",
        hits=hits,
        words={
            "description": description,
            "term": first["term"],
            "term_zh": CATEGORY_NAMES_ZH.get(first["term"], first["term"]),
            "prohibited_class": first["prohibited_class"],
        },
    )


def brand_price_anomaly(p: Parcel, policy: Policy) -> Reason | None:
    """A protected brand at a unit value under its floor."""
    cheap = [
        {"item": f.index, "brand": b.brand, "unit_value_cny": f.unit_value_cny, "floor_cny": b.floor_cny}
        for f in p.items
        for b in f.goods.brands
        if b.floor_cny is not None and f.unit_value_cny < b.floor_cny
    ]
    if not cheap:
        return None
    first = cheap[0]
    return reason(
        "BRAND_PRICE_ANOMALY",
        brand=first["brand"],
        unit_value_cny=first["unit_value_cny"],
        floor_cny=first["floor_cny"],
        items=cheap,
    )


def commercial_quantity(p: Parcel, policy: Policy) -> Reason | None:
    """A personal article in more units than personal use explains."""
    if not p.personal:
        return None
    g = policy.goods
    # Units of one item split over lines of the same description (3 + 3 jars of one cream) add up.
    articles: dict[str, list[ItemFacts]] = {}
    for f in p.items:
        articles.setdefault(f.article, []).append(f)
    over: list[dict[str, Any]] = []
    for lines in articles.values():
        f = lines[0]
        # The stricter count when any line is of a sensitive category (a medicine declared once as such).
        category = next(
            (x.goods.category for x in lines if x.goods.category in g.sensitive_categories), f.goods.category
        )
        max_units = g.commercial_units_sensitive if category in g.sensitive_categories else g.commercial_units
        quantity = sum(line.item.quantity for line in lines)
        if quantity > max_units:
            over.append(
                {
                    "item": f.index,
                    "items": [line.index for line in lines],
                    "description": quoted(f.item.description, p.waybill),
                    "category": category,
                    "category_inferred": f.goods.category_inferred,
                    "quantity": quantity,
                    "max_units": max_units,
                }
            )
    if not over:
        return None
    # The first article over its count speaks; every further one is named in the evidence too.
    first, *others = over
    extra: dict[str, Any] = {"others": others} if others else {}
    return reason("COMMERCIAL_QUANTITY", **first, **extra)


def weight_value_mismatch(p: Parcel, policy: Policy) -> Reason | None:
    """Declared value per kg outside the main category's plausible band."""
    w = p.waybill
    if w.weight_kg < policy.goods.min_weight_for_value_check_kg:
        return None
    band = policy.goods.value_per_kg.get(p.main_category)  # type: ignore[call-overload]
    if band is None:
        return None
    low, high = band
    # In decimals of the figures as written: 55 CNY over 1.1 kg is 50 CNY/kg, where a float division gives
    # 49.999…, under a band from 50. Unrounded: 19.999 CNY/kg is under a band starting at 20.
    per_kg = _decimal(p.value_cny) / _decimal(w.weight_kg)
    if _decimal(low) <= per_kg <= _decimal(high):
        return None
    return reason(
        "WEIGHT_VALUE_MISMATCH",
        # Rounded away from the band: 19.996 CNY/kg under a band from 20 is shown 19.99, not 20.
        value_per_kg=float(per_kg.quantize(_CENT, rounding=ROUND_FLOOR if per_kg < low else ROUND_CEILING)),
        words={"category_zh": CATEGORY_NAMES_ZH.get(p.main_category, p.main_category)},
        category=p.main_category,
        category_inferred=p.main.goods.category_inferred,
        band_low=low,
        band_high=high,
        value_cny=p.value_cny,
        weight_kg=w.weight_kg,
    )


_CENT = Decimal("0.01")


def _decimal(figure: float) -> Decimal:
    """The decimal a float was written as (its shortest repr), not its binary value."""
    return Decimal(repr(figure))
