"""A config's ``quantization_config`` -> what the checkpoint stores (weights.WeightQuant): mxfp4,
fp8 blocks, AWQ, GPTQ and compressed-tensors, and what their ignore lists leave unquantized."""
from __future__ import annotations

import re

from ...errors import KvplanError

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

    After loading (process_weights_after_loading; vLLM logs the weights it holds then,
    platforms/cuda.py get_current_memory_usage), read in vLLM 0.28.0, 0.29.0 and 0.33.0: on CUDA
    AutoAWQConfig.get_quant_method gives AutoAWQMarlinLinearMethod where Marlin supports the
    layer, whose _convert_awq_to_standard_format repacks qweight along the input ([in / 8, out])
    and qzeros ([out / 8, groups]) at the same sizes, and choose_mp_linear_kernel
    (kernels/linear/__init__.py _POSSIBLE_KERNELS: CutlassW4A8, Machete (capability 9.0), AllSpark,
    Marlin, ...) picks MarlinLinearKernel below 9.0: kernels/linear/mixed_precision/marlin.py
    process_weights_after_loading repacks qweight, scales and zero points to the same byte counts
    where out % 64 and in % 128 are 0 (else it pads: utils/marlin_utils.py marlin_padded_nk, not
    priced), g_idx is an empty tensor, and 0.28.0-0.29.0 add one int32 workspace of the SM count
    per layer (marlin_make_workspace_new; 142 × 4 B on an L40S, not priced). So the stored bytes
    are the bytes as loaded on compute capability 8.x (the Qwen3-14B-AWQ rows of
    tests/data/vllm_startup_logs.json: "Using MarlinLinearKernel for AutoAWQMarlinLinearMethod").
    Not modelled: on 9.0 machete.py (chosen first where in % 64 and out % 128 are 0) turns each
    zero point into an activation-dtype value: (in / group) × out × 2 bytes instead of × 1/2."""
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
    MarlinLinearKernel.process_weights_after_loading, zero_points false for GPTQ; the same in
    0.28.0 and 0.29.0) replaces qzeros with an empty tensor, so vLLM then holds (groups × out ×
    bits / 8) bytes a matrix less than priced here (the cautious side); Machete (sm90) keeps
    them. vLLM 0.8.5's gptq_marlin.py also allocated a g_idx int32 [in] per matrix, emptied
    there after loading without act-order."""
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


def checkpoint_weight_quant(q: dict, where: str, layers: int | None = None):
    """A ``quantization_config`` given on its own (a start-up log's row, which names a catalog model
    and its checkpoint's quantization_config: tests/data/*startup_logs.json) as a WeightQuant, read by
    the same rules as a config.json's (``_weight_quant``); a method kvplan does not price is an error."""
    from ...model.weights import WeightQuant

    d = _weight_quant(q, where, layers)
    if d is None:
        raise KvplanError(f"{where}: quantization_config {q!r} is not one kvplan prices")
    return WeightQuant(**d)


def _weight_quant(q, where: str, layers: int | None = None) -> dict | None:
    """What a config's ``quantization_config`` says the checkpoint stores (weights.WeightQuant).

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
