"""`slicectl reproduce <paper>|all [scale=] [seeds=N] [claims=a,b] [presets=p,q]`:
plan the runs the paper's claims need under each of its presets (the paper as
written, the project's variants), run those not yet completed, judge every
claim under every preset, and write ``claims.csv``, ``REPORT.md`` and the
figures into ``<outputs>/reproduce/<paper>/<time>/``."""
from __future__ import annotations

import json
import shlex
import time
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path

from slicectl.console import console
from slicectl.errors import UserError
from slicectl.reproduce import figures, spec, write
from slicectl.reproduce.measure import judge
from slicectl.reproduce.plan import Plan, execute

SCALES = ("smoke", "default", "paper")
DEFAULT_SEEDS = 5


def parse(args: list[str]) -> dict:
    """``key=value`` arguments -> options; anything else is one line of error."""
    opts = {"scale": "default", "seeds": DEFAULT_SEEDS, "claims": None, "presets": None,
            "outputs": Path("outputs"), "launcher": []}
    for a in args:
        key, eq, value = a.partition("=")
        if not eq:
            raise UserError(f"reproduce takes key=value arguments after the paper, not {a!r}")
        if key == "scale":
            if value not in SCALES:
                raise UserError(f"scale={value}: one of {', '.join(SCALES)}")
            opts["scale"] = value
        elif key == "seeds":
            if not value.isdigit() or not 1 <= int(value) <= 100:
                raise UserError(f"seeds={value}: a whole number from 1 to 100")
            opts["seeds"] = int(value)
        elif key in ("claims", "presets"):
            opts[key] = [c for c in value.split(",") if c]
        elif key == "outputs":
            opts["outputs"] = Path(value)
        elif (key == "hydra/launcher" or key.startswith("hydra.launcher.")) and "_target_" not in key:
            opts["launcher"].append(a)   # checked again with each run's overrides
        else:
            raise UserError(f"reproduce: unknown argument {key!r}; it takes scale=, seeds=, claims=, "
                            "presets=, outputs=, hydra/launcher= and hydra.launcher.*")
    if not any(a.startswith("hydra/launcher=") for a in opts["launcher"]):
        # a run's seeds train stacked where its agent allows, its jobs spread over the cores
        opts["launcher"].insert(0, "hydra/launcher=stacked")
    return opts


def list_papers() -> None:
    for key in spec.keys():
        c = spec.load(key)
        presets = ", ".join(p.id + (" (ablation)" if p.ablation else "") for p in c.spec.presets)
        console.print(f"{key:10s} {len(c.spec.claims):3d} claims  {c.title}  (presets: {presets})", soft_wrap=True)


def reproduce(target: str, args: list[str], readme: bool = False) -> list[Path]:
    opts = parse(args)
    keys = spec.keys() if target == "all" else [target]
    papers = [spec.load(k) for k in keys]   # every claims file checked before anything runs
    for what in ("claims", "presets"):
        if opts[what] and target == "all":
            raise UserError(f"{what}= selects {what} of one paper, not of all")
    selected = [(p.select(opts["claims"]), p.presets(opts["presets"])) for p in papers]
    return [_one(p, claims, presets, opts, target, args, readme) for p, (claims, presets) in zip(papers, selected)]


def _one(paper: spec.PaperClaims, claims: list, presets: list[spec.Preset], opts: dict, target: str,
         args: list[str], readme: bool) -> Path:
    start = time.perf_counter()
    seeds = list(range(opts["seeds"]))
    needed = {a.run for c in claims for a in c.arms} | {
        line.run for f in paper.spec.figures for line in f.lines
        if not opts["claims"]}
    plans = [Plan(paper.key, opts["scale"], seeds, opts["outputs"], paper.run_specs(needed, p), preset=p,
                  launcher=tuple(opts["launcher"])) for p in presets]
    for plan in plans:
        execute(plan)
    stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S-%f")
    out = opts["outputs"] / "reproduce" / paper.key / stamp
    rows, drawn = [], []
    for plan in plans:
        rows_p, drawn_p = _judge(paper, claims, plan, out, several=len(plans) > 1, curves=not opts["claims"])
        rows += rows_p
        drawn += drawn_p
    order = {c.id: i for i, c in enumerate(claims)}
    rows.sort(key=lambda r: order[r["claim"]])    # a claim's presets side by side
    run_time, span, launcher = _run_times(plans)
    meta = {"key": paper.key, "title": paper.title, "authors": paper.authors, "venue": paper.venue,
            "command": "slicectl reproduce " + " ".join(shlex.quote(a) for a in [target, *args]),
            "scale": opts["scale"], "seeds": f"{len(seeds)} ({seeds[0]}–{seeds[-1]})",
            "preset": ", ".join(p.id for p in presets), "presets": presets,
            "wall": _duration(time.perf_counter() - start), "compute": _duration(run_time),
            "span": _duration(span), "launcher": launcher,
            "runs": str(plans[0].root.parent), **write.provenance()}
    problems = [p for plan in plans for p in plan.problems]
    write.claims_csv(rows, out / "claims.csv")
    write.report_md(meta, rows, drawn, problems, out / "REPORT.md")
    (out / "reproduce.json").write_text(json.dumps(
        {**{k: v for k, v in meta.items() if k != "presets"},
         "trained": [t for plan in plans for t in plan.trained], "problems": problems,
         "finished": datetime.now(timezone.utc).isoformat()}, indent=1))
    _print(paper.key, rows)
    if readme:
        from slicectl import registry

        module = registry.load().papers[paper.key].module
        console.print(f"written: {write.readme_block(Path(str(files(module) / 'README.md')), meta, rows)}")
    console.print(f"reproduce directory: {out}", soft_wrap=True)
    return out


