"""Family converters for latent (MLA) and indexed sparse attention: DeepSeek V2/V3/V3.2 and Kimi K2,
DeepSeek-V4, MiniMax-M3."""
from __future__ import annotations

from ...errors import KvplanError
from .cfg import _Cfg, _attention, _mlp_dense, _pattern_from



# What a key the file leaves out becomes (n_shared_experts, first_k_dense_replace, q_lora_rank): the
# class defaults of transformers 5.20.2's DeepseekV2Config, DeepseekV3Config, DeepseekV32Config and
# GlmMoeDsaConfig (models/<type>/configuration_<type>.py), which fill an absent key; vLLM 0.33 reads the
# attributes from those classes (models/deepseek_v2.py: config.n_shared_experts, config.first_k_dense_replace,
# config.q_lora_rank if hasattr) and loads kimi_k2 through DeepseekV3Config (transformers_utils/config.py).
# A key present as null keeps null: no shared expert (vLLM: `if config.n_shared_experts is not None`), no
# q LoRA.
_DEEPSEEK_ABSENT = {"deepseek_v2": (2, 0, 1536), "deepseek_v3": (1, 3, 1536), "kimi_k2": (1, 3, 1536),
                    "deepseek_v32": (1, 3, 1536), "glm_moe_dsa": (1, 3, 2048)}


def _absent(cfg: _Cfg, key: str, default):
    """``key``'s value; the class default where the file leaves the key out, None where it says null."""
    return cfg.get(key) if key in cfg.data else default


