"""The network as users handle it: ``corridors.network.load_network(scenario)``, a graph built
or edited with NetworkX validated by ``network_from_graph``, and ``to_geodata(graph, folder)``
to write it back as a scenario's GeoJSON files. The definitions live in :mod:`corridors.io`."""

from corridors.io.graph import network_from_graph, to_geodata
from corridors.io.network import LINK_ATTRS, NODE_ATTRS, Network, load_network

__all__ = [
    "LINK_ATTRS",
    "NODE_ATTRS",
    "Network",
    "load_network",
    "network_from_graph",
    "to_geodata",
]
