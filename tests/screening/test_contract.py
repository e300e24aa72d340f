"""The wire contract: phones (the mainland-mobile shortcut as phonenumbers; local landlines) and lanes."""

import json

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from screening.contract import (
    AREA_CODES_FILE,
    Waybill,
    area_code,
    area_codes_from_phonenumbers,
    e164,
    phone_problem,
)
from tests.factories import hk_receiver, party, waybill


def possible_by_phonenumbers(phone: str, region: str) -> bool:
    try:
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(phone, region)))
    except phonenumbers.NumberParseException:
        return False


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_an_eleven_digit_mainland_number_is_possible_exactly_when_phonenumbers_says_so(phone: str) -> None:
    assert (phone_problem(phone, "CN") is None) == possible_by_phonenumbers(phone, "CN")


def test_numbers_that_phonenumbers_reads_as_ip_dialled_are_not_taken_on_the_shortcut() -> None:
    # 17951 is an IP-dialling prefix: phonenumbers strips it and finds what is left too short.
    assert phone_problem("17951005046", "CN") is not None
    assert phone_problem("13800138000", "CN") is None
    assert phone_problem("11021001153", "CN") is not None


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("北京市", "10"),
        ("北京", "10"),
        ("上海市", "21"),
        ("杭州市", "571"),
        ("沈阳市", "24"),  # one of four cities listed under 024
        ("铁岭市", "24"),
        ("乌鲁木齐市", "991"),  # under 新疆维吾尔自治区
        ("三亚市", "898"),
        ("晋中市", None),  # listed under two codes
        ("火星市", None),
        (None, None),
    ],
)
def test_a_city_takes_its_area_code_from_phonenumbers_geocoding(place: str | None, code: str | None) -> None:
    assert area_code(place) == code


@pytest.mark.parametrize(
    ("phone", "city", "province", "number"),
    [
        ("6552 9988", "北京市", "北京市", "+861065529988"),
        ("6552 9988", "上海市", "上海市", "+862165529988"),
        ("87654321", "杭州市", "浙江省", "+8657187654321"),
        ("6552 9988", "市辖区", "北京市", "+861065529988"),  # the municipality's code through its province
        ("010-6552 9988", "上海市", "上海市", "+861065529988"),  # an area code given is kept
        ("13800138000", "上海市", "上海市", "+8613800138000"),
        ("6552 9988", "火星市", "火星省", "+8665529988"),  # no code known: the digits alone, as before
    ],
)
def test_a_mainland_landline_without_its_area_code_takes_the_citys(
    phone: str, city: str, province: str, number: str
) -> None:
    assert e164(phone, "CN", city=city, province=province) == number


def test_a_code_that_makes_no_valid_number_is_not_added() -> None:
    # Hangzhou numbers have eight digits: seven local digits there stay as they were written.
    assert e164("7654321", "CN", city="杭州市") == e164("7654321", "CN")


def test_the_shipped_area_code_table_is_what_phonenumbers_says() -> None:
    """The table is read from phonenumbers' geocoding data ahead of time (its import costs seconds)."""
    shipped = json.loads(AREA_CODES_FILE.read_text(encoding="utf-8"))
    assert shipped == area_codes_from_phonenumbers()


@pytest.mark.parametrize(
    ("service", "sender", "receiver", "named"),
    [
        ("domestic", "CN", "CN", []),
        ("export", "CN", "HK", []),
        ("import", "US", "CN", []),
        ("domestic", "CN", "HK", [("receiver", "address", "country")]),
        ("domestic", "JP", "US", [("sender", "address", "country"), ("receiver", "address", "country")]),
        ("export", "CN", "CN", [("receiver", "address", "country")]),
        ("export", "HK", "US", [("sender", "address", "country")]),
        ("import", "CN", "CN", [("sender", "address", "country")]),
        ("import", "HK", "TW", [("receiver", "address", "country")]),
    ],
)
def test_addresses_that_contradict_the_lane_are_named(
    service: str, sender: str, receiver: str, named: list[tuple[str, ...]]
) -> None:
    """Domestic is CN to CN, export CN to abroad, import abroad to CN: the lane decides limits and checks."""
    body = waybill(
        service=service, sender=party_in(sender, "13800138000"), receiver=party_in(receiver, "13900139000")
    )
    if not named:
        Waybill.model_validate(body)
        return
    with pytest.raises(ValidationError) as refused:
        Waybill.model_validate(body)
    assert [e["loc"] for e in refused.value.errors()] == named
    assert all(e["type"] == "lane_address" for e in refused.value.errors())


def party_in(country: str, phone: str) -> dict[str, object]:
    """A party with an address in this country (a mainland one in full)."""
    if country == "CN":
        return party(phone=phone)
    return hk_receiver(phone="+85291234567", address={"country": country, "city": "City", "detail": "1 Road"})
