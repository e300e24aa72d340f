"""Agreement customers (协议客户) and the real-name exemptions over HTTP, from the sources and the README.

Written from ../shared/domain/RULES.md §1 (快递暂行条例 art. 22 and 31: letters and parcels of customers who
signed a safety agreement need no per-parcel ID check; real-name pickup applies where the parcel is handed
over in China: domestic and export, not import; organisations register their USCC) and §3
(REALNAME_MISSING: reject, unless a letter/document or a qualified agreement customer; CONTRACT_UNQUALIFIED:
hold, an agreement customer unknown, suspended or expired; OVER_PERSONAL_LIMIT for personal articles only),
../shared/contract/README.md (customer_type, contract_id, 422 bodies naming every field and changing
nothing, idempotent re-sends, batches), ../shared/ARCHITECTURE.md (the agreement-customer registry lives in
Redis beside the history, loaded from files or the admin API, checked on every parcel; bad input touches no
state) and the README (`PUT /v1/admin/agreements`, `POST /v1/admin/agreements/csv`, `GET
/v1/admin/agreements`; `SCREENING_AGREEMENTS_FILE` with the columns
`contract_id,name,carrier,status,valid_from,valid_until`; the data dir keeps the agreements; a registry
carrier left empty means any carrier; each (customer, carrier) agreement is its own; an organisation or an
agreement customer sending by express ships goods, not personal articles; the security model).

The engine-level scenarios of the same rules live in tests/screening/test_scenarios_realname.py and
test_scenarios_identity.py; these drive the registry as an admin system does (JSON and CSV, bad uploads,
restarts, the start-up file, several workers) and score as a courier system does.
Most tests share one started app (built as the `client` fixture builds it), each with an empty registry
and history store of its own; restarts, the start-up file, a person's session and two workers get their
own apps.

Readings where the sources leave a choice:
- An agreement's `valid_from` and `valid_until` are its first and last day, both inclusive, as Beijing
  calendar days of `accepted_at`; an empty one is an open end. `status` takes `active` or `suspended` (what
  an administrator sets); an agreement expires by its dates.
- A registry row with an empty carrier stands for every carrier that has no agreement of its own with the
  customer: a carrier's own (say suspended) agreement governs that carrier's parcels.
- An agreement number is matched as written, blanks around it aside: `shop-1`, `SHOP 1` or `SHOP1` are not
  `SHOP-1`. An exemption from the law is not granted on a near match; the sender is then an agreement
  customer of unknown standing (CONTRACT_UNQUALIFIED, status `unknown`), the safe side.
- The exemption of a qualified agreement customer covers the whole per-parcel check (registering and
  verifying the ID): no REALNAME_UNVERIFIED either. It does not cover the buyer's ID on a cbec import.
- CONTRACT_UNQUALIFIED concerns the sender (the one who signs a safety agreement to hand parcels over); the
  catalogue gives it no lane, so an unknown agreement customer sending an import is held too.
- The CSV upload adds or replaces agreements (by customer and carrier); it never removes the others. A bad
  upload is a 422 whose `loc` is `["csv", <line of the file>, <field>]` (the header is line 1, blank lines
  counted) and applies none of its rows; a file that is not UTF-8 is a 422 at `["body"]`.
- A bad `SCREENING_AGREEMENTS_FILE` refuses the start, naming the line and field.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import CSRF_HEADER
from screening.agreements import AgreementRegistry
from screening.errors import ScreeningError
from screening.history.embedded import EmbeddedHistoryStore
from screening.keys.service import KeyKind
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes, reason_of
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.conftest import ScoringClient
from tests.factories import NO_ID, cn_receiver, hk_receiver, item, party, waybill
from tests.screening.test_scenarios_identity import uscc_of
from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S

Body = dict[str, Any]

AGREEMENTS = "/v1/admin/agreements"
AGREEMENTS_CSV = "/v1/admin/agreements/csv"
HEADER = "contract_id,name,carrier,status,valid_from,valid_until"
USCC = uscc_of("91310115MA1K3Y2B0")


# Helpers ------------------------------------------------------------------------------------------------


def table(*rows: str, header: str = HEADER, newline: str = "\n") -> str:
    """An agreements CSV: the header, then the rows."""
    return newline.join([header, *rows]) + newline


class Desk:
    """An admin system keeping the registry with its key, beside a courier system scoring parcels."""

    def __init__(self, client: ScoringClient, headers: dict[str, str]) -> None:
        self.client = client
        self.http = client.http
        self.headers = headers

    def csv(self, text: str | bytes) -> httpx2.Response:
        """POST an agreements CSV body."""
        body = text.encode("utf-8") if isinstance(text, str) else text
        headers = {"content-type": "text/csv", **self.headers}
        return self.http.post(AGREEMENTS_CSV, content=body, headers=headers)

    def upload(self, *rows: str) -> None:
        """Upload CSV rows and expect every one applied."""
        r = self.csv(table(*rows))
        assert r.status_code == 200, r.text
        assert r.json() == {"upserted": len(rows)}

    def put(self, entries: list[Body]) -> httpx2.Response:
        """PUT agreements as JSON."""
        return self.http.put(AGREEMENTS, json=entries, headers=self.headers)

    def registry(self) -> list[Body]:
        """GET every agreement."""
        r = self.http.get(AGREEMENTS, headers=self.headers)
        assert r.status_code == 200, r.text
        listed: list[Body] = r.json()
        return listed

    def post(self, body: Body) -> httpx2.Response:
        """POST /v1/score, whatever the answer."""
        return self.http.post("/v1/score", json=body)

    def score(self, body: Body) -> Body:
        """POST /v1/score and expect a decision."""
        return self.client.score(body)


@pytest.fixture(scope="module")
def shared_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FastAPI, ScoringClient, dict[str, str]]]:
    """One started app for the module (as the `client` fixture builds it), with an admin system's key."""
    settings = Settings(env="development", data_dir=tmp_path_factory.mktemp("agreements") / "data")
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = load_policy(DEFAULT_POLICY).model_copy(
            update={"audit": Audit(random_rate=0.0)}
        )
        yield app, ScoringClient(http), bearer(make_key(app, "admin", "ops"))


