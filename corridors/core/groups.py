"""Groups that shares and policy targets are taken over: importer and supplier countries, and
the entry links (from outside into the importer countries).

Stated once here, used by the policy constraints (:mod:`corridors.core.policy`) and by the
diversity indices (:mod:`corridors.analysis.diversity`).
"""

from __future__ import annotations

import pandas as pd

from corridors.io.network import Network
from corridors.io.schema import Scenario

ALL = "all"


NONE = "(none)"


def importer_countries(scenario: Scenario, network: Network) -> set[str]:
    """Countries of the demand nodes."""
    countries = network.nodes["country"]
    return {str(countries[d.node]) for d in scenario.demand if d.node in countries.index}


def entry_mask(scenario: Scenario, network: Network) -> pd.Series:
    """Boolean Series over ``network.links``: links from outside into the importer countries."""
    imp = importer_countries(scenario, network)
    country = network.nodes["country"]
    links = network.links
    src = links["from"].map(country)
    dst = links["to"].map(country)
    return (~src.isin(imp)) & dst.isin(imp)


def supplier_countries(scenario: Scenario, network: Network, commodity: str = ALL) -> list[str]:
    """Countries with a supply entry of ``commodity`` (``all``: any commodity)."""
    country = network.nodes["country"]
    return sorted(
        {
            str(country[s.node])
            for s in scenario.supply
            if commodity in (ALL, s.commodity) and s.node in country.index
        }
    )
