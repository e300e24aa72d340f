"""Request ids and Prometheus metrics."""

from tests.conftest import ScoringClient
from tests.factories import party, waybill


def test_a_request_id_is_made_or_echoed(client: ScoringClient) -> None:
    made = client.http.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    echoed = client.http.get("/healthz", headers={"x-request-id": "courier-req-42"})
    assert echoed.headers["x-request-id"] == "courier-req-42"


def test_metrics_count_decisions_reasons_and_route_latency(client: ScoringClient) -> None:
    client.score(waybill(sender=party(id_type=None, id_number=None)))
    text = client.http.get("/metrics").text
    assert 'screening_decisions_total{decision="reject"}' in text
    assert 'screening_reasons_total{code="REALNAME_MISSING"}' in text
    assert 'screening_http_request_seconds_count{method="POST",route="/v1/score",status="200"}' in text
    assert 'screening_store_seconds_count{call="observe",store="history"}' in text