@pytest.fixture
def desk(shared_app: tuple[FastAPI, ScoringClient, dict[str, str]], tmp_path: Path) -> Desk:
    """The module's app as if new: an empty agreement registry (kept in this test's directory), no history."""
    app, client, headers = shared_app
    # A fresh registry and history store per test instead of a fresh app: starting one costs half a second.
    app.state.engine.agreements = AgreementRegistry(tmp_path / "agreements.csv")
    app.state.engine.history = EmbeddedHistoryStore()
    return Desk(client, headers)


def shop(contract_id: str | None = "SHOP-1", **changes: Any) -> Body:
    """An agreement customer in Shanghai handing parcels over without a per-parcel ID."""
    fields: Body = {"name": "某网店", "customer_type": "contract", "contract_id": contract_id}
    return party(**(NO_ID | fields | changes))


def shop_with_id(contract_id: str | None = "SHOP-1", **changes: Any) -> Body:
    """An agreement customer whose clerk registered a verified resident ID."""
    return party(**({"name": "某网店", "customer_type": "contract", "contract_id": contract_id} | changes))


def org(**changes: Any) -> Body:
    """An organisation registering its unified social credit code, checked by hand."""
    fields: Body = {
        "name": "上海某某贸易有限公司",
        "id_type": "uscc",
        "id_number": USCC,
        "verification_method": "manual",
    }
    return party(**(fields | changes))


def abroad(**changes: Any) -> Body:
    """A sender in Hong Kong (no identity document): the other end of an import."""
    return hk_receiver(**({"name": "GLOBAL SHOP", "phone": "+85230001000"} | changes))


def on_carrier(wb: Body, carrier: str) -> Body:
    """The same waybill taken by another carrier (its own waybill number and outlet)."""
    return wb | {
        "carrier": carrier,
        "waybill_no": carrier + wb["waybill_no"][2:],
        "outlet_id": f"{carrier}-310115-0001",
    }


def at(when: str, **changes: Any) -> Body:
    """A domestic waybill picked up at the given ISO-8601 time."""
    return waybill(**changes) | {"accepted_at": when}


def letter() -> Body:
    """A letter: contract papers, declared as documents."""
    return item(description="合同文件 contract papers", category="documents", quantity=1, unit_value=0.0)


def tshirt() -> Body:
    """An ordinary article of goods."""
    return item(description="纯棉T恤 cotton T-shirt", category="apparel_shoes", quantity=1, unit_value=60.0)


def outcomes(d: Body) -> dict[str, str]:
    """Each reason's own outcome, by code."""
    return {r["code"]: r["outcome"] for r in d["reasons"]}


def order(d: Body) -> list[str]:
    """The reason codes in the order the decision gives them."""
    return [r["code"] for r in d["reasons"]]


def assert_plain_release(d: Body) -> None:
    """Released with no reason at all."""
    assert (d["decision"], d["reasons"]) == ("release", []), d["reasons"]


