"""vLLM's DeepSeek-V4 terms on ROCm (engines/vllm/dsv4.py), each golden by hand from vLLM 0.29.0's code
(the same in 0.28.0's; `pip download --no-deps vllm==0.29.0`, unzip; paths in the module's docstring), for
DeepSeek-V4-Pro at TP 8 (the catalog's config: 30 CSA layers of compress ratio 4 with a 64-head, 128-wide
indexer; 31 HCA layers of ratio 128; head_dim 512, window 128; 384 experts of intermediate 3072 over
hidden 7168), as vllm#53961 ran it: 8 x MI300X, max_model_len 1,048,576, 16,384 batched tokens."""
from kvplan.engines.vllm import dsv4
from kvplan.sources import catalog

MML = 1_048_576


def _pro():
    return catalog.load_model("deepseek-v4-pro").shard(8)


def test_workspace_is_the_indexers_decode_logits_on_mi300x():
    spec, gpu = _pro(), catalog.load_gpu("mi300x")
    # rocm_aiter_sparse_attn_indexer's profile branch on gfx942: (tokens, max_model_len // 4) fp32
    # = 16,384 × 262,144 × 4 = 17,179,869,184 bytes (16 GiB); larger than the key gather,
    # T = 40 × 1,048,576 // 4 = 10,485,760: T × 128 + T × 4 = 1,384,120,320, and than the sparse MLA's
    # gather, 4 × (262,144 + 128 + 16,384) × 512 × 2 = 1,141,374,976; the 512 MiB transient beside it
    assert dsv4.workspace(spec, gpu, 16_384, MML) == (17_179_869_184, 536_870_912)
    # at the 8,192 tokens the same launch started with before #51726: half, 8 GiB
    assert dsv4.workspace(spec, gpu, 8_192, MML) == (8_589_934_592, 536_870_912)
    # on another AMD card (not gfx942/gfx950) the logits are per indexer head: × 64
    assert dsv4.workspace(spec, catalog.load_gpu("mi250x"), 1_024, 65_536)[0] == 64 * 1_024 * 16_384 * 4
    # not modelled on CUDA, and nothing for a model without DeepSeek-V4's attention
    assert dsv4.workspace(spec, catalog.load_gpu("h100"), 16_384, MML) == (0, 0)
    assert dsv4.workspace(catalog.load_model("llama-3.1-8b"), gpu, 16_384, MML) == (0, 0)


def test_compressor_scratch_and_emulated_experts():
    spec, mi300x = _pro(), catalog.load_gpu("mi300x")
    # 31 ratio-128 layers × (16,384, 512) fp32 = 31 × 33,554,432 = 1,040,187,392 bytes (0.97 GiB)
    assert dsv4.compressor_scratch(spec, mi300x, 16_384) == 1_040_187_392
    assert dsv4.compressor_scratch(spec, catalog.load_gpu("h100"), 16_384) == 0
    # MXFP4 experts emulated on gfx942: 384 experts × 3 × 384 (3072 / 8) × 7168 × 2 bytes = 6,341,787,648
    assert dsv4.emulation_dequant(spec, mi300x) == 6_341_787_648
    assert dsv4.emulation_dequant(spec, catalog.load_gpu("mi355x")) == 0  # gfx950: AITER's native MXFP4
    assert dsv4.emulation_dequant(spec, catalog.load_gpu("h100")) == 0


def test_deepseek_v4_on_rocm_is_never_called_fits():
    from kvplan import api

    r = api.fit("deepseek-v4-pro", "mi300x", tp=8, engine="vllm", kv_dtype="fp8",
                max_model_len=MML, max_num_batched_tokens=16_384)
    assert r.verdict != "fits" and r.deciding_term == "rocm_path"


# Session 21 mutation run (MUTATION.md, "DeepSeek-V4 on ROCm"): each case below kills named survivors.

def _with_quant(spec, **kw):
    return spec.model_copy(update={"weight_quant": spec.weight_quant.model_copy(update=kw)})


