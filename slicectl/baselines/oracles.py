"""`--baseline oracle` on any environment: the oracle that knows its model."""
from __future__ import annotations

from slicectl.runner.errors import Unavailable


def oracle(env, seed: int = 0, search: str = "coarse", coarse_units: int = 5,
           ftol: float | None = None):
    """The RAN's clairvoyant split search, huang2023's per-step optimum of
    one slice (user level) or of the whole system (slice level), chen2022's
    per-window best lower-tier actions (the lower tier as a train env), hu's
    per-step best responses of every cell (the multi-cell network)."""
    from slicectl.envs.bidding_env import LowerTierBatchEnv
    from slicectl.envs.huang_env import HuangUserBatchEnv
    from slicectl.envs.huang_system import HuangSliceLevelBatchEnv

    from slicectl.envs.iiot_env import IIoTBatchEnv
    from slicectl.envs.multicell_env import MulticellBatchEnv

    if isinstance(env, IIoTBatchEnv):
        raise Unavailable("env iiot has no oracle (zhang2021's problem is a mixed-integer program); "
                          "compare with --baseline greedy")
    if isinstance(env, MulticellBatchEnv):  # hu: per-step best responses on the model
        from slicectl.baselines.multicell import MulticellPolicy

        return MulticellPolicy(env, seed, "best_response")
    if isinstance(env, LowerTierBatchEnv):
        from slicectl.baselines.bidding import LowerOracle

        return LowerOracle(env)
    if isinstance(env, HuangSliceLevelBatchEnv):
        from slicectl.baselines.huang_oracle import SystemOracle

        return SystemOracle(env, seed)
    if isinstance(env, HuangUserBatchEnv):
        from slicectl.baselines.huang_oracle import HuangUserOracle

        return HuangUserOracle(env, seed, **({"ftol": ftol} if ftol else {}))
    from slicectl.baselines.oracle import OraclePolicy

    return OraclePolicy(env, seed, search=search, coarse_units=coarse_units)
