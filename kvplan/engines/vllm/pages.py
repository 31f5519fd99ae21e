"""vLLM 0.33 pages: what one layer of each kind keeps, one block of ``block_size`` tokens
(v1/kv_cache_interface.py: each spec's page_size_bytes and max_memory_usage_bytes), and the
settings a plan is made with (Config)."""
from __future__ import annotations

from functools import singledispatch

from ...model import dtypes
from ...model.dtypes import cdiv
from ...errors import KvplanError
from ...model.frozen import record
from ...model.kinds import MLA, ChunkedAttention, CompressedAttention, FullAttention, GatedDeltaNet, IndexedAttention, IndexedMLA, KimiDeltaAttention, Mamba, Mamba2, SlidingWindow


# --- the first half: what one layer of each kind keeps, in pages -------------------------

@record
class Page:
    """One layer's KV-cache spec as vLLM plans it (kv_cache_interface.py)."""

    kind: str  # full | sliding | chunked | mla | mamba
    block_size: int  # tokens per block
    token_bytes: int  # one token of this layer (attention kinds); 0 for mamba
    state_bytes: int = 0  # mamba: the whole per-sequence state
    window: int = 0  # sliding window or attention chunk
    padded: int | None = None  # page_size_padded
    checkpoint_blocks: int = 0  # MambaSpec.num_prefill_checkpoint_blocks
    packed: bool = False  # DeepSeek-V4: planned by _get_packed_kv_cache_groups (see _packed_groups)

    @property
    def real_bytes(self) -> int:
        return self.state_bytes if self.kind == "mamba" else self.block_size * self.token_bytes

    @property
    def bytes(self) -> int:
        """page_size_bytes: block_size × per-token bytes, or the Mamba state; padded if set."""
        return self.padded if self.padded is not None else self.real_bytes

    def blocks(self, max_len: int, cfg: "Config") -> int:
        """cdiv(max_memory_usage_bytes, page_size_bytes): blocks one request may hold."""
        b = self.block_size
        if self.kind in ("full", "mla"):  # FullAttentionSpec.max_memory_usage_bytes
            return cdiv(max_len, b)
        if self.kind == "sliding":  # SlidingWindowSpec.max_admission_blocks_per_request
            return cdiv(min(self.window - 1 + cfg.in_flight_tokens, max_len), b) + 1
        if self.kind == "chunked":  # ChunkedLocalAttentionSpec.max_admission_blocks_per_request
            return cdiv(min(self.window + cfg.in_flight_tokens, max_len), b)
        # MambaSpec.max_memory_usage_bytes: 1 page in "none" mode; in "align" mode (prefix
        # caching, the default) 2 + num_prefill_checkpoint_blocks (speculative blocks: none)
        return 2 + self.checkpoint_blocks if cfg.mamba_cache_mode == "align" else 1

    def key(self) -> tuple:
        """What makes two layers' specs equal (and so groupable)."""
        return (self.kind, self.block_size, self.token_bytes, self.state_bytes, self.window, self.padded,
                self.checkpoint_blocks)

    def type_key(self) -> tuple:
        """UniformTypeKVCacheSpecs.is_uniform_type: same spec type, block and window; page
        sizes may differ."""
        return (self.kind, self.block_size, self.window)


@record
class Config:
    """The vLLM settings that change the plan, resolved as vLLM resolves them."""

    block_size: int
    max_model_len: int
    max_num_batched_tokens: int
    max_num_seqs: int
    in_flight_tokens: int  # VllmConfig.max_in_flight_tokens
    mamba_cache_mode: str
    kv_format: str  # kvplan element format of attention K/V
    block_size_note: str = ""
    mamba_page_bytes: int | None = None  # Mamba pages padded to the attention page (hybrids)
    ssm_default_dtype: str | None = None  # the SSM state dtype when the config names none
    kv_note: str = ""  # why the cache is not in the format asked for
    sparse_mla: bool = False  # a DSA model: every MLA layer runs the sparse-MLA backend (fp8_ds_mla rows)


@singledispatch
def page(mixer, fmt: dtypes.ElementFormat, model_dtype: str, cfg: Config) -> Page | None:
    """No cache (NoCache, an MLP-only block): no spec, not in any group."""
    return None


def _kv_token_bytes(mixer, fmt) -> int:
    # AttentionSpec.state_content_size_bytes: (head_size + head_size_v) × dtype size per head
    return sum(rows * fmt.row_bytes(n) for rows, n in mixer.kv_rows())


@page.register
def _(mixer: FullAttention, fmt, model_dtype, cfg) -> Page:
    """FullAttentionSpec: page = block_size × kv_heads × (head_size + head_size_v) × bytes."""
    return Page("full", cfg.block_size, _kv_token_bytes(mixer, fmt))