def test_workspace_when_the_gathers_are_the_largest_request():
    spec, gpu = _pro(), catalog.load_gpu("mi300x")
    # 1,024 tokens at max_model_len 1,001: the sparse MLA's gather on a ratio-4 layer, cdiv(1,001, 4) = 251
    # compressed rows: 4 × (251 + 128 + 1,024) × 512 × 2 = 4,096 × 1,403 = 5,746,688 bytes; above the ratio-128
    # layer's 4,096 × (8 + 128 + 1,024) = 4,751,360, the key gather T = 40 × 1,001 // 4 = 10,010:
    # 10,010 × 128 + 10,010 × 4 = 1,321,320, and the logits 1,024 × 250 × 4 = 1,024,000
    ws = dsv4.workspace(spec, gpu, 1_024, 1_001)
    assert ws == (5_746_688, 536_870_912) and type(ws[0]) is int
    # DeepSeek-V4-Flash has two window-only layers (ratio 0: no compressed rows) beside the same ratio-4 layers
    assert dsv4.workspace(catalog.load_model("deepseek-v4-flash"), gpu, 1_024, 1_001) == (5_746_688, 536_870_912)
    # one token at 65,536: the key gather, T = 40 × 65,536 // 4 = 655,360: 655,360 × 128 + 655,360 × 4
    # = 83,886,080 + 2,621,440 = 86,507,520; the MLA's gather 4,096 × (16,384 + 128 + 1) = 67,637,248
    ws = dsv4.workspace(spec, gpu, 1, 65_536)
    assert ws == (86_507_520, 536_870_912) and type(ws[0]) is int
    # the logits case is an int too (16,384 × 262,144 × 4)
    assert type(dsv4.workspace(spec, gpu, 16_384, MML)[0]) is int
    # each shape is rounded up to 256 bytes before the shapes are added side by side
    assert dsv4._req(1, 257) == 256 + 512 and dsv4._req() == 0
    # no GPU: nothing
    assert dsv4.workspace(spec, None, 16_384, MML) == (0, 0)


def test_the_terms_of_other_models_and_no_gpu():
    spec, mi300x = _pro(), catalog.load_gpu("mi300x")
    llama = catalog.load_model("llama-3.1-8b")
    assert dsv4.compressor_scratch(spec, None, 16_384) == 0
    assert dsv4.emulation_dequant(spec, None) == 0
    assert not dsv4.rocm_unread(spec, None) and not dsv4.rocm_unread(llama, mi300x)
    assert dsv4.unread_parts(llama, mi300x) == [] and dsv4.unread_parts(spec, catalog.load_gpu("h100")) == []
    # MXFP4 as the whole model's format (not only the experts'): the same 384 × 3 × 384 × 7,168 × 2
    assert dsv4.emulation_dequant(_with_quant(spec, format="mxfp4", expert_format=None), mi300x) == 6_341_787_648
    # FP8 experts: nothing emulated; a dense model in MXFP4 has no MoE layer: 0
    assert dsv4.emulation_dequant(_with_quant(spec, expert_format=None), mi300x) == 0
    dense = llama.model_copy(update={"weight_quant": spec.weight_quant.model_copy(update={"format": "mxfp4"})})
    assert dsv4.emulation_dequant(dense, mi300x) == 0


def test_unread_part_word_for_word():
    (p,) = dsv4.unread_parts(_pro(), catalog.load_gpu("mi300x"))
    assert (p.key, p.label, p.bytes, p.uncertainty, p.unmodelled) == (
        "rocm_path", "DeepSeek-V4's ROCm path beyond the terms read", 0, 0, True)
    assert p.source == ("kvplan has read the attention workspace, the compressors' scratch and the emulated MXFP4 "
                        "experts (engines/vllm/dsv4.py), not the AITER mHC and sparse-MLA kernels' own allocations, "
                        "the HIP graph pool or RCCL's, and no vLLM start-up on ROCm with a KV figure is in the data "
                        "to measure them by")


