"""Building blocks of simulated parcels: parties, real-name and pickup checks, item lines, outlets, rows."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from screening.simulation.calendar import Calendar
from screening.simulation.geography import CARRIER_WEIGHTS, CARRIERS, CROSS_BORDER_CARRIERS, POSTAL_CARRIER
from screening.simulation.goods import BRAND_GOODS, GOODS, Brand
from screening.simulation.world import World, pick

PARTY_FIELDS = (
    "name",
    "phone",
    "country",
    "province",
    "city",
    "district",
    "detail",
    "postcode",
    "id_type",
    "id_number",
    "id_verified",
    "verification_method",
    "customer_type",
    "contract_id",
)
VERIFIED_METHODS = np.array(["id_reader", "online_check", "face_match"])
HK_MO_TW = frozenset({"HK", "MO", "TW"})
# Weights of GOODS for ordinary parcels (food, clothes, daily goods dominate).
GOODS_WEIGHTS = np.array(
    [5 if g.category in {"food", "apparel_shoes", "general"} else 2 for g in GOODS], float
)
CROSS_BORDER_GOODS = np.array(
    [i for i, g in enumerate(GOODS) if g.category not in {"agri_inputs", "building_materials", "auto_parts"}]
)
CBEC_GOODS = np.array(
    [i for i, g in enumerate(GOODS) if g.category in {"food", "cosmetics", "medicine", "children_products"}]
)


@dataclass(frozen=True, slots=True)
class Context:
    """What every actor needs: the world, the calendar, the outlets and the brand list."""

    world: World
    calendar: Calendar
    outlets: "OutletPicker"
    brands: tuple[Brand, ...]
    prohibited: tuple[str, ...]


class OutletPicker:
    """Chooses a carrier's outlet in a district (sloppy ones when asked), or its international gateway."""

    def __init__(self, outlets: pl.DataFrame, districts: int) -> None:
        self.frame = outlets
        carriers = {c: i for i, c in enumerate(CARRIERS)}
        c_index = np.array([carriers[c] for c in outlets["carrier"].to_list()])
        d_index = outlets["district_index"].to_numpy()
        local = ~outlets["gateway"].to_numpy()
        sloppy = outlets["sloppy"].to_numpy()
        width = 4
        self.any = np.full((len(CARRIERS), districts, width), -1)
        self.any_n = np.zeros((len(CARRIERS), districts), dtype=np.int64)
        self.sloppy = np.full((len(CARRIERS), districts, width), -1)
        self.sloppy_n = np.zeros((len(CARRIERS), districts), dtype=np.int64)
        self.gateways: list[list[int]] = [[] for _ in CARRIERS]
        for row in range(len(outlets)):
            c, d = c_index[row], d_index[row]
            if not local[row]:
                self.gateways[c].append(row)
                continue
            self.any[c, d, self.any_n[c, d]] = row
            self.any_n[c, d] += 1
            if sloppy[row]:
                self.sloppy[c, d, self.sloppy_n[c, d]] = row
                self.sloppy_n[c, d] += 1
        self.is_sloppy = sloppy
        self.couriers = outlets["couriers"].to_numpy()

    def local(
        self, rng: np.random.Generator, carrier: np.ndarray, district: np.ndarray, prefer_sloppy: np.ndarray
    ) -> np.ndarray:
        """An outlet row per parcel, in the sender's district."""
        u = rng.random(len(carrier))
        any_rows = self.any[carrier, district, (u * self.any_n[carrier, district]).astype(np.int64)]
        n_sloppy = self.sloppy_n[carrier, district]
        sloppy_rows = self.sloppy[carrier, district, (u * np.maximum(n_sloppy, 1)).astype(np.int64)]
        chosen: np.ndarray = np.where(prefer_sloppy & (n_sloppy > 0), sloppy_rows, any_rows)
        return chosen

    def gateway(self, rng: np.random.Generator, carrier: np.ndarray) -> np.ndarray:
        """An international mail exchange of the carrier per parcel."""
        u = rng.random(len(carrier))
        return np.array(
            [self.gateways[c][int(x * len(self.gateways[c]))] for c, x in zip(carrier, u, strict=True)]
        )


def carriers_for(rng: np.random.Generator, size: int, *, postal: np.ndarray | None = None) -> np.ndarray:
    """Carrier indices: postal articles go by EMS, cross-border express by the big international carriers."""
    out = pick(rng, CARRIER_WEIGHTS, size)
    if postal is not None:
        cross = np.array([CARRIERS.index(c) for c in CROSS_BORDER_CARRIERS])
        out = np.where(postal, CARRIERS.index(POSTAL_CARRIER), cross[rng.integers(0, len(cross), size)])
    return out


