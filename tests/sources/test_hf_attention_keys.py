"""The attention-only converters (sources/hfconfig/attention.py), the reader and the config view,
one key or one refusal at a time: a vendored config.json with a key dropped (the default the
engines apply must be the one kvplan applies) or set to a value the importer must refuse, word
for word. Sources: transformers 5.20.2 and vLLM 0.33.0 / SGLang 0.5.23 as installed in
/work/scratch/vllm/venv and /work/scratch/sglang/venv (file and line named at each test)."""
import json

import pytest

from conftest import FIXTURES
from kvplan.errors import KvplanError
from kvplan.sources import hfconfig as hf

W = "config.json"


def raw(fixture, drop=(), **edit):
    cfg = json.loads((FIXTURES / fixture).read_text())
    inner = cfg.get("text_config", cfg)
    for k in drop:
        inner.pop(k, None)
    inner.update(edit)
    return cfg


def load(fixture, drop=(), **edit):
    return hf.from_config(raw(fixture, drop, **edit), "t")


def refused(fixture, drop=(), **edit) -> str:
    with pytest.raises(KvplanError) as e:
        load(fixture, drop, **edit)
    return str(e.value)


# --- GPT-2, OPT, Falcon: the hidden size split across the heads ---------------------------------

@pytest.mark.parametrize("fixture, edit", [
    # GPT2Attention.__init__ (modeling_gpt2.py:85): "`embed_dim` must be divisible by num_heads"
    ("GPT-2.json", {"n_embd": 100, "n_head": 3}),
    # OPTAttention.__init__ (modeling_opt.py:125): "embed_dim must be divisible by num_heads"
    ("OPT-125m.json", {"hidden_size": 100, "word_embed_proj_dim": 100, "num_attention_heads": 3}),
    # FalconAttention.__init__ (modeling_falcon.py:222): "`hidden_size` must be divisible by num_heads"
    ("falcon-7b.json", {"hidden_size": 100, "num_attention_heads": 3}),
])
def test_a_hidden_size_the_heads_do_not_divide_is_refused_not_floored(fixture, edit):
    # 100 / 3 = 33.3: transformers refuses to build such a model; kvplan used to floor it to 33
    assert refused(fixture, **edit) == f"{W}: hidden_size 100 is not divisible by num_attention_heads 3"


def test_divisible_hidden_sizes_still_split_evenly():
    assert load("GPT-2.json").layer_types["block"].mixer.head_dim == 768 // 12 == 64
    assert load("OPT-125m.json").layer_types["block"].mixer.head_dim == 768 // 12 == 64
    assert load("falcon-7b.json").layer_types["block"].mixer.head_dim == 4544 // 71 == 64


# --- MiMo-V2-Flash --------------------------------------------------------------------------------
MIMO = "MiMo-V2-Flash.json"


def test_mimo_has_no_shared_expert_and_refuses_one_it_would_have_to_guess():
    # transformers 5.20.2 modeling_mimo_v2_flash.py MiMoV2FlashMoE: "no shared experts"; vLLM 0.33
    # mimo_v2.py MiMoV2MoE builds routed experts only; SGLang 0.5.23 mimo_v2.py passes
    # gated_shared_output=None. The released config states "n_shared_experts": null.
    for spec in (load(MIMO), load(MIMO, n_shared_experts=0), load(MIMO, drop=["n_shared_experts"])):
        assert spec.layer_types["local-moe"].mlp.shared_intermediate_size == 0
    assert refused(MIMO, n_shared_experts=1) == (
        f"{W}: key 'n_shared_experts' = 1 is not read by this family's config; refusing to guess its effect")
