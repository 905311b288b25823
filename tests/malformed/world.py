"""The fixture world the malformed invocations point at: real runs made by the
CLI, and broken copies of them (every way a run directory, a checkpoint, a
metrics file or a dataset can be wrong), all under ``<root>/outputs``."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import torch
from typer.testing import CliRunner

from slicectl.cli import app
from tests.malformed.cases import CALLBACK

SMOKE = ["scale=smoke", "eval.compare=[]", "train.total_steps=40", "train.eval_every=20"]


def invoke(args: list[str], cwd: Path):
    """The CLI in this process, in ``cwd``: what a user's shell would run
    (Typer's result: exit_code, stdout, stderr, exception)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, args)
    finally:
        os.chdir(old)


def digest(root: Path) -> dict:
    """Every file under ``root`` by what a write would change: its size and
    modification time (ns), and the hash of its bytes for files under 1 MB
    (hashing the world's 300 MB of checkpoints for each of ~600 cases cost
    more than the cases)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            small = st.st_size < 1 << 20
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns,
                                             hashlib.sha256(p.read_bytes()).hexdigest() if small else None)
    return out


def build(root: Path) -> Path:
    """Make the world in ``root``; returns ``root/outputs`` (the ``{w}`` of the cases)."""
    w = root / "outputs"
    root.mkdir(parents=True, exist_ok=True)
    for name, args in [("run", ["train", *SMOKE]), ("other", ["train", *SMOKE, "agent.hidden=[8]"]),
                       ("eval_run", ["eval", "--baseline", "random", "scale=smoke"])]:
        res = invoke([*args, f"hydra.run.dir=outputs/{name}"], root)
        assert res.exit_code == 0, (args, res.output, res.stderr)
    run = w / "run"

    def copy(name: str, status: str = "interrupted", src: Path = run) -> Path:
        dest = w / name
        shutil.copytree(src, dest)
        _set(dest, status=status)
        return dest

    _set(w / "eval_run", status="interrupted")
    copy("interrupted")
    marker = root / "MARKER"
    d = copy("callback")
    _append_overrides(d, CALLBACK.replace("{marker}", str(marker)).split())
    _append_overrides(copy("planted_target"), ["agent._target_=builtins.eval"])
    (copy("manifest_list") / "manifest.json").write_text("[1, 2]\n")
    _set(copy("manifest_status"), status="weird")
    (copy("manifest_binary") / "manifest.json").write_bytes(b"\x00\xff\xfe")
    (copy("overrides_dict") / ".hydra" / "overrides.yaml").write_text("a: 1\n")
    (copy("overrides_bad_yaml") / ".hydra" / "overrides.yaml").write_text("[unclosed\n")
    (copy("overrides_missing") / ".hydra" / "overrides.yaml").unlink()
    (copy("overrides_numbers") / ".hydra" / "overrides.yaml").write_text("- 1\n- [2]\n")
    (copy("config_missing") / ".hydra" / "config.yaml").unlink()
    last = copy("ckpt_truncated") / "checkpoints" / "last.pt"
    last.write_bytes(last.read_bytes()[:200])
    d = copy("ckpt_pickled")
    for name in ("last.pt", "best.pt"):
        with open(d / "checkpoints" / name, "wb") as fh:
            pickle.dump({"agent": ValueError("boom")}, fh)
    torch.save([1, 2], copy("ckpt_list") / "checkpoints" / "last.pt")
    torch.save({"foo": 1}, copy("ckpt_keys") / "checkpoints" / "last.pt")
    shutil.copyfile(w / "other" / "checkpoints" / "last.pt", copy("ckpt_other_run") / "checkpoints" / "last.pt")
    _append_overrides(copy("ckpt_other_config"), ["agent.hidden=[8]"])
    d = copy("ckpt_rows")
    state = torch.load(d / "checkpoints" / "last.pt", weights_only=True)
    state["rows"] = "x"
    torch.save(state, d / "checkpoints" / "last.pt")
    shutil.rmtree(copy("ckpt_missing") / "checkpoints")
    m = copy("metrics_cut") / "metrics.csv"
    lines = m.read_text().splitlines(keepends=True)
    m.write_text("".join(lines[:2]) + lines[2][:10])
    (copy("metrics_missing") / "metrics.csv").unlink()
    m = copy("metrics_header") / "metrics.csv"
    m.write_text(m.read_text().splitlines(keepends=True)[0])
    (w / "running_only").mkdir()
    copy("running_only/a", status="running")
    m = copy("metrics_header_only", status="completed") / "metrics.csv"
    m.write_text(m.read_text().splitlines(keepends=True)[0])
    (copy("metrics_garbage", status="completed") / "metrics.csv").write_bytes(b"\x00\x01garbage\xff\n1,2\n")
    (w / "file.txt").write_text("not a run\n")
    (w / "empty").mkdir()
    _datasets(w / "data")
    return w


def _set(run: Path, **fields) -> None:
    m = json.loads((run / "manifest.json").read_text())
    m.update(fields)
    (run / "manifest.json").write_text(json.dumps(m))


def _append_overrides(run: Path, lines: list[str]) -> None:
    with open(run / ".hydra" / "overrides.yaml", "a") as fh:
        fh.writelines(f"- {line}\n" for line in lines)


def _datasets(d: Path) -> None:
    """Offline datasets, each wrong in one way (the ran env: 3 slices)."""
    d.mkdir()
    n = 64
    rng = np.random.default_rng(0)
    good = {"obs": rng.random((n, 3), dtype=np.float32), "action": rng.integers(0, 4, n),
            "features": rng.random((n, 3), dtype=np.float32), "reward": rng.random(n),
            "utility": rng.random(n), "next_obs": rng.random((n, 3), dtype=np.float32),
            "episode": np.repeat(np.arange(8), 8), "step": np.tile(np.arange(8), 8)}

    def save(name: str, **changes) -> None:
        data = {**good, **changes}
        np.savez(d / name, **{k: v for k, v in data.items() if v is not None})

    save("nan.npz", reward=np.full(n, np.nan))
    save("shape.npz", obs=rng.random((n, 5), dtype=np.float32), next_obs=rng.random((n, 5), dtype=np.float32))
    save("range.npz", action=np.full(n, 10**6))
    save("lengths.npz", reward=good["reward"][:10])
    save("missing.npz", utility=None)
    save("pickled.npz", reward=np.array([object()] * n, dtype=object))
    save("empty.npz", **{k: v[:0] for k, v in good.items()})
    (d / "text.npz").write_text("not a dataset\n")
