"""chen2022: two-tier MVNO slicing. Upper tier: MVNOs bid for the base
station's bandwidth; lower tier: each MVNO splits its share across its
VoLTE / eMBB / URLLC users. See README.md beside this file."""
from slicectl import registry

HERE = "slicectl.papers.chen2022"
LOWER = f"{HERE}.env.LowerTierBatchEnv"
UPPER = f"{HERE}.env.UpperTierBatchEnv"

registry.paper("chen2022", "Two Tier Slicing Resource Allocation Algorithm Based on Deep Reinforcement Learning "
               "and Joint Bidding in Wireless Access Networks",
               authors="G. Chen, X. Zhang, F. Shen, Q. Zeng", venue="Sensors 22(9), 3495, 2022")
registry.add_env("bidding", LOWER, f"{HERE}.schema:BiddingEnvCfg",
                 gym={"slicectl/BiddingLower-v0": f"{HERE}.env:BiddingLowerEnv",
                      "slicectl/BiddingUpper-v0": f"{HERE}.env:BiddingUpperEnv"})
registry.add_env("bidding", UPPER, f"{HERE}.schema:BiddingEnvCfg")
registry.add_section("bidding", f"{HERE}.schema:BiddingCfg")
registry.add_job("bidding", f"{HERE}.job:run", trains_agent=True)
registry.add_command("bidding", "bidding", prefix=("env=bidding",), help=(
    "chen2022: two-tier MVNO market. One agent per MVNO learns to split its blocks (lower "
    "tier), then one per MVNO learns to bid (upper tier; env.upper_action=joint: one agent "
    "over the joint bids); both are compared with truthful bidding, hard slicing, Table A and "
    "the oracle (Table 4). experiment=chen2022 is the paper as written. Settings: "
    "bidding.lower_steps, bidding.upper_steps, env.reward=utility|paper, "
    "env.upper_action=independent|joint..."))
registry.add_baseline("oracle", f"{HERE}.baselines:LowerOracle", env=LOWER,
                      help="per-window best lower-tier actions")
registry.add_figures("table4", detect=f"{HERE}.figures:is_bidding", report=f"{HERE}.figures:print_table4",
                     plot=f"{HERE}.figures:first_plot", curves=False)
