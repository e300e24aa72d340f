"""`screening users`, `screening audit`, `screening labels`: people, the audit trail and training labels."""

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from pydantic import ValidationError

from screening.cases import audit, labels
from screening.db import Database, database_url, upgrade_database
from screening.errors import Conflict
from screening.people.roles import ROLES, parse_roles
from screening.people.schemas import NewUser
from screening.people.service import create_user
from screening.settings import get_settings

LABEL_SCHEMA: dict[str, pl.DataType] = {
    "carrier": pl.String(),
    "waybill_no": pl.String(),
    "label": pl.Int8(),
    "violation_type": pl.String(),
    "source": pl.String(),
    "at": pl.Datetime("us", "UTC"),
    "case_id": pl.String(),
}


def _database() -> Database:
    settings = get_settings()
    url = database_url(settings)
    upgrade_database(url)
    return Database.connect(url, timeout_s=settings.sql_timeout_s)


users_app = typer.Typer(help="People who use the officer pages and the case API.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail of case actions.", no_args_is_help=True)
labels_app = typer.Typer(help="Training labels from case outcomes and inspections.", no_args_is_help=True)


@users_app.command("create")
def create(
    username: Annotated[str, typer.Option(help="Login name (letters, digits, . _ -).")],
    role: Annotated[list[str], typer.Option(help=f"A role, repeatable: {', '.join(ROLES)}.")],
    password: Annotated[
        str | None, typer.Option(help="At least 8 characters; a random one is made and printed if left out.")
    ] = None,
) -> None:
    """Create a user with one or more roles."""
    made_up = password is None
    try:
        new = NewUser(
            username=username, password=password or secrets.token_urlsafe(12), roles=parse_roles(role)
        )
    except (ValidationError, ValueError) as exc:
        typer.echo(f"cannot create user: {exc}", err=True)
        raise typer.Exit(2) from exc
    db = _database()
    try:
        person = db.write_sync(lambda s: create_user(s, new=new, now=datetime.now(UTC)))
    except Conflict as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    typer.echo(f"created user {person.username} with roles {', '.join(person.roles)}")
    if made_up:
        typer.echo(f"password (shown once): {new.password}")


@audit_app.command("verify")
def verify() -> None:
    """Check every entry's hash chain; exit 1 naming the first edited, missing or cut-off entry."""
    db = _database()
    try:
        verdict = db.read_sync(audit.verify_audit)
    finally:
        db.dispose()
    if not verdict.ok:
        typer.echo(f"audit trail BROKEN at entry {verdict.bad_seq}: {verdict.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit trail ok: {verdict.entries} entries, head {verdict.head_seq} {verdict.head_hash}")


@labels_app.command("export")
def export(out: Annotated[Path, typer.Option(help="Parquet file to write.")]) -> None:
    """Write every label (1 violation, 0 clear) to Parquet for `screening train`."""
    db = _database()
    try:
        rows = db.read_sync(labels.label_rows)
    finally:
        db.dispose()
    frame = pl.DataFrame(rows, schema=LABEL_SCHEMA) if rows else pl.DataFrame(schema=LABEL_SCHEMA)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(out)
    typer.echo(f"{frame.height} labels written to {out} ({int(frame['label'].sum() or 0)} positive)")


def register(app: typer.Typer) -> None:
    """Add the users, audit and labels command groups to the CLI."""
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(labels_app, name="labels")
