"""Record what a smoke run of every job and every baseline writes, so that a
restructure can prove it changed no figure.

    python tests/golden/record.py OUT.json        # run everything, write the record
    python tests/golden/record.py OUT.json --diff tests/golden/smoke.json

Each command runs in a fresh temporary directory, in order (later stages
take ``latest``). The record keeps, per command, its exit code and every CSV
the run wrote (values as text), less the columns that measure wall time."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

S = "scale=smoke"
COMMANDS: list[list[str]] = [
    ["train", S],
    ["train", S, "agent=ddqn", "seed=1"],
    ["train", S, "agent=dueling_gan_ddqn"],
    ["train", S, "env=ran", "env.action_mode=continuous", "agent=td3"],
    ["train", "stage=1", S],
    ["transfer", "init_from=latest", S],
    ["progressive", "init_from=latest", S],
    ["collaborative", "init_from=latest", S],
    ["train", "stage=all", S],
    ["bidding", S],
    ["bidding", S, "experiment=chen2022", "agent=ql"],
    ["train", "experiment=zhang2021_pertask", S, "train.total_steps=60", "train.eval_every=30"],
    ["train", "env=multicell", S],
    ["transfer", "env=multicell", "init_from=latest", S],
    ["twin-train", S],
    ["distill", "teacher=latest", S],
    ["offline", S],
    ["landscape", "run_dir=latest", S],
    ["eval", "--baseline", "random", S],
    ["eval", "--baseline", "equal", S],
    ["eval", "--baseline", "proportional", S],
    ["eval", "--baseline", "oracle", S],
    ["eval", "--baseline", "oracle", "env=huang_user", S],
    ["eval", "--baseline", "oracle", "env=huang_slice", S],
    ["eval", "--baseline", "admm", "env=huang_slice", S],
    ["eval", "--baseline", "random", "env=huang_slice", S],
    ["eval", "--baseline", "greedy", "env=iiot", S],
    ["eval", "--baseline", "oracle", "env=iiot", S],
    ["eval", "--baseline", "proportional", "env=multicell", S],
    ["eval", "--baseline", "oracle", "env=multicell", S],
    ["eval", "--baseline", "oracle", "env=bidding", S],
    ["eval", "--baseline", "random", "env=bidding", S],
]
TIMING = ("time", "seconds", "wall", "elapsed", "per_s", "_sec", "sps")


def _csvs(root: Path) -> dict[str, list[list[str]]]:
    out = {}
    for path in sorted(root.rglob("*.csv")):
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
        if not rows:
            continue
        keep = [i for i, c in enumerate(rows[0]) if not any(t in c.lower() for t in TIMING)]
        out[str(path.relative_to(root))] = [[r[i] for i in keep if i < len(r)] for r in rows]
    return out


def _strip_stamp(rel: str) -> str:
    # outputs/<job>/<timestamp>/... -> outputs/<job>/*/...
    parts = rel.split(os.sep)
    return os.sep.join("*" if p[:4].isdigit() and "-" in p else p for p in parts)


def record() -> dict:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
        seen: set[Path] = set()
        for args in COMMANDS:
            proc = subprocess.run([sys.executable, "-m", "slicectl.cli", *args], cwd=cwd, env=env,
                                  capture_output=True, text=True, timeout=900)
            files = {}
            for path, rows in _csvs(cwd / "outputs").items():
                top = Path(path).parts[:3]
                if top in seen:
                    continue
                files[_strip_stamp(path)] = rows
            seen |= {Path(p).parts[:3] for p in _csvs(cwd / "outputs")}
            key = " ".join(args)
            results[key] = {"exit": proc.returncode, "csv": files,
                            "stderr_tail": proc.stderr.strip().splitlines()[-1:] if proc.returncode else []}
            print(f"{proc.returncode:>3}  {key}  ({len(files)} csv)", flush=True)
    return results


def diff(new: dict, old: dict) -> list[str]:
    problems = []
    for key in old.keys() | new.keys():
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            problems.append(f"{key}: only in {'new' if a is None else 'old'} record")
            continue
        if a["exit"] != b["exit"]:
            problems.append(f"{key}: exit {a['exit']} -> {b['exit']}")
        for f in a["csv"].keys() | b["csv"].keys():
            if a["csv"].get(f) != b["csv"].get(f):
                problems.append(f"{key}: {f} differs")
    return problems


if __name__ == "__main__":
    out = Path(sys.argv[1])
    rec = record()
    out.write_text(json.dumps(rec, indent=0, sort_keys=True))
    if "--diff" in sys.argv:
        problems = diff(rec, json.loads(Path(sys.argv[sys.argv.index("--diff") + 1]).read_text()))
        print("\n".join(problems) or "identical")
        sys.exit(1 if problems else 0)
