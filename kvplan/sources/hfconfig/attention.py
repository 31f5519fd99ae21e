"""Family converters for attention-only decoders (full, sliding and chunked attention; dense or MoE
MLPs): Llama and its many relatives, Llama 4, GPT-2, OPT, Falcon, Gemma 4, MiMo-V2-Flash."""
from __future__ import annotations

from ...errors import KvplanError
from .cfg import (_Cfg, _attention, _head_dim, _layer_kinds_from_types, _mlp_dense, _pattern_from,
                  _split_heads)



_LLAMA_TYPES = {"llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "phi3",
                "gemma", "gemma2", "gemma3", "gemma3_text", "gpt_oss", "smollm3", "granite", "olmo2",
                "starcoder2_disabled"}


def _llama_like(cfg: _Cfg, mt: str) -> dict:
    """Llama, Mistral, Mixtral, Qwen2/2.5/3 (+MoE), Phi-3, Gemma 2/3, gpt-oss, SmolLM, ..."""
    if not mt:
        raise KvplanError(f"{cfg.where}: missing required key 'model_type'")
    if mt not in _LLAMA_TYPES:
        raise KvplanError(f"{cfg.where}: model_type '{mt}' is not supported by kvplan's importer")
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    attn = _llama_attention(cfg, mt, hidden)
    norms = 4 if mt.startswith("gemma") else 2  # Gemma 2/3: pre/post norms around attn and MLP
    window = cfg.get("sliding_window")
    kinds = _llama_layer_kinds(cfg, mt, layers, window)
    dense, mlp_moe, moe_layers = _llama_mlps(cfg, mt, layers)
    layer_types, names = {}, []
    for i, kind in enumerate(kinds):
        mixer = {"kind": kind, **attn}
        if kind == "sliding":
            mixer["window"] = window
        mlp = mlp_moe if i in moe_layers else dense
        base = ("local" if kind == "sliding" else "global") if "sliding" in kinds else kind
        key = base if len(moe_layers) in (0, layers) else f"{base}-{'moe' if i in moe_layers else 'dense'}"
        layer_types.setdefault(key, {"mixer": mixer, "mlp": mlp, "norms": norms})
        names.append(key)
    return {"hidden_size": hidden, "layer_types": layer_types, "pattern": _pattern_from(names),
            "_tie_default": mt.startswith("gemma")}


def _only_default(cfg: _Cfg, key: str, default) -> None:
    """A key the family's config class does not read, accepted only at its no-op value."""
    v = cfg.get(key, default=default)
    if v != default:
        raise KvplanError(f"{cfg.where}: key '{key}' = {v!r} is not read by this family's config; "
                          "refusing to guess its effect")


def _llama_attention(cfg: _Cfg, mt: str, hidden: int) -> dict:
    """The attention fields every layer of a Llama-like model shares: heads, biases, norms, sinks."""
    heads = cfg.count("num_attention_heads")
    kv = cfg.get("num_key_value_heads", default=heads)  # absent: MHA
    hd = _head_dim(cfg, hidden, heads)
    bias = bool(cfg.get("attention_bias", default=False))
    attn = _attention(heads, kv, hd)
    if mt in ("qwen2", "qwen2_moe"):
        attn.update(qkv_bias=True)  # Qwen2Attention: q/k/v bias=True, o_proj bias=False
    elif bias:
        attn.update(qkv_bias=True, o_bias=True)
    if mt in ("qwen3", "qwen3_moe", "gemma3_text", "gemma3"):
        attn["qk_norm"] = True
    if mt in ("qwen3", "qwen3_moe"):
        # Qwen3-Coder's config carries "qkv_bias": false, a key Qwen3(Moe)Config does not read
        # (its attention reads attention_bias); a true one is not guessed at
        _only_default(cfg, "qkv_bias", False)
    if mt == "gpt_oss":
        attn["learned_sinks"] = True
    return attn


def _llama_layer_kinds(cfg: _Cfg, mt: str, layers: int, window) -> list[str]:
    """Which layers slide. Mirrors each family's config __post_init__."""
    types = cfg.get("layer_types")
    if mt in ("qwen2", "qwen2_moe", "qwen3", "qwen3_moe"):
        use = cfg.get("use_sliding_window", default=False)
        mwl = cfg.get("max_window_layers", default=layers)
        if types is None:
            types = ["sliding_attention" if use and window is not None and i >= mwl else "full_attention"
                     for i in range(layers)]
    elif mt == "gemma2" and types is None:
        types = ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(layers)]
    elif mt in ("gemma3", "gemma3_text") and types is None:
        p = cfg.get("sliding_window_pattern", "_sliding_window_pattern", default=6)
        types = ["sliding_attention" if (i + 1) % p else "full_attention" for i in range(layers)]
    elif types is None:  # Mistral, Phi-3, ...: a window, when set, is on every layer
        types = ["sliding_attention" if window is not None else "full_attention"] * layers
    if len(types) != layers:
        raise KvplanError(f"{cfg.where}: layer_types has {len(types)} entries, num_hidden_layers is {layers}")
    kinds = _layer_kinds_from_types(types, cfg.where)
    if "sliding" in kinds and window is None:
        raise KvplanError(f"{cfg.where}: layer_types has sliding layers but sliding_window is not set")
    return kinds


