"""Every config value, typed and ranged (pydantic). A job validates its whole
config before any work; the first problem becomes one line naming the key."""
from __future__ import annotations

import difflib
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, Field, ValidationError, model_validator

from slicectl.jobs.schemas import AGENT_SCHEMAS, ENV_SCHEMAS, BaselineCfg, Strict
from slicectl.runner.errors import UserError

class TrainCfg(Strict):
    num_envs: int = Field(ge=1, le=4096)
    total_steps: int = Field(ge=1)
    eval_every: int = Field(ge=1)


class EvalCfg(Strict):
    n_seeds: int = Field(ge=2, le=10_000)
    seed_base: int = Field(ge=0)
    steps: int = Field(ge=1)
    compare: list[Literal["random", "equal", "proportional", "oracle", "admm", "greedy"]]


class JobCfg(Strict):
    name: Literal["train", "eval", "transfer", "progressive", "collaborative", "pipeline",
                  "twin-train", "distill", "offline", "landscape", "bidding"]


class PipelineCfg(Strict):
    transfer_steps: int = Field(ge=1)
    simplified_steps: int = Field(ge=1)
    simplified_penalty: float = Field(ge=0)
    realistic_steps: int = Field(ge=1)
    direct_steps: int = Field(ge=0)
    rounds: int = Field(ge=1)
    slice_steps: int = Field(ge=1)
    user_steps: int = Field(ge=1)
    table_seeds: int = Field(ge=2, le=100_000)


class TwinCfg(Strict):
    rounds: int = Field(ge=1)
    real_steps: int = Field(ge=1)
    twin_steps: int = Field(ge=1)
    zeta: float = Field(ge=0, le=1)
    window: int = Field(ge=1, le=1000)
    hidden: int = Field(ge=1)
    reward_hidden: list[int]
    epochs: int = Field(ge=1)
    lr: float = Field(gt=0)
    batch_size: int = Field(ge=1)
    holdout_every: int = Field(ge=2)
    reach_reward: float
    plain: bool


class DistillCfg(Strict):
    widths: list[int] = Field(min_length=1)
    steps: int = Field(ge=1)
    lr: float = Field(gt=0)
    batch_size: int = Field(ge=1)

    @model_validator(mode="after")
    def _widths(self):
        if min(self.widths) < 1:
            raise ValueError("student widths must be >= 1")
        return self


class OfflineCfg(Strict):
    dataset_steps: int = Field(ge=1)
    epochs: int = Field(ge=1)
    twin_steps: int = Field(ge=1)
    v: float = Field(ge=0)
    cql_alpha: float = Field(ge=0)
    evals: int = Field(ge=1)
    arms: list[Literal["dt", "plain", "cql"]] = Field(min_length=1)


class LandscapeCfg(Strict):
    transitions: int = Field(ge=1)
    range: float = Field(gt=0)
    points: int = Field(ge=3)

    @model_validator(mode="after")
    def _odd(self):
        if self.points % 2 == 0:
            raise ValueError("points must be odd, so that λ = 0 is on the grid")
        return self


class BiddingCfg(Strict):
    lower_steps: int = Field(ge=1)
    upper_steps: int = Field(ge=1)


class MulticellJobCfg(Strict):
    finetune_steps: int = Field(ge=1)
    similarity_networks: int = Field(ge=1, le=1000)
    similarity_steps: int = Field(ge=2)
    vae_epochs: int = Field(ge=1)
    vae_alpha: float = Field(ge=0)
    small_var: float = Field(gt=0)
    frozen_layers: int = Field(ge=1)
    instances: Optional[int] = Field(default=None, ge=1)


