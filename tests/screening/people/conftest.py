"""People tests use the case tests' databases (an SQLite file, then PostgreSQL) and cheap password hashes."""

import pytest

from tests.screening.cases.conftest import (  # noqa: F401
    cli,
    database_url,
    db,
    migrated_postgres,
)


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Every people test hashes passwords cheaply."""
