"""The agreement-customer registry through the admin API."""

import pytest

from tests.api.keys import bearer, make_key
from tests.conftest import ScoringClient
from tests.factories import party, waybill


@pytest.fixture
def admin(client: ScoringClient) -> dict[str, str]:
    """Headers of an admin system's key."""
    return bearer(make_key(client.http.app, "admin", "ops"))  # type: ignore[arg-type]


def contract_waybill() -> dict[str, object]:
    return waybill(sender=party(id_type=None, id_number=None, customer_type="contract", contract_id="SHOP-7"))


def test_an_agreement_loaded_by_csv_qualifies_its_customer(
    client: ScoringClient, admin: dict[str, str]
) -> None:
    before = client.score(contract_waybill())
    assert {r["code"] for r in before["reasons"]} == {"CONTRACT_UNQUALIFIED", "REALNAME_MISSING"}
    csv = (
        "contract_id,name,carrier,status,valid_from,valid_until\n"
        "SHOP-7,某网店,SF,active,2026-01-01,2026-12-31\n"
    )
    r = client.http.post(
        "/v1/admin/agreements/csv", content=csv.encode(), headers={"content-type": "text/csv", **admin}
    )
    assert r.json() == {"upserted": 1}
    assert client.score(contract_waybill())["decision"] == "release"


def test_a_suspended_agreement_through_json_holds(client: ScoringClient, admin: dict[str, str]) -> None:
    r = client.http.put(
        "/v1/admin/agreements",
        json=[{"contract_id": "SHOP-7", "name": "某网店", "status": "suspended"}],
        headers=admin,
    )
    assert r.status_code == 200
    d = client.score(contract_waybill())
    assert d["decision"] == "reject"
    assert {
        r["code"]: r["evidence"]["status"] for r in d["reasons"] if r["code"] == "CONTRACT_UNQUALIFIED"
    } == {"CONTRACT_UNQUALIFIED": "suspended"}


def test_a_bad_csv_names_each_bad_row_and_changes_nothing(
    client: ScoringClient, admin: dict[str, str]
) -> None:
    too_long = "X" * 41  # an agreement number is any text of up to 40 characters
    csv = f"contract_id,name,status\nOK-1,好店,active\n{too_long},坏店,active\nOK-2,,paused\n"
    r = client.http.post("/v1/admin/agreements/csv", content=csv.encode(), headers=admin)
    assert r.status_code == 422
    rows = {tuple(e["loc"][:2]) for e in r.json()["detail"]}
    assert rows == {("csv", 3), ("csv", 4)}
    assert client.http.get("/v1/admin/agreements", headers=admin).json() == []
