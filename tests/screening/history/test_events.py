"""The compact binary event encoding of the Redis store, and the stored form both stores give back."""

from datetime import datetime, timedelta, timezone

import pytest

from screening.history import ParcelEvent, beijing_year, decode_event, encode_event
from screening.history.events import decode_events, decode_field, encode_field, stored_event

BEIJING = timezone(timedelta(hours=8))


def event(**changes: object) -> ParcelEvent:
    """An event with every field set; override any."""
    fields: dict[str, object] = {
        "parcel": "SF:SF1400238817561",
        "at_ms": 1_772_413_200_123,
        "value_cny": 19.99,
        "limit_cny": 1000.0,
        "cross_border": True,
        "cbec": True,
        "goods": "化妆品:lancome",
        "counterpart": "rad:3q2+7w==",
        "digest": "9f86d081884c",
    }
    fields.update(changes)
    return ParcelEvent(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"cross_border": False, "cbec": False},
        {"cross_border": False, "cbec": True},
        {"value_cny": 0.1 + 0.2, "limit_cny": 0.0},
        {"value_cny": 123456789.01, "goods": "", "counterpart": "", "digest": ""},
        {"value_cny": -5.0, "goods": "0123456789ab", "digest": "0123456789abcdef01234567"},
        {"goods": "0123456789AB", "digest": "9F86D081"},
        {"parcel": "STO:77000000000001", "at_ms": 2**42 - 1},
        {"parcel": "SF:0123", "at_ms": 0},
        {"limit_cny": 999.5},
        {"limit_cny": 65535.0},
        {"limit_cny": 65536.0},
        {"limit_cny": -1.0},
        {"limit_cny": 30_000_000.0},
        # Several articles: signatures in raw bytes, or as text when one is not 12 hex digits.
        {"goods": "0123456789ab+ba9876543210"},
        {"goods": "+".join(f"{i:012x}" for i in range(21))},
        {"goods": "0123456789ab+cream"},
        {"goods": "0123456789ab+"},
    ],
)
def test_an_event_survives_encoding_to_cents(changes: dict[str, object]) -> None:
    original = event(**changes)
    decoded = decode_event(encode_field(original.parcel), encode_event(original))
    assert decoded == stored_event(event(**{**changes, "value_cny": round(original.value_cny, 2)}))


def test_a_hmac_counterpart_and_a_hex_digest_are_stored_short() -> None:
    original = event(
        goods="0123456789ab", counterpart="rph:AbCdEfGhIjKlMnOpQrSt", digest="0123456789abcdef01234567"
    )
    value = encode_event(original)
    assert len(value) == 12 + 6 + 4 + 11
    assert value.endswith(b"AbCdEfGhIjK")
    decoded = decode_event(encode_field(original.parcel), value)
    assert (decoded.counterpart, decoded.digest) == ("AbCdEfGhIjK", "01234567")
    assert decoded == stored_event(original)
    whole = decode_event(encode_field(original.parcel), value, ("AbCdEfGhIjK", original.counterpart))
    assert whole.counterpart == original.counterpart


def test_several_articles_signatures_are_stored_as_six_raw_bytes_each() -> None:
    one, three = "0123456789ab", "0123456789ab+ba9876543210+00000000ffff"
    assert len(encode_event(event(goods=three))) == len(encode_event(event(goods=one))) + 1 + 12


def test_a_numbered_parcel_is_a_short_field_and_others_stay_as_they_are() -> None:
    assert encode_field("STO:77000000000001") == b"STO|" + (77000000000001).to_bytes(6, "big")
    assert encode_field("SF:SF1400238817561") == b"SF\x1fSF|" + (1400238817561).to_bytes(6, "big")
    for parcel in (
        "SF:SF1400238817561",
        "JD:JDV000123",
        "EMS:EA123456789CN",
        "SF:0123",
        "JD:1",
        "x",
        "快递:12",
    ):
        assert decode_field(encode_field(parcel)) == parcel
    assert encode_field("EMS:EA123456789CN") == b"EMS:EA123456789CN"


@pytest.mark.parametrize("parcel", ["a|b", "", "x" * 201])
def test_a_parcel_that_cannot_be_a_field_is_refused(parcel: str) -> None:
    with pytest.raises(ValueError, match="parcel"):
        encode_field(parcel)


@pytest.mark.parametrize("changes", [{"goods": "g" * 65}, {"at_ms": -1}, {"at_ms": 2**42}])
def test_an_event_that_cannot_be_stored_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        encode_event(event(**changes))


def _records(*events: ParcelEvent) -> list[bytes]:
    fields = [encode_field(e.parcel) for e in events]
    return [bytes((len(f),)) + f + encode_event(e) for f, e in zip(fields, events, strict=True)]


def test_event_records_decode_back_into_events() -> None:
    events = [event(parcel="SF:1"), event(parcel="STO:77000000000001", goods="", cbec=False)]
    assert decode_events(_records(*events)) == [stored_event(e) for e in events]
    assert decode_events([]) == []
    with pytest.raises(ValueError, match="not an encoded event record"):
        decode_events([b"\x05ab"])


def test_the_same_stored_bytes_give_each_current_parcel_its_own_whole_counterpart() -> None:
    # Decoded events are cached by their bytes: the whole counterpart must still follow the current parcel.
    a = event(parcel="SF:1", counterpart="rph:AbCdEfGhIjKlMnOpQrSt")
    b = event(parcel="SF:2", counterpart="rph:AbCdEfGhIjKlMnOpQrSt")
    other = event(parcel="SF:3", counterpart="rph:ZzZzZzZzZzZzZzZzZzZz")
    records = _records(a, other)
    for _ in range(2):
        assert [e.counterpart for e in decode_events(records, b)] == [a.counterpart, "ZzZzZzZzZzZ"]
        assert [e.counterpart for e in decode_events(records, other)] == ["AbCdEfGhIjK", other.counterpart]
        assert [e.counterpart for e in decode_events(records)] == ["AbCdEfGhIjK", "ZzZzZzZzZzZ"]


def test_the_year_turns_at_beijing_midnight() -> None:
    just_before = datetime(2026, 12, 31, 23, 59, 59, 999_000, tzinfo=BEIJING)
    assert beijing_year(int(just_before.timestamp() * 1000)) == 2026
    assert beijing_year(int(just_before.timestamp() * 1000) + 1) == 2027
