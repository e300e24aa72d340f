"""Ordinary senders: people, shops, cross-border shoppers, and the honest look-alikes of violators."""

import numpy as np
import polars as pl

from screening.simulation.geography import CARRIERS
from screening.simulation.goods import BY_DESCRIPTION, DOCUMENTS, GOODS, UNDERVALUED_GOODS
from screening.simulation.parcels import (
    CBEC_GOODS,
    CROSS_BORDER_GOODS,
    GOODS_WEIGHTS,
    Context,
    active_people,
    brand_lines,
    carriers_for,
    cbec_import_parcels,
    checks,
    crew_buyers,
    crew_receiver,
    frame,
    import_currency,
    item_lines,
    limits_of,
    local_parcels,
    local_sender,
    orders,
    party,
    personal_lines,
    realname,
    shop_rows,
    shop_sender,
    some,
    store_rows,
    text,
)


def households(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Ordinary people sending domestic parcels to each other."""
    people = ctx.world.people
    s = people[active_people(rng, n, len(people))]
    r = people[rng.integers(0, len(people), n)]
    sender = local_sender(rng, ctx, s, carriers_for(rng, n), missing=0.02)
    goods = rng.choice(len(GOODS), size=n, p=GOODS_WEIGHTS / GOODS_WEIGHTS.sum())
    # Lithium batteries, knives and the like in ordinary-looking parcels: violations nobody could tell apart.
    hidden = rng.random(n) < 0.005
    return local_parcels(
        "household",
        ctx.calendar.times(rng, n, "household"),
        sender,
        party("receiver_", r),
        ctx,
        rng,
        service="domestic",
        channel="express",
        lines=item_lines(rng, goods),
        violation=np.where(hidden, "prohibited", ""),
        true_value_factor=np.where(hidden, 4.0, 1.0),
    )


def documents(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Letters and documents: exempt from the per-parcel ID check, so often sent without one."""
    people = ctx.world.people
    s = people[active_people(rng, n, len(people))]
    r = people[rng.integers(0, len(people), n)]
    sender = local_sender(rng, ctx, s, carriers_for(rng, n), missing=0.6)
    lines = {
        "i1_description": np.full(n, DOCUMENTS.description),
        "i1_category": some(rng.random(n) < 0.9, "documents"),
        "i1_brand": np.full(n, None),
        "i1_hs_code": np.full(n, None),
        "i1_quantity": np.ones(n, dtype=np.int64),
        "i1_unit_cny": np.zeros(n),
        "weight_kg": np.round(rng.uniform(0.05, 0.5, n), 2),
    }
    return local_parcels(
        "documents",
        ctx.calendar.times(rng, n, "household"),
        sender,
        party("receiver_", r),
        ctx,
        rng,
        service="domestic",
        channel="express",
        lines=lines,
    )


def shops(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """E-commerce agreement customers shipping orders to buyers across the country."""
    s, _ = shop_rows(rng, ctx, n)
    people = ctx.world.people
    buyers = people[rng.integers(0, len(people), n)]
    carrier = np.where(
        rng.random(n) < 0.9, [CARRIERS.index(c) for c in s["carrier"].to_list()], carriers_for(rng, n)
    )
    outlets = ctx.outlets.local(rng, carrier, s["district_index"].to_numpy(), np.zeros(n, bool))
    goods = rng.choice(len(GOODS), size=n, p=GOODS_WEIGHTS / GOODS_WEIGHTS.sum())
    return frame(
        "shop",
        ctx.calendar.times(rng, n, "shop"),
        shop_sender(rng, s, carrier),
        party("receiver_", buyers),
        outlets,
        ctx,
        rng,
        service="domestic",
        channel="express",
        lines=item_lines(rng, goods, extra_lines=0.3),
        pickup=checks(rng, np.zeros(n, bool)),
        order=orders(rng, s["platform"], s["shop_id"], buyers),
    )


def shop_exports(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Agreement customers selling abroad as cross-border e-commerce exports."""
    s, _ = shop_rows(rng, ctx, n)
    abroad = ctx.world.abroad
    buyers = abroad[rng.integers(0, len(abroad), n)]
    carrier = carriers_for(rng, n, postal=np.zeros(n, bool))
    outlets = ctx.outlets.local(rng, carrier, s["district_index"].to_numpy(), np.zeros(n, bool))
    goods = CROSS_BORDER_GOODS[rng.integers(0, len(CROSS_BORDER_GOODS), n)]
    return frame(
        "shop_export",
        ctx.calendar.times(rng, n, "shop"),
        shop_sender(rng, s, carrier),
        party("receiver_", buyers),
        outlets,
        ctx,
        rng,
        service="export",
        channel="cbec",
        lines=item_lines(rng, goods, extra_lines=0.2),
        pickup=checks(rng, np.zeros(n, bool)),
        order={
            "platform": s["platform"],
            "order_id": np.char.add("X", rng.integers(10**14, 10**15, n).astype(str)),
            "shop_id": s["shop_id"],
        },
    )


def cbec_imports(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Cross-border shoppers buying from foreign stores; the buyer's ID goes with the order."""
    st = store_rows(rng, ctx, n)
    people = ctx.world.people
    # Cross-border shoppers are a minority of people who buy often.
    buyers = people[active_people(rng, n, max(1, len(people) // 5))]
    has_id = rng.random(n) >= 0.03
    receiver = party(
        "receiver_",
        buyers,
        id_type=text(some(has_id, "resident_id")),
        id_number=buyers["id_number"].set(pl.Series(~has_id), None),
        id_verified=pl.Series(has_id & (rng.random(n) < 0.8)),
        verification_method=text(some(has_id, "online_check")),
    )
    carrier = carriers_for(rng, n, postal=np.zeros(n, bool))
    goods = CBEC_GOODS[rng.integers(0, len(CBEC_GOODS), n)]
    return cbec_import_parcels(
        rng, ctx, "cbec_import", st, receiver, carrier, goods, order=buyers, extra_lines=0.3, pool=CBEC_GOODS
    )


def personal_exports(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """People mailing gifts and goods to relatives and friends abroad."""
    people = ctx.world.people
    s = people[active_people(rng, n, len(people))]
    r = ctx.world.abroad[rng.integers(0, len(ctx.world.abroad), n)]
    postal = rng.random(n) < 0.6
    sender = local_sender(rng, ctx, s, carriers_for(rng, n, postal=postal), missing=0.02)
    lines = personal_lines(rng, n, limits_of(r["country"]))
    hidden = rng.random(n) < 0.01  # undeclared commercial shipments that look like gifts
    return local_parcels(
        "personal_export",
        ctx.calendar.times(rng, n, "cross_border"),
        sender,
        party("receiver_", r),
        ctx,
        rng,
        service="export",
        channel=np.where(postal, "postal", "express"),
        lines=lines,
        violation=np.where(hidden, "undervalued", ""),
        true_value_factor=np.where(hidden, 3.0, 1.0),
    )


def personal_imports(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Relatives and friends abroad mailing to people in China."""
    abroad = ctx.world.abroad
    s = abroad[rng.integers(0, len(abroad), n)]
    r = ctx.world.people[rng.integers(0, len(ctx.world.people), n)]
    postal = rng.random(n) < 0.6
    carrier = carriers_for(rng, n, postal=postal)
    return frame(
        "personal_import",
        ctx.calendar.times(rng, n, "cross_border"),
        party("sender_", s),
        party("receiver_", r),
        ctx.outlets.gateway(rng, carrier),
        ctx,
        rng,
        service="import",
        channel=np.where(postal, "postal", "express"),
        currency=import_currency(rng, s),
        lines=personal_lines(rng, n, limits_of(s["country"])),
        pickup=checks(rng, np.zeros(n, bool)),
    )


def branded(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """People shipping genuine branded goods at real prices, at home and abroad."""
    people = ctx.world.people
    s = people[active_people(rng, n, len(people))]
    export = rng.random(n) < 0.3
    abroad = ctx.world.abroad[rng.integers(0, len(ctx.world.abroad), n)]
    home = people[rng.integers(0, len(people), n)]
    receiver = pl.concat([party("receiver_", home), party("receiver_", abroad)]).gather(
        np.where(export, np.arange(n) + n, np.arange(n))
    )
    sender = local_sender(rng, ctx, s, carriers_for(rng, n), missing=0.02)
    lines = brand_lines(rng, ctx, n, price=lambda f: f * rng.uniform(1.05, 1.8, n), named=0.9)
    lines.pop("floor_cny")
    lines["i1_quantity"] = np.ones(n, dtype=np.int64)
    return local_parcels(
        "branded",
        ctx.calendar.times(rng, n, "household"),
        sender,
        receiver,
        ctx,
        rng,
        service=np.where(export, "export", "domestic"),
        channel="express",
        lines=lines,
    )


def micro_sellers(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Individuals selling abroad through social apps (微商): many buyers, honest values."""
    people, abroad = ctx.world.people, ctx.world.abroad
    sellers = rng.integers(0, len(people), max(2, n // 60))
    s = people[sellers[rng.integers(0, len(sellers), n)]]
    r = abroad[rng.integers(0, len(abroad), n)]
    sender = local_sender(rng, ctx, s, carriers_for(rng, n, postal=rng.random(n) < 0.3), missing=0.02)
    return local_parcels(
        "micro_seller",
        ctx.calendar.times(rng, n, "cross_border"),
        sender,
        party("receiver_", r),
        ctx,
        rng,
        service="export",
        channel="express",
        lines=personal_lines(rng, n, limits_of(r["country"])),
    )


def families_abroad(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Families mailing often to a child or parent abroad, sometimes just under the limit."""
    people, abroad = ctx.world.people, ctx.world.abroad
    families = max(2, n // 25)
    family = rng.integers(0, families, n)
    s = people[rng.integers(0, len(people), families * 2)[family * 2 + (rng.random(n) < 0.3)]]
    r = abroad[rng.integers(0, len(abroad), families)[family]]
    r = r.with_columns(detail=pl.when(pl.Series(rng.random(n) < 0.2)).then("variant").otherwise("detail"))
    postal = rng.random(n) < 0.7
    sender = local_sender(rng, ctx, s, carriers_for(rng, n, postal=postal), missing=0.02)
    lines = personal_lines(rng, n, limits_of(r["country"]))
    near = rng.random(n) < 0.15
    lines["i1_unit_cny"] = np.where(
        near,
        np.round(limits_of(r["country"]) * rng.uniform(0.88, 0.99, n) / lines["i1_quantity"], 2),
        lines["i1_unit_cny"],
    )
    for k in (2, 3):
        lines[f"i{k}_description"] = some(~near, lines[f"i{k}_description"])
        lines[f"i{k}_quantity"] = np.where(near, 0, lines[f"i{k}_quantity"])
    return local_parcels(
        "family_abroad",
        ctx.calendar.times(rng, n, "cross_border"),
        sender,
        party("receiver_", r),
        ctx,
        rng,
        service="export",
        channel=np.where(postal, "postal", "express"),
        lines=lines,
    )


def used_electronics(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Second-hand phones and cameras at their honest, low used value (a look-alike of undervaluation)."""
    people, abroad = ctx.world.people, ctx.world.abroad
    inbound = rng.random(n) < 0.6
    home = people[rng.integers(0, len(people), n)]
    away = abroad[rng.integers(0, len(abroad), n)]
    goods = np.array([list(BY_DESCRIPTION).index(g) for g in UNDERVALUED_GOODS])[rng.integers(0, 3, n)]
    unit = np.array([GOODS[g].unit_cny for g in goods.tolist()]) * rng.uniform(0.12, 0.45, n)
    lines = item_lines(
        rng, goods, quantity=np.ones(n, dtype=np.int64), unit_cny=np.round(unit, 2), extra_lines=0.05
    )
    carrier = carriers_for(rng, n, postal=rng.random(n) < 0.4)
    gateway = ctx.outlets.gateway(rng, carrier)
    local = ctx.outlets.local(rng, carrier, home["district_index"].to_numpy(), np.zeros(n, bool))
    outlets = np.where(inbound, gateway, local)
    sloppy = ctx.outlets.is_sloppy[outlets] & ~inbound
    ids = realname(rng, n, missing=0.02, sloppy=sloppy, numbers=home["id_number"])
    sender = pl.concat(
        [
            party("sender_", home, **{k: v for k, v in ids.items() if k != "id_full"}),
            party("sender_", away),
        ]
    ).gather(np.where(inbound, np.arange(n) + n, np.arange(n)))
    receiver = pl.concat([party("receiver_", away), party("receiver_", home)]).gather(
        np.where(inbound, np.arange(n) + n, np.arange(n))
    )
    return frame(
        "used_electronics",
        ctx.calendar.times(rng, n, "cross_border"),
        sender,
        receiver,
        outlets,
        ctx,
        rng,
        service=np.where(inbound, "import", "export"),
        channel="express",
        currency=np.where(inbound, away["currency"].to_numpy(), "CNY"),
        lines=lines,
        pickup=checks(rng, sloppy),
        sender_id_full=ids["id_full"].set(pl.Series(inbound), None),
    )


def shopper_families(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    """Families buying cross-border often on two or three IDs, one phone, one address, within limits."""
    buyers, head = crew_buyers(rng, ctx.world.people, n, per_crew=30)
    receiver = crew_receiver(rng, buyers, head)
    st = store_rows(rng, ctx, n)
    goods = CBEC_GOODS[rng.integers(0, len(CBEC_GOODS), n)]
    carrier = carriers_for(rng, n, postal=np.zeros(n, bool))
    order = orders(rng, st["platform"], st["shop_id"], buyers)
    order["payment_account"] = np.where(rng.random(n) < 0.6, head["account"], buyers["account"])
    return cbec_import_parcels(
        rng,
        ctx,
        "shopper_family",
        st,
        receiver,
        carrier,
        goods,
        order=order,
        extra_lines=0.4,
        pool=CBEC_GOODS,
    )
