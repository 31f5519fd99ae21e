"""The config view the family converters read through (``_Cfg``: which keys were read, and
which unread keys are harmless) and the small dict builders they share."""
from __future__ import annotations

import re
from typing import Any

from ...errors import KvplanError
from ...model.spec import compress_pattern, layers_problem

_DTYPES = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16", "float": "fp32", "half": "fp16"}

# Keys whose names look cache-relevant but that are known not to change the cache or the
# parameter count (they steer RoPE, routing, logits, training or kernels).
_HARMLESS = {
    "attention_dropout", "attn_pdrop", "attn_logit_softcapping", "max_position_embeddings",
    "original_max_position_embeddings", "rope_scaling", "rope_theta", "rope_parameters",
    "partial_rotary_factor", "query_pre_attn_scalar", "scale_attn_weights",
    "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "use_cache",
    "cache_implementation", "sliding_window_size", "chunk_size", "chunk_size_feed_forward",
    "time_step_limit", "time_step_min", "time_step_max", "time_step_floor", "time_step_rank",
    "mamba_hidden_act", "use_mamba_kernels", "residual_in_fp32", "rescale_prenorm_residual",
    "initial_context_length", "n_ctx", "output_attentions", "attn_temperature_tuning",
    "floor_scale", "attn_scale", "num_logits_to_keep", "use_bidirectional_attention",
    "hidden_size_per_layer_input", "vocab_size_per_layer_input", "num_kv_shared_layers",
    "output_hidden_states", "_attn_implementation", "rope_local_base_freq", "attn_implementation",
    "_attn_implementation_autoset",  # transformers 4.4x's record of an attention-kernel choice
    "for_llm_compressor",  # Llama 4: experts as separate Linear modules; the same parameters
}
# PretrainedConfig's generic keys that configs re-saved with every default carry: harmless at
# these defaults only (transformers configuration_utils.py PretrainedConfig.__init__)
_HARMLESS_AT_DEFAULT = {"add_cross_attention": False, "cross_attention_hidden_size": None,
                        "num_beam_groups": 1, "pruned_heads": {}}
_SUSPICIOUS = re.compile(r"window|chunk|lora|kv|attn|attention|head|sink|global|local|ssm|"
                         r"mamba|conv|state|linear|layer_types|pattern|shared|nextn|compress|"
                         r"sparse|block_type|cache|query|group|index|kda|latent", re.I)


class _Cfg:
    """A config dict that records which keys were read."""

    def __init__(self, data: dict, where: str):
        self.data, self.where, self.used = data, where, set()

    def get(self, *keys: str, default: Any = None) -> Any:
        for k in keys:
            self.used.add(k)
            if k in self.data and self.data[k] is not None:
                return self.data[k]
        return default

    def need(self, *keys: str) -> Any:
        v = self.get(*keys)
        if v is None:
            raise KvplanError(f"{self.where}: missing required key '{keys[0]}'")
        return v

    def count(self, *keys: str) -> int:
        """A required positive integer (layers, heads, sizes)."""
        v = self.need(*keys)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise KvplanError(f"{self.where}: key '{keys[0]}' must be a positive integer, got {v!r}")
        why = layers_problem(v) if keys[0] in ("num_hidden_layers", "n_layer", "num_layers") else None
        if why:  # before a family spells out one entry per layer
            raise KvplanError(f"{self.where}: key '{keys[0]}': {why}; is it a typo?")
        return v

    def touch(self, *keys: str) -> None:
        """Mark keys as read: they are understood and do not change the result. Only keys
        ``check_unread`` would otherwise refuse belong here (a name ``_SUSPICIOUS`` matches, not in
        ``_HARMLESS``): any other key is never refused, so touching it would change nothing
        (tests/sources/test_hf_touch.py holds every converter to this)."""
        self.used.update(keys)

    def check_unread(self) -> None:
        for k in sorted(self.data):
            if k in self.used or k in _HARMLESS or not _SUSPICIOUS.search(k):
                continue
            if k in _HARMLESS_AT_DEFAULT and self.data[k] == _HARMLESS_AT_DEFAULT[k]:
                continue
            raise KvplanError(f"{self.where}: key '{k}' = {self.data[k]!r} is not understood by "
                              "kvplan's importer; refusing to guess its effect on the cache")


def _layer_kinds_from_types(types: list[str], where: str) -> list[str]:
    known = {"full_attention": "full", "sliding_attention": "sliding", "chunked_attention": "chunked"}
    out = []
    for t in types:
        if t not in known:
            raise KvplanError(f"{where}: layer_types entry '{t}' is not understood")
        out.append(known[t])
    return out


def _attention(heads: int, kv: int, head_dim: int, **extra) -> dict:
    return {"num_heads": heads, "num_kv_heads": kv, "head_dim": head_dim, **extra}


def _pattern_from(names: list[str]) -> str:
    return compress_pattern(names)


def _mlp_dense(inter: int, gated: bool = True, bias: bool = False) -> dict:
    return {"kind": "dense", "intermediate_size": inter, "gated": gated, "bias": bias}


def _split_heads(cfg: _Cfg, hidden: int, heads: int, prefix: str) -> int:
    """The head width when the hidden size is split evenly across the heads; a remainder is an
    error, as in the attention modules that split it (GPT2Attention, OPTAttention, FalconAttention
    raise ValueError "... must be divisible by num_heads", transformers 5.20.2)."""
    if hidden % heads:
        raise KvplanError(f"{cfg.where}: {prefix}hidden_size {hidden} is not divisible by "
                          f"num_attention_heads {heads}")
    return hidden // heads


def _head_dim(cfg: _Cfg, hidden: int, heads: int) -> int:
    if cfg.get("head_dim") is not None:  # stated: a positive integer ("128" or 128.5 is refused, not truncated)
        return cfg.count("head_dim")
    return _split_heads(cfg, hidden, heads, "no head_dim and ")
