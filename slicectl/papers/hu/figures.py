"""hu's figures from run directories: the reward during training of the
baseline, DRL and TL from the most and least similar sources (Fig. 4), the
CCDF of each cell's minimum per-slice throughput satisfaction (Fig. 5) and
the CDF of its maximum slice delay (Fig. 6) from eval_samples.csv, the
inter-agent distance heatmap (Fig. 7) from a transfer run's distances.csv,
and the TL gain over the source's own training at the same step against
the sources' distance (Fig. 8) from transfer runs and the runs they started
from."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from slicectl.analysis.runs import Run

FAIL_BELOW = 0.95


def has_figures(runs: list[Run]) -> bool:
    return any((r.path / name).is_file() for r in runs
               for name in ("eval_samples.csv", "distances.csv", "transfer.json"))


def pooled_samples(runs: list[Run]) -> pd.DataFrame:
    """Every run's samples; a learned policy is labelled by its run's
    config, a baseline by its name (the same on every run's seeds)."""
    frames = []
    for run in runs:
        path = run.path / "eval_samples.csv"
        if path.is_file():
            df = pd.read_csv(path)
            learned = ~df["policy"].isin(("proportional", "equal", "oracle", "random"))
            # Fig. 4's names (DRL, <method> TL, <source> source); a transfer
            # run's source run is a path, not a config: it stays out of the label
            fig4 = curve_label(run)
            said = ("init_from=", "method=", "source=", "env.coordinated=") if fig4 else ("init_from=",)
            own = " ".join(o for o in run.group.split(" ") if not o.startswith(said) and o != "default")
            name = ", ".join(x for x in (fig4, own) if x)
            df["label"] = np.where(learned, name or df["policy"], df["policy"])
            frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def figures(runs: list[Run], out_dir: Path) -> None:
    """Figs. 4-8 of the runs that have them, into ``out_dir``; the runs'
    evaluation samples are read once for Figs. 4-6."""
    samples = pooled_samples(runs)
    reward_curves(runs, samples, out_dir)
    distribution_plots(samples, out_dir)
    heatmap(runs, out_dir)
    gain_plot(runs, out_dir)


def distribution_plots(df: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Figs. 5-6 from ``pooled_samples``."""
    import matplotlib.pyplot as plt

    if df.empty:
        return []
    written = []
    for col, title, ccdf in (("cell_min_thr_sat", "minimum slice throughput satisfaction", True),
                             ("cell_max_delay_ms", "maximum slice delay (ms)", False)):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for label, sub in sorted(df.groupby("label"), key=lambda t: t[0]):
            x = np.sort(sub[col].to_numpy())
            p = np.arange(1, len(x) + 1) / len(x)
            if ccdf:
                share = float((x < FAIL_BELOW).mean())
                ax.step(x, 1.0 - p, where="post", label=f"{label}: {share:.1%} below {FAIL_BELOW}")
            else:
                ax.step(x, p, where="post", label=f"{label}: mean {x.mean():.2f} ms")
        if ccdf:
            ax.axvline(FAIL_BELOW, color="grey", lw=0.8, ls="--")
            ax.set_xlim(0, 1.5)
        else:
            ax.set_xscale("log")
        ax.set_xlabel(title)
        ax.set_ylabel("CCDF, P(X > x)" if ccdf else "CDF, P(X ≤ x)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        out = out_dir / f"{'ccdf' if ccdf else 'cdf'}_{col}.png"
        written.append(_write(fig, out))
    return written


def heatmap(runs: list[Run], out_dir: Path) -> Path | None:
    """Mean of the runs' distance matrices, cells in the paper's numbering,
    with the mean distance within and between requirement groups."""
    import matplotlib.pyplot as plt

    mats, groups = [], None
    for run in runs:
        path = run.path / "distances.csv"
        if path.is_file():
            mats.append(pd.read_csv(path, index_col=0).to_numpy())
            groups = np.asarray(OmegaConf.load(run.path / ".hydra" / "config.yaml").env.cell_groups)
    if not mats:
        return None
    D = np.mean(mats, axis=0)
    within, between = group_means(D, groups)
    fig, ax = plt.subplots(figsize=(5.6, 4.8))
    im = ax.imshow(D, cmap="viridis")
    K = len(D)
    ax.set_xticks(range(K), [str(k + 1) for k in range(K)])
    ax.set_yticks(range(K), [str(k + 1) for k in range(K)])
    ax.set_xlabel("target cell k")
    ax.set_ylabel("source cell i")
    ax.set_title(f"eq. (7) distance, {len(mats)} run(s): same group {within:.3g}, other {between:.3g}",
                 fontsize=8)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return _write(fig, out_dir / "distances.png")


def curve_label(run: Run) -> str | None:
    """Fig. 4's name for a run: "DRL" for a multicell training run, "<method>
    TL (<source rule>)" for a transfer run, None for other runs."""
    import json

    record = run.path / "transfer.json"
    if record.is_file():
        r = json.loads(record.read_text())
        if r["source_rule"] == "self":
            return f"{r['method']}, each cell's own agent (control)"
        rule = {"auto": "most similar", "farthest": "least similar"}.get(r["source_rule"], f"cell {r['source_rule']}")
        return f"{r['method']} TL, {rule} source"
    saved = run.path / ".hydra" / "config.yaml"
    env = OmegaConf.load(saved).env if saved.is_file() else {}
    if env.get("_target_", "").endswith("MulticellBatchEnv"):
        return "DRL" if env.get("coordinated", True) else "DRL, uncoordinated"
    return None


def reward_curves(runs: list[Run], samples: pd.DataFrame, out_dir: Path,
                  metric: str = "satisfaction") -> Path | None:
    """Fig. 4: evaluation reward (eq. 2, mean over cells) against training
    steps, mean and 95% CI over seeds: DRL from scratch, solid over the TL
    runs' budget and dashed after it (as the paper draws it), each TL
    variant from its start, and the traffic-aware baseline (from
    ``pooled_samples``) as a level."""
    import matplotlib.pyplot as plt

    from slicectl.runner.evaluate import mean_ci

    curves: dict[str, list[pd.Series]] = {}
    finetuned: set[str] = set()  # labels of transfer runs (and their control), which start at step 0
    for run in runs:
        label = curve_label(run)
        if label is not None:
            ev = run.metrics[run.metrics["split"] == "eval"]
            curves.setdefault(label, []).append(ev.groupby("env_steps")[metric].last())
            if (run.path / "transfer.json").is_file():
                finetuned.add(label)
    if not curves:
        return None
    tl_end = max((c.index.max() for k in finetuned for c in curves[k]), default=None)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for label, series in sorted(curves.items()):
        table = pd.concat(series, axis=1).sort_index()
        stats = np.array([mean_ci(r.dropna().to_numpy()) for _, r in table.iterrows()])
        steps, mean, half = table.index.to_numpy(), stats[:, 0], np.nan_to_num(stats[:, 1])
        cut = len(steps) if tl_end is None or label in finetuned else int(np.searchsorted(steps, tl_end, "right"))
        line, = ax.plot(steps[:cut], mean[:cut], marker="o", ms=3, label=f"{label} (n={len(series)})")
        if cut < len(steps):
            ax.plot(steps[cut - 1:], mean[cut - 1:], ls="--", color=line.get_color())
        ax.fill_between(steps, mean - half, mean + half, alpha=0.15, color=line.get_color())
    if not samples.empty and (samples["policy"] == "proportional").any():
        base = samples.loc[samples["policy"] == "proportional", "cell_reward"].mean()
        ax.axhline(base, color="black", lw=1, ls=":", label=f"traffic-aware baseline ({base:.3f})")
    ax.set_xlabel("training steps (TL: fine-tuning steps)")
    ax.set_ylabel(f"eval {metric} (eq. 2, mean over cells)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _write(fig, out_dir / "reward_curves.png")


def tl_gains(runs: list[Run]) -> pd.DataFrame:
    """Per transfer run and evaluation step: its satisfaction minus that of
    the training run it started from (DRL from scratch) at the same step,
    with the mean eq. (7) distance from each target cell to its source."""
    import json

    rows = []
    for run in runs:
        record_path = run.path / "transfer.json"
        if not record_path.is_file():
            continue
        record = json.loads(record_path.read_text())
        src = Path(json.loads((run.path / "manifest.json").read_text())["init_from"])
        drl = pd.read_csv(src / "metrics.csv")
        drl = drl[drl["split"] == "eval"].set_index("env_steps")["satisfaction"]
        tl = run.metrics[run.metrics["split"] == "eval"].set_index("env_steps")["satisfaction"]
        for step in tl.index.intersection(drl.index):
            rows.append({"run": str(run.path), "rule": record["source_rule"], "method": record["method"],
                         "distance": float(np.mean(record["distance"])), "step": int(step),
                         "gain": float(tl[step] - drl[step])})
    return pd.DataFrame(rows)


def gain_plot(runs: list[Run], out_dir: Path) -> Path | None:
    """Fig. 8: TL gain against the mean source distance, one point per
    transfer run and a least-squares line, at the first, a middle and the
    last common evaluation step (the control, source=self, has no distance)."""
    import matplotlib.pyplot as plt

    df = tl_gains(runs)
    df = df[df["rule"] != "self"] if not df.empty else df
    if df.empty:
        return None
    steps = sorted(df["step"].unique())
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for step in sorted({steps[0], steps[len(steps) // 2], steps[-1]}):
        sub = df[df["step"] == step]
        pts = ax.scatter(sub["distance"], sub["gain"], s=16, label=f"after {step} steps")
        if sub["distance"].nunique() > 1:
            slope, icpt = np.polyfit(sub["distance"], sub["gain"], 1)
            xs = np.linspace(sub["distance"].min(), sub["distance"].max(), 2)
            ax.plot(xs, icpt + slope * xs, color=pts.get_facecolor()[0], lw=1)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xlabel("mean eq. (7) distance, source to target")
    ax.set_ylabel("TL satisfaction − DRL's at the same step")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _write(fig, out_dir / "tl_gain_vs_distance.png")


def group_means(D: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """Mean distance between distinct cells of the same group, and of different groups."""
    same = groups[:, None] == groups[None]
    off = ~np.eye(len(D), dtype=bool)
    return float(D[same & off].mean()), float(D[~same].mean())


def _write(fig, out: Path) -> Path:
    import matplotlib.pyplot as plt

    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    print(f"written: {out}")
    return out


def plot(runs: list[Run], out_dir: Path) -> None:
    """`slicectl plot`: Figs. 4-8 into ``out_dir``, beside the learning curves."""
    figures(runs, out_dir)