def assert_unqualified_without_id(d: Body, status: str | None, contract_id: str | None = "SHOP-1") -> None:
    """No ID and no usable agreement: rejected for the ID, the agreement named with its standing."""
    assert outcomes(d) == {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"}
    assert order(d) == ["REALNAME_MISSING", "CONTRACT_UNQUALIFIED"]
    ev = reason_of(d, "CONTRACT_UNQUALIFIED")["evidence"]
    assert ev["contract_id"] == contract_id
    if status is not None:
        assert ev["status"] == status
    assert d["decision"] == "reject"


def assert_held_for_agreement(d: Body, status: str | None, contract_id: str | None = "SHOP-1") -> None:
    """A verified ID but no usable agreement: held for the agreement alone, with a case."""
    assert outcomes(d) == {"CONTRACT_UNQUALIFIED": "hold"}
    ev = reason_of(d, "CONTRACT_UNQUALIFIED")["evidence"]
    assert ev["contract_id"] == contract_id
    if status is not None:
        assert ev["status"] == status
    assert d["decision"] == "hold" and d["case_id"]


def locs(r: httpx2.Response) -> list[list[Any]]:
    """The loc of every error of a 422 body."""
    assert r.status_code == 422, r.text
    return [e["loc"] for e in r.json()["detail"]]


ACTIVE_2026 = "SHOP-1,某网店,SF,active,2026-01-01,2026-12-31"


# Loading the registry over HTTP ------------------------------------------------------------------------


def test_a_csv_upload_qualifies_at_once_and_lists_every_column(desk: Desk) -> None:
    assert_unqualified_without_id(desk.score(waybill(sender=shop())), "unknown")
    desk.upload(ACTIVE_2026, "SHOP-2,另一网店,,suspended,,")
    assert_plain_release(desk.score(waybill(sender=shop())))
    assert desk.registry() == [
        {
            "contract_id": "SHOP-1",
            "name": "某网店",
            "carrier": "SF",
            "status": "active",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
        {
            "contract_id": "SHOP-2",
            "name": "另一网店",
            "carrier": None,
            "status": "suspended",
            "valid_from": None,
            "valid_until": None,
        },
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_quoted_name_with_a_comma_loads_whatever_the_line_ends(desk: Desk, newline: str) -> None:
    text = table('SHOP-1,"上海某某, Ltd.",SF,active,2026-01-01,2026-12-31', newline=newline)
    r = desk.csv(text)
    assert (r.status_code, r.json()) == (200, {"upserted": 1})
    [listed] = desk.registry()
    assert (listed["contract_id"], listed["name"], listed["carrier"]) == ("SHOP-1", "上海某某, Ltd.", "SF")
    assert listed["valid_until"] == "2026-12-31"
    assert_plain_release(desk.score(waybill(sender=shop())))


def test_a_second_upload_adds_to_the_registry_without_removing_the_first(desk: Desk) -> None:
    desk.upload(ACTIVE_2026)
    desk.upload("SHOP-2,另一网店,SF,active,2026-01-01,2026-12-31")
    assert [a["contract_id"] for a in desk.registry()] == ["SHOP-1", "SHOP-2"]
    assert_plain_release(desk.score(waybill(sender=shop("SHOP-1"))))
    assert_plain_release(desk.score(waybill(sender=shop("SHOP-2"))))


@pytest.mark.parametrize("route", ["csv", "json"])
def test_a_new_upload_of_one_customer_and_carrier_replaces_its_agreement(desk: Desk, route: str) -> None:
    desk.upload(ACTIVE_2026)
    assert_plain_release(desk.score(waybill(sender=shop())))
    if route == "csv":
        r = desk.csv(table("SHOP-1,某网店,SF,suspended,2026-01-01,2026-12-31"))
    else:
        r = desk.put([{"contract_id": "SHOP-1", "name": "某网店", "carrier": "SF", "status": "suspended"}])
    assert (r.status_code, r.json()) == (200, {"upserted": 1})
    [listed] = desk.registry()
    assert (listed["contract_id"], listed["carrier"], listed["status"]) == ("SHOP-1", "SF", "suspended")
    assert_unqualified_without_id(desk.score(waybill(sender=shop())), "suspended")


def test_the_registry_survives_a_restart(settings: Settings, policy: Policy) -> None:
    def started() -> tuple[FastAPI, TestClient]:
        app = create_app(settings)
        return app, TestClient(app)

    app, http = started()
    with http:
        app.state.engine.policy = policy
        desk = Desk(ScoringClient(http), bearer(make_key(app, "admin", "ops")))
        desk.upload(ACTIVE_2026, "SHOP-2,另一网店,SF,active,2026-01-01,2026-12-31")
        r = desk.put([{"contract_id": "SHOP-2", "name": "另一网店", "carrier": "SF", "status": "suspended"}])
        assert r.status_code == 200, r.text

    app, http = started()  # a new process builds the same app from the same data dir
    with http:
        app.state.engine.policy = policy
        desk = Desk(ScoringClient(http), bearer(make_key(app, "admin", "ops")))
        assert_plain_release(desk.score(waybill(sender=shop("SHOP-1"))))
        assert_unqualified_without_id(desk.score(waybill(sender=shop("SHOP-2"))), "suspended", "SHOP-2")
        assert [(a["contract_id"], a["status"]) for a in desk.registry()] == [
            ("SHOP-1", "active"),
            ("SHOP-2", "suspended"),
        ]


def test_the_agreements_file_is_loaded_at_start(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "agreements.csv"
    path.write_text(table(ACTIVE_2026, "SHOP-9,停用网店,SF,suspended,,"), encoding="utf-8")
    app = create_app(Settings(env="development", data_dir=tmp_path / "data", agreements_file=path))
    with TestClient(app) as http:
        app.state.engine.policy = policy
        desk = Desk(ScoringClient(http), bearer(make_key(app, "admin", "ops")))
        assert_plain_release(desk.score(waybill(sender=shop("SHOP-1"))))
        assert_unqualified_without_id(desk.score(waybill(sender=shop("SHOP-9"))), "suspended", "SHOP-9")
        assert [a["contract_id"] for a in desk.registry()] == ["SHOP-1", "SHOP-9"]


def test_a_bad_agreements_file_refuses_the_start_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "agreements.csv"
    path.write_text(table(ACTIVE_2026, "SHOP-2,另一网店,sf,active,,"), encoding="utf-8")
    settings = Settings(env="development", data_dir=tmp_path / "data", agreements_file=path)
    with pytest.raises(ScreeningError) as caught, TestClient(create_app(settings)):
        pass
    detail = getattr(caught.value, "detail", [])
    assert [e["loc"] for e in detail] == [["csv", 3, "carrier"]]


def test_an_agreement_uploaded_to_one_worker_qualifies_on_the_other(
    tmp_path: Path, policy: Policy, redis_server: int
) -> None:
    # Two workers of one service: one Redis, one data dir (ARCHITECTURE: the registry lives in Redis).
    settings = Settings(
        env="development",
        data_dir=tmp_path / "data",
        redis_url=f"redis://127.0.0.1:{redis_server}/0",
        redis_prefix=f"t{uuid.uuid4().hex[:10]}:",
        redis_timeout_s=REDIS_TIMEOUT_S,
    )
    first, second = create_app(settings), create_app(settings)
    with TestClient(first) as one, TestClient(second) as two:
        first.state.engine.policy = policy
        second.state.engine.policy = policy
        desk = Desk(ScoringClient(one), bearer(make_key(first, "admin", "ops")))
        desk.upload(ACTIVE_2026)
        assert_plain_release(desk.score(waybill(sender=shop())))
        assert_plain_release(ScoringClient(two).score(waybill(sender=shop())))


# Bad uploads: a 422 naming the line and field, and nothing applied ------------------------------------------

BAD_ROWS = [
    pytest.param(",坏店,SF,active,,", ["csv", 3, "contract_id"], id="no-contract-id"),
    pytest.param("BAD-1,坏店,sf,active,,", ["csv", 3, "carrier"], id="lower-case-carrier"),
    pytest.param("BAD-1,坏店,SF,paused,,", ["csv", 3, "status"], id="unknown-status"),
    pytest.param("BAD-1,坏店,SF,active,2026/01/01,", ["csv", 3, "valid_from"], id="slashed-date"),
    pytest.param("BAD-1,坏店,SF,active,,2026-02-30", ["csv", 3, "valid_until"], id="30-february"),
    pytest.param("BAD-1,坏店,SF,active,,,extra", ["csv", 3], id="more-cells-than-the-header"),
]


@pytest.mark.parametrize(("row", "loc"), BAD_ROWS)
def test_a_bad_row_is_named_and_the_good_row_beside_it_is_not_applied(
    desk: Desk, row: str, loc: list[Any]
) -> None:
    desk.upload(ACTIVE_2026)
    # The good row of the bad file would suspend SHOP-1 and register SHOP-2.
    good = "SHOP-1,某网店,SF,suspended,2026-01-01,2026-12-31"
    r = desk.csv(table(good, row, "SHOP-2,另一网店,SF,active,,"))
    assert locs(r) == [loc]
    assert [(a["contract_id"], a["status"]) for a in desk.registry()] == [("SHOP-1", "active")]
    assert_plain_release(desk.score(waybill(sender=shop("SHOP-1"))))
    assert_unqualified_without_id(desk.score(waybill(sender=shop("SHOP-2"))), "unknown", "SHOP-2")


def test_bad_rows_are_named_by_their_line_in_the_file_blank_lines_counted(desk: Desk) -> None:
    text = table(
        "SHOP-1,某网店,SF,active,,",
        "",
        "BAD-1,坏店,SF,paused,,",
        "SHOP-2,另一网店,SF,active,,",
        "BAD-2,坏店,sf,active,,",
    )
    r = desk.csv(text)
    assert locs(r) == [["csv", 4, "status"], ["csv", 6, "carrier"]]
    assert desk.registry() == []


def test_every_bad_field_of_one_row_is_named(desk: Desk) -> None:
    r = desk.csv(table("BAD-1,坏店,sf,paused,2026-13-01,31.12.2026"))
    assert sorted(loc[2] for loc in locs(r)) == ["carrier", "status", "valid_from", "valid_until"]
    assert {tuple(loc[:2]) for loc in locs(r)} == {("csv", 2)}
    assert desk.registry() == []


def test_a_header_without_the_contract_id_column_names_it_on_the_header_line(desk: Desk) -> None:
    text = table(
        "某网店,SF,active,,", "另一网店,SF,active,,", header="name,carrier,status,valid_from,valid_until"
    )
    assert locs(desk.csv(text)) == [["csv", 1, "contract_id"]]
    assert desk.registry() == []


def test_a_csv_that_is_not_utf8_is_a_422_and_changes_nothing(desk: Desk) -> None:
    desk.upload(ACTIVE_2026)
    gbk = table("SHOP-1,某网店,SF,suspended,,", "SHOP-2,另一网店,SF,active,,").encode("gbk")
    assert locs(desk.csv(gbk)) == [["body"]]
    assert [(a["contract_id"], a["status"]) for a in desk.registry()] == [("SHOP-1", "active")]
    assert_plain_release(desk.score(waybill(sender=shop("SHOP-1"))))


def test_a_csv_without_its_header_row_is_a_422(desk: Desk) -> None:
    r = desk.csv(ACTIVE_2026 + "\n")  # the documented header left out: the agreement row is taken for one
    assert r.status_code == 422, r.text
    assert desk.registry() == []


BAD_ENTRIES = [
    pytest.param({"name": "坏店"}, "contract_id", id="no-contract-id"),
    pytest.param({"contract_id": "   ", "name": "坏店"}, "contract_id", id="blank-contract-id"),
    pytest.param(
        {"contract_id": "BAD-1", "name": "坏店", "carrier": "sf"}, "carrier", id="lower-case-carrier"
    ),
    pytest.param({"contract_id": "BAD-1", "name": "坏店", "status": "paused"}, "status", id="unknown-status"),
    pytest.param(
        {"contract_id": "BAD-1", "name": "坏店", "valid_until": "31.12.2026"}, "valid_until", id="dotted-date"
    ),
    pytest.param(
        {"contract_id": "BAD-1", "name": "坏店", "valid_from": "2026-06-01", "valid_until": "2026-05-31"},
        "valid_until",
        id="last-day-before-first",
    ),
]


@pytest.mark.parametrize(("entry", "field"), BAD_ENTRIES)
def test_a_bad_json_entry_is_named_and_the_good_one_beside_it_is_not_applied(
    desk: Desk, entry: Body, field: str
) -> None:
    r = desk.put([{"contract_id": "SHOP-1", "name": "某网店", "carrier": "SF"}, entry])
    assert locs(r) == [["body", 1, field]]
    assert desk.registry() == []
    assert_unqualified_without_id(desk.score(waybill(sender=shop())), "unknown")


def test_a_json_body_that_is_not_a_list_is_a_422_at_the_body(desk: Desk) -> None:
    r = desk.put({"contract_id": "SHOP-1", "name": "某网店"})  # type: ignore[arg-type]
    assert locs(r) == [["body"]]
    assert desk.registry() == []


# Who may change the registry ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["json", "csv"])
@pytest.mark.parametrize(("caller", "status"), [("carrier", 403), ("customs", 403), ("nobody", 401)])
def test_only_an_admin_may_change_the_registry(desk: Desk, route: str, caller: str, status: int) -> None:
    client = desk.client
    app: FastAPI = client.http.app  # type: ignore[assignment]
    kinds: dict[str, tuple[KeyKind, str]] = {"carrier": ("carrier", "SF"), "customs": ("customs", "SHA-PVG")}
    headers = bearer(make_key(app, *kinds[caller])) if caller in kinds else {}
    if route == "json":
        r = client.http.put(AGREEMENTS, json=[{"contract_id": "SHOP-1", "name": "某网店"}], headers=headers)
    else:
        r = client.http.post(AGREEMENTS_CSV, content=table(ACTIVE_2026).encode(), headers=headers)
    assert r.status_code == status, r.text
    # A carrier cannot qualify its own customer: the shop is still unknown.
    assert_unqualified_without_id(client.score(waybill(sender=shop())), "unknown")


@pytest.mark.parametrize(
    ("role", "with_csrf", "status"),
    [("admin", True, 200), ("admin", False, 403), ("officer", True, 403)],
)
def test_a_person_uploading_needs_the_admin_role_and_the_csrf_token(
    cases_client: CaseClient, role: str, with_csrf: bool, status: int
) -> None:
    cases_client.as_new("zhao", role)
    if not with_csrf:
        cases_client.http.headers.pop(CSRF_HEADER)
    r = cases_client.http.post(AGREEMENTS_CSV, content=table(ACTIVE_2026).encode())
    assert r.status_code == status, r.text
    d = cases_client.score(waybill(sender=shop()))
    assert d["decision"] == ("release" if status == 200 else "reject")


# Lanes: real-name applies where the parcel is handed over in China ------------------------------------------

LANES = [
    pytest.param("domestic", "express", id="domestic"),
    pytest.param("export", "postal", id="export"),
    pytest.param("import", "express", id="import"),
]


def lane_waybill(service: str, channel: str, sender: Body) -> Body:
    """A waybill on one lane: exports go to Hong Kong, imports come from there to Beijing."""
    receiver = hk_receiver() if service == "export" else cn_receiver()
    return waybill(service=service, channel=channel, sender=sender, receiver=receiver)


def no_id_on(service: str, **changes: Any) -> Body:
    """A sender without an ID: in Shanghai, or in Hong Kong for an import."""
    return abroad(**changes) if service == "import" else party(**(NO_ID | changes))


@pytest.mark.parametrize(("service", "channel"), LANES)
def test_an_individual_without_id_is_rejected_on_the_lanes_handed_over_in_china(
    desk: Desk, service: str, channel: str
) -> None:
    d = desk.score(lane_waybill(service, channel, no_id_on(service)))
    if service == "import":
        assert_plain_release(d)
    else:
        assert outcomes(d) == {"REALNAME_MISSING": "reject"}
        assert reason_of(d, "REALNAME_MISSING")["evidence"]["lane"] == service
        assert d["decision"] == "reject"


@pytest.mark.parametrize(("service", "channel"), LANES)
def test_an_unknown_agreement_customer_without_id_on_each_lane(
    desk: Desk, service: str, channel: str
) -> None:
    sender = no_id_on(service, customer_type="contract", contract_id="SHOP-1")
    d = desk.score(lane_waybill(service, channel, sender))
    if service == "import":
        assert_held_for_agreement(d, "unknown")  # no real-name pickup abroad, but the agreement is unknown
    else:
        assert_unqualified_without_id(d, "unknown")
        assert reason_of(d, "REALNAME_MISSING")["evidence"]["lane"] == service


@pytest.mark.parametrize(("service", "channel"), LANES)
def test_a_qualified_agreement_customer_without_id_passes_on_each_lane(
    desk: Desk, service: str, channel: str
) -> None:
    desk.upload(ACTIVE_2026)
    sender = no_id_on(service, customer_type="contract", contract_id="SHOP-1")
    assert_plain_release(desk.score(lane_waybill(service, channel, sender)))


def test_a_qualified_agreement_does_not_excuse_a_cbec_buyer_without_id(desk: Desk) -> None:
    desk.upload(ACTIVE_2026)
    wb = waybill(
        service="import",
        channel="cbec",
        sender=abroad(customer_type="contract", contract_id="SHOP-1"),
        receiver=cn_receiver(phone="13700040001"),
        items=[item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=300.0)],
        weight_kg=0.3,
    )
    d = desk.score(wb)
    assert outcomes(d) == {"BUYER_ID_MISSING": "hold"}
    assert d["decision"] == "hold" and d["case_id"]


def test_a_receiver_typed_as_an_agreement_customer_is_not_checked_for_one(desk: Desk) -> None:
    receiver = cn_receiver(customer_type="contract", contract_id="NOBODY-1")
    assert_plain_release(desk.score(waybill(receiver=receiver)))


# Suspended, expired, not yet in force, another carrier's, unknown ------------------------------------------

STANDINGS = [
    pytest.param("SHOP-1,某网店,SF,suspended,2026-01-01,2026-12-31", "suspended", id="suspended"),
    pytest.param("SHOP-1,某网店,SF,active,2025-01-01,2025-12-31", "expired", id="expired"),
    pytest.param("SHOP-1,某网店,SF,active,2027-01-01,2027-12-31", None, id="not-yet-in-force"),
    pytest.param("SHOP-1,某网店,YTO,active,2026-01-01,2026-12-31", "unknown", id="another-carriers"),
    pytest.param("SHOP-2,另一网店,SF,active,2026-01-01,2026-12-31", "unknown", id="never-registered"),
]


@pytest.mark.parametrize(("row", "status"), STANDINGS)
def test_an_unusable_agreement_without_id_is_rejected_and_named(
    desk: Desk, row: str, status: str | None
) -> None:
    desk.upload(row)
    assert_unqualified_without_id(desk.score(waybill(sender=shop())), status)


@pytest.mark.parametrize(("row", "status"), STANDINGS)
def test_an_unusable_agreement_with_a_verified_id_is_held_with_a_case(
    desk: Desk, row: str, status: str | None
) -> None:
    desk.upload(row)
    assert_held_for_agreement(desk.score(waybill(sender=shop_with_id())), status)


# Validity: first and last day inclusive, Beijing calendar days -------------------------------------------


@pytest.mark.parametrize(
    ("accepted_at", "in_force"),
    [
        pytest.param("2026-11-10T15:59:59Z", False, id="utc-last-second-before-the-first-beijing-day"),
        pytest.param("2026-11-10T16:00:00Z", True, id="utc-first-second-of-the-first-beijing-day"),
        pytest.param("2026-11-12T23:59:59+08:00", True, id="last-second-of-the-last-day"),
        pytest.param("2026-11-12T16:00:00Z", False, id="utc-12th-is-beijing-13th"),
        pytest.param("2026-11-12T10:00:00-06:00", False, id="chicago-12th-is-beijing-13th"),
    ],
)
def test_an_agreement_is_in_force_from_its_first_to_its_last_beijing_day(
    desk: Desk, accepted_at: str, in_force: bool
) -> None:
    desk.upload("SHOP-1,某网店,SF,active,2026-11-11,2026-11-12")
    d = desk.score(at(accepted_at, sender=shop_with_id()))
    if in_force:
        assert_plain_release(d)
    else:
        assert_held_for_agreement(d, None)


@pytest.mark.parametrize(
    ("row", "accepted_at"),
    [
        pytest.param("SHOP-1,某网店,SF,active,,", "2031-05-05T10:00:00+08:00", id="no-dates"),
        pytest.param("SHOP-1,某网店,SF,active,,2026-11-11", "2020-01-02T10:00:00+08:00", id="no-first-day"),
        pytest.param("SHOP-1,某网店,SF,active,2026-11-11,", "2030-12-31T23:00:00+08:00", id="no-last-day"),
    ],
)
def test_an_empty_date_is_an_open_end(desk: Desk, row: str, accepted_at: str) -> None:
    desk.upload(row)
    assert_plain_release(desk.score(at(accepted_at, sender=shop())))


# Carriers: each (customer, carrier) agreement is its own; an empty carrier means any ----------------------


@pytest.mark.parametrize(
    ("registered", "parcel_carrier", "qualified"),
    [
        pytest.param("SF", "SF", True, id="sf-agreement-sf-parcel"),
        pytest.param("SF", "YTO", False, id="sf-agreement-yto-parcel"),
        pytest.param("YTO", "SF", False, id="yto-agreement-sf-parcel"),
        pytest.param("", "SF", True, id="any-carrier-sf-parcel"),
        pytest.param("", "YTO", True, id="any-carrier-yto-parcel"),
    ],
)
def test_an_agreement_counts_with_its_own_carrier(
    desk: Desk, registered: str, parcel_carrier: str, qualified: bool
) -> None:
    desk.upload(f"SHOP-1,某网店,{registered},active,2026-01-01,2026-12-31")
    d = desk.score(on_carrier(waybill(sender=shop()), parcel_carrier))
    if qualified:
        assert_plain_release(d)
    else:
        assert_unqualified_without_id(d, "unknown")


def test_one_customer_with_two_carriers_has_two_agreements(desk: Desk) -> None:
    desk.upload(ACTIVE_2026, "SHOP-1,某网店,YTO,suspended,2026-01-01,2026-12-31")
    assert [(a["carrier"], a["status"]) for a in desk.registry()] == [("SF", "active"), ("YTO", "suspended")]
    assert_plain_release(desk.score(waybill(sender=shop())))
    assert_unqualified_without_id(desk.score(on_carrier(waybill(sender=shop()), "YTO")), "suspended")


def test_a_carriers_own_agreement_governs_its_parcels_over_an_any_carrier_one(desk: Desk) -> None:
    desk.upload("SHOP-1,某网店,,active,2026-01-01,2026-12-31", "SHOP-1,某网店,SF,suspended,,")
    assert_unqualified_without_id(desk.score(waybill(sender=shop())), "suspended")
    assert_plain_release(desk.score(on_carrier(waybill(sender=shop()), "YTO")))


# The agreement number as typed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        pytest.param("SHOP-1", "  SHOP-1 ", id="blanks-on-the-waybill"),
        pytest.param('" SHOP-1  "', "SHOP-1", id="blanks-in-the-csv"),
    ],
)
def test_blanks_around_an_agreement_number_do_not_matter(desk: Desk, registered: str, typed: str) -> None:
    desk.upload(f"{registered},某网店,SF,active,2026-01-01,2026-12-31")
    assert [a["contract_id"] for a in desk.registry()] == ["SHOP-1"]
    assert_plain_release(desk.score(waybill(sender=shop(typed))))


@pytest.mark.parametrize("typed", ["shop-1", "SHOP 1", "SHOP1"])
def test_another_spelling_of_an_agreement_number_is_an_unknown_agreement(desk: Desk, typed: str) -> None:
    desk.upload(ACTIVE_2026)
    assert_unqualified_without_id(desk.score(waybill(sender=shop(typed))), "unknown", typed)


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        pytest.param({"customer_type": "agreement"}, ["body", "sender", "customer_type"], id="customer-type"),
        pytest.param({"contract_id": 42}, ["body", "sender", "contract_id"], id="numeric-contract-id"),
        pytest.param({"contract_id": "H" * 41}, ["body", "sender", "contract_id"], id="contract-id-too-long"),
    ],
)
def test_a_bad_agreement_field_on_the_waybill_is_a_422_naming_it(
    desk: Desk, changes: Body, loc: list[str]
) -> None:
    wb = waybill(sender=shop(**changes))
    assert locs(desk.post(wb)) == [loc]
    assert desk.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}").status_code == 404


