"""Property checks of the scoring API and engine over generated, contract-valid waybills of every kind."""

from __future__ import annotations

import copy
import functools
import itertools
import json
import logging
import math
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, get_args

import numpy as np
import pytest
import xgboost as xgb
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY
from stdnum.cn import ric, uscc

from api.app import create_app
from features.vector import FEATURE_NAMES, FeatureSet
from models.scorer import BoosterModel
from screening.agreements import Agreement
from screening.contract import MAX_AMOUNT, BatchError, Category, Decision, IdType, Waybill, to_fen
from screening.engine import Engine, build_engine
from screening.history import EmbeddedHistoryStore, HistoryUnavailable
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, ModelThresholds, Policy
from screening.scoring import ModelScorer
from screening.settings import DEFAULT_POLICY, DEFAULT_RATES, Settings
from screening.watchlists import ListEntry, Violation
from tests.api.test_scenarios_invariants import CATALOGUE
from tests.conftest import store_settings
from tests.factories import Whole, ant_ring, merge

pytestmark = pytest.mark.anyio

Body = dict[str, Any]

# Rules that read the waybill alone (RULES.md §3): their reasons cannot depend on what came before.
# CBEC_SINGLE_LIMIT is one only when no two parcels share an e-commerce order (see unique_orders).
STATELESS = {
    "REALNAME_MISSING",
    "ID_INVALID",
    "REALNAME_UNVERIFIED",
    "BUYER_ID_MISSING",
    "CONTRACT_UNQUALIFIED",
    "INSPECTION_NOT_RECORDED",
    "XRAY_NOT_RECORDED",
    "PROHIBITED_ITEM",
    "OVER_PERSONAL_LIMIT",
    "CBEC_SINGLE_LIMIT",
    "BRAND_PRICE_ANOMALY",
    "COMMERCIAL_QUANTITY",
    "WEIGHT_VALUE_MISMATCH",
    "RANDOM_AUDIT",
}
SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
SHIPPED: Policy = load_policy(DEFAULT_POLICY)
# Random audit at 20 % (a hash of the parcel key, so deterministic) and model thresholds low enough that a
# model reason fires on some generated parcels.
POLICY: Policy = SHIPPED.model_copy(
    update={
        "audit": Audit(random_rate=0.2),
        "model": ModelThresholds(inspect_threshold=0.45, hold_threshold=0.8, top_factors=5),
    }
)
PROPERTY = settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# Parties ---------------------------------------------------------------------------------------------------

CN_PLACES = [
    ("上海市", "上海市", "浦东新区", "张江路{n}号{b}号楼{f}01室"),
    ("北京市", "北京市", "朝阳区", "建国路{n}号万达广场{b}号楼{f}01"),
    ("广东省", "深圳市", "南山区", "科技园南区{n}栋{f}楼"),
    ("浙江省", "杭州市", "西湖区", "文三路{n}号{b}幢{f}室"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "解放北路{n}号{b}栋"),
    ("四川省", "成都市", "武侯区", "人民南路四段{n}号{b}栋{f}号"),
]
# country: (city, district, detail, dialling code, national number's first digits, digits after them)
ABROAD: dict[str, tuple[str, str | None, str, str, str, int]] = {
    "HK": ("Hong Kong", "Kowloon", "Flat {f}, {b}/F, {n} Nathan Road", "852", "9", 7),
    "MO": ("Macau", "Taipa", "Rua {n}, Bloco {b}", "853", "66", 6),
    "TW": ("台北市", "大安區", "忠孝東路{n}號{b}樓", "886", "9", 8),
    "JP": ("Tokyo", "Minato", "6-10-{n} Roppongi, {b}F", "81", "90", 8),
    "KR": ("Seoul", None, "Apt {n}-{b}0{f}, Gangnam-daero", "82", "10", 8),
    "US": ("New York", None, "{n} Broadway Apt {b}{f}", "1", "212", 7),
    "GB": ("London", None, "Flat {f}, {n} Baker Street", "44", "7", 9),
    "SG": ("Singapore", None, "{n} Orchard Road #{b}-{f}", "65", "8", 7),
    "AU": ("Sydney", None, "{n} George Street", "61", "4", 8),
    "RU": ("Moscow", None, "ul. Tverskaya {n}, kv. {b}", "7", "9", 9),
}
ID_TYPES = list(get_args(IdType))
METHODS = [None, "id_reader", "online_check", "face_match", "manual", "none"]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The agreement registry every engine and app starts with (协议客户): one for each status a contract may have.
AGREEMENTS = [
    Agreement(contract_id="HT-2026-OK", name="某电商旗舰店"),
    Agreement(contract_id="HT-2026-SUSP", name="停用客户", status="suspended"),
    Agreement(contract_id="HT-2001-OLD", name="过期客户", valid_until=date(2001, 1, 1)),
    Agreement(contract_id="HT-2090-NEW", name="未生效客户", valid_from=date(2090, 1, 1)),
    Agreement(contract_id="协议/SF/0042", name="顺丰协议客户", carrier="SF"),
]
# Not the one not yet valid: it has its own test (see below).
CONTRACT_IDS = [None, *(a.contract_id for a in AGREEMENTS if a.valid_from is None), "HT-UNKNOWN-1"]


def digits(n: int) -> st.SearchStrategy[str]:
    """n decimal digits."""
    return st.text("0123456789", min_size=n, max_size=n)


@st.composite
def citizen_number(draw: st.DrawFn, region: str | None = None) -> str:
    """An 18-character citizen number: mostly true, sometimes with a false check digit or birth date."""
    region = region or draw(st.sampled_from(["110105", "310115", "440305", "650102", "510104", "232700"]))
    born = draw(st.dates(date(1930, 1, 1), date(1999, 12, 31))).strftime("%Y%m%d")
    if draw(st.integers(0, 19)) == 19:  # a false birth date, or one that is true only much later or earlier
        born = draw(st.sampled_from(["19990231", "20011301", "19850000", "18900101", "20291231"]))
    body = region + born + draw(digits(3))
    check = ric.calc_check_digit(body + "0")
    if draw(st.integers(0, 19)) == 19:
        check = draw(st.sampled_from([c for c in "0123456789X" if c != check]))
    number = body + check
    return number.lower() if draw(st.booleans()) else number


