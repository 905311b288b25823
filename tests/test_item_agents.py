"""TD3 with one network shared by an env's items (zhang2021's tasks), the
per-item ε exploration, the DDPG switch and gradient steps per transition."""
import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from slicectl.agents.networks import ItemActor, ItemCriticEnsemble, item_rows
from slicectl.agents.td3 import TD3Agent
from tests.test_agents import train_bandit
from tests.conftest import td3

ITEMS, OBS, ACT = 12, 3, 2


def item_bandit(rng, n=16):
    """Each item's best action is its first two features (in [-0.8, 0.8]);
    the reward is the mean over items of −‖a_i − best_i‖², as zhang2021 pays
    the mean over tasks."""
    obs = rng.uniform(-0.8, 0.8, (n, ITEMS, OBS)).astype(np.float32)
    return obs.reshape(n, -1), obs[..., :ACT]


def item_reward(actions, best):
    return -((actions.reshape(best.shape) - best) ** 2).sum(-1).mean(-1)


def make(items, **kw):
    return td3(ITEMS * OBS, ITEMS * ACT, low=-1.0, high=1.0, hidden=(32, 32), batch_size=64,
                    learning_starts=128, actor_lr=1e-3, critic_lr=1e-3, tau=0.01, sigma=0.2,
                    policy_delay=2, items=items, seed=1, **kw)


def test_shared_item_networks_learn_what_a_flat_network_of_the_same_budget_does_not():
    obs, best = item_bandit(np.random.default_rng(99), 256)
    errs = {}
    for name, items in (("per_item", ITEMS), ("flat", None)):
        agent = make(items)
        train_bandit(agent, 60, batch=item_bandit, score=item_reward)  # 960 transitions, 832 updates
        errs[name] = -item_reward(agent.act(obs, explore=False), best).mean()
    random_err = -item_reward(np.random.default_rng(0).uniform(-1, 1, (256, ITEMS * ACT)), best).mean()
    assert errs["per_item"] < 0.1 * random_err and errs["per_item"] < 0.5 * errs["flat"], (errs, random_err)


def test_item_critic_is_the_mean_of_one_shared_q_over_items():
    torch.manual_seed(0)
    critic = ItemCriticEnsemble(2, ITEMS * OBS, ITEMS * ACT, [16], items=ITEMS)
    obs, act = torch.randn(5, ITEMS * OBS), torch.randn(5, ITEMS * ACT)
    q = critic(obs, act)                                       # (2, 5)
    rows = torch.cat([item_rows(obs, ITEMS, index=True), item_rows(act, ITEMS)], dim=-1)
    l0, l1 = critic.layers
    by_hand = torch.relu(rows @ l0.weight[1] + l0.bias[1]) @ l1.weight[1] + l1.bias[1]
    torch.testing.assert_close(q[1], by_hand.reshape(5, ITEMS).mean(-1))
    torch.testing.assert_close(critic.first(obs, act), q[0])
    actor = ItemActor(ITEMS * OBS, ITEMS * ACT, [16], items=ITEMS)
    a = actor(obs)
    assert a.shape == (5, ITEMS * ACT) and a.abs().max() <= 1
    # an item's decisions follow its own features most (the others see it
    # only through the mean): change item 3 only
    obs2 = obs.clone()
    obs2[:, 3 * OBS:4 * OBS] += 1.0
    moved = (actor(obs2) - a).abs().reshape(5, ITEMS, ACT).sum(-1)
    others = torch.cat([moved[:, :3], moved[:, 4:]], dim=1)
    assert (moved[:, 3] > 2 * others.max(dim=1).values).all()


def test_item_epsilon_replaces_single_items_with_the_samplers_choice():
    def sampler(obs, rng):
        return np.full((len(obs), ITEMS * ACT), 0.9)           # a recognisable "random" action

    agent = make(ITEMS, epsilon=0.25, sampler=sampler)
    agent.sigma = 0.0
    agent.steps = agent.learning_starts                        # past the warm-up
    obs = np.zeros((400, ITEMS * OBS), np.float32)
    a = agent.act(obs).reshape(400, ITEMS, ACT)
    replaced = np.isclose(a, 0.9).all(-1)
    assert abs(replaced.mean() - 0.25) < 0.02                  # per item, at rate ε
    # rows mix replaced and policy items (whole-action ε would give all or none)
    assert replaced.any(-1).mean() > 0.9 and not replaced.all(-1).any()


def test_ddpg_switch_overrides_a_presets_td3_keys_and_gradient_steps_count():
    agent = make(None, ddpg=True, n_critics=2, target_noise=0.3)
    assert agent.critic.n == 1 and agent.policy_delay == 1 and agent.target_noise == 0.0
    agent = make(None, gradient_steps=3)
    rng = np.random.default_rng(0)
    obs, best = item_bandit(rng, 200)
    agent.observe(obs, np.zeros((200, ITEMS * ACT)), item_reward(np.zeros((200, ITEMS * ACT)), best),
                  obs, np.ones(200))
    assert agent.updates == 3 * 200


@pytest.mark.parametrize("agent_name", ["td3", "ddpg"])
def test_zhang2021_preset_composes_with_both_agents(agent_name):
    from hydra import compose, initialize_config_module

    with initialize_config_module("slicectl.conf", version_base="1.3"):
        cfg = compose("config", overrides=["experiment=zhang2021_pertask", f"agent={agent_name}"])
    assert cfg.agent.per_item and cfg.agent.policy_delay == 2 and cfg.agent.ddpg == (agent_name == "ddpg")
    assert OmegaConf.select(cfg, "env._target_").endswith("IIoTBatchEnv")
