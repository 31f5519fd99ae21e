"""Every JSON field of `kvplan size/show/models/gpus --json` against a number worked out apart
from kvplan: by hand from the config.json (arithmetic in comments), or measured with
transformers (tests/golden/hf_params*.json), or a vendor's datasheet."""
import json

from typer.testing import CliRunner

from conftest import FIXTURES
from kvplan.cli import app

runner = CliRunner()


def cli_json(*args):
    """The CLI's JSON, less the kvplan_version every object carries (checked here)."""
    import kvplan

    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    if isinstance(d, dict):
        assert d.pop("kvplan_version") == kvplan.__version__
    return d


def test_size_json_every_field_hybrid():
    # Nemotron 3 Nano (bf16): 23 Mamba2 layers, 23 MoE-only layers, 6 attention layers (52 in all)
    d = cli_json("size", "nemotron-3-nano", "--ctx", "32768", "--batch", "2", "--json")
    # attention: 2 (K, V) × 2 KV heads × 128 × 2 B = 1,024 B per layer-token; 6 layers = 6,144 B
    per_token = 6 * 2 * 2 * 128 * 2
    # Mamba2 state per layer and sequence: conv (64·64 + 2·8·128 channels) × 3 columns × 2 B = 36,864
    # + SSM 64 heads × 64 × 128 × 4 B (mamba_ssm_cache_dtype float32) = 2,097,152
    mamba_state = (64 * 64 + 2 * 8 * 128) * 3 * 2 + 64 * 64 * 128 * 4
    assert mamba_state == 2_134_016
    kv = 32768 * 2 * per_token
    state = 23 * 2 * mamba_state
    assert d == {
        "model": "nemotron-3-nano-30b-a3b", "ctx": 32768, "batch": 2, "kv_dtype": "bf16",
        "k_dtype": "bf16", "v_dtype": "bf16",  # K and V formats (issue 19: llama.cpp may store them apart)
        "engine": "ideal",
        "kv_cache_bytes": kv, "state_bytes": state, "total_bytes": kv + state,
        "bytes_per_token": per_token, "next_token_bytes": per_token,
        # transformers' count (tests/golden/hf_params_extra.json); bf16 = 2 B each
        "parameters": 31_577_937_344, "encoder_parameters": 0,
        "weight_dtype": "bf16", "weights_bytes": 2 * 31_577_937_344,
        "layers": [
            {"layer_type": "mamba", "kind": "mamba2", "label": "mamba2", "count": 23,
             "geometry": "64×64, N=128", "tokens": 0, "bytes_per_token": 0,
             "kv_bytes": 0, "state_bytes": state, "bytes": state},
            {"layer_type": "moe", "kind": "none", "label": "none", "count": 23, "geometry": "-",
             "tokens": 0, "bytes_per_token": 0, "kv_bytes": 0, "state_bytes": 0, "bytes": 0},
            {"layer_type": "attention", "kind": "full", "label": "full", "count": 6, "geometry": "2×128",
             "tokens": 32768, "bytes_per_token": per_token, "kv_bytes": kv, "state_bytes": 0, "bytes": kv},
        ],
        "warnings": [],
        # the config the spec came from (model_specs/models/nemotron-3-nano-30b-a3b.yaml's source);
        # a catalog spec has no checkpoint files, so no weights as stored
        "source": "https://huggingface.co/nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16/blob/main/config.json",
        "stored_weights": None,
    }
    assert kv == 402_653_184 and state == 98_164_736


def test_size_json_encoder_parameters_and_text_only():
    # Gemma 4 26B-A4B: transformers counts 25,233,141,760 text parameters and 25,805,933,872 with
    # the vision tower and projector (tests/golden/hf_params_extra.json): tower = 572,792,112
    d = cli_json("size", "gemma-4-26b-a4b", "--ctx", "1", "--json")
    assert d["parameters"] == 25_233_141_760
    assert d["encoder_parameters"] == 25_805_933_872 - 25_233_141_760 == 572_792_112
    assert d["weights_bytes"] == 2 * 25_805_933_872  # bf16, tower included
    d = cli_json("size", "gemma-4-26b-a4b", "--ctx", "1", "--text-only", "--json")
    assert d["encoder_parameters"] == 0 and d["weights_bytes"] == 2 * 25_233_141_760


