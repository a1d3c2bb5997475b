"""Solver outcomes: one status enum for LP and MILP solves and their limits, mapped once from
HiGHS (no solver import here, so tables and the command line can compare statuses cheaply)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Solver outcome. Only ``optimal`` is presented as an optimum."""

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"
    UNKNOWN = "unknown"
    INEXACT = "inexact"
    """A MILP whose optimum the check re-solve does not reproduce (a big-M too small): its
    answer is not presented as exact (:mod:`corridors.analysis.interdiction`)."""

    @property
    def is_ok(self) -> bool:
        return self is Status.OPTIMAL

    @classmethod
    def from_highs(cls, status: Any) -> Status:
        """The status of a ``highspy.HighsModelStatus`` (LP and MILP alike)."""
        return _HIGHS_STATUS.get(getattr(status, "name", str(status)), cls.UNKNOWN)


#: HiGHS model status (by name) -> Status; any other status is UNKNOWN.
_HIGHS_STATUS = {
    "kOptimal": Status.OPTIMAL,
    "kTimeLimit": Status.TIME_LIMIT,
    "kIterationLimit": Status.ITERATION_LIMIT,
    "kInfeasible": Status.INFEASIBLE,
    "kUnbounded": Status.UNBOUNDED,
    "kUnboundedOrInfeasible": Status.INFEASIBLE,
    "kLoadError": Status.ERROR,
    "kModelError": Status.ERROR,
    "kPresolveError": Status.ERROR,
    "kSolveError": Status.ERROR,
    "kPostsolveError": Status.ERROR,
}
