"""The service's log format: structured JSON on standard error, each record with its request's id."""

import logging
import re
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

# The id of the request being served (set by the API's middleware); tasks and worker threads inherit it.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_plain_record = logging.getLogRecordFactory()


def _record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    # A record factory, not a handler's filter: every handler (and a test's) sees the id.
    record = _plain_record(*args, **kwargs)
    request_id = REQUEST_ID.get()
    if request_id is not None:
        record.request_id = request_id
    return record


logging.setLogRecordFactory(_record)


# PostgreSQL's DETAIL line quotes a refused row's values ("Failing row contains (…)", "Key (…)=(…)"), and a
# case row's waybill holds phones, accounts and IPs; SQLAlchemy's own parameter echo is off (screening.db).
# Matched in the JSON text: up to an escaped line break or the string's unescaped closing quote.
_SERVER_DETAIL = re.compile(r'DETAIL: .*?(?=\\n|(?<!\\)"|$)')


class LogFormat(JsonFormatter):
    """One JSON object a line, with the database server's row details left out."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"}
        )

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON, its message and traceback without a DETAIL line's values."""
        return _SERVER_DETAIL.sub("DETAIL: (left out of the log)", super().format(record))


def configure_logging(level: str) -> None:
    """Structured JSON logs on standard error for the service's loggers and uvicorn's."""
    handler = logging.StreamHandler()
    handler.setFormatter(LogFormat())
    for name in ("screening", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