def party(prefix: str, base: pl.DataFrame, **columns: Any) -> pl.DataFrame:
    """Party columns (sender_* or receiver_*) from a frame of people, with overrides."""
    n = len(base)
    out: dict[str, Any] = {}
    for field in PARTY_FIELDS:
        if field in columns:
            value = columns[field]
        elif field in base.columns and field not in {"id_number"}:
            value = base[field]
        else:
            value = None
        if value is None or isinstance(value, (str, bool)):
            value = pl.repeat(value, n, eager=True, dtype=PARTY_TYPES[field])
        elif PARTY_TYPES[field] == pl.String:
            value = text(value)
        out[f"{prefix}{field}"] = pl.Series(value, dtype=PARTY_TYPES[field])
    return pl.DataFrame(out)


PARTY_TYPES: dict[str, Any] = dict.fromkeys(PARTY_FIELDS, pl.String) | {"id_verified": pl.Boolean}


def realname(
    rng: np.random.Generator, size: int, *, missing: float, sloppy: np.ndarray, numbers: pl.Series
) -> dict[str, Any]:
    """Sender identity columns as couriers record them: ID given or not, verified or not and how."""
    given = rng.random(size) >= missing
    unverified_rate = np.where(sloppy, 0.5, 0.015)
    verified = given & (rng.random(size) >= unverified_rate)
    unrecorded = some(rng.random(size) < 0.5, "none")
    method = np.where(verified, VERIFIED_METHODS[pick(rng, (6, 3, 1), size)].astype(object), unrecorded)
    return {
        "id_type": text(some(given, "resident_id")),
        "id_number": pl.Series(numbers).set(pl.Series(~given), None) if (~given).any() else numbers,
        "id_verified": pl.Series(verified),
        "verification_method": text(some(given, method)),
        "id_full": numbers,
    }


def checks(rng: np.random.Generator, sloppy: np.ndarray, *, worse: float = 1.0) -> dict[str, np.ndarray]:
    """Pickup checks as recorded: sloppy outlets skip opening inspection and X-ray far more often."""
    size = len(sloppy)
    skip_open = np.minimum(np.where(sloppy, 0.4, 0.01) * worse, 0.95)
    skip_xray = np.minimum(np.where(sloppy, 0.3, 0.01) * worse, 0.95)
    return {
        "opened_inspection": rng.random(size) >= skip_open,
        "xray_screened": rng.random(size) >= skip_xray,
    }


def item_lines(
    rng: np.random.Generator,
    goods: np.ndarray,
    *,
    quantity: np.ndarray | None = None,
    unit_cny: np.ndarray | None = None,
    extra_lines: float = 0.2,
    pool: np.ndarray | None = None,
) -> dict[str, Any]:
    """Up to three item lines per parcel; the first is the given goods, the others are drawn from a pool."""
    size = len(goods)
    pool = np.arange(len(GOODS)) if pool is None else pool
    lines = (
        1 + (rng.random(size) < extra_lines).astype(int) + (rng.random(size) < extra_lines / 4).astype(int)
    )
    out: dict[str, Any] = {}
    weight = np.zeros(size)
    for k in (1, 2, 3):
        g = goods if k == 1 else pool[rng.integers(0, len(pool), size)]
        present = lines >= k
        meta = [GOODS[i] for i in g.tolist()]
        q = quantity if (k == 1 and quantity is not None) else 1 + rng.poisson(0.4, size)
        unit = (
            unit_cny
            if (k == 1 and unit_cny is not None)
            else np.array([m.unit_cny for m in meta]) * rng.lognormal(0.0, 0.45, size)
        )
        given_category = rng.random(size) < 0.85
        out[f"i{k}_description"] = some(present, [m.description for m in meta])
        out[f"i{k}_category"] = some(present & given_category, [m.category for m in meta])
        out[f"i{k}_brand"] = np.full(size, None)
        out[f"i{k}_hs_code"] = some(present & (rng.random(size) < 0.3), [m.hs_code for m in meta])
        out[f"i{k}_quantity"] = np.where(present, q, 0)
        out[f"i{k}_unit_cny"] = np.where(present, np.round(unit, 2), 0.0)
        weight += np.where(present, q * np.array([m.unit_kg for m in meta]) * rng.lognormal(0, 0.25, size), 0)
    out["weight_kg"] = np.round(weight + rng.uniform(0.05, 0.3, size), 2)
    return out


