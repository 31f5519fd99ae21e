"""Step time per operation: GEMMs, attention, MoE, all-reduce, per-step engine overhead.

``kvplan.plan.perf.Roofline`` says what a forward pass moves and computes; this package says how
long each operation of it takes on a given GPU under a given engine, from efficiencies stored
as data (``data/``), each with the table, datasheet or fit it came from:

* ``gemm``: one linear layer, by shape (M tokens × N × K) and weight format: the weight-streaming
  regime at small M (scales counted, dequantization priced), the tensor-core regime at large M;
* ``attention``: the decode kernel's K/V read by batch × context × GQA ratio, and the prefill
  kernel's FLOPs by prompt length;
* ``moe``: distinct experts a pass reads, E·(1 − (1 − k/E)^T), and the tokens each one gets (under
  expert parallelism a rank's E/EP share, T being all data-parallel ranks' tokens);
* ``comm``: each all-reduce's time by message size on a measured curve (the engine's kernel or NCCL, by
  size and topology), one per mixer and per MLP under TP;
  and per all-to-all, a dispatch and a combine per MoE layer under expert parallelism;
* ``overhead``: per-step engine cost by engine and CUDA graphs on/off, growing with layers and
  batch, plus logits and sampling.

``profile.Profile`` holds one (GPU, engine) pair's constants; ``step.OpLatency`` composes the
pieces into a step with the same interface as ``Roofline`` (decode, prefill, mixed, mixed_sum),
which ``kvplan perf`` and ``kvplan simulate`` use. GPUs without measured tables take the physics
fallback (datasheet bandwidth and peak at stated efficiencies) and say so in every op's source.
"""
