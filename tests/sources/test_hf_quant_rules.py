"""The rules of kvplan/sources/hfconfig/quant.py, one by one: what each ``quantization_config``
becomes (the WeightQuant fields, and the bytes of one matrix worked out by hand), which ignore
entries leave which parts unquantized, and the exact one-line refusal of each config kvplan
does not price (issue 25: mutation survivors of ``_awq``, ``_gptq``, ``_compressed_tensors``,
``_ignored``, ``_scope``, ``_int`` and ``_weight_quant``).

Sources of the rules (beside the docstrings of quant.py, which cite vLLM 0.33):

* AutoAWQ's own ``quant_config.json`` spells the keys ``w_bit`` / ``q_group_size`` and the
  version ``"GEMM"``; vLLM reads ``get_from_keys(config, ["w_bit", "bits"])`` and
  ``["q_group_size", "group_size"]`` (model_executor/layers/quantization/awq.py
  AWQConfig.from_config); transformers' AwqConfig writes ``"gemm"`` in lower case.
* compressed-tensors (vllm-project/compressed-tensors, src/compressed_tensors/utils/match.py
  ``match_name``): an entry starting ``re:`` is ``re.match``-ed against the module name after
  the prefix is removed; any other entry must equal the name. quant_args.py: ``ActivationOrdering``
  ``dynamic`` is an alias of ``group``; strategies tensor, channel, group, block, token, ...
* llm-compressor's examples ignore the MoE routers with ``re:.*gate$``
  (examples/model_free_ptq/glm_4.6_fp8_block.py).
"""
import json
from pathlib import Path

import pytest

from kvplan.errors import KvplanError
from kvplan.model.weights import WeightQuant
from kvplan.sources.hfconfig.quant import _weight_quant

QUANTIZED = Path(__file__).resolve().parents[1] / "fixtures" / "quantized"

# as tests/sources/test_quantized.py: transformers' AWQ config, AutoGPTQ's keys
AWQ = {"quant_method": "awq", "zero_point": True, "group_size": 128, "bits": 4, "version": "gemm",
       "modules_to_not_convert": None}
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "damp_percent": 0.1, "desc_act": False,
        "sym": True, "true_sequential": True}
WHERE = "config.json"


def kimi() -> dict:
    """REAL: Kimi-K2.5's compressed-tensors config (pack-quantized int4, symmetric, group 32)."""
    return json.loads((QUANTIZED / "Kimi-K2.5.json").read_text())["text_config"]["quantization_config"]


def scout() -> dict:
    """REAL: Llama-4-Scout FP8-dynamic's (float-quantized fp8, channel, dynamic fp8 inputs)."""
    return json.loads((QUANTIZED / "Llama-4-Scout-17B-16E-Instruct-FP8-dynamic.json").read_text())[
        "quantization_config"]


def ct(weights: dict | None = None, inputs="keep", fmt: str | None = None, ignore=("lm_head",), base=kimi) -> dict:
    """A compressed-tensors config from a real one, its weights / inputs / format changed."""
    q = base()
    q["ignore"] = list(ignore)
    g = q["config_groups"]["group_0"]
    g["weights"].update(weights or {})
    if inputs != "keep":
        g["input_activations"] = inputs
    if fmt is not None:
        q["format"] = fmt
    return q


def wq(q: dict, layers: int = 32) -> dict:
    return _weight_quant(q, WHERE, layers)


def refusal(q: dict, layers: int = 32) -> str:
    with pytest.raises(KvplanError) as e:
        _weight_quant(q, WHERE, layers)
    return str(e.value)


INT4_AWQ = {"scope": "linear", "format": "int4", "method": "awq", "packed": True, "scale_bytes": 2,
            "zero_points": True, "group": 128}


# --- what each config becomes -------------------------------------------------------------------

def test_awq_as_autoawq_writes_it():
    # AutoAWQ's quant_config.json keys: w_bit, q_group_size, version "GEMM" (upper case)
    q = {"quant_method": "awq", "zero_point": True, "q_group_size": 128, "w_bit": 4, "version": "GEMM"}
    assert wq(q) == INT4_AWQ
    # no version at all: GEMM, the only layout vLLM loads
    assert wq({k: v for k, v in AWQ.items() if k != "version"}) == INT4_AWQ
    # one 4096 × 4096 matrix: values 4096·4096/2 = 8,388,608; fp16 scales (4096/128)·4096·2 = 262,144;
    # int4 zero points (4096/128)·4096/2 = 65,536
    assert WeightQuant(**wq(q)).matrix_bytes(4096, 4096) == 8_388_608 + 262_144 + 65_536


