"""huang2023: hierarchical TD3 for RAN slicing (slice level over per-slice
user-level agents), the four-stage pipeline, ADMM and per-step optima.
See README.md beside this file."""
from slicectl import registry

HERE = "slicectl.papers.huang2023"
USER = f"{HERE}.user_env.HuangUserBatchEnv"
SLICE = f"{HERE}.system.HuangSliceLevelBatchEnv"

registry.paper("huang2023", "Toward Scalable and Efficient Hierarchical Deep Reinforcement Learning for 5G RAN Slicing",
               authors="R. Huang, M. Guo, C. Gu, S. He, J. Chen, M. Sun", venue="IEEE, 2023")
registry.add_env("huang_user", USER, f"{HERE}.schema:HuangUserEnvCfg",
                 gym={"slicectl/HuangUser-v0": f"{HERE}.user_env:HuangUserEnv"})
registry.add_env("huang_slice", SLICE, f"{HERE}.schema:HuangSliceEnvCfg",
                 gym={"slicectl/HuangSlice-v0": f"{HERE}.system:HuangSliceLevelEnv"})
registry.add_targets(f"{HERE}.system.HuangUserInSystemBatchEnv")
registry.add_section("pipeline", f"{HERE}.schema:PipelineCfg")
registry.add_section("huang", f"{HERE}.schema:HuangCfg")

registry.add_job("transfer", f"{HERE}.job_transfer:run", envs=(SLICE,), reads=("init_from",))
registry.add_job("progressive", f"{HERE}.job_progressive:run", envs=(SLICE,), reads=("init_from",))
registry.add_job("collaborative", f"{HERE}.job_collaborative:run", envs=(SLICE,), reads=("init_from",))
registry.add_job("pipeline", f"{HERE}.job_pipeline:run")

registry.add_command("pretrain", "train", prefix=("stage=1",), help=(
    "huang2023 stage I: pretrain one user-level TD3 agent on a slice (= train stage=1)."))
registry.add_command("transfer", "train", prefix=("stage=2",), help=(
    "huang2023 stage II: transfer the stage-I agent to every slice and fine-tune; Table II. "
    "Needs init_from=<stage-1 run>|latest."))
registry.add_command("progressive", "train", prefix=("stage=3",), help=(
    "huang2023 stage III: slice-level agent, simplified then realistic setting; Fig. 4. "
    "Needs init_from=<stage-2 run>|latest."))
registry.add_command("collaborative", "train", prefix=("stage=4",), help=(
    "huang2023 stage IV: alternate slice- and user-level training; Table III. "
    "Needs init_from=<stage-3 run>|latest."))

registry.add_baseline("oracle", f"{HERE}.oracle:HuangUserOracle", env=USER,
                      help="per-step optimum of one slice (L-BFGS-B)")
registry.add_baseline("oracle", f"{HERE}.oracle:SystemOracle", env=SLICE,
                      help="per-step optimum of the whole system")
registry.add_baseline("admm", f"{HERE}.admm:AdmmPolicy", env=SLICE,
                      help="DeepSlicing's ADMM over the user-level agents")
registry.add_env_setup(SLICE, f"{HERE}.stages:setup_eval")
