"""Metamorphic invariants: two related inputs whose decisions must relate as RULES.md says, without working
either answer out from scratch.

Written from ../shared/domain/RULES.md §3 (every reason and its outcome; L is the lane's per-parcel limit;
the final decision is the most severe outcome; RANDOM_AUDIT is a hash of (carrier, waybill_no); windows are
in event time; ant moving, near-limit splits and same-goods fan-out count cross-border parcels only; every
rule is "≥ N" or "over" a policy threshold), §1 (the limits; the calendar year of the cbec quota; 刑法
art. 153 adds a person's parcels up), ../shared/contract/README.md (idempotency: the same body gets the same
decision and counts once; (carrier, waybill_no) identifies a parcel; a batch is scored in request order as
one by one; `accepted_at` carries its offset; all values in the request's currency),
../shared/ARCHITECTURE.md (event time, never wall-clock, so a replay computes the same; severity reject >
hold > inspect > release; thresholds are policy values) and the README ("who is the same entity": one phone
however typed, one building however typed, one citizen number whatever its document; people named by ID,
else phone; goods are one description however cased, spaced or punctuated; units of one article over
several lines add up; a ring through two carriers is one cluster; only cbec imports count in a buyer's
year; a window holds the parcels picked up at the same instant and seen before).

Most tests score one small world of parcels (an export ring to Macau, postal imports from Hong Kong to one
receiver, a cbec buyer's purchases, personal articles over their limits, domestic filler) on a fresh engine
(no model), then score a related world on another fresh engine, and compare decision, reasons, outcomes and
evidence parcel by parcel. Stateless relations score single parcels.

Readings used here, where the sources leave a choice:
- A party's name is not who they are (the README names people by ID, else phone): a name written with other
  spacing, width or case, or another name altogether on the same ID and phone, changes no count.
- The "main" article of a parcel whose two dearest lines are worth the same is not settled by which line was
  typed first: the order of item lines changes no decision (evidence naming a line by its index may move).
- Monotonicity is asserted only where every rule involved is "over" or "at least" in the raised quantity: a
  parcel's own value or units, with its value per kg kept inside its category's band and no brand (a band
  and a brand floor are things a dearer parcel can leave); an extra parcel that meets a ring's conditions
  (each under L); a count threshold lowered, a band widened or narrowed towards more hits. Lowering L itself
  is not monotone (a ring parcel can leave the ring by passing it) and is not tested so.
- Changing a waybill number is neutral only with random audit off (the draw is the number's); with audit on,
  which parcels are drawn depends on (carrier, waybill_no) alone, not on names, times or offsets.
"""

import copy
import itertools
import json
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from screening.contract import SEVERITY, BatchError, Decision, Waybill
from screening.engine import Engine, build_engine
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.conftest import ScoringClient
from tests.factories import (
    BASE_TIME,
    BEIJING,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    macau_receiver,
    party,
    resident_id,
    waybill,
)

pytestmark = pytest.mark.anyio

Body = dict[str, Any]
SHIPPED: Policy = load_policy(DEFAULT_POLICY)
# Random audit off, as the conftest's `policy`: a parcel's outcome does not hang on its number.
POLICY: Policy = SHIPPED.model_copy(update={"audit": Audit(random_rate=0.0)})
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")
PROPERTY = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# Engines and views ----------------------------------------------------------------------------------------


@asynccontextmanager
async def fresh(policy: Policy = POLICY) -> AsyncIterator[Engine]:
    """A fresh engine on the embedded store, in its own data dir, with no model."""
    with tempfile.TemporaryDirectory() as folder:
        e = build_engine(Settings(env="development", data_dir=Path(folder) / "data"))
        e.policy = policy
        try:
            yield e
        finally:
            await e.close()


async def run(bodies: Sequence[Body], policy: Policy = POLICY) -> list[Decision]:
    """The bodies scored one by one, in order, on a fresh engine."""
    async with fresh(policy) as e:
        return [await e.decide(Waybill.model_validate(b)) for b in bodies]


async def one(body: Body, policy: Policy = POLICY) -> Decision:
    """One body scored on a fresh engine."""
    [d] = await run([body], policy)
    return d


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def pairs(d: Decision) -> list[tuple[str, str]]:
    """(code, outcome) of each reason, in the answer's order."""
    return [(r.code, r.outcome) for r in d.reasons]


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason (fails when it is absent)."""
    found = [r.evidence for r in d.reasons if r.code == code]
    assert found, f"{code} not in {pairs(d)}"
    return found[0]


def _strip(value: Any, ignore: frozenset[str], rename: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (sorted(rename.get(n, n) for n in v) if k == "linked_waybills" else _strip(v, ignore, rename))
            for k, v in value.items()
            if k not in ignore
        }
    if isinstance(value, list):
        return [_strip(v, ignore, rename) for v in value]
    return value


def view(
    d: Decision, ignore: frozenset[str] = frozenset(), rename: dict[str, str] | None = None
) -> tuple[Any, ...]:
    """What a decision says: outcome, reasons in order with their evidence, score (not clock or number).

    ignore: evidence keys that echo the body's own writing; rename: waybill numbers of the other world.
    """
    reasons = [(r.code, r.outcome, _strip(r.evidence, ignore, rename or {})) for r in d.reasons]
    return (d.decision, reasons, d.risk_score, d.policy_version)


def most_severe(outcomes: Sequence[str]) -> str:
    """The most severe of some outcomes (release when there are none)."""
    return max(outcomes, key=SEVERITY.__getitem__, default="release")


def severity(d: Decision) -> int:
    """The rank of a decision: release 0 < inspect < hold < reject."""
    return SEVERITY[d.decision]


# The world --------------------------------------------------------------------------------------------------

T0 = BASE_TIME


def at(hours: float, tz: timezone | None = None) -> str:
    """A pickup time hours after T0, written with the Beijing offset or tz."""
    moment = T0 + timedelta(hours=hours)
    return (moment.astimezone(tz) if tz is not None else moment).isoformat()


RING_ID = resident_id(region="310115", birth="19850312", seq="101")
RING_ID_X = "31011519850312104X"  # the same region and birth date; its check character is X
RING_SENDER = party(
    name="王芳",
    phone="13700001111",
    address={"district": "浦东新区", "detail": "碧波路690号1号楼301室"},
    id_number=RING_ID,
)
OVER_SENDER = party(
    name="刘洋",
    phone="13700002222",
    address={"district": "徐汇区", "detail": "漕溪北路18号2号楼1202室"},
    id_number=resident_id(region="310104", birth="19790101", seq="215"),
)
FILLER_SENDER = party(
    name="陈静",
    phone="13700003333",
    address={"district": "静安区", "detail": "南京西路1266号5号楼901室"},
    id_number=resident_id(region="310106", birth="19920620", seq="038"),
)
IMPORT_RECEIVER = cn_receiver(name="赵磊", phone="13912340000")
BUILDING = "建国路93号万达广场8号楼1201"  # IMPORT_RECEIVER's (cn_receiver's) building
BUYER = cn_receiver(
    name="孙丽",
    phone="13912345601",
    address={"detail": "望京街10号2号楼1505"},
    id_type="resident_id",
    id_number=resident_id(region="320102", birth="19880808", seq="201"),
    id_verified=True,
    verification_method="online_check",
)
SHOP = hk_receiver(name="HK SHOP 7", phone="+85293000007", address={"detail": "7 Canton Road"})


def hk_sender(n: int) -> Body:
    """The n-th private sender in Hong Kong (no ID: the sender abroad gives none)."""
    return hk_receiver(name=f"SENDER {n}", phone=f"+8529100{n:04d}", address={"detail": f"{n} Queen's Road"})


def japan_receiver() -> Body:
    """A receiver in Tokyo (limit 1,000 CNY)."""
    return hk_receiver(
        name="SATO HANAKO",
        phone="+81312345601",
        address={"country": "JP", "city": "Tokyo", "district": "Minato", "detail": "1-2-3 Roppongi"},
    )


def cream(value: float) -> list[Body]:
    """A jar of face cream worth value with a lip balm beside it (two articles)."""
    return [
        item(
            description="面霜 face cream", category="cosmetics", quantity=1, unit_value=round(value - 30.0, 2)
        ),
        item(description="润唇膏 lip balm", category="cosmetics", quantity=1, unit_value=30.0),
    ]


def ring_parcel(i: int, hours: float) -> Body:
    """The i-th parcel of the export ring (value 742 + i, just under 800, to the i % 5-th Macau receiver)."""
    return export_postal(
        sender=RING_SENDER, receiver=macau_receiver(i % 5), items=cream(742.0 + i), weight_kg=0.5
    ) | {"accepted_at": at(hours)}


def postal_import(i: int, hours: float) -> Body:
    """A postal import from the i-th Hong Kong sender to IMPORT_RECEIVER (650 + 2i CNY)."""
    return waybill(
        service="import",
        channel="postal",
        sender=hk_sender(i),
        receiver=IMPORT_RECEIVER,
        items=[
            item(description="奶粉 milk powder", category="food", quantity=2, unit_value=300.0 + i),
            item(description="维生素 vitamins", category="food", quantity=1, unit_value=50.0),
        ],
        weight_kg=2.0,
        accepted_at=at(hours),
    )


def purchase(i: int, hours: float) -> Body:
    """The buyer's i-th cbec purchase: three jars of serum, 4,500 CNY (in the 0.9 × 5,000 band)."""
    return waybill(
        service="import",
        channel="cbec",
        sender=SHOP,
        receiver=BUYER,
        items=[item(description="精华液 serum", category="cosmetics", quantity=3, unit_value=1500.0)],
        weight_kg=0.9,
        order={"platform": "tmall-global", "order_id": f"O-{i}", "payment_account": "acct-77"},
        accepted_at=at(hours),
    )


