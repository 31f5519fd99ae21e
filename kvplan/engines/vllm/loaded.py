"""vLLM's weights as loaded beyond their parameters: the rotary cos/sin table the model builds
(``rotary_cache_bytes``) and the bytes PyTorch's CUDA caching allocator keeps whole for each
weight (``allocator_slack`` over ``load_tensors``), both inside vLLM's "Model loading took X GiB".
From code, no constant fitted; the rules' data and sources are in startup.yaml
(``rotary_fp32_families``, ``caching_allocator``). Facts copied, not code.
"""
from __future__ import annotations

import math

from ...model import dtypes
from ...model.spec import MoeMlp
from .startup import _data


def rotary_positions(rope, max_position: int) -> int:
    """Rows of vLLM's cos/sin table for one rotary embedding (model_executor/layers/rotary_embedding,
    get_rope and each class's _compute_cos_sin_cache; the same in 0.10.0's rotary_embedding.py and
    0.18.1's package): the model passes config.max_position_embeddings as ``max_position``; default
    and llama3 keep it; linear and dynamic scale it by the factor; yarn (DeepSeek's deepseek_yarn
    too) takes original_max_position_embeddings × factor; longrope (Phi-3) keeps a short and a long
    table, original + max_position rows; MRoPE (an mrope_section) keeps 4 × its max_position
    (mrope.py: "enlarge max_position_embeddings to 4 times"; yarn's passes the original there)."""
    orig = rope.original_max_position or max_position
    if rope.mrope:
        return 4 * (orig if rope.type == "yarn" else max_position)
    if rope.type in ("linear", "dynamic") and rope.factor:
        return math.ceil(max_position * rope.factor)
    if rope.type in ("yarn", "deepseek_yarn") and rope.factor:
        return math.ceil(orig * rope.factor)  # torch.arange(float end): ceil(end) rows
    if rope.type == "longrope":
        return orig + max_position
    return max_position  # default, llama3, mllama4; other types are not read (the same rows assumed)


def rotary_cache_bytes(spec) -> int:
    """Bytes of the rotary cos/sin tables vLLM allocates while it builds the model, inside "Model
    loading took X GiB" (one rank; the table is not sharded). RotaryEmbeddingBase.__init__
    (rotary_embedding/base.py, vLLM 0.18.1; rotary_embedding.py RotaryEmbedding in 0.10.0) registers
    ``cos_sin_cache``, [positions, rotary_dim] (cos and sin halves) cast to ``dtype``, which get_rope
    takes from torch.get_default_dtype(), the model's dtype while the loader builds it
    (model_loader/base_loader.py set_default_torch_dtype); rotary_dim = int(head size ×
    partial_rotary_factor), the head size being the attention head dim (MLA: qk_rope_head_dim).
    get_rope caches one module per (head size, rotary_dim, max_position, rope parameters, dtype) in
    _ROPE_DICT, so the layers share one table per distinct head size; gpt-oss asks for float32
    (startup.yaml rotary_fp32_families). 0 without ``spec.rope``."""
    from ...model.kinds.attention import _Attention
    from ...model.kinds.mla import MLA

    rope = spec.rope
    if rope is None or not spec.max_context:
        return 0
    heads = set()
    for lt in spec.counts():
        mixer = spec.layer_types[lt].mixer
        if isinstance(mixer, MLA):
            heads.add(mixer.qk_rope_head_dim)
        elif isinstance(mixer, _Attention):
            heads.add(mixer.head_dim)
    rows = rotary_positions(rope, spec.max_context)
    fp32 = spec.family in _data()["rotary_fp32_families"]["families"]
    elem = 4 if fp32 else dtypes.get(spec.dtype).row_bytes(1)
    return sum(rows * int(h * rope.partial_rotary_factor) * elem for h in heads)


def allocator_slack(sizes) -> int:
    """Bytes PyTorch's CUDA caching allocator counts as allocated beyond ``sizes`` (tensors
    allocated in this order, none freed, starting from no cached block: vLLM's
    DeviceMemoryProfiler empties the cache before loading), from code (startup.yaml
    ``caching_allocator``, with the functions named): each request is rounded up to 512 bytes;
    up to 1 MiB it comes from the small pool, which splits off any remainder, so nothing more
    is kept; a larger request takes the smallest free cached block that holds it, else a new
    segment (20 MiB below 10 MiB, else the request rounded up to 2 MiB), and keeps the whole
    block unless more than 1 MiB would remain, which is split off and cached for later requests."""
    import bisect

    c = _data()["caching_allocator"]
    unit, small = c["min_block_size"], c["small_size"]
    free: list[int] = []  # cached free large-pool blocks, sorted by size
    extra = 0
    for n in sizes:
        size = max(unit, dtypes.cdiv(n, unit) * unit)
        if size > small:
            i = bisect.bisect_left(free, size)
            if i < len(free):
                block = free.pop(i)
            elif size < c["min_large_alloc"]:
                block = c["large_buffer"]
            else:
                block = dtypes.cdiv(size, c["round_large"]) * c["round_large"]
            if block - size > small:
                bisect.insort(free, block - size)
                block = size
            size = block
        extra += size - n
    return extra


