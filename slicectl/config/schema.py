"""Every config value, typed and ranged (pydantic). A job validates its whole
config before any work; the first problem becomes one line naming the key.

The root schema is the core's keys plus the sections papers declare
(``registry.add_section``); env and agent groups are checked against the
schema registered for their ``_target_``."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, Field, ValidationError, create_model, field_validator, model_validator

from slicectl import registry
from slicectl.config.schemas import BaselineCfg, Strict
from slicectl.errors import UserError, did_you_mean


class TrainCfg(Strict):
    num_envs: int = Field(ge=1, le=4096)
    total_steps: int = Field(ge=1, le=10**12)
    eval_every: int = Field(ge=1)
    checkpoint_every: Optional[int] = Field(default=None, ge=1)
    keep_last: bool = True


class EvalCfg(Strict):
    n_seeds: int = Field(ge=2, le=10_000)
    seed_base: int = Field(ge=0, lt=2**31)
    steps: int = Field(ge=1)
    compare: list[str]

    @field_validator("compare")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        known = registry.baseline_names()
        for name in names:
            if name not in known:
                raise ValueError(f"unknown baseline {name!r}{did_you_mean(name, known)} "
                                 f"(baselines: {', '.join(known)})")
        return names


class JobCfg(Strict):
    name: str

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        jobs = registry.job_names()
        if name not in jobs:
            raise ValueError(f"unknown job {name!r}{did_you_mean(name, jobs)}")
        return name


class CoreCfg(Strict):
    env: dict[str, Any]
    agent: dict[str, Any]
    baseline: Optional[dict[str, Any]] = None
    job: JobCfg
    seed: int = Field(ge=0, lt=2**31)
    device: Literal["cpu", "cuda"]
    outputs: str = Field(min_length=1)
    name: Optional[str]
    resume: Optional[str]
    run_dir: Optional[str]
    checkpoint: Literal["best", "last"]
    init_from: Optional[str]
    teacher: Optional[str]
    dataset: Optional[str]
    method: Literal["model", "instance", "feature", "integrated"]
    source: Union[int, str]   # auto | farthest | self | a cell number
    radio: Optional[Literal["reference", "realistic"]] = None   # set by the radio group (conf/radio/)
    train: TrainCfg
    eval: EvalCfg

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: Optional[str]) -> Optional[str]:
        if name is not None and (not re.fullmatch(r"[\w.,=+@-]{1,100}", name) or set(name) == {"."}):
            raise ValueError("a run name is up to 100 letters, digits and _ . , = + @ -")
        return name

    @model_validator(mode="after")
    def _device_exists(self):
        if self.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise ValueError("device=cuda, but torch sees no CUDA device; use device=cpu")
        return self


@lru_cache(maxsize=1)
def root_schema() -> type[BaseModel]:
    """The core's keys and every section a paper declares (present when its job brings it)."""
    sections = {key: (Optional[registry.resolve(ref)], None) for key, ref in registry.load().sections.items()}
    return create_model("RootCfg", __base__=CoreCfg, **sections)


BOOKKEEPING = {"train": ("checkpoint_every", "keep_last")}   # how a run saves itself, not what it computes


def digest(cfg: dict) -> str:
    """A fingerprint of what a resolved config computes (``resume`` and the
    checkpointing keys aside): a resumed run must rebuild the config it
    started with, and ``reproduce`` files a run under it."""
    import hashlib
    import json

    plain = {k: v for k, v in cfg.items() if k not in ("resume", "hydra")}
    for section, keys in BOOKKEEPING.items():
        if isinstance(plain.get(section), dict):
            plain[section] = {k: v for k, v in plain[section].items() if k not in keys}
    return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()


def validate(cfg: dict) -> BaseModel:
    """Check the resolved config; raise UserError with one line on the first
    problem. Each group is checked against the schema of its ``_target_``."""
    from slicectl.runner.build import check_targets

    check_targets(cfg)
    reg = registry.load()
    root = _check(root_schema(), cfg, ())
    env_target = cfg["env"].get("_target_")
    if root.radio is not None and env_target in reg.envs \
            and "se_alpha" not in registry.resolve(reg.envs[env_target].schema).model_fields:
        raise UserError(f"radio={root.radio} sets the single-cell RAN's radio (env=ran, env=bidding); "
                        f"env={registry.env_name(env_target)} has its own radio model")
    env = _check_group("env", cfg["env"], {t: e.schema for t, e in reg.envs.items()})
    agent_target = str(cfg["agent"].get("_target_"))
    agent_schema = registry.resolve(reg.agents[agent_target]) if agent_target in reg.agents else None
    if reg.envs[env_target].stacked_agents and agent_schema is not None \
            and "per_item" not in agent_schema.model_fields:
        # before the agent's keys: the env's settings for its own agent would only confuse
        raise UserError(f"env {env_target.rsplit('.', 1)[-1]} has one agent per cell; agent "
                        f"{agent_target.rsplit('.', 1)[-1]} cannot be stacked (use agent=td3 or ddpg)")
    agent = _check_group("agent", cfg["agent"], reg.agents)
    if cfg.get("baseline") is not None:
        _check(BaselineCfg, cfg["baseline"], ("baseline",))
    job = registry.job(root.job.name, env_target)
    if job is None:
        wanted = sorted({registry.env_name(t) for j in registry.job_variants(root.job.name) for t in j.envs})
        raise UserError(f"job {root.job.name} needs env={' or env='.join(wanted)}")
    if job.trains_agent and root.job.name != "train":   # these read their phases' checkpoints back
        if not root.train.keep_last:
            raise UserError(f"train.keep_last=false applies to slicectl train only; job {root.job.name} "
                            "reads its phases' last.pt back")
        if root.train.checkpoint_every is not None:
            raise UserError(f"train.checkpoint_every applies to slicectl train only; job {root.job.name} "
                            "saves after every logged row")
    if job.check is not None:
        registry.resolve(job.check)(cfg, root)
    if job.trains_agent and agent.discrete != env.discrete:
        kind = "discrete" if agent.discrete else "continuous"
        raise UserError(f"agent {agent.target.rsplit('.', 1)[-1]} needs {kind} actions, which "
                        f"env {env.target.rsplit('.', 1)[-1]} (as configured) does not have")
    return root


def _check_group(group: str, data: dict, schemas: dict[str, str]):
    target = data.get("_target_")
    if target not in schemas:
        raise UserError(f"{group}._target_: unknown {group} {target!r}"
                        f"{did_you_mean(str(target), schemas)}")
    return _check(registry.resolve(schemas[target]), data, (group,))


def _check(model: type[BaseModel], data: dict, prefix: tuple):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in (*prefix, *err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        nested = re.match(r"^(\w+(?:\.\w+)+): (.*)$", msg) if err["type"] == "value_error" else None
        if nested:  # a validator that checks a nested part names where (huang2023's slices.0.x)
            loc, msg = f"{loc}.{nested.group(1)}" if loc else nested.group(1), nested.group(2)
        if err["type"] == "extra_forbidden":
            msg = "unknown key" + did_you_mean(str(err["loc"][-1]), _fields_at(model, err["loc"][:-1]))
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            msg += f" (got {err['input']!r})"
        raise UserError(f"{loc}: {msg}" if loc else msg) from None


def _fields_at(model: type[BaseModel], loc) -> list[str]:
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        ann = field.annotation
        for cand in (ann, *getattr(ann, "__args__", ())):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                model = cand
                break
        else:
            return []
    return [f.alias or n for n, f in model.model_fields.items()]