def test_gptq_8_bit_and_the_packed_values():
    assert wq({**GPTQ, "bits": 8, "checkpoint_format": "gptq"}) == {
        "scope": "linear", "format": "int8", "method": "gptq", "packed": True, "scale_bytes": 2,
        "zero_points": True, "group": 128}
    # packed: a row's values fill whole int32 words. A 3 × 20 int4 matrix, one group of 20:
    # values 3 rows × ceil(20·4/32) = 3 words × 4 = 36 bytes (not 3 × 10 = 30 unpacked);
    # scales 1 × 3 × 2 = 6; zero points 1 × ceil(3·4/32) = 1 word = 4. Total 46.
    q = WeightQuant(**wq({**GPTQ, "group_size": 20}))
    assert q.matrix_bytes(3, 20) == 36 + 6 + 4


def test_compressed_tensors_int_schemes():
    # Kimi-K2.5's own scheme on every Linear
    assert wq(ct()) == {"scope": "linear", "method": "compressed-tensors", "format": "int4", "packed": True,
                        "scale_bytes": 2, "zero_points": False, "group": 32}
    # asymmetric W8A16 per channel: one bf16 scale and one int8 zero point per row;
    # a 3 × 20 matrix: values 3 × ceil(20·8/32) = 5 words = 60 bytes; scales 3 × 2 = 6;
    # zero points ceil(3·8/32) = 1 word = 4 bytes
    asym = wq(ct({"num_bits": 8, "strategy": "channel", "group_size": None, "symmetric": False}))
    assert asym == {"scope": "linear", "method": "compressed-tensors", "format": "int8", "packed": True,
                    "scale_bytes": 2, "zero_points": True, "channel": True}
    assert WeightQuant(**asym).matrix_bytes(3, 20) == 60 + 6 + 4


def test_compressed_tensors_fp8_schemes():
    fp8 = {"scope": "linear", "method": "compressed-tensors", "format": "fp8_e4m3"}
    # Scout's scheme (dynamic fp8 inputs: no input scale)
    assert wq(ct(base=scout)) == {**fp8, "channel": True, "tensor_scales": 0}
    # weights only (FP8 W8A16): input_activations null
    assert wq(ct(inputs=None, base=scout)) == {**fp8, "channel": True, "tensor_scales": 0}
    # per tensor with static inputs: a weight scale and an input scale, 2 fp32 a matrix
    static = {**scout()["config_groups"]["group_0"]["input_activations"], "dynamic": False, "strategy": "tensor"}
    assert wq(ct({"strategy": "tensor"}, static, base=scout)) == {**fp8, "tensor_scales": 2}
    # blocks: one fp32 per b × b tile; 1 × 1 blocks are blocks too
    assert wq(ct({"strategy": "block", "block_structure": [128, 128]}, base=scout)) == {**fp8, "block": 128}
    assert wq(ct({"strategy": "block", "block_structure": [1, 1]}, base=scout)) == {**fp8, "block": 1}


def test_compressed_tensors_nvfp4():
    real = json.loads((QUANTIZED / "DeepSeek-V4-Flash-NVFP4-FP8.json").read_text())["quantization_config"]
    q = {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "ignore": ["lm_head"],
         "config_groups": {"group_0": {**real["config_groups"]["group_1"], "targets": ["Linear"]}}}
    assert wq(q) == {"scope": "linear", "method": "compressed-tensors", "format": "nvfp4", "tensor_scales": 2}


def test_fp8_block_config_reads_the_block():
    # DeepSeek-V3's form (transformers' FineGrainedFP8Config)
    assert wq({"quant_method": "fp8", "fmt": "e4m3", "weight_block_size": [128, 128]}) == \
        {"scope": "linear", "format": "fp8_e4m3", "block": 128}


# --- ignore lists -------------------------------------------------------------------------------

