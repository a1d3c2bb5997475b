"""Diversity metrics on small networks whose shares are computed by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from factory import COMMODITIES, link_table, node_table, write_case

from corridors.analysis import diversity as dv
from corridors.api import solve

PJ = {c: v["pj_per_unit"] for c, v in COMMODITIES.items()}


def two_suppliers(tmp: Path, **scenario) -> Path:
    """AAA (s1, cheap, 6 Mt) ships crude by sea through strait k into port p (importer BBB);
    CCC (s2, dear, 10 Mt) pipes crude and 2 bcm of gas over the border b. Demand 10 Mt, 2 bcm.

    Optimum: s1 6 Mt via k/p, s2 4 Mt + 2 bcm via b.
    """
    nodes = node_table("""
        s1 supply     0 0 AAA
        s2 supply     0 5 CCC
        k  chokepoint 1 0 XXX capacity=1e6
        p  port       2 0 BBB
        b  border     2 5 BBB
        d  demand     3 2 BBB
    """)
    links = link_table("""
        s1k     s1 k mode=sea cost=1 corridor=sea_route
        kp      k  p mode=sea cost=1 corridor=sea_route
        pd      p  d cost=1 corridor=domestic
        s2b     s2 b cost=1 corridor=land
        bd      b  d cost=1 corridor=domestic
        s2b_gas s2 b commodity=pipeline_gas cost=1 corridor=land
        bd_gas  b  d commodity=pipeline_gas cost=1 corridor=domestic
    """)
    sc = {
        "supply": [
            {"node": "s1", "commodity": "crude_oil", "max": 6, "price": 10},
            {"node": "s2", "commodity": "crude_oil", "max": 10, "price": 50},
            {"node": "s2", "commodity": "pipeline_gas", "max": 5, "price": 50},
        ],
        "demand": [
            {"node": "d", "commodity": "crude_oil", "amount": 10},
            {"node": "d", "commodity": "pipeline_gas", "amount": 2},
        ],
        **scenario,
    }
    return write_case(tmp, nodes, links, sc)


def _get(df, **kw):  # type: ignore[no-untyped-def]
    for k, v in kw.items():
        df = df[df[k] == v]
    assert len(df) == 1, (kw, df)
    return df.iloc[0]


def test_index_formulas() -> None:
    assert dv.hhi([1, 1, 2]) == pytest.approx(0.25**2 * 2 + 0.5**2)
    assert dv.shannon([1, 1, 2]) == pytest.approx(
        -(2 * 0.25 * math.log(0.25) + 0.5 * math.log(0.5))
    )
    assert dv.hhi([5]) == 1.0 and dv.shannon([5]) == 0.0
    assert dv.hhi([]) == 0.0 and dv.shannon([0, 0]) == 0.0


def test_shares_and_indices_hand_computed(tmp_path: Path) -> None:
    r = solve(two_suppliers(tmp_path, risk={"supplier": {"AAA": 0.5}, "chokepoint": {"k": 1.0}}))
    assert r.is_ok
    sh = dv.all_shares(r)
    # crude: AAA 6 of 10, CCC 4 of 10
    assert _get(sh, commodity="crude_oil", group="supplier", id="AAA")["share"] == pytest.approx(
        0.6
    )
    assert _get(sh, commodity="crude_oil", group="corridor", id="land")["share"] == pytest.approx(
        0.4
    )
    assert _get(sh, commodity="crude_oil", group="entry_point", id="p")["share"] == pytest.approx(
        0.6
    )
    assert _get(sh, commodity="crude_oil", group="mode", id="sea")["share"] == pytest.approx(0.6)
    assert _get(sh, commodity="crude_oil", group="chokepoint", id="k")["share"] == pytest.approx(
        0.6
    )
    assert _get(sh, commodity="crude_oil", group="chokepoint", id="any")["share"] == pytest.approx(
        0.6
    )
    assert _get(sh, commodity="pipeline_gas", group="chokepoint", id="any")["share"] == 0.0
    # all commodities in energy: AAA 6*42.3, CCC 4*42.3 + 2*36
    aaa, ccc = 6 * PJ["crude_oil"], 4 * PJ["crude_oil"] + 2 * PJ["pipeline_gas"]
    s_aaa = aaa / (aaa + ccc)
    assert _get(sh, commodity="all", group="supplier", id="AAA")["pj"] == pytest.approx(aaa)
    assert _get(sh, commodity="all", group="supplier", id="AAA")["share"] == pytest.approx(s_aaa)
    idx = dv.indices(r)
    crude = _get(idx, commodity="crude_oil", group="supplier")
    assert crude["hhi"] == pytest.approx(0.6**2 + 0.4**2)
    assert crude["hhi_10000"] == pytest.approx(5200)
    assert crude["shannon"] == pytest.approx(-(0.6 * math.log(0.6) + 0.4 * math.log(0.4)))
    assert _get(idx, commodity="all", group="supplier")["hhi"] == pytest.approx(
        s_aaa**2 + (1 - s_aaa) ** 2
    )
    # chokepoints: k carries 0.6 of crude imports; the 0.4 that passed no strait is not a
    # concentration and adds nothing
    choke = _get(idx, commodity="crude_oil", group="chokepoint")
    assert choke["hhi"] == pytest.approx(0.36)
    assert (choke["members"], choke["effective_number"], choke["shannon"]) == (1, 1.0, 0.0)
    # pipeline gas passes no strait: no concentration at all (it used to read 1.0, the maximum)
    gas = _get(idx, commodity="pipeline_gas", group="chokepoint")
    assert (gas["hhi"], gas["hhi_10000"], gas["members"], gas["effective_number"]) == (0, 0, 0, 0)
    # all commodities: k carries crude's 6 Mt of the imports in PJ
    assert _get(idx, commodity="all", group="chokepoint")["hhi"] == pytest.approx(
        s_aaa**2, rel=1e-9
    )
    rw = dv.risk_weighted(r)
    sup = _get(rw, commodity="crude_oil", group="supplier")
    assert sup["risk_hhi"] == pytest.approx(0.5 * 0.36)
    assert sup["risk_exposure"] == pytest.approx(0.5 * 0.6)
    assert _get(rw, commodity="crude_oil", group="chokepoint")["risk_exposure"] == pytest.approx(
        0.6
    )
    em = dv.emissions_cost(r)
    assert _get(em, commodity="all")["transport_cost_usd"] == pytest.approx(6 * 3 + 4 * 2 + 2 * 2)
    lc = dv.landed_cost(r)
    # marginal crude at d: from the dear supplier, 50 + 1 + 1 per Mt
    assert _get(lc, commodity="crude_oil")["usd_per_unit"] == pytest.approx(52)
    assert _get(lc, commodity="crude_oil")["usd_per_gj"] == pytest.approx(52 / (42.3e6))
    table = dv.diversity(r)
    assert list(table.columns) == dv.DIVERSITY_COLUMNS
    head = dv.headline(r, table)
    assert head["crude_oil"]["hhi_supplier"] == pytest.approx(0.52)
    assert head["pipeline_gas"]["hhi_chokepoint"] == 0.0
    assert head["crude_oil"]["hhi_chokepoint"] == pytest.approx(0.36)
    assert head["crude_oil"]["share_mode"] == {
        "pipeline": pytest.approx(0.4),
        "sea": pytest.approx(0.6),
    }


def test_any_strait_proportional_tracing(tmp_path: Path) -> None:
    """Half of the crude reaching junction j passed strait k; j feeds two ports equally, so each
    port receives half strait crude: the any-strait share is 0.5 though k carries 0.5 too,
    and a second strait after the mix counts once."""
    nodes = node_table("""
        s1 supply     0 0 AAA
        s2 supply     0 2 CCC
        k  chokepoint 1 0 XXX
        j  junction   2 1 XXX
        k2 chokepoint 3 0 XXX
        p1 port       4 0 BBB
        p2 port       4 2 BBB
        d  demand     5 1 BBB
    """)
    links = link_table("""
        s1k  s1 k  mode=sea
        kj   k  j  mode=sea
        s2j  s2 j  mode=sea
        jk2  j  k2 mode=sea capacity=4
        k2p1 k2 p1 mode=sea
        jp2  j  p2 mode=sea capacity=4
        p1d  p1 d
        p2d  p2 d
    """)
    sc = {
        "supply": [
            {"node": "s1", "commodity": "crude_oil", "max": 4, "price": 1},
            {"node": "s2", "commodity": "crude_oil", "max": 4, "price": 1},
        ],
        "demand": [{"node": "d", "commodity": "crude_oil", "amount": 8}],
    }
    r = solve(write_case(tmp_path, nodes, links, sc))
    x = dv.strait_fractions(r, 1)
    assert x[("j", "crude_oil")] == pytest.approx(0.5)
    assert x[("p2", "crude_oil")] == pytest.approx(0.5)
    assert x[("p1", "crude_oil")] == pytest.approx(1.0)
    a = _get(dv.any_strait(r), commodity="crude_oil")
    # p1 gets 4 (all passed k2), p2 gets 4 half of which passed k: (4 + 2) / 8
    assert a["share"] == pytest.approx(0.75)
    ch = dv.shares(r, "chokepoint")
    assert _get(ch, commodity="crude_oil", id="k")["share"] == pytest.approx(0.5)
    assert _get(ch, commodity="crude_oil", id="k2")["share"] == pytest.approx(0.5)


def test_chokepoint_indices_count_exposure_at_every_strait(tmp_path: Path) -> None:
    """Two straits in a row (k then k2) carry all crude; half of the gas passes k2 alone.

    Chokepoint shares are shares of imports: crude 1 at k and 1 at k2, so the HHI is 2 (the
    exposure at both straits, as the max_hhi policy on chokepoints counts it), the effective
    number 2 and Shannon ln 2; gas 0.5 at k2: HHI 0.25, one member.
    """
    nodes = node_table("""
        s  supply     0 0 AAA
        k  chokepoint 1 0 XXX
        k2 chokepoint 2 0 XXX
        g  supply     0 3 CCC
        d  demand     3 0 BBB
    """)
    links = link_table("""
        sk      s  k  mode=sea
        kk2     k  k2 mode=sea
        k2d     k2 d  mode=sea
        gk2     g  k2 commodity=pipeline_gas capacity=1
        k2d_gas k2 d  commodity=pipeline_gas
        gd      g  d  commodity=pipeline_gas capacity=1
    """)
    sc = {
        "supply": [
            {"node": "s", "commodity": "crude_oil", "max": 10, "price": 1},
            {"node": "g", "commodity": "pipeline_gas", "max": 10, "price": 1},
        ],
        "demand": [
            {"node": "d", "commodity": "crude_oil", "amount": 4},
            {"node": "d", "commodity": "pipeline_gas", "amount": 2},
        ],
    }
    r = solve(write_case(tmp_path, nodes, links, sc))
    idx = dv.indices(r)
    crude = _get(idx, commodity="crude_oil", group="chokepoint")
    assert crude["hhi"] == pytest.approx(2.0)
    assert crude["effective_number"] == pytest.approx(2.0)
    assert crude["shannon"] == pytest.approx(math.log(2))
    assert crude["members"] == 2
    gas = _get(idx, commodity="pipeline_gas", group="chokepoint")
    assert gas["hhi"] == pytest.approx(0.25) and gas["members"] == 1
    assert gas["effective_number"] == pytest.approx(1.0)
    # lng: no imports at all, every index 0
    lng = _get(idx, commodity="lng", group="chokepoint")
    assert (lng["hhi"], lng["shannon"], lng["effective_number"], lng["members"]) == (0, 0, 0, 0)