def _deepseek(cfg: _Cfg, mt: str) -> dict:
    """DeepSeek V2 / V3 / R1, Kimi K2 (model_type deepseek_v3): MLA attention, MoE after the
    first ``first_k_dense_replace`` layers. The ``num_nextn_predict_layers`` MTP module is not
    part of the decoder stack that serves ordinary decoding, so it is not counted."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    absent = _DEEPSEEK_ABSENT[mt]
    cfg.get("num_key_value_heads")  # equals num_attention_heads; MLA has no KV heads
    mla = {"kind": "mla", "num_heads": heads, "kv_lora_rank": cfg.need("kv_lora_rank"),
           "qk_rope_head_dim": cfg.need("qk_rope_head_dim"), "qk_nope_head_dim": cfg.need("qk_nope_head_dim"),
           "v_head_dim": cfg.need("v_head_dim"), "q_lora_rank": _absent(cfg, "q_lora_rank", absent[2]),
           "o_bias": bool(cfg.get("attention_bias", default=False))}
    indexed = [False] * layers
    indexed_mla = None
    if mt in ("deepseek_v32", "glm_moe_dsa"):
        # DeepSeek Sparse Attention: a lightning indexer (configuration_deepseek_v32,
        # configuration_glm_moe_dsa). GLM-5.2's IndexShare: only "full" layers run an indexer and
        # cache its keys; "shared" layers reuse the previous full layer's top-k and have no
        # indexer (GlmMoeDsaAttention: indexer None when skip_topk). Without indexer_types,
        # GlmMoeDsaConfig derives them from index_topk_pattern, else index_topk_freq /
        # index_skip_topk_offset: "full" if max(i - offset + 1, 0) % freq == 0.
        indexed_mla = {**mla, "kind": "mla_indexed", "index_n_heads": cfg.need("index_n_heads"),
                       "index_head_dim": cfg.need("index_head_dim")}
        types = cfg.get("indexer_types")
        pattern = cfg.get("index_topk_pattern")
        freq_i = max(cfg.get("index_topk_freq", default=1), 1)
        offset = cfg.get("index_skip_topk_offset", default=2)
        if types is None and pattern is not None:
            types = [{"F": "full", "S": "shared"}.get(c, c) for c in pattern]
        if types is None:
            types = ["full" if max(i - offset + 1, 0) % freq_i == 0 else "shared" for i in range(layers)]
        if mt == "deepseek_v32":
            types = ["full"] * layers  # DeepseekV32Config has no index sharing
        if len(types) != layers or set(types) - {"full", "shared"}:
            raise KvplanError(f"{cfg.where}: key 'indexer_types' must list 'full' or 'shared' for each of {layers} layers")
        indexed = [t == "full" for t in types]
        cfg.touch("index_topk", "indexer_rope_interleave", "qk_head_dim", "index_share_for_mtp_iteration")
        cfg.get("head_dim")  # GlmMoeDsaConfig points head_dim at qk_rope_head_dim (RoPE only)
    first_dense = cfg.get("first_k_dense_replace", default=absent[1])
    freq = cfg.get("moe_layer_freq", default=1)
    experts = cfg.get("n_routed_experts")
    mlp_types = cfg.get("mlp_layer_types")  # GlmMoeDsaConfig: "dense" / "sparse" per layer
    cfg.touch("num_nextn_predict_layers", "n_group", "topk_group")
    dense = _mlp_dense(cfg.need("intermediate_size"))
    moe = None
    if experts:
        moe = {"kind": "moe", "num_experts": experts, "experts_per_token": cfg.need("num_experts_per_tok"),
               "intermediate_size": cfg.need("moe_intermediate_size"),
               "shared_intermediate_size": (_absent(cfg, "n_shared_experts", absent[0]) or 0)
               * cfg.need("moe_intermediate_size")}
    if mlp_types is not None:
        if len(mlp_types) != layers or set(mlp_types) - {"dense", "sparse"}:
            raise KvplanError(f"{cfg.where}: key 'mlp_layer_types' must list 'dense' or 'sparse' for each of {layers} layers")
        mlps = ["moe" if t == "sparse" and experts else "dense" for t in mlp_types]
    else:
        mlps = ["dense" if not experts or i < first_dense or i % freq else "moe" for i in range(layers)]
    mixed = indexed_mla is not None and not all(indexed)  # GLM-5.2: name the layers by both
    lts, names = {}, []
    for i, m in enumerate(mlps):
        mixer = indexed_mla if indexed[i] else mla
        name = f"{m}-{'indexed' if indexed[i] else 'shared'}" if mixed else m
        lts.setdefault(name, {"mixer": mixer, "mlp": dense if m == "dense" else moe, "norms": 2})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}


def _deepseek_v4(cfg: _Cfg, mt: str) -> dict:
    """DeepSeek-V4 (transformers configuration_deepseek_v4 / modeling_deepseek_v4): every layer
    has shared-KV MQA over a ``sliding_window`` of tokens; ``compress_ratios`` (one per layer,
    then one per MTP layer, not counted) adds a compressed KV series: 0 = sliding only,
    4 = CSA (overlapping windows, with a lightning indexer), 128 = HCA. Every layer is MoE (the
    first ``num_hash_layers`` route by a token-id table, a buffer: same parameters); two
    manifold-constrained hyper-connections of ``hc_mult`` streams per layer and one head."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    if cfg.count("num_key_value_heads") != 1:
        raise KvplanError(f"{cfg.where}: key 'num_key_value_heads' must be 1 for DeepSeek-V4 (shared-KV MQA)")
    ratios = cfg.need("compress_ratios")
    if not isinstance(ratios, list) or len(ratios) < layers:
        raise KvplanError(f"{cfg.where}: key 'compress_ratios' must list one ratio per layer ({layers})")
    ratios = ratios[:layers]  # the rest are the MTP layers'
    bad = sorted({r for r in ratios if not isinstance(r, int) or isinstance(r, bool) or r < 0})
    if bad:
        raise KvplanError(f"{cfg.where}: key 'compress_ratios' has a ratio kvplan cannot read: {bad[0]!r}")
    base = {"kind": "compressed", "num_heads": heads, "head_dim": cfg.count("head_dim"),
            "qk_rope_head_dim": cfg.count("qk_rope_head_dim"), "window": cfg.count("sliding_window"),
            "q_lora_rank": cfg.count("q_lora_rank"), "o_groups": cfg.count("o_groups"),
            "o_lora_rank": cfg.count("o_lora_rank")}
    index = {"index_n_heads": cfg.count("index_n_heads"), "index_head_dim": cfg.count("index_head_dim")}
    # n_shared_experts: DeepseekV4Config's default is 1 (and DeepseekV4SparseMoeBlock always
    # builds one shared expert); vLLM 0.33 reads it through that class
    moe = {"kind": "moe", "num_experts": cfg.need("n_routed_experts"),
           "experts_per_token": cfg.need("num_experts_per_tok"),
           "intermediate_size": cfg.need("moe_intermediate_size"),
           "shared_intermediate_size": cfg.get("n_shared_experts", default=1) * cfg.need("moe_intermediate_size")}
    hc = cfg.get("hc_mult") or None
    if cfg.get("attention_bias", default=False):
        raise KvplanError(f"{cfg.where}: key 'attention_bias' = true is not supported for deepseek_v4 "
                          "(transformers' DeepseekV4Attention has no biases)")
    cfg.touch("index_topk", "compress_rope_theta", "num_nextn_predict_layers", "hc_sinkhorn_iters")
    lts, names = {}, []
    for r in ratios:
        name = "swa" if r == 0 else f"c{r}"
        mixer = {**base, "compress_ratio": r, **({"indexed": True, **index} if r == 4 else {})}
        lts.setdefault(name, {"mixer": mixer, "mlp": moe, "norms": 2, "hc_mult": hc})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names), "hc_mult": hc}


