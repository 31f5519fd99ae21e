"""Family converters for hybrids of attention and recurrent mixers: Nemotron-H (Mamba2), Qwen3-Next
(Gated DeltaNet), Jamba (Mamba), Kimi Linear (Kimi Delta Attention with MLA)."""
from __future__ import annotations

from ...errors import KvplanError
from .cfg import _Cfg, _DTYPES, _attention, _head_dim, _mlp_dense, _pattern_from


def _kv_heads(cfg: _Cfg, heads: int, default: int) -> int:
    """``num_key_value_heads`` as the family's transformers config class sets it (5.20.2, the one
    vLLM 0.33 loads, and 5.25.0 alike): a dataclass field with a default of its own when the key
    is absent, ``None`` (null) turned into ``num_attention_heads`` by ``__post_init__``."""
    if "num_key_value_heads" not in cfg.data:
        return default
    return cfg.get("num_key_value_heads", default=heads)


def _nemotron_h(cfg: _Cfg, mt: str) -> dict:
    """Nemotron-H: ``hybrid_override_pattern`` gives one block per character: M = Mamba2,
    * = attention, - = MLP, E = MoE; every block has one RMSNorm and only M and * hold state."""
    hidden = cfg.count("hidden_size")
    pattern = cfg.get("hybrid_override_pattern")
    types = cfg.get("layers_block_type", "layer_types")
    if pattern is None and types is None:
        raise KvplanError(f"{cfg.where}: missing required key 'hybrid_override_pattern'")
    chars = {"M": "mamba", "*": "attention", "-": "mlp", "E": "moe"}
    long = {"mamba": "mamba", "attention": "attention", "mlp": "mlp", "moe": "moe",
            "linear_attention": "mamba", "full_attention": "attention"}
    if pattern is not None:
        bad = sorted(set(pattern) - set(chars))
        if bad:
            raise KvplanError(f"{cfg.where}: key 'hybrid_override_pattern' has unknown block '{bad[0]}'")
        names = [chars[c] for c in pattern]
    else:
        names = [long[t] for t in types]
    layers = cfg.get("num_hidden_layers", default=len(names))
    if layers != len(names):
        raise KvplanError(f"{cfg.where}: hybrid_override_pattern has {len(names)} blocks, num_hidden_layers is {layers}")
    heads = cfg.count("num_attention_heads")
    hd = cfg.get("head_dim", "attention_head_dim", default=128)  # NemotronHConfig head_dim: int = 128
    lts = {}
    if "attention" in names:
        bias = bool(cfg.get("attention_bias", default=False))
        lts["attention"] = {"mixer": {"kind": "full", **_attention(heads, _kv_heads(cfg, heads, 8), hd),
                                      "qkv_bias": bias, "o_bias": bias}, "norms": 1}
    if "mamba" in names:
        mh, mhd = cfg.need("mamba_num_heads"), cfg.need("mamba_head_dim")
        ssm_dtype = _DTYPES.get(str(cfg.get("mamba_ssm_cache_dtype")))
        # (expand is not read: the inner size is mamba_num_heads * mamba_head_dim)
        lts["mamba"] = {"mixer": {"kind": "mamba2", "num_heads": mh, "head_dim": mhd,
                                  "state_size": cfg.need("ssm_state_size"), "n_groups": cfg.need("n_groups"),
                                  "conv_kernel": cfg.need("conv_kernel"),
                                  "conv_bias": bool(cfg.get("use_conv_bias", default=True)),
                                  "proj_bias": bool(cfg.get("mamba_proj_bias", "use_bias", default=False)),
                                  "ssm_state_dtype": ssm_dtype}, "norms": 1}
    mlp_bias = bool(cfg.get("mlp_bias", default=False))
    if "mlp" in names:
        lts["mlp"] = {"mixer": {"kind": "none"},
                      "mlp": _mlp_dense(cfg.need("intermediate_size"), gated=False, bias=mlp_bias), "norms": 1}
    if "moe" in names:
        lts["moe"] = {"mixer": {"kind": "none"}, "norms": 1,
                      "mlp": {"kind": "moe", "num_experts": cfg.need("n_routed_experts"),
                              "experts_per_token": cfg.need("num_experts_per_tok"),
                              "intermediate_size": cfg.need("moe_intermediate_size"), "gated": False,
                              "shared_intermediate_size": cfg.get("moe_shared_expert_intermediate_size", default=0)
                              * (1 if cfg.get("n_shared_experts", default=1) else 0)}}
    cfg.touch("n_shared_experts", "n_group", "topk_group", "sliding_window")
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}


