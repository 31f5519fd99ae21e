"""sglang: SGLang 0.5.23, its token-granular KV pool and the capacity it logs (max_total_num_tokens).

Rules read from the 0.5.23 wheel (paths under sglang/srt/) and checked against SGLang's own
pool configuration run on the CPU (tests/golden/sglang_0.5.23.json, scripts/oracles/sglang/):

* cell (bytes per token, per GPU): model_executor/pool_configurator.py
  DefaultPoolConfigurator._compute_cell_size: attention layers × kv_heads_per_rank ×
  (head_dim + v_head_dim) × dtype bytes; MLA: layers × (kv_lora_rank + qk_rope_head_dim) ×
  dtype bytes on every rank; Mamba hybrids count their attention layers only;
* tokens = (budget // cell) // page_size × page_size (calculate_pool_sizes; --page-size 1);
* hybrid sliding-window pools only for the architectures configs/model_config.py
  is_hybrid_swa_model allows (Llama 4, gpt-oss, Gemma 4, ...): cell = F × full + r × S × swa
  per token with r = swa_full_tokens_ratio 0.8, full tokens = int(budget // cell), SWA tokens =
  int(full × r) (HybridSWAPoolConfigurator); every other model, Gemma 2, Mistral and Phi-3
  included, gets a full-length cache for every layer;
* Mamba hybrids: before the pool, mem_cache/kv_cache_configurator.py _handle_max_mamba_cache
  gives R/(1+R) of the budget (R = mamba_full_memory_ratio 0.9) to whole per-request states,
  plus one padding slot; NemotronH, Qwen3-Next and Kimi Linear keep their SSM / recurrent state in float32
  unless the config says (``SSM_FP32``);
* dtype auto (configs/model_config.py _get_and_verify_dtype): float32 checkpoints run in
  float16 (Gemma in bfloat16);
* budget: mem_fraction_static × the memory free before the weights load − the weights
  (_profile_available_bytes; what was used before that baseline, the CUDA context and NCCL, is
  a constant fitted on the fit-side logs: engines/sglang_startup.py), with the default
  mem_fraction_static of arg_groups/memory_hook.py handle_gpu_memory_settings
  (``default_mem_fraction_static``: --chunked-prefill-size, kvplan's --max-num-batched-tokens,
  sizes its activation and prefill-graph reserve where given, else the card's default).
"""
from __future__ import annotations

from ..errors import KvplanError, opt
from ..model import dtypes
from ..model.kinds import MLA, ChunkedAttention, FullAttention, GatedDeltaNet, Mamba, Mamba2, SlidingWindow
from .base import BudgetPart, Capacity, Engine, Holding, ServeOptions, Worker, finish_budget, largest

VERSION = "0.5.23"
# server_args.py add_cli_args --kv-cache-dtype choices (0.5.23): "auto" is the model's dtype;
# "fp4_e2m1" (MXFP4 with per-block scales kept apart) is not modelled, so not listed.
KV_CACHE_DTYPES = {"fp8_e5m2": "fp8_e5m2", "fp8_e4m3": "fp8_e4m3", "bf16": "bf16", "bfloat16": "bf16"}
SWA_RATIO = 0.8  # swa_full_tokens_ratio default
MAMBA_RATIO = 0.9  # mamba_full_memory_ratio default
# configs/model_config.py is_hybrid_swa_model, as kvplan families (the config's model_type)
HYBRID_SWA = {"llama4", "llama4_text", "gpt_oss", "gemma4", "gemma4_text"}
# the families whose SGLang state keeps its SSM / recurrent tensor in float32 unless the config says (0.5.23:
# configs/mamba_utils.py mamba2_state_dtype, 'Default "float32"', env SGLANG_MAMBA_SSM_DTYPE or the config's
# mamba_ssm_dtype override it; NemotronHConfig, Qwen3NextConfig.mamba2_cache_params (dtype=mamba2_state_dtype(self);
# Qwen3-Next's config.json sets no mamba_ssm_dtype) and KimiLinearConfig's KimiLinearCacheParams (its default dtype,
# mamba2_state_dtype(None)); 0.5.2 and 0.5.6 alike: server_args.py mamba_ssm_dtype = "float32")
SSM_FP32 = {"nemotron_h", "qwen3_next", "kimi_linear"}


def _hybrid(spec) -> bool:
    return spec.family in HYBRID_SWA


