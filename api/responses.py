"""JSON responses serialised with orjson."""

from typing import Any

import orjson
from starlette.responses import JSONResponse


class ORJSONResponse(JSONResponse):
    """A JSON response rendered by orjson (datetimes with offset, UTF-8 kept as is)."""

    def render(self, content: Any) -> bytes:
        """Serialise the content."""
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def dump(model: Any) -> Any:
    """A pydantic model as plain JSON types."""
    return model.model_dump(mode="json")
