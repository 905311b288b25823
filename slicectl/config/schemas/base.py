"""The base of every config schema: unknown keys are errors, numbers are
finite, and values keep their type (``seed=true`` is not seed 1, ``1e3`` is
not an int)."""
from __future__ import annotations

from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

Range = tuple[float, float]   # [low, high] of a uniform draw


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _keep_type(cls, value: Any, info: ValidationInfo) -> Any:
        """No bool for a number or a number for a bool, no float for an int
        (pydantic would take ``true`` as 1 and ``1.0`` as 1)."""
        ann = cls.model_fields[info.field_name].annotation
        kinds = set(get_args(ann)) if get_origin(ann) is Union else {ann}
        if bool in kinds and not isinstance(value, bool) and value is not None and kinds <= {bool, type(None)}:
            raise ValueError("true or false is needed")
        if kinds & {int, float} and isinstance(value, bool):
            raise ValueError("a number is needed")
        if int in kinds and float not in kinds and isinstance(value, float):
            raise ValueError("an integer is needed")
        return value


class Law(Strict):
    """A random packet size or gap (slicectl.sim.kernel): constant a; uniform on
    [a, b]; exponential of mean a capped at b (0: no cap); Pareto of shape a
    and scale b, capped at c."""

    dist: Literal["constant", "uniform", "exponential", "pareto"]
    a: float
    b: float = 0.0
    c: float = 0.0

    @model_validator(mode="after")
    def _parameters(self):
        ok, need = {
            "constant": (self.a > 0, "a > 0"),
            "uniform": (0 <= self.a <= self.b and self.b > 0, "0 <= a <= b and b > 0"),
            "exponential": (self.a > 0 and self.b >= 0, "a > 0 (the mean) and b >= 0 (the cap; 0: none)"),
            "pareto": (self.a > 0 and self.b > 0 and self.c >= self.b,
                       "a > 0 (shape), b > 0 (scale) and c >= b (cap)"),
        }[self.dist]
        if not ok:
            raise ValueError(f"a {self.dist} law needs {need} (got a={self.a:g}, b={self.b:g}, c={self.c:g})")
        return self