def frame(
    actor: str,
    times: np.ndarray,
    sender: pl.DataFrame,
    receiver: pl.DataFrame,
    outlets: np.ndarray,
    ctx: Context,
    rng: np.random.Generator,
    *,
    service: np.ndarray | str,
    channel: np.ndarray | str,
    lines: dict[str, Any],
    pickup: dict[str, np.ndarray],
    currency: np.ndarray | str = "CNY",
    order: dict[str, Any] | None = None,
    violation: np.ndarray | str = "",
    true_value_factor: np.ndarray | float = 1.0,
    sender_id_full: pl.Series | None = None,
) -> pl.DataFrame:
    """One actor's parcels as rows of the simulated history (values still in CNY; finished later)."""
    size = len(times)
    o = ctx.outlets.frame[outlets]
    courier = (rng.random(size) * ctx.outlets.couriers[outlets]).astype(np.int64)
    order = order or {}
    base = pl.DataFrame(
        {
            "actor": pl.repeat(actor, size, eager=True),
            "accepted_ms": times,
            "carrier": o["carrier"],
            "outlet_id": o["outlet_id"],
            "courier_id": pl.Series(
                np.char.add(np.char.add(o["outlet_id"].to_numpy().astype(str), "-C"), courier.astype(str))
            ),
            "service": strings(service, size),
            "channel": strings(channel, size),
            "currency": strings(currency, size),
            "opened_inspection": pickup["opened_inspection"],
            "xray_screened": pickup["xray_screened"],
            "order_platform": strings(order.get("platform"), size),
            "order_id": strings(order.get("order_id"), size),
            "order_shop_id": strings(order.get("shop_id"), size),
            "order_buyer_ip": strings(order.get("buyer_ip"), size),
            "order_payment_account": strings(order.get("payment_account"), size),
            "violation_type": strings(violation, size),
            "true_value_factor": np.broadcast_to(np.asarray(true_value_factor, dtype=np.float64), size),
            "sender_id_full": strings(sender_id_full, size),
            **{k: (text(v) if np.asarray(v).dtype == object else v) for k, v in lines.items()},
        },
    )
    return pl.concat([base, sender, receiver], how="horizontal")


@dataclass(frozen=True, slots=True)
class LocalSender:
    """People handing parcels in at their own district's outlets, with IDs as the couriers recorded them."""

    columns: pl.DataFrame
    outlets: np.ndarray
    sloppy: np.ndarray
    id_full: pl.Series


def local_sender(
    rng: np.random.Generator,
    ctx: Context,
    people: pl.DataFrame,
    carrier: np.ndarray,
    *,
    missing: float,
    prefer_sloppy: np.ndarray | None = None,
) -> LocalSender:
    """Where each of these people hands a parcel in, and their sender columns after the real-name check."""
    n = len(people)
    prefer_sloppy = np.zeros(n, bool) if prefer_sloppy is None else prefer_sloppy
    outlets = ctx.outlets.local(rng, carrier, people["district_index"].to_numpy(), prefer_sloppy)
    sloppy = ctx.outlets.is_sloppy[outlets]
    ids = realname(rng, n, missing=missing, sloppy=sloppy, numbers=people["id_number"])
    columns = party("sender_", people, **{k: v for k, v in ids.items() if k != "id_full"})
    return LocalSender(columns=columns, outlets=outlets, sloppy=sloppy, id_full=ids["id_full"])


def local_parcels(
    actor: str,
    times: np.ndarray,
    sender: LocalSender,
    receiver: pl.DataFrame,
    ctx: Context,
    rng: np.random.Generator,
    *,
    service: np.ndarray | str,
    channel: np.ndarray | str,
    lines: dict[str, Any],
    worse: float = 1.0,
    violation: np.ndarray | str = "",
    true_value_factor: np.ndarray | float = 1.0,
) -> pl.DataFrame:
    """Rows of parcels handed in by local senders, with the pickup checks their outlets made."""
    return frame(
        actor,
        times,
        sender.columns,
        receiver,
        sender.outlets,
        ctx,
        rng,
        service=service,
        channel=channel,
        lines=lines,
        pickup=checks(rng, sender.sloppy, worse=worse),
        violation=violation,
        true_value_factor=true_value_factor,
        sender_id_full=sender.id_full,
    )