@st.composite
def organisation_code(draw: st.DrawFn) -> str:
    """A unified social credit code, mostly with its true check character."""
    body = draw(st.sampled_from(["91", "92", "93", "12", "52"])) + draw(digits(6))
    body += draw(st.text(USCC_CHARS, min_size=9, max_size=9))
    check = uscc.calc_check_digit(body)
    if draw(st.integers(0, 7)) == 7:
        check = draw(st.sampled_from([c for c in USCC_CHARS if c != check]))
    return body + check


@st.composite
def document(draw: st.DrawFn) -> tuple[str | None, str | None]:
    """(id_type, id_number): none, a type alone, or a number of each document type."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return None, None
    id_type = draw(st.sampled_from(ID_TYPES))
    if kind == 1:
        return id_type, None
    if id_type in ("resident_id", "temporary_id"):
        return id_type, draw(citizen_number())
    if id_type in ("hk_macau_permit", "taiwan_permit") and draw(st.booleans()):
        region = "830000" if id_type == "taiwan_permit" else draw(st.sampled_from(["810000", "820000"]))
        return id_type, draw(citizen_number(region))  # a residence permit, numbered as a citizen
    number = {
        "military_id": st.builds(lambda d: f"南字第{d}号", digits(8)),
        "passport": st.builds(lambda a, d: a + d, st.sampled_from(["E", "EA", "G", "P", "K"]), digits(8)),
        "hk_macau_permit": st.builds(lambda a, d: a + d, st.sampled_from(["H", "M", "C"]), digits(10)),
        "taiwan_permit": st.builds(lambda a, d: a + d, st.just("T"), digits(10)),
        "foreign_resident": st.builds(lambda a, d: a + d, st.sampled_from(["USA", "GBR", "JPN"]), digits(12)),
        "uscc": organisation_code(),
        "other": st.builds(lambda a, d: f"{a}({d[:4]})-{d[4:]}", st.sampled_from(["OT", "QZ"]), digits(9)),
    }[id_type]
    return id_type, draw(number)


@st.composite
def phone_of(draw: st.DrawFn, country: str) -> str:
    """A possible phone number for a party in this country, in one of the ways couriers type them."""
    if country == "CN":
        mobile = draw(st.sampled_from(["13", "15", "18", "19", "16", "17"])) + draw(digits(9))
        if mobile.startswith("17") and mobile[2] == "9":
            mobile = "178" + mobile[3:]
        form = draw(st.integers(0, 4))
        if form == 1:
            return f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        if form == 2:
            return "0086-" + mobile
        if form == 3:
            return "010-6" + draw(digits(7))
        return mobile
    *_, code, lead, rest = ABROAD[country]
    number = lead + draw(digits(rest))
    if draw(st.integers(0, 5)) == 5:
        return "00" + code + number  # dialled from the mainland
    return f"+{code} {number}"


@st.composite
def address_of(draw: st.DrawFn, country: str) -> Body:
    """An address in the country: the mainland's with every part, abroad's with some."""
    n, b, f = draw(st.integers(1, 999)), draw(st.integers(1, 40)), draw(st.integers(1, 30))
    long = draw(st.integers(0, 9)) == 9
    if country == "CN":
        province, city, district, detail = draw(st.sampled_from(CN_PLACES))
        text = detail.format(n=n, b=b, f=f)
        if long:
            text = (text + "（近地铁站出口，放门卫处）" * 20)[:200]
        out: Body = {"country": country, "province": province, "city": city, "district": district}
        out["detail"] = text
        if draw(st.booleans()):
            out["postcode"] = draw(digits(6))
        return out
    town, quarter, form, *_ = ABROAD[country]
    text = form.format(n=n, b=b, f=f)
    if long:
        text = (text + ", near the ferry pier") * 10
        text = text[:200]
    out = {"country": country, "city": town, "detail": text}
    if quarter is not None:
        out["district"] = quarter
    if draw(st.booleans()):
        out["postcode"] = draw(st.sampled_from(["100-0001", "SW1A 1AA", "10001", "238801"]))
    return out


@st.composite
def party_in(draw: st.DrawFn, country: str) -> Body:
    """A person or organisation in a country: any document or none, verified or not, maybe under contract."""
    id_type, id_number = draw(document())
    long = draw(st.integers(0, 9)) == 9
    name = draw(
        st.sampled_from(["张伟", "李娜", "CHAN TAI MAN", "王芳 Wang Fang", "株式会社ミライ", "O'Brien-Smith"])
    )
    if long:
        name = (name + " ") * 40
        name = name[:200]
    out: Body = {
        "name": name,
        "phone": draw(phone_of(country)),
        "address": draw(address_of(country)),
    }
    if id_type is not None or draw(st.booleans()):
        out |= {
            "id_type": id_type,
            "id_number": id_number,
            "id_verified": draw(st.booleans()),
            "verification_method": draw(st.sampled_from(METHODS)),
        }
    if draw(st.integers(0, 5)) == 5:
        out |= {"customer_type": "contract", "contract_id": draw(st.sampled_from(CONTRACT_IDS))}
    return out


# Goods -----------------------------------------------------------------------------------------------------

GOODS = [
    "纯棉T恤",
    "cotton T-shirt",
    "面霜 face cream",
    "口红 lipstick",
    "蓝牙耳机 bluetooth earphones",
    "奶粉 milk powder",
    "维生素片",
    "ibuprofen tablets 布洛芬",
    "手机壳 phone case",
    "iPhone 15 手机壳",
    "茶叶 green tea",
    "书籍",
    "合同文件 documents",
    "信函",
    "汽车刹车片 brake pads",
    "儿童玩具 toy car",
    "真皮手提包 leather handbag",
    "运动鞋 sneakers",
    "香烟 cigarettes",
    "蔬菜种子",
    "瓷砖 ceramic tiles",
    "2 x 250g 坚果",
    "面霜, face cream.",
]
PROHIBITED = [
    "大麻",
    "枪支",
    "冰·毒",
    "鸦片",
    "烟花",
    "air rifle",
    "AK-47",
    "浓硫酸",
    "假身份证",
    "gunpowder",
]
SAFE = ["大麻哈鱼", "水枪", "枪炮、病菌与钢铁", "象牙黄", "假币检测仪", "temperature gun"]
BRAND_WORDS = [
    "Louis Vuitton",
    "路易·威登",
    "Gucci",
    "Rolex",
    "劳力士",
    "Dior",
    "Chanel",
    "耐克",
    "华为",
    "SK-II",
    "1:1 Rolex",
    "AAA quality Gucci",
    "山寨苹果手机",
    "假苹果",
    "fake",
]
BRANDS = [None, None, None, "Rolex", "Gucci", "Nike", "Dior", "Chanel", "Huawei", "无印良品"]
CATEGORIES = list(get_args(Category))
ODD_TEXT = st.text(
    st.characters(exclude_categories=["Cs", "Cc"], max_codepoint=0x1FAFF), min_size=1, max_size=12
).filter(lambda s: s.strip() != "")


@st.composite
def description(draw: st.DrawFn) -> str:
    """Chinese, English or mixed goods text; some with prohibited terms, their safe twins or brand words."""
    pools: list[st.SearchStrategy[str]] = [
        st.sampled_from(PROHIBITED),
        st.sampled_from(SAFE),
        st.sampled_from(BRAND_WORDS),
        st.sampled_from(BRAND_WORDS),
        ODD_TEXT,
    ]
    word = st.integers(0, 29).flatmap(lambda k: pools[k] if k < len(pools) else st.sampled_from(GOODS))
    words = draw(st.lists(word, min_size=1, max_size=3))
    text = " ".join(words)
    if draw(st.integers(0, 9)) == 9:
        text = (text + " ") * (300 // (len(text) + 1) + 1)
        text = text[:300].strip()
    return text


@st.composite
def item_line(draw: st.DrawFn, budget: int) -> Body:
    """One item line worth at most budget thousandths of the currency unit in all."""
    quantity = draw(st.one_of(st.integers(1, 12), st.integers(1, 1_000_000), st.just(1)))
    cap = budget // quantity
    scale = draw(st.sampled_from([10, 10, 1]))  # cents mostly; thousandths sometimes
    small, mid = min(cap, 100_000), min(cap, 2_000_000)
    units = draw(st.one_of(st.integers(0, small), st.integers(0, mid), st.integers(0, cap), st.just(cap)))
    units -= units % scale
    line: Body = {"description": draw(description()), "quantity": quantity, "unit_value": units / 1000}
    category = draw(st.one_of(st.none(), st.sampled_from(CATEGORIES)))
    if category is not None:
        line["category"] = category
    brand = draw(st.sampled_from(BRANDS))
    if brand is not None:
        line["brand"] = brand
    if draw(st.integers(0, 3)) == 3:
        line["hs_code"] = draw(st.text("0123456789", min_size=6, max_size=13))
    return line


@st.composite
def item_lines(draw: st.DrawFn) -> list[Body]:
    """1 to 100 item lines whose total stays within the contract's largest amount: a long list repeats a few
    drawn lines (one article over several lines, as a shop packs them)."""
    count = draw(st.one_of(st.integers(1, 4), st.sampled_from([12, 60, 100])))
    budget = MAX_AMOUNT * 1000 // count  # thousandths of the currency unit a line may reach
    drawn = [draw(item_line(budget)) for _ in range(min(count, draw(st.integers(1, 4))))]
    return [copy.deepcopy(drawn[k % len(drawn)]) for k in range(count)]


def declared(items: Sequence[Body]) -> float:
    """declared_value as the contract asks: Σ quantity × unit_value, to the fen."""
    total = sum((Decimal(str(i["unit_value"])) * i["quantity"] for i in items), Decimal(0))
    return float(to_fen(total))


# Waybills --------------------------------------------------------------------------------------------------

LANES = [(s, c) for s in ("domestic", "export", "import") for c in ("express", "postal", "cbec")]
CARRIERS = ["SF", "EMS", "YTO", "ZTO", "JD", "YD", "STO", "ABCDEFGH"]
# Down to 1e-20 kg: lighter parcels have their own test (a value per kg past float32, see below).
WEIGHTS = st.one_of(
    st.floats(0.05, 30.0),
    st.floats(1e-20, 100_000.0),
    st.sampled_from([1e-20, 1e-9, 0.049999, 0.05, 99_999.99, 100_000.0]),
)
DIMS = st.one_of(st.none(), st.lists(st.floats(0.0, 10_000.0, exclude_min=True), min_size=3, max_size=3))
OFFSETS = st.integers(-(23 * 60 + 59), 23 * 60 + 59)
START = datetime(2000, 1, 1, tzinfo=UTC)
END = datetime(2099, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
SPREADS = (0.0, 1.0, 8.0, 400.0)  # days a world's pickups spread over
CHECKED = st.integers(0, 4).map(bool)  # a pickup check recorded, mostly


@dataclass
class World:
    """Waybills in arrival order over a few shared parties and orders, with lists and violations of some."""

    bodies: list[Body]
    numbers: list[str] = field(default_factory=list)  # the parties' plain document numbers (not uscc)
    listed: list[ListEntry] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)


def stamp(moment: datetime, offset_minutes: int) -> str:
    """ISO-8601 with the offset, Z for UTC."""
    if offset_minutes == 0:
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat()


@st.composite
def order_for(draw: st.DrawFn, channel: str, pool: Sequence[tuple[str, str]]) -> Body | None:
    """An e-commerce order (a cbec parcel mostly has one; others sometimes), from a small pool of orders."""
    if draw(st.integers(0, 4 if channel == "cbec" else 1)) == 0:
        return None
    platform, order_id = draw(st.sampled_from(pool))
    order: Body = {"platform": platform, "order_id": order_id}
    if draw(st.booleans()):
        order["shop_id"] = "shop-" + draw(digits(4))
    if draw(st.booleans()):
        order["buyer_ip"] = draw(st.sampled_from(["203.0.113.7", "2001:db8::1", "198.51.100.23"]))
    if draw(st.booleans()):
        order["payment_account"] = "acct-" + draw(digits(5))
    return order


def with_own_number(draw: st.DrawFn, body: Body) -> None:
    """Sometimes a party's own document number, in any case, typed into a name, an address or the goods."""
    numbers = [p["id_number"] for p in (body["sender"], body["receiver"]) if p.get("id_number")]
    if not numbers or draw(st.integers(0, 2)) != 2:
        return
    number = draw(st.sampled_from(numbers))
    typed = draw(st.sampled_from([number.upper(), number.lower()]))
    where = draw(st.sampled_from(["description", "description", "name", "detail"]))
    if where == "description":
        line = draw(st.sampled_from(body["items"]))
        line["description"] = (draw(st.sampled_from(PROHIBITED + GOODS)) + " 身份证" + typed)[:300]
    else:
        who = body[draw(st.sampled_from(["sender", "receiver"]))]
        part = who if where == "name" else who["address"]
        part[where] = (part.get(where) or "")[:150] + " 证件" + typed


