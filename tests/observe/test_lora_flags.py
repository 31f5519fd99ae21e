"""vLLM's LoRA flags as a start-up log's command line gives them (issue 20, session 18: observe/launch.py
VLLM_FLAGS / VLLM_SWITCHES, observe/log_flags.py _lora). vLLM takes either spelling of a flag: its
FlexibleArgumentParser turns underscores into dashes in every --name (vLLM 0.33.0
utils/argparse_utils.py parse_args, "Convert underscores to dashes"), so `--max_loras 3` is `--max-loras 3`."""
import pytest

from kvplan.observe import launch, log_flags


@pytest.mark.parametrize("dash", ["-", "_"])
def test_both_spellings_of_the_lora_flags_read_alike(dash):
    line = (f"vllm serve Qwen/Qwen3-8B --enable{dash}lora --max{dash}loras 3 --max{dash}lora{dash}rank 64 "
            f"--max{dash}cpu{dash}loras 8")
    model, flags = launch.vllm_serve(line)
    assert model == "Qwen/Qwen3-8B"
    assert flags == {"enable_lora": True, "max_loras": "3", "max_lora_rank": "64", "max_cpu_loras": "8"}
    # (max_loras, max_lora_rank, max_cpu_loras) as the command line states them
    assert log_flags.vllm_options(flags)[0].lora == (3, 64, 8)


def test_enable_lora_alone_takes_vllms_defaults_in_either_spelling():
    # LoRAConfig's defaults (vLLM 0.29.0 and 0.33.0 config/lora.py): max_loras 1, max_lora_rank 16, max_cpu_loras None
    for line in ("vllm serve m --enable-lora", "vllm serve m --enable_lora"):
        assert log_flags.vllm_options(launch.vllm_serve(line)[1])[0].lora == (1, 16, None)
    # without the switch the sizes alone turn nothing on
    assert log_flags.vllm_options(launch.vllm_serve("vllm serve m --max_loras 3")[1])[0].lora is None
