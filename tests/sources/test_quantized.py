"""Weights of AWQ, GPTQ and compressed-tensors checkpoints, priced from config.json's
``quantization_config`` in the layouts vLLM 0.33 allocates (kvplan/sources/hfconfig/quant.py ``_awq``, ``_gptq``,
``_compressed_tensors``; model.weights.WeightQuant.matrix_bytes), every figure written out by hand.

Real configs (tests/fixtures/quantized/, sources in SOURCES.md there): Kimi-K2.5 (compressed-
tensors pack-quantized W4A16, group 32, experts only), Llama-4-Scout FP8-dynamic
(compressed-tensors float-quantized, per-channel fp32 scales, attention and routers ignored)
and DeepSeek-V4-Flash NVFP4-FP8 (mixed-precision: refused). No AWQ or GPTQ config.json was
found in a public repository these tools reach, so those tests put a ``quantization_config``
of the published pattern (cited at each) on a real base config from tests/fixtures/configs/:
they are labelled BUILT.

Per matrix of ``o`` outputs by ``i`` inputs (4-bit, group 128, fp16 scales):
values i × o / 2 (int32-packed nibbles), scales (i / 128) × o × 2, zero points (i / 128) × o / 2.
"""
import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kvplan.sources import catalog, hfconfig as hf
from kvplan.plan import fit
from kvplan.cli import app
from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.model.weights import WeightQuant

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "fixtures" / "configs"
QUANTIZED = ROOT / "fixtures" / "quantized"

# AutoAWQ's quantization_config as transformers' docs show it for TheBloke/zephyr-7B-alpha-AWQ
# (huggingface/transformers docs/source/en/quantization/awq.md @ 52b642e4), with the
# modules_to_not_convert key AutoAWQ writes (null: nothing left out)
AWQ = {"quant_method": "awq", "zero_point": True, "group_size": 128, "bits": 4, "version": "gemm",
       "modules_to_not_convert": None}
# AutoGPTQ's quantize_config keys (vLLM 0.33 auto_gptq.py AutoGPTQConfig.from_config reads bits,
# group_size, desc_act, sym, lm_head, dynamic, modules_in_block_to_quantize)
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "damp_percent": 0.1, "desc_act": False,
        "sym": True, "true_sequential": True, "model_name_or_path": None, "model_file_base_name": "model"}


def config(name: str, quantization: dict | None = None, dtype: str = "float16") -> dict:
    """A real base config (tests/fixtures/configs/) with a BUILT quantization_config."""
    cfg = json.loads((CONFIGS / name).read_text())
    cfg["torch_dtype"] = dtype
    if quantization is not None:
        cfg["quantization_config"] = copy.deepcopy(quantization)
    return cfg


def int4_g128(o: int, i: int) -> int:
    """AWQ / GPTQ 4-bit, group 128: values + fp16 scales + int4 zero points."""
    return i * o // 2 + (i // 128) * o * 2 + (i // 128) * o // 2


def kimi_quantization() -> dict:
    """Kimi-K2.5's quantization_config (under its text_config)."""
    return json.loads((QUANTIZED / "Kimi-K2.5.json").read_text())["text_config"]["quantization_config"]


def llama_layer(h: int, inter: int, q: int, kv: int) -> list[tuple[int, int]]:
    """(out, in) of q, k, v, o, gate, up, down."""
    return [(q, h), (kv, h), (kv, h), (h, q), (inter, h), (inter, h), (h, inter)]


