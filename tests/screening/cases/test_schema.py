"""The migrations build exactly the tables the code declares, on SQLite and PostgreSQL, and undo cleanly."""

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command

from screening.db import alembic_config, upgrade_database
from tests.screening.cases.conftest import BACKENDS


def test_the_migrated_schema_matches_the_tables(database_url: str) -> None:
    upgrade_database(database_url)  # a second upgrade is a no-op
    command.check(alembic_config(database_url))  # raises when a table, column or index differs


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_migration_undoes_and_redoes_to_the_same_schema(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # A database of its own: the session's shared PostgreSQL database must keep its tables.
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        make: Callable[[], str] = request.getfixturevalue("make_postgres_database")
        url = make()
    config = alembic_config(url)
    upgrade_database(url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)
