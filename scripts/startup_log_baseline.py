"""kvplan's KV budget against every public start-up log, held-out half first (issue 20).

    python scripts/startup_log_baseline.py > docs/startup-logs.md

Data: tests/data/vllm_startup_logs.json and sglang_startup_logs.json (URL, the lines copied,
the inputs kvplan is given), split by tests/data/startup_logs_split.json (scripts/
startup_log_split.py, seeded, committed before this script computed an error). For each scored
row kvplan plans the model, GPU and flags the log states, through the same path as
`kvplan check-log` (kvplan.observe.log_flags.vllm_fit; for SGLang, plan.fit.fit with engine "sglang"
as kvplan.observe.log_flags._sglang_fit does, plus the weight format) and reports its KV budget per GPU
beside the log's, and whether it says "fits" where the engine refused. Nothing here changes a
constant; tests/plan/test_startup_log_baseline.py checks that the doc is this script's output.
"""
from __future__ import annotations

import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import startup_log_split  # noqa: E402

from kvplan.errors import KvplanError  # noqa: E402

SPLIT = ROOT / "tests" / "data" / "startup_logs_split.json"
GiB = 2**30
# Round 2's logs (startup_log_split.ROUND_2) stay out of this doc until the constants are frozen, so
# that no round-2 held-out error is computed before then.
ROUND_2_SHOWN = True  # constants frozen at commit dddb8b9; round 2's held-out errors first computed after it
# Round 3's logs (startup_log_split.ROUND_3) stay out until round 3's held-out figures are printed once,
# with the model as it stood when the split was committed.
ROUND_3_SHOWN = True  # split committed at 646a799; round 3's held-out errors first computed after it
# Round 4's logs (startup_log_split.ROUND_4) stay out until round 4's held-out figures are printed once,
# with the model as it stood when the split was committed.
ROUND_4_SHOWN = True  # split committed at da981f0; round 4's held-out errors first computed after it
# Round 5's logs (startup_log_split.ROUND_5) stay out until round 5's held-out figures are printed once,
# with the model as it stood when the split was committed.
ROUND_5_SHOWN = True  # split committed at c307c2f (first as aeb231a on 76e472d, rebased onto main 266c5a7 unchanged); round 5's held-out errors first computed after it
# Round 6's logs (startup_log_split.ROUND_6) stay out until round 6's held-out figures are printed once,
# with the model as it stood when the split was committed.
ROUND_6_SHOWN = True  # split committed at 992da5c; round 6's held-out errors first computed after it
# Round 7's logs (startup_log_split.ROUND_7) stay out until round 7's held-out figures are printed once,
# with the model frozen after the fit-side work.
ROUND_7_SHOWN = True  # split committed at 3cb7790 (first as 7a04314, rebased onto main 7e663c0 unchanged); round 7's held-out rows first printed after 79a109b and 7147b4c
# Round 8's logs (startup_log_split.ROUND_8) stay out until round 8's held-out figures are printed once,
# with the model as it stands when the split is committed (no constant or code of the model changes in round 8).
ROUND_8_SHOWN = True  # split committed at 0b5fba9 (first as 4b1863b, rebased onto main ad45e2a unchanged); round 8's held-out rows first printed after it
# Round 9's logs (startup_log_split.ROUND_9) stay out until round 9's held-out figures are printed once,
# with the model as it stands when the split is committed (no constant or code of the model changes in round 9).
ROUND_9_SHOWN = True  # split committed at 570f324; round 9's held-out rows first printed after it
# Round 10's logs (startup_log_split.ROUND_10) stay out until round 10's held-out figures are printed once,
# with the model as it stands when the split is committed (no constant or code of the model changes in round 10).
ROUND_10_SHOWN = True  # split committed at 0b9b868, its second pass (batch r10b) at 6be3bfc; round 10's rows first printed after them
# Round 11's logs (startup_log_split.ROUND_11) stay out until round 11's held-out figures are printed once,
# with the model as it stands when the split is committed (no constant or code of the model changes in round 11).
ROUND_11_SHOWN = True  # split committed at ec35d0e; round 11's rows first printed after it
# Round 12's logs (startup_log_split.ROUND_12) stay out until round 12's held-out figures are printed once,
# with the model as it stands on the branch when the split is committed (no constant or code of the model changes
# in round 12).
ROUND_12_SHOWN = True  # split committed at 8a06775; round 12's rows first printed after it
# Round 13's logs (startup_log_split.ROUND_13) stay out until round 13's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 13).
ROUND_13_SHOWN = True  # split committed at c47c82b; round 13's rows first printed after main (bffbeb8) was merged
# Round 14's logs (startup_log_split.ROUND_14) stay out until round 14's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 14).
ROUND_14_SHOWN = True  # split committed at adc62b1; round 14's rows first printed after main was merged
# Round 15's logs (startup_log_split.ROUND_15) stay out until round 15's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 15).
ROUND_15_SHOWN = True  # split committed at 4b2a2d5; round 15's rows first printed after main (ab3aa59) was merged
# Round 16's logs (startup_log_split.ROUND_16) stay out until round 16's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 16).
ROUND_16_SHOWN = True  # split committed at 6789120; round 16's rows first printed after main (5a4c935) was merged
# Round 17's logs (startup_log_split.ROUND_17) stay out until round 17's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 17).
ROUND_17_SHOWN = True  # split committed at 9ee2a80; round 17's rows first printed after main (3e80af0) was merged
# Round 18's logs (startup_log_split.ROUND_18) stay out until round 18's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 18).
ROUND_18_SHOWN = True  # split committed at 5e2075f; round 18's rows first printed after main (f44d1fb) was merged
# Round 19's logs (startup_log_split.ROUND_19) stay out until round 19's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 19).
ROUND_19_SHOWN = True  # split committed at 39c8726 (second pass r19b at a6df206); round 19's rows first printed after main (ad0fa3e, st20fix's b5b8b9e included) was merged
# Round 20's logs (startup_log_split.ROUND_20) stay out until round 20's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 20).
ROUND_20_SHOWN = True  # split committed at da91230 (second pass r20b at 556bda2, third r20c at 4ce22f5); round 20's rows first printed after main (a476bc6: st20fix, the sampler warm-up 0bc0f0b and st20sm included) was merged
# Round 21's logs (startup_log_split.ROUND_21) stay out until round 21's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 21).
ROUND_21_SHOWN = True  # split committed at 0bad3b6 (compile states b76d70b); round 21's rows first printed after main (c7de921) was merged
# Round 22's logs (startup_log_split.ROUND_22) stay out until round 22's held-out figures are printed once,
# with the model as it stands on the branch after main is merged (no constant or code of the model changes
# in round 22).
ROUND_22_SHOWN = True  # split committed at b15a325 (compile states ae4f602, second pass r22b cf12ea5); round 22's rows first printed after main (1497af9) was merged
ROUND_SIDES = ("held-out (round 22)", "held-out (round 21, seen)", "held-out (round 20, seen)", "held-out (round 19, seen)", "held-out (round 18, seen)",
         "held-out (round 17, seen)", "held-out (round 16, seen)", "held-out (round 15, seen)",
         "held-out (round 14, seen)", "held-out (round 13, seen)", "held-out (round 12, seen)",
         "held-out (round 11, seen)", "held-out (round 10, seen)", "held-out (round 9, seen)", "held-out (round 8, seen)",
         "held-out (round 7, seen)", "held-out (round 6, seen)", "held-out (round 5, seen)", "held-out (round 4, seen)",
         "held-out (round 3, seen)", "held-out (round 2, seen)", "held-out (round 1, seen)", "fit (round 22)",
         "fit (round 21)",
         "fit (round 20)",
         "fit (round 19)", "fit (round 18)", "fit (round 17)",
         "fit (round 16)", "fit (round 15)", "fit (round 14)", "fit (round 13)", "fit (round 12)", "fit (round 11)",
         "fit (round 10)", "fit (round 9)", "fit (round 8)", "fit (round 7)", "fit (round 6)", "fit (round 5)",
         "fit (round 4)", "fit (round 3)", "fit (round 2)", "fit")
# Rows made scorable by session 18's catalog additions (issue 20: Qwen2.5-3B, the A40; "scored_since" starting
# "session 18"): their URLs keep their round's side in the split, but they are shown apart, on the side their
# URL holds, until they count as seen; no constant was tuned on them.
FIRST_SCORED_18 = ("first scored, session 18 catalog: held-out side", "first scored, session 18 catalog: fit side")
SIDES = ROUND_SIDES + FIRST_SCORED_18


def _side(url: str) -> str:
    s = json.loads(SPLIT.read_text())
    rounds = [s.get(f"round_{i}", {}) for i in range(22, 1, -1)]
    for i, r in enumerate(rounds):
        if url in r.get("held_out_urls", ()):
            return ROUND_SIDES[i]
        if url in r.get("fit_urls", ()):
            return ROUND_SIDES[len(rounds) + 1 + i]
    return (ROUND_SIDES[len(rounds)] if url in s["held_out_urls"] else ROUND_SIDES[-1] if url in s["fit_urls"]
            else "?")


def _shown_side(e: dict) -> str:
    """The side a row is shown on: its URL's (_side), or, for a row first scored after session 18's
    catalog additions, that group's, on the same half."""
    side = _side(e["url"])
    if str(e.get("scored_since", "")).startswith("session 18 (issue 20, st20cat)") and startup_log_split.scored(e):
        return FIRST_SCORED_18[0 if side.startswith("held-out") else 1]
    return side


# the parallel flags a log states (its "flags"), passed as `kvplan fit` takes them where the row's kvplan
# inputs do not already say them: vLLM's --data-parallel-size / --enable-expert-parallel /
# --all2all-backend, SGLang's --dp-size / --ep-size / --enable-dp-attention / --enable-ep-moe
PARALLEL = {"vllm": ("data_parallel_size", "enable_expert_parallel", "all2all_backend"),
            "sglang": ("dp_size", "ep_size", "enable_dp_attention", "enable_ep_moe", "attn_dp_size")}


def _inputs(e: dict, engine: str) -> dict:
    k = dict(e["kvplan"])
    if engine == "vllm":  # the release decides the profile run's model runner
        # a log that names no release is not planned as kvplan's default (0.33.0): its runner is
        # not told (engines/vllm/startup.py model_runner), so the V1 sampler is charged, at risk
        k.setdefault("vllm_version", e.get("vllm_version") or "not given")
    for key in PARALLEL[engine]:
        if k.get(key) is None and (e.get("flags") or {}).get(key) is not None:
            k[key] = e["flags"][key]
    if engine == "vllm" and (e.get("flags") or {}).get("language_model_only"):
        # vLLM's --language-model-only sets every modality's limit to 0, so the towers are not built
        # (model_executor/models/interfaces.py _mark_tower_model, read in the 0.29.0 wheel): `kvplan fit --text-only`
        k.setdefault("text_only", True)
    return k


def _model(k: dict):
    """The row's model: a catalog name, or a config.json stored beside the data (a path from the root)."""
    from kvplan.observe import launch

    m = k["model"]
    return launch.row_spec({**k, "model": str(ROOT / m)} if m.endswith(".json") else k)


def _vllm(k: dict):
    """Through kvplan.api.fit, as `kvplan fit` plans it, with check-log's reading of vLLM's flags."""
    from kvplan import api
    from kvplan.observe import log_flags

    spec = _model(k)
    tp, kvd, opts = log_flags.vllm_plan_args(spec, k)
    return api.fit(spec, k["gpu"], tp=tp, engine="vllm", kv_dtype=kvd, weight_dtype=k.get("weight_dtype"),
                   text_only=bool(k.get("text_only")), options=opts)


def _sglang(k: dict):
    """Through kvplan.api.fit, with check-log's reading of SGLang's flags (observe/log_flags.py sglang_options)."""
    from kvplan import api
    from kvplan.observe import log_flags

    opts, tp, kvd = log_flags.sglang_options({**k, "tp_size": k.get("tp")})
    return api.fit(_model(k), k["gpu"], tp=tp, engine="sglang", kv_dtype=kvd, weight_dtype=k.get("weight_dtype"),
                   options=opts)


def _trtllm(k: dict):
    """TensorRT-LLM's PyTorch backend (engines/trtllm.py): free_gpu_memory_fraction as the utilization;
    the row's release (engines/trtllm.py pool_from_max_tokens: before 1.1.0 the pool is sized from the
    estimate's token count), a row that names none planned as the cautious side ("not given")."""
    from kvplan.engines.base import ServeOptions
    from kvplan.plan import fit
    from kvplan.sources import catalog

    opts = ServeOptions(gpu_memory_utilization=k.get("free_gpu_memory_fraction"),
                        max_num_batched_tokens=k.get("max_num_tokens"),
                        trtllm_version=k.get("trtllm_version") or "not given")
    # _model: a catalog name, or a config.json stored beside the data (as the vLLM and SGLang rows read it)
    return fit.fit(_model(k), catalog.load_gpu(k["gpu"]), tp=k.get("tp") or 1, engine="trtllm",
                   weight_dtype=k.get("weight_dtype"), kv_dtype=k.get("kv_cache_dtype"), opts=opts)


def _log_kv(e: dict) -> float | None:
    """The log's KV budget per GPU in GiB: vLLM's available KV memory, SGLang's K + V pool."""
    return e.get("available_kv_cache_gib") if e.get("engine") != "SGLang" else e.get("kv_pool_gib")


def _log_kv_from_tokens(e: dict, cap) -> float | None:
    """A started vLLM log's KV budget in GiB from its own "GPU KV cache size" tokens where it prints
    no GiB line (vLLM 0.9.0 and earlier): tokens ÷ block size × bytes a block, read from kvplan's
    layout where that layout is one group of full-attention layers (one page size, so the tokens are
    num_gpu_blocks × block size; vLLM sizes num_gpu_blocks = budget // bytes a block, so the budget
    lies within one block, here 2 MiB, above this figure). None for any other row."""
    d = getattr(cap, "detail", None) or {}
    groups = d.get("groups") or []
    tokens, bs, bpb = e.get("kv_cache_tokens"), d.get("block_size"), d.get("bytes_per_block")
    if (e.get("engine") in ("SGLang", "TRT-LLM", "V0") or e.get("refused") or not tokens or not bs or not bpb
            or len(groups) != 1 or groups[0].get("kind") != "full" or tokens % bs):
        return None
    return tokens // bs * bpb / GiB


def rows() -> list[dict]:
    out = []
    for e in startup_log_split.all_logs():
        if e.get("batch") in startup_log_split.ROUND_2 and not ROUND_2_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_3 and not ROUND_3_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_4 and not ROUND_4_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_5 and not ROUND_5_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_6 and not ROUND_6_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_7 and not ROUND_7_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_8 and not ROUND_8_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_9 and not ROUND_9_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_10 and not ROUND_10_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_11 and not ROUND_11_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_12 and not ROUND_12_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_13 and not ROUND_13_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_14 and not ROUND_14_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_15 and not ROUND_15_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_16 and not ROUND_16_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_17 and not ROUND_17_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_18 and not ROUND_18_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_19 and not ROUND_19_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_20 and not ROUND_20_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_21 and not ROUND_21_SHOWN:
            continue
        if e.get("batch") in startup_log_split.ROUND_22 and not ROUND_22_SHOWN:
            continue
        r = {"id": e["id"], "url": e["url"], "side": _shown_side(e), "engine": e.get("engine"),
             "version": e.get("vllm_version") or e.get("sglang_version") or e.get("trtllm_version"),
             "e": e, "log_kv": _log_kv(e),
             "refused": bool(e.get("refused")), "scored": startup_log_split.scored(e),
             "why_not": e.get("excluded") or e.get("kvplan_skip") or ("V0 engine: profiling not vLLM 0.33's"
                                                                      if e.get("engine") == "V0" else None),
             "kv": None, "kv_logw": None, "fits": None, "err_pct": None, "err_gib": None, "parts": {}}
        if r["scored"]:
            k = e["kvplan"]
            try:
                eng = {"SGLang": "sglang", "TRT-LLM": "trtllm"}.get(e.get("engine"), "vllm")
                rep = {"sglang": _sglang, "trtllm": _trtllm, "vllm": _vllm}[eng](
                    {**k, "trtllm_version": e.get("trtllm_version")} if eng == "trtllm" else _inputs(e, eng))
            except KvplanError as exc:  # kvplan cannot plan it: listed, not scored, never "fits"
                r.update(scored=False, why_not=f"kvplan cannot plan it: {exc}")
                out.append(r)
                continue
            cap = rep.capacity
            if e.get("engine") == "SGLang":
                cell = cap.detail.get("cell_size_bytes") or 0
                kv = cap.kv_cache_tokens * cell if rep.fits else min(s.kv_budget_bytes for s in rep.stages)
            else:
                kv = rep.kv_budget_bytes
            r["kv"] = kv / GiB
            # "fits" only where kvplan's answer is fits: "at risk" is not a promise (plan/verdict.py)
            r["fits"] = rep.verdict == "fits"
            r["verdict"] = rep.verdict
            st = max(rep.stages, key=lambda s: s.weights_bytes)
            r["parts"] = {p.key: p.bytes / GiB for p in st.budget}
            r["parts"]["weights"] = st.weights_as_loaded / GiB  # as loaded
            w_log = e.get("model_weights_gib") or e.get("weights_mem_usage_gib")
            if w_log is not None:
                r["kv_logw"] = r["kv"] + r["parts"]["weights"] - w_log
            if r["log_kv"] is None and (tok := _log_kv_from_tokens(e, cap)) is not None:
                r["log_kv"], r["log_kv_from_tokens"] = tok, True
            if r["log_kv"] is not None:
                r["err_gib"] = r["kv"] - r["log_kv"]
                if r["log_kv"] > 0 and not r["refused"]:
                    r["err_pct"] = 100 * r["err_gib"] / r["log_kv"]
        out.append(r)
    return out


def summary(rs: list[dict], side: str, engine: str | None = None) -> dict:
    s = [r for r in rs if r["side"] == side and r["scored"]
         and (engine is None or (r["engine"] == "SGLang") == (engine == "SGLang"))]
    errs = [abs(r["err_pct"]) for r in s if r["err_pct"] is not None]
    refused = [r for r in s if r["refused"]]
    return {"scored": len(s), "with_error": len(errs),
            "median_abs_err_pct": statistics.median(errs) if errs else None,
            "within_5pct": sum(x <= 5 for x in errs), "refused": len(refused),
            "refused_but_fits": sum(bool(r["fits"]) for r in refused),
            "too_generous": sum(r["err_pct"] > 0 for r in s if r["err_pct"] is not None)}


def _flags(e: dict) -> str:
    f, k = e.get("flags") or {}, e.get("kvplan") or {}
    out = []
    for key, short in (("gpu_memory_utilization", "gmu"), ("mem_fraction_static", "mfs"), ("max_model_len", "mml"),
                       ("max_num_batched_tokens", "mnbt"), ("max_num_seqs", "seqs")):
        v = f.get(key, k.get(key))
        if v is not None:
            out.append(f"{short} {v}")
    if f.get("enforce_eager") or k.get("enforce_eager"):
        out.append("eager")
    if f.get("enable_expert_parallel"):
        out.append("EP")
    if k.get("weight_dtype"):
        out.append(f"weights {k['weight_dtype']}")
    return ", ".join(out) or "-"


def _gpus(e: dict) -> str:
    n = e.get("num_gpus") or e.get("tp")
    par = [f"{x} {e[x]}" for x in ("tp", "pp", "dp", "ep") if isinstance(e.get(x), int) and e[x] > 1]
    card = (e.get('gpu') or '?').split(' (')[0]
    if n:  # a card text that names the count itself ("8x NVIDIA A100", "NVIDIA H100 x 8"): once, not twice
        card = re.sub(rf"^{n}\s*[x×]\s*|\s+[x×]\s*{n}(?=\s|$)", "", card, count=1)
    head = f"{n} × {card}" if n else f"{card}, how many not stated"
    return head + (f" ({', '.join(par)})" if par else "")