def world() -> list[Body]:
    """The small world, in pickup order: every history rule of RULES.md fires somewhere in it.

    Waybill numbers are MT + a group letter + a serial: R the export ring, I the postal imports to one
    receiver, C the cbec purchases, O one sender's personal articles over their limits, F domestic filler.
    """
    serial = {tag: itertools.count(1) for tag in "RICOF"}
    bodies: list[tuple[float, Body]] = []

    def add(tag: str, hours: float, body: Body) -> None:
        body["waybill_no"] = f"MT{tag}{next(serial[tag]):06d}"
        body["accepted_at"] = at(hours)
        bodies.append((hours, body))

    # An export ring: one sender, five receivers in Macau, each parcel just under 800 CNY, every 30 min.
    for i in range(9):
        add("R", 0.5 * i, ring_parcel(i, 0.5 * i))
    # Postal imports from six people in Hong Kong to one receiver in Beijing over six days.
    for i in range(6):
        add("I", 1.0 + 24.0 * i, postal_import(i, 0.0))
    # A buyer's cbec purchases: the sixth passes 26,000 CNY in the year.
    for i in range(6):
        add("C", 2.0 + 20.0 * i, purchase(i, 0.0))
    # Personal articles: over the limit in two lines (held); a single article over it (inspected); twelve
    # T-shirts in two lines (commercial quantity); a wrong value per kg.
    over = {"sender": OVER_SENDER, "receiver": japan_receiver()}
    add(
        "O",
        3.0,
        export_postal(
            items=[
                item(
                    description="蓝牙耳机 bluetooth earphones",
                    category="electronics",
                    quantity=1,
                    unit_value=900.0,
                ),
                item(description="手机壳 phone case", category="electronics", quantity=2, unit_value=80.0),
            ],
            weight_kg=0.4,
            **over,
        ),
    )
    add(
        "O",
        3.5,
        export_postal(
            items=[
                item(description="单反相机 camera", category="electronics", quantity=1, unit_value=1800.0)
            ],
            weight_kg=1.2,
            **over,
        ),
    )
    add(
        "O",
        4.5,
        export_postal(
            items=[
                item(
                    description="纯棉T恤 cotton T-shirt",
                    category="apparel_shoes",
                    quantity=7,
                    unit_value=40.0,
                ),
                item(
                    description="纯棉T恤 cotton T-shirt",
                    category="apparel_shoes",
                    quantity=5,
                    unit_value=40.0,
                ),
            ],
            weight_kg=2.5,
            **over,
        ),
    )
    add(
        "O",
        5.0,
        export_postal(
            items=[
                item(
                    description="纯棉T恤 cotton T-shirt",
                    category="apparel_shoes",
                    quantity=1,
                    unit_value=15.0,
                )
            ],
            weight_kg=3.0,
            **over,
        ),
    )
    # Domestic filler.
    for i in range(3):
        add("F", 0.25 + 6.0 * i, waybill(sender=FILLER_SENDER, receiver=cn_receiver()))
    return [b for _, b in sorted(bodies, key=lambda x: x[0])]


WORLD = world()
_BASE: list[list[Decision]] = []


async def base() -> list[Decision]:
    """WORLD scored one by one on a fresh engine (scored once per test session)."""
    if not _BASE:
        _BASE.append(await run(WORLD))
    return _BASE[0]


def numbers(tag: str, bodies: Sequence[Body] = WORLD) -> list[str]:
    """The waybill numbers of one group of the world, in pickup order."""
    return [b["waybill_no"] for b in bodies if b["waybill_no"][2] == tag]


def by_number(bodies: Sequence[Body], decisions: Sequence[Decision]) -> dict[str, Decision]:
    """Decisions by waybill number."""
    return {b["waybill_no"]: d for b, d in zip(bodies, decisions, strict=True)}


def varied(bodies: Sequence[Body], change: Callable[[Body, int], None], tags: str = "RICOF") -> list[Body]:
    """A copy of the bodies, change(body, k) applied to each body of the groups in tags (k: index there)."""
    out = copy.deepcopy(list(bodies))
    seen: dict[str, int] = {}
    for b in out:
        tag = b["waybill_no"][2]
        if tag in tags:
            change(b, seen.get(tag, 0))
            seen[tag] = seen.get(tag, 0) + 1
    return out


def retimed(
    bodies: Sequence[Body], delta: timedelta = timedelta(0), writing: Callable[[datetime], str] | None = None
) -> list[Body]:
    """The bodies with every pickup moved by delta and written by writing (default: its own offset)."""

    def change(b: Body, _: int) -> None:
        moment = datetime.fromisoformat(b["accepted_at"]) + delta
        b["accepted_at"] = writing(moment) if writing is not None else moment.isoformat()

    return varied(bodies, change)


def in_offset(tz: timezone, z: bool = False) -> Callable[[datetime], str]:
    """A writer of instants in one UTC offset (z: UTC written with Z)."""

    def write(moment: datetime) -> str:
        text = moment.astimezone(tz).isoformat()
        return text.replace("+00:00", "Z") if z else text

    return write


def assert_alike(
    want: Sequence[Decision],
    got: Sequence[Decision],
    *,
    ignore: frozenset[str] = frozenset(),
    rename: dict[str, str] | None = None,
    label: Sequence[str] = (),
) -> None:
    """Two worlds' decisions say the same, slot by slot; each is the most severe of its reasons."""
    assert len(got) == len(want)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        assert g.decision == most_severe([r.outcome for r in g.reasons])
        name = label[i] if i < len(label) else str(i)
        assert view(g, ignore, rename) == view(w, ignore), f"slot {name}: {pairs(w)} became {pairs(g)}"


async def assert_world_alike(
    bodies: Sequence[Body], *, ignore: frozenset[str] = frozenset(), rename: dict[str, str] | None = None
) -> None:
    """A rewritten world (slot by slot the same parcels as WORLD) decides as WORLD."""
    assert_alike(
        await base(), await run(bodies), ignore=ignore, rename=rename, label=[b["waybill_no"] for b in WORLD]
    )


# The world itself: what the equalities below compare ------------------------------------------------------


