"""The simulated world: people at home and abroad, shops with agreements, carriers' outlets and couriers."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
from stdnum.cn import ric, uscc

from screening.simulation.geography import (
    ABROAD,
    ABROAD_WEIGHTS,
    CARRIER_NAMES,
    CARRIER_WEIGHTS,
    CARRIERS,
    COMPOUNDS,
    DISTRICT_WEIGHTS,
    DISTRICTS,
    GIVEN,
    PLATFORMS,
    ROADS,
    SHOP_KINDS,
    SHOP_WORDS,
    SURNAMES,
)

# Share of outlets that are sloppy about real-name checks, opening inspection and X-ray.
SLOPPY_OUTLETS = 0.1
_USCC_CHARS = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
_MOBILE_PREFIXES = np.array(
    [f"13{d}" for d in range(10)] + [f"15{d}" for d in range(10)] + [f"18{d}" for d in range(10)]
    + ["166", "170", "176", "177", "178", "198", "199"]
)  # fmt: skip
_GATEWAY_DISTRICTS = (
    0,
    3,
    6,
    9,
    13,
)  # international mail exchanges: Shanghai, Beijing, Guangzhou, Shenzhen, Hangzhou


@dataclass(frozen=True, slots=True)
class World:
    """Everyone who can appear on a waybill, as frames with one row per person, shop or outlet."""

    people: pl.DataFrame  # mainland individuals
    abroad: pl.DataFrame  # individuals in HK, Macau, Taiwan and abroad
    shops: pl.DataFrame  # agreement customers (协议客户)
    stores: pl.DataFrame  # foreign e-commerce stores shipping cbec imports
    outlets: pl.DataFrame  # pickup outlets (收寄网点), incl. international gateways


def pick(rng: np.random.Generator, weights: tuple[float, ...] | np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with the given relative weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def digits(rng: np.random.Generator, size: int, width: int) -> pl.Series:
    """Random digit strings of a fixed width."""
    high = 10**width
    return pl.Series(rng.integers(0, high, size=size, dtype=np.int64)).cast(pl.String).str.zfill(width)


def chinese_names(rng: np.random.Generator, size: int) -> pl.Series:
    """Chinese personal names: a surname and one or two given characters."""
    surnames = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), size)]
    given = np.array(list(GIVEN))
    first = given[rng.integers(0, len(given), size)]
    second = np.where(rng.random(size) < 0.6, given[rng.integers(0, len(given), size)], "")
    return pl.Series(np.char.add(np.char.add(surnames, first), second))


def resident_ids(codes: np.ndarray, born: np.ndarray, sequence: np.ndarray) -> list[str]:
    """Synthetic resident ID numbers with a correct GB 11643 check digit.

    These are the simulator's own made-up people, so plain numbers in the simulated input file are
    test input; the check digit comes from python-stdnum's cn.ric.calc_check_digit.
    """
    out = []
    for code, day, seq in zip(codes.tolist(), born.tolist(), sequence.tolist(), strict=True):
        base = f"{code}{day}{seq:03d}"
        out.append(base + ric.calc_check_digit(base + "0"))
    return out


def birth_dates(rng: np.random.Generator, size: int) -> np.ndarray:
    """Birth dates as YYYYMMDD strings, ages about 18 to 75."""
    start = date(1950, 1, 1).toordinal()
    end = date(2006, 12, 31).toordinal()
    days = rng.integers(start, end, size)
    return np.array([date.fromordinal(int(d)).strftime("%Y%m%d") for d in days])


def building_details(rng: np.random.Generator, size: int) -> pl.DataFrame:
    """Street-level detail of mainland homes: road, door number, building, room (or a compound)."""
    frame = pl.DataFrame(
        {
            "road": np.array(ROADS)[rng.integers(0, len(ROADS), size)],
            "compound": np.array(COMPOUNDS)[rng.integers(0, len(COMPOUNDS), size)],
            "num": rng.integers(1, 400, size),
            "bldg": rng.integers(1, 30, size),
            "unit": rng.integers(1, 6, size),
            "room": rng.integers(1, 33, size) * 100 + rng.integers(1, 9, size),
            "form": rng.integers(0, 2, size),
        }
    )
    return frame.with_columns(
        detail=pl.when(pl.col("form") == 0)
        .then(pl.format("{}{}号{}号楼{}室", "road", "num", "bldg", "room"))
        .otherwise(pl.format("{}{}号{}{}栋{}单元{}", "road", "num", "compound", "bldg", "unit", "room"))
    )


def make_people(rng: np.random.Generator, size: int) -> pl.DataFrame:
    """Mainland individuals with a home address, a phone, a resident ID, an IP and a payment account."""
    district = pick(rng, DISTRICT_WEIGHTS, size)
    places = pl.DataFrame(
        {
            "province": [d.province for d in DISTRICTS],
            "city": [d.city for d in DISTRICTS],
            "district": [d.district for d in DISTRICTS],
            "code": [d.code for d in DISTRICTS],
            "postcode": [d.postcode for d in DISTRICTS],
        }
    )[district]
    # Most people are registered where they live; migrants kept the region code of first issue.
    home_codes = places["code"].to_numpy()
    other = np.array([d.code for d in DISTRICTS])[rng.integers(0, len(DISTRICTS), size)]
    codes = np.where(rng.random(size) < 0.7, home_codes, other)
    ids = resident_ids(codes, birth_dates(rng, size), rng.integers(0, 1000, size))
    details = building_details(rng, size)
    prefixes = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), size)]
    return pl.DataFrame(
        {
            "name": chinese_names(rng, size),
            "phone": pl.Series(np.char.add(prefixes, digits(rng, size, 8).to_numpy())),
            "country": pl.repeat("CN", size, eager=True),
            "province": places["province"],
            "city": places["city"],
            "district": places["district"],
            "detail": details["detail"],
            "postcode": places["postcode"],
            "id_number": pl.Series(ids),
            "ip": _ips(rng, size),
            "account": pl.Series(np.char.add("2088", digits(rng, size, 12).to_numpy())),
            "district_index": district,
            "road": details["road"],
            "num": details["num"],
            "bldg": details["bldg"],
            "room": details["room"],
        }
    )


def _ips(rng: np.random.Generator, size: int) -> pl.Series:
    parts = [rng.integers(lo, 255, size).astype(str) for lo in (1, 0, 0, 1)]
    joined = parts[0]
    for p in parts[1:]:
        joined = np.char.add(np.char.add(joined, "."), p)
    return pl.Series(joined)


def make_abroad(rng: np.random.Generator, size: int) -> pl.DataFrame:
    """Individuals outside the mainland, with an address written two ways (variants for rings)."""
    place = pick(rng, ABROAD_WEIGHTS, size)
    rows: dict[str, list[str]] = {
        k: [] for k in ("name", "phone", "country", "city", "district", "detail", "variant")
    }
    num = rng.integers(1, 300, size)
    floor = rng.integers(1, 40, size)
    flat = np.array(list("ABCDEFGH"))[rng.integers(0, 8, size)]
    road_pick = rng.integers(0, 1000, size)
    district_pick = rng.integers(0, 1000, size)
    first_pick = rng.integers(0, 1000, size)
    last_pick = rng.integers(0, 1000, size)
    phone_digits = rng.integers(0, 10**9, size)
    for i, index in enumerate(place.tolist()):
        a = ABROAD[index]
        road = a.roads[road_pick[i] % len(a.roads)]
        fill = {"road": road, "num": num[i], "floor": floor[i], "flat": flat[i]}
        first, last = (
            a.first_names[first_pick[i] % len(a.first_names)],
            a.last_names[last_pick[i] % len(a.last_names)],
        )
        rows["name"].append(f"{last}{first}" if a.country == "TW" else f"{first} {last}")
        rows["phone"].append(a.phone_prefix + f"{phone_digits[i] % 10**a.phone_digits:0{a.phone_digits}d}")
        rows["country"].append(a.country)
        rows["city"].append(a.city)
        rows["district"].append(a.districts[district_pick[i] % len(a.districts)])
        rows["detail"].append(a.detail.format(**fill))
        rows["variant"].append(a.detail_variant.format(**fill))
    return pl.DataFrame({**rows, "currency": [ABROAD[i].currency for i in place.tolist()]})


def make_shops(rng: np.random.Generator, size: int, *, start: date, days: int) -> pl.DataFrame:
    """Agreement customers: e-commerce shops with a credit code, a warehouse, a contract and a size."""
    district = pick(rng, DISTRICT_WEIGHTS, size)
    d = [DISTRICTS[i] for i in district.tolist()]
    details = building_details(rng, size)
    codes = []
    for place in d:
        body = "91" + place.code + "".join(_USCC_CHARS[rng.integers(0, len(_USCC_CHARS), 9)])
        codes.append(body + uscc.calc_check_digit(body))
    carrier = pick(rng, CARRIER_WEIGHTS, size)
    status_draw = rng.random(size)
    # However few shops there are, one is suspended and one has an expired contract.
    status_draw[-2:] = (0.0, 0.03)
    status = np.where(status_draw < 0.02, "suspended", "active")
    # Some contracts ran out before or during the simulated period: the agreement check holds their parcels.
    expired = (status_draw >= 0.02) & (status_draw < 0.04)
    until_days = np.where(expired, rng.integers(-60, max(1, days // 2), size), 3650)
    words = np.array(SHOP_WORDS)[rng.integers(0, len(SHOP_WORDS), size)]
    kinds = np.array(SHOP_KINDS)[rng.integers(0, len(SHOP_KINDS), size)]
    cities = np.array([p.city.removesuffix("市") for p in d])
    platform = np.array(PLATFORMS)[rng.integers(0, len(PLATFORMS), size)]
    return pl.DataFrame(
        {
            "name": np.char.add(np.char.add(cities, words), kinds),
            "phone": [
                f"0{p.area_code}{n:08d}"
                for p, n in zip(d, rng.integers(20_000_000, 99_999_999, size), strict=True)
            ],
            "country": pl.repeat("CN", size, eager=True),
            "province": [p.province for p in d],
            "city": [p.city for p in d],
            "district": [p.district for p in d],
            "detail": details["detail"],
            "postcode": [p.postcode for p in d],
            "id_number": codes,
            "contract_id": [f"C{CARRIERS[c]}{i:06d}" for i, c in enumerate(carrier.tolist())],
            "carrier": np.array(CARRIERS)[carrier],
            "status": status,
            "valid_from": [start - timedelta(days=400)] * size,
            "valid_until": [start + timedelta(days=int(u)) for u in until_days.tolist()],
            "platform": platform,
            "shop_id": [f"{p}-{i:06d}" for i, p in enumerate(platform.tolist())],
            # Shop sizes are skewed: a few big shops, many small ones.
            "size": rng.lognormal(0.0, 0.9, size),
            "district_index": district,
        }
    )


def make_stores(rng: np.random.Generator, size: int) -> pl.DataFrame:
    """Foreign online stores and bonded warehouses that ship cross-border e-commerce imports."""
    base = make_abroad(rng, size)
    words = np.array(["DIRECT", "GLOBAL", "BEAUTY", "BABY", "HEALTH", "OUTLET"])[rng.integers(0, 6, size)]
    names = [
        f"{c.upper()} {w} STORE {i}"
        for i, (c, w) in enumerate(zip(base["city"].to_list(), words, strict=True))
    ]
    platform = np.array(["tmall_global", "jd_worldwide", "kaola", "vip_intl"])[rng.integers(0, 4, size)]
    return base.with_columns(
        name=pl.Series(names),
        platform=pl.Series(platform),
        shop_id=pl.Series([f"{p}-{i:05d}" for i, p in enumerate(platform.tolist())]),
        size=pl.Series(rng.lognormal(0.0, 0.7, size)),
    )


def make_outlets(rng: np.random.Generator) -> pl.DataFrame:
    """Every carrier's pickup outlets in every district, a few sloppy, plus international gateways."""
    rows: list[dict[str, object]] = []
    for carrier in CARRIERS:
        for di, d in enumerate(DISTRICTS):
            for k in range(1, int(rng.integers(1, 4)) + 1):
                rows.append(
                    {
                        "outlet_id": f"{carrier}-{d.code}-{k:04d}",
                        "carrier": carrier,
                        "province": d.province,
                        "city": d.city,
                        "district": d.district,
                        "name": f"{CARRIER_NAMES[carrier]}{d.city}{d.district}第{k}营业部",
                        "district_index": di,
                        "gateway": False,
                        "sloppy": bool(rng.random() < SLOPPY_OUTLETS),
                        "couriers": int(rng.integers(2, 8)),
                    }
                )
        for di in _GATEWAY_DISTRICTS:
            d = DISTRICTS[di]
            rows.append(
                {
                    "outlet_id": f"{carrier}-{d.code}-INTL",
                    "carrier": carrier,
                    "province": d.province,
                    "city": d.city,
                    "district": d.district,
                    "name": f"{CARRIER_NAMES[carrier]}{d.city}国际邮件互换中心",
                    "district_index": di,
                    "gateway": True,
                    "sloppy": False,
                    "couriers": 4,
                }
            )
    return pl.DataFrame(rows)


def build_world(rng: np.random.Generator, *, rows: int, start: date, days: int) -> World:
    """A world sized for a stream of this many waybills."""
    return World(
        people=make_people(rng, max(2_000, rows // 4)),
        abroad=make_abroad(rng, max(500, rows // 12)),
        shops=make_shops(rng, max(40, rows // 600), start=start, days=days),
        stores=make_stores(rng, max(20, rows // 5_000)),
        outlets=make_outlets(rng),
    )
