"""Who sends parcels in the simulated world, and what share of all waybills each kind of sender makes."""

from collections.abc import Callable

import numpy as np
import polars as pl

from screening.simulation.ordinary import (
    branded,
    cbec_imports,
    documents,
    families_abroad,
    households,
    micro_sellers,
    personal_exports,
    personal_imports,
    shop_exports,
    shopper_families,
    shops,
    used_electronics,
)
from screening.simulation.parcels import Context
from screening.simulation.violators import ant_moving, counterfeits, prohibited, resellers, undervalued

Actor = Callable[[np.random.Generator, Context, int], pl.DataFrame]

# Each actor's share of all waybills (violators about 2 % together).
ACTORS: dict[str, tuple[Actor, float]] = {
    "household": (households, 0.27),
    "documents": (documents, 0.03),
    "shop": (shops, 0.37),
    "shop_export": (shop_exports, 0.03),
    "cbec_import": (cbec_imports, 0.08),
    "personal_export": (personal_exports, 0.06),
    "personal_import": (personal_imports, 0.04),
    "branded": (branded, 0.02),
    "micro_seller": (micro_sellers, 0.015),
    "family_abroad": (families_abroad, 0.012),
    "used_electronics": (used_electronics, 0.005),
    "shopper_family": (shopper_families, 0.008),
    "ant_ring": (ant_moving, 0.008),
    "counterfeit": (counterfeits, 0.004),
    "prohibited": (prohibited, 0.002),
    "undervalued": (undervalued, 0.003),
    "reseller": (resellers, 0.003),
}

# The actors whose parcels are violations (each parcel labelled with its violation type).
VIOLATORS = frozenset({"ant_ring", "counterfeit", "prohibited", "undervalued", "reseller"})
