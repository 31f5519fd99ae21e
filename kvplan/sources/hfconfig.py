"""Hugging Face ``config.json`` -> ``ModelSpec``, from the config alone (no transformers).

Each rule below notes the transformers code it mirrors (transformers 5.23,
``models/<family>/configuration_<family>.py`` unless said otherwise). A config the importer
cannot interpret fully is an error naming the key, never a silently wrong number: any key
that looks like it changes attention or the cache (window, chunk, lora, ssm, global, ...) must
be either understood here or listed as harmless in ``_HARMLESS``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


from ..errors import KvplanError, validation_message
from ..model.spec import ModelSpec, compress_pattern

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
        return v

    def touch(self, *keys: str) -> None:
        """Mark keys as read: they are understood and do not change the result."""
        self.used.update(keys)

    def check_unread(self) -> None:
        for k in sorted(self.data):
            if k in self.used or k in _HARMLESS or not _SUSPICIOUS.search(k):
                continue
            if k in _HARMLESS_AT_DEFAULT and self.data[k] == _HARMLESS_AT_DEFAULT[k]:
                continue
            raise KvplanError(f"{self.where}: key '{k}' = {self.data[k]!r} is not understood by "
                              "kvplan's importer; refusing to guess its effect on the cache")


def load_json(path: Path) -> dict:
    try:
        text = path.read_text()
    except OSError as e:
        raise KvplanError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        data = json.loads(text)  # Python's json accepts Infinity / NaN, as found in real configs
    except json.JSONDecodeError as e:
        raise KvplanError(f"{path}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict):
        raise KvplanError(f"{path}: a config.json must hold a JSON object")
    return data


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


def _encoders(outer: dict, where: str) -> list[dict]:
    """Vision/audio towers named beside text_config. Gemma 4's vision tower is modelled; a tower
    of another kind is left out (the spec then counts the text decoder alone, as before)."""
    out = []
    v = outer.get("vision_config")
    if isinstance(v, dict) and v.get("model_type") == "gemma4_vision":
        vc = _Cfg(v, f"{where}: vision_config")
        out.append({"kind": "gemma4_vision", "layers": vc.count("num_hidden_layers"),
                    "hidden_size": vc.count("hidden_size"), "num_heads": vc.count("num_attention_heads"),
                    "num_kv_heads": vc.count("num_key_value_heads"), "head_dim": vc.count("head_dim"),
                    "intermediate_size": vc.count("intermediate_size"), "patch_size": vc.count("patch_size"),
                    "position_embedding_size": vc.count("position_embedding_size")})
    return out


# What an ignore list (compressed-tensors ``ignore``, AWQ ``modules_to_not_convert``) may name,
# by what it leaves unquantized. Entries are module names, substrings (AWQ: vLLM's
# quant_utils.is_layer_skipped match_mode "substring") or ``re:`` regexes (compressed-tensors).
_IGNORE_KINDS = [
    ("outside", re.compile(r"lm_head|embed|vision|visual|multi_modal|mm_projector|audio|(^|\.)mtp", re.I)),
    ("router", re.compile(r"router|(^|[.\s])gate\s*$", re.I)),
    ("shared", re.compile(r"shared_expert", re.I)),
    ("experts", re.compile(r"experts", re.I)),
    ("attention", re.compile(r"self_attn|attention|(^|\.)attn|(^|\.)(q|k|v|o|qkv|q_a|q_b|kv_a|kv_b)_proj", re.I)),
    ("dense", re.compile(r"mlp\.\(?(gate|up|down)", re.I)),
]


def _ignored(entries, key: str, where: str, layers: int | None) -> set[str]:
    """The parts of every decoder layer an ignore list leaves unquantized: "attention", "shared"
    (shared experts), "dense" (dense MLPs). Embeddings, LM head, routers and towers are never
    quantized here, so naming them changes nothing. An entry naming some layers only, or
    naming nothing kvplan knows, is an error."""
    if entries is None:
        return set()
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise KvplanError(f"{where}: quantization_config.{key} {entries!r} is not a list of module names")
    parts: dict[str, set] = {}
    for entry in entries:
        text = entry[3:] if entry.startswith("re:") else entry
        text = text.replace("\\", "").replace(".*", " ").replace("$", "").replace("^", "").strip()
        kind = next((k for k, rx in _IGNORE_KINDS if rx.search(text)), None)
        if kind is None or kind == "experts":
            raise KvplanError(f"{where}: quantization_config.{key} entry {entry!r} names modules kvplan "
                              "cannot map to the layers it quantizes")
        if kind in ("outside", "router"):
            continue
        if re.search(r"layers\.[^\d\s]", text):  # a pattern over layer numbers: which ones, cannot be told
            raise KvplanError(f"{where}: quantization_config.{key} entry {entry!r} names layers by a pattern "
                              "kvplan cannot map")
        m = re.search(r"layers\.(\d+)\.", text)
        parts.setdefault(kind, set()).add(int(m.group(1)) if m else None)
    for kind, seen in parts.items():
        if None not in seen and (layers is None or seen != set(range(layers))):
            raise KvplanError(f"{where}: quantization_config.{key} leaves {kind} of some layers only "
                              f"({len(seen)} of {layers}) unquantized; kvplan prices one format per part")
    return set(parts)


def _scope(ignored: set[str], key: str, where: str) -> str:
    if not ignored:
        return "linear"
    if ignored == {"attention"}:
        return "mlp"
    if ignored == {"attention", "shared", "dense"}:
        return "experts"
    raise KvplanError(f"{where}: quantization_config.{key} leaves {', '.join(sorted(ignored))} unquantized; "
                      "kvplan can price all linears, all MLPs or the routed experts only")


_ATTENTION_KINDS = {"full", "sliding", "chunked", "mla", "mla_gated", "mla_indexed", "full_indexed", "compressed", "none"}


def _int(q: dict, keys: tuple[str, ...], where: str, default=None, group: bool = False):
    v = next((q[k] for k in keys if q.get(k) is not None), default)
    ok = isinstance(v, int) and not isinstance(v, bool) and (v > 0 or (group and v == -1))
    if not ok:
        raise KvplanError(f"{where}: quantization_config.{keys[0]} {v!r} is not a "
                          f"{'group size (a positive integer, or -1)' if group else 'positive integer'}")
    return v


def _grouping(group: int) -> dict:
    return {"channel": True} if group == -1 else {"group": group}


def _awq(q: dict, where: str, layers: int | None) -> dict:
    """AutoAWQ (``quant_method: awq``), as vLLM 0.33 loads it (model_executor/layers/
    quantization/auto_awq.py: AutoAWQConfig.from_config reads w_bit/bits, q_group_size/
    group_size, zero_point, lm_head and modules_to_not_convert; TYPE_MAP has 4 bits only).
    Per matrix (AutoAWQMarlinLinearMethod.create_weights, and BaseAWQLinearMethod's for the
    unoptimized kernels): ``qweight`` int32 [in, out / 8], ``qzeros`` int32 [in / group,
    out / 8] and ``scales`` [in / group, out] in the model's dtype (params_dtype): zero points
    are allocated even with ``zero_point: false``. The routed experts (AutoAWQMoEMethod.
    create_weights: w13/w2 qweight, scales, qzeros) have the same per-matrix layout. ``version``
    is not read by vLLM: its kernels take AutoAWQ's GEMM layout only, so another is refused.

    Not modelled, after loading (process_weights_after_loading; vLLM logs the weights it holds
    then, platforms/cuda.py get_current_memory_usage): kernels/linear/mixed_precision/marlin.py
    repacks qweight, scales and qzeros to the same byte counts (padding a matrix whose
    out/in fit neither 64 × 128 nor 128 × 64 tiles: utils/marlin_utils.py marlin_padded_nk);
    on sm90 machete.py (chosen first where in % 64 and out % 128 are 0) turns each zero point
    into an activation-dtype value: (in / group) × out × 2 bytes instead of × 1/2."""
    bits = _int(q, ("bits", "w_bit"), where)
    if bits != 4:
        raise KvplanError(f"{where}: quantization_config.bits {bits}: vLLM 0.33 loads 4-bit AWQ only "
                          "(auto_awq.py AutoAWQConfig.TYPE_MAP); kvplan does not price other widths")
    group = _int(q, ("group_size", "q_group_size"), where, group=True)
    version = q.get("version", "gemm")
    if str(version).lower() != "gemm":
        raise KvplanError(f"{where}: quantization_config.version {version!r}: vLLM 0.33 loads AWQ's GEMM "
                          "layout only; kvplan does not price another")
    if q.get("lm_head"):
        raise KvplanError(f"{where}: quantization_config.lm_head: a quantized LM head is not modelled")
    scope = _scope(_ignored(q.get("modules_to_not_convert"), "modules_to_not_convert", where, layers),
                   "modules_to_not_convert", where)
    return {"scope": scope, "format": "int4", "method": "awq", "packed": True, "scale_bytes": 2,
            "zero_points": True, **_grouping(group)}


def _gptq(q: dict, where: str, layers: int | None) -> dict:
    """GPTQ (``quant_method: gptq``), as vLLM 0.33 loads it (auto_gptq.py: AutoGPTQConfig.TYPE_MAP
    has (4, sym) and (8, sym) only; utils/gptq_utils.py normalize_and_validate_gptq_desc_act
    refuses ``desc_act`` with groups). Per matrix (AutoGPTQLinearMethod.create_weights):
    ``qweight`` int32 [in / (32 / bits), out], ``qzeros`` int32 [groups, out / (32 / bits)] and
    ``scales`` [groups, out] in the model's dtype, groups = in / group_size, or 1 with
    group_size -1 (then every tensor-parallel rank keeps the whole row of scales:
    marlin_repeat_scales_on_all_ranks). No ``g_idx`` is allocated.

    Not modelled, after loading: Marlin (kernels/linear/mixed_precision/marlin.py
    MarlinLinearKernel.process_weights_after_loading, zero_points false for GPTQ) replaces
    qzeros with an empty tensor, so vLLM then holds (groups × out × bits / 8) bytes a matrix
    less than priced here; Machete (sm90) keeps them."""
    bits = _int(q, ("bits",), where)
    if bits not in (4, 8):
        raise KvplanError(f"{where}: quantization_config.bits {bits}: vLLM 0.33 loads 4- and 8-bit GPTQ only "
                          "(auto_gptq.py AutoGPTQConfig.TYPE_MAP); kvplan does not price other widths")
    if q.get("sym") is not True:
        raise KvplanError(f"{where}: quantization_config.sym {q.get('sym')!r}: vLLM 0.33 loads symmetric GPTQ "
                          "only (auto_gptq.py AutoGPTQConfig.TYPE_MAP)")
    group = _int(q, ("group_size",), where, group=True)
    if q.get("desc_act") and group != -1:
        raise KvplanError(f"{where}: quantization_config.desc_act true with groups (act-order): vLLM 0.33 refuses "
                          "it (utils/gptq_utils.py normalize_and_validate_gptq_desc_act)")
    for key in ("dynamic", "modules_in_block_to_quantize"):
        if q.get(key):
            raise KvplanError(f"{where}: quantization_config.{key} (per-module choices) is not modelled")
    if q.get("lm_head"):
        raise KvplanError(f"{where}: quantization_config.lm_head: a quantized LM head is not modelled")
    fmt = q.get("checkpoint_format", "gptq")
    if fmt != "gptq":
        raise KvplanError(f"{where}: quantization_config.checkpoint_format {fmt!r} is not modelled")
    return {"scope": "linear", "format": f"int{bits}", "method": "gptq", "packed": True, "scale_bytes": 2,
            "zero_points": True, **_grouping(group)}


def _compressed_tensors(q: dict, where: str, layers: int | None) -> dict:
    """compressed-tensors (llm-compressor), one config group targeting ``Linear``, as vLLM 0.33
    loads it (compressed_tensors/compressed_tensors.py _get_scheme_from_parts):

    * ``pack-quantized`` int weights without input quantization (W4A16, W8A16):
      schemes/compressed_tensors_wNa16.py CompressedTensorsWNA16.create_weights:
      ``weight_packed`` int32 [out, ceil(in × bits / 32)], ``weight_scale`` [out, groups] in the
      model's dtype, ``weight_zero_point`` int32 [ceil(out × bits / 32), groups] when not
      symmetric; groups per ``strategy`` group (in / group_size) or channel (1). The routed
      experts: compressed_tensors_moe_wna16.py, the same per-matrix layout.
    * ``float-quantized`` 8-bit float weights (FP8): schemes/compressed_tensors_w8a8_fp8.py
      create_weights (utils/fp8_utils.py create_fp8_weight_parameter, create_fp8_scale_parameter):
      fp8 e4m3 [out, in], fp32 ``weight_scale`` [out, 1] (channel), one per matrix (tensor) or
      per block (block); a static input scale adds one fp32 per matrix. Routed experts:
      compressed_tensors_moe_w8a8_fp8.py, the same.
    * ``nvfp4-pack-quantized``: schemes/compressed_tensors_w4a4_nvfp4.py create_weights:
      uint8 [out, in / 2], fp8 e4m3 ``weight_scale`` [out, in / 16], one fp32
      ``weight_global_scale`` per matrix, and one fp32 ``input_global_scale`` with NVFP4 inputs.

    ``actorder`` group/dynamic is refused by vLLM 0.33 (compressed_tensors.py), and so here."""
    fmt = q.get("format")
    groups = q.get("config_groups")
    if not isinstance(groups, dict) or len(groups) != 1:
        raise KvplanError(f"{where}: quantization_config.config_groups must hold one group for kvplan to price "
                          f"it, found {len(groups) if isinstance(groups, dict) else groups!r}")
    (name, g), = groups.items()
    if not isinstance(g, dict) or g.get("targets") != ["Linear"] or not isinstance(g.get("weights"), dict):
        raise KvplanError(f"{where}: quantization_config.config_groups.{name} must target [\"Linear\"] "
                          "with a weights scheme")
    w, inp = g["weights"], g.get("input_activations")
    for key in ("kv_cache_scheme", "sparsity_config", "transform_config"):
        if q.get(key):
            raise KvplanError(f"{where}: quantization_config.{key} is not modelled")
    if g.get("output_activations"):
        raise KvplanError(f"{where}: quantization_config.config_groups.{name}.output_activations is not modelled")
    if w.get("actorder") in ("group", "dynamic"):
        raise KvplanError(f"{where}: quantization_config weights actorder {w['actorder']!r}: vLLM 0.33 refuses "
                          "group/dynamic activation ordering (compressed_tensors.py)")
    scope = _scope(_ignored(q.get("ignore"), "ignore", where, layers), "ignore", where)
    bits, kind, strategy = w.get("num_bits"), w.get("type"), w.get("strategy")
    out = {"scope": scope, "method": "compressed-tensors"}
    if fmt == "pack-quantized" and kind == "int" and inp is None:
        if bits not in (4, 8):
            raise KvplanError(f"{where}: quantization_config weights num_bits {bits!r}: kvplan prices 4- and "
                              "8-bit pack-quantized weights only")
        if strategy == "group":
            grouping = {"group": _int(w, ("group_size",), where)}
        elif strategy == "channel":
            grouping = {"channel": True}
        else:
            raise KvplanError(f"{where}: quantization_config weights strategy {strategy!r} is not group or channel")
        return {**out, "format": f"int{bits}", "packed": True, "scale_bytes": 2,
                "zero_points": w.get("symmetric") is False, **grouping}
    if fmt == "float-quantized" and kind == "float" and bits == 8:
        static_input = isinstance(inp, dict) and inp.get("dynamic") is False
        if inp is not None and not (isinstance(inp, dict) and inp.get("type") == "float" and inp.get("num_bits") == 8):
            raise KvplanError(f"{where}: quantization_config input_activations {inp!r} are not fp8")
        if strategy == "channel":
            return {**out, "format": "fp8_e4m3", "channel": True, "tensor_scales": int(static_input)}
        if strategy == "tensor":
            return {**out, "format": "fp8_e4m3", "tensor_scales": 1 + int(static_input)}
        block = w.get("block_structure")
        if strategy == "block" and isinstance(block, list) and len(block) == 2 and block[0] == block[1] \
                and isinstance(block[0], int) and block[0] > 0 and not static_input:
            return {**out, "format": "fp8_e4m3", "block": block[0]}
        raise KvplanError(f"{where}: quantization_config fp8 weights strategy {strategy!r} "
                          f"(block_structure {block!r}) is not one kvplan prices")
    if fmt == "nvfp4-pack-quantized" and kind == "float" and bits == 4 and w.get("group_size") == 16:
        return {**out, "format": "nvfp4", "tensor_scales": 1 if inp is None else 2}
    raise KvplanError(f"{where}: quantization_config format {fmt!r} with {kind} {bits}-bit weights "
                      f"(strategy {strategy!r}) is not one kvplan prices")


def _weight_quant(q, where: str, layers: int | None = None) -> dict | None:
    """What a config's ``quantization_config`` says the checkpoint stores (spec.WeightQuant).

    * ``quant_method: mxfp4`` (gpt-oss, transformers' Mxfp4Config): the routed experts in MXFP4;
      attention, router, embeddings and LM head are in ``modules_to_not_convert``.
    * ``quant_method: fp8`` with ``weight_block_size: [b, b]`` (DeepSeek-V3/R1, Kimi K2,
      transformers' FineGrainedFP8Config): every decoder linear layer in fp8 (``fmt`` e4m3 or
      e5m2) with one fp32 ``weight_scale_inv`` per b × b block.
    * ``awq``, ``gptq`` and ``compressed-tensors`` (pack-quantized int4/int8, float-quantized
      fp8, nvfp4-pack-quantized): ``_awq``, ``_gptq``, ``_compressed_tensors``; what their
      ignore lists leave out is read by ``_ignored``. ``layers``: the decoder's layer count, to
      check an ignore list that names every layer.
    Any other method is not modelled: its weights are priced in the model dtype unless
    ``--weight-dtype`` says otherwise."""
    if not isinstance(q, dict):
        return None
    method = q.get("quant_method")
    if method == "mxfp4":
        skipped = " ".join(q.get("modules_to_not_convert") or [])
        if "experts" in skipped:
            raise KvplanError(f"{where}: quantization_config leaves the experts unquantized; "
                              "kvplan cannot tell what mxfp4 applies to")
        return {"scope": "experts", "format": "mxfp4"}
    if method == "compressed-tensors" and q.get("format") == "mxfp4-pack-quantized":
        # Kimi-K3: MXFP4 (group 32, E8M0 scales) on every Linear except those the ignore list
        # names; with attention, shared experts, dense MLPs and the LM head ignored, that is the
        # routed experts (vLLM's latent projections are built unquantized)
        ignore = " ".join(q.get("ignore") or [])
        if not all(k in ignore for k in ("self_attn", "shared_experts", "lm_head")):
            raise KvplanError(f"{where}: quantization_config's ignore list {q.get('ignore')!r} is not one "
                              "kvplan can map to the layers it quantizes")
        return {"scope": "experts", "format": "mxfp4"}
    if method == "fp8":
        block = q.get("weight_block_size")
        if block is not None and (not isinstance(block, list) or len(block) != 2 or block[0] != block[1]
                                  or not isinstance(block[0], int) or block[0] < 1):
            raise KvplanError(f"{where}: quantization_config.weight_block_size {block!r} is not a "
                              "square block kvplan understands")
        fmt = {"e4m3": "fp8_e4m3", "e5m2": "fp8_e5m2"}.get(q.get("fmt", "e4m3"))
        if fmt is None:
            raise KvplanError(f"{where}: quantization_config.fmt {q.get('fmt')!r} is not e4m3 or e5m2")
        return {"scope": "linear", "format": fmt, **({"block": block[0]} if block else {})}
    if method == "awq":
        return _awq(q, where, layers)
    if method == "gptq":
        return _gptq(q, where, layers)
    if method == "compressed-tensors":
        return _compressed_tensors(q, where, layers)
    return None


def from_config(raw: dict, name: str, source: str = "", where: str = "config.json") -> ModelSpec:
    """Build a spec from a parsed config.json."""
    outer = raw
    if isinstance(raw.get("text_config"), dict):  # multimodal: the decoder is under text_config
        raw = raw["text_config"]
    cfg = _Cfg(raw, where)
    mt = cfg.get("model_type", default="") or outer.get("model_type", "")
    family = _FAMILIES.get(mt, _llama_like)
    spec_data = family(cfg, mt)
    dtype_name = cfg.get("torch_dtype", "dtype") or outer.get("torch_dtype") or outer.get("dtype")
    dtype = _DTYPES.get(str(dtype_name), None) if dtype_name else None
    encoders = _encoders(outer, where) if outer is not raw else []
    layers = raw.get("num_hidden_layers")
    weight_quant = _weight_quant(outer.get("quantization_config") or raw.get("quantization_config"), where,
                                 layers if isinstance(layers, int) else None)
    if weight_quant and weight_quant.get("method") and weight_quant["scope"] != "linear":
        # an ignore list that leaves "attention" out says nothing of recurrent mixers (Mamba,
        # DeltaNet): whether they are quantized cannot be told
        other = sorted({lt["mixer"]["kind"] for lt in spec_data["layer_types"].values()} - _ATTENTION_KINDS)
        if other:
            raise KvplanError(f"{where}: quantization_config leaves attention unquantized but does not say "
                              f"whether the {', '.join(other)} mixers are; kvplan cannot price them")
    expert_dtype = cfg.get("expert_dtype")  # DeepSeek-V4: the routed experts' own storage format
    if expert_dtype is not None:
        if expert_dtype != "fp4" or not weight_quant:
            raise KvplanError(f"{where}: key 'expert_dtype' = {expert_dtype!r} is not understood")
        # vLLM 0.33 (models/deepseek_v4 quant_config.py) resolves 'fp4' and loads the experts
        # with its Mxfp4 MoE method: MXFP4, 32 values + one E8M0 scale in 17 bytes
        weight_quant["expert_format"] = "mxfp4"
    cfg.check_unread()
    data = {
        "name": name, "display_name": name, "source": source or where, "family": mt,
        "dtype": dtype or "fp32",
        "dtype_note": None if dtype else "config.json states no torch_dtype; transformers defaults to float32",
        "vocab_size": cfg.count("vocab_size"),
        "tie_embeddings": bool(cfg.get("tie_word_embeddings", default=outer.get("tie_word_embeddings",
                                                                                  spec_data.pop("_tie_default", False)))),
        "max_context": cfg.get("max_position_embeddings", "n_positions"),
        **({"weight_quant": weight_quant} if weight_quant else {}),
        **({"encoders": encoders} if encoders else {}),
        **spec_data,
    }
    from ..model.frozen import validation_error

    try:
        return ModelSpec.model_validate(data)
    except validation_error() as e:

        raise KvplanError(validation_message(f"{where}: inconsistent config", e)) from None


def _pattern_from(names: list[str]) -> str:
    return compress_pattern(names)


def _mlp_dense(cfg: _Cfg, inter: int, gated: bool = True, bias: bool = False) -> dict:
    return {"kind": "dense", "intermediate_size": inter, "gated": gated, "bias": bias}


def _head_dim(cfg: _Cfg, hidden: int, heads: int) -> int:
    hd = cfg.get("head_dim")
    if hd is not None:
        return int(hd)
    if hidden % heads:
        raise KvplanError(f"{cfg.where}: no head_dim and hidden_size {hidden} is not divisible by "
                          f"num_attention_heads {heads}")
    return hidden // heads


def _llama_like(cfg: _Cfg, mt: str) -> dict:
    """Llama, Mistral, Mixtral, Qwen2/2.5/3 (+MoE), Phi-3, Gemma 2/3, gpt-oss, SmolLM, ..."""
    if not mt:
        raise KvplanError(f"{cfg.where}: missing required key 'model_type'")
    if mt not in _LLAMA_TYPES:
        raise KvplanError(f"{cfg.where}: model_type '{mt}' is not supported by kvplan's importer")
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
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
    if mt == "gpt_oss":
        attn["learned_sinks"] = True
    norms = 4 if mt.startswith("gemma") else 2  # Gemma 2/3: pre/post norms around attn and MLP

    # Which layers slide. Mirrors each family's config __post_init__.
    window = cfg.get("sliding_window")
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

    # MLP: dense, or MoE on some layers.
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
        else:  # Mixtral, gpt-oss: every layer
            moe_layers = set(range(layers))
            mlp_moe = {"kind": "moe", "num_experts": experts, "experts_per_token": topk,
                       "intermediate_size": inter}
            if mt == "gpt_oss":
                mlp_moe.update(expert_bias=True, router_bias=True)
    cfg.touch("experts_per_token", "norm_topk_prob", "output_router_logits", "router_aux_loss_coef",
              "swiglu_limit", "max_window_layers", "use_sliding_window", "sliding_window_pattern",
              "_sliding_window_pattern")
    dense = _mlp_dense(cfg, inter, bias=bool(cfg.get("mlp_bias", default=False)))

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


def _deepseek(cfg: _Cfg, mt: str) -> dict:
    """DeepSeek V2 / V3 / R1, Kimi K2 (model_type deepseek_v3): MLA attention, MoE after the
    first ``first_k_dense_replace`` layers. The ``num_nextn_predict_layers`` MTP module is not
    part of the decoder stack that serves ordinary decoding, so it is not counted."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    cfg.get("num_key_value_heads")  # equals num_attention_heads; MLA has no KV heads
    mla = {"kind": "mla", "num_heads": heads, "kv_lora_rank": cfg.need("kv_lora_rank"),
           "qk_rope_head_dim": cfg.need("qk_rope_head_dim"), "qk_nope_head_dim": cfg.need("qk_nope_head_dim"),
           "v_head_dim": cfg.need("v_head_dim"), "q_lora_rank": cfg.get("q_lora_rank"),
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
        cfg.touch("index_topk", "indexer_rope_interleave", "rope_interleave", "qk_head_dim",
                  "pretraining_tp", "index_share_for_mtp_iteration", "moe_router_dtype")
        cfg.get("head_dim")  # GlmMoeDsaConfig points head_dim at qk_rope_head_dim (RoPE only)
    first_dense = cfg.get("first_k_dense_replace", default=0)
    freq = cfg.get("moe_layer_freq", default=1)
    experts = cfg.get("n_routed_experts")
    mlp_types = cfg.get("mlp_layer_types")  # GlmMoeDsaConfig: "dense" / "sparse" per layer
    cfg.touch("num_nextn_predict_layers", "n_group", "topk_group", "topk_method", "ep_size",
            "scoring_func", "routed_scaling_factor", "norm_topk_prob", "seq_aux", "aux_loss_alpha")
    dense = _mlp_dense(cfg, cfg.need("intermediate_size"))
    moe = None
    if experts:
        moe = {"kind": "moe", "num_experts": experts, "experts_per_token": cfg.need("num_experts_per_tok"),
               "intermediate_size": cfg.need("moe_intermediate_size"),
               "shared_intermediate_size": cfg.get("n_shared_experts", default=0) * cfg.need("moe_intermediate_size")}
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
    cfg.get("use_qk_norm")  # an L2 norm without weights: no parameters
    attn = _attention(heads, kv, hd, qkv_bias=bias, o_bias=bias)
    inter = cfg.need("intermediate_size")
    moe = {"kind": "moe", "num_experts": cfg.need("num_local_experts"),
           "experts_per_token": cfg.need("num_experts_per_tok"), "intermediate_size": inter,
           "shared_intermediate_size": inter}
    dense = _mlp_dense(cfg, cfg.get("intermediate_size_mlp", default=inter))
    cfg.touch("output_router_logits", "router_aux_loss_coef", "router_jitter_noise")
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
    layers = cfg.need("n_layer", "num_hidden_layers")
    inter = cfg.get("n_inner") or 4 * hidden
    attn = {"kind": "full", **_attention(heads, heads, hidden // heads), "qkv_bias": True, "o_bias": True}
    lt = {"mixer": attn, "mlp": _mlp_dense(cfg, inter, gated=False, bias=True), "norms": 2}
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
    attn = {"kind": "full", **_attention(heads, heads, hidden // heads), "qkv_bias": bias, "o_bias": bias}
    lt = {"mixer": attn, "mlp": _mlp_dense(cfg, cfg.need("ffn_dim"), gated=False, bias=bias), "norms": 2}
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
    attn = {"kind": "full", **_attention(heads, kv, hidden // heads), "qkv_bias": bias, "o_bias": bias}
    inter = cfg.get("ffn_hidden_size") or 4 * hidden
    lt = {"mixer": attn, "mlp": _mlp_dense(cfg, inter, gated=False, bias=bias), "norms": norms}
    return {"hidden_size": hidden, "layer_types": {"block": lt}, "pattern": f"block*{layers}",
            "norm": "layer", "_tie_default": True}


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
    hd = cfg.get("head_dim", "attention_head_dim") or hidden // heads
    lts = {}
    if "attention" in names:
        bias = bool(cfg.get("attention_bias", default=False))
        lts["attention"] = {"mixer": {"kind": "full", **_attention(heads, cfg.get("num_key_value_heads", default=heads), hd),
                                      "qkv_bias": bias, "o_bias": bias}, "norms": 1}
    if "mamba" in names:
        mh, mhd = cfg.need("mamba_num_heads"), cfg.need("mamba_head_dim")
        ssm_dtype = _DTYPES.get(str(cfg.get("mamba_ssm_cache_dtype")), None)
        cfg.get("expand")  # inner size is mamba_num_heads * mamba_head_dim
        lts["mamba"] = {"mixer": {"kind": "mamba2", "num_heads": mh, "head_dim": mhd,
                                  "state_size": cfg.need("ssm_state_size"), "n_groups": cfg.need("n_groups"),
                                  "conv_kernel": cfg.need("conv_kernel"),
                                  "conv_bias": bool(cfg.get("use_conv_bias", default=True)),
                                  "proj_bias": bool(cfg.get("mamba_proj_bias", "use_bias", default=False)),
                                  "ssm_state_dtype": ssm_dtype}, "norms": 1}
    mlp_bias = bool(cfg.get("mlp_bias", default=False))
    if "mlp" in names:
        lts["mlp"] = {"mixer": {"kind": "none"},
                      "mlp": _mlp_dense(cfg, cfg.need("intermediate_size"), gated=False, bias=mlp_bias), "norms": 1}
    if "moe" in names:
        lts["moe"] = {"mixer": {"kind": "none"}, "norms": 1,
                      "mlp": {"kind": "moe", "num_experts": cfg.need("n_routed_experts"),
                              "experts_per_token": cfg.need("num_experts_per_tok"),
                              "intermediate_size": cfg.need("moe_intermediate_size"), "gated": False,
                              "shared_intermediate_size": cfg.get("moe_shared_expert_intermediate_size", default=0)
                              * (1 if cfg.get("n_shared_experts", default=1) else 0)}}
    cfg.touch("n_shared_experts", "n_group", "topk_group", "norm_topk_prob", "routed_scaling_factor",
            "mlp_hidden_act", "intermediate_size", "sliding_window")
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}


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
    cfg.touch("vocab_size_per_layer_input", "use_double_wide_mlp")
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
    dense = _mlp_dense(cfg, cfg.need("intermediate_size"))
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
    attn = {"kind": "full", **_attention(heads, cfg.get("num_key_value_heads", default=heads),
                                         _head_dim(cfg, hidden, heads)),
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
        mlp = _mlp_dense(cfg, cfg.need("intermediate_size"))
    cfg.touch("intermediate_size", "norm_topk_prob", "output_router_logits", "router_aux_loss_coef")
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
    attn = {"kind": "full", **_attention(heads, cfg.get("num_key_value_heads", default=heads),
                                         _head_dim(cfg, hidden, heads))}
    mamba = {"kind": "mamba", "inner": cfg.need("mamba_expand") * hidden, "state_size": cfg.need("mamba_d_state"),
             "conv_kernel": cfg.need("mamba_d_conv"),
             "dt_rank": cfg.get("mamba_dt_rank") or -(-hidden // 16),
             "conv_bias": bool(cfg.get("mamba_conv_bias", default=True)),
             "proj_bias": bool(cfg.get("mamba_proj_bias", default=False)), "inner_norms": True}
    dense = _mlp_dense(cfg, cfg.need("intermediate_size"))
    moe = {"kind": "moe", "num_experts": cfg.need("num_experts"), "experts_per_token": cfg.need("num_experts_per_tok"),
           "intermediate_size": cfg.need("intermediate_size")}
    cfg.touch("use_mambapy", "use_associative_scan", "output_router_logits", "router_aux_loss_coef")
    names, lts = [], {}
    for i in range(layers):
        mixer = "attention" if i % ap == ao else "mamba"
        ffn = "moe" if i % ep == eo else "dense"
        key = f"{mixer}-{ffn}"
        lts.setdefault(key, {"mixer": attn if mixer == "attention" else mamba, "mlp": moe if ffn == "moe" else dense})
        names.append(key)
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
    moe = {"kind": "moe", "num_experts": cfg.need("n_routed_experts"),
           "experts_per_token": cfg.need("num_experts_per_tok"),
           "intermediate_size": cfg.need("moe_intermediate_size"),
           "shared_intermediate_size": cfg.get("n_shared_experts", default=0) * cfg.need("moe_intermediate_size")}
    hc = cfg.get("hc_mult") or None
    if cfg.get("attention_bias", default=False):
        raise KvplanError(f"{cfg.where}: key 'attention_bias' = true is not supported for deepseek_v4 "
                          "(transformers' DeepseekV4Attention has no biases)")
    cfg.touch("index_topk", "compress_rope_theta", "num_nextn_predict_layers", "num_hash_layers", "hc_eps",
              "hc_sinkhorn_iters", "swiglu_limit", "scoring_func", "topk_method", "routed_scaling_factor",
              "norm_topk_prob")
    lts, names = {}, []
    for r in ratios:
        name = "swa" if r == 0 else f"c{r}"
        mixer = {**base, "compress_ratio": r, **({"indexed": True, **index} if r == 4 else {})}
        lts.setdefault(name, {"mixer": mixer, "mlp": moe, "norms": 2, "hc_mult": hc})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names), "hc_mult": hc}


def _minimax_m3(cfg: _Cfg, mt: str) -> dict:
    """MiniMax-M3 (vLLM model_executor models/minimax_m3; no transformers class): GQA with
    per-head q/k norms on every layer; layers flagged in ``sparse_attention_config``'s
    ``sparse_attention_freq`` add a block-sparse index branch whose single shared index key
    (``sparse_index_dim``) is cached per token; ``moe_layer_freq`` flags MoE layers (the rest
    are dense, ``dense_intermediate_size``)."""
    hidden = cfg.count("hidden_size")
    layers = cfg.count("num_hidden_layers")
    heads = cfg.count("num_attention_heads")
    attn = {"kind": "full", **_attention(heads, cfg.count("num_key_value_heads"), cfg.count("head_dim")),
            "qk_norm": bool(cfg.get("use_qk_norm", default=False))}
    if cfg.get("use_qk_norm") and cfg.get("qk_norm_type", default="per_head") != "per_head":
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
    moe = {"kind": "moe", "num_experts": cfg.need("num_local_experts"), "experts_per_token": cfg.need("num_experts_per_tok"),
           "intermediate_size": cfg.need("moe_intermediate_size"),
           "shared_intermediate_size": cfg.get("n_shared_experts", default=0) * cfg.get("shared_intermediate_size", default=0)}
    dense = _mlp_dense(cfg, cfg.need("dense_intermediate_size"))
    cfg.touch("intermediate_size", "num_mtp_modules", "num_nextn_predict_layers", "rotary_dim", "use_gemma_norm",
              "use_routing_bias", "swiglu_alpha", "swiglu_limit", "scoring_func", "routed_scaling_factor",
              "first_k_dense_replace")
    lts, names = {}, []
    for s_flag, m_flag in zip(flags, moe_flags):
        name = ("sparse" if s_flag else "full") + ("-moe" if m_flag else "-dense")
        lts.setdefault(name, {"mixer": sparse_attn if s_flag else attn, "mlp": moe if m_flag else dense})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names)}


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
           "intermediate_size": cfg.need("moe_intermediate_size"),
           "shared_intermediate_size": (cfg.get("n_shared_experts") or 0) * cfg.need("moe_intermediate_size")}
    dense = _mlp_dense(cfg, cfg.need("intermediate_size"))
    # attention_chunk_size: not read by transformers' or vLLM's MiMo-V2 attention (mimo_v2.py)
    cfg.touch("attention_chunk_size", "swa_rope_theta", "attention_value_scale", "n_group", "topk_group",
              "topk_method", "scoring_func", "routed_scaling_factor", "norm_topk_prob", "layernorm_epsilon")
    lts, names = {}, []
    for p_flag, m_flag in zip(pattern, moe_flags):
        name = ("local" if p_flag else "global") + ("-moe" if m_flag else "-dense")
        lts.setdefault(name, {"mixer": local if p_flag else full, "mlp": moe if m_flag else dense})
        names.append(name)
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
    lc.touch("gate_lower_bound")
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
    cfg.touch("mla_use_nope", "num_nextn_predict_layers", "moe_renormalize",
              "moe_router_activation_func", "num_expert_group", "topk_group", "topk_method",
              "use_grouped_topk", "routed_scaling_factor", "moe_layer_freq", "activation_situ_beta",
              "activation_situ_linear_beta", "add_cross_attention", "cross_attention_hidden_size",
              "chunk_size_feed_forward", "tie_encoder_decoder", "output_scores", "return_dict_in_generate",
              # generation defaults saved into Kimi-K3's text_config (PretrainedConfig of transformers 4.x)
              "num_beam_groups", "encoder_no_repeat_ngram_size", "no_repeat_ngram_size",
              "exponential_decay_length_penalty", "begin_suppress_tokens", "suppress_tokens",
              "is_decoder", "is_encoder_decoder", "decoder_start_token_id", "pruned_heads")
    moe = {"kind": "moe", "num_experts": cfg.need("num_experts"), "experts_per_token": cfg.need("num_experts_per_token"),
           "intermediate_size": cfg.need("moe_intermediate_size"),
           "shared_intermediate_size": cfg.get("num_shared_experts", default=0) * cfg.need("moe_intermediate_size"),
           **({"latent_size": latent} if latent else {})}
    dense = _mlp_dense(cfg, cfg.need("intermediate_size"))
    first_dense = cfg.get("first_k_dense_replace", default=0)
    kda_set = set(kda_layers)
    lts, names = {}, []
    for i in range(layers):
        mixer = "kda" if i + 1 in kda_set else "mla"
        ffn = "dense" if i < first_dense else "moe"
        name = f"{mixer}-{ffn}"
        lts.setdefault(name, {"mixer": kda if mixer == "kda" else mla, "mlp": dense if ffn == "dense" else moe,
                              "norms": norms})
        names.append(name)
    return {"hidden_size": hidden, "layer_types": lts, "pattern": _pattern_from(names),
            **({"attn_res": True} if cfg.get("attn_res_block_size") else {})}


_LLAMA_TYPES = {"llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "phi3",
                "gemma", "gemma2", "gemma3", "gemma3_text", "gpt_oss", "smollm3", "granite", "olmo2",
                "starcoder2_disabled"}
_FAMILIES = {"deepseek_v2": _deepseek, "deepseek_v3": _deepseek, "kimi_k2": _deepseek,
             "llama4": _llama4, "llama4_text": _llama4, "gpt2": _gpt2, "opt": _opt,
             "falcon": _falcon, "nemotron_h": _nemotron_h,
             "gemma4": _gemma4, "gemma4_text": _gemma4, "qwen3_next": _qwen3_next,
             "jamba": _jamba, "deepseek_v32": _deepseek, "glm_moe_dsa": _deepseek,
             "deepseek_v4": _deepseek_v4, "minimax_m3": _minimax_m3, "mimo_v2_flash": _mimo_v2,
             "kimi_linear": _kimi_linear}


def resolve_config_path(path: Path) -> Path:
    if path.is_dir():
        path = path / "config.json"
    if not path.exists():
        raise KvplanError(f"no such file: {path}")
    return path


def load(path: Path, name: str | None = None) -> ModelSpec:
    """Import a config.json file (or a folder holding one)."""
    path = resolve_config_path(path)
    stem = path.parent.name if path.name == "config.json" else path.stem
    slug = re.sub(r"[^a-z0-9._-]+", "-", (name or stem).lower()).strip("-") or "model"
    return from_config(load_json(path), slug, source=str(path), where=str(path))
