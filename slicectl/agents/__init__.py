"""Learning algorithms (floor 2): torch; they know spaces and shapes, not envs."""
from slicectl import registry

for _target, _schema in (("dqn.DQNAgent", "DQNCfg"), ("gan_ddqn.GANDDQNAgent", "GANDDQNCfg"),
                         ("tabular.QLearningAgent", "QLCfg"), ("td3.TD3Agent", "TD3Cfg")):
    registry.add_agent(f"slicectl.agents.{_target}", f"slicectl.config.schemas.agents:{_schema}")