# An agreement customer without a number --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("with_id", "items", "expected"),
    [
        pytest.param(
            False, [tshirt()], {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"}, id="goods"
        ),
        pytest.param(True, [tshirt()], {"CONTRACT_UNQUALIFIED": "hold"}, id="goods-with-verified-id"),
        pytest.param(False, [letter()], {"CONTRACT_UNQUALIFIED": "hold"}, id="letter"),
    ],
)
def test_an_agreement_customer_without_a_number_is_never_qualified(
    desk: Desk, with_id: bool, items: list[Body], expected: dict[str, str]
) -> None:
    desk.upload("SHOP-1,某网店,,active,,")  # a registry with an agreement of every carrier in it
    sender = shop_with_id(None) if with_id else shop(None)
    d = desk.score(waybill(sender=sender, items=items))
    assert outcomes(d) == expected
    assert reason_of(d, "CONTRACT_UNQUALIFIED")["evidence"]["contract_id"] is None
    assert d["decision"] == ("reject" if "REALNAME_MISSING" in expected else "hold")
    assert d["reasons"][0]["outcome"] == d["decision"]


# Letters and documents ----------------------------------------------------------------------------------

INFERRED_LETTER = item(description="合同文件 contract papers", category=None, quantity=2, unit_value=0.0)


