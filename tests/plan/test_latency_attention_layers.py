"""Issue 21: attention's per-kernel floors are charged per attention layer (a hybrid's Mamba2, MoE-only and MLP-only
layers run no attention kernel), and the physics fallback's decode attention splits a long context across thread
blocks (flash-decoding), so one sequence's K/V is read at the streaming efficiency, not at batch × KV heads / 64 of it.
Counts are worked out by hand from the pattern; efficiencies from fallback.yaml's constants."""
import pytest

from kvplan.plan.latency import attention, tables
from kvplan.plan.latency.step import OpLatency, attention_layers
from kvplan.sources import catalog

from tests.plan.test_hybrid_blocks import small_hybrid


def test_attention_layers_of_a_small_hybrid_by_hand():
    """mamba, mlp, mamba, attention, mlp, both: 2 layers hold attention (attention, both)."""
    s = small_hybrid()
    assert (s.num_layers, attention_layers(s)) == (6, 2)


def test_nemotron_3_nano_has_six_attention_kernels():
    """23 Mamba2 + 23 MoE + 6 attention layers: 6 attention kernels a pass, per TP rank too."""
    s = catalog.load_model("nemotron-3-nano-30b-a3b")
    assert attention_layers(s) == 6
    assert attention_layers(s.shard(2)) == 6
    assert OpLatency(s, catalog.load_gpu("b200"), tp=2, weight_dtype="fp8").attn_layers == 6


def test_a_transformer_counts_every_layer():
    s = catalog.load_model("llama-3-8b")
    assert attention_layers(s) == s.num_layers == 32


def test_decode_floor_is_charged_per_attention_layer():
    """At context 1 the K/V read is far below the floor: the decode-attention op is floor × attention layers (2), not
    × layers (6)."""
    r = OpLatency(small_hybrid(), catalog.load_gpu("h100"))
    st = r.decode(1, 1)
    t = next(o[1] for o in st.ops if o[0].startswith("decode attention"))
    _, floor, _ = r.prof.decode_attention_efficiency(1, 1, 2, 4)
    assert floor > 0
    assert t == pytest.approx(r.prof.scale("attention") * floor * 2)


def test_prefill_floor_is_charged_per_attention_layer():
    r = OpLatency(small_hybrid(), catalog.load_gpu("h100"))
    t, _ = attention.prefill_seconds(r.prof, 1, 1, r.attn_layers, r.peak_flops)
    assert t == pytest.approx(r.prof.fb["attention_floor_us"] * 1e-6 * 2)


def test_fallback_decode_attention_splits_the_context():
    """RTX 4090 (no measured table), 8 KV heads, batch 1: at 128 tokens one piece per row, 8 of 64 rows, 1/8 of the
    streaming efficiency; at 1,024 tokens 8 pieces each, 64 rows, the full streaming efficiency; never above it."""
    p = OpLatency(catalog.load_model("llama-3-8b"), catalog.load_gpu("rtx-4090")).prof
    fb = tables.load("fallback")
    split = fb["decode_attention_split_kv"]
    assert (split["split_tokens"], split["max_splits"]) == (128, 128)
    assert p.decode_attention_efficiency(1, 128, 8, 4)[0] == pytest.approx(p.mem_eff * 8 / 64)
    assert p.decode_attention_efficiency(1, 129, 8, 4)[0] == pytest.approx(p.mem_eff * 16 / 64)
    assert p.decode_attention_efficiency(1, 1024, 8, 4)[0] == pytest.approx(p.mem_eff)
    assert p.decode_attention_efficiency(1, 8192, 8, 4)[0] == pytest.approx(p.mem_eff)
    assert "flash_api.cpp" in p.decode_attention_efficiency(1, 8192, 8, 4)[2]


def test_split_kv_only_where_the_engine_splits():
    """AutoAWQ's (hf) FasterTransformer decode kernel runs one block per (head, sequence): no split; llama.cpp has no
    split read; AMD GPUs (MI300X, MI325X: no decode table, no ROCm kernel's split read) keep the unsplit rows: at 8,192
    tokens still 8 of 64 rows."""
    m = catalog.load_model("llama-3-8b")
    for gpu, engine in (("rtx-4090", "hf"), ("rtx-4090", "llamacpp"), ("mi300x", "vllm"), ("mi325x", "sglang")):
        p = OpLatency(m, catalog.load_gpu(gpu), engine=engine).prof
        assert not p.split_kv
        assert p.decode_attention_efficiency(1, 8192, 8, 4)[0] == pytest.approx(p.mem_eff * 8 / 64)
    assert OpLatency(m, catalog.load_gpu("rtx-4090"), engine="sglang").prof.split_kv


def test_fallback_long_context_decode_grows_at_streaming_bandwidth():
    """One sequence on an RTX 4090: the decode step grows with context by the K/V bytes at the streaming efficiency
    (16,384 − 4,096 tokens of Llama 3 8B's 131,072 bytes each; both above the 32 layers' floors), not at 1/8 of it."""
    r = OpLatency(catalog.load_model("llama-3-8b"), catalog.load_gpu("rtx-4090"))
    grow = r.decode(16384, 1).seconds - r.decode(4096, 1).seconds
    kv = 12288 * r.bytes_per_token
    assert r.bytes_per_token == 131_072
    assert grow == pytest.approx(r.prof.scale("attention") * kv / (r.prof.bw * r.prof.mem_eff), rel=0.02)
