"""People as the API and pages see them: who is logged in, login and new-user requests."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from screening.people.roles import Role

Username = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._-]{2,64}$")]


class Person(BaseModel):
    """The user behind a request."""

    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    roles: tuple[Role, ...]


class Login(BaseModel):
    """POST /v1/auth/login."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class SessionInfo(BaseModel):
    """A logged-in session as its owner sees it (the cookie's token is never shown)."""

    username: str
    roles: tuple[Role, ...]
    csrf_token: str
    expires_at: datetime


class NewUser(BaseModel):
    """A user to create (command line, later the admin pages)."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Annotated[str, Field(min_length=8, max_length=1024)]
    roles: Annotated[tuple[Role, ...], Field(min_length=1)]
