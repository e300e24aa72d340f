"""Fixtures shared by the screening tests."""

import pytest

from features.goods import GoodsCatalogue


@pytest.fixture(scope="module")
def catalogue() -> GoodsCatalogue:
    """The shipped goods lists (the ones the engine loads)."""
    return GoodsCatalogue.shipped()
