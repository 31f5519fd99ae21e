"""The rules of kvplan.plan.perf, kvplan.plan.whatif and kvplan.plan.sweep one by one, each against a number
or a message stated here (written to kill what mutation testing found alive)."""
from types import SimpleNamespace

import pytest

from kvplan.sources import catalog
from kvplan.plan import perf, whatif
from kvplan.plan import sweep as sw
from kvplan.errors import KvplanError
from kvplan.model.spec import ModelSpec, MoeMlp

H100, A100 = catalog.load_gpu("h100"), catalog.load_gpu("a100")


# ---- efficiencies ---------------------------------------------------------------------------
def test_efficiency_bounds_and_messages():
    assert perf.efficiency(H100, "bf16", memory=1.0, compute=1.0).memory == 1.0
    for kw, name in (({"memory": 1.0001}, "--bw-efficiency"), ({"compute": 1.5}, "--flops-efficiency"),
                     ({"memory": 0.0}, "--bw-efficiency"), ({"compute": 0}, "--flops-efficiency")):
        with pytest.raises(KvplanError) as e:
            perf.efficiency(H100, "bf16", **kw)
        assert str(e.value) == f"{name} must be in (0, 1], got {list(kw.values())[0]}"
    with pytest.raises(KvplanError) as e:
        perf.efficiency(H100, "bf16", overhead_ms=-0.5)
    assert str(e.value) == "--step-overhead-ms must be >= 0, got -0.5"


def test_efficiency_overrides_and_their_sources():
    d = perf.efficiency(H100, "bf16")
    assert (d.memory, d.compute, d.step_overhead_s) == (0.83, 0.803, 0.0016)
    assert d.memory_source == perf.MEMORY_SOURCE and d.overhead_source == perf.OVERHEAD_SOURCE
    assert d.compute_source == perf.COMPUTE_SOURCE + ": h100-sxm-80gb bf16 row"
    o = perf.efficiency(H100, "bf16", memory=0.5, compute=0.25, overhead_ms=2.0)
    assert (o.memory, o.compute, o.step_overhead_s) == (0.5, 0.25, 0.002)
    assert (o.memory_source, o.compute_source, o.overhead_source) == \
        ("--bw-efficiency", "--flops-efficiency", "--step-overhead-ms")
    f = perf.efficiency(catalog.load_gpu("l4"), "bf16")
    assert f.compute == 0.803
    assert f.compute_source == perf.COMPUTE_SOURCE + ": median of the NVIDIA BF16 rows (no row for this GPU/format)"
    assert perf.efficiency(catalog.load_gpu("mi300x"), "bf16").compute == 0.514
    assert perf.efficiency(A100, "fp16").compute == 0.869


# ---- the format the matmuls run in ----------------------------------------------------------
@pytest.mark.parametrize("weights,act,gpu,expected", [
    ("fp8_e4m3", "bf16", "h100", "fp8"), ("fp8_e5m2", "bf16", "h100", "fp8"),
    ("fp8_e4m3", "fp16", "a100", "fp16"),  # no fp8 tensor cores: dequantized to fp16 activations
    ("fp16", "bf16", "h100", "fp16"), ("bf16", "fp16", "h100", "bf16"), ("fp32", "bf16", "h100", "fp32"),
    ("int4", "fp16", "h100", "fp16"), ("q4_0", "bf16", "h100", "bf16"), ("mxfp4", "bf16", "h100", "bf16"),
    ("int4", "fp32", "h100", "fp32"), ("int4", "int8", "h100", "bf16"),
    ("bf16", "bf16", "t4", "fp16"), ("bf16", "bf16", "v100-sxm2-32gb", "fp16"),
])
def test_compute_format(weights, act, gpu, expected):
    assert perf.compute_format(weights, act, catalog.load_gpu(gpu)) == expected


def test_compute_format_missing_throughput_is_one_line():
    with pytest.raises(KvplanError) as e:
        perf.compute_format("fp32", "bf16", catalog.load_gpu("h20"))
    assert str(e.value) == "h20 has no fp32 throughput in the GPU catalog; kvplan cannot time this format on it"


# ---- a Roofline's setup ---------------------------------------------------------------------
def test_fp32_checkpoints_run_in_bf16():
    # GPT-2 ships float32; engines run it in bf16: weights, activations and KV 2 bytes a value
    spec = catalog.load_model("gpt2")
    r = perf.Roofline(spec, H100)
    assert (r.act_dtype, r.kv_fmt.name, r.weight_dtype, r.compute_fmt) == ("bf16", "bf16", "bf16", "bf16")
    # the vocabulary padded as vLLM pads it: 50,257 -> 50,304 rows of 768 (47 more)
    assert r.weights_bytes == 2 * (spec.parameters() + 47 * 768)
    assert r.bytes_per_token == 12 * 2 * 12 * 64 * 2
    fp16 = perf.Roofline(catalog.load_model("llama-2-7b"), H100)
    assert (fp16.act_dtype, fp16.kv_fmt.name, fp16.compute_fmt) == ("fp16", "fp16", "fp16")
    assert fp16.act_bytes == 2 and fp16.peak_flops == 989.4e12


