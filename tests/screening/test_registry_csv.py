"""CSV registries: every bad row is named by its line, short and long rows included."""

import pytest

from screening.agreements import parse_agreements_csv
from screening.errors import InvalidInput
from screening.outlets import parse_outlets_csv

AGREEMENTS = "contract_id,name,carrier,status,valid_from,valid_until\n"


def test_a_good_agreement_row_parses() -> None:
    [a] = parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,active,2026-01-01,2026-12-31\n")
    assert a.contract_id == "C-1"


def test_a_short_row_names_the_missing_fields_by_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_agreements_csv(AGREEMENTS + "C-1,Shop,SF,active,2026-01-01,2026-12-31\nC-2,Shop\n")
    locs = {tuple(d["loc"][:3]) for d in caught.value.detail}
    assert ("csv", 3, "status") in locs


def test_a_row_longer_than_the_header_is_refused_by_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_outlets_csv(
            "outlet_id,carrier,province,city,district,name\nO1,SF,北京市,北京市,朝阳区,网点,extra\n"
        )
    assert caught.value.detail[0]["loc"] == ["csv", 2]
