"""History store fixtures: a fresh store per backend (embedded, single-node Redis, Redis Cluster)."""

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from screening.history import EmbeddedHistoryStore, HistoryStore, RedisHistoryStore
from tests.services_redis import BACKENDS
from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the service's loop)."""
    return "asyncio"


StoreFactory = Callable[..., HistoryStore]


@pytest.fixture
async def make_store(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[str], StoreFactory]]:
    """make_store(backend)(**options): a fresh, empty store; every store is closed after the test."""
    stores: list[HistoryStore] = []

    def for_backend(backend: str) -> StoreFactory:
        def build(**options: Any) -> HistoryStore:
            store: HistoryStore
            if backend == "embedded":
                store = EmbeddedHistoryStore(**options)
            elif backend == "redis":
                port = request.getfixturevalue("redis_server")
                url = f"redis://127.0.0.1:{port}/0"
                store = RedisHistoryStore.from_url(
                    url, prefix=_unique_prefix(), timeout_s=REDIS_TIMEOUT_S, **options
                )
            elif backend == "cluster":
                port = request.getfixturevalue("redis_cluster")[0]
                url = f"redis://127.0.0.1:{port}"
                store = RedisHistoryStore.from_url(
                    url, cluster=True, prefix=_unique_prefix(), timeout_s=REDIS_TIMEOUT_S, **options
                )
            else:
                raise ValueError(backend)
            stores.append(store)
            return store

        return build

    yield for_backend
    for store in stores:
        await store.close()


def _unique_prefix() -> str:
    # Each test writes under its own prefix, so the session's servers never need flushing.
    return f"t{uuid.uuid4().hex[:10]}:"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each history store implementation in turn."""
    return str(request.param)
