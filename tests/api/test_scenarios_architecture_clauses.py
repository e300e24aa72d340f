"""ARCHITECTURE.md and the README's failure, privacy, role, case and audit clauses no other file pins down."""

# Written from ../shared/ARCHITECTURE.md ("Layers", "State", "Rules for the history store", "Failure
# behaviour") and the README ("When parts fail", "Personal data", "Who may call what", "Cases for customs
# officers", "Compliance audit for the postal bureau"). Every clause was looked up in the suite first;
# only those without a precise test are here. Readings where the sources leave a choice:
#
# * "api → screening → features, models; the contract is a leaf; features/ and models/ import nothing of
#   screening/; nothing imports api/" is read over every import statement of the packages' source,
#   function-level imports included. "Knows nothing of HTTP" (screening/) is read as: no import of the
#   web framework (fastapi, starlette, uvicorn).
# * "keyed with HMAC-SHA256 before they reach Redis, the ledger or the decision log": no key name and no
#   value under the app's Redis prefix, no ledger line and no decision-log file holds the plain ID number
#   (nor its 17 digits), phone digits, address road and number, payment account or buyer IP of any party,
#   whether the value was scored, listed or recorded as a violation.
# * "Case rows alone also keep the identity number encrypted" (Fernet): no Fernet token (they start
#   `gAAAAA`) anywhere else at rest, and one in the case row of a held parcel.
# * "Changing the HMAC key disconnects all history": two services on one Redis prefix with different keys
#   do not see each other's parcels or list entries; with the same key they do.
# * "masked ... also where a reason or a case quotes a name, address or goods description repeating a
#   party's own number": the party may be the receiver (a cbec buyer) as well as the sender.
# * "one scored waybill costs one pipelined round trip" (history store rules): a first body of a parcel,
#   on single-node Redis, reaches Redis in one round trip (counted where the store writes a packed pipeline).
# * "SQL down: case pages and the case API answer 503 meanwhile": every case route a person or the customs
#   system calls (queue, case, note, attachment, unmasking, ring action, audit verification, the pages)
#   answers 503, and nothing it asked for is done once SQL is back; an unmasking refused so shows no number.
# * "a key given twice in one JSON object is a 422 naming it (`duplicate_key`; in a batch the whole body, at
#   ["body", "waybills", i, …])": the type is `duplicate_key`, the loc the key's full path, and no slot of
#   such a batch is scored.
# * "JSON that does not parse, sent without a key to a key-only route, is the missing key's 401": in
#   production, where scoring needs a key.
# * "`screening audit verify` names the first edited, deleted or missing entry": `GET /v1/cases/audit/verify`
#   (the route table's "verify the hash-chained audit trail") does the same.
# * "watch/black lists, agreement-customer registry: Redis": a node of its own data dir on the shared Redis
#   sees lists and agreements changed through another node.
# * "A registry file that stops parsing (edited by hand) is logged, and the workers keep its last good
#   entries until the next upload writes it again"; "two uploads at once are merged under a file lock,
#   neither lost": checked through the service's own admin routes, two workers of one data dir at once.

import ast
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import redis
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.jsonbody import DUPLICATE_KEY
from features.identity import mask_id
from screening.cases.tables import AuditEntry
from screening.history import redis as redis_store
from screening.history.redis import RedisHistoryStore
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes
from tests.api.conftest import PASSWORD, CaseClient
from tests.api.keys import bearer, make_key
from tests.api.test_scenarios_failures import Service, running
from tests.conftest import ScoringClient, store_settings
from tests.factories import (
    BASE_TIME,
    agreement_customer,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
)

Body = dict[str, Any]
REPO = Path(__file__).resolve().parents[2]
JSON = {"content-type": "application/json"}
SECRET_A = "a" * 40
SECRET_B = "b" * 40


def held(**changes: Any) -> Body:
    """A personal postal article over the 800 CNY limit in two units: held (OVER_PERSONAL_LIMIT)."""
    base: Body = {"items": [item(description="羊毛大衣 wool coat", quantity=2, unit_value=500.0)]}
    return export_postal(**(base | changes))


# Layers: api → screening → features, models; the contract a leaf; nothing imports api ---------------------


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module an import statement of a package's source names (absolute), → the files naming it."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name, set()).add(str(path.relative_to(REPO)))
    return found


def importing(package: str, *tops: str, allowed: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """The imports of a package that name one of these top-level packages, but for the allowed modules."""
    return {
        name: files
        for name, files in imported_modules(package).items()
        if name.split(".")[0] in tops and name not in allowed
    }


def test_the_scan_of_imports_finds_what_a_package_imports() -> None:
    assert "screening.contract" in imported_modules("api")
    assert "features.identity" in imported_modules("screening")


@pytest.mark.parametrize("package", ["features", "models"])
def test_features_and_models_import_nothing_of_screening_but_the_contract(package: str) -> None:
    assert importing(package, "screening", allowed=("screening.contract",)) == {}


@pytest.mark.parametrize(
    "package",
    [
        "screening",
        "features",
        "models",
        "loadtest",
    ],
)
def test_no_package_but_api_itself_imports_api(package: str) -> None:
    assert importing(package, "api") == {}


@pytest.mark.parametrize("package", ["screening", "features", "models"])
def test_the_domain_and_the_pure_packages_know_nothing_of_http(package: str) -> None:
    assert importing(package, "fastapi", "starlette", "uvicorn") == {}


def test_the_wire_contract_is_a_leaf_importing_nothing_of_the_project() -> None:
    tree = ast.parse((REPO / "screening" / "contract.py").read_text(encoding="utf-8"))
    project = {"api", "screening", "features", "models", "loadtest"}
    named = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in (n.names if isinstance(n, ast.Import) else n.names[:1])
    }
    relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 0]
    assert named & project == set() and relative == []
    assert "pydantic" in named


