"""zhang_dt: digital-twin-enhanced DRL on the 3-slice RAN (Algorithm 1),
knowledge distillation, offline RL with the twin (Algorithm 2) and loss
landscapes. See README.md beside this file."""
from slicectl import registry

HERE = "slicectl.papers.zhang_dt"
RAN = "slicectl.sim.ran_env.RanBatchEnv"

registry.paper("zhang_dt", "Digital Twin-Enhanced Deep Reinforcement Learning for Resource Management in "
               "Networks Slicing",
               authors="Z. Zhang, Y. Huang, C. Zhang, Q. Zheng, L. Yang, X. You", venue="IEEE")
for _section, _schema in (("twin", "TwinCfg"), ("distill", "DistillCfg"), ("offline", "OfflineCfg"),
                          ("landscape", "LandscapeCfg")):
    registry.add_section(_section, f"{HERE}.schema:{_schema}")
registry.add_job("twin-train", f"{HERE}.job_twin_train:run", envs=(RAN,), trains_agent=True)
registry.add_job("distill", f"{HERE}.job_distill:run", reads=("teacher",))
registry.add_job("offline", f"{HERE}.job_offline:run", reads=("dataset",))
registry.add_job("landscape", f"{HERE}.job_landscape:run", reads=("run_dir", "checkpoint"))
registry.add_command("twin-train", "twin-train", help=(
    "zhang_digital_twin Algorithm 1: the agent (agent=dqn|ddqn|...) trains with a digital twin "
    "of the RAN, beside the same agent without it on the same real budget. Settings: "
    "twin.rounds, twin.real_steps, twin.twin_steps, twin.zeta..."))
registry.add_command("distill", "distill", help=(
    "zhang_digital_twin §IV-A: distil a trained agent (teacher=<twin-train or train run>|latest) "
    "into small students (distill.widths=[4,16], distill.steps=...)."))
registry.add_command("offline", "offline", help=(
    "zhang_digital_twin Algorithm 2: offline RL from a fixed dataset (random policy, or "
    "dataset=<path.npz>) with the twin (eq. 13), without it, and CQL; evaluated on the real "
    "env. Settings: offline.epochs, offline.v, offline.cql_alpha..."))
registry.add_command("landscape", "landscape", help=(
    "zhang_digital_twin eq. (11): loss landscapes and flatness of every trained agent of a run "
    "(run_dir=<twin-train, offline or train run>|latest). Settings: landscape.transitions, "
    "landscape.range, landscape.points."))
