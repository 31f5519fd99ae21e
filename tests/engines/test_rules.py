"""Rules pinned with inputs that exercise them, and numbers a reader can check by hand.

Each test here kills mutants (deliberate small bugs, see MUTATION.md) that the rest of the
suite let through: a rule whose every fixture takes the same branch, a default no fixture
relies on, a JSON field no test read. The arithmetic is in the comments; where a number comes
from transformers it is the measured value in tests/golden/.
"""
import json

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from kvplan.sources import catalog, hfconfig as hf
from kvplan.cli import app
from kvplan.plan.size import kv_size

runner = CliRunner()


def cli_json(*args):
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), r.stderr


def edited(tmp_path, fixture, drop=(), **set_keys):
    """A copy of a vendored config.json with keys removed or set (top level)."""
    cfg = json.loads((FIXTURES / fixture).read_text())
    for k in drop:
        cfg.pop(k)
    cfg.update(set_keys)
    p = tmp_path / fixture
    p.write_text(json.dumps(cfg))
    return hf.load(p)


def kinds(spec):
    return [spec.layer_types[n].mixer.kind for n in spec.layers]


# --- Qwen2: use_sliding_window gates the window; max_window_layers picks the layers -------------

# Qwen2.5-7B: 28 layers, 4 KV heads × 128, bf16: one layer's token = 2 (K, V) × 4 × 128 × 2 B = 2,048 B
QWEN_TOKEN = 2 * 4 * 128 * 2


def test_qwen2_window_below_layer_count_but_off(tmp_path):
    # use_sliding_window false: every layer full even though max_window_layers (20) < 28 layers
    spec = edited(tmp_path, "Qwen2.5-7B-Instruct.json", sliding_window=4096, max_window_layers=20,
                  use_sliding_window=False)
    assert kinds(spec) == ["full"] * 28
    assert kv_size(spec, 8192).kv_cache_bytes == 28 * 8192 * QWEN_TOKEN == 469_762_048


def test_qwen2_window_below_layer_count_and_on(tmp_path):
    # use_sliding_window true: layers i >= 20 slide (transformers: i >= max_window_layers), 8 of them
    spec = edited(tmp_path, "Qwen2.5-7B-Instruct.json", sliding_window=4096, max_window_layers=20,
                  use_sliding_window=True)
    assert kinds(spec) == ["full"] * 20 + ["sliding"] * 8
    assert spec.pattern == "global*20 local*8"
    # 20 full layers × 8192 tokens + 8 sliding layers × 4096 tokens = 196,608 layer-tokens
    assert kv_size(spec, 8192).kv_cache_bytes == (20 * 8192 + 8 * 4096) * QWEN_TOKEN == 402_653_184


def test_qwen2_window_on_without_max_window_layers(tmp_path):
    # max_window_layers absent: transformers' default is num_hidden_layers, so no layer slides
    spec = edited(tmp_path, "Qwen2.5-7B-Instruct.json", drop=["max_window_layers"], sliding_window=4096,
                  use_sliding_window=True)
    assert kinds(spec) == ["full"] * 28


def test_qwen2_use_sliding_window_defaults_off(tmp_path):
    spec = edited(tmp_path, "Qwen2.5-7B-Instruct.json", drop=["use_sliding_window"], sliding_window=4096,
                  max_window_layers=0)
    assert kinds(spec) == ["full"] * 28


# --- Gemma 3: the default sliding_window_pattern is 6 -------------------------------------------

def test_gemma3_without_sliding_window_pattern(tmp_path):
    # gemma-3-1b: 26 layers; default pattern 6: layer i is full when (i + 1) % 6 == 0 -> i = 5, 11, 17, 23
    spec = edited(tmp_path, "gemma-3-1b-it.json", drop=["sliding_window_pattern"])
    assert [i for i, k in enumerate(kinds(spec)) if k == "full"] == [5, 11, 17, 23]
    # 1 KV head × 256 dims: 2 × 1 × 256 × 2 B = 1,024 B per layer-token; window 512
    # 4 full × 4096 + 22 sliding × 512 = 27,648 layer-tokens
    assert kv_size(spec, 4096, 1, "bf16").kv_cache_bytes == (4 * 4096 + 22 * 512) * 1024 == 28_311_552