def _llama_mlps(cfg: _Cfg, mt: str, layers: int) -> tuple[dict, dict | None, set[int]]:
    """MLP: dense, or MoE on some layers. (the dense MLP, the MoE MLP or None, the MoE layers)"""
    inter = cfg.count("intermediate_size")
    experts = cfg.get("num_local_experts", "num_experts")
    moe_layers: set[int] = set()
    mlp_moe = None
    if experts:
        topk = cfg.need("num_experts_per_tok")
        if mt in ("qwen3_moe", "qwen2_moe"):
            step = cfg.get("decoder_sparse_step", default=1)
            only = set(cfg.get("mlp_only_layers", default=[]))
            moe_layers = {i for i in range(layers) if i not in only and (i + 1) % step == 0}
            mlp_moe = {"kind": "moe", "num_experts": experts, "experts_per_token": topk,
                       "intermediate_size": cfg.need("moe_intermediate_size")}
            if mt == "qwen2_moe":
                mlp_moe.update(shared_intermediate_size=cfg.need("shared_expert_intermediate_size"),
                               shared_gate=True)
            else:  # Qwen3MoeConfig has no shared expert; Qwen3-Coder's config states 0
                _only_default(cfg, "shared_expert_intermediate_size", 0)
        else:  # Mixtral, gpt-oss: every layer
            moe_layers = set(range(layers))
            mlp_moe = {"kind": "moe", "num_experts": experts, "experts_per_token": topk,
                       "intermediate_size": inter}
            if mt == "gpt_oss":
                mlp_moe.update(expert_bias=True, router_bias=True)
    cfg.touch("max_window_layers", "use_sliding_window", "sliding_window_pattern", "_sliding_window_pattern")
    dense = _mlp_dense(inter, bias=bool(cfg.get("mlp_bias", default=False)))
    return dense, mlp_moe, moe_layers


