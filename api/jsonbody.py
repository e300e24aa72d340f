"""JSON request bodies read strictly: UTF-8 only, and each key at most once in an object."""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

DUPLICATE_KEY = "this key is given more than once in its object"


class DuplicateKey(ValueError):
    """An object of the body gives a key twice (raised where the object is parsed, which has no path)."""


class BodyRefused(HTTPException):
    """A body refused as it is parsed: a 422 with a pydantic-style detail."""

    # An HTTPException, so that FastAPI's body parsing lets it through (it turns any other error into a 400).
    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__(422, detail)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's pairs as a dict; DuplicateKey when fewer keys than pairs."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateKey
    return obj


# The json module's C scanner, with one Python call an object to count its keys: no JSON library at hand
# refuses a duplicate key (json, orjson and pydantic's jiter keep the last copy).
_DECODER = json.JSONDecoder(object_pairs_hook=_unique)


class _Pairs(list[tuple[str, Any]]):
    """An object's pairs as they came, a key given twice kept twice."""


# A path as a chain of (parent, step) links, None at the top of the body.
_Link = tuple["_Link", str | int] | None


def duplicate_keys(text: str) -> list[list[str | int]]:
    """The path of every key given more than once in one object of this JSON text, in document order."""
    found: list[list[str | int]] = []
    # Each node with a link to its parent's path: a path is built only for a duplicate found.
    stack: list[tuple[Any, _Link]] = [(json.loads(text, object_pairs_hook=_Pairs), None)]
    while stack:
        node, link = stack.pop()
        if isinstance(node, _Pairs):
            seen: set[str] = set()
            named: set[str] = set()
            for key, _ in node:
                if key in seen and key not in named:
                    named.add(key)
                    found.append(_path((link, key)))
                seen.add(key)
            stack.extend((value, (link, key)) for key, value in reversed(node))
        elif isinstance(node, list):
            stack.extend((value, (link, i)) for i, value in reversed(list(enumerate(node))))
    return found


def _path(link: _Link) -> list[str | int]:
    """The steps from the top of the body down to this link."""
    steps: list[str | int] = []
    while link is not None:
        link, step = link
        steps.append(step)
    return steps[::-1]


def _printable(step: str | int) -> str | int:
    """A path step the answer can carry: a lone surrogate (no UTF-8 for it) escaped."""
    return step.encode("utf-8", "backslashreplace").decode() if isinstance(step, str) else step


def parse_json_body(body: bytes) -> Any:
    """The JSON value of a request body in UTF-8 (a byte-order mark allowed); BodyRefused for a key twice."""
    # json.loads(bytes) would take UTF-16, UTF-32 and encoded surrogates too. A UnicodeDecodeError is
    # answered as every body that does not parse is (api/errors.py): a 422 naming the body.
    text = body.decode("utf-8-sig")
    try:
        return _DECODER.decode(text)
    except DuplicateKey:
        paths = duplicate_keys(text)
    raise BodyRefused(
        [
            {"loc": ["body", *map(_printable, path)], "msg": DUPLICATE_KEY, "type": "duplicate_key"}
            for path in paths
        ]
    )


class JSONBodyRequest(Request):
    """A request whose JSON body is read by parse_json_body."""

    async def json(self) -> Any:
        """The body's JSON value, parsed once."""
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


class JSONBodyRoute(APIRoute):
    """A route that reads its JSON body strictly (every API router is made with it)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, given a JSONBodyRequest when the route takes a body."""
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strict(request: Request) -> Response:
            return await handler(JSONBodyRequest(request.scope, request.receive))

        return strict
