"""Learning algorithms (floor 2): torch; they know spaces and shapes, not envs."""
