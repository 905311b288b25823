"""Names a reader of a figure or table expects: methods as papers write them
(``agent=ddqn`` is "Double DQN"), metrics with their units and ranges."""
from __future__ import annotations

METHODS = {"td3": "TD3", "ddpg": "DDPG", "ddpg_gaussian": "DDPG-Gaussian", "dqn": "DQN", "ddqn": "Double DQN",
           "dueling_dqn": "Dueling DQN", "dueling_gan_ddqn": "Dueling GAN-DDQN", "ql": "QL",
           "admm": "ADMM", "random": "random", "greedy": "greedy", "oracle": "oracle",
           "proportional": "traffic-aware proportional", "equal": "equal split"}

# metric -> (axis label with its unit, its range or None)
METRICS: dict[str, tuple[str, tuple[float, float] | None]] = {
    "utility": ("utility", None),
    "reward": ("reward", None),
    "accuracy": ("inference accuracy per task", (0.0, 1.0)),
    "completion": ("task completion ratio", (0.0, 1.0)),
    "satisfaction": ("satisfaction (eq. 2)", None),
    "thr_sat": ("min. throughput satisfaction", (0.0, 1.0)),
    "fail_rate": ("share of (cell, step) below 0.95 satisfaction", (0.0, 1.0)),
    "max_delay_ms": ("max. slice delay (ms)", (0.0, float("inf"))),
    "se": ("spectral efficiency (bit/s/Hz)", (0.0, float("inf"))),
    "lower_se": ("lower-tier SE (bit/s/Hz)", (0.0, float("inf"))),
    "profit": ("profit per MVNO (Mb/s)", None),
    "load": ("cell load", (0.0, 1.0)),
}


def metric_label(metric: str) -> str:
    return METRICS.get(metric, (metric, None))[0]


def metric_bounds(metric: str) -> tuple[float, float] | None:
    return METRICS.get(metric, (metric, None))[1]


def method_label(group: str, method: str = "") -> str:
    """A legend entry: the method by its paper name (``agent=ddqn`` or the
    run's ``method`` is "Double DQN"), the group's other overrides after it."""
    tokens = group.split(" ") if group and group != "default" else []
    named = [t for t in tokens if t.split("=", 1)[0] in ("agent", "baseline")]
    rest = [t for t in tokens if t not in named]
    names = [METHODS.get(t.split("=", 1)[1], t.split("=", 1)[1]) for t in named]
    if not names and method:
        names = [METHODS.get(method, method)]
    label = " + ".join(names) if names else (" ".join(rest) if rest else "default")
    return f"{label} ({' '.join(rest)})" if names and rest else label
