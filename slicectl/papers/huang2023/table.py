"""huang2023 Table III: the whole system under every slice-level policy, in
the ordinary and congestion scenarios, on the fixed evaluation seeds.

Values are per evaluation episode (``eval.steps`` slice decisions of
``tau`` user steps each), mean ± 95% CI over the seeds. Random, ADMM and the
directly/progressively trained slice agents run over the user-level agents
of stage II, as the paper evaluates them; H-TD3 (IV) over its own
collaboratively trained ones. The oracle is the per-user-step optimum of
the whole system (an upper bound, see SystemOracle)."""
from __future__ import annotations

import numpy as np
from omegaconf import DictConfig, OmegaConf
from rich.table import Table

from slicectl.baselines.simple import RandomPolicy
from slicectl.papers.huang2023 import stages as hs
from slicectl.runner.build import baseline_cfg, make_baseline, make_env
from slicectl.runner.evaluate import evaluate, mean_ci

ROWS = (("random", None), ("ADMM", None), ("H-DDPG", "direct_ddpg"), ("H-TD3", "direct"),
        ("H-TD3 (III)", "progressive"), ("H-TD3 (IV)", "collaborative"), ("oracle", None))


def table_iii(cfg: DictConfig, pre_users: list, post_users: list, slice_agents: dict,
              seed: int) -> dict:
    base = int(cfg.eval.seed_base)
    seeds, steps = [base + i for i in range(int(cfg.pipeline.table_seeds))], int(cfg.eval.steps)
    out: dict = {}
    for scenario in ("ordinary", "congestion"):
        env = make_env(OmegaConf.merge(cfg.env, {"user": {"scenario": scenario}}), len(seeds))
        res = {}
        for name, key in ROWS:
            if key is not None and key not in slice_agents:
                continue
            users = post_users if name == "H-TD3 (IV)" else pre_users
            env.set_user_policies([hs.greedy(a) for a in users])
            policy = {"random": lambda: RandomPolicy(env, seed),
                      "ADMM": lambda: make_baseline(baseline_cfg("admm"), env, seed),
                      "oracle": lambda: make_baseline(baseline_cfg("oracle"), env, seed)}.get(
                name, lambda: slice_agents[key])()
            res[name] = {k: v * steps for k, v in evaluate(policy, env, seeds, steps).items()}
        out[scenario] = res
    return out


def summary(tables: dict) -> tuple[list[Table], list[str], dict]:
    """Rich tables, verdict lines and a JSON-able summary of ``table_iii``."""
    rendered, lines, data = [], [], {}
    for scenario, res in tables.items():
        oracle_u = float(np.mean(res["oracle"]["utility"]))
        t = Table(title=f"Table III ({scenario}): per episode, mean ± 95% CI over "
                        f"{len(res['oracle']['utility'])} seeds")
        for col in ("policy", "reward", "utility", "QoS penalty", "utility / oracle"):
            t.add_column(col, justify="right")
        data[scenario] = {}
        for name, r in res.items():
            cells = {k: mean_ci(r[k]) for k in ("reward", "utility", "qos_penalty")}
            ratio = float(np.mean(r["utility"])) / oracle_u
            t.add_row(name, *(f"{m:.2f} ± {h:.2f}" for m, h in cells.values()), f"{ratio:.3f}")
            data[scenario][name] = {**{k: list(v) for k, v in cells.items()}, "utility_over_oracle": ratio}
        rendered.append(t)
        if "H-TD3 (IV)" in res:
            m4, h4 = mean_ci(res["H-TD3 (IV)"]["utility"])
            for other in ("ADMM", "random"):
                m, h = mean_ci(res[other]["utility"])
                apart = m4 - h4 > m + h
                lines.append(f"{scenario}: H-TD3 (IV) utility {m4:.2f} ± {h4:.2f} vs {other} "
                             f"{m:.2f} ± {h:.2f}: " + ("above, CIs do not overlap" if apart else
                                                       "CIs overlap or below"))
                data[scenario][f"iv_above_{other.lower()}"] = bool(apart)
    return rendered, lines, data
