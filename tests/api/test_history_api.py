"""History through HTTP: batches see their earlier waybills; decisions are read back."""

from tests.conftest import ScoringClient
from tests.factories import export_postal, item, party, resident_id, waybill
from tests.screening.test_scenarios import macau_receiver


def test_a_batch_sees_its_earlier_waybills(client: ScoringClient) -> None:
    sender = party(phone="13700009999", id_number=resident_id(seq="608"))
    batch = [
        export_postal(
            hours_after=i * 0.5,
            sender=sender,
            receiver=macau_receiver(i),
            items=[item(description="面霜", category="cosmetics", quantity=1, unit_value=760.0)],
            weight_kg=0.4,
        )
        for i in range(7)
    ]
    r = client.http.post("/v1/score/batch", json={"waybills": batch})
    slots = r.json()["decisions"]
    assert [s["waybill_no"] for s in slots] == [w["waybill_no"] for w in batch]
    assert slots[0]["decision"] == "release"
    assert slots[6]["decision"] == "hold"
    assert "ANT_MOVING_SENDER" in {x["code"] for x in slots[6]["reasons"]}


def test_read_back_gives_the_latest_decision_or_404(client: ScoringClient) -> None:
    wb = waybill(sender=party(id_type=None, id_number=None, phone="13600001234"))
    client.score(wb)
    got = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").json()
    assert got["decision"] == "reject"
    client.score({**wb, "sender": party(phone="13600001234")})
    got = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").json()
    assert got["decision"] == "release"
    assert client.http.get("/v1/decisions/SF/SF999999999999").status_code == 404