def test_roofline_refusals():
    spec = catalog.load_model("llama-3-8b")
    for tp in (0, -1, 1.5):
        with pytest.raises(KvplanError) as e:
            perf.Roofline(spec, H100, tp)
        # the library's own term (issue 19: library errors speak the library's terms; the CLI says --tp)
        assert str(e.value) == f"tp must be a positive integer, got {tp!r}" and e.value.option == "tp"
    with pytest.raises(KvplanError) as e:
        perf.Roofline(spec, catalog.load_gpu("rtx-4090"), 2)
    assert str(e.value) == ("rtx-4090 has no interconnect bandwidth in the GPU catalog, so kvplan cannot "
                            "time tp > 1 on it")  # the library's term (issue 19); the CLI says --tp
    assert perf.Roofline(spec, catalog.load_gpu("rtx-4090"), 1).tp == 1


def test_tied_embeddings_count_once_and_are_the_lm_head():
    # Llama 3.2 1B ties its embeddings: the matrix is stored once and its matmul (the LM head)
    # is the only use a decode step makes of it, so every parameter is active
    spec = catalog.load_model("llama-3.2-1b")
    r = perf.Roofline(spec, H100)
    assert spec.tie_embeddings and r.active_params == spec.parameters()
    assert r.weights_bytes == 2 * spec.parameters()


def test_weight_dtype_override_prices_experts_in_it():
    # Mixtral with --weight-dtype fp8: one expert = 3 × 4096 × 14336 values × 1 byte
    r = perf.Roofline(catalog.load_model("mixtral-8x7b"), H100, 1, None, "fp8")
    assert r.moe[0][3] == 3 * 4096 * 14336 and r.weight_dtype == "fp8_e4m3" and r.compute_fmt == "fp8"


def test_expert_bytes_as_stored_with_biases():
    # gpt-oss-20b: MXFP4 experts (rows of 2,880 values = 90 blocks × 17 B = 1,530 B), three
    # 2,880 × 2,880 matrices, plus bf16 biases on gate, up (2 × 2,880) and down (2,880)
    spec = catalog.load_model("gpt-oss-20b")
    r = perf.Roofline(spec, H100)
    assert r.moe[0][3] == 3 * 2880 * 1530 + (2 * 2880 + 2880) * 2 == 13_236_480
    assert r.weight_dtype == "bf16 + mxfp4 experts"


def test_expert_bytes_of_a_plain_mlp():
    rank = SimpleNamespace(hidden_size=8, weight_quant=None, dtype="bf16")
    gated = MoeMlp(num_experts=4, experts_per_token=1, intermediate_size=16, expert_bias=True)
    plain = MoeMlp(num_experts=4, experts_per_token=1, intermediate_size=16, gated=False, expert_bias=True)
    # gated: 3 matrices of 16 × 8 + biases 2 × 16 + 8; plain: 2 matrices + biases 16 + 8
    assert perf.Roofline._expert_bytes(rank, gated, None) == 2 * (3 * 128 + 40)
    assert perf.Roofline._expert_bytes(rank, plain, None) == 2 * (2 * 128 + 24)
    from kvplan.model import dtypes

    assert perf.Roofline._expert_bytes(rank, plain, dtypes.get("fp8")) == 2 * 128 + 24
    assert perf.DenseLike(plain).linears(8) == [(16, 8), (8, 16)]
    assert perf.DenseLike(gated).linears(8) == [(16, 8), (16, 8), (8, 16)]


def test_two_moe_layer_types_both_discounted():
    # Gemma 4 26B-A4B has MoE in its sliding and its global layers: both are discounted
    r = perf.Roofline(catalog.load_model("gemma-4-26b-a4b"), H100)
    assert len(r.moe) == 2
    unread = sum(c * (e - perf.expected_experts(e, k, 1)) * b for c, e, k, b, _ in r.moe)
    assert r.weights_read(1) == r.weights_bytes - round(unread)


def test_shared_kv_layers_read_nothing_of_their_own():
    spec = catalog.load_model("llama-2-13b")
    shared = whatif.apply(spec, "share:2").spec
    a, b = perf.Roofline(spec, H100), perf.Roofline(shared, H100)
    assert b.bytes_per_token * 2 == a.bytes_per_token and b.state_per_seq == 0
    assert b.decode(100).attention_flops == a.decode(100).attention_flops  # they still attend


