"""What a reproduction writes: ``claims.csv``, ``REPORT.md`` and, on request,
the results block of the paper's README (between its markers)."""
from __future__ import annotations

import platform
import subprocess
from pathlib import Path

import pandas as pd

from slicectl.errors import UserError

COLUMNS = ["paper", "claim", "source", "text", "metric", "compare", "paper_value", "paper_arms",
           "measured", "ci_low", "ci_high", "iqm", "iqm_low", "iqm_high", "p_improve", "p_improve_low",
           "p_improve_high", "n_seeds", "verdict", "paper_in_ci", "deciding",
           "arms", "preset", "radio", "scale"]
BEGIN, END = "<!-- reproduce:begin -->", "<!-- reproduce:end -->"
STATISTICS = ("From 5 seeds, the measured value also gives the interquartile mean of the per-seed values "
              "and, for two arms, P(A > B), the probability that a run of A beats a run of B, each with a "
              "95% percentile bootstrap interval (Agarwal et al. 2021; `slicectl.analysis.robust`).")


def claims_csv(rows: list[dict], out: Path) -> Path:
    df = pd.DataFrame([{**r, "arms": "; ".join(f"{k}={v:.6g}" for k, v in r["arms"].items())} for r in rows])
    df[COLUMNS].to_csv(out, index=False)
    return out


def provenance() -> dict:
    """Commit and versions, for the report's header."""
    import numpy
    import torch

    import slicectl

    here = Path(slicectl.__file__).parent
    try:
        commit = subprocess.run(["git", "-C", str(here), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        # the papers' READMEs are what `--readme` writes: a block written before does not make the code dirty
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)papers/*/README.md"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    return {"commit": (commit + (" (with uncommitted changes)" if dirty else "")) if commit else "not a git checkout",
            "versions": f"slicectl {slicectl.__version__}, python {platform.python_version()}, "
                        f"torch {torch.__version__}, numpy {numpy.__version__}"}


def _fmt(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    return f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:.0f}"


def _measured(r: dict) -> str:
    s = _fmt(r["measured"])
    if r["ci_low"] == r["ci_low"] and r["ci_low"] is not None:
        s += f" [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
    if r.get("iqm") is not None:
        s += f", IQM {_fmt(r['iqm'])}" + _bracket(r.get("iqm_low"), r.get("iqm_high"))
    if r.get("p_improve") is not None:
        s += f", P(A > B) {_fmt(r['p_improve'], 2)}" + _bracket(r.get("p_improve_low"), r.get("p_improve_high"), 2)
    return s


def _bracket(low, high, digits: int = 3) -> str:
    """`` [low, high]`` of a bootstrap interval, or nothing where it has none."""
    if low is None or low != low:
        return ""
    return f" [{_fmt(low, digits)}, {_fmt(high, digits)}]"


def preset_id(r: dict) -> str:
    name = r.get("preset", "project")
    return name if r.get("radio", "reference") == "reference" else f"{name}@{r['radio']}"


def _what(r: dict) -> str:
    return {"order": "weakest step of the order", "difference": "A − B", "relative": "A / B − 1",
            "ratio": "A / B", "trend": "last − first grid point", "sign": "value"}[r["compare"]]


def claims_table(rows: list[dict], compact: bool = False) -> list[str]:
    """The claims as a Markdown table; ``compact`` (a README) leaves out the arms' means."""
    several = len({preset_id(r) for r in rows}) > 1
    lines = ["| claim | " + ("preset | " if several else "") + "source | paper | measured: what | mean [95% CI] "
             "| seeds | verdict |", "|---" * (7 + several) + "|"]
    previous = None
    for r in rows:
        paper = r["paper_arms"] or ""
        if r["paper_value"] is not None:
            paper = (paper + "; " if paper else "") + f"{_what(r)} = {_fmt(r['paper_value'])}"
        magnitude = {True: " (paper's value inside)", False: " (paper's value outside)"}.get(r["paper_in_ci"], "")
        what = f"{_what(r)} ({r['deciding']})"
        if not compact:
            what += "; arms: " + "; ".join(f"{k} {_fmt(v)}" for k, v in r["arms"].items())
        # a claim's later presets: its statement and the paper's number once
        first = r["claim"] != previous
        previous = r["claim"]
        claim = f"`{r['claim']}`: {r['text']}" if first else "〃"
        cells = [claim, *([f"`{preset_id(r)}`"] if several else []), r["source"] if first else "〃",
                 (paper or "–") if first else "〃", what, f"{_measured(r)}{magnitude}", str(r["n_seeds"]),
                 f"**{r['verdict']}**"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _presets(meta: dict) -> str:
    """Each preset with what it sets, e.g. ``as_written (experiment=chen2022)``."""
    out = []
    for p in meta.get("presets") or []:
        what = " ".join(p.all_overrides) or "the runs' own overrides"
        out.append(f"`{p.id}` ({what})")
    return ", ".join(out) or meta["preset"]


def header(meta: dict) -> list[str]:
    return [f"- command: `{meta['command']}`",
            f"- commit: {meta['commit']}; {meta['versions']}",
            f"- scale: {meta['scale']}, seeds: {meta['seeds']}; presets: {_presets(meta)}",
            f"- wall time: {meta['span']} while the runs it read were training (one or more at a time; "
            f"{meta['compute']} of run time summed; launcher: {meta['launcher']}); this command took {meta['wall']}",
            f"- runs: `{meta['runs']}`"]


def report_md(meta: dict, rows: list[dict], figures: list[tuple[str, Path]], problems: list[str],
              out: Path) -> Path:
    counts = pd.Series([r["verdict"] for r in rows]).value_counts().to_dict()
    lines = [f"# Reproduction of {meta['key']}: {meta['title']}", "",
             f"{meta['authors']}, {meta['venue']}.", "", *header(meta), "",
             "## Claims", "",
             "Verdicts: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) + ". "
             "A verdict reads the 95% Student-t interval of the per-seed paired value (arms on the "
             "same seeds and evaluation cells): reproduced when it excludes the null on the paper's side, "
             "contradicted when on the other side, else inconclusive. " + STATISTICS, "",
             *claims_table(rows), ""]
    if problems:
        lines += ["## Runs that did not complete", "", *(f"- {p}" for p in problems), ""]
    if figures:
        lines += ["## Figures", ""]
        for caption, path in figures:
            lines += [f"![{caption}]({path.relative_to(out.parent).as_posix()})", ""]
    out.write_text("\n".join(lines))
    return out


def readme_block(readme: Path, meta: dict, rows: list[dict]) -> Path:
    """Replace what stands between the README's markers with this result."""
    if not readme.is_file():
        raise UserError(f"--readme: no README at {readme}")
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise UserError(f"--readme: {readme} has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    block = [BEGIN, "", f"Generated by `{meta['command']}`; do not edit by hand.", "", *header(meta)[:-1], "",
             STATISTICS, "",
             *claims_table(rows, compact=True), "", END]
    readme.write_text(head + "\n".join(block) + tail)
    return readme