# Personal data at rest on Redis, in the ledger and in the decision log -------------------------------------

SENDER_ID = resident_id(region="320102", birth="19810203", seq="557")
BUYER_ID = resident_id(region="440106", birth="19920415", seq="338")
LISTED_ID = resident_id(region="510107", birth="19750909", seq="214")
SENDER_PHONE, RECEIVER_PHONE, BUYER_PHONE, LISTED_PHONE = (
    "13766554433",
    "13955667788",
    "13833445566",
    "13511223344",
)
ACCOUNT, LISTED_ACCOUNT = "6222029988776655", "6222021122334455"
IP, LISTED_IP = "198.51.100.77", "203.0.113.45"
SENDER_ROAD, RECEIVER_ROAD, LISTED_ROAD = "汉中路4471号", "建国路9917号", "淮海路7788号"
NEEDLES: dict[str, list[str]] = {
    "id number": [n for number in (SENDER_ID, BUYER_ID, LISTED_ID) for n in (number, number[:-1])],
    "phone": [SENDER_PHONE, RECEIVER_PHONE, BUYER_PHONE, LISTED_PHONE],
    "address": [SENDER_ROAD, RECEIVER_ROAD, LISTED_ROAD],
    "account": [ACCOUNT, LISTED_ACCOUNT],
    "ip": [IP, LISTED_IP],
}
SHANGHAI = {"country": "CN", "province": "上海市", "city": "上海市", "district": "徐汇区"}
# A Fernet token in URL-safe base64: version byte 0x80 and the time (gAAAAA…), IV, ciphertext and HMAC.
FERNET = re.compile(r"gAAAAA[0-9A-Za-z_-]{90,}={0,2}")


def forms(value: str) -> tuple[str, ...]:
    """A value as typed and as JSON writes it in ASCII (Chinese characters as \\u escapes)."""
    return (value, json.dumps(value)[1:-1])


def leaks(text: str) -> dict[str, list[str]]:
    """The plain personal values a text holds in either form, by kind."""
    return {
        kind: hits
        for kind, values in NEEDLES.items()
        if (hits := [v for v in values if any(f in text for f in forms(v))])
    }


def redis_text(port: int, prefix: str) -> str:
    """Every key under a prefix and everything it holds, as text (undecodable bytes replaced)."""
    parts: list[bytes] = []
    with redis.Redis(port=port) as r:
        for key in r.scan_iter(match=f"{prefix}*", count=1000):
            parts.append(key)
            kind = r.type(key)
            if kind == b"string":
                parts.append(r.get(key) or b"")
            elif kind == b"hash":
                parts += [x for pair in r.hgetall(key).items() for x in pair]
            elif kind == b"zset":
                parts += [m for m, _ in r.zrange(key, 0, -1, withscores=True)]
            elif kind == b"set":
                parts += list(r.smembers(key))
            elif kind == b"list":
                parts += r.lrange(key, 0, -1)
            else:
                raise AssertionError(f"a {kind!r} key the scan does not read: {key!r}")
    return b"\n".join(parts).decode("utf-8", "replace")


@dataclass
class AtRest:
    """What a day's work on Redis left at rest: the Redis keys, the ledger, the decision log, the cases."""

    stores: dict[str, str] = field(default_factory=dict)
    case_rows: str = ""
    keyed: dict[str, str] = field(default_factory=dict)
    redis_keys: int = 0


