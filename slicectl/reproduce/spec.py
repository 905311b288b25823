"""What a paper's ``claims.yaml`` holds, checked on load.

A claims file has three parts:

``runs``
    the runs its claims read, by name: a CLI subcommand (``train``,
    ``eval``, ``bidding``...) with overrides, an optional ``baseline`` (``eval
    --baseline``), ``needs`` (an override naming another run, e.g.
    ``init_from: pretrain``: that run at the same seed) and ``sweep`` (one
    config key over a list of values: one run per value, for trends).
``claims``
    each a statement of the paper: its ``source`` (table or figure), the
    metric, the arms (a label, the run, and the paper's number) and the
    comparison:

    - ``order``: the arms as the paper ranks them, best first;
    - ``difference`` (A − B), ``relative`` (A / B − 1) or ``ratio`` (A / B):
      the first arm against the second, with the paper's magnitude;
    - ``trend``: each arm's run swept over ``x``: the value at the last
      grid point minus the first;
    - ``sign``: one arm's value against ``threshold`` (a slope, a share).

    ``direction`` says which way the paper has it (``higher`` / ``lower``;
    for a trend ``increasing`` / ``decreasing``).
``figures``
    learning curves to redraw (the claims draw their own bar and trend plots).
``presets``
    the settings every run starts from, each measured on every claim:
    ``as_written`` (the paper as it states itself, ``experiment=<key>``) and
    the project's named variants beside it, each optionally under another
    radio (``radio: realistic``, for the envs on the single-cell RAN). A
    file without presets has one, ``project``: the runs' overrides alone.
    A preset marked ``ablation: true`` undoes one difference of a variant,
    to see what that difference does: it is measured only when named
    (``presets=<id>``), never by default.

A value is read from a run directory (``path`` below it, for a stage of a
pipeline) by ``value`` or the claim's ``metric``: a column of the run's
final evaluation (``accuracy``), a field of its manifest's results
(``final:table_iii.ordinary.ADMM.utility.0``; ``*`` averages over a list),
or a function (``fn:package.module:function``, called with the run
directory).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Literal, Optional

import yaml
from pydantic import Field, ValidationError, model_validator

from slicectl.config.schemas.base import Strict
from slicectl.errors import UserError

Compare = Literal["order", "difference", "relative", "ratio", "trend", "sign"]
Direction = Literal["higher", "lower", "increasing", "decreasing"]
PAIRS = ("difference", "relative", "ratio")


class Grid(Strict):
    grid: list[float] = Field(min_length=2)
    base: Optional[float] = None


class RunDef(Strict):
    command: str
    overrides: list[str] = Field(default_factory=list)
    baseline: Optional[str] = None
    needs: dict[str, str] = Field(default_factory=dict)     # override key -> run name
    sweep: dict[str, list[float]] = Field(default_factory=dict)  # one key -> its grid
    base: Optional[float] = None    # the grid value the preset already has: that point is the run without an override
    by_preset: dict[str, Grid] = Field(default_factory=dict)   # a preset whose units differ: its own grid and base

    @model_validator(mode="after")
    def _one_sweep(self):
        if len(self.sweep) > 1:
            raise ValueError("sweep takes one key")
        if self.by_preset and not self.sweep:
            raise ValueError("by_preset gives a sweep's grid per preset; this run has no sweep")
        return self

    def grid(self, preset: str | None = None) -> tuple[str, list[float], float | None] | None:
        """(key, grid, base) of the sweep under ``preset``, or None without one."""
        if not self.sweep:
            return None
        (key, values), = self.sweep.items()
        own = self.by_preset.get(preset) if preset else None
        return (key, own.grid, own.base) if own else (key, values, self.base)


class Arm(Strict):
    label: str
    run: str
    path: str = ""                  # below the run directory (a stage, a phase)
    value: Optional[str] = None     # default: the claim's metric
    paper: Optional[float] = None   # the paper's number for this arm


class Claim(Strict):
    id: str
    source: str                     # "Table I", "Fig. 4"
    text: str                       # the paper's statement, in a sentence
    compare: Compare
    direction: Direction
    metric: str                     # a value selector (see the module docstring)
    label: str = ""                 # the metric's axis label, with its unit
    arms: list[Arm]
    paper_value: Optional[float] = None   # the paper's magnitude (default: from the arms' numbers)
    threshold: float = 0.0          # sign: the value it is compared with
    x: Optional[str] = None         # trend: the swept key
    x_label: str = ""
    bounds: Optional[tuple[float, float]] = None   # the metric's range (accuracy: [0, 1]); bands are clipped to it
    note: str = ""

    @model_validator(mode="after")
    def _shape(self):
        n = len(self.arms)
        if self.compare == "order" and n < 2:
            raise ValueError("an order needs at least two arms")
        if self.compare in PAIRS and n != 2:
            raise ValueError(f"a {self.compare} compares two arms (got {n})")
        if self.compare == "sign" and n != 1:
            raise ValueError("a sign claim has one arm")
        if (self.compare == "trend") != (self.x is not None):
            raise ValueError("x (the swept key) is for trend claims, and they need it")
        trend = self.direction in ("increasing", "decreasing")
        if trend != (self.compare == "trend"):
            raise ValueError("increasing/decreasing is for trends, higher/lower for the rest")
        return self

    @property
    def sign(self) -> int:
        return 1 if self.direction in ("higher", "increasing") else -1


class Curves(Strict):
    id: str
    title: str
    metric: str = "reward"
    label: str = ""                 # the y axis, with its unit
    lines: list[Arm]


class Preset(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")   # as_written, or a variant's name
    overrides: list[str] = Field(default_factory=list)
    radio: Literal["reference", "realistic"] = "reference"
    note: str = ""                  # a variant: what it changes and why, in a sentence
    ablation: bool = False          # measured only when named in presets=

    @property
    def id(self) -> str:
        """Unique within a paper: the name, with the radio when not the reference."""
        return self.name if self.radio == "reference" else f"{self.name}@{self.radio}"

    @property
    def all_overrides(self) -> tuple[str, ...]:
        return (*self.overrides, *(["radio=realistic"] if self.radio == "realistic" else []))


PROJECT = Preset(name="project")    # a claims file without presets: the runs' overrides as they are


class ClaimsFile(Strict):
    runs: dict[str, RunDef]
    claims: list[Claim]
    figures: list[Curves] = Field(default_factory=list)
    presets: list[Preset] = Field(default_factory=lambda: [PROJECT])

    @model_validator(mode="after")
    def _presets(self):
        ids = [p.id for p in self.presets]
        if len(set(ids)) != len(ids):
            raise ValueError(f"presets repeat: {ids}")
        for p in self.presets:
            if any(o.startswith("radio=") for o in p.overrides):
                raise ValueError(f"preset {p.name}: set the radio with radio:, not an override")
        return self

    @model_validator(mode="after")
    def _references(self):
        ids = [c.id for c in self.claims]
        if len(set(ids)) != len(ids):
            raise ValueError("claim ids repeat")
        names = {p.name for p in self.presets}
        for name, run in self.runs.items():
            if set(run.by_preset) - names:
                raise ValueError(f"run {name}: by_preset names no preset: {sorted(set(run.by_preset) - names)}")
            for needed in run.needs.values():
                if needed not in self.runs or self.runs[needed].sweep:
                    raise ValueError(f"run {name} needs {needed!r}, which is not a run without a sweep")
        for c in [*self.claims, *self.figures]:
            for arm in getattr(c, "arms", None) or c.lines:
                if arm.run not in self.runs:
                    raise ValueError(f"{c.id}: unknown run {arm.run!r}")
                if getattr(c, "compare", None) == "trend" and c.x not in self.runs[arm.run].sweep:
                    raise ValueError(f"{c.id}: run {arm.run} does not sweep {c.x}")
        return self


@dataclass(frozen=True)
class RunSpec:
    """One run of a paper's plan, at one grid point: run per seed."""
    name: str                      # the runs: key
    command: str
    overrides: tuple[str, ...]     # with the grid point's, if swept
    baseline: str | None
    needs: tuple[tuple[str, str], ...]   # (override key, RunSpec.key of the run it names)
    point: float | None = None     # the grid value of a swept run

    @property
    def key(self) -> str:
        return self.name if self.point is None else f"{self.name}@{self.point:g}"

    def dirname(self, extra: tuple[str, ...], needs: tuple[str, ...] = (), config: str = "") -> str:
        """What the run does, readable and hashed: stable across invocations,
        shared by two runs that do the same (a sweep's base point and the
        unswept run), different when anything changes. ``needs``: the
        dirnames of the runs it starts from; ``config``: the digest of the
        resolved config the run composes to."""
        what = json.dumps([self.command, self.baseline, sorted(self.overrides), sorted(needs),
                           sorted(extra), config])
        tag = hashlib.sha256(what.encode()).hexdigest()[:8]
        slug = "_".join([self.command, *([f"baseline={self.baseline}"] if self.baseline else []), *self.overrides])
        slug = "".join(ch if ch.isalnum() or ch in ".-_" else "" if ch == "+" else "-"
                       for ch in slug)[:80]   # Hydra-safe; 5e+07 reads 5e07
        return f"{slug}-{tag}"


