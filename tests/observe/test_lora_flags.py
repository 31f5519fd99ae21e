"""vLLM's LoRA flags as a start-up log's command line gives them (issue 20, session 18: observe/launch.py
VLLM_FLAGS / VLLM_SWITCHES, observe/log_flags.py _lora). vLLM takes either spelling of a flag: its
FlexibleArgumentParser turns underscores into dashes in every --name (vLLM 0.33.0
utils/argparse_utils.py parse_args, "Convert underscores to dashes"), so `--max_loras 3` is `--max-loras 3`."""
import json

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


# SGLang's own LoRA flags (SGLang 0.5.23 server_args: arg_groups/fields/lora.py Lora): --enable-lora
# (None: on where --lora-paths is given), --max-loras-per-batch (default 8), --max-lora-rank (default
# None: inferred from the adapters), --max-loaded-loras (default None). Not vLLM's slots.
def test_sglang_reads_its_own_lora_flags_with_its_defaults():
    def opts(line):
        return log_flags.sglang_options(launch.sglang_launch(line)[1])[0]

    o = opts("python -m sglang.launch_server --model-path m --enable-lora")
    assert (o.sglang_lora, o.lora) == ((8, None, None), None)  # not vLLM's (1, 16, None)
    o = opts("python -m sglang.launch_server --model-path m --lora-paths a=/x --max-loras-per-batch 4 "
             "--max-lora-rank 64 --max-loaded-loras 16")
    assert (o.sglang_lora, o.lora) == ((4, 64, 16), None)
    assert opts("python -m sglang.launch_server --model-path m --max-lora-rank 64").sglang_lora is None


def test_vllm_lora_spellings_given_to_sglang_are_refused_with_sglangs():
    import pytest
    from kvplan.errors import KvplanError

    for flag, theirs in (("--max-loras 4", "--max-loras-per-batch"), ("--max-cpu-loras 8", "--max-loaded-loras")):
        flags = launch.sglang_launch(f"python -m sglang.launch_server --model-path m --enable-lora {flag}")[1]
        with pytest.raises(KvplanError, match=f"vLLM's flag; SGLang's is {theirs}$"):
            log_flags.sglang_options(flags)


def test_an_sglang_plan_says_its_lora_pool_is_not_priced():
    import pytest
    from kvplan import api
    from kvplan.errors import KvplanError

    flags = {"enable_lora": "True", "max_lora_rank": "32"}
    opts, tp, _ = log_flags.sglang_options(flags)
    plain = api.fit("qwen3-8b", "h100", engine="sglang")
    r = api.fit("qwen3-8b", "h100", engine="sglang", sglang_lora=opts.sglang_lora)
    (note,) = [n for n in r.notes if n.startswith("LoRA not priced")]
    assert "8 adapters a batch, rank 32" in note
    # nothing of vLLM's LoRA buffers in SGLang's budget: the same parts and bytes as without LoRA, and
    # one unpriced part, so the answer is never "fits" on a pool kvplan cannot size (standard 4)
    assert [(p.key, p.bytes) for p in r.stages[0].budget] == \
        [(p.key, p.bytes) for p in plain.stages[0].budget] + [("lora_pool", 0)]
    assert r.stages[0].budget[-1].unmodelled and not any(p.unmodelled for p in plain.stages[0].budget)
    assert plain.verdict == "fits" and r.verdict == "at_risk" and r.deciding_term == "lora_pool"
    with pytest.raises(KvplanError, match="--engine vllm only; the SGLang plan would ignore them"):
        api.fit("qwen3-8b", "h100", engine="sglang", lora=(1, 16, None))
    with pytest.raises(KvplanError, match="are SGLang's; the vLLM plan would ignore them"):
        api.fit("qwen3-8b", "h100", engine="vllm", sglang_lora=(8, None, None))


def test_kvplan_fit_takes_each_engines_lora_spelling():
    from typer.testing import CliRunner
    from kvplan.cli import app

    run = CliRunner().invoke
    r = run(app, ["fit", "qwen3-8b", "--gpu", "h100", "--engine", "sglang", "--enable-lora", "--max-loras-per-batch",
                  "4", "--max-lora-rank", "64", "--json"])
    assert r.exit_code == 3, r.output  # at risk: SGLang's LoRA pool is not priced
    out = json.loads(r.stdout)
    assert any("4 adapters a batch, rank 64" in n for n in out["notes"])
    assert out["verdict"] == "at_risk" and out["deciding_term"] == "lora_pool"
    assert [p["bytes"] for p in out["budget"] if "lora" in p["label"].lower()] == [0]
    for args, line in ((["--engine", "sglang", "--enable-lora", "--max-loras", "4"],
                        "--max-loras is vLLM's flag; SGLang's is --max-loras-per-batch"),
                       (["--engine", "sglang", "--max-cpu-loras", "4"],
                        "--max-cpu-loras is vLLM's flag; SGLang's is --max-loaded-loras"),
                       (["--enable-lora", "--max-loras-per-batch", "4"],
                        "--max-loras-per-batch is SGLang's flag; the vllm plan would ignore it "
                        "(vLLM's is --max-loras)")):
        r = run(app, ["fit", "qwen3-8b", "--gpu", "h100", *args])
        assert r.exit_code != 0 and line in " ".join(r.output.split()), r.output
    # vLLM's defaults stay vLLM's: --enable-lora alone is 1 slot of rank 16
    r = run(app, ["fit", "qwen3-8b", "--gpu", "h100", "--enable-lora", "--json"])
    assert r.exit_code == 0 and "LoRA slots (1 × rank 16)" in [p["label"] for p in json.loads(r.stdout)["budget"]]
