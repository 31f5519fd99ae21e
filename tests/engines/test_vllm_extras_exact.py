"""Issue 25: vLLM 0.33's LoRA slots (engines/vllm/lora.py) and the wiring of issue 23's extras
(engines/vllm/extras.py) at their edges and to the last word of each refusal; numbers worked out
by hand beside each assertion (the rules are the ones test_vllm_extras.py checks against vLLM)."""
import pytest

from kvplan.engines.vllm import lora
from kvplan.errors import KvplanError
from kvplan.sources import catalog

RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)  # config/lora.py MaxLoRARanks, vLLM 0.33.0


def _raises(msg, f, *args, **kw):
    with pytest.raises(KvplanError) as e:
        f(*args, **kw)
    assert str(e.value) == msg


def test_lora_ranks_vllm_takes_and_no_others():
    for r in RANKS:
        assert lora.check(1, r, None) == 1
    for r in (0, 2, 9, 33, 129, 257, 321, 513):
        _raises(f"--max-lora-rank must be one of 1, 8, 16, 32, 64, 128, 256, 320, 512, got {r}", lora.check, 1, r, None)
    _raises("--max-loras must be at least 1", lora.check, 0, 8, None)
    _raises("--max-cpu-loras (2) must be >= --max-loras (4)", lora.check, 4, 64, 2)
    assert lora.check(4, 64, 4) == 4 and lora.check(4, 64, None) == 4


def test_lora_slots_over_two_layer_types():
    # Gemma-3-27B: 52 local (sliding) + 10 global layers, alike in size: hidden 5,376, 32 query
    # and 16 KV heads of 128, MLP 21,504, vocabulary 262,208. 2 slots of rank 8 (n × r = 16), bf16:
    #   a layer's attention 16 × (3 × 5,376 + (4,096 + 2 × 2,048) + 4,096 + 5,376) = 540,672
    #   its MLP           16 × (2 × 5,376 + 2 × 21,504 + 21,504 + 5,376)          = 1,290,240
    #   embedding and LM head, each 16 × (262,208 + 5,376)                        = 4,281,344
    s = catalog.load_model("gemma-3-27b")
    assert s.counts() == {"local": 52, "global": 10}
    x = lora.lora_slots(s.shard(1), 1, 2, 8, "bf16", s.vocab_size, 3)
    assert dict(x.parts) == {"attention (qkv, o)": 62 * 540_672 * 2, "MLP (gate/up, down)": 62 * 1_290_240 * 2,
                             "embedding": 4_281_344 * 2, "LM head": 4_281_344 * 2}
    assert x.bytes == 244_158_464 and (x.max_loras, x.max_lora_rank, x.max_cpu_loras, x.dtype) == (2, 8, 3, "bf16")
    # TP 2: the int64 vocabulary map joins: 262,208 × 8 bytes
    assert dict(lora.lora_slots(s.shard(2), 2, 2, 8, "bf16", s.vocab_size).parts)["vocab map (int64, TP > 1)"] \
        == 262_208 * 8


@pytest.mark.parametrize("name, kinds", [("qwen3-30b-a3b", "'full' / 'moe'"), ("deepseek-v3", "'mla' / 'dense'"),
                                         ("gpt-oss-20b", "'sliding' / 'moe'"), ("nemotron-h-56b", "'mamba2' / 'None'")])
def test_lora_refuses_layers_it_does_not_model(name, kinds):
    # the first layer type that is not attention + a dense MLP is named (Nemotron-H: a Mamba-2 layer
    # without an MLP; DeepSeek-V3's first three layers are MLA + a dense MLP, its later ones MoE)
    s = catalog.load_model(name)
    _raises("kvplan models vLLM's LoRA buffers for attention + dense-MLP layers only; "
            f"this model has {kinds} layers", lora.lora_slots, s.shard(1), 1, 2, 8, "bf16", s.vocab_size)


# --- extras.py: the drafter and the LoRA slots in vLLM's budget -------------------------------
def _fit(tp=1, pp=1, **opts):
    from kvplan.engines.base import ServeOptions
    from kvplan.plan import fit as F

    return F.fit(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), tp=tp, pp=pp,
                 opts=ServeOptions(**opts))


