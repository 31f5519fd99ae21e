"""check-log's parallel flags, as the engines' own parsers read them (issue 25: the survivors of
kvplan/observe/logs.py's vllm_options, sglang_options, vllm_fit and _sglang_fit in session 10).

Each spelling below was read by the engine's own parser; rerun:
    /work/scratch/vllm/venv/bin/python scripts/oracles/parallel_flags_oracle.py vllm
    /work/scratch/sglang/venv/bin/python scripts/oracles/parallel_flags_oracle.py sglang

* vLLM 0.33, vllm/engine/arg_utils.py EngineArgs.add_cli_args: ``--tensor-parallel-size``/``-tp``,
  ``--data-parallel-size``/``-dp``, ``--enable-expert-parallel``/``-ep`` (a switch; defaults from
  config/parallel.py ParallelConfig: 1, 1, False), ``--all2all-backend`` (default
  allgather_reducescatter, kvplan's None: engines/vllm/ep_buffers.py backend); FlexibleArgumentParser
  reads ``_`` as ``-``. ``--dp 4`` is not data parallel: argparse's prefix match makes it
  ``--dp-sync-interval 4``.
* SGLang 0.5.23, sglang/srt/arg_groups/fields/parallel.py (ServerArgs' fields): ``--tp-size`` (alias
  ``--tensor-parallel-size``; ``--tp`` by argparse's prefix match), ``--dp-size`` (``--data-parallel-size``;
  ``--dp`` by prefix), ``--ep-size`` (``--expert-parallel-size``, ``--ep``), ``--attn-dp-size``
  (``--attention-data-parallel-size``), defaults 1; ``--enable-dp-attention`` is deprecated
  (server_args.py add_cli_args) and arg_groups/parallel_hook.py handle_deprecated_dp_attention turns
  ``--dp-size N --enable-dp-attention`` into ``attn_dp_size N, dp_size 1``, which is what the log's
  ``server_args={...}`` (entrypoints/engine.py, ServerArgs.resolved_dict) shows, with
  ``enable_dp_attention`` True. ``--enable-ep-moe`` is refused by 0.5.23; older SGLang's
  server_args.py ServerArgs.__post_init__ read it as ``ep_size = tp_size``.

The split each set-up gives is plan/parallel.py's ``layout`` (attention tp, attention replicas,
expert-parallel ranks, expert tp, GPUs), checkable by hand from the rules quoted in its docstring.
"""
import pytest

from kvplan.errors import KvplanError
from kvplan.observe import log_flags, logs
from kvplan.plan.parallel import Layout, layout_of

KV_VLLM = "\nINFO Available KV cache memory: 20.00 GiB"
KV_SGLANG = "\nKV Cache is allocated. #tokens: 100, KV size: 1.00 GB"


def _vllm(line: str):
    opts, tp, kvd = log_flags.vllm_options(logs.parse(line + KV_VLLM).flags)
    return opts, tp, kvd


@pytest.mark.parametrize("line,tp,dp,ep,a2a", [
    ("vllm serve M -tp 2 -dp 4 -ep --all2all-backend deepep_low_latency", 2, 4, True, "deepep_low_latency"),
    ("vllm serve M --tensor-parallel-size 2 --data-parallel-size 4 --enable-expert-parallel", 2, 4, True, None),
    ("vllm serve M --data_parallel_size=3 --enable_expert_parallel --all2all_backend naive", 1, 3, True, "naive"),
    ("vllm serve M", 1, 1, False, None),
    ("vllm serve M --dp 4", 1, 1, False, None),  # --dp-sync-interval 4, not data parallel
])
def test_vllm_launch_line_parallel_flags(line, tp, dp, ep, a2a):
    opts, got_tp, _ = _vllm(line)
    assert (got_tp, opts.data_parallel_size, opts.enable_expert_parallel, opts.all2all_backend) == (tp, dp, ep, a2a)


def test_vllm_non_default_args_each_key():
    """vLLM 0.33 logs its non-default EngineArgs by field name (entrypoints/common/startup.py); the
    field names are EngineArgs' (kv_cache_memory_bytes for --kv-cache-memory-bytes)."""
    line = ("non-default args: {'model': 'M', 'tensor_parallel_size': 2, 'data_parallel_size': 4, "
            "'enable_expert_parallel': True, 'all2all_backend': 'deepep_low_latency', 'max_num_seqs': 64, "
            "'kv_cache_memory_bytes': 8589934592, 'kv_cache_dtype': 'fp8'}")
    opts, tp, kvd = _vllm(line)
    assert (tp, opts.data_parallel_size, opts.enable_expert_parallel, opts.all2all_backend) == \
        (2, 4, True, "deepep_low_latency")
    assert (opts.max_num_seqs, opts.kv_cache_memory, kvd) == (64, 8 * 2**30, "fp8_e4m3")
    # none of them given: vLLM's defaults (max_num_seqs and the KV memory: None, vLLM decides)
    opts, tp, kvd = _vllm("non-default args: {'model': 'M'}")
    assert (tp, opts.data_parallel_size, opts.enable_expert_parallel, opts.all2all_backend) == (1, 1, False, None)
    assert (opts.max_num_seqs, opts.kv_cache_memory, kvd) == (None, None, None)


def test_vllm_unknown_kv_cache_dtype_is_one_line():
    with pytest.raises(KvplanError, match=r"^--kv-cache-dtype 'nvfp4' in the log is not one kvplan models$"):
        log_flags.vllm_options({"kv_cache_dtype": "NVFP4"})