def _qwen3_next(cfg: _Cfg, mt: str) -> dict:
    """Qwen3-Next: Gated DeltaNet linear attention with full (gated-output) attention every
    ``full_attention_interval``-th layer (configuration_qwen3_next: "linear_attention" if
    (i + 1) % interval else "full_attention"); MoE with a gated shared expert."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    interval = cfg.get("full_attention_interval", default=4)
    types = cfg.get("layer_types") or ["linear_attention" if (i + 1) % interval else "full_attention"
                                       for i in range(layers)]
    names = []
    for t in types:
        if t not in ("linear_attention", "full_attention"):
            raise KvplanError(f"{cfg.where}: layer_types entry '{t}' is not understood")
        names.append("linear" if t == "linear_attention" else "attention")
    bias = bool(cfg.get("attention_bias", default=False))
    # Qwen3NextConfig: num_key_value_heads: int = 2, head_dim: int = 256 (vLLM 0.33 qwen3_next.py
    # reads config.head_dim, which the class always sets)
    attn = {"kind": "full", **_attention(heads, _kv_heads(cfg, heads, 2), cfg.get("head_dim", default=256)),
            "qkv_bias": bias, "o_bias": bias, "qk_norm": True, "output_gate": True}
    lin = {"kind": "gated_deltanet", "num_key_heads": cfg.need("linear_num_key_heads"),
           "num_value_heads": cfg.need("linear_num_value_heads"),
           "key_head_dim": cfg.need("linear_key_head_dim"), "value_head_dim": cfg.need("linear_value_head_dim"),
           "conv_kernel": cfg.need("linear_conv_kernel_dim")}
    experts = cfg.get("num_experts")
    if experts:
        if cfg.get("mlp_only_layers") or cfg.get("decoder_sparse_step", default=1) != 1:
            raise KvplanError(f"{cfg.where}: key 'mlp_only_layers' / 'decoder_sparse_step' mixing dense "
                              "and MoE layers is not supported for qwen3_next")
        mlp = {"kind": "moe", "num_experts": experts, "experts_per_token": cfg.need("num_experts_per_tok"),
               "intermediate_size": cfg.need("moe_intermediate_size"),
               "shared_intermediate_size": cfg.get("shared_expert_intermediate_size", default=0),
               "shared_gate": bool(cfg.get("shared_expert_intermediate_size", default=0))}
    else:
        mlp = _mlp_dense(cfg.need("intermediate_size"))
    lts = {"linear": {"mixer": lin, "mlp": mlp}, "attention": {"mixer": attn, "mlp": mlp}}
    return {"hidden_size": hidden, "layer_types": {k: v for k, v in lts.items() if k in names},
            "pattern": _pattern_from(names)}


def _jamba(cfg: _Cfg, mt: str) -> dict:
    """Jamba: attention on layer i when i % attn_layer_period == attn_layer_offset, Mamba-1
    elsewhere; MoE when i % expert_layer_period == expert_layer_offset, a dense MLP elsewhere
    (configuration_jamba: layers_block_type, layers_num_experts)."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    ap, ao = cfg.need("attn_layer_period"), cfg.need("attn_layer_offset")
    ep, eo = cfg.need("expert_layer_period"), cfg.need("expert_layer_offset")
    attn = {"kind": "full", **_attention(heads, _kv_heads(cfg, heads, 8),  # JambaConfig: 8
                                         _head_dim(cfg, hidden, heads))}
    mamba = {"kind": "mamba", "inner": cfg.need("mamba_expand") * hidden, "state_size": cfg.need("mamba_d_state"),
             "conv_kernel": cfg.need("mamba_d_conv"),
             "dt_rank": cfg.get("mamba_dt_rank") or -(-hidden // 16),
             "conv_bias": bool(cfg.get("mamba_conv_bias", default=True)),
             "proj_bias": bool(cfg.get("mamba_proj_bias", default=False)), "inner_norms": True}
    dense = _mlp_dense(cfg.need("intermediate_size"))
    moe = {"kind": "moe", "num_experts": cfg.need("num_experts"), "experts_per_token": cfg.need("num_experts_per_tok"),
           "intermediate_size": cfg.need("intermediate_size")}
    cfg.touch("use_mambapy")
    names, lts = [], {}
    for i in range(layers):
        mixer = "attention" if i % ap == ao else "mamba"
        ffn = "moe" if i % ep == eo else "dense"
        key = f"{mixer}-{ffn}"
        lts.setdefault(key, {"mixer": attn if mixer == "attention" else mamba, "mlp": moe if ffn == "moe" else dense})
        names.append(key)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}