@pytest.mark.parametrize("ignore,scope", [
    # q/k/v/o by regex (the "re:" prefix removed, ".*" read as "anything before"): attention
    (["lm_head", "re:.*q_proj", "re:.*k_proj", "re:.*v_proj", "re:.*o_proj"], "mlp"),
    # the MoE routers, as llm-compressor's examples name them ("$" anchors the end): nothing
    # quantized is left out ("mlp.gate" would read as the dense gate_proj without the anchor)
    (["lm_head", "re:.*mlp.gate$"], "linear"),
    (["lm_head", "re:.*gate$"], "linear"),
    # a multi-token-prediction module anchored at the start: outside the decoder layers
    (["lm_head", "re:^mtp.*"], "linear"),
])
def test_ignore_entries(ignore, scope):
    assert wq(ct(ignore=ignore))["scope"] == scope


@pytest.mark.parametrize("ignore,message", [
    (["lm_head", "re:.*mlp.experts.*"],
     "config.json: quantization_config.ignore entry 're:.*mlp.experts.*' names modules kvplan cannot map to the "
     "layers it quantizes"),
    (["lm_head", "re:.*self_attn.*", "re:.*mlp.down_proj"],
     "config.json: quantization_config.ignore leaves attention, dense unquantized; kvplan can price all "
     "linears, all MLPs or the routed experts only"),
    (["lm_head", "re:.*mlp.down_proj"],
     "config.json: quantization_config.ignore leaves dense unquantized; kvplan can price all linears, all "
     "MLPs or the routed experts only"),
    ("lm_head", "config.json: quantization_config.ignore 'lm_head' is not a list of module names"),
    ([0], "config.json: quantization_config.ignore [0] is not a list of module names"),
])
def test_ignore_refusals(ignore, message):
    q = ct()
    q["ignore"] = ignore
    assert refusal(q) == message


def test_awq_modules_to_not_convert_must_be_a_list():
    assert refusal({**AWQ, "modules_to_not_convert": "lm_head"}) == (
        "config.json: quantization_config.modules_to_not_convert 'lm_head' is not a list of module names")


# --- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("q,message", [
    ({k: v for k, v in AWQ.items() if k != "bits"},
     "config.json: quantization_config.bits None is not a positive integer"),
    ({**AWQ, "bits": -1}, "config.json: quantization_config.bits -1 is not a positive integer"),
    ({**AWQ, "bits": "4"}, "config.json: quantization_config.bits '4' is not a positive integer"),
    ({**AWQ, "lm_head": True}, "config.json: quantization_config.lm_head: a quantized LM head is not modelled"),
    ({k: v for k, v in GPTQ.items() if k != "bits"},
     "config.json: quantization_config.bits None is not a positive integer"),
    # 1 is a positive integer: refused as a width vLLM does not load, not as a malformed value
    ({**GPTQ, "bits": 1}, "config.json: quantization_config.bits 1: vLLM 0.33 loads 4- and 8-bit GPTQ only "
                          "(auto_gptq.py AutoGPTQConfig.TYPE_MAP); kvplan does not price other widths"),
    ({**GPTQ, "group_size": "128"},
     "config.json: quantization_config.group_size '128' is not a group size (a positive integer, or -1)"),
    ({**GPTQ, "modules_in_block_to_quantize": [["self_attn.q_proj"]]},
     "config.json: quantization_config.modules_in_block_to_quantize (per-module choices) is not modelled"),
    ({**GPTQ, "lm_head": True}, "config.json: quantization_config.lm_head: a quantized LM head is not modelled"),
    ({**GPTQ, "checkpoint_format": "gptq_v2"},
     "config.json: quantization_config.checkpoint_format 'gptq_v2' is not modelled"),
])
def test_awq_gptq_refusals(q, message):
    assert refusal(q) == message


def _groups(groups) -> dict:
    q = ct()
    q["config_groups"] = groups
    return q


def _top(**keys) -> dict:
    return {**ct(), **keys}


def _group(**keys) -> dict:
    q = ct()
    q["config_groups"]["group_0"].update(keys)
    return q


NOT_LINEAR = ("config.json: quantization_config.config_groups.group_0 must target [\"Linear\"] with a "
              "weights scheme")
INT8_INPUTS = {"num_bits": 8, "type": "int", "symmetric": True, "strategy": "token", "dynamic": True}


