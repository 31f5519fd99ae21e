"""simulate's limits (kvplan/plan/simulate/limits.py): each setting's source string in full, for
vLLM's hybrid groups, SGLang's sliding-window pool, its DP attention ranks and its Mamba slots, and
the vLLM version's admission rule. The numbers in the strings are fit's own (read back from fit's
detail, not typed in); the tests check the wording and where each piece goes."""
from __future__ import annotations

import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.fit import fit
from kvplan.plan.simulate import limits as limmod
from kvplan.plan.simulate.groups import Group
from kvplan.sources import catalog

H100 = "h100-sxm-80gb"


@pytest.fixture(scope="module")
def oss():
    return catalog.load_model("gpt-oss-120b"), catalog.load_gpu("h100")


def test_vllm_hybrid_groups_source(oss):
    spec, gpu = oss
    lim = sim.engine_limits(spec, gpu, 2, "vllm")
    where = f"kvplan fit gpt-oss-120b --gpu {H100} --tp 2 --engine vllm"
    assert lim.sources["groups"] == f"{where}: the other KV cache groups (sliding), one block pool"


def test_vllm_two_other_groups_are_listed_with_a_comma(oss, monkeypatch):
    """Two groups beyond the scheduler's: their kinds joined by ", " (no catalog model has two)."""
    from kvplan.plan.simulate import groups

    spec, gpu = oss
    two = (Group("sliding", 16, 128), Group("mamba", 16, 0, 1))
    monkeypatch.setattr(groups, "vllm_groups", lambda d: (16, two, True))
    lim = sim.engine_limits(spec, gpu, 2, "vllm")
    assert lim.sources["groups"].endswith(": the other KV cache groups (sliding, mamba), one block pool")


def test_vllm_without_a_full_attention_group_names_the_kinds(oss, monkeypatch):
    """fit's vLLM plan with no full-attention group: the kinds it has, sorted and comma-joined,
    or "none" where it lists no group at all."""
    from kvplan.plan import fit as fitmod

    spec, gpu = oss
    real = fitmod.fit

    def only(kinds):
        def f(*a, **kw):
            r = real(*a, **kw)
            r.capacity.detail["groups"] = [{"kind": k, "block_size": 16} for k in kinds]
            return r
        return f

    monkeypatch.setattr(fitmod, "fit", only(["sliding", "mamba", "sliding"]))
    with pytest.raises(KvplanError) as e:
        sim.engine_limits(spec, gpu, 2, "vllm")
    assert str(e.value) == ("simulate needs a KV cache group of full-attention (or MLA) layers, or "
                            "sliding-window groups only; vLLM keeps gpt-oss-120b's cache in groups of: mamba, sliding")

    def none(*a, **kw):
        r = real(*a, **kw)
        del r.capacity.detail["groups"]
        return r

    monkeypatch.setattr(fitmod, "fit", none)
    with pytest.raises(KvplanError, match=r"in groups of: none$"):
        sim.engine_limits(spec, gpu, 2, "vllm")


def test_sglang_sliding_pool_group_and_source(oss):
    """gpt-oss on SGLang: page size 1, window 128 (the model's sliding layers), one group."""
    spec, gpu = oss
    lim = sim.engine_limits(spec, gpu, 2, "sglang")
    swa = fit(spec, gpu, tp=2, engine="sglang").capacity.detail["swa_tokens"]
    assert lim.groups == (Group("sliding", 1, 128),)
    assert lim.swa_tokens == swa
    assert lim.sources["swa_tokens"] == (f"kvplan fit gpt-oss-120b --gpu {H100} --tp 2 --engine sglang: "
                                         f"swa_tokens {swa:,} (SWATokenToKVPoolAllocator's sliding-window pool)")


def test_window_of_a_model_without_one():
    spec = catalog.load_model("llama-3.1-8b")
    with pytest.raises(KvplanError) as e:
        limmod._window(spec)
    assert str(e.value) == "llama-3.1-8b: SGLang plans a sliding-window pool but no layer has a window"


@pytest.fixture(scope="module")
def ds():
    return catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb")


def test_dp_attention_sources_say_one_rank(ds):
    spec, gpu = ds
    o = ServeOptions(data_parallel_size=8, dp_attention=True, max_num_seqs=64)
    lim = sim.engine_limits(spec, gpu, 8, "sglang", o)
    tokens = fit(spec, gpu, tp=8, engine="sglang", opts=o).capacity.detail["max_total_num_tokens"]
    where = ("kvplan fit deepseek-r1 --gpu h200-sxm-141gb --tp 8 --engine sglang --dp-size 8 --enable-dp-attention "
             "--max-num-seqs 64")  # the whole command (ux17: the flags that move fit's plan)
    rank = "; one of 8 DP attention ranks"
    assert lim.sources["num_blocks"] == f"{where}: max_total_num_tokens {tokens:,}{rank}"
    assert lim.sources["max_num_seqs"] == "--max-num-seqs" + rank
    assert lim.sources["max_num_batched_tokens"] == (
        "SGLang's chunked_prefill_size by card memory (memory_hook.py handle_gpu_memory_settings; "
        "kvplan.engines.sglang)" + rank)
    assert lim.sources["output_reserve"] == (
        "SGLang's new_token_ratio after its decay (kvplan.engines.sglang NEW_TOKEN_RATIO_FLOOR), for every "
        "running request, ignore_eos or not (PrefillAdder._get_running_request_total_token_offset); × 0.3 "
        "with DP attention (DP_ATTENTION_CONSERVATIVENESS)")


def test_dp_attention_of_two_ranks_scales_the_reserve(ds):
    """D = 2 is DP attention too: 0.7 (the floor) × 0.14 ... as test_simulate_dp's 0.7 × 0.14 × 0.3
    = 0.0294, not the 0.098 of one rank."""
    spec, gpu = ds
    lim = sim.engine_limits(spec, gpu, 8, "sglang", ServeOptions(data_parallel_size=2, dp_attention=True))
    assert lim.output_reserve == pytest.approx(0.7 * 0.14 * 0.3)


def test_mamba_slots_cap_and_source():
    """nemotron-3-nano on one H100 under SGLang: the Mamba pool's slots cap the running requests;
    at --max-num-seqs equal to the slots the flag is the source (the cap changes nothing)."""
    spec, gpu = catalog.load_model("nemotron-3-nano-30b-a3b"), catalog.load_gpu("h100")
    mamba = fit(spec, gpu, tp=1, engine="sglang").capacity.detail["max_mamba_cache_size"]
    lim = sim.engine_limits(spec, gpu, 1, "sglang")
    assert lim.max_num_seqs == mamba
    assert lim.sources["max_num_seqs"] == (f"kvplan fit nemotron-3-nano-30b-a3b --gpu {H100} --tp 1 --engine "
                                           f"sglang: max_mamba_cache_size {mamba:,} (one Mamba state slot a request)")
    o = ServeOptions(max_num_seqs=mamba)
    same = sim.engine_limits(spec, gpu, 1, "sglang", o)
    assert fit(spec, gpu, tp=1, engine="sglang", opts=o).capacity.detail["max_mamba_cache_size"] == mamba
    assert same.max_num_seqs == mamba and same.sources["max_num_seqs"] == "--max-num-seqs"


def test_an_old_vllm_version_names_itself_in_the_source():
    lim = sim.Limits("vllm", 16, 100, 8, 256, 4096)
    old = limmod.for_vllm_version(lim, "0.11.0")
    assert old.reserve_full_isl is False
    assert old.sources["reserve_full_isl"] == ("vLLM 0.11.0: before 0.19.0, admission checks the first "
                                               "chunk's blocks only")
