"""Violators: ant-moving rings, counterfeiters, prohibited goods, undervaluation, daigou resellers."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from screening.simulation.geography import CARRIERS
from screening.simulation.goods import (
    BY_DESCRIPTION,
    COVER_DESCRIPTIONS,
    GOODS,
    RING_GOODS,
    UNDERVALUED_GOODS,
)
from screening.simulation.parcels import (
    CBEC_GOODS,
    HK_MO_TW,
    Context,
    brand_lines,
    carriers_for,
    cbec_import_parcels,
    checks,
    crew_buyers,
    crew_receiver,
    frame,
    import_currency,
    item_lines,
    local_parcels,
    local_sender,
    orders,
    party,
    realname,
    some,
    store_rows,
)


@dataclass(frozen=True, slots=True)
class Ring:
    """An ant-moving ring: hired senders, a few receivers, one kind of goods, a few active weeks."""

    export: bool
    country: str
    goods: str
    senders: np.ndarray
    receivers: np.ndarray
    outlets: np.ndarray
    first_day: int
    last_day: int
    channel: str


def make_rings(rng: np.random.Generator, ctx: Context, count: int) -> list[Ring]:
    """Rings spread over the simulated period, each with its own people, goods and outlets."""
    people, abroad = ctx.world.people, ctx.world.abroad
    rings = []
    days = ctx.calendar.days
    for _ in range(count):
        export = bool(rng.random() < 0.6)
        country = str(
            rng.choice(
                ["HK", "HK", "HK", "MO", "TW", "JP", "KR"] if export else ["HK", "JP", "KR", "US", "AU"]
            )
        )
        length = int(rng.integers(4, 21))
        first = int(rng.integers(0, max(1, days - min(length, days) + 1)))
        of_country = np.flatnonzero(abroad["country"].to_numpy() == country)
        if export:
            # Some rings hire many senders for few receivers; a lone ant sends to many receivers itself.
            lone = bool(rng.random() < 0.35)
            senders = rng.integers(0, len(people), int(rng.integers(1, 3) if lone else rng.integers(4, 21)))
            receivers = rng.choice(of_country, size=int(rng.integers(3, 9) if lone else rng.integers(1, 4)))
            district = int(people["district_index"][int(senders[0])])
            carrier = rng.integers(0, len(CARRIERS), 2)
            outlets = ctx.outlets.local(rng, carrier, np.array([district, district]), rng.random(2) < 0.7)
        else:
            senders = rng.choice(of_country, size=int(rng.integers(3, 11)))
            receivers = rng.integers(0, len(people), int(rng.integers(2, 6)))
            carrier = rng.integers(0, len(CARRIERS), 2)
            outlets = ctx.outlets.gateway(rng, carrier)
        rings.append(
            Ring(
                export=export,
                country=country,
                goods=str(rng.choice(RING_GOODS)),
                senders=senders,
                receivers=receivers,
                outlets=outlets,
                first_day=first,
                last_day=min(days - 1, first + length - 1),
                channel="postal" if rng.random() < 0.6 else "express",
            )
        )
    return rings


_RING_DETAILS = (
    "{road}{num}号{bldg}号楼{room}室",
    "{road}{num}号{bldg}栋{room}",
    "{road}{num}号{bldg}幢{room}室",
    "{road}{num}号{bldg}#{room}",
)


def ant_moving(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Ant-moving rings: goods split into parcels just under the limit, over hired senders and receivers."""
    rings = make_rings(rng, ctx, max(2, round(n / 80)))
    which = rng.integers(0, len(rings), n)
    parts = []
    for index, ring in enumerate(rings):
        rows = np.flatnonzero(which == index)
        if len(rows):
            parts.append(_ring_parcels(rng, ctx, ring, len(rows)))
    return pl.concat(parts, how="vertical")


