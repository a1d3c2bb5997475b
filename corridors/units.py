"""Commodities, units and energy conversion.

Quantities in the model are in each commodity's own unit (Mt for crude oil and LNG, bcm for
pipeline gas) per year; energy comparisons use PJ; money is USD.
"""

from __future__ import annotations

import re

DAYS_PER_YEAR = 365.0
"""Days in a model year: capacities, demands and prices are per 365-day year."""

PJ_PER_BCM_GAS = 36.0
"""Energy content of natural gas, PJ per bcm (the reference value the N-1 formula converts with)."""

MCM_PER_BCM = 1000.0
"""Million cubic metres per billion cubic metres."""


def conversion_factor(efficiency: float, pj_in: float, pj_out: float) -> float:
    """Output units delivered per input unit for a link with energy efficiency ``efficiency``.

    ``out = efficiency * pj_in / pj_out * in``; e.g. regasifying 1 Mt LNG (48.7 PJ) at 100 %
    gives 48.7 / 36 = 1.353 bcm of pipeline gas.
    """
    return efficiency * pj_in / pj_out


def period_years(period_days: float) -> float:
    """Length of a period in years (capacities and demands are per year)."""
    return period_days / DAYS_PER_YEAR


def unit_suffix(unit: str) -> str:
    """A unit as the end of a column name: lower case, anything but letters and digits as
    ``_`` (``Mt`` -> ``mt``, ``bcm`` -> ``bcm``, ``t CO2e`` -> ``t_co2e``)."""
    return re.sub(r"[^a-z0-9]+", "_", unit.lower()).strip("_") or "units"


def quantity_column(figure: str, commodity: str, unit: str) -> str:
    """The column of a commodity's figure, named with its unit:
    ``quantity_column("unmet", "crude_oil", "Mt")`` -> ``unmet_crude_oil_mt``."""
    return f"{figure}_{commodity}_{unit_suffix(unit)}"