def _judge(paper: spec.PaperClaims, claims: list, plan: Plan, out: Path, several: bool,
           curves: bool) -> tuple[list[dict], list[tuple[str, Path]]]:
    """One preset's claims rows and figures (in figures/<preset>/ when there are several)."""
    preset = plan.preset
    figs = out / "figures" / preset.id if several else out / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    tag = f" [{preset.id}]" if several else ""
    rows, drawn = [], []
    for c in claims:
        grid = paper.grid(c.arms[0].run, preset) if c.compare == "trend" else None
        row = judge(c, plan.seeds, plan.run_dir, grid)
        rows.append({"paper": paper.key, "preset": preset.name, "radio": preset.radio,
                     "scale": plan.scale, **row})
        path = figures.claim_figure(c, plan.seeds, plan.run_dir, figs / f"{c.id}.png", grid)
        if path is not None:
            drawn.append((f"{c.source}: {c.text}{tag}", path))
    if curves:
        for f in paper.spec.figures:
            path = figures.curves_figure(f, plan.seeds, plan.run_dir, figs / f"{f.id}.png")
            if path is not None:
                drawn.append((f.title + tag, path))
    return rows, drawn


def _run_times(plans: list[Plan]) -> tuple[float, float, str]:
    """For the runs the plans read, from their manifests: the run time summed
    over their attempts, the wall time during which at least one of them was
    running (what training them took, whether one reproduce ran them all or
    several topped them up), and the launchers that ran them."""
    from collections import Counter

    from omegaconf import OmegaConf

    total, spans, launchers = 0.0, [], Counter()
    for home in sorted({plan.home(s) for plan in plans for s in plan.specs}):
        for seed in plans[0].seeds:
            d = home / str(seed)
            if not (d / "manifest.json").is_file():
                continue
            m = json.loads((d / "manifest.json").read_text())
            try:  # each attempt of a resumed run (older manifests: first start to last end)
                attempts = [(datetime.fromisoformat(a), datetime.fromisoformat(b))
                            for a, b in m.get("attempts") or [(m["start_time"], m["end_time"])]]
            except (KeyError, TypeError, ValueError):
                continue
            total += sum((end - start).total_seconds() for start, end in attempts)
            spans += attempts
            hydra = d / ".hydra" / "hydra.yaml"
            cfg = OmegaConf.select(OmegaConf.load(hydra), "hydra.launcher") if hydra.is_file() else None
            name = str(cfg.get("_target_", "")).rsplit(".", 1)[-1].replace("Launcher", "") if cfg else "basic"
            jobs = cfg.get("n_jobs") if cfg else None
            launchers[name + (f", {jobs} jobs" if jobs and int(jobs) > 0 else ", a job per core" if jobs else "")] += 1
    if len(launchers) > 1:   # runs topped up with another launcher
        said = "; ".join(f"{name} ({n} {'run' if n == 1 else 'runs'})" for name, n in launchers.most_common())
        return total, busy_seconds(spans), said
    return total, busy_seconds(spans), next(iter(launchers), "basic")


def busy_seconds(intervals: list[tuple[datetime, datetime]]) -> float:
    """The length of the union of ``intervals``: overlaps count once, gaps not at all."""
    busy, until = 0.0, None
    for start, end in sorted(intervals):
        if until is None or start > until:
            busy, until = busy + (end - start).total_seconds(), end
        elif end > until:
            busy, until = busy + (end - until).total_seconds(), end
    return busy


def _duration(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min" if h else (f"{m} min {s:02d} s" if m else f"{s} s")


def _print(key: str, rows: list[dict]) -> None:
    from rich.table import Table

    t = Table(title=f"{key}: claims")
    for col in ("claim", "preset", "source", "paper", "measured [95% CI]", "n", "verdict"):
        t.add_column(col)
    for r in rows:
        paper = write._fmt(r["paper_value"]) if r["paper_value"] is not None else r["paper_arms"] or "–"
        t.add_row(r["claim"], write.preset_id(r), r["source"], paper, write._measured(r), str(r["n_seeds"]),
                  r["verdict"])
    console.print(t)
