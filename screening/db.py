"""The SQL database of cases, audit trail and people: engine, transactions, migrations."""

import fcntl
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from screening.errors import Unavailable
from screening.metrics import STORE_SECONDS
from screening.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; one metadata for Alembic."""

    metadata = sa.MetaData(naming_convention=NAMING)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no offset, so it is stored as UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Always aware, in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def database_url(settings: Settings) -> str:
    """SCREENING_DATABASE_URL, or an SQLite file in the data dir."""
    if settings.database_url:
        return normalise_url(settings.database_url)
    return f"sqlite:///{settings.data_dir.resolve() / 'screening.db'}"


def normalise_url(url: str) -> str:
    """PostgreSQL URLs use psycopg 3 (the driver installed), whatever scheme they were written with."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of an SQLite file (SQLite creates the file, not its folder)."""
    file = sqlite_file(url)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, timeout_s: float) -> sa.Engine:
    """An engine whose connects, lock waits and statements give up after timeout_s.

    Its errors never show a statement's parameters: a case row's waybill holds phones, accounts and IPs,
    and a failed write is logged (the outbox's retries).
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        ensure_sqlite_dir(url)
        engine = sa.create_engine(
            url,
            connect_args={"timeout": timeout_s, "check_same_thread": False},
            pool_timeout=timeout_s,
            hide_parameters=True,
        )
        _sqlite_transactions(engine, busy_ms=int(timeout_s * 1000))
        return engine
    timeout_ms = int(timeout_s * 1000)
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=timeout_s,
        hide_parameters=True,
        pool_size=5,
        max_overflow=5,
        connect_args={
            # libpq counts whole seconds and treats anything under 2 as 2.
            "connect_timeout": max(2, math.ceil(timeout_s)),
            "options": f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
        },
    )


def _sqlite_transactions(engine: sa.Engine, *, busy_ms: int) -> None:
    # pysqlite's own BEGIN is deferred: two writers that both read first would deadlock on the
    # upgrade to a write lock. Writers take the lock up front (BEGIN IMMEDIATE); readers do not.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        readonly = connection.get_execution_options().get("readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class SqliteWriters:
    """Writers to one SQLite file take turns here: a lock within the process, an flock across processes.

    SQLite's own busy handler sleeps 1, 2, 5 … 100 ms between tries, so a hold that met another writer
    waited tens of milliseconds for a lock that was free after two. Here a waiter in this process wakes
    as the lock is released, and one in another process polls the flock every millisecond at most.
    """

    def __init__(self, path: Path, *, timeout_s: float) -> None:
        self.path = path.with_name(path.name + ".writer-lock")
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the write turn for a block; Unavailable when it does not come within timeout_s."""
        deadline = time.monotonic() + self.timeout_s
        if not self._lock.acquire(timeout=self.timeout_s):
            raise Unavailable(f"the case database had no free writer within {self.timeout_s} s")
        try:
            fd = self._descriptor()
            pause = 0.0002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise Unavailable(
                            f"the case database had no free writer within {self.timeout_s} s"
                        ) from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.001)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def _descriptor(self) -> int:
        # One descriptor per process (a forked child opens its own: flock belongs to the open file).
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL; None for another database or an in-memory one."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


class Database:
    """One SQL database: short transactions run in worker threads so the event loop never blocks."""

    def __init__(self, engine: sa.Engine, *, timeout_s: float = 2.0) -> None:
        self.engine = engine
        file = sqlite_file(engine.url.render_as_string(hide_password=False))
        self._writers = SqliteWriters(file, timeout_s=timeout_s) if file is not None else None
        self._writer = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(engine.execution_options(readonly=True), expire_on_commit=False)

    @classmethod
    def connect(cls, url: str, *, timeout_s: float = 2.0) -> "Database":
        """A database for this URL (nothing is opened until the first transaction)."""
        return cls(make_engine(url, timeout_s=timeout_s), timeout_s=timeout_s)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """A session committed at the end of the block, rolled back on error."""
        factory = self._reader if readonly else self._writer
        with factory() as session, session.begin():
            yield session

    def write_sync(self, work: Callable[[Session], T]) -> T:
        """Run work in one write transaction, in this thread."""
        with STORE_SECONDS.labels("sql", "write").time(), self._write_turn(), self.transaction() as session:
            return work(session)

    def _write_turn(self) -> AbstractContextManager[None]:
        return self._writers.turn() if self._writers is not None else nullcontext()

    def read_sync(self, work: Callable[[Session], T]) -> T:
        """Run work in one read transaction, in this thread."""
        with STORE_SECONDS.labels("sql", "read").time(), self.transaction(readonly=True) as session:
            return work(session)

    def ping_sync(self) -> None:
        """Raise unless the database answers a trivial query now."""
        with self.engine.execution_options(readonly=True).connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    async def write(self, work: Callable[[Session], T]) -> T:
        """Run work in one write transaction in a worker thread; SQL failures are Unavailable."""
        return await self._threaded(self.write_sync, work)

    async def read(self, work: Callable[[Session], T]) -> T:
        """Run work in one read transaction in a worker thread; SQL failures are Unavailable."""
        return await self._threaded(self.read_sync, work)

    async def _threaded(self, run: Callable[[Callable[[Session], T]], T], work: Callable[[Session], T]) -> T:
        try:
            return await anyio.to_thread.run_sync(run, work)
        except sa.exc.OperationalError as exc:
            raise Unavailable(f"the case database did not answer: {exc.orig}") from exc
        except sa.exc.TimeoutError as exc:
            raise Unavailable("the case database's connection pool is exhausted") from exc

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def alembic_config(url: str) -> "Config":
    """Alembic's configuration for the migrations folder and this database (no alembic.ini needed)."""
    # Alembic is imported here, not at the top: only a migration needs it, and its import is a good part
    # of the start of every process that touches SQL (the case writer's most of all).
    from alembic.config import Config

    # stdout given, not Config's default: that default is the sys.stdout of when alembic was first
    # imported, which in a test run may be a capture pytest has since closed.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    """Apply every Alembic migration not yet applied (idempotent; safe at each start)."""
    from alembic import command

    with _MIGRATING:
        command.upgrade(alembic_config(url), "head")


# Alembic's migration context is global to the process: two upgrades at once in two threads ran on each
# other's connection (a segmentation fault in sqlite3 when one closed it under the other).
_MIGRATING = threading.Lock()
