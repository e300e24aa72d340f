"""Users and sessions: create, authenticate with lockout, open and resolve sessions, the dev seed user."""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.db import Database
from screening.errors import Conflict
from screening.people.passwords import hash_password, needs_rehash, verify_password
from screening.people.roles import ROLES, Role, parse_roles
from screening.people.schemas import NewUser, Person, SessionInfo
from screening.people.tables import LoginSession, User

log = logging.getLogger("screening.people")

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)
DEV_USERNAME = "dev"
DEV_PASSWORD = "dev"


def _person(user: User) -> Person:
    return Person(id=user.id, username=user.username, roles=parse_roles(user.roles))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, *, new: NewUser, now: datetime) -> Person:
    """Add a user (Conflict when the username is taken)."""
    return _insert_user(session, username=new.username, password=new.password, roles=new.roles, now=now)


def _insert_user(
    session: Session, *, username: str, password: str, roles: tuple[Role, ...], now: datetime
) -> Person:
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username} already exists")
    user = User(
        username=username,
        password_hash=hash_password(password),
        roles=list(roles),
        active=True,
        failed_logins=0,
        locked_until=None,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return _person(user)


@dataclass(frozen=True, slots=True)
class Candidate:
    """What a login needs to know about a username before the password is checked."""

    user_id: int
    password_hash: str
    usable: bool  # active and not locked


def login_candidate(session: Session, *, username: str, now: datetime) -> Candidate | None:
    """The user behind a username, None when there is none."""
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        return None
    locked = user.locked_until is not None and user.locked_until > now
    return Candidate(user_id=user.id, password_hash=user.password_hash, usable=user.active and not locked)


def record_login(session: Session, *, user_id: int, ok: bool, password: str, now: datetime) -> Person | None:
    """Count a failed login (locking the account after too many) or reset the count after a good one."""
    user = session.scalar(sa.select(User).where(User.id == user_id).with_for_update())
    if user is None:
        return None
    if user.locked_until is not None and user.locked_until > now:
        return None
    if not ok or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            log.warning("account %s locked for %s after repeated failed logins", user.username, LOCKOUT)
        return None
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return _person(user)


async def log_in(
    db: Database, *, username: str, password: str, now: datetime
) -> tuple[str, SessionInfo] | None:
    """Check a password and open a session: the cookie token and the session, None when refused.

    The slow password hash runs outside any transaction, so a login never holds a write lock.
    """
    candidate = await db.read(lambda s: login_candidate(s, username=username, now=now))
    stored = candidate.password_hash if candidate else None
    ok = await anyio.to_thread.run_sync(verify_password, stored, password)
    if candidate is None:
        return None
    if not candidate.usable:
        log.warning("login refused: account %s is inactive or locked", username)
        return None

    def settle(session: Session) -> tuple[str, SessionInfo] | None:
        person = record_login(session, user_id=candidate.user_id, ok=ok, password=password, now=now)
        return None if person is None else open_session(session, person=person, now=now)

    return await db.write(settle)


def open_session(session: Session, *, person: Person, now: datetime) -> tuple[str, SessionInfo]:
    """A new session for the person: the cookie token (shown once) and what its owner may see."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        token_hash=_token_hash(token),
        user_id=person.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    session.add(row)
    return token, SessionInfo(
        username=person.username, roles=person.roles, csrf_token=row.csrf_token, expires_at=row.expires_at
    )


def resolve_session(session: Session, *, token: str, now: datetime) -> tuple[Person, SessionInfo] | None:
    """The person and session behind a cookie token, None when unknown, expired or the user inactive."""
    row = session.get(LoginSession, _token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    person = _person(user)
    return person, SessionInfo(
        username=person.username, roles=person.roles, csrf_token=row.csrf_token, expires_at=row.expires_at
    )


def close_session(session: Session, *, token: str, now: datetime) -> None:
    """Log a session out; expired sessions are swept at the same time."""
    session.execute(sa.delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    session.execute(sa.delete(LoginSession).where(LoginSession.expires_at <= now))


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a session's CSRF token with the one a request carries."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def seed_development_user(session: Session, *, now: datetime) -> bool:
    """In development mode with no users yet: user dev/dev with every role. True when it was created."""
    if session.scalar(sa.select(sa.func.count()).select_from(User)):
        return False
    try:
        with session.begin_nested():
            _insert_user(session, username=DEV_USERNAME, password=DEV_PASSWORD, roles=ROLES, now=now)
    except sa.exc.IntegrityError:
        return False  # another worker starting at the same moment seeded it first
    log.warning(
        "DEVELOPMENT MODE: created user %r with password %r and every role", DEV_USERNAME, DEV_PASSWORD
    )
    return True