@st.composite
def marks(
    draw: st.DrawFn, parties: Sequence[Body], start: datetime
) -> tuple[list[ListEntry], list[Violation]]:
    """Watch or black list entries and confirmed violations (up to a year back) for some of the parties."""
    listed: list[ListEntry] = []
    violations: list[Violation] = []
    for n, p in enumerate(parties):
        if p.get("id_type") and p.get("id_number"):
            ref: Body = {"kind": "id", "id_type": p["id_type"], "value": p["id_number"]}
        else:
            ref = {"kind": "phone", "value": p["phone"], "country": p["address"]["country"]}
        mark = draw(st.integers(0, 9))
        if mark == 9:
            listed.append(ListEntry(**ref, list=draw(st.sampled_from(["watch", "black"]))))
        elif mark == 8:
            for k in range(draw(st.integers(1, 2))):
                at = max(start - timedelta(days=draw(st.floats(0.0, 400.0))), START)
                violations.append(Violation(**ref, at=at, parcel=f"SF:V{n:03d}{k}"))
    return listed, violations


@st.composite
def worlds(
    draw: st.DrawFn,
    min_size: int = 1,
    max_size: int = 6,
    resends: bool = True,
    spreads: Sequence[float] = SPREADS,
    ring: bool | None = None,
) -> World:
    """Waybills over shared parties: lanes, currencies, values, weights and times of every kind; a third of
    the worlds an ant-moving pattern (one person's cross-border parcels just under the limit, one article,
    hours apart, to or from several others)."""
    size = draw(st.integers(min_size, max_size))
    ring = draw(st.integers(0, 2)) == 2 if ring is None else ring
    countries = draw(st.lists(st.sampled_from(sorted(ABROAD)), min_size=3 if ring else 1, max_size=4))
    mainland = draw(st.lists(party_in("CN"), min_size=1, max_size=3))
    abroad = [draw(party_in(c)) for c in countries]
    orders = [
        (draw(st.sampled_from(["tmall", "jd", "xianyu", "淘宝"])), f"O-{draw(digits(6))}")
        for _ in range(draw(st.integers(1, 3)))
    ]
    spread = draw(st.sampled_from(spreads))
    start = draw(st.datetimes(START.replace(tzinfo=None), END.replace(tzinfo=None), timezones=st.just(UTC)))
    prefix = draw(st.sampled_from(["", "W", "SF-", "jd", "X-0-"]))
    ring_lane = (draw(st.sampled_from(["export", "import"])), draw(st.sampled_from(["postal", "express"])))
    ring_goods = draw(st.sampled_from(["面霜 face cream", "奶粉", "Rolex watch 手表", "维生素片"]))
    ring_hours = draw(st.sampled_from([0.0, 0.4, 3.0, 20.0]))
    bodies: list[Body] = []
    for k in range(size):
        service, channel = ring_lane if ring else draw(st.sampled_from(LANES))
        if ring and service == "export":
            sender, receiver = mainland[0], abroad[k % len(abroad)]
        elif ring:
            sender, receiver = abroad[k % len(abroad)], mainland[0]
        elif service == "domestic":
            sender, receiver = draw(st.sampled_from(mainland)), draw(st.sampled_from(mainland))
        elif service == "export":
            sender, receiver = draw(st.sampled_from(mainland)), draw(st.sampled_from(abroad))
        else:
            sender, receiver = draw(st.sampled_from(abroad)), draw(st.sampled_from(mainland))
        moment = min(start + timedelta(days=draw(st.floats(0.0, spread))), END)
        items = draw(item_lines())
        if ring:
            abroad_country = (receiver if service == "export" else sender)["address"]["country"]
            limit = 800.0 if abroad_country in ("HK", "MO", "TW") else 1000.0
            under, over = st.floats(0.9 * limit, limit - 0.01), st.floats(limit, 1.2 * limit)
            value = round(draw(st.one_of(under, over)), 2)
            items = [{"description": ring_goods, "category": "cosmetics", "quantity": 1, "unit_value": value}]
            moment = min(start + timedelta(hours=k * ring_hours), END)
        body: Body = {
            "waybill_no": (prefix + f"{k:04d}" + draw(digits(draw(st.integers(4, 20)))))[:32],
            "carrier": draw(st.sampled_from(CARRIERS)),
            "outlet_id": draw(st.sampled_from(["SF-310115-0042", "网点-7", "O" * 64])),
            "accepted_at": stamp(moment, draw(OFFSETS)),
            "service": service,
            "channel": channel,
            "sender": copy.deepcopy(sender),
            "receiver": copy.deepcopy(receiver),
            "items": items,
            "currency": "CNY" if ring else draw(st.sampled_from(sorted(DEFAULT_RATES))),
            "declared_value": declared(items),
            "weight_kg": draw(WEIGHTS),
            "pickup_checks": {"opened_inspection": draw(CHECKED), "xray_screened": draw(CHECKED)},
        }
        if draw(st.booleans()):
            body["courier_id"] = draw(st.sampled_from(["C-88213", "快递员小王", "c" * 200]))
        dims = draw(DIMS)
        if dims is not None:
            body["dims_cm"] = dims
        order = draw(order_for(channel, orders))
        if order is not None:
            body["order"] = order
        with_own_number(draw, body)
        bodies.append(body)
        if resends and draw(st.integers(0, 5)) == 5:
            again = copy.deepcopy(draw(st.sampled_from(bodies)))
            if draw(st.booleans()):  # a correction: the courier fixed the checks and weighed again
                again["pickup_checks"] = {"opened_inspection": True, "xray_screened": True}
                again["weight_kg"] = draw(WEIGHTS)
            bodies.append(again)
    parties = [*mainland, *abroad]
    listed, violations = draw(marks(parties, start))
    numbers = {p["id_number"].upper() for p in parties if p.get("id_number") and p.get("id_type") != "uscc"}
    return World(bodies=bodies, numbers=sorted(numbers), listed=listed, violations=violations)


