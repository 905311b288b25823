"""hu: coordinated multi-agent TD3 for inter-cell inter-slice partitioning
(12 cells x 4 slices), VAE similarity between agents, transfer between
cells. See README.md beside this file."""
from slicectl import registry

HERE = "slicectl.papers.hu"
NET = f"{HERE}.env.MulticellBatchEnv"

registry.paper("hu", "Network Slicing via Transfer Learning aided Distributed Deep Reinforcement Learning",
               authors="T. Hu, Q. Liao, Q. Liu, G. Carle", venue="preprint")
registry.add_env("multicell", NET, f"{HERE}.schema:MulticellEnvCfg", agent="td3", stacked_agents=True,
                 gym={"slicectl/Multicell-v0": f"{HERE}.env:MulticellEnv",
                      "slicectl/MulticellCell-v0": f"{HERE}.env:MulticellCellEnv"})
registry.add_section("multicell", f"{HERE}.schema:MulticellJobCfg")
registry.add_job("transfer", f"{HERE}.job_transfer:run", envs=(NET,), resumable=True,
                  check=f"{HERE}.schema:check_source", reads=("resume", "init_from", "method", "source"))
registry.add_command("transfer", "transfer", when_env=("multicell",), help=(
    "hu: transfer between the cells' agents of a `train env=multicell` run: "
    "method=model|instance|feature|integrated source=auto|farthest|self|<cell> "
    "init_from=<train run>|latest."))
for _rule in ("equal", "proportional"):
    registry.add_baseline(_rule, f"{HERE}.baselines:{_rule}_policy", env=NET)
registry.add_baseline("oracle", f"{HERE}.baselines:best_response_policy", env=NET,
                      help="per-step best responses of every cell")
registry.add_figures("figs4-8", detect=f"{HERE}.figures:has_figures", plot=f"{HERE}.figures:plot")
