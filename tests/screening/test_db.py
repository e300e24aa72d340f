"""SQLite writers take turns without SQLite's sleeping busy handler, and give up at the timeout."""

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from screening.db import Database, make_engine
from screening.errors import Unavailable
from screening.logs import LogFormat


@contextmanager
def turn_held(db: Database, seconds: float) -> Iterator[None]:
    """Another writer keeps its transaction open for a while (it has begun on entry; joined on exit)."""
    started = threading.Event()

    def work(session: sa.orm.Session) -> None:
        session.execute(sa.text("INSERT INTO t VALUES (1)"))
        started.set()
        time.sleep(seconds)

    holder = threading.Thread(target=db.write_sync, args=(work,))
    holder.start()
    assert started.wait(5)
    try:
        yield
    finally:
        holder.join()


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database.connect(url)
    db.write_sync(lambda s: s.execute(sa.text("CREATE TABLE t (x INTEGER)")))
    db.dispose()
    return url


def test_a_writer_waits_for_another_database_handle_then_commits(url: str) -> None:
    # Two handles on one file stand for two worker processes: each has its own lock file descriptor.
    first, second = Database.connect(url, timeout_s=5.0), Database.connect(url, timeout_s=5.0)
    with turn_held(first, 0.3):
        second.write_sync(lambda s: s.execute(sa.text("INSERT INTO t VALUES (2)")))
    rows = second.read_sync(lambda s: sorted(s.scalars(sa.text("SELECT x FROM t"))))
    assert rows == [1, 2]
    first.dispose()
    second.dispose()


def test_a_writer_gives_up_at_the_timeout_with_unavailable(url: str) -> None:
    first, second = Database.connect(url, timeout_s=5.0), Database.connect(url, timeout_s=0.2)
    with turn_held(first, 1.0), pytest.raises(Unavailable, match="no free writer"):
        second.write_sync(lambda s: s.execute(sa.text("INSERT INTO t VALUES (2)")))
    assert second.read_sync(lambda s: list(s.scalars(sa.text("SELECT x FROM t")))) == [1]
    first.dispose()
    second.dispose()


def test_writers_of_one_handle_queue_in_the_process(url: str) -> None:
    db = Database.connect(url, timeout_s=5.0)
    threads = [
        threading.Thread(
            target=lambda n=n: db.write_sync(lambda s: s.execute(sa.text(f"INSERT INTO t VALUES ({n})")))
        )
        for n in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.read_sync(lambda s: sorted(s.scalars(sa.text("SELECT x FROM t")))) == list(range(20))
    db.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_failed_write_is_logged_without_a_value_of_its_row(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A refused INSERT, as the case desk logs it, shows none of the row's values (SQLAlchemy's parameters,
    PostgreSQL's "Failing row contains"), yet names the statement."""
    # A database of its own on PostgreSQL: the session's shared one is compared with the migrations.
    url = (
        f"sqlite:///{tmp_path / 'p.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("make_postgres_database")()
    )
    engine = make_engine(url, timeout_s=2.0)
    private = "6222020200112233445"  # a payment account, as a case row's waybill carries one
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE p (account TEXT CHECK (length(account) < 5))"))
        with pytest.raises(sa.exc.IntegrityError) as refused, engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO p VALUES (:account)"), {"account": private})
    finally:
        engine.dispose()
    exc = refused.value
    record = logging.LogRecord(
        "screening", logging.ERROR, __file__, 1, "%s; kept", (exc,), (type(exc), exc, None)
    )
    logged = LogFormat().format(record)
    assert private not in logged
    assert "INSERT INTO p" in json.loads(logged)["message"]