def test_size_json_gemma3_vision_tower():
    # Gemma 3 27B: transformers counts 27,009,346,304 text parameters and 27,432,406,640 with the
    # SigLIP tower and projector (tests/golden/hf_params_extra.json): tower = 423,060,336, by hand:
    # patch conv 1152 x 3 x 14^2 + 1152 bias, positions (896 / 14)^2 = 4,096 x 1152 -> 5,397,120;
    # a layer: q/k/v/out 4 x (1152^2 + 1152), two LayerNorms 4 x 1152, fc1/fc2 2 x 1152 x 4304 + 4304
    # + 1152 -> 15,239,504, x 27 = 411,466,608; final LayerNorm 2,304; projector 1152 x 5376 + 1152
    # RMSNorm = 6,194,304
    assert 5_397_120 + 411_466_608 + 2_304 + 6_194_304 == 423_060_336
    d = cli_json("size", "gemma-3-27b", "--ctx", "1", "--json")
    assert d["parameters"] == 27_009_346_304
    assert d["encoder_parameters"] == 27_432_406_640 - 27_009_346_304 == 423_060_336
    assert d["weights_bytes"] == 2 * 27_432_406_640  # bf16, tower included
    d = cli_json("size", "gemma-3-27b", "--ctx", "1", "--text-only", "--json")
    assert d["encoder_parameters"] == 0 and d["weights_bytes"] == 2 * 27_009_346_304


def test_size_json_engine_and_sliding_label():
    # Mistral 7B with --engine hf at 32768: DynamicSlidingWindowLayer keeps window − 1 = 4095 tokens;
    # 32 layers × 2 × 8 × 128 × 2 B = 131,072 B per token
    d = cli_json("size", "mistral-7b", "--ctx", "32768", "--engine", "hf", "--json")
    assert d["engine"] == "hf"
    assert d["kv_cache_bytes"] == 4095 * 131_072 == 536_739_840
    g = d["layers"][0]
    assert (g["label"], g["geometry"], g["tokens"], g["count"]) == ("sliding W=4096", "8×128", 4095, 32)


def test_show_json_every_field():
    # Mixtral 8x7B, against its config.json (tests/fixtures/configs/Mixtral-8x7B-v0.1.json)
    cfg = json.loads((FIXTURES / "Mixtral-8x7B-v0.1.json").read_text())
    d = cli_json("show", "mixtral-8x7b", "--json")
    # 46,702,792,704 parameters: transformers (tests/golden/hf_params.json). Active per token: all
    # but 6 of the 8 experts in each of 32 layers, an expert being 3 × 4096 × 14336 = 176,160,768
    active = 46_702_792_704 - 32 * 6 * 3 * 4096 * 14336
    assert active == 12_879_925_248
    assert d == {
        "name": "mixtral-8x7b", "display_name": "Mixtral 8x7B v0.1",
        "source": "https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json",
        "hf_repo": "mistralai/Mixtral-8x7B-v0.1", "fixture": "Mixtral-8x7B-v0.1.json",
        "family": cfg["model_type"], "notes": "", "dtype": "bf16", "encoders": [],
        "hidden_size": cfg["hidden_size"], "vocab_size": cfg["vocab_size"],
        "tie_embeddings": cfg["tie_word_embeddings"], "position_embeddings": 0, "norm": "rms",
        "final_norm": True, "max_context": cfg["max_position_embeddings"], "context_keys": {},
        "layer_types": {"full": {
            "mixer": {"num_heads": cfg["num_attention_heads"], "num_kv_heads": cfg["num_key_value_heads"],
                      "head_dim": cfg["hidden_size"] // cfg["num_attention_heads"], "qkv_bias": False,
                      "o_bias": False, "qk_norm": False, "learned_sinks": False, "k_eq_v": False,
                      "output_gate": False, "kind": "full"},
            "mlp": {"kind": "moe", "num_experts": cfg["num_local_experts"],
                    "experts_per_token": cfg["num_experts_per_tok"], "intermediate_size": cfg["intermediate_size"],
                    "gated": True, "expert_bias": False, "router_bias": False, "shared_intermediate_size": 0,
                    "shared_gate": False, "router_scale": False},
            "norms": 2, "kv_shared": False}},
        "rope": {"type": "default", "partial_rotary_factor": 1.0, "mrope": False},
        "pattern": "full*32", "layers": ["full"] * cfg["num_hidden_layers"], "num_layers": 32,
        "parameters": 46_702_792_704, "active_parameters": active,
    }
    assert (cfg["hidden_size"], cfg["num_key_value_heads"], cfg["num_hidden_layers"]) == (4096, 8, 32)


