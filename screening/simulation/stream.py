"""The simulated waybill stream: every actor's parcels, finished, re-sent, late, in arrival order."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from screening.settings import DEFAULT_RATES
from screening.simulation.actors import ACTORS, VIOLATORS
from screening.simulation.calendar import Calendar
from screening.simulation.geography import DISTRICTS
from screening.simulation.goods import brands, prohibited_terms
from screening.simulation.parcels import PARTY_FIELDS, Context, OutletPicker
from screening.simulation.world import World, build_world

# Share of waybills the courier system sends again with a changed body (ID added, weight corrected),
# and again unchanged (a retry after a timeout).
RESENT = 0.01
RETRIED = 0.005
# Share of parcels uploaded late (scanner offline): they arrive after parcels picked up later.
LATE = 0.02
LATE_MAX_MS = 3 * 3_600_000
# Share of violations confirmed by customs some days later (the feedback that becomes history).
CONFIRMED = 0.3

TZ = "Asia/Shanghai"
_ITEM_FIELDS = ("description", "category", "brand", "hs_code", "quantity", "unit_value")
_PREFIXES = {"SF": "SF", "YTO": "YT", "ZTO": "75", "STO": "77", "YD": "43", "JD": "JDV"}


@dataclass(frozen=True, slots=True)
class Simulation:
    """A simulated history and the registries it refers to."""

    waybills: pl.DataFrame
    outlets: pl.DataFrame
    agreements: pl.DataFrame

    def write(self, path: Path) -> list[Path]:
        """Write the waybills as Parquet and the outlets and agreements as CSV beside it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.waybills.write_parquet(path, compression="zstd")
        written = [path]
        for name, table in (("outlets", self.outlets), ("agreements", self.agreements)):
            target = companion(path, name)
            table.write_csv(target)
            written.append(target)
        return written


def companion(path: Path, name: str) -> Path:
    """Where a simulated history's outlets or agreements CSV lives."""
    return path.with_name(f"{path.stem}.{name}.csv")


def simulate(*, rows: int, seed: int, start: date, days: int, violators: float = 1.0) -> Simulation:
    """A deterministic simulated history of this many waybills over these days.

    violators scales every violating actor's share (1.0: about 2 % of parcels are violations); small
    worlds for quick models and tests use more so that each kind of violation is seen.
    """
    seeds = np.random.SeedSequence(seed).spawn(len(ACTORS) + 2)
    world_rng, stream_rng = np.random.default_rng(seeds[0]), np.random.default_rng(seeds[1])
    world = build_world(world_rng, rows=rows, start=start, days=days)
    ctx = Context(
        world=world,
        calendar=Calendar(start=start, days=days),
        outlets=OutletPicker(world.outlets, len(DISTRICTS)),
        brands=brands(),
        prohibited=prohibited_terms(world_rng),
    )
    originals = max(1, round(rows / (1 + RESENT + RETRIED)))
    counts = {
        name: max(1, round(originals * share * (violators if name in VIOLATORS else 1.0)))
        for name, (_, share) in ACTORS.items()
    }
    counts["household"] += originals - sum(counts.values())
    parts = [
        actor(np.random.default_rng(s), ctx, counts[name])
        for s, (name, (actor, _)) in zip(seeds[2:], ACTORS.items(), strict=True)
        if counts[name] > 0
    ]
    parcels = finish(pl.concat(parts, how="diagonal_relaxed"), stream_rng)
    waybills = arrivals(parcels, stream_rng, rows=rows)
    return Simulation(waybills=waybills, outlets=outlet_table(world), agreements=agreement_table(world))