def cbec_import_parcels(
    rng: np.random.Generator,
    ctx: Context,
    actor: str,
    store: pl.DataFrame,
    receiver: pl.DataFrame,
    carrier: np.ndarray,
    goods: np.ndarray,
    *,
    order: dict[str, Any] | pl.DataFrame,
    extra_lines: float,
    pool: np.ndarray | None = None,
    quantity: np.ndarray | None = None,
    unit_cny: np.ndarray | None = None,
    violation: str = "",
) -> pl.DataFrame:
    """Rows of cross-border e-commerce imports from foreign stores, cleared at the carrier's gateway.

    order is the stores' order record, or a frame of buyers each ordering for themselves.
    """
    n = len(store)
    times = ctx.calendar.times(rng, n, "cbec")
    outlets = ctx.outlets.gateway(rng, carrier)
    currency = import_currency(rng, store)
    lines = item_lines(rng, goods, quantity=quantity, unit_cny=unit_cny, extra_lines=extra_lines, pool=pool)
    pickup = checks(rng, np.zeros(n, bool))
    if isinstance(order, pl.DataFrame):
        # Drawn after the checks: moving a draw would change every seeded history.
        order = orders(rng, store["platform"], store["shop_id"], order)
    return frame(
        actor,
        times,
        party("sender_", store),
        receiver,
        outlets,
        ctx,
        rng,
        service="import",
        channel="cbec",
        currency=currency,
        lines=lines,
        pickup=pickup,
        order=order,
        violation=violation,
    )