async def test_the_world_fires_every_history_rule_it_is_built_for() -> None:
    """RULES.md §3: both rings, near-limit splits, fan-out, the cbec year and the limits fire in the world."""
    got = by_number(WORLD, await base())
    assert pairs(got["MTR000006"]) == [
        ("ANT_MOVING_SENDER", "hold"),
        ("NEAR_LIMIT_SPLIT", "inspect"),
        ("SAME_GOODS_FANOUT", "inspect"),
    ]
    assert got["MTR000003"].decision == "inspect" and codes(got["MTR000003"]) == {"NEAR_LIMIT_SPLIT"}
    assert got["MTR000002"].decision == "release"
    assert codes(got["MTI000005"]) == {"ANT_MOVING_RECEIVER", "SAME_GOODS_FANOUT"}
    assert got["MTI000004"].decision == "release"
    assert codes(got["MTC000006"]) == {"CBEC_ANNUAL_LIMIT", "NEAR_LIMIT_SPLIT"}
    assert got["MTC000005"].decision == "inspect"
    assert [got[n].decision for n in numbers("O")] == ["hold", "inspect", "inspect", "inspect"]
    assert all(got[n].decision == "release" for n in numbers("F"))


# Renaming -------------------------------------------------------------------------------------------------


async def test_renumbering_every_waybill_changes_no_decision() -> None:
    """Contract: (carrier, waybill_no) only identifies a parcel; with audit off no rule reads the number."""

    def renumber(b: Body, _: int) -> None:
        b["waybill_no"] = "QZ-" + b["waybill_no"][::-1]

    bodies = varied(WORLD, renumber)
    rename = {b["waybill_no"]: w["waybill_no"] for b, w in zip(bodies, WORLD, strict=True)}
    await assert_world_alike(bodies, rename=rename)


async def test_renaming_every_party_changes_no_decision() -> None:
    """README: people are named alike by ID, else phone; a name is not who someone is."""

    def rename(b: Body, _: int) -> None:
        for side in ("sender", "receiver"):
            b[side]["name"] = "X" + b[side]["name"][::-1]

    await assert_world_alike(varied(WORLD, rename))


async def test_one_name_written_with_other_spacing_width_and_case_on_each_parcel_changes_nothing() -> None:
    """README: distinct senders and receivers are people named alike by ID, else by phone, not by name."""
    ring_names = ["王芳", "王 芳", "王　芳", " 王芳 "]
    receiver_names = ["RECEIVER {n}", "receiver {n}", "Receiver  {n}", "ＲＥＣＥＩＶＥＲ {n}"]

    def write(b: Body, k: int) -> None:
        if b["waybill_no"][2] == "R":
            b["sender"]["name"] = ring_names[k % 4]
            n = int(b["receiver"]["phone"][-4:])
            b["receiver"]["name"] = receiver_names[k % 4].format(n=n)
        else:
            b["receiver"]["name"] = ["赵磊", "赵 磊", "趙磊"][k % 3]

    await assert_world_alike(varied(WORLD, write, tags="RI"))


async def test_the_ring_handed_to_another_person_is_held_alike() -> None:
    """RULES.md §3: ANT_MOVING_SENDER is one sender, whoever: another ID, phone and home, the same ring."""
    other = party(
        name="周杰",
        phone="15900007777",
        address={"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路100号4幢502"},
        id_number=resident_id(region="330106", birth="19900704", seq="333"),
    )

    def hand_over(b: Body, _: int) -> None:
        b["sender"] = copy.deepcopy(other)

    await assert_world_alike(varied(WORLD, hand_over, tags="R"))


async def test_the_ring_receivers_exchanged_among_themselves_change_nothing() -> None:
    """RULES.md §3: the ring counts distinct receivers; which of five gets which parcel does not matter."""

    def rotate(b: Body, k: int) -> None:
        b["receiver"] = macau_receiver((k + 2) % 5)

    await assert_world_alike(varied(WORLD, rotate, tags="R"))


@pytest.mark.parametrize("country", ["HK", "TW"])
async def test_the_ring_sent_to_another_territory_of_the_same_limit_is_held_alike(country: str) -> None:
    """RULES.md §1: Hong Kong, Macau and Taiwan share the 800 CNY limit; the ring is the same ring there."""
    city = {"HK": "Hong Kong", "TW": "Taipei"}[country]
    prefix = {"HK": "+8529300", "TW": "+8869120"}[country]

    def move(b: Body, _: int) -> None:
        n = int(b["receiver"]["phone"][-4:])
        b["receiver"] = hk_receiver(
            name=f"RECEIVER {n}",
            phone=f"{prefix}{n:04d}",
            address={"country": country, "city": city, "district": None, "detail": f"{n} Harbour Road"},
        )

    await assert_world_alike(varied(WORLD, move, tags="R"))


async def test_the_ring_moved_to_japan_with_every_value_scaled_to_its_limit_is_held_alike() -> None:
    """RULES.md §3: ring, band and totals are multiples of L; L is 1,000 to Japan, 800 to Macau (×1.25)."""

    def to_japan(b: Body, k: int) -> None:
        b["receiver"] = hk_receiver(
            name=f"RECEIVER {k % 5}",
            phone=f"+8131234{k % 5:04d}",
            address={"country": "JP", "city": "Osaka", "district": "Kita", "detail": f"{k % 5}-1 Umeda"},
        )
        for line in b["items"]:
            line["unit_value"] = round(line["unit_value"] * 1.25, 2)
        b["declared_value"] = round(b["declared_value"] * 1.25, 2)
        b["weight_kg"] = round(b["weight_kg"] * 1.25, 3)

    bodies = varied(WORLD, to_japan, tags="R")
    got = by_number(bodies, await run(bodies))
    want = by_number(WORLD, await base())
    for n in numbers("R"):
        assert pairs(got[n]) == pairs(want[n]), n
        for code in codes(want[n]):
            w, g = evidence(want[n], code), evidence(got[n], code)
            for key in (
                "parcels",
                "distinct_receivers",
                "near_limit_parcels",
                "counterparts",
                "linked_waybills",
            ):
                assert g.get(key) == w.get(key), (n, code, key)
            for key in ("per_parcel_limit", "total_value"):
                if key in w:
                    assert g[key] == pytest.approx(w[key] * 1.25), (n, code, key)
            if "band" in w:
                assert g["band"] == pytest.approx([x * 1.25 for x in w["band"]]), (n, code)


async def test_the_whole_world_under_another_carrier_and_its_outlets_decides_alike() -> None:
    """README: history is kept per entity, not per carrier; no rule reads the carrier or outlet."""

    def carry(b: Body, _: int) -> None:
        b["carrier"] = "YTO"
        b["outlet_id"] = "YTO-110105-0007"

    await assert_world_alike(varied(WORLD, carry))


async def test_a_ring_spread_over_two_carriers_is_held_as_over_one() -> None:
    """README: one sender's ring sent through two carriers is one ring (history is per entity)."""

    def alternate(b: Body, k: int) -> None:
        if k % 2:
            b["carrier"] = "ZTO"
            b["outlet_id"] = "ZTO-310115-0101"

    await assert_world_alike(varied(WORLD, alternate, tags="RIC"))


async def test_one_waybill_number_under_nine_carriers_is_nine_parcels_of_the_ring() -> None:
    """Contract: (carrier, waybill_no) identifies a parcel; one number under nine carriers is nine parcels."""
    carriers = ["SF", "EMS", "YTO", "ZTO", "STO", "YD", "JD", "DHL", "UPS"]

    def same_number(b: Body, k: int) -> None:
        b["carrier"] = carriers[k]
        b["waybill_no"] = "MTR000001"

    bodies = varied(WORLD, same_number, tags="R")
    got = [d for b, d in zip(bodies, await run(bodies), strict=True) if b["waybill_no"] == "MTR000001"]
    want = [by_number(WORLD, await base())[n] for n in numbers("R")]
    assert [g.carrier for g in got] == carriers
    assert_alike(want, got, ignore=frozenset({"linked_waybills"}))


