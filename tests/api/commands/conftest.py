"""A `screening`-like CLI holding one command group, on a private data dir."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer

from screening.settings import get_settings

CommandApp = Callable[[Callable[[typer.Typer], None]], typer.Typer]


@pytest.fixture
def command_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CommandApp]:
    """command_app(register): a CLI with the commands register adds; settings read from tmp_path/data."""
    monkeypatch.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()

    def make(register: Callable[[typer.Typer], None]) -> typer.Typer:
        app = typer.Typer()

        @app.callback()
        def main() -> None:
            """Test entry point."""

        register(app)
        return app

    yield make
    get_settings.cache_clear()
