"""Alembic environment: the tables of screening.cases and screening.people, one metadata."""

from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

from screening.cases import tables as case_tables
from screening.db import Base, database_url, ensure_sqlite_dir, normalise_url
from screening.keys import tables as key_tables
from screening.people import tables as people_tables
from screening.settings import get_settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
# Importing the table modules is what registers their tables on the metadata.
assert case_tables.Case.__table__ in target_metadata.sorted_tables
assert people_tables.User.__table__ in target_metadata.sorted_tables
assert key_tables.ApiKey.__table__ in target_metadata.sorted_tables


def _url() -> str:
    url = normalise_url(config.get_main_option("sqlalchemy.url") or database_url(get_settings()))
    ensure_sqlite_dir(url)
    return url


def run_migrations_offline() -> None:
    """Emit SQL to standard output instead of running it."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the database, in one transaction where the backend allows."""
    engine = sa.create_engine(_url(), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
