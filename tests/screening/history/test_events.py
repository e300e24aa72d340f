"""The compact event encoding both stores keep."""

from datetime import datetime, timedelta, timezone

import pytest

from screening.history import ParcelEvent, beijing_year, decode_event, encode_event
from screening.history.events import decode_events

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
    ],
)
def test_an_event_survives_encoding_to_cents(changes: dict[str, object]) -> None:
    original = event(**changes)
    decoded = decode_event(encode_event(original))
    assert decoded == event(**{**changes, "value_cny": round(original.value_cny, 2)})


def test_values_are_encoded_as_integer_cents() -> None:
    assert encode_event(event()) == (
        "SF:SF1400238817561|1772413200123|1999|100000|3|化妆品:lancome|rad:3q2+7w==|9f86d081884c"
    )


@pytest.mark.parametrize("field", ["parcel", "goods", "counterpart", "digest"])
def test_a_separator_inside_a_text_field_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        encode_event(event(**{field: "a|b"}))


def test_a_malformed_event_is_refused() -> None:
    with pytest.raises(ValueError, match="not an encoded event"):
        decode_event("SF:1|123")


def test_joined_events_split_back_into_events() -> None:
    events = [event(parcel="SF:1"), event(parcel="SF:2", goods="", cbec=False)]
    assert decode_events("|".join(encode_event(e) for e in events)) == events
    assert decode_events("") == []
    with pytest.raises(ValueError, match="not a sequence"):
        decode_events(encode_event(events[0]) + "|extra")


def test_the_year_turns_at_beijing_midnight() -> None:
    just_before = datetime(2026, 12, 31, 23, 59, 59, 999_000, tzinfo=BEIJING)
    assert beijing_year(int(just_before.timestamp() * 1000)) == 2026
    assert beijing_year(int(just_before.timestamp() * 1000) + 1) == 2027