async def test_other_outlets_couriers_and_no_dimensions_or_postcodes_change_nothing() -> None:
    """RULES.md §3: no rule reads the outlet, the courier, the dimensions or a postcode."""

    def strip(b: Body, k: int) -> None:
        b["outlet_id"] = f"SF-999999-{k:04d}"
        b["courier_id"] = None if k % 2 else f"C-{k}"
        b.pop("dims_cm", None)
        for side in ("sender", "receiver"):
            b[side]["address"].pop("postcode", None)

    await assert_world_alike(varied(WORLD, strip))


async def test_an_order_of_its_own_on_every_parcel_changes_nothing() -> None:
    """RULES.md §3: a payment account or buyer IP used once ties no parcels together."""

    def order(b: Body, k: int) -> None:
        if b.get("order") is None:
            tag = b["waybill_no"]
            b["order"] = {
                "platform": "shop",
                "order_id": f"O-{tag}",
                "payment_account": f"acct-{tag}",
                "buyer_ip": f"198.51.100.{k + 10}",
            }

    await assert_world_alike(varied(WORLD, order, tags="RIOF"))


async def test_values_declared_in_dollars_decide_as_their_yuan() -> None:
    """Contract: one currency for all values of a request; limits are in CNY at the configured rate (7.1)."""
    usd = [105.0 + i * 0.25 for i in range(9)]  # 745.5 to 759.7 CNY: just under 800

    def ring(values: list[float], currency: str) -> list[Body]:
        return [
            ring_parcel(i, 0.5 * i)
            | {
                "waybill_no": f"MTR{i + 1:06d}",
                "currency": currency,
                "items": [
                    item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=v)
                ],
                "declared_value": v,
            }
            for i, v in enumerate(values)
        ]

    in_yuan = await run(ring([round(v * 7.1, 2) for v in usd], "CNY"))
    in_dollars = await run(ring(usd, "USD"))
    assert [pairs(d) for d in in_dollars] == [pairs(d) for d in in_yuan]
    assert in_dollars[5].decision == "hold"
    assert evidence(in_dollars[8], "ANT_MOVING_SENDER")["total_value"] == pytest.approx(
        evidence(in_yuan[8], "ANT_MOVING_SENDER")["total_value"], abs=0.05
    )


# Typing one identifier differently ------------------------------------------------------------------------

SENDER_PHONES = [
    "13700001111",
    "+86 137 0000 1111",
    "0086-137-0000-1111",
    "１３７００００１１１１",
    "(+86) 137-0000-1111",
    "137 0000 1111",
    "+8613700001111",
    "0086 13700001111",
    "137-0000-1111",
]


def hired(b: Body, k: int) -> None:
    """The k-th ring parcel handed over by a hired sender of their own (ID, home) on the ring's phone."""
    b["sender"] = party(
        name=f"雇员{k}",
        phone="13700001111",
        address={"district": "闵行区", "detail": f"莘庄路{k + 1}号{k + 1}号楼101"},
        id_number=resident_id(region="310112", birth="19950101", seq=f"{300 + k}"),
    )


async def test_hired_senders_on_one_phone_in_nine_writings_are_held_as_on_one_writing() -> None:
    """README: one phone however typed (+86, 0086, separators, full-width digits) is one sender phone."""
    same = varied(WORLD, hired, tags="R")

    def typed(b: Body, k: int) -> None:
        b["sender"]["phone"] = SENDER_PHONES[k]

    want = await run(same)
    assert "ANT_MOVING_SENDER" in codes(by_number(same, want)["MTR000006"])
    assert_alike(want, await run(varied(same, typed, tags="R")))


async def test_the_ring_receivers_phones_in_other_writings_are_still_five_receivers() -> None:
    """README: a foreign number dialled 00… from the mainland, or with separators, is the same phone."""
    writings = ["+853 6612 {n}", "00853{n8}", "+853-6612-{n}", "(+853) 6612{n}", "＋８５３６６１２{nw}"]

    def typed(b: Body, k: int) -> None:
        n = b["receiver"]["phone"][-4:]
        b["receiver"]["phone"] = writings[k % 5].format(n=n, n8="6612" + n, nw=n.translate(FULL_WIDTH))

    await assert_world_alike(varied(WORLD, typed, tags="R"))


RECEIVER_PHONES = {
    "mobile": [
        "13912340000",
        "+86 139 1234 0000",
        "0086-139-1234-0000",
        "１３９１２３４００００",
        "139 1234 0000",
        "(+86)139-1234-0000",
    ],
    # A Beijing landline, once without its area code: the receiver's address is in Beijing (010).
    "landline": [
        "010-65529988",
        "6552 9988",
        "+86 10 6552 9988",
        "0086-10-65529988",
        "(010)6552-9988",
        "０１０６５５２９９８８",
    ],
}


@pytest.mark.parametrize("kind", list(RECEIVER_PHONES))
async def test_a_receiver_known_by_phone_alone_in_six_writings_is_held_as_on_one(kind: str) -> None:
    """RULES.md §3: ANT_MOVING_RECEIVER by receiver phone; README: one phone however typed (landlines too)."""
    writings = RECEIVER_PHONES[kind]

    def elsewhere(b: Body, k: int) -> None:
        b["receiver"]["address"]["detail"] = f"光华路{10 + k}号{k + 2}号楼{k + 1}01"
        b["receiver"]["phone"] = writings[0]

    def typed(b: Body, k: int) -> None:
        b["receiver"]["phone"] = writings[k]

    same = varied(WORLD, elsewhere, tags="I")
    want = await run(same)
    assert evidence(by_number(same, want)["MTI000005"], "ANT_MOVING_RECEIVER")["entity"] == "receiver_phone"
    assert_alike(want, await run(varied(same, typed, tags="I")))


async def test_a_receiver_known_by_building_alone_in_six_writings_is_held_as_on_one() -> None:
    """README: one building however typed (号楼/栋/幢, full-width digits, flats and floors dropped)."""
    writings = [
        BUILDING,
        "建国路93号万达广场8栋1201",
        "建国路９３号万达广场８号楼",
        "建国路93号万达广场8幢2单元1502室",
        "北京市朝阳区建国路93号万达广场8号楼",
        "建国路 93 号，万达广场 8 号楼 12层1203",
    ]

    def own_phone(b: Body, k: int) -> None:
        b["receiver"]["phone"] = f"1362222{k:04d}"

    def typed(b: Body, k: int) -> None:
        b["receiver"]["address"]["detail"] = writings[k]

    same = varied(WORLD, own_phone, tags="I")
    want = await run(same)
    assert evidence(by_number(same, want)["MTI000005"], "ANT_MOVING_RECEIVER")["entity"] == "receiver_address"
    assert_alike(want, await run(varied(same, typed, tags="I")))


async def test_hired_senders_at_one_building_in_nine_writings_decide_as_at_one_writing() -> None:
    """RULES.md §3: near-limit and same-goods count one entity's parcels; README: one building, any form."""
    writings = [
        "碧波路690号1号楼301室",
        "碧波路690号1栋502",
        "碧波路６９０号１号楼",
        "碧波路690号1幢2单元201室",
        "上海市浦东新区碧波路690号1号楼",
        "碧波路 690 号，1 号楼 3层302",
        "碧波路690号1号楼1201",
        "碧波路690号1栋",
        "碧波路690號1號樓",
    ]

    def own_phone(b: Body, k: int) -> None:
        hired(b, k)
        b["sender"]["phone"] = f"1590000{k:04d}"
        b["sender"]["address"] = copy.deepcopy(RING_SENDER["address"])

    def typed(b: Body, k: int) -> None:
        b["sender"]["address"]["detail"] = writings[k]

    same = varied(WORLD, own_phone, tags="R")
    want = await run(same)
    got = by_number(same, want)
    assert evidence(got["MTR000003"], "NEAR_LIMIT_SPLIT")["entity"] == "sender_address"
    assert evidence(got["MTR000005"], "SAME_GOODS_FANOUT")["entity"] == "sender_address"
    assert_alike(want, await run(varied(same, typed, tags="R")))