def day_of_work(app: FastAPI, http: TestClient) -> None:
    """Score, hold, list, record violations and report an inspection, with every kind of identifier."""
    admin = bearer(make_key(app, "admin", "ops"))
    customs = bearer(make_key(app, "customs", "SHA-PVG"))
    sender = party(
        id_number=SENDER_ID,
        phone=SENDER_PHONE,
        address={**SHANGHAI, "detail": f"{SENDER_ROAD}5幢201室"},
    )
    receiver = cn_receiver(phone=RECEIVER_PHONE, address={"detail": f"{RECEIVER_ROAD}3号楼1201"})
    order = {"platform": "shop", "order_id": "O-4471", "payment_account": ACCOUNT, "buyer_ip": IP}
    plain = waybill(sender=sender, receiver=receiver, order=order)
    buyer = cn_receiver(
        phone=BUYER_PHONE, id_type="resident_id", id_number=BUYER_ID, id_verified=True, name="王芳"
    )
    cbec = waybill(
        service="import",
        channel="cbec",
        sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        receiver=buyer,
        items=[item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=900.0)],
        order={"platform": "tmall-global", "order_id": "O-9917", "payment_account": ACCOUNT, "buyer_ip": IP},
    )
    for wb in (plain, held(sender=sender), cbec):
        assert http.post("/v1/score", json=wb).status_code == 200
    entries = [
        {"list": "watch", "kind": "id", "id_type": "resident_id", "value": LISTED_ID},
        {"list": "black", "kind": "phone", "value": LISTED_PHONE},
        {"list": "watch", "kind": "account", "value": LISTED_ACCOUNT},
        {"list": "watch", "kind": "ip", "value": LISTED_IP},
        {"list": "watch", "kind": "address", "address": {**SHANGHAI, "detail": f"{LISTED_ROAD}9栋"}},
    ]
    assert http.put("/v1/admin/lists", json=entries, headers=admin).status_code == 200
    listed = waybill(
        sender=party(
            id_number=LISTED_ID, phone=LISTED_PHONE, address={**SHANGHAI, "detail": f"{LISTED_ROAD}9栋3楼"}
        ),
        order={"platform": "shop", "payment_account": LISTED_ACCOUNT, "buyer_ip": LISTED_IP},
    )
    hit = http.post("/v1/score", json=listed).json()
    assert hit["decision"] == "hold" and "WATCHLIST_HIT" in codes(hit)
    parcel = f"{plain['carrier']}:{plain['waybill_no']}"
    violations = [
        {"kind": "phone", "value": SENDER_PHONE, "parcel": parcel, "at": plain["accepted_at"]},
        {"kind": "account", "value": ACCOUNT, "parcel": parcel, "at": plain["accepted_at"]},
        {"kind": "ip", "value": IP, "parcel": parcel, "at": plain["accepted_at"]},
    ]
    assert http.post("/v1/admin/violations", json=violations, headers=admin).status_code == 200
    report = {
        "carrier": cbec["carrier"],
        "waybill_no": cbec["waybill_no"],
        "result": "violation",
        "violation_type": "counterfeit",
        "inspected_at": (BASE_TIME + timedelta(hours=2)).isoformat(),
    }
    assert http.post("/v1/inspections", json=report, headers=customs).status_code == 200
    again = http.post("/v1/score", json=waybill(hours_after=3, sender=sender)).json()
    assert "PRIOR_VIOLATIONS" in codes(again)


@pytest.fixture(scope="module")
def at_rest(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, policy_module: Policy
) -> AtRest:
    """A service on Redis after a day of work, stopped (its decision log compacted into Parquet)."""
    data = tmp_path_factory.mktemp("at-rest") / "data"
    settings = store_settings(request, "redis", data)
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy_module
        day_of_work(app, http)
        privacy = app.state.engine.privacy
        time.sleep(0.2)  # past the journal's commit interval (20 ms): its segments hold the day's records
        journal = [
            p.read_bytes().decode("utf-8", "replace")
            for p in (data / "decisionlog").rglob("*")
            if p.is_file() and p.suffix != ".parquet"
        ]
        assert any('"decision"' in text for text in journal), "nothing committed to the journal yet"
        keyed = {
            "redis": privacy.key("sph", f"+86{SENDER_PHONE}"),
            "ledger": privacy.key("acct", LISTED_ACCOUNT),
            "decision log": privacy.key("ip", IP),
        }
    assert settings.redis_url is not None
    port = int(settings.redis_url.rsplit(":", 1)[1].split("/")[0])
    found = AtRest(keyed=keyed)
    found.stores["redis"] = redis_text(port, settings.redis_prefix)
    with redis.Redis(port=port) as r:
        found.redis_keys = sum(1 for _ in r.scan_iter(match=f"{settings.redis_prefix}*"))
    found.stores["ledger"] = (data / "ledger.jsonl").read_text(encoding="utf-8")
    log_dir = data / "decisionlog"
    parquet = sorted(log_dir.rglob("*.parquet"))
    assert parquet, "the decision log was not compacted"
    texts = [repr(pl.read_parquet(p).rows()) for p in parquet]
    # Parquet files as their values (compressed bytes hide text), the journal as it was while running.
    texts += journal
    found.stores["decision log"] = "\n".join(texts)
    engine = sa.create_engine(f"sqlite:///{data / 'screening.db'}", poolclass=sa.pool.NullPool)
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT * FROM cases")).fetchall()
    found.case_rows = "\n".join(str(value) for row in rows for value in row)
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def policy_module() -> Policy:
    """The suite's test policy (random audit off), for module-scoped services."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


@pytest.mark.redis
def test_the_scan_finds_keys_and_plain_values_where_they_are(at_rest: AtRest) -> None:
    """The search is not blind: each store holds keyed values and readable decisions, the case rows the
    plain values a case shows its officer."""
    assert at_rest.redis_keys > 10
    for store, keyed in at_rest.keyed.items():
        assert keyed in at_rest.stores[store], store
    assert "WATCHLIST_HIT" in at_rest.stores["redis"] and "WATCHLIST_HIT" in at_rest.stores["decision log"]
    assert mask_id(SENDER_ID) in at_rest.stores["decision log"]
    assert leaks(at_rest.case_rows)["address"] == [SENDER_ROAD, LISTED_ROAD]
    assert SENDER_PHONE in at_rest.case_rows


@pytest.mark.redis
@pytest.mark.parametrize("store", ["redis", "ledger", "decision log"])
def test_no_plain_id_phone_address_account_or_ip_reaches_the_store(at_rest: AtRest, store: str) -> None:
    assert at_rest.stores[store], f"nothing in the {store}: the scan would prove nothing"
    assert leaks(at_rest.stores[store]) == {}


@pytest.mark.redis
@pytest.mark.parametrize("store", ["redis", "ledger", "decision log"])
def test_the_encrypted_copy_of_an_id_number_is_kept_in_case_rows_alone(at_rest: AtRest, store: str) -> None:
    assert FERNET.search(at_rest.case_rows)
    assert FERNET.findall(at_rest.stores[store]) == []


# Nodes on one Redis: the HMAC key, lists and agreements, round trips ----------------------------------------


@dataclass
class Node:
    """One started service: its app and client."""

    app: FastAPI
    http: TestClient

    def score(self, wb: Body) -> Body:
        """POST /v1/score and expect a decision."""
        r = self.http.post("/v1/score", json=wb)
        assert r.status_code == 200, r.text
        out: Body = r.json()
        return out


@pytest.fixture
def redis_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """A service on the session's Redis under a fresh prefix, its cases in a shared SQLite file."""
    settings = store_settings(request, "redis", tmp_path / "node-0")
    return settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'cases.db'}"})


