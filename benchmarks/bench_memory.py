"""What a stacked member takes against what ``stacked_bytes`` says it takes.

The stacked launcher sizes its stacks by ``stacked_bytes`` (a member's
replay, its networks twice, Adam's moments): a stack of k members trains
at once only if k estimates fit in the process's share of the memory. An
estimate below the truth is an out-of-memory kill, one far above it a
stack split for nothing. Each case builds k members of one config in a
fresh process (``python -m benchmarks.bench_memory <k> <overrides>``),
fills their replays (a run late in training), stacks them and runs a few
updates. A member's cost is the difference in the process's peak resident
memory between two stack sizes over the difference in members, so what
every process pays once (kernels compiled, libraries loaded on first use)
cancels; the line gives it as a ratio to the estimate (above 1: the
estimate undercounts).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

CASES = {   # label: (overrides, the two stack sizes): small members differ by more, to rise above the noise
    "DQN (env=ran, scale=default)": (["agent=dqn"], (2, 6)),
    "TD3 (huang2023 stage 1, scale=default)": (["stage=1"], (2, 6)),
    "TD3 flat networks (zhang2021 as written, scale=default)": (["experiment=zhang2021", "agent=td3"], (2, 3)),
}
UPDATES = 5


def _kib(field: str) -> int:
    """A line of /proc/self/status (VmRSS, VmHWM) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(k: int, overrides: list[str]) -> dict:
    """In this process: k members built, filled, stacked and updated."""
    from omegaconf import OmegaConf

    from slicectl.agents.stacked import stack_agents, stacked_bytes
    from slicectl.config.overrides import resolved
    from slicectl.jobs.train import _build

    cfgs = [OmegaConf.create(resolved("train", [*overrides, "scale=default", f"seed={s}"])) for s in range(k)]
    before = _kib("VmRSS")
    built = [_build(cfg) for cfg in cfgs]
    agents = [agent for _, _, agent, _ in built]
    for a in agents:
        a.replay.storage.fill_(0.5)
        a.replay.size = a.replay.capacity
    stack = stack_agents(agents)
    for _ in range(UPDATES):
        stack.update()
    return {"peak": (_kib("VmHWM") - before) * 1024, "estimate": stacked_bytes(agents[0])}


def run() -> Iterator[tuple[str, str]]:
    for label, (overrides, (k1, k2)) in CASES.items():
        small, large = (_child(k, overrides) for k in (k1, k2))
        member = (large["peak"] - small["peak"]) / (k2 - k1)
        yield (f"stacked member's memory, {label}: peak RSS, stack of {k2} minus stack of {k1}, "
               "per member, vs stacked_bytes",
               f"{member / large['estimate']:.2f}x the estimate "
               f"({member / 2**20:.0f} MiB vs {large['estimate'] / 2**20:.0f} MiB)")


def _child(k: int, overrides: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_memory", str(k), *overrides],
                         check=True, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]), sys.argv[2:])))
