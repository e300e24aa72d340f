"""The case writer process: commits before it answers, groups what waits, survives its own death."""

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from screening.cases.desk import CaseDesk, open_desk
from screening.cases.schemas import CaseDraft, CaseStatus
from screening.cases.tables import AuditEntry, Case
from screening.cases.writer import ProcessWriter, ThreadWriter, WriteFailed, commit_group
from screening.db import Database
from screening.engine import Engine
from screening.errors import Unavailable
from screening.settings import Settings
from tests.screening.cases.conftest import draft, held, score

pytestmark = pytest.mark.anyio


class CountingFallback:
    """A fallback writer that records what reached it and writes it from a thread."""

    def __init__(self, db: Database) -> None:
        self.inner = ThreadWriter(db=db, sla_hours=24)
        self.drafts: list[str] = []

    async def write(self, draft: CaseDraft) -> CaseStatus:
        self.drafts.append(draft.case_id)
        return await self.inner.write(draft)

    async def close(self) -> None:
        await self.inner.close()


@pytest.fixture
async def fallback(db: Database) -> CountingFallback:
    return CountingFallback(db)


@pytest.fixture
async def writer(database_url: str, fallback: CountingFallback) -> AsyncIterator[ProcessWriter]:
    """A started writer process on the test database."""
    w = ProcessWriter(url=database_url, timeout_s=2.0, sla_hours=24, fallback=fallback)
    assert await w.started(), "the case writer process did not start"
    yield w
    await w.close()


def committed(database_url: str) -> set[str]:
    """Case ids committed, read through a new connection."""
    fresh = Database.connect(database_url)
    try:
        return set(fresh.read_sync(lambda s: list(s.scalars(sa.select(Case.case_id)))))
    finally:
        fresh.dispose()


async def test_a_draft_is_committed_by_the_writer_process_before_write_returns(
    writer: ProcessWriter, fallback: CountingFallback, database_url: str
) -> None:
    assert await writer.write(draft(1)) == "open"  # the case's status after the hold
    assert committed(database_url) == {draft(1).case_id}
    assert fallback.drafts == []  # the process wrote it, not the thread
    assert writer.pid is not None and writer.pid != os.getpid()


async def test_drafts_sent_together_are_all_committed_and_each_answered(
    writer: ProcessWriter, db: Database, database_url: str
) -> None:
    drafts = [draft(n) for n in range(40)]
    await asyncio.gather(*(writer.write(d) for d in drafts))
    assert committed(database_url) == {d.case_id for d in drafts}
    # One audit entry each, chained in one trail whatever transaction they shared.
    opened = db.read_sync(lambda s: [c for c in s.scalars(sa.select(AuditEntry.case_id)) if c is not None])
    assert sorted(opened) == sorted(d.case_id for d in drafts)


def test_one_bad_draft_in_a_group_fails_alone() -> None:
    written: list[str] = []

    def upsert_all(drafts: list[CaseDraft]) -> list[CaseStatus]:
        if any(d.case_id == draft(2).case_id for d in drafts):
            raise ValueError("refused")
        written.extend(d.case_id for d in drafts)
        return ["open" for _ in drafts]

    answers = commit_group([(1, draft(1)), (2, draft(2)), (3, draft(3))], upsert_all)
    assert answers == [(1, "open"), (2, None), (3, "open")]
    assert written == [draft(1).case_id, draft(3).case_id]


def test_a_group_that_meets_a_database_down_fails_at_once_without_retrying_each() -> None:
    calls: list[int] = []

    def upsert_all(drafts: list[CaseDraft]) -> list[CaseStatus]:
        calls.append(len(drafts))
        raise Unavailable("down")

    assert commit_group([(1, draft(1)), (2, draft(2))], upsert_all) == [(1, None), (2, None)]
    assert calls == [2]


async def test_a_killed_writer_fails_what_it_held_and_the_next_hold_goes_through_the_fallback(
    writer: ProcessWriter, fallback: CountingFallback, database_url: str
) -> None:
    first = writer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    for _ in range(200):
        if writer.pid is None:
            break
        await asyncio.sleep(0.01)
    await writer.write(draft(7))  # while the writer restarts
    assert fallback.drafts == [draft(7).case_id]
    assert draft(7).case_id in committed(database_url)
    assert await writer.started()
    assert writer.pid not in (None, first)
    await writer.write(draft(8))
    assert fallback.drafts == [draft(7).case_id]
    assert draft(8).case_id in committed(database_url)


async def test_a_database_that_does_not_answer_fails_the_write(fallback: CountingFallback) -> None:
    w = ProcessWriter(
        url="postgresql://postgres@127.0.0.1:9/nowhere", timeout_s=0.5, sla_hours=24, fallback=fallback
    )
    try:
        assert await w.started()
        with pytest.raises(WriteFailed):
            await w.write(draft(1))
    finally:
        await w.close()


async def test_closing_stops_the_writer_process(database_url: str, fallback: CountingFallback) -> None:
    w = ProcessWriter(url=database_url, timeout_s=2.0, sla_hours=24, fallback=fallback)
    assert await w.started()
    pid = w.pid
    assert pid is not None
    await w.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_a_hold_opens_its_case_through_the_writer_process(
    engine: Engine, make_desk: Callable[..., CaseDesk], db: Database, writer: ProcessWriter, database_url: str
) -> None:
    desk = make_desk(db, writer=writer)
    decision = await score(engine, held())
    assert decision.decision == "hold" and decision.case_id is not None
    assert decision.case_id in committed(database_url)
    assert desk.outbox.waiting() == []


async def test_the_desk_starts_its_writer_process_with_the_worker_not_at_the_first_hold(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    # The service's default writer (the suite's apps write from a thread: tests/conftest.py).
    settings = Settings(
        env="development", data_dir=tmp_path / "data", database_url=database_url, case_writer="process"
    )
    desk = await open_desk(settings=settings, engine=engine)
    try:
        assert isinstance(desk.writer, ProcessWriter)
        async with asyncio.timeout(60):
            while desk.writer.pid is None:  # noqa: ASYNC110 - nothing outside the writer to wait on
                await asyncio.sleep(0.05)
    finally:
        await desk.stop()
        desk.db.dispose()