def finish(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Values in the waybill's currency, item lists, declared value, labels, dims, waybill numbers."""
    n = len(frame)
    rate = frame["currency"].replace_strict(DEFAULT_RATES, return_dtype=pl.Float64).to_numpy()
    lines, declared = [], np.zeros(n)
    for k in (1, 2, 3):
        if f"i{k}_description" not in frame.columns:
            continue
        unit = np.round(frame[f"i{k}_unit_cny"].fill_null(0.0).to_numpy() / rate, 2)
        quantity = frame[f"i{k}_quantity"].fill_null(0).to_numpy()
        declared += quantity * unit
        lines.append(
            frame.select(
                row=pl.int_range(n, dtype=pl.Int64),
                line=pl.lit(k),
                description=f"i{k}_description",
                category=f"i{k}_category",
                brand=f"i{k}_brand",
                hs_code=f"i{k}_hs_code",
                quantity=pl.Series(quantity, dtype=pl.Int64),
                unit_value=pl.Series(unit),
            ).filter(pl.col("description").is_not_null())
        )
    # Long form (one row per item line) to list-of-struct in one pass: far faster than concat_list.
    items = (
        pl.concat(lines)
        .sort("row", "line")
        .group_by("row", maintain_order=True)
        .agg(items=pl.struct(*_ITEM_FIELDS))
        .sort("row")["items"]
    )
    declared = np.round(declared, 2)
    weight = np.maximum(frame["weight_kg"].to_numpy(), 0.01)
    side = np.cbrt(weight * rng.uniform(2500, 8000, n))
    has_dims = rng.random(n) < 0.7
    value_cny = declared * rate
    violation = frame["violation_type"].fill_null("").to_numpy()
    labelled = violation != ""
    true_value = value_cny * frame["true_value_factor"].to_numpy()
    evaded = np.where(violation == "undervalued", true_value - value_cny, true_value)
    confirmed = labelled & (rng.random(n) < CONFIRMED)
    accepted = frame["accepted_ms"].to_numpy()
    late = rng.random(n) < LATE
    received = accepted + rng.exponential(20_000, n).astype(np.int64)
    received = received + np.where(late, rng.integers(300_000, LATE_MAX_MS, n), 0)
    dims = pl.DataFrame(
        {f"d{i}": np.round(np.maximum(side * f, 1.0), 1) for i, f in enumerate((1.5, 1.0, 1 / 1.5))}
    )
    return frame.with_columns(
        weight_kg=pl.Series(weight),
        declared_value=pl.Series(declared),
        violation_type=pl.Series(violation),
        label=pl.Series(labelled.astype(np.int8)),
        true_value_cny=pl.Series(np.round(true_value, 2)),
        evaded_cny=pl.Series(np.round(np.where(labelled, evaded, 0.0), 2)),
        received_ms=pl.Series(received),
        confirmed_ms=pl.Series(
            np.where(confirmed, accepted + rng.integers(86_400_000, 10 * 86_400_000, n), 0)
        ),
        dims_cm=dims.select(pl.when(pl.Series(has_dims)).then(pl.concat_list("d0", "d1", "d2"))).to_series(),
    ).with_columns(
        items=items,
        confirmed_ms=pl.when(pl.col("confirmed_ms") > 0).then("confirmed_ms"),
        waybill_no=_waybill_numbers(rng),
    )


def _waybill_numbers(rng: np.random.Generator) -> pl.Expr:
    serial = pl.int_range(pl.len()).over("carrier").cast(pl.Int64) + int(rng.integers(10**9, 5 * 10**9))
    out = pl.format("E{}{}CN", pl.lit("A"), (serial % 10**9).cast(pl.String).str.zfill(9))
    for carrier, prefix in _PREFIXES.items():
        width = 12 if prefix in {"75", "77", "JDV"} else 13
        out = (
            pl.when(pl.col("carrier") == carrier)
            .then(pl.format("{}{}", pl.lit(prefix), serial.cast(pl.String).str.zfill(width)))
            .otherwise(out)
        )
    return out


def arrivals(parcels: pl.DataFrame, rng: np.random.Generator, *, rows: int) -> pl.DataFrame:
    """The stream as the service receives it: originals, changed re-sends and retries, by arrival time."""
    n = len(parcels)
    extra = max(0, rows - n)
    resent_n = min(n, round(extra * RESENT / (RESENT + RETRIED)))
    retried_n = min(n, extra - resent_n)
    resent = parcels[rng.choice(n, size=resent_n, replace=False)]
    m = len(resent)
    missing_id = resent["sender_id_number"].is_null() & resent["sender_id_full"].is_not_null()
    resent = resent.with_columns(
        sender_id_type=pl.when(missing_id).then(pl.lit("resident_id")).otherwise("sender_id_type"),
        sender_id_number=pl.when(missing_id).then("sender_id_full").otherwise("sender_id_number"),
        sender_id_verified=pl.when(missing_id).then(True).otherwise("sender_id_verified"),
        sender_verification_method=pl.when(missing_id)
        .then(pl.lit("id_reader"))
        .otherwise("sender_verification_method"),
        opened_inspection=pl.lit(True),
        xray_screened=pl.lit(True),
        weight_kg=(pl.col("weight_kg") * pl.Series(rng.uniform(0.9, 1.1, m))).round(2).clip(lower_bound=0.01),
        received_ms=pl.col("received_ms") + pl.Series(rng.integers(120_000, 6 * 3_600_000, m)),
    )
    retried = parcels[rng.choice(n, size=retried_n, replace=False)]
    retried = retried.with_columns(
        received_ms=pl.col("received_ms") + pl.Series(rng.integers(1_000, 120_000, len(retried)))
    )
    stream = pl.concat([parcels, resent, retried], how="vertical")
    return (
        stream.with_row_index("_order")
        .sort("received_ms", "_order")
        .with_columns(
            accepted_at=pl.from_epoch("accepted_ms", time_unit="ms")
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone(TZ),
            received_at=pl.from_epoch("received_ms", time_unit="ms")
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone(TZ),
            confirmed_at=pl.from_epoch("confirmed_ms", time_unit="ms")
            .dt.replace_time_zone("UTC")
            .dt.convert_time_zone(TZ),
        )
        .select(COLUMNS)
    )


PARTY_COLUMNS = tuple(f"{side}_{field}" for side in ("sender", "receiver") for field in PARTY_FIELDS)
COLUMNS: tuple[str, ...] = (
    "waybill_no",
    "carrier",
    "outlet_id",
    "courier_id",
    "accepted_at",
    "service",
    "channel",
    *PARTY_COLUMNS,
    "items",
    "currency",
    "declared_value",
    "weight_kg",
    "dims_cm",
    "opened_inspection",
    "xray_screened",
    "order_platform",
    "order_id",
    "order_shop_id",
    "order_buyer_ip",
    "order_payment_account",
    "label",
    "violation_type",
    "true_value_cny",
    "evaded_cny",
    "actor",
    "received_at",
    "confirmed_at",
)


def outlet_table(world: World) -> pl.DataFrame:
    """The outlets CSV: outlet_id, carrier, province, city, district, name."""
    return world.outlets.select("outlet_id", "carrier", "province", "city", "district", "name")


def agreement_table(world: World) -> pl.DataFrame:
    """The agreements CSV in the registry's format: contract_id,name,carrier,status,valid_from,valid_until."""
    return world.shops.select("contract_id", "name", "carrier", "status", "valid_from", "valid_until")