def unique_orders(world: World) -> list[Body]:
    """The world's bodies with every order its own (so no cbec transaction spans parcels)."""
    out = copy.deepcopy(world.bodies)
    for i, body in enumerate(out):
        if body.get("order") and body["order"].get("order_id"):
            body["order"]["order_id"] += f"-{i}"
    return out


# The model: a small booster on the service's features, trained on spread-out synthetic rows --------------


@functools.cache
def synthetic_booster() -> bytes:
    """A small booster whose trees split over the wide ranges generated waybills reach (values, weights,
    counts): scores spread over [0, 1] and model reasons fire on some parcels."""
    rng = np.random.default_rng(3)
    n = len(FEATURE_NAMES)
    magnitude = rng.uniform(-3, 9, size=(600, n))
    x = np.where(rng.random((600, n)) < 0.3, rng.integers(0, 3, size=(600, n)), 10**magnitude)
    x = np.where(rng.random((600, n)) < 0.1, np.nan, x).astype(np.float32)
    per_kg = np.nan_to_num(x[:, FEATURE_NAMES.index("value_per_kg")])
    value = np.nan_to_num(x[:, FEATURE_NAMES.index("value_cny")])
    y = ((per_kg > 1e6) | (value > 2e4)).astype(np.float32)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 3, "eta": 0.5, "nthread": 1, "seed": 1},
        xgb.DMatrix(x, label=y, feature_names=list(FEATURE_NAMES)),
        num_boost_round=6,
    )
    return bytes(booster.save_raw("ubj"))


