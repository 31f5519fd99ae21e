"""The model added to the catalog in session 18 (issue 20: start-up logs whose model was missing),
checked by hand from its config.json (tests/fixtures/configs/Qwen2.5-3B.json; SOURCES_EXTRA.md)."""
from kvplan import api
from kvplan.sources import catalog


def test_qwen2_5_3b_kv_and_parameters_by_hand():
    spec = catalog.load_model("Qwen/Qwen2.5-3B-Instruct")  # the Instruct name resolves to the base config
    assert spec.name == "qwen2.5-3b" and spec.dtype == "bf16" and spec.max_context == 32_768
    r = api.size(spec, ctx=8192, batch=1, engine="ideal")
    # 36 layers x (K + V) x 2 KV heads x head_dim 128 x 2 bytes (bf16)
    assert r.bytes_per_token == 36 * 2 * 2 * 128 * 2 == 36_864
    assert r.groups[0].kv_bytes == 8192 * 36_864
    # per layer: q 2048x2048 + bias 2048, k and v 2048x256 + bias 256 each, o 2048x2048,
    # gate/up/down 3 x 2048 x 11008, two RMSNorms of 2048; embeddings 151,936 x 2048, tied to
    # the LM head (tie_word_embeddings true); the final norm 2048
    layer = (2048 * 2048 + 2048) + 2 * (2048 * 256 + 256) + 2048 * 2048 + 3 * 2048 * 11008 + 2 * 2048
    assert layer == 77_076_992
    assert spec.parameters() == 36 * layer + 151_936 * 2048 + 2048 == 3_085_938_688
    # bf16: 6.17 GB, the 5.75 GiB the gemma-benchmarks log's loader states as the checkpoint size
    assert round(2 * spec.parameters() / 2**30, 2) == 5.75


def test_cards_added_in_session_18_carry_their_compute_capability():
    """vLLM picks attention backends by compute capability (engines/vllm/settings.py): the A40 is
    GA102 (8.6); the DGX Spark's GB10 is 12.1, the capability vLLM 0.13.0's utils/mem_utils.py names
    "Spark" among its unified-memory platforms ((8, 7), (11, 0), (12, 1))."""
    from kvplan.engines.vllm.settings import capability
    assert capability(catalog.load_gpu("a40")) == 86
    assert capability(catalog.load_gpu("dgx-spark")) == 121


def test_a_plan_on_unified_memory_says_what_it_leaves_out():
    """The GB10 shares its memory with the CPU and the OS; vLLM's non-torch term there counts host
    allocations (utils/mem_utils.py, psutil), which kvplan does not model: fit says so, and says
    nothing of it on a discrete card."""
    gb10, a40 = catalog.load_gpu("gb10"), catalog.load_gpu("a40")
    assert gb10.unified_memory and not a40.unified_memory
    note = "unified memory, shared with the CPU and the OS"
    assert any(note in n for n in api.fit("qwen2.5-3b", "gb10", engine="vllm").notes)
    assert not any(note in n for n in api.fit("qwen2.5-3b", "a40", engine="vllm").notes)


def test_the_unified_memory_note_word_for_word():
    (note,) = [n for n in api.fit("qwen2.5-3b", "gb10", engine="vllm").notes if "unified memory" in n]
    assert note == ("gb10: unified memory, shared with the CPU and the OS; vLLM reads free memory from the host "
                    "there, so its non-torch share counts host allocations made during start-up, which kvplan "
                    "does not model (its budget may be smaller than this plan)")


def test_unified_memory_is_read_from_the_label_in_any_case():
    # the catalog's GB10 label says "unified" in lower case; a card whose label capitalises it is the same kind
    gb10 = catalog.load_gpu("gb10")
    assert gb10.model_copy(update={"memory_label": "128 GB Unified LPDDR5x"}).unified_memory
    assert not gb10.model_copy(update={"memory_label": "128 GB LPDDR5x"}).unified_memory