def test_dsv4_activation_by_hand():
    from types import SimpleNamespace

    from kvplan.engines.vllm import startup

    spec, gpu = _pro(), catalog.load_gpu("mi300x")
    cfg = SimpleNamespace(max_num_batched_tokens=16_384, max_model_len=MML)
    # the workspace 17,179,869,184 plus what the indexer's transient (536,870,912) and the residual stream
    # (16,384 × 4 × 7,168 = 469,762,048), 1,006,632,960 together, take above the forward: at a forward of
    # 1,000,000,000 that is 6,632,960; at 2,000,000,000 nothing
    extra, src = startup.dsv4_activation(spec, gpu, cfg, 1_000_000_000, 6_341_787_648)
    assert extra == 17_179_869_184 + 6_632_960
    assert src == ("; the forward holds the MoE layer's experts dequantized to 16 bits, 5.91 GiB (emulated MXFP4 on "
                   "ROCm short of gfx950, from vLLM 0.29.0's code: engines/vllm/dsv4.py emulation_dequant); "
                   "DeepSeek-V4's attention workspace 16.00 GiB (on ROCm the indexer's logits over 16,384 tokens), "
                   "kept beside the forward and the sampler, and the indexer's 512 MiB transient (from vLLM "
                   "0.29.0's code: engines/vllm/dsv4.py workspace)")
    assert startup.dsv4_activation(spec, gpu, cfg, 2_000_000_000, 0)[0] == 17_179_869_184
    # on CUDA nothing; the dequantized experts' words still follow deq
    assert startup.dsv4_activation(spec, catalog.load_gpu("h100"), cfg, 10**9, 0) == (0, "")


def test_overheads_carry_the_dequantized_experts_and_the_workspace():
    from types import SimpleNamespace

    from kvplan.engines.base import ServeOptions
    from kvplan.engines.vllm import startup

    spec = _pro()
    cfg = SimpleNamespace(max_num_batched_tokens=16_384, max_model_len=MML, max_num_seqs=1)

    def act(gpu):
        return next(p for p in startup.overheads(spec, catalog.load_gpu(gpu), cfg, ServeOptions(), 8, 1)
                    if p.key == "activation")

    # one sequence, so the forward (9.00 GiB with the experts) is above the sampler on both cards: MI300X
    # (gfx942) and MI355X (gfx950) differ by the dequantized experts alone, 6,341,787,648 (the workspace
    # is the same 16 GiB on both: one logits head on gfx942 and gfx950)
    assert act("mi300x").bytes - act("mi355x").bytes == 6_341_787_648
    assert "experts dequantized to 16 bits, 5.91 GiB" in act("mi300x").source
    # an MI250X (neither) computes the logits per indexer head: 64 × 16 GiB, 63 × 17,179,869,184 more
    assert act("mi250x").bytes - act("mi300x").bytes == 63 * 17_179_869_184


def test_budget_carries_the_compressor_scratch():
    from kvplan.engines.base import ServeOptions
    from kvplan.engines.vllm import VLLM
    from kvplan.model import dtypes

    spec = _pro()
    parts = VLLM().budget(catalog.load_gpu("mi300x"), 10**11, spec, ServeOptions(max_model_len=MML,
                          max_num_batched_tokens=16_384), 8, 1, dtypes.get("fp8"))
    s = next(p for p in parts if p.key == "weights_compressor_scratch")
    # 31 ratio-128 layers × 16,384 × 512 × 4 = 1,040,187,392 (test_compressor_scratch_and_emulated_experts)
    assert (s.label, s.bytes, s.uncertainty) == ("weights: DeepSeek-V4 compressors' fp32 scratch", 1_040_187_392, 0)
    assert s.source == ("from vLLM 0.29.0's code: on ROCm each compress-ratio-128 layer's two-stage compressor "
                        "allocates (max_num_batched_tokens, 512) fp32 at construction, inside \"Model loading "
                        "took\" (engines/vllm/dsv4.py compressor_scratch)")
    assert not any(p.key == "weights_compressor_scratch" for p in VLLM().budget(
        catalog.load_gpu("h100"), 10**11, spec, ServeOptions(max_model_len=MML, max_num_batched_tokens=16_384),
        8, 1, dtypes.get("fp8")))


def test_workspace_of_a_window_only_deepseek_v4(fixtures):
    import json

    from kvplan.sources import hfconfig as hf

    # DeepSeek-V4-Flash's config with every layer window-only (compress ratio 0): no compressed rows, so the
    # sparse MLA's gather is 4 × (0 + 128 + 1,024) × 512 × 2 = 4,718,592 bytes and there is no indexer
    raw = json.loads((fixtures / "DeepSeek-V4-Flash.json").read_text())
    raw["compress_ratios"] = [0] * len(raw["compress_ratios"])
    assert dsv4.workspace(hf.from_config(raw, "v4"), catalog.load_gpu("mi300x"), 1_024, 1_001) == (4_718_592, 0)