class RootCfg(Strict):
    env: dict[str, Any]
    agent: dict[str, Any]
    baseline: Optional[dict[str, Any]] = None
    job: JobCfg
    seed: int = Field(ge=0, lt=2**31)
    device: Literal["cpu", "cuda"]
    name: Optional[str]
    resume: Optional[str]
    run_dir: Optional[str]
    checkpoint: Literal["best", "last"]
    init_from: Optional[str]
    teacher: Optional[str]
    dataset: Optional[str]
    method: Literal["model", "instance", "feature", "integrated"]
    source: Union[int, str]   # auto | farthest | self | a cell number
    pipeline: PipelineCfg
    twin: TwinCfg
    distill: DistillCfg
    offline: OfflineCfg
    landscape: LandscapeCfg
    bidding: BiddingCfg
    multicell: MulticellJobCfg
    train: TrainCfg
    eval: EvalCfg

    @model_validator(mode="after")
    def _device_exists(self):
        if self.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise ValueError("device=cuda, but torch sees no CUDA device; use device=cpu")
        return self


def validate(cfg: dict) -> RootCfg:
    """Check the resolved config; raise UserError with one line on the first
    problem. Each group is checked against the schema of its ``_target_``."""
    from slicectl.jobs.build import check_targets

    check_targets(cfg)
    root = _check(RootCfg, cfg, ())
    env = _check_group("env", cfg["env"], ENV_SCHEMAS)
    stacked = getattr(ENV_SCHEMAS[env.target], "stacked_agents", False)
    agent_target = str(cfg["agent"].get("_target_"))
    if stacked and agent_target in AGENT_SCHEMAS and "per_item" not in AGENT_SCHEMAS[agent_target].model_fields:
        # before the agent's keys: the env's settings for its own agent would only confuse
        raise UserError(f"env {env.target.rsplit('.', 1)[-1]} has one agent per cell; agent "
                        f"{agent_target.rsplit('.', 1)[-1]} cannot be stacked (use agent=td3 or ddpg)")
    agent = _check_group("agent", cfg["agent"], AGENT_SCHEMAS)
    if cfg.get("baseline") is not None:
        _check(BaselineCfg, cfg["baseline"], ("baseline",))
    stage_env = "slicectl.envs.huang_system.HuangSliceLevelBatchEnv"
    multicell_env = "slicectl.envs.multicell_env.MulticellBatchEnv"
    if root.job.name == "transfer" and env.target not in (stage_env, multicell_env):
        raise UserError("job transfer needs env=huang_slice (huang2023 stage II) or env=multicell (hu)")
    if root.job.name == "transfer" and env.target == multicell_env:
        n_cells = len(cfg["env"]["sites_m"]) * len(cfg["env"]["sector_azimuth_deg"])
        src = str(root.source)
        if src not in ("auto", "farthest", "self") and not (src.isdigit() and 1 <= int(src) <= n_cells):
            raise UserError(f"source: must be auto, farthest, self or a cell 1..{n_cells}, not {src!r}")
    if root.job.name in ("progressive", "collaborative") and env.target != stage_env:
        raise UserError(f"job {root.job.name} (huang2023 stages 2-4) needs env=huang_slice")
    if root.job.name == "twin-train" and env.target != "slicectl.envs.ran_env.RanBatchEnv":
        raise UserError("job twin-train (zhang_digital_twin) needs env=ran")
    if root.job.name in ("train", "twin-train", "bidding") and agent.discrete != env.discrete:
        kind = "discrete" if agent.discrete else "continuous"
        raise UserError(f"agent {agent.target.rsplit('.', 1)[-1]} needs {kind} actions, which "
                        f"env {env.target.rsplit('.', 1)[-1]} (as configured) does not have")
    return root


def _check_group(group: str, data: dict, schemas: dict[str, type[BaseModel]]):
    target = data.get("_target_")
    if target not in schemas:
        raise UserError(f"{group}._target_: unknown {group} {target!r}"
                        f"{did_you_mean(str(target), schemas)}")
    return _check(schemas[target], data, (group,))


def _check(model: type[BaseModel], data: dict, prefix: tuple):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in (*prefix, *err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key" + did_you_mean(str(err["loc"][-1]), _fields_at(model, err["loc"][:-1]))
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            msg += f" (got {err['input']!r})"
        raise UserError(f"{loc}: {msg}" if loc else msg) from None


def did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""


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