def test_lora_slots_in_the_budget():
    # Llama-3.1-8B at TP 1, 4 slots of rank 64 (n × r = 256), bf16: per layer attention
    # 256 × (3 × 4,096 + 4,096 + 2 × 1,024 + 4,096 + 4,096) = 6,815,744, MLP
    # 256 × (2 × 4,096 + 3 × 14,336 + 4,096) = 14,155,776; embedding and LM head
    # 256 × (128,256 + 4,096) = 33,882,112 each: (32 × 20,971,520 + 2 × 33,882,112) × 2 bytes
    (p,) = [p for p in _fit(lora=(4, 64, 8)).stages[0].budget if p.key == "lora"]
    assert (p.label, p.bytes, p.source) == ("LoRA slots (4 × rank 64)", 1_477_705_728,
                                            "engines/vllm/lora.py (lora/layers: create_lora_weights)")
    # TP 2: a rank's share (query 2,048, KV 512, MLP 7,168; the hidden size whole) and the int64
    # vocabulary map: attention 256 × (3 × 4,096 + 2,048 + 2 × 512 + 2,048 + 4,096) = 256 × 21,504,
    # MLP 256 × (2 × 4,096 + 3 × 7,168 + 4,096) = 256 × 33,792 a layer
    (p,) = [p for p in _fit(tp=2, lora=(4, 64, 8)).stages[0].budget if p.key == "lora"]
    assert p.bytes == (32 * 256 * (21_504 + 33_792) + 2 * 33_882_112) * 2 + 128_256 * 8
    _raises("--max-cpu-loras (2) must be >= --max-loras (4)", _fit, 1, 1, lora=(4, 64, 2))
    _raises("kvplan prices LoRA slots at --pp 1 only", _fit, 1, 2, lora=(4, 64, 8))


def test_drafter_in_the_budget_is_labelled():
    from kvplan.engines.vllm import speculative

    sc = speculative.parse('{"method":"eagle3","num_speculative_tokens":3}')
    (p,) = [p for p in _fit(speculative_config=sc).stages[0].budget if p.key == "draft"]
    assert (p.label, p.source) == ("eagle3 drafter weights", "engines/vllm/speculative.py (llama_eagle3.py / "
                                   "deepseek_mtp.py, shared embedding and head: llm_base_proposer.py)")
    _raises("kvplan prices a drafter at --pp 1 only", _fit, 1, 2, speculative_config=sc)


def test_lmcache_connector_alone_selects_lmcache():
    # --kv-transfer-config LMCacheConnectorV1 with no --lmcache-config: LMCache's defaults
    # (chunk 256 tokens, max_local_cpu_size 5 GiB on every rank). Llama-3.1-8B at TP 2: a rank's
    # token is 32 layers × 4 KV heads × 128 × 2 (K, V) × 2 bytes = 65,536; a chunk 16 MiB;
    # 5 GiB / 16 MiB = 320 chunks = 81,920 tokens
    t = _fit(tp=2, kv_connector="LMCacheConnectorV1").capacity.detail["cpu_offload"]
    assert (t["backend"], t["mode"], t["chunk_object_bytes"], t["cpu_chunks"], t["cpu_tokens"],
            t["host_bytes_per_node"]) == ("lmcache", "in-process", 16 * 2**20, 320, 81_920, 10 * 2**30)
    # PP 2 instead: a stage's 16 layers × 8 KV heads × 128 × 2 × 2 bytes = 65,536 a token again, and
    # the world is TP × PP = 2 ranks, each pinning its own 5 GiB
    t = _fit(pp=2, kv_connector="LMCacheConnectorV1").capacity.detail["cpu_offload"]
    assert (t["world_size"], t["chunk_object_bytes"], t["host_bytes_per_node"]) == (2, 16 * 2**20, 10 * 2**30)
    assert t["lmcache_version"] == "0.5.6"  # engines/vllm/lmcache.py VERSION, the release its rules are read from


def test_native_offload_of_an_mla_model_is_replicated():
    # DeepSeek-V3 at TP 8: every rank holds the same latent, 61 layers × 16 tokens × 576 × 2 bytes
    # = 1,124,352 bytes a block; replicated_layout keeps one copy: a chunk rounds up to 275 pages
    # of 4 KiB = 1,126,400; 64 GiB // 1,126,400 = 61,008 chunks of one 16-token block
    from kvplan.engines.base import ServeOptions
    from kvplan.plan import fit as F

    r = F.fit(catalog.load_model("deepseek-v3"), catalog.load_gpu("h200"), tp=8,
              opts=ServeOptions(kv_offloading_size=64 * 2**30))
    t = r.capacity.detail["cpu_offload"]
    assert (t["replicated_layout"], t["chunk_bytes"], t["cpu_blocks"], t["cpu_tokens"], t["host_bytes_per_rank"],
            t["host_bytes_per_node"]) == (True, 1_126_400, 61_008, 61_008 * 16, 61_008 * 1_124_352,
                                          61_008 * 1_126_400)


