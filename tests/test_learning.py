"""A DQN-family agent trained with the default config beats the random
baseline by a margin whose 95% CI excludes zero, and gets close to the oracle."""
import json

import pytest


@pytest.mark.slow
def test_default_dqn_beats_random_and_nears_the_oracle(cli):
    run = cli.cwd / "outputs" / "run"
    r = cli("train", f"hydra.run.dir={run}", timeout=1200)  # the default config, unchanged
    assert r.returncode == 0, r.stderr
    final = json.loads((run / "manifest.json").read_text())["final"]
    assert final["vs_random"] - final["vs_random_ci"] > 0.3, final
    assert final["utility_over_oracle"] > 0.9, final
    assert "utility / oracle utility" in r.stdout
