"""The one training loop and what it writes (floor 4): no paper, no Hydra."""