@pytest.mark.parametrize(
    ("service", "sender", "items", "registered", "expected"),
    [
        pytest.param("export", party(**NO_ID), [letter()], None, {}, id="individual-letter-abroad"),
        pytest.param("domestic", party(**NO_ID), [INFERRED_LETTER], None, {}, id="inferred-letter"),
        pytest.param(
            "domestic",
            party(**NO_ID),
            [letter(), tshirt()],
            None,
            {"REALNAME_MISSING": "reject"},
            id="letter-with-goods",
        ),
        pytest.param(
            "export", shop(), [letter(), tshirt()], ACTIVE_2026, {}, id="qualified-letter-with-goods"
        ),
        pytest.param(
            "export",
            shop(),
            [letter(), tshirt()],
            "SHOP-1,某网店,SF,suspended,,",
            {"REALNAME_MISSING": "reject", "CONTRACT_UNQUALIFIED": "hold"},
            id="suspended-letter-with-goods",
        ),
        pytest.param(
            "export",
            shop(),
            [letter()],
            "SHOP-1,某网店,SF,suspended,,",
            {"CONTRACT_UNQUALIFIED": "hold"},
            id="suspended-letter",
        ),
    ],
)
def test_only_documents_are_a_letter_exempt_from_the_id(
    desk: Desk,
    service: str,
    sender: Body,
    items: list[Body],
    registered: str | None,
    expected: dict[str, str],
) -> None:
    if registered is not None:
        desk.upload(registered)
    receiver = hk_receiver() if service == "export" else cn_receiver()
    wb = waybill(
        service=service, channel="postal", sender=sender, receiver=receiver, items=items, weight_kg=0.3
    )
    d = desk.score(wb)
    assert outcomes(d) == expected
    if not expected:
        assert d["decision"] == "release"
    else:
        assert d["decision"] == d["reasons"][0]["outcome"]
        assert d["decision"] == ("reject" if "REALNAME_MISSING" in expected else "hold")


