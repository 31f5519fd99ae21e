"""Attention by kernel: a decode step reads each sequence's K/V at an efficiency measured by batch ×
context × GQA ratio × KV heads per GPU; a prefill computes the causal triangle at an efficiency
measured by prompt length. Both are charged per attention layer (step.attention_layers): recurrent mixers (Mamba,
Mamba2, gated delta net, KDA) run no attention kernel; their state is read and written as a memory pass at the streaming
efficiency (step.py, "K/V write and recurrent state")."""
from __future__ import annotations

# Mixer kinds (kvplan/model/kinds) that run no attention kernel over a K/V cache: the recurrent ones update a fixed-size
# state (priced in step.py's "K/V write and recurrent state" memory pass, read + written), ``none`` has no mixer.
NO_KV_KERNEL = frozenset({"mamba", "mamba2", "gated_deltanet", "kda", "none"})


def decode_seconds(prof, kv_bytes: int, flops: int, seqs: int, ctx: float, kv_heads: int, gqa: int,
                   layers: int, peak_flops: float, one_cta: float | None = None):
    """(seconds, source) of all ``layers`` attention layers' decode attention over ``seqs`` sequences at mean context
    ``ctx`` (``layers``: the layers with an attention kernel, step.attention_layers; the floor is per kernel).

    ``one_cta``: the kernel gives each (sequence, KV head) one thread block that streams the whole context
    (TensorRT-LLM's XQA / masked MHA without multi-block mode), each at ``one_cta`` × the GPU's bandwidth: the read
    then takes at least one block's bytes at that rate (``one_cta_decode`` in fitted.yaml, with its source)."""
    if seqs == 0 or layers == 0:
        return 0.0, ""
    eff, floor, src = prof.decode_attention_efficiency(seqs, max(ctx, 1), max(kv_heads, 1), max(gqa, 1))
    t = max(kv_bytes / (prof.bw * eff), flops / (peak_flops * 0.5))
    if one_cta:
        t = max(t, kv_bytes / (seqs * max(kv_heads, 1) * one_cta * prof.bw))
    return max(t, floor * layers), src


def decode_seconds_many(prof, kv_bytes: int, flops: int, batches, ctx: float, kv_heads: int, gqa: int,
                        layers: int, peak_flops: float, one_cta: float | None = None) -> list:
    """``[decode_seconds(prof, b × kv_bytes, b × flops, b, ctx, ...)[0] for b in batches]`` bit for bit
    (``kv_bytes``, ``flops``: one sequence's), the kernel's efficiency read once per context (a sweep)."""
    if layers == 0:
        return [0.0] * len(batches)
    kvh, bw, half = max(kv_heads, 1), prof.bw, peak_flops * 0.5
    out = []
    for b, (eff, floor) in zip(batches, prof.decode_attention_efficiencies(batches, max(ctx, 1), kvh,
                                                                          max(gqa, 1))):
        if b == 0:
            out.append(0.0)
            continue
        t = max(b * kv_bytes / (bw * eff), b * flops / half)
        if one_cta:
            t = max(t, b * kv_bytes / (b * kvh * one_cta * bw))
        out.append(max(t, floor * layers))
    return out


def prefill_seconds(prof, flops: int, isl: float, layers: int, peak_flops: float, mla: bool = False):
    """(seconds, source) of all layers' prefill attention: ``flops`` at the kernel's efficiency at ``isl``
    (``peak_flops``: the attention's own format, step.OpLatency.attn_peak; ``mla``: MLA layers' kernel)."""
    if flops == 0:
        return 0.0, ""
    eff, src = prof.prefill_attention_efficiency(max(isl, 1), mla)
    return max(flops / (peak_flops * max(eff, 1e-3)), prof.fb["attention_floor_us"] * 1e-6 * layers), src