def load_tensors(spec, tp: int, opts) -> list[int]:
    """The bytes of each tensor one rank allocates while vLLM builds the model, in the order the
    model's __init__ creates them (models/llama.py, qwen2.py, qwen3.py, deepseek_v2.py: the token
    embedding, then per layer the attention's fused QKVParallelLinear ``qkv_proj`` [q + k + v, hidden]
    with its bias and o_proj, the rotary table once (get_rope shares it), the MLP's fused
    MergedColumnParallelLinear ``gate_up_proj`` [2 × intermediate, hidden] and down_proj, or a
    FusedMoE's router and its w13 [experts, 2 × intermediate, hidden] and w2 [experts, hidden,
    intermediate] (layers/fused_moe/layer.py create_weights, experts over EP ranks, intermediate over
    the others), the shared experts, the two norms; the final norm and the LM head). ``spec`` is the
    rank's (sharded over ``tp``). Matrices the checkpoint quantizes are priced in its format with
    their scales as one more tensor. Other mixers' matrices are taken one by one; an MLA layer's
    q_a and kv_a are fused as vLLM's fused_qkv_a_proj. With pipeline stages the embedding and the
    LM head are both counted (the cautious side)."""
    from ...model.kinds.attention import _Attention
    from ...model.kinds.mla import MLA

    h, q, model = spec.hidden_size, spec.weight_quant, dtypes.get(spec.dtype)
    # vLLM's split of the routed experts (plan/parallel.py layout, which engines may not import):
    # whole experts over tp × DP ranks with --enable-expert-parallel, else every expert's
    # intermediate over them
    world = tp * opts.data_parallel_size
    moe_ep, moe_tp = (world, 1) if opts.enable_expert_parallel else (1, world)

    def mats(shapes, quantized: bool, lead: int = 1) -> list[int]:
        out = []
        for o, i in shapes:
            if quantized and q is not None and not q.expert_format:
                fmt = dtypes.get(q.format)
                main = o * (dtypes.cdiv(i * fmt.bits, 32) * 4 if q.packed else fmt.row_bytes(i))
                out += [lead * main] + ([lead * (q.matrix_bytes(o, i) - main)]
                                        if q.matrix_bytes(o, i) > main else [])
            else:
                out.append(lead * o * model.row_bytes(i))
        return out

    mixer_q = q is not None and q.scope == "linear"
    mlp_q = q is not None and q.scope in ("linear", "mlp")
    def mixer(lt) -> list[int]:
        m = lt.mixer
        if isinstance(m, _Attention):  # an index head (MiniMax-M3) is fused into qkv_proj too
            lin = m.linears(h)
            o_proj = _Attention.linears(m, h)[-1]
            qkv = (sum(r for r, _ in lin) - o_proj[0], h)
            bias = [model.row_bytes(qkv[0])] if m.qkv_bias else []
            return mats([qkv], mixer_q) + bias + mats([o_proj], mixer_q)
        if isinstance(m, MLA) and m.q_lora_rank:
            lin = m.linears(h)
            return mats([(lin[0][0] + lin[2][0], h)] + [lin[1]] + lin[3:], mixer_q)
        return mats(m.linears(h), mixer_q)

    def rest(lt) -> list[int]:
        out, mlp = [], lt.mlp
        if isinstance(mlp, MoeMlp):
            w = mlp.latent_size or h
            e = dtypes.cdiv(mlp.num_experts, moe_ep)
            i = mlp.intermediate_size * tp // moe_tp  # spec's is split over tp
            out.append(mlp.num_experts * model.row_bytes(h))  # the router
            out += mats([((2 if mlp.gated else 1) * i, w), (w, i)], True, e)  # every scope covers experts
            if mlp.shared_intermediate_size:
                s = mlp.shared_intermediate_size
                out += mats([((2 if mlp.gated else 1) * s, h), (h, s)], mlp_q)
        elif mlp is not None:
            i = mlp.intermediate_size
            out += mats([((2 if mlp.gated else 1) * i, h), (h, i)], mlp_q)
        return out + [model.row_bytes(h)] * lt.norms

    per_type = {n: (mixer(spec.layer_types[n]), rest(spec.layer_types[n])) for n in spec.counts()}
    sizes = [spec.vocab_size * model.row_bytes(h)]
    rotary = rotary_cache_bytes(spec)
    for name in spec.layers:
        first, second = per_type[name]
        sizes += first
        if rotary:  # built with the first layer's attention, shared by the others
            sizes.append(rotary)
            rotary = 0
        sizes += second
    sizes.append(model.row_bytes(h))  # the final norm
    if not spec.tie_embeddings:
        sizes.append(spec.vocab_size * model.row_bytes(h))
    return sizes