async def test_three_hong_kong_senders_writing_their_phones_two_ways_are_still_three_senders() -> None:
    """README: a receiver's distinct senders are named by phone when no ID is asked; one phone, any form."""

    def three(b: Body, k: int) -> None:
        b["sender"] = hk_sender(k % 3)

    writings = ["00852 9100 {n}", "9100{n}", "+852-9100-{n}"]

    def typed(b: Body, k: int) -> None:
        if k >= 3:
            n = b["sender"]["phone"][-4:]
            b["sender"]["phone"] = writings[k % 3].format(n=n)

    same = varied(WORLD, three, tags="I")
    want = await run(same)
    assert evidence(by_number(same, want)["MTI000005"], "ANT_MOVING_RECEIVER")["distinct_senders"] == 3
    assert_alike(want, await run(varied(same, typed, tags="I")))


async def test_an_id_ending_in_x_written_lower_case_or_padded_is_one_sender() -> None:
    """Contract/README: a lower-case x is the same number; RULES.md §3 counts one sender by ID."""
    writings = [RING_ID_X, RING_ID_X.lower(), f" {RING_ID_X} ", f"{RING_ID_X.lower()} "]

    def with_x(b: Body, _: int) -> None:
        b["sender"]["id_number"] = RING_ID_X

    def typed(b: Body, k: int) -> None:
        b["sender"]["id_number"] = writings[k % 4]

    same = varied(WORLD, with_x, tags="R")
    want = await run(same)
    assert "ANT_MOVING_SENDER" in codes(want[[b["waybill_no"] for b in same].index("MTR000006")])
    assert_alike(want, await run(varied(same, typed, tags="R")))


async def test_a_temporary_id_of_the_same_number_is_the_same_sender() -> None:
    """README: one citizen number is one person; a temporary ID matches the resident ID of the same number."""

    def temporary(b: Body, k: int) -> None:
        if k % 2:
            b["sender"]["id_type"] = "temporary_id"

    await assert_world_alike(varied(WORLD, temporary, tags="R"))


async def test_goods_cased_spaced_and_punctuated_otherwise_on_each_parcel_change_nothing() -> None:
    """README: goods are one description however cased, spaced or punctuated (`面霜, face cream.`)."""
    creams = [
        "面霜 face cream",
        "面霜, Face Cream.",
        "面霜  FACE  CREAM",
        "面霜，face cream！",
        " 面霜 face cream ",
    ]
    powders = ["奶粉 milk powder", "奶粉, Milk Powder.", "奶粉 MILK POWDER", "奶粉；milk  powder"]
    shirts = ["纯棉T恤 cotton T-shirt", "纯棉T恤, COTTON T-SHIRT."]

    def typed(b: Body, k: int) -> None:
        tag = b["waybill_no"][2]
        for j, line in enumerate(b["items"]):
            if line["description"] == "面霜 face cream":
                line["description"] = creams[k % len(creams)]
            elif line["description"] == "奶粉 milk powder":
                line["description"] = powders[k % len(powders)]
            elif line["description"] == "纯棉T恤 cotton T-shirt" and tag == "O":
                line["description"] = shirts[j % 2]

    await assert_world_alike(varied(WORLD, typed, tags="RIO"), ignore=frozenset({"description"}))


# Time: the same instants written otherwise, or every instant moved alike -----------------------------------


@pytest.mark.parametrize(
    "delta",
    [timedelta(seconds=1), timedelta(hours=-37.5), timedelta(days=7), timedelta(days=-200)],
    ids=["one-second", "a-day-and-a-half-back", "a-week-on", "200-days-back"],
)
async def test_every_pickup_moved_by_the_same_amount_changes_no_decision(delta: timedelta) -> None:
    """ARCHITECTURE.md: windows are in event time, never wall-clock (the world stays inside 2026)."""
    await assert_world_alike(retimed(WORLD, delta))


@pytest.mark.parametrize(
    ("tz", "z"),
    [
        (UTC, True),
        (UTC, False),
        (timezone(timedelta(hours=-5)), False),
        (timezone(timedelta(hours=5, minutes=45)), False),
        (timezone(timedelta(hours=14)), False),
        (timezone(timedelta(hours=-12)), False),
    ],
    ids=["Z", "+00:00", "-05:00", "+05:45", "+14:00", "-12:00"],
)
async def test_every_pickup_written_in_another_offset_changes_no_decision(tz: timezone, z: bool) -> None:
    """Contract: accepted_at carries its offset; the same instant in any offset is the same pickup."""
    await assert_world_alike(retimed(WORLD, writing=in_offset(tz, z)))


@PROPERTY
@given(
    shift_s=st.integers(-250 * 86400, 40 * 86400),
    offsets=st.lists(st.integers(-12 * 4, 14 * 4), min_size=1, max_size=5),
)
async def test_any_common_shift_with_each_pickup_in_any_offset_changes_no_decision(
    shift_s: int, offsets: list[int]
) -> None:
    """ARCHITECTURE.md: event time; the contract: an offset only says how the instant is written."""
    cycle = itertools.cycle(offsets)

    def write(moment: datetime) -> str:
        return moment.astimezone(timezone(timedelta(minutes=15 * next(cycle)))).isoformat()

    await assert_world_alike(retimed(WORLD, timedelta(seconds=shift_s), write))


async def test_a_shift_across_new_year_splits_only_the_cbec_year() -> None:
    """RULES.md §1: 26,000 CNY per person per calendar year; every window of §3 is elapsed event time."""
    # Purchases 1-3 fall in 2026 and 4-6 in 2027 (Beijing); 3 × 4,500 is under 26,000 in each year.
    delta = datetime(2027, 1, 1, tzinfo=BEIJING) - (T0 + timedelta(hours=52))
    bodies = retimed(WORLD, delta)
    got = by_number(bodies, await run(bodies))
    want = by_number(WORLD, await base())
    for n, w in want.items():
        if n != "MTC000006":
            assert view(got[n]) == view(w), n
    last = got["MTC000006"]
    assert "CBEC_ANNUAL_LIMIT" not in codes(last)
    assert pairs(last) == [p for p in pairs(want["MTC000006"]) if p[0] != "CBEC_ANNUAL_LIMIT"]
    assert last.decision == "inspect"


async def test_the_ring_picked_up_at_one_instant_is_held_as_picked_up_over_four_hours() -> None:
    """README: a window holds the parcels picked up at the same instant and seen before this one."""

    def one_instant(b: Body, _: int) -> None:
        b["accepted_at"] = at(0.0)

    await assert_world_alike(varied(WORLD, one_instant, tags="R"))


def probes(hours: float = 130.0) -> list[Body]:
    """Parcels picked up after the whole world: one more of each group."""
    return [
        ring_parcel(9, hours) | {"waybill_no": "PRR000001"},
        postal_import(7, hours) | {"waybill_no": "PRI000001"},
        purchase(7, hours) | {"waybill_no": "PRC000001"},
        export_postal(
            sender=OVER_SENDER,
            receiver=japan_receiver(),
            items=[item(quantity=3, unit_value=100.0)],
            waybill_no="PRO000001",
            accepted_at=at(hours),
        ),
    ]


async def probed(arrival: Sequence[Body]) -> list[Decision]:
    """The probes' decisions after the bodies arrived in this order."""
    decisions = await run([*arrival, *probes()])
    return decisions[len(arrival) :]


@PROPERTY
@given(order=st.permutations(range(len(WORLD))))
async def test_a_parcel_after_the_whole_world_is_decided_alike_whatever_order_the_world_arrived_in(
    order: list[int],
) -> None:
    """README: history in event time, so late events land in the windows event time demands."""
    want = await probed(WORLD)
    assert [d.decision for d in want] == ["hold", "hold", "hold", "release"]
    assert_alike(want, await probed([WORLD[i] for i in order]))


async def test_the_world_arriving_last_picked_up_first_leaves_the_same_history() -> None:
    """README: late events land in the windows event time demands; the probes after all of it agree."""
    assert_alike(await probed(WORLD), await probed(WORLD[::-1]))


# Item lines -------------------------------------------------------------------------------------------------