# Organisations (USCC) and the exemption's reach -----------------------------------------------------------


@pytest.mark.parametrize("service", ["domestic", "export"])
def test_an_organisation_registering_its_uscc_needs_no_agreement(desk: Desk, service: str) -> None:
    receiver = hk_receiver() if service == "export" else cn_receiver()
    wb = waybill(service=service, channel="express", sender=org(), receiver=receiver)
    assert_plain_release(desk.score(wb))


SUITS = [item(description="羊毛西装 wool suit", category="apparel_shoes", quantity=2, unit_value=1500.0)]


@pytest.mark.parametrize(
    ("channel", "sender", "registered", "personal"),
    [
        pytest.param("express", org(), None, False, id="organisation-by-express"),
        pytest.param("express", shop(), ACTIVE_2026, False, id="qualified-shop-by-express"),
        pytest.param("express", party(), None, True, id="individual-by-express"),
        pytest.param("postal", org(), None, True, id="organisation-by-post"),
    ],
)
def test_the_personal_limit_is_for_individuals_and_postal_articles(
    desk: Desk, channel: str, sender: Body, registered: str | None, personal: bool
) -> None:
    if registered is not None:
        desk.upload(registered)
    wb = waybill(
        service="export", channel=channel, sender=sender, receiver=hk_receiver(), items=SUITS, weight_kg=2.0
    )
    d = desk.score(wb)
    if personal:
        assert outcomes(d) == {"OVER_PERSONAL_LIMIT": "hold"}
        assert d["decision"] == "hold" and d["case_id"]
    else:
        assert_plain_release(d)