@page.register
def _(mixer: SlidingWindow, fmt, model_dtype, cfg) -> Page:
    """SlidingWindowSpec (sink tokens are not a vLLM notion: the window alone is kept)."""
    return Page("sliding", cfg.block_size, _kv_token_bytes(mixer, fmt), window=mixer.window)


@page.register
def _(mixer: ChunkedAttention, fmt, model_dtype, cfg) -> Page:
    """ChunkedLocalAttentionSpec (Llama 4's local layers)."""
    return Page("chunked", cfg.block_size, _kv_token_bytes(mixer, fmt), window=mixer.chunk)


@page.register
def _(mixer: MLA, fmt, model_dtype, cfg) -> Page:
    """MLAAttentionSpec: one head of kv_lora_rank + qk_rope_head_dim values, head_size_v = 0,
    kept whole on every tensor-parallel rank. In a DSA model (GLM-5.2's layers without an
    indexer) the sparse-MLA backend keeps an fp8 latent in fp8_ds_mla rows too (measured)."""
    latent = dtypes.get(dsa_latent_format(fmt)) if cfg.sparse_mla else fmt
    return Page("mla", cfg.block_size, latent.row_bytes(mixer.kv_lora_rank + mixer.qk_rope_head_dim))


def dsa_latent_format(fmt) -> str:
    """The sparse-MLA backends (FLASH_ATTN_MLA_SPARSE, FLASHMLA_SPARSE) keep an fp8 latent in
    DeepSeek's fp8_ds_mla rows of 656 bytes (model_executor/layers/attention/mla_attention.py
    state_content_bytes {"fp8_ds_mla": 656}); otherwise the latent is in the cache dtype."""
    return "fp8_ds_mla" if fmt.name == "fp8_e4m3" else fmt.name


def _indexer_bytes(mixer) -> int:
    """DeepseekV32IndexerCache (model_executor/models/deepseek_v2.py): MLAAttentionSpec of one
    head of index_head_dim + index_head_dim // 128 × 4 uint8 bytes (fp8 keys + fp32 scales)."""
    return mixer.index_head_dim + mixer.index_head_dim // 128 * 4


@page.register
def _(mixer: IndexedMLA, fmt, model_dtype, cfg) -> tuple[Page, Page]:
    """DeepSeek Sparse Attention: two MLAAttentionSpecs per layer, the latent (attn) and the
    indexer's key cache (indexer.k_cache), planned as separate layers of one uniform-type
    group (measured: tests/golden/vllm_0.33_frontier.json)."""
    latent = dtypes.get(dsa_latent_format(fmt)).row_bytes(mixer.kv_lora_rank + mixer.qk_rope_head_dim)
    return Page("mla", cfg.block_size, latent), Page("mla", cfg.block_size, _indexer_bytes(mixer))


@page.register
def _(mixer: IndexedAttention, fmt, model_dtype, cfg) -> tuple[Page, Page]:
    """MiniMax-M3's sparse layers: the FullAttentionSpec K/V and the index keys as an
    MLAAttentionSpec of one index_head_dim vector per token (MiniMaxM3IndexerCache) in
    indexer_kv_dtype, "bf16" by default whatever --kv-cache-dtype (models/minimax_m3/common/
    indexer.py); one uniform-type group with the full layers (measured)."""
    index = dtypes.get(mixer.index_format or "bf16").row_bytes(mixer.index_head_dim)
    return Page("full", cfg.block_size, _kv_token_bytes(mixer, fmt)), Page("mla", cfg.block_size, index)


def _state_page(tensors, checkpoint_blocks: int = 0) -> Page:
    return Page("mamba", 0, 0, state_bytes=sum(dtypes.get(d).row_bytes(n) for n, d in tensors),
                checkpoint_blocks=checkpoint_blocks)


