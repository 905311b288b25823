"""Stacked seeds against a joblib sweep: the same five seeds of one config
trained stacked (``hydra/launcher=stacked``: in one process, or as stacks
of 3 and 2 in two processes, the launcher's default on 2 cores) and as five
jobs on two joblib workers, timed in the same run through the command line."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Iterator

SEEDS = "seed=0,1,2,3,4"
CASES = {   # what is stacked: the default DQN config on the 3-slice RAN, TD3 on huang2023 stage I
    "DQN (env=ran, scale=default)": ["agent=dqn"],
    "TD3 (huang2023 stage 1, scale=default)": ["stage=1"],
}


def _wall(args: list[str], threads: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "slicectl.cli", "train", "-m", *args, f"outputs={tmp}",
                        "eval.compare=[]"], check=True, env=env, cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def run() -> Iterator[tuple[str, str]]:
    """Each line as soon as it is measured (the whole part takes about 30 min)."""
    for label, args in CASES.items():
        joblib = _wall([*args, SEEDS, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], threads=1)
        for processes, threads in ((1, 2), (1, 1), (2, 1)):   # one process on both cores or one; two
            stacked = _wall([*args, SEEDS, "hydra/launcher=stacked", f"hydra.launcher.n_jobs={processes}"],
                            threads=threads)
            where = ("one process" if processes == 1 else f"{processes} processes (stacks of 3 and 2)") + \
                f" ({threads} thread{'s' if threads > 1 else ''} each)"
            yield (f"stacked seeds, {label}: 5 seeds, {where} vs joblib 2 workers",
                   f"{joblib / stacked:.2f}x faster wall ({stacked:.0f} s vs {joblib:.0f} s)")
