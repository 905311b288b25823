"""zhang2021: TD3 for joint inference-task assignment and DNN model
placement in end-edge-cloud IIoT. See README.md beside this file."""
from slicectl import registry

HERE = "slicectl.papers.zhang2021"
IIOT = f"{HERE}.env.IIoTBatchEnv"

registry.paper("zhang2021", "Deep Reinforcement Learning Based Resource Management for DNN Inference in "
               "Industrial IoT",
               authors="W. Zhang, D. Yang, H. Peng, W. Wu, W. Quan, H. Zhang, X. Shen", venue="IEEE, 2021")
registry.add_env("iiot", IIOT, f"{HERE}.schema:IIoTEnvCfg",
                 gym={"slicectl/IIoT-v0": f"{HERE}.env:IIoTEnv"})
registry.add_baseline("greedy", f"{HERE}.greedy:GreedyPolicy", env=IIOT,
                      help="deadline-aware greedy task assignment and sizing")
registry.add_baseline("oracle", f"{HERE}.greedy:no_oracle", env=IIOT)