def _own_ssm_dtype(mixer):
    return getattr(mixer, "ssm_state_dtype", None) or getattr(mixer, "recurrent_state_dtype", None)


def _ssm_dtype(mixer, spec, model_dtype):
    return _own_ssm_dtype(mixer) or ("fp32" if spec.family in SSM_FP32 else model_dtype)


def state_bytes(mixer, spec, model_dtype: str) -> int:
    """One request's conv + SSM state in one layer (configs/mamba_utils.py mamba_cache_per_req): the memory plan's
    Mamba share, and what a decode step reads and writes of it (kvplan.plan.latency.step)."""
    return _state_bytes(mixer, spec, model_dtype)


def _state_bytes(mixer, spec, model_dtype: str) -> int:
    """One request's conv + SSM state in one layer (configs/mamba_utils.py mamba_cache_per_req)."""
    conv = mixer.conv_state(mixer.conv_kernel - 1, model_dtype)
    ssm = mixer.recurrent_state("fp32") if isinstance(mixer, GatedDeltaNet) else mixer.ssm_state("fp32")
    return dtypes.get(model_dtype).row_bytes(conv.elements) + \
        dtypes.get(_ssm_dtype(mixer, spec, model_dtype)).row_bytes(ssm.elements)


def pool(spec, kv_fmt, model_dtype: str, budget: int, page: int = 1) -> dict:
    """SGLang's pools for one GPU's share of the model and a byte budget."""
    full_pt = swa_pt = 0
    full_layers = swa_layers = 0
    mamba_per_req = 0
    for lt, count in spec.counts().items():
        m = spec.layer_types[lt].mixer
        if isinstance(m, (Mamba, Mamba2, GatedDeltaNet)):
            mamba_per_req += count * _state_bytes(m, spec, model_dtype)
            continue
        rows = m.kv_rows()
        if not rows:
            continue
        per = sum(r * kv_fmt.row_bytes(n) for r, n in rows)
        if isinstance(m, (SlidingWindow, ChunkedAttention)) and _hybrid(spec):
            swa_pt, swa_layers = per, swa_layers + count  # one SWA geometry per model
        else:
            full_pt += count * per
            full_layers += count
    out = {"mamba_slots": None, "budget_after_mamba": budget}
    if mamba_per_req:
        rest_gb = budget / 2**30
        mamba_budget = rest_gb * MAMBA_RATIO / (1 + MAMBA_RATIO) * 2**30
        slots = int((mamba_budget - mamba_per_req) // mamba_per_req)
        rest_gb -= (slots + 1) * mamba_per_req / 2**30
        budget = int(rest_gb * 2**30)
        out.update(mamba_slots=slots, budget_after_mamba=budget, mamba_per_req=mamba_per_req)
    if swa_layers and full_layers:
        cell = full_pt + SWA_RATIO * swa_pt * swa_layers
        full = int(max(budget, 0) // cell) // page * page
        out.update(cell=cell, tokens=full, swa_tokens=int(full * SWA_RATIO) // page * page)
    elif swa_layers:  # all layers sliding: no ratio
        cell = swa_pt * swa_layers
        out.update(cell=cell, tokens=max(budget, 0) // cell // page * page, swa_tokens=None)
    else:
        cell = full_pt
        out.update(cell=cell, tokens=max(budget, 0) // cell // page * page if cell else 0, swa_tokens=None)
    return out


def default_mem_fraction_static(gpu, tp: int, pp: int, mla: bool, gemma4: bool, spec=None,
                                cps: int | None = None) -> float:
    """arg_groups/memory_hook.py handle_gpu_memory_settings (post-capture sizing off, the
    default): reserve MiB for activations, communication and CUDA graphs, as a share of the
    card (gpu_mem = nvidia-smi's total in MiB); ``cps``: a --chunked-prefill-size given."""
    gpu_mem = gpu.smi_bytes // 2**20
    mfs = round((gpu_mem - reserved_mib(gpu_mem, tp, pp, mla, gemma4, spec, cps)) / gpu_mem, 3)
    if gemma4 and spec is not None and spec.encoders:  # adjust_mem_fraction_for_vlm
        enc = spec.encoders[0]
        ratio = enc.layers * enc.hidden_size ** 2 / (24 * 1024 ** 2)
        mfs *= 0.95 * max(0.8, min(1.05, 1.0 - 0.1 * (ratio - 1.0)))
    return mfs


def reserved_mib(gpu_mem: int, tp: int, pp: int, mla: bool, gemma4: bool, spec=None,
                 cps: int | None = None) -> float:
    """The MiB handle_gpu_memory_settings keeps out of mem_fraction_static on a card of
    gpu_mem MiB: activations by chunked-prefill size, communication, the CUDA graphs. A
    --chunked-prefill-size given (``cps``) replaces the card's default in the activations and as
    the prefill graphs' max_bs, as it does in SGLang."""
    default_cps, max_bs = _card_defaults(gpu_mem, tp)
    cps = cps or default_cps
    reserved = 512 + max(cps, 2048) * 1.5 + tp * pp / 8 * 1024
    reserved += 2 * max_bs  # decode CUDA graph
    if not gemma4:  # Gemma 4 turns the prefill graph off
        prefill_max = cps
        path = f"{getattr(spec, 'hf_repo', None) or ''} {getattr(spec, 'name', '')}".lower()
        if "llama-2" in path:  # cuda_graph_hook: a substring test on the model path caps it at 4096
            prefill_max = min(prefill_max, 4096)
        reserved += 1536 if mla else 8 * _prefill_graph_sizes(prefill_max)
    if gpu_mem > 61440:
        reserved = max(reserved, 10240)
    return reserved


def _card_defaults(gpu_mem: int, tp: int) -> tuple[int, int]:
    """handle_gpu_memory_settings' defaults on a card of gpu_mem MiB: (chunked_prefill_size, the
    decode CUDA graphs' max batch size)."""
    if gpu_mem < 20480:
        return 2048, 8
    if gpu_mem < 35840:
        return 4096, (48 if tp < 4 else 160)
    if gpu_mem < 61440:
        return 4096, (32 if tp < 4 else 160)
    if gpu_mem < 163840:
        return 8192, (256 if tp < 4 else 512)
    return 16384, 512


# The share of a running request's remaining max_new_tokens the scheduler reserves when it admits
# another (schedule_policy.py PrefillAdder._get_running_request_total_token_offset): 1 for
# ignore_eos requests, else new_token_ratio, which starts at SGLANG_INIT_NEW_TOKEN_RATIO 0.7 and
# decays over SGLANG_NEW_TOKEN_RATIO_DECAY_STEPS 600 decode steps to 0.7 × SGLANG_MIN_NEW_TOKEN_RATIO_FACTOR
# 0.14 (environ.py; managers/scheduler_components/new_token_ratio_tracker.py), its floor here.
NEW_TOKEN_RATIO_FLOOR = 0.7 * 0.14


def attn_dp_size(opts: ServeOptions) -> int:
    """The DP attention ranks of ``opts``: --dp-size D with --enable-dp-attention (0.5.23's
    arg_groups/parallel_hook.py handle_deprecated_dp_attention makes it attn_dp_size D), else 1."""
    return opts.data_parallel_size if opts.dp_attention else 1


# arg_groups/parallel_hook.py _handle_data_parallelism (0.5.23): with DP attention the
# schedule_conservativeness (default 1.0) is multiplied by 0.3, and new_token_ratio_tracker.py scales
# the initial new_token_ratio, hence its floor, by it
DP_ATTENTION_CONSERVATIVENESS = 0.3


def chunked_prefill_size(gpu, opts: ServeOptions) -> int:
    """One scheduler's chunk: --chunked-prefill-size (kvplan's --max-num-batched-tokens), else
    handle_gpu_memory_settings' default by the card's memory (arg_groups/memory_hook.py): 2,048 tokens
    under 20 GiB, 4,096 under 60 GiB, 8,192 under 160 GiB (H100, A100 80GB, H200), 16,384 above;
    with DP attention divided by attn_dp_size (parallel_hook.py _handle_data_parallelism)."""
    return (opts.max_num_batched_tokens or _card_defaults(gpu.smi_bytes // 2**20, 1)[0]) // attn_dp_size(opts)


def max_running_requests(tokens: int, context_len: int, opts: ServeOptions) -> int:
    """mem_cache/kv_cache_configurator.py resolve_max_num_reqs (one DP worker): --max-running-requests
    (kvplan's --max-num-seqs) split over the DP attention ranks (max(1, N // attn_dp_size)) and capped
    at half the token pool, else tokens / context_len × 512 clamped to 2,048-4,096, capped the same way."""
    if opts.max_num_seqs:
        return max(1, min(max(1, opts.max_num_seqs // attn_dp_size(opts)), tokens // 2))
    est = int(tokens / context_len * 512) if context_len else 4096
    return max(1, min(max(min(est, 4096), 2048), tokens // 2))


def _prefill_graph_sizes(max_bs: int) -> int:
    """cuda_graph_hook.generate_prefill_cuda_graph_batch_sizes: how many sizes are captured."""
    sizes = [*range(4, 33, 4), *range(48, 257, 16), *range(288, 513, 32), *range(576, 1025, 64),
             *range(1280, 4097, 256), *range(4608, max_bs + 1, 512)]
    return len([s for s in sizes if s <= max_bs])


def _request_bytes(spec, kv_fmt, model_dtype: str, n: int) -> int:
    """One request of n tokens: every token in full layers, its window in a hybrid model's SWA
    layers, and its Mamba state."""
    total = 0
    for lt, count in spec.counts().items():
        m = spec.layer_types[lt].mixer
        if isinstance(m, (Mamba, Mamba2, GatedDeltaNet)):
            total += count * _state_bytes(m, spec, model_dtype)
        elif m.kv_rows():
            held = n
            if _hybrid(spec) and isinstance(m, (SlidingWindow, ChunkedAttention)):
                held = min(n, m.window - 1 if isinstance(m, SlidingWindow) else m.chunk)
            total += count * held * sum(r * kv_fmt.row_bytes(k) for r, k in m.kv_rows())
    return total


# utils/hf_transformers_utils.py CONTEXT_LENGTH_KEYS: "The ordering here is important"; the
# first the config states is the context length
_CONTEXT_KEYS = ("max_sequence_length", "seq_length", "max_seq_len", "model_max_length", "max_position_embeddings")
# utils/hf_transformers_utils.py get_context_length: "return 2048" where the config holds none of
# _CONTEXT_KEYS (after the loop over them; no rope factor applied)
DEFAULT_CONTEXT_LEN = 2048
_DEFAULT_HOW = (f"SGLang's default {DEFAULT_CONTEXT_LEN} where the config states none of {', '.join(_CONTEXT_KEYS)} "
                "(get_context_length)")


def _derived(spec) -> tuple[int, str] | None:
    """The context length SGLang derives for ``spec`` and how (utils/hf_transformers_utils.py
    get_context_length): the first of ``_CONTEXT_KEYS`` the config states, times the rope
    factor, the factor taken as 1 where rope_scaling states original_max_position_embeddings or
    its rope_type is llama3; a config stating none of the keys gets ``DEFAULT_CONTEXT_LEN``
    (2048), unscaled. (SGLang reads the keys with getattr on transformers' config object, so where
    a transformers config class gives max_position_embeddings a default SGLang takes that one;
    kvplan, reading config.json alone, takes 2048. GPT-2's n_positions is not among the keys, but
    kvplan reads it as max_position_embeddings: a shorter limit, not a longer one.)"""
    if spec is None:
        return None
    keys = {**spec.context_keys, **({"max_position_embeddings": spec.max_context} if spec.max_context else {})}
    key = next((k for k in _CONTEXT_KEYS if k in keys), None)
    if key is None:
        return DEFAULT_CONTEXT_LEN, _DEFAULT_HOW
    rope = spec.rope
    if rope is not None and rope.factor is not None and rope.original_max_position is None \
            and rope.type != "llama3":
        return int(rope.factor * keys[key]), f"{key} {keys[key]} × rope factor {rope.factor:g}"
    return keys[key], key


def derived_context_len(spec) -> int | None:
    """The context length SGLang derives for ``spec`` (``_derived``), the one it serves at when
    --context-length is unset (ModelConfig._derive_context_length)."""
    got = _derived(spec)
    return got[0] if got else None


def check_context_length(spec, context_length: int | None) -> None:
    """SGLang refuses a --context-length past the derived one (configs/model_config.py
    ModelConfig._derive_context_length raises ValueError "... To allow overriding this maximum,
    set the env var SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1"), the 2048 it assumes for a
    config stating no length included; kvplan's --max-model-len is that flag here."""
    got = _derived(spec)
    if context_length and got and context_length > got[0]:
        raise KvplanError(f"{opt('max_model_len', context_length)} (SGLang's --context-length) is greater "
                          f"than {spec.name}'s context length as SGLang derives it ({got[0]}: {got[1]}); "
                          "SGLang refuses it unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1")



def _lora_pool(opts) -> list[BudgetPart]:
    """SGLang's LoRA memory pool, where its LoRA flags are given: a term kvplan cannot size (its A
    and B buffers follow the adapters' target modules and rank, which the flags do not say;
    SGLang 0.5.23 model_runner.py initialize: maybe_init_lora_manager -> lora/mem_pool.py
    LoRAMemoryPool.init_buffers, run before the KV pool is sized), so no bytes and ``unmodelled``:
    the verdict is never "fits" on it (plan/verdict.py), and engines/tier_flags.py lora_notes says so."""
    if opts.sglang_lora is None:
        return []
    return [BudgetPart("lora_pool", "LoRA memory pool (not priced)", 0,
                       "SGLang 0.5.23 lora/mem_pool.py LoRAMemoryPool.init_buffers, taken before the KV pool: "
                       "sized by the adapters' target modules and rank, which the flags do not give", unmodelled=True)]

class SGLang(Engine):
    name = "sglang"
    display = "SGLang"
    summary = f"SGLang {VERSION} token pool (radix cache, page size 1)"
    # managers/tokenizer_manager.py TokenizerManager._validate_one_request (read at sgl-project/sglang
    # 001067ff): an input of context_len tokens or more, or input + max_new_tokens past context_len,
    # raises ValueError ("... is longer than the model's context length"), unless the server runs with
    # --allow-auto-truncate
    rejects_beyond_max_model_len = True
    version = VERSION

    def run_dtype(self, spec, gpu) -> str:
        if spec.dtype != "fp32":
            return spec.dtype
        return "bf16" if spec.family.startswith("gemma") else "fp16"

    def __init__(self, hybrid: bool = False, ssm_fp32: bool = False):
        self.hybrid, self.ssm_fp32 = hybrid, ssm_fp32

    def check_max_model_len(self, spec, max_model_len: int | None) -> None:
        check_context_length(spec, max_model_len)

    def context_limit(self, spec) -> tuple[int, str] | None:
        got = _derived(spec)
        if got is None:
            return None
        says = "SGLang refuses a longer --context-length unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1"
        return got[0], f"{_DEFAULT_HOW}; {says}" if got[1] == _DEFAULT_HOW else says

    def default_len(self, spec) -> tuple[int, str] | None:
        """SGLang with --context-length unset serves at the length it derives (``_derived``)."""
        got = _derived(spec)
        if got is None:
            return None
        return got[0], got[1] if got[1] == _DEFAULT_HOW else f"the context length SGLang derives ({got[1]})"

    def for_model(self, spec, gpu, opts: ServeOptions, kv_fmt: str, model_dtype: str, pp: int = 1) -> "SGLang":
        if not opts.long_context_allowed:
            check_context_length(spec, opts.max_model_len)
        return SGLang(_hybrid(spec), spec.family in SSM_FP32)

    def hold(self, mixer, ctx: int, model_dtype: str, kv_dtype: str) -> Holding:
        """What one request of ctx tokens occupies: every token in full-attention layers and in
        the sliding layers of models SGLang does not treat as hybrid; in a hybrid model's SWA pool,
        its last sliding_window − 1 tokens (SGLang's sliding_window_size; Llama 4: the chunk).
        The SWA eviction point is read, not measured."""
        from ..model.kinds import StateTensor
        from .ideal import ideal

        if isinstance(mixer, (Mamba, Mamba2, GatedDeltaNet)):
            held = ideal(mixer, ctx, model_dtype)
            if self.ssm_fp32 and not _own_ssm_dtype(mixer):
                ssm = held.state[1]
                held = Holding([], 0, [held.state[0], StateTensor(name=ssm.name, elements=ssm.elements, dtype="fp32")])
            return held
        if isinstance(mixer, (SlidingWindow, ChunkedAttention)) and self.hybrid:
            window = mixer.window - 1 if isinstance(mixer, SlidingWindow) else mixer.chunk
            return Holding(mixer.kv_rows(), min(ctx, window))
        if isinstance(mixer, (FullAttention, SlidingWindow, ChunkedAttention, MLA)):
            return Holding(mixer.kv_rows(), ctx)
        return Holding([], 0)

    def budget(self, gpu, weights_bytes: int, spec, opts: ServeOptions, tp: int, pp: int, kv_fmt):
        total = gpu.usable_bytes
        self.tp = tp  # the hierarchical cache's pools are per rank (capacity)
        mla = any(isinstance(spec.layer_types[lt].mixer, MLA) for lt in spec.counts())
        mfs = opts.gpu_memory_utilization if opts.gpu_memory_utilization is not None else \
            default_mem_fraction_static(gpu, tp, pp, mla, spec.family.startswith("gemma4"), spec,
                                        opts.max_num_batched_tokens)
        if not 0 < mfs <= 1:
            from ..errors import KvplanError

            raise KvplanError(f"--mem-fraction-static must be in (0, 1], got {mfs}")
        if opts.kv_cache_memory is None:  # the fraction of what was free before the weights
            from .sglang_startup import budget_parts

            return budget_parts(total, mfs, weights_bytes, tp * pp, gpu, tp) + _lora_pool(opts)
        parts = [BudgetPart("weights", "weights (this GPU's share)", weights_bytes,
                            "parameters × weight format")]
        return finish_budget(total, mfs, parts, opts.kv_cache_memory,
                             "total − weights − the fixed cache: activations, CUDA graphs") + _lora_pool(opts)

    def capacity(self, workers: list[Worker], gpu, opts: ServeOptions, kv_fmt, model_dtype: str) -> Capacity:
        page = opts.block_size or 1
        mml = opts.max_model_len or derived_context_len(workers[0].spec) or 0  # --context-length unset: the derived one
        pools = [pool(w.spec, kv_fmt, model_dtype, w.kv_budget_bytes, page) for w in workers]
        p = min(pools, key=lambda x: x["tokens"])
        tokens = p["tokens"]
        conc = tokens / mml if mml else 0.0
        line = f"max_total_num_tokens={tokens}"
        if p.get("swa_tokens") is not None:
            line = (f"Use sliding window memory pool. full_layer_tokens={tokens}, "
                    f"swa_layer_tokens={p['swa_tokens']}")
        detail = {"cell_size_bytes": p["cell"], "page_size": page, "max_total_num_tokens": tokens,
                  **({"swa_tokens": p["swa_tokens"]} if p.get("swa_tokens") is not None else {}),
                  **({"max_mamba_cache_size": p["mamba_slots"]} if p["mamba_slots"] is not None else {})}
        explain = [f"cell = {p['cell']:,} bytes per token (attention layers on this GPU)",
                   f"max_total_num_tokens = budget // cell = {p['budget_after_mamba']:,} // {p['cell']:,} "
                   f"= {tokens:,}"]
        if p["mamba_slots"] is not None:
            explain.insert(0, f"Mamba states: {p['mamba_slots']:,} requests × {p['mamba_per_req']:,} bytes "
                              f"(+1 padding slot) taken first; the KV pool gets {p['budget_after_mamba']:,}")
        if opts.hicache is not None:  # issue 23: the host pool behind the radix cache
            from . import sglang_hicache

            if p.get("swa_tokens") is not None or p["mamba_slots"] is not None:
                raise KvplanError("kvplan models SGLang's hierarchical cache for full-attention and MLA "
                                  "models only (this one has sliding-window or Mamba pools)")
            detail["cpu_offload"] = sglang_hicache.tier(opts.hicache, [(tokens, q["cell"]) for q in pools],
                                                        getattr(self, "tp", 1), page)
        msg = None if tokens >= 1 else "no memory left for the KV pool"
        slots = min((q["mamba_slots"] for q in pools if q["mamba_slots"] is not None), default=None)
        if msg is None and slots is not None and slots < 1:  # _handle_max_mamba_cache raises
            msg = (f"no memory left for the Mamba state cache (max_mamba_cache_size {slots}: "
                   "SGLang refuses to start)")
        per_req = max(_request_bytes(w.spec, kv_fmt, model_dtype, mml) for w in workers)
        return Capacity(msg is None, mml, tokens, conc, per_req, msg, (line,), detail, tuple(explain))

    def max_batch(self, workers, gpu, cap: Capacity, opts, kv_fmt, model_dtype, ctx: int) -> int:
        tokens = cap.detail.get("max_total_num_tokens", 0)
        n = tokens // ctx if ctx else 0
        if cap.detail.get("max_mamba_cache_size") is not None:
            n = min(n, cap.detail["max_mamba_cache_size"])
        return n

    def max_ctx(self, workers, gpu, cap: Capacity, opts, kv_fmt, model_dtype, batch: int, limit: int) -> int:
        return largest(lambda n: self.max_batch(workers, gpu, cap, opts, kv_fmt, model_dtype, n) >= batch, limit)


ENGINE = SGLang()
