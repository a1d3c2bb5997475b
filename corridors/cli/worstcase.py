"""corridors interdict and corridors expand: the worst losses, what to build against them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridors.cli.app import app, cost_basis, out
from corridors.errors import CorridorsError, Problem


def _over(scenario: Path) -> tuple[str, str]:
    """What the printed totals are over, ``over the horizon (365 days)``, and whether their
    costs are discounted (:func:`~corridors.cli.app.cost_basis`)."""
    from corridors.io.scenario import load_scenario

    sc = load_scenario(scenario)
    h = sc.horizon
    return f"over the horizon ({h.periods * h.period_days:g} days)", cost_basis(sc)


@app.command()
def interdict(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    k: Annotated[
        int | None, typer.Option("--k", help="Lose at most K elements (the worst set).")
    ] = None,
    elements: Annotated[
        str | None,
        typer.Option(
            "--elements",
            help="Element classes, as for sweep. Default: what can be disrupted (chokepoint, "
            "pipeline, port, terminal, border, storage, supplier).",
        ),
    ] = None,
    objective: Annotated[
        str, typer.Option("--objective", help="unmet (PJ, default) or cost (USD).")
    ] = "unmet",
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Attack budget: Σ cost of the lost elements ≤ BUDGET."),
    ] = None,
    budget_costs: Annotated[
        str | None,
        typer.Option(
            "--budget-costs",
            help="Attack costs NAME=COST,... (others cost 1; default: attack_costs in the YAML).",
        ),
    ] = None,
    runners_up: Annotated[
        int, typer.Option("--runners-up", help="Also list the next N worst sets.")
    ] = 0,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="MILP time limit, seconds.")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/interdiction"
    ),
) -> None:
    """Worst-case loss of at most K elements, solved exactly as one MILP (LP duality).

    Writes DIR/interdiction.json (elements, unmet [PJ], unmet_by_commodity [Mt, bcm], cost
    [USD], status, gap, bound, runners_up; every figure as value and unit, totals over the
    horizon).

    Example: corridors interdict scenarios/baseline.yaml --k 2 --elements chokepoint,pipeline,supplier
    """
    from corridors.analysis.interdiction import interdict as api_interdict
    from corridors.analysis.interdiction import write_interdiction
    from corridors.core.availability import element_label
    from corridors.core.status import Status

    costs = None
    if budget_costs:
        costs = {}
        for part in budget_costs.split(","):
            name, sep, value = part.partition("=")
            try:
                costs[name.strip()] = float(value)
            except ValueError:
                raise CorridorsError(
                    Problem("", "--budget-costs", f"expected NAME=COST, got '{part}'")
                ) from None
            if not sep:
                raise CorridorsError(
                    Problem("", "--budget-costs", f"expected NAME=COST, got '{part}'")
                )
    res = api_interdict(
        scenario,
        k,
        element_classes=elements,
        objective=objective,
        budget=budget,
        attack_costs=costs,
        runners_up=runners_up,
        time_limit=time_limit,
    )
    path = write_interdiction(res, out_dir)
    colour = "green" if res.status is Status.OPTIMAL else "red"
    labels = [element_label(n) for n in res.elements]
    over, basis = _over(scenario)
    out.print(f"[bold]worst loss[/bold]: {', '.join(labels) or '(none)'}")
    out.print(f"  status          [{colour}]{res.status}[/{colour}] (gap {res.gap})")
    if res.unmet is not None:
        by = ", ".join(
            f"{c} {v:,.2f} {res.units.get(c, '')}"
            for c, v in res.unmet_by_commodity.items()
            if v is not None and v > 1e-6
        )
        out.print(f"  unmet demand    {res.unmet:,.1f} PJ {over}" + (f" ({by})" if by else ""))
    if res.cost is not None:
        out.print(f"  total cost      {res.cost / 1e9:,.2f} billion USD {over}{basis}")
    if res.cost_increase is not None:
        out.print(f"  cost increase   {res.cost_increase / 1e9:,.2f} billion USD")
    for r in res.runners_up:
        nxt = ", ".join(element_label(n) for n in r["elements"])
        out.print(f"  next: {nxt}: {r['unmet']:,.1f} PJ unmet")
    out.print(f"  {res.n_elements} elements, {res.seconds:.1f} s -> {path}")
    if res.status is not Status.OPTIMAL:
        raise typer.Exit(1)


@app.command()
def expand(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    mode: Annotated[
        str, typer.Option("--mode", help="expected (stochastic), robust (worst case) or both.")
    ] = "expected",
    scenarios: Annotated[
        str | None,
        typer.Option(
            "--scenarios",
            help="n1:CLASSES = every single loss of those element classes (as for sweep; "
            "n1 alone: chokepoint, pipeline, port, terminal, border, storage, supplier) plus "
            "no loss, equally weighted. Default: expansion.scenarios in the YAML.",
        ),
    ] = None,
    frontier_budgets: Annotated[
        str | None,
        typer.Option(
            "--frontier", help="Resilience frontier at capital budgets B1,B2,... (USD million)."
        ),
    ] = None,
    measure: Annotated[
        str, typer.Option("--measure", help="Frontier shortfall: worst or expected.")
    ] = "worst",
    discount_rate: Annotated[
        float | None, typer.Option("--discount-rate", help="For annualising capex (default 0.08).")
    ] = None,
    lifetime: Annotated[
        int | None, typer.Option("--lifetime", help="Asset lifetime, years (default 30).")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="MILP time limit, seconds.")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "results/expansion"
    ),
) -> None:
    """Choose planned/candidate links to build against disruption scenarios (MILP).

    Writes DIR/expansion.json (build, objective, status, gap, per-scenario cost and shortfall
    avoided, value of each build) and, with --frontier, DIR/frontier.csv and DIR/frontier.png.

    Example: corridors expand scenarios/baseline.yaml --mode both --scenarios n1:chokepoint,pipeline --frontier 0,10000,40000
    """
    from corridors.analysis.expansion import expand as api_expand
    from corridors.analysis.expansion import write_expansion
    from corridors.core.status import Status
    from corridors.outputs.charts import plot_resilience_frontier

    budgets = None
    if frontier_budgets:
        try:
            budgets = [float(b) for b in frontier_budgets.split(",") if b.strip()]
        except ValueError:
            raise CorridorsError(
                Problem("", "--frontier", f"expected numbers B1,B2,..., got '{frontier_budgets}'")
            ) from None
    res = api_expand(
        scenario,
        mode=mode,
        scenarios=scenarios,
        frontier_budgets=budgets,
        measure=measure,
        discount_rate=discount_rate,
        lifetime_years=lifetime,
        time_limit=time_limit,
    )
    paths = write_expansion(res, out_dir)
    if res.frontier is not None:
        paths.append(plot_resilience_frontier(res.frontier, out_dir / "frontier.png"))
    plans = [("expected" if mode != "robust" else "robust", res.primary)]
    if res.other is not None:
        plans.append(("robust", res.other))
    bad = False
    over, basis = _over(scenario)

    def bn(v: float | None) -> str:
        return "-" if v is None else f"{v / 1e9:,.2f}"

    out.print(
        f"costs in billion USD {over}{basis}: operating and shortage cost plus the "
        "annualised capital cost of the builds charged over it"
    )
    for name, p in plans:
        colour = "green" if p["status"] is Status.OPTIMAL else "red"
        bad |= p["status"] is not Status.OPTIMAL
        out.print(
            f"[bold]{name}[/bold]: build {', '.join(p['build']) or 'nothing'} "
            f"([{colour}]{p['status']}[/{colour}], gap {p['gap']})"
        )
        if p["objective"] is not None:
            out.print(
                f"  objective {bn(p['objective'])} billion USD; expected cost "
                f"{bn(p['expected_cost'])}, worst {bn(p['worst_cost'])} billion USD {over}"
            )
            saved = "expected" if name == "expected" else "worst-case"
            for v in p["value_of_builds"]:
                out.print(
                    f"  value of {v['group']}: {bn(v['value'])} billion USD {over} "
                    f"({saved} cost saved by building it, net of its annualised capital cost)"
                )
    if res.frontier is not None:
        for r in res.frontier.itertuples():
            missing = r.shortfall_pj is None or r.shortfall_pj != r.shortfall_pj  # None, NaN
            shortfall = "-" if missing else f"{r.shortfall_pj:,.1f}"
            out.print(
                f"  capex budget {r.budget_musd:>10,.0f} million USD: {shortfall} PJ "
                f"{r.measure} unmet {over} ({r.build or '-'})"
            )
    out.print(f"  -> {', '.join(str(p) for p in paths)}")
    if bad:
        raise typer.Exit(1)
