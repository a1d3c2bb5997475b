"""The model of one scenario, built once: its data, its LP and (on first use) its Pyomo model.

A disruption only changes bounds (:func:`set_bounds`): the LP is never rebuilt. See
:mod:`corridors.core.pyomo_model` for the formulation stated by id (the Pyomo model) and
:mod:`corridors.core.lp` for the same LP assembled as arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from corridors.core.availability import Availability
from corridors.core.data import ModelData
from corridors.core.lp import LinearProgram, assemble, bound_arrays
from corridors.core.pyomo_model import build_pyomo, set_pyomo_bounds

if TYPE_CHECKING:
    import pyomo.environ as pyo


@dataclass
class BuiltModel:
    """The model of one scenario, built once: its data, its LP, and the bounds last set.

    ``model`` is the same LP as a Pyomo model, by id, built on first use (policy constraints,
    a user's ``extra=`` function and the cross-checks need it); a plain solve hands ``lp`` to
    HiGHS directly (see :class:`corridors.core.solve.Runner`).
    """

    data: ModelData
    lp: LinearProgram
    bounds: dict[str, np.ndarray] = field(default_factory=dict)
    """The bounds last set (see :func:`set_bounds`)."""
    _model: pyo.ConcreteModel | None = None

    @property
    def model(self) -> pyo.ConcreteModel:
        if self._model is None:
            self._model = build_pyomo(self.data)
            if self.bounds:
                set_pyomo_bounds(self._model, self.data, self.bounds)
        return self._model

    @property
    def has_pyomo(self) -> bool:
        """True once the Pyomo model exists (it may then hold constraints the LP has not)."""
        return self._model is not None


def build_model(data: ModelData, avail: Availability) -> BuiltModel:
    """Build the model once (the LP, not yet Pyomo); bounds come from ``avail``."""
    built = BuiltModel(data, assemble(data))
    set_bounds(built, avail)
    return built


def set_bounds(built: BuiltModel, avail: Availability) -> dict[str, np.ndarray]:
    """Set every variable bound and node limit from ``avail`` (on the Pyomo model too, if it
    has been built: only the bounds that changed)."""
    b = bound_arrays(built.data, avail)
    previous, built.bounds = built.bounds, b
    if built.has_pyomo:
        set_pyomo_bounds(built.model, built.data, b, previous or None)
    return b
