"""KV-cache and weight bytes for a spec, context, batch, dtype and engine layout."""
from __future__ import annotations

from ..model import dtypes
from .. import engines
from ..errors import KvplanError, opt
from ..units import check_tokens
from ..model.frozen import record
from ..model.spec import ModelSpec
from ..engines.base import cache_bytes, kv_format_name, per_token_bytes, side_bytes, state_bytes


@record
class GroupSize:
    """All layers of one layer type."""

    layer_type: str
    kind: str
    label: str
    count: int
    geometry: str
    tokens: int  # tokens held per copy (a sequence, or a pool the batch shares), per layer
    bytes_per_token: int  # one token's K/V in every layer of the group, one sequence
    growing: bool  # whether the next token adds to this group (a full window does not grow)
    kv_bytes: int  # all layers of the group, all sequences (side caches included)
    state_bytes: int  # all layers of the group, all sequences
    held: engines.Holding  # what one layer holds for one copy (for --explain)
    side_bytes_per_token: int = 0  # of bytes_per_token: side caches still growing, averaged over their stride
    copies: int = 1  # copies of ``held`` per layer: the batch, or 1 for a pool the batch shares


@record
class SizeReport:
    model: str
    ctx: int
    batch: int
    kv_dtype: str  # what the cache is sized in: one format, or "K/V" (q8_0/fp16) where they differ
    engine: str
    groups: list[GroupSize]
    parameters: int
    weight_dtype: str
    weights_bytes: int
    encoder_parameters: int = 0  # vision/audio towers included in weights_bytes
    warnings: tuple[str, ...] = ()
    source: str = ""  # where the model's config came from (the spec's source)
    stored_weights: object = None  # spec.StoredWeights when weights_bytes is the checkpoint's own
    k_dtype: str = ""  # K's element format ("" = kv_dtype)
    v_dtype: str = ""  # V's element format ("" = kv_dtype)
    placement: dict | None = None  # llama.cpp -ngl / -nkvo: GPU and host shares (Engine.offload_split)

    @property
    def kv_cache_bytes(self) -> int:
        return sum(g.kv_bytes for g in self.groups)

    @property
    def state_bytes(self) -> int:
        return sum(g.state_bytes for g in self.groups)

    @property
    def total_bytes(self) -> int:
        return self.kv_cache_bytes + self.state_bytes

    @property
    def bytes_per_token(self) -> int:
        """One token's K/V in every layer that caches K/V, one sequence."""
        return sum(g.bytes_per_token for g in self.groups)

    @property
    def next_token_bytes(self) -> int:
        """What the next token adds, per sequence: only layers still growing at this context."""
        return sum(g.bytes_per_token if g.growing else g.side_bytes_per_token for g in self.groups)


def _check_count(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise KvplanError(f"{opt(name)} must be a positive integer, got {value!r}")


def kv_size(spec: ModelSpec, ctx: int, batch: int = 1, kv_dtype: str | None = None,
            engine: "str | engines.Engine" = "ideal", weight_dtype: str | None = None,
            text_only: bool = False, opts: "engines.ServeOptions | None" = None) -> SizeReport:
    """The cache a decode holds after ``ctx`` tokens in each of ``batch`` sequences."""
    _check_count("ctx", ctx)
    _check_count("batch", batch)
    check_tokens(ctx, batch)
    eng = engine if isinstance(engine, engines.Engine) else engines.get(engine)
    eng.check(spec)
    run = eng.run_dtype(spec, None)
    fmt = dtypes.get(run if kv_dtype is None else kv_dtype)
    # an engine that plans per model (vLLM: block size, hybrid alignment) is configured for this
    # one; an Engine passed in is already configured
    if not isinstance(engine, engines.Engine):
        eng = eng.for_model(spec, None, opts or engines.ServeOptions(), fmt.name, run)
    groups = []
    for lt_name, count in spec.counts().items():
        mixer = spec.layer_types[lt_name].mixer
        if spec.layer_types[lt_name].kv_shared:
            held, copies, growing, sides_grow = engines.Holding([], 0), batch, False, False
        else:
            held, copies = eng.hold_batch(mixer, ctx, batch, run, fmt.name)
            growing = eng.hold_batch(mixer, ctx + 1, batch, run, fmt.name)[0].tokens > held.tokens
            # side caches grow by one entry per stride of tokens (ideal) or by whole blocks (engines)
            sides_grow = any(eng.hold_batch(mixer, ctx + sd.stride, batch, run, fmt.name)[0].sides[i].entries
                             > sd.entries for i, sd in enumerate(held.sides))
        per_token = per_token_bytes(held, fmt)
        side_held, side_per_token = side_bytes(held, fmt)
        state = state_bytes(held)
        groups.append(GroupSize(
            layer_type=lt_name, kind=mixer.kind, label=mixer.label(), count=count,
            geometry="shared" if spec.layer_types[lt_name].kv_shared
            else mixer.geometry() if [r * n for r, n in held.rows] == [r * n for r, n in mixer.kv_rows()]
            else " + ".join(f"{rows}×{n}" for rows, n in held.rows), tokens=held.tokens,
            bytes_per_token=count * (per_token + side_per_token), growing=growing, held=held,
            kv_bytes=count * copies * (held.tokens * per_token + side_held),
            state_bytes=count * copies * state,
            side_bytes_per_token=count * side_per_token if sides_grow else 0, copies=copies))
    params = spec.parameters()
    wbytes, wname = spec.weight_bytes(weight_dtype, text_only)
    enc = 0 if text_only else spec.encoder_params()
    warnings = list(eng.notes(spec))
    if spec.max_context and ctx > spec.max_context:
        warnings.append(f"ctx {ctx:,} is beyond {spec.name}'s max_position_embeddings ({spec.max_context:,})")
    k_fmt, v_fmt = eng.kv_formats(fmt.name)
    placement = eng.offload_split(spec, ctx, batch, fmt, run, wbytes)
    return SizeReport(warnings=tuple(warnings), model=spec.name, ctx=ctx, batch=batch,
                      kv_dtype=kv_format_name(k_fmt, v_fmt), k_dtype=k_fmt, v_dtype=v_fmt, engine=eng.name,
                      groups=groups, parameters=params, weight_dtype=wname, weights_bytes=wbytes,
                      encoder_parameters=enc, source=spec.source,
                      stored_weights=spec.stored_weights if weight_dtype is None else None,
                      placement=placement)


#END
