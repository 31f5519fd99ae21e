"""vLLM's CUDA-graph estimate by capture sizes: the graphs its default capture list gives for a launch's
max_num_seqs and max_num_batched_tokens (config/vllm.py VllmConfig._set_cudagraph_sizes), which scale the
fitted cuda_graph_bytes down where fewer are captured (startup.yaml cuda_graph_reference_graphs)."""
from __future__ import annotations

from .startup_data import const


def capture_sizes(max_num_seqs: int, max_num_batched_tokens: int, sm100: bool = False) -> list[int]:
    """vLLM's default CUDA-graph capture sizes (config/vllm.py VllmConfig._set_cudagraph_sizes, read in
    the 0.23.0 log's config line and the 0.28.0, 0.29.0 and 0.30.0 wheels): [1, 2, 4] + range(8, 256, 8) +
    range(256, max + 1, 16), max = min(2 × max_num_seqs, 512; 1024 on compute capability 10.x,
    max_num_batched_tokens), and max_num_batched_tokens itself where it is that max and off the grid
    ("ensure max_num_tokens is captured if within max capture size"). No drafter (uniform decode query
    length 1)."""
    tokens = max(max_num_batched_tokens, 1)
    top = min(2 * max(max_num_seqs, 1), 1024 if sm100 else 512, tokens)
    grid = [1, 2, 4] + list(range(8, 256, 8)) + list(range(256, top + 1, 16))
    sizes = [s for s in grid if s <= top]
    return sizes if tokens > top or tokens in sizes else sizes + [tokens]


def capture_graphs(max_num_seqs: int, max_num_batched_tokens: int, sm100: bool = False) -> int:
    """Graphs vLLM captures under its default FULL_AND_PIECEWISE mode: one PIECEWISE graph a capture
    size, and one FULL graph a uniform-decode size, the capture sizes up to max_num_seqs
    (v1/worker/gpu/cudagraph_utils.py; the logs' "Profiling CUDA graph memory: PIECEWISE=11
    (largest=64), FULL=7 (largest=32)" at max_num_seqs 32, and "Capturing CUDA graphs (PIECEWISE)
    0/51", "(FULL) 0/35" at 256)."""
    sizes = capture_sizes(max_num_seqs, max_num_batched_tokens, sm100)
    return len(sizes) + sum(s <= max_num_seqs for s in sizes)


def cuda_graph_estimate(gpu, max_num_seqs: int | None, max_num_batched_tokens: int | None) -> tuple[int, str]:
    """(bytes, why) of vLLM's CUDA-graph estimate: the fitted cuda_graph_bytes, which stands for the
    default capture list (max_num_seqs 256 and up: 51 PIECEWISE and 35 to 51 FULL graphs), scaled
    down by the graph count where max_num_seqs or max_num_batched_tokens leaves fewer capture sizes
    (startup.yaml cuda_graph_reference_graphs); never scaled up."""
    from .settings import capability

    full = const("cuda_graph_bytes")
    if not max_num_seqs or not max_num_batched_tokens:
        return full, ""
    cap = capability(gpu) if gpu is not None else None
    n = capture_graphs(max_num_seqs, max_num_batched_tokens, cap is not None and cap // 10 == 10)
    ref = const("cuda_graph_reference_graphs")
    if n >= ref:
        return full, ""
    return full * n // ref, (f"; scaled by the graphs vLLM captures at max_num_seqs {max_num_seqs:,}: {n} of "
                             f"the {ref} its default capture list gives (config/vllm.py _set_cudagraph_sizes)")
