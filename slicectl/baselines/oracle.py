"""One-step clairvoyant oracle: the upper bound learned policies are reported
against. For each cell it scores candidate splits on copies of the simulator
state under the very fading and arrivals the next window will bring (common
random numbers, see envs/kernel.py) and takes the best utility."""
from __future__ import annotations

import numpy as np

from slicectl.baselines.simple import Policy
from slicectl.sim.actions import split_table


class OraclePolicy(Policy):
    """``search=exhaustive`` scores every split (4851 at 20 MHz / 200 kHz);
    ``search=coarse`` scores the splits on a ``coarse_units`` grid, then every
    split within one coarse step of the best — the same answer in practice at
    a fraction of the cost."""

    def __init__(self, env, seed: int, search: str, coarse_units: int):
        super().__init__(env, seed)
        if search not in ("exhaustive", "coarse"):
            raise ValueError(f"search must be 'exhaustive' or 'coarse', not {search!r}")
        self.search = search
        n, S = env.params.n_units, env.params.n_slices
        self.coarse_units = coarse_units
        coarse = split_table(n // coarse_units, S) * coarse_units
        coarse[:, -1] += n - coarse.sum(axis=1)
        self.coarse = coarse

    def best(self, row: int) -> tuple[np.ndarray, float]:
        core, table = self.env.core, self.env.table
        if self.search == "exhaustive":
            cands = table
        else:
            u = core.score(row, self.coarse)["utility"]
            centre = self.coarse[int(np.argmax(u))]
            near = np.abs(table - centre).max(axis=1) <= self.coarse_units
            cands = table[near]
        u = core.score(row, cands)["utility"]
        i = int(np.argmax(u))
        return cands[i], float(u[i])

    def units(self, obs):
        return np.stack([self.best(b)[0] for b in range(len(obs))])
