"""Issue 25: vLLM 0.33's LoRA slots (engines/vllm/lora.py) and the wiring of issue 23's extras
(engines/vllm/extras.py) at their edges and to the last word of each refusal; numbers worked out
by hand beside each assertion (the rules are the ones test_vllm_extras.py checks against vLLM)."""
import pytest

from kvplan.engines.vllm import lora
from kvplan.errors import KvplanError
from kvplan.sources import catalog

RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)  # config/lora.py MaxLoRARanks, vLLM 0.33.0


def _raises(msg, f, *args):
    with pytest.raises(KvplanError) as e:
        f(*args)
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
