"""The service's log format: structured JSON on standard error."""

import logging

from pythonjsonlogger.json import JsonFormatter


def configure_logging(level: str) -> None:
    """Structured JSON logs on standard error for the service's loggers and uvicorn's."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"})
    )
    for name in ("screening", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
