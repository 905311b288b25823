"""Help that shows what can be set: each command's groups and keys, the
groups table, and `--cfg job` with only the keys the job reads."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from slicectl.cli import app
from slicectl.config.launch import launch
from slicectl.config.compose import group_options

runner = CliRunner()


def _help(*args: str) -> str:
    r = runner.invoke(app, [*args, "--help"])
    assert r.exit_code == 0, r.output
    return " ".join(r.output.split())     # a narrow terminal wraps lines


def test_train_help_lists_every_group_with_its_options_and_the_most_used_keys():
    text = _help("train")
    for group in ("env", "agent", "scale", "experiment", "radio", "stage", "search"):
        assert f"{group}: {', '.join(group_options(group))}" in text
    assert "td3" in text and "dueling_gan_ddqn" in text          # every agent, not only the DQN family
    assert "train.total_steps (default 4000)" in text and "resume (default null)" in text
    assert "teacher" not in text                                   # distill's key, not train's


def test_a_papers_command_lists_its_own_keys_and_envs():
    assert "teacher (default null)" in _help("distill")
    assert "dataset (default null)" in _help("offline")
    assert "baseline: " + ", ".join(group_options("baseline")) in _help("eval")


def test_groups_prints_a_table_of_groups_options_and_what_they_set():
    r = runner.invoke(app, ["groups"], terminal_width=200)
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert any("group" in ln and "options" in ln and "what it sets" in ln for ln in lines)
    for group in ("env", "agent", "scale", "experiment", "radio", "stage", "search", "baseline"):
        assert any(ln.split("│")[1].strip() == group for ln in lines if ln.count("│") >= 3), group


@pytest.mark.parametrize("command, shown, hidden", [
    ("train", ["seed:", "resume:", "agent:", "train:", "env:"], ["teacher:", "dataset:", "method:", "run_dir:"]),
    ("distill", ["teacher:", "distill:"], ["resume:", "dataset:", "method:"]),
])
def test_cfg_job_shows_only_the_root_keys_the_job_reads(capsys, command, shown, hidden):
    launch(command, ["--cfg", "job"])
    roots = [ln.split(":")[0] + ":" for ln in capsys.readouterr().out.splitlines()
             if ln and not ln.startswith((" ", "#"))]
    for key in shown:
        assert key in roots
    for key in hidden:
        assert key not in roots