def test_gemma3_underscore_pattern_key(tmp_path):
    # gemma-3-27b-it states `_sliding_window_pattern` (transformers' private name) under text_config;
    # without its layer_types list and with the pattern set to 2, (local global) alternate over 62 layers
    cfg = json.loads((FIXTURES / "gemma-3-27b-it.json").read_text())
    del cfg["text_config"]["layer_types"]
    cfg["text_config"]["_sliding_window_pattern"] = 2
    p = tmp_path / "g3.json"
    p.write_text(json.dumps(cfg))
    assert hf.load(p).pattern == "(local global)*31"


# --- Falcon: multi_query defaults to true ---------------------------------------------------------

def test_falcon_without_multi_query_is_mqa(tmp_path):
    # FalconConfig(multi_query=True) by default: one KV head of 4544 / 71 = 64 dims
    spec = edited(tmp_path, "falcon-7b.json", drop=["multi_query"])
    m = spec.layer_types["block"].mixer
    assert (m.num_heads, m.num_kv_heads, m.head_dim) == (71, 1, 64)
    # 32 layers × 2 (K, V) × 1 head × 64 × 2 B × 2048 tokens
    assert kv_size(spec, 2048, 1, "bf16").kv_cache_bytes == 32 * 2 * 1 * 64 * 2 * 2048 == 16_777_216
    # and the parameter count transformers reports for falcon-7b (tests/golden/hf_params.json)
    assert spec.parameters() == 6_921_720_704


def test_falcon_multi_query_false_is_mha(tmp_path):
    spec = edited(tmp_path, "falcon-7b.json", multi_query=False)
    # 71 KV heads: 32 × 2 × 71 × 64 × 2 B × 2048
    assert kv_size(spec, 2048, 1, "bf16").kv_cache_bytes == 32 * 2 * 71 * 64 * 2 * 2048 == 1_191_182_336


# --- text_config: the outer tie_word_embeddings counts -------------------------------------------

def test_text_config_with_outer_tie_false(tmp_path):
    # gemma-3-27b-it: no tie key anywhere -> tied (Gemma's default); transformers: 27,009,346,304 text
    # parameters (tests/golden/hf_params_extra.json). An outer tie_word_embeddings: false unties the
    # LM head: + vocab × hidden = 262,208 × 5,376 = 1,409,630,208
    assert hf.load(FIXTURES / "gemma-3-27b-it.json").parameters() == 27_009_346_304
    spec = edited(tmp_path, "gemma-3-27b-it.json", tie_word_embeddings=False)
    assert spec.tie_embeddings is False
    assert spec.parameters() == 27_009_346_304 + 262_208 * 5_376 == 28_418_976_512


def test_text_config_with_outer_tie_true(tmp_path):
    # Llama 4 Scout: untied by default, 107,769,861,120 parameters (transformers); an outer
    # tie_word_embeddings: true drops the LM head: − 202,048 × 5,120 = 1,034,485,760
    spec = edited(tmp_path, "Llama-4-Scout-17B-16E-Instruct.json", tie_word_embeddings=True)
    assert spec.parameters() == 107_769_861_120 - 202_048 * 5_120 == 106_735_375_360


def test_text_config_inner_tie_beats_outer(tmp_path):
    cfg = json.loads((FIXTURES / "Llama-4-Scout-17B-16E-Instruct.json").read_text())
    cfg["tie_word_embeddings"] = True
    cfg["text_config"]["tie_word_embeddings"] = False
    p = tmp_path / "scout.json"
    p.write_text(json.dumps(cfg))
    assert hf.load(p).parameters() == 107_769_861_120


# --- size --json: next_token_bytes, bytes_per_token ----------------------------------------------

# Mistral 7B: 32 sliding layers (window 4096) × 2 × 8 KV heads × 128 × 2 B = 131,072 B per token
MISTRAL_TOKEN = 32 * 2 * 8 * 128 * 2


