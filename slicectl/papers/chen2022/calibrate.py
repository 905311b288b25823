"""Section 4.1's SE and profit thresholds as ``reward=paper`` scales them
for this simulator, under each radio (``slicectl.papers.chen2022.env.calibrated``:
the paper's threshold times this market's reference figure over the paper's
settled SE 300 and profit 200; the reference is every MVNO bidding its minimum
demand and allocating by Table A).

    python -m slicectl.papers.chen2022.calibrate
"""
from __future__ import annotations

from importlib.resources import files

import yaml

from slicectl.papers.chen2022.env import THRESHOLDS, calibrated, default_kwargs, reference_figures

def main() -> None:
    realistic = yaml.safe_load((files("slicectl.conf") / "radio" / "realistic.yaml").read_text())["env"]
    for radio, extra in (("reference", {}), ("realistic", realistic)):
        kw = {**default_kwargs(), **extra}
        for k in ("num_envs", "episode_steps", "reward", "upper_action"):
            kw.pop(k)
        table_draws, paper = kw.pop("table_draws"), kw.pop("paper_reward")
        ref = reference_figures(kw, table_draws)
        th = calibrated(paper, kw, table_draws)
        print(f"radio={radio}: reference SE {ref['se']:.1f}, profit {ref['profit']:.1f} per MVNO; "
              + ", ".join(f"{k} {paper[k]:g} -> {th[k]:.1f}" for k in THRESHOLDS))


if __name__ == "__main__":
    main()
