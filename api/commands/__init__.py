"""Command groups of the `screening` CLI, one module per business area, each with register(app)."""

import os
from pathlib import Path

import typer


def require_file(path: Path, name: str) -> Path:
    """The path when it is a readable file; else a refusal naming the argument and the file."""
    # By hand, not typer's exists=True: typer prints that refusal in a panel that folds a long path
    # mid-name at 80 columns (any output that is not a terminal), so the file named could not be found.
    if path.is_dir():
        problem = "is a directory"
    elif not path.exists():
        problem = "does not exist"
    elif not os.access(path, os.R_OK):
        problem = "is not readable"
    else:
        return path
    typer.echo(f"{name}: {path} {problem}", err=True)
    raise typer.Exit(2)