@pytest.mark.parametrize("ctx,next_token", [
    (1, MISTRAL_TOKEN),      # far below the window: the next token is cached in every layer
    (4095, MISTRAL_TOKEN),   # 4095 held; token 4096 still fits in the window
    (4096, 0),               # the window is full: the next token evicts one
    (4097, 0),
])
def test_next_token_bytes_at_the_window_edge(ctx, next_token):
    d, _ = cli_json("size", "mistral-7b", "--ctx", str(ctx), "--json")
    assert d["bytes_per_token"] == MISTRAL_TOKEN == 131_072
    assert d["next_token_bytes"] == next_token
    assert d["layers"][0]["tokens"] == min(ctx, 4096)


def test_next_token_bytes_counts_only_growing_layers():
    # Gemma 2 9B at 8192: 21 local layers (window 4096) are full, 21 global layers grow.
    # per layer-token 2 × 8 × 256 × 2 B = 8,192 B; all 42 layers: 344,064; the 21 global: 172,032
    d, _ = cli_json("size", "gemma-2-9b", "--ctx", "8192", "--json")
    assert d["bytes_per_token"] == 42 * 8192 == 344_064
    assert d["next_token_bytes"] == 21 * 8192 == 172_032
    assert [(g["layer_type"], g["bytes_per_token"], g["tokens"]) for g in d["layers"]] == \
        [("local", 21 * 8192, 4096), ("global", 21 * 8192, 8192)]


# --- the max-context warning: beyond, not at --------------------------------------------------------

def test_max_context_warning_is_not_off_by_one():
    d, err = cli_json("size", "gpt2", "--ctx", "1024", "--json")   # GPT-2: n_positions 1024
    assert d["warnings"] == [] and err == ""
    d, err = cli_json("size", "gpt2", "--ctx", "1025", "--json")
    assert d["warnings"] == ["ctx 1,025 is beyond gpt2's max_position_embeddings (1,024)"]
    assert err == "kvplan: warning: ctx 1,025 is beyond gpt2's max_position_embeddings (1,024)\n"


# --- --ctx accepts separators --------------------------------------------------------------------

@pytest.mark.parametrize("text", ["4,096", "4_096", " 4096 ", "4096"])
def test_ctx_with_separators(text):
    d, _ = cli_json("size", "llama-13b", "--ctx", text, "--batch", "1,0", "--json")
    # Llama 2 13B fp16: 2 × 40 layers × 40 heads × 128 × 2 B = 819,200 B per token; batch "1,0" = 10
    assert d["ctx"] == 4096 and d["batch"] == 10
    assert d["kv_cache_bytes"] == 819_200 * 4096 * 10 == 33_554_432_000


# --- weights are priced in the weight dtype, never the KV dtype ------------------------------------

def test_weights_in_model_dtype_when_kv_is_fp8():
    # Llama 2 13B: 13,015,864,320 parameters (Meta's figure; transformers agrees) in fp16 = 2 B each;
    # the KV in fp8: 40 × 2 × 40 × 128 × 4096 × 1 B = 1,677,721,600
    d, _ = cli_json("size", "llama-13b", "--ctx", "4096", "--kv-dtype", "fp8", "--json")
    assert d["kv_dtype"] == "fp8_e4m3" and d["kv_cache_bytes"] == 1_677_721_600
    assert d["weight_dtype"] == "fp16" and d["weights_bytes"] == 2 * 13_015_864_320 == 26_031_728_640