def write(tmp_path, cfg: dict, name: str = "config.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(cfg))
    return p


def test_awq_llama_3_1_8b_by_hand(tmp_path):
    # BUILT: Llama-3.1-8B's config (hidden 4096, intermediate 14336, 32 layers, 32 heads × 128,
    # 8 KV heads, vocab 128256, untied) with AWQ's quantization_config, fp16 as AWQ saves it
    # (hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4 is this pair).
    # Each layer, bytes = i·o/2 + (i/128)·o·2 + (i/128)·o/2:
    #   q_proj    4096 × 4096:   8,388,608 + 262,144 +  65,536 =  8,716,288
    #   k_proj    1024 × 4096:   2,097,152 +  65,536 +  16,384 =  2,179,072
    #   v_proj    1024 × 4096:   2,097,152 +  65,536 +  16,384 =  2,179,072
    #   o_proj    4096 × 4096:   8,388,608 + 262,144 +  65,536 =  8,716,288
    #   gate_proj 14336 × 4096: 29,360,128 + 917,504 + 229,376 = 30,507,008
    #   up_proj   14336 × 4096: 29,360,128 + 917,504 + 229,376 = 30,507,008
    #   down_proj 4096 × 14336: 29,360,128 + 917,504 + 229,376 = 30,507,008
    # The rest in fp16: embeddings and LM head 2 × 128256 × 4096, norms 2 × 4096 a layer + 4096.
    p = write(tmp_path, config("Llama-3.1-8B.json", AWQ), "Meta-Llama-3.1-8B-Instruct-AWQ-INT4.json")
    spec = hf.load(p)
    layer = llama_layer(4096, 14336, 4096, 1024)
    assert [int4_g128(o, i) for o, i in layer] == [8_716_288, 2_179_072, 2_179_072, 8_716_288,
                                                   30_507_008, 30_507_008, 30_507_008]
    quantized = 32 * sum(int4_g128(o, i) for o, i in layer)
    rest = (2 * 128256 * 4096 + 32 * 2 * 4096 + 4096) * 2
    assert spec.parameters() - 32 * sum(o * i for o, i in layer) == rest // 2
    expected = quantized + rest
    assert spec.weight_bytes() == (expected, "fp16 + int4 linears (awq: 2-byte scales, 128-value groups, "
                                             "zero points)")
    # fit prices the same on one L4: the weights part of `kvplan fit ... --json`
    r = CliRunner().invoke(app, ["fit", str(p), "--gpu", "l4", "--max-model-len", "8192", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["weights_bytes"] == expected
    assert (d["budget"][0]["key"], d["budget"][0]["bytes"]) == ("weights", expected)
    assert d["weight_dtype"] == "fp16 + int4 linears (awq: 2-byte scales, 128-value groups, zero points)"
    # 3.5× less than the fp16 pricing kvplan gave before
    assert spec.weight_bytes("fp16")[0] * 10 > expected * 28


def test_awq_tensor_parallel_shards_the_quantized_matrices():
    # BUILT as above. --tp 2: q/k/v/gate/up keep all 4096 inputs and half their rows (column
    # parallel); o and down keep all rows and half their inputs (row parallel), so each keeps
    # whole 128-value groups: o 4096 × 2048 = 16 groups a row, down 4096 × 7168 = 56.
    spec = hf.from_config(config("Llama-3.1-8B.json", AWQ), "llama-awq")
    rank = llama_layer(4096, 7168, 2048, 512)
    assert rank == [(2048, 4096), (512, 4096), (512, 4096), (4096, 2048), (7168, 4096), (7168, 4096),
                    (4096, 7168)]
    quantized = 32 * sum(int4_g128(o, i) for o, i in rank)
    # the rest: half the (64-padded: 128256 already is) vocabulary of embeddings and LM head,
    # the norms whole on every rank
    rest_params = 2 * (128256 // 2) * 4096 + 32 * 2 * 4096 + 4096
    r = fit.fit(spec, catalog.load_gpu("l4"), tp=2, engine="vllm", opts=ServeOptions(max_model_len=8192))
    assert r.stages[0].parameters == 32 * sum(o * i for o, i in rank) + rest_params
    assert r.stages[0].weights_bytes == quantized + rest_params * 2
    assert r.weights_bytes == quantized + rest_params * 2


def test_awq_qwen2_5_7b_instruct_by_hand():
    # BUILT: Qwen2.5-7B-Instruct's config (hidden 3584, intermediate 18944, 28 layers, 28 heads
    # × 128, 4 KV heads, q/k/v biases, vocab 152064, untied) with AWQ's quantization_config
    # (Qwen/Qwen2.5-7B-Instruct-AWQ is this pair). The biases stay fp16 with the rest.
    spec = hf.from_config(config("Qwen2.5-7B-Instruct.json", AWQ), "qwen-awq")
    layer = llama_layer(3584, 18944, 3584, 512)
    quantized_params = 28 * sum(o * i for o, i in layer)
    rest = spec.parameters() - quantized_params
    assert rest == 2 * 152064 * 3584 + 28 * (3584 + 512 + 512 + 2 * 3584) + 3584  # biases, norms
    assert spec.weight_bytes()[0] == 28 * sum(int4_g128(o, i) for o, i in layer) + rest * 2


def test_gptq_llama_2_7b_by_hand():
    # BUILT: Llama-2-7B's config (hidden 4096, intermediate 11008, 32 layers, 32 heads, 32 KV
    # heads, vocab 32000) with a GPTQ quantization_config (TheBloke/Llama-2-7B-GPTQ's keys).
    # vLLM 0.33 (auto_gptq.py AutoGPTQLinearMethod.create_weights): qweight int32 [i/8, o],
    # qzeros int32 [i/128, o/8], scales fp16 [i/128, o]: the same bytes as AWQ's; no g_idx.
    spec = hf.from_config(config("Llama-2-7B.json", GPTQ), "llama2-gptq")
    layer = llama_layer(4096, 11008, 4096, 4096)
    rest = (2 * 32000 * 4096 + 32 * 2 * 4096 + 4096) * 2
    assert spec.weight_bytes() == (32 * sum(int4_g128(o, i) for o, i in layer) + rest,
                                   "fp16 + int4 linears (gptq: 2-byte scales, 128-value groups, zero points)")
    # 8 bits: values i·o, zero points (i/128)·o (four to an int32)
    spec = hf.from_config(config("Llama-2-7B.json", {**GPTQ, "bits": 8}), "llama2-gptq8")
    assert spec.weight_bytes()[0] == 32 * sum(i * o + (i // 128) * o * 2 + (i // 128) * o
                                              for o, i in layer) + rest
    # group_size -1: one scale and one zero point a row (desc_act is then a no-op vLLM accepts)
    spec = hf.from_config(config("Llama-2-7B.json", {**GPTQ, "group_size": -1, "desc_act": True}), "g")
    assert spec.weight_bytes()[0] == 32 * sum(i * o // 2 + o * 2 + o // 2 for o, i in layer) + rest


def test_compressed_tensors_w4a16_kimi_k2_5_experts():
    # REAL: Kimi-K2.5 (pack-quantized int4, symmetric, group 32; ignore: lm_head, self_attn,
    # shared_experts and the dense MLP): the routed experts only. Its text config: hidden 7168,
    # 61 layers of which the first is dense (first_k_dense_replace 1), 384 experts of
    # intermediate 2048. Per expert matrix (o, i): weight_packed o × i/8 int32 = o·i/2 bytes,
    # weight_scale o × i/32 bf16 = o·i/16 bytes, no zero points.
    raw = json.loads((QUANTIZED / "Kimi-K2.5.json").read_text())
    text = raw["text_config"]
    assert (text["hidden_size"], text["num_hidden_layers"], text["first_k_dense_replace"],
            text["n_routed_experts"], text["moe_intermediate_size"]) == (7168, 61, 1, 384, 2048)
    spec = hf.load(QUANTIZED / "Kimi-K2.5.json")
    expert = [(2048, 7168), (2048, 7168), (7168, 2048)]
    mats = 60 * 384 * expert
    assert sorted((o, i, n) for o, i, n in spec.quantized_matrices()) == \
        sorted([(2048, 7168, 60 * 384 * 2), (7168, 2048, 60 * 384)])
    quantized = sum(o * i for o, i in mats)
    expected = sum(o * i // 2 + o * (i // 32) * 2 for o, i in mats) + (spec.parameters() - quantized) * 2
    assert spec.weight_bytes() == (expected, "bf16 + int4 experts (compressed-tensors: 2-byte scales, "
                                             "32-value groups)")


def test_compressed_tensors_fp8_dynamic_llama_4_scout():
    # REAL: Llama-4-Scout-17B-16E-Instruct-FP8-dynamic (float-quantized fp8 weights, channel
    # strategy; dynamic per-token fp8 inputs: no input scale). Its ignore list names q/k/v/o
    # of all 48 layers, every router, the LM head and the vision tower: the MLPs are fp8 (16
    # routed experts + 1 shared expert, intermediate 8192, hidden 5120, in all 48 layers).
    # Per matrix: fp8 o × i, fp32 weight_scale o × 1.
    spec = hf.load(QUANTIZED / "Llama-4-Scout-17B-16E-Instruct-FP8-dynamic.json")
    expert = [(8192, 5120), (8192, 5120), (5120, 8192)]
    mats = 48 * 17 * expert
    quantized = sum(o * i for o, i in mats)
    assert sum(o * i * n for o, i, n in spec.quantized_matrices()) == quantized
    expected = sum(o * i + o * 4 for o, i in mats) + (spec.parameters() - quantized) * 2
    assert spec.weight_bytes() == (expected, "bf16 + fp8_e4m3 MLPs (compressed-tensors: 4-byte scales, "
                                             "one per row)")
    # tp 2 on H100s: every expert's and the shared expert's intermediate halves
    r = fit.fit(spec, catalog.load_gpu("h100"), tp=2, engine="vllm", opts=ServeOptions(max_model_len=8192))
    rank = 48 * 17 * [(4096, 5120), (4096, 5120), (5120, 4096)]
    q_rank = sum(o * i for o, i in rank)
    assert r.stages[0].weights_bytes == sum(o * i + o * 4 for o, i in rank) + (r.stages[0].parameters - q_rank) * 2


def test_compressed_tensors_nvfp4_and_fp8_variants():
    # BUILT: Llama-3.1-8B with the nvfp4-pack-quantized scheme of RedHatAI's DeepSeek-V4-Flash
    # NVFP4-FP8 (its config_groups.group_1 weights and input_activations, targets ["Linear"]).
    # vLLM 0.33 compressed_tensors_w4a4_nvfp4.py: uint8 o × i/2, fp8 scales o × i/16, fp32
    # weight_global_scale and input_global_scale: 8 bytes a matrix.
    real = json.loads((QUANTIZED / "DeepSeek-V4-Flash-NVFP4-FP8.json").read_text())["quantization_config"]
    group = real["config_groups"]["group_1"]
    q = {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "ignore": ["lm_head"],
         "config_groups": {"group_0": {**group, "targets": ["Linear"]}}}
    layer = llama_layer(4096, 14336, 4096, 1024)
    rest = (2 * 128256 * 4096 + 32 * 2 * 4096 + 4096) * 2
    spec = hf.from_config(config("Llama-3.1-8B.json", q, "bfloat16"), "nvfp4")
    assert spec.weight_bytes() == (32 * sum(o * i // 2 + o * i // 16 + 8 for o, i in layer) + rest,
                                   "bf16 + nvfp4 linears (compressed-tensors: 2 fp32 per matrix)")
    # weights only (NVFP4A16): one fp32 global scale a matrix
    q["config_groups"]["group_0"]["input_activations"] = None
    spec = hf.from_config(config("Llama-3.1-8B.json", q, "bfloat16"), "nvfp4a16")
    assert spec.weight_bytes()[0] == 32 * sum(o * i // 2 + o * i // 16 + 4 for o, i in layer) + rest
    # fp8 per-tensor with static input scales: one fp32 weight scale + one input scale a matrix
    scout = json.loads((QUANTIZED / "Llama-4-Scout-17B-16E-Instruct-FP8-dynamic.json").read_text())
    g = copy.deepcopy(scout["quantization_config"]["config_groups"]["group_0"])
    g["weights"]["strategy"] = "tensor"
    g["input_activations"].update({"dynamic": False, "strategy": "tensor"})
    q = {"quant_method": "compressed-tensors", "format": "float-quantized", "ignore": ["lm_head"],
         "config_groups": {"group_0": g}}
    spec = hf.from_config(config("Llama-3.1-8B.json", q, "bfloat16"), "fp8t")
    assert spec.weight_bytes()[0] == 32 * sum(o * i + 8 for o, i in layer) + rest
    # fp8 blocks (compressed-tensors block strategy): one fp32 scale per 128 × 128 tile
    g["weights"].update({"strategy": "block", "block_structure": [128, 128]})
    g["input_activations"].update({"dynamic": True, "strategy": "group", "group_size": 128})
    spec = hf.from_config(config("Llama-3.1-8B.json", q, "bfloat16"), "fp8b")
    assert spec.weight_bytes()[0] == 32 * sum(o * i + (o // 128) * (i // 128) * 4 for o, i in layer) + rest


def test_compressed_tensors_asymmetric_int8_channel():
    # BUILT from Kimi-K2.5's scheme, changed to 8 bits, channel strategy, asymmetric, on every
    # Linear of Llama-3.1-8B: values o·i, one bf16 scale and one int8 zero point a row (the zero
    # points int32-packed along the outputs: ceil(o · 8 / 32) × 4 = o bytes)
    q = kimi_quantization()
    q["ignore"] = ["lm_head"]
    q["config_groups"]["group_0"]["weights"].update({"num_bits": 8, "strategy": "channel", "group_size": None,
                                                     "symmetric": False})
    spec = hf.from_config(config("Llama-3.1-8B.json", q, "bfloat16"), "w8a16")
    layer = llama_layer(4096, 14336, 4096, 1024)
    rest = (2 * 128256 * 4096 + 32 * 2 * 4096 + 4096) * 2
    assert spec.weight_bytes()[0] == 32 * sum(o * i + o * 2 + o for o, i in layer) + rest


def test_existing_formats_unchanged():
    # gpt-oss (mxfp4 experts) and DeepSeek-V3 (fp8 128-blocks) keep their figures and words
    spec = catalog.load_model("gpt-oss-120b")
    experts = 36 * 128 * 3 * 2880 * 2880
    assert spec.weight_bytes() == (experts // 32 * 17 + (spec.parameters() - experts) * 2, "bf16 + mxfp4 experts")
    assert catalog.load_model("deepseek-v3").weight_bytes()[1] == "bf16 + fp8_e4m3 linears (128×128-block scales)"
    assert catalog.load_model("deepseek-v4-flash").weight_quant.describe() == \
        "fp8_e4m3 linears (128×128-block scales), mxfp4 routed experts"


def test_words_and_int_bytes_of_the_new_formats():
    # the method named before its details, details joined by "; ", no method without details;
    # byte counts stay ints (exact divisions included)
    q = WeightQuant(scope="linear", format="fp8_e4m3", method="compressed-tensors", channel=True,
                    tensor_scales=1, scale_bytes=4)
    assert q.describe() == "fp8_e4m3 linears (compressed-tensors: 4-byte scales, one per row; 1 fp32 per matrix)"
    assert WeightQuant(scope="linear", format="fp8_e4m3", method="fp8").describe() == "fp8_e4m3 linears"
    assert WeightQuant(scope="mlp", format="int4", group=128, packed=True, scale_bytes=2).describe() == \
        "int4 MLPs (2-byte scales, 128-value groups)"  # no method: the details alone
    g = WeightQuant(scope="linear", format="int4", group=128, packed=True, scale_bytes=2, zero_points=True)
    assert type(g.matrix_bytes(4096, 4096)) is int and type(q.matrix_bytes(4096, 4096)) is int


def test_group_split_by_tensor_parallelism_is_refused():
    q = WeightQuant(scope="linear", format="int4", group=128, packed=True, scale_bytes=2, zero_points=True)
    assert q.matrix_bytes(8, 256) == 8 * 256 // 2 + 2 * 8 * 2 + 2 * 4
    with pytest.raises(KvplanError) as e:
        q.matrix_bytes(8, 192)
    assert str(e.value) == ("a 8 × 192 matrix splits its 192 input values into groups of 128 unevenly "
                            "(a tensor-parallel split that vLLM refuses)")


LLAMA = "Llama-3.1-8B.json"


@pytest.mark.parametrize("quant,message", [
    ({**AWQ, "bits": 8}, "config.json: quantization_config.bits 8: vLLM 0.33 loads 4-bit AWQ only "
                         "(auto_awq.py AutoAWQConfig.TYPE_MAP); kvplan does not price other widths"),
    ({**AWQ, "version": "gemv"}, "config.json: quantization_config.version 'gemv': vLLM 0.33 loads AWQ's GEMM "
                                 "layout only; kvplan does not price another"),
    ({**AWQ, "group_size": 0}, "config.json: quantization_config.group_size 0 is not a group size "
                               "(a positive integer, or -1)"),
    ({**AWQ, "modules_to_not_convert": ["layers.0."]},
     "config.json: quantization_config.modules_to_not_convert entry 'layers.0.' names modules kvplan cannot "
     "map to the layers it quantizes"),
    ({**AWQ, "modules_to_not_convert": ["model.layers.0.self_attn", "model.layers.1.self_attn"]},
     "config.json: quantization_config.modules_to_not_convert leaves attention of some layers only (2 of 32) "
     "unquantized; kvplan prices one format per part"),
    ({**AWQ, "modules_to_not_convert": ["mlp.down_proj"]},
     "config.json: quantization_config.modules_to_not_convert leaves dense unquantized; kvplan can price all "
     "linears, all MLPs or the routed experts only"),
    ({**GPTQ, "bits": 3}, "config.json: quantization_config.bits 3: vLLM 0.33 loads 4- and 8-bit GPTQ only "
                          "(auto_gptq.py AutoGPTQConfig.TYPE_MAP); kvplan does not price other widths"),
    ({**GPTQ, "sym": False}, "config.json: quantization_config.sym False: vLLM 0.33 loads symmetric GPTQ only "
                             "(auto_gptq.py AutoGPTQConfig.TYPE_MAP)"),
    ({**GPTQ, "desc_act": True}, "config.json: quantization_config.desc_act true with groups (act-order): "
                                 "vLLM 0.33 refuses it (utils/gptq_utils.py normalize_and_validate_gptq_desc_act)"),
    ({**GPTQ, "dynamic": {"-:.*lm_head": {}}}, "config.json: quantization_config.dynamic (per-module choices) "
                                               "is not modelled"),
])
def test_unmappable_configs_are_one_clear_error(quant, message):
    with pytest.raises(KvplanError) as e:
        hf.from_config(config(LLAMA, quant), "t")
    assert str(e.value) == message


def test_compressed_tensors_refusals():
    kimi = kimi_quantization()

    def err(q, cfg=LLAMA):
        with pytest.raises(KvplanError) as e:
            hf.from_config(config(cfg, q, "bfloat16"), "t")
        return str(e.value)

    # REAL: two config groups (fp8 attention, nvfp4 MLPs) in one mixed-precision config
    with pytest.raises(KvplanError) as e:
        hf.load(QUANTIZED / "DeepSeek-V4-Flash-NVFP4-FP8.json")
    assert str(e.value) == (f"{QUANTIZED / 'DeepSeek-V4-Flash-NVFP4-FP8.json'}: quantization_config.config_groups "
                            "must hold one group for kvplan to price it, found 2")
    q = copy.deepcopy(kimi)
    q["config_groups"]["group_0"]["weights"]["num_bits"] = 3
    assert err(q) == ("config.json: quantization_config weights num_bits 3: kvplan prices 4- and 8-bit "
                      "pack-quantized weights only")
    q = copy.deepcopy(kimi)
    q["config_groups"]["group_0"]["weights"]["actorder"] = "group"
    assert err(q) == ("config.json: quantization_config weights actorder 'group': vLLM 0.33 refuses "
                      "group/dynamic activation ordering (compressed_tensors.py)")
    q = copy.deepcopy(kimi)
    q["ignore"] = ["lm_head", "re:.*layers\\.[0-3]\\.self_attn.*"]
    assert err(q) == (f"config.json: quantization_config.ignore entry {q['ignore'][1]!r} names "
                      "layers by a pattern kvplan cannot map")
    q["ignore"] = ["lm_head", "re:.*foo.*"]
    assert err(q) == ("config.json: quantization_config.ignore entry 're:.*foo.*' names modules kvplan cannot "
                      "map to the layers it quantizes")
    # attention left out of a hybrid: are its Gated DeltaNet mixers quantized? cannot tell
    q["ignore"] = ["lm_head", "re:.*self_attn.*"]
    assert err(q, "Qwen3-Next-80B-A3B-Instruct.json") == (
        "config.json: quantization_config leaves attention unquantized but does not say whether the "
        "gated_deltanet mixers are; kvplan cannot price them")
