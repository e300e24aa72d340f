"""Users, passwords, lockout, sessions and the development seed user (SQLite and PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from screening.db import Database
from screening.errors import Conflict
from screening.people.roles import ROLES, allowed, parse_roles
from screening.people.schemas import NewUser
from screening.people.service import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    SESSION_TTL,
    close_session,
    create_user,
    csrf_matches,
    log_in,
    resolve_session,
    seed_development_user,
)
from screening.people.tables import User

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def add_user(db: Database, username: str = "wang", password: str = "correct horse", *roles: str) -> None:
    """Create a user with these roles (officer when none are given)."""
    new = NewUser(username=username, password=password, roles=parse_roles(roles or ("officer",)))
    db.write_sync(lambda s: create_user(s, new=new, now=NOW))


async def test_the_right_password_opens_a_session_the_wrong_one_does_not(db: Database) -> None:
    add_user(db, "wang", "correct horse", "officer", "supervisor")
    assert await log_in(db, username="wang", password="wrong horse", now=NOW) is None
    assert await log_in(db, username="nobody", password="correct horse", now=NOW) is None
    opened = await log_in(db, username="wang", password="correct horse", now=NOW)
    assert opened is not None
    token, session = opened
    assert session.roles == ("officer", "supervisor") and session.expires_at == NOW + SESSION_TTL
    [stored] = db.read_sync(lambda s: list(s.scalars(sa.select(User))))
    assert stored.password_hash.startswith("$argon2id$") and "correct horse" not in stored.password_hash
    found = db.read_sync(lambda s: resolve_session(s, token=token, now=NOW + timedelta(hours=1)))
    assert found is not None and found[0].username == "wang" and found[1].csrf_token == session.csrf_token
    assert db.read_sync(lambda s: resolve_session(s, token=token, now=NOW + SESSION_TTL)) is None
    assert db.read_sync(lambda s: resolve_session(s, token="forged", now=NOW)) is None
    db.write_sync(lambda s: close_session(s, token=token, now=NOW))
    assert db.read_sync(lambda s: resolve_session(s, token=token, now=NOW)) is None


async def test_repeated_failed_logins_lock_the_account_for_a_while(db: Database) -> None:
    add_user(db)
    for _ in range(MAX_FAILED_LOGINS):
        assert await log_in(db, username="wang", password="guess", now=NOW) is None
    assert await log_in(db, username="wang", password="correct horse", now=NOW + timedelta(minutes=1)) is None
    after = NOW + LOCKOUT + timedelta(seconds=1)
    assert await log_in(db, username="wang", password="correct horse", now=after) is not None


async def test_an_inactive_user_cannot_log_in_or_keep_a_session(db: Database) -> None:
    add_user(db)
    opened = await log_in(db, username="wang", password="correct horse", now=NOW)
    assert opened is not None
    db.write_sync(lambda s: s.execute(sa.update(User).values(active=False)))
    assert db.read_sync(lambda s: resolve_session(s, token=opened[0], now=NOW)) is None
    assert await log_in(db, username="wang", password="correct horse", now=NOW) is None


def test_usernames_are_unique_and_roles_known(db: Database) -> None:
    add_user(db)
    with pytest.raises(Conflict):
        add_user(db)
    with pytest.raises(ValueError, match="unknown role"):
        parse_roles(["officer", "customs_god"])
    assert allowed(("auditor",), ("officer", "auditor")) and not allowed(("auditor",), ("officer",))


def test_the_csrf_check_needs_the_exact_token() -> None:
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd") and not csrf_matches("abc", None)


async def test_the_development_user_is_seeded_once_and_only_into_an_empty_table(db: Database) -> None:
    assert db.write_sync(lambda s: seed_development_user(s, now=NOW))
    assert not db.write_sync(lambda s: seed_development_user(s, now=NOW))
    opened = await log_in(db, username="dev", password="dev", now=NOW)
    assert opened is not None and opened[1].roles == ROLES


async def test_users_create_on_the_command_line(db: Database, cli: typer.Typer) -> None:
    run = CliRunner().invoke
    done = run(cli, ["users", "create", "--username", "li", "--role", "officer", "--password", "s3cret-pass"])
    assert done.exit_code == 0, done.output
    assert await log_in(db, username="li", password="s3cret-pass", now=NOW) is not None
    made_up = run(cli, ["users", "create", "--username", "zhao", "--role", "auditor", "--role", "officer"])
    assert made_up.exit_code == 0
    password = made_up.output.split("password (shown once): ")[1].strip()
    opened = await log_in(db, username="zhao", password=password, now=NOW)
    assert opened is not None and opened[1].roles == ("officer", "auditor")
    assert (
        run(
            cli, ["users", "create", "--username", "li", "--role", "officer", "--password", "x" * 8]
        ).exit_code
        == 1
    )
    assert run(cli, ["users", "create", "--username", "qian", "--role", "boss"]).exit_code == 2
    assert (
        run(
            cli, ["users", "create", "--username", "qian", "--role", "officer", "--password", "short"]
        ).exit_code
        == 2
    )
