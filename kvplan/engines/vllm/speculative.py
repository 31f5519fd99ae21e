"""vLLM 0.33's speculative decoding: ``--speculative-config`` priced as vLLM allocates it (issue 23).

Rules (paths inside the vllm package, release 0.33.0):

* ``config/speculative.py`` SpeculativeConfig: ``method`` (eagle3, mtp, ngram, ...),
  ``num_speculative_tokens`` k, ``model`` (the draft; none for MTP: the target's own
  ``num_nextn_predict_layers`` layers); the draft runs in the target's dtype.
* ``v1/spec_decode/llm_base_proposer.py`` load_model: the draft is built (``_get_model``) after
  the target, its attention layers register in the same forward context, so
  ``v1/worker/gpu/attn_utils.py`` get_kv_cache_spec returns target + draft layers and the
  planner puts them in ONE pool: a Llama-3.1-8B + EAGLE-3 block is 33 pages, not 32
  (measured: tests/golden/vllm_0.33_spec.json). Then ``_maybe_share_embeddings`` /
  ``_maybe_share_lm_head`` replace the draft's copies with the target's at PP = 1: always for
  MTP; for EAGLE when the checkpoint has no embed_tokens (the Llama-3 EAGLE heads: vLLM PR
  #17326, "free ~1GB for llama 3 model"); EAGLE-3's LM head has its own draft vocabulary and is
  kept.
* ``model_executor/models/llama_eagle3.py``: one decoder layer whose QKV projection takes
  2 × hidden, an ``fc`` (ReplicatedLinear, 3 × target hidden -> hidden, not sharded), a final
  norm, an LM head of ``draft_vocab_size`` rows (ParallelLMHead, sharded), and ``d2t``
  (int64, draft_vocab_size) when the draft vocabulary differs.
* ``model_executor/models/deepseek_mtp.py``: per MTP layer a full decoder layer of the target
  (DeepSeek-V3: MoE + MLA), ``enorm`` and ``hnorm``, ``eh_proj`` (2 × hidden -> hidden,
  unquantized), and ``shared_head`` (norm + head, the head shared with the target's).
* k does not change the planner's pool: blocks per request and bytes per block are the same
  for k = 1 and 3 (measured); the scheduler reserves k look-ahead slots per running request
  (``v1/core/kv_cache_manager.py`` allocate_slots, num_lookahead_tokens) out of that pool.

Not counted (as for the target's weights): rotary cos/sin caches, attention scale scalars and
router bias buffers (the golden file keeps vLLM's totals with them).

Speed-up: with per-token acceptance rate α and k drafted tokens, a target step yields
(1 − α^(k+1)) / (1 − α) tokens on average (k + 1 at α = 1): Leviathan et al., "Fast Inference
from Transformers via Speculative Decoding" (https://arxiv.org/abs/2211.17192), eq. 1.
"""
from __future__ import annotations

import json

from ...model import dtypes
from ...model.dtypes import cdiv
from ...errors import KvplanError
from ...model.frozen import record

METHODS = ("eagle3", "mtp", "deepseek_mtp", "ngram")

# Published draft heads: their config.json facts (copied, with where from)
DRAFTS = {
    "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B": {
        "target_hidden_size": 4096, "hidden_size": 4096, "intermediate_size": 14336,
        "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "num_hidden_layers": 1,
        "vocab_size": 128256, "draft_vocab_size": 32000, "embed_tokens_in_checkpoint": False,
        "source": "https://huggingface.co/yuhuili/EAGLE3-LLaMA3.1-Instruct-8B/blob/main/config.json "
                  "(copy: tests/fixtures/drafts/EAGLE3-LLaMA3.1-Instruct-8B.json); no embed_tokens: "
                  "vLLM PR #17326",
    },
}
ALIASES = {"eagle3-llama3.1-8b": "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B"}


@record
class SpecConfig:
    method: str
    num_speculative_tokens: int
    model: str | None = None


@record
class Draft:
    """What the drafter adds on one GPU (PP = 1)."""

    method: str
    num_speculative_tokens: int
    weights_bytes: int  # after the embedding / LM head are shared with the target
    allocated_bytes: int  # as built, before sharing
    parts: tuple[tuple[str, int], ...]
    kv_layers: int  # attention layers the draft adds to the pool
    kv_layer_type: str | None  # the target layer type whose page the draft's layers take
    source: str = ""