@pytest.mark.parametrize("q,message", [
    (_groups(None), "config.json: quantization_config.config_groups must hold one group for kvplan to price it, "
                    "found None"),
    (_groups({"group_0": ["Linear"]}), NOT_LINEAR),
    (_group(targets=["Embedding"]), NOT_LINEAR),
    (_group(weights=None), NOT_LINEAR),
    (_top(kv_cache_scheme={"num_bits": 8, "type": "float", "strategy": "tensor"}),
     "config.json: quantization_config.kv_cache_scheme is not modelled"),
    (_top(sparsity_config={"format": "sparse-24-bitmask"}),
     "config.json: quantization_config.sparsity_config is not modelled"),
    (_top(transform_config={"config_groups": {}}), "config.json: quantization_config.transform_config is not modelled"),
    (_group(output_activations={"num_bits": 8, "type": "float"}),
     "config.json: quantization_config.config_groups.group_0.output_activations is not modelled"),
    (ct({"actorder": "dynamic"}), "config.json: quantization_config weights actorder 'dynamic': vLLM 0.33 refuses "
                                  "group/dynamic activation ordering (compressed_tensors.py)"),
    # pack-quantized ints with quantized inputs (W4A8): not the weight-only scheme
    (ct(inputs=INT8_INPUTS), "config.json: quantization_config format 'pack-quantized' with int 4-bit weights "
                             "(strategy 'group') is not one kvplan prices"),
    (ct({"group_size": None}), "config.json: quantization_config.group_size None is not a positive integer"),
    (ct({"group_size": -1}), "config.json: quantization_config.group_size -1 is not a positive integer"),
    (ct({"strategy": "tensor", "group_size": None}),
     "config.json: quantization_config weights strategy 'tensor' is not group or channel"),
    # W8A8 int8 (llm-compressor's int-quantized format): not priced
    (ct({"num_bits": 8, "strategy": "channel", "group_size": None}, INT8_INPUTS, "int-quantized"),
     "config.json: quantization_config format 'int-quantized' with int 8-bit weights (strategy 'channel') is not "
     "one kvplan prices"),
    # 4-bit floats under float-quantized are not fp8
    (ct({"num_bits": 4, "strategy": "tensor"}, base=scout),
     "config.json: quantization_config format 'float-quantized' with float 4-bit weights (strategy 'tensor') is "
     "not one kvplan prices"),
    # fp8 weights with int8 inputs
    (ct(inputs=INT8_INPUTS, base=scout),
     "config.json: quantization_config input_activations {'num_bits': 8, 'type': 'int', 'symmetric': True, "
     "'strategy': 'token', 'dynamic': True} are not fp8"),
    (ct({"strategy": "block", "block_structure": [128, 64]}, base=scout),
     "config.json: quantization_config fp8 weights strategy 'block' (block_structure [128, 64]) is not one "
     "kvplan prices"),
    (ct({"strategy": "block", "block_structure": [0, 0]}, base=scout),
     "config.json: quantization_config fp8 weights strategy 'block' (block_structure [0, 0]) is not one "
     "kvplan prices"),
    # blocks with static input scales: not priced
    (ct({"strategy": "block", "block_structure": [128, 128]},
        {**scout()["config_groups"]["group_0"]["input_activations"], "dynamic": False, "strategy": "tensor"},
        base=scout),
     "config.json: quantization_config fp8 weights strategy 'block' (block_structure [128, 128]) is not one "
     "kvplan prices"),
    # nvfp4 is 16-value groups
    (ct({"num_bits": 4, "type": "float", "group_size": 32}, None, "nvfp4-pack-quantized"),
     "config.json: quantization_config format 'nvfp4-pack-quantized' with float 4-bit weights (strategy 'group') "
     "is not one kvplan prices"),
])
def test_compressed_tensors_refusals(q, message):
    assert refusal(q) == message


def test_mxfp4_pack_quantized_needs_attention_shared_experts_and_lm_head_ignored():
    q = {"quant_method": "compressed-tensors", "format": "mxfp4-pack-quantized",
         "ignore": ["lm_head", "re:.*self_attn.*"]}
    assert refusal(q) == ("config.json: quantization_config's ignore list ['lm_head', 're:.*self_attn.*'] is "
                          "not one kvplan can map to the layers it quantizes")
    q["ignore"].append("re:.*shared_experts.*")
    assert wq(q) == {"scope": "experts", "format": "mxfp4"}