def test_vllm_layout_of_the_logged_flags():
    """-tp 2 -dp 4 -ep: 2 × 4 = 8 ranks, experts over all 8 (ep_size = tp × dp, MoE tp 1),
    attention tp 2 in 4 replicas; without -ep every expert is split tp 8."""
    opts, tp, _ = _vllm("vllm serve M -tp 2 -dp 4 -ep")
    assert layout_of("vllm", tp, opts) == Layout(attn_tp=2, replicas=4, moe_ep=8, moe_tp=1, gpus=8)
    opts, tp, _ = _vllm("vllm serve M -tp 2 -dp 4")
    assert layout_of("vllm", tp, opts) == Layout(attn_tp=2, replicas=4, moe_ep=1, moe_tp=8, gpus=8)


def test_vllm_fit_takes_the_logs_kv_cache_dtype():
    """Llama 3.1 8B: 32 layers × 8 KV heads × 128 × 2 (K, V) = 65,536 values a token; one request
    of 4,096 tokens needs 4,096 × 65,536 = 268,435,456 bytes in fp8 and twice that in bf16."""
    from kvplan.sources import catalog

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    fp8 = log_flags.vllm_fit(spec, gpu, {"kv_cache_dtype": "fp8", "max_model_len": 4096})
    auto = log_flags.vllm_fit(spec, gpu, {"max_model_len": 4096})
    assert (fp8.capacity.kv_bytes_per_request, auto.capacity.kv_bytes_per_request) == (268_435_456, 536_870_912)


# --- SGLang ----------------------------------------------------------------------------------

def _sglang(text: str):
    return log_flags.sglang_options(logs.parse(text + KV_SGLANG).flags)


LAUNCH = "python -m sglang.launch_server --model-path M "


@pytest.mark.parametrize("flags,lay", [
    ("--tp 4 --ep 2", Layout(4, 1, 2, 2, 4)),  # experts over 2 ranks, each split tp 2
    ("--tensor-parallel-size 4 --expert-parallel-size 4", Layout(4, 1, 4, 1, 4)),
    ("--tp-size 4 --dp-size 4 --enable-dp-attention", Layout(1, 4, 1, 4, 4)),  # attention tp 4 / 4 = 1
    ("--tp 4 --data-parallel-size 4 --enable-dp-attention --ep-size 4", Layout(1, 4, 4, 1, 4)),
    ("--tp 4 --attn-dp-size 4", Layout(1, 4, 1, 4, 4)),
    ("--tp 4 --attention-data-parallel-size 2", Layout(2, 2, 1, 4, 4)),
    ("--tp 4 --dp 2", Layout(4, 1, 1, 4, 4)),  # two whole replicas: each GPU's share is tp 4's
    ("--tp 4", Layout(4, 1, 1, 4, 4)),
    ("--tp 4 --enable-ep-moe", Layout(4, 1, 4, 1, 4)),  # older SGLang: ep_size = tp_size
])
def test_sglang_launch_line_layout(flags, lay):
    opts, tp, _ = _sglang(LAUNCH + flags)
    assert layout_of("sglang", tp, opts) == lay


def test_sglang_options_fields():
    opts, tp, _ = _sglang(LAUNCH + "--tp 4 --ep 2")
    assert (tp, opts.ep_size, opts.data_parallel_size, opts.dp_attention) == (4, 2, 1, False)
    opts, tp, _ = _sglang(LAUNCH + "--tp 4 --dp-size 2 --enable-dp-attention")
    assert (tp, opts.ep_size, opts.data_parallel_size, opts.dp_attention) == (4, None, 2, True)
    opts, tp, _ = _sglang(LAUNCH + "--tp 4 --enable-ep-moe")
    assert (tp, opts.ep_size, opts.data_parallel_size, opts.dp_attention) == (4, 4, 1, False)
    opts, tp, _ = _sglang(LAUNCH + "--tp 4")
    assert (tp, opts.ep_size, opts.data_parallel_size, opts.dp_attention) == (4, None, 1, False)


# SGLang 0.5.23's server_args line for `--tp 4 --dp-size 4 --enable-dp-attention` (and for
# `--tp 4 --attn-dp-size 4`): the oracle's resolved_dict values
SERVER_ARGS_0523 = ("server_args={'model_path': 'meta-llama/Llama-3.1-8B', 'tp_size': 4, 'dp_size': 1, "
                    "'attn_dp_size': 4, 'ep_size': 1, 'enable_dp_attention': True}\n"
                    "KV Cache is allocated. dtype: torch.bfloat16, #tokens: 100000, K size: 6.10 GB, V size: 6.10 GB\n")


def test_sglang_0523_logged_dp_attention_is_planned_as_such():
    """Attention DP 4 over tp 4: each rank's attention is tp 1 and holds all 8 KV heads of Llama
    3.1 8B: 32 layers × 8 × 128 × 2 (K, V) × 2 bytes = 131,072 bytes a token. Planned as plain tp 4
    (the log's dp_size 1 read alone), each rank would hold 2 heads: 32,768."""
    c = logs.check(logs.parse(SERVER_ARGS_0523), gpu="h100")
    assert {r.figure.key: r.predicted for r in c.rows}["cell_bytes"] == 131_072
    assert any("attention tp 1 × 4 replica(s)" in n for n in c.notes)
    plain = SERVER_ARGS_0523.replace("'attn_dp_size': 4, ", "").replace("True", "False")
    assert {r.figure.key: r.predicted for r in logs.check(logs.parse(plain), gpu="h100").rows}["cell_bytes"] == 32_768
