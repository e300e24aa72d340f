"""The migrations build exactly the tables the code declares, on SQLite and PostgreSQL."""

from alembic import command

from screening.db import alembic_config, upgrade_database


def test_the_migrated_schema_matches_the_tables(database_url: str) -> None:
    upgrade_database(database_url)  # a second upgrade is a no-op
    command.check(alembic_config(database_url))  # raises when a table, column or index differs
