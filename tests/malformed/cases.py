"""Malformed invocations a new user (or a careless colleague) types. Every one
must be refused with exit status 2 and one line ``error: ...``: no traceback,
nothing already written changed, no code run.

A case is ``(arguments, text the error must contain)``. ``{w}`` is the
fixture world (tests/malformed/world.py builds it), ``{marker}`` a file that
an attempted code execution would create; arguments are split as a shell
would (shlex). Cases of the config checks are also
generated: every float of every env and section set to NaN or ±inf."""
from __future__ import annotations

from functools import lru_cache

S = "scale=smoke"
CALLBACK = "+hydra.callbacks.x._target_=shutil.copyfile +hydra.callbacks.x.src=/etc/hostname " \
           "+hydra.callbacks.x.dst={marker}"

HAND: list[tuple[str, str]] = [
    # ---------------------------------------------------------------- code execution and escapes
    (f"train {S} {CALLBACK}", "hydra.callbacks"),
    (f"eval --baseline random {S} {CALLBACK}", "hydra.callbacks"),
    (f"bidding {S} {CALLBACK}", "hydra.callbacks"),
    (f"train {S} +hydra.job_logging.handlers.x._target_=shutil.copyfile", "hydra.job_logging"),
    (f"train {S} hydra.launcher._target_=os.system", "hydra.launcher._target_"),
    (f"train {S} hydra.sweeper._target_=os.system", "hydra.sweeper._target_"),
    (f"train {S} hydra/launcher=nosuch", "hydra/launcher"),
    (f"train {S} hydra.job.env_set.PYTHONSTARTUP={{marker}}", "hydra.job.env_set"),
    (f"train {S} hydra.mode=MULTIRUN", "hydra.mode"),
    (f"train {S} hydra.output_subdir=/tmp/x", "hydra.output_subdir"),
    (f"train {S} hydra.searchpath=[file:///tmp]", "hydra.searchpath"),
    (f"train {S} hydra.nonexistent=1", "hydra.nonexistent"),
    (f"train {S} +hydra.nonexistent=1", "hydra.nonexistent"),
    (f"train {S} hydra.verbose=[[]]", "hydra.verbose"),
    (f"train {S} hydra/launcher=joblib hydra.launcher.n_jobs=abc", "hydra.launcher.n_jobs"),
    (f"train {S} ~hydra", "hydra"),
    (f"train resume={{w}}/callback", "hydra.callbacks"),
    (f"train resume={{w}}/planted_target", "is not a target slicectl lists"),
    (f"train {S} baseline._target_=slicectl.runner.rundir.os.system", "baseline._target_"),
    (f"eval --baseline random {S} +baseline._target_=slicectl.runner.rundir.os.system",
     "is not a target slicectl lists"),
    (f"train {S} env._target_=slicectl.sim.ran_env.os.system", "is not a target slicectl lists"),
    (f"train {S} agent._target_=slicectl.agents.dqn.torch.load", "is not a target slicectl lists"),
    (f"train {S} env._target_=os.system", "is not a target slicectl lists"),
    (f"train {S} agent._target_=builtins.eval", "is not a target slicectl lists"),
    (f"train {S} +env.reward._target_=os.system", "is not a target slicectl lists"),
    (f"train {S} +agent.extra._target_=subprocess.call", "is not a target slicectl lists"),
    (f"train {S} env._target_=slicectl.sim.ran_env.RanBatchEnvv", "did you mean"),
    (f"train {S} name=../../../../tmp/x", "name"),
    (f"train {S} name=a/b", "name"),
    (f"train {S} name=..", "name"),
    (f"train {S} 'name=x y'", "name"),
    (f"train {S} hydra.run.dir=/proc/x", "outside the output root"),
    (f"train {S} hydra.run.dir=../escape", "outside the output root"),
    (f"train {S} hydra.run.dir=outputs/../../escape", "outside the output root"),
    (f"train -m {S} seed=0 hydra.sweep.dir=/tmp/escape", "outside the output root"),
    (f"train -m {S} seed=0 hydra.sweep.subdir=../../x", "hydra.sweep.subdir"),
    # ---------------------------------------------------------------- keys, groups, syntax
    (f"train {S} agnt=dqn", "did you mean 'agent'"),
    (f"train {S} agent=dqnn", "did you mean 'dqn'"),
    (f"train {S} agent.lrr=0.1", "did you mean 'lr'"),
    (f"train {S} +foo=1", "foo: unknown key"),
    (f"train {S} ~agent", "agent"),
    (f"train {S} ~seed", "seed"),
    (f"train {S} ~env.slices", "env.slices"),
    (f"train {S} env=", "env"),
    (f"train {S} agent=null", "agent"),
    (f"train {S} =1", "="),
    (f"train {S} novalue", "novalue"),
    (f"train {S} 'seed=${{oops}}'", "seed"),
    (f"train {S} 'seed=${{env.nonexistent}}'", "seed"),
    (f"train {S} 'agent.lr=${{slicectl_div:1,0}}'", "agent.lr"),
    (f"train {S} seed=[1,2", "seed"),
    (f"train {S} scale=smok", "did you mean 'smoke'"),
    (f"train scale=huge", "options: default, paper, smoke"),
    (f"train {S} experiment=nosuch", "experiment: unknown option"),
    (f"train {S} stage=7", "stage: unknown option '7'"),
    (f"train {S} stage=", "stage"),
    (f"train {S} job=eval", "job"),
    (f"train {S} job.name=nosuch", "job.name"),
    (f"train {S} device=tpu", "device"),
    (f"train {S} checkpoint=middle", "checkpoint"),
    (f"train {S} method=nosuch", "method"),
    (f"train {S} seed=0,1", "add -m"),
    (f"train {S} agent=dqn,td3", "add -m"),
    (f"train --cfg", "--cfg"),
    (f"train --cfg nosuch", "--cfg"),
    (f"train --info nosuch", "--info"),
    (f"train -c", "-c"),
    (f"train --config-name nosuch", "--config-name"),
    (f"train --config-path /tmp", "--config-path"),
    (f"train --experimental-rerun /etc/passwd", "--experimental-rerun"),
    # ---------------------------------------------------------------- values: types and ranges
    (f"train {S} agent.lr=-1", "agent.lr"),
    (f"train {S} agent.lr=abc", "agent.lr"),
    (f"train {S} agent.lr=[1]", "agent.lr"),
    (f"train {S} agent.lr=true", "agent.lr"),
    (f"train {S} agent.gamma=1.5", "agent.gamma"),
    (f"train {S} agent.hidden=[0,64]", "hidden"),
    (f"train {S} agent.hidden=[]", "agent.hidden"),
    (f"train {S} agent.hidden=64", "agent.hidden"),
    (f"train {S} agent.hidden=[64.5]", "agent.hidden"),
    (f"train {S} agent.hidden=[100000000]", "memory"),
    (f"train {S} agent.hidden=[4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,"
     "4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,"
     "4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,"
     "4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,"
     "4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,"
     "4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096,4096]",
     "memory"),
    (f"train {S} agent.batch_size=0", "agent.batch_size"),
    (f"train {S} agent.batch_size=100000000", "buffer_size"),
    (f"train {S} agent.double=maybe", "agent.double"),
    (f"train {S} agent.double=1", "agent.double"),
    (f"train {S} agent.buffer_size=8", "buffer_size"),
    (f"train {S} agent.buffer_size=1000000000000", "memory"),
    (f"train {S} agent.buffer_size=-5", "agent.buffer_size"),
    (f"train {S} agent.eps_decay_steps=0", "agent.eps_decay_steps"),
    (f"train {S} agent.target_every=0", "agent.target_every"),
    (f"train {S} agent.train_freq=0", "agent.train_freq"),
    (f"train {S} agent=td3 agent.n_critics=0", "agent.n_critics"),
    (f"train {S} agent=td3 agent.policy_delay=0", "agent.policy_delay"),
    (f"train {S} agent=td3 agent.sigma=-0.1", "agent.sigma"),
    (f"train {S} agent=td3 agent.critic_hidden=[]", "agent.critic_hidden"),
    (f"train {S} agent=td3 agent.gradient_steps=100000000", "agent.gradient_steps"),
    (f"train {S} agent=td3 agent.noise_clip=1e309", "agent.noise_clip"),
    (f"train {S} agent=ql agent.bins=0", "agent.bins"),
    (f"train {S} agent=ql agent.obs_low=1 agent.obs_high=0", "obs_high"),
    (f"train {S} agent=dueling_gan_ddqn agent.n_samples=1", "agent.n_samples"),
    (f"train {S} seed=-1", "seed"),
    (f"train {S} seed=abc", "seed"),
    (f"train {S} seed=1.5", "seed"),
    (f"train {S} seed=true", "seed"),
    (f"train {S} seed=false", "seed"),
    (f"train {S} seed=99999999999999999999", "seed"),
    (f"train {S} seed=2147483648", "seed"),
    (f"train {S} seed=null", "seed"),
    (f"train {S} seed=[0]", "seed"),
    (f"train {S} seed=1e3", "seed"),
    (f"train {S} env.bandwidth_hz=0", "env.bandwidth_hz"),
    (f"train {S} env.bandwidth_hz=inf", "env.bandwidth_hz"),
    (f"train {S} env.bandwidth_hz=1e308", "env.bandwidth_hz"),
    (f"train {S} env.unit_hz=300000", "unit_hz"),
    (f"train {S} env.alpha=1e308", "env.alpha"),
    (f"train {S} env.alpha=-1", "env.alpha"),
    (f"train {S} env.tx_power_dbm=1e6", "env.tx_power_dbm"),
    (f"train {S} env.noise_dbm_hz=10", "env.noise_dbm_hz"),
    (f"train {S} env.action_mode=hybrid", "env.action_mode"),
    (f"train {S} env.action_mode=continuous", "needs discrete actions"),
    (f"train {S} agent=td3 env.action_mode=discrete", "needs continuous actions"),
    (f"train {S} env.beta=[1,1]", "beta"),
    (f"train {S} env.beta=[1,-1,1]", "beta"),
    (f"train {S} env.obs_scale=[1,0,1]", "obs_scale"),
    (f"train {S} env.slices=[]", "env.slices"),
    (f"train {S} env.slices.0.gap_ms.dist=weibull", "env.slices.0.gap_ms.dist"),
    (f"train {S} env.slices.0.gap_ms.a=-1", "env.slices.0.gap_ms"),
    (f"train {S} env.slices.2.size_bits.a=0", "env.slices.2.size_bits"),
    (f"train {S} env.slices.1.gap_ms.b=-2", "env.slices.1.gap_ms"),
    (f"train {S} env.slices.2.size_bits.a=-100", "env.slices.2.size_bits"),
    (f"train {S} env.slices.0.gap_ms.dist=uniform env.slices.0.gap_ms.a=5 env.slices.0.gap_ms.b=1",
     "env.slices.0.gap_ms"),
    (f"train {S} env.slices.0.share=-1", "env.slices.0.share"),
    (f"train {S} env.slices.0.rate_sla_bps=0", "env.slices.0.rate_sla_bps"),
    (f"train {S} env.reward.sigma=-1", "env.reward.sigma"),
    (f"train {S} env.reward.gamma_min=5", "gamma_min"),
    (f"train {S} env.n_users=0", "env.n_users"),
    (f"train {S} env.n_users=1000000000", "env.n_users"),
    (f"train {S} env.slots_per_step=100000000000", "env.slots_per_step"),
    (f"train {S} env.buffer_packets=0", "env.buffer_packets"),
    (f"train {S} env.min_distance_m=500", "min_distance_m"),
    (f"train {S} env.episode_steps=0", "env.episode_steps"),
    (f"train {S} train.total_steps=0", "train.total_steps"),
    (f"train {S} train.total_steps=1e20", "train.total_steps"),
    (f"train {S} train.num_envs=abc", "train.num_envs"),
    (f"train {S} train.num_envs=100000", "train.num_envs"),
    (f"train {S} train.eval_every=-1", "train.eval_every"),
    (f"train {S} eval.n_seeds=1", "eval.n_seeds"),
    (f"train {S} eval.seed_base=99999999999999999999", "eval.seed_base"),
    (f"train {S} eval.seed_base=-3", "eval.seed_base"),
    (f"train {S} eval.steps=0", "eval.steps"),
    (f"train {S} eval.compare=[nosuch]", "unknown baseline"),
    (f"train {S} eval.compare=oracle", "eval.compare"),
    (f"eval --baseline nosuch {S}", "baseline"),
    (f"eval --baseline admm {S} baseline.rho=-1", "baseline.rho"),
    (f"eval --baseline admm {S} baseline.rho=nan", "baseline.rho"),
    (f"eval --baseline admm {S} baseline.max_iter=0", "baseline.max_iter"),
    (f"eval --baseline oracle {S} baseline.search=nosuch", "baseline.search"),
    (f"eval --baseline random {S} env=nosuch", "env: unknown option"),
    (f"eval --baseline random {S} eval.seed_base=99999999999999999999", "eval.seed_base"),
    # ---------------------------------------------------------------- sweeps
    (f"train -m {S} seed=0,-1", "seed"),
    (f"train -m {S} 'seed=interval(0,1)'", "interval"),
    (f"train -m {S} 'seed=range(0,5,0)'", "range"),
    (f"train -m {S} 'seed=range(0,100000)'", "runs"),
    (f"train -m {S} 'seed=choice()'", "choice"),
    (f"train -m {S} agent=dqn,nosuch", "agent: unknown option"),
    (f"train -m {S} agent.lr=0.1,abc", "agent.lr"),
    (f"train -m {S} 'agent.lr=tag(x,interval(0,1))'", "interval"),
    (f"train -m {S} 'seed=glob(*)'", "seed"),
    # ---------------------------------------------------------------- other jobs
    (f"pretrain {S} twin.nosuch=1", "twin.nosuch"),
    (f"bidding {S} bidding.nosuch=1", "bidding.nosuch"),
    (f"bidding {S} env=ran", "bidding"),
    (f"twin-train {S} twin.lr=0", "twin.lr"),
    (f"twin-train {S} twin.zeta=inf", "twin.zeta"),
    (f"distill {S} teacher=/no/such/run", "teacher"),
    (f"distill {S} teacher={{w}}/file.txt", "teacher"),
    (f"distill {S} teacher={{w}}/empty", "teacher"),
    (f"offline {S} offline.cql_alpha=inf", "offline.cql_alpha"),
    (f"offline {S} offline.cql_alpha=-1", "offline.cql_alpha"),
    (f"offline {S} offline.arms=[nosuch]", "offline.arms"),
    (f"offline {S} dataset=/no/such.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/nan.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/shape.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/range.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/lengths.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/missing.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/pickled.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/text.npz", "dataset"),
    (f"offline {S} dataset={{w}}/data/empty.npz", "dataset"),
    (f"offline {S} dataset={{w}}", "dataset"),
    (f"landscape {S} run_dir=/no/such/run", "run_dir"),
    (f"landscape {S} landscape.range=nan", "landscape.range"),
    (f"transfer {S} env=multicell method=nosuch", "method"),
    (f"transfer {S} env=multicell source=99", "source"),
    (f"transfer {S} env=multicell source=-1", "source"),
    (f"transfer {S} env=multicell init_from=/no/such/run", "init_from"),
    (f"train {S} env=iiot agent=td3 env.share_floor=2", "env.share_floor"),
    (f"train {S} env=multicell env.se_max=nan", "env.se_max"),
    (f"progressive {S} init_from=/no/such/run", "init_from"),
    (f"train stage=2 {S} init_from={{w}}/run", "stage"),
    # ---------------------------------------------------------------- run directories
    ("train resume=/no/such/run", "run directory not found"),
    ("train resume={w}/run", "already completed"),
    ("train resume={w}/interrupted seed=4", "drop the other overrides"),
    ("train resume={w}/file.txt", "not a directory"),
    ("train resume={w}/empty", "no manifest.json"),
    ("train resume={w}/manifest_list", "manifest.json"),
    ("train resume={w}/manifest_status", "manifest.json"),
    ("train resume={w}/manifest_binary", "manifest.json"),
    ("train resume={w}/overrides_dict", "overrides.yaml"),
    ("train resume={w}/overrides_bad_yaml", "overrides.yaml"),
    ("train resume={w}/overrides_missing", "overrides.yaml"),
    ("train resume={w}/overrides_numbers", "overrides.yaml"),
    ("train resume={w}/ckpt_truncated", "cannot load checkpoint"),
    ("train resume={w}/ckpt_pickled", "pickled"),
    ("train resume={w}/ckpt_list", "not a slicectl checkpoint"),
    ("train resume={w}/ckpt_keys", "checkpoint"),
    ("train resume={w}/ckpt_other_run", "another run"),
    ("train resume={w}/ckpt_other_config", "differs from the one the run started with"),
    ("train resume={w}/ckpt_rows", "checkpoint"),
    ("train resume={w}/ckpt_missing", "no checkpoints/last.pt"),
    ("train resume={w}/metrics_cut", "metrics.csv"),
    ("train resume={w}/metrics_missing", "metrics.csv"),
    ("train resume={w}/metrics_header", "metrics.csv"),
    ("train resume={w}/eval_run", "eval"),
    ("eval run_dir=/no/such/run " + S, "run directory not found"),
    ("eval run_dir={w}/file.txt " + S, "not a directory"),
    ("eval run_dir={w}/empty " + S, "run_dir"),
    ("eval run_dir={w}/ckpt_pickled checkpoint=last " + S, "pickled"),
    ("eval run_dir={w}/ckpt_missing " + S, "checkpoints/best.pt"),
    ("eval run_dir={w}/ckpt_other_run checkpoint=last " + S, "does not fit this DQNAgent"),
    ("eval run_dir={w}/ckpt_keys checkpoint=last " + S, "does not fit this DQNAgent"),
    ("eval run_dir={w}/config_missing " + S, "config.yaml"),
    ("eval run_dir={w}/run env=iiot " + S, "env"),
    ("eval run_dir={w}/run env=bidding " + S, "env"),
    ("eval run_dir={w}/run env.action_mode=continuous " + S, "action"),
    ("eval run_dir={w}/run env.slices=[] " + S, "env.slices"),
    ("eval run_dir={w}/run 'env.beta=[1,1,1,1]' " + S, "beta"),
    ("eval run_dir={w}/run agent.lr=0.5 " + S, "agent"),
    ("eval run_dir={w}/run agent=td3 " + S, "agent"),
    ("eval run_dir={w}/run --baseline random " + S, "exactly one of"),
    ("eval " + S, "exactly one of"),
    ("eval run_dir=latest " + S, "run_dir=latest"),
    # ---------------------------------------------------------------- reproduce
    ("reproduce", "needs a paper key"),
    ("reproduce nosuch", "unknown paper 'nosuch'"),
    ("reproduce huang2023 seeds=0", "seeds=0"),
    ("reproduce huang2023 seeds=abc", "seeds=abc"),
    ("reproduce huang2023 scale=huge", "scale=huge"),
    ("reproduce huang2023 claims=nosuch", "claims=nosuch"),
    ("reproduce all claims=table1_reward_order", "claims="),
    ("reproduce huang2023 agent=td3", "unknown argument 'agent'"),
    ("reproduce huang2023 stage", "key=value"),
    ("reproduce chen2022 scale=smoke seeds=1 hydra.launcher._target_=os.system", "hydra.launcher._target_"),
    ("reproduce chen2022 scale=smoke seeds=1 hydra/launcher=nosuch", "hydra/launcher"),
    # ---------------------------------------------------------------- report and plot
    ("report /no/such/dir", "not a directory"),
    ("report {w}/run/checkpoints", "no run directories"),
    ("report {w}/run --out /proc/x.csv", "/proc/x.csv"),
    ("report {w}/run --out {w}/no/such/dir/x.csv", "x.csv"),
    ("report {w}/run --paired nosuch", "--paired"),
    ("report {w}/run --paired agent=nosuch", "agent=nosuch"),
    ("report {w}/running_only", "not completed"),
    ("report {w}/metrics_header_only", "metrics.csv"),
    ("report {w}/manifest_list", "manifest.json"),
    ("plot /no/such/dir", "not a directory"),
    ("plot {w}/run --metric utilty", "unknown metric"),
    ("plot {w}/metrics_header_only", "metrics.csv"),
    ("plot {w}/metrics_garbage", "metrics.csv"),
    ("plot {w}/run --x nosuch", "nosuch"),
    ("plot {w}/running_only", "not completed"),
    ("plot {w}/file.txt", "not a directory"),
]


