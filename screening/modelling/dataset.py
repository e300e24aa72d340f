"""A history as the model's offline inputs, via the engine's own code: parcels, entity events, violations."""

import math
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from features.vector import FeatureSet, RequestFacts
from screening.contract import Address, Waybill
from screening.engine import Engine, body_digest
from screening.entities import parcel_entities
from screening.errors import InvalidInput
from screening.modelling.facts import request_facts
from screening.parcel import Parcel
from screening.simulation import waybill_dict
from screening.watchlists import Violation

_FACT_FIELDS = tuple(f.name for f in fields(RequestFacts))
_EVENT_SCHEMA = {
    "row": pl.Int64,
    "parcel": pl.String,
    "entity": pl.String,
    "kind": pl.String,
    "at_ms": pl.Int64,
    "value_cny": pl.Float64,
    "limit_cny": pl.Float64,
    "cross_border": pl.Boolean,
    "cbec": pl.Boolean,
    "goods": pl.String,
    "counterpart": pl.String,
}


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Violations customs confirmed for one parcel, and when the service learnt of them."""

    known_ms: int
    violations: tuple[Violation, ...]


@dataclass(frozen=True, slots=True)
class Dataset:
    """One row per scored parcel version (arrival order) with its entity events and known violations."""

    parcels: pl.DataFrame
    events: pl.DataFrame
    violations: pl.DataFrame
    skipped: int

    def features(self, feature_set: FeatureSet) -> pl.DataFrame:
        """The offline feature vectors, point in time, joined to labels and parcel facts."""
        vectors = feature_set.offline(self.parcels, self.events, self.violations)
        return self.parcels.select(
            "row",
            "parcel",
            "carrier",
            "waybill_no",
            "at_ms",
            "value_cny",
            "label",
            "violation_type",
            "evaded_cny",
        ).join(vectors, on="row", how="left")


def read_history(path: Path, labels: Path | None = None) -> pl.DataFrame:
    """A waybill history (simulated schema) with labels from a `screening labels export` file, when given."""
    history = pl.read_parquet(path)
    for column, dtype in (("label", pl.Int8), ("violation_type", pl.String), ("evaded_cny", pl.Float64)):
        if column not in history.columns:
            history = history.with_columns(pl.lit(None, dtype=dtype).alias(column))
    if labels is None:
        return history
    given = (
        pl.read_parquet(labels)
        .select("carrier", "waybill_no", given_label="label", given_type="violation_type")
        .unique(["carrier", "waybill_no"], keep="last")
    )
    # An officer's or inspector's label overrides the simulator's.
    return (
        history.join(given, on=["carrier", "waybill_no"], how="left")
        .with_columns(
            label=pl.coalesce(pl.col("given_label").cast(pl.Int8), "label"),
            violation_type=pl.when(pl.col("given_label").is_not_null())
            .then(pl.col("given_type").fill_null(""))
            .otherwise("violation_type"),
        )
        .drop("given_label", "given_type")
    )


def confirmations(history: pl.DataFrame) -> list[Confirmation]:
    """Confirmed violations in the history, by the time they became known (final version of each parcel)."""
    if "confirmed_at" not in history.columns:
        return []
    confirmed = (
        history.filter(pl.col("confirmed_at").is_not_null())
        .unique(["carrier", "waybill_no"], keep="last", maintain_order=True)
        .sort("confirmed_at")
    )
    out = []
    for row in confirmed.iter_rows(named=True):
        parcel = f"{row['carrier']}:{row['waybill_no']}"
        at = row["accepted_at"]
        refs: list[Violation] = []
        for side in ("sender", "receiver"):
            if row[f"{side}_id_number"] is not None and row[f"{side}_id_type"] is not None:
                refs.append(
                    Violation(
                        kind="id",
                        value=row[f"{side}_id_number"],
                        id_type=row[f"{side}_id_type"],
                        at=at,
                        parcel=parcel,
                    )
                )
            refs.append(
                Violation(
                    kind="phone",
                    value=row[f"{side}_phone"],
                    country=row[f"{side}_country"],
                    at=at,
                    parcel=parcel,
                )
            )
        address = Address(
            **{f: row[f"receiver_{f}"] for f in ("country", "province", "city", "district", "detail")}
        )
        refs.append(Violation(kind="address", address=address, country=address.country, at=at, parcel=parcel))
        out.append(Confirmation(known_ms=_ms(row["confirmed_at"]), violations=tuple(refs)))
    return out


def _ms(value: Any) -> int:
    return int(value.timestamp() * 1000)


def versions(
    engine: Engine, history: pl.DataFrame
) -> Iterator[tuple[int, dict[str, Any], Waybill, Parcel, str] | None]:
    """Each history row as the engine sees it: (row, raw row, waybill, parcel, digest); None when refused."""
    for index, row in enumerate(history.iter_rows(named=True)):
        try:
            waybill = Waybill.model_validate(waybill_dict(row))
            parcel = engine.prepare(waybill)
        except (ValidationError, InvalidInput):
            yield None
            continue
        yield index, row, waybill, parcel, body_digest(waybill)


def build_dataset(engine: Engine, history: pl.DataFrame) -> Dataset:
    """Parcels, entity events and violations of a history, through the engine's own preparation code."""
    facts: list[dict[str, Any]] = []
    events: dict[str, list[Any]] = {k: [] for k in _EVENT_SCHEMA}
    last_digest: dict[str, str] = {}
    skipped = 0
    for seen in versions(engine, history):
        if seen is None:
            skipped += 1
            continue
        index, row, waybill, parcel, digest = seen
        key = waybill.parcel_key
        # An unchanged re-send is answered from memory: it is not scored and changes no history.
        if last_digest.get(key) == digest:
            continue
        last_digest[key] = digest
        entities = parcel_entities(parcel, privacy=engine.privacy, goods=engine.goods, digest=digest)
        known = request_facts(parcel)
        record: dict[str, Any] = {f: getattr(known, f) for f in _FACT_FIELDS}
        record.update(
            row=index,
            parcel=key,
            carrier=waybill.carrier,
            waybill_no=waybill.waybill_no,
            received_ms=_ms(row["received_at"]) if row.get("received_at") is not None else parcel.at_ms,
            label=row.get("label"),
            violation_type=row.get("violation_type") or "",
            evaded_cny=row.get("evaded_cny") or 0.0,
            actor=row.get("actor"),
        )
        facts.append(record)
        for entity, event in entities.events.items():
            events["row"].append(index)
            events["parcel"].append(key)
            events["entity"].append(entity)
            events["kind"].append(entities.kinds[entity])
            events["at_ms"].append(event.at_ms)
            events["value_cny"].append(event.value_cny)
            events["limit_cny"].append(event.limit_cny)
            events["cross_border"].append(event.cross_border)
            events["cbec"].append(event.cbec)
            events["goods"].append(event.goods)
            events["counterpart"].append(event.counterpart)
    parcels = pl.DataFrame(
        facts,
        schema_overrides={"brand_floor_ratio": pl.Float64, "label": pl.Int8, "actor": pl.String},
        infer_schema_length=None,
    ).with_columns(pl.col("brand_floor_ratio").fill_nan(math.nan))
    return Dataset(
        parcels=parcels,
        events=pl.DataFrame(events, schema=_EVENT_SCHEMA),
        violations=violation_frame(engine, confirmations(history)),
        skipped=skipped,
    )


def violation_frame(engine: Engine, confirmed: list[Confirmation]) -> pl.DataFrame:
    """One row per (entity key, parcel) of the confirmed violations: keyed like the engine keys them."""
    rows = [
        {"entity": key, "parcel": v.parcel, "at_ms": v.at_ms, "known_ms": c.known_ms}
        for c in confirmed
        for v in c.violations
        for key in v.keys(engine.privacy)
    ]
    schema = {"entity": pl.String, "parcel": pl.String, "at_ms": pl.Int64, "known_ms": pl.Int64}
    return pl.DataFrame(rows, schema=schema)
