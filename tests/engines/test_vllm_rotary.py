"""vLLM's rotary cos/sin table, loaded with the weights (engines/vllm/loaded.py rotary_cache_bytes):
positions × rotary dim × bytes, each figure by hand from the model's config.json."""
from kvplan.engines.vllm import loaded
from kvplan.model.spec import Rope
from kvplan.plan import fit
from kvplan.sources import catalog
from kvplan.sources.hfconfig.reader import from_config

MiB = 2**20


def test_tables_by_hand():
    # Llama 3.1 8B: llama3 scaling keeps max_position_embeddings (131,072) rows; head_dim 128; bf16
    assert loaded.rotary_cache_bytes(catalog.load_model("llama-3.1-8b")) == 131_072 * 128 * 2 == 32 * MiB
    # Qwen3-32B: default rope, 40,960 positions × 128 × 2 = 10 MiB (the 0.01 GiB its logs load above the parameters)
    assert loaded.rotary_cache_bytes(catalog.load_model("qwen3-32b")) == 40_960 * 128 * 2 == 10 * MiB
    # DeepSeek-V3: yarn (vLLM's deepseek_yarn) takes original_max_position_embeddings × factor =
    # 4,096 × 40 = 163,840 rows of qk_rope_head_dim 64 (MLA), bf16
    assert loaded.rotary_cache_bytes(catalog.load_model("deepseek-v3")) == 163_840 * 64 * 2 == 20 * MiB
    # gpt-oss asks get_rope for float32: 4,096 × 32 = 131,072 rows × head_dim 64 × 4 bytes
    assert loaded.rotary_cache_bytes(catalog.load_model("gpt-oss-20b")) == 131_072 * 64 * 4 == 32 * MiB
    # Qwen3-Next: partial_rotary_factor 0.25 of head_dim 256 = 64 dims, 262,144 positions
    assert loaded.rotary_cache_bytes(catalog.load_model("qwen3-next-80b-a3b")) == 262_144 * 64 * 2
    # Phi-3.5-mini's longrope keeps a short and a long table: (4,096 + 131,072) rows × 96 dims
    assert loaded.rotary_cache_bytes(catalog.load_model("phi-3.5-mini")) == (4_096 + 131_072) * 96 * 2
    # no rotary embedding (GPT-2's learned positions) or per-layer ropes kvplan does not read (Gemma 4)
    assert loaded.rotary_cache_bytes(catalog.load_model("gpt2")) == 0
    assert loaded.rotary_cache_bytes(catalog.load_model("gemma-4-26b-a4b")) == 0


def test_positions_per_scaling_type():
    assert loaded.rotary_positions(Rope(), 4_096) == 4_096
    assert loaded.rotary_positions(Rope(type="linear", factor=8.0), 131_072) == 1_048_576
    assert loaded.rotary_positions(Rope(type="dynamic", factor=2.5), 4_096) == 10_240
    assert loaded.rotary_positions(Rope(type="yarn", factor=4.0, original_max_position=32_768), 40_960) == 131_072
    assert loaded.rotary_positions(Rope(type="yarn", factor=1.5, original_max_position=3), 3) == 5  # ceil(4.5)
    # MRoPE: 4 × max_position (Qwen2.5-VL), or 4 × the original under yarn
    assert loaded.rotary_positions(Rope(mrope=True), 128_000) == 512_000
    assert loaded.rotary_positions(Rope(type="yarn", factor=4.0, original_max_position=8_192, mrope=True),
                                    32_768) == 32_768
    # MRoPE under another type keeps 4 × max_position even when an original is given:
    # 4 × 32,768 = 131,072, not 4 × 8,192
    assert loaded.rotary_positions(Rope(mrope=True, original_max_position=8_192), 32_768) == 131_072
    # DeepSeek's deepseek_yarn is yarn's rule: original × factor = 4,096 × 4 = 16,384 rows, not
    # the 8,192 of max_position
    assert loaded.rotary_positions(Rope(type="deepseek_yarn", factor=4.0, original_max_position=4_096),
                                    8_192) == 16_384


def test_the_importer_reads_the_rope():
    base = {"model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4,
            "num_key_value_heads": 2, "intermediate_size": 512, "vocab_size": 1000, "torch_dtype": "bfloat16",
            "max_position_embeddings": 2048}
    assert from_config(base, "t").rope == Rope()
    s = from_config({**base, "partial_rotary_factor": 0.5,
                     "rope_scaling": {"type": "yarn", "factor": 4, "original_max_position_embeddings": 512}}, "t")
    assert s.rope == Rope(type="yarn", factor=4.0, original_max_position=512, partial_rotary_factor=0.5)
    # head_dim 64 × 0.5 = 32 dims, 512 × 4 = 2,048 rows, bf16
    assert loaded.rotary_cache_bytes(s) == 2_048 * 32 * 2
    # rope parameters per layer type (transformers 5's Gemma-style nested dict): not read, no table
    nested = {"full_attention": {"rope_type": "default"}, "sliding_attention": {"rope_type": "default"}}
    assert from_config({**base, "rope_parameters": nested}, "t").rope is None


def test_weights_as_loaded_hold_the_table():
    s = catalog.load_model("llama-3.1-8b")
    st = fit.fit(s, catalog.load_gpu("h100")).stages[0]
    assert st.part("weights_rotary") == 32 * MiB
    assert st.weights_as_loaded == st.weights_bytes + 32 * MiB == 2 * 8_030_261_248 + 32 * MiB