@lru_cache(maxsize=1)
def generated() -> list[tuple[str, str]]:
    """Every float of every env and section, as NaN, +inf and -inf (one of
    the three per key, in turn)."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    import slicectl.config  # noqa: F401 - the resolvers

    commands = [("train", []), ("train", ["env=iiot", "agent=td3"]), ("bidding", ["env=bidding"]),
                ("train", ["stage='1'", "env=huang_slice", "agent=td3"]),
                ("transfer", ["env=multicell", "agent=td3"]), ("twin-train", []), ("distill", []),
                ("offline", []), ("landscape", [])]
    jobs = {"transfer": "transfer", "train": "train", "bidding": "bidding", "twin-train": "twin-train",
            "distill": "distill", "offline": "offline", "landscape": "landscape"}
    seen, out = set(), []
    GlobalHydra.instance().clear()
    with initialize_config_module("slicectl.conf", version_base="1.3"):
        for cmd, extra in commands:
            job = "pipeline" if any(e.startswith("stage=") for e in extra) else jobs[cmd]
            cfg = OmegaConf.to_container(compose("config", overrides=[f"job={job}", *extra, S]), resolve=True)
            for key, value in _leaves(cfg):
                if isinstance(value, float) and (tuple(extra), key) not in seen:
                    seen.add((tuple(extra), key))  # the default env's keys once, not once per job
                    bad = ("nan", "inf", "-inf")[len(out) % 3]
                    shown = [e.replace("'", "") for e in extra]
                    out.append((" ".join([cmd, S, *shown, f"{key}={bad}"]), key))
    GlobalHydra.instance().clear()
    return out


def _leaves(node, prefix: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{prefix}{k}.")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{prefix}{i}.")
    else:
        yield prefix[:-1], node


def all_cases() -> list[tuple[str, str]]:
    return [*HAND, *generated()]
