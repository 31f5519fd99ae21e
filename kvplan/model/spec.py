"""The spec model: a model is a set of named layer types and the order they come in.

YAML maps straight onto these classes (frozen, unknown fields rejected). A layer type is a
token mixer (one of the cache kinds in ``kinds/``) plus an optional MLP and its norms.
``pattern`` lists the layer types in order with a small grammar: names separated by spaces,
``name*N`` repeats a name, ``(a b)*N`` repeats a group. ``"(local global)*21"`` is Gemma 2 9B.
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import Literal

from .frozen import Frozen, NonNegativeInt, PositiveInt, SpecName, field, model_validator, tagged_union

from . import dtypes
from .kinds import Mixer
from .kinds.base import _divides
from .weights import Encoder, Gemma3Vision, Gemma4Vision, StoredWeights, WeightQuant


class _Frozen(Frozen):
    """A spec class: a frozen class (kvplan.model.frozen), validated by pydantic only for untrusted input."""


class DenseMlp(_Frozen):
    """A feed-forward block: gated (SwiGLU/GeGLU: gate, up, down) or plain (up, down)."""

    kind: Literal["dense"] = "dense"
    intermediate_size: PositiveInt
    gated: bool = True
    bias: bool = False

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        i = self.intermediate_size
        return ([(i, hidden)] * (2 if self.gated else 1)) + [(hidden, i)]

    def shard(self, tp: int) -> "DenseMlp":
        """Column/row-parallel halves: intermediate_size / tp per rank; down_proj's bias is
        replicated (vLLM RowParallelLinear adds it once)."""
        _divides("MLP intermediate size", self.intermediate_size, tp)
        return self.model_copy(update={"intermediate_size": self.intermediate_size // tp})

    def params(self, hidden: int) -> int:
        i = self.intermediate_size
        if self.gated:
            return 3 * hidden * i + ((2 * i + hidden) if self.bias else 0)
        return 2 * hidden * i + ((i + hidden) if self.bias else 0)


class MoeMlp(_Frozen):
    """A mixture of experts: a router, ``num_experts`` experts, optional shared experts.

    DeepSeek V3's and Nemotron's per-expert ``e_score_correction_bias`` is a buffer in
    transformers, not a parameter, so it is not counted (as transformers counts)."""

    kind: Literal["moe"] = "moe"
    num_experts: PositiveInt
    experts_per_token: PositiveInt
    intermediate_size: PositiveInt
    gated: bool = True
    expert_bias: bool = False  # gpt-oss: biases on the expert projections
    router_bias: bool = False
    shared_intermediate_size: NonNegativeInt = 0  # all shared experts together
    shared_gate: bool = False  # Qwen2-MoE: a sigmoid gate hidden -> 1 on the shared expert
    router_scale: bool = False  # Gemma 4: a hidden-sized router scale and one scale per expert
    # Kimi-K3's latent MoE: routed experts run at this width, between a hidden -> latent
    # down-projection (+ an RMSNorm) and a latent -> hidden up-projection (vLLM models/kimi_k3
    # routed_expert_down_proj / routed_expert_norm / routed_expert_up_proj); router on hidden
    latent_size: PositiveInt | None = None

    def params(self, hidden: int) -> int:
        width = self.latent_size or hidden
        expert = DenseMlp(intermediate_size=self.intermediate_size, gated=self.gated,
                          bias=self.expert_bias).params(width)
        n = self.num_experts * expert + hidden * self.num_experts
        n += 2 * hidden * width + width if self.latent_size else 0  # down, up, norm
        n += self.num_experts if self.router_bias else 0
        if self.shared_intermediate_size:
            n += DenseMlp(intermediate_size=self.shared_intermediate_size, gated=self.gated).params(hidden)
        n += hidden if self.shared_gate else 0
        n += (hidden + self.num_experts) if self.router_scale else 0
        return n

    def expert_linears(self, hidden: int) -> list[tuple[int, int]]:
        """The routed experts' matrices (num_experts × gate/up/down)."""
        one = DenseMlp(intermediate_size=self.intermediate_size, gated=self.gated).linears(self.latent_size or hidden)
        return one * self.num_experts

    def linears(self, hidden: int) -> list[tuple[int, int]]:
        """Experts and shared experts; the router stays unquantized in every checkpoint seen
        (DeepSeek-V3's mlp.gate is bf16), so it is not a quantizable linear here."""
        shared = DenseMlp(intermediate_size=self.shared_intermediate_size, gated=self.gated).linears(hidden) \
            if self.shared_intermediate_size else []
        return self.expert_linears(hidden) + shared

    def shard(self, tp: int) -> "MoeMlp":
        """Tensor-parallel MoE without expert parallelism (vLLM's default): every rank holds
        every expert's intermediate_size / tp slice and the whole router."""
        _divides("expert intermediate size", self.intermediate_size, tp)
        _divides("shared-expert intermediate size", self.shared_intermediate_size, tp)
        return self.model_copy(update={"intermediate_size": self.intermediate_size // tp,
                                       "shared_intermediate_size": self.shared_intermediate_size // tp})

    def active_params(self, hidden: int) -> int:
        """Parameters one token touches: the router, its top-k experts and the shared experts."""
        expert = DenseMlp(intermediate_size=self.intermediate_size, gated=self.gated,
                          bias=self.expert_bias).params(self.latent_size or hidden)
        return self.params(hidden) - (self.num_experts - self.experts_per_token) * expert


Mlp = tagged_union(__name__, "Mlp", DenseMlp, MoeMlp)


class LayerType(_Frozen):
    mixer: Mixer
    mlp: Mlp | None = None
    norms: NonNegativeInt = 2  # hidden-sized norms in the layer (Gemma 2/3 have 4)
    # reads an earlier layer's K/V and caches nothing itself (cross-layer KV sharing: CLA,
    # Brandon et al. 2024, arXiv:2405.12981); its attention still computes over that cache
    kv_shared: bool = False
    hc_mult: PositiveInt | None = None  # DeepSeek-V4: manifold-constrained hyper-connection streams

    def blocks(self) -> int:
        """The layer's residual blocks: its token mixer unless it has none (kind ``none``), and its MLP
        or MoE if any. Under tensor parallelism each ends in one all-reduce of the hidden state (vLLM:
        the mixer's RowParallelLinear o_proj / out_proj, the MLP's down_proj, a FusedMoE's one reduce
        of routed + shared experts). 2 for a transformer layer (Jamba, Qwen3-Next and Kimi Linear
        layers too: a mixer and an MLP or MoE each); 1 for a Nemotron-H layer, which is one block
        (``hybrid_override_pattern``: M Mamba2, * attention, - MLP, E MoE; vLLM
        models/nemotron_h.py: each NemotronH*DecoderLayer holds one norm and one ``mixer``)."""
        return (self.mixer.kind != "none") + (self.mlp is not None)

    def shard(self, tp: int) -> "LayerType":
        return self.model_copy(update={"mixer": self.mixer.shard(tp),
                                       "mlp": self.mlp.shard(tp) if self.mlp else None})

    def params(self, hidden: int, norm: str) -> int:
        per_norm = hidden * (2 if norm == "layer" else 1)
        return self.mixer.params(hidden) + (self.mlp.params(hidden) if self.mlp else 0) \
            + self.norms * per_norm + 2 * hyper_connection_params(self.hc_mult, hidden)


def hyper_connection_params(n: int, hidden: int) -> int:
    """One DeepSeek-V4 hyper-connection of ``n`` streams (transformers DeepseekV4HyperConnection:
    fn ((2 + n) × n, n × hidden), base ((2 + n) × n), scale (3)); a layer has two (attention and
    MLP). 0 when the model has none."""
    return (2 + n) * n * (n * hidden + 1) + 3 if n else 0


# The most layers a model may have: the deepest in the catalog is Llama 3.1 405B's 126 (ux18,
# `max(load_model(n).num_layers for n in catalog.model_names())`). Each layer is planned one by one,
# so a typo's 10^12 layers ran out of memory (MemoryError) and 100,000 took 160.6 s in `kvplan fit
# FILE --gpu h100 --ctx 4096` (10,000: 3.1 s; ux18, `/usr/bin/time`): past 10,000 it is refused.
MAX_LAYERS = 10_000


def layers_problem(n: int) -> str | None:
    """Why ``n`` layers is refused (past ``MAX_LAYERS``), or None; the readers put it in their words."""
    if n > MAX_LAYERS:
        return f"{n:,} layers is more than kvplan takes ({MAX_LAYERS:,}; the deepest model it ships has 126)"
    return None


_TOKEN = re.compile(r"\s*(?:(\()|(\))(?:\*(\d+))?|([A-Za-z0-9_.-]+)(?:\*(\d+))?)")


def parse_pattern(text: str) -> list[str]:
    """Expand a layer pattern: ``"dense*3 moe*58"``, ``"(local global)*21"``."""
    pos, stack = 0, [[]]
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"bad layer pattern near {text[pos:pos + 12]!r}")
        pos = m.end()
        if m.group(1):
            stack.append([])
            continue
        if m.group(2):
            if len(stack) == 1:
                raise ValueError("unbalanced ')' in layer pattern")
            group = stack.pop()
            n, add = int(m.group(3) or 1), group
        else:
            n, add = int(m.group(5) or 1), [m.group(4)]
        why = layers_problem(len(stack[0]) + sum(map(len, stack[1:])) + n * len(add))  # before expanding
        if why:
            raise ValueError(why)
        stack[-1].extend(add * n)
    if len(stack) != 1:
        raise ValueError("unbalanced '(' in layer pattern")
    return stack[0]


def compress_pattern(names: list[str]) -> str:
    """The shortest of: a repeated block ``(a b)*n`` (plus a tail), or runs ``a*3 b c*2``."""
    def runs(seq: list[str]) -> str:
        out, i = [], 0
        while i < len(seq):
            j = i
            while j < len(seq) and seq[j] == seq[i]:
                j += 1
            out.append(seq[i] if j - i == 1 else f"{seq[i]}*{j - i}")
            i = j
        return " ".join(out)

    best = runs(names)
    for period in range(2, min(16, len(names) // 2) + 1):
        block = names[:period]
        reps = 0
        while names[reps * period:(reps + 1) * period] == block:
            reps += 1
        if reps >= 2:
            tail = names[reps * period:]
            cand = f"({runs(block)})*{reps}" + (f" {runs(tail)}" if tail else "")
            if len(cand) < len(best):
                best = cand
    return best


class Rope(_Frozen):
    """The rotary position embedding as config.json states it (``rope_scaling`` or
    ``rope_parameters``, ``partial_rotary_factor``). An engine sizes its cos/sin table from it
    (vLLM: engines/vllm/loaded.py rotary_cache_bytes); absent where the model has no rotary
    embedding or kvplan does not read its per-layer ropes."""

    type: str = "default"  # rope_type (or the older "type"): default, llama3, yarn, linear, ...
    factor: float | None = None
    original_max_position: PositiveInt | None = None  # original_max_position_embeddings
    partial_rotary_factor: float = 1.0  # rotated dims = head dim × this
    mrope: bool = False  # multimodal rope (an mrope_section is given)


class ModelSpec(_Frozen):
    """A model's cache-relevant architecture and what its weights cost."""

    name: SpecName  # ^[a-z0-9][a-z0-9._-]*$
    display_name: str
    source: str  # URL of the config.json the numbers come from
    hf_repo: str | None = None
    fixture: str | None = None  # the vendored config.json in tests/fixtures/configs/ it was imported from
    family: str = ""
    notes: str = ""
    dtype: str  # the model's own dtype (torch_dtype), the default KV dtype
    dtype_note: str | None = None  # why dtype differs from the config's, if it does
    weight_quant: WeightQuant | None = None  # the checkpoint's quantization_config, if any
    encoders: list[Encoder] = field(default_factory=list)  # vision/audio towers an engine loads with the decoder
    stored_weights: StoredWeights | None = None  # read from the checkpoint's files, when at hand
    hidden_size: PositiveInt
    vocab_size: PositiveInt
    tie_embeddings: bool = False
    position_embeddings: NonNegativeInt = 0  # learned absolute positions (GPT-2, OPT)
    norm: Literal["rms", "layer"] = "rms"
    final_norm: bool = True
    max_context: PositiveInt | None = None
    # the other context-length keys config.json states besides the one max_context is read from
    # (seq_length, max_seq_len, model_max_length, ...: sources/hfconfig/reader.py LENGTH_KEYS); an
    # engine derives its own limit from them (engines/vllm max_len_limit, engines/sglang.py)
    context_keys: dict[str, PositiveInt] = field(default_factory=dict)
    rope: Rope | None = None  # rotary embedding's parameters, when kvplan reads them
    hc_mult: PositiveInt | None = None  # DeepSeek-V4: streams of the final hyper-connection head
    attn_res: bool | None = None  # Kimi-K3: a final attention-residual RMSNorm and hidden -> 1 projection
    layer_types: dict[str, LayerType]
    pattern: str

    @model_validator(mode="after")
    def _check(self):
        dtypes.get(self.dtype)
        try:
            names = parse_pattern(self.pattern)
        except ValueError as e:
            raise ValueError(f"pattern: {e}") from None
        unknown = sorted(set(names) - set(self.layer_types))
        if unknown:
            raise ValueError(f"pattern names unknown layer types: {', '.join(unknown)}")
        unused = sorted(set(self.layer_types) - set(names))
        if unused:
            raise ValueError(f"layer types not used in pattern: {', '.join(unused)}")
        if self.weight_quant:
            dtypes.get(self.weight_quant.format)
            if self.weight_quant.expert_format:
                dtypes.get(self.weight_quant.expert_format)
        for lt in self.layer_types.values():
            sd = getattr(lt.mixer, "ssm_state_dtype", None)
            if sd:
                dtypes.get(sd)
        return self

    @cached_property
    def layers(self) -> list[str]:
        """The layer type of each layer, in order."""
        return parse_pattern(self.pattern)

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    def blocks(self) -> int:
        """Residual blocks over all layers (``LayerType.blocks``): 2 × layers for a transformer."""
        return sum(count * self.layer_types[n].blocks() for n, count in self.counts().items())

    def counts(self) -> dict[str, int]:
        """Layer type -> how many layers of it, in first-seen order."""
        out: dict[str, int] = {}
        for n in self.layers:
            out[n] = out.get(n, 0) + 1
        return out

    def parameters(self) -> int:
        """Exact parameter count; tied embeddings count once."""
        h = self.hidden_size
        n = self.vocab_size * h * (1 if self.tie_embeddings else 2)
        n += self.position_embeddings * h
        n += self.final_norm_params()
        for lt_name, count in self.counts().items():
            n += count * self.layer_types[lt_name].params(h, self.norm)
        return n

    def embedding_params(self) -> int:
        """Token embeddings (and learned positions); the LM head is ``lm_head_params``."""
        return (self.vocab_size + self.position_embeddings) * self.hidden_size

    def lm_head_params(self) -> int:
        """The output projection; 0 when tied to the embeddings."""
        return 0 if self.tie_embeddings else self.vocab_size * self.hidden_size

    def final_norm_params(self) -> int:
        """What runs after the last layer, before the LM head (on the last pipeline stage): the
        final norm, DeepSeek-V4's hyper head and Kimi K3's attention-residual output."""
        h = self.hidden_size
        n = (2 * h if self.norm == "layer" else h) if self.final_norm else 0
        # DeepseekV4HyperHead: hc_fn (n, n × hidden), hc_base (n), hc_scale (1)
        n += self.hc_mult * (self.hc_mult * h + 1) + 1 if self.hc_mult else 0
        n += 2 * h if self.attn_res else 0  # vLLM models/kimi_k3: output_attn_res_norm / _proj
        return n

    def layer_params(self) -> dict[str, int]:
        """Layer type -> parameters of one layer of it."""
        return {lt: self.layer_types[lt].params(self.hidden_size, self.norm) for lt in self.counts()}

    def shard(self, tp: int) -> "ModelSpec":
        """One tensor-parallel rank's share of every layer (each kind and MLP owns its split).

        Vocabulary: vLLM's VocabParallelEmbedding/ParallelLMHead pad the vocabulary to a
        multiple of 64 and give each rank padded / tp rows (vllm/model_executor/layers/
        vocab_parallel_embedding.py, pad_vocab_size with DEFAULT_VOCAB_PADDING_SIZE = 64)."""
        if tp < 1:
            raise ValueError("tp must be positive")
        padded = -(-self.vocab_size // 64) * 64
        return self.model_copy(update={
            "layer_types": {n: lt.shard(tp) for n, lt in self.layer_types.items()},
            "vocab_size": -(-padded // tp)})

    def quantized_matrices(self) -> list[tuple[int, int, int]]:
        """(out, in, how many) of every matrix ``weight_quant`` applies to, over all layers."""
        q = self.weight_quant
        if q is None:
            return []
        h, out = self.hidden_size, []
        for lt_name, count in self.counts().items():
            lt = self.layer_types[lt_name]
            if q.scope == "experts":
                mats = lt.mlp.expert_linears(h) if isinstance(lt.mlp, MoeMlp) else []
            elif q.scope == "mlp":
                mats = lt.mlp.linears(h) if lt.mlp else []
            else:
                mats = lt.mixer.linears(h) + (lt.mlp.linears(h) if lt.mlp else [])
            shapes: dict[tuple[int, int], int] = {}
            for m in mats:
                shapes[m] = shapes.get(m, 0) + count
            out += [(o, i, n) for (o, i), n in shapes.items()]
        return out

    def encoder_params(self) -> int:
        """Parameters of the vision/audio towers and their projectors (0 for a text model)."""
        return sum(e.params(self.hidden_size) for e in self.encoders)

    def weight_bytes(self, weight_dtype: str | None = None, text_only: bool = False) -> tuple[int, str]:
        """Bytes of the weights as the checkpoint stores them, and the format said in words.

        ``weight_dtype`` prices every weight in one format; without it the matrices
        ``weight_quant`` names take its format (and block scales) and the rest the model's dtype.
        Encoder towers are included unless ``text_only`` (they are never quantized here).
        With ``stored_weights`` (read from the checkpoint) and no ``weight_dtype``, the bytes
        are the checkpoint's own, less its vision/audio towers with ``text_only``."""
        st = self.stored_weights
        if st is not None and weight_dtype is None:
            return st.bytes - (st.towers_bytes() if text_only else 0), f"as stored ({st.describe_formats()})"
        params = self.parameters() + (0 if text_only else self.encoder_params())
        fmt = dtypes.get(weight_dtype or self.dtype)
        if weight_dtype is not None or self.weight_quant is None:
            return fmt.row_bytes(params), fmt.name
        return self.priced_bytes(params), f"{fmt.name} + {self.weight_quant.describe()}"

    def priced_bytes(self, params: int, weight_dtype: str | None = None) -> int:
        """The one weight pricer: ``params`` parameters of this spec (the whole model, or one GPU's
        slice of it: a pipeline stage of a tensor-parallel rank, whose parameter count the caller
        says, embeddings and LM head included where that slice holds them) in ``weight_dtype``,
        or as the checkpoint stores them: the matrices ``weight_quant`` names in its format and
        block scales, routed experts in their own ``expert_format``, the rest in the model's dtype."""
        fmt = dtypes.get(weight_dtype or self.dtype)
        if weight_dtype is not None or self.weight_quant is None:
            return fmt.row_bytes(params)
        q, quantized, nbytes = self.weight_quant, 0, 0
        experts: dict[tuple[int, int], int] = {}  # routed-expert matrices in expert_format, by shape
        if q.expert_format:
            for lt_name, count in self.counts().items():
                mlp = self.layer_types[lt_name].mlp
                for m in (mlp.expert_linears(self.hidden_size) if isinstance(mlp, MoeMlp) else []):
                    experts[m] = experts.get(m, 0) + count
        efmt = dtypes.get(q.expert_format) if q.expert_format else None
        for o, i, n in self.quantized_matrices():
            ne = min(n, experts.get((o, i), 0))
            experts[(o, i)] = experts.get((o, i), 0) - ne
            quantized += n * o * i
            nbytes += (n - ne) * q.matrix_bytes(o, i) + (ne * o * efmt.row_bytes(i) if ne else 0)
        return nbytes + fmt.row_bytes(params - quantized)

    def active_parameters(self) -> int:
        """Parameters one token's forward touches (MoE: top-k experts only)."""
        inactive = 0
        for lt_name, count in self.counts().items():
            mlp = self.layer_types[lt_name].mlp
            if isinstance(mlp, MoeMlp):
                inactive += count * (mlp.params(self.hidden_size) - mlp.active_params(self.hidden_size))
        return self.parameters() - inactive


def _construct(cls, data: dict):
    return cls.model_construct(**data)


def trusted_model_spec(data: dict) -> ModelSpec:
    """Build a ModelSpec from catalog data without running validation.

    Only for the YAML files shipped in ``model_specs/``: every one of them is validated in CI
    (tests/sources/test_catalog.py checks that this path and full validation give equal specs). It keeps a
    query from building pydantic's validators, which costs more than the rest of the query.
    """
    from .kinds import MIXER_CLASSES

    mlps = {"dense": DenseMlp, "moe": MoeMlp}
    lts = {}
    for name, lt in data["layer_types"].items():
        mixer = _construct(MIXER_CLASSES[lt["mixer"]["kind"]], lt["mixer"])
        mlp = _construct(mlps[lt["mlp"]["kind"]], lt["mlp"]) if lt.get("mlp") else None
        rest = {k: v for k, v in lt.items() if k not in ("mixer", "mlp")}
        lts[name] = LayerType.model_construct(mixer=mixer, mlp=mlp, **rest)
    extra = {"weight_quant": WeightQuant.model_construct(**data["weight_quant"])} \
        if data.get("weight_quant") else {}
    if data.get("rope") is not None:
        extra["rope"] = Rope.model_construct(**data["rope"])
    if data.get("encoders"):
        encoders = {"gemma4_vision": Gemma4Vision, "gemma3_vision": Gemma3Vision}
        extra["encoders"] = [encoders[e["kind"]].model_construct(**e) for e in data["encoders"]]
    return ModelSpec.model_construct(**{**data, "layer_types": lts, **extra})
