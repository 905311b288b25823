"""`make bench`: every figure measured now, ratios against references timed
in the same run."""
from __future__ import annotations

import platform
import sys

import torch
from rich.table import Table

from benchmarks import bench_dqn, bench_env, bench_huang, bench_memory, bench_multicell, bench_paper, bench_seeds, bench_td3
from slicectl.console import console


ON_REQUEST = ("paper",)   # `python -m benchmarks paper`: minutes and a few GB, not part of `make bench`


def main(parts: list[str]) -> None:
    table = Table(title=f"slicectl benchmarks — {platform.processor() or platform.machine()}, "
                        f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, mod in (("env", bench_env), ("dqn", bench_dqn), ("td3", bench_td3), ("huang", bench_huang),
                      ("multicell", bench_multicell), ("memory", bench_memory), ("seeds", bench_seeds), ("paper", bench_paper)):
        if (parts and name not in parts) or (not parts and name in ON_REQUEST):
            continue
        for label, value in mod.run():
            table.add_row(label, value)
            console.print(f"{label}: {value}")
    console.print(table)


if __name__ == "__main__":
    main(sys.argv[1:])
