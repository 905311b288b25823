"""Memory a config would take, checked before it is allocated: a typo such as
``agent.hidden=[100000000]`` is one line naming the key and the gigabytes,
not an allocation failure deep in torch."""
from __future__ import annotations

import os

from slicectl.errors import UserError


def machine_memory() -> int:
    """Bytes of physical memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def require(key: str, value, need: float, what: str) -> None:
    """Refuse ``key=value`` if ``need`` bytes (a lower bound) exceed the machine's memory."""
    if need > machine_memory():
        raise UserError(f"{key}={value}: {what} needs at least {gib(need)} of memory; "
                        f"this machine has {gib(machine_memory())}")


def network_weights(widths: list[int]) -> int:
    """Weights and biases of a fully connected network with these layer widths."""
    return sum(a * b + b for a, b in zip(widths, widths[1:]))
