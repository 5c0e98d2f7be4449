"""The accelerate configs in infra/accelerate: each loads with accelerate's own config class (an
unknown top-level key fails there), each nested key is one `accelerate launch` knows (accelerate
itself silently ignores a typo'd one), each resolves to the launcher and plugin settings it
documents, and cpu_2proc.yaml really starts two gloo ranks."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.system]  # torchrun and accelerate processes

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "infra" / "accelerate"

# file: (distributed_type, mixed_precision, num_processes, num_machines, launcher flag it resolves to)
EXPECTED: dict[str, tuple[str, str, int, int, str]] = {
    "ddp.yaml": ("MULTI_GPU", "bf16", 8, 1, "multi_gpu"),
    "ddp_multinode.yaml": ("MULTI_GPU", "bf16", 16, 2, "multi_gpu"),
    "fsdp.yaml": ("FSDP", "bf16", 8, 1, "use_fsdp"),
    "deepspeed_zero2.yaml": ("DEEPSPEED", "bf16", 8, 1, "use_deepspeed"),
    "deepspeed_zero3.yaml": ("DEEPSPEED", "bf16", 8, 1, "use_deepspeed"),
    # MULTI_GPU on purpose: the torch.distributed.run launcher; MULTI_CPU starts one process (README).
    "cpu_2proc.yaml": ("MULTI_GPU", "no", 2, 1, "multi_gpu"),
}
QWEN_WRAP = ["Qwen2_5_VLDecoderLayer", "Qwen2_5_VLVisionBlock"]


def _files() -> list[str]:
    return sorted(p.name for p in CONFIGS.glob("*.yaml"))


def test_every_config_is_listed() -> None:
    assert _files() == sorted(EXPECTED), "a config was added or removed: update EXPECTED and the README"
    readme = (CONFIGS / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert name in readme, f"{name} is not described in infra/accelerate/README.md"


def _load(name: str) -> Any:
    from accelerate.commands.config.config_args import ClusterConfig, load_config_from_file

    config = load_config_from_file(str(CONFIGS / name))  # what `accelerate launch --config_file` does
    assert isinstance(config, ClusterConfig)
    return config


def _resolve(name: str) -> tuple[Any, Any]:
    """`accelerate launch --config_file NAME script.py`'s arguments after the config is applied
    (launch's own private resolution step: no process is started)."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser

    args = launch_command_parser().parse_args(["--config_file", str(CONFIGS / name), "script.py"])
    args, defaults, _ = _validate_launch_command(args)
    return args, defaults


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loads_with_expected_values(name: str) -> None:
    dist, mixed, procs, machines, _ = EXPECTED[name]
    config = _load(name)
    assert config.distributed_type.value == dist
    assert config.mixed_precision == mixed
    assert (config.num_processes, config.num_machines) == (procs, machines)
    assert config.machine_rank == 0
    assert config.rdzv_backend == "static"


def test_an_unknown_key_fails(tmp_path: Path) -> None:
    from accelerate.commands.config.config_args import ClusterConfig

    bad = tmp_path / "bad.yaml"
    bad.write_text((CONFIGS / "ddp.yaml").read_text() + "num_proceses: 4\n")
    with pytest.raises(ValueError, match="num_proceses"):
        ClusterConfig.from_yaml_file(str(bad))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nested_keys_are_launch_arguments(name: str) -> None:
    """accelerate copies fsdp_config/deepspeed_config entries onto launch's arguments without
    checking them: a misspelt one would be ignored silently, so check here."""
    from accelerate.commands.launch import launch_command_parser

    known = {a.dest for a in launch_command_parser()._actions}
    config = _load(name)
    for section, prefix in (("fsdp_config", "fsdp_"), ("deepspeed_config", "")):
        for key in getattr(config, section):
            arg = key if key.startswith(prefix) else prefix + key
            assert arg in known, f"{name}: {section}.{key} is not an `accelerate launch` setting"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_resolves_to_its_launcher(name: str) -> None:
    *_, flag = EXPECTED[name]
    args, _ = _resolve(name)
    flags = {f: bool(getattr(args, f)) for f in ("multi_gpu", "use_fsdp", "use_deepspeed", "tpu")}
    assert flags == {f: f == flag for f in flags}
    assert args.num_processes == EXPECTED[name][2]


def test_multinode_rendezvous() -> None:
    config = _load("ddp_multinode.yaml")
    assert config.main_process_ip and config.main_process_port
    assert config.num_processes % config.num_machines == 0  # total over the nodes


def test_fsdp_plugin_settings() -> None:
    from accelerate.utils import FullyShardedDataParallelPlugin, patch_environment
    from accelerate.utils.launch import prepare_multi_gpu_env

    args, _ = _resolve("fsdp.yaml")
    with patch_environment(**prepare_multi_gpu_env(args)):
        plugin = FullyShardedDataParallelPlugin()
    assert plugin.fsdp_version == 2
    assert plugin.reshard_after_forward is True  # FSDP2's full shard
    assert plugin.state_dict_type.name == "SHARDED_STATE_DICT"
    assert plugin.transformer_cls_names_to_wrap == QWEN_WRAP
    assert plugin.cpu_ram_efficient_loading is True
    assert plugin.activation_checkpointing is False  # the project's train.gradient_checkpointing does it


def test_fsdp_wrap_classes_exist_in_transformers() -> None:
    from transformers.models.qwen2_5_vl import modeling_qwen2_5_vl as m

    for cls in QWEN_WRAP:
        assert isinstance(getattr(m, cls, None), type), f"transformers has no {cls}"
    assert set(QWEN_WRAP) <= set(m.Qwen2_5_VLPreTrainedModel._no_split_modules)


@pytest.mark.parametrize(("name", "stage", "init", "save16"),
                         [("deepspeed_zero2.yaml", 2, False, False), ("deepspeed_zero3.yaml", 3, True, True)])
def test_deepspeed_plugin_settings(name: str, stage: int, init: bool, save16: bool) -> None:
    from accelerate.utils import DeepSpeedPlugin, patch_environment
    from accelerate.utils.launch import prepare_deepspeed_cmd_env

    args, defaults = _resolve(name)
    args.deepspeed_fields_from_accelerate_config = ",".join(defaults.deepspeed_config)
    _, env = prepare_deepspeed_cmd_env(args)
    with patch_environment(**env):
        plugin = DeepSpeedPlugin()  # builds its config from the environment; deepspeed itself not needed
    assert plugin.zero_stage == stage
    assert (plugin.offload_optimizer_device, plugin.offload_param_device) == ("none", "none")
    assert plugin.zero3_init_flag is init
    assert plugin.zero3_save_16bit_model is save16
    # Left to the training loop's Accelerator(gradient_accumulation_steps=train.grad_accum).
    assert plugin.gradient_accumulation_steps == "auto"


PROBE = """\
from accelerate import Accelerator
a = Accelerator(cpu=True)
print(f"RANK {a.process_index} OF {a.num_processes} {a.state.backend};", flush=True)
"""


def test_cpu_2proc_starts_two_gloo_ranks(tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    with socket.socket() as sock:  # a free port: another job may hold accelerate's default 29500
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file",
           str(CONFIGS / "cpu_2proc.yaml"), "--main_process_port", str(port), str(script)]
    done = subprocess.run(cmd, check=False, env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = sorted(re.findall(r"RANK \d+ OF \d+ [^;]*", done.stdout))  # the two ranks' lines may interleave
    assert ranks == ["RANK 0 OF 2 gloo", "RANK 1 OF 2 gloo"], done.stdout + done.stderr[-2000:]