@pytest.fixture
def nodes(redis_settings: Settings, policy: Policy, tmp_path: Path) -> Iterator[Callable[..., Node]]:
    """nodes(**settings) starts another service of its own data dir on the same Redis prefix and database."""
    with ExitStack() as stack:
        count = itertools.count(1)

        def start(**changes: Any) -> Node:
            data = tmp_path / f"node-{next(count)}"
            app = create_app(redis_settings.model_copy(update={"data_dir": data, **changes}))
            http = stack.enter_context(TestClient(app))
            app.state.engine.policy = policy
            return Node(app, http)

        yield start


def ring_of(seq: str) -> list[Body]:
    """An ant-moving ring of its own sender: held from the sixth parcel."""
    return ant_ring(7, id_number=resident_id(seq=seq), phone=f"13600{int(seq):06d}")


@pytest.mark.redis
def test_services_with_one_hmac_key_on_one_redis_share_a_senders_history(nodes: Callable[..., Node]) -> None:
    one, two = nodes(id_hmac_key=SECRET_A), nodes(id_hmac_key=SECRET_A)
    ring = ring_of("611")
    for wb in ring[:5]:
        assert one.score(wb)["decision"] != "hold"
    assert "ANT_MOVING_SENDER" in codes(two.score(ring[5]))


@pytest.mark.redis
def test_changing_the_hmac_key_disconnects_the_history_kept_under_the_old_one(
    nodes: Callable[..., Node],
) -> None:
    old, new = nodes(id_hmac_key=SECRET_A), nodes(id_hmac_key=SECRET_B)
    ring = ring_of("612")
    for wb in ring[:5]:
        old.score(wb)
    assert "ANT_MOVING_SENDER" not in codes(new.score(ring[5]))
    # The old key still holds its five parcels, and not the one counted under the new key.
    seventh = old.score(ring[6])
    assert "ANT_MOVING_SENDER" in codes(seventh)
    ev = next(r for r in seventh["reasons"] if r["code"] == "ANT_MOVING_SENDER")["evidence"]
    assert ring[5]["waybill_no"] not in ev["linked_waybills"]


@pytest.mark.redis
def test_changing_the_hmac_key_disconnects_the_lists_kept_under_the_old_one(
    nodes: Callable[..., Node],
) -> None:
    old, new = nodes(id_hmac_key=SECRET_A), nodes(id_hmac_key=SECRET_B)
    phone = "13544556688"
    admin = bearer(make_key(old.app, "admin", "ops"))
    entry = [{"list": "black", "kind": "phone", "value": phone}]
    assert old.http.put("/v1/admin/lists", json=entry, headers=admin).status_code == 200
    sender = party(phone=phone, id_number=resident_id(seq="617"))
    assert "WATCHLIST_HIT" not in codes(new.score(waybill(sender=sender)))
    assert "WATCHLIST_HIT" in codes(old.score(waybill(sender=sender)))


@pytest.mark.redis
def test_a_list_entry_put_through_one_node_hits_on_another_node_of_its_own_data_dir(
    nodes: Callable[..., Node],
) -> None:
    one, two = nodes(), nodes()
    phone = "13544556677"
    admin = bearer(make_key(one.app, "admin", "ops"))
    entry = [{"list": "black", "kind": "phone", "value": phone}]
    assert one.http.put("/v1/admin/lists", json=entry, headers=admin).status_code == 200
    d = two.score(waybill(sender=party(phone=phone, id_number=resident_id(seq="613"))))
    assert d["decision"] == "hold" and "WATCHLIST_HIT" in codes(d)


