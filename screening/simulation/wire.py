"""A simulated history row back in the wire form a courier system sends."""

from collections.abc import Mapping
from typing import Any

_ADDRESS = ("country", "province", "city", "district", "detail", "postcode")
_IDENTITY = ("id_type", "id_number", "id_verified", "verification_method", "customer_type", "contract_id")
_ITEM = ("description", "category", "brand", "hs_code", "quantity", "unit_value")
_ORDER = {
    "platform": "order_platform",
    "order_id": "order_id",
    "shop_id": "order_shop_id",
    "buyer_ip": "order_buyer_ip",
    "payment_account": "order_payment_account",
}


def _party(row: Mapping[str, Any], side: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": row[f"{side}_name"],
        "phone": row[f"{side}_phone"],
        "address": {f: row[f"{side}_{f}"] for f in _ADDRESS},
    }
    out.update({f: row[f"{side}_{f}"] for f in _IDENTITY})
    if out["id_verified"] is None:
        out["id_verified"] = False
    if out["customer_type"] is None:
        out["customer_type"] = "individual"
    return out


def waybill_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """The waybill of one history row (as from DataFrame.iter_rows(named=True)), JSON-ready."""
    order = {f: row[column] for f, column in _ORDER.items()}
    dims = row["dims_cm"]
    return {
        "waybill_no": row["waybill_no"],
        "carrier": row["carrier"],
        "outlet_id": row["outlet_id"],
        "courier_id": row["courier_id"],
        "accepted_at": row["accepted_at"].isoformat(),
        "service": row["service"],
        "channel": row["channel"],
        "sender": _party(row, "sender"),
        "receiver": _party(row, "receiver"),
        "items": [{f: item[f] for f in _ITEM} for item in row["items"]],
        "currency": row["currency"],
        "declared_value": row["declared_value"],
        "weight_kg": row["weight_kg"],
        "dims_cm": list(dims) if dims is not None else None,
        "pickup_checks": {
            "opened_inspection": row["opened_inspection"],
            "xray_screened": row["xray_screened"],
        },
        "order": order if any(v is not None for v in order.values()) else None,
    }
