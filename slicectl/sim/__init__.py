"""Shared physics (floor 1): radio, the packet kernel (numba), the 3-slice
RAN and its Gymnasium view. numpy and numba only, no torch."""
from slicectl import registry

registry.add_env("ran", "slicectl.sim.ran_env.RanBatchEnv", "slicectl.config.schemas.ran:RanEnvCfg",
                 gym={"slicectl/RanSlicing-v0": "slicectl.sim.ran_env:RanSlicingEnv"})
