"""The tutorial's written-out sums for a trajectory: return and discounted return."""

from __future__ import annotations

from gridsim.app.i18n import t
from gridsim.trajectory import Trajectory, format_number

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def gamma_power(k: int) -> str:
    """'' for k=0, 'γ' for 1, 'γ²', 'γ³', ... as the tutorial writes them."""
    if k == 0:
        return ""
    return "γ" if k == 1 else "γ" + str(k).translate(_SUPERSCRIPTS)


def return_equation(traj: Trajectory) -> str:
    """'return = 0 + 0 + 0 + 1 = 1' (the core's notation, localised)."""
    text = traj.return_equation()
    return t("return") + text[len("return") :]


def discounted_equation(traj: Trajectory, gamma: float, max_terms: int = 6) -> str:
    """'discounted return = 0 + γ0 + γ²0 + γ³1 + … = 0.729 (γ = 0.9)'."""
    name = t("discounted return")
    g = format_number(gamma)
    if len(traj) == 0:
        return f"{name} = 0"
    terms = []
    for k, r in enumerate(traj.rewards[:max_terms]):
        value = format_number(r)
        if k == 0:
            terms.append(value)
        else:
            terms.append(
                f"{gamma_power(k)}({value})"
                if value.startswith("-")
                else f"{gamma_power(k)}{value}"
            )
    more = " + …" if len(traj) > max_terms else ""
    total = format_number(round(traj.discounted_return(gamma), 6))
    return f"{name} = {' + '.join(terms)}{more} = {total}   (γ = {g})"


def prefix(traj: Trajectory, steps: int) -> Trajectory:
    """The first ``steps`` steps of a trajectory."""
    steps = max(0, min(steps, len(traj)))
    return Trajectory(traj.states[: steps + 1], traj.actions[:steps], traj.rewards[:steps])