def _llama4(cfg: _Cfg, mt: str) -> dict:
    """Llama 4 text: chunked attention on RoPE layers, full attention on the NoPE layers
    (every ``no_rope_layer_interval``-th, default 4), MoE every ``interleave_moe_layer_step``."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    kv = cfg.get("num_key_value_heads", default=heads)
    hd = _head_dim(cfg, hidden, heads)
    chunk = cfg.get("attention_chunk_size", default=8192)
    interval = cfg.get("no_rope_layer_interval", default=4)
    nope = cfg.get("no_rope_layers") or [int((i + 1) % interval != 0) for i in range(layers)]
    types = cfg.get("layer_types") or ["chunked_attention" if r else "full_attention" for r in nope]
    kinds = _layer_kinds_from_types(types, cfg.where)
    step = cfg.get("interleave_moe_layer_step", default=1)
    moe_layers = set(cfg.get("moe_layers") or range(step - 1, layers, step))
    bias = bool(cfg.get("attention_bias", default=False))
    # (use_qk_norm is not read: an L2 norm without weights has no parameters)
    attn = _attention(heads, kv, hd, qkv_bias=bias, o_bias=bias)
    inter = cfg.need("intermediate_size")
    moe = {"kind": "moe", "num_experts": cfg.need("num_local_experts"),
           "experts_per_token": cfg.need("num_experts_per_tok"), "intermediate_size": inter,
           "shared_intermediate_size": inter}
    dense = _mlp_dense(cfg.get("intermediate_size_mlp", default=inter))
    lts, names = {}, []
    for i, kind in enumerate(kinds):
        key = ("global" if kind == "full" else "local") + ("" if len(moe_layers) == layers else
                                                           ("-moe" if i in moe_layers else "-dense"))
        mixer = {"kind": kind, **attn, **({"chunk": chunk} if kind == "chunked" else {})}
        lts.setdefault(key, {"mixer": mixer, "mlp": moe if i in moe_layers else dense, "norms": 2})
        names.append(key)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}


def _gpt2(cfg: _Cfg, mt: str) -> dict:
    """GPT-2: fused c_attn with bias, learned positions, LayerNorm, plain MLP with bias."""
    hidden = cfg.need("n_embd", "hidden_size")
    heads = cfg.need("n_head", "num_attention_heads")
    layers = cfg.count("n_layer", "num_hidden_layers")
    inter = cfg.get("n_inner") or 4 * hidden
    attn = {"kind": "full", **_attention(heads, heads, _split_heads(cfg, hidden, heads, "")),
            "qkv_bias": True, "o_bias": True}
    lt = {"mixer": attn, "mlp": _mlp_dense(inter, gated=False, bias=True), "norms": 2}
    return {"hidden_size": hidden, "layer_types": {"block": lt}, "pattern": f"block*{layers}",
            "position_embeddings": cfg.need("n_positions"), "norm": "layer", "_tie_default": True}


def _opt(cfg: _Cfg, mt: str) -> dict:
    """OPT: q/k/v/o with bias, learned positions with an offset of 2 (OPTLearnedPositionalEmbedding),
    LayerNorm, plain MLP with bias; the final LayerNorm exists when do_layer_norm_before."""
    hidden = cfg.count("hidden_size")
    heads = cfg.count("num_attention_heads")
    layers = cfg.count("num_hidden_layers")
    if cfg.get("word_embed_proj_dim", default=hidden) != hidden:
        raise KvplanError(f"{cfg.where}: key 'word_embed_proj_dim' != hidden_size (project_in/out) is not supported")
    bias = bool(cfg.get("enable_bias", default=True))
    attn = {"kind": "full", **_attention(heads, heads, _split_heads(cfg, hidden, heads, "")),
            "qkv_bias": bias, "o_bias": bias}
    lt = {"mixer": attn, "mlp": _mlp_dense(cfg.need("ffn_dim"), gated=False, bias=bias), "norms": 2}
    final = bool(cfg.get("do_layer_norm_before", default=True)) and not cfg.get("_remove_final_layer_norm", default=False)
    return {"hidden_size": hidden, "layer_types": {"block": lt}, "pattern": f"block*{layers}",
            "position_embeddings": cfg.need("max_position_embeddings") + 2, "norm": "layer",
            "final_norm": final, "_tie_default": True}


def _falcon(cfg: _Cfg, mt: str) -> dict:
    """Falcon: ``new_decoder_architecture`` uses ``num_kv_heads``; otherwise ``multi_query``
    means one KV head (falcon-7b: 71 heads, 1 KV head) and its absence MHA
    (FalconAttention.__init__). Parallel attention with one LayerNorm (two in the new
    architecture), plain GELU MLP."""
    hidden = cfg.count("hidden_size")
    heads = cfg.count("num_attention_heads")
    layers = cfg.count("num_hidden_layers")
    new_arch = bool(cfg.get("new_decoder_architecture", default=False))
    if new_arch:
        kv = cfg.get("num_kv_heads", default=heads)
        cfg.touch("multi_query")  # FalconConfig: ignored with new_decoder_architecture (falcon-40b has both)
    else:
        kv = 1 if cfg.get("multi_query", default=True) else heads
        cfg.get("num_kv_heads")  # ignored by transformers unless new_decoder_architecture
    if cfg.get("alibi", default=False):
        pass  # ALiBi changes positions, not the cache
    bias = bool(cfg.get("bias", default=False))
    if not cfg.get("parallel_attn", default=True) and not new_arch:
        norms = 2
    elif new_arch:
        norms = cfg.get("num_ln_in_parallel_attn") or 2
    else:
        norms = 1
    cfg.get("num_ln_in_parallel_attn")
    attn = {"kind": "full", **_attention(heads, kv, _split_heads(cfg, hidden, heads, "")),
            "qkv_bias": bias, "o_bias": bias}
    inter = cfg.get("ffn_hidden_size") or 4 * hidden
    lt = {"mixer": attn, "mlp": _mlp_dense(inter, gated=False, bias=bias), "norms": norms}
    return {"hidden_size": hidden, "layer_types": {"block": lt}, "pattern": f"block*{layers}",
            "norm": "layer", "_tie_default": True}


def _gemma4(cfg: _Cfg, mt: str) -> dict:
    """Gemma 4 text (Gemma4TextAttention / Gemma4TextDecoderLayer): sliding layers use
    ``num_key_value_heads`` × ``head_dim``; full layers ``num_global_key_value_heads`` ×
    ``global_head_dim``, and with ``attention_k_eq_v`` they have no v_proj. With
    ``enable_moe_block`` every layer runs a dense MLP beside a routed MoE block (modelled as the
    MoE's shared expert) and has 7 norms instead of 4; the router has a scale vector and a
    per-expert scale."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    for key in ("hidden_size_per_layer_input", "num_kv_shared_layers"):
        if cfg.get(key, default=0):
            raise KvplanError(f"{cfg.where}: key '{key}' (per-layer inputs / KV sharing) is not supported yet")
    if cfg.get("use_double_wide_mlp", default=False):
        raise KvplanError(f"{cfg.where}: key 'use_double_wide_mlp' is not supported yet")
    types = cfg.need("layer_types")
    kinds = _layer_kinds_from_types(types, cfg.where)
    if len(kinds) != layers:
        raise KvplanError(f"{cfg.where}: layer_types has {len(kinds)} entries, num_hidden_layers is {layers}")
    bias = bool(cfg.get("attention_bias", default=False))
    local = {"kind": "sliding", "window": cfg.need("sliding_window"),
             **_attention(heads, cfg.need("num_key_value_heads"), cfg.need("head_dim")),
             "qkv_bias": bias, "o_bias": bias, "qk_norm": True}
    glob = {"kind": "full", **_attention(heads, cfg.get("num_global_key_value_heads", "num_key_value_heads"),
                                         cfg.get("global_head_dim", "head_dim")),
            "qkv_bias": bias, "o_bias": bias, "qk_norm": True,
            "k_eq_v": bool(cfg.get("attention_k_eq_v", default=False))}
    dense = _mlp_dense(cfg.need("intermediate_size"))
    if cfg.get("enable_moe_block", default=False):
        mlp = {"kind": "moe", "num_experts": cfg.need("num_experts"),
               "experts_per_token": cfg.need("top_k_experts"),
               "intermediate_size": cfg.need("moe_intermediate_size"),
               "shared_intermediate_size": cfg.need("intermediate_size"), "router_scale": True}
        norms = 7
    else:
        mlp, norms = dense, 4
    lts = {"local": {"mixer": local, "mlp": mlp, "norms": norms},
           "global": {"mixer": glob, "mlp": mlp, "norms": norms}}
    names = ["local" if k == "sliding" else "global" for k in kinds]
    lts = {k: v for k, v in lts.items() if k in names}
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names), "_tie_default": True}