def synthetic_scorer() -> ModelScorer:
    """A scorer on the synthetic booster (one per engine: a scorer keeps its last vector)."""
    booster = xgb.Booster()
    booster.load_model(bytearray(synthetic_booster()))
    return ModelScorer(model=BoosterModel(booster), features=FeatureSet(band=0.9), version="prop-synthetic")


# Engines, apps and views -----------------------------------------------------------------------------------


class CountingLog:
    """A decision sink that counts appends (the decision log's part of "changes nothing")."""

    def __init__(self) -> None:
        self.appended = 0

    def append(self, **_: Any) -> None:
        """Count one scoring."""
        self.appended += 1

    def last_scoring(self, **_: Any) -> None:
        """Nothing is kept."""

    def close(self) -> None:
        """Nothing to commit."""


class DownHistory(EmbeddedHistoryStore):
    """A history store that never answers (Redis unreachable)."""

    async def observe(self, **_: Any) -> NoReturn:
        """Unreachable."""
        raise HistoryUnavailable("history store down")

    async def observe_many(self, *_: Any, **__: Any) -> NoReturn:
        """Unreachable."""
        raise HistoryUnavailable("history store down")

    async def recall(self, **_: Any) -> NoReturn:
        """Unreachable."""
        raise HistoryUnavailable("history store down")

    async def remember_many(self, *_: Any, **__: Any) -> NoReturn:
        """Unreachable."""
        raise HistoryUnavailable("history store down")

    async def remember_soon(self, *_: Any, **__: Any) -> NoReturn:
        """Unreachable."""
        raise HistoryUnavailable("history store down")

    async def forget(self, **_: Any) -> NoReturn:
        """Unreachable."""
        raise HistoryUnavailable("history store down")


@asynccontextmanager
async def fresh(
    world: World | None = None, *, model: bool = True, settings_of: Callable[[Path], Settings] | None = None
) -> AsyncIterator[Engine]:
    """A fresh engine (embedded store unless settings_of says otherwise) in its own data dir, with the
    agreements, the world's lists and violations, and the synthetic model."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        e = build_engine(settings_of(data) if settings_of else Settings(env="development", data_dir=data))
        if e.log is not None:
            e.log.close()
        e.log = CountingLog()
        e.policy = POLICY
        e.agreements.upsert(AGREEMENTS)
        e.scorer = synthetic_scorer() if model else None
        await e.start()
        if world is not None:
            await e.set_listed(world.listed)
            await e.record_violations(world.violations)
        try:
            yield e
        finally:
            await e.close()


async def one_by_one(e: Engine, bodies: Sequence[Body]) -> list[Decision]:
    """Bodies decided one after the other."""
    return [await e.decide(Waybill.model_validate(b)) for b in bodies]


def view(d: Decision) -> tuple[Any, ...]:
    """What a decision says, without the clock."""
    return (
        d.waybill_no,
        d.carrier,
        d.decision,
        [(r.code, r.outcome, r.message, r.message_en, r.evidence) for r in d.reasons],
        d.risk_score,
        d.case_id,
        d.model_version,
        d.policy_version,
    )


def stateless_view(d: Decision) -> list[tuple[str, str, str]]:
    """The reasons of the rules that read the waybill alone, as (code, outcome, evidence)."""
    return [
        (r.code, r.outcome, json.dumps(r.evidence, sort_keys=True)) for r in d.reasons if r.code in STATELESS
    ]


def single_article(body: Body) -> bool:
    """One item line of quantity 1 (RULES.md: OVER_PERSONAL_LIMIT inspects such a parcel)."""
    return len(body["items"]) == 1 and body["items"][0]["quantity"] == 1


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def assert_decision_keeps_the_contract(body: Body, d: Body, *, with_cases: bool) -> None:
    """Every invariant the contract and RULES.md state for one answer."""
    assert (d["waybill_no"], d["carrier"]) == (body["waybill_no"], body["carrier"])
    reasons = d["reasons"]
    outcomes = [r["outcome"] for r in reasons]
    assert d["decision"] == max(outcomes, key=SEVERITY.__getitem__, default="release"), d
    ranks = [SEVERITY[o] for o in outcomes]
    assert ranks == sorted(ranks, reverse=True), outcomes
    texts = " ".join(i["description"] for i in body["items"])
    for r in reasons:
        assert r["code"] in CATALOGUE and r["outcome"] in CATALOGUE[r["code"]], r
        if r["code"] == "OVER_PERSONAL_LIMIT":
            assert r["outcome"] == ("inspect" if single_article(body) else "hold"), r
        if r["code"] == "HISTORY_UNAVAILABLE":
            assert r["outcome"] == ("release" if body["service"] == "domestic" else "inspect"), r
        for text in (r["message"], r["message_en"]):
            assert isinstance(text, str) and text.strip(), r
            assert all(p in texts for p in PLACEHOLDER.findall(text)), (r["code"], text)
        assert isinstance(r["evidence"], dict)
        json.dumps(r["evidence"], allow_nan=False)
    score = d["risk_score"]
    assert isinstance(score, int | float) and math.isfinite(score) and 0.0 <= score <= 1.0, score
    if with_cases:
        assert (d["case_id"] is not None) == (d["decision"] == "hold"), d
    assert d["model_version"] and d["policy_version"] == POLICY.version


def decision_counts() -> dict[str, float]:
    """The service's decision counters by outcome."""
    return {
        outcome: REGISTRY.get_sample_value("screening_decisions_total", {"decision": outcome}) or 0.0
        for outcome in SEVERITY
    }