def parse(text: str) -> SpecConfig:
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise KvplanError(f"--speculative-config must be JSON, e.g. "
                          f"'{{\"method\":\"eagle3\",\"num_speculative_tokens\":3}}': {e.msg}") from None
    if not isinstance(d, dict):
        raise KvplanError("--speculative-config must be a JSON object")
    unknown = set(d) - {"method", "num_speculative_tokens", "model"}
    if unknown:
        raise KvplanError(f"--speculative-config: kvplan models method, num_speculative_tokens and model; "
                          f"not {', '.join(sorted(unknown))}")
    method = d.get("method")
    if method not in METHODS:
        raise KvplanError(f"--speculative-config method must be one of {', '.join(METHODS)}, got {method!r}")
    k = d.get("num_speculative_tokens")
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise KvplanError("--speculative-config needs num_speculative_tokens, a positive integer")
    model = d.get("model")
    if method == "eagle3" and model is None:
        model = "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B"
    if model is not None:
        model = ALIASES.get(model.lower(), model)
        if method == "eagle3" and model not in DRAFTS:
            raise KvplanError(f"unknown EAGLE-3 draft '{model}'; known: {', '.join(DRAFTS)}")
    return SpecConfig(method, k, model)


def tokens_per_step(alpha: float, k: int) -> float:
    """Expected tokens per target step: (1 − α^(k+1)) / (1 − α); k + 1 at α = 1."""
    if not 0 <= alpha <= 1:
        raise KvplanError(f"--acceptance must be between 0 and 1, got {alpha}")
    if alpha == 1:
        return float(k + 1)
    return (1 - alpha ** (k + 1)) / (1 - alpha)


def lookahead(sc: SpecConfig) -> int:
    """KV slots vLLM reserves past the 1 + k tokens a decode verifies: k for the drafters that
    read the target's hidden states (eagle, eagle3, mtp) or run a draft model, 0 for n-gram
    (config/vllm.py VllmConfig.num_lookahead_tokens, SpeculativeConfig.use_eagle; the scheduler
    passes it to allocate_slots: v1/core/sched/scheduler.py)."""
    return 0 if sc.method == "ngram" else sc.num_speculative_tokens


def _pad64(n: int) -> int:
    """model_executor/layers/vocab_parallel_embedding.py pad_vocab_size (DEFAULT_VOCAB_PADDING_SIZE 64)."""
    return cdiv(n, 64) * 64


def eagle3(spec, tp: int, pp: int, sc: SpecConfig, dtype: str) -> Draft:
    d = DRAFTS[sc.model]
    if spec.hidden_size != d["target_hidden_size"] or spec.vocab_size != d["vocab_size"]:
        raise KvplanError(f"{sc.model} drafts for a model of hidden size {d['target_hidden_size']} and vocabulary "
                          f"{d['vocab_size']}; {spec.name} has {spec.hidden_size} and {spec.vocab_size}")
    eb = dtypes.get(dtype).row_bytes(1)
    h, th = d["hidden_size"], d["target_hidden_size"]
    hd = d["head_dim"]
    q = d["num_attention_heads"] // tp * hd
    kv = max(1, d["num_key_value_heads"] // tp) * hd
    inter = d["intermediate_size"] // tp
    layer = 2 * h * (q + 2 * kv) + q * h + h * 2 * inter + inter * h + 3 * h
    embed = _pad64(d["vocab_size"]) // tp * h
    head = _pad64(d["draft_vocab_size"]) // tp * h
    parts = [("decoder layer (QKV from 2 × hidden)", layer * eb), ("fc (3 × hidden -> hidden)", 3 * th * h * eb),
             ("final norm", h * eb), ("LM head (draft vocabulary)", head * eb)]
    if d["draft_vocab_size"] != d["vocab_size"]:
        parts.append(("d2t map (int64)", d["draft_vocab_size"] * 8))
    kept = sum(b for _, b in parts)
    shared = pp == 1 and not d["embed_tokens_in_checkpoint"]
    allocated = kept + embed * eb
    if not shared:
        parts.append(("embedding (own copy)", embed * eb))
        kept += embed * eb
    return Draft("eagle3", sc.num_speculative_tokens, kept, allocated, tuple(parts),
                 d["num_hidden_layers"], None, d["source"])


def mtp(spec, rank, tp: int, pp: int, sc: SpecConfig, layer_bytes: int, layer_type: str,
        nextn: int) -> Draft:
    """``layer_bytes``: one decoder layer of the target's last type on one GPU, in its weight
    format (kvplan's own per-layer weights)."""
    if nextn < 1:
        raise KvplanError(f"{spec.name} has no MTP layers (num_nextn_predict_layers is 0)")
    eb = dtypes.get(spec.dtype).row_bytes(1)
    h = spec.hidden_size
    per = layer_bytes + 2 * h * h * eb + 3 * h * eb  # decoder layer, eh_proj, enorm + hnorm + head norm
    head = _pad64(spec.vocab_size) // tp * h * eb
    parts = (("MTP decoder layer(s)", nextn * layer_bytes), ("eh_proj (2 × hidden -> hidden)", nextn * 2 * h * h * eb),
             ("norms (enorm, hnorm, head norm)", nextn * 3 * h * eb))
    return Draft("mtp", sc.num_speculative_tokens, nextn * per, nextn * (per + head) + head, parts, nextn,
                 layer_type, "model_executor/models/deepseek_mtp.py; embed and head shared (llm_base_proposer.py)")