@pytest.mark.redis
def test_an_agreement_put_through_one_node_qualifies_on_another_node_of_its_own_data_dir(
    nodes: Callable[..., Node],
) -> None:
    one, two = nodes(), nodes()
    admin = bearer(make_key(one.app, "admin", "ops"))
    agreement = {
        "contract_id": "SHOP-614",
        "name": "某网店",
        "carrier": "SF",
        "status": "active",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    assert one.http.put("/v1/admin/agreements", json=[agreement], headers=admin).status_code == 200
    shop = agreement_customer("SHOP-614")
    assert one.score(waybill(sender=shop))["decision"] == "release"
    assert two.score(waybill(sender=shop))["decision"] == "release"


class RoundTrips:
    """Counts the packed pipelines a single-node Redis store writes (one a round trip)."""

    def __init__(self, store: RedisHistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        send = store._send

        async def counted(calls: Any) -> list[Any]:
            self.count += 1
            return await send(calls)

        monkeypatch.setattr(store, "_send", counted)


@pytest.fixture
def held_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """However long the next parcel takes to come, a decision remembered soon waits for its round trip."""
    monkeypatch.setattr(redis_store, "REMEMBER_SOON_S", 3600.0)


@pytest.fixture
def counted(
    held_back: None, nodes: Callable[..., Node], monkeypatch: pytest.MonkeyPatch
) -> tuple[Node, RoundTrips]:
    """A node on single-node Redis whose round trips are counted, its scripts loaded by a first parcel."""
    node = nodes()
    store = node.app.state.engine.history
    assert isinstance(store, RedisHistoryStore)
    node.score(waybill())
    return node, RoundTrips(store, monkeypatch)


@pytest.mark.redis
def test_a_new_waybill_costs_one_pipelined_round_trip_to_redis(counted: tuple[Node, RoundTrips]) -> None:
    node, trips = counted
    first = waybill(sender=party(phone="13544550001", id_number=resident_id(seq="615")))
    assert node.score(first)["decision"] == "release"
    assert trips.count == 1
    second = waybill(sender=party(phone="13544550004", id_number=resident_id(seq="618")))
    node.score(second)
    assert trips.count == 2  # the first's decision rode along
    assert node.score(first)["decision"] == "release"  # a re-send finds it
    assert trips.count == 3


@pytest.mark.redis
def test_a_decision_of_a_node_reaches_a_re_send_to_another_node_with_no_more_traffic(
    nodes: Callable[..., Node],
) -> None:
    one, two = nodes(), nodes()
    wb = waybill(sender=party(phone="13544550005", id_number=resident_id(seq="619")))
    decided = one.score(wb)

    assert two.score(wb) == decided


@pytest.mark.redis
@pytest.mark.usefixtures("held_back")
def test_a_contract_parcel_reads_the_agreement_registry_in_the_historys_round_trip(
    nodes: Callable[..., Node], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = nodes(), nodes()
    admin = bearer(make_key(one.app, "admin", "ops"))
    agreement = {"contract_id": "SHOP-617", "name": "某网店", "carrier": "SF", "status": "active"}
    assert one.http.put("/v1/admin/agreements", json=[agreement], headers=admin).status_code == 200
    shop = agreement_customer("SHOP-617", phone="13544550003")
    assert two.score(waybill(sender=shop))["decision"] == "release"  # scripts loaded, registry read
    trips = RoundTrips(two.app.state.engine.history, monkeypatch)
    registry = two.app.state.engine.agreements
    reads = 0
    read = registry._read

    async def counted(**options: Any) -> bool:
        nonlocal reads
        reads += 1
        return bool(await read(**options))

    monkeypatch.setattr(registry, "_read", counted)
    assert two.score(waybill(sender=shop))["decision"] == "release"
    # As any first body, one round trip: the registry's version rode along.
    assert (trips.count, reads) == (1, 0)
    suspended = {**agreement, "status": "suspended"}
    assert one.http.put("/v1/admin/agreements", json=[suspended], headers=admin).status_code == 200
    assert "CONTRACT_UNQUALIFIED" in codes(two.score(waybill(sender=shop)))
    assert reads == 1


@pytest.mark.redis
def test_a_re_sent_waybill_costs_one_round_trip_and_gets_its_decision(
    counted: tuple[Node, RoundTrips],
) -> None:
    node, trips = counted
    wb = held(sender=party(phone="13544550002", id_number=resident_id(seq="616")))
    first = node.score(wb)
    trips.count = 0
    assert node.score(wb) == first
    assert trips.count == 1


# SQL down: case pages and the case API answer 503, and nothing they were asked is done ----------------------


@dataclass
class Desk:
    """A service whose case database can be switched off, with the customs system's key and a person."""

    svc: Service
    people: CaseClient
    customs: dict[str, str]

    def case(self, case_id: str) -> Body:
        """GET one case with the customs key (SQL up)."""
        r = self.svc.http.get(f"/v1/cases/{case_id}", headers=self.customs)
        assert r.status_code == 200, r.text
        out: Body = r.json()
        return out


@pytest.fixture
def desk(tmp_path: Path, policy: Policy, sqlite_template: Path) -> Iterator[Desk]:
    """A started service on SQLite behind a switch, a supervisor logged in, the customs key known."""
    with running(tmp_path / "data", policy, sqlite_template) as svc:
        people = CaseClient(svc.http, svc.app)
        people.add_user("zhou", "supervisor", "officer")
        customs = svc.key("customs", "SHA-PVG")
        assert svc.http.get("/v1/cases", headers=customs).status_code == 200  # the key is known now
        assert people.login("zhou", PASSWORD).status_code == 200
        yield Desk(svc, people, customs)


def test_while_sql_is_down_the_case_pages_answer_503_not_a_login_redirect(desk: Desk) -> None:
    case_id = desk.svc.score(held())["case_id"]
    assert desk.svc.http.get("/cases").status_code == 200
    desk.svc.sql.down = True
    for url in ("/cases", f"/cases/{case_id}"):
        r = desk.svc.http.get(url, follow_redirects=False)
        assert r.status_code == 503, (url, r.status_code)


def test_while_sql_is_down_notes_and_attachments_are_503_and_not_added_once_it_is_back(desk: Desk) -> None:
    case_id = desk.svc.score(held())["case_id"]
    before = desk.case(case_id)
    desk.svc.sql.down = True
    note = desk.svc.http.post(
        f"/v1/cases/{case_id}/notes", json={"text": "x-ray matches the declaration"}, headers=desk.customs
    )
    attachment = {"kind": "xray", "reference": "xray://SF-310115-0042/0001.png", "sha256": "ab" * 32}
    attached = desk.svc.http.post(f"/v1/cases/{case_id}/attachments", json=attachment, headers=desk.customs)
    assert (note.status_code, attached.status_code) == (503, 503)
    desk.svc.sql.down = False
    after = desk.case(case_id)
    assert (after["notes"], after["attachments"], after["history"]) == ([], [], before["history"])


def test_while_sql_is_down_an_unmasking_is_503_shows_no_number_and_is_not_written(desk: Desk) -> None:
    number = resident_id(region="330106", birth="19880808", seq="621")
    case_id = desk.svc.score(held(sender=party(id_number=number)))["case_id"]
    before = desk.case(case_id)["history"]
    desk.svc.sql.down = True
    r = desk.svc.http.post(f"/v1/cases/{case_id}/unmask")
    assert r.status_code == 503
    assert number not in r.text and number[:-1] not in r.text
    desk.svc.sql.down = False
    assert desk.case(case_id)["history"] == before
    shown = desk.svc.http.post(f"/v1/cases/{case_id}/unmask")
    assert shown.status_code == 200 and shown.json()["sender_id_number"] == number


def test_while_sql_is_down_a_ring_action_is_503_and_no_case_of_the_ring_moves(desk: Desk) -> None:
    slots = [desk.svc.score(wb) for wb in ring_of("622")]
    cases = [s["case_id"] for s in slots if s["case_id"]]
    assert len(cases) == 2
    cluster = desk.case(cases[0])["cluster_id"]
    assert cluster and desk.case(cases[1])["cluster_id"] == cluster
    desk.svc.sql.down = True
    body = {"action": "seize", "violation_type": "undeclared goods"}
    assert desk.svc.http.post(f"/v1/cases/clusters/{cluster}/actions", json=body).status_code == 503
    desk.svc.sql.down = False
    assert [desk.case(c)["status"] for c in cases] == ["open", "open"]
    sender = ant_ring(1, id_number=resident_id(seq="622"))[0]["sender"]
    assert "PRIOR_VIOLATIONS" not in codes(desk.svc.score(waybill(hours_after=24, sender=sender)))


def test_while_sql_is_down_verifying_the_audit_trail_is_503_and_then_whole(desk: Desk) -> None:
    desk.svc.score(held())
    desk.svc.sql.down = True
    assert desk.svc.http.get("/v1/cases/audit/verify").status_code == 503
    desk.svc.sql.down = False
    verdict = desk.svc.http.get("/v1/cases/audit/verify").json()
    assert verdict["problem"] is None and verdict["entries"] >= 1


# Bad input: a key given twice, and unparsable JSON without a key -------------------------------------------


def twice(wb: Body, key: str, first: Any, second: Any) -> bytes:
    """A waybill's JSON text with one of its keys (any depth, written `"key": first`) given twice."""
    text = json.dumps(wb, ensure_ascii=False)
    written = f'"{key}": {json.dumps(first, ensure_ascii=False)}'
    assert text.count(written) == 1, written
    return text.replace(written, f'{written}, "{key}": {json.dumps(second, ensure_ascii=False)}').encode()


def never_scored(http: TestClient, *wbs: Body) -> bool:
    """No decision can be read back for any of these parcels."""
    return all(http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}").status_code == 404 for wb in wbs)


def duplicate_at(*locs: list[Any]) -> list[Body]:
    """The 422 detail naming each key given twice, in document order."""
    return [{"loc": loc, "msg": DUPLICATE_KEY, "type": "duplicate_key"} for loc in locs]


def test_a_key_given_twice_is_a_duplicate_key_422_at_its_path_and_nothing_is_scored(
    client: ScoringClient,
) -> None:
    wb = waybill()
    r = client.http.post("/v1/score", content=twice(wb, "weight_kg", 0.6, 6.0), headers=JSON)
    assert (r.status_code, r.json()) == (422, {"detail": duplicate_at(["body", "weight_kg"])})
    assert never_scored(client.http, wb)


def test_a_key_given_twice_deep_in_a_party_is_named_by_its_whole_path(client: ScoringClient) -> None:
    wb = waybill()
    body = twice(wb, "detail", wb["sender"]["address"]["detail"], "另一条路1号")
    r = client.http.post("/v1/score", content=body, headers=JSON)
    assert (r.status_code, r.json()) == (
        422,
        {"detail": duplicate_at(["body", "sender", "address", "detail"])},
    )
    assert never_scored(client.http, wb)


def test_a_key_given_twice_in_one_batch_slot_refuses_the_whole_batch_naming_the_slot(
    client: ScoringClient,
) -> None:
    good, bad, other = waybill(), held(), waybill()
    slot = twice(bad, "declared_value", 1000.0, 100.0).decode()
    body = '{"waybills": [' + ", ".join([json.dumps(good), slot, json.dumps(other)]) + "]}"
    r = client.http.post("/v1/score/batch", content=body.encode(), headers=JSON)
    assert r.status_code == 422
    assert r.json() == {"detail": duplicate_at(["body", "waybills", 1, "declared_value"])}
    assert never_scored(client.http, good, bad, other)


def test_keys_given_twice_in_two_slots_are_each_named_in_document_order(client: ScoringClient) -> None:
    first, second = waybill(), waybill()
    slots = [twice(first, "weight_kg", 0.6, 1.6).decode(), twice(second, "currency", "CNY", "USD").decode()]
    r = client.http.post(
        "/v1/score/batch", content=('{"waybills": [' + ", ".join(slots) + "]}").encode(), headers=JSON
    )
    assert r.status_code == 422
    assert r.json()["detail"] == duplicate_at(
        ["body", "waybills", 0, "weight_kg"], ["body", "waybills", 1, "currency"]
    )
    assert never_scored(client.http, first, second)


@pytest.fixture
def production(tmp_path: Path, policy: Policy) -> Iterator[tuple[FastAPI, TestClient]]:
    """A started production service (scoring needs a carrier key)."""
    settings = Settings(
        env="production",
        data_dir=tmp_path / "data",
        id_hmac_key=SECRET_A,
        id_encryption_key="e" * 40,
        session_secret="s" * 40,
    )
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield app, http


@pytest.mark.parametrize("route", ["/v1/score", "/v1/score/batch"])
def test_json_that_does_not_parse_without_a_key_is_the_missing_keys_401_and_with_one_a_422(
    production: tuple[FastAPI, TestClient], route: str
) -> None:
    app, http = production
    broken = b'{"waybills": [{"waybill_no": ' if route.endswith("batch") else b'{"waybill_no": '
    r = http.post(route, content=broken, headers=JSON)
    assert (r.status_code, r.headers.get("www-authenticate")) == (401, "Bearer")
    keyed = http.post(route, content=broken, headers={**JSON, **bearer(make_key(app, "carrier", "SF"))})
    assert keyed.status_code == 422 and keyed.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize("route", ["/v1/score", "/v1/score/batch"])
def test_json_with_a_key_given_twice_without_a_key_is_the_missing_keys_401(
    production: tuple[FastAPI, TestClient], route: str
) -> None:
    _, http = production
    wb = waybill()
    body = twice(wb, "weight_kg", 0.6, 6.0)
    if route.endswith("batch"):
        body = b'{"waybills": [' + body + b"]}"
    r = http.post(route, content=body, headers=JSON)
    assert (r.status_code, r.headers.get("www-authenticate")) == (401, "Bearer")


# Cases: the audit trail verified over HTTP; a receiver's own number in free text ---------------------------


@pytest.fixture
def worked(cases_client: CaseClient) -> tuple[CaseClient, str]:
    """Two holds, then a claim, a note and a release of the first by a supervisor: five entries."""
    first = cases_client.score(held())["case_id"]
    cases_client.score(held())
    cases_client.as_new("qian", "supervisor")
    assert cases_client.act(first, "assign").status_code == 200
    note = cases_client.http.post(f"/v1/cases/{first}/notes", json={"text": "called the sender"})
    assert note.status_code == 200
    assert cases_client.act(first, "release").status_code == 200
    verdict = cases_client.http.get("/v1/cases/audit/verify").json()
    assert (verdict["entries"], verdict["head_seq"], verdict["problem"]) == (5, 5, None)
    return cases_client, first


def verdict_after(client: CaseClient, change: Callable[[sa.orm.Session], Any]) -> Body:
    """GET /v1/cases/audit/verify after a change made straight in the database."""
    client.app.state.db.write_sync(change)
    r = client.http.get("/v1/cases/audit/verify")
    assert r.status_code == 200, r.text
    out: Body = r.json()
    return out


def test_the_audit_route_names_the_first_edited_entry(worked: tuple[CaseClient, str]) -> None:
    client, _ = worked
    verdict = verdict_after(
        client, lambda s: s.execute(sa.update(AuditEntry).where(AuditEntry.seq == 3).values(actor="someone"))
    )
    assert verdict["bad_seq"] == 3 and verdict["problem"]


def test_the_audit_route_names_a_deleted_entry(worked: tuple[CaseClient, str]) -> None:
    client, _ = worked
    verdict = verdict_after(client, lambda s: s.execute(sa.delete(AuditEntry).where(AuditEntry.seq == 2)))
    assert verdict["bad_seq"] == 2 and verdict["problem"]


def test_the_audit_route_names_the_first_entry_cut_off_the_end(worked: tuple[CaseClient, str]) -> None:
    client, _ = worked
    verdict = verdict_after(client, lambda s: s.execute(sa.delete(AuditEntry).where(AuditEntry.seq >= 4)))
    assert verdict["bad_seq"] == 4 and verdict["problem"]


def test_the_audit_route_catches_an_outcome_rewritten_in_the_trail(worked: tuple[CaseClient, str]) -> None:
    client, case_id = worked
    last = client.http.get(f"/v1/cases/{case_id}").json()["history"][-1]
    assert last["after"]["status"] == "released"
    verdict = verdict_after(
        client,
        lambda s: s.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.seq == last["seq"])
            .values(after={**last["after"], "status": "seized"})
        ),
    )
    assert verdict["bad_seq"] == last["seq"]


def test_a_buyers_own_number_typed_into_the_name_address_or_goods_is_masked_on_the_answer_and_case(
    cases_client: CaseClient,
) -> None:
    number = resident_id(region="440106", birth="19920415", seq="631")
    buyer = cn_receiver(
        name=f"王芳 {number}",
        id_type="resident_id",
        id_number=number,
        id_verified=True,
        address={"detail": f"建国路93号8号楼1201 身份证{number}"},
    )
    wb = waybill(
        service="import",
        channel="cbec",
        sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        receiver=buyer,
        items=[
            item(
                description=f"手提包 handbag for {number}",
                category="bags_leather",
                quantity=1,
                unit_value=6000.0,
            )
        ],
    )
    d = cases_client.score(wb)
    assert d["decision"] == "hold" and "CBEC_SINGLE_LIMIT" in codes(d)
    cases_client.as_new("sun", "officer")
    case = cases_client.http.get(f"/v1/cases/{d['case_id']}")
    page = cases_client.http.get(f"/cases/{d['case_id']}")
    assert case.status_code == page.status_code == 200
    assert mask_id(number) in case.text
    texts = {"answer": json.dumps(d, ensure_ascii=False), "case": case.text, "page": page.text}
    assert {k: t for k, t in texts.items() if number in t or number[:-1] in t} == {}


# Compliance registries: a file broken by hand keeps its last good entries, and says so --------------------


class Collected(logging.Handler):
    """Keeps every record of a logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep it."""
        self.records.append(record)


def test_an_agreements_file_broken_by_hand_is_logged_and_the_last_good_entries_still_decide(
    client: ScoringClient, settings: Settings
) -> None:
    admin = bearer(make_key(client.http.app, "admin", "ops"))  # type: ignore[arg-type]
    header = "contract_id,name,carrier,status,valid_from,valid_until\n"
    r = client.http.post(
        "/v1/admin/agreements/csv",
        content=(header + "SHOP-641,某网店,SF,active,2026-01-01,2026-12-31\n").encode(),
        headers={"content-type": "text/csv", **admin},
    )
    assert r.status_code == 200, r.text
    shop = party(
        name="某网店",
        customer_type="contract",
        contract_id="SHOP-641",
        id_type=None,
        id_number=None,
        id_verified=False,
        verification_method=None,
    )
    assert client.score(waybill(sender=shop))["decision"] == "release"
    path = settings.data_dir / "agreements.csv"
    path.write_text(header + "SHOP-641,某网店,sf,active,2026-01-01,2026-12-31\n", encoding="utf-8")
    collected = Collected()
    logger = logging.getLogger("screening.registry_csv")
    logger.addHandler(collected)
    try:
        assert client.score(waybill(sender=shop))["decision"] == "release"
    finally:
        logger.removeHandler(collected)
    assert any(r.levelno >= logging.WARNING and str(path) in r.getMessage() for r in collected.records)
    r = client.http.post(
        "/v1/admin/agreements/csv",
        content=(header + "SHOP-642,另一店,SF,active,,\n").encode(),
        headers={"content-type": "text/csv", **admin},
    )
    assert r.status_code == 200
    listed = client.http.get("/v1/admin/agreements", headers=admin).json()
    assert sorted(a["contract_id"] for a in listed) == ["SHOP-641", "SHOP-642"]


def test_uploads_through_two_workers_at_once_are_merged_and_neither_is_lost(
    settings: Settings, policy: Policy
) -> None:
    header = "contract_id,name,carrier,status,valid_from,valid_until\n"
    first, second = create_app(settings), create_app(settings)
    with TestClient(first) as one, TestClient(second) as two:
        admin = bearer(make_key(first, "admin", "ops"))

        def upload(http: TestClient, tag: str) -> list[int]:
            return [
                http.post(
                    "/v1/admin/agreements/csv",
                    content=(header + f"{tag}-{n},店{n},SF,active,,\n").encode(),
                    headers={"content-type": "text/csv", **admin},
                ).status_code
                for n in range(12)
            ]

        with ThreadPoolExecutor(2) as pool:
            done = [pool.submit(upload, one, "ONE"), pool.submit(upload, two, "TWO")]
            statuses = [s for f in done for s in f.result()]
        assert set(statuses) == {200}
        expected = sorted(f"{tag}-{n}" for tag in ("ONE", "TWO") for n in range(12))
        for http in (one, two):
            listed = http.get("/v1/admin/agreements", headers=admin).json()
            assert sorted(a["contract_id"] for a in listed) == expected
        second.state.engine.policy = policy
        shop = party(
            name="店3",
            customer_type="contract",
            contract_id="ONE-3",
            id_type=None,
            id_number=None,
            id_verified=False,
            verification_method=None,
        )
        assert two.post("/v1/score", json=waybill(sender=shop)).json()["decision"] == "release"