def crew_buyers(
    rng: np.random.Generator, people: pl.DataFrame, n: int, *, per_crew: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Buyers from crews of three relatives (about per_crew parcels a crew), and each buyer's crew head."""
    crews = max(2, n // per_crew)
    crew = rng.integers(0, crews, n)
    heads = people[rng.integers(0, len(people), crews)]
    buyers = people[rng.integers(0, len(people), crews * 3)[crew * 3 + rng.integers(0, 3, n)]]
    return buyers, heads[crew]


def crew_receiver(rng: np.random.Generator, buyers: pl.DataFrame, head: pl.DataFrame) -> pl.DataFrame:
    """Receiver columns of crew buyers: each buyer's own checked ID at the head's phone and address."""
    return party(
        "receiver_",
        buyers.with_columns(
            phone=head["phone"],
            detail=head["detail"],
            province=head["province"],
            city=head["city"],
            district=head["district"],
            postcode=head["postcode"],
        ),
        id_type="resident_id",
        id_number=buyers["id_number"],
        id_verified=pl.Series(rng.random(len(buyers)) < 0.8),
        verification_method="online_check",
    )


def text(values: Any) -> pl.Series:
    """A string column from numpy values (None allowed) or a polars series."""
    if isinstance(values, pl.Series):
        return values.cast(pl.String)
    array = np.asarray(values)
    if array.dtype == object:
        return pl.Series(array.tolist(), dtype=pl.String)
    return pl.Series(array.astype(str), dtype=pl.String)


def some(mask: np.ndarray, values: Any) -> np.ndarray:
    """values where mask holds, None elsewhere: an object array for a nullable string column."""
    out = np.full(len(mask), None, dtype=object)
    chosen = np.broadcast_to(np.asarray(values, dtype=object), mask.shape)
    out[mask] = chosen[mask]
    return out


def strings(value: Any, size: int) -> pl.Series:
    if value is None or isinstance(value, str):
        return pl.repeat(value, size, eager=True, dtype=pl.String)
    return text(value)


def orders(rng: np.random.Generator, platform: Any, shop_id: Any, buyers: pl.DataFrame) -> dict[str, Any]:
    size = len(buyers)
    return {
        "platform": platform,
        "order_id": np.char.add("O", rng.integers(10**14, 10**15, size).astype(str)),
        "shop_id": shop_id,
        "buyer_ip": buyers["ip"],
        "payment_account": buyers["account"],
    }


def active_people(rng: np.random.Generator, size: int, people: int, spread: float = 1.0) -> np.ndarray:
    """People indices drawn with skewed activity: a few send often, most rarely."""
    raw = rng.pareto(1.2 / spread, size)
    return (raw * 997).astype(np.int64) % people


def shop_rows(rng: np.random.Generator, ctx: Context, n: int) -> tuple[pl.DataFrame, np.ndarray]:
    shops = ctx.world.shops
    weights = shops["size"].to_numpy()
    index = rng.choice(len(shops), size=n, p=weights / weights.sum())
    return shops[index], index


def shop_sender(rng: np.random.Generator, s: pl.DataFrame, carrier: np.ndarray) -> pl.DataFrame:
    """The shop as sender: an agreement customer of its own carrier; with another carrier (carrier, by
    index) it has no agreement, so that carrier registers its credit code at pickup."""
    n = len(s)
    own = carrier == np.array([CARRIERS.index(c) for c in s["carrier"].to_list()], dtype=carrier.dtype)
    given = (rng.random(n) < 0.7) | ~own
    return party(
        "sender_",
        s,
        id_type=text(some(given, "uscc")),
        id_number=s["id_number"].set(pl.Series(~given), None) if (~given).any() else s["id_number"],
        id_verified=pl.Series(given),
        verification_method=text(some(given, "online_check")),
        customer_type=text(np.where(own, "contract", "individual")),
        contract_id=text(some(own, s["contract_id"].to_numpy())),
    )


def store_rows(rng: np.random.Generator, ctx: Context, n: int) -> pl.DataFrame:
    stores = ctx.world.stores
    weights = stores["size"].to_numpy()
    return stores[rng.choice(len(stores), size=n, p=weights / weights.sum())]


def import_currency(rng: np.random.Generator, origin: pl.DataFrame) -> np.ndarray:
    local = origin["currency"].to_numpy()
    draw = rng.random(len(origin))
    return np.where(draw < 0.7, local, np.where(draw < 0.9, "USD", "CNY"))


def personal_lines(rng: np.random.Generator, n: int, limit: np.ndarray) -> dict[str, Any]:
    goods = CROSS_BORDER_GOODS[rng.integers(0, len(CROSS_BORDER_GOODS), n)]
    lines = item_lines(rng, goods, extra_lines=0.15, pool=CROSS_BORDER_GOODS)
    # People mostly keep personal articles under the limit: scale the lines of a dearer parcel down.
    total = sum(lines[f"i{k}_quantity"] * lines[f"i{k}_unit_cny"] for k in (1, 2, 3))
    cap = limit * rng.uniform(0.2, 0.85, n)
    scale = np.where(total > 0.85 * limit, cap / np.maximum(total, 0.01), 1.0)
    for k in (1, 2, 3):
        lines[f"i{k}_unit_cny"] = np.round(lines[f"i{k}_unit_cny"] * scale, 2)
    # A few honest people declare a single purchase just under, or over, the limit.
    near = rng.random(n) < 0.05
    over = ~near & (rng.random(n) < 0.015)
    target = np.where(near, limit * rng.uniform(0.9, 0.995, n), limit * rng.uniform(1.05, 2.0, n))
    chosen = near | over
    lines["i1_quantity"] = np.where(chosen, 1, lines["i1_quantity"])
    lines["i1_unit_cny"] = np.where(chosen, np.round(target, 2), lines["i1_unit_cny"])
    for k in (2, 3):
        lines[f"i{k}_description"] = some(~chosen, lines[f"i{k}_description"])
        lines[f"i{k}_quantity"] = np.where(chosen, 0, lines[f"i{k}_quantity"])
    return lines


def limits_of(countries: pl.Series) -> np.ndarray:
    return np.where(countries.is_in(list(HK_MO_TW)).to_numpy(), 800.0, 1000.0)


def brand_lines(
    rng: np.random.Generator, ctx: Context, n: int, *, price: Callable[[np.ndarray], np.ndarray], named: float
) -> dict[str, Any]:
    chosen = [ctx.brands[i] for i in rng.integers(0, len(ctx.brands), n).tolist()]
    floors = np.array([b.floor_cny for b in chosen])
    mention = rng.random(n) < named
    brand_field = mention & (rng.random(n) < 0.4)
    descriptions = []
    for b, m in zip(chosen, mention.tolist(), strict=True):
        goods = BRAND_GOODS[b.category]
        text = goods[int(rng.integers(0, len(goods)))]
        descriptions.append(f"{b.alias} {text}" if m else text)
    q = 1 + rng.poisson(0.6, n)
    unit = np.round(price(floors), 2)
    weights = {"bags_leather": 0.8, "apparel_shoes": 0.8, "cosmetics": 0.15, "electronics": 0.3}
    kg = np.array([weights.get(b.category, 0.5) for b in chosen]) * q * rng.lognormal(0, 0.3, n)
    return {
        "i1_description": np.array(descriptions),
        "i1_category": some(rng.random(n) < 0.8, [b.category for b in chosen]),
        "i1_brand": some(brand_field, [b.brand for b in chosen]),
        "i1_hs_code": np.full(n, None),
        "i1_quantity": q,
        "i1_unit_cny": unit,
        "weight_kg": np.round(kg + rng.uniform(0.1, 0.4, n), 2),
        "floor_cny": floors,
    }
