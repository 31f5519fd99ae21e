"""The tensors of a planned cache, shaped from the spec, and their allocation.

Two independent statements meet here. kvplan's plan says how many bytes a layout takes
(``memory.kv_size`` for the tight layouts, vLLM's block pool for ``vllm``). The tensors below
are shaped from the spec's own geometry (layers, KV heads, head dims, latent, state shapes),
the tokens or blocks the engine's rule holds, and each element format's storage
(``formats.py``); their bytes, as torch allocates them, must equal the plan. Nothing here
allocates the predicted byte count as one blob, so a wrong rule shows up as a difference.

Layouts:

* ``ideal`` and ``hf``: per layer, K and V of [batch, kv_heads, tokens, head_dim] (the MLA
  latent as [batch, 1, tokens, kv_lora_rank + rope]; ``hf`` keeps it as two tensors), tokens
  being what the engine holds (sliding layers: their window, or hf's window − 1), and the
  recurrent state tensors of each sequence (Mamba/Mamba2/Gated DeltaNet conv and SSM state)
  in the dtype the engine keeps them in.
* ``vllm``: vLLM 0.33's pool (v1/worker/gpu_model_runner.py initialize_kv_cache_tensors, as
  planned by v1/core/kv_cache_planning.py): one tensor per position within the KV-cache
  groups, shared by that position's layer in every group, of ``num_blocks`` pages; a page
  holds ``block_size`` tokens of one layer as [num_blocks, block_size, kv_heads, head_dim]
  (FlashAttention's shape; the MLA latent as [num_blocks, block_size, latent]) or one
  Mamba-like state, padded to the common page size. ``num_blocks`` is what ``batch``
  requests of ``ctx`` tokens take, plus vLLM's null block (BlockPool keeps block 0 unused).
"""
from __future__ import annotations

from ..model import dtypes
from .. import engines
from ..plan import size as memory
from ..errors import KvplanError
from ..plan.fit import stage_spec
from ..model.frozen import field, record, replace
from . import formats

ENGINES = ("ideal", "hf", "vllm")
ITEMSIZE = {"float32": 4, "float16": 2, "bfloat16": 2, "float8_e4m3fn": 1, "float8_e5m2": 1,
            "int8": 1, "uint8": 1}


@record
class Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str  # a torch dtype name

    @property
    def nbytes(self) -> int:
        n = ITEMSIZE[self.dtype]
        for d in self.shape:
            n *= d
        return n


@record(frozen=False)
class Layout:
    engine: str
    kv_format: str
    model_dtype: str
    ctx: int
    batch: int
    layers_allocated: int
    layers_total: int
    predicted_bytes: int  # kvplan's plan for the layers allocated
    predicted_full_bytes: int  # kvplan's plan for every layer of the model
    tensors: list[Tensor]
    source: str  # where the predicted figure comes from
    notes: list[str] = field(default_factory=list)
    detail: dict = field(default_factory=dict)

    @property
    def scaled(self) -> bool:
        return self.layers_allocated != self.layers_total

    @property
    def planned_tensor_bytes(self) -> int:
        return sum(t.nbytes for t in self.tensors)


def select_layers(spec, layers: int | None):
    """The first ``layers`` layers of ``spec`` as a spec of their own (all of them for None)."""
    if layers is None:
        return spec
    if not isinstance(layers, int) or layers < 1:
        raise KvplanError(f"--layers must be a positive integer, got {layers!r}")
    if layers > spec.num_layers:
        raise KvplanError(f"--layers {layers} is more than {spec.name}'s {spec.num_layers} layers")
    return stage_spec(spec, 0, layers)