def test_offload_chunks_and_speculative_detail_reach_the_report():
    # kv_connector_extra_config blocks_per_chunk 4: Llama-3.1-8B's 2 MiB block × 4 = 8 MiB a chunk,
    # 64 GiB / 8 MiB = 8,192 chunks = 32,768 blocks
    t = _fit(kv_offloading_size=64 * 2**30, kv_connector_extra_config={"blocks_per_chunk": 4}) \
        .capacity.detail["cpu_offload"]
    assert (t["blocks_per_chunk"], t["chunk_bytes"], t["num_chunks"], t["cpu_blocks"]) == (4, 8 * 2**20, 8192, 32768)
    from kvplan.engines.vllm import speculative

    sc = speculative.parse('{"method":"eagle3","num_speculative_tokens":3}')
    assert _fit(speculative_config=sc).capacity.detail["speculative"] == {
        "method": "eagle3", "num_speculative_tokens": 3, "model": "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B"}


def test_mtp_layer_is_priced_from_the_layer_not_the_checkpoint_total():
    # with the checkpoint's own bytes read (stored_weights), a one-layer and a two-layer copy of
    # the spec would both report the whole checkpoint; _one_layer_bytes prices the layer instead
    from types import SimpleNamespace

    from kvplan.engines.vllm import extras

    s = catalog.load_model("deepseek-v3").shard(8)
    lt = s.layers[-1]
    plain = extras._one_layer_bytes(s, lt)
    stored = SimpleNamespace(bytes=10**12, towers_bytes=lambda: 0, describe_formats=lambda: "fp8")
    with_st = type(s).model_construct(**{**{k: getattr(s, k) for k in type(s).model_fields}, "stored_weights": stored})
    assert extras._one_layer_bytes(with_st, lt) == plain > 0


def test_lmcache_server_l1_and_refusals():
    from kvplan.engines.base import ServeOptions
    from kvplan.engines.vllm import lmcache, speculative
    from kvplan.plan import fit as F

    # --kv-offloading-backend lmcache: the server's L1 taken from --kv-offloading-size, 64 GiB on
    # the node: 4,096 chunks of 16 MiB (a TP-2 rank's 65,536 bytes a token × 256) over 2 ranks
    t = _fit(tp=2, kv_offloading_size=64 * 2**30, kv_offloading_backend="lmcache").capacity.detail["cpu_offload"]
    assert (t["connector"], t["cpu_chunks"], t["cpu_tokens"], t["host_bytes_per_rank"]) == (
        "LMCacheMPConnector", 2048, 524_288, 32 * 2**30)
    assert t["notes"][0] == ("vLLM 0.33 does not pass --kv-offloading-size to LMCache (config/vllm.py "
                             "_post_init_kv_transfer_config): kvplan takes it as the server's L1; start "
                             "`lmcache server --l1-size-gb 64` to match")
    # l1_size_gb in --lmcache-config wins: 8 GiB = 512 chunks on the node
    t = _fit(tp=2, kv_offloading_size=64 * 2**30, kv_offloading_backend="lmcache",
             lmcache=lmcache.LMCacheConfig(l1_size_gb=8.0)).capacity.detail["cpu_offload"]
    assert t["host_bytes_per_node"] == 8 * 2**30 and t["notes"][0] == \
        "L1 from --lmcache-config l1_size_gb (the server's --l1-size-gb)"
    g = catalog.load_gpu("h100")
    _raises("kvplan models LMCache for full-attention models only; this one has full, sliding layers", F.fit,
            catalog.load_model("gpt-oss-20b"), g, opts=ServeOptions(kv_connector="LMCacheConnectorV1"))
    _raises("kvplan knows no MTP layers for llama-3.1-8b (known: deepseek-v3, deepseek-r1)", _fit,
            speculative_config=speculative.parse('{"method":"mtp","num_speculative_tokens":1}'))


