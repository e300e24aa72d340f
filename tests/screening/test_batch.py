"""A batch decides exactly as the same waybills one after the other, on every history store."""

from typing import Any

import pytest

from screening.contract import BatchError, Decision, Waybill
from screening.engine import BATCH_CHUNK, Engine
from tests.factories import ant_ring, waybill

pytestmark = pytest.mark.anyio


def comparable(d: Decision | BatchError) -> Any:
    """A decision without its clock."""
    assert isinstance(d, Decision)
    return d.model_dump(mode="json", exclude={"scored_at"})


async def test_a_batch_decides_as_one_by_one_with_rings_resends_and_several_chunks(
    history_engine: Engine, engine: Engine
) -> None:
    ring = ant_ring(12)
    changed = {**ring[3], "declared_value": 770.0, "items": [{**ring[3]["items"][0], "unit_value": 770.0}]}
    ordinary = [waybill(hours_after=i * 0.1) for i in range(BATCH_CHUNK)]
    # A re-send and a changed body of parcels already in the batch: each starts a new chunk.
    batch = [*ring[:6], ring[2], *ordinary[:30], changed, *ring[6:], *ordinary[30:]]
    assert len(batch) > BATCH_CHUNK

    together = await history_engine.decide_batch(batch)
    one_by_one = [await engine.decide(Waybill.model_validate(wb)) for wb in batch]

    assert [comparable(d) for d in together] == [comparable(d) for d in one_by_one]
    assert {d.decision for d in one_by_one} >= {"release", "hold"}
    assert comparable(together[6]) == comparable(together[2])  # the re-send got the remembered decision


async def test_a_batch_is_remembered_for_later_re_sends(history_engine: Engine) -> None:
    batch = [waybill(), waybill()]
    first = await history_engine.decide_batch(batch)
    again = [await history_engine.decide(Waybill.model_validate(wb)) for wb in batch]
    assert [comparable(d) for d in again] == [comparable(d) for d in first]
    assert [d.scored_at for d in again] == [d.scored_at for d in first if isinstance(d, Decision)]
