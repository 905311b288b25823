"""The RAN window written the straightforward way: plain Python, one user and
one packet at a time. It is the speed reference of `make bench` and, because
it draws the same counter-based random numbers, also an independent check
that the compiled kernel computes this model (tests/test_reference_loop.py)."""
from __future__ import annotations

import math

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
STREAM_GAP, STREAM_SIZE, STREAM_FADE_EXP, STREAM_FADE_N1, STREAM_FADE_N2 = 1, 2, 3, 4, 5


def mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def uniform(key: int, stream: int, a: int, b: int) -> float:
    h = mix((key + stream * GOLDEN) & MASK)
    h = mix(h ^ a)
    h = mix(h ^ ((b * GOLDEN) & MASK))
    return ((h >> 11) + 0.5) / 9007199254740992.0


def sample(code: int, p, u: float) -> float:
    a, b, c = p
    if code == 0:
        return a
    if code == 1:
        return a + (b - a) * u
    if code == 2:
        x = -a * math.log(u)
        return min(x, b) if b > 0 else x
    return min(b * u ** (-1.0 / a), c)


def run_window(core, units) -> dict:
    """One decision window of row 0 of ``core`` (a RanCore) with ``units``
    bandwidth units per slice; mutates the core's row-0 state like the kernel."""
    p = core.p
    key = int(core.key[0])
    n_users = int(core.n_users[0])
    slice_of = [int(s) for s in core.slice_of[0]]
    off = [int(o) for o in core.off[0]]
    snr0 = [float(x) for x in core.snr0[0]]
    rbs = [int(r) for r in core.units_to_rbs(units[None])[0]]
    S = p.n_slices
    qcap = p.buffer_packets
    gap_code, gap_par = core._gap_code, core._gap_par
    size_code, size_par = core._size_code, core._size_par
    lat = core._lat_slots
    sla = core._rate_sla
    shadow_ln = p.shadowing_db * math.log(10.0) / 10.0
    alpha, cap, floor = p.link_adaptation   # the link adaptation (plain Shannon for the reference radio)
    slot_s = p.slot_ms / 1000.0
    # per-user FIFO queues of [bits_left, size, arrival, rate_sum, n_served]
    queues = []
    for u in range(n_users):
        q = []
        for i in range(int(core.q_len[0, u])):
            j = (int(core.q_head[0, u]) + i) % qcap
            q.append([core.q_bits[0, u, j], core.q_size[0, u, j], core.q_arr[0, u, j],
                      core.q_rsum[0, u, j], int(core.q_nserv[0, u, j])])
        queues.append(q)
    next_arr = [float(x) for x in core.next_arr[0]]
    n_arr = [int(x) for x in core.n_arr[0]]
    rr = [int(x) for x in core.rr[0]]
    arrived, resolved, success, bits_out = [0] * S, [0] * S, [0] * S, 0.0
    slot0 = int(core.slot[0])
    for t in range(p.slots_per_step):
        g = slot0 + t
        for u in range(n_users):
            s = slice_of[u]
            while next_arr[u] < g + 1:
                arrived[s] += 1
                size = sample(size_code[s], size_par[s], uniform(key, STREAM_SIZE, u, n_arr[u]))
                if len(queues[u]) < qcap:
                    queues[u].append([size, size, next_arr[u], 0.0, 0])
                else:
                    resolved[s] += 1
                next_arr[u] += sample(gap_code[s], gap_par[s], uniform(key, STREAM_GAP, u, n_arr[u]))
                n_arr[u] += 1
        for u in range(n_users):
            s = slice_of[u]
            while queues[u] and g + 1 - queues[u][0][2] > lat[s]:
                resolved[s] += 1
                queues[u].pop(0)
        for s in range(S):
            members = list(range(off[s], off[s + 1]))
            n_s = len(members)
            active = sum(1 for u in members if queues[u])
            if n_s == 0 or active == 0:
                continue
            base, extra = divmod(rbs[s], active)
            for i in range(n_s):
                pos = (rr[s] + i) % n_s
                u = off[s] + pos
                if not queues[u]:
                    continue
                nrb = base
                if extra > 0:
                    nrb += 1
                    extra -= 1
                    if extra == 0:
                        rr[s] = (pos + 1) % n_s
                if nrb == 0:
                    continue
                ray = -math.log(uniform(key, STREAM_FADE_EXP, g, u))
                u1, u2 = uniform(key, STREAM_FADE_N1, g, u), uniform(key, STREAM_FADE_N2, g, u)
                z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
                snr = max(snr0[u] * ray * math.exp(shadow_ln * z), floor)
                rate = nrb * p.rb_hz * p.mimo_streams * min(alpha * math.log2(1.0 + snr), cap)
                budget = rate * slot_s
                while budget > 0.0 and queues[u]:
                    pkt = queues[u][0]
                    pkt[3] += rate
                    pkt[4] += 1
                    if pkt[0] <= budget:
                        budget -= pkt[0]
                        resolved[s] += 1
                        bits_out += pkt[1]
                        if pkt[3] / pkt[4] >= sla[s] and g + 1 - pkt[2] <= lat[s]:
                            success[s] += 1
                        queues[u].pop(0)
                    else:
                        pkt[0] -= budget
                        budget = 0.0
    # write the state back so that successive windows continue
    core.next_arr[0] = next_arr
    core.n_arr[0] = n_arr
    core.rr[0] = rr
    core.slot[0] += p.slots_per_step
    for u in range(n_users):
        core.q_head[0, u] = 0
        core.q_len[0, u] = len(queues[u])
        for j, pkt in enumerate(queues[u]):
            core.q_bits[0, u, j], core.q_size[0, u, j], core.q_arr[0, u, j] = pkt[0], pkt[1], pkt[2]
            core.q_rsum[0, u, j], core.q_nserv[0, u, j] = pkt[3], pkt[4]
    return {"arrived": arrived, "resolved": resolved, "success": success, "bits": bits_out}
