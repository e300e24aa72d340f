"""The agreement registry's contract, held by both forms: a CSV in the data dir and a Redis hash.

Two registries of one form stand for two workers of one data dir (CSV) or two nodes of one Redis (Redis, each
node with a data dir of its own): what one saves, the other finds at its next refresh().
"""

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest
from redis.asyncio import Redis

from screening.agreements import BULK_TIMEOUT_S, Agreement, AgreementRegistry, RedisAgreementRegistry
from screening.errors import Unavailable
from screening.history.redis import connect
from tests.services_redis import TIMEOUT_S, free_port

HEADER = "contract_id,name,carrier,status,valid_from,valid_until"
ON = date(2026, 6, 1)
SHOP = Agreement(contract_id="SHOP-1", name="某网店", carrier="SF", valid_until=date(2026, 12, 31))
Node = Callable[[], AgreementRegistry]

pytestmark = pytest.mark.anyio


FORMS = ["csv", *(pytest.param(name, marks=pytest.mark.redis) for name in ("redis", "cluster"))]


@pytest.fixture(params=FORMS)
async def node(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Node]:
    """node() starts another registry of one service: a worker of the data dir, or a node of the Redis."""
    count = iter(range(1000))
    if request.param == "csv":
        data = tmp_path / "data"
        yield lambda: AgreementRegistry(data / "agreements.csv", seeded=data / "agreements.seeded.csv")
        return
    cluster = request.param == "cluster"
    port = request.getfixturevalue("redis_cluster")[0] if cluster else request.getfixturevalue("redis_server")
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    registries: list[AgreementRegistry] = []

    def start() -> AgreementRegistry:
        client = connect(f"redis://127.0.0.1:{port}", cluster=cluster, timeout_s=BULK_TIMEOUT_S)
        legacy = tmp_path / f"node-{next(count)}" / "agreements.csv"
        registries.append(RedisAgreementRegistry(client, prefix=prefix, timeout_s=TIMEOUT_S, legacy=legacy))
        return registries[-1]

    yield start
    for registry in registries:
        await registry.close()


async def status(registry: AgreementRegistry, contract_id: str = "SHOP-1", carrier: str = "SF") -> str:
    """What a contract parcel of that customer and carrier finds, after the engine's refresh."""
    await registry.refresh()
    return registry.status(contract_id, on=ON, carrier=carrier)


async def test_an_agreement_put_through_one_is_found_by_the_other(node: Node) -> None:
    one, two = node(), node()
    assert await status(two) == "unknown"
    assert await one.put([SHOP]) == 1
    assert await status(two) == "active"


async def test_a_suspension_through_one_holds_at_the_others_next_parcel(node: Node) -> None:
    one, two = node(), node()
    await one.put([SHOP])
    assert await status(two) == "active"
    await one.put([SHOP.model_copy(update={"status": "suspended"})])
    assert await status(two) == "suspended"


async def test_add_only_keeps_what_is_there(node: Node) -> None:
    one, two = node(), node()
    await one.put([SHOP.model_copy(update={"status": "suspended"})])
    await two.put([SHOP], replace=False)
    assert (await status(one), await status(two)) == ("suspended", "suspended")


async def test_the_listing_is_every_agreement_by_key_as_saved_now(node: Node) -> None:
    one, two = node(), node()
    other = Agreement(contract_id="SHOP-0", name="另一网店", carrier=None)
    await one.put([SHOP, other])
    listed = await two.listing()
    assert [(a.contract_id, a.carrier) for a in listed] == [("SHOP-0", None), ("SHOP-1", "SF")]


async def test_an_agreement_of_no_carrier_stands_for_carriers_without_their_own(node: Node) -> None:
    one = node()
    everyone = Agreement(contract_id="SHOP-1", name="某网店")
    await one.put([everyone, SHOP.model_copy(update={"carrier": "YTO"})])
    assert (await status(one, carrier="SF"), await status(one, carrier="YTO")) == ("active", "active")
    await one.put([SHOP.model_copy(update={"carrier": "YTO", "status": "suspended"})])
    assert (await status(one, carrier="SF"), await status(one, carrier="YTO")) == ("active", "suspended")