async def test_item_lines_in_reverse_order_change_no_decision() -> None:
    """Contract: items is a list of declared contents; no rule of RULES.md §3 reads their order."""

    def reverse(b: Body, _: int) -> None:
        b["items"].reverse()

    await assert_world_alike(varied(WORLD, reverse), ignore=frozenset({"item", "items"}))


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
async def test_three_lines_of_a_ring_parcel_in_any_order_are_decided_alike(order: tuple[int, ...]) -> None:
    """README: SAME_GOODS_FANOUT counts each article of a parcel on any line of the others."""

    def third_line(b: Body, _: int) -> None:
        b["items"].append(
            item(description="护手霜 hand cream", category="cosmetics", quantity=1, unit_value=20.0)
        )
        b["declared_value"] = round(b["declared_value"] + 20.0, 2)

    three = varied(WORLD, third_line, tags="R")

    def shuffle(b: Body, _: int) -> None:
        b["items"] = [b["items"][i] for i in order]

    assert_alike(
        await run(three), await run(varied(three, shuffle, tags="R")), ignore=frozenset({"item", "items"})
    )


async def test_the_world_with_its_tie_lines_reversed_is_decided_as_in_order() -> None:
    """Reading: the order of item lines changes no decision, also when the dearest lines tie."""

    def tie(reverse: bool) -> Callable[[Body, int], None]:
        def change(b: Body, k: int) -> None:
            half = round(b["declared_value"] / 2, 2)
            lines = [
                item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=half),
                item(description=f"香水{k} perfume {k}", category="cosmetics", quantity=1, unit_value=half),
            ]
            b["items"] = lines[::-1] if reverse else lines
            b["declared_value"] = round(2 * half, 2)

        return change

    in_order = await run(varied(WORLD, tie(False), tags="R"))
    assert_alike(in_order, await run(varied(WORLD, tie(True), tags="R")), ignore=frozenset({"item", "items"}))
    got = by_number(WORLD, in_order)
    assert "SAME_GOODS_FANOUT" in codes(got["MTR000005"])
    assert codes(got["MTR000006"]) >= {"ANT_MOVING_SENDER", "NEAR_LIMIT_SPLIT", "SAME_GOODS_FANOUT"}


async def test_twelve_t_shirts_in_one_line_or_twelve_lines_decide_as_seven_and_five() -> None:
    """README: COMMERCIAL_QUANTITY adds up the units of lines with one description (3 + 3 jars are 6)."""
    shirt = {"description": "纯棉T恤 cotton T-shirt", "category": "apparel_shoes", "unit_value": 40.0}
    for lines in ([item(quantity=12, **shirt)], [item(quantity=1, **shirt) for _ in range(12)]):

        def split(b: Body, k: int, lines: list[Body] = lines) -> None:
            if k == 2:
                b["items"] = copy.deepcopy(lines)

        await assert_world_alike(varied(WORLD, split, tags="O"), ignore=frozenset({"item", "items"}))


async def test_each_purchase_and_import_split_into_one_unit_lines_decides_alike() -> None:
    """README: units of one article over several lines are one article (the value is the same sum)."""

    def split(b: Body, _: int) -> None:
        b["items"] = [
            item(**(line | {"quantity": 1})) for line in b["items"] for _ in range(line["quantity"])
        ]

    await assert_world_alike(varied(WORLD, split, tags="IC"), ignore=frozenset({"item", "items"}))


@pytest.mark.parametrize(
    ("units", "split"),
    [(10, [5, 5]), (11, [5, 5, 1]), (5, [3, 2]), (6, [3, 3])],
    ids=["10-as-5+5", "11-as-5+5+1", "5-creams-as-3+2", "6-creams-as-3+3"],
)
async def test_units_split_over_lines_decide_as_one_line_at_the_commercial_threshold(
    units: int, split: list[int]
) -> None:
    """RULES.md §3: over 10 units of one item (5 for cosmetics); README: lines of one description add up."""
    cosmetic = units in (5, 6)
    line = (
        {"description": "面霜 face cream", "category": "cosmetics", "unit_value": 60.0}
        if cosmetic
        else {"description": "纯棉T恤 cotton T-shirt", "category": "apparel_shoes", "unit_value": 40.0}
    )
    writings = (
        ["面霜 face cream", "面霜，FACE CREAM.", "面霜 Face  Cream"]
        if cosmetic
        else ["纯棉T恤 cotton T-shirt", "纯棉T恤, Cotton T-Shirt!", "纯棉T恤 COTTON T-SHIRT"]
    )
    whole = export_postal(
        sender=OVER_SENDER, receiver=japan_receiver(), items=[item(quantity=units, **line)], weight_kg=2.0
    )
    parts = whole | {
        "items": [
            item(**(line | {"quantity": q, "description": writings[j % 3]})) for j, q in enumerate(split)
        ]
    }
    a, b = await one(whole), await one(parts)
    assert pairs(b) == pairs(a)
    over = units > (5 if cosmetic else 10)
    assert ("COMMERCIAL_QUANTITY" in codes(a)) is over
    if over:
        assert evidence(b, "COMMERCIAL_QUANTITY")["quantity"] == units


# Unrelated filler -------------------------------------------------------------------------------------------


def stranger(n: int, **changes: Any) -> Body:
    """The n-th mainland stranger: own name, phone, home and ID."""
    return party(
        name=f"路人{n}",
        phone=f"1365555{n:04d}",
        address={
            "province": "江苏省",
            "city": "南京市",
            "district": "玄武区",
            "detail": f"中山路{n + 1}号{n % 9 + 1}栋",
        },
        id_number=resident_id(region="320102", birth="19700101", seq=f"{n % 900 + 100}"),
        **changes,
    )


def with_filler(fillers: Sequence[Body]) -> list[Body]:
    """WORLD with the filler parcels added, all in pickup order."""
    return sorted([*copy.deepcopy(WORLD), *fillers], key=lambda b: datetime.fromisoformat(b["accepted_at"]))


async def assert_originals_alike(bodies: Sequence[Body]) -> None:
    """Every parcel of WORLD among bodies decides as in WORLD."""
    got = by_number(bodies, await run(bodies))
    want = by_number(WORLD, await base())
    for n, w in want.items():
        assert view(got[n]) == view(w), f"{n}: {pairs(w)} became {pairs(got[n])}"


async def test_domestic_parcels_of_strangers_interleaved_change_nothing_for_the_world() -> None:
    """RULES.md §3: history rules count the entities of a parcel; strangers share none of them."""
    fillers = [
        waybill(
            waybill_no=f"FD{n:08d}",
            accepted_at=at(n * 3.3),
            sender=stranger(n),
            receiver=cn_receiver(
                name=f"收件{n}", phone=f"1366666{n:04d}", address={"detail": f"光华路{n}号{n}号楼"}
            ),
            items=[item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=745.0)],
        )
        for n in range(1, 40)
    ]
    await assert_originals_alike(with_filler(fillers))


async def test_cross_border_parcels_of_strangers_interleaved_change_nothing_for_the_world() -> None:
    """RULES.md §3: a ring is one sender's or receiver's parcels; strangers' exports and imports are not."""
    fillers: list[Body] = []
    for n in range(1, 25):
        abroad = hk_receiver(
            name=f"FAR {n}", phone=f"+8529800{n:04d}", address={"detail": f"{n} Des Voeux Road"}
        )
        home = cn_receiver(
            name=f"收件{n}", phone=f"1366666{n:04d}", address={"detail": f"光华路{n}号{n}号楼"}
        )
        goods = [item(description="茶叶 tea", category="food", quantity=2, unit_value=150.0)]
        if n % 2:
            fillers.append(
                export_postal(
                    waybill_no=f"FX{n:08d}",
                    accepted_at=at(n * 5.1),
                    sender=stranger(n),
                    receiver=abroad,
                    items=goods,
                    weight_kg=1.0,
                )
            )
        else:
            fillers.append(
                waybill(
                    waybill_no=f"FX{n:08d}",
                    accepted_at=at(n * 5.1),
                    service="import",
                    channel="postal",
                    sender=abroad,
                    receiver=home,
                    items=goods,
                    weight_kg=1.0,
                )
            )
    await assert_originals_alike(with_filler(fillers))


