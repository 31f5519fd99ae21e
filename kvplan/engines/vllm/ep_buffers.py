"""vLLM 0.33's expert-parallel all-to-all: the bytes each backend takes on each GPU.

When (model_executor/layers/fused_moe/config.py FusedMoEParallelConfig.use_all2all_kernels):
``--enable-expert-parallel`` and ``--data-parallel-size`` > 1 (or context parallelism, not
modelled). Which (config/parallel.py ParallelConfig.all2all_backend, ``--all2all-backend``,
default ``allgather_reducescatter``; ``naive`` and ``pplx`` are removed and fall back to it).
The manager is made in distributed/device_communicators/cuda_communicator.py
CudaCommunicator.__init__; its buffers are made when each MoE layer's kernel is built
(fused_moe/all2all_utils.py maybe_make_prepare_finalize → ``all2all_manager.get_handle``), inside
``process_weights_after_loading``, so during ``load_model``: after the start-up snapshot
(v1/worker/gpu_worker.py init_device) and before the profile run. One buffer serves every layer
(``handle_cache.get_or_create`` keyed by the same arguments).

Inside or outside the budget: DeepEP's buffers are ``cudaMalloc``/NVSHMEM memory, not torch's,
so "Model loading took" (gpu_model_runner.py load_model: DeviceMemoryProfiler, torch's
``max_memory_allocated``) leaves them out; but 0.33 charges the KV budget with everything the
driver lost since the snapshot (utils/mem_utils.py memory_profiling: ``total_consumed`` from
``cudaMemGetInfo``), so they reduce the KV cache. kvplan charges them as their own line.

Per backend (data with sources: ep_buffers.yaml):

* ``allgather_reducescatter``: no buffer of its own (AgRsAll2AllManager); each MoE layer
  all-gathers the tokens of all ranks (``dispatch``: ``all_gatherv``), so the profile run's MoE
  sees ranks × max_num_batched_tokens tokens: a transient, estimated (below);
* ``deepep_high_throughput``: NVL = VLLM_DEEPEP_BUFFER_SIZE_MB MiB (+ 160 bytes of pointers and
  barriers) and DeepEP's 32 MiB workspace; across nodes an RDMA buffer of the same MiB from
  NVSHMEM's heap (estimated: whole 512 MiB granules, NVSHMEM's own state not computed);
* ``deepep_low_latency``: NVL as above, RDMA = DeepEP's ``get_low_latency_rdma_size_hint``
  (csrc/config.hpp LowLatencyLayout) at max_num_batched_tokens tokens per rank (default 256 with
  this backend: SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP), the hidden size
  rounded up to one DeepEP supports, all ranks and all experts; always from NVSHMEM;
* other backends (flashinfer_nvlink_*, mori_*, deepep_v2, moonep, nixl_ep): not modelled; kvplan
  says so and leans to "at risk".

The dispatch transient of the profile run (torch memory, inside the activation peak): the extra
(dp − 1) × T tokens the MoE layers see under all-gather (and at most under DeepEP
high-throughput), or DeepEP low-latency's expert-batched receive tensor
(csrc/deep_ep.cpp low_latency_dispatch ``packed_recv_x``: local experts × ranks × T × hidden,
bf16), charged with an uncertainty as large as itself: estimated.

Data parallelism without ``--enable-expert-parallel`` (config/parallel.py ParallelConfig.use_all2all
is true for any DP > 1, so the EP group gets the default AgRsAll2AllManager, which holds no buffer;
fused_moe/all2all_utils.py maybe_make_prepare_finalize returns early without EP, so no DeepEP buffer
either): nothing is allocated at start-up, but the profile run's MoE layers take the naive dispatch
(fused_moe/runner/moe_runner.py do_naive_dispatch_combine: ``all_gatherv`` of the hidden states and
router logits over the DP group, AgRsAll2AllManager._get_comm_group), so each rank's MoE sees
dp × T tokens. Its experts are split over tp × dp ranks, so the routed intermediates stay what the
forward estimate charges; the extra is the gathered rows: hidden states in, the combine's output,
the fused-MoE output cache (top-k × hidden) and the router logits (fp32 taken). Estimated, with an
uncertainty as large as itself. Facts copied, not code.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ...errors import KvplanError
from ...model.spec import MoeMlp
from ..base import BudgetPart

# config/parallel.py All2AllBackend (0.33.0), less "passthrough" (not selectable from the CLI)
BACKENDS = ("allgather_reducescatter", "naive", "pplx", "deepep_high_throughput",
            "deepep_low_latency", "deepep_v2", "mori_high_throughput", "mori_low_latency", "moonep",
            "nixl_ep", "flashinfer_all2allv", "flashinfer_nvlink_two_sided", "flashinfer_nvlink_one_sided")
REMOVED = {"naive": "allgather_reducescatter", "pplx": "allgather_reducescatter",
           "flashinfer_all2allv": "flashinfer_nvlink_two_sided"}
MODELLED = ("allgather_reducescatter", "deepep_high_throughput", "deepep_low_latency")
CITE = "engines/vllm/ep_buffers.yaml"


@lru_cache(maxsize=1)
def constants() -> dict:
    import yaml  # lazily: `kvplan size` stays light (tests/cli/test_cli.py)

    data = yaml.safe_load(Path(__file__).with_name("ep_buffers.yaml").read_text())
    return {k: v["value"] for k, v in data.items()}


def backend(name: str | None) -> str:
    """The backend vLLM 0.33 runs for ``--all2all-backend name`` (None: the default)."""
    name = name or constants()["default_backend"]
    if name not in BACKENDS:
        raise KvplanError(f"--all2all-backend must be one of {', '.join(BACKENDS)}; got {name!r}")
    return REMOVED.get(name, name)


def uses_all2all(opts) -> bool:
    """FusedMoEParallelConfig.use_all2all_kernels: expert parallelism with data parallelism."""
    return bool(opts.enable_expert_parallel) and opts.data_parallel_size > 1


def default_batched_tokens(opts) -> int | None:
    """ParallelConfig.use_batched_dp_moe: deepep_low_latency (or nixl_ep) with EP and DP > 1
    lower --max-num-batched-tokens' default to 256; None where the usual default holds."""
    if uses_all2all(opts) and backend(opts.all2all_backend) in ("deepep_low_latency", "nixl_ep"):
        return int(constants()["ll_batched_dp_tokens"])
    return None