@pytest.mark.parametrize("wdtype,name,nbytes", [
    ("fp8", "fp8_e4m3", 13_015_864_320),            # 1 B per parameter
    ("int4", "int4", 13_015_864_320 // 2),          # half a byte: 6,507,932,160
    ("fp32", "fp32", 4 * 13_015_864_320),
    ("q8_0", "q8_0", 13_015_864_320 // 32 * 34),    # 406,745,760 blocks of 32 (exact) × 34 B
])
def test_weight_dtype_does_not_change_kv(wdtype, name, nbytes):
    d, _ = cli_json("size", "llama-13b", "--ctx", "4096", "--weight-dtype", wdtype, "--json")
    assert d["weight_dtype"] == name and d["weights_bytes"] == nbytes
    assert d["kv_dtype"] == "fp16" and d["kv_cache_bytes"] == 3_355_443_200  # 819,200 × 4096


def test_library_weights_with_a_kv_dtype():
    r = kv_size(catalog.load_model("llama-3.1-8b"), 10, 1, "int4")
    # 8,030,261,248 parameters in bf16 (the model dtype), whatever the KV format
    assert (r.weight_dtype, r.weights_bytes) == ("bf16", 2 * 8_030_261_248)


# --- the fit path's sizing equals the report's -------------------------------------------------------

@pytest.mark.parametrize("engine", ["ideal", "hf"])
def test_kv_size_from_mixers_matches_kv_size(engine):
    from kvplan.model import dtypes
    from kvplan import engines
    from kvplan.engines.base import cache_bytes

    # Nemotron 3 Nano, 3 sequences of 1000 tokens: 6 attention layers × 1,024 B per token, and 23
    # Mamba2 states of 2,134,016 B (ideal: 3 conv columns, model dtype; SSM fp32) or
    # (64·64 + 2·8·128) × 4 columns × 2 B + 64·64·128 × 4 B = 2,146,304 B (hf: 4 columns, fp32 state)
    spec = catalog.load_model("nemotron-3-nano")
    state = {"ideal": 2_134_016, "hf": (64 * 64 + 2 * 8 * 128) * 4 * 2 + 64 * 64 * 128 * 4}[engine]
    expected = 3 * (6 * 1024 * 1000 + 23 * state)
    got = cache_bytes(spec, 1000, 3, dtypes.get("bf16"), engines.get(engine), "bf16")
    assert got == expected == kv_size(spec, 1000, 3, "bf16", engine).total_bytes


def test_unknown_dtype_lists_the_known_ones():
    from kvplan.model import dtypes
    from kvplan.errors import KvplanError

    with pytest.raises(KvplanError) as e:
        dtypes.get("fp7")
    # the plain formats, then the grouped ones, then the KIVI family's name pattern
    msg = str(e.value)
    assert msg.startswith("unknown dtype 'fp7'; known: fp32, fp16, bf16, fp8_e4m3, fp8_e5m2, int8, int4, q8_0, ")
    assert msg.endswith(", kivi<b>[-g<G>]")


# --- engine rules that only some inputs tell apart -------------------------------------------------

def test_hf_mla_caches_two_tensors_which_matters_for_grouped_formats():
    # transformers keeps the MLA latent (512) and the rope key (64) as two tensors. With KIVI 2-bit in
    # groups of 96 (96 × 2 / 8 = 24 B + 4 B scale and zero = 28 B per group): 512 -> 6 groups, 64 -> 1
    # group = 196 B per token and layer (hf); one 576-value row (ideal) -> 6 groups = 168 B.
    # DeepSeek-V2-Lite: 27 layers, 1000 tokens
    spec = hf.load(FIXTURES / "DeepSeek-V2-Lite.json")
    assert kv_size(spec, 1000, 1, "kivi2-g96", "hf").kv_cache_bytes == 27 * 1000 * (6 + 1) * 28 == 5_292_000
    assert kv_size(spec, 1000, 1, "kivi2-g96", "ideal").kv_cache_bytes == 27 * 1000 * 6 * 28 == 4_536_000


@pytest.mark.parametrize("engine", ["ideal", "hf"])
def test_mlp_only_layers_hold_no_tokens(engine):
    # Nemotron 3 Nano's 23 MoE-only blocks cache nothing: 0 tokens held, 0 bytes, not growing
    r = kv_size(catalog.load_model("nemotron-3-nano"), 1000, 1, None, engine)
    moe = next(g for g in r.groups if g.layer_type == "moe")
    assert (moe.tokens, moe.bytes_per_token, moe.kv_bytes, moe.state_bytes, moe.growing) == (0, 0, 0, 0, False)


def test_ideal_state_in_the_model_dtype_not_the_kv_dtype(tmp_path):
    # Jamba in float32 with an fp8 KV cache: the ideal layout keeps the 28 Mamba layers' state in the
    # model's dtype: (8192 × 3 conv columns + 8192 × 16 SSM) × 4 B = 622,592 B per layer
    spec = edited(tmp_path, "Jamba-v0.1.json", torch_dtype="float32")
    assert kv_size(spec, 10, 1, "fp8").state_bytes == 28 * (8192 * 3 + 8192 * 16) * 4 == 17_432_576