async def test_the_ring_senders_own_domestic_parcels_change_nothing_for_the_ring() -> None:
    """RULES.md §3: ant moving, near-limit splits and same-goods fan-out count cross-border parcels only."""
    fillers = [
        waybill(
            waybill_no=f"FR{n:08d}",
            accepted_at=at(0.1 + n * 0.5),
            sender=RING_SENDER,
            receiver=cn_receiver(
                name=f"收件{n}", phone=f"1366666{n:04d}", address={"detail": f"光华路{n}号{n}号楼"}
            ),
            items=cream(748.0 + n),
            weight_kg=0.5,
        )
        for n in range(8)
    ]
    await assert_originals_alike(with_filler(fillers))


async def test_domestic_parcels_to_the_collecting_receiver_change_nothing_for_its_ring() -> None:
    """RULES.md §3: ANT_MOVING_RECEIVER counts cross-border parcels from distinct senders only."""
    fillers = [
        waybill(
            waybill_no=f"FI{n:08d}",
            accepted_at=at(1.5 + n * 12.0),
            sender=stranger(n),
            receiver=IMPORT_RECEIVER,
            items=[item(description="奶粉 milk powder", category="food", quantity=2, unit_value=330.0)],
            weight_kg=2.0,
        )
        for n in range(10)
    ]
    await assert_originals_alike(with_filler(fillers))


async def test_the_buyers_postal_imports_change_nothing_for_her_cbec_year() -> None:
    """README: only cbec imports count in a buyer's annual totals (the quota is for retail imports)."""
    fillers = [
        waybill(
            waybill_no=f"FB{n:08d}",
            accepted_at=at(3.0 + n * 20.0),
            service="import",
            channel="postal",
            sender=hk_sender(50),
            receiver=BUYER,
            items=[item(description="巧克力 chocolate", category="food", quantity=1, unit_value=300.0)],
            weight_kg=1.0,
        )
        for n in range(6)
    ]
    await assert_originals_alike(with_filler(fillers))


async def test_the_world_without_its_domestic_filler_decides_alike() -> None:
    """RULES.md §3: the domestic filler shares no cross-border entity with the rest of the world."""
    rest = [b for b in WORLD if b["waybill_no"][2] != "F"]
    got = by_number(rest, await run(rest))
    want = by_number(WORLD, await base())
    assert all(view(d) == view(want[n]) for n, d in got.items())


# Monotonicity ---------------------------------------------------------------------------------------------

LANES = ["export-hk", "export-jp", "export-express", "import-postal", "cbec", "domestic"]


def lane_parcel(lane: str, lines: list[Body], weight_kg: float) -> Body:
    """A parcel of one lane with these item lines (plain people, every check recorded)."""
    common: Body = {"items": lines, "weight_kg": weight_kg}
    if lane == "export-hk":
        return export_postal(**common)
    if lane == "export-jp":
        return export_postal(receiver=japan_receiver(), **common)
    if lane == "export-express":
        return export_postal(channel="express", **common)
    if lane == "import-postal":
        return waybill(
            service="import", channel="postal", sender=hk_sender(1), receiver=cn_receiver(), **common
        )
    if lane == "cbec":
        return waybill(service="import", channel="cbec", sender=SHOP, receiver=BUYER, **common)
    return waybill(**common)


def carving(value_cents: int, single: bool) -> tuple[list[Body], float]:
    """A wooden carving of value (one line, quantity 1) or with a key ring beside it; 1 kg (in the band)."""
    main = item(
        description="木雕摆件 wooden carving", category="general", quantity=1, unit_value=value_cents / 100
    )
    extra = (
        []
        if single
        else [item(description="钥匙扣 key ring", category="general", quantity=1, unit_value=10.0)]
    )
    return [main, *extra], 1.0


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    lane=st.sampled_from(LANES),
    single=st.booleans(),
    values=st.lists(st.integers(100, 2_000_000), min_size=2, max_size=2).map(sorted),
)
async def test_a_dearer_parcel_is_never_decided_less_severely(
    lane: str, single: bool, values: list[int]
) -> None:
    """RULES.md §3: the value rules are "over L" / "over 5,000": raising the value never lowers severity."""
    low, high = values
    cheap = await one(lane_parcel(lane, *carving(low, single)))
    dear = await one(lane_parcel(lane, *carving(high, single)))
    assert severity(cheap) <= severity(dear), (pairs(cheap), pairs(dear))
    assert codes(cheap) & {"OVER_PERSONAL_LIMIT", "CBEC_SINGLE_LIMIT"} <= codes(dear)


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    lane=st.sampled_from(["export-hk", "export-jp", "import-postal", "export-express"]),
    units=st.lists(st.integers(1, 30), min_size=2, max_size=2).map(sorted),
)
async def test_more_units_of_one_article_are_never_decided_less_severely(lane: str, units: list[int]) -> None:
    """RULES.md §3: COMMERCIAL_QUANTITY is "more than 5", limits "over L": more units never lower severity."""

    def jars(n: int) -> Body:
        lines = [item(description="面霜 face cream", category="cosmetics", quantity=n, unit_value=50.0)]
        return lane_parcel(lane, lines, 0.5 * n)  # 100 CNY a kg whatever the count: inside the band

    few, many = await one(jars(units[0])), await one(jars(units[1]))
    assert severity(few) <= severity(many), (units, pairs(few), pairs(many))


@pytest.mark.parametrize("after", [1, 2, 4], ids=lambda n: f"after-{n}-ants")
async def test_one_more_ant_of_each_ring_never_lowers_a_decision(after: int) -> None:
    """RULES.md §3: rings are "at least" N parcels, each under L; one more such parcel only adds to them."""
    ring_at = datetime.fromisoformat(pickup_of("R", after)) + timedelta(minutes=10)
    import_at = datetime.fromisoformat(pickup_of("I", after)) + timedelta(minutes=10)
    cbec_at = datetime.fromisoformat(pickup_of("C", after)) + timedelta(minutes=10)
    extra = [
        ring_parcel(20, 0)
        | {"waybill_no": "XTR000001", "accepted_at": ring_at.isoformat(), "receiver": macau_receiver(7)},
        postal_import(20, 0) | {"waybill_no": "XTI000001", "accepted_at": import_at.isoformat()},
        purchase(20, 0) | {"waybill_no": "XTC000001", "accepted_at": cbec_at.isoformat()},
    ]
    bodies = with_filler(extra)
    got = by_number(bodies, await run(bodies))
    want = by_number(WORLD, await base())
    raised = [n for n, w in want.items() if severity(got[n]) > severity(w)]
    assert all(severity(got[n]) >= severity(w) for n, w in want.items())
    assert raised, "one more ant completes a ring one parcel earlier"


def pickup_of(tag: str, k: int) -> str:
    """The pickup time of the k-th (1-based) parcel of a group of WORLD."""
    return str([b["accepted_at"] for b in WORLD if b["waybill_no"][2] == tag][k - 1])


def changed(policy: Policy, **paths: Any) -> Policy:
    """The policy with some values set, each by its path (history__ant_sender__parcels_24h)."""
    data = policy.model_dump()
    for path, value in paths.items():
        *parents, leaf = path.split("__")
        node = data
        for p in parents:
            node = node[p]
        node[leaf] = value
    return Policy.model_validate(data)


STRICTER: dict[str, tuple[dict[str, Any], str]] = {
    # change, the parcel it must raise (worked out from RULES.md §3 on the world)
    "ant-sender-5-in-24h": ({"history__ant_sender__parcels_24h": 5}, "MTR000005"),
    "ant-receiver-4-parcels": ({"history__ant_receiver__parcels_7d": 4}, "MTI000004"),
    "near-limit-2-parcels": ({"history__near_limit__min_count": 2}, "MTR000002"),
    "same-goods-4-parcels": ({"history__same_goods__parcels": 4}, "MTI000004"),
    "near-limit-band-0.8": ({"limits__near_limit_band": 0.8}, "MTI000003"),
    "commercial-1-unit": ({"goods__commercial_units": 1}, "MTI000001"),
    "food-band-from-400-a-kg": ({"goods__value_per_kg__food": (400.0, 30000.0)}, "MTI000001"),
    "cbec-annual-20000": ({"limits__cbec_annual_cny": 20000.0}, "MTC000005"),
    "id-reader-not-verification": (
        {"realname__verified_methods": ["online_check", "face_match", "manual"]},
        "MTR000001",
    ),
}


