"""Checkpoints: written atomically, read with ``torch.load(weights_only=True)``.

numpy arrays are stored as tensors tagged with their dtype, so a checkpoint
holds tensors and plain values only and never needs pickle to load."""
from __future__ import annotations

import errno
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from slicectl.errors import UserError
from slicectl.runner.rundir import non_finite
from slicectl.runner.signals import deferred


def to_storable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        arr = obj.view(np.int64) if obj.dtype == np.uint64 else obj
        return {"__ndarray__": torch.from_numpy(np.ascontiguousarray(arr)), "dtype": str(obj.dtype)}
    if isinstance(obj, dict):
        return {k: to_storable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_storable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def from_storable(obj: Any) -> Any:
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            arr = obj["__ndarray__"].numpy()
            return arr.view(np.uint64) if obj["dtype"] == "uint64" else arr.astype(obj["dtype"])
        return {k: from_storable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_storable(v) for v in obj]
    return obj


def save(path: Path, state: dict) -> None:
    """Write ``state`` to ``path`` so that a reader never sees a partial file.
    A state holding a NaN or an infinity is refused (UserError): the file
    keeps the last finite state, the one a resumed run can trust."""
    path = Path(path)
    bad = non_finite(state, floats=False)
    if bad is not None:
        raise UserError(f"{bad} became non-finite; {path} keeps its last finite state")
    path.parent.mkdir(parents=True, exist_ok=True)
    # streamed to a temporary file, not serialised in memory first: zhang2021's
    # are 2 GB, and an in-memory buffer doubled the process's peak while saving
    # a Ctrl-C or SIGTERM waits for the write to end: the new checkpoint is
    # kept whole rather than lost to a RuntimeError torch.save makes of it
    tmp = path.with_name(path.name + ".tmp")
    try:
        with deferred():
            with open(tmp, "wb") as fh:
                try:
                    torch.save(to_storable(state), fh)
                except RuntimeError as exc:   # torch's words for a failed write ("unexpected pos ...")
                    raise _write_error(tmp, exc) from None
            os.replace(tmp, path)   # once closed: the file is whole before it has its name
    finally:
        tmp.unlink(missing_ok=True)


def _write_error(tmp: Path, exc: RuntimeError) -> OSError:
    """The OSError behind torch's RuntimeError when writing ``tmp`` failed:
    a full disk named as such (what a user can act on), else torch's own first line."""
    if shutil.disk_usage(tmp.parent).free < 2**24:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))
    return OSError(errno.EIO, f"writing failed: {str(exc).strip().splitlines()[0]}", str(tmp))


def restore(obj, state: dict, path: Path, **kwargs) -> None:
    """``obj.load_state_dict(state, **kwargs)``; a state that does not fit
    (another agent, another env's sizes, a dict with other keys) is a
    one-line UserError naming ``path``."""
    try:
        obj.load_state_dict(state, **kwargs)
    except (KeyError, RuntimeError, ValueError, TypeError, IndexError, AttributeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{path} does not fit this {type(obj).__name__}: {reason}") from None


def load(path: Path) -> dict:
    """Read a checkpoint; any failure is a one-line UserError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}")
    try:
        with warnings.catch_warnings():  # torch warns about foreign pickles before refusing them
            warnings.simplefilter("ignore")
            # mapped, not read: a resumed run's tensors are copied into its agent, and
            # the state stays referenced while it trains (2 GB for zhang2021's flat TD3)
            state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # truncated, corrupt, or holding pickled objects
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "weights_only" in str(exc) or "Unsupported global" in str(exc):
            reason = "it holds pickled Python objects, which are refused"
        raise UserError(f"cannot load checkpoint {path}: {reason}") from None
    if not isinstance(state, dict):
        raise UserError(f"cannot load checkpoint {path}: not a slicectl checkpoint")
    return from_storable(state)
