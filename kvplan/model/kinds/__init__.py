"""Every kind of per-layer cache state, each owning its arithmetic.

A kind says what one layer must remember while decoding, independent of any engine:

* ``kv_rows()``: the rows it caches per token, as (rows, values per row) pairs, one pair per
  cached tensor (K and V for attention, one latent for MLA). A row is one head's vector, the
  unit that quantized formats group over.
* ``span(ctx)``: how many tokens a tight cache must hold to decode the next token after ``ctx``
  tokens (the "ideal" layout; engines may keep more or fewer, see ``engines.py``).
* ``state(model_dtype)``: fixed-size per-sequence state that does not grow with context
  (recurrent/SSM state), as named tensors with their element counts and dtypes.
* ``params(hidden)``: parameters of the layer's token mixer (projections, norms inside it).
* ``mix_flops(first, last)``: FLOPs of the work that depends on the cache, for the queries at
  positions first..last (1-based) of one sequence: attention scores and the weighted sum over
  the keys each query sees, or a recurrent layer's state update. The projections are not in it
  (they are 2 × parameters per token, counted once for the whole model by ``perf``).

Adding a kind means one class in this package, registered in ``Mixer`` below, plus one method
per engine in ``engines.py`` where that engine's rule differs from the ideal one.
"""
from __future__ import annotations

from ..frozen import tagged_union
from .attention import ChunkedAttention, FullAttention, IndexedAttention, SlidingWindow, _Attention
from .base import SideCache, StateTensor
from .compressed import CompressedAttention
from .mla import MLA, GatedMLA, IndexedMLA
from .none import NoCache
from .recurrent import GatedDeltaNet, KimiDeltaAttention, Mamba, Mamba2


Mixer = tagged_union(__name__, "Mixer", FullAttention, SlidingWindow, ChunkedAttention, MLA, Mamba,
                     Mamba2, GatedDeltaNet, NoCache, IndexedMLA, CompressedAttention, IndexedAttention,
                     KimiDeltaAttention, GatedMLA)
MIXER_CLASSES = {cls.model_fields["kind"].default: cls for cls in
                 (FullAttention, SlidingWindow, ChunkedAttention, MLA, Mamba, Mamba2, GatedDeltaNet, NoCache,
                  IndexedMLA, CompressedAttention, IndexedAttention, KimiDeltaAttention, GatedMLA)}
KINDS = tuple(MIXER_CLASSES)

__all__ = ["KINDS", "MIXER_CLASSES", "MLA", "ChunkedAttention", "CompressedAttention", "FullAttention",
           "GatedDeltaNet", "GatedMLA", "IndexedAttention", "IndexedMLA", "KimiDeltaAttention", "Mamba",
           "Mamba2", "Mixer", "NoCache", "SideCache", "SlidingWindow", "StateTensor", "_Attention"]