@page.register
def _(mixer: Mamba2, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from mamba2_state_shape: conv (conv_dim, conv_kernel − 1) in the model dtype,
    SSM (heads, head_dim, state_size) in mamba_ssm_cache_dtype (the config's, else the model's);
    MambaMixer2.get_kv_cache_spec adds one prefill-checkpoint block (3 pages per request)."""
    return _state_page([(mixer.conv_dim * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.num_heads * mixer.head_dim * mixer.state_size,
                         mixer.ssm_state_dtype or cfg.ssm_default_dtype or model_dtype)],
                       checkpoint_blocks=1)


@page.register
def _(mixer: Mamba, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from mamba1_state_shape: conv (inner, conv_kernel − 1), SSM (inner, state_size)."""
    return _state_page([(mixer.inner * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.inner * mixer.state_size, mixer.ssm_state_dtype or model_dtype)])


@page.register
def _(mixer: GatedDeltaNet, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from gated_delta_net_state_shape: conv (conv_dim, conv_kernel − 1) and the
    recurrent (value_heads, value_dim, key_dim) state, both in the model dtype unless the
    config names a state dtype. Not checked against vLLM's planner (no Qwen3-Next run): vLLM
    adds a prefill-checkpoint block only where its FlashInfer GDN kernel exports checkpoints,
    which is not modelled (2 pages per request)."""
    return _state_page([(mixer.conv_dim * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.num_value_heads * mixer.key_head_dim * mixer.value_head_dim,
                         mixer.recurrent_state_dtype or model_dtype)])


@page.register
def _(mixer: KimiDeltaAttention, fmt, model_dtype, cfg) -> Page:
    """MambaSpec from kda_state_shape / kda_state_dtype (model_executor/layers/mamba/
    mamba_utils.py): conv (heads × head_dim + 2 × key heads × key dim, conv_kernel − 1) in the
    model dtype and the recurrent (heads, head_dim, head_dim) state in float32 (the "auto"
    mamba_ssm_cache_dtype of KDA), plus one prefill-checkpoint block: 3 pages per request in
    align mode (measured for Kimi-K3: tests/golden/vllm_0.33_frontier.json)."""
    return _state_page([(mixer.conv_dim * (mixer.conv_kernel - 1), model_dtype),
                        (mixer.num_value_heads * mixer.key_head_dim * mixer.value_head_dim,
                         mixer.recurrent_state_dtype or "fp32")], checkpoint_blocks=1)


# DeepSeek-V4 (models/deepseek_v4/attention.py, compressor.py): vLLM 0.33 keeps its cache in
# DeepSeek's fp8_ds_mla rows whatever --kv-cache-dtype says ("Using DeepSeek's fp8_ds_mla KV
# cache format", measured for auto and fp8): 448 fp8 NoPE values + 64 bf16 RoPE values + 7 scales
# + 1 pad = 584 bytes per 512-value vector, pages rounded up to a multiple of 576 bytes.
DSV4_ROW, DSV4_ALIGN, DSV4_SWA_BLOCK, DSV4_BLOCK = 584, 576, 64, 256


def _aligned(n: int, align: int = DSV4_ALIGN) -> int:
    """AttentionSpec._apply_alignment_padding: the page rounded up to a multiple of align."""
    return cdiv(n, align) * align


@page.register
def _(mixer: CompressedAttention, fmt, model_dtype, cfg) -> tuple[Page, ...]:
    """Per layer, up to five specs:
    * the window (DeepseekV4SWACache): SlidingWindowMLASpec, 64-token blocks of 584-byte rows;
    * the compressed entries: MLAAttentionSpec with tokens_per_state = compress_ratio, blocks of
      256 tokens (256 / ratio entries of 584 bytes);
    * on CSA layers the indexer keys (DeepseekV4IndexerCache): MLAAttentionSpec, one 132-byte
      entry (128 fp8 + 4) per 4 tokens;
    * the compressor's state (CompressorStateCache, float32, state_dim = 2 × coff × head_dim):
      SlidingWindowMLASpec over coff × ratio tokens in blocks of 4 (C4) or 8 (C128), and on CSA
      layers the indexer's compressor (state_dim 2 × 2 × index_head_dim).
    Every page is aligned to 576 bytes (measured: tests/golden/vllm_0.33_frontier.json)."""
    pages = [Page("sliding", DSV4_SWA_BLOCK, DSV4_ROW, window=mixer.window,
                  padded=_aligned(DSV4_SWA_BLOCK * DSV4_ROW), packed=True)]
    r = mixer.compress_ratio
    if r:
        pages.append(Page("mla", DSV4_BLOCK, DSV4_ROW, padded=_aligned(DSV4_BLOCK // r * DSV4_ROW), packed=True))
        if mixer.indexed:
            row = mixer.index_head_dim + mixer.index_head_dim // 128 * 4
            pages.append(Page("mla", DSV4_BLOCK, row, padded=_aligned(DSV4_BLOCK // r * row), packed=True))
        coff = mixer.coff
        state_block = {4: 4, 128: 8}.get(r)
        if state_block is None:
            raise KvplanError(f"vLLM's DeepSeek-V4 compressor takes ratios 4 and 128, not {r}")
        dims = [mixer.head_dim] + ([mixer.index_head_dim] if mixer.indexed else [])
        for d in dims:
            row = 2 * coff * d * 4  # float32 kv + score state of coff series
            pages.append(Page("sliding", state_block, row, window=coff * r,
                              padded=_aligned(state_block * row), packed=True))
    return tuple(pages)


