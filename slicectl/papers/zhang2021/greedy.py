"""A deadline-aware greedy heuristic for zhang2021's IIoT system (none of the
papers has one: a strong non-learning reference to judge the agents by).

Per system, the tasks are taken most urgent first (smallest T_max). Each
tries, most accurate first, heavy then light, at the IGW then at the ECoS;
it takes the first option whose estimated completion delay meets T_max and
whose model, if not already in that node's pool, fits the pool's space left.
The estimate uses the mean channel (no fading), an equal share of the IGW's
band, an equal share of the node's computing and of the BS band among the
tasks placed there so far plus this one, and for a model to fetch the bits
already queued on its links this slot plus its own (eq. 5; with
shared_links, the env queues in device order, so this is an estimate). A task with no such option
goes light to whichever node is faster. Shares are then sized to the
deadlines: each task's computing share is proportional to the rate it needs,
Q / (T_max − transfer time), and likewise its BS band share for the data it
sends; every model used is kept in its pool (ω = 1).
"""
from __future__ import annotations

import numpy as np

from slicectl.papers.zhang2021.system import MB_BITS
from slicectl.papers.zhang2021.env import IIoTBatchEnv


class GreedyPolicy:
    def __init__(self, env: IIoTBatchEnv, seed: int = 0):
        self.env = env

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        s = self.env.system
        return np.stack([self._plan(s, b) for b in range(s.batch)]).reshape(s.batch, -1)

    def _plan(self, s, b: int) -> np.ndarray:
        p = s.p
        G, K = s.shape[1:]
        D, t_max = s.task["data_bits"][b], s.task["t_max"][b]
        snr_l, snr_e = (x[b] for x in s.link_snr())
        t_l = D / (p.igw_bandwidth_hz / K * np.log2(1 + snr_l))     # equal share of the IGW band
        se_e = np.broadcast_to(np.log2(1 + snr_e), (G, K))
        size, work = s.size_bits[b], s.workload[b]                  # (G, K, 2)
        have_l, have_e = s.cache_l[b], s.cache_e[b]
        shared = float(p.shared_links)
        load_c, load_e = 0.0, np.zeros(G)                           # bits sent so far on each link
        used_l, used_e = s.pool_usage()
        free_l = p.igw_cache_mb * MB_BITS - used_l[b]
        free_e = p.bs_cache_mb * MB_BITS - used_e[b]
        n_l, n_e = np.zeros(G), 0
        m = np.zeros((G, K), bool)
        phi = np.zeros((G, K), bool)
        transfer = np.zeros((G, K))
        for flat in np.argsort(t_max, axis=None, kind="stable"):
            i, k = divmod(int(flat), K)
            options = []
            for n in (1, 0):
                S = size[i, k, n]
                via_c = 0.0 if have_e[i, k, n] else (shared * load_c + S) / p.rate_cloud_bs_bps
                fetch_e = via_c                                     # eq. (5), the link's load ahead
                fetch_l = 0.0 if have_l[i, k, n] else via_c + (shared * load_e[i] + S) / p.rate_bs_igw_bps
                tr_l = max(t_l[i, k], fetch_l)
                d_l = tr_l + work[i, k, n] * (n_l[i] + 1) / p.igw_compute_hz
                fits_l = have_l[i, k, n] or size[i, k, n] <= free_l[i]
                options.append((d_l, fits_l, True, n, tr_l))
                t_e = t_l[i, k] + D[i, k] * (n_e + 1) / (p.bs_bandwidth_hz * se_e[i, k])
                tr_e = max(t_e, fetch_e)
                d_e = tr_e + work[i, k, n] * (n_e + 1) / p.bs_compute_hz
                fits_e = have_e[i, k, n] or size[i, k, n] <= free_e
                options.append((d_e, fits_e, False, n, tr_e))
            ok = [o for o in options if o[1] and o[0] <= t_max[i, k]]
            choice = ok[0] if ok else min((o for o in options if o[3] == 0), key=lambda o: o[0])
            _, _, at_igw, n, tr = choice
            m[i, k], phi[i, k], transfer[i, k] = at_igw, bool(n), tr
            S = size[i, k, n]
            if not have_e[i, k, n] and not (at_igw and have_l[i, k, n]):
                load_c += S                                         # crosses the cloud-BS link
            if at_igw:
                n_l[i] += 1
                if not have_l[i, k, n]:
                    free_l[i] -= S
                    load_e[i] += S
            else:
                n_e += 1
                if not have_e[i, k, n]:
                    free_e -= S
        slack = np.maximum(t_max - transfer, 1e-3)
        q = np.take_along_axis(work, phi.astype(np.int64)[..., None], -1)[..., 0]
        need_c = q / slack                                          # cycles/s to finish in time
        need_b = D / np.maximum(t_max - t_l, 1e-3) / se_e           # Hz of the BS band
        a = np.full((G, K, 10), 1.0)
        a[..., 0] = np.where(m, 1.0, -1.0)
        a[..., 1] = np.where(phi, 1.0, -1.0)
        a[..., 2] = 1.0                                             # equal IGW band
        a[..., 3] = _to_action(need_b)
        a[..., 4] = _to_action(need_c)
        a[..., 5] = _to_action(need_c)
        return a                                                    # ω = 1: keep every model


def _to_action(weights: np.ndarray) -> np.ndarray:
    """Relative weights -> raw shares (a + 1)/2 in (0, 1] (only ratios matter:
    the env normalises per node)."""
    return 2.0 * weights / weights.max() - 1.0


def no_oracle(env, seed: int = 0):
    """`--baseline oracle` on the IIoT system: there is none."""
    from slicectl.errors import Unavailable

    raise Unavailable("env iiot has no oracle (zhang2021's problem is a mixed-integer program); "
                      "compare with --baseline greedy")
