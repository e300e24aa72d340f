"""CLI: watch lists and confirmed violations, sent to a running service's admin API.

The admin API needs an admin key (`screening keys create --admin NAME`), read from SCREENING_API_KEY.
"""

import json
import os
from pathlib import Path
from typing import Annotated

import httpx
import typer

from api.commands import require_file

URL = typer.Option(help="Base URL of the running service.")


def _post(url: str, path: str, *, content: bytes, content_type: str, method: str = "POST") -> None:
    headers = {"content-type": content_type}
    if key := os.environ.get("SCREENING_API_KEY"):
        headers["authorization"] = f"Bearer {key}"
    try:
        r = httpx.request(method, url.rstrip("/") + path, content=content, headers=headers)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach {url}: {exc}", err=True)
        raise typer.Exit(2) from exc
    if r.status_code >= 400:
        typer.echo(f"{r.status_code}: {r.text}", err=True)
        raise typer.Exit(1)
    typer.echo(r.text)


def register(app: typer.Typer) -> None:
    """Add the lists and violations commands."""
    lists = typer.Typer(help="Watch and black lists of IDs, phones, addresses, payment accounts and IPs.")
    violations = typer.Typer(help="Confirmed violations of identifiers.")
    app.add_typer(lists, name="lists")
    app.add_typer(violations, name="violations")

    @lists.command("load")
    def load(
        file: Annotated[
            Path, typer.Argument(help="CSV: list,kind,value,id_type,country,province,city,district,detail")
        ],
        url: Annotated[str, URL] = "http://127.0.0.1:8000",
    ) -> None:
        """Load list entries from a CSV file into the running service."""
        _post(
            url,
            "/v1/admin/lists/csv",
            content=require_file(file, "FILE").read_bytes(),
            content_type="text/csv",
        )

    @violations.command("record")
    def record(
        kind: Annotated[str, typer.Option(help="id, phone, address, account or ip")],
        value: Annotated[str, typer.Option(help="The identifier as written.")],
        parcel: Annotated[str, typer.Option(help="CARRIER:WAYBILL_NO of the parcel that proved it.")],
        at: Annotated[str, typer.Option(help="When it was confirmed (ISO-8601 with offset).")],
        id_type: Annotated[str | None, typer.Option(help="For kind id: the document type.")] = None,
        url: Annotated[str, URL] = "http://127.0.0.1:8000",
    ) -> None:
        """Record one confirmed violation in the running service."""
        body = [{"kind": kind, "value": value, "id_type": id_type, "parcel": parcel, "at": at}]
        _post(url, "/v1/admin/violations", content=json.dumps(body).encode(), content_type="application/json")
