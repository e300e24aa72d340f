"""Which entities a parcel counts under: an address without a building is not one."""

from typing import Any

from screening.contract import Waybill
from screening.engine import Engine, body_digest
from screening.entities import parcel_entities
from tests.factories import hk_receiver, waybill


def kinds_of(engine: Engine, body: dict[str, Any]) -> set[str]:
    w = Waybill.model_validate(body)
    parcel = engine.prepare(w)
    entities = parcel_entities(parcel, privacy=engine.privacy, goods=engine.goods, digest=body_digest(w))
    return set(entities.kinds.values())


def test_a_receiver_address_with_a_building_is_an_entity(engine: Engine) -> None:
    assert "receiver_address" in kinds_of(engine, waybill(service="export", receiver=hk_receiver()))


def test_an_address_naming_no_building_is_not_counted_with_every_other_such_address(engine: Engine) -> None:
    bare = dict.fromkeys(("province", "city", "district", "detail", "postcode")) | {"country": "HK"}
    kinds = kinds_of(engine, waybill(service="export", receiver=hk_receiver(address=bare)))
    assert "receiver_address" not in kinds
    assert {"sender_id", "sender_phone", "receiver_phone"} <= kinds
