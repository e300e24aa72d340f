"""Test data: one factory per concept, with overrides."""

import copy
import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

from stdnum.cn import ric

BEIJING = timezone(timedelta(hours=8))
BASE_TIME = datetime(2026, 11, 11, 9, 30, tzinfo=BEIJING)
_serial = itertools.count(1)


def resident_id(region: str = "110105", birth: str = "19491231", seq: str = "002") -> str:
    """A resident ID number with a correct check digit."""
    base = region + birth + seq
    return base + ric.calc_check_digit(base + "0")


def resident_id_with_x(region: str = "110105", birth: str = "19700101") -> str:
    """A resident ID number whose check character is X (the first of its region and birth date)."""
    for seq in range(100, 1000):
        number = resident_id(region=region, birth=birth, seq=str(seq))
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character in range")


def wrong_check_digit(number: str) -> str:
    """The same ID number with a different (wrong) check digit."""
    right = number[-1]
    return number[:-1] + ("1" if right != "1" else "2")


class Whole(dict[str, Any]):
    """A complete part (a whole party): it replaces what it is merged into instead of merging."""


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge changes into a copy of base; a key mapped to ... is removed; a Whole value replaces."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            out.pop(key, None)
        elif isinstance(value, Whole):
            out[key] = Whole(copy.deepcopy(dict(value)))
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# A sender who gave no identity document.
NO_ID: dict[str, Any] = {
    "id_type": None,
    "id_number": None,
    "id_verified": False,
    "verification_method": None,
}


def party(**changes: Any) -> dict[str, Any]:
    """A mainland sender with a verified resident ID."""
    base = {
        "name": "张伟",
        "phone": "13800138000",
        "address": {
            "country": "CN",
            "province": "上海市",
            "city": "上海市",
            "district": "浦东新区",
            "detail": "张江路88号3号楼201室",
            "postcode": "201203",
        },
        "id_type": "resident_id",
        "id_number": resident_id(),
        "id_verified": True,
        "verification_method": "id_reader",
        "customer_type": "individual",
        "contract_id": None,
    }
    return Whole(merge(base, changes))


def hk_receiver(**changes: Any) -> dict[str, Any]:
    """A receiver in Hong Kong, no ID."""
    base = {
        "name": "CHAN TAI MAN",
        "phone": "+85291234567",
        "address": {
            "country": "HK",
            "province": None,
            "city": "Hong Kong",
            "district": "Kowloon",
            "detail": "Flat B, 12/F, 88 Nathan Road",
            "postcode": None,
        },
    }
    return Whole(merge(base, changes))


def cn_receiver(**changes: Any) -> dict[str, Any]:
    """A receiver in Beijing, no ID."""
    base = {
        "name": "李娜",
        "phone": "13912345678",
        "address": {
            "country": "CN",
            "province": "北京市",
            "city": "北京市",
            "district": "朝阳区",
            "detail": "建国路93号万达广场8号楼1201",
        },
    }
    return Whole(merge(base, changes))


def item(**changes: Any) -> dict[str, Any]:
    """One ordinary item line."""
    base = {
        "description": "纯棉T恤 cotton T-shirt",
        "category": "apparel_shoes",
        "quantity": 2,
        "unit_value": 60.0,
    }
    return merge(base, changes)


def inspection_report(wb: dict[str, Any], result: str, *, inspected_at: str) -> dict[str, Any]:
    """The body of POST /v1/inspections for a waybill; a violation is of counterfeit goods."""
    body: dict[str, Any] = {
        "carrier": wb["carrier"],
        "waybill_no": wb["waybill_no"],
        "result": result,
        "inspected_at": inspected_at,
    }
    if result == "violation":
        body["violation_type"] = "counterfeit"
    return body


def agreement_customer(contract_id: str, **changes: Any) -> dict[str, Any]:
    """A sender who hands parcels over under an agreement (协议客户), without an ID of its own."""
    return party(
        name="某网店",
        customer_type="contract",
        contract_id=contract_id,
        id_type=None,
        id_number=None,
        id_verified=False,
        verification_method=None,
        **changes,
    )


def waybill(*, hours_after: float = 0.0, **changes: Any) -> dict[str, Any]:
    """A clean domestic waybill (releases); items given without declared_value get it computed."""
    n = next(_serial)
    base: dict[str, Any] = {
        "waybill_no": f"SF{1400000000000 + n}",
        "carrier": "SF",
        "outlet_id": "SF-310115-0042",
        "courier_id": "C-88213",
        "accepted_at": (BASE_TIME + timedelta(hours=hours_after)).isoformat(),
        "service": "domestic",
        "channel": "express",
        "sender": party(),
        "receiver": cn_receiver(),
        "items": [item()],
        "currency": "CNY",
        "declared_value": 120.0,
        "weight_kg": 0.6,
        "dims_cm": [20, 15, 10],
        "pickup_checks": {"opened_inspection": True, "xray_screened": True},
        "order": None,
    }
    out = merge(base, changes)
    if "items" in changes and "declared_value" not in changes:
        out["declared_value"] = round(sum(i["quantity"] * i["unit_value"] for i in out["items"]), 2)
    return out


def export_postal(**changes: Any) -> dict[str, Any]:
    """A personal postal article from Shanghai to Hong Kong (limit 800 CNY)."""
    base = {"service": "export", "channel": "postal", "receiver": hk_receiver()}
    return waybill(**merge(base, changes))


def over_limit(**changes: Any) -> dict[str, Any]:
    """An export personal article of 1,000 CNY in five units to Hong Kong (limit 800): held, one reason."""
    return export_postal(items=[item(quantity=5, unit_value=200.0)], **changes)


def macau_receiver(n: int) -> dict[str, Any]:
    """The n-th of several receivers in Macau."""
    return hk_receiver(
        name=f"RECEIVER {n}",
        phone=f"+8536612{n:04d}",
        address={"country": "MO", "city": "Macau", "district": "Taipa", "detail": f"Rua {n}, Bloco {n}"},
    )


def ant_ring(count: int, **sender: Any) -> list[dict[str, Any]]:
    """One sender's parcels to five Macau receivers, each under the limit: from the sixth on, held."""
    who = party(**sender)
    return [
        export_postal(
            hours_after=i * 0.4,
            sender=who,
            receiver=macau_receiver(i % 5),
            items=[
                item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=760.0 + i)
            ],
            weight_kg=0.4,
        )
        for i in range(count)
    ]
