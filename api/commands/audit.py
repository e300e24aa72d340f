"""Commands of the postal-bureau audit: compact the decision log, write reports, load outlets, trace."""

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from api.commands import require_file
from screening.cases.outcomes import case_outcomes
from screening.compliance.export import write_csv, write_report
from screening.compliance.periods import Period
from screening.compliance.schemas import TraceQuery
from screening.compliance.service import report, trace_search
from screening.compliance.sources import AuditSources
from screening.db import Database, database_url, upgrade_database
from screening.decisionlog.compaction import LogLayout, compact
from screening.errors import InvalidInput
from screening.outlets import parse_outlets_csv
from screening.settings import get_settings

log_app = typer.Typer(help="The decision log.", no_args_is_help=True)
report_app = typer.Typer(
    help="Compliance reports for the postal bureau (XLSX, HTML, CSV).", no_args_is_help=True
)
outlets_app = typer.Typer(help="The outlet registry.", no_args_is_help=True)

OutDir = Annotated[
    Path | None, typer.Option("--out", help="Folder for the files (default: DATA_DIR/reports).")
]


def _sources() -> AuditSources:
    """The audit's sources, case outcomes read from the case database as the service does."""
    settings = get_settings()
    url = database_url(settings)
    # The schema the service would migrate at its start: a report may come before the service ever ran.
    upgrade_database(url)
    db = Database.connect(url, timeout_s=settings.sql_timeout_s)
    return AuditSources.from_settings(settings, cases=case_outcomes(db))


def _fail(exc: InvalidInput) -> typer.Exit:
    typer.echo(json.dumps({"detail": exc.detail}, ensure_ascii=False, indent=2), err=True)
    return typer.Exit(1)


@log_app.command("compact")
def log_compact() -> None:
    """Compact every sealed journal into Parquet and merge each day's small files."""
    done = compact(LogLayout(get_settings().data_dir / "decisionlog"), merge_min_files=2, every_day=True)
    typer.echo(
        f"{done.segments} journal segments, {done.records} records compacted; "
        f"days merged: {', '.join(done.merged_days) or 'none'}"
        + (
            f"; skipped {done.torn_bytes} torn bytes, {done.bad_lines} bad lines"
            if done.torn_bytes or done.bad_lines
            else ""
        )
    )


def _write(period: Period, out: Path | None) -> None:
    sources = _sources()
    folder = out or get_settings().data_dir / "reports"
    for path in write_report(report(sources, period=period), folder):
        typer.echo(str(path))


@report_app.command("weekly")
def report_weekly(
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2026-W47 (default: the last complete week).")
    ] = None,
    out: OutDir = None,
) -> None:
    """The weekly report (Beijing time, Monday to Sunday), compared with the week before."""
    try:
        _write(Period.week(week) if week else Period.last_complete_week(), out)
    except InvalidInput as exc:
        raise _fail(exc) from exc


@report_app.command("monthly")
def report_monthly(
    month: Annotated[
        str | None, typer.Option(help="Month, e.g. 2026-11 (default: the last complete month).")
    ] = None,
    out: OutDir = None,
) -> None:
    """The monthly report, compared with the month before."""
    try:
        _write(Period.month(month) if month else Period.last_complete_month(), out)
    except InvalidInput as exc:
        raise _fail(exc) from exc


@outlets_app.command("load")
def outlets_load(
    file: Annotated[Path, typer.Argument(help="CSV: outlet_id,carrier,province,city,district,name")],
) -> None:
    """Add or replace outlets from a CSV file (kept in DATA_DIR/outlets.csv)."""
    try:
        outlets = parse_outlets_csv(require_file(file, "FILE").read_text(encoding="utf-8-sig"))
    except InvalidInput as exc:
        raise _fail(exc) from exc
    typer.echo(f"{AuditSources.from_settings(get_settings()).outlets.upsert(outlets)} outlets loaded")


def trace(
    start: Annotated[date, typer.Option("--from", help="First Beijing day.")],
    end: Annotated[date, typer.Option("--to", help="Last Beijing day.")],
    waybill: Annotated[str | None, typer.Option(help="Waybill number.")] = None,
    carrier: Annotated[str | None, typer.Option(help="Carrier of the waybill (optional).")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number (sender or receiver).")] = None,
    country: Annotated[str, typer.Option(help="Country of the phone or address.")] = "CN",
    id_type: Annotated[str | None, typer.Option("--id-type", help="ID type, e.g. resident_id.")] = None,
    id_number: Annotated[
        str | None, typer.Option("--id-number", help="ID number; leave out to be asked without echo.")
    ] = None,
    address: Annotated[str | None, typer.Option(help="Receiver address: the street detail.")] = None,
    province: Annotated[str | None, typer.Option(help="Province of the address.")] = None,
    city: Annotated[str | None, typer.Option(help="City of the address.")] = None,
    district: Annotated[str | None, typer.Option(help="District of the address.")] = None,
    account: Annotated[str | None, typer.Option(help="Payment account.")] = None,
    ip: Annotated[str | None, typer.Option(help="Buyer IP address.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the result to this CSV file.")] = None,
) -> None:
    """Trace every logged parcel of one identifier over a period (溯源追查)."""
    if id_type is not None and id_number is None:
        # Asked for, not typed on the command line: a shell keeps its history.
        id_number = typer.prompt("ID number", hide_input=True)
    raw: dict[str, object] = {
        "from": start,
        "to": end,
        "waybill_no": waybill,
        "carrier": carrier,
        "phone": phone,
    }
    raw |= {"country": country, "id_type": id_type, "id_number": id_number, "account": account, "ip": ip}
    if address is not None:
        raw["address"] = {
            "country": country,
            "province": province,
            "city": city,
            "district": district,
            "detail": address,
        }
    try:
        query = TraceQuery.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as exc:
        detail = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_input=False)
        ]
        typer.echo(json.dumps({"detail": detail}, ensure_ascii=False, indent=2), err=True)
        raise typer.Exit(1) from exc
    try:
        found = trace_search(_sources(), query)
    except InvalidInput as exc:
        raise _fail(exc) from exc
    if out is not None:
        write_csv(found, out)
        typer.echo(f"{found.height} records written to {out}")
        return
    typer.echo(f"{found.height} records", err=True)
    for row in found.iter_rows(named=True):
        typer.echo(json.dumps(row, ensure_ascii=False, default=str))


def register(app: typer.Typer) -> None:
    """Add `log compact`, `report weekly|monthly`, `outlets load` and `trace` to the CLI."""
    app.add_typer(log_app, name="log")
    app.add_typer(report_app, name="report")
    app.add_typer(outlets_app, name="outlets")
    app.command("trace")(trace)