def _mimo_v2(cfg: _Cfg, mt: str) -> dict:
    """MiMo-V2-Flash (transformers configuration_mimo_v2_flash / modeling_mimo_v2_flash):
    ``hybrid_layer_pattern`` 0 = full attention, 1 = sliding; K heads are ``head_dim`` wide and V
    heads ``v_head_dim``; sliding layers have their own head counts and dims (``swa_*``) and a
    learned sink per head (``add_swa_attention_sink_bias``). The window: transformers sets
    sliding_window = sliding_window_size + 1 ("the reference SGLang implementation attends to
    sliding_window_size previous tokens plus the query"). ``moe_layer_freq`` flags MoE layers."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    pattern = cfg.need("hybrid_layer_pattern")
    moe_flags = cfg.need("moe_layer_freq")
    for key, lst in (("hybrid_layer_pattern", pattern), ("moe_layer_freq", moe_flags)):
        if not isinstance(lst, list) or len(lst) != layers or set(lst) - {0, 1}:
            raise KvplanError(f"{cfg.where}: key '{key}' must list one 0/1 flag per layer ({layers})")
    bias = bool(cfg.get("attention_bias", default=False))
    full = {"kind": "full", **_attention(cfg.count("num_attention_heads"), cfg.count("num_key_value_heads"),
                                         cfg.count("head_dim")),
            "v_head_dim": cfg.count("v_head_dim"), "qkv_bias": bias,
            "learned_sinks": bool(cfg.get("add_full_attention_sink_bias", default=False))}
    swa_size = cfg.get("sliding_window_size")
    window = swa_size + 1 if swa_size is not None else cfg.count("sliding_window")
    cfg.get("sliding_window")
    local = {"kind": "sliding", "window": window,
             **_attention(cfg.count("swa_num_attention_heads"), cfg.count("swa_num_key_value_heads"),
                          cfg.count("swa_head_dim")),
             "v_head_dim": cfg.count("swa_v_head_dim"), "qkv_bias": bias,
             "learned_sinks": bool(cfg.get("add_swa_attention_sink_bias", default=False))}
    moe = {"kind": "moe", "num_experts": cfg.need("n_routed_experts"), "experts_per_token": cfg.need("num_experts_per_tok"),
           "intermediate_size": cfg.need("moe_intermediate_size")}
    # no shared expert: transformers 5.20.2 MiMoV2FlashMoE ("no shared experts"), vLLM 0.33 MiMoV2MoE
    # and SGLang 0.5.23 mimo_v2.py build none; the released config states null
    _only_default(cfg, "n_shared_experts", 0)
    dense = _mlp_dense(cfg.need("intermediate_size"))
    # attention_chunk_size: not read by transformers' or vLLM's MiMo-V2 attention (mimo_v2.py)
    cfg.touch("attention_chunk_size", "attention_value_scale", "n_group", "topk_group")
    lts, names = {}, []
    for p_flag, m_flag in zip(pattern, moe_flags):
        name = ("local" if p_flag else "global") + ("-moe" if m_flag else "-dense")
        lts.setdefault(name, {"mixer": local if p_flag else full, "mlp": moe if m_flag else dense})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}
