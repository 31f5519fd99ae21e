"""``kvplan simulate``'s text report: 80 columns, every figure labelled."""
from __future__ import annotations

import textwrap


def _ms(v) -> str:
    if v is None:
        return "-"
    return f"{v:,.1f}" if v >= 100 else f"{v:.2f}"


def render(r, width: int = 80) -> str:
    lim = r.limits
    out = []

    def para(text: str) -> None:
        out.extend(textwrap.wrap(text, width, subsequent_indent="  ", break_on_hyphens=False))

    # "1 × h200 (tp 4)" read as one GPU: the replicas and their tp are said as such (the notes say DP ranks)
    para(f"{r.model} on {r.gpu}: {r.replicas} replica{'s' if r.replicas != 1 else ''} of tp {r.tp}"
         + (f", {r.router} router" if r.replicas > 1 else "") + f" · {r.engine} · {r.workload}")
    para(f"KV cache per replica: {lim.num_blocks:,} blocks × {lim.block_size} tokens = "
         f"{lim.kv_tokens:,} tokens ({lim.sources.get('num_blocks', 'given')})"
         + (f"; shared by {len(lim.groups) + 1} KV cache groups: fit's KV cache size, a request's blocks in "
            f"every group, is {lim.fit_tokens:,} tokens" if lim.engine == "vllm" and lim.groups and lim.fit_tokens
            else ""))
    # in the engine's own names (SGLang's server args: engines/sglang.py max_running_requests, chunked_prefill_size)
    names = ("max_running_requests", "chunked_prefill_size", "context_length", "radix cache") \
        if lim.engine == "sglang" else ("max_num_seqs", "max_num_batched_tokens", "max_model_len", "prefix caching")
    para(f"limits: {names[0]} {lim.max_num_seqs:,} · {names[1]} {lim.max_num_batched_tokens:,} · {names[2]} "
         f"{lim.max_model_len:,} · {names[3]} " + ("on" if lim.prefix_caching else "off"))
    out.append("")
    out.append(f"{'latency, ms':<26}{'mean':>13}{'p50':>13}{'p90':>13}{'p99':>13}")
    for name, s in (("time to first token", r.ttft_ms), ("inter-token latency", r.itl_ms),
                    ("time per output token", r.tpot_ms), ("end to end", r.e2e_ms)):
        out.append(f"{name:<26}{_ms(s.mean):>13}{_ms(s.p50):>13}{_ms(s.p90):>13}{_ms(s.p99):>13}")
    out.append("")
    para(f"throughput: {r.requests_per_s:,.2f} requests/s · {r.output_tokens_per_s:,.1f} output "
         f"tokens/s · {r.input_tokens_per_s:,.1f} prompt tokens/s over {r.duration_s:,.2f} s")
    hit = f"{r.prefix_hit_tokens:,} of {r.prompt_tokens:,} prompt tokens from the prefix cache"
    if r.limits.host_blocks:
        hit += f" ({r.host_hit_tokens:,} loaded from the CPU tier of {r.limits.host_blocks * r.limits.block_size:,} tokens)"
    para(f"preemptions: {r.preemptions:,} · {hit}")
    para(f"KV usage: mean {r.kv_usage_mean:.1%}, max {r.kv_usage_max:.1%} · waiting: mean "
         f"{r.queue_mean:,.1f}, max {r.queue_max:,} · running: mean {r.running_mean:,.1f} · "
         f"{r.steps:,} steps")
    para(f"saturated: {'YES' if r.saturated else 'no'} ({r.saturation})")
    for n in r.notes:
        para(f"note: {n}")
    return "\n".join(out) + "\n"
