"""Exact checks for session 18's SGLang LoRA flags and vLLM's AWQ Machete growth by release (st20small's
merge 1d257dc; mutation testing, mut18f): kvplan fit's LoRA flags per engine (engines/tier_flags.py
lora_flags, sglang_lora, lora_notes), SGLang's unpriced LoRA pool (engines/sglang.py _lora_pool) as
`--explain` prints it, SGLang's budget at TP 1 x PP 2 (its TP group, not its GPUs, holds the custom
all-reduce), and startup.yaml awq_machete_by_release's first release."""
import pytest

from kvplan import api
from kvplan.engines import ServeOptions, tier_flags
from kvplan.engines.vllm import loaded
from kvplan.errors import KvplanError

NONE = dict.fromkeys(("max_loras", "max_lora_rank", "max_cpu_loras", "max_loras_per_batch", "max_loaded_loras"))


def test_sglang_without_enable_lora_keeps_lora_off_and_vllms_defaults():
    # kvplan fit --engine sglang without --enable-lora: no LoRA pool; vLLM's flags.extras gets its
    # off switch and vLLM's defaults (config/lora.py: max_loras 1, max_lora_rank 16), unused
    opts, vllm = tier_flags.lora_flags(ServeOptions(), "sglang", False, dict(NONE))
    assert opts.sglang_lora is None and vllm == (False, 1, 16, None)
    opts, vllm = tier_flags.lora_flags(ServeOptions(), "SGLang ", True, {**NONE, "max_lora_rank": 64})
    assert opts.sglang_lora == (8, 64, None) and vllm == (False, 1, 16, None)


def test_vllms_counts_pass_through_as_given():
    counts = {**NONE, "max_loras": 4, "max_lora_rank": 64, "max_cpu_loras": 32}
    assert tier_flags.lora_flags(ServeOptions(), "vllm", True, counts)[1] == (True, 4, 64, 32)
    assert tier_flags.lora_flags(ServeOptions(), "vllm", True, dict(NONE))[1] == (True, 1, 16, None)


@pytest.mark.parametrize("engine, key, line", [
    ("vllm", "max_loaded_loras",
     "--max-loaded-loras is SGLang's flag; the vllm plan would ignore it (vLLM's is --max-cpu-loras)"),
    ("vllm", "max_loras_per_batch",
     "--max-loras-per-batch is SGLang's flag; the vllm plan would ignore it (vLLM's is --max-loras)"),
    ("llamacpp", "max_loras_per_batch",
     "--max-loras-per-batch is SGLang's flag; the llamacpp plan would ignore it (give --engine sglang)"),
    ("trtllm", "max_loaded_loras",
     "--max-loaded-loras is SGLang's flag; the trtllm plan would ignore it (give --engine sglang)"),
])
def test_sglangs_flags_given_to_another_engine_say_so_word_for_word(engine, key, line):
    with pytest.raises(KvplanError) as e:
        tier_flags.lora_flags(ServeOptions(), engine, True, {**NONE, key: 16})
    assert str(e.value) == line


def test_lora_paths_that_say_none_leave_lora_off():
    # SGLang's server_args dump prints lora_paths=None when none is given; an explicit
    # enable_lora=False stays off even with paths (on only where True, or None with paths)
    for paths in (None, "None", "", [], {}):
        assert tier_flags.sglang_lora({"lora_paths": paths}) is None, paths
    assert tier_flags.sglang_lora({"enable_lora": False, "lora_paths": "a=/x"}) is None
    assert tier_flags.sglang_lora({"enable_lora": "False", "lora_paths": "a=/x"}) is None
    assert tier_flags.sglang_lora({"lora_paths": "a=/x"}) == (8, None, None)
    assert tier_flags.sglang_lora({"enable_lora": "True", "max_loaded_loras": 4}) == (8, None, 4)


def test_sglangs_lora_pool_part_and_note_word_for_word():
    r = api.fit("qwen3-8b", "h100", engine="sglang", sglang_lora=(8, None, None))
    p = r.stages[0].budget[-1]
    assert (p.key, p.label, p.bytes, p.uncertainty, p.unmodelled) == \
        ("lora_pool", "LoRA memory pool (not priced)", 0, 0, True)
    assert p.source == ("SGLang 0.5.23 lora/mem_pool.py LoRAMemoryPool.init_buffers, taken before the KV pool: "
                        "sized by the adapters' target modules and rank, which the flags do not give")
    # no --max-lora-rank: SGLang infers it from the adapters
    assert [n for n in r.notes if n.startswith("LoRA")] == [
        "LoRA not priced: SGLang's LoRA memory pool (lora/mem_pool.py LoRAMemoryPool: A and B buffers for 8 "
        "adapters a batch, rank inferred from the adapters, per target module and layer) is taken before the KV "
        "pool and is not in this budget, so the KV figure is too generous by its size"]


def test_sglang_tp1_pp2_holds_no_custom_all_reduce():
    # SGLang.budget passes the TP group (tp), not the GPUs (tp x pp), to budget_parts: both layouts
    # are two GPUs (NCCL's share alike), and only TP 2 holds the custom all-reduce buffers,
    # 3 x max_size = 3 x 8,192 x 1,024 = 25,165,824 bytes (sglang_startup.py CUSTOM_AR)
    def non_torch(tp, pp):
        (p,) = [p for p in api.fit("qwen3-8b", "h100", engine="sglang", tp=tp, pp=pp).stages[0].budget
                if p.key == "non_torch"]
        return p

    tp2, pp2 = non_torch(2, 1), non_torch(1, 2)
    assert tp2.bytes - pp2.bytes == 3 * 8192 * 1024 == 25_165_824
    assert pp2.source == ("a datacenter card's context + NCCL, from the fit half of the SGLang logs; no custom "
                          "all-reduce at TP 1 (SGLang's is per TP group) (engines/sglang_startup.py)")


def test_the_first_release_read_never_asks_for_machete():
    # startup.yaml awq_machete_by_release: 0.7.3 is the first release read (awq_marlin.py calls
    # apply_awq_marlin_linear itself); 0.7.2 and earlier were not read, so they take the last rule
    assert [loaded.awq_machete_rule(v) for v in ("0.7.3", "0.8.5.post1", "0.17.1", "0.7.2")] == \
        ["marlin_only", "marlin_only", "marlin_only", "tile_padding"]
