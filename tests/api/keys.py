"""API keys for tests: made straight in the app's database, sent as a Bearer header."""

from datetime import UTC, datetime

from fastapi import FastAPI

from screening.keys.service import KeyKind, create_key


def make_key(app: FastAPI, kind: KeyKind, scope: str, *, rate_per_s: float | None = None) -> str:
    """A new live key of a started app, in the form a caller sends it."""
    now = datetime.now(UTC)
    token, _ = app.state.db.write_sync(
        lambda s: create_key(s, kind=kind, scope=scope, rate_per_s=rate_per_s, now=now)
    )
    key: str = token
    return key


def bearer(key: str) -> dict[str, str]:
    """The Authorization header carrying a key."""
    return {"authorization": f"Bearer {key}"}
