"""Non-learning policies (floor 3) with the agents' ``act(obs)`` interface."""