def test_show_json_weight_quant():
    # gpt-oss-20b's quantization_config: mxfp4 experts
    d = cli_json("show", "gpt-oss-20b", "--json")
    assert d["weight_quant"] == {"scope": "experts", "format": "mxfp4", "scale_bytes": 4}
    assert d["parameters"] == 20_914_757_184  # transformers (tests/golden/hf_params.json)


def test_models_json_every_field():
    rows = cli_json("models", "--json")
    names = [r["name"] for r in rows]
    assert names == sorted(names) and len(names) == len(set(names)) >= 50
    g = next(r for r in rows if r["name"] == "gemma-2-9b")
    cfg = json.loads((FIXTURES / "gemma-2-9b-it.json").read_text())
    assert g == {"name": "gemma-2-9b", "display_name": "Gemma 2 9B (IT config)", "family": cfg["model_type"],
                 "layers": cfg["num_hidden_layers"], "kinds": ["full", "sliding"], "dtype": "bf16",
                 "parameters": 9_241_705_984,  # transformers (tests/golden/hf_params.json)
                 "max_context": cfg["max_position_embeddings"],
                 "source": "https://huggingface.co/google/gemma-2-9b-it/blob/main/config.json"}
    assert (g["layers"], g["max_context"]) == (42, 8192)


def test_gpus_json_every_field():
    rows = cli_json("gpus", "--json")
    h = next(r for r in rows if r["name"] == "h100-sxm-80gb")
    assert set(h) == {"name", "display_name", "vendor", "aliases", "memory_label", "memory_bytes",
                      "driver_memory_bytes", "cuda_memory_bytes", "cuda_memory_sources",
                      "memory_bandwidth_bytes_per_s", "dense_tflops", "interconnect",
                      "interconnect_bytes_per_s", "sources", "notes", "multi_processor_count",
                      "multi_processor_count_source"}
    # SMs: 132 (the Hopper whitepaper's SXM5 part; what vLLM's num_compute_units reads)
    assert h["multi_processor_count"] == 132 and "132 SMs" in h["multi_processor_count_source"]["quote"]
    assert h["display_name"] == "NVIDIA H100 SXM5 80GB" and h["vendor"] == "nvidia"
    assert "h100" in h["aliases"] and h["memory_label"] == "80GB HBM3"
    assert h["memory_bytes"] == 80 * 2**30 == 85_899_345_920             # 5 HBM3 stacks × 16 GiB
    assert h["driver_memory_bytes"] == 81_559 * 2**20 == 85_520_809_984  # nvidia-smi: 81559 MiB
    # CUDA's total, the lowest observed: "total capacity of 79.11 GiB" (vllm#27508), kept as 79.105 GiB
    assert h["cuda_memory_bytes"] == 84_938_346_987 and len(h["cuda_memory_sources"]) == 2
    assert h["memory_bandwidth_bytes_per_s"] == 3_350_000_000_000           # datasheet: 3.35 TB/s
    # datasheet: 1,979 (BF16) and 3,958 (FP8) TFLOPS with sparsity, "1/2 lower without"
    assert abs(h["dense_tflops"]["bf16"] - 1979 / 2) < 0.5 and h["dense_tflops"]["fp16"] == h["dense_tflops"]["bf16"]
    assert abs(h["dense_tflops"]["fp8"] - 3958 / 2) < 0.5 and h["dense_tflops"]["int8"] == h["dense_tflops"]["fp8"]
    assert h["interconnect_bytes_per_s"] == 900 * 10**9 and h["interconnect"].startswith("NVLink 4: 900 GB/s")
    assert h["sources"][0] == "https://www.nvidia.com/en-us/data-center/h100/" and "sparsity" in h["notes"]
