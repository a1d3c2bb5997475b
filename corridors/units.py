"""Commodities, units and energy conversion.

Quantities in the model are in each commodity's own unit (Mt for crude oil and LNG, bcm for
pipeline gas) per year; energy comparisons use PJ; money is USD.
"""

from __future__ import annotations

DAYS_PER_YEAR = 365.0

#: Defaults used when a scenario does not define a commodity table (Energy Institute
#: Statistical Review conversions; IPCC default for crude).
DEFAULT_COMMODITIES: dict[str, dict[str, float | str]] = {
    "crude_oil": {"unit": "Mt", "pj_per_unit": 42.3, "tonnes_per_unit": 1.0e6},
    "lng": {"unit": "Mt", "pj_per_unit": 48.7, "tonnes_per_unit": 1.0e6},
    "pipeline_gas": {"unit": "bcm", "pj_per_unit": 36.0, "tonnes_per_unit": 0.735e6},
}


def conversion_factor(efficiency: float, pj_in: float, pj_out: float) -> float:
    """Output units delivered per input unit for a link with energy efficiency ``efficiency``.

    ``out = efficiency * pj_in / pj_out * in``; e.g. regasifying 1 Mt LNG (48.7 PJ) at 100 %
    gives 48.7 / 36 = 1.353 bcm of pipeline gas.
    """
    return efficiency * pj_in / pj_out


def period_years(period_days: float) -> float:
    """Length of a period in years (capacities and demands are per year)."""
    return period_days / DAYS_PER_YEAR