# kernels/linear/mixed_precision/machete.py (vLLM 0.28.0, 0.29.0, 0.33.0): compute capability 9.0
# only; group sizes -1 (per channel), 64, 128 with 16-bit activations (utils/machete_utils.py
# query_machete_supported_group_sizes); a partition's input a multiple of 64 and output of 128
# (check_machete_supports_shape, MACHETE_PREPACKED_BLOCK_SHAPE)
MACHETE_CAPABILITY = 90
MACHETE_GROUPS = (64, 128)
MACHETE_BLOCK = (64, 128)


# utils/marlin_utils.py GPTQ_MARLIN_MIN_THREAD_N, GPTQ_MARLIN_MIN_THREAD_K (0.19.0 to 0.33.0): the
# (output, input) multiples Marlin takes unpadded (startup.yaml awq_machete_by_release marlin_shape)
MARLIN_THREAD = (64, 128)


def awq_machete_rule(version: str | None) -> str:
    """startup.yaml awq_machete_by_release's rule for vLLM ``version`` (None: kvplan's, 0.33.0):
    marlin_only, marlin_shape or tile_padding; a release in no range takes the last (the most
    growth, the cautious side)."""
    from .settings import VERSION
    from .startup import _range

    ranges = _data()["awq_machete_by_release"]["ranges"]
    return (_range(ranges, version or VERSION) or ranges[-1])["rule"]


def awq_machete_growth(spec, cap: int | None, version: str | None = None) -> int:
    """Bytes an AWQ checkpoint's zero points grow by after loading where vLLM runs its linears with
    Machete (``spec`` the rank's, sharded; ``cap`` the card's compute capability). Read in vLLM
    0.28.0, 0.29.0 and 0.33.0: auto_awq.py AutoAWQMarlinLinearMethod asks choose_mp_linear_kernel
    (kernels/linear/__init__.py _POSSIBLE_KERNELS on CUDA: CutlassW4A8 (8-bit activations only),
    Machete, then Marlin), and Machete's process_weights_after_loading (transform_w_zp) replaces
    each layer's packed zero points, (in / group) × out / 8 int32, with ``-scale × zero`` in the
    scales' 16-bit dtype, (in / group) × out × 2 bytes: 1.5 bytes more per group and output. The
    fused QKV and gate/up projections are one matrix each (QKVParallelLinear,
    MergedColumnParallelLinear); the routed experts take AWQ's MoE method, not this one. 0 off
    capability 9.0 (Marlin keeps the byte counts), for other formats and other group sizes.
    By release (``version``, awq_machete_rule): up to 0.18.0 AWQ-Marlin never asks for Machete (0);
    0.19.0 to 0.23.0 check_marlin_supports_layer has no tile padding, so a matrix whose input is no
    multiple of 128 (or output of 64, or input of the group) falls back to plain AWQ before
    Machete is asked; from 0.24.0 (allow_tile_padding=True) only a group straddling the partition
    falls back."""
    q = spec.weight_quant
    if q is None or q.method != "awq" or cap != MACHETE_CAPABILITY or (q.group not in MACHETE_GROUPS
                                                                       and not q.channel):
        return 0
    rule = awq_machete_rule(version)
    if rule == "marlin_only":
        return 0

    def grow(out: int, inp: int) -> int:
        if q.group and inp % q.group:
            return 0  # a group straddles the partition: plain AWQ, the packed zero points kept
        if rule == "marlin_shape" and (out % MARLIN_THREAD[0] or inp % MARLIN_THREAD[1]):
            return 0  # no tile padding before 0.24.0: Marlin refuses the layer, plain AWQ
        if inp % MACHETE_BLOCK[0] or out % MACHETE_BLOCK[1]:
            return 0  # Machete refuses the shape: Marlin, the same bytes
        groups = inp // q.group if q.group else 1  # per channel (group_size -1): one row
        return groups * (out * 2 - dtypes.cdiv(out * 4, 32) * 4)

    return sum(n * grow(o, i) for n, o, i, _ in awq_linears(spec))


# utils/marlin_utils.py (vLLM 0.24.0, 0.29.0 and 0.33.0): MARLIN_SUPPORTED_GROUP_SIZES and the
# capability _check_marlin_supported asks for (query_marlin_supported_quant_types: 75 and up)
MARLIN_GROUPS = (32, 64, 128)
MARLIN_MIN_CAPABILITY = 75


