"""The wiring of issue 23's vLLM features into the vLLM engine: what the drafter and the LoRA
slots take of the GPU before the cache, the drafter's layers in the pool, and the CPU tier.
The rules themselves live in offload.py, speculative.py and lora.py."""
from __future__ import annotations

from ...model import dtypes
from ...errors import KvplanError
from ..base import BudgetPart
from . import lmcache, lora, offload, speculative

# num_nextn_predict_layers of the models vLLM serves with method "mtp" (their config.json)
MTP_LAYERS = {"deepseek-v3": 1, "deepseek-r1": 1}


def _one_layer_bytes(rank, lt: str) -> int:
    """One decoder layer of type ``lt`` on one GPU, in the checkpoint's formats (kvplan's own
    weight bytes: two layers minus one, so embeddings and head cancel)."""
    def b(n):
        d = {k: getattr(rank, k) for k in type(rank).model_fields}
        d.update(layer_types={lt: rank.layer_types[lt]}, pattern=f"{lt}*{n}", stored_weights=None)
        return type(rank).model_construct(**d).weight_bytes()[0]
    return b(2) - b(1)


def draft(model, rank, opts, tp: int, pp: int):
    sc = opts.speculative_config
    if sc is None or sc.method == "ngram":
        return None
    if pp > 1:
        raise KvplanError("kvplan prices a drafter at --pp 1 only")
    if sc.method == "eagle3":
        return speculative.eagle3(model, tp, pp, sc, rank.dtype)
    nextn = MTP_LAYERS.get(model.name, 0)
    if not nextn:
        raise KvplanError(f"kvplan knows no MTP layers for {model.name} (known: {', '.join(MTP_LAYERS)})")
    lt = rank.layers[-1]
    return speculative.mtp(model, rank, tp, pp, sc, _one_layer_bytes(rank, lt), lt, nextn)


def budget_parts(model, rank, opts, tp: int, pp: int, cfg=None) -> list[BudgetPart]:
    parts = []
    d = draft(model, rank, opts, tp, pp)
    if d is not None:
        parts.append(BudgetPart("draft", f"{d.method} drafter weights", d.weights_bytes,
                                "engines/vllm/speculative.py (llama_eagle3.py / deepseek_mtp.py, shared embedding "
                                "and head: llm_base_proposer.py)"))
    if opts.lora is not None:
        if pp > 1:
            raise KvplanError("kvplan prices LoRA slots at --pp 1 only")
        n, r, cpu = opts.lora
        s = lora.lora_slots(rank, tp, n, r, rank.dtype, model.vocab_size, cpu)
        parts.append(BudgetPart("lora", f"LoRA slots ({n} × rank {r})", s.bytes,
                                "engines/vllm/lora.py (lora/layers: create_lora_weights)"))
        if cfg is not None:
            parts.append(BudgetPart("lora_punica", "LoRA: punica wrapper's index tensors",
                                    lora.punica_bytes(cfg.max_num_batched_tokens, cfg.max_num_seqs, n),
                                    "engines/vllm/lora.py punica_bytes (lora/punica_wrapper: PunicaWrapperGPU)"))
    return parts


def draft_pages(eng, wspec, cfg, model_dtype: str, opts, last: bool) -> list:
    """The drafter's attention layers, in the same pool (get_kv_cache_spec over all layers)."""
    from .pages import page

    sc = opts.speculative_config
    if sc is None or sc.method == "ngram" or not last:
        return []
    model = getattr(eng, "model", None) or wspec
    fmt = dtypes.get(cfg.kv_format)
    if sc.method == "eagle3":
        dd = speculative.DRAFTS[sc.model]
        first = wspec.layer_types[wspec.layers[0]].mixer
        if first.head_dim != dd["head_dim"] or model.hidden_size != dd["target_hidden_size"]:
            raise KvplanError(f"{sc.model} does not match {model.name}'s attention")
        p = page(first, fmt, model_dtype, cfg)
        return [p] * dd["num_hidden_layers"]
    nextn = MTP_LAYERS.get(model.name, 0)
    p = page(wspec.layer_types[wspec.layers[-1]].mixer, fmt, model_dtype, cfg)
    return [q for _ in range(nextn) for q in (p if isinstance(p, tuple) else [p])]


def details(model, opts, top, block_size: int, tp: int, pp: int) -> dict:
    out = {}
    if opts.lmcache is not None or opts.kv_connector == "LMCacheConnectorV1" or (
            opts.kv_offloading_size is not None and opts.kv_offloading_backend == "lmcache"):
        out["cpu_offload"] = _lmcache(opts, top, block_size, tp, pp)
    elif opts.kv_offloading_size is not None:
        mla_only = all(g.page.kind == "mla" for g in top.groups)
        t = offload.plan_tier(opts.kv_offloading_size, opts.kv_offloading_backend, top.bytes_per_block,
                                   block_size, tp, pp, mla_only, opts.kv_connector_extra_config)
        out["cpu_offload"] = {f: getattr(t, f) for f in t.__record_fields__}
    sc = opts.speculative_config
    if sc is not None:
        out["speculative"] = {"method": sc.method, "num_speculative_tokens": sc.num_speculative_tokens,
                              "model": sc.model}
    return out


def _lmcache(opts, top, block_size: int, tp: int, pp: int) -> dict:
    """LMCache as the CPU tier (lmcache.py): one rank's bytes per token are its pool's bytes per
    block over the block size (LMCache's kv_shape holds the same layers, draft layers included)."""
    kinds = {g.page.kind for g in top.groups}
    if kinds != {"full"}:
        raise KvplanError(f"kvplan models LMCache for full-attention models only; this one has "
                          f"{', '.join(sorted(kinds))} layers")
    cfg, world = opts.lmcache or lmcache.LMCacheConfig(), tp * pp
    per_token = top.bytes_per_block // block_size
    if opts.kv_connector == "LMCacheConnectorV1":
        t = lmcache.in_process(cfg, per_token, world)
    else:
        if cfg.l1_size_gb is not None:
            l1, note = int(cfg.l1_size_gb * lmcache.GiB), "L1 from --lmcache-config l1_size_gb (the server's --l1-size-gb)"
        else:
            l1 = opts.kv_offloading_size
            note = ("vLLM 0.33 does not pass --kv-offloading-size to LMCache (config/vllm.py "
                    "_post_init_kv_transfer_config): kvplan takes it as the server's L1; start "
                    f"`lmcache server --l1-size-gb {l1 / lmcache.GiB:g}` to match")
        t = lmcache.multi_process(cfg, per_token, world, l1, note)
    return {"backend": "lmcache", "lmcache_version": lmcache.VERSION,
            **{f: getattr(t, f) for f in t.__record_fields__}}