async def test_seeding_at_one_start_adds_what_the_registry_lacks_for_both(node: Node) -> None:
    one, two = node(), node()
    await one.load(f"{HEADER}\nSHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n")
    assert await status(two) == "active"


async def test_a_restart_keeps_a_suspension_the_file_did_not_change(node: Node) -> None:
    rows = f"{HEADER}\nSHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n"
    one = node()
    await one.load(rows)
    await one.put([SHOP.model_copy(update={"status": "suspended"})])
    again = node()
    await again.load(rows)
    assert await status(again) == "suspended"


async def test_a_row_the_operator_changed_in_the_file_replaces_the_registrys_at_restart(node: Node) -> None:
    one = node()
    await one.load(f"{HEADER}\nSHOP-1,某网店,SF,active,2026-01-01,2026-05-31\n")
    await one.put([SHOP.model_copy(update={"status": "suspended"})])
    again = node()
    await again.load(f"{HEADER}\nSHOP-1,某网店,SF,active,2026-01-01,2026-12-31\n")
    assert await status(again) == "active"


@pytest.mark.redis
@pytest.mark.parametrize("node", ["redis", "cluster"], indirect=True)
async def test_redis_takes_over_the_data_dirs_csv_of_an_earlier_release_once(
    node: Node, tmp_path: Path
) -> None:
    one = node()
    legacy = tmp_path / "node-0" / "agreements.csv"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(f"{HEADER}\nSHOP-1,某网店,SF,active,,\nSHOP-2,另一网店,SF,active,,\n", encoding="utf-8")
    await one.load(None)
    assert (await status(one), await status(one, "SHOP-2")) == ("active", "active")
    await one.put([SHOP.model_copy(update={"status": "suspended"})])
    # Another node of a data dir with the same old file: Redis has a registry now, so nothing is taken over.
    two = node()
    (tmp_path / "node-1").mkdir()
    (tmp_path / "node-1" / "agreements.csv").write_text(legacy.read_text(encoding="utf-8"), encoding="utf-8")
    await two.load(None)
    assert await status(two) == "suspended"


async def test_redis_out_of_reach_keeps_the_snapshot_and_refuses_changes(tmp_path: Path) -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    registry = RedisAgreementRegistry(client, timeout_s=0.5)
    await registry.refresh()  # no answer: status() goes on with what was read last (here nothing)
    assert registry.status("SHOP-1", on=ON, carrier="SF") == "unknown"
    with pytest.raises(Unavailable):
        await registry.put([SHOP])
    with pytest.raises(Unavailable):
        await registry.listing()
    with pytest.raises(Unavailable):
        await registry.load(f"{HEADER}\nSHOP-1,某网店,SF,active,,\n")


@pytest.mark.redis
async def test_a_field_broken_by_hand_in_redis_is_left_out_and_the_rest_count(redis_server: int) -> None:
    prefix = f"t{uuid.uuid4().hex[:10]}:"

    async def scenario() -> list[str]:
        client = Redis.from_url(f"redis://127.0.0.1:{redis_server}/0")
        try:
            registry = RedisAgreementRegistry(client, prefix=prefix, timeout_s=TIMEOUT_S)
            await registry.put([SHOP])
            await client.hset(f"{prefix}{{agreements}}", "BROKEN|SF", "{not json")
            await client.incr(f"{prefix}{{agreements}}:v")
            await registry.refresh()
            return [a.contract_id for a in registry.all()]
        finally:
            await client.aclose()

    assert await scenario() == ["SHOP-1"]


@pytest.mark.redis
async def test_a_carriers_whole_registry_is_written_and_read_within_the_services_short_timeout(
    redis_server: int,
) -> None:
    # The service's Redis timeout (0.2 s) bounds the version's GET, not a bulk write or read of the hash.
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    client = connect(f"redis://127.0.0.1:{redis_server}/0", timeout_s=BULK_TIMEOUT_S)
    registry = RedisAgreementRegistry(client, prefix=prefix, timeout_s=0.2)
    try:
        shops = [Agreement(contract_id=f"SHOP-{n}", name="某网店", carrier="SF") for n in range(20_000)]
        assert await registry.put(shops) == 20_000
        assert len(await registry.listing()) == 20_000
        assert registry.status("SHOP-19999", on=ON, carrier="SF") == "active"
    finally:
        await registry.close()
