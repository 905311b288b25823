"""Knowledge transfer between networks whose inputs or outputs differ in size
(huang2023 §IV-D, stage II): partial parameter transfer plus semantic-variant
weight sampling.

A *layout* names the blocks of a vector: the user-level observation of a
slice with K users is ``[("traffic", K), ("utility", K), ("budget", 1)]``,
its action ``[("alloc", K)]``. Moving a network from layout A to layout B:

- a parameter whose shape is the same in both is copied (hidden layers);
- a parameter with a layout axis (the first layer's input columns, the
  last layer's output rows) is rebuilt block by block: the first
  min(K_A, K_B) entries of a block are copied exactly; entries B has beyond
  A's are *sampled* from the distribution of A's entries of the same block
  (per position along the other axes: normal with their mean and standard
  deviation), so a new user's traffic input gets weights that look like the
  pretrained traffic weights; entries A has beyond B's are dropped;
- anything else keeps the target's fresh initialisation.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

Layout = Sequence[tuple[str, int]]


def _blocks(layout: Layout) -> dict[str, tuple[int, int]]:
    out, start = {}, 0
    for name, size in layout:
        out[name] = (start, size)
        start += size
    return out


def remap_axis(src: torch.Tensor, axis: int, src_layout: Layout, dst_layout: Layout,
               gen: torch.Generator) -> torch.Tensor:
    """``src`` with its ``axis`` rebuilt from ``src_layout`` to ``dst_layout``."""
    src_blocks = _blocks(src_layout)
    parts = []
    for name, size in dst_layout:
        if name not in src_blocks:
            raise ValueError(f"block {name!r} of the target layout is not in the source layout")
        start, n = src_blocks[name]
        block = src.narrow(axis, start, n)
        keep = block.narrow(axis, 0, min(n, size))
        if size > n:
            mean = block.mean(dim=axis, keepdim=True)
            std = block.std(dim=axis, keepdim=True) if n > 1 else block.abs().mean(dim=axis, keepdim=True)
            shape = list(block.shape)
            shape[axis] = size - n
            noise = torch.randn(shape, generator=gen, dtype=src.dtype)
            keep = torch.cat([keep, mean + std * noise], dim=axis)
        parts.append(keep)
    return torch.cat(parts, dim=axis)


def transfer_state(src: Mapping[str, torch.Tensor], dst: Mapping[str, torch.Tensor],
                   axes: Mapping[str, Sequence[tuple[int, Layout, Layout]]],
                   gen: torch.Generator) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """A state dict shaped like ``dst`` built from ``src``. ``axes`` maps a
    parameter name to its layout axes ``(axis, src_layout, dst_layout)``.
    Returns the state and, per parameter, what was done: copied | remapped |
    initialised."""
    out, how = {}, {}
    for name, target in dst.items():
        if name in axes and name in src:
            value = src[name]
            for axis, a, b in axes[name]:
                value = remap_axis(value, axis, a, b, gen)
            if value.shape != target.shape:
                raise ValueError(f"{name}: remapped shape {tuple(value.shape)} != {tuple(target.shape)}")
            out[name], how[name] = value.clone(), "remapped"
        elif name in src and src[name].shape == target.shape:
            out[name], how[name] = src[name].clone(), "copied"
        else:
            out[name], how[name] = target.clone(), "initialised"
    return out, how
