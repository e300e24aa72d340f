"""The wire contract's phone check: its shortcut for mainland mobiles says what phonenumbers says."""

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.contract import phone_problem


def possible_by_phonenumbers(phone: str, region: str) -> bool:
    try:
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(phone, region)))
    except phonenumbers.NumberParseException:
        return False


@settings(max_examples=2000, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_an_eleven_digit_mainland_number_is_possible_exactly_when_phonenumbers_says_so(phone: str) -> None:
    assert (phone_problem(phone, "CN") is None) == possible_by_phonenumbers(phone, "CN")


def test_numbers_that_phonenumbers_reads_as_ip_dialled_are_not_taken_on_the_shortcut() -> None:
    # 17951 is an IP-dialling prefix: phonenumbers strips it and finds what is left too short.
    assert phone_problem("17951005046", "CN") is not None
    assert phone_problem("13800138000", "CN") is None
    assert phone_problem("11021001153", "CN") is not None
