"""`experiment=<key>` is the paper as written: every number the paper states
is what the preset composes to (at scale=default, and at scale=paper where
the paper gives a budget). Each value below is quoted from the paper's text
(shared/papers/); a preset that drifts from it fails here."""
import pytest

from slicectl.config.overrides import resolved


def get(cfg: dict, dotted: str):
    for part in dotted.split("."):
        cfg = cfg[part]
    return cfg


PAPERS = {
    # §4.3: "the learning rates of various algorithms are set to 0.01"; γ 0.95;
    # the target copy every 200 iterations; K = 2 hidden layers; §4.1's rewards;
    # Algorithm 1: "the action a ... contains the bids of each MVNO"
    "chen2022": ("bidding", ["experiment=chen2022", "agent=dueling_dqn"], {
        "agent.lr": 0.01, "agent.gamma": 0.95, "agent.target_every": 200, "env.reward": "paper",
        "env.upper_action": "joint",
        "len:agent.hidden": 2, "env.bandwidth_hz": 10.0e6}),
    # §V-A: TD3 lr 6e-4 / 3e-4, batch 256, τ 0.002, policy delay 5, γ 0.99,
    # hidden 256 and 128, user σ 0.02 ε 0.3; actions x ∈ [0, R]
    "huang2023": ("train", ["experiment=huang2023", "stage=1"], {
        "agent.critic_lr": 6e-4, "agent.actor_lr": 3e-4, "agent.batch_size": 256, "agent.tau": 0.002,
        "agent.policy_delay": 5, "agent.gamma": 0.99, "agent.hidden": [256, 128], "agent.sigma": 0.02,
        "agent.epsilon": 0.3, "env.action_mode": "absolute", "env.n_users": 5}),
    # the slice level: σ 0.05, ε 0.4; the users act with absolute allocations there too
    "huang2023/slice": ("train", ["experiment=huang2023", "stage=3"], {
        "agent.sigma": 0.05, "agent.epsilon": 0.4, "env.user.action_mode": "absolute",
        "env.action_mode": "absolute"}),
    # §V-2: actor (48, 24), critic (64, 24), lr 5e-4 / 1e-3, batch 32, γ 0.1; 12 cells, 4 slices, 20 MHz
    "hu": ("train", ["experiment=hu"], {
        "agent.hidden": [48, 24], "agent.critic_hidden": [64, 24], "agent.actor_lr": 5e-4,
        "agent.critic_lr": 1e-3, "agent.batch_size": 32, "agent.gamma": 0.1, "env.bandwidth_hz": 20e6}),
    # Table IV and eq. (14)
    "zhang2021": ("train", ["experiment=zhang2021"], {
        "env.n_igws": 10, "env.devices_per_igw": 35, "env.igw_bandwidth_hz": 10e6, "env.bs_bandwidth_hz": 20e6,
        "env.igw_compute_hz": 1.5e9, "env.bs_compute_hz": 5e9, "env.igw_cache_mb": 300.0,
        "env.bs_cache_mb": 2400.0, "env.rate_bs_igw_bps": 200e6, "env.rate_cloud_bs_bps": 300e6,
        "env.reward": "slot", "agent.per_item": False, "agent.actor_lr": 1e-4, "agent.critic_lr": 3e-4,
        "agent.batch_size": 64, "agent.buffer_size": 10000, "agent.gamma": 0.95, "agent.tau": 0.01,
        "agent.policy_delay": 2, "agent.noise_clip": 0.03, "agent.hidden": [1800, 2400, 3000],
        "agent.critic_hidden": [4800, 3500, 1500, 500]}),
    # §V-A's DDPG benchmark: TD3's actor, a critic of [2000, 1500, 500, 1]
    "zhang2021/ddpg": ("train", ["experiment=zhang2021", "agent=ddpg"], {
        "agent.hidden": [1800, 2400, 3000], "agent.critic_hidden": [2000, 1500, 500], "agent.ddpg": True}),
    # §V-A: 20 MHz in 200 kHz units, 4 hidden layers 256-256-128-128, Adam 1e-3;
    # §III: demand depends on the previous allocation; Algorithm 1 trains from the first minibatch
    "zhang_dt": ("twin-train", ["experiment=zhang_dt", "agent=dqn"], {
        "env.bandwidth_hz": 20e6, "env.unit_hz": 200e3, "env.n_users": 100, "env.radius_m": 40.0,
        "agent.hidden": [256, 256, 128, 128], "agent.lr": 1e-3, "env.observe": "demand",
        "same:agent.learning_starts": "agent.batch_size"}),
}
BUDGETS = {   # scale=paper: the papers' own budgets
    "chen2022": ("bidding", ["experiment=chen2022"], {"bidding.lower_steps": 6000, "bidding.upper_steps": 6000}),
    "zhang2021": ("train", ["experiment=zhang2021"], {"train.total_steps": 300 * 50, "env.episode_steps": 50}),
    "hu": ("train", ["experiment=hu"], {"agent.learning_starts": 3000, "train.total_steps": 3000 + 5500,
                                        "eval.steps": 250}),
}


def check(job: str, overrides: list[str], want: dict) -> None:
    cfg = resolved(job, overrides)
    for key, value in want.items():
        if key.startswith("len:"):
            assert len(get(cfg, key[4:])) == value, key
        elif key.startswith("same:"):
            assert get(cfg, key[5:]) == get(cfg, value), key
        else:
            assert get(cfg, key) == pytest.approx(value) if isinstance(value, float) else get(cfg, key) == value, \
                f"{key}: {get(cfg, key)!r}, the paper's {value!r}"


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_the_as_written_preset_holds_every_number_the_paper_states(paper):
    job, overrides, want = PAPERS[paper]
    check(job, [*overrides, "scale=default"], want)


@pytest.mark.parametrize("paper", sorted(BUDGETS))
def test_the_as_written_preset_at_scale_paper_has_the_papers_budget(paper):
    job, overrides, want = BUDGETS[paper]
    check(job, [*overrides, "scale=paper"], want)


@pytest.mark.parametrize("paper", ["chen2022", "hu", "huang2023", "zhang2021", "zhang_dt"])
def test_every_paper_declares_an_as_written_preset_and_variants_say_what_they_change(paper):
    from importlib.resources import files

    folder = files("slicectl.conf") / "experiment"
    assert (folder / f"{paper}.yaml").is_file()
    for variant in folder.iterdir():
        if variant.name.startswith(f"{paper}_"):
            text = variant.read_text()
            assert f"Variant of {paper}" in text, f"{variant.name}: say what it changes and why"
