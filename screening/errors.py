"""Errors the service raises on purpose. HTTP mapping lives in api/errors.py.

* ScreeningError
  + InvalidInput        (a field is wrong in a way the contract's types cannot see: 422)
  + NotFound            (DecisionNotFound, CaseNotFound, ModelNotFound)
  + Conflict            (CaseAlreadyDecided)
  + Unauthenticated     (no valid API key or session: 401)
  + Forbidden
  + RateLimited         (a key over its request rate: 429 with Retry-After)
  + Unavailable         (HistoryUnavailable)
  + ConfigurationError  (bad settings or policy file: refuse to start)
"""

from typing import Any


class ScreeningError(Exception):
    """Base of every error the service raises on purpose."""


class InvalidInput(ScreeningError):
    """Input that passed the types but not the rules of the contract."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(str(d["msg"]) for d in detail))
        self.detail = detail

    @classmethod
    def field(cls, loc: tuple[str | int, ...], msg: str, kind: str) -> "InvalidInput":
        """One offending field."""
        return cls([{"loc": ["body", *loc], "msg": msg, "type": kind}])


class NotFound(ScreeningError):
    """Something asked for does not exist."""


class DecisionNotFound(NotFound):
    """No decision was recorded for that parcel."""


class CaseNotFound(NotFound):
    """No case with that id."""


class ModelNotFound(NotFound):
    """No model with that version or alias."""


class Conflict(ScreeningError):
    """The request conflicts with the current state."""


class CaseAlreadyDecided(Conflict):
    """The case was already closed."""


class Forbidden(ScreeningError):
    """The caller may not do that."""


class Unauthenticated(ScreeningError):
    """No valid credentials: a missing, unknown or revoked API key."""


class RateLimited(ScreeningError):
    """The caller sent more requests than its rate allows."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(ScreeningError):
    """A backing service did not answer."""


class HistoryUnavailable(Unavailable):
    """The history store did not answer in time."""


class ConfigurationError(ScreeningError):
    """Settings or the policy file are unusable; the service refuses to start."""