def _ring_parcels(rng: np.random.Generator, ctx: Context, ring: Ring, n: int) -> pl.DataFrame:
    people, abroad = ctx.world.people, ctx.world.abroad
    limit = 800.0 if ring.country in HK_MO_TW else 1000.0
    outlets = ring.outlets[rng.integers(0, len(ring.outlets), n)]
    if ring.export:
        s = people[ring.senders[rng.integers(0, len(ring.senders), n)]]
        r = abroad[ring.receivers[rng.integers(0, len(ring.receivers), n)]]
        # The same receiver's address written two ways.
        r = r.with_columns(detail=pl.when(pl.Series(rng.random(n) < 0.5)).then("variant").otherwise("detail"))
        sloppy = ctx.outlets.is_sloppy[outlets]
        ids = realname(rng, n, missing=0.03, sloppy=sloppy, numbers=s["id_number"])
        sender = party("sender_", s, **{k: v for k, v in ids.items() if k != "id_full"})
        receiver = party("receiver_", r)
        id_full: pl.Series | None = ids["id_full"]
        currency: Any = "CNY"
        pickup = checks(rng, sloppy, worse=1.5)
    else:
        s = abroad[ring.senders[rng.integers(0, len(ring.senders), n)]]
        r = people[ring.receivers[rng.integers(0, len(ring.receivers), n)]]
        home = people[int(ring.receivers[0])]
        fill = {k: home[k][0] for k in ("road", "num", "bldg", "room")}
        variants = np.array([t.format(**fill) for t in _RING_DETAILS])
        # Every receiver collects at the same building, written four ways.
        r = r.with_columns(
            detail=pl.Series(variants[rng.integers(0, len(variants), n)]),
            province=pl.lit(home["province"][0]),
            city=pl.lit(home["city"][0]),
            district=pl.lit(home["district"][0]),
            postcode=pl.lit(home["postcode"][0]),
        )
        sender = party("sender_", s)
        receiver = party("receiver_", r)
        id_full = None
        currency = import_currency(rng, s)
        pickup = checks(rng, np.zeros(n, bool))
    q = np.where(rng.random(n) < 0.6, 1, np.where(rng.random(n) < 0.7, 2, 3))
    total = limit * rng.uniform(0.7, 0.99, n)
    goods = np.full(n, list(BY_DESCRIPTION).index(ring.goods))
    lines = item_lines(rng, goods, quantity=q, unit_cny=np.floor(total / q * 100) / 100, extra_lines=0.0)
    return frame(
        "ant_ring",
        ctx.calendar.times(rng, n, "cross_border", days=(ring.first_day, ring.last_day)),
        sender,
        receiver,
        outlets,
        ctx,
        rng,
        service="export" if ring.export else "import",
        channel=ring.channel,
        currency=currency,
        lines=lines,
        pickup=pickup,
        violation="ant_moving",
        sender_id_full=id_full,
    )