def history_snapshot(e: Engine) -> dict[str, tuple[Any, ...]]:
    """Every entity's history in the embedded store, as counted: its events, their order, first seen, cbec
    sums, violations and what the cap let go (not which of two parcels of one instant it saw first)."""
    assert isinstance(e.history, EmbeddedHistoryStore)
    return {
        key: copy.deepcopy(
            (
                s.events,
                s.order,
                s.domestic,
                s.first_seen,
                s.cbec,
                s.cbec_sums,
                s.violations,
                s.dropped_until,
                s.dropped_hours,
            )
        )
        for key, s in e.history._entities.items()
    }


# An app for the HTTP properties ---------------------------------------------------------------------------


class Captured(logging.Handler):
    """Every log record as its message and attributes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's text and attributes."""
        self.lines.append(record.getMessage() + repr(record.__dict__))


LOGGERS = ("screening", "uvicorn", "uvicorn.error", "")


@dataclass
class Service:
    """A started development app with the model and the agreements, its HTTP client and a log capture."""

    http: TestClient
    logs: Captured
    serial: Iterator[int]

    def numbered(self, bodies: Sequence[Body]) -> list[Body]:
        """The bodies under waybill numbers no earlier example of the module used (one app serves all)."""
        out = copy.deepcopy(list(bodies))
        run = next(self.serial)
        for b in out:
            b["waybill_no"] = f"R{run:05d}" + b["waybill_no"][-26:]
        return out


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One app for the module's HTTP properties, its log records captured at DEBUG."""
    data = tmp_path_factory.mktemp("properties") / "data"
    app = create_app(Settings(env="development", data_dir=data, log_level="DEBUG"))
    logs = Captured()
    root_level = logging.getLogger().level
    with TestClient(app, raise_server_exceptions=False) as http:
        engine: Engine = app.state.engine
        engine.policy = POLICY
        engine.agreements.upsert(AGREEMENTS)
        engine.scorer = synthetic_scorer()
        for name in LOGGERS:
            logging.getLogger(name).addHandler(logs)
        logging.getLogger().setLevel(logging.DEBUG)
        try:
            yield Service(http=http, logs=logs, serial=itertools.count(1))
        finally:
            for name in LOGGERS:
                logging.getLogger(name).removeHandler(logs)
            logging.getLogger().setLevel(root_level)


def scored(service: Service, body: Body) -> Body:
    """POST /v1/score: a 200 with a decision (never a 5xx for a valid waybill)."""
    r = service.http.post("/v1/score", json=body)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    out: Body = r.json()
    return out


# Properties over HTTP ---------------------------------------------------------------------------------------


@settings(PROPERTY, max_examples=40)
@given(world=worlds(min_size=1, max_size=3))
def test_every_generated_waybill_is_answered_with_a_decision_that_keeps_the_contract(
    service: Service, world: World
) -> None:
    for body in service.numbered(world.bodies):
        assert_decision_keeps_the_contract(body, scored(service, body), with_cases=True)


@settings(PROPERTY, max_examples=10)
@given(world=worlds(min_size=2, max_size=8))
def test_a_generated_batch_over_http_answers_every_slot_with_a_decision_that_keeps_the_contract(
    service: Service, world: World
) -> None:
    bodies = service.numbered(world.bodies)
    r = service.http.post("/v1/score/batch", json={"waybills": bodies})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    decisions = r.json()["decisions"]
    assert len(decisions) == len(bodies)
    for body, d in zip(bodies, decisions, strict=True):
        assert "error" not in d, d
        assert_decision_keeps_the_contract(body, d, with_cases=True)


def leaks(numbers: Sequence[str], bodies: Sequence[Body], texts: Sequence[str]) -> list[tuple[str, str]]:
    """(number, text) for each party number, or its first 17 characters, found in a text, in any case."""
    needles = {n for number in numbers for n in (number, number[:17]) if len(n) >= 9}
    echoed = " ".join(b["waybill_no"] for b in bodies).upper()  # a waybill number is echoed, as it should
    return [(n, t[:300]) for t in texts for n in sorted(needles) if n not in echoed and n in t.upper()]


@settings(PROPERTY, max_examples=30)
@given(world=worlds(min_size=1, max_size=4))
def test_no_party_id_number_appears_in_any_answer_or_log_line_even_typed_into_names_addresses_or_goods(
    service: Service, world: World
) -> None:
    bodies = service.numbered(world.bodies)
    service.logs.lines.clear()
    answers = [service.http.post("/v1/score", json=b).text for b in bodies]
    answers.append(service.http.post("/v1/score/batch", json={"waybills": bodies}).text)
    assert not leaks(world.numbers, bodies, [*answers, *service.logs.lines])


# Properties over the engine ---------------------------------------------------------------------------------


