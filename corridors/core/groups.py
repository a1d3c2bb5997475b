"""Groups that shares and policy targets are taken over: importer and supplier countries, the
entry links (from outside into the importer countries) and which supplies are domestic.

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


def domestic_supplies(scenario: Scenario, network: Network) -> list[bool]:
    """For each entry of ``scenario.supply``, whether it is domestic production: its node's
    ``country`` is the scenario's ``importer``. Without an importer every supply is an import."""
    if scenario.importer is None:
        return [False] * len(scenario.supply)
    country = network.nodes["country"]
    return [
        s.node in country.index and str(country[s.node]) == scenario.importer
        for s in scenario.supply
    ]


def supplier_countries(scenario: Scenario, network: Network, commodity: str = ALL) -> list[str]:
    """Countries with an import supply entry of ``commodity`` (``all``: any commodity); the
    importer's own (domestic) supplies are not imports."""
    country = network.nodes["country"]
    domestic = domestic_supplies(scenario, network)
    return sorted(
        {
            str(country[s.node])
            for s, home in zip(scenario.supply, domestic, strict=True)
            if commodity in (ALL, s.commodity) and s.node in country.index and not home
        }
    )