def test_a_qualified_agreement_customer_with_an_unverified_id_is_not_inspected(desk: Desk) -> None:
    desk.upload(ACTIVE_2026)
    sender = shop_with_id(id_verified=False, verification_method="none")
    assert_plain_release(
        desk.score(waybill(service="export", channel="postal", sender=sender, receiver=hk_receiver()))
    )


# What the courier and customs read back -------------------------------------------------------------------


def test_a_hold_for_an_unknown_agreement_is_read_back_with_its_case(desk: Desk) -> None:
    wb = waybill(sender=shop_with_id("SHOP-404"))
    d = desk.score(wb)
    assert_held_for_agreement(d, "unknown", "SHOP-404")
    r = desk.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert r.status_code == 200, r.text
    back = r.json()
    assert (back["decision"], back["case_id"]) == ("hold", d["case_id"])
    assert codes(back) == {"CONTRACT_UNQUALIFIED"}


def test_a_resend_keeps_its_decision_and_a_corrected_body_meets_the_new_standing(desk: Desk) -> None:
    desk.upload(ACTIVE_2026)
    wb = waybill(sender=shop())
    first = desk.score(wb)
    assert_plain_release(first)
    suspend = [{"contract_id": "SHOP-1", "name": "某网店", "carrier": "SF", "status": "suspended"}]
    assert desk.put(suspend).status_code == 200
    assert desk.score(wb) == first  # the same body: the same decision, nothing changed
    corrected = wb | {"sender": shop_with_id()}  # the courier registered the clerk's ID
    assert_held_for_agreement(desk.score(corrected), "suspended")
    assert_unqualified_without_id(desk.score(waybill(sender=shop())), "suspended")


