"""Stage II knowledge transfer: shapes, exact copies, sampled blocks."""
import numpy as np
import pytest
import torch

from slicectl.agents.td3 import TD3Agent
from slicectl.papers.huang2023.transfer import transfer_user_agent
from slicectl.papers.huang2023.remap import remap_axis
from tests.conftest import td3


def _agent(K, seed):
    return td3(2 * K + 1, K, np.zeros(K), np.ones(K), hidden=(64, 32), seed=seed,
                    buffer_size=256)


@pytest.mark.parametrize("dst_users", [3, 5, 8])
def test_weight_sampling_gives_the_right_shapes_and_copies_matching_blocks(dst_users):
    K = 5
    src, dst = _agent(K, 0), _agent(dst_users, 1)
    how = transfer_user_agent(src.state_dict(), dst, K, dst_users, seed=0)
    m = min(K, dst_users)
    s_w, d_w = src.actor.net[0].weight, dst.actor.net[0].weight
    assert d_w.shape == (64, 2 * dst_users + 1)
    # traffic, utility and budget columns of the users both have: exact copies
    torch.testing.assert_close(d_w[:, :m], s_w[:, :m], rtol=0, atol=0)
    torch.testing.assert_close(d_w[:, dst_users:dst_users + m], s_w[:, K:K + m], rtol=0, atol=0)
    torch.testing.assert_close(d_w[:, -1], s_w[:, -1], rtol=0, atol=0)
    # hidden layers: same shapes, copied; outputs: matching rows copied
    torch.testing.assert_close(dst.actor.net[2].weight, src.actor.net[2].weight, rtol=0, atol=0)
    torch.testing.assert_close(dst.actor.net[4].weight[:m], src.actor.net[4].weight[:m], rtol=0, atol=0)
    torch.testing.assert_close(dst.actor.net[4].bias[:m], src.actor.net[4].bias[:m], rtol=0, atol=0)
    c_s, c_d = src.critic.layers[0].weight, dst.critic.layers[0].weight
    assert c_d.shape == (2, 2 * dst_users + 1 + dst_users, 64)
    torch.testing.assert_close(c_d[:, 2 * dst_users + 1:2 * dst_users + 1 + m],
                               c_s[:, 2 * K + 1:2 * K + 1 + m], rtol=0, atol=0)
    torch.testing.assert_close(dst.actor_target.net[0].weight, d_w, rtol=0, atol=0)
    assert how["actor"]["net.2.weight"] == "copied" and how["actor"]["net.0.weight"] == "remapped"


def test_new_entries_follow_the_distribution_of_their_block():
    gen = torch.Generator().manual_seed(0)
    src = torch.cat([torch.randn(400, 4) * 0.1 + 2.0, torch.randn(400, 4) * 3.0 - 1.0], dim=1)
    layout_a = [("traffic", 4), ("utility", 4)]
    layout_b = [("traffic", 40), ("utility", 40)]
    out = remap_axis(src, 1, layout_a, layout_b, gen)
    new_traffic, new_util = out[:, 4:40], out[:, 44:]
    # per row, new columns are drawn around that row's block mean with its spread
    assert abs(float((new_traffic - src[:, :4].mean(1, keepdim=True)).mean())) < 0.02
    assert abs(float(new_traffic.std() - 0.1)) < 0.03
    assert abs(float(new_util.mean() + 1.0)) < 0.3 and 2.0 < float(new_util.std()) < 4.0