def _num(x, fmt="{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def table(rs: list[dict]) -> str:
    lines = ["| log | side | engine | GPUs | model | flags | log KV (GiB) | kvplan KV (GiB) | error | note |",
             "|---|---|---|---|---|---|---:|---:|---:|---|"]
    order = {**{k: i for i, k in enumerate(SIDES)}, "?": len(SIDES)}
    for r in sorted(rs, key=lambda r: (order[r["side"]], not r["scored"], r["url"], r["id"])):
        e = r["e"]
        name = r["engine"] if r["engine"] in ("SGLang", "TRT-LLM") else f"vLLM {r['engine']}"
        eng = f"{name} {r['version'] or '?'}"
        err = _num(r["err_pct"], "{:+.1f} %") if r["err_pct"] is not None else (
            _num(r["err_gib"], "{:+.2f} GiB") if r["err_gib"] is not None else "-")
        if not r["scored"]:
            note = f"not scored: {r['why_not']}"
        elif r["refused"]:
            note = ("**refused; kvplan says fits**" if r["fits"] else
                    f"refused; kvplan: {r['verdict'].replace('_', ' ')}") + \
                f" ({(e.get('refusal') or {}).get('kind', '')})"
        else:
            note = "" if r["verdict"] == "fits" else f"started; kvplan: {r['verdict'].replace('_', ' ')}"
        model = (e.get("model") or "?").replace("|", "/")
        lines.append(f"| [{r['id']}]({e.get('log_url') or r['url']}) | {r['side']} | {eng} | {_gpus(e)} | {model} | "
                     f"{_flags(e)} | {_num(r['log_kv'])}{' (tokens)' if r.get('log_kv_from_tokens') else ''} | {_num(r['kv'])} | {err} | {note.replace('|', '/')} |")
    return "\n".join(lines)


def headline(rs: list[dict]) -> str:
    out = ["| side | scored logs | with a KV figure | median \\|error\\| | within 5 % | kvplan too generous | "
           "refused | refused, kvplan says fits |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for side in SIDES:
        for engine in (None, "vLLM", "SGLang"):
            s = summary(rs, side, engine)
            if engine is not None and (s["scored"] == 0 or s["scored"] == summary(rs, side)["scored"]):
                continue  # an engine row only where the side holds both engines
            med = _num(s["median_abs_err_pct"], "{:.1f} %")
            name = side if engine is None else f"{side}: {engine}"
            out.append(f"| {name} | {s['scored']} | {s['with_error']} | {med} | {s['within_5pct']} of {s['with_error']} | "
                       f"{s['too_generous']} of {s['with_error']} | {s['refused']} | {s['refused_but_fits']} |")
    return "\n".join(out)


def _peak(p: dict) -> float | None:
    """kvplan's profile-run torch peak beside a log's: the activation part plus a charged cold compile
    (engines/vllm/compile_part.py), which lands in the same peak (utils/mem_utils.py memory_profiling)."""
    return None if p.get("activation") is None else p["activation"] + (p.get("torch_compile") or 0)


def terms(rs: list[dict]) -> str:
    """Where the log states a term, kvplan's figure beside it (GiB per GPU, log / kvplan)."""
    out = ["| log | side | weights | activation peak | non-torch | CUDA graphs | KV with the log's weights: error |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for r in rs:
        e, p = r["e"], r["parts"]
        if not r["scored"] or not any(e.get(x) is not None for x in ("model_weights_gib", "weights_mem_usage_gib",
                                                                       "activation_peak_gib", "non_torch_gib")):
            continue
        w = e.get("model_weights_gib") or e.get("weights_mem_usage_gib")
        pair = lambda a, b: f"{_num(a)} / {_num(b)}"  # noqa: E731
        e_lw = None
        if r["kv_logw"] is not None and r["log_kv"] and r["log_kv"] > 0 and not r["refused"]:
            e_lw = 100 * (r["kv_logw"] - r["log_kv"]) / r["log_kv"]
        out.append(f"| {r['id']} | {r['side']} | {pair(w, p.get('weights'))} | "
                   f"{pair(e.get('activation_peak_gib'), _peak(p))} | "
                   f"{pair(e.get('non_torch_gib'), p.get('non_torch'))} | "
                   f"{pair(e.get('cuda_graph_gib'), p.get('cuda_graphs'))} | {_num(e_lw, '{:+.1f} %')} |")
    return "\n".join(out)


def term_summary(rs: list[dict]) -> str:
    """Per term, over the scored logs that state it: median of kvplan − log (GiB per GPU)."""
    keys = (("weights", ("model_weights_gib", "weights_mem_usage_gib"), "weights"),
            ("activation peak", ("activation_peak_gib",), "activation"),
            ("non-torch", ("non_torch_gib",), "non_torch"))
    out = ["| term | side | logs stating it | median kvplan − log (GiB) | range (GiB) |", "|---|---|---:|---:|---|"]
    for name, fields, key in keys:
        for side in SIDES:
            d = []
            for r in rs:
                if r["side"] != side or not r["scored"]:
                    continue
                v = next((r["e"][f] for f in fields if r["e"].get(f) is not None), None)
                if v is not None and key in r["parts"]:
                    d.append((_peak(r["parts"]) if key == "activation" else r["parts"][key]) - v)
            if d:
                out.append(f"| {name} | {side} | {len(d)} | {statistics.median(d):+.2f} | "
                           f"{min(d):+.2f} to {max(d):+.2f} |")
    return "\n".join(out)


def first_scored_18(rs: list[dict]) -> str:
    """The rows first scored after session 18's catalog additions, per half, as summary() counts them."""
    out = []
    for side, half in zip(FIRST_SCORED_18, ("held-out", "fit")):
        x = summary(rs, side)
        med = _num(x["median_abs_err_pct"], "{:.1f} %")
        out.append(f"{half} {x['scored']} scored ({x['with_error']} with a KV figure, median |error| {med}, "
                   f"{x['within_5pct']} of {x['with_error']} within 5 %, {x['refused']} refused, "
                   f"{x['refused_but_fits']} called fits)")
    return "; ".join(out)


def format_additions(rs: list[dict]) -> str:
    """Session 18's paragraph on the rows first scored once kvplan priced their weight format (a row's
    ``scored_since`` naming session 18), their figures computed here and kept apart from every
    round's first print: no constant was tuned on them."""
    new = [r for r in rs if r["scored"] and "st20fmt" in (r["e"].get("scored_since") or "")]
    fit_side = [r for r in new if r["side"].startswith("fit")]
    held = [r for r in new if r["side"].startswith("held-out")]

    def line(side_rows: list[dict]) -> str:
        errs = [abs(r["err_pct"]) for r in side_rows if r["err_pct"] is not None]
        refused = [r for r in side_rows if r["refused"]]
        if not side_rows:
            return "none"
        med = f"median |error| {statistics.median(errs):.1f} %, " if errs else "no KV figure, "
        each = ", ".join(f"{r['err_pct']:+.1f} %" for r in side_rows if r["err_pct"] is not None)
        return (f"{len(side_rows)} rows ({each}): "
                f"{med}{sum(x <= 5 for x in errs)} of {len(errs)} within 5 %, {len(refused)} refusals, "
                f"{sum(bool(r['fits']) for r in refused)} called fits")
    w = [r for r in new if r["e"].get("model_weights_gib") and r["parts"].get("weights") is not None]
    wtxt = "; ".join(f"{r['id']}: kvplan {r['parts']['weights']:.2f} GiB as loaded vs {r['e']['model_weights_gib']:.2f} "
                     "logged" for r in w)
    return f"""**First scored after session 18's format additions, no constant tuned on them (issue 20, session
18; from code).** A row may now give its checkpoint's quantization_config beside a catalog model
(observe/launch.py row_spec reads it as a config.json's, sources/hfconfig/quant.py): AWQ as vLLM
0.28.0-0.33.0 allocate it (auto_awq.py create_weights: qweight int32 [in, out / 8], qzeros int32
[in / group, out / 8], scales 16-bit [in / group, out]; embeddings, LM head and norms 16-bit), and on
compute capability 8.x the Marlin repack keeps those byte counts (AutoAWQMarlinLinearMethod and
MarlinLinearKernel.process_weights_after_loading; Machete needs 9.0), so the stored bytes are the
bytes as loaded; on 9.0 Machete's 16-bit zero points are charged (engines/vllm/loaded.py
awq_machete_growth: 0.14 GiB for Qwen3-14B-AWQ on one H100), which no log tests yet.
Qwen/Qwen3-14B-AWQ's config (bits 4, group 128, every decoder linear) is Qwen's AWQ releases' and
is checked by its own log's "Checkpoint size: 9.29 GiB" (kvplan 9.29 GiB stored; group 64 would be
9.53). These rows' URLs keep their sides; no constant changed and none was fitted on them.
Weights: {wtxt or "no newly scored row states them"}.
Fit side: {line(fit_side)}.
Held-out side: {line(held)}.
Still unscored, with the reason in the table: the four L4 arms of the same post (flags
not given), the GPTQ-Int4 row (its quantization_config not found at a public source; vLLM 0.8.5's
gptq_marlin empties qzeros and g_idx after loading, which kvplan does not yet price) and the LoRA rows
(their cards are not named; the LoRA slots, engines/vllm/lora.py, and now the punica wrapper's index
tensors, lora.py punica_bytes from vLLM 0.21.0, 0.29.0 and 0.33.0's lora/punica_wrapper, are priced, and
check-log reads --enable-lora / --max-loras / --max-lora-rank, vLLM's defaults 1 and 16)."""


COMPILE = ROOT / "tests" / "data" / "vllm_startup_compile.json"


def _half(side: str) -> str:
    """fit, seen or held-out (unseen) for the compile table: a first-scored row counts on its URL's half."""
    if side.startswith("fit") or side.endswith("fit side"):
        return "fit"
    return "seen" if "seen" in side else "held-out"


def compile_table(rs: list[dict]) -> str:
    """kvplan's signed KV error on the scored vLLM logs with a KV figure, by how each start-up compiled
    (tests/data/vllm_startup_compile.json: eager, a cold compile in the profile run, a warm cache;
    "not stated" where the log does not say) and half."""
    state = {x["id"]: x["state"] for x in json.loads(COMPILE.read_text())["logs"]}
    out = ["| compile | half | logs | median error | median abs | within 5 % | too generous | errors (%) |",
           "|---|---|---:|---:|---:|---:|---:|---|"]
    for st in ("eager", "cold", "warm", None):
        for half in ("fit", "seen", "held-out"):
            d = sorted(r["err_pct"] for r in rs if r["scored"] and r["err_pct"] is not None
                       and r["engine"] not in ("SGLang", "TRT-LLM") and state.get(r["id"]) == st
                       and _half(r["side"]) == half)
            if d:
                a = [abs(x) for x in d]
                out.append(f"| {st or 'not stated'} | {half} | {len(d)} | {statistics.median(d):+.1f} % | "
                           f"{statistics.median(a):.1f} % | {sum(x <= 5 for x in a)} | {sum(x > 0 for x in d)} | "
                           + ", ".join(f"{x:+.1f}" for x in d) + " |")
    return "\n".join(out)


def doc() -> str:
    rs = rows()
    n_all = len(rs)
    return f"""# kvplan's start-up budget against public start-up logs

<!-- generated by `python scripts/startup_log_baseline.py > docs/startup-logs.md`; do not edit -->

{n_all} start-up logs of vLLM (V1 era, plus a few V0 and pre-0.8 rows kept for the record), SGLang
and TensorRT-LLM, posted by users in GitHub issues, pull requests, READMEs and blogs, each with its URL
and the lines copied from it (tests/data/vllm_startup_logs.json, sglang_startup_logs.json,
trtllm_startup_logs.json).
A row is scored when kvplan is given its model, GPU and flags and the engine is one kvplan follows;
the others stay listed with the reason. The split into fit and held-out halves is by URL, seeded
and committed before any error below was computed (tests/data/startup_logs_split.json,
scripts/startup_log_split.py); the logs kvplan's current defaults were fitted to are all on the
fit side.

**Twenty-two rounds.** Round 1's held-out figures (64 logs, seed 2020261206) were seen while kvplan's
start-up model was built, so they are labelled "seen" below. Round 2 (batch 2026-12-06-r2, seed
2020261208) was split before any change; one constant then changed on its fit side only (SGLang's
memory used before its baseline on one GPU, engines/sglang_startup.py PRE_LOAD_TP1), and round 2's
held-out errors were computed once, after that commit. Round 3 (batch 2026-12-06-r3, seed
2020261209) was split and committed (646a799) before any change and printed once (e448aaa): 1 scored
log, +3.5 %. After that, two things were looked at on the fit side and in vLLM's code only (no
constant changed; commit 9135ddb): the Qwen3-32B refusal at max-model-len 40,960 on one H100 is
what vLLM 0.33's profile run (v1/worker/gpu_model_runner.py profile_run) implies, and data
parallelism without expert parallelism now charges the profile run's all-gather of the MoE rows
(engines/vllm/ep_buffers.py, an estimate no log tests yet). Rounds 2 and 3 are "seen" from round 4 on.

Round 4 (batch 2026-12-06-r4, seed 2020261210) was split and committed (da981f0) before any change,
and its held-out figures below were printed once with the model as it stood then. **Round 4's
held-out half holds no scored log**: its 4 URLs hold 5 rows (4 vLLM refusals at start-up, vLLM
0.8.0 to 0.10.x, and a gpt-oss-120b blog log) that lack the card, the utilization or a checkpoint format kvplan
prices (AWQ), and are listed with the reason. Its one scored log (Qwen3-235B-A22B FP8, TP 8 with
expert parallelism on 8 L40S, vLLM 0.10.2: kvplan +7.4 %, too generous) fell on the fit side by the
seeded rule. The search tool's issue and page corpora returned mostly threads already in the data;
no TensorRT-LLM and no new SGLang log was found. So the 80 % target still rests on a handful of
logs.

Round 5 (batch 2026-12-06-r5, seed 2020261211) was collected after the CUDA-total changes below,
split and committed (aeb231a, on 76e472d; rebased onto main as c307c2f, no figure moved) before
kvplan's figure for any round-5 log was computed, and its held-out figures below were printed once
with the model as it stood then (no constant or code of the
model changed in round 5; the doc script gained a TensorRT-LLM path, which no scored row uses). It adds
9 rows from 9 URLs, the first TensorRT-LLM row among them (tests/data/trtllm_startup_logs.json), and
**its held-out half holds one scored log**: gpt-oss-120b at TP 8 on 8 × B200 with an fp8 KV cache
(vllm#30919, a Dec 2025 main build), kvplan 145.53 GiB against the log's 140.97 (+3.2 %, too
generous; the engine sized its budget and then stopped on an attention-backend error, not for memory).
The other 8 rows are listed with the reason: the card or the utilization not stated (LMCache#1739,
recipes#381, the MiMo-V2-Flash SGLang log of sglang#18039), an EAGLE draft sharing the pool with no
launch command (vllm#19996), GH200 not in kvplan's GPUs (vllm#44376), DP 8 + EP runs of DeepSeek-V4
with no GiB line read and data parallelism not passed by the scoring path (vllm#51454, recipes#381), a
patched SGLang build whose pool fails the version rule (sglang#18263) and a TensorRT-engine-backend
log (TensorRT-LLM#4275; kvplan models the PyTorch backend). A full vLLM 0.10.2 log of
Qwen3-Next-80B-A3B on 2 × H200 (TP 2, 44.59 GiB) was found with find_string but not added: the tool
gave no repository or URL for it. No DP+EP, MoE-with-EP, SGLang or TensorRT-LLM log is scored yet, so
those paths still rest on no held-out evidence.

Round 6 (batch 2026-12-06-r6, seed 2020261212) was collected in session 9 after the DP/EP change to
the scoring path and the diagnosis below (no constant or code of the model changed), split and committed
(992da5c) before kvplan's figure for any round-6 log was computed, and printed once with the model as it
stood then. The search tool (corpora issues and pages; queries on SGLang's "KV Cache is allocated",
"max_total_num_tokens" and "Memory pool end", TensorRT-LLM's "Allocated ... GiB for max tokens in paged
KV cache", vLLM's "Available KV cache memory", "GPU KV cache size" and "Model loading took", DP/EP
launches of DeepSeek and Qwen3 MoE) returned mostly threads already in the data. It adds 6 rows from 6
new URLs, **none scorable, so round 6's held-out half (3 rows: TensorRT-LLM#1400, sglang#23933,
vllm-gguf-plugin#101) holds no scored log**: two TensorRT-engine-backend logs of 2023-24 (TensorRT-LLM#224
and #1400), a DP-attention launch of DeepSeek-V4-Pro on 16 × H20 and a DeepSeek-V4-Flash summary on 8 ×
L20 that state tokens, not GiB, for a layout kvplan's SGLang path does not model (sglang#23933, #28620),
an SGLang DeepSeek-V3 log without its card or fraction (sglang#4161) and a GGUF-plugin launch cut before
its memory lines (vllm-gguf-plugin#101). Threads seen but not added: ovg-project/kvcached#101
(kvcached-patched engines, like kvcached#210, figures in a table not read), vllm#5248 and
deepseek-ai/DeepSeek-V2#83 (V0-era), vllm#17327 (the same user's log as vllm#17469), club-3090#1047
(a Qwen3.8 preview, not in the catalog), robotmunki.com's annotated Gemma 4 31B NVFP4 log (lines not in the
read excerpt). So the held-out evidence is still the 13 first prints below.

Round 7 (batch 2026-12-06-r7, seed 2020261213) was collected in session 10 with the search tool (corpora
issues and pages: vLLM's "Available KV cache memory", "GPU KV cache size", "Model loading took", its
start-up refusals and the "Free memory on device" breakdown, V0's profiling lines, SGLang's "KV Cache is
allocated", "Load weight end" and "max_total_num_tokens=", model-by-model queries for Llama 3.1/3.3,
Qwen2.5/3, gpt-oss, Gemma 3, DeepSeek-R1/V3 on H100, H200, A100, L4 and RTX cards, and Chinese-language
pages), split and committed (3cb7790; 7a04314 before a rebase onto main that changed no file of it)
before kvplan's figure for any round-7 log was computed, and printed once, first here, on 2026-12-06 with
the model frozen after two changes made on the fit side and in the engines' code only: DeepSeek-family
keys a config.json leaves out now take transformers 5.20.2's class defaults (79a109b; no scored row's
model lacks them, so no figure moved) and check-log reads V0 worker.py's two other budget formats
(7147b4c; found on round 7's fit-side V0 rows). The tool's corpora are close to exhausted for this: most
hits were threads already in the data or logs of models, cards or forks kvplan does not plan. It adds 11
rows from 10 new URLs, **none scorable, so round 7's held-out half (5 URLs, 6 rows) holds no scored
log**: LMCache#1435 (Qwen3-Coder-480B FP8, DP 8 + EP on 8 × H200, launch lines only), sglang#11309
(DeepSeek-V3.2-Exp with DP attention on 8 × B200, no "Load weight" line to check the version rule, its
indexer pool left out of the logged size on main), vllm#12568 (Llama-Guard-3-8B, card and error not in
the excerpt), vllm#17238 (a refusal of Qwen2.5-32B INT8-W8A16 at TP 2 on two RTX 3090s, an INT8
weight-only checkpoint kvplan does not price) and vllm#26612 (Qwen3-VL-30B-A3B on an A800, a refusal
after 13.69 GiB). The fit half (5 URLs): GLM-4.7-FP8 at PP 8 on A100s (vllm#32105, model not in the
catalog), a Xinference refusal without its model (xinference#4926), ktransformers' SGLang with Qwen3.5 on
two RTX 4090s (ktransformers#1870), and two V0 logs kept for the record (vllm#10511, vllm#16570). Threads
seen but not added: vllm#11550, #12126, #13882, #14447 (V0, model or card missing), vllm#35854 and
club-3090#1139 (Qwen3.5/3.8 previews), vllm#49011 (an nvfp4-KV prototype), 1CatAI/1Cat-vLLM#237 (an SM70
fork), lemonade-sdk/vllm-rocm#5 (a gfx1151 APU), MiaAI-Lab/GLM-5.3-Flash-EXL3-2x-DGX-Sparks#204 (EXL3 on
GB10, as that repository's PR #25), find_string hits whose files name no repository (no URL to cite).

Round 8 (batch 2026-12-06-r8, seed 2020261214) was collected in session 11 by another route: find_string on
the engines' exact lines ("Available KV cache memory: N" for each leading digit, "Model loading took 14.99 /
15.27 GiB", "KV Cache is allocated. #tokens:", "max_total_num_tokens=", TensorRT-LLM's "Memory usage when
calculating max tokens") and find_files on committed log names (vllm.log, vllm_server.log,
logs/vllm_server.log), each hit attributed by fetching its repository and reading the file at a commit
(every URL below is a GitHub blob URL with that commit). It was split and committed (0b5fba9; 4b1863b
before a rebase onto main that changed no file of it) before kvplan's figure for any round-8 log was
computed, and printed once, first here, on 2026-12-06, with the model as it stood then (no constant or code of the model changed in round 8; the doc script only learned
the round). It adds 9 rows from 8 new URLs, the first TensorRT-LLM PyTorch-backend log among them.
**Round 8's held-out half (3 URLs, 4 rows) holds 2 scored logs and 1 scored refusal**, as first printed:
Qwen2.5-14B-Instruct on one H100 80GB HBM3, vLLM 0.21.0, gmu 0.9, mml 4,096
(llm-inferno/server-sim's committed calibration lines): kvplan 41.80 GiB against 41.43, +0.9 %; and
nvidia/Llama-3.3-70B-Instruct-FP8 with an fp8 KV cache on one H100, gmu 0.95, mml 32,000, 8 sequences
(aihpi/litellm-k8s's deployment walk-through, image latest-cu130 of Feb 2026): kvplan 5.90 GiB against
5.11, +15.4 % (0.79 GiB too generous; weights agree, 67.69 / 67.7 GiB, so the activation peak and
non-torch memory kvplan charges, 1.56 GiB, are 0.78 GiB under what the log leaves for them: the term
found low on the llm-d H100 rows in the diagnosis below); the same doc's first launch at the model's 131,072 tokens,
refused for 20.0 GiB of KV against 5.11, kvplan "does not fit" (+0.79 GiB). The ModelOpt FP8 checkpoint
(per-tensor scales) is priced as FP8-dynamic (per-channel scales, about 0.03 GiB more) and the H100's
form factor is not stated (priced as SXM). Listed: a Qwen2.5-14B AWQ log on an RTX A5000 (kumaxxp/duo-talk;
AWQ not priced, card not in kvplan's GPUs). The fit half (5 URLs, 5 rows): Llama-3.1-8B on a Colab L4,
vLLM 0.11.0 (abinavChandar/demo_env_l4; the card named by the repository, not the log), +1.1 % and "at
risk"; Meta-Llama-3-8B on one H200 with vLLM 0.11.2, +0.7 %, and with TensorRT-LLM 1.2.0rc4's PyTorch
backend, +1.2 % (faradawn/bench3: the first scored TensorRT-LLM row); two vLLM 0.9.2 logs of Qwen3-14B and
Qwen2.5-14B at TP 4 on four PCIe-only cards whose name neither the log nor the repository gives
(jyngjeon/multiagentsdebate), listed. Seen but not added: a vLLM 0.19.1 Qwen3-8B log on an A100 40GB that
now fills round 3's tokenkaki file (the same URL, already used); a vLLM 0.15.1 log in
igabhix001/Finetuning_LLama (round 2's URL is that repository); an RTX 5090 Qwen3-8B run of vLLM 0.24.0
that states tokens only (89,040, then 95,936 on a later boot of the same command) in a file whose
repository was not found; a Qwen2.5-7B log on a card of compute capability below 8 that is not named
(wangpeiwen/gpu-util-interference); find_string hits whose files name no repository (no URL to cite).

Round 9 (batch 2026-12-06-r9, seed 2020261215) was collected in session 12 with find_files on committed
log names (vllm.log, logs/vllm.log, vllm_server.log, logs/vllm_server.log, vllm_serve.log,
logs/vllm_serve.log, sglang.log, vllm_output.log, vllm.out, vllm-server.log, vllm_log.txt): every
repository the index lists under those names was fetched and its files searched for the engines' lines
("Available KV cache memory", "GPU KV cache size", "KV Cache is allocated", "No available memory for the
cache blocks"), so each row is a GitHub blob URL at the commit read; the card is the one the log names
(a fused-MoE config lookup such as device_name=NVIDIA_H100_80GB_HBM3) or, where it does not, the
repository's own words. find_string on the same lines ("Available KV cache memory:", "Model loading
took", "KV Cache is allocated. #tokens", "max_total_num_tokens=", "Memory profiling takes") and the
search tool (corpus issues) were tried first; their hits were tutorials, parsers, NPU logs or files whose
repository could not be named (no URL to cite), and the issue threads found were already in the data
(vllm#21348, #27508, #51041) or listed in round 6 (kvcached#101), so none was added. It was split and
committed (570f324) before kvplan's figure for any round-9 log was computed, and printed once, first
here, on 2026-12-06, with the model as it stood on main at 1e75dff (no constant or code of the model
changed in round 9; the doc script only learned the round). It adds 66 rows from 66 URLs in 30
repositories: 11 scored, 55 listed with the reason. **Round 9's held-out half (19 URLs, 6 scored rows)
holds 5 scored logs and no refusal**, as first printed: Llama-3.1-8B on an A100 80GB (vLLM 0.17.1, mml
32,768; LzyFischer/MemSuit, the card named "A100" by the README and 80 GB because 40 GB cannot hold the
logged weights and KV): kvplan 54.94 GiB against 55.79, -1.5 %; Qwen3-30B-A3B at TP 2 on H100 80GB HBM3
(0.12.0, mml 40,960, 64 sequences; Zzsf11/VideoCuttingAgent): 41.79 against 41.68, +0.3 %;
Qwen3-235B-A22B-FP8 at TP 8 with expert parallelism and an fp8 KV cache on H100 80GB HBM3 (0.10.0;
DaisukeTakai/eval_dataset, rank 0's figures): 37.38 against 35.74, +4.6 % (1.64 GiB too generous; the
weights agree, 27.65 / 27.67 GiB, so the profile run and non-torch memory kvplan charges, 6.17 GiB, are
about 1.6 GiB under what the log leaves for them); neuralmagic's DeepSeek-R1-Distill-Qwen-32B FP8 on an
L40S (0.11.0, mml 24,576; dawn-boy/elloraa, the card named by the repository's chat export, not the log;
the compressed-tensors scales priced per channel): 6.34 against 6.04, +5.0 % (5.003 %, just outside 5 %;
"at risk"); four runs of Qwen2.5-32B-Instruct at TP 4 on RTX 3090s, eager, gmu 0.88 (0.18.1;
leadawon/LAMBO), the held-out one (dawonv3) 4.80 against 5.24, -8.3 % (0.44 GiB cautious: kvplan's
weights 15.26 against the log's 15.39, plus 0.55 GiB of non-torch memory on PCIe cards with custom
all-reduce off). The sixth, Qwen3-Coder-30B-A3B on an A100 80GB at mml 131,072 (LukeJYK/AutoScientists,
vLLM 0.26.1), was not planned: its inputs name the catalog's qwen3-30b-a3b, whose 40,960 positions are
below the 131,072 the log serves ("kvplan cannot plan it"), so it is listed as printed and its inputs
were not changed after the print. Held-out median |error| 4.6 %, 3 of 5 within 5 %, 3 of 5 too generous.
The fit half (47 URLs, 5 scored rows), first printed beside it: Phi-3-mini on an RTX 3090 under WSL 2
(0.19.1, gmu 0.85; sridhar1804/local-ai) -4.6 %; Qwen3-32B at TP 8 with an fp8 KV cache on H100s (0.10.0,
the same cluster as the 235B row) +3.0 % (1.67 GiB too generous, like its sibling); the other three
LAMBO runs -8.3 % each. Listed (55): NVIDIA GB10 / DGX Spark logs, vLLM and SGLang, of quantized models
outside the catalog (sostrowsk/dgx-spark-local-llm, 13 files, one a refusal at 262,144 tokens;
TW-10519/VLLM-ROUTER); an RTX PRO 6000 Blackwell (2215860382/VedioSifter, 2); models outside the
catalog: dots.ocr (B664577/DocAvatar, DoanNgocCuong/fintech, 4), Qwen2.5-1.5B / 3B (giyushino,
KevinHuang8, ShanghaoLi0913, LzyFischer, Wolffy427; 6), Qwen3-VL, Qwen3-Embedding and Qwen3.5/3.6
(Zzsf11, leadawon/LAMBO, phivan3008, WaroonRagwongsiri; 13 with the typhoon models), gemma-4-E4b
(HienHoang3011), MiniCPM-V on V0 (hmxhPro/TT); AWQ / INT4 / LoRA weights kvplan does not price
(apollo-mg, ljg6861, hanzhizhz, mrpid12org, trietnguyeminh's 4 Kaggle LoRA runs); cards not named (a
ROCm card in amdgoose/arno_vllm_chat, 4 cards in emocat17/GraphRAG, jayashan10), or an A100 whose memory
size only the log's own KV figure would tell (qweewqq/EnergyLLM, 2); a V0 log (daxdelvira). Seen but not
added: find_string hits whose files name no repository (no URL to cite: a Llama-3.1-8B summary on an
A100-SXM4-40GB, 19.92 GiB and 163,168 tokens; a Mistral-3-14B TP 2 log in a shell-script comment; RTX
5090 run notes; a Qwen2.5-3B bitsandbytes refusal on an 8 GB card; a Qwen3-30B-A3B refusal at gmu 0.10
on Ascend NPUs), an llm-d DGX Spark demo that names its repository only in its text (GB10, Qwen2.5-1.5B
at gmu 0.04), a tutorial's "representative" H100 timeline (not a log), Ascend NPU logs
(shun8686/for_debug) and a wrk benchmark saved as logs/vllm.log (iohub/llmbench). Three repositories
whose snapshot could not be fetched were added from files read at a commit with read_file
(Wolffy427/stage5, daxdelvira/distributed_agent_gc, hmxhPro/TT).

Round 10 (batch 2026-12-06-r10, seed 2020261216) was collected in session 12 the same way, with log
names not tried before: vllm.txt, vllm_logs.txt, vllm-serve.log, vllm_server.txt, logs/vllm-server.log,
vllm_log.log, sglang_log.txt, sglang.txt, qwen.log, qwen3.log, deepseek.log, llama.log, logs/vllm.out,
logs/vllm.err, vllm_output.txt, vllm_serve.txt, vllm_run.log, logs/vllm_0.log, then (a second pass)
vllm_8000.log, server_vllm.log, logs/api_server.log, logs/serve.log, logs/vllm_output.log and
logs/qwen.log; names with no hit (sglang_server.log, logs/sglang.log, launch_server.log, trtllm.log,
trtllm-serve.log, trtllm_serve.log, vllm_startup.log, sglang.out, vllm.err, ...) found no SGLang
server log with a model kvplan knows and no TensorRT-LLM log; generic names (server.log, serve.log,
api_server.log, server_log.txt, server.out) list thousands of web-app repositories and were not
walked. The first pass was split and committed (0b9b868); the second pass (batch 2026-12-06-r10b, 4
rows from 3 URLs, none scorable) was read after that commit and before any round-10 figure was
computed, and is placed after round 10's own URLs with the same seed, so no side of 0b9b868 moved
(re-splitting both together would have swapped the two RTX 5090 URLs; the split test checks that they
did not move). It was printed once, first here, on 2026-12-06, with the model as it stood on main at
d89bf3f (no constant or code of the model changed in round 10). It adds 13 rows from 12 URLs in 9
repositories: 4 scored, 9 listed with the reason. **Round 10's held-out half (6 URLs, 2 scored rows)
holds 2 scored logs, 1 with a KV figure, and no refusal**, as first printed: Llama-2-7b on an A100
80GB (vLLM 0.10.2, defaults: gmu 0.9, mml 4,096; benyucong/neo4j-graphrag-python, a SLURM job whose
script names the partitions gpu-a100-80g and gpu-h100-80g, the log's 79.25 GiB total the A100-SXM4-80GB's
in this data): kvplan 58.22 GiB against 58.44, -0.4 %; Llama-3.1-8B on an RTX 5090 at mml 16,384 with
LMCache's disk-offload connector (vLLM 0.9.0; shinrin2/vllm-kvcache, the card named by the commit
"setup 5090 accomplished", not by the log): kvplan 11.92 GiB, and the log prints no KV GiB (vLLM 0.9.0
has no "Available KV cache memory" line), so it has no error in the table; its 93,056 tokens at
131,072 B are 11.36 GiB of cache, which kvplan's 11.92 exceeds by 5.0 % (4.97 %; vLLM's budget is at
most one 2 MiB block above the cache, so 4.95 to 4.97 % against it), a figure derived from the tokens and
not counted in the headline. Held-out median |error| 0.4 % over 1 log. The fit half (6 URLs, 2 scored rows), first
printed beside it: Qwen3-4B on an H100 80GB (0.10.2, defaults, mml 40,960; the same repository, the
job script's partition gpu-h100-80g and the total 79.18 GiB) -0.1 % (57.98 against 58.05); Llama-3.1-8B
on the same RTX 5090 at mml 8,192 without the connector, 11.92 GiB against 92,944 tokens = 11.35 GiB of
cache (+5.1 %, derived, no KV figure). Listed (9): Qwen3-30B-A3B-Instruct-2507 on an H200 (vLLM
0.15.0, gmu 0.5; Parkhb1106/Telco-RAG), a later release with its own config, not mapped to the
catalog's Qwen3-30B-A3B; models outside the catalog on cards not named: a local "Qwen-1_5b" at gmu 0.2
(YelinShan/vllm-scheduling-optimized), Qwen2.5-VL-7B (bin123apple/AgentTrainer), Qwen2.5-3B on SGLang
(cli991/qwctest); two start-ups of Llama-3.2-3B, eager, gmu 0.7, on a card the repository does not
name (wujxy/IRIS_search); V0 engines on unnamed cards: Qwen3-14B and R1-Distill-Qwen-14B (vLLM 0.10.0
and 0.9.2; adityatadimeti/reasoning-distillation), Qwen2.5-7B (0.4.3; dewa-ai/forecast). Seen but not
added: llm-inference-aad/llm-inference's server_vllm.log (Llama-3.3-70B at TP 2, stopped before any
memory line: vLLM found no CUDA device), a V0 qwen.log with weights only (zhengkid), an SGLang log of
Qwen2.5-7B-Instruct-1M with no memory line (caleboverman/llmsys_f25_hw6), a repository of Gemma 4 12B
logs on L4 and Neuron devices outside the catalog (xbill9/gemma4-tips-aws), and files under the new names
with no engine memory line (vllm.txt in 141forever, czhou578, dfyz, guoyc666, minhyeonoh, tutu329,
iamr-gh; vllm_run.log, vllm_serve.txt, logs/vllm_0.log, logs/api_server.log, logs/serve.log, qwen.log
and qwen3.log in others). Twelve repositories listed by the index could not be fetched and were not
read (FireWizard-V9, HuuuNan, Hybrid-Git, alipourranjbar1, JVarnica, jxm020202, FL4KIIT, Einengutenmorgen,
Smegalex, memory2486, hari-sampatirao, pauljCherian).

Round 11 (batch 2026-12-06-r11, seed 2020261217) was collected in session 12 the same way, with log names
and folders not tried in rounds 9-10: results/vllm_server.log, logs/vllm_run.log, logs/vllm_stdout.log,
logs/vllm_qwen.log, logs/llama3.log, logs/mistral.log, logs/qwen3.log, logs/qwen14b.log,
logs/qwen3-8b.log, logs/qwen3-14b.log, logs/llama3.1-8b.log, logs/llama.log, logs/gpt-oss-20b.log,
log/vllm.log and results/vllm.txt; names with no hit (results/vllm.log, outputs/vllm.log,
experiments/vllm.log, output/vllm.log, tmp/vllm.log, runs/vllm.log, logs/vllm.txt, logs/vllm_server.txt,
logs/vllm_server.out, vllm_server.out, vllm_serve.out, vllm_stderr.log, logs/sglang_server.log,
logs/sglang.txt, sglang_server.txt, server_sglang.log, logs/trtllm-serve.log, logs/launch_server.log,
vllm_qwen.log, logs/qwen3-4b.log, logs/gpt-oss.log, ...) found no SGLang or TensorRT-LLM log of a catalog
model; generic names (results/server.log) list web-app repositories and were not walked. find_string on
the engines' lines ("Available KV cache memory: 1" / ": 3", "Model loading took") again returned files
that name no repository (no URL to cite: a Qwen3.6 NVFP4 WSL log, DeepSeek-V4 notes, tutorials), the
search tool's code corpus returned tutorials and launch scripts, and its issue corpus (the refusals "No
available memory for the cache blocks" and "is larger than the maximum number of tokens that can be
stored in KV cache", SGLang's "KV Cache is allocated", Qwen3-8B and Llama-3.1-8B start-ups) returned
V0-era threads, threads already in the data (vllm#10517, #17431, #21348, #25350, #26612) or listed in
round 6 (kvcached#101) or excerpts without the memory lines (vllm#42510, Llama-3.1-8B at block size 1 /
8, vLLM 0.14.1; vllm#31353, Llama-3.2-1B on an L40; sglang#36583, a fix measured on H200s held back to 80
GB), so no issue thread was added. It was split and committed (ec35d0e) before kvplan's figure for any
round-11 log was computed, and printed once, first here, on 2026-12-06, with the model as it stands on
main after session 12's changes (seen; no constant or code of the model changed in round 11; the doc
script only learned the round). It adds 58 rows from 37 URLs in 5 repositories, **none scorable, so round
11's held-out half (19 URLs, 32 rows) holds no scored log and no refusal**, as first printed:
JNX03/kanitakorn-thai-llm holds 48 start-ups of vLLM 0.21.0's offline LLM class in 27 files (Qwen3-14B
21, 8 of them with LoRA; R1-Distill-Qwen-14B 21, 8 with LoRA; Qwen2.5-14B-Instruct, Qwen2.5-Math-7B 3,
openthaigpt1.5-7b and typhoon2-8b one each; a 49th, of openthaigpt1.5-14b in a 28th file, stopped before
any memory line and is not added), and its card is not determinable: the repository says "2× A100 40GB"
(README.md) and "1× A100 SXM4 80GB" (RESULTS.md), while each log's own CUDA-graph hint (estimate ÷ (0.92
− the equivalent utilization), vLLM 0.21's gpu_worker.py) puts CUDA's total at 44.2 to 44.6 GiB, neither
A100: a 48 GB-class card (L40S, L40 and RTX 6000 Ada all read about 44.3-44.4 GiB) that no line names, so
its 13 plain Qwen3-14B and one Qwen2.5-14B-Instruct start-ups are listed, not scored; dewa-ai/forecast
holds five more vLLM 0.4.3 (V0) logs beside round 10's qwen.log (Llama-3-8B twice, Mistral-7B twice,
Qwen2.5-7B at 32,768), card not named; lennonYe/6998_project holds Qwen2.5-1.5B-Instruct on an L40S
(README.md; the logged total 44.52 GiB), a vLLM 0.6.6 V0 log and two SGLang logs (radix cache on and
off), a model outside the catalog; bilalrana351/llm-inference-optimization holds Qwen2.5-1.5B on an RTX
3060 12GB (vLLM 0.25.1), neither in kvplan's catalog; hello-carry/VLM holds Qwen1.5-14B-Chat GPTQ int4
(vLLM 0.8.1) on a card not named. The fit half (18 URLs, 26 rows) holds no scored log either. Seen but
not added: dennislee22/vLLM-benchmarking's log/vllm.log (the gpt-oss-120b TP 4 start-up whose figures,
45.32 GiB and 17.2217 GiB of weights, round 1 already holds from the same repository's README),
danielmargento's results/vllm.txt (a Whisper summary, no memory lines), zx2325as-alt/RAG's
logs/vllm_stdout.log (vLLM not installed), logs/llama.log files of other tools (LM Studio in
satvikviriyala/CIKM_Short, llama.cpp on a Jetson Orin in solairkopp-cell) or without engine lines
(tyfann/llm4commit, Hansolo1103), logs/qwen3-8b.log files without them (Nash-Knight/search_agent, a
download; Eladhirsh/callprobe, a progress bar), zhangdw156/try-gpt-oss (swanlab training logs) and
thamada, NightOwlCoder, forLG (no engine memory lines). Not read: XtionDoubleAI/m2a,
jackyang25/interwhen-karma-harness, hoiyada7-maker/translation-benchmark and what-if-horizon (no snapshot
could be fetched), srivastavaprakhar's three logs/llama.log and TheTesla/pip3fail's logs/mistral.log.

Round 12 (batch 2026-12-07-r12, seed 2020261218) was collected in session 13 the same way, with log names
not tried in rounds 9-11 (logs/vllm_judge.log, logs/vllm_gen.log, logs/vllm_embed.log, logs/vllm_rerank.log,
logs/run_vllm.log, logs/phi.log, logs/gemma.log, results/vllm_serve.log, results/vllm_qwen_serve.log,
server/vllm.log, experiments/vllm_server.log, outputs/vllm_server.log, logs/vllm_1.log, logs/model_server.log,
logs/qwen3_8b.log, logs/sglang_qwen.log; no hit for logs/vllm_tp2.log, logs/vllm_8b.log, logs/vllm_h100.log,
logs/vllm_api.log, logs/sglang_serve.log, sglang_serve.log, results/sglang_server.log, ...; vllm_benchmark.log
held no memory line), find_string on "Available KV cache memory: 2" to ": 6" (files that name no
repository, again) and the search tool's issue corpus (vllm#17122's sample added; #23278, #27508, #28228,
#51041 and sglang#18263 already in the data). It was split and committed (8a06775) before kvplan's figure
for any round-12 log was computed, and printed once, first here, on 2026-12-07, with the model as it stands
on the branch (session 13, main 9bc96d4; no constant or code of the model changed in round 12; the doc script
only learned the round). It adds 28 rows from 24 URLs in 8 repositories and one pull request, **2 of them
scorable, one on each side**. hosseinbv/RAG-System started four vLLM 0.23.0 servers one after another on one
GPU, an H100 80GB by its FlashAttention 3 and the pooling logs' CUDA-graph hint (0.26 GiB / (0.1000 −
0.0968): 78.5-84.1 GiB with the rounding; the form factor is not stated, priced as SXM): Qwen3-8B at gmu
0.3 (held out) and Qwen3-4B-Instruct-2507 at gmu 0.22 (fit; Qwen3-4B's architecture, priced as qwen3-4b),
both on vLLM's V2 model runner, which prints no CUDA-graph estimate, so the graphs are not charged; its
Qwen3-Embedding-0.6B and Qwen3-Reranker-0.6B run on the pooling runner, which kvplan does not plan. **As
first printed, round 12's held-out half is 1 scored log, -61.2 % (kvplan 2.71 GiB, the log 6.98 GiB; "at
risk"), no refusal**; the fit half's Qwen3-4B-Instruct-2507 is -51.5 % (4.17 / 8.61 GiB). Both logs leave
about 1.5 and 1.2 GiB for the activation peak and non-torch growth (requested 0.3 × 79.18 − 15.27 − 6.98;
0.22 × 79.18 − 7.64 − 8.61), where kvplan charges an activation peak of 5.62 and 5.59 GiB: the sampler
warm-up over 1,024 rows × the 151,936-entry vocabulary, 5.58 GiB (max_num_seqs 1,024, vLLM's default on
this card; engines/vllm/startup.py and startup.yaml), above the forward over 8,192 tokens (0.69 GiB for
Qwen3-8B). Round 10's Qwen3-4B log on an H100 with vLLM 0.10.2's V1 runner did leave that much (-0.1 %);
vLLM 0.23's V2 runner, the default for dense models there, does not reach that peak. Whether 0.33's V2
runner (v1/worker/gpu/model_runner.py, profile_run and _dummy_sampler_run, which startup.py cites) does is
not established by these logs; no constant was changed. Listed, not scored:
pauljCherian/persona-space-comparison's Phi-3.5-mini, Qwen2.5-3B and
Llama-3.2-3B (vLLM 0.19.0 offline, gmu 0.95) on a card no line names (the three hints put CUDA's total at
94.5-96.0 GiB, with FlashAttention 2: a 96 GB-class card that is not Hopper, none of kvplan's);
matthieudelsart/structured-outputs-benchmark's Gemma-3 1B, 4B and 12B on one A40 (vLLM 0.9.1: 3 V1 and 5 V0
start-ups through Outlines; the A40 is not one of kvplan's GPUs, Gemma-3 4B and 12B are not in the catalog);
Amreschizo/gemma-benchmarks' Gemma-4-E4B (6) and Qwen2.5-3B (2) on an RTX 3090 (vLLM 0.27), models outside
the catalog (two more Gemma-4-E4B start-ups in vllm_gemma4_serve.log stopped before any KV line and are not
added); StormMannnn/Personal-github's Qwen3.6-35B-A3B-FP8 and R1-Distill-Qwen-14B at TP 2 on two RTX 5090 D
v2 24 GB (not kvplan's 32 GB RTX 5090); Amadeus-ddc/Amadeus's Qwen2.5-7B (vLLM 0.13.0) on a card not named;
vllm#17122's Llama-3.1-8B on one L40S (tokens only; the launch flags are not in the post); and
Edge-Intelligence-Lab/ChatDKU's SGLang log of Qwen3.5-4B, a hybrid model outside the catalog, on a card not
named. Seen but not added: GinHikat/biomed-rag and PhQuangVinh2005/biomed-rag (vLLM 0.17.0 stopped on
config validation before loading), bgiddwani-ai/Optimize-shrutam2's logs/server_vllm.log (a local 2.3 GiB
Llama-architecture model, not named; no snapshot could be fetched), logs/gemma.log files of training runs
(Undefeated-man/RetrofittingLLM), albertma/RAG-LLM-Toolkit (Ollama), cx9941/SciTown and
dimajyg/PolitAgent-T2L (no memory lines).

Round 13 (batch 2026-12-07-r13, seed 2020261219) was collected in session 13 from GitHub issue threads, as
the issue asked: the search tool's issue corpus ("Available KV cache memory H100", "Model loading took GiB
A100", "CUDA out of memory vllm serve H200 gpu-memory-utilization", "sglang KV Cache is allocated #tokens
H100", "max_total_num_tokens A100", and Llama-4-Scout, Qwen3-235B, gpt-oss-20b, Gemma-3-27b, L4 and B200
start-ups) and find_string on the engines' lines ("total_gpu_memory (79." / "(39." / "(23." / "(44.", "Load
weight end. elapsed=", "Load weight end. type=" with Qwen3, Llama, Qwen2 and Qwen3-MoE, "KV Cache is
allocated. dtype: torch.bfloat16"), each file hit attributed with find_files or the code corpus and read at
the commit in its URL. It was split and committed (c47c82b) before kvplan's figure for any round-13 log was
computed, and printed once, first here, on 2026-12-07, with the model as it stands after main (bffbeb8,
session 13's start-up changes) was merged (no constant or code of the model changed in round 13; the doc
script only learned the round). It adds 8 rows from 8 URLs (5 issue threads, 3 repository files), **2 of
them scorable, one on each side**. Held out: vllm#16712, Llama-4-Scout-17B-16E in bf16 on 2 × H100 NVL at TP
2 (vLLM's main of 2025-04-16, V1; gmu 0.99, max-model-len 1,000, KV fp8), which stopped with a CUDA OOM
while its weights loaded (90.63 GiB allocated of 93.02 GiB). **As first printed, round 13's held-out half
is that one refusal, and kvplan says "does not fit"** (102.97 GiB of weights a GPU, beyond the card); no
held-out log has a KV figure. Fit: RyanRosario/llm-d's SGLang pod-snapshot demo, Qwen3-32B on one H100 80GB
(SGLang 0.5.19, mem_fraction_static 0.90, context 8,192, under gVisor with SGLang's memory saver), 9.54 GiB
of KV for 39,078 tokens; kvplan 9.05 GiB, -5.1 %. Its own lines put the memory used before loading at 0.63
GiB (CUDA's 79.10 GiB less 78.47 GiB free, 17.40 + 61.07), where kvplan charges 1.24 GiB at TP 1
(engines/sglang_startup.py PRE_LOAD_TP1, fitted on one RTX 3090 desktop that also drives a display): the
0.61 GiB difference × 0.90 is the 0.49 GiB shortfall. Reported, not changed. Listed, not scored:
vllm#12330 (Llama-3-8B on an A100 40GB, V0), vllm#18446 (Qwen3-235B-A22B on 8 × A100 80GB, TP 8 with
expert parallelism: the V1 engine's OOM line and the release are not in the part of the thread read; the
start-up that worked is V0's), MaxUhl98/Thesis (SGLang, Llama-3.1-8B on a 24 GB card not named; version and
mem_fraction_static not in the log), kvcache-ai/ktransformers#1971 (SGLang with KTransformers' CPU experts,
Qwen3-30B-A3B on an RTX 3090), sglang#6817 and sglang#5755 (Llama-4-Scout at TP 8, one 80.04 GiB allocation,
no line for the version rule). Seen, not added: vllm#17631 (Llama 3.3 70B on A10 / A100) and vllm#20581
(Llama 4 on 8 × A100, vLLM 0.9.1), whose launch flags are not in the excerpts read; vllm#6746 (V0, 405B
FP8); sglang#4547 (an OOM while serving, not at start-up); sglang#8362 (GPTQ-Int4, lines not read);
find_string hits whose files name no repository (a DeepSeek-Coder-V2-Lite SageMaker LMI log on 8 × A100
40GB, a Qwen3-14B SGLang log on 4 × RTX 4090, a Qwen3-0.6B log on an RTX 5080); dennislee22/vLLM-benchmarking
and didier-durand/llms-in-clouds, already in the data.

Round 14 (batch 2026-12-07-r14, seed 2020261220) was collected in session 14 from GitHub issue threads and
committed log files: the search tool's issue corpus ("Available KV cache memory H100", "GPU KV cache size H200
Qwen3", "No available memory for the cache blocks", start-ups of DeepSeek-V3, Kimi-K2 / K3, Llama-4-Maverick,
Qwen3-30B-A3B, Mixtral, Gemma-3-27b and of L40S, H20 and A800 cards, SGLang's "KV Cache is allocated" on H100
/ H200, "Not enough memory", "estimated maximum model length"), the page and code corpora, find_string on the
engines' lines ("Available KV cache memory: 5" / ": 6", "Free memory on device (7" / "(13" / "(79.", "Load
weight end. type=" with DeepseekV3, GptOss and Qwen3Next, "device_name=NVIDIA_H200.json for MoE layer") and
find_files on log names not tried before (logs/vllm/server.log and logs/vllm_server_8000.log gave one file
each; fourteen other names none). It was split and committed (adc62b1) before kvplan's figure for any
round-14 log was computed, and printed once, first here, on 2026-12-07, with the model as it stands after
main (2159084, session 14's start-up changes) was merged (no constant or code of the model changed in round
14; the doc script only learned the round). It adds 8 rows from 8 URLs (6 issue threads, 2 repository files,
one a pasted error file), **none of them scorable**, so round 14's held-out half holds no scored row and
gives no figure. The nearest to a score: ssyrc/AI-Infra-Assistant's Qwen3-235B-A22B-Instruct-2507-FP8 on 4 ×
H100 80GB HBM3 at TP 4, gmu 0.85, which refused its default 262,144 tokens (11.75 GiB needed, 8.03 GiB of KV
available, vLLM V1, release not printed); the 2507 release's 262,144 positions are beyond the catalog's
qwen3-235b-a22b (40,960, Qwen3-235B-A22B's config) and no published copy of its config.json was found to
store beside the data, so it is listed (fit side). Listed too: vllm#51124 (Kimi-K3 at TP 32 on 80 GB cards,
an OOM while the MXFP4 expert weights are created; the flags beyond TP 32, marlin and a dummy load are not
stated), vllm#18124 (Qwen2.5-VL-3B on an A100 80GB at gmu 0.3, not in the catalog), noonghunna/club-3090#35
(Qwen3.6-27B int4 on an RTX 3090 at 180K: 3.05 GiB needed, 2.17 GiB available; not in the catalog; the quoted
error's newer wording, with no "(" before the size, is not one check-log's refusal pattern reads), WeClone#83
(an RTX 3090 refusal inside WeClone, engine arguments not shown), sglang#7691 (DeepSeek-R1 with DP attention
on 8 AMD Instinct cards, SGLang 0.4.8.post1, a negative profiled pool; launch line and card not read),
kirkz7/cot-overwrite (Qwen3-4B, vLLM 0.31.0, gmu 0.88, 33.29 GiB of KV on a 47.37 GiB card the log does not
name; the repository's cloud runs are on L20s, not one of kvplan's GPUs) and Ripped-sys/StagePoster
(Qwen3.5-9B on a ROCm Radeon, vLLM 0.25.1). Seen, not added: find_string hits whose files name no repository
(Qwen3-Next-80B-A3B on 2 × H200 with vLLM 0.10.2, a GLM-5.3-Flash measurement on 8 × H200, llava-v1.6 on an
H100, Ministral-3-14B at TP 2, Qwen3-Next W4A16 on a 170HX, Qwen3.8-27B on ROCm); kaito-project/kaito#2156 (a
token table at max-model-len=auto, utilization and release not stated); vllm-project/recipes#698 (Kimi-K3 on
H200, no OOM line); sglang#32834 (a cookbook cell's figures, not a log); vllm#43308 (approximate figures);
vllm#14992, #12529, #26884, #40691, #12890, QwenLM/Qwen3-VL#1205 (the same post as vllm#18124), sglang#6027
and #9162 (no start-up KV line, or models and cards outside the catalog); aihpi/litellm-k8s and myoceane.fr,
already in the data.

Round 15 (batch 2026-12-07-r15, seed 2020261221) was collected in session 15 with angles not tried before:
find_string on the engines' lines ("Available KV cache memory: 4" / ": 7" / ": 8" / ": 9", "GiB for peak
activation", "Free memory on device (4", "Load weight end. type=LlamaForCausalLM", "KV Cache is allocated.
#tokens: 4", "No available memory for the cache blocks", the fused-MoE config names of the H100, A100-SXM4-80GB
and L40S), each hit attributed with find_files, fetch or the code corpus before it was added; the search tool's
code, page and issue corpora with model- and card-specific queries (Llama-3.3-70B at TP 2 on H100, gpt-oss-20b,
Qwen3-30B-A3B, Llama-3.1-8B on L4, Gemma-3-27b, SGLang's Qwen3-32B, TensorRT-LLM's paged-KV lines, KAITO's
Azure SKUs, RunPod's vLLM worker); and repositories that commit serving notes (vllm-project/recipes fetched and
grepped, sgl-project/sgl-cookbook fetched, with no memory line, LMCache/LMCache, llm-d's workload-variant-autoscaler
forks). It was split and committed (4b2a2d5) before kvplan's figure for any round-15 log was computed, and
printed once, first here, on 2026-12-07, with the model as it stands after main (ab3aa59) was merged (no constant
or code of the model changed in round 15; the doc script only learned the round). It adds 7 rows from 4 URLs (2
issue threads, 1 pull request, 1 repository file), **none of them scorable**, so round 15's held-out half holds
no scored row and gives no figure. Held out: kaito-project/kaito#2132, Mistral-Small-4-119B-2603 on an Azure
Standard_NC80adis_H100_v5 (2 × H100 NVL), refused at its 1,048,576 tokens (22.5 GiB needed, 17.39 GiB available;
a model outside the catalog, KAITO's preset flags not in the post); NVIDIA/TensorRT-LLM#2671, a Triton
tensorrtllm_backend start-up with speculative decoding on an 80 GB card (79.10 GiB total, 9.71 GiB for 63,616
tokens; the TensorRT-engine backend, the model and TP not in its lines). Fit side, listed: LMCache/LMCache#1769's
FAQ table of vLLM's figures (Qwen3-8B 50.32 GiB and 366,400 tokens on a card not stated; Qwen3-32B at TP 2 on
H100 33.66 GiB a GPU, 275,760 tokens; Llama-3.1-70B at TP 4 on H100 32.06 GiB a GPU, 420,208 tokens; release and
utilization not stated) and vllm-project/recipes' Kimi-K2-Thinking recipe (494c567: 8 × H200, 46.80 GiB and
715,072 tokens at TP 8, 5,721,088 tokens with decode context parallelism 8; the model's 262,144 positions are
beyond the catalog's kimi-k2-instruct, its INT4 experts are not priced, decode context parallelism is not
modelled). Seen, not added: a vLLM 0.31.0 start-up of Llama-3.1-8B-Instruct with defaults on an A100 80GB PCIe
(gmu 0.92, 56.21 GiB, 460,496 tokens, CUDA's total 79.25 GiB) and an llm-d workload-variant-autoscaler guide's
Qwen3-0.6B on an H100 (206,592 tokens at gmu 0.30; an OOM at 0.95 beside co-tenant pods), whose files name no
repository that find_files or the code corpus could attribute (no URL to cite); a Qwen3.8-27B FP8 refusal on an
L40S, GLM-5.2-NVFP4 on 4 × GB200 and Qwen3.5 / 3.6 start-ups (models outside the catalog, most in files without
a repository); LMCache#3171 (DeepSeek-V4-Flash through LMCache on 8 × H20, no memory line in the part read);
triton-inference-server/tutorials#150 (TensorRT-LLM's PyTorch backend on 2 × H100, the model not in the part
read); KiranTallapragada/gpu-fit v1.2.0 (a release note; its per-model table is not stored); club-3090#294
(Qwen3.6-27B int4 at TP 2 on 2 × RTX 3090) and vllm#49011 (Qwen3.5 with an nvfp4 cache on an RTX 5090), outside the
catalog; vllm#26349, #6689 and #23087 (no start-up memory line in the part read, or V0); and a later copy of
llm-d-benchmark's empirical results, llm-inferno/server-sim, didier-durand/llms-in-clouds, docs.sglang.ai's
send_request, vllm#17327 (its turn 23 is vllm#17469's log), club-3090#1087, vllm#34076 and Lvllm#35, already in
the data.

Round 16 (batch 2026-12-07-r16, seed 2020261222) was collected in session 16 with lines and places not tried
before: find_string on the summary lines blogs and guides quote ("Maximum concurrency for 32,768 / 40,960 / 16,384
tokens per request", "Estimated CUDA graph memory:", "Model loading took 61.0" / "28.5", "Starting to load model"
with catalog models, "KV Cache is allocated. #tokens: 6", "Load weight end. type=MistralForCausalLM"), the search
tool's code corpus (Cursor chat exports, g6e / L40S serving notes), issue corpus (RTX 4090, A100, phi-4, Llama-3.2-3B,
Qwen2.5-32B at TP 2, SGLang pool lines, InferenceX) and page corpus (Chinese-language start-up posts), and a blog's
front matter followed to its repository with find_string and find_files; every URL is a GitHub blob at the commit
read (fetch and git show, or read_file at that commit). It was split and committed (6789120) before kvplan's figure
for any round-16 log was computed, and printed once, first here, on 2026-12-07, with the model as it stands after
main (5a4c935) was merged (no constant or code of the model changed in round 16; the doc script only learned the
round). It adds 17 rows from 6 URLs in 3 repositories, 9 of them scorable. **As first printed, round 16's held-out half (3 URLs, 4 rows) is 1 log with a
logged KV figure, 1 log with tokens only, and 1 refusal that kvplan calls "does not fit"**: Qwen3-Coder-30B-A3B-Instruct at
TP 4 on 4 × L40S (vLLM 0.24.0, gmu 0.90, mml 32,768; aws-samples/sample-claude-code-multi-model's README, its
config.json stored beside the data), kvplan 24.05 GiB against 23.74, +1.3 %; Mistral 7B Instruct (v0.2 or v0.3,
priced as mistral-7b-v0.3) on an A10G (vLLM 0.9.0.1, gmu 0.92, mml 8,192; ddiiwoong/newblog's serving hands-on
post), whose 50,496 tokens imply 6.16 GiB of cache where kvplan plans 4.64 GiB, -24.7 % (too cautious; the weights
agree, 13.50 / 13.51 GiB); GLM-5.2-FP8 at TP 8 on 8 × H200 (gmu 0.95), refused at its 1,000,000 tokens (the guide's
rounding: about 86 GiB needed, 26.5 GiB available), kvplan "does not fit". The course server's opt-125m start-up in
the same post is listed (engine arguments not in the post; a transformers copy on the same card). The fit half (3
URLs, 13 rows), first printed beside it: Llama-4-Scout in bf16 at TP 8 on 8 × H200 (vLLM 0.12.0, a Cursor chat
export in fuhengwu2021/coderepo) -0.2 % at mml 8,388,608 and -0.2 % with an fp8_e4m3 cache at 10,000,000 (89.57
against 89.71 GiB); the same set-up at gmu 0.95, which stopped with a CUDA OOM warming up the sampler over 1,024
dummy requests after the cache had been sized, **kvplan says "fits"** (96.56 GiB of KV): vLLM 0.12 captures its
CUDA graphs after sizing the cache and then warms the sampler in what is left, which kvplan's budget does not
test (reported, not changed); Qwen3-14B on an L40S (vLLM 0.28.0, defaults; the capstone post) +3.5 %; Qwen2.5-7B-
Instruct bf16 -4.0 % and FP8-dynamic -2.2 % on an L40S (vLLM 0.8.5.post1, defaults, tokens only; the
quantization post). Listed there: six Qwen3-14B-AWQ start-ups (L40S, and L4 single, TP 2, PP 2, replica) and a
GPTQ-Int4 Qwen2.5-7B (weight formats kvplan does not price). Seen, not added: a Qwen2.5-7B vLLM 0.22.0 log at gmu
0.95 on an unnamed 48 GB-class card, Qwen3.5-9B on an L40S, MiniMax M3 MXFP4 at TP 2, Llama-3.1-8B on a Jetson
Thor, a GPTQ Mistral on a DGX Spark (an Arm learning path), Qwen3-0.6B-FP8 on an unnamed card (dtcms.com /
jishuzhan.net), Qwen3-32B on RTX PRO 6000 Blackwell cards (not one of kvplan's GPUs), files whose repository
could not be named, sglang#2468 (a 2024 SGLang log without its version lines), SemiAnalysisAI/InferenceX#2128
(DeepSeek-V4-Pro on SGLang, a layout kvplan's SGLang path does not model), the same blog's later posts (speculative
decoding arms and tokens-only TP/PP sweeps; HAMi-shared L4 pods), and tim-roethig/ai-platform and tokenkaki,
already in the data.

Round 17 (batch 2026-12-07-r17, seed 2020261223) was collected in session 17 with lines and places not tried
before: find_string on catalog models' weight sizes ("Model loading took 14.25" / "13.7" / "27.5" / "27.3" / "51." /
"56.9" / "7.55" / "1.12"), on vLLM 0.25+'s merged line ("tokens, Maximum concurrency for"), on "Free memory on device
(2" / "(3" / "(9", SGLang's "Memory pool end. avail mem=" and "Load weight begin. avail mem=78.", TensorRT-LLM's "GiB
for max tokens in paged KV cache (" and "Starting to load model" with catalog models; the search tool's issue corpus
(vLLM's KV lines and refusals, SGLang's pool lines, TensorRT-LLM's paged-KV and "Memory used outside torch" lines,
gpt-oss-20b / 120b, Qwen3-32B, Llama-3.1-8B and 8 × H200 start-ups) and its code and page corpora; and find_files on
log names not tried before (startup.log, logs/startup.log, results/startup.log, vllm_boot.log, logs/vllm_8000.log,
logs/vllm_qwen3.log, ...) and on a path a hit named (src/lab/parse_startup.py, which led to
samilazrak/vllm-optimization-lab's committed start-up logs). Repository files were read with read_file at the commit
in the URL; issue and pull-request rows hold the lines of the part of the thread the search tool returned. It was
split and committed (9ee2a80) before kvplan's figure for any round-17 log was computed, and printed once, first here,
on 2026-12-07, with the model as it stands after main (3e80af0, session 17's start-up changes included) was merged (no
constant or code of the model changed in round 17; the doc script only learned the round). It adds 15 rows from 14
URLs, 2 of them scorable, one on each side. **As first printed, round 17's held-out half (5 URLs, 5 rows) is 1 log
with a logged KV figure, -0.2 %, and no refusal**: Qwen3-14B on one L40S with vLLM 0.29.0's defaults (utilization
0.92, as the log's own line states; 40,960 tokens; the V2 model runner), kvplan 11.04 GiB against the log's 11.06
(samilazrak/vllm-optimization-lab's results/raw/base.startup.log, whose "Free memory on device" line puts CUDA's
total at 44.39 GiB and the weights and non-torch memory at 27.79 GiB). Listed there: a composed Granite 4.2 3B
(granite-switch#128, outside the catalog), gpt-oss-20b on an RTX 3090 with weights only (vllm#22331), an FP4
checkpoint at TP 2 whose model and card the part read does not name (vllm#37296) and DeepSeek-V4-Flash-0731 on 8 ×
RTX 3090 through a fork (wtdcode/vllm-backport#34). The fit half (9 URLs, 10 rows), first printed beside it: one
refusal, Qwen3-Coder-30B-A3B-Instruct-FP8 at 0.95 and 16,384 tokens on an RTX 5090 (vllm#41695, the user's words, no
log line; release not stated), kvplan "does not fit" (-1.50 GiB of KV); listed there: the same repository's two
AWQ start-ups, gpt-oss-120b at TP 2 on cards not named (EuroEval#1120), Qwen3.5-35B-A3B on H100s (vllm#50722), a
Qwen3.8-27B refusal on an RTX 3090 (syv-ai/qwen38-27b-rtx3090#39), a Kimi-K2.5 INT4 refusal on 8 × H100
(SemiAnalysisAI/InferenceX#1587), two sample outputs of unstated configurations in ai-dynamo/dynamo's TensorRT-LLM
README and an SGLang fix measured on H200s held back to 80 GB with a model not named (sglang#36583). Seen, not
added: files whose repository could not be named (a Qwen3-0.6B vLLM 0.19.0 sampler-warm-up refusal on a ~12 GB
card, Qwen3-14B on a ROCm gfx1100 card, a tokens-only Qwen3-Coder-30B-A3B line on an 80 GB card,
Qwen3-235B-A22B-2507-FP8 at TP 4 on RTX PRO 6000 cards, Granite-4.0-micro on an L40S), models or cards outside
kvplan's (Qwen3.8-27B on a DGX Spark, Qwen3.5 / 3.6 logs, a Jetson Thor, a laptop RTX 5090), V0 and fork logs
(vllm#15664, Lvllm), and threads and files already in the data (vllm#21348, #27508, #23278, #17469, #26612, #10517,
kvcached#210, club-3090, tokenkaki, jerryzsj/my-deepseek-r1, docs.sglang.ai's send_request).

Round 18 (batch 2026-12-07-r18, seed 2020261224) was collected in session 18 with lines and places not tried
before: find_string on "Available KV cache memory: 1", "Free memory on device (7" / "(4" / "(1", "Model loading took
61.0" / "2.3" / "32.", SGLang's "Capture cuda graph end. Time elapsed" and "Load weight end. elapsed="; the search
tool's issue corpus on the serving stacks around vLLM (AIBrix, KubeAI, production-stack, LMCache, kvcached, GPUStack,
gateway-api-inference-extension), TensorRT-LLM's paged-KV line and Phi-4 / Gemma 3 / Qwen3-8B / Llama-3.1-8B
start-ups and refusals, and its code and page corpora (notebook outputs, docker-compose logs, blogs); find_files on
log names not tried before (logs/vllm_serve.log, logs/server.log, trtllm_serve.log, logs/sglang_server.log,
logs/vllm_serve.out, vllm_startup.txt, logs/vllm_startup.log, vllm_server_log.txt) and on llm-d/llm-d's guides.
Repository files were read with read_file at the commit in the URL; issue and pull-request rows hold the lines of the
part of the thread the search tool returned. It was split and committed (5e2075f) before kvplan's figure for any
round-18 log was computed, and printed once, first here, on 2026-12-07, with the model as it stands after main
(f44d1fb, session 18's start-up changes included) was merged (no constant or code of the model changed in round 18;
the doc script only learned the round). It adds 22 rows from 21 URLs, 3 of them scorable. **As first printed, round
18's held-out half (17 URLs, 18 rows) is 1 log with a logged KV figure, +1.7 %, and no refusal**: Qwen3-32B on one
H100 80GB HBM3 in llm-d's GKE pod-snapshot guide (vLLM 0.26.0, utilization 0.90, 8,192 tokens, CUDA graphs, sleep
mode, gVisor), kvplan 8.66 GiB against the 8.52 GiB of KV cache vLLM's CuMemAllocator discards at sleep (the KV
tensors as allocated; no "Available KV cache memory" line is quoted). Listed there: an AMD ROCm blog whose card is
not named (ROCm/rocm-blogs), Qwen2.5-VL-32B (r3lativo/ground_sketching), gpt-oss-120b on H200s stated as "~1.22M
tokens" (llm-d's P2P KV-sharing guide), a free-memory refusal caused by another process under kvcached (kvcached#29),
a Gemma 3 start-up without its checkpoint or card (vllm#14696), launches without a memory line (LMCache#3171,
vllm#16141), DeepSeek-V4.1-Flash through a fork on 48 GB RTX 4090s (yhfgyyf/vllm-deepseek-v4-sm89#108), a V1
preview before 0.8 (vllm#14286), a V0 log (gateway-api-inference-extension#550), an RTX 3060 (vllm#27934), an RTX
A5000 out of memory during inference (LMCache#3430), a refusal without its model or card (LMCache#1372), summary token
counts (LMCache#1241, two rows), Qwen3.8-27B (recipes#810) and a TensorRT-LLM Triton start-up of a TinyLlama layout
(triton-inference-server/tutorials#150). The fit half (4 URLs, 4 rows), first printed beside it: 2 logs with a KV
figure, Qwen2.5-7B-Instruct on a V100 32GB with LLM()'s defaults (vLLM 0.18.0, fp16, eager;
wangpeiwen/gpu-util-interference) +0.7 % and Llama-3.1-8B-Instruct at 0.92 and 40,000 tokens, eager, on a main build
of 2025-08-19 (vllm#20707) -3.4 %, whose card is named by nothing but the log's own budget (only a ~140 GiB card fits
it, the H200, so it is planned on one and the row says so); listed there: Qwen3-8B-FP8 on an RTX 4090 with the weights
only (gpustack#4660) and an AIBrix pod log cut in its arguments (aibrix#1154). Seen, not added: find_string hits whose
repository could not be named (gemma-3-27b-it on ROCm, llava-v1.6-mistral-7b on an H100, a Llama-3.2-1B dev build on
a 48 GB card, a Qwen3-32B TP 1 refusal and TP 2 / PP 2 start-ups on RTX PRO 6000 cards held to 0.426), models outside
the catalog (Qwen3.8-27B on an 80 GiB ROCm card, Qwen3.5 / 3.6 logs), RyanRosario/llm-d's SGLang demo README.md (the
start-up of round 13's README2.md row), and threads already in the data.

Round 19 (batch 2026-12-07-r19, seed 2020261225) was collected in session 19. The search tool's issue corpus led to a
capacity planner's validation campaign, llm-d-incubation/llm-d-planner (PR #205), whose commit d3121e0 holds one
`vllm serve` start-up log per run at DEBUG level (vllm/vllm-openai:v0.19.0 on H100 80GB HBM3, utilization 0.95,
prefix caching off) and four parsed runs of a version sweep (Qwen3-14B under vLLM 0.15.0 to 0.18.0); each file is
its own URL, so 78 of round 19's 83 URLs come from one harness on one card type, split file by file like every URL.
find_string ("Available KV cache memory: 2") and find_repos led to a Llama 3 70B AWQ start-up on two L40S (kagaho,
vLLM 0.16.0), find_files on "sglang.log" to three SGLang logs (none scorable: cards not named, CPU weight offload),
and a second pass (batch r19b, read after the split was committed and before any round-19 figure) to
LLMServingSim's RTX 4090 bundle (vLLM 0.19.0, tokens only), placed after round 19's own URLs with the same seed.
It was split and committed (39c8726, the second pass a6df206) before kvplan's figure for any round-19 log was
computed, and printed once, first here, on 2026-12-07, with the model as it stands after main (ad0fa3e, session 19's
start-up changes included) was merged (no constant or code of the model changed in round 19; the doc script only
learned the round). It adds 83 rows from 83 URLs, 42 of them scorable. **As first printed, round 19's held-out half
(52 URLs, 52 rows) is 19 logs with a logged KV figure, median |error| 0.8 %, 17 of 19 within 5 %, 7 of 19 too
generous, 1 tokens-only log (+8.0 %) and 1 refusal that kvplan calls "fits"**: gpt-oss-20b on one H100 at 0.95
(vLLM 0.19.0), which sized 58.47 GiB of KV cache and captured its graphs, then ran out of memory warming up the
sampler with 1,024 dummy requests; kvplan planned 57.76 GiB and "fits". The two logs outside 5 % are too generous:
Llama-4-Scout at TP 4 (+9.2 %, kvplan 18.29 GiB against 16.75) and Mixtral-8x7B at TP 2 (+6.5 %, 30.28 against
28.44); the tokens-only log is Llama-3.1-8B on an RTX 4090 (LLMServingSim, +8.0 % over the 41,408 tokens' 5.05
GiB). The rest are within 2.5 %: Llama-3.1-8B and Qwen2.5-7B at TP 1 across lengths, dtypes and an fp8 KV cache
(-0.7 and -0.8 %), Qwen2.5-7B at TP 2 and 4 (+1.5 %), Gemma 2 9B (-1.5 %), Gemma 3 27B (+2.4 %), DeepSeek-V2-Lite (+0.6 %),
Llama-3.3-70B FP8-dynamic at TP 4 (+2.1 %), Qwen3-14B under vLLM 0.16.0 (-0.2 %) and the L40S AWQ log (-1.2 %).
Listed there with their reasons: models outside the catalog (CodeLlama-7B, Gemma 3 4B / 12B, Gemma 7B, Granite,
Kimi-Dev-72B, Kimi-VL, Mistral Small 3.1, Phi-2, Qwen1.5-MoE, Qwen2.5-72B), gated downloads refused, free-memory
refusals with memory something else held, pipeline parallelism, float32, compressed-tensors W8A8 / W4A16 checkpoints
whose quantization_config is not stored, invalid layouts, and the SGLang logs. The fit half (31 URLs, 31 rows),
first printed beside it: 20 logs with a KV figure, median |error| 0.8 %, 20 of 20 within 5 % (-3.9 % for Gemma 2
27B to +2.8 % for Llama-3.3-70B FP8-dynamic at TP 2), and 1 refusal kvplan calls "fits": gpt-oss-20b at TP 2 and
0.95, which ran out of memory warming up its sampler in the same way (kvplan 64.19 GiB planned against the 63.28 it
sized). Seen, not added: find_string hits whose repository could not be named (an llm-d lab on a 6 GB RTX 3050, an
OpenShift AI DeepSeek-R1-Distill-Qwen-1.5B w8a8 demo), pages whose card is not named (a Qwen3-0.6B-FP8 utilization
sweep), and threads without a KV figure or already in the data.

Round 20 (batch 2026-12-07-r20, seed 2020261226) was collected in session 20 from sources independent of round 19's
harness: the search tool's issue corpus (vLLM, SGLang, TensorRT-LLM, ktransformers and club-3090 threads, mostly
refusals and V0 logs, listed with their reasons), find_repos / find_files on committed logs (akamaslabs' vLLM 0.29.0
tuning study on an L40S, two probe logs of Gemma 4 26B-A4B FP8-dynamic, KV auto and fp8; SRO-SA's TensorRT-LLM
1.1.0 trtllm-serve log of TinyLlama on an RTX 6000 Ada, its config.json rebuilt beside the data) and a TensorRT-LLM
refusal (TensorRT-LLM#5872: Qwen3-235B-A22B-FP8 at TP 8 / EP 8 on 8 H200s, the executor refused to create its KV
cache; free_gpu_memory_fraction 0.9 and max_num_tokens 8192 are the release's defaults, assumed). Two later passes,
each read after the previous split was committed and before any round-20 figure, were placed after it with the same
seed: r20b, StellaLee/vllm-experiment's two vLLM 0.23.0 server logs of Qwen2.5-Coder-7B-Instruct on an RTX 4090
(priced as Qwen2.5-7B: same shapes), and r20c, eslam-ahmed43/llm-lab's two vLLM 0.30.0 logs of Qwen2.5-1.5B-Instruct
on a Tesla T4 (its config.json rebuilt beside the data). It was split and committed (da91230; 556bda2, 4ce22f5)
before kvplan's figure for any round-20 log was computed, and printed once, first here, on 2026-12-07, with the
model as it stands after main (a476bc6: session 20's after-sizing check with the sampler warm-up, the TP > 1 graph
profile growth, the Triton buffer by SM count) was merged (no constant or code of the model changed in round 20).
It adds 30 rows from 30 URLs, 8 of them scorable, from 5 independent sources. **As first printed, round 20's held-out
half (13 URLs) is 3 logs with a logged KV figure, median |error| 10.3 %, 0 of 3 within 5 %, all three too
cautious, and 1 refusal that kvplan calls "fits"**: the TensorRT-LLM#5872 refusal (kvplan plans 96.50 GiB of KV a GPU
and "fits" where the executor could not create its cache). The three logs: Qwen2.5-1.5B-Instruct on a T4 (vLLM
0.30.0, -15.7 %, kvplan 7.31 GiB against 8.67), Gemma 4 26B-A4B FP8-dynamic with an fp8 KV cache on an L40S (vLLM
0.29.0, -10.3 %, 12.05 against 13.44, "at risk") and Qwen2.5-Coder-7B on an RTX 4090 (vLLM 0.23.0, -7.3 %, 6.34
against 6.84). The fit half (17 URLs), first printed beside it: 4 logs, median |error| 10.0 %, 1 of 4 within 5 %
(the same T4 start-up with prefix caching on, -15.7 %; Gemma 4 KV auto, -10.5 %; TinyLlama on TensorRT-LLM, -9.4 %;
the RTX 4090's first start, +4.7 %), no refusal. The two RTX 4090 starts differ by 0.78 GiB with the same flags
(the first compiled its graph, the second loaded it from the cache). Seen, not added: find_string hits whose
repository could not be named (vLLM 0.2x logs on unnamed cards), a SGLang log of an aarch64 CI run
(shun8686/for_debug, not read past its package installs), and threads without a KV figure or already in the data.

Round 21 (batch 2026-12-07-r21, seed 2020261227) was collected in session 21 from sources independent of round 20's:
find_repos / find_files on committed log names (wrbooth/vllm-serve-bench's eight vLLM 0.29.0 engine logs on one RTX
5090, each its own URL: Qwen2.5-7B-Instruct cold and warm, with prefix caching off, at max_num_batched_tokens 8192,
with online FP8 and with its own FP8-dynamic checkpoint, and Qwen2.5-0.5B-Instruct, its config.json rebuilt beside
the data; jxm020202/aimo3's two vLLM 0.11.2 logs of gpt-oss-120b on a Kaggle H100 at 0.96 with an fp8 KV cache;
parallelworks/activate-rag-vllm's vLLM 0.15.1 log of gpt-oss-120b at TP 2, the card named by nothing but its budget,
an H200), a vLLM refusal from the issue corpus (vllm#53961: DeepSeek-V4-Pro at TP 8 on 8 MI300X at its 1,048,576
tokens with an fp8 KV cache, after #51726 doubled the default max_num_batched_tokens to 16,384 on cards of 160 GiB
or more; the excerpt is cut before the available figure) and 13 rows listed with their reasons (models outside the
catalog, V0 logs, forks and prototypes, a TensorRT engine-backend log, cards the excerpts do not name, a refusal from
memory another process held). It was split and committed (0bad3b6; the compile states, data only, b76d70b) before
kvplan's figure for any round-21 log was computed, and printed once, first here, on 2026-12-08, with the model as it
stands after main (c7de921: session 21's start-up and TensorRT-LLM changes included) was merged (no constant or code
of the model changed in round 21). It adds 25 rows from 25 URLs, 12 of them scorable, from 4 independent sources
(wrbooth holds 8). **As first printed, round 21's held-out half (12 URLs) is 5 logs with a logged KV figure,
median |error| 3.2 %, 4 of 5 within 5 %, 1 too generous, and 1 refusal that kvplan calls "fits"**: vllm#53961 (kvplan plans
58.69 GiB of KV a GPU and "fits" where vLLM could not hold the 23.32 GiB one request at 1,048,576 tokens needs). The
five logs: gpt-oss-120b at TP 2 on the H200 (vLLM 0.15.1, -0.1 %, kvplan 77.89 GiB against 77.93), gpt-oss-120b on
the Kaggle H100 (vLLM 0.11.2, -0.9 %, 7.94 against 8.01, "at risk"; weights as loaded 65.97 GiB against the log's
65.9651), Qwen2.5-7B's cold start on the RTX 5090 (vLLM 0.29.0, +3.2 %, 11.53 against 11.17), Qwen2.5-0.5B (-4.3 %,
25.02 against 26.13) and Qwen2.5-7B at max_num_batched_tokens 8192 from a warm compile cache (-11.0 %, 10.79 against
12.13). The fit half (13 URLs), first printed beside it: 6 logs, median |error| 8.8 %, 2 of 6 within 5 % (the second
Kaggle start, -0.9 %; online FP8 from a cold cache, +2.3 %; the FP8-dynamic checkpoint warm, -7.0 %; the three warm
Qwen2.5-7B starts, -10.7 % each), no refusal. The RTX 5090's starts with the same flags differ by 1.74 GiB of KV
between a cold and a warm torch.compile cache (11.17 against 12.91 GiB: the log's peak activation 1.4 against 0.64
GiB), the cold-compile term kvplan carries as an uncertainty. Seen, not added: find_string hits whose repository could
not be named, committed logs without a start-up (a capability checker's output, harness stubs), SGLang logs of
models outside the catalog (GLM-5.1 MXFP4 on MI355X, Jacob0226/SGLang-benchmarks, not read past its arguments), and
threads without a KV figure or already in the data.

Round 22 (batch 2026-12-08-r22, seed 2020261228) was collected in session 22 for breadth, from sources independent
of round 21's: find_files on committed log names ('vllm_server.log', 'vllm.log', 'logs/vllm_server.log',
'sglang.log', each file read at the commit in its URL), find_string on exact log phrases (a hit kept only where its
repository could be named) and the search tool (issues and pages). No publisher holds more than one scored row. Four
rows were scorable: Gemma 4 26B-A4B on an H200 (vLLM 0.20.2, Michal1337/clinician-co-pilot, the card named by the
MoE config file the log looks for, a warm compile cache), DeepSeek-R1-Distill-Qwen-7B (Qwen2.5-7B's shapes) on a card
named by nothing but its budget, an RTX A6000 (vLLM 0.11.0, abi2024/narcbench), Llama-3.2-1B eager on a card named by
its budget, an A100 40GB (vLLM 0.9.0.1, vllm-project/production-stack, tokens only), and a start-up refusal: Qwen2.5-7B
in float16 on a Colab T4 at 0.85, whose weights (14.25 GiB) alone passed the budget and whose profile run ran out of
memory (vLLM 0.19.1, mobambas/Agentic-Healthcare-Maps). 26 rows were listed with their reasons (cards two catalog cards
fit, models outside the catalog, bitsandbytes, V0 logs, runs that never started, an SGLang reference log on a B200
whose mem_fraction_static is not printed, threads without a KV figure), and a second pass (batch 2026-12-08-r22b,
placed after the first with the same seed) listed 3 more (Qwen3.6-27B on two A100s, gemma-3-12b AWQ, and a trtllm-bench
PyTorch-backend log whose pool is capped by max_tokens, TensorRT-LLM#6294). It was split and committed (b15a325; the
compile states, data only, ae4f602; the second pass cf12ea5) before kvplan's figure for any round-22 log was computed,
and printed once, first here, on 2026-12-08, with the model as it stands after main (1497af9: session 22's start-up
changes included) was merged (no constant or code of the model changed in round 22). It adds 33 rows from 33 URLs, 4
of them scorable. **As first printed, round 22's held-out half (24 URLs) is 1 log with a logged KV figure and 1 with
tokens only, both within 5 %, and no refusal**: Gemma 4 26B-A4B on the H200, +0.0 % (kvplan 71.67 GiB against
71.67; the weights taken from the log, as the row says) and Llama-3.2-1B on the A100 40GB, -0.7 % (31.18 against the
31.40 GiB its 1,028,832 tokens imply). The fit half (9 URLs), first printed beside it: 1 log, -0.2 % (the R1 distill on
the A6000, 26.99 against 27.04), and the T4 refusal, which kvplan calls "does not fit" (-3.34 GiB of KV). Thin: two
scored rows on each side. Seen, not added: a vLLM 0.10.2 log of Qwen3-Next-80B-A3B at TP 2 on two H200s (find_string
'/139.81 GiB) on startup') whose repository could not be named, junk files under log names (stubs, benchmarks' own
output, install notes), and threads without a KV figure or already in the data.

**After round 4: CUDA's total (issue 20), a change made after the held-out figures of rounds
1-4 had been seen**, so every held-out row below is in sample for it. Every engine sizes its budget
from CUDA's total (vLLM: cudaMemGetInfo in v1/worker/gpu_worker.py; SGLang, TensorRT-LLM:
torch.cuda.mem_get_info; llama.cpp: cudaMemGetInfo), which is below the nvidia-smi "Total" kvplan
used until then (H100 SXM: 79.11 GiB against 81,559 MiB = 79.65 GiB). kvplan now starts from the
lowest CUDA total observed per GPU (model_specs/gpus.yaml cuda_memory_bytes, each figure with its
URL and the line quoted), and where none was found from nvidia-smi's total or the capacity sold less
the largest shortfall observed in the catalog, marked estimated (a "GPU total" term the verdict can
name). scripts/fit_startup_constants.py had fitted the vLLM constants with nvidia-smi's totals, as
the prediction used them, so the constants absorbed part of the difference; they were refit on the
fit half only, with the new totals: sampler 38.5 → 34.0 bytes per logit, the activation/non-torch
uncertainty 0.70 → 0.90 GiB (kvplan/engines/vllm/startup.yaml). On the fit half the median
|error| went from 2.3 % to 2.2 % (vLLM 3.0 % → 2.0 %; SGLang 0.0 % → 3.0 %, now too cautious),
kvplan too generous on 4 of 12 logs instead of 6, and still no refusal called fits; round 2's fit
log on an RTX 6000 Ada (no driver or CUDA total found: 3,672 MiB off the capacity sold) went from
+2.0 % to -9.7 %.

**More CUDA totals (issue 20, later): a data correction, made after every round's held-out figures
had been seen**, so it moves seen rows only; no constant was refit. Each total is PyTorch's own
("GPU 0 has a total capacity of X GiB") or vLLM's total_gpu_memory, from a public thread that names
the card, quoted beside its URL in model_specs/gpus.yaml, the lowest kept. Newly observed: A100 SXM
80GB 79.15 GiB, H100 NVL 93.00, H200 139.81, H20 95.00, GB200 184.31, L4 22.05, L40 44.40, RTX 6000
Ada 44.43, RTX A6000 47.54, V100 32GB 31.74, MI300X 191.98, MI325X 255.98; lowered: L40S 44.42 →
44.31, A10 22.18 → 21.99, T4 14.75 → 14.57, RTX 3090 23.58 → 23.57, RTX 5090 31.36 → 31.35. Still
estimated: A100 80GB PCIe, H100 PCIe, A10G, V100 16GB, MI250X, whose margins now come from the
largest shortfalls observed: 876 MiB below nvidia-smi (A100 SXM 80GB), 1,736 MiB below the HBM
capacity sold (GB200), 3,784 MiB below a GDDR capacity sold (L40S). Rows that moved: round 2's
held-out 4 × L4 SGLang log -65.3 % → -57.3 % (kvplan "at risk" → "fits"; the log started), and
on the fit side the seven A100 80GB rows (0.07 to 0.12 GiB lower each; dennislee22 1 GPU at 0.25:
-12.1 % → -12.8 %), the two L40S rows (8 × L40S +4.1 % → +3.2 %, 2 × L40S +2.0 % → +1.6 %), the
RTX 6000 Ada row (-9.7 % → -9.6 %) and the RTX 3090 SGLang row (-3.0 % → -3.2 %): fit median
|error| 2.2 % → 2.4 %, still too generous on 4 of 12, no refusal called fits.

**Data and expert parallelism in the scoring path (issue 20, session 9).** The doc script plans each
vLLM and SGLang row through kvplan.api.fit, the function `kvplan fit` calls, and passes the parallel
flags a log states: vLLM's --data-parallel-size, --enable-expert-parallel and --all2all-backend, SGLang's
--dp-size, --ep-size (--enable-ep-moe: ep = tp) and --enable-dp-attention, read as check-log reads them
(observe/logs.py vllm_options, sglang_options). Until then every row was planned as plain TP. Newly
scored: the two rows of vllm-project/recipes#12 (Qwen3-Coder-480B-A35B-Instruct-FP8, DP 8 with EP,
vLLM 0.10.1.dev101, refused at max-model-len 262,144 at utilization 0.9 and 0.95), on round 1's **fit**
side; their URL keeps its side and moves no other URL (a row made scorable after its round's split
counts as it did then: startup_log_split.py split_scored). They needed the model's config.json too
(tests/data/configs, with its source; the importer now accepts that config's "qkv_bias": false and
"shared_expert_intermediate_size": 0, keys Qwen3MoeConfig does not read). Their card is a 141 GB H20,
not the 96 GB one: the two budgets differ by 6.99 GiB for 0.05 of utilization, a CUDA total of 139.8 GiB,
so they are priced on the H200 SXM entry (139.81 GiB; only the total enters the budget). kvplan says
"does not fit" for both (the engine refused), its KV budget 3.18 GiB under each log's; 7.88 GiB of
its rank's budget is the profile run's all-gather of the MoE rows under DP (engines/vllm/ep_buffers.py,
an estimate, charged with an uncertainty as large as itself), without which kvplan would be 4.70 GiB
over. The EP rows already scored (2 × and 8 × L40S, EP over the TP group) now get EP's whole-expert
split: the 8 × L40S row's weights 27.66 → 27.65 GiB, its KV unchanged at two decimals; no other figure
moved. The other DP or EP rows stay listed with their reasons (vllm#51454, held-out round 5: no GiB line;
recipes#381, vllm#45178, vllm#51041, vllm#44376). No held-out row is DP or EP, so those paths still rest
on no held-out evidence.

**The seen held-out logs over 5 %, term by term (issue 20, session 9; diagnosis only, nothing
changed).** Three held-out rows, all seen, exceed 5 % with today's model. (1) llmd_gpt-oss-120b_tp1
(-138.8 %, kvplan "does not fit" where the run started): the row's own figures break vLLM 0.11's
subtraction (v1/worker/gpu_worker.py determine_available_memory: requested − weights − peak activation
− non-torch): 71.26 − 64.38 − 7.38 − 0.13 = −0.63 GiB, not the 3.33 it states; its activation and
non-torch equal gpt-oss-20b's, the source has no detailed section for it and lists gpt-oss-20b, not
120b, as the largest model that started on one GPU. No term can be read from it; kvplan's weights
(65.97 GiB, fitted on vllm#23278's 0.10.1 "Model loading took 65.9651 GiB") stand 1.59 GiB above its
64.38, a version's MXFP4 loading (model_executor/layers/quantization/mxfp4.py
Mxfp4MoEMethod.process_weights_after_loading) or the table's, not decidable from this row. Kept as
scored, as first printed. (2) llmd_qwen3-32b_tp1_mml16000 (+17.8 %, 0.79 GiB too generous on a 4.45
GiB budget): weights agree (61.02 / 61.03); the activation peak is 0.71 GiB low (4.93 / 5.64) and
non-torch 0.14 GiB low. kvplan's peak on these H100 rows is the sampler's (gpu_model_runner.py
_dummy_sampler_run: 1,024 rows of fp32 logits through v1/sample/sampler.py Sampler.forward, top-k/top-p
by sort in v1/sample/ops/topk_topp_sampler.py) at 34.0 bytes per logit, fitted on the fit half; every
llm-d row states 38.4 to 38.9 (5.56 GiB / (1,024 × 151,936); 4.76 / (1,024 × 128,256); 7.38 / (1,024 ×
201,088)), so the same term is 0.60 to 0.86 GiB low on all of them, and only this small budget shows it
above 5 %. vLLM's code fixes which tensors live at the peak but not their caching-allocator footprint, so
no byte count follows from it without a measurement; moving the constant towards these rows would be
fitting it to held-out logs, so it stays (startup.yaml sampler_millibytes_per_logit). (3)
llmsinclouds_sglang0.4.3_4xl4_qwq-32b_tp4_mfs0.85 (-57.3 %, too cautious): weights agree within 0.28
GiB; the term is the memory used before SGLang's baseline (distributed/bootstrap.py
measure_pre_model_load_memory; 0.4.3: model_runner.py init_torch_distributed), which kvplan charges as
2.67 GiB per GPU at TP > 1 from the fit half's 4 × H100 and 8 × H200 logs, while this log's pool (2.84 =
pre × 0.85 − 15.54) implies pre = 21.63 of the L4's 22.05 GiB: 0.42 GiB. On 4 PCIe-only cards SGLang
turns its custom all-reduce off (custom_all_reduce.py: not supported on more than two PCIe-only GPUs)
and NCCL has no NVLink SHARP buffers, but neither's size is stated in code kvplan follows, so no value
per interconnect can be computed; fitting one to this log would again use a held-out row. Not changed.

**Changed after round 8 (seen): the profile run's activation peak and non-torch memory from
vLLM's code and every log stating them (issue 20, session 11).** Made after every round's held-out
figures had been seen, so every row below is in sample for it. (1) The sampler's bytes per logit now follow
from code, not a fit: the tensors alive while v1/sample/ops/topk_topp_sampler.py apply_top_k_top_p sorts
in gpu_model_runner.py _dummy_sampler_run (vLLM 0.11.0, 0.15.1, and 0.33's V1 runner) are the bf16 logits
(2 bytes), Sampler.forward's fp32 copy (4), the sorted values (4) and int64 indices (8), PyTorch's int64
iota of source indices (8; aten/src/ATen/native/cuda/SortStable.cu segmented_sort_pairs) and cub's
alternate key and value buffers (4 + 8; DispatchSegmentedRadixSort): 38 bytes, where 34.0 had been
fitted; plus what profile_run still holds during the sampler (the dummy forward's hidden states over
max_num_batched_tokens, the gathered rows and their rand_like copy) and PyTorch's cuBLAS workspace (32 MiB
on sm90/sm100, 8.125 MiB else; CublasHandlePool.cpp getChosenWorkspaceSize), allocated at the profile
run's first GEMM (engines/vllm/startup.py sampler_peak, blas_workspace; startup.yaml). On all 11 logs
stating the activation peak (llm-d's vLLM 0.11.0 H100 rows, the 8 × L40S 0.10.2 row) kvplan's figure is
now within 0.01 GiB of the log's (before: 0.60 to 0.86 GiB low). The forward was checked term by term and
left as it was: FP8 linears (ModelOpt per-tensor, compressed-tensors FP8-dynamic) quantize each GEMM input
to a 1-byte copy, which never raises a dense MLP's peak above gate_up and SiluAndMul's output. (2)
Non-torch memory, not fixed by code, was refit on the fit and seen rows that state it, the cautious
value: 0.14 GiB at TP 1 (the largest of llm-d's eleven 0.13 / 0.14 GiB lines) and 0.55 GiB beyond one GPU
(llm-d's TP 2 lines 0.55 and 0.54; the 8 × L40S row's 0.21 is below it), 0 and 0 before; labelled "fitted
on fit and seen rows (session 11)" in startup.yaml. The activation/non-torch uncertainty stays 0.90 GiB:
the largest residual on the generous side is now the FP8 row below (+0.61 GiB). Medians of |error|,
before → after: fit 2.4 % → 3.7 % (too generous on 4 of 12 → 1 of 12: the 2026 A100 rows of vLLM 0.19 and
Gemma 4, whose sampler leaves 19 to 24 bytes per logit, are now 5 to 6 % cautious, as are the vLLM 0.10.1.1
A100 rows, whose 14 or so match FlashInfer's sampler; charged at 38, the cautious side); round 1 (seen)
2.5 % → 0.1 % (too generous 7 of 8 → 1 of 8; llmd_qwen3-32b_tp1_mml16000 +17.8 % → -1.2 %, now "at
risk"); round 8 (seen) 8.1 % → 6.0 %: Qwen2.5-14B +0.9 % → -0.1 %, Llama-3.3-70B FP8 +15.4 % → +12.0 %
(now "at risk"): the 0.61 GiB it still lacks is in its forward at 8,192 tokens with 8 sequences, which
neither the code read here nor any other log explains, and no constant was fitted to that one row. No
refusal is called "fits" (the 10 refused rows all stay "does not fit"; vllm27508's gpt-oss-120b at 0.95 is
now within 0.01 GiB of its log), and `kvplan fit gpt-oss-120b --gpu h100` says "does not fit" at 0.9 and
0.95. User-facing: Llama-3.1-70B in bf16 on H100s at 0.9 now needs TP 4 (TP 2 leaves no KV budget: 65.7
GiB of weights, 4.84 GiB of profile run, 0.55 of non-torch and 0.65 of graphs per GPU against 71.2).

**Changed after round 8, seen: gpt-oss's MXFP4 experts as vLLM loads them on Blackwell (issue 20,
session 12).** Made after every round's held-out figures had been seen, so every row below is in sample
for it; no constant was fitted. On compute capability 10.x (B200, GB200) the growth of the MXFP4 experts
after loading now follows from vLLM's code, not the ppm fitted on an H100 row: vLLM 0.13.0 and 0.15.1
model_executor/layers/quantization/mxfp4.py get_mxfp4_backend picks FlashInfer's SM100 MXFP4 backends
there (SM100_FI_MXFP4_BF16 by default, SM100_FI_MXFP4_MXFP8_TRTLLM under the log's
VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8=1), whose Mxfp4MoEMethod.create_weights pads the expert
intermediate size per rank and the hidden size to multiples of 256 (the largest padding of its backends,
the cautious side), and process_weights_after_loading keeps the padded shapes, casts the expert biases
to fp32 and adds three fp32 values per expert (engines/vllm/startup.py mxfp4_growth_sm100, startup.yaml
mxfp4_sm100_pad). gpt-oss-120b at TP 8 pads 360 → 512 and 2,880 → 3,072: 11.63 GB of experts per GPU as
loaded, 3.55 GiB over the checkpoint's (0.66 GiB charged before). One scored row moved:
vllm30919_8xb200_gpt-oss-120b_tp8_kvfp8_mml2058 (round 5, seen) 144.13 → 141.24 GiB against the log's
140.97, +2.2 % → +0.2 %. Every other row is unchanged (no other scored row runs MXFP4 on 10.x): fit
median |error| 3.7 %, too generous on 1 of 12; all 33 fit and seen rows with a KV figure 2.7 %, too
generous on 5; 8 refusals, none called "fits".

**Changed after round 8, seen: TensorRT-LLM's non-torch share at TP 1 (issue 20, session 12).** Refit
on a fit-side row, made after every round's held-out figures had been seen. TensorRT-LLM's own code
(tensorrt_llm/_torch/pyexecutor/_util.py KvCacheCreator.configure_kv_cache_capacity: ``extra_cost`` =
driver-used less torch-allocated after the estimation run, which follows the autotuner and the CUDA-graph
warmup) fixes what the term holds but not its size. bench3_h200_llama-3-8b_trtllm1.2.0rc4_pytorch_frac0.9
(round 8, fit) prints it: "Memory used outside torch (e.g., NCCL and CUDA graphs) in memory usage
profiling: 2.55 GiB" (32 CUDA-graph batch sizes), against the 1,152 MiB kvplan had kept from its
earlier vLLM defaults; kvplan now charges 2,612 MiB at TP 1 (the printed figure rounded up to a MiB,
taken as printed: it holds the 0.13 GiB temporary cache TensorRT-LLM adds back, which here covers the
0.14 GiB of torch memory kvplan's activation estimate leaves out), with an uncertainty as large as
itself (engines/trtllm.py NON_TORCH_TP1); the NCCL share beyond one GPU (1,280 MiB) is unchanged, no
log states it. The row goes from +1.2 % to +0.0 % (111.26 → 109.98 GiB against 109.96); it is the
only scored TensorRT-LLM row, so no other figure moved: fit (round 8) median |error| 1.2 % → 0.0 %; all
33 fit and seen rows with a KV figure 2.7 % (unchanged), too generous on 5 (this row by 0.02 GiB).

**Changed after round 8, seen: the fused-MoE workspaces of the profile forward (issue 20, session 12).**
From code, no constant: vLLM 0.15.1's fused-MoE kernels (model_executor/layers/fused_moe
FusedMoEModularKernel._allocate_buffers with TritonExperts.workspace_shapes; DeepGemmExperts and
CutlassExpertsFp8 take the same widths) hold top-k × (max(I, K) + max(2·I, K)) values a token at once,
I the rank's expert intermediate and K the hidden size, where kvplan charged 3 × I × top-k: the same
where I ≥ K, but fine-grained experts (Qwen3 MoE, DeepSeek) take about 2 × K × top-k
(engines/vllm/startup.py forward_peak). At 8,192 tokens the forward is now 1.98 GiB for DeepSeek-V3 at
TP 8 (0.32 before), 1.13 GiB for Qwen3-235B-A22B at TP 4 (0.27) and 0.56 GiB for Qwen3-30B-A3B (0.34),
each still below the sampler pass at 1,024 sequences (4.8 to 5.6 GiB), so no scored row moved (every
MoE row's peak is its sampler's); it raises the charge, the cautious side, where max_num_seqs is small.
Not priced: DeepGEMM's per-expert alignment of the rows (deep_gemm_moe.py compute_aligned_M).

**Looked at after round 8, seen, nothing changed (issue 20, session 12; diagnosis from the engines'
code).** (1) litellmk8s_h100_llama-3.3-70b-fp8_kvfp8_mml32000_gmu0.95 (+12.0 %, "at risk"): the log
leaves 2.34 GiB for the profile run and non-torch memory where kvplan charges 1.73 (1.59 + 0.14). vLLM
0.15.1's code (the image's release on its date) does not put that in the forward's tensors: the
profile run skips attention (v1/worker/gpu_model_runner.py _dummy_run builds attention metadata only
under force_attention or a FULL CUDA graph, neither in profile_run), a ModelOpt FP8 checkpoint runs its linears through
init_fp8_linear_kernel(kFp8StaticTensorSym) (CutlassFP8ScaledMMLinearKernel on sm90: a static-scale
1-byte copy of each GEMM input, the bf16 output) and no CUDA-graph estimate is charged in 0.15.1
(no profile_cudagraph_memory). At 8,192 tokens the widest moment is Llama-70B's MLP: gate_up's bf16
output (0.875 GiB) with SiluAndMul's output (0.44 GiB bf16, or 0.22 GiB fp8 when fused with the
quantization) and the residual (0.125 GiB): at most 1.44 GiB plus cuBLAS's 32 MiB, below kvplan's
16-bit shape estimate (1.56 GiB). The 0.61 GiB is therefore not the forward's tensors as the code
allocates them; what the code leaves open (Inductor compiling and tuning its kernels in that first
forward, a CUDA 13 image's lazily loaded modules, PYTORCH_ALLOC_CONF=expandable_segments) has no size
in code. The row stays "at risk" (the 0.90 GiB activation/non-torch uncertainty covers it) and no
constant was fitted to it. (2) 4xh100_qwen3-235b-a22b-fp8_tp4_lmcache (fit, +22.2 %, 1.80 GiB): no
version, flags, weights or term line beyond the KV figure and the launch; its profile peak is the
sampler's at 38 bytes a logit (FlashInfer's sampler, vLLM 0.10.x's default where installed,
startup.yaml, would take less, so kvplan may already charge more there), its fused-MoE forward (1.13 GiB, above) is below
that, and its LMCache connector's GPU buffers are not sized by vLLM's code; before 0.15 vLLM took its
start-up snapshot before NCCL (v1/worker/gpu_worker.py init_device), so NCCL's buffers at TP 4
(NVLS on NVSwitch H100s) fall in non-torch, 0.55 GiB charged from llm-d's TP 2 rows, with no size in
vLLM's code. Not changed. (3) gpustack's Qwen3-32B runs on one 80 GB card (docs/serving-accuracy.md,
vLLM 0.11.0, "defaults"): vLLM 0.11.0's code refuses them. requested 0.9 × CUDA total, less weights
(61.02 GiB, as llm-d's 0.11.0 H100 log loads them), the profile run (H100: engine/arg_utils.py
get_batch_defaults gives 8,192 tokens and 1,024 sequences, 5.64 GiB, llm-d's log 5.64; A100: 2,048
and 256, "a100" in the name, 1.41 GiB) and non-torch (0.14), no graphs before 0.21: 4.40 GiB of KV on
an H100 and 8.66 on an A100 SXM, under the 10.0 GiB one 40,960-token request needs
(v1/core/kv_cache_utils.py check_enough_kv_cache_memory); llm-d's own 0.11.0 H100 log refuses at
32,000 tokens with 4.45 GiB. The A100 page's ShareGPT run sets --max-model-len 32768 (8.0 GiB, which
fits); the other runs' pages show no command, so they cannot have run with 0.11.0's defaults at
40,960 tokens, and kvplan's refusals stand.

**Changed after round 9's print, seen: no NCCL buffers charged at TP > 1 on cards without peer
access (issue 20, session 12).** leadawon/LAMBO's four vLLM 0.18.1 runs of Qwen2.5-32B at TP 4 on
4 × RTX 3090 (eager, custom all-reduce off; one held-out, dawonv3, three fit) were -8.3 % (0.44 GiB
cautious). Term by term: weights 15.39 in the log, 15.26 in kvplan; no CUDA graphs (eager); the log
leaves 0.10 to 0.12 GiB of 0.88 × 23.57-23.58 GiB (the 3090's cited CUDA totals) for the activation
peak and non-torch growth together, where kvplan charged 0.13 (the forward over 2,048 tokens, 0.12, and
cuBLAS's 8 MiB) + 0.55 (non-torch: 0.14 at TP 1 and 0.41 for TP > 1). vLLM's code (0.10.0, 0.11.0 and
0.18.1 wheels, v1/worker/gpu_worker.py Worker.init_device) takes the start-up snapshot before
init_worker_distributed_environment in 0.10.0 and after it from 0.11.0 on (0.33 too), so the 0.41 GiB
llm-d's 0.11.0 H100 TP 2 rows show is what TP adds once the communicators exist: NCCL's connection
buffers, set up at the profile run's first large collectives (this corrects the paragraph above that
dates the move to 0.15). An RTX 3090 has no peer access on the stock driver (NVIDIA/nccl#1127), so NCCL
connects the ranks through its SHM transport, whose buffers are host memory (src/transport/shm.cc), and
vLLM turns custom all-reduce off (custom_all_reduce.py _can_p2p). engines/vllm/startup.yaml
no_peer_access_gpus (rtx-3090 only, cited) now drops the 0.41 GiB there and carries it as the non-torch
part's uncertainty, so the verdict leans to "at risk" (an NVLink bridge gives a pair of 3090s P2P). The
four rows, after round 9's print, seen: -8.3 -> -0.5 % (kvplan 4.80 -> 5.21 GiB against 5.24, still
cautious by 0.03 GiB); no other scored row is on such a card. Round 9's held-out row, after round 9's
print, seen: median |error| 4.6 -> 1.5 %, 4 of 5 within 5 % (3 before), 2 of 5 too generous (unchanged);
round 9's fit side 8.3 -> 0.5 %, 5 of 5 within 5 %; every other scored row (vLLM and SGLang, fit and
seen) unchanged. No refusal is affected (none of the refused logs is on a 3090 at TP > 1).

**Looked at after round 9's print, seen, nothing changed (issue 20, session 12; diagnosis from the
engines' code).** (1) DaisukeTakai/eval_dataset's two 8 × H100 vLLM 0.10.0 logs, Qwen3-32B at TP 8
(fit, +3.0 %) and Qwen3-235B-A22B-FP8 at TP 8 with expert parallelism (held-out, +4.6 %), both with an
fp8 cache: the weights agree (7.69 / 7.63 and 27.67 / 27.65 GiB), no graphs are charged in 0.10, and
with the log's weights each leaves about 1.6 GiB more than kvplan's profile run and 0.55 GiB of non-torch
memory, the same on the dense and the MoE model, so the MoE path is not the cause: 0.10.0 runs no
all-to-all at data-parallel size 1 (distributed/device_communicators/base_device_communicator.py: use_all2all
needs data_parallel_size > 1; experts are reduced over the TP group), DeepGEMM is off by default
(envs.py VLLM_USE_DEEP_GEMM "0"), the fused-MoE forward is below the sampler pass, and the block-FP8
scales are in the weights that agree. vLLM 0.10.0 and 0.10.2 take the start-up snapshot before
init_worker_distributed_environment (v1/worker/gpu_worker.py Worker.init_device), so their logs' budget
also pays for NCCL's communicators (NVLS on NVSwitch H100s at TP 8) and custom all-reduce's buffers,
which 0.11.0 and later take before the snapshot and kvplan, following the later accounting, does not
charge. NCCL's own sizes are not in vLLM's code, so no constant was fitted; `kvplan check-log` now
says this for a V1 log before 0.11.0 on more than one GPU (observe/logs.py snapshot_before_nccl).
(2) dawn-boy/elloraa, R1-Distill-Qwen-32B FP8 on an L40S (held-out, +5.0 %, "at risk"): the weights
are 0.22 GiB under the log (32.20 / 31.98), and with the log's weights the error is +1.4 %. vLLM 0.11.0's
compressed-tensors W8A8 FP8 path on sm89 (CompressedTensorsW8A8Fp8.process_weights_after_loading:
channel scales in fp32, the weight transposed as a view, the GEMM through Fp8LinearOp) keeps no copy. Of the 0.22
GiB, the rotary cos/sin cache (RotaryEmbedding's cos_sin_cache buffer, max_position_embeddings ×
rotary_dim in the model dtype: 131,072 × 128 × 2 B = 32 MiB) is one buffer kvplan does not price; the
same buffer is the 0.03 GiB the Llama 3.1 8B rows load above kvplan (131,072 positions) and the 0.01 GiB
of Qwen3-32B's (40,960). The other 0.19 GiB is not found in code: LAMBO's bf16 Qwen2.5-32B at TP 4
(vLLM 0.18.1) also loads 0.12 GiB more than its parameters and rotary cache, so it follows the Qwen2
architecture, not FP8. Not changed (the rotary cache would lower every vLLM budget by 0.01 to 0.03 GiB:
a follow-up); the row stays "at risk". (3) sridhar1804/local-ai, Phi-3-mini on one RTX 3090 under WSL 2
(vLLM 0.19.1, fit, -4.6 %, 0.60 GiB cautious): the weights agree (7.12 GiB) and 0.19.1 estimates graphs
without charging them; the log's own hint ("increase --gpu-memory-utilization from 0.8500 to 0.8712"
for a 0.51 GiB estimate, gpu_worker.py: the estimate over the snapshot's total) puts WSL's CUDA total
near 0.51 / 0.0212 = 24.1 GiB, above the 23.57 GiB kvplan takes (the lowest cited, on Linux): that is
0.85 × 0.5 = 0.42 GiB of the 0.60. Not changed: the catalog keeps the lowest total observed.

**Changed after round 10's print, seen: vLLM's rotary cos/sin table in the weights as loaded
(issue 20, session 12).** From code, made after every round's held-out figures had been seen, so
every row below is in sample for it. vLLM builds each attention layer's rotary embedding through
get_rope (model_executor/layers/rotary_embedding: 0.10.0's rotary_embedding.py, 0.18.1's package),
whose RotaryEmbeddingBase.__init__ registers a ``cos_sin_cache`` buffer of [positions, rotary_dim]
cast to the model's dtype (get_rope takes torch.get_default_dtype(), which the loader sets to the
model's, model_loader/base_loader.py set_default_torch_dtype; gpt-oss asks for float32,
models/gpt_oss.py); get_rope's _ROPE_DICT shares one table among the layers. It is allocated while the
model is built, so "Model loading took X GiB" holds it. Rows: max_position_embeddings for default and
llama3, × the factor for linear and dynamic, original × factor for yarn (DeepSeek's too), original +
max for longrope, 4 × for MRoPE; rotary_dim = head dim (MLA: qk_rope_head_dim) × partial_rotary_factor
(engines/vllm/startup.py rotary_cache_bytes; the importer now keeps the config's rope parameters in
the spec, spec.Rope; Gemma 3/4, MiMo-V2, MiniMax-M3, DeepSeek-V4 and Kimi-Linear keep per-layer ropes
kvplan does not read, so no table is charged for them). Llama 3.1: 131,072 × 128 × 2 B = 32 MiB;
Qwen3-32B 10 MiB; gpt-oss 32 MiB (fp32). The MXFP4 growth fitted on the fit half held gpt-oss's table,
so it was refit without it (scripts/fit_startup_constants.py, fit rows only): sm90 91,615 → 91,065 ppm,
sm80 113,838 → 111,092 ppm; gpt-oss-120b on an H100 still loads 65.97 GiB, as its log. Weights as loaded
against the 41 vLLM logs that state them (fit and seen, and round 10's printed row): median |kvplan −
log| 0.031 → 0.021 GiB, kvplan under the log on 34 → 16 (every Llama 3.x 8B and 70B-FP8, Qwen3-0.6B,
-8B and -32B at TP 1 row now within 0.005 GiB), over it on 3 → 5 (gpt-oss's three, as before, and
litellmk8s's two Llama-3.3-70B FP8 rows by 0.02 GiB: a 0.15.1 log that loads 0.02 GiB less than
llm-d's 0.11.0 log of the same checkpoint). Every vLLM budget falls by its table (0.01 to 0.03 GiB on
the scored rows), the cautious side: fit rows median |error| 3.1 % → 3.1 %, 20 of 24 within 5 %
(unchanged), too generous on 3 (unchanged); seen rows 0.5 % → 0.8 %, 16 → 17 of 20 within 5 %,
too generous on 5 → 4 (elloraa's R1-Distill-Qwen-32B FP8 +5.0 → +4.5 %, litellmk8s's Llama-3.3-70B
FP8 +12.0 → +11.4 %; Qwen3-32B at TP 2 +0.0 → -0.0 %); all 44 fit and seen rows with a KV figure
1.4 % → 1.5 %, 36 → 37 within 5 %, too generous on 8 → 7; 8 refusals, none called "fits"
(unchanged). Round 10's printed held-out rows: Llama-2-7b -0.4 % (unchanged; 4,096 positions), the
RTX 5090 tokens-only row 11.92 → 11.89 GiB. scripts/startup_log_errors.py now swaps the weights as
loaded (transform and table included) for a log's where the data say so, which corrects the
first-batch table's a100_gpt-oss-20b row (-3.3 → -2.2 %: the MXFP4 growth had been charged on top
of the log's weights). Not explained, so not priced: what some Qwen rows still load above kvplan
with the table (log − kvplan per GPU: Qwen2.5-7B 57 MiB at TP 1 and 22 at TP 2, vLLM 0.10.1.1;
Qwen2.5-32B at TP 4 103 MiB, 0.18.1; R1-Distill-Qwen-32B FP8 190 MiB, 0.11.0; Qwen3-4B 54 MiB,
0.10.2). It does not follow the architecture: llm-d's Qwen3-32B loads exactly at TP 1 and 69 MiB
above at TP 2 (same 0.11.0 image), and eval_dataset's Qwen3-32B at TP 8 49 MiB above where its
Qwen3-235B-A22B at TP 8 loads exactly (same 0.10.0 runs). vLLM's code rules out what was suspected:
VocabParallelEmbedding / ParallelLMHead pad the vocabulary to a multiple of 64 before splitting it
(model_executor/layers/vocab_parallel_embedding.py, pad_vocab_size and divide; 0.11.0), and 151,936
and 152,064 are already multiples of 64 that split evenly over TP 2 to 8; the bf16 linear method adds nothing after loading
(layers/linear.py UnquantizedLinearMethod.process_weights_after_loading: a CPU-only repack, 0.18.1);
tied embeddings share one tensor (models/qwen2.py, qwen3.py: lm_head = model.embed_tokens); q/k/v
biases are priced. "Model loading took" is torch's allocated bytes after load less before it
(v1/worker/gpu_model_runner.py load_model with utils/mem_utils.py DeviceMemoryProfiler; 0.11.0,
0.18.1), so only tensors alive after loading count; which ones these are is not found in code.

**Changed after round 12's print, seen: the profile run's model runner follows the vLLM release
(issue 20, session 13; from code).** Made after round 12's held-out figure had been printed and read,
so every row below is in sample for it; round 12's first print (-61.2 %) stays the held-out figure.
Read in the wheels of vLLM 0.19.0 to 0.28.0 and 0.33.0: config/vllm.py VllmConfig.use_v2_model_runner
and _is_default_v2_model_runner_model, envs.py VLLM_USE_V2_MODEL_RUNNER (which overrides every rule).
Up to 0.21.0 the V1 runner (V2 only with the variable set to 1); the V2 runner
(v1/worker/gpu/model_runner.py) by default for dense, unquantized Qwen3ForCausalLM in 0.22.0-0.22.1,
Llama, Mistral and Qwen3 in 0.23.0, six architectures (MoE and quantized included) in 0.24.0, every
dense model plus a few MoE architectures in 0.25.0-0.28.0, and every model in 0.33.0 (some drafters
and micro-batching aside). Its profile_run calls _dummy_sampler_run once over the same
min(max_num_seqs, max_num_batched_tokens) rows, with no request added, so the sampling states keep their
start values (v1/worker/gpu/sample/states.py: top_k = vocabulary, top_p = 1.0, temperature 0, no
logprobs): no top-k/top-p, so no sort and no FlashInfer; the bf16 logits and one float32 copy
(sampler.py apply_sampling_params; none in 0.28.0) and gumbel_sample's per-block buffers: 6 bytes a
logit (2 in 0.28.0) where the V1 runner's sort pipeline holds 38. Its profile_cudagraph_memory returns 0
in 0.21.0-0.28.0 ("It is TBD whether we keep this API or not"): no CUDA-graph estimate. 0.33.0's V2
runner samples twice, the second time with SamplingParams.for_sampler_warmup() (top-k 50, top-p 0.9,
penalties, logprobs 5) through FlashInfer's sampler (on by default) or the Triton top-k/top-p, which
kvplan has not derived. engines/vllm/startup.yaml model_runner holds the ranges, each with its file and
function; startup.py model_runner picks the runner from the release (ServeOptions.vllm_version: the
row's version here, the log's in check-log); where the runner cannot be told (a release not read, a
version not printed, a drafter) or its sampler is not derived (0.33.0, kvplan's default) the V1 figure is
still charged and the gap down to the logits alone is added to the activation term's uncertainty, so
the verdict leans to "at risk". Rows moved (kvplan KV, before → after): round 12's held-out Qwen3-8B on an
H100 at gmu 0.3, vLLM 0.23.0, 2.71 → 7.35 GiB against the log's 6.98 (-61.2 → +5.3 %, "at risk" →
"fits"; it started); round 12's fit Qwen3-4B-Instruct-2507 at gmu 0.22, 4.17 → 8.81 GiB against 8.61
(-51.5 → +2.4 %). Both are now too generous: the logs leave about 1.5 and 1.2 GiB for the activation
peak and non-torch growth, where kvplan now charges 0.97 + 0.14 and 0.95 + 0.14 GiB (the V2 sampler
pass, 0.94 and 0.92 GiB, still above the forward over 8,192 tokens, 0.69 and 0.52 GiB; nothing refit on
these rows). No other scored row's
KV moved: every other scored vLLM row is on a release up to 0.21 (V1), or its version is not printed (4
rows) or not given (2 rows, planned as 0.33.0), which keep the V1 figure with the wider uncertainty. All 41
fit and seen vLLM rows with a KV figure: median |error| 1.6 → 1.6 %, 33 → 34 within 5 %, too generous on 6
→ 8; fit side 3.6 → 3.2 %, 17 → 18 of 22 within 5 %; the 8 refusals stay "does not fit", none called
"fits". Not derived: the V1 runner's sampler on 0.23.0 and 0.33.0, whose envs.py turn
VLLM_USE_FLASHINFER_SAMPLER on by default; kvplan's own --weight-dtype is not seen by the rule (a
checkpoint's quantization_config is), so a 0.22 or 0.23 plan with --weight-dtype fp8 of a dense Llama
or Qwen3 is priced on the V2 runner where vLLM would take V1.

**Changed after round 11's print, seen: the caching allocator's whole blocks in the weights as loaded
(issue 20, session 13).** From code, no constant fitted; made on fit and seen rows only (every row in
the data at 9bc96d4; no held-out row of a later round was read). The Qwen rows' unexplained load
(previous paragraph) is PyTorch's CUDA caching allocator (c10/cuda/CUDACachingAllocator.cpp):
get_allocation_size gives a request of 10 MiB or more a segment rounded up to 2 MiB, should_split splits
a large-pool block only when "remaining > kSmallSize" (1 MiB), and alloc_found_block adds the block's
size, not the request, to allocated_bytes, the counter vLLM's "Model loading took" reads
(DeviceMemoryProfiler, platforms/cuda.py get_current_memory_usage). So a weight whose 2 MiB-rounded
segment leaves at most 1 MiB loads that much heavier, and 2 MiB-exact tensors (every Llama matrix and
its 128,256-row embedding) load exactly. engines/vllm/startup.py allocator_slack simulates the rules
(startup.yaml caching_allocator) over load_tensors, the rank's tensors in the order vLLM's models build
them (fused qkv_proj and gate_up_proj, o_proj, down_proj, a FusedMoE's w13 and w2 over EP or TP,
embedding, LM head, rotary table), a new "weights: caching allocator's whole blocks" line. Qwen2-7B:
qkv 31.5 MiB keeps 0.5, gate_up 259 MiB keeps 1, down 129.5 keeps 0.5, o 24.5 splits 1.5 off: 57 MiB
at TP 1 and 21.5 at TP 2, where dennislee22's vLLM 0.10.1.1 logs load 57 and 22 above the parameters
and rotary table. Weights as loaded against the 41 vLLM logs that state them (fit and seen): median
|kvplan − log| 0.021 → 0.001 GiB, kvplan under the log on 16 → 3, over it on 5 → 9 (gpt-oss's three,
litellmk8s's two, and LAMBO's four Qwen2.5-32B TP 4 rows of vLLM 0.18.1, 15.29 → 15.42 GiB against
15.39: 26 MiB over, not found in code, the cautious side). Rows that moved (KV error, before → after):
dennislee22 Qwen2-7B (fit) -19.2 → -20.3, -4.0 → -4.2, -10.7 → -10.9, -4.1 → -4.2, -3.5 → -3.7 %
(weights 14.19 → 14.25 and 7.10 → 7.12 GiB, logs 14.2488 and 7.1217); graphrag Qwen3-4B (fit) -0.1 →
-0.2 % (7.50 → 7.56, log 7.5552); eval_dataset Qwen3-32B TP 8 (fit) +3.0 → +2.9 % (7.64 → 7.69, log
7.6871); LAMBO (3 fit, 1 seen) -1.1 → -3.5 %; llm-d Qwen3-32B TP 2 (seen) -0.0 → -0.2 % (30.52 → 30.59,
log 30.59); elloraa R1-Distill-Qwen-32B FP8 (seen) +4.5 → +1.3 % (32.01 → 32.20, log 32.1993;
still "at risk"); server-sim Qwen2.5-14B (seen) -0.1 → -0.3 %; tokenkaki Qwen3-8B (seen) -0.2 → -0.3 %;
the first-batch V0 R1-Distill-Qwen-14B TP 2 row's weights 13.79 → 13.95 GiB (log 13.95). All fit
sides together (24 rows with a KV figure): median |error| 3.1 → 3.5 %, 20 of 24 within 5 %, too
generous on 3 (both unchanged); all seen rows (21): 0.6 → 0.6 %, 18 of 21 within 5 %, too generous on 4
(unchanged); all 45: 1.5 → 2.9 % (LAMBO's four: with the log's weights they were already -3.0 %, so
the weights had hidden a cautious error elsewhere). 8 refusals, none called "fits" (unchanged). Not
charged on MXFP4 checkpoints, whose fitted growth (startup.yaml mxfp4_growth_ppm_*) was fitted on logs
that hold the blocks; charged also under PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True, which splits
every remainder (the cautious side, by the same bytes).

**Looked at after round 11's print, seen, nothing changed (issue 20, session 13; diagnosis from the
engines' code).** (1) litellmk8s_h100_llama-3.3-70b-fp8_kvfp8_mml32000_gmu0.95 (+11.4 %, 0.58 GiB too
generous, "at risk"): three more candidates ruled out. vLLM 0.15.1's FP8 kernel list
(model_executor/layers/quantization/kernels/scaled_mm/__init__.py _POSSIBLE_FP8_KERNELS) puts
FlashInferFP8ScaledMMLinearKernel first, but its is_supported needs compute capability 100, so an H100
takes CutlassFP8ScaledMMLinearKernel as read in session 12; no CUDA-graph estimate is charged in a Feb
2026 image (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS is absent from 0.13.0's and 0.15.1's envs.py and
defaults to "0" in 0.18.1's); and the caching allocator's whole blocks (paragraph above) add nothing:
Llama-70B's matrices and embedding are 2 MiB-exact, and the row runs
PYTORCH_ALLOC_CONF=expandable_segments:True, under which should_split splits every remainder, so
neither the weights (67.70 / 67.72 GiB) nor the profile run's peak gain a rounding. The 0.61 GiB the
log leaves beyond kvplan's profile run and non-torch share is still not found in code; no constant
was fitted to the one row, and the 0.90 GiB activation/non-torch uncertainty keeps it "at risk". (2)
The 0.41 GiB non-torch extra at TP > 1 (startup.yaml non_torch_extra_tp_bytes) stays a fitted
value: vLLM 0.11.0's code allocates everything it sizes before the start-up snapshot
(v1/worker/gpu_worker.py init_device takes it after init_worker_distributed_environment, which builds
distributed/device_communicators/cuda_communicator.py's PyNcclCommunicator, whose __init__ runs a
1-element warm-up all_reduce, and CustomAllreduce, whose __init__ maps its IPC buffers of max_size,
8 MiB or all_reduce_utils.py CUSTOM_ALL_REDUCE_MAX_SIZES with symmetric memory, and an 8 MiB
rank_data tensor). What grows after the snapshot is NCCL's own buffers for the profile run's first
large collective (a [8,192, hidden] all-reduce, above custom all-reduce's size), whose number of
channels, protocols and NVLS use NCCL chooses at run time from the topology: no size in vLLM's code,
so no byte count follows from it.
**Changed after round 12's print, seen: vLLM 0.33's V2 sampler warm-up from code (issue 20,
session 13).** Read in the 0.33.0 wheel and FlashInfer 0.7.2.post1 (the version it pins); the tensors and
their files are in engines/vllm/startup.yaml v2_sampler_0_33_source. The second pass of
v1/worker/gpu/model_runner.py _dummy_sampler_run (SamplingParams.for_sampler_warmup()) holds, per
row and vocabulary entry, the bf16 logits (2), sampler.py apply_sampling_params' float32 copy (4) and,
through FlashInfer's top_k_top_p_sampling_from_logits (top-k a tensor, so "top_k_first"), the masked
logits (4) and their softmax (4): 14 bytes a logit; the Triton top-k/top-p path (in place, plus a buffer
of fewer than 2 × rows vocabulary rows) with gumbel's blocks stays below it. Penalties, logit bias,
bad words, temperature and min_p work in place and the top-5 logprobs materialise no vocabulary-wide
tensor; penalties.py PenaltiesState keeps max_num_seqs × vocabulary int32 counts (and a bitmask) for the
engine's life, which 0.33's memory_profiling counts, so they are added. 0.33's V2
profile_cudagraph_memory captures the graphs against a minimal KV cache and measures them, as the V1
runner's does, so the CUDA-graph constant stays. Its extra uncertainty is gone. A row or log naming no
release is no longer planned as 0.33.0 but as a release not told (the V1 figure, at risk): the two
"not given" rows (a100_gemma-4-26b-a4b_eager_gmu0.9, whose post shows 0.19.0, and
4xh100_qwen3-235b-a22b-fp8_tp4_lmcache, July 2025) are not 0.33 runs. No fit or seen row's KV moved
(this table, before and after, diffed); the refusals stay "does not fit". Had the two "not given" rows
been planned as 0.33.0 they would have moved 20.63 → 21.87 GiB (-4.1 → +1.7 %) and 9.90 → 12.78 GiB
(+22.0 → +57.6 %), which says the V1 runner's figure is the right one for them, not that 0.33's is
wrong; no 0.33 log is in the data. The V1 runner from 0.21.0 on (FlashInfer's sampler on by default,
the Triton top-k/top-p for 8 rows or more, every count in 0.33) holds about 14 bytes a logit plus the
Triton buffer, under the
38 charged: not re-priced (no scored V1 log of 0.22 or later; startup.yaml sampler_bytes_per_logit).

**Changed after round 13's print, seen: SGLang's memory before its baseline, term by term (issue 20,
session 14).** Made on fit-side logs only (every scored SGLang row is fit or seen; no held-out figure was
read). SGLang's code (distributed/bootstrap.py init_torch_distributed; 0.4.x model_runner.py) takes the
baseline with get_available_gpu_memory (torch.cuda.empty_cache, then mem_get_info's free bytes, the
minimum over ranks) after the parallel groups exist, and sizes the pool from (total − used before) ×
mem_fraction_static − what loading allocated. The two fitted figures it replaces had been read against
the totals kvplan used before it moved to CUDA's (24 GiB for the RTX 3090, 79.65 GiB for the H100,
140.40 for the H200) and were never re-read: 1.24 GiB on one GPU (the 3090's 24 − 22.76) and 2.67 GiB at
TP > 1, so every SGLang budget was 0.4 to 0.6 GiB × the fraction too cautious. Now, term by term
(engines/sglang_startup.py; scripts/fit_sglang_startup.py prints each figure from the logs, and a test
checks them to the byte): the CUDA context on one GPU by card kind, 0.635 GiB on a datacenter card
(llm-d's SGLang 0.5.19 H100 log, round 13: CUDA's 79.105 GiB less 78.47 free) and 0.805 GiB on a desktop
GeForce/RTX card that may drive a display (the RTX 3090 WSL2 log: 23.565 less 22.76); at TP > 1 NCCL's
communicators, 1.248 GiB (the 4 × H100 log through its pool and the 8 × H200 log's own lines agree: 1.248
and 1.247 GiB), and SGLang's custom all-reduce buffers, computed from custom_all_reduce.py (3 × 8 MiB on
world sizes 2, 4, 6, 8); and what loading allocates beyond kvplan's weights, 0.205 GiB (the larger of the
3090 log's 0.205 and llm-d's 0.046 GiB; SGLang's "mem usage" is mem_get_info's difference, so it holds
whole allocator segments, rotary tables and lazily loaded CUDA modules: not priced term by term), a new
budget line charged with an uncertainty as large as itself. Only the custom all-reduce is computed; the
context, NCCL and the load extra stay estimated (±0.5 GiB and ±0.205 GiB in the verdict). Rows (kvplan KV,
before → after): fit: 4 × H100 Qwen3-235B-A22B-FP8 15.96 → 16.47 GiB (-3.0 → +0.0 %: 367,404 tokens, the
log's own count; the log's 16.46 is its rounded K + V), RTX 3090 R1-Distill-Qwen-7B 5.46 → 5.64 (-3.2 →
-0.0 %), llm-d H100 Qwen3-32B 9.05 → 9.39 (-5.1 → -1.5 %); seen: the SGLang docs' H100 Llama-3.1-8B 53.56
→ 53.89 (-1.3 → -0.7 %), sglang#4760's H100 Llama-3.1-8B 53.56 → 53.89 (-0.9 → -0.3 %), the 4 × L4 QwQ-32B
1.21 → 1.66 (-57.3 → -41.7 %: on PCIe-only cards SGLang's custom all-reduce is off and NCCL holds far less;
no fit-side log shows it, so the NVLink figure is still charged there, the cautious side). Every fit side
together (26 rows with a KV figure): median |error| 3.5 → 3.5 %, 21 → 22 within 5 %, too generous on 4 →
5 (the 4 × H100 row, +0.05 %, by its rounded GiB figure only); every seen row (22): 0.7 → 0.5 %, 18 within
5 %, too generous on 5 (unchanged); no refusal is an SGLang row, none called "fits" (unchanged).

**Changed after round 13's print, seen: SGLang on PCIe-only cards, and the engines' length limits
(issue 20, session 14; from code, one estimate from a fit-side log).** SGLang's custom all-reduce
(custom_all_reduce.py CustomAllreduce.__init__) is off where world_size > 2 and the GPUs are not all
NVLinked ("not supported on more than two PCIe-only GPUs"): its 3 × 8 MiB are no longer charged on
cards without a scale-up fabric (plan/latency/profile.py scale_up_fabric, the catalog's interconnect).
NCCL's share there is charged at 0.70 GiB instead of the 1.248 read on NVLink systems: the whole
non-torch footprint of the fit-side 8 × L40S vLLM 0.10.2 log (44.42 − 43.93 GiB used at start-up +
0.21 GiB of non-torch memory, context included), an upper bound for NCCL at 8 ranks, estimated (a vLLM
log) and carried as the non-torch part's uncertainty, so a verdict it decides is "at risk"
(engines/sglang_startup.py NCCL_TP_PCIE). Only one scored row runs SGLang on PCIe-only cards: the seen
4 × L4 QwQ-32B, 1.66 → 2.14 GiB (-41.7 → -24.6 %; still cautious: the log's pool implies 0.42 GiB used
before the baseline, kvplan now charges 1.33). vLLM's and SGLang's refusal of a longer max-model-len now
follow their code (vLLM 0.33 config/model.py _get_and_verify_max_len with
model_arch_config_convertor.py derive_max_model_len_and_key: the smallest length key, model_max_length
winning, times the rope factor except for yarn, llama3, longrope and DeepSeek's yarn; SGLang's
get_context_length: the first of max_sequence_length, seq_length, max_seq_len, model_max_length,
max_position_embeddings); no logged row's limit moved.

**Changed after round 14's print, seen: NCCL's memory by release and interconnect (issue 20, session 15;
from code, three figures read from fit-side or seen logs).** (1) vLLM before 0.11.0 takes its start-up
snapshot before the distributed environment exists (v1/worker/gpu_worker.py Worker.init_device, read in
the 0.10.0 and 0.10.2 wheels; 0.11.0 moved init_worker_distributed_environment first, "This ensures NCCL
buffers are allocated before we measure available memory"), so NCCL's communicators are inside the
non-torch growth it charges to the KV budget. Where NCCL can set up NVLink SHARP (more than two GPUs in
the group, nccl src/transport/nvls.cc ncclNvlsInit; multicast on Hopper and later NVLink cards) that is
1.61 GiB a GPU on the one fit-side log that shows it (evalds Qwen3-32B, TP 8 on H100, vLLM 0.10.0;
engines/vllm/startup.yaml nccl_before_snapshot_nvls_bytes, `python scripts/fit_startup_constants.py
nccl`), charged for such releases (and for a release kvplan cannot read) and carried as its own
uncertainty, so a verdict it decides is "at risk"; 0.11.0 and later, kvplan's default 0.33.0 included,
are unchanged. (2) On cards with no NVLink at all (L4, L40S, RTX 4090, ...) the non-torch extra at TP or
PP > 1 is the fit-side 8 × L40S log's 0.21 GiB less the TP 1 growth, 0.07 GiB (NCCL runs few channels
over PCIe), instead of the 0.41 GiB fitted on NVLinked H100s, whose rest is carried as the uncertainty.
(3) SGLang's NCCL share on PCIe-only cards is read from SGLang's own line in the seen 4 × L4 log ("Init
torch distributed ends. mem usage=0.13 GB", init_torch_distributed: the groups' memory, the context
excluded), 0.13 GiB, with the former 0.70 GiB charge as its uncertainty (engines/sglang_startup.py
NCCL_TP_PCIE). Rows (kvplan KV error, before → after): fit (in-sample): evalds Qwen3-32B TP 8 +2.9 →
-0.0 %, 4 × H100 Qwen3-235B-A22B-FP8 with LMCache (July 2025, release not printed) +22.0 → +2.2 % (fits →
at risk), 8 × L40S Qwen3-235B-A22B-FP8 -3.7 → -0.5 %, 2 × L40S Qwen3-30B-A3B-FP8 -1.2 → +0.1 %; seen:
evalds Qwen3-235B-A22B-FP8 TP 8 with EP +4.5 → +0.0 %, 8 × B200 gpt-oss-120b (a Dec 2025 main build,
after 0.11 but its release not readable, so charged) +0.2 → -1.0 %, SGLang 4 × L4 QwQ-32B -24.6 → -7.6 %
(the rest is the datacenter CUDA context, 0.635 GiB charged against about 0.29 on this L4, the cautious
side). Every fit side (26 rows with a KV figure): median |error| 3.5 → 2.8 %, 22 → 23 within 5 %, too
generous on 5 (unchanged); every seen row (23): 0.6 → 0.6 %, 19 within 5 % (unchanged), too generous on
5 → 4; 9 refusals, none called "fits" (unchanged). Looked at, not changed (no rule found in code):
litellmk8s Llama-3.3-70B FP8 (+11.4 %, at risk), RAG-System's Qwen3-8B on vLLM 0.23's V2 runner (+5.3 %),
whose forward over 8,192 tokens would have to hold about 1.9 × kvplan's shape estimate (its Qwen3-4B
sibling agrees), and llm-d's gpt-oss-120b row, whose own figures do not add up (notes in the data).

**Changed after round 15's print, seen: the V1 runner's sampler pass by release (issue 20, session 16;
from code, no constant fitted).** Read in the vLLM wheels 0.9.0 to 0.21.0 (v1/sample/ops/topk_topp_sampler.py
TopKTopPSampler.__init__, forward_native, flashinfer_sample, apply_top_k_top_p; envs.py
VLLM_USE_FLASHINFER_SAMPLER; v1/worker/gpu_model_runner.py _dummy_sampler_run) and flashinfer-python
0.2.11's top_k_top_p_sampling_from_logits: up to 0.11 the V1 sampler runs FlashInfer wherever it is
installed (14 bytes a logit: the 16-bit logits, their float32 copy, top_k_mask_logits' and softmax's float32
outputs), which the log says ("Using FlashInfer for top-p & top-k sampling." or "FlashInfer is not
available"), else the sort (38); from 0.12.0 FlashInfer is opt-in (the sort); from 0.17.0 forward_native
masks with a Triton top-k/top-p for 8 rows or more (14 bytes plus its float32 buffer of at most
next_power_of_2(rows) vocabulary rows); from 0.21.0 FlashInfer is on by default and a second, native pass
follows (the Triton path again). engines/vllm/startup.yaml v1_sampler holds the ranges with their files;
startup.py v1_sampler_peak applies them; check-log reads the FlashInfer line; a 0.9-0.11 log that does not
print it is charged the sort, at risk down to FlashInfer's figure. The rows' FlashInfer line was read in
their committed logs: dennislee22's five A100 80GB runs and shinrin2's two RTX 5090 runs use FlashInfer;
dennislee22's A100 40GB run, demo_env_l4, eval_dataset, elloraa and neo4j-graphrag do not. Rows (KV error,
before → after): fit: dennislee22 Qwen2-7B -20.3 → -2.9, -10.9 → -3.6, -4.2 → -0.7, -4.2 → -1.5 % and
gpt-oss-120b at TP 4 -3.0 → -0.4 %, myoceane's A100 gpt-oss-20b (0.19.0) -2.7 → -0.1 %, local-ai's RTX 3090
Phi-3-mini (0.19.1) -4.6 → -3.4 %; seen: MemSuit's A100 Llama-3.1-8B (0.17.1) -1.6 → -0.5 %, server-sim's
H100 Qwen2.5-14B (0.21.0) -0.3 → +1.4 % (its sampler is now below the forward; the 0.56 GiB the log leaves
is not found in code: the file holds no weights line and its CUDA-graph charge is the fitted estimate).
Every fit side (26 rows with a KV figure): median |error| 2.8 → 1.5 %, 23 → 25 within 5 %, too generous on
5 (unchanged); every seen row (23): 0.6 → 0.6 %, 19 within 5 % (unchanged), too generous on 4 → 5; 9
refusals, none called "fits", no verdict changed. The two RTX 5090 rows state tokens only (no KV figure):
11.89 → 12.63 GiB against the 11.36 GiB of cache their tokens imply (+11 %), a gap this change exposes and
does not explain: vLLM 0.9.0's determine_available_memory (v1/worker/gpu_worker.py) charges everything on the
device outside torch's reserved memory (total less free less reserved: the CUDA context and any other
process, such as a desktop's display), where kvplan charges the growth after a start-up snapshot, as
later releases measure it; not priced (a follow-up). The first prints of rounds 1-15 (below) stay the held-out figures.

**Changed after round 15's print, seen: vLLM up to 0.9.0 charges the CUDA context; token-only logs scored
(issue 20, session 16, second pass; from code, no constant fitted).** (1) vLLM 0.8.5 and 0.9.0 (wheels read),
v1/worker/gpu_worker.py Worker.determine_available_memory, add to the profile's peak everything on the card
outside torch's allocator after it (mem_get_info's total less free, less allocated_bytes.all.current): the
CUDA context and any other process (a desktop's display) included. 0.9.1 is the first release whose
init_device takes MemorySnapshot() and whose budget charges memory_profiling's non_torch_increase (the growth
after that snapshot), as 0.9.2, 0.10.0 and later do (wheels read). engines/vllm/startup.yaml
whole_non_torch_until (0.9.0) holds the edge; non_torch.py whole_non_torch and cuda_context charge, up to 0.9.0,
the context by card kind as SGLang's logs show it (engines/sglang_startup.py PRE_LOAD_TP1: 0.805 GiB on a
desktop card, 0.635 on a datacenter card) with its ±0.5 GiB as uncertainty, so a verdict it decides is "at
risk"; a release kvplan cannot read is charged nothing here and carries the context as uncertainty (no
verdict moved). (2) A started vLLM log that prints tokens and no GiB (vLLM 0.9.0: "GPU KV cache size" is
num_gpu_blocks × block size) is scored against tokens ÷ block size × bytes a block where kvplan's layout is one
group of full-attention layers (exact, as the goldens; vLLM's num_gpu_blocks = budget // bytes a block, so
the budget lies within one block, 2 MiB here, above it); the table marks the figure "(tokens)". No row
changed side. Rows (kvplan KV, before → after): shinrin2's two RTX 5090 rows (Llama-3.1-8B, vLLM 0.9.0;
fit round 10 and seen round 10) 12.63 → 11.82 GiB against 11.35 and 11.36 GiB from their blocks (+11.3 →
+4.2 % and +11.1 → +4.1 %, still too generous: what else held the card is not known). Every fit side
(rows with a KV figure): 26 → 27 rows, median |error| 1.5 → 1.5 % (1.49 → 1.53), 25 → 26 within 5 %, too
generous on 5 → 6; every seen row: 23 → 24, 0.6 → 0.7 % (0.61 → 0.65), 19 → 20 within 5 %, too generous on 5
→ 6; 9 refusals, none called "fits". Read, no rule found (so not changed): server-sim's Qwen2.5-14B on an
H100 (vLLM 0.21.0, seen, +1.4 %, 0.56 GiB): 0.21.0's determine_available_memory measures the non-torch
growth after profile_cudagraph_memory (inside memory_profiling from 0.18.0 on; charged by default from 0.20.0's
envs.py), and the same model's 0.21.0 estimate is 0.68 GiB in kanitakorn's unscored logs (kvplan charges
0.65); those logs (a card of 43.7 to 44.6 GiB by their utilization line, "equivalent to
--gpu-memory-utilization=0.9046") leave 1.0 to 1.9 GiB (1.7 at an L40S's 44.42) to the activation peak and the
non-torch growth where kvplan charges 0.96, and across kanitakorn's 48 fit and seen 0.21.0 start-ups (the
same non-default args throughout) that rest is 0.95 to 1.20 GiB in 41 and 1.64 to 1.78 GiB in 7 (6 of them the
first start-up in their file): a step of 0.5 to 0.8 GiB from one run to the next, not a term of the shapes
(a cold torch.compile cache is one possible cause; the logs do not print the compile time to tell); it lies within the activation term's ±0.90 GiB and the graphs' ±1.23 GiB, which already make an edge
case "at risk" (--explain names the largest, the CUDA graphs). RAG-System's Qwen3-8B on 0.23.0's V2 runner
(seen, +5.3 %, 0.37 GiB): v1/worker/gpu/model_runner.py profile_run runs the forward with skip_attn=True and
profile_cudagraph_memory returns 0, so neither the attention nor graphs explain it; its input and sampler
buffers are allocated before the profile (outside the charge). litellmk8s's Llama-3.3-70B FP8 (seen, +11.4
%, 0.58 GiB, "at risk"): the release is not printed; ModelOpt's per-tensor FP8 adds an fp8 copy of each
GEMM input (at most 0.22 GiB at the down projection, beside tensors kvplan already holds), short of the gap.

**Changed after round 16's print, seen: the CUDA graphs by release, and the A10G's CUDA total (issue 20,
session 17; from code and a data correction, no constant fitted).** Made after round 16's held-out figures
had been printed and read, so every row below is in sample for it; round 16's first prints stay the
held-out figures. (1) Read in the vLLM wheels (v1/worker/gpu_worker.py Worker.determine_available_memory,
envs.py): 0.8.5, 0.9.0, 0.9.0.1, 0.9.1, 0.9.2, 0.10.0, 0.10.1.1, 0.10.2, 0.11.0, 0.12.0, 0.13.0, 0.15.1 and
0.17.1 call no profile_cudagraph_memory and subtract no graph estimate (compile_or_warm_up_model captures the
graphs after initialize_from_config has allocated the cache); 0.18.0, 0.18.1 and 0.19.0 estimate but subtract
only under VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS, whose default is "0"; 0.20.0 and later default it to
"1". kvplan had charged the fitted 0.65 GiB in every V1 budget unless a row's data said otherwise (the
round-16 rows did not); now the release decides (engines/vllm/startup.yaml cuda_graph_estimate_charged_from,
startup.py graphs_charged; 0.19.1 and unreadable releases are still charged, the cautious side), a row's
"cuda_graphs_charged": false counts only where the release cannot be read, and where the graphs are charged
in no budget (the V1 runner up to 0.19, the V2 runner of 0.22 to 0.28) the verdict checks them after sizing
against what the share leaves, with their ±1.23 GiB (plan/verdict.py _post_sizing, startup.py
graphs_after_sizing). (2) The A10G's CUDA total is now observed: "22.19 GiB total capacity" on AWS
ml.g5.12xlarge (vllm#372; 22.20 in Dreambooth-Stable-Diffusion#18), where kvplan took nvidia-smi's 23,028 MiB
less 876 MiB (21.63 GiB, estimated); the A10 reads 21.99 GiB under a 2025 driver, so a newer driver may leave an
A10G less (model_specs/gpus.yaml). Rows (kvplan KV, before → after): seen: the A10G Mistral 7B (vLLM 0.9.0.1,
round 16) 4.64 → 5.80 GiB against the 6.16 its tokens imply, -24.7 → -5.9 % ("fits" → "at risk": 1.77 GiB left
after sizing for 0.65 ± 1.23 GiB of graphs; the log's 0.47 GiB fits); fit: the L40S Qwen2.5-7B bf16 and
FP8-dynamic (0.8.5.post1) -4.0 → -1.2 % and -2.2 → +0.0 %, the 8 × H200 Llama-4-Scout pair (0.12.0) -0.2 → +0.6 %
each (its vision encoder's weights and profile are not priced); the same set-up's refusal at 0.95 stays "at
risk" (6 GiB of block tables and 0.65 GiB of graphs after sizing against 6.99 GiB). Every fit side (32 rows with
a KV figure): median |error| 1.65 → 1.35 %, 31 of 32 within 5 % (unchanged), too generous on 7 → 10; every seen
row (26, round 16's held-out rows included): 0.83 → 0.83 %, 21 of 26 within 5 %, too generous on 7 (all
unchanged); 11 refusals, none called "fits". The two RTX 5090 rows (0.9.0, whose data already said no graphs)
are unchanged (+4.2 and +4.1 %). What the A10G row still lacks is its non-torch share: 0.92 × 22.185 − 13.50 −
6.16 leaves 0.75 GiB for the activation peak and everything outside torch, where kvplan charges 0.32 (the sort,
FlashInfer not installed as the post says) + 0.78 (the datacenter CUDA context, 0.635 GiB read on an H100, and
the growth); no figure for an A10G's context was found, so nothing was fitted to the one row. Looked at again,
nothing changed: litellmk8s's Llama-3.3-70B FP8 (+11.4 %) and RAG-System's Qwen3-8B on 0.23.0's V2 runner (+5.3
%): 0.23.0's memory_profiling (utils/mem_utils.py) resets the peak and measures it from after loading, so
what the V2 runner allocates before profile_run (its input buffers, sampler states, block tables) is in no
charge and cannot explain a generous error; both rows, and the fit-side Qwen3-14B on an L40S (0.28.0, V2 runner,
+3.5 %), are rows whose profile peak is the forward (few sequences, or the V2 runner's small sampler pass), where
kvplan's forward is a shape estimate and the logs leave it 0.4 to 0.6 GiB more than that estimate, while the
Qwen3-4B beside the Qwen3-8B on the same card and release leaves 0.07 GiB more: not a term of the shapes that
was found in code (a cold torch.compile cache, which kanitakorn's logs suggest, would be one), so not priced.

**Changed after round 17's print, seen: vLLM 0.27-0.28's V2 runner pays for its penalty counts (issue 20,
session 18; from code, no constant fitted).** Made after round 17's held-out figures had been printed, so every
row below is in sample for it; the first prints stay the held-out figures. Read in the vllm-0.23.0, 0.24.0,
0.26.0, 0.27.0, 0.27.1, 0.28.0 and 0.29.0 wheels: utils/mem_utils.py memory_profiling up to 0.26.0 charges the
weights, the non-torch increase and the torch peak over what is allocated when profiling starts, so a tensor
built before profile_run and kept is in no term (session 17's reading of 0.23.0 holds); from 0.27.0 it charges
total_consumed (free memory at init_snapshot less free memory after the profile: every persistent allocation
since the snapshot) plus the transient peak's headroom. The V2 runner's Sampler builds PenaltiesState
(v1/worker/gpu/sample/penalties.py: max_num_seqs x (vocabulary + vocabulary / 32) int32) in load_model, after
the snapshot, so 0.27.0 to 0.28.0 charge it as 0.33.0 does (engines/vllm/startup.yaml v2_penalty_state and
v2_penalty_state_0_27_source). Rows: fit, the L40S Qwen3-14B on 0.28.0 +3.5 → +2.2 % (0.15 GiB for 256
sequences); no other scored row runs 0.27-0.28's V2 runner. Every fit side (32 rows with a KV figure): median
|error| 1.35 %, 31 of 32 within 5 %; every seen row (27, round 17's held-out row included): 0.68 %, 22 of 27;
both unchanged; no refusal called fits. Looked at, nothing changed: (1) vLLM 0.29.0 (round 17's L40S rows)
stays a release whose runner kvplan does not price (the V1 figure, at risk): its code gives the V2 runner for
every model, one dummy sampler pass of 2 bytes a logit, the penalty counts and a graph estimate, which would
charge about 0.4 GiB of activation where its log states a transient headroom of 1.48 GiB (1.99 GiB "for peak
activation" less the 0.51 GiB graph estimate in it, gpu_worker.py determine_available_memory): the forward over
2,048 tokens and that pass do not explain it, so pricing 0.29.0 from the code read would turn -0.2 % into about
+9 % (too generous); not done. (2) litellmk8s's Llama-3.3-70B FP8 (+11.4 %): vLLM 0.15.1 was the newest release on
the image's date (the wheels' file dates: 0.15.1 Feb 4 2026, 0.16.0 Feb 25); its "Model loading took" is the allocated bytes
after load less before (utils/mem_utils.py DeviceMemoryProfiler, platforms/cuda.py get_current_memory_usage),
so ModelOpt's requantize transients (w8a8_utils.py requantize_with_max_scale) are neither in the logged weights
nor in the budget, and with 8 sequences the sampler pass is small; the 0.6 GiB the log leaves beyond kvplan's
forward and non-torch terms is not found in code. (3) DeepSeek-V3.2 on "8xH20" (serving round 17, refused by
kvplan on the 96 GB H20): the weights as loaded, 80.14 GiB a GPU at TP 8, and one 163,840-token request's 11.95
GiB of KV exceed 0.9 x 95.00 GiB before any other term, so the recipe ran on a larger card (its repository names
the 141 GB H20-3e elsewhere); kvplan has no H20-3e entry, for want of a datasheet (benchmarks/serving/runs.yaml).

**First scored after session 18's catalog additions, no constant tuned on them (issue 20, session 18).**
The catalog gained Qwen2.5-3B (its base config.json; the Instruct names resolve to it), the A40 (CUDA total
44.45 GiB, vLLM 0.9.1 V0's own print on the same machine) and the DGX Spark's GB10 (unified memory, CUDA total
121.69 GiB). Three rows, each unscored before for that alone, are scored now and shown apart, on the half their
URL holds (round 12's split, unchanged), until they count as seen: Qwen2.5-3B-Instruct on an RTX 3090 with
vLLM 0.27.0 (held out; its eager twin, another URL, fit) and Gemma 3 1B on the A40 with vLLM 0.9.1 (fit).
As first printed (2026-12-07, the model of commit 01e0f01): held out, 1 row, +7.9 % (kvplan 13.71 GiB of KV
against the log's 12.71: too generous), no refusal; fit, 2 rows, -0.0 % (13.71 against 13.72) and -0.2 %
(35.58 against 35.64), no refusal. With today's model: {first_scored_18(rs)}. Looked at, nothing changed: the
held-out row and its eager twin differ only in --enforce-eager and their logged budgets by 1.01 GiB, where
kvplan prices both alike, for vLLM 0.27.0's V2 runner estimates no CUDA graphs (v1/worker/gpu/model_runner.py
profile_cudagraph_memory returns 0 in the 0.27.0 wheel, as startup.yaml model_runner says): the 1.01 GiB is
something else the compiled run holds, not found in code (torch.compile's share is a candidate, not priced). No GB10
log is scored: on unified memory vLLM reads free memory from
psutil (utils/mem_utils.py MemorySnapshot.measure), so its non-torch term counts the host's allocations during
start-up, which kvplan does not model; those rows say so. Other rows whose model or card was added keep
another reason (the card not named, a vision tower), now stated without the catalog clause.

{format_additions(rs)}

**torch.compile's share of the profile run, an estimated term (issue 20, session 18; from code, a band FITTED on
fit-side logs, no bytes charged).** vLLM compiles the model inside the profile run that sizes the KV cache
(v1/worker/gpu_worker.py determine_available_memory runs profile_run under utils/mem_utils.py memory_profiling:
"still need a profile run which compiles the model for max_num_batched_tokens", read in 0.12.0, 0.27.0 and
0.33.0), so what a cold compile cache costs (Inductor compiling and benchmarking its kernels at first launch,
torch/_inductor/runtime/triton_heuristics.py CachingAutotuner.bench cloning mutated arguments; vLLM turns on
benchmark_combo_kernel from torch 2.9, config/compilation.py) lands in the torch peak or in total_consumed and
comes out of the KV budget, while a warm cache ("Directly load the compiled graph(s) ... from the cache") skips
it. The size is Inductor's, per graph and card, not in vLLM's code, and the logs disagree on it: cold minus warm
on one machine with the same args is 0.56 GiB for Qwen3-14B (vLLM 0.21.0, kanitakorn's qwen3.log and
qwen3thai.log, fit side), 0.09 GiB for a Qwen2.5-7B (qwen25math.log, seen), 0.52 and 0.81 GiB for 14B models
with LoRA (qwen3_eval.log, v2_thai.log, seen), 0.00 GiB for Gemma-4-E4B under 0.27.1 on an RTX 3090
(Amreschizo/gemma-benchmarks vllm_gemma4_serve.log, seen), whose warm compiled start-up equals its eager one
(vllm_midgen_injection_run.log against run2.log: 15.45 GiB consumed and 0.22 GiB peak in both, 4.36 GiB of KV);
the held-out Qwen2.5-3B row's cold compile costs 1.01 GiB over its eager twin (consumed 6.71 against 6.13 GiB,
peak 0.59 against 0.16; not used). Among scored rows (below) the cold compiles are not consistently generous
(-4.3 to +7.9 %). So nothing is charged (no KV figure moves) and a compiled start-up carries a band of
±0.57 GiB (the fit-side step, two prints rounded to 0.01 GiB; engines/vllm/startup.yaml
torch_compile_cold_uncertainty_bytes, kind FITTED, with the rows it rests on), so the verdict leans to "at
risk"; none under --enforce-eager or where --activation-memory and --non-torch-memory are both given.
`--explain` lists every estimated term with its band. Rows: two verdicts move, fits → at risk (llm-d's
gpt-oss-20b on one H100, seen, -0.6 %; Gemma 3 1B on the A40, first scored, fit side, -0.2 %), both where kvplan's
budget was not too generous; no refusal is called fits; median |error| and within-5 % are unchanged on every
half (vLLM rows with a KV figure on every fit side, the first-scored fit side included: 1.35 %, 29 of 30;
seen: 0.97 %, 19 of 23). kvplan's signed error by how the
start-up compiled (tests/data/vllm_startup_compile.json, read in each row's file; today's model):

{compile_table(rs)}

**Looked at in session 19, on fit and seen rows (issue 20, st20fix; from code, no constant fitted, no KV figure
moves).** (1) A warm compile cache can be said: `kvplan fit --compile-cache warm` (ServeOptions.compile_cache;
check-log reads it from a log) drops the ±0.57 GiB cold-compile band, for vLLM 0.33.0
compilation/backends.py CompilerManager.compile loads a cached graph ("Directly load the compiled graph(s) ...
from the cache", kept where VLLM_CACHE_ROOT's torch_compile_cache or compilation-config cache_dir points) and
compiles nothing in the profile run; "Compiling a graph for ..." or VLLM_DISABLE_COMPILE_CACHE=1 (envs.py)
keeps the band, and a start-up that says nothing counts as cold. No scored row passes it, so no verdict moves.
(2) AWQ linears padded for Marlin: from 0.24.0 auto_awq.py get_quant_method keeps a misaligned matrix on
Marlin (check_marlin_supports_layer with allow_tile_padding=True) and kernels/linear/mixed_precision/marlin.py
MarlinLinearKernel.process_weights_after_loading zero-pads the partition to utils/marlin_utils.py
marlin_padded_nk (out to 64 and in to lcm(128, group), or out to 128 and in to lcm(64, group), the smaller);
the padded qweight, scales, zero points and bias are in the weights as loaded (engines/vllm/loaded.py
awq_marlin_padding_growth; read in the 0.24.0, 0.29.0 and 0.33.0 wheels; 0.23.0 has no padding, such a matrix
runs plain AWQ). Llama-2-7B AWQ with group 32 at TP 8 grows 2,424,832 bytes (its down projection, 1,376 inputs
a rank, padded to 1,408); the scored AWQ rows (Qwen3-14B-AWQ) are aligned and do not move. (3) litellmk8s's
Llama-3.3-70B FP8 (seen, +11.4 %, 0.58 GiB too generous), read again in vLLM 0.15.1 (the release of the image's
date): ModelOptFp8LinearMethod (quantization/modelopt.py) takes init_fp8_linear_kernel's choice, which on
compute capability 9.0 is CutlassFP8ScaledMMLinearKernel (kernels/scaled_mm/__init__.py _POSSIBLE_FP8_KERNELS;
FlashInfer's kernel needs 10.0), with no output padding and no workspace, and the static per-tensor input quant
makes a 1-byte copy (below the SiluAndMul peak kvplan charges); process_weights_after_loading transposes a view,
and requantize_with_max_scale's temporaries are freed before memory_profiling's gc.collect and empty_cache
(utils/mem_utils.py), as the logged 67.7 GiB against kvplan's 67.72 confirms; the profile run
(v1/worker/gpu_model_runner.py profile_run, _dummy_run(8192, is_profile=True)) runs no attention (no metadata) and
samples 8 rows; at TP 1 there are no NCCL or custom all-reduce buffers; 0.15.1 subtracts no CUDA-graph estimate.
What is left is the compile: the deployment (models/llama-3-3-70b/deployment.yaml at the doc's commit) keeps only
/root/.cache/huggingface on its volume, so vLLM's compile cache (envs.py VLLM_CACHE_ROOT, ~/.cache/vllm) is empty at
every pod start ("~26 seconds for torch.compile warmup", the doc), and 0.15.1 runs torch 2.9.1 (its wheel's METADATA)
with Inductor's combo_kernels and benchmark_combo_kernel on (config/compilation.py). The 0.58 GiB is the fit-side
cold step (0.56 GiB) and inside the band, so the row stays "at risk"; not charged (the band is FITTED and cold
compiles are not consistently generous); the doc quotes no compile line, so the row is not in the table above. (4) vLLM
0.29.0's 1.48 GiB transient peak (optlab's L40S rows): 0.29.0's memory_profiling (utils/mem_utils.py) takes
transient_peak_headroom = torch_peak − torch_allocated over profile_run, and the V2 runner's profile_run
(v1/worker/gpu/model_runner.py) is the forward over max_num_batched_tokens with attention skipped (0.24 GiB at 2,048
tokens for Qwen3-14B) and one dummy sampler pass (sample/sampler.py: the states' default top_k = vocabulary and top_p
= 1 skip top-k/top-p, a zero temperature samples greedily; about 0.1 GiB); the for_sampler_warmup pass
(gpu/warmup.py warmup_kernels) runs after the cache is sized. The three optlab start-ups compile cold (now in the
table above) and their headroom is 1.48 GiB at 2,048 tokens and 256 sequences, in bf16 and AWQ alike, and 1.60 GiB
at 8,192 tokens and 512 sequences: 4 times the tokens and twice the sequences add 0.12 GiB where the forward alone
adds 0.71, so most of it is a term of neither, which the code does not allocate in profile_run; a cold Inductor
compile in the profile run (the log's inductor_compile_config: combo_kernels, benchmark_combo_kernel) is the
candidate, about 2.5 times the fit-side cold step. Pricing 0.29.0 from the code read (the V2 runner, about 0.4 GiB)
would be about 1.1 GiB too generous on these cold start-ups, so 0.29.0 keeps the V1 figure (1.40 GiB, at risk down
to the logits); that it lands on the log's 1.48 is a coincidence of sizes, not vLLM's accounting. (5) The largest
fit-side error, finetuning-llama's Llama-3.1-8B on an RTX 6000 Ada (vLLM 0.15.1, -10.8 %, 2.88 GiB too cautious): its
own figures imply a CUDA total of about 47.6 GiB if kvplan's activation (1.19) and non-torch (0.14) terms hold, where
kvplan takes the 44.43 GiB an ECC-on card prints (model_specs/gpus.yaml, nvidia-smi 46068 MiB); an ECC-off card's
larger total would explain it, but no citable print of one was found, so the entry stays the cautious figure.
Every fit side and every seen row as before this session (`PYTHONPATH=. python scripts/startup_log_baseline.py`:
vLLM, SGLang and TensorRT-LLM rows with a KV figure; fit 40 rows, median |error| 1.17 %, 39 within 5 %; seen 27,
0.68 %, 22 within 5 %; 12 refusals on those halves, none called fits).

**Looked at in session 19: Qwen3-32B at 40,960 tokens on one H100, vLLM 0.11.0 against 0.33 (issue 20,
st20q32; from vLLM's code and seen rows, no constant changed, no start-up figure or verdict moves).** gpustack's
performance lab (docs/performance-lab/qwen3-32b/h100.md at 47277d79: "A single NVIDIA H100 SXM GPU", vLLM
v0.11.0, `vllm serve Qwen/Qwen3-32B` and no other flag; the earlier "NVIDIA H100 GPUs" was made one card in
gpustack 1f37f1b8) served 32,000-token prompts, where `kvplan fit qwen3-32b --gpu h100 --engine vllm` refuses
(6.62 GiB of KV, 10.0 GiB needed). Read in the 0.11.0 wheel: engine/arg_utils.py get_batch_defaults gives
8,192 tokens and 1,024 sequences on a card of 70 GiB or more without "a100" in its name;
v1/worker/gpu_model_runner.py _dummy_sampler_run samples 1,024 rows with top_k = vocabulary - 1 and top_p 0.9;
v1/worker/gpu_worker.py determine_available_memory gives KV = requested - (weights + peak + non-torch), no
CUDA-graph term; v1/core/kv_cache_utils.py check_enough_kv_cache_memory refuses where
cdiv(max_model_len, block) x page (10.0 GiB at 40,960) is larger. `--engine-version 0.11.0` plans exactly that:
weights 61.03, peak 5.64 (the sampler's sort; FlashInfer's sampler, the band's low end, about 2.1), non-torch
0.14, 4.38 GiB of KV; llm-d's 0.11.0 log of the same model, card and utilization (seen) logged 61.03, 5.64 and
0.14, 4.45 GiB of KV at 16,000 tokens, and refused at 32,000. 0.33 (the V2 runner's sampler warm-up and penalty
counts, 2.75 GiB; its CUDA-graph estimate, 0.65 GiB) leaves 6.62. Both releases refuse, 0.11.0 by more, even at
FlashInfer's sampler (about 8 GiB); so the page's run differed from what it states, in a way it does not say
(with 0.11.0's rules an H100 NVL 94 GB fits, a utilization of 0.97 leaves it 0.08 GiB short; at 0.9 neither
--max-model-len 32768 nor --max-num-seqs 256 alone fits). One fix follows, in the serving replay:
benchmarks/serving/accuracy.py passed a run's release to the scheduler's rules but planned its KV budget with
kvplan's own vLLM (0.33); bench.replay now plans it with the run's V1 release (observe/bench.py startup_opts,
as `fit --engine-version`; V0 runs and unstated releases as before). docs/serving-accuracy.md: 18 fit and
seen rows move (gpustack's 0.11.0 H100/A100, dennislee22's A100 runs, simon-mo's H200 DeepSeek-R1 runs),
the 9 refusals stay refused (H100 6.62 -> 4.38 GiB, A100 8.72 -> 8.64), no held-out row moves.

**Looked at in session 20: what vLLM allocates after sizing (issue 20; from code, one uncertainty measured on
two OOMs, no KV figure moves).** Round 19's refusal called "fits" (gpt-oss-20b on one H100 at 0.95, vLLM 0.19.0,
and its TP 2 twin on the fit side) sized 58.47 GiB of KV cache, captured its CUDA graphs (1.84 GiB), then ran out
of memory warming up its sampler. Read in the 0.12.0, 0.19.0 and 0.33.0 wheels: v1/worker/gpu_worker.py
compile_or_warm_up_model, once the cache is allocated, captures the graphs (capture_model) and then runs the V1
runner's _dummy_run over min(max_num_seqs, max_num_batched_tokens) tokens and _dummy_sampler_run over as many rows
(0.33.0's V2 runner: v1/worker/gpu/warmup.py warmup_kernels, before the capture). Its bytes are the profile
run's sampler pass again, which the profile gave back, so kvplan's after-sizing check (plan/verdict.py) charged it
nothing; two things were missing. (1) What sits on the GPU before vLLM's snapshot is outside its share: the CUDA
context, and from 0.11.0 NCCL and the custom all-reduce buffers (the log: "worker init memory snapshot: ...
non_torch_memory=0.51GiB" at TP 1, 1.99 at TP 2), and vLLM refuses at start-up where it is more than the share
leaves (v1/worker/utils.py request_memory: "Free memory on device ... is less than desired GPU memory
utilization"); kvplan now takes it from the same figures SGLang's logs gave (engines/vllm/non_torch.py
outside_share; 0.635 GiB of context on a datacenter card, ±0.5). (2) PyTorch's caching allocator could not place
the warm-up in what it held: at both OOMs it held 1.78 and 1.62 GiB "reserved by PyTorch but unallocated" when the
786 MiB request (one fp32 logits block: 1,024 × 201,088 × 4 bytes) failed, 2.32 and 2.11 blocks; the larger is
carried as the warm-up's uncertainty, per logits block of the plan's own rows and vocabulary (startup.yaml
warmup_fragmentation_permille, MEASURED, never charged; engines/vllm/after_sizing.py). Both refusals are "at risk"
now (deciding term post_sizing: 3.96 GiB unused − 0.63 context − 0.65 graphs leaves 2.67 GiB, within the graphs'
±1.23, the context's ±0.50, one block table and the estimated parts' errors and the warm-up's 1.78 GiB), the TP 2
twin at 0.9 still fits, and round 16's Llama-4-Scout refusal at 0.95 on 8 × H200 (vLLM 0.12.0, the same OOM) is
"does not fit" now (6.99 GiB unused − 1.91 context and NCCL − 6.00 block tables − 0.65 graphs: short by 1.57 GiB),
where it was "at risk". 39 started logs move from "fits" to "at risk" with it, nearly all at 0.95 on one H100
(llm-d-planner's vLLM 0.19.0 campaign; Llama-4-Scout's two 0.9 starts on 8 × H200, Qwen3-14B AWQ on an L40S at 0.95,
Qwen3-30B-A3B FP8 at TP 2 on L40S): their headroom after sizing is within the same bands, and the graphs' ±1.23 GiB
(five figures of one 0.10.1.1 machine) is most of it; a graph estimate by model and capture sizes would narrow it.
Every first print stays as printed; no refusal on any side is called "fits" now, and no started log is "does not fit".

**Looked at in session 20: round 19's two generous rows, now seen (issue 20, st20fix; one term from code, one
FITTED on four fit-side rows).** (1) vLLM 0.18.0 to 0.26.x's V1 worker calls profile_cudagraph_memory() inside
the memory_profiling window whose non-torch growth the KV budget is charged (v1/worker/gpu_worker.py
determine_available_memory, read in 0.19.0, 0.24.0 and 0.26.0; from 0.27.0, read in 0.27.0 to 0.33.0, the call
comes after the window): every llm-d 0.19.0 H100 log at TP 2 or 4 logs 2.06 to 2.21 GiB of non-torch growth,
whatever the model, against kvplan's 0.55 (0.54-0.55 under 0.11.0, 0.07 at PP 2 or 4). Which allocation it is
the code does not say, so its size is FITTED: startup.yaml non_torch_graph_profile_tp_bytes, 1.58 GiB (the
largest of four fit-side rows, 2.13 GiB, less what kvplan charged), charged at TP > 1 on NVLink cards in those
releases under a compiled start-up on the V1 runner, carried as uncertainty on other cards and on releases kvplan
cannot read (engines/vllm/non_torch.py graph_profile_growth); the same window's 0.11-0.13 GiB at TP 1 is not
charged (it moved the fit median 0.86 -> 1.04 %). The eleven 0.19.0 H100 rows at TP > 1 move from +1.4 ... +9.2 %
to -1.4 ... +0.9 %; seen rows reach 2.21 GiB, 0.08 above the charged figure. (2) From 0.13.0 the fused-MoE kernels
take their workspace from v1/worker/workspace.py WorkspaceManager, which keeps it allocated through
profile_run's _dummy_sampler_run, so the profile peak is max(forward, sampler + that workspace) (read in 0.13.0 to
0.19.0, 0.24.0, 0.27.0, 0.29.0; 0.11.0 and 0.12.0 have no manager; MXFP4 experts size theirs in other kernels and
are left out; engines/vllm/moe_workspace.py): Mixtral's logged peak 1.21 GiB, kvplan 0.81 before, 1.32 now.
Round 19's Llama-4-Scout at TP 4 moves +9.2 -> -1.2 % and Mixtral-8x7B at TP 2 +6.5 -> -0.9 % (their first prints
stand). At the default release the MoE examples answer more cautiously (DeepSeek-V3 at TP 8 on H200: activation
2.52 -> 4.14 GiB). Measured before the Triton-buffer paragraph below was merged with it (fit 1.02 -> 0.94 %,
57 of 58 within 5 %; seen 0.82 -> 0.82 %, 42 -> 44 of 51), so today's figures are the headline table's. Left:
Llama-4-Scout's vision tower (about 0.41 GiB a GPU at TP 4 in the log's weights, not in kvplan's text-decoder
spec); Llama-3.3-70B FP8's +11.4 %.

**Looked at in session 20: the Triton top-k/top-p buffer by the card's SM count (issue 20, st20sm; from code,
no constant fitted).** vLLM 0.17.0 to 0.33.0's v1/sample/ops/topk_topp_triton.py apply_top_k_top_p_triton (read
in the 0.17.0, 0.17.1, 0.18.0, 0.19.0, 0.20.0, 0.21.0, 0.23.0, 0.24.0, 0.29.0 and 0.33.0 wheels) runs
min(SMs, rows) programs and caches a float32 buffer of min(next_power_of_2(min(SMs, rows)), SMs) vocabulary
rows, SMs being platforms/cuda.py (rocm.py) num_compute_units, torch's multi_processor_count. kvplan charged
next_power_of_2(rows), as its GPUs did not record SMs: at the 1,024 sequences vLLM defaults to on an H100
(132 SMs), 892 vocabulary rows too many (0.43 GiB for Llama-3.1-8B, 0.67 for gpt-oss-20b). model_specs/gpus.yaml
now holds multi_processor_count for 12 cards, each with a printout or vendor figure quoted (null for the rest,
which keep the cautious buffer), and engines/vllm/startup.py v1_sampler_peak sizes the buffer as vLLM does. On
llm-d-planner's 0.19.0 logs on one H100 (fit and seen) the profile peak now matches the logged one to 0.01 GiB
for the dense models (Llama-3.1-8B 1.88 against 1.89 GiB, Qwen2.5-7B 2.20 / 2.21, Gemma-2-2B 3.62 / 3.62,
gpt-oss-20b 2.87 / 2.87); the MoE and Gemma 3 rows, whose forward is the peak, stay low by 0.2 to 0.5 GiB, so
their KV figures are now as generous as that forward error (Llama-4-Scout TP 4 +9.2 → +13.2 %, Gemma-3-27B
+2.4 → +6.9 %, Qwen3-30B-A3B +0.3 → +3.5 %), where the oversized buffer had hidden it. FlashInfer's sampler
holds no such buffer, and the V2 runner reaches this kernel only where FlashInfer is not used, inside the 14
bytes a logit it is charged. Every fit side and every seen row (vLLM, SGLang and TensorRT-LLM rows with a KV
figure; the sides of `rows()` that start "fit" against the rest): fit 60 rows, median |error| 0.91 → 0.57 %,
59 → 59 within 5 %, too generous on 19 → 33 (most by under 0.1 %: the dense rows' 0.01 GiB); seen 49 rows,
0.82 → 0.68 %, 40 → 39 within 5 % (Gemma-3-27B), too generous on 17 → 27; the 14 refusals on those halves
keep their verdicts (llm-d's two gpt-oss-20b sampler warm-up OOMs after sizing are "at risk" by the check in the
paragraph above, which does not read the freed peak; their KV budget is now 58.43 GiB against the logged 58.47); one seen start-up moves at risk → fits
(llmservingsim's Llama-3.1-8B on an RTX 4090 at 32,768 tokens, which vLLM started, 1.26 requests of room).

**Looked at in session 21: TensorRT-LLM#5872, round 20's held-out refusal (issue 20, st21trt; from code, no constant
fitted).** The thread (labels "not a bug", "stale", "waiting for feedback"; only the report could be read): trtllm-serve
of Qwen3-235B-A22B-FP8 on 8 H200s with --tp 8 --ep 8 and enable_block_reuse: false in extra_llm_api_options fails on
rank 1, "Executor creation failed due to insufficient GPU memory. The following component could not be created: KV
cache", with 108.86 GiB free after the estimation run; "if i pass --tp 4 --ep 4 ... trtllm-serve starts". A memory
refusal, of the final pool itself: the weights (28.85 GiB a rank), the sampler, the temporary cache and the run's
buffers had been created. In the 1.0.0rc period's code (tensorrt_llm/_torch/pyexecutor/_util.py KvCacheCreator,
resource_manager.py KVCacheManager, llmapi/llm_args.py, as stored in the code index; the tags could not be fetched)
the estimate counts head_dim × KV heads // tp bytes a layer (128 × 4 // 8 = 64: 24,064 bytes a token) while the pool
keeps one whole KV head a rank (48,128), and max_tokens = 0.9 × (total − peak) // 24,064 is then allocated at
48,128 a token: 2 × the budget, 193.00 GiB against 107.22 free in kvplan's plan of the row. KVCacheManager.calculate_max_num_blocks cuts the
pool to fraction × free memory only where free_gpu_memory_fraction is set, and a kv_cache_config in
extra_llm_api_options replaces trtllm-serve's (update_llm_args_with_extra_dict; KvCacheConfig's default was None):
the two conditions of the title; at TP 4 the 4 heads split evenly. From 1.1.0 the estimate is bytes
(max_gpu_total_bytes), so the mismatch moves no pool. engines/trtllm.py now takes the release
(ServeOptions.trtllm_version; `fit --engine trtllm --engine-version`, the rows' own) and, before 1.1.0 with fewer KV
heads than ranks, answers "at risk", naming kv_estimate with the pool the estimate makes (whether the fraction was
set is not an input). The row moves "fits" -> "at risk" (its first print stands); no other row moves: every other
scored TensorRT-LLM row is at TP 1 (fit: bench3's Llama-3-8B on an H200, 1.2.0rc4, and SRO-SA's TinyLlama, 1.1.0,
+0.0 % and -9.4 %, unchanged). Not priced, and not the deciding term here: the MoE all-to-all and workspace buffers at EP 8,
inside the log's 31.20 GiB in use before the pool (kvplan charges 32.58: 107.22 GiB free).

**Looked at in session 21: vllm#53961, round 21's held-out refusal (issue 20, st21v4; from code, no constant
fitted).** The thread, as the issues corpus holds it: the report (2026-08-26) quotes #51726's new tier (device_memory
>= 160 GiB: OPENAI_API_SERVER 16384, from 8192), which MI300X's 191.98 GiB falls into, "breaking" a launch that
started at 8,192 (the reporter's ROCm/MAD#235 pins 8192: "VLLM now defaults to 16384; too much at 1m context"), so
the doubling took at least 23.32 - 13.41 = 9.91 GiB; the fixes #54205 and #54043 quote the rest of the error,
"23.32 GiB KV cache is needed ... larger than the available 13.41 GiB". No model-loading or peak figure is quoted. Read in vLLM 0.29.0's wheel (0.28.0's, of
2026-08-25, the same), engines/vllm/dsv4.py now prices, all from code: (1) the workspace (v1/worker/workspace.py, one
buffer grown to the largest request and kept): on ROCm the indexer's profile branch
(v1/attention/ops/rocm_aiter_mla_sparse.py rocm_aiter_sparse_attn_indexer) reserves the decode logits, on gfx942 and
gfx950 (max_num_batched_tokens, max_model_len // 4) fp32: 16,384 × 262,144 × 4 bytes = 16 GiB (8 GiB at 8,192
tokens: with the compressors' 0.48 GiB and the forward's growth, the doubling now costs about 10.0 GiB in kvplan),
larger than the key gather (1.29 GiB) and the sparse MLA's bf16 gather (1.06 GiB), with a 512 MiB transient beside it; (2) the ROCm two-stage compressors' (tokens, 512) fp32
scratch on the 31 ratio-128 layers, 0.97 GiB inside "Model loading took" (models/deepseek_v4/compressor.py); (3) the
MXFP4 experts, which AITER runs only on gfx950 (fused_moe/experts/rocm_aiter_moe.py), so on an MI300X the oracle's
EMULATION dequantizes each MoE layer's w1 and w2 to bf16 in the forward (ocp_mx_emulation_moe.py; amd-quark 0.13's
dq_mxfp4_hip allocates only its output): 384 × 3 × 384 × 7168 × 2 bytes = 5.91 GiB. kvplan now plans 37.64 GiB of
KV a GPU for the row (58.69 as first printed; vLLM had 13.41): still above the 23.32 GiB one request needs (kvplan's
own figure for it is 23.32), so the 24.2 GiB still missing is not read: DeepSeek-V4 on an AMD card carries an
unmodelled part (rocm_path: the AITER mHC and sparse-MLA kernels' own allocations, the HIP graph pool, RCCL's; no
vLLM start-up on ROCm with a KV figure is in the data), and the answer is "at risk", naming it, never "fits". The row
moves "fits" -> "at risk" (its first print stands); no other row of either data file moves (493 rows compared).
Not priced: on CUDA the FlashMLA request's (tokens, round_up(index_topk + window, 128)) int32 and the indexer's
gather (index_topk is not in the catalog's spec), mHC's hc_mult residual streams in forward_peak (about 1.3 GiB
here), and the rope cache to 1,048,576 positions.

**Changed after round 20's print, seen: vLLM 0.29-0.30's profile run, the CUDA graphs by capture size, and a
cold compile (issue 20, st21miss; from code, one constant FITTED on one fit-side row).** Round 20's three held-out
logs, as first printed too cautious (-15.7, -10.3, -7.3 %), read term by term against their own lines. (1) vLLM
0.29.0 and 0.30.0 were releases whose model runner kvplan had not read, so the V1 sort (38 bytes a logit over
256 rows × the vocabulary: 1.38 GiB for Qwen2.5-1.5B, 2.37 for Gemma 4) was charged; read in the two wheels
(config/vllm.py use_v2_model_runner: no architecture list, V2 for dense, MoE and quantized models alike;
v1/worker/gpu/model_runner.py profile_run: one dummy sampler pass with no request, so sample/sampler.py returns
the 16-bit logits untouched, 2 bytes a logit, as 0.28.0; the penalty counts in total_consumed; the graphs
estimated by capture), startup.yaml model_runner now holds a 0.29.0-0.30.0 range. The T4 log's own breakdown
("0.46 GiB for peak activation" with a 0.34 GiB graph estimate: 0.12 GiB of transient peak) matches the code's
forward over 2,048 tokens and cuBLAS workspace (0.122 GiB). (2) kvplan charged its fitted 0.65 GiB CUDA-graph
estimate at any max_num_seqs; vLLM captures one PIECEWISE graph a capture size and one FULL graph a decode size up
to max_num_seqs (config/vllm.py _set_cudagraph_sizes: [1, 2, 4] + 8..248 by 8 + 256..min(2 × max_num_seqs, 512)
by 16, capped by the batched tokens), 86 graphs at 256 sequences but 18 at the RTX 4090 log's 32, which logs
"Estimated CUDA graph memory: 0.13 GiB". The fitted figure now stands for 86 graphs or more and is scaled down by
the count (engines/vllm/graphs.py; 0.65 × 18 / 86 = 0.14 GiB), never up. (3) With those two, the three vLLM
0.29.0 L40S start-ups that compile cold ("Compiling a graph for compile range (1, 2048)") keep 1.2 to 1.4 GiB of
torch peak beyond the code's tensors, which the warm T4 start-ups ("Directly load AOT compilation from path",
compilation/decorators.py) do not: startup.yaml torch_compile_cold_bytes_0_29, 1.24 GiB, FITTED on the one
fit-side row that prints it (Qwen3-14B-AWQ: "2.02 GiB for peak activation", 0.54 GiB of graphs, 0.25 GiB from
code, the cautious rounding), is charged for 0.29.0-0.30.0 unless the cache is warm (other releases keep the band
only); check-log reads the AOT line as a warm cache, and the T4 rows say so. (4) Gemma 4's --language-model-only
is planned as --text-only (model_executor/models/interfaces.py _mark_tower_model: the vision tower is not
built). Rows: T4 Qwen2.5-1.5B -15.7 → -2.7 % (held-out and fit twins); Gemma 4 26B-A4B FP8 -10.3 → +3.2 %
(held-out), -10.5 → +2.9 % (fit); RTX 4090 Qwen2.5-7B warm -7.3 → +0.2 % (held-out) and cold +4.7 → +13.2 % (fit:
worse, its cold compile under 0.23.0, 0.78 GiB over its warm twin, is still only a band); L40S Qwen3-14B 0.29.0
-0.2 → -2.2 % (seen), its AWQ twins +0.3 → -0.5 % and -3.2 → -2.1 % (fit); A100 Qwen3-30B-A3B at 16 sequences -3.7
→ +0.4 % (seen). Every fit side (rows starting "fit" and the catalog group's fit side): 64 rows, median |error|
0.37 → 0.47 %, 60 → 61 within 5 %, too generous on 31 → 31; the rest, now all seen: 52 rows, 0.38 → 0.37 %, 41 →
44 within 5 %, too generous on 24 → 27; no refusal's verdict moves (Gemma's two start-ups at risk → fits). Left:
Gemma 4's weights as loaded, 24.29 GiB text-only against the log's 24.72 (0.44 GiB of its FP8-dynamic checkpoint
kvplan prices below what vLLM loads, not found); a cold compile's size in other releases (the band);
Llama-3.3-70B FP8's +11.4 % (0.58 GiB: a pod's first start, so likely its cold compile, which the band covers
for that release) and Llama-4-Scout's vision tower (no Llama 4 vision encoder in kvplan's catalog). The terms
table's activation column now adds a charged cold compile to kvplan's activation part (the same torch peak);
vLLM 0.29's "peak activation" line also holds its graph estimate (0.51 GiB for Qwen3-14B), which it does not add.

**Changed after round 21's print, seen: one row's compile state (issue 20, the lead; data, no model change).**
Round 21's held-out Qwen2.5-7B start on the RTX 5090 at max_num_batched_tokens 8192 (-11.0 % as first printed:
10.79 against 12.13 GiB) loads its compiled model from the cache ("Directly load AOT compilation from path ...",
"torch.compile took 0.49 s in total"; its log's peak activation 1.42 GiB), which the row did not state, so kvplan
charged vLLM 0.29's cold-compile term (1.24 GiB). The row now says `compile_cache: warm` with the line quoted, and
tests/data/vllm_startup_compile.json records it (the test's warm marker accepts vLLM 0.29's AOT line beside the
older "Directly load the compiled graph"): -11.0 → -0.8 %. Its first print stays above. The same for round 21's
fit-side warm starts, each with its own log's AOT line: the three Qwen2.5-7B starts -10.7 → -1.4 % (the terms
table's figures: the log's 0.64 GiB peak against kvplan's 0.40 once no cold compile is charged) and the
FP8-dynamic checkpoint -7.0 → -0.7 %; round 21's fit half 8.8 → 1.1 % median, 2 → 6 of 6 within 5 %.

**Every round's held-out logs, as first printed** (the figures each round showed the first time,
with the model of that day; round 1's first print, 0626a25, was the pre-model baseline): round 1 8
logs with a KV figure (+124.9, +75.2, +11.1, +10.3, +10.0, +5.4, +5.1, +5.1 %), 3 refusals, none
called fits; round 2 3 logs (-43.9, -0.4, +0.0 %); round 3 1 log (+3.5 %); round 4 none; round 5
1 log (+3.2 %); round 6 none (no round-6 row could be scored); round 7 (seed 2020261213, printed
2026-12-06) none (no round-7 row could be scored; its held-out refusals, vllm#17238 and vllm#26612, are
unscored, so kvplan gives no verdict on them); round 8 (seed 2020261214, printed 2026-12-06) 2 logs
(+15.4, +0.9 %) and 1 refusal, kvplan "does not fit"; round 9 (seed 2020261215, printed 2026-12-06) 5
logs (-8.3, +5.0, +4.6, -1.5, +0.3 %), no refusal; round 10 (seed 2020261216, printed 2026-12-06) 1
log with a KV figure (-0.4 %) and 1 without (RTX 5090, tokens only), no refusal; round 11 (seed
2020261217, printed 2026-12-06) none (no round-11 row could be scored); round 12 (seed 2020261218, printed
2026-12-07) 1 log (-61.2 %), no refusal; round 13 (seed 2020261219, printed 2026-12-07) no log with a KV
figure and 1 refusal (Llama-4-Scout on 2 × H100 NVL), kvplan "does not fit"; round 14 (seed 2020261220,
printed 2026-12-07) none (no round-14 row could be scored); round 15 (seed 2020261221, printed 2026-12-07)
none (no round-15 row could be scored; its held-out refusal, kaito#2132, is unscored, so kvplan gives no verdict
on it); round 16 (seed 2020261222, printed 2026-12-07) 1 log with a logged KV figure (+1.3 %), 1 with tokens
only (-24.7 %, the cache its tokens imply) and 1 refusal (GLM-5.2-FP8 at 1,000,000 tokens), kvplan "does not fit";
round 17 (seed 2020261223, printed 2026-12-07) 1 log with a logged KV figure (-0.2 %), no refusal;
round 18 (seed 2020261224, printed 2026-12-07) 1 log with a logged KV figure (+1.7 %), no refusal;
round 19 (seed 2020261225, printed 2026-12-07) 19 logs with a logged KV figure (median |error| 0.8 %, 17 of 19 within
5 %: +9.2 and +6.5 % outside), 1 with tokens only (+8.0 %) and 1 refusal (gpt-oss-20b on one H100 at 0.95, an OOM
warming up the sampler after sizing), kvplan "fits";
round 20 (seed 2020261226, printed 2026-12-07) 3 logs with a logged KV figure (-15.7, -10.3, -7.3 %, all too
cautious) and 1 refusal (Qwen3-235B-A22B-FP8 at TP 8 / EP 8 on 8 H200s, TensorRT-LLM#5872), kvplan "fits";
round 21 (seed 2020261227, printed 2026-12-08) 5 logs with a logged KV figure (-0.1, -0.9, +3.2, -4.3, -11.0 %) and
1 refusal (DeepSeek-V4-Pro at TP 8 on 8 MI300X at 1,048,576 tokens, vllm#53961), kvplan "fits";
round 22 (seed 2020261228, printed 2026-12-08) 1 log with a logged KV figure (+0.0 %), 1 with tokens only (-0.7 %),
no refusal.
Combined over rounds 1-22: 53 logs with a logged KV figure, median |error| 1.7 % (the 27th of 53: round 18's +1.7 %),
35 of 53 within 5 %, 9 refusals, 3 called fits (round 19's gpt-oss-20b, round 20's TensorRT-LLM#5872, round 21's
vllm#53961); with the three tokens-only logs: 56 logs, 1.9 % (the 28th and 29th of 56: +1.7 and +2.1 %), 36 of 56
(rounds 1-21: 52 logs with a logged KV figure, median |error| 1.9 % (the 26th and 27th of 52: round
18's +1.7 % and round 19's +2.1 %), 34 of 52 within 5 %, 9 refusals, 3 called fits (round 19's gpt-oss-20b, round 20's
TensorRT-LLM#5872, round 21's vllm#53961); with the two tokens-only logs: 54 logs, 2.25 %, 34 of 54; rounds 1-20: 47
logs with a logged KV figure, median |error| 1.7 % (the 24th of 47: round 18's +1.7 %), 30 of 47 within 5 %, 8
refusals, 2 called fits (round 19's gpt-oss-20b, round 20's TensorRT-LLM#5872); with the two tokens-only logs: 49
logs, 2.1 %, 30 of 49; rounds 1-19: 44 logs with a logged KV figure, median |error| 1.5 % (the 22nd and 23rd of 44: round 9's
-1.5 % and round 19's -1.5 %, Gemma 2 9B), 29 of 44 within 5 %, 7 refusals, 1 called fits (round 19's gpt-oss-20b);
with the two tokens-only logs counted as the table below counts them: 46 logs, 1.6 %, 29 of 46 (rounds 1-18: 25 logs
with a logged KV figure, median |error| 5.0 % (the 13th of 25: round 9's +5.0 %),
12 of 25 within 5 %, 6 refusals, 0 called fits, and with round 16's tokens-only log
26 logs, 5.05 %, 12 of 26; rounds 1-17: 24 logs, median |error| 5.05 % (the 12th and 13th of 24: round
9's +5.0 and round 1's +5.1 %), 11 of 24 within 5 %, 6 refusals, 0 called fits, and
25 logs, 5.1 %, 11 of 25 with the tokens-only log; rounds 1-16: 23 logs, 5.1 %, 10 of 23, 6 refusals,
0 called fits, and 24 logs, 5.1 %, 10 of 24 with the tokens-only log;
rounds 1-15: 22 logs, 5.1 %, 9 of 22, 5 refusals, 0 called fits,
unchanged from rounds 1-13 and 1-14; rounds 1-12: 22
logs, 5.1 %, 9 of 22, 4 refusals; rounds 1-11: 21 logs, 5.1 %, 9 of 21; rounds 1-9: 20
logs, 5.1 %, 8 of 20; rounds 1-8: 15 logs, 5.4 %, 5 of 15; rounds 1-7:
13 logs, 5.4 %, 4 of 13; through round 4: 12 logs, 7.7 %, 3 of 12)). The issue's
bar (median ≤ 3 %, ≥ 80 % within 5 %) is not met on first prints. The headline table below shows the rows with
today's model; the seen rows are in sample.

Version rules: the "about" fields of the two data files.

kvplan's figure is what `kvplan check-log` plans for the same model, GPU and flags with the
current code (kvplan.observe.log_flags.vllm_fit; SGLang: plan.fit.fit with engine "sglang" and the weight
format).
The error is (kvplan − log) / log for logs that started with a positive KV budget, else the
difference in GiB. "kvplan says fits" on a refused log means kvplan's answer is "fits" (not "at
risk", plan/verdict.py) where the engine stopped. FP8 checkpoints are priced as vLLM loads them
(linear layers in fp8, embeddings, LM head and routers in bf16; observe/launch.py
checkpoint_quant); before, every weight was priced in fp8 and Llama-3.3-70B FP8-dynamic's weights
came out 2 GiB under the log.

## Headline

Round 22's held-out half, the newest, is as first printed 2 scored rows from 2 independent sources, both within 5 %:
Gemma 4 26B-A4B on an H200 (vLLM 0.20.2, warm compile cache, +0.0 %) and Llama-3.2-1B eager on an A100 40GB named by
its budget (vLLM 0.9.0.1, tokens only, -0.7 %); no refusal. Its fit side holds 1 log (-0.2 %) and a refusal kvplan
calls "does not fit" (Qwen2.5-7B on a T4). Too few to move the bar: the figure to quote is the combined first prints
of rounds 1-22: 53 logs with a logged KV figure, median |error| 1.7 %, 35 of 53 within 5 % (with the three tokens-only
logs: 56, 1.9 %, 36 of 56), 9 refusals, 3 called fits (round 19's gpt-oss-20b, round 20's TensorRT-LLM#5872 and round
21's vllm#53961), so the issue's bar (median ≤ 3 %, ≥ 80 % within 5 %, no refusal called fits) is met on the median
only.
Round 21's held-out half (now seen) was, as first printed, 6 scored rows from 4 independent sources: 5 logs with a
logged KV figure, median |error| 3.2 %, 4 of 5 within 5 % (gpt-oss-120b at TP 2 on an H200, vLLM 0.15.1, -0.1 %;
gpt-oss-120b on a Kaggle H100 with an fp8 KV cache, vLLM 0.11.2, -0.9 %; Qwen2.5-7B's cold start on an RTX 5090, vLLM
0.29.0, +3.2 %, too generous; Qwen2.5-0.5B on the same card, -4.3 %) and Qwen2.5-7B at max_num_batched_tokens 8192
from a warm compile cache outside (-11.0 %, too cautious), and a refusal kvplan calls "fits": DeepSeek-V4-Pro at TP 8
on 8 MI300X at its 1,048,576 tokens with an fp8 KV cache (vllm#53961, a build after #51726, whose doubled default
max_num_batched_tokens, 16,384, grew the profile run until one request's 23.32 GiB no longer fit; kvplan 58.69 GiB of
KV a GPU, "fits"; "at risk" since session 21, naming rocm_path: paragraph above).
Its fit side holds 6 logs, median 8.8 %, 2 within 5 %, no refusal; the
combined first prints of rounds 1-21 were 52 logs with a logged KV figure, median |error| 1.9 %, 34 of 52 within 5 %, 9
refusals, 3 called fits (round 19's gpt-oss-20b, round 20's TensorRT-LLM#5872 and round 21's vllm#53961, all three
"at risk" today).
Round 20's held-out half (now seen) was, as first printed, 4 scored rows from 4 independent sources: 3 logs with a
logged KV figure, median |error| 10.3 %, 0 of 3 within 5 %, all too cautious (Qwen2.5-1.5B on a Tesla T4, vLLM
0.30.0, -15.7 %; Gemma 4 26B-A4B FP8-dynamic with an fp8 KV cache on an L40S, vLLM 0.29.0, -10.3 %; Qwen2.5-Coder-7B
on an RTX 4090, vLLM 0.23.0, -7.3 %), and a refusal kvplan calls "fits": Qwen3-235B-A22B-FP8 at TP 8 / EP 8 on 8
H200s under TensorRT-LLM 1.0.0rc (TensorRT-LLM#5872, the executor could not create its KV cache; kvplan 96.50 GiB of
KV a GPU, "fits"; "at risk" since session 21, naming kv_estimate: paragraph above). Its fit side holds 4 logs, median 10.0 %, 1 within 5 %; the combined first
prints of rounds 1-20 were 47 logs with a logged KV figure, median |error| 1.7 %, 30 of 47 within 5 %, 8 refusals, 2
called fits. Round 19's held-out half (now seen) was, as first printed, 21 scored rows: 19 logs with a logged KV figure,
median |error| 0.8 %, 17 of 19 within 5 % (Llama-4-Scout at TP 4, +9.2 %, and Mixtral-8x7B at TP 2, +6.5 %, outside,
both too generous), a tokens-only log (Llama-3.1-8B on an RTX 4090, +8.0 %) and a refusal kvplan calls "fits": gpt-oss-20b
on one H100 80GB HBM3 at utilization 0.95 (vLLM 0.19.0), which ran out of memory warming up its sampler after the KV
cache was sized (kvplan 57.76 GiB of KV, the log 58.47, "fits"; "at risk" since session 20, after-sizing
paragraph above). All but two of its logs come from one harness
(llm-d-planner's vLLM 0.19.0 campaign on H100s). Its fit side holds 20 logs within 5 % (median 0.8 %) and the same
refusal at TP 2, also called "fits"; the combined first prints of rounds 1-19 were 44 logs with a logged KV figure,
median |error| 1.5 %, 29 of 44 within 5 %, 7 refusals, 1 called fits. Round 18's
held-out half (now seen) was, as first printed, 1 scored log: Qwen3-32B on one H100 80GB HBM3 with vLLM
0.26.0 in llm-d's pod-snapshot guide (utilization 0.90, 8,192 tokens, sleep mode), +1.7 % (kvplan 8.66 GiB of KV
against the 8.52 GiB the log's sleep line discards), no refusal; its fit side held two scored logs, Qwen2.5-7B on a
V100 32GB (+0.7 %) and Llama-3.1-8B on a card only the log's budget names, an H200 (-3.4 %). Round 17's held-out half (now seen) was, as first printed, 1 scored log: Qwen3-14B on
one L40S with vLLM 0.29.0's defaults, -0.2 % (kvplan 11.04 GiB of KV against the log's 11.06), no refusal; its fit
side held one scored row, a refusal (Qwen3-Coder-30B-A3B FP8 on an RTX 5090) that kvplan calls "does not fit".
Round 16's held-out half (now seen) was, as first printed, 3 scored rows:
Qwen3-Coder-30B-A3B at TP 4 on 4 ×
L40S (vLLM 0.24.0) +1.3 %; Mistral 7B Instruct on an A10G (vLLM 0.9.0.1, tokens only) -24.7 %; GLM-5.2-FP8
refused at 1,000,000 tokens on 8 × H200, kvplan "does not fit". Its fit side holds a refusal kvplan calls "fits":
Llama-4-Scout at gmu 0.95 on 8 × H200 (vLLM 0.12.0), which ran out of memory warming up its sampler after the
cache was sized. After round 16's print, seen: the Mistral row moved -24.7 → -5.9 % (the CUDA graphs by release
and the A10G's CUDA total, session 17, paragraph above), so round 16's held-out row in the table below (3.6 %)
is in sample, not a held-out figure. Round 15's held-out half (now
seen) held no scored row (a Mistral-Small-4-119B refusal on 2 × H100 NVL under KAITO, a TensorRT-engine start-up
on an 80 GB card). Round 14's held-out half (now seen) held no scored row either
(a Kimi-K3 OOM at TP 32, a Qwen2.5-VL refusal on an A100, Qwen3-4B on an unnamed 48 GB card, Qwen3.5-9B on
ROCm). Round 13's held-out half
(now seen) was, as first printed, 1 scored row, a refusal: Llama-4-Scout in bf16 on 2 × H100 NVL (vLLM, gmu
0.99), which ran out of memory loading its weights; kvplan said "does not fit".
Round 12's held-out half (now seen) was, as first printed, 1 scored log:
Qwen3-8B on an H100 at gmu 0.3 (vLLM 0.23.0's V2 model runner), -61.2 % (kvplan 2.71 GiB of KV where the log
has 6.98 GiB; kvplan said "at risk", not "fits"), no refusal. Round 11's held-out half (now seen) held no scored log. Round 10's held-out half (now
seen) was, as first
printed, 2 scored logs, 1 with a KV figure (Llama-2-7b on an A100 80GB, -0.4 %), no refusal; the RTX 5090
log states tokens only (kvplan 5.0 % over the cache they imply, not counted). Its rows below are today's
model (-0.4 % as first printed; the RTX 5090 log, scored from its blocks since session 16, +4.1 %). Round 9's held-out half
(now seen) was, as first printed, 5 scored logs, median |error| 4.6 %, 3 of 5 within 5 % (-1.5, +0.3,
+4.6 %; +5.0 % and -8.3 % outside), 3 of 5 too generous, no refusal. Its row below is today's model:
session 12's start-up changes (the paragraphs above: MXFP4 experts on compute capability 10.x,
TensorRT-LLM's non-torch share at TP 1, the fused-MoE workspaces) were made on fit and seen rows only,
by a session that did not read round 9's rows, and merged after round 9's print; of
the held-out rows only Qwen3-30B-A3B at TP 2 moved (+0.3 -> -0.2 %, the MoE workspaces), so the row
shows 2 of 5 too generous where the first print had 3. After round 9's print, seen: round 9's held-out logs were then read
and the Qwen2.5-32B TP 4 RTX 3090 row moved -8.3 -> -0.5 % (no NCCL buffers on cards without peer
access, paragraph above), so the row shows median 1.5 %, 4 of 5 within 5 %: in sample, not a held-out
figure. Round 8's held-out half (+0.9 % and
+15.4 % as first printed, 1 refusal called "does not fit") is now seen: its row below is today's model
(changed after round 8 was seen, paragraph above), in sample as every earlier round's; the first prints
stay the held-out figures. After round 12's print, seen: the Qwen3-8B row moved -61.2 → +5.3 % (the
profile run's model runner by release, paragraph above), so the row below is in sample, not a held-out
figure. After round 21's print, seen: the RTX 5090's Qwen2.5-7B warm start at 8,192 batched tokens moved -11.0 →
-0.8 % (its log's warm compile cache now stated, paragraph above), so round 21's rows below are in sample too.

{headline(rs)}

## Every log

{table(rs)}

## The terms, where a log states them

kvplan's parts come from the stage with the most weights (kvplan.plan.fit Stage.budget). vLLM before
0.21 did not charge CUDA graphs to the KV budget, so kvplan charges none for those logs; the
"CUDA graphs" a log states there is what it captured afterwards. The last column swaps kvplan's
weights for the log's "Model loading took" and shows the KV error that is left: what the other
terms get wrong.

{term_summary(rs)}

{terms(rs)}
"""


if __name__ == "__main__":
    sys.stdout.write(doc())