def ll_hidden(hidden: int) -> int:
    """DeepEPLLPrepareAndFinalize.maybe_roundup_layer_hidden_size: the next supported size."""
    for h in constants()["ll_supported_hidden_sizes"]:
        if h >= hidden:
            return h
    raise KvplanError(f"DeepEP low-latency supports hidden sizes up to 8192, not {hidden}")


def ll_rdma_size_hint(tokens: int, hidden: int, ranks: int, experts: int) -> int:
    """DeepEP get_low_latency_rdma_size_hint (csrc/config.hpp LowLatencyLayout): two odd/even
    send, receive and signal buffers; a dispatch message is a 16-byte header plus the larger of
    the bf16 row and the fp8 row with one fp32 scale per 128 values, a combine message the bf16
    row plus a bf16 pair per 128 values; rounded as DeepEP does (always one alignment more)."""
    align = int(constants()["deepep_alignment_bytes"])
    scales = hidden // 128
    dispatch_msg = 16 + max(hidden * 2, hidden + scales * 4)
    combine_msg = scales * 4 + hidden * 2
    send = max(tokens * dispatch_msg, experts * tokens * combine_msg)
    recv = max(experts * tokens * dispatch_msg, experts * tokens * combine_msg)
    signal = -(-(experts * 4) // 128) * 128
    total = 2 * send + 2 * recv + 2 * signal
    return (total + align) // align * align


def _moe(spec) -> MoeMlp | None:
    mlps = [spec.layer_types[lt].mlp for lt in spec.counts()]
    moes = [m for m in mlps if isinstance(m, MoeMlp)]
    return max(moes, key=lambda m: m.num_experts * m.intermediate_size) if moes else None


def _nvshmem(raw: int) -> int:
    g = int(constants()["nvshmem_cumem_granularity_bytes"])
    return -(-raw // g) * g


def _deepep(name: str, moe: MoeMlp, hidden: int, tokens: int, ranks: int) -> list[BudgetPart]:
    c = constants()
    nvl = int(c["deepep_buffer_size_mb"]) * 2**20 + int(c["deepep_nvl_metadata_bytes"])
    fixed = nvl + int(c["deepep_workspace_bytes"])
    fixed_src = (f"DeepEP NVL buffer VLLM_DEEPEP_BUFFER_SIZE_MB {c['deepep_buffer_size_mb']} MiB "
                 f"+ 160 bytes + 32 MiB workspace (deep_ep.cpp Buffer::Buffer); {CITE}")
    parts = [BudgetPart("ep_buffers", f"all-to-all buffers ({name}, NVLink)", fixed, fixed_src)]
    if name == "deepep_low_latency":
        h = ll_hidden(hidden)
        raw = ll_rdma_size_hint(tokens, h, ranks, moe.num_experts)
        src = (f"get_low_latency_rdma_size_hint({tokens}, {h}, {ranks}, {moe.num_experts}) = {raw:,} bytes, "
               "in whole 512 MiB NVSHMEM granules: estimated (NVSHMEM's own state not computed)")
    elif ranks > int(c["deepep_max_nvl_peers"]):
        raw = int(c["deepep_buffer_size_mb"]) * 2**20
        src = ("RDMA buffer VLLM_DEEPEP_BUFFER_SIZE_MB across nodes (EP over more than 8 GPUs: "
               "8-GPU nodes assumed), in whole 512 MiB NVSHMEM granules: estimated")
    else:
        raw = 0
    if raw:
        parts.append(BudgetPart("ep_rdma", f"all-to-all RDMA buffer ({name}, NVSHMEM)", _nvshmem(raw),
                                src + f"; {CITE}", int(c["nvshmem_uncertainty_bytes"])))
    return parts


def _dispatch(name: str, moe: MoeMlp, hidden: int, tokens: int, ranks: int, dp: int) -> BudgetPart:
    """The profile run's extra MoE tokens (estimated; see the module docstring). All-gather: each
    of the ``dp`` replicas runs ``tokens`` (with tp > 1 they are first split over the tp ranks,
    ParallelConfig.use_sequence_parallel_moe), so every rank's MoE sees dp × tokens."""
    if name == "deepep_low_latency":
        local = -(-moe.num_experts // ranks)
        extra = local * ranks * tokens * ll_hidden(hidden) * 2
        rule = (f"DeepEP low-latency receive: {local} local experts × {ranks} ranks × {tokens:,} tokens "
                f"× hidden {ll_hidden(hidden)} × 2 bytes")
    else:
        per_token = (2 * hidden + 3 * moe.intermediate_size * moe.experts_per_token) * 2
        extra = (dp - 1) * tokens * per_token
        rule = (f"the MoE layers see {dp} × {tokens:,} tokens: ({dp} − 1) × {tokens:,} × "
                f"(2 × hidden + 3 × intermediate × top-k) × 2 bytes")
    return BudgetPart("ep_dispatch", "all-to-all dispatch in the profile run", extra,
                      f"{rule}; estimated (a shape estimate, not vLLM's profile run)", extra)


def _naive_dispatch(moe: MoeMlp, hidden: int, tokens: int, dp: int) -> BudgetPart:
    """DP without EP: the profile run's all-gathered MoE rows (see the module docstring)."""
    per_token = (2 + moe.experts_per_token) * hidden * 2 + moe.num_experts * 4
    extra = (dp - 1) * tokens * per_token
    rule = (f"DP {dp} without expert parallelism: each MoE layer all-gathers {dp} × {tokens:,} tokens "
            f"(moe_runner.py do_naive_dispatch_combine); ({dp} − 1) × {tokens:,} × ((2 + top-k "
            f"{moe.experts_per_token}) × hidden {hidden} × 2 + {moe.num_experts} router logits × 4) bytes")
    return BudgetPart("dp_dispatch", "DP all-gather of the MoE rows in the profile run", extra,
                      f"{rule}; estimated (a shape estimate, not vLLM's profile run)", extra)


def parts(spec, cfg, opts, tp: int) -> list[BudgetPart]:
    """The all-to-all lines of one rank's budget (empty without DP or without MoE layers).
    ``spec``: the rank's spec; ``tp``: the attention tensor-parallel size. A bad
    ``--all2all-backend`` is refused even where no all-to-all runs (vLLM's argument parser does)."""
    if opts.all2all_backend:
        backend(opts.all2all_backend)
    if not opts.enable_expert_parallel and opts.data_parallel_size > 1:
        moe = _moe(spec)
        if moe is None:
            return []
        return [_naive_dispatch(moe, moe.latent_size or spec.hidden_size, cfg.max_num_batched_tokens,
                                opts.data_parallel_size)]
    moe = _moe(spec) if uses_all2all(opts) else None
    if moe is None:
        return []
    name = backend(opts.all2all_backend)
    ranks = tp * opts.data_parallel_size
    tokens = cfg.max_num_batched_tokens
    hidden = moe.latent_size or spec.hidden_size
    experts = moe.model_copy(update={"intermediate_size": moe.intermediate_size * tp})  # EP: whole experts
    if name not in MODELLED:
        return [BudgetPart("ep_buffers", f"all-to-all buffers ({name})", 0,
                           f"the {name} backend's buffers are not counted (kvplan has not read them)",
                           int(constants()["unmodelled_uncertainty_bytes"]), unmodelled=True)]
    out = [] if name == "allgather_reducescatter" else _deepep(name, moe, hidden, tokens, ranks)
    return out + [_dispatch(name, experts, hidden, tokens, ranks, opts.data_parallel_size)]