def test_ngram_adds_no_drafter():
    # n-gram speculation proposes from the prompt: no weights, no draft layers in the pool
    from kvplan.engines.vllm import speculative

    plain = _fit(max_model_len=8192)
    r = _fit(max_model_len=8192, speculative_config=speculative.parse('{"method":"ngram","num_speculative_tokens":3}'))
    assert "draft" not in [p.key for p in r.stages[0].budget]
    assert r.capacity.detail["bytes_per_block"] == plain.capacity.detail["bytes_per_block"]
    # nor for a model with MTP layers (DeepSeek-V3's one nextn layer joins the pool only for mtp):
    # the pool's block stays 61 layers × 16 tokens × 576 × 2 bytes at TP 8
    from kvplan.engines.base import ServeOptions
    from kvplan.plan import fit as F

    sc = speculative.parse('{"method":"ngram","num_speculative_tokens":3}')
    r = F.fit(catalog.load_model("deepseek-v3"), catalog.load_gpu("h200"), tp=8,
              opts=ServeOptions(speculative_config=sc, max_model_len=8192))
    assert r.capacity.detail["bytes_per_block"] == 61 * 16 * 576 * 2


def test_eagle3_refuses_a_target_of_another_head_size():
    # the EAGLE-3 head for Llama-3.1-8B has 128-wide heads; a made-up target of the same hidden
    # size and vocabulary with 64 heads of 64 passes the weights' check and is refused at the pool
    from kvplan.engines.base import ServeOptions
    from kvplan.engines.vllm import speculative
    from kvplan.plan import fit as F

    s = catalog.load_model("llama-3.1-8b")
    lts = {k: v.model_copy(update={"mixer": v.mixer.model_copy(update=dict(num_heads=64, num_kv_heads=16,
                                                                               head_dim=64))})
           for k, v in s.layer_types.items()}
    sc = speculative.parse('{"method":"eagle3","num_speculative_tokens":3}')
    _raises("yuhuili/EAGLE3-LLaMA3.1-Instruct-8B does not match llama-3.1-8b's attention", F.fit,
            s.model_copy(update={"layer_types": lts}), catalog.load_gpu("h100"),
            opts=ServeOptions(speculative_config=sc, max_model_len=8192))


def test_lora_punica_index_tensors():
    # vLLM 0.33.0 (and 0.29.0) PunicaWrapperBase: 4 int64 [tokens] + 3 int64 [max_num_seqs]; two
    # LoRAKernelMeta: each 2 int32 [tokens] + 2 int32 [max_loras + 1] + 1 int32 [max_loras + 2].
    # 8,192 tokens, 256 sequences, 4 slots: 4 × 8,192 × 8 + 3 × 256 × 8 = 268,288;
    # 2 × (2 × 8,192 × 4 + 2 × 5 × 4 + 6 × 4) = 2 × 65,600 = 131,200
    assert lora.punica_bytes(8192, 256, 4) == 399_488
    assert lora.punica_bytes(2048, 1, 1) == 4 * 2048 * 8 + 3 * 8 + 2 * (2 * 2048 * 4 + 2 * 2 * 4 + 3 * 4)
    (p,) = [p for p in _fit(lora=(4, 64, 8), max_num_batched_tokens=8192, max_num_seqs=256).stages[0].budget
            if p.key == "lora_punica"]
    assert (p.label, p.bytes) == ("LoRA: punica wrapper's index tensors", 399_488)
    # from vLLM's code, so no band; the source names the rule and the wrapper it reads
    assert (p.uncertainty, p.source) == (0, "engines/vllm/lora.py punica_bytes (lora/punica_wrapper: PunicaWrapperGPU)")
    assert "lora_punica" not in [p.key for p in _fit(max_num_batched_tokens=8192).stages[0].budget]


def test_lora_flags_from_a_log():
    from kvplan.observe import launch, log_flags

    # vLLM's LoRAConfig defaults (config/lora.py, 0.29.0 and 0.33.0): max_loras 1, max_lora_rank 16
    assert log_flags.vllm_options({"enable_lora": True})[0].lora == (1, 16, None)
    assert log_flags.vllm_options({"enable_lora": "True", "max_lora_rank": 64, "max_loras": 2,
                                   "max_cpu_loras": 4})[0].lora == (2, 64, 4)
    assert log_flags.vllm_options({"max_lora_rank": 64})[0].lora is None
    _, flags = launch.parse_flags(["m", "--enable-lora", "--max-lora-rank", "64", "--max-loras", "3"],
                                  launch.VLLM_FLAGS, launch.VLLM_SWITCHES, True)
    assert flags == {"enable_lora": True, "max_lora_rank": "64", "max_loras": "3"}
