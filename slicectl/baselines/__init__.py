"""Non-learning policies (floor 3) with the agents' ``act(obs)`` interface:
random (any env), and equal, traffic-proportional and the one-step oracle
for the 3-slice RAN. Papers declare their envs' own versions."""
from slicectl import registry

RAN = "slicectl.sim.ran_env.RanBatchEnv"
registry.add_baseline("random", "slicectl.baselines.simple:RandomPolicy",
                      help="a random feasible action from the env's own sampler")
registry.add_baseline("equal", "slicectl.baselines.simple:EqualPolicy", env=RAN,
                      help="the same bandwidth for every slice")
registry.add_baseline("proportional", "slicectl.baselines.simple:ProportionalPolicy", env=RAN,
                      help="bandwidth proportional to each slice's offered load")
registry.add_baseline("oracle", "slicectl.baselines.oracle:OraclePolicy", env=RAN,
                      help="one-step clairvoyant split search")