@dataclass(frozen=True)
class PaperClaims:
    key: str
    title: str
    authors: str
    venue: str
    spec: ClaimsFile

    def grid(self, run: str, preset: "Preset | None" = None) -> list[float] | None:
        """The grid run ``run`` sweeps under ``preset`` (None: not swept)."""
        g = self.spec.runs[run].grid(preset.name if preset else None)
        return g[1] if g else None

    def run_specs(self, names: set[str] | None = None, preset: "Preset | None" = None) -> list[RunSpec]:
        """The runs ``names`` need (all when None), dependencies first, with
        ``preset``'s own sweep grids where it has them."""
        out: list[RunSpec] = []

        def add(name: str) -> None:
            if any(s.name == name for s in out):
                return
            d = self.spec.runs[name]
            for needed in d.needs.values():
                add(needed)
            needs = tuple((k, v) for k, v in d.needs.items())
            if d.sweep:
                key, values, base = d.grid(preset.name if preset else None)
                out.extend(RunSpec(name, d.command, (*d.overrides, *([] if v == base else [f"{key}={v:g}"])),
                                   d.baseline, needs, v) for v in values)
            else:
                out.append(RunSpec(name, d.command, tuple(d.overrides), d.baseline, needs))

        for name in sorted(names if names is not None else self.spec.runs):
            add(name)
        return out

    def presets(self, ids: list[str] | None) -> list[Preset]:
        """The presets named by id (``as_written``, ``as_written@realistic``);
        when None, all but the ablations."""
        if not ids:
            return [p for p in self.spec.presets if not p.ablation]
        known = {p.id for p in self.spec.presets}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UserError(f"presets={','.join(unknown)}: unknown for {self.key}; "
                            f"it has: {', '.join(p.id for p in self.spec.presets)}")
        return [p for p in self.spec.presets if p.id in ids]

    def select(self, ids: list[str] | None) -> list[Claim]:
        if not ids:
            return list(self.spec.claims)
        known = {c.id: c for c in self.spec.claims}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UserError(f"claims={','.join(unknown)}: unknown for {self.key}; "
                            f"it has: {', '.join(known)}")
        return [known[i] for i in ids]


def load(key: str) -> PaperClaims:
    """A paper's claims (UserError if it has none, or if its file is malformed)."""
    from slicectl import registry

    reg = registry.load()
    paper = reg.papers.get(key)
    if paper is None:
        raise UserError(f"unknown paper {key!r}; papers: {', '.join(sorted(reg.papers))}")
    source = files(paper.module) / "claims.yaml"
    if not source.is_file():
        raise UserError(f"paper {key} declares no claims ({paper.module}/claims.yaml)")
    try:
        spec = ClaimsFile.model_validate(yaml.safe_load(source.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()
        raise UserError(f"{paper.module}/claims.yaml: {' '.join(first[:3])}") from None
    return PaperClaims(key, paper.title, paper.authors, paper.venue, spec)


def keys() -> list[str]:
    """The papers that declare claims."""
    from slicectl import registry

    return [k for k, p in sorted(registry.load().papers.items())
            if (files(p.module) / "claims.yaml").is_file()]
