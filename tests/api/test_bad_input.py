"""Bad input gets a clean 4xx: malformed JSON, huge strings, deep nesting, bad UTF-8, wrong content type."""

import json

import pytest

from tests.conftest import ScoringClient
from tests.factories import waybill

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"waybill_no": ', JSON),
        (b"\xff\xfe\x00garbage", JSON),
        (json.dumps(waybill(), ensure_ascii=False).encode().replace(b"\xe5", b"\xff"), JSON),
        (b"[" * 50_000 + b"]" * 50_000, JSON),
        (b'{"waybill_no": {"a": ' + b"[" * 3000 + b"]" * 3000 + b"}}", JSON),
        (json.dumps(waybill(courier_id="C" * 1_500_000)).encode(), JSON),
        (json.dumps(waybill()).encode(), {"content-type": "text/plain"}),
        (b"waybill_no=SF1&carrier=SF", {"content-type": "application/x-www-form-urlencoded"}),
        (b"", JSON),
        (b"null", JSON),
    ],
    ids=[
        "truncated",
        "not-utf8",
        "utf8-broken-inside",
        "deep",
        "nested",
        "huge-string",
        "text",
        "form",
        "empty",
        "null",
    ],
)
def test_bad_bodies_get_a_clean_4xx_and_touch_nothing(
    client: ScoringClient, body: bytes, headers: dict[str, str]
) -> None:
    r = client.http.post("/v1/score", content=body, headers=headers)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/json")
    assert "detail" in r.json()


def test_a_body_over_the_limit_is_413(client: ScoringClient) -> None:
    r = client.http.post("/v1/score", content=b"x" * 2_000_001, headers=JSON)
    assert r.status_code == 413


def test_a_batch_of_deeply_nested_slots_fails_slot_by_slot(client: ScoringClient) -> None:
    deep: object = []
    for _ in range(200):
        deep = [deep]
    r = client.http.post("/v1/score/batch", json={"waybills": [waybill(), {"items": deep}]})
    assert r.status_code == 200
    assert ["error" in d for d in r.json()["decisions"]] == [False, True]
