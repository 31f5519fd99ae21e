"""How a checkpoint stores its weights: the quantization a config.json declares
(``WeightQuant``), the vision towers beside the text decoder (``Gemma4Vision``, the ``Encoder``
union) and what a checkpoint's safetensors headers hold (``StoredWeights``)."""
from __future__ import annotations

from typing import Literal

from . import dtypes
from .frozen import Frozen, NonNegativeInt, PositiveInt, field, tagged_union


class _Frozen(Frozen):
    """A spec class: a frozen class (kvplan.model.frozen), validated by pydantic only for untrusted input."""


class WeightQuant(_Frozen):
    """How a checkpoint stores its weights, from its config.json's ``quantization_config``.

    ``scope``: ``experts`` quantizes the routed experts' matrices only (gpt-oss: mxfp4, with
    attention, router, embeddings and LM head in ``modules_to_not_convert``); ``linear``
    quantizes every linear layer of the decoder layers, not embeddings, LM head, norms or
    routers (DeepSeek-V3: fp8 e4m3); ``mlp`` quantizes every MLP matrix (dense MLPs, routed and
    shared experts) but not the token mixers (an ignore list that names every layer's
    attention). ``block``: one ``scale_bytes`` scale per block × block tile of each matrix
    (DeepSeek-V3's ``weight_block_size: [128, 128]``, fp32 ``weight_scale_inv``). Everything not
    quantized is in the model's dtype.

    A matrix of ``out`` rows by ``inp`` input values, quantized along ``inp``, in the layouts
    vLLM 0.33 allocates (``create_weights`` of each method, cited where the importer maps them,
    kvplan/sources/hfconfig/quant.py ``_weight_quant``):

    * values: ``format``; with ``packed`` (AWQ, GPTQ, compressed-tensors pack-quantized) each
      row's values fill whole int32 words: ``out × ceil(inp × bits / 32) × 4`` bytes;
    * ``group``: one ``scale_bytes`` scale per ``group`` input values of each row
      (``inp / group`` groups, which must divide: vLLM refuses a partition that splits a
      group); ``channel``: one scale per row;
    * ``zero_points``: one ``bits``-wide zero point per group (or per row) and per output
      channel, int32-packed along the outputs: ``ceil(out × bits / 32) × 4`` bytes per group;
    * ``tensor_scales``: fp32 scalars per matrix (a per-tensor weight scale, NVFP4's global
      scale, a static input scale).
    """

    scope: Literal["experts", "linear", "mlp"]
    format: str
    block: PositiveInt | None = None
    scale_bytes: PositiveInt = 4
    # the routed experts in their own format, without block scales (DeepSeek-V4's
    # expert_dtype "fp4": MXFP4, as vLLM 0.33 loads it with its Mxfp4 MoE method)
    expert_format: str | None = None
    # the LM head in a format of its own (None: the model's dtype, as every HF quantization config leaves it): a GGUF
    # stores output.weight quantized like its other tensors (ggml-org's gpt-oss-20b MXFP4 file: Q8_0); read by the
    # latency model alone (kvplan/plan/latency/step.py ``_gemm_formats``), the memory plan prices a GGUF's own tensors
    head_format: str | None = None
    method: str | None = None  # the quant_method it was read from, for display ("awq", "gptq", ...)
    # None = not used (so a spec's JSON, which leaves None out, is what it was before these)
    group: PositiveInt | None = None
    channel: bool | None = None
    zero_points: bool | None = None
    packed: bool | None = None
    tensor_scales: NonNegativeInt | None = None

    def matrix_bytes(self, out: int, inp: int) -> int:
        fmt = dtypes.get(self.format)
        if self.packed:
            n = out * dtypes.cdiv(inp * fmt.bits, 32) * 4
        else:
            n = out * fmt.row_bytes(inp)
        if self.block:
            n += -(-out // self.block) * -(-inp // self.block) * self.scale_bytes
        rows = 0  # scale rows along the input: groups, or one for per-channel scales
        if self.group:
            if inp % self.group:
                from ..errors import KvplanError

                raise KvplanError(f"a {out} × {inp} matrix splits its {inp} input values into groups of "
                                  f"{self.group} unevenly (a tensor-parallel split that vLLM refuses)")
            rows = inp // self.group
        elif self.channel:
            rows = 1
        n += rows * out * self.scale_bytes
        if self.zero_points:
            n += rows * dtypes.cdiv(out * fmt.bits, 32) * 4
        return n + 4 * (self.tensor_scales or 0)

    def describe(self) -> str:
        what = {"experts": "experts", "linear": "linears", "mlp": "MLPs"}[self.scope]
        block = f" ({self.block}×{self.block}-block scales)" if self.block else ""
        experts = f", {dtypes.get(self.expert_format).name} routed experts" if self.expert_format else ""
        detail = []
        if self.group or self.channel:
            per = f"{self.group}-value groups" if self.group else "one per row"
            detail.append(f"{self.scale_bytes}-byte scales, {per}" + (", zero points" if self.zero_points else ""))
        if self.tensor_scales:
            detail.append(f"{self.tensor_scales} fp32 per matrix")
        method = f"{self.method}: " if self.method else ""  # shown only with the details
        extra = f" ({method}{'; '.join(detail)})" if detail else ""
        return f"{dtypes.get(self.format).name} {what}{block}{extra}{experts}"


class Gemma4Vision(_Frozen):
    """Gemma 4's vision tower and its projector into the decoder (transformers' Gemma4Vision
    model and Gemma4MultimodalEmbedder): patch embedding from ``channels × patch_size²`` pixels,
    a 2-axis learned position table, ``layers`` pre/post-norm blocks of bias-free attention with
    per-head q/k norms and a gated MLP, and a bias-free projection to the text hidden size.
    Counted exactly as transformers counts them (572,792,112 for gemma-4-26B-A4B)."""

    kind: Literal["gemma4_vision"] = "gemma4_vision"
    layers: PositiveInt
    hidden_size: PositiveInt
    num_heads: PositiveInt
    num_kv_heads: PositiveInt
    head_dim: PositiveInt
    intermediate_size: PositiveInt
    patch_size: PositiveInt
    position_embedding_size: PositiveInt
    channels: PositiveInt = 3

    def params(self, text_hidden: int) -> int:
        h, hd = self.hidden_size, self.head_dim
        attn = h * (self.num_heads * hd) * 2 + h * (self.num_kv_heads * hd) * 2 + 2 * hd
        layer = attn + 3 * h * self.intermediate_size + 4 * h
        embed = 2 * self.position_embedding_size * h + h * self.channels * self.patch_size ** 2
        return embed + self.layers * layer + text_hidden * h


class Gemma3Vision(_Frozen):
    """Gemma 3's vision tower and its projector (transformers' Gemma3ForConditionalGeneration:
    vision_tower, a SiglipVisionModel without its pooling head, vision_use_head false; and
    Gemma3MultiModalProjector): a biased patch convolution from ``channels × patch_size²`` pixels,
    a learned position table of (image_size / patch_size)² rows, ``layers`` pre-norm blocks (two
    LayerNorms with bias, biased q/k/v/out projections, a biased fc1/fc2 MLP), a final LayerNorm;
    the projector's mm_input_projection_weight (hidden × text hidden) and its RMSNorm over the
    tower's hidden size. vLLM loads the same modules (model_executor/models/gemma3_mm.py
    Gemma3ForConditionalGeneration: vision_tower SiglipVisionModel, multi_modal_projector).
    Counted exactly as transformers counts them (423,060,336 for gemma-3-27b-it:
    tests/golden/hf_params_extra.json, 27,432,406,640 − 27,009,346,304 text)."""

    kind: Literal["gemma3_vision"] = "gemma3_vision"
    layers: PositiveInt
    hidden_size: PositiveInt
    intermediate_size: PositiveInt
    patch_size: PositiveInt
    image_size: PositiveInt
    channels: PositiveInt = 3

    def params(self, text_hidden: int) -> int:
        h, i = self.hidden_size, self.intermediate_size
        patches = (self.image_size // self.patch_size) ** 2
        embed = h * self.channels * self.patch_size ** 2 + h + patches * h
        layer = 4 * (h * h + h) + 2 * (2 * h) + (h * i + i) + (i * h + h)
        return embed + self.layers * layer + 2 * h + (h * text_hidden + h)


Encoder = tagged_union(__name__, "Encoder", Gemma4Vision, Gemma3Vision)


class StoredWeights(_Frozen):
    """Weights as a checkpoint stores them (safetensors headers, a GGUF's tensor table), read
    from the files, not computed: ``bytes`` is exact. ``elements`` (values stored) and the
    per-part counts are known where the tensor table was read (not from an index's total alone).
    Parts: "text decoder", "vision tower", "audio tower", "layers beyond the decoder's",
    "quantization scales" (checkpoint.part_of)."""

    bytes: PositiveInt
    source: str  # the files it was read from
    tensors: NonNegativeInt | None = None
    elements: NonNegativeInt | None = None
    part_elements: dict[str, int] = field(default_factory=dict)
    part_bytes: dict[str, int] = field(default_factory=dict)
    dtype_bytes: dict[str, int] = field(default_factory=dict)  # bytes per stored dtype (safetensors' or ggml's names)

    def towers_bytes(self) -> int:
        return sum(b for p, b in self.part_bytes.items() if p in ("vision tower", "audio tower"))

    def describe_formats(self) -> str:
        return ", ".join(sorted(self.dtype_bytes, key=lambda d: -self.dtype_bytes[d])) or "as stored"

    def differences(self, architecture: int) -> list[str]:
        """The stored element count beside kvplan's architecture count, each difference named."""
        if self.elements is None:
            return []
        out = []
        decoder = self.part_elements.get("text decoder", 0)
        diff = decoder - architecture
        packed = any(d in self.dtype_bytes for d in ("U8", "I8", "I32", "U32", "U4", "I4"))
        if diff:
            why = " (packed integers: a stored value holds several parameters)" if packed and diff < 0 else ""
            out.append(f"text decoder: {decoder:,} values stored, {diff:+,} beside the architecture's "
                       f"{architecture:,}{why}")
        for part in ("vision tower", "audio tower", "layers beyond the decoder's", "quantization scales"):
            n = self.part_elements.get(part)
            if n:
                out.append(f"{part}: {n:,} values not in the text decoder")
        return out
