"""Simulators (floor 1): numpy and numba only, no torch."""
from gymnasium.envs.registration import register

register(id="slicectl/RanSlicing-v0", entry_point="slicectl.envs.ran_env:RanSlicingEnv")
register(id="slicectl/HuangUser-v0", entry_point="slicectl.envs.huang_env:HuangUserEnv")
register(id="slicectl/HuangSlice-v0", entry_point="slicectl.envs.huang_system:HuangSliceLevelEnv")
register(id="slicectl/BiddingUpper-v0", entry_point="slicectl.envs.bidding_env:BiddingUpperEnv")
register(id="slicectl/BiddingLower-v0", entry_point="slicectl.envs.bidding_env:BiddingLowerEnv")
register(id="slicectl/IIoT-v0", entry_point="slicectl.envs.iiot_env:IIoTEnv")
register(id="slicectl/Multicell-v0", entry_point="slicectl.envs.multicell_env:MulticellEnv")
register(id="slicectl/MulticellCell-v0", entry_point="slicectl.envs.multicell_env:MulticellCellEnv")