def counterfeits(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Exporters of counterfeit brands at implausible prices, often without naming the brand."""
    people = ctx.world.people
    exporters = rng.integers(0, len(people), max(2, n // 30))
    s = people[exporters[rng.integers(0, len(exporters), n)]]
    r = ctx.world.abroad[rng.integers(0, len(ctx.world.abroad), n)]
    carrier = carriers_for(rng, n, postal=rng.random(n) < 0.3)
    sender = local_sender(rng, ctx, s, carrier, missing=0.05, prefer_sloppy=rng.random(n) < 0.5)
    lines = brand_lines(rng, ctx, n, price=lambda f: f * rng.uniform(0.05, 0.5, n), named=0.45)
    floors = lines.pop("floor_cny")
    factor = floors / np.maximum(lines["i1_unit_cny"], 0.01)
    return local_parcels(
        "counterfeit",
        ctx.calendar.times(rng, n, "cross_border"),
        sender,
        party("receiver_", r),
        ctx,
        rng,
        service="export",
        channel="express",
        lines=lines,
        worse=1.3,
        violation="counterfeit",
        true_value_factor=factor,
    )


def prohibited(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Senders of prohibited goods: some name them, most hide them under a harmless description."""
    people = ctx.world.people
    s = people[rng.integers(0, len(people), n)]
    export = rng.random(n) < 0.35
    home = people[rng.integers(0, len(people), n)]
    abroad = ctx.world.abroad[rng.integers(0, len(ctx.world.abroad), n)]
    receiver = pl.concat([party("receiver_", home), party("receiver_", abroad)]).gather(
        np.where(export, np.arange(n) + n, np.arange(n))
    )
    carrier = carriers_for(rng, n)
    outlets = ctx.outlets.local(rng, carrier, s["district_index"].to_numpy(), rng.random(n) < 0.8)
    sloppy = ctx.outlets.is_sloppy[outlets]
    ids = realname(rng, n, missing=0.15, sloppy=sloppy | (rng.random(n) < 0.4), numbers=s["id_number"])
    honest = rng.random(n) < 0.35
    terms = np.array(ctx.prohibited)[rng.integers(0, len(ctx.prohibited), n)]
    covers = np.array(COVER_DESCRIPTIONS)[rng.integers(0, len(COVER_DESCRIPTIONS), n)]
    lines = {
        "i1_description": np.where(honest, terms, covers),
        "i1_category": some(~(honest | (rng.random(n) < 0.5)), "general"),
        "i1_brand": np.full(n, None),
        "i1_hs_code": np.full(n, None),
        "i1_quantity": 1 + rng.poisson(0.5, n),
        "i1_unit_cny": np.round(rng.uniform(30, 400, n), 2),
        "weight_kg": np.round(rng.uniform(0.5, 6.0, n), 2),
    }
    return frame(
        "prohibited",
        ctx.calendar.times(rng, n, "household"),
        party("sender_", s, **{k: v for k, v in ids.items() if k != "id_full"}),
        receiver,
        outlets,
        ctx,
        rng,
        service=np.where(export, "export", "domestic"),
        channel="express",
        lines=lines,
        pickup=checks(rng, sloppy, worse=1.8),
        violation="prohibited",
        true_value_factor=6.0,
        sender_id_full=ids["id_full"],
    )


def undervalued(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Repeat smugglers of phones and cameras declared at a fraction of their value, mostly imports."""
    people, abroad = ctx.world.people, ctx.world.abroad
    crews = max(2, n // 40)
    crew = rng.integers(0, crews, n)
    inbound = (crew % 10) < 7
    senders_abroad = rng.integers(0, len(abroad), crews)[crew]
    receivers_home = rng.integers(0, len(people), crews * 2)[crew * 2 + rng.integers(0, 2, n)]
    senders_home = rng.integers(0, len(people), crews)[crew]
    receivers_abroad = rng.integers(0, len(abroad), n)
    rows = []
    for mask, inbound_part in ((inbound, True), (~inbound, False)):
        idx = np.flatnonzero(mask)
        if not len(idx):
            continue
        m = len(idx)
        goods = np.array([list(BY_DESCRIPTION).index(g) for g in UNDERVALUED_GOODS])[rng.integers(0, 3, m)]
        q = 1 + rng.poisson(0.8, m)
        true_unit = np.array([GOODS[g].unit_cny for g in goods.tolist()]) * rng.lognormal(0, 0.3, m)
        factor = rng.uniform(0.12, 0.45, m)
        lines = item_lines(rng, goods, quantity=q, unit_cny=np.round(true_unit * factor, 2), extra_lines=0.1)
        carrier = carriers_for(rng, m, postal=rng.random(m) < 0.3)
        times = ctx.calendar.times(rng, m, "cross_border")
        if inbound_part:
            s = abroad[senders_abroad[idx]]
            rows.append(
                frame(
                    "undervalued",
                    times,
                    party("sender_", s),
                    party("receiver_", people[receivers_home[idx]]),
                    ctx.outlets.gateway(rng, carrier),
                    ctx,
                    rng,
                    service="import",
                    channel="express",
                    currency=import_currency(rng, s),
                    lines=lines,
                    pickup=checks(rng, np.zeros(m, bool)),
                    violation="undervalued",
                    true_value_factor=1 / factor,
                )
            )
        else:
            s = people[senders_home[idx]]
            sender = local_sender(rng, ctx, s, carrier, missing=0.03, prefer_sloppy=rng.random(m) < 0.5)
            rows.append(
                local_parcels(
                    "undervalued",
                    times,
                    sender,
                    party("receiver_", abroad[receivers_abroad[idx]]),
                    ctx,
                    rng,
                    service="export",
                    channel="express",
                    lines=lines,
                    violation="undervalued",
                    true_value_factor=1 / factor,
                )
            )
    return pl.concat(rows, how="diagonal_relaxed")


def resellers(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Daigou resellers: cross-border e-commerce imports on the IDs of relatives, one phone, one address."""
    buyers, head = crew_buyers(rng, ctx.world.people, n, per_crew=100)
    shared_account = rng.random(n) < 0.7
    receiver = crew_receiver(rng, buyers, head)
    st = store_rows(rng, ctx, n)
    goods = CBEC_GOODS[rng.integers(0, len(CBEC_GOODS), n)]
    q = 2 + rng.poisson(2.0, n)
    unit = rng.uniform(800, 4900, n) / q
    carrier = carriers_for(rng, n, postal=np.zeros(n, bool))
    order = orders(rng, st["platform"], st["shop_id"], buyers)
    order["payment_account"] = np.where(shared_account, head["account"], buyers["account"])
    return cbec_import_parcels(
        rng,
        ctx,
        "reseller",
        st,
        receiver,
        carrier,
        goods,
        order=order,
        extra_lines=0.0,
        quantity=q,
        unit_cny=np.round(unit, 2),
        violation="cbec_resale",
    )