def _minimax_m3(cfg: _Cfg, mt: str) -> dict:
    """MiniMax-M3 (vLLM 0.33 models/minimax_m3; transformers 5.20.2 has only MiniMaxM3VL's text
    model, which builds the same layers): GQA with
    per-head q/k norms on every layer; layers flagged in ``sparse_attention_config``'s
    ``sparse_attention_freq`` add a block-sparse index branch whose single shared index key
    (``sparse_index_dim``) is cached per token; ``moe_layer_freq`` flags MoE layers (the rest
    are dense, ``dense_intermediate_size``)."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    # vLLM 0.33's MiniMax-M3 attention (and transformers 5.20.2's MiniMaxM3VLAttention) build the
    # per-head q/k norms on every layer: a config that leaves use_qk_norm out has them
    qk_norm = bool(cfg.get("use_qk_norm", default=True))
    attn = {"kind": "full", **_attention(heads, cfg.count("num_key_value_heads"), cfg.count("head_dim")),
            "qk_norm": qk_norm}
    if qk_norm and cfg.get("qk_norm_type", default="per_head") != "per_head":
        raise KvplanError(f"{cfg.where}: key 'qk_norm_type' = {cfg.get('qk_norm_type')!r} is not understood")
    if cfg.get("attention_output_gate", default=False):
        raise KvplanError(f"{cfg.where}: key 'attention_output_gate' (a gated output) is not supported yet")
    sparse = cfg.need("sparse_attention_config")
    sc = _Cfg(sparse, f"{cfg.where}: sparse_attention_config")
    flags = sc.need("sparse_attention_freq") if sc.get("use_sparse_attention", default=True) else [0] * layers
    moe_flags = cfg.need("moe_layer_freq")
    for key, lst in (("sparse_attention_freq", flags), ("moe_layer_freq", moe_flags)):
        if not isinstance(lst, list) or len(lst) != layers:
            raise KvplanError(f"{cfg.where}: key '{key}' must list one flag per layer ({layers})")
    sparse_attn = {**attn, "kind": "full_indexed", "index_heads": sc.count("sparse_num_index_heads"),
                   "index_head_dim": sc.count("sparse_index_dim"), "sparse_block": sc.count("sparse_block_size")}
    sc.touch("sparse_topk_blocks", "sparse_init_block", "sparse_local_block",
             "sparse_score_type", "sparse_disable_index_value")
    sc.check_unread()
    # vLLM's MiniMaxM3MoE sizes the routed experts by intermediate_size, and the shared expert
    # intermediate_size × n_shared_experts (none without the key); transformers' MiniMaxM3VL reads
    # shared_intermediate_size for the shared one. The two agree only where the sizes are equal.
    inter = cfg.count("intermediate_size")
    for key in ("moe_intermediate_size", "shared_intermediate_size"):
        if cfg.get(key, default=inter) != inter:
            raise KvplanError(f"{cfg.where}: key '{key}' = {cfg.get(key)!r} differs from intermediate_size {inter} "
                              "(vLLM sizes MiniMax-M3's experts by intermediate_size alone)")
    moe = {"kind": "moe", "num_experts": cfg.need("num_local_experts"), "experts_per_token": cfg.need("num_experts_per_tok"),
           "intermediate_size": inter, "shared_intermediate_size": cfg.get("n_shared_experts", default=0) * inter}
    dense = _mlp_dense(cfg.need("dense_intermediate_size"))
    cfg.touch("num_nextn_predict_layers")
    lts, names = {}, []
    for s_flag, m_flag in zip(flags, moe_flags):
        name = ("sparse" if s_flag else "full") + ("-moe" if m_flag else "-dense")
        lts.setdefault(name, {"mixer": sparse_attn if s_flag else attn, "mlp": moe if m_flag else dense})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}