@settings(PROPERTY, max_examples=30)
@given(world=worlds(min_size=1, max_size=6))
async def test_every_decision_on_listed_and_prior_violators_keeps_the_contract_with_strict_json_evidence(
    world: World,
) -> None:
    async with fresh(world) as e:
        for body in world.bodies:
            d = await e.decide(Waybill.model_validate(body))
            assert_decision_keeps_the_contract(body, d.model_dump(mode="json"), with_cases=False)


HISTORY_RULES = {
    "NEAR_LIMIT_SPLIT",
    "ANT_MOVING_SENDER",
    "ANT_MOVING_RECEIVER",
    "SAME_GOODS_FANOUT",
    "CBEC_ANNUAL_LIMIT",
    "VELOCITY_SPIKE",
    "WATCHLIST_HIT",
    "PRIOR_VIOLATIONS",
}


@settings(PROPERTY, max_examples=20)
@given(world=worlds(min_size=1, max_size=5))
async def test_with_the_history_down_every_waybill_is_decided_on_its_own_with_history_unavailable(
    world: World,
) -> None:
    async with fresh(world) as e:
        e.history = DownHistory()
        singles = await one_by_one(e, world.bodies)
        batched = await e.decide_batch(world.bodies)
    for body, d, b in zip(world.bodies, singles, batched, strict=True):
        assert isinstance(b, Decision)
        for decision in (d, b):
            assert_decision_keeps_the_contract(body, decision.model_dump(mode="json"), with_cases=False)
            codes = [r.code for r in decision.reasons]
            assert codes.count("HISTORY_UNAVAILABLE") == 1 and not HISTORY_RULES & set(codes), codes


STORES = [pytest.param("embedded"), pytest.param("redis", marks=[pytest.mark.redis])]


@pytest.mark.parametrize("store", STORES)
@settings(PROPERTY, max_examples=15)
@given(world=worlds(min_size=2, max_size=8))
async def test_a_batch_of_generated_waybills_decides_as_one_by_one_on_a_fresh_engine(
    request: pytest.FixtureRequest, store: str, world: World
) -> None:
    def settings_of(data: Path) -> Settings:
        return store_settings(request, store, data)

    async with fresh(world, settings_of=settings_of) as e:
        singles = await one_by_one(e, world.bodies)
    async with fresh(world, settings_of=settings_of) as e:
        batched = await e.decide_batch(world.bodies)
    assert not [d for d in batched if isinstance(d, BatchError)]
    assert [view(d) for d in batched if isinstance(d, Decision)] == [view(d) for d in singles]


@settings(PROPERTY, max_examples=20)
@given(world=worlds(min_size=1, max_size=6, resends=False, spreads=(0.0, 1.0, 8.0)), data=st.data())
async def test_a_body_re_sent_gets_the_identical_decision_and_changes_no_history_count(
    world: World, data: st.DataObject
) -> None:
    async with fresh(world) as e:
        first = await one_by_one(e, world.bodies)
        assert isinstance(e.log, CountingLog)
        logged, counted, history = e.log.appended, decision_counts(), history_snapshot(e)
        picks = data.draw(st.lists(st.integers(0, len(world.bodies) - 1), min_size=1, max_size=4))
        for k in picks:
            assert await e.decide(Waybill.model_validate(copy.deepcopy(world.bodies[k]))) == first[k]
        assert history_snapshot(e) == history
        assert (e.log.appended, decision_counts()) == (logged, counted)


@settings(PROPERTY, max_examples=20)
@given(world=worlds(min_size=2, max_size=7, resends=False), data=st.data())
async def test_the_stateless_reasons_of_each_waybill_do_not_depend_on_the_order_they_arrive_in(
    world: World, data: st.DataObject
) -> None:
    bodies = unique_orders(world)
    order = data.draw(st.permutations(range(len(bodies))))
    async with fresh(world) as e:
        in_order = await one_by_one(e, bodies)
    async with fresh(world) as e:
        shuffled = await one_by_one(e, [bodies[i] for i in order])
    for position, i in enumerate(order):
        assert stateless_view(shuffled[position]) == stateless_view(in_order[i]), bodies[i]["waybill_no"]


@st.composite
def informational_changes(draw: st.DrawFn, bodies: list[Body]) -> list[Body]:
    """The bodies with the fields no rule reads changed: outlet, courier, dimensions, HS codes, postcodes, the
    shop, and the parties' names (the README knows people by document, else phone). A body sent twice is
    changed alike both times (a re-send stays a re-send; a changed body is scored again, as it should be)."""
    changed: dict[str, Body] = {}
    for original in bodies:
        key = json.dumps(original, sort_keys=True)
        if key in changed:
            continue
        body = copy.deepcopy(original)
        body["outlet_id"] = draw(st.sampled_from(["JD-440305-0001", "另一个网点", "Z"]))
        body["courier_id"] = draw(st.sampled_from([None, "C-00001", "新快递员"]))
        body["dims_cm"] = draw(DIMS)
        hs_code = draw(st.sampled_from([None, "330410", "8517130000000"]))
        for line in body["items"]:
            line["hs_code"] = hs_code
        for role in ("sender", "receiver"):
            body[role]["name"] = draw(st.sampled_from(["赵六", "SOMEONE ELSE", body[role]["name"].lower()]))
            body[role]["address"]["postcode"] = draw(st.sampled_from([None, "999077", "00000"]))
        if body.get("order"):
            body["order"]["shop_id"] = draw(st.sampled_from([None, "shop-other"]))
        changed[key] = body
    return [copy.deepcopy(changed[json.dumps(b, sort_keys=True)]) for b in bodies]


@settings(PROPERTY, max_examples=20)
@given(world=worlds(min_size=1, max_size=6), data=st.data())
async def test_changing_only_informational_fields_of_every_waybill_changes_no_decision(
    world: World, data: st.DataObject
) -> None:
    changed = data.draw(informational_changes(world.bodies))
    async with fresh(world) as e:
        plain = await one_by_one(e, world.bodies)
    async with fresh(world) as e:
        other = await one_by_one(e, changed)
    assert [view(d) for d in other] == [view(d) for d in plain]


# Suspected bugs: strict xfails, each with the minimal example hypothesis found ------------------------------

