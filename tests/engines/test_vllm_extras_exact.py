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
                                         ("gpt-oss-20b", "'sliding' / 'moe'")])
def test_lora_refuses_layers_it_does_not_model(name, kinds):
    # the first layer type that is not attention + a dense MLP is named (DeepSeek-V3's first three
    # layers are MLA + a dense MLP; its later ones MoE)
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
