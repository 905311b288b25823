"""Random-generator state as checkpointable values (tensors and plain types)."""
from __future__ import annotations

import json

import numpy as np


def numpy_state(rng: np.random.Generator) -> str:
    return json.dumps(rng.bit_generator.state)


def set_numpy_state(rng: np.random.Generator, state: str) -> None:
    rng.bit_generator.state = json.loads(state)