def test_a_batch_decides_each_agreement_customer_on_its_own(desk: Desk) -> None:
    desk.upload(ACTIVE_2026, "SHOP-2,另一网店,SF,suspended,,")
    wbs = [
        waybill(sender=shop("SHOP-1")),
        waybill(sender=shop("SHOP-2")),
        waybill(sender=shop_with_id("SHOP-3")),
        waybill(sender=shop("SHOP-1"), items=[letter()]),
    ]
    r = desk.http.post("/v1/score/batch", json={"waybills": wbs})
    assert r.status_code == 200, r.text
    decisions = r.json()["decisions"]
    assert [d["waybill_no"] for d in decisions] == [wb["waybill_no"] for wb in wbs]
    assert_plain_release(decisions[0])
    assert_unqualified_without_id(decisions[1], "suspended", "SHOP-2")
    assert_held_for_agreement(decisions[2], "unknown", "SHOP-3")
    assert_plain_release(decisions[3])


def test_an_agreements_file_saved_with_a_byte_order_mark_is_loaded_at_start(
    tmp_path: Path, policy: Policy
) -> None:
    """Spreadsheets save CSV with a BOM: the start-up file is read as the upload route reads one."""
    path = tmp_path / "agreements.csv"
    path.write_text(table(ACTIVE_2026), encoding="utf-8-sig")
    app = create_app(Settings(env="development", data_dir=tmp_path / "data", agreements_file=path))
    with TestClient(app) as http:
        app.state.engine.policy = policy
        desk = Desk(ScoringClient(http), bearer(make_key(app, "admin", "ops")))
        assert [a["contract_id"] for a in desk.registry()] == ["SHOP-1"]
        assert_plain_release(desk.score(waybill(sender=shop("SHOP-1"))))


def test_goods_declared_as_documents_are_no_letter(desk: Desk) -> None:
    """A phone declared as documents, sender without ID: real-name applies (a letter is papers)."""
    phone = item(description="iPhone 手机", category="documents", quantity=1, unit_value=5000.0)
    d = desk.score(waybill(sender=party(**NO_ID), items=[phone], declared_value=5000.0))
    assert outcomes(d).get("REALNAME_MISSING") == "reject"
    assert_plain_release(desk.score(waybill(sender=party(**NO_ID), items=[letter()], declared_value=0.0)))
