"""Compiled slot loop of the single-BS RAN (numba).

Everything random is drawn from a counter-based generator: a draw is a hash of
(environment key, stream, two counters). Consequences the rest of slicectl
relies on:

* a run is a pure function of its seed, whatever the batch size or thread count;
* two copies of one state stepped with different actions see the *same* fading
  and the same arrivals (common random numbers), which is what lets the oracle
  score all candidate splits on copies of the state and then have the real
  step reproduce the chosen candidate exactly.

Array conventions: a leading batch axis ``b``; users are sorted by slice so that
slice ``s`` owns users ``off[b, s] : off[b, s + 1]``; each user has a FIFO
buffer of ``Q`` packets stored as a ring (``q_head``, ``q_len``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

# Random streams (mixed into the key so that draws of different purpose differ).
STREAM_GAP, STREAM_SIZE, STREAM_FADE_EXP, STREAM_FADE_N1, STREAM_FADE_N2 = 1, 2, 3, 4, 5

# Distribution codes of packet sizes / inter-arrival times (params a, b, c).
DIST_CONSTANT = 0  # a
DIST_UNIFORM = 1  # uniform on [a, b]
DIST_EXPONENTIAL = 2  # exponential, mean a, capped at b (b <= 0: no cap)
DIST_PARETO = 3  # Pareto(shape a) * b, capped at c

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


@njit(inline="always")
def _mix(z):
    # splitmix64 finaliser: a bijective avalanche of a 64-bit word.
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always")
def stream_key(key, stream):
    """The first hashing stage of ``uniform``, hoisted out of the slot loop."""
    return _mix(key + np.uint64(stream) * _GOLDEN)


@njit(inline="always")
def uniform_from(skey, a, b):
    """``uniform(key, stream, a, b)`` given ``skey = stream_key(key, stream)``."""
    h = _mix(skey ^ np.uint64(a))
    h = _mix(h ^ (np.uint64(b) * _GOLDEN))
    return (float(h >> _S11) + 0.5) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def uniform(key, stream, a, b):
    """U(0, 1) draw, a pure function of (key, stream, a, b); never 0 or 1."""
    h = _mix(key + np.uint64(stream) * _GOLDEN)
    h = _mix(h ^ np.uint64(a))
    h = _mix(h ^ (np.uint64(b) * _GOLDEN))
    return (float(h >> _S11) + 0.5) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def sample(code, a, b, c, u):
    """Inverse-CDF draw from distribution ``code`` with params (a, b, c)."""
    if code == DIST_CONSTANT:
        return a
    if code == DIST_UNIFORM:
        return a + (b - a) * u
    if code == DIST_EXPONENTIAL:
        x = -a * math.log(u)
        return min(x, b) if b > 0.0 else x
    x = b * u ** (-1.0 / a)  # Pareto(shape a, scale b)
    return min(x, c)


@njit(inline="always")
def fading_gain(k_exp, k_n1, k_n2, g, u):
    """Rayleigh power gain times log-normal shadowing (unit-mean exponential and
    a standard normal, drawn per user per slot; k_* are the stream keys)."""
    ray = -math.log(uniform_from(k_exp, g, u))
    u1 = uniform_from(k_n1, g, u)
    u2 = uniform_from(k_n2, g, u)
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    return ray, z


@njit(cache=True, parallel=True)
def init_arrivals(key, slice_of, n_users, gap_code, gap_par, next_arr, n_arr):
    """First arrival time (in slots) of every user: a uniform fraction of one
    inter-arrival gap, so the traffic starts in steady state."""
    for b in prange(key.shape[0]):
        for u in range(n_users[b]):
            s = slice_of[b, u]
            gap = sample(gap_code[s], gap_par[s, 0], gap_par[s, 1], gap_par[s, 2],
                         uniform(key[b], STREAM_GAP, u, 0))
            next_arr[b, u] = gap * uniform(key[b], STREAM_GAP, u, 1)
            n_arr[b, u] = 1


@njit(cache=True, parallel=True)
def run_window(key, src, slot0, n_slots, n_users, off, slice_of, snr0, rb_alloc,
               rb_hz, slot_s, streams, se_alpha, se_max, snr_floor, shadow_db,
               size_code, size_par, gap_code, gap_par, rate_sla, lat_slots,
               next_arr, n_arr, q_bits, q_size, q_arr, q_rsum, q_nserv, q_head, q_len, rr,
               arrived, resolved, success, bits_out):
    """Run ``n_slots`` scheduling slots for every batch row ``b``.

    ``src[b]`` names the row whose *exogenous* state (key, users, traffic
    counters) row ``b`` reads: rows are independent environments when
    ``src[b] == b``, or candidate actions applied to copies of one environment
    when several rows share a ``src`` (the oracle). Mutable per-row state is
    everything from ``next_arr`` on; per-row outputs are counts per slice.
    """
    n_slices = off.shape[1] - 1
    qcap = q_bits.shape[2]
    shadow_ln = shadow_db * math.log(10.0) / 10.0
    for b in prange(rb_alloc.shape[0]):
        e = src[b]
        k_size, k_gap = stream_key(key[e], STREAM_SIZE), stream_key(key[e], STREAM_GAP)
        k_exp = stream_key(key[e], STREAM_FADE_EXP)
        k_n1, k_n2 = stream_key(key[e], STREAM_FADE_N1), stream_key(key[e], STREAM_FADE_N2)
        for s in range(n_slices):
            arrived[b, s] = 0
            resolved[b, s] = 0
            success[b, s] = 0
        bits_out[b] = 0.0
        n_act = np.zeros(n_slices, np.int64)
        for t in range(n_slots):
            g = slot0[b] + t
            n_act[:] = 0
            # one pass over users: 1) arrivals during [g, g+1), a full buffer
            # dropping the packet (a failure); 2) discarding packets that can no
            # longer meet their latency SLA; counting the backlogged users
            for u in range(n_users[e]):
                s = slice_of[e, u]
                while next_arr[b, u] < g + 1:
                    arrived[b, s] += 1
                    size = sample(size_code[s], size_par[s, 0], size_par[s, 1], size_par[s, 2],
                                  uniform_from(k_size, u, n_arr[b, u]))
                    if q_len[b, u] < qcap:
                        j = (q_head[b, u] + q_len[b, u]) % qcap
                        q_bits[b, u, j] = size
                        q_size[b, u, j] = size
                        q_arr[b, u, j] = next_arr[b, u]
                        q_rsum[b, u, j] = 0.0
                        q_nserv[b, u, j] = 0
                        q_len[b, u] += 1
                    else:
                        resolved[b, s] += 1
                    gap = sample(gap_code[s], gap_par[s, 0], gap_par[s, 1], gap_par[s, 2],
                                 uniform_from(k_gap, u, n_arr[b, u]))
                    next_arr[b, u] += gap
                    n_arr[b, u] += 1
                while q_len[b, u] > 0 and g + 1 - q_arr[b, u, q_head[b, u]] > lat_slots[s]:
                    resolved[b, s] += 1
                    q_head[b, u] = (q_head[b, u] + 1) % qcap
                    q_len[b, u] -= 1
                if q_len[b, u] > 0:
                    n_act[s] += 1
            # 3) round robin inside each slice: equal RBs to backlogged users,
            #    the remainder going to the next users after the slice's pointer
            for s in range(n_slices):
                if n_act[s] == 0:
                    continue
                lo = off[e, s]
                n_s = off[e, s + 1] - lo
                base = rb_alloc[b, s] // n_act[s]
                extra = rb_alloc[b, s] - base * n_act[s]
                seen = 0
                for i in range(n_s):
                    if seen == n_act[s] or (base == 0 and extra == 0):
                        break
                    p = (rr[b, s] + i) % n_s
                    u = lo + p
                    if q_len[b, u] == 0:
                        continue
                    seen += 1
                    nrb = base
                    if extra > 0:
                        nrb += 1
                        extra -= 1
                        if extra == 0:
                            rr[b, s] = (p + 1) % n_s
                    if nrb == 0:
                        continue
                    # 4) transmit: the link-adapted rate over the user's RBs this
                    #    slot (radio.LinkParams.efficiency; plain Shannon for the reference)
                    ray, z = fading_gain(k_exp, k_n1, k_n2, g, u)
                    snr = max(snr0[e, u] * ray * math.exp(shadow_ln * z), snr_floor)
                    rate = nrb * rb_hz * streams * min(se_alpha * math.log2(1.0 + snr), se_max)
                    budget = rate * slot_s
                    while budget > 0.0 and q_len[b, u] > 0:
                        h = q_head[b, u]
                        # a packet's achieved rate: mean PHY rate over the slots serving it
                        q_rsum[b, u, h] += rate
                        q_nserv[b, u, h] += 1
                        if q_bits[b, u, h] <= budget:
                            budget -= q_bits[b, u, h]
                            mean_rate = q_rsum[b, u, h] / q_nserv[b, u, h]
                            resolved[b, s] += 1
                            bits_out[b] += q_size[b, u, h]
                            if mean_rate >= rate_sla[s] and g + 1 - q_arr[b, u, h] <= lat_slots[s]:
                                success[b, s] += 1
                            q_head[b, u] = (h + 1) % qcap
                            q_len[b, u] -= 1
                        else:
                            q_bits[b, u, h] -= budget
                            budget = 0.0