SHRUNK_PARTY: Body = {
    "name": "张伟",
    "phone": "13000000000",
    "address": {
        "country": "CN",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "detail": "张江路1号1号楼101室",
    },
}
# The waybills hypothesis shrank the failures below to: an export to Sydney of one jar at 900 CNY, and a
# domestic parcel of one line worth 0 AUD.
SHRUNK_EXPORT: Body = {
    "waybill_no": "00000000",
    "carrier": "SF",
    "outlet_id": "SF-310115-0042",
    "accepted_at": "2000-01-01T00:00:00Z",
    "service": "export",
    "channel": "postal",
    "sender": SHRUNK_PARTY,
    "receiver": {
        "name": "张伟",
        "phone": "+61 400000000",
        "address": {"country": "AU", "city": "Sydney", "detail": "1 George Street"},
    },
    "items": [
        {"description": "面霜 face cream", "category": "cosmetics", "quantity": 1, "unit_value": 900.0}
    ],
    "currency": "CNY",
    "declared_value": 900.0,
    "weight_kg": 1.0,
    "pickup_checks": {"opened_inspection": False, "xray_screened": False},
}
SHRUNK_DOMESTIC: Body = merge(
    SHRUNK_EXPORT,
    {
        "service": "domestic",
        "channel": "express",
        "receiver": Whole(SHRUNK_PARTY),
        "items": [{"description": "大麻", "quantity": 1, "unit_value": 0.0}],
        "currency": "AUD",
        "declared_value": 0.0,
    },
)


@settings(PROPERTY, max_examples=10)
@example(world=World(bodies=[SHRUNK_EXPORT]), weight=5e-324)
@given(world=worlds(min_size=1, max_size=1, resends=False), weight=st.floats(5e-324, 1e-27))
def test_a_valid_parcel_lighter_than_1e_27_kg_is_answered_with_a_decision(
    service: Service, world: World, weight: float
) -> None:
    [body] = service.numbered(world.bodies)
    body["weight_kg"] = weight
    assert_decision_keeps_the_contract(body, scored(service, body), with_cases=True)


@settings(PROPERTY, max_examples=10)
@example(world=World(bodies=[SHRUNK_DOMESTIC]))
@given(world=worlds(min_size=1, max_size=2, resends=False))
def test_an_agreement_customer_whose_agreement_is_not_yet_valid_is_held_as_unqualified(
    service: Service, world: World
) -> None:
    for body in service.numbered(world.bodies):
        body["sender"] |= {"customer_type": "contract", "contract_id": "HT-2090-NEW"}
        body["accepted_at"] = min(body["accepted_at"], "2089-12-01T00:00:00+08:00")
        d = scored(service, body)
        assert_decision_keeps_the_contract(body, d, with_cases=True)
        [unqualified] = [r for r in d["reasons"] if r["code"] == "CONTRACT_UNQUALIFIED"]
        assert (unqualified["outcome"], unqualified["evidence"]["status"]) == ("hold", "not_yet_valid")


@settings(PROPERTY, max_examples=10)
@example(world=World(bodies=[SHRUNK_DOMESTIC]), number="110105199901010008", term="大麻")
@given(
    world=worlds(min_size=1, max_size=1, resends=False),
    number=citizen_number(),
    term=st.sampled_from(PROHIBITED),
)
def test_a_senders_17_digit_id_body_typed_into_quoted_goods_is_never_answered_plain(
    service: Service, world: World, number: str, term: str
) -> None:
    [body] = service.numbered(world.bodies)
    number = number.upper()
    body["sender"] |= {"id_type": "resident_id", "id_number": number}
    body["items"][0]["description"] = f"{term} 身份证{number[:17]}"
    assert not leaks([number], [body], [service.http.post("/v1/score", json=body).text])


# The suspected bug's consequence on a decision: five ants picked up in four hours, two parcels of the sender
# a month later, the five re-sent unchanged, then a sixth ant of the first day arriving late.
ANTS_THEN_A_MONTH_LATER = World(bodies=[dict(b) for b in ant_ring(7)])


@pytest.mark.xfail(
    strict=True,
    reason="known gap (README): re-sent unchanged bodies whose events the history had trimmed (a month "
    "behind the sender's newest parcels) are put back (Engine.decide observes, adding events, before it "
    "sees a re-send), so a late parcel of their day is held for ants it must not see; a re-send changes "
    "nothing",
)
@pytest.mark.parametrize("store", STORES)
@settings(PROPERTY, max_examples=8)
@example(world=World(bodies=[merge(SHRUNK_EXPORT, {"waybill_no": f"000{k}0000"}) for k in range(4)]), early=1)
@example(world=ANTS_THEN_A_MONTH_LATER, early=5)
@given(world=worlds(min_size=4, max_size=7, resends=False, ring=True), early=st.integers(1, 5))
async def test_bodies_re_sent_after_their_history_was_trimmed_change_no_history_and_no_later_decision(
    request: pytest.FixtureRequest, store: str, world: World, early: int
) -> None:
    def settings_of(data: Path) -> Settings:
        return store_settings(request, store, data)

    bodies = copy.deepcopy(world.bodies)
    early = min(early, len(bodies) - 2)
    base = min(datetime.fromisoformat(bodies[0]["accepted_at"]), datetime(2099, 11, 1, tzinfo=UTC))
    for k, body in enumerate(bodies):  # the first parcels, then two or more a month later
        body["accepted_at"] = (base + timedelta(days=0 if k < early else 31, hours=k)).isoformat()
    # A late parcel of the first day, picked up after the first parcels: its windows hold them, if anything.
    picked = base + timedelta(hours=early - 1, minutes=30)
    late = merge(bodies[0], {"waybill_no": "LATE00000001", "accepted_at": picked.isoformat()})
    async with fresh(settings_of=settings_of) as e:
        await one_by_one(e, bodies)
        [alone] = await one_by_one(e, [late])
    async with fresh(settings_of=settings_of) as e:
        first = await one_by_one(e, bodies)
        embedded = isinstance(e.history, EmbeddedHistoryStore)
        history = history_snapshot(e) if embedded else {}
        for k, body in enumerate(bodies[:early]):
            assert await e.decide(Waybill.model_validate(copy.deepcopy(body))) == first[k]
        changed = embedded and history_snapshot(e) != history
        [after_resends] = await one_by_one(e, [late])
    assert view(after_resends) == view(alone)
    assert not changed
