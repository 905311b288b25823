"""Tables printed at the end of train and eval jobs."""
from __future__ import annotations

import re

import numpy as np
from rich.table import Table

from slicectl.runner.evaluate import mean_ci

PER_AGENT = re.compile(r"_m\d+$")  # a multi-agent env's per-MVNO columns: in metrics.csv only


def metrics_table(title: str, results: dict[str, dict[str, np.ndarray]]) -> Table:
    """Rows: policies; columns: metrics as mean ± 95% CI across eval seeds."""
    metrics = [m for m in next(iter(results.values())) if not PER_AGENT.search(m)]
    table = Table(title=title)
    table.add_column("policy", no_wrap=True)
    for m in metrics:
        table.add_column(m, justify="right")
    for name, res in results.items():
        cells = []
        for m in metrics:
            mean, half = mean_ci(res[m])
            cells.append(f"{mean:.3f} ± {half:.3f}")
        table.add_row(name, *cells)
    return table
