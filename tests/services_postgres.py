"""A real PostgreSQL for tests: a database of our own on the shared server, dropped at the end.

Registered as a pytest plugin (tests/conftest.py: pytest_plugins = ["tests.services_postgres"]).
The server is SCREENING_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test (trust auth);
an unreachable server fails the test that needs it, never skips it. Only databases this plugin
created (screening_test_<random>) are ever dropped.
"""

import os
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
PREFIX = "screening_test_"


def _server_url() -> str:
    return os.environ.get("SCREENING_TEST_POSTGRES_URL", DEFAULT_SERVER)


def _with_database(url: str, name: str) -> str:
    return (
        sa.make_url(url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def _admin(url: str) -> psycopg.Connection[tuple[object, ...]]:
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return psycopg.connect(plain, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {sa.make_url(url).render_as_string()}: {exc}. "
            "Start it (scripts/services) or point SCREENING_TEST_POSTGRES_URL at one; "
            "the case tests run against PostgreSQL as well as SQLite and do not skip.",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def make_postgres_database() -> Iterator[Callable[[], str]]:
    """make_postgres_database(): the SQLAlchemy URL of a new, empty database; all dropped at the end."""
    server = _server_url()
    made: list[str] = []

    def make() -> str:
        name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        with _admin(server) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return _with_database(server, name)

    yield make
    if made:
        with _admin(server) as admin:
            for name in made:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_database(make_postgres_database: Callable[[], str]) -> str:
    """The SQLAlchemy URL of one empty database of this session."""
    return make_postgres_database()