def state_shape(mixer, st) -> tuple[int, ...]:
    """One sequence's state tensor shaped from the mixer's geometry. The conv window's columns
    are the engine's (k − 1, or k for hf); its channels and the SSM/recurrent dims are the
    spec's. Where the engine's element count disagrees with the shape, the shape wins, so the
    allocated bytes differ from the plan and the check fails."""
    kind = mixer.kind
    if st.name == "conv" and kind in ("mamba", "mamba2", "gated_deltanet"):
        channels = mixer.inner if kind == "mamba" else mixer.conv_dim
        return (channels, -(-st.elements // channels))
    if kind == "mamba2" and st.name == "ssm":
        return (mixer.num_heads, mixer.head_dim, mixer.state_size)
    if kind == "mamba" and st.name == "ssm":
        return (mixer.inner, mixer.state_size)
    if kind == "gated_deltanet" and st.name == "recurrent":
        return (mixer.num_value_heads, mixer.key_head_dim, mixer.value_head_dim)
    return (st.elements,)


def _row_names(mixer, count: int) -> list[str]:
    if mixer.kind == "mla":
        return ["latent"] if count == 1 else ["kv_nope", "k_rot"][:count] + [f"t{i}" for i in range(2, count)]
    if count == 2:
        return ["K", "V"]
    return [f"t{i}" for i in range(count)]


def _add(out: list[Tensor], name: str, fmt: str, lead: tuple[int, ...], n: int) -> None:
    for p in formats.parts(fmt, lead, n):
        out.append(Tensor(f"{name}.{p.suffix}" if p.suffix else name, p.shape, p.dtype))


def _add_state(out: list[Tensor], name: str, mixer, st, lead: tuple[int, ...]) -> None:
    nat = formats.native(st.dtype)
    if nat:
        out.append(Tensor(name, (*lead, *state_shape(mixer, st)), nat))
    else:  # a packed format over the whole per-sequence state, as memory.py counts it
        _add(out, name, st.dtype, lead, st.elements)


def plan_layout(spec, ctx: int, batch: int, kv_dtype: str | None = None, engine: str = "ideal",
                layers: int | None = None, gpu=None) -> Layout:
    """The cache of ``batch`` sequences of ``ctx`` tokens in ``engine``'s layout, for the first
    ``layers`` layers: kvplan's predicted bytes and the tensors that hold it."""
    for name, v in (("--ctx", ctx), ("--batch", batch)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise KvplanError(f"{name} must be a positive integer, got {v!r}")
    key = str(engine).strip().lower()
    if key not in ENGINES:
        raise KvplanError(f"validate allocates the {', '.join(ENGINES)} layouts, not '{engine}'")
    sub = select_layers(spec, layers)
    if key == "vllm":
        return _vllm(spec, sub, ctx, batch, kv_dtype, gpu)
    return _tight(spec, sub, ctx, batch, kv_dtype, key)


def _tight(spec, sub, ctx, batch, kv_dtype, key) -> Layout:
    eng = engines.get(key)
    run = eng.run_dtype(sub, None)
    fmt = dtypes.get(kv_dtype or run).name
    part = memory.kv_size(sub, ctx, batch, fmt, key)
    whole = memory.kv_size(spec, ctx, batch, fmt, key)
    tensors: list[Tensor] = []
    for i, lt in enumerate(sub.layers):
        mixer = sub.layer_types[lt].mixer
        held = eng.hold(mixer, ctx, run, fmt)
        names = _row_names(mixer, len(held.rows))
        for j, (rows, n) in enumerate(held.rows):
            f = held.formats[j] if held.formats else fmt
            _add(tensors, f"layer {i} ({lt}) {names[j]}", f, (batch, rows, held.tokens), n)
        for st in held.state:
            _add_state(tensors, f"layer {i} ({lt}) {st.name} state", mixer, st, (batch,))
    return Layout(key, fmt, run, ctx, batch, sub.num_layers, spec.num_layers, part.total_bytes,
                  whole.total_bytes, tensors,
                  f"kvplan size --engine {key} (memory.kv_size): cache + state bytes")


# --- vLLM's pool -------------------------------------------------------------------------

def _natural(mixer, nb: int, block: int, fmt: str, run: str, cfg, name: str) -> list[Tensor]:
    """One layer's pages for ``nb`` blocks, shaped from the spec as vLLM shapes them."""
    out: list[Tensor] = []
    kind = mixer.kind
    if kind in ("full", "sliding", "chunked"):
        _add(out, f"{name} K", fmt, (nb, block, mixer.num_kv_heads), mixer.head_dim)
        _add(out, f"{name} V", fmt, (nb, block, mixer.num_kv_heads), mixer.v_dim)
    elif kind == "mla":
        _add(out, f"{name} latent", fmt, (nb, block), mixer.kv_lora_rank + mixer.qk_rope_head_dim)
    elif kind == "mamba2":  # mamba_utils.mamba2_state_shape
        ssm = mixer.ssm_state_dtype or cfg.ssm_default_dtype or run
        out.append(Tensor(f"{name} conv", (nb, mixer.conv_dim, mixer.conv_kernel - 1), formats.NATIVE[run]))
        out.append(Tensor(f"{name} ssm", (nb, mixer.num_heads, mixer.head_dim, mixer.state_size),
                          formats.NATIVE[dtypes.get(ssm).name]))
    elif kind == "mamba":  # mamba1_state_shape
        out.append(Tensor(f"{name} conv", (nb, mixer.inner, mixer.conv_kernel - 1), formats.NATIVE[run]))
        out.append(Tensor(f"{name} ssm", (nb, mixer.inner, mixer.state_size),
                          formats.NATIVE[dtypes.get(mixer.ssm_state_dtype or run).name]))
    elif kind == "gated_deltanet":  # gated_delta_net_state_shape
        rec = mixer.recurrent_state_dtype or run
        out.append(Tensor(f"{name} conv", (nb, mixer.conv_dim, mixer.conv_kernel - 1), formats.NATIVE[run]))
        out.append(Tensor(f"{name} recurrent", (nb, mixer.num_value_heads, mixer.value_head_dim,
                                                mixer.key_head_dim),
                          formats.NATIVE[dtypes.get(rec).name]))
    return out


def _vllm(spec, sub, ctx, batch, kv_dtype, gpu) -> Layout:
    from ..engines import vllm as V

    base = engines.get("vllm")
    run = base.run_dtype(sub, gpu)
    fmt = dtypes.get(kv_dtype or run).name
    opts = engines.ServeOptions(max_model_len=None if sub.max_context else ctx)

    def pool(s):
        eng = base.for_model(s, gpu, opts, fmt, run)
        cfg = replace(eng.cfg, max_model_len=max(eng.cfg.max_model_len, ctx))
        pages = eng._pages(s, cfg, run)
        p = V.plan(pages, cfg)
        nb = batch * p.blocks_per_request(ctx) + 1 if p.groups else 0
        return cfg, pages, p, nb

    cfg, pages, p, nb = pool(sub)
    whole = pool(spec)
    notes = [cfg.kv_note] if cfg.kv_note else []
    kv = cfg.kv_format
    tensors: list[Tensor] = []
    cache_layers = [(i, lt) for i, (lt, pg) in enumerate(zip(sub.layers, pages)) if pg is not None]

    def rep(group):  # a layer of the spec whose page is this group's
        g = group.page
        for (i, lt) in cache_layers:
            q = pages[i]
            if (q.kind, q.token_bytes, q.state_bytes, q.window) == (g.kind, g.token_bytes, g.state_bytes, g.window):
                return i, lt
        raise KvplanError(f"no layer of {sub.name} has the {g.kind} page vLLM's plan names")

    groups = p.groups
    uniform_type = len(groups) == 1 and groups[0].layers == 1 and len(cache_layers) > 1
    if uniform_type:  # UniformTypeKVCacheSpecs: one tensor per layer, each of its own page
        for i, lt in cache_layers:
            tensors += _natural(sub.layer_types[lt].mixer, nb, cfg.block_size, kv, run, cfg, f"layer {i} ({lt})")
    slots = 0 if uniform_type or not groups else max(g.layers for g in groups)
    for s in range(slots):
        present = [g for g in groups if g.layers > s]
        owner = next((g for g in present if g.page.kind != "mamba"), present[0])
        i, lt = rep(owner)
        own = _natural(sub.layer_types[lt].mixer, nb, owner.page.block_size, kv, run, cfg,
                       f"slot {s} ({owner.page.kind}, {lt})")
        per_block = sum(t.nbytes for t in own) // nb
        tensors += own
        if owner.page.padded is not None and owner.page.bytes > per_block:
            tensors.append(Tensor(f"slot {s} padding", (nb, owner.page.bytes - per_block), "uint8"))
            per_block = owner.page.bytes
        for g in present:  # the slot's other layers are views of the same bytes: they must fit
            if g is owner:
                continue
            j, lt2 = rep(g)
            need = sum(t.nbytes for t in _natural(sub.layer_types[lt2].mixer, 1, g.page.block_size,
                                                   kv, run, cfg, ""))
            if need > per_block:
                notes.append(f"slot {s}: a {g.page.kind} page of {need:,} bytes does not fit the "
                             f"slot's {per_block:,}-byte page")
    detail = {"num_blocks": nb, "null_blocks": 1 if groups else 0,
              "blocks_per_request": p.blocks_per_request(ctx) if groups else 0,
              "bytes_per_block": p.bytes_per_block, "block_size": cfg.block_size,
              "block_size_source": cfg.block_size_note, "tensors_shared_by_groups": slots,
              "groups": [{"kind": g.page.kind, "layers": g.layers, "block_size": g.page.block_size,
                          "page_size_bytes": g.page.bytes} for g in groups]}
    return Layout("vllm", kv, run, ctx, batch, sub.num_layers, spec.num_layers,
                  p.bytes_per_block * nb, whole[2].bytes_per_block * whole[3], tensors,
                  "vLLM 0.33 plan (engines/vllm/planner.py plan): bytes per block × (batch × blocks per "
                  "request + 1 null block)", notes, detail)


# --- allocation ----------------------------------------------------------------------------

def allocate(layout: Layout, device, progress=None) -> list:
    """torch.empty for every planned tensor (never managed memory, never touched: allocation
    alone is what is being checked)."""
    import torch

    out = []
    for t in layout.tensors:
        out.append(torch.empty(t.shape, dtype=getattr(torch, t.dtype), device=device))
        if progress:
            progress()
    return out


def storage_bytes(tensors) -> int:
    """Bytes of the distinct storages behind ``tensors``, as torch reports them."""
    seen, total = set(), 0
    for t in tensors:
        s = t.untyped_storage()
        key = (s.data_ptr(), s.nbytes()) if s.nbytes() else id(t)
        if key not in seen:
            seen.add(key)
            total += s.nbytes()
    return total