def marlin_padded(out: int, inp: int, group: int | None) -> tuple[int, int]:
    """(out, in) a Marlin matrix is zero-padded to, from vLLM 0.24.0 (and 0.29.0, 0.33.0)
    utils/marlin_utils.py marlin_padded_nk(size_n, size_k, group_size): the cheaper (smaller
    product, then sum) of (out up to 64, in up to lcm(128, group)) and (out up to 128, in up to
    lcm(64, group)); ``group`` None for per-channel scales (group_size -1)."""
    g = group or 1
    up = lambda x, m: -(-x // m) * m  # noqa: E731
    cands = ((up(out, 64), up(inp, math.lcm(128, g))), (up(out, 128), up(inp, math.lcm(64, g))))
    return min(cands, key=lambda nk: (nk[0] * nk[1], nk[0] + nk[1]))


def awq_marlin_padding_growth(spec, cap: int | None, version: str | None = None) -> int:
    """Bytes an AWQ checkpoint's linears grow by where vLLM pads them for Marlin (``spec`` the
    rank's, sharded). From 0.24.0 (awq_machete_rule "tile_padding"), auto_awq.py get_quant_method
    keeps a matrix on AutoAWQMarlinLinearMethod whatever its shape (check_marlin_supports_layer with
    allow_tile_padding=True: only a group straddling the partition falls back to plain AWQ), and
    kernels/linear/mixed_precision/marlin.py MarlinLinearKernel.process_weights_after_loading pads
    the partition to marlin_padded (``marlin_padded``): qweight (marlin_pad_qweight), scales
    (marlin_pad_scales) and zero points (over padded_k / group rows and padded_n) then hold the
    padded shape, and a bias padded_n values (marlin_pad_dim). Read in the 0.24.0, 0.29.0 and 0.33.0
    wheels. Before 0.24.0 such a matrix falls back to plain AWQ (stored bytes). Not on Marlin, so
    0: a matrix Machete takes on compute capability 9.0 (awq_machete_growth), cards below 7.5,
    group sizes Marlin does not take. The growth is what the same layout holds at the padded shape
    less at the stored one (WeightQuant.matrix_bytes), the bias in 16 bits."""
    q = spec.weight_quant
    if (q is None or q.method != "awq" or cap is None or cap < MARLIN_MIN_CAPABILITY
            or awq_machete_rule(version) != "tile_padding"
            or not ((q.group in MARLIN_GROUPS) or (q.channel and not q.group))):
        return 0
    machete = cap == MACHETE_CAPABILITY and (q.group in MACHETE_GROUPS or (q.channel and not q.group))

    def grow(out: int, inp: int, bias: bool) -> int:
        if q.group and inp % q.group:
            return 0  # a group straddles the partition: plain AWQ
        if machete and not (inp % MACHETE_BLOCK[0] or out % MACHETE_BLOCK[1]):
            return 0  # Machete takes it, unpadded
        po, pi = marlin_padded(out, inp, q.group)
        if (po, pi) == (out, inp):
            return 0
        return q.matrix_bytes(po, pi) - q.matrix_bytes(out, inp) + (2 * (po - out) if bias else 0)

    return sum(n * grow(o, i, b) for n, o, i, b in awq_linears(spec))


def awq_linears(spec) -> list[tuple[int, int, int, bool]]:
    """(layers, out, in, bias) of each linear AWQ's linear method holds in ``spec`` (the rank's, sharded; its
    ``weight_quant`` AWQ): the merged QKV (QKVParallelLinear) and o_proj where the scope is "linear", a dense MLP's
    merged gate/up (MergedColumnParallelLinear) and down where it is "linear" or "mlp"; the routed experts take AWQ's
    MoE method, not this one. ``bias``: the attention projections' own (``qkv_bias``, ``o_bias``); an MLP's, none."""
    from ...model.kinds.attention import _Attention

    q, h = spec.weight_quant, spec.hidden_size
    out = []
    for lt, count in spec.counts().items():
        t = spec.layer_types[lt]
        if q.scope == "linear" and isinstance(t.mixer, _Attention):
            lin = t.mixer.linears(h)
            out += [(count, sum(o for o, _ in lin[:-1]), h, bool(getattr(t.mixer, "qkv_bias", False))),
                    (count, *lin[-1], bool(getattr(t.mixer, "o_bias", False)))]
        if q.scope in ("linear", "mlp") and t.mlp is not None and not isinstance(t.mlp, MoeMlp):
            i = t.mlp.intermediate_size
            out += [(count, (2 if t.mlp.gated else 1) * i, h, False), (count, h, i, False)]
    return out