@pytest.mark.parametrize("name", list(STRICTER))
async def test_a_stricter_threshold_never_lowers_a_decision_and_raises_the_parcel_it_reaches(
    name: str,
) -> None:
    """RULES.md §3: every rule is "≥ N" / "over" a policy value; a stricter value only adds reasons."""
    paths, raised = STRICTER[name]
    got = by_number(WORLD, await run(WORLD, changed(POLICY, **paths)))
    want = by_number(WORLD, await base())
    for n, w in want.items():
        assert severity(got[n]) >= severity(w), f"{n}: {pairs(w)} became {pairs(got[n])}"
        assert codes(got[n]) >= codes(w), n
    assert severity(got[raised]) > severity(want[raised]), pairs(got[raised])


@PROPERTY
@given(chosen=st.sets(st.sampled_from(sorted(STRICTER)), min_size=2, max_size=5))
async def test_several_stricter_thresholds_together_never_lower_a_decision(chosen: set[str]) -> None:
    """RULES.md §3 / ARCHITECTURE.md: the decision is the most severe reason; stricter values add reasons."""
    paths: dict[str, Any] = {}
    for name in chosen:
        paths |= STRICTER[name][0]
    got = await run(WORLD, changed(POLICY, **paths))
    for n, (w, g) in zip([b["waybill_no"] for b in WORLD], zip(await base(), got, strict=True), strict=True):
        assert severity(g) >= severity(w), f"{n}: {pairs(w)} became {pairs(g)}"


LOOSER: dict[str, tuple[dict[str, Any], str]] = {
    "ant-sender-7-in-24h": ({"history__ant_sender__parcels_24h": 7}, "MTR000006"),
    "near-limit-band-0.99": ({"limits__near_limit_band": 0.99}, "MTR000003"),
    "cbec-annual-60000": ({"limits__cbec_annual_cny": 60000.0}, "MTC000006"),
}


@pytest.mark.parametrize("name", list(LOOSER))
async def test_a_looser_threshold_never_raises_a_decision_and_lowers_the_parcel_it_frees(name: str) -> None:
    """RULES.md §3: a rule needs "≥ N" / "over"; a looser value only takes reasons away."""
    paths, lowered = LOOSER[name]
    got = by_number(WORLD, await run(WORLD, changed(POLICY, **paths)))
    want = by_number(WORLD, await base())
    for n, w in want.items():
        assert severity(got[n]) <= severity(w), f"{n}: {pairs(w)} became {pairs(got[n])}"
    assert severity(got[lowered]) < severity(want[lowered]), pairs(got[lowered])


async def test_auditing_every_parcel_adds_one_inspect_reason_and_changes_no_other() -> None:
    """RULES.md §3: RANDOM_AUDIT is inspect; the final decision is the most severe outcome of the reasons."""
    audited = await run(WORLD, SHIPPED.model_copy(update={"audit": Audit(random_rate=1.0)}))
    for w, g in zip(await base(), audited, strict=True):
        assert "RANDOM_AUDIT" in codes(g)
        assert [p for p in pairs(g) if p[0] != "RANDOM_AUDIT"] == pairs(w)
        assert g.decision == most_severe([w.decision, "inspect"])


async def test_audit_draws_follow_the_parcel_key_not_names_times_or_offsets() -> None:
    """RULES.md §3: RANDOM_AUDIT is chosen by a hash of (carrier, waybill_no): deterministic."""
    policy = SHIPPED.model_copy(update={"audit": Audit(random_rate=0.3)})

    def rename(b: Body, _: int) -> None:
        for side in ("sender", "receiver"):
            b[side]["name"] = b[side]["name"] + " JR"

    moved = varied(retimed(WORLD, timedelta(days=-30), in_offset(timezone(timedelta(hours=-7)))), rename)
    want, got = await run(WORLD, policy), await run(moved, policy)
    assert sum("RANDOM_AUDIT" in codes(d) for d in want) >= 3
    assert_alike(want, got)


# Batches and re-sends ------------------------------------------------------------------------------------


async def test_the_world_in_one_batch_decides_as_one_by_one() -> None:
    """Contract: waybills in a batch are scored in request order, a later parcel seeing the earlier ones."""
    async with fresh() as e:
        got = await e.decide_batch(copy.deepcopy(WORLD))
    assert all(isinstance(d, Decision) for d in got)
    assert_alike(await base(), [d for d in got if isinstance(d, Decision)])


@pytest.mark.parametrize("size", [1, 4, 7])
async def test_the_world_in_batches_of_any_size_decides_as_one_by_one(size: int) -> None:
    """Contract: a batch decides as the same waybills one after the other, whatever the cut."""
    got: list[Decision | BatchError] = []
    async with fresh() as e:
        for start in range(0, len(WORLD), size):
            got += await e.decide_batch(copy.deepcopy(WORLD[start : start + size]))
    assert_alike(await base(), [d for d in got if isinstance(d, Decision)])


def test_the_world_in_one_http_batch_decides_as_its_waybills_one_by_one(client: ScoringClient) -> None:
    """Contract: POST /v1/score/batch answers {"decisions": [...]} in request order, as one by one."""
    r = client.http.post("/v1/score/batch", json={"waybills": WORLD})
    assert r.status_code == 200, r.text
    batch = [Decision.model_validate(d) for d in r.json()["decisions"]]
    assert [d.waybill_no for d in batch] == [b["waybill_no"] for b in WORLD]
    assert_alike(anyio.run(run, WORLD), batch)


async def test_the_whole_world_replayed_gets_its_first_decisions_and_counts_once() -> None:
    """Contract: re-sending the same body returns the same decision and changes nothing."""
    async with fresh() as e:
        first = [await e.decide(Waybill.model_validate(b)) for b in WORLD]
        again = [await e.decide(Waybill.model_validate(b)) for b in WORLD]
        batch = await e.decide_batch(copy.deepcopy(WORLD))
        after = [await e.decide(Waybill.model_validate(b)) for b in probes()]
    assert again == first
    assert batch == first
    assert_alike(first, await base())
    assert_alike(await probed(WORLD), after)


async def test_every_body_sent_twice_in_a_row_decides_as_sent_once() -> None:
    """Contract: a re-sent body gets the same decision and counts once in the history."""
    twice = [copy.deepcopy(b) for b in WORLD for _ in range(2)]
    got = await run(twice)
    assert got[1::2] == got[0::2]
    assert_alike(await base(), got[0::2])


async def test_the_world_sent_twice_over_in_one_batch_decides_as_sent_once() -> None:
    """Contract: a re-sent body returns the same decision and counts once, also inside one batch."""
    async with fresh() as e:
        got = await e.decide_batch([copy.deepcopy(b) for b in WORLD for _ in range(2)])
    decided = [d for d in got if isinstance(d, Decision)]
    assert len(decided) == 2 * len(WORLD)
    assert decided[1::2] == decided[0::2]
    assert_alike(await base(), decided[0::2])


def test_a_body_re_sent_with_its_keys_in_another_order_gets_the_same_answer(client: ScoringClient) -> None:
    """Contract: the same body (however the JSON is laid out) returns the same decision."""
    ring = [b for b in WORLD if b["waybill_no"][2] == "R"]
    first = [client.score(b) for b in ring]
    for body, answer in zip(ring, first, strict=True):
        text = json.dumps(body, sort_keys=True, indent=3, ensure_ascii=True)
        r = client.http.post("/v1/score", content=text, headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text
        assert r.json() == answer
    assert first[5]["decision"] == "hold"