# ---- a step ---------------------------------------------------------------------------------
def test_step_fields_and_defaults():
    r = perf.Roofline(catalog.load_model("jamba-v0.1"), H100)
    d, p = r.decode(100), r.prefill(50)
    assert (d.phase, d.batch, d.ctx, d.tokens) == ("decode", 1, 100, 1)
    assert (p.phase, p.batch, p.ctx, p.tokens) == ("prefill", 1, 0, 50)
    assert isinstance(d.comm_bytes, int) and d.comm_bytes == 0
    # state is read and written: it is in the bytes the memory time divides
    assert d.memory_s == pytest.approx(
        (d.weight_bytes + d.kv_read_bytes + d.kv_write_bytes + 2 * r.state_per_seq) / (3.35e12 * 0.83))
    assert p.state_bytes == r.state_per_seq
    for call, name, v in ((lambda: r.decode(0), "context", 0), (lambda: r.decode(5, 0), "batch", 0),
                          (lambda: r.prefill(0), "prompt", 0), (lambda: r.prefill(5, True), "batch", True)):
        with pytest.raises(KvplanError) as e:
            call()
        assert str(e.value) == f"{name} must be a positive integer, got {v!r}"


def test_tp_comm_bytes_are_ints():
    r = perf.Roofline(catalog.load_model("qwen3-32b"), H100, 8)
    d = r.decode(1000, 3)  # 2 × 64 layers × 2 × 7 / 8 × 3 × 5120 × 2 B
    assert d.comm_bytes == 2 * 64 * (2 * 7 * 3 * 5120 * 2 // 8) and isinstance(d.comm_bytes, int)


def test_generation_with_a_batch():
    r = perf.Roofline(catalog.load_model("llama-3-8b"), H100)
    g = perf.generation(r, 10, 5, batch=2)
    cached = [r.prefill(10, 2)] + [r.decode(10 + t, 2) for t in range(1, 5)]
    again = [r.prefill(10 + t, 2) for t in range(5)]
    assert g.cached_flops == sum(s.flops for s in cached)
    assert g.cached_seconds == pytest.approx(sum(s.seconds for s in cached))
    assert g.recompute_bytes == sum(s.bytes - s.kv_write_bytes for s in again)  # nothing kept
    assert g.recompute_seconds == pytest.approx(sum(s.seconds for s in again))
    with pytest.raises(KvplanError) as e:
        perf.generation(r, 10, 0)
    assert str(e.value) == "--new-tokens must be a positive integer, got 0"


def test_perf_report_notes():
    r = perf.perf(catalog.load_model("mixtral-8x7b"), H100, 40000, tp=2)
    assert r.notes == (
        "ctx 40,000 is beyond mixtral-8x7b's max_position_embeddings (32,768); vLLM refuses a longer "
        "max_model_len unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1: priced as if it were set",
        "MoE: weights read per step count the experts the batch's tokens route to, "
        "E × (1 − (1 − k/E)^tokens), assuming uniform routing",
        "all-reduce: measured time by message size (log-size interpolation), the engine's choice of kernel, "
        "1 per mixer and per MLP + 1 (kvplan/plan/latency/comm.py)")
    g = perf.perf(catalog.load_model("gemma-4-26b-a4b"), H100, 100)
    assert "encoder towers are not read in a text decode step (not counted)" in g.notes


# ---- what-if variants -----------------------------------------------------------------------
@pytest.mark.parametrize("model,variant,message", [
    ("llama-2-13b", "gqa:0", "variant 'gqa:0': '0' is not a positive whole number"),
    ("llama-2-13b", "gqa:x", "variant 'gqa:x': 'x' is not a positive whole number"),
    ("llama-2-13b", "window:0", "variant 'window:0': '0' is not a positive whole number"),
    ("llama-2-13b", "mla:0+64", "variant 'mla:0+64': '0' is not a positive whole number"),
    ("llama-2-13b", "mla:512+0", "variant 'mla:512+0': '0' is not a positive whole number"),
    ("llama-2-13b", "share:x", "variant 'share:x': 'x' is not a positive whole number"),
    ("llama-2-13b", "share:1", "variant 'share:N' needs N >= 2 (layers per cached K/V)"),
    ("llama-2-13b", "zip", "unknown variant 'zip'; known: mha, gqa:G, mqa, mla:R+r, window:W, kv:FORMAT, "
                           "share:N (combine with +)"),
    ("deepseek-v3", "mqa", "variant 'mqa': deepseek-v3 has no softmax-attention layers to change"),
    ("deepseek-v3", "mha", "variant 'mha': deepseek-v3 has no softmax-attention layers to change"),
    ("mistral-7b", "window:1024", "variant 'window:1024': mistral-7b has no full-attention layers to change"),
    ("mistral-7b", "mla:512+64", "variant 'mla:512+64': mistral-7b has no full-attention layers to change"),
])
def test_variant_messages(model, variant, message):
    with pytest.raises(KvplanError) as e:
        whatif.apply(catalog.load_model(model), variant)
    assert str(e.value) == message


def test_empty_variants_message():
    with pytest.raises(KvplanError) as e:
        whatif.parse(" , ")
    assert str(e.value) == ("--variants is empty; give e.g. mha,gqa:8,mqa,mla:512+64,window:4096,kv:fp8,"
                            "share:2")


def test_share_pattern_and_only_caching_layers():
    s = whatif.apply(catalog.load_model("llama-2-13b"), "share:2").spec
    assert s.pattern == "(full full-shared)*20"
    # Jamba: 4 attention layers among 32; sharing pairs them, Mamba layers are untouched
    j = catalog.load_model("jamba-v0.1")
    js = whatif.apply(j, "share:2").spec
    shared = [n for n in js.layers if js.layer_types[n].kv_shared]
    assert len(shared) == 2 and js.num_layers == j.num_layers
    assert sum(1 for n in js.layers if js.layer_types[n].mixer.kind == "mamba") == 28


def test_share_without_caching_layers():
    spec = ModelSpec.model_validate({
        "name": "ssm", "display_name": "ssm", "source": "by hand", "dtype": "bf16", "hidden_size": 64,
        "vocab_size": 100, "pattern": "m*2",
        "layer_types": {"m": {"mixer": {"kind": "mamba2", "num_heads": 2, "head_dim": 32, "state_size": 16,
                                        "n_groups": 1, "conv_kernel": 4}}}})
    with pytest.raises(KvplanError) as e:
        whatif.apply(spec, "share:2")
    assert str(e.value) == "variant 'share:2': ssm has no layers caching K/V to share"


def test_rows_defaults_and_fields():
    spec = catalog.load_model("llama-3-8b")
    (row,) = whatif.rows([spec], 4096)
    assert (row["batch"], row["engine"], row["ctx"]) == (1, "ideal", 4096)
    assert row["total_bytes"] == row["kv_cache_bytes"] == 4096 * 131072
    assert row["parameters"] == spec.parameters() and row["variant"] is None and row["saving"] == 0
    with pytest.raises(KvplanError) as e:
        whatif.rows([spec], 4096, variants=["share:2"], engine="vllm")
    assert str(e.value) == ("share:N is modelled in the ideal, hf, sglang, trtllm and llamacpp layouts, "
                            "not vllm's page planner; use --engine ideal")
    (h,) = whatif.rows([whatif.apply(spec, "share:2").spec], 4096, engine="hf")
    assert h["engine"] == "hf"


def test_rows_with_a_gpu_use_every_setting():
    from kvplan.plan.fit import fit

    spec = catalog.load_model("llama-3.1-70b")
    (row,) = whatif.rows([spec], 8192, 2, "fp8", gpu=H100, tp=4, weight_dtype="fp8", engine="vllm")
    f = fit(spec, H100, tp=4, engine="vllm", kv_dtype="fp8", weight_dtype="fp8", ctx=8192)
    r = perf.step_model(spec, H100, 4, "fp8", "fp8")  # perf's own step (ux16: was the bare roofline)
    assert row["gpu"] == "h100-sxm-80gb" and row["max_batch"] == f.max_batch > 0
    assert row["weights_bytes"] == spec.parameters()  # 1 byte each
    assert row["decode_tokens_per_second"] == 2 / r.decode(8192, 2).seconds
    assert row["max_batch_tokens_per_second"] == f.max_batch / r.decode(8192, f.max_batch).seconds
    (none,) = whatif.rows([catalog.load_model("llama-3.1-405b")], 8192, gpu=H100)
    assert none["max_batch"] == 0 and none["max_batch_tokens_per_second"] is None


# ---- sweep ----------------------------------------------------------------------------------
def test_parse_range_messages_and_edges():
    cases = {"1:2:3:4": "--ctx range must be START:END or START:END:xF / +STEP, got '1:2:3:4'",
             "8:4": "--ctx range ends before it starts: '8:4'",
             "1:8:y2": "--ctx range step must be xF (multiply) or +N (add), got 'y2'",
             "1:8:x1": "--ctx range factor must be at least 2, got 'x1'",
             "1:200000:+1": "--ctx range '1:200000:+1' has more than 100,000 values",
             ",": "--ctx is empty", "0:4": "--ctx must be a positive whole number, got '0' "
                                            "(write 4096, 4,096, 128k = 128,000 or 128K = 131,072)",
             "1:x": "--ctx must be a positive whole number, got 'x' (write 4096, 4,096, 128k = 128,000 "
                    "or 128K = 131,072)"}
    for text, msg in cases.items():
        with pytest.raises(KvplanError) as e:
            sw.parse_range("--ctx", text)
        assert str(e.value) == msg, text
    assert sw.parse_range("--ctx", "4:4") == [4]
    assert sw.parse_range("--ctx", "1:100000:+1")[-1] == 100_000
    assert sw.parse_range("--ctx", "2:9:*2") == [2, 4, 8, 9]
    assert sw.parse_range("--ctx", "1:5:+1") == [1, 2, 3, 4, 5]
    assert sw.parse_range("--batch", "1:3:+1") == [1, 2, 3]


@pytest.mark.parametrize("model,tp,kv,wd", [
    ("llama-3.1-8b", 1, None, None), ("llama-3.1-70b", 4, "fp8", "fp8"), ("jamba-v0.1", 2, None, None),
    ("mixtral-8x7b", 2, "q8_0", None), ("gemma-2-9b", 1, "fp8", "int4"), ("deepseek-v4-flash", 8, None, None),
])
def test_sweep_equals_perfs_step_everywhere(model, tp, kv, wd):
    # memory- and compute-bound points (batch 1 ... 2,048 at small and large contexts), TP, state;
    # the step is perf's own (perf.step_model, per operation; ux16: it was the bare roofline)
    spec = catalog.load_model(model)
    ctxs, batches = [16, 3000, 32768], [1, 7, 256, 2048]
    res = sw.sweep(spec, ctxs, batches, [kv], H100, tp, weight_dtype=wd)
    r = perf.step_model(spec, H100, tp, kv, wd)
    from kvplan.plan.fit import fit
    from kvplan.plan.size import kv_size

    budget = fit(spec, H100, tp=tp, kv_dtype=r.kv_fmt.name, weight_dtype=wd).kv_budget_bytes * tp
    assert res["kv_budget_bytes"] == {r.kv_fmt.name: budget} and res["fit_engine"] == "vllm"
    # fits is fit's own answer at that context (issue 19: one answer from every command)
    most = {c: fit(spec, H100, tp=tp, kv_dtype=r.kv_fmt.name, weight_dtype=wd, ctx=c).max_batch for c in ctxs}
    seen = set()
    for row in res["rows"]:
        step = r.decode(row["ctx"], row["batch"])
        # bit for bit (ux16b: it summed the ops in another order, off by an ulp at 364 of 1,920 points)
        assert row["decode_step_seconds"] == step.seconds
        assert row["tokens_per_second"] == row["batch"] / step.seconds
        assert row["bound"] == step.bound
        kvb = kv_size(spec, row["ctx"], row["batch"], kv).total_bytes
        assert row["kv_cache_bytes"] == kvb and row["fits"] == (row["batch"] <= most[row["ctx"]])
        seen.add(row["bound"])
    assert "memory" in seen and ("compute" in seen or model != "llama-3.1-8b")


@pytest.mark.parametrize("model,gpu,tp,engine", [
    ("llama-3.1-8b", "h100", 1, "vllm"), ("gemma-2-9b", "a100", 2, "sglang"), ("mixtral-8x7b", "l40s", 2, "trtllm"),
    ("qwen3-30b-a3b", "mi300x", 8, "vllm"), ("deepseek-v3", "h200", 8, "sglang"), ("jamba-v0.1", "h100", 2, "vllm"),
    ("nemotron-3-nano-30b-a3b", "b200", 1, "vllm"), ("deepseek-v4-flash", "b200", 8, "vllm"),
    ("llama-3.1-8b", "rtx-4090", 1, "llamacpp"),
])
@pytest.mark.parametrize("kv", [None, "fp8_e4m3"])
def test_decode_steps_many_is_the_step_bit_for_bit(model, gpu, tp, engine, kv):
    # ux16b: sweep prices a context's batches at once (the batch-only ops summed once per batch, the
    # attention grid read once per context); each answer is decode(ctx, b)'s seconds and bound exactly
    g = catalog.load_gpu(gpu)
    r = perf.step_model(catalog.load_model(model), g, tp, kv, None, engine)
    batches = [1, 2, 3, 7, 64, 100, 257, 1000]
    for ctx in (1, 5, 1024, 4097, 33333, 131072):
        want = [(s.seconds, s.bound) for s in (r.decode(ctx, b) for b in batches)]
        assert r.decode_steps_many(ctx, batches, r.decode_terms(ctx)) == want
        assert r.decode_steps_many(ctx, batches[::-1]) == want[::-1]  # memoised per batch, any order
    r.profile_scale = 1.25  # a calibrated profile scales each op before it is summed
    assert r.decode_steps_many(4096, batches) == [(s.seconds, s.bound) for s in (r.decode(4096, b) for b in batches)]


def test_sweep_without_gpu_and_progress():
    calls = []
    res = sw.sweep(catalog.load_model("llama-3-8b"), [10, 20], [1, 2, 3], [None, "fp8"], progress=calls.append)
    assert res["fit_engine"] is None and res["kv_budget_bytes"] == {} and res["engine"] == "ideal"
    assert calls == [3, 3, 3, 3] and len(res["rows"]) == 12
    assert set(res["rows"][0]) == {"ctx", "batch", "kv_dtype", "kv_cache_bytes"}
    hf = sw.sweep(catalog.load_model("mistral-7b"), [8192], [1], [None], engine="hf")
    assert hf["engine"] == "hf" and hf["rows"][0]["kv_cache_bytes"] == 4095 * 131072


def test_sweep_fits_at_the_budget_exactly():
    spec = catalog.load_model("llama-3-8b")
    # the ideal engine's plan: bytes against the budget, no max-model-len refusal
    budget = sw.sweep(spec, [1], [1], [None], H100, engine="ideal")["kv_budget_bytes"]["bf16"]
    per_token = 131072
    n = budget // per_token
    at = sw.sweep(spec, [n], [1], [None], H100, engine="ideal")["rows"][0]
    over = sw.sweep(spec, [n + 1], [1], [None], H100, engine="ideal")["rows"][0]
    assert at["fits"] is True and over["fits"] is False


# ---- the 2026 kinds ---------------------------------------------------------------------------
def test_side_caches_are_read_and_written():
    # DeepSeek-V3.2 (bf16 latent 576 × 2 B = 1,152 B and fp8 indexer keys 128 + 4 = 132 B per
    # token, 61 layers): 1,000 tokens read = 1,000 × 61 × 1,284 B; one token written
    r = perf.Roofline(catalog.load_model("deepseek-v3.2"), catalog.load_gpu("h200"))
    d = r.decode(1000)
    assert d.kv_read_bytes == 1000 * 61 * (1152 + 132) and d.kv_write_bytes == 61 * (1152 + 132)
    assert r.decode(1000).attention_flops == r.mix_flops(1001, 1001)
    assert any("top-k selection's smaller read is not modelled" in n
               for n in perf.perf(catalog.load_model("deepseek-v3.2"), H100, 100, tp=8).notes)


def test_compressed_entries_written_when_a_group_completes():
    r = perf.Roofline(catalog.load_model("deepseek-v4-flash"), catalog.load_gpu("b200"), 8)
    strides = {s for _, _, s in r.sides}
    assert 4 in strides and 128 in strides
    # going from 127 to 128 tokens completes a group of 4 and one of 128; 128 -> 129 completes none
    plain = r.kv_written(128)
    assert plain == r.bytes_per_token
    assert r.kv_written(127) == r.bytes_per_token + sum(c * b for c, b, s in r.sides if 128 % s == 0)


def test_compressed_attention_flops_by_brute_force():
    from kvplan.model.kinds import CompressedAttention

    c = CompressedAttention(num_heads=2, head_dim=4, qk_rope_head_dim=2, window=3, compress_ratio=4,
                            q_lora_rank=8, o_groups=1, o_lora_rank=4)
    idx = c.model_copy(update={"indexed": True, "index_n_heads": 3, "index_head_dim": 5})

    def brute(first, last, indexed=False):  # per query: window keys + entries so far (+ indexer)
        return sum(2 * 2 * 2 * 4 * (min(i, 3) + i // 4) + (2 * 3 * 5 * (i // 4) if indexed else 0)
                   for i in range(first, last + 1))

    for a, b in ((1, 1), (1, 10), (5, 17), (9, 9), (1, 1000)):
        assert c.mix_flops(a, b) == brute(a, b)
        assert idx.mix_flops(a, b) == brute(a, b, True)
    assert c.model_copy(update={"compress_ratio": 0}).mix_flops(1, 10) == 2 * 2 * 2 * 4 * (1 + 2 + 3 * 8)


def test_indexed_mla_flops_add_the_indexer():
    from kvplan.model.kinds import MLA

    spec = catalog.load_model("deepseek-v3.2")
    m = next(lt.mixer for lt in spec.layer_types.values() if lt.mixer.kind == "mla_indexed")
    plain = MLA(**{k: getattr(m, k) for k in MLA.model_fields})
    keys = 10 * 11 // 2
    assert m.mix_flops(1, 10) == plain.mix_flops(1, 10) + 2 * m.index_n_heads * m.index_head_dim * keys


# ---- what `perf` assembles --------------------------------------------------------------------
def test_batch_sizes():
    assert perf.batch_sizes(0) == [1]
    assert perf.batch_sizes(1) == [1, 2]
    assert perf.batch_sizes(16) == [1, 2, 4, 8, 16, 32]
    assert perf.batch_sizes(55) == [1, 2, 4, 8, 16, 32, 55, 64]


def test_perf_defaults_and_fields():
    spec = catalog.load_model("llama-3-8b")
    rep = perf.perf(spec, H100, 4096)
    r = perf.Roofline(spec, H100)
    assert (rep.batch, rep.tp, rep.prompt, rep.batch_table, rep.generation, rep.max_batch) == (1, 1, 4096, (), None, None)
    assert (rep.model, rep.gpu, rep.kv_dtype, rep.weight_dtype, rep.compute_format) == \
        ("llama-3-8b", "h100-sxm-80gb", "bf16", "bf16", "bf16")
    assert rep.weights_bytes == r.weights_bytes and rep.active_parameters == r.active_params
    assert rep.interconnect_bytes_per_s == H100.interconnect_bytes_per_s and rep.peak_tflops == 989.4
    assert (rep.decode.batch, rep.decode.ctx, rep.prefill.tokens) == (1, 4096, 4096)
    assert rep.notes == ()  # no MoE, no tp, ctx within the model's 8,192
    assert perf.perf(spec, H100, 8192).notes == ()
    assert perf.perf(spec, H100, 8193).notes == ("ctx 8,193 is beyond llama-3-8b's max_position_embeddings (8,192); "
                                                 "vLLM refuses a longer max_model_len unless "
                                                 "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1: priced as if it were set",)


def test_perf_passes_every_setting_on():
    from kvplan.plan.fit import fit

    spec = catalog.load_model("llama-3-8b")
    rep = perf.perf(spec, H100, 2048, batch=3, prompt=100, kv_dtype="fp8", weight_dtype="fp8",
                    flops_efficiency=0.5, bw_efficiency=0.7, step_overhead_ms=1.0, new_tokens=5,
                    batch_table=True, engine="sglang")
    assert (rep.kv_dtype, rep.weight_dtype, rep.compute_format) == ("fp8_e4m3", "fp8_e4m3", "fp8")
    assert (rep.efficiency.compute, rep.efficiency.memory, rep.efficiency.step_overhead_s) == (0.5, 0.7, 0.001)
    assert (rep.decode.batch, rep.prefill.batch, rep.prefill.tokens, rep.generation.batch) == (3, 3, 100, 3)
    f = fit(spec, H100, engine="sglang", kv_dtype="fp8", weight_dtype="fp8", ctx=2048)
    assert rep.max_batch_engine == "sglang" and rep.max_batch == f.max_batch
    assert [row.batch for row in rep.batch_table] == perf.batch_sizes(f.max_batch)
    r = perf.Roofline(spec, H100, 1, None, "int4")  # weight-only int4 on an fp16/bf16 model: bf16 matmuls
    assert r.compute_fmt == "bf16" and isinstance(r.active_params, int)
    assert perf.Roofline(catalog.load_model("llama-2-7b"), H100, 1, None, "int4").compute_fmt == "fp16"
    assert perf.Roofline(spec, H100, flops_efficiency=0.25).eff.compute == 0.25
    for name, kw in (("--ctx", {"ctx": 0}), ("--batch", {"batch": 0}), ("--prompt", {"prompt": 0})):
        with pytest.raises(KvplanError) as e:
            perf.perf(spec, H100, **{"ctx": 10, **kw})
        assert str(e.value) == f"{name} must be a positive integer, got 0"


def test_gqa_message_names_the_variant():
    with pytest.raises(KvplanError) as e:
        whatif.apply(catalog.load_model("llama-2-13b"), "gqa:3")
    assert str(e.value) == "variant 'gqa:3': 3 KV heads do not divide the 40 query heads of llama-2-13b"


def test_rows_with_a_gpu_default_to_fits_engine_and_one_gpu():
    from kvplan.plan.fit import fit

    spec = catalog.load_model("llama-3-8b")
    (row,) = whatif.rows([spec], 4096, gpu=H100)
    # bytes in the ideal layout, the max batch fit's own (vLLM by default), as `kvplan fit` says
    assert row["engine"] == "ideal" and row["fit_engine"] == "vllm"
    assert row["max_batch"] == fit(spec, H100, tp=1, ctx=4096).max_batch > 0


def test_sweep_in_an_engine_layout_uses_that_engine_for_fits_too():
    from kvplan.plan.fit import fit
    from kvplan.plan.size import kv_size

    spec = catalog.load_model("gemma-2-9b")
    res = sw.sweep(spec, [5000], [2, 10**4], ["fp8"], H100, engine="sglang")
    assert res["engine"] == res["fit_engine"] == "sglang"
    assert res["rows"][0]["kv_cache_bytes"] == kv_size(spec, 5000, 2, "fp8", "sglang").total_bytes
    assert res["kv_budget_bytes"]["fp8_e4m3"] == fit(spec, H100, engine="sglang", kv_dtype="fp8").kv_budget_bytes
    most = fit(spec, H100, engine="sglang", kv_dtype="fp8", ctx=5000).max_batch
    assert 2 <= most < 10**4 and [r["fits"] for r in res["rows"]] == [True, False]


def test_parse_range_names_the_option_and_caps_at_100000():
    for text in ("1:8:+x", "4,x"):
        with pytest.raises(KvplanError) as e:
            sw.parse_range("--batch", text)
        assert str(e.value).startswith("--batch must be a positive whole number, got 'x'")
    with pytest.raises(KvplanError):
        sw.parse_range("--ctx", "1:100001:+1")
    assert len(sw.parse_range("--ctx", "1:100000:+1")) == 100_000


def test_perf_says_when_it_would_not_fit():
    spec = catalog.load_model("deepseek-v3")
    r = perf.Roofline(spec, H100)
    need = r.weights_bytes + 4000 * 61 * 1152
    assert perf.perf(spec, H100, 4000).notes[-1] == (
        f"this does not fit: {need:,} bytes of weights and cache per GPU against "
        f"{H100.usable_bytes:,} on h100-sxm-80gb (see kvplan fit; a larger --tp)")
    assert not any("does not fit" in n for n in perf.perf(catalog.load_model("llama-3-8b"), H100, 4000).notes)


def test_step_and_generation_json_fields():
    r = perf.Roofline(catalog.load_model("jamba-v0.1"), H100, 2)
    d = r.decode(100, 3)
    assert d.as_dict() == {
        "phase": "decode", "batch": 3, "ctx": 100, "tokens": 1, "seconds": d.seconds, "bound": d.bound,
        "bytes": d.bytes, "flops": d.flops, "weight_bytes": d.weight_bytes, "kv_read_bytes": d.kv_read_bytes,
        "kv_write_bytes": d.kv_write_bytes, "state_bytes": d.state_bytes, "matmul_flops": d.matmul_flops,
        "attention_flops": d.attention_flops, "comm_bytes": d.comm_bytes, "memory_seconds": d.memory_s,
        "compute_seconds": d.compute_s, "comm_seconds": d.comm_s, "overhead_seconds": d.overhead_s}
    g = perf.generation(r, 10, 3, 2)
    assert g.as_dict() == {
        "prompt": 10, "new_tokens": 3, "batch": 2,
        "with_cache": {"flops": g.cached_flops, "bytes": g.cached_bytes, "seconds": g.cached_seconds},
        "without_cache": {"flops": g.recompute_flops, "bytes": g.recompute_bytes, "seconds": g.recompute_seconds},
        "flops_ratio": g.flops_ratio, "time_ratio": g.time_ratio,
        "steps_priced_every": 1}


def test_side_caches_in_steps_and_shared_layers():
    b200 = catalog.load_gpu("b200")
    r = perf.Roofline(catalog.load_model("deepseek-v4-flash"), b200, 8)
    read = r.kv_tokens_read(1001)
    assert isinstance(read, int)
    assert r.prefill(3).kv_write_bytes == 3 * r.bytes_per_token  # no group of 4 complete yet
    assert r.prefill(4).kv_write_bytes == 4 * r.bytes_per_token + sum(c * b for c, b, s in r.sides if s == 4)
    shared = whatif.apply(catalog.load_model("deepseek-v3.2"), "share:2").spec
    assert sum(c for c, _, _ in perf.Roofline(shared, H100).sides) == 31  # owners of 61 layers only
    assert ("sparse attention: every layer reads its whole cache and its side caches (indexer keys, "
            "compressed entries); a top-k selection's smaller read is not modelled, so this is an upper bound"
            ) in perf.perf(catalog.load_model("deepseek-v3.2"), H100, 100, tp=8).notes


def test_batch_table_defaults_and_nothing_fitting():
    from kvplan.plan.fit import fit

    spec = catalog.load_model("llama-3-8b")
    rep = perf.perf(spec, H100, 8192, tp=2, batch_table=True)  # the default engine: vllm
    two, one = fit(spec, H100, tp=2, ctx=8192).max_batch, fit(spec, H100, ctx=8192).max_batch
    assert rep.max_batch_engine == "vllm" and rep.max_batch == two and two > one > 0
    big = perf.perf(catalog.load_model("deepseek-v3"), H100, 4096, batch_table=True)
    assert big.max_batch == 0 and [(row.batch, row.fits) for row in big.batch_table] == [(1, False)]


def test_sweep_of_an_fp32_model_in_vllms_layout():
    from kvplan.plan.size import kv_size

    spec = catalog.load_model("gpt2")
    res = sw.sweep(spec, [1000], [2], [None], engine="vllm")
    assert res["rows"][0]["kv_cache_bytes"] == kv_size(spec, 1000, 2, None, "vllm").total_bytes
    assert res["rows"][0]["kv_dtype"] == "bf16"


def test_shared_layers_in_size_reports():
    from kvplan.plan.size import kv_size
    from kvplan.engines.base import cache_bytes
    from kvplan.model import dtypes
    from kvplan import engines

    spec = whatif.apply(catalog.load_model("llama-2-13b"), "share:2").spec
    r = kv_size(spec, 100, 2, "fp16")
    g = {x.layer_type: x for x in r.groups}["full-shared"]
    assert (g.geometry, g.tokens, g.bytes_per_token, g.kv_bytes, g.growing) == ("shared", 0, 0, 0, False)
    assert r.next_token_bytes == 20 * 2 * 40 * 128 * 2
    # a shared layer type first in the pattern: the layers after it still count
    data = {k: getattr(spec, k) for k in type(spec).model_fields}
    data["pattern"] = "full-shared full"
    first = ModelSpec.model_construct(**data)
    eng = engines.get("ideal")
    assert cache_bytes(first, 100, 1, dtypes.get("fp16"), eng, "fp16") == 100 * 2 * 40 * 128 * 2
