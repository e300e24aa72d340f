"""Rows and checks of the goods-wording tables: ordinary goods stay clear, prohibited ones hit their class."""

from typing import Any

import pytest

from features.goods import GoodsMatch

HAZARDOUS = "hazardous_chemicals"


def p(description: str, prohibited_class: str) -> Any:
    """One prohibited-goods row: a description and the class it belongs to."""
    return pytest.param(description, prohibited_class, id=description)


def assert_ordinary(match: GoodsMatch, description: str) -> None:
    """No prohibited hit, and not read as hazardous chemicals (which RULES §2 prohibits for post)."""
    assert match.prohibited == (), f"{description}: {match.prohibited}"
    assert HAZARDOUS not in (match.category, match.described_category), description


def assert_prohibited(match: GoodsMatch, description: str, prohibited_class: str) -> None:
    """At least one hit, one of them of the class the goods belong to."""
    classes = {h.prohibited_class for h in match.prohibited}
    assert prohibited_class in classes, f"{description}: {match.prohibited}"