def _kimi_linear(cfg: _Cfg, mt: str) -> dict:
    """Kimi Linear / Kimi-K3 text decoder (transformers configuration_kimi_linear; Kimi-K3's
    text_config): ``linear_attn_config`` lists the 1-based ``kda_layers`` (Kimi Delta Attention)
    and ``full_attn_layers`` (MLA); MoE after ``first_k_dense_replace`` dense layers.
    Kimi-K3 adds keys transformers' kimi_linear does not read (a latent MoE of
    ``routed_expert_hidden_size``, an MLA output gate, attention residuals): the cache does not
    depend on them, the parameter count does, so it is modelled as Kimi Linear's and says so."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    lin = cfg.need("linear_attn_config")
    lc = _Cfg(lin, f"{cfg.where}: linear_attn_config")
    kda_layers, full_layers = lc.need("kda_layers"), lc.need("full_attn_layers")
    if sorted([*kda_layers, *full_layers]) != list(range(1, layers + 1)):
        raise KvplanError(f"{cfg.where}: linear_attn_config's kda_layers and full_attn_layers must cover "
                          f"layers 1..{layers} once each")
    kda = {"kind": "kda", "num_key_heads": lc.count("num_heads"), "num_value_heads": lc.count("num_heads"),
           "key_head_dim": lc.count("head_dim"), "value_head_dim": lc.count("head_dim"),
           "conv_kernel": lc.count("short_conv_kernel_size")}
    kda["full_rank_gate"] = bool(lc.get("use_full_rank_gate", default=False))
    lc.check_unread()
    cfg.get("num_key_value_heads")  # MLA: no KV heads
    mla = {"kind": "mla", "num_heads": heads, "kv_lora_rank": cfg.need("kv_lora_rank"),
           "qk_rope_head_dim": cfg.need("qk_rope_head_dim"), "qk_nope_head_dim": cfg.need("qk_nope_head_dim"),
           "v_head_dim": cfg.need("v_head_dim"), "q_lora_rank": cfg.get("q_lora_rank")}
    # mla_use_nope: RoPE is not applied, the latent and its rope slice are cached all the same
    # (vLLM kimi_k3 MLAAttentionSpec head_size = kv_lora_rank + qk_rope_head_dim)
    if cfg.get("mla_use_output_gate", default=False):
        mla["kind"] = "mla_gated"
    latent = cfg.get("routed_expert_hidden_size")
    if latent and not cfg.get("latent_moe_use_norm", default=False):
        raise KvplanError(f"{cfg.where}: key 'latent_moe_use_norm' = false is not supported yet")
    # attention residuals (vLLM models/kimi_k3 KimiDecoderLayer): two more RMSNorms and two
    # hidden -> 1 projections per layer, four hidden-sized vectors
    norms = 2 + (4 if cfg.get("attn_res_block_size") else 0)
    # (add_cross_attention, cross_attention_hidden_size, num_beam_groups: PretrainedConfig defaults of
    # transformers 4.x saved into Kimi-K3's text_config)
    cfg.touch("num_nextn_predict_layers", "num_expert_group", "topk_group", "use_grouped_topk",
              "activation_situ_linear_beta", "add_cross_attention", "cross_attention_hidden_size",
              "num_beam_groups")
    moe = {"kind": "moe", "num_experts": cfg.need("num_experts"), "experts_per_token": cfg.need("num_experts_per_token"),
           "intermediate_size": cfg.need("moe_intermediate_size"),
           "shared_intermediate_size": cfg.get("num_shared_experts", default=0) * cfg.need("moe_intermediate_size"),
           **({"latent_size": latent} if latent else {})}
    dense = _mlp_dense(cfg.need("intermediate_size"))
    first_dense = cfg.get("first_k_dense_replace", default=0)
    # vLLM 0.33 models/kimi_k3/nvidia/model.py: MoE where layer_idx >= first_k_dense_replace and
    # layer_idx % moe_layer_freq == 0 (KimiLinearConfig default 1), a dense MLP elsewhere
    freq = cfg.count("moe_layer_freq") if cfg.get("moe_layer_freq") is not None else 1
    kda_set = set(kda_layers)
    lts, names = {}, []
    for i in range(layers):
        mixer = "kda" if i + 1 in kda_set else "mla"
        ffn = "dense" if i < first_dense or i % freq else "moe"
        name = f"{mixer}-{ffn}"
        lts.setdefault(name, {"mixer": kda if mixer == "kda" else mla, "mlp": dense if ffn == "dense" else moe,
                              "norms": norms})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names),
            **({"attn_res": True} if cfg.get("attn_res_block_size") else {})}
