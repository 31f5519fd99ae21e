"""Fit the per-step engine overheads and the dequantization factors on the FIT side only, and write them.

    python benchmarks/latency/fit.py      # rewrites kvplan/plan/latency/data/fitted.yaml
    python benchmarks/latency/fit.py --f16-gemm-only  # refits fitted.yaml's f16_gemm alone, the rest held
    python benchmarks/latency/fit.py --profile vllm_v0  # refits that profile alone on its rows, the rest held
    python benchmarks/latency/fit.py --mla-rest-only  # refits fitted.yaml's mla_rest alone, the rest held
    python benchmarks/latency/fit.py --moe-route-only  # refits fitted.yaml's moe_route alone, the rest held
    python benchmarks/latency/fit.py --weight-only-only  # refits fitted.yaml's weight_only alone, the rest held
    python benchmarks/latency/fit.py --eager-only  # profiles without eager rows: eager = graphs-on + data/eager.yaml

Which rows may be fitted (benchmarks/published/split.yaml): round 1's fit sources, round 1's held-out sources (their
figures were seen before round 2, so they are in-sample now: `round2.seen_sources`), round 2's fit sources, round 2's
held-out sources (seen before round 3: `round3.seen_sources`), round 3's held-out source (seen before round 4) and
round 4's fit sources (round 4's held-out sources and round 5's fit sources join it from round 5 on: this file's
LATER[-1] is the last round, whose held-out rows are never predicted here; data/fitted.yaml is session 9's fit, made
before round 6's sources were read, so round 6's fit source is not in it yet). For each row, the time behind its metric (a prefill, the decode steps, or
both) is linear in the constants fitted: T = T0 + base × steps + per_layer × layers × steps + per_seq × Σ sequences
per step + (factor − 1) × weight-only GEMM streaming time. Per engine, the graphs-on constants (base, per layer, per
sequence) are chosen by grid search to minimise the median |error| of its rows that run with CUDA graphs (its 16-bit
and fp8 rows where it has them; an engine whose rows all run eager, its base, eager per-layer and per-sequence costs
on its 16-bit and fp8 rows where it has them, the same way); the eager per-layer cost on its rows that run without
graphs (ExLlamaV2, transformers, vLLM before v0.2.5: benchmarks/published/cuda_graphs_off.yaml), or where it has
none, graphs-on + the published with/without CUDA graphs pairs' eager cost per layer (data/eager.yaml, eager_delta;
recorded as eager_source).
Then each engine's int4 (q4_0 counts as int4) and int8 dequantization factor on its rows in that format; engines
without such rows take the median over the engines that have them (`dequant` at the top level). Engines with no row at
all (SGLang) take the median of the fitted engines' overheads, labelled so. An engine's rows are grouped by the profile
they run (perf_accuracy.profile_of: vLLM before v0.2.5, without CUDA graphs, is `vllm_v020`, fitted on its own rows, so
its eager cost is not today's vLLM --enforce-eager; vLLM 0.2.5-0.5.x, the V0 engine, is `vllm_v0`, and 0.6.0-0.7.x, V0
with v0.6.0's asynchronous output processing, `vllm_v06`: latency/versions.py profile_for by the rows' engine_version;
plain transformers modules, `hf_plain`, by benchmarks/published/engine_profiles.yaml, beside AutoAWQ's fused `hf`). A profile a version routes to (engines.yaml ``versions_of``) stores the ids
of the rows it was fitted on (``fit_row_ids``). Where the best graphs-on base or per-sequence value is at its grid's
top (4 ms, 100 us), that axis's grid widens (to 20 ms, 500 us) and the three are searched again. Before the overheads,
per engine whose fp16 GEMMs accumulate in fp16 (llama.cpp), the share of the fp16-accumulate peak its compute-bound
fp16 GEMMs reach on GPUs without a kernel table (`f16_gemm`, on its fp16 prompt rows). A last round whose first print
has been read (perf_accuracy.PRINTED_SEEN) has its held-out rows on this side too. Deterministic: same data, same
output.
"""
from __future__ import annotations

import functools
import importlib.util
import itertools
import statistics
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "kvplan" / "plan" / "latency" / "data" / "fitted.yaml"

from kvplan.plan.latency import tables  # noqa: E402

_spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pa)

ZERO = {"base_ms": 0.0, "per_layer_us_graphs": 0.0, "per_layer_us_eager": 0.0, "per_seq_us": 0.0}
KEYS = (("base_ms", "cb"), ("per_layer_us_graphs", "cl"), ("per_layer_us_eager", "cl"), ("per_seq_us", "cs"))
GRID = ([i * 0.05 for i in range(81)], [float(i) for i in range(0, 61, 2)], [i * 2.5 for i in range(41)])
EAGER = [float(i) for i in range(0, 601, 5)]
PER_SEQ_WIDE = [100.0 + i * 5 for i in range(81)]  # 100 ... 500 us a sequence, where GRID's top is the best
BASE_WIDE = [round(4.0 + i * 0.1, 1) for i in range(161)]  # 4 ... 20 ms a step, where GRID's top is the best
EAGER_WIDE = [float(i) for i in range(0, 3001, 5)]  # eager per layer alone, beside fitted graphs constants
FACTORS = [round(0.5 + i * 0.05, 2) for i in range(71)]  # 0.5 ... 4.0
_real_load = tables.load


def _fmt(w: str) -> str:
    return {"q4_0": "int4"}.get(w, w)


ONE_CTA: dict = {}  # fitted.yaml's one_cta_decode while fitting (fit_one_cta), in every doc fitted_doc writes
ONE_CTA_GRID = [round(0.002 * i, 4) for i in range(1, 21)]  # 0.002 ... 0.040 of the GPU's bandwidth, then ± 0.0015


@functools.lru_cache(maxsize=None)
def _fit_side_words() -> str:
    """Which held-out sources fit.py's side holds, and every split's seed, from split.yaml and perf_accuracy's rounds."""
    split = yaml.safe_load((ROOT / "benchmarks" / "published" / "split.yaml").read_text())
    names = ["round1", *pa.LATER]
    # the last round counts once its first print is recorded (printed_rounds), as fit_side_entries takes its rows
    last = len(names) if pa.LATER[-1] in printed_rounds() else len(names) - 1
    seeds = ", ".join(str(split["seed"] if n == "round1" else split[n]["seed"]) for n in names)
    never = "" if last == len(names) else f"; round {len(names)}'s held-out sources never"
    return (f"benchmarks/latency/fit.py on the fit side of benchmarks/published/split.yaml: every round's fit sources "
            f"and the held-out sources of rounds 1-{last} (seen: printed and read before this fit){never} (seeds "
            f"{seeds})")


F16_GEMM: dict = {}  # fitted.yaml's f16_gemm while fitting (fit_f16_gemm), in every doc fitted_doc writes
F16_GRID = [round(0.01 * i, 2) for i in range(10, 91)]  # 0.10 ... 0.90 of the fp16-accumulate tensor peak


MLA_REST: dict = {}  # fitted.yaml's mla_rest while fitting (fit_mla_rest), in every doc fitted_doc writes
MLA_REST_GRID = [float(i) for i in range(0, 601, 2)]  # us per MLA layer per decode step, 0 ... 600

MOE_ROUTE: dict = {}  # fitted.yaml's moe_route while fitting (fit_moe_route), in every doc fitted_doc writes
MOE_ROUTE_GRID = [float(i) for i in range(0, 301)]  # us per MoE layer per pass, 0 ... 300

# fitted.yaml's family_overhead (family -> engine tables -> constants) once fitted (fit_profile); empty while the rows'
# coefficients are computed, so their t0 holds none of it (_time charges it in place of the
# profile's graphed per-layer cost, by the row's ``fam`` key)
WEIGHT_ONLY: dict = {}  # fitted.yaml's weight_only while fitting (fit_weight_only), in every doc fitted_doc writes
# a weight-only kernel's multipliers: 0.5 ... 10 by 0.25, then ± 0.25 around the best by 0.05
WEIGHT_ONLY_COARSE = [round(0.5 + 0.25 * i, 2) for i in range(39)]
FAMILY: dict = {}
FAMILY_GRID = [float(i) for i in range(0, 201)]  # us a layer a graphed step, 0 ... 200
# a family term is fitted where a profile has at least this many graphed 16-bit / fp8 fit-side rows on the family;
# fewer (SGLang's 5 MI300X rows, all at batch 1) leave the family's steps to the profile's own constants
FAMILY_MIN_ROWS = 8


def fitted_doc(engines: dict, dequant: dict) -> dict:
    return {**({"one_cta_decode": ONE_CTA} if ONE_CTA else {}), **({"f16_gemm": F16_GEMM} if F16_GEMM else {}),
            **({"mla_rest": MLA_REST} if MLA_REST else {}), **({"moe_route": MOE_ROUTE} if MOE_ROUTE else {}),
            **({"weight_only": WEIGHT_ONLY} if WEIGHT_ONLY else {}), **({"family_overhead": FAMILY} if FAMILY else {}),
            "source": _fit_side_words(), "engines": engines, "dequant": dequant}


PER_REQUEST = [i * 0.5 for i in range(121)]  # ms, 0 ... 60: the front end of a served first token (frontend.py)


def row_time(e: dict, fitted: dict) -> float:
    """The predicted time behind the entry's metric (∝ 1 / rate), under ``fitted``."""
    tables.load = lambda name: fitted if name == "fitted" else _real_load(name)
    try:
        v = pa.predict(e)
    finally:
        tables.load = _real_load
    return 1 / v if "_per_s" in e["metric"] else v


# The last round whose held-out rows a refit took after its first print (session 21's refit, lat21trt: round 19, seen
# since round 20's split). The last round joins fit.py's side only when named here, so fitted.yaml stays the fit of
# the rows fit_side_entries names: round 20's first print is recorded, but no refit has taken its rows yet.
REFIT_TOOK: tuple = ("round19",)


def printed_rounds() -> tuple:
    """pa.PRINTED_SEEN, and the last round (pa.LATER[-1]) where no round is pending, its first print is recorded
    (benchmarks/published/<round>_first_print.txt, kept as printed) and a refit took its rows (REFIT_TOOK): its
    held-out figures have been read."""
    last = pa.LATER[-1]
    first = ROOT / "benchmarks" / "published" / f"{last}_first_print.txt"
    return tuple(pa.PRINTED_SEEN) + ((last,) if not pa.PENDING and first.exists() and last not in pa.PRINTED_SEEN
                                     and last in REFIT_TOOK else ())


def fit_side_entries() -> list[dict]:
    """Every round's fit sources and every held-out source whose figures were printed before a later round's split: a
    pending round's (pa.PENDING: split committed, held-out rows not yet printed) seen sources include the last printed
    round's held-out sources, which are fitted from then on; a pending round's held-out sources never are, nor are
    not_fitted.yaml's rows (pa.NOT_FITTED: an engine's rows through a kernel path no table prices). The last round's
    held-out sources join once its first print is recorded (``printed_rounds``: benchmarks/published/roundN_first_print.txt),
    as pa.PRINTED_SEEN's do: their figures were printed and read, so they are seen, though the page keeps them as its
    headline until the next round's split names them seen."""
    split = yaml.safe_load((ROOT / "benchmarks" / "published" / "split.yaml").read_text())
    later = [split[n] for n in pa.LATER + pa.PENDING]
    ok = set(split["fit_sources"]).union(*(set(r["seen_sources"]) | set(r["fit_sources"]) for r in later),
                                         *(set(split[n]["held_out_sources"]) for n in printed_rounds()))
    assert pa.LATER[-1] in printed_rounds() or not ok & set(later[-1]["held_out_sources"])
    prefixes = [p for s in split["sources"] + [x for r in later for x in r["sources"]] if s["id"] in ok
                for p in s["url_prefixes"]]
    return [e for e in yaml.safe_load((ROOT / "benchmarks" / "published" / "measurements.yaml").read_text())
            if any(e["source"].startswith(p) for p in prefixes) and e["id"] not in pa.NOT_FITTED]


def coefficients(e: dict) -> dict:
    """The row's time with every constant 0, and its derivative by each constant (linear, so exact)."""
    none = {"int4": {"factor": 1.0, "source": "-"}, "int8": {"factor": 1.0, "source": "-"}}
    t0 = row_time(e, fitted_doc({"_prior": dict(ZERO)}, none))
    out = {"id": e["id"], "engine": pa.profile_of(e), "w": _fmt(e["weight_dtype"]), "t0": t0}
    for key, c in (("base_ms", "cb"), ("per_layer_us_graphs", "cl"), ("per_layer_us_eager", "ce"), ("per_seq_us", "cs")):
        one = dict(ZERO, **{key: 1.0})
        out[c] = row_time(e, fitted_doc({"_prior": one}, none)) - t0
    # a row runs eager where any of its passes does (no CUDA graphs, or prompt passes of an engine whose graphs capture
    # decode steps only: SGLang); its graphed passes, if any, still count per_layer_us_graphs (cl)
    out["eager"] = out["ce"] > 0
    # a served first token's front end (frontend.per_request_seconds): fitted.yaml's per_request_ms where FRONTEND
    # has no value for the engine; 0 for every other row
    out["cr"] = row_time(e, fitted_doc({"_prior": dict(ZERO), e["engine"]: dict(ZERO, per_request_ms=1.0)}, none)) - t0
    two = {"int4": {"factor": 2.0, "source": "-"}, "int8": {"factor": 2.0, "source": "-"}}
    out["cq"] = row_time(e, fitted_doc({"_prior": dict(ZERO)}, two)) - t0
    err0 = pa.per_token_error(e["metric"], pa.predict(e), e["value"])  # under the current fitted.yaml
    out["t"] = row_time(e, tables.load("fitted")) / (1 + err0)
    out["fam"] = family_key(e)
    return out


def family_key(e: dict) -> tuple | None:
    """(GPU family, engine kernel tables) of a row on a rocm.yaml family (AMD: its steps are fitted beside the NVIDIA
    rows its engine profile's constants rest on, ``fit_profile``), else None."""
    from kvplan.plan.latency.profile import Profile
    from kvplan.sources import catalog

    if not any(e["gpu"] in f["gpus"] for f in tables.load("rocm")["families"].values()):
        return None
    prof = Profile(catalog.load_gpu(e["gpu"]), pa.profile_of(e))
    return (prof.family, prof.eng["tables"]) if prof.eng["tables"] else None


def _time(r: dict, c: dict, f: float = 1.0) -> float:
    """``c``'s ``_fam``: the family terms ({(family, tables): us a layer a graphed step}), charged in place of the
    profile's graphed per-layer cost (its coefficient ``cl``) on rows of that family."""
    fam = c.get("_fam", {}).get(r.get("fam"))
    return (r["t0"] + c["base_ms"] * r["cb"] + (c["per_layer_us_graphs"] if fam is None else fam)
            * r["cl"] + c["per_layer_us_eager"] * r["ce"] + c["per_seq_us"] * r["cs"] + (f - 1) * r["cq"]
            + c.get("per_request_ms", 0.0) * r["cr"])


def _err(rs: list[dict], c: dict, f: dict | None = None) -> float:
    return statistics.median(abs(_time(r, c, (f or {}).get(r["w"], 1.0)) / r["t"] - 1) for r in rs)


def pair_delta_us(p: dict) -> float:
    """One eager.yaml pair's eager cost a layer a step (us): the eager decode step minus the graphed one, ÷ layers."""
    if "step_ms_eager" in p:
        ms = p["step_ms_eager"] - p["step_ms_graphs"]
    elif "tokens_per_s_eager" in p:  # batch 1: a step a token
        ms = 1000 / p["tokens_per_s_eager"] - 1000 / p["tokens_per_s_graphs"]
    else:  # whole requests: the difference is their decode steps'
        ms = (p["total_s_eager"] - p["total_s_graphs"]) * 1000 / p["decode_steps"]
    return ms * 1000 / p["layers"]


def eager_delta(eng: str) -> tuple[float, str]:
    """What a step without CUDA graphs costs ``eng`` a layer beyond its graphed one (us, 2 decimals), where its fit has
    no eager rows, and the words saying so: the median over eager.yaml's pairs of its family, else over every pair."""
    doc = tables.load("eager")
    fam = doc["families"].get(eng)
    pairs = [p for p in doc["pairs"] if fam is None or p["family"] == fam]
    d = {p["id"]: round(pair_delta_us(p), 2) for p in pairs}
    us = round(statistics.median(d.values()), 2)
    whose = f"{fam}'s" if fam else "no pair of its own: every engine's"
    n = f"{len(d)} published with/without CUDA graphs pair" + ("" if len(d) == 1 else (
        f"s (median; spread {min(d.values()):g}-{max(d.values()):g} us)"))
    batch = "batch 1" + ("" if all(p["batch"] == 1 for p in pairs) else " where stated")
    return us, (f"no eager rows in its fit: graphs-on + {us:g} us a layer, {whose} {n}, {batch} "
                "(kvplan/plan/latency/data/eager.yaml); not a fit")


def fit_engine(rs: list[dict], f: dict, pr: float = 0.0, per_seq: float | None = None, eng: str = "",
               fam: dict | None = None) -> dict:
    """Overhead constants of one engine from its rows (dequant factors ``f``, the front end ``pr`` ms and the family
    terms ``fam`` held fixed; ``per_seq`` us: the per-sequence cost held there, where the rows cannot tell it from the
    per-step cost)."""
    graphs = [r for r in rs if not r["eager"]]  # every pass graphed
    eager = [r for r in rs if r["eager"]]  # some pass eager (all of them, or SGLang's prefill)
    zero = dict(ZERO, per_request_ms=pr, _fam=fam or {})
    if graphs:
        pick = [r for r in graphs if r["w"] not in ("int4", "int8")] or graphs
        axes = list(GRID) if per_seq is None else [GRID[0], GRID[1], [per_seq]]
        while True:  # a best value at its grid's top: that axis's wider grid (V0's CPU work a step, a sequence)
            b, pl, ps = min(itertools.product(*axes), key=lambda p: (_err(pick, dict(
                zero, base_ms=p[0], per_layer_us_graphs=p[1], per_seq_us=p[2]), f), p))
            wide = [(k, w) for k, v, w in ((0, b, BASE_WIDE), (2, ps, PER_SEQ_WIDE)) if axes[k] is GRID[k]
                    and v == GRID[k][-1]]
            if not wide:
                break
            for k, w in wide:
                axes[k] = w
        c = dict(base_ms=round(b, 3), per_layer_us_graphs=pl, per_layer_us_eager=pl, per_seq_us=ps, _fam=fam or {})
        if eager:
            c["per_layer_us_eager"] = min(EAGER_WIDE, key=lambda x: (_err(eager, dict(c, per_layer_us_eager=x), f), x))
        else:  # no eager row: the published pairs' eager cost (eager.yaml) on top of the graphs-on figure
            d, c["eager_source"] = eager_delta(eng)
            c["per_layer_us_eager"] = round(pl + d, 2)
    else:  # every row eager: base, eager per layer and per sequence together (per sequence held where ``per_seq``)
        # on its 16-bit / fp8 rows where it has them, as the graphs-on constants (weight-only int4 / int8 rows: their
        # dequantization factors are fitted next, on these constants)
        pick = [r for r in eager if r["w"] not in ("int4", "int8")] or eager
        axes = [GRID[0], EAGER, GRID[2] if per_seq is None else [per_seq]]
        while True:  # a best eager per-layer cost at EAGER's top: EAGER_WIDE (plain transformers' Python per layer)
            b, pe, ps = min(itertools.product(*axes), key=lambda p: (_err(pick, dict(
                zero, base_ms=p[0], per_layer_us_eager=p[1], per_seq_us=p[2]), f), p))
            if axes[1] is not EAGER or pe != EAGER[-1]:
                break
            axes[1] = EAGER_WIDE
        c = dict(base_ms=round(b, 3), per_layer_us_graphs=max(pe - 40.0, 0.0), per_layer_us_eager=pe, per_seq_us=ps,
                 _fam=fam or {})
    if pr:
        c["per_request_ms"] = pr
    c.update(fit_rows=len(rs), graphs_rows=len(graphs), eager_rows=len(eager))
    return c


def fit_front_end(rs: list[dict], c: dict, f: dict) -> float:
    """The front end (ms) of an engine's served first tokens, on its client-side TTFT rows, the steps' constants ``c``
    held fixed (0 where the engine has none: FRONTEND prices it, or no row is served)."""
    served = [r for r in rs if r["cr"] > 0]
    return min(PER_REQUEST, key=lambda x: (_err(served, dict(c, per_request_ms=x), f), x)) if served else 0.0


def fit_factor(rs: list[dict], c: dict, fmt: str) -> float:
    mine = [r for r in rs if r["w"] == fmt]
    return min(FACTORS, key=lambda x: (_err(mine, c, {fmt: x}), abs(x - 1)))


def fit_one_cta(entries: list[dict]) -> dict:
    """The bandwidth share one decode-attention thread block streams at (attention.decode_seconds ``one_cta``), on the
    fit side's decode rows that ran without multi-block mode (pa.MULTI_BLOCK_OFF), the current overheads held: the
    median |error| of their per-token decode time, smallest share on a tie."""
    rs = [e for e in entries if pa._doc_of(e["source"]) in pa.MULTI_BLOCK_OFF and pa.PHASE[e["metric"]] == "decode"]
    if not rs:
        return {}
    cur = tables.load("fitted")
    measured = [row_time(e, cur) / (1 + pa.per_token_error(e["metric"], pa.predict(e), e["value"])) for e in rs]

    def err(x):
        doc = dict(cur, one_cta_decode={"stream_fraction": x})
        return statistics.median(abs(row_time(e, doc) / t - 1) for e, t in zip(rs, measured))

    best = min(ONE_CTA_GRID, key=lambda x: (err(x), x))
    best = min([round(best + 0.0005 * k, 4) for k in range(-3, 4) if best + 0.0005 * k > 0], key=lambda x: (err(x), x))
    ONE_CTA.clear()
    ONE_CTA.update(stream_fraction=best, source=(
        f"benchmarks/latency/fit.py: the median |error| of {len(rs)} fit-side decode rows that ran without TensorRT-LLM's "
        "multi-block mode (benchmarks/published/multi_block_off.yaml), the overheads of the fitted.yaml before held"))
    return dict(ONE_CTA)


def fit_f16_gemm(entries: list[dict]) -> dict:
    """Per engine whose fp16 GEMMs accumulate in fp16 (engines.yaml ``gemm_accumulate``: llama.cpp), the share of the
    fp16-accumulate tensor peak its compute-bound fp16 GEMMs run at on GPUs without a measured table (profile.py
    ``fallback_compute``): the median |error| of its fit-side fp16 prompt rows (prefill / TTFT), the current overheads
    held, smallest share on a tie. Their prompt time is almost all such GEMMs (llama-bench ``pp512``: 512 tokens)."""
    engines = tables.load("engines")
    out = {}
    for eng in sorted(k for k, v in engines.items() if v.get("gemm_accumulate") == "fp16"):
        rs = [e for e in entries if e["engine"] == eng and e["weight_dtype"] == "fp16" and pa.PHASE[e["metric"]] == "prefill"]
        if not rs:
            continue
        cur = tables.load("fitted")
        measured = [row_time(e, cur) / (1 + pa.per_token_error(e["metric"], pa.predict(e), e["value"])) for e in rs]

        def err(x):
            doc = dict(cur, f16_gemm={**cur.get("f16_gemm", {}), eng: {"compute_efficiency": x, "source": "-"}})
            return statistics.median(abs(row_time(e, doc) / t - 1) for e, t in zip(rs, measured))

        best = min(F16_GRID, key=lambda x: (err(x), x))
        out[eng] = {"compute_efficiency": best, "source": (
            f"benchmarks/latency/fit.py: the median |error| of {len(rs)} fit-side {eng} fp16 prompt rows ("
            + ", ".join(sorted(e["gpu"] for e in rs)) + "), the overheads of the fitted.yaml before held; "
            "fp16 accumulation: engines.yaml gemm_accumulate_source")}
    F16_GEMM.clear()
    F16_GEMM.update(out)
    return dict(F16_GEMM)
def fit_mla_rest(entries: list[dict]) -> dict:
    """Per GPU family of rocm.yaml (AMD: no measured MLA module table, data/mla_module.yaml has vLLM's on NVIDIA
    families only) and engine profile with fit-side decode rows of an MLA model: what one MLA layer costs a decode step
    beyond every op kvplan prices (step._mla_rest, ``Profile.mla_rest_fit``), one figure in us: the median |error| of
    those rows' per-token decode time, the current overheads held, smallest on a tie. It holds whatever the measured
    step has that kvplan does not price (norms, RoPE, the absorbed BMMs, FP8 activation quantization, kernel gaps), so
    it is labelled fitted, never measured; NVIDIA families are left to their engines' fitted overheads."""
    from kvplan.plan.latency.profile import Profile
    from kvplan.sources import catalog

    rocm = {g for f in tables.load("rocm")["families"].values() for g in f["gpus"]}
    groups: dict = {}
    for e in entries:
        if e["gpu"] not in rocm or e["metric"] != "decode_ms_per_token":
            continue
        spec, _ = pa.spec_for(e)
        if not any(getattr(lt.mixer, "kind", None) == "mla" for lt in spec.layer_types.values()):
            continue
        prof = Profile(catalog.load_gpu(e["gpu"]), pa.profile_of(e))
        groups.setdefault((prof.family, prof.engine), []).append(e)
    cur = {k: v for k, v in tables.load("fitted").items() if k != "mla_rest"}
    out: dict = {}
    for (fam, eng), rs in sorted(groups.items()):
        measured = [row_time(e, tables.load("fitted")) / (1 + pa.per_token_error(e["metric"], pa.predict(e), e["value"]))
                    for e in rs]
        # a decode row's time is linear in the figure (each decode step adds MLA layers × it): its time at 0 and its
        # slope, from two predictions each
        t0 = [row_time(e, dict(cur, mla_rest={fam: {eng: {"residual_us": 0.0, "source": "-"}}})) for e in rs]
        dt = [row_time(e, dict(cur, mla_rest={fam: {eng: {"residual_us": 1.0, "source": "-"}}})) - a
              for e, a in zip(rs, t0)]

        def err(x):
            return statistics.median(abs((a + x * d) / t - 1) for a, d, t in zip(t0, dt, measured))

        best = min(MLA_REST_GRID, key=lambda x: (err(x), x))
        out.setdefault(fam, {})[eng] = {"residual_us": best, "rows": len(rs), "fit_median_abs_error": round(err(best), 4),
                                        "source": (
            f"benchmarks/latency/fit.py fit_mla_rest: the median |error| of {len(rs)} fit-side {eng} decode rows of an "
            f"MLA model on {fam} (" + ", ".join(sorted(e["id"] for e in rs)) + "), the overheads of the fitted.yaml "
            "before held; all that an MLA layer's decode step holds beyond kvplan's priced ops, attributed to no kernel")}
    MLA_REST.clear()
    MLA_REST.update(out)
    return dict(MLA_REST)


def fit_moe_route(entries: list[dict]) -> dict:
    """Per engine profile whose engines.yaml entry says ``fit_moe_route`` (llama.cpp: its build_moe_ffn graph runs the
    routing, the weights' multiply and the experts' sum as separate small kernels, ``moe_route_source``), what one MoE
    layer's routed path costs a pass beyond the gate GEMM and the experts' GEMMs (Profile.moe_route, in place of
    moe_routing.yaml's fused top-k), one figure in us: the median |error| of the profile's fit-side decode rows of a MoE
    model (not_fitted.yaml's left out), the current overheads held, smallest on a tie. Labelled fitted, never
    measured: it holds whatever those steps have that kvplan does not price, attributed to no kernel."""
    engines = tables.load("engines")
    groups: dict = {}
    for e in entries:
        prof = pa.profile_of(e)
        if (not engines.get(prof, {}).get("fit_moe_route") or e["id"] in pa.NOT_FITTED
                or pa.PHASE[e["metric"]] != "decode" or not pa._is_moe(e["model"])):
            continue
        groups.setdefault(prof, []).append(e)
    cur = {k: v for k, v in tables.load("fitted").items() if k != "moe_route"}
    out: dict = {}
    for eng, rs in sorted(groups.items()):
        measured = [row_time(e, tables.load("fitted")) / (1 + pa.per_token_error(e["metric"], pa.predict(e), e["value"]))
                    for e in rs]
        # linear in the figure (each pass adds MoE layers × it): each row's time at 0 and its slope
        t0 = [row_time(e, dict(cur, moe_route={eng: {"per_layer_us": 0.0, "source": "-"}})) for e in rs]
        dt = [row_time(e, dict(cur, moe_route={eng: {"per_layer_us": 1.0, "source": "-"}})) - a
              for e, a in zip(rs, t0)]

        def err(x):
            return statistics.median(abs((a + x * d) / t - 1) for a, d, t in zip(t0, dt, measured))

        best = min(MOE_ROUTE_GRID, key=lambda x: (err(x), x))
        out[eng] = {"per_layer_us": best, "rows": len(rs), "fit_median_abs_error": round(err(best), 4), "source": (
            f"benchmarks/latency/fit.py fit_moe_route: the median |error| of {len(rs)} fit-side {eng} decode rows of "
            "MoE models (" + ", ".join(sorted({e["model"] + " on " + e["gpu"] for e in rs})) + "; not_fitted.yaml's "
            "left out), the overheads of the fitted.yaml before held; what a MoE layer's routed path costs a pass "
            "beyond its gate and expert GEMMs (the routing, the weights' multiply, the experts' sum: engines.yaml "
            "moe_route_source), attributed to no kernel")}
    MOE_ROUTE.clear()
    MOE_ROUTE.update(out)
    return dict(MOE_ROUTE)


def weight_only_rule(eng: str, fmt: str) -> bool:
    """Whether the profile prices ``fmt`` GEMMs by two kernels split at an M (engines.yaml ``weight_only_gemv_max_m``):
    fit_weight_only fits them, not fit_profile's one dequantization factor."""
    return fmt == "int4" and tables.load("engines").get(eng, {}).get("weight_only_gemv_max_m") is not None


def fit_weight_only(entries: list[dict]) -> dict:
    """Per engine profile whose engines.yaml entry names ``weight_only_gemv_max_m`` (TensorRT-LLM: a CUDA-core GEMV up
    to that M, CUTLASS's mixed-input GEMM above it), the three multipliers of its int4 GEMMs (Profile.weight_only_kernel:
    the GEMV's on the streaming time, the CUTLASS kernel's on the streaming and on the tensor-core time of the bf16
    curve) on the profile's fit-side int4 rows (not_fitted.yaml's left out), the overheads of the fitted.yaml before
    held: coordinate descent from 1, 1, 1 on WEIGHT_ONLY_COARSE then ± 0.25 by 0.05, each axis in turn until none
    moves, minimising the rows' median |error| (ties: the mean |error|, then the smaller value). Labelled fitted:
    no measured kernel table of these kernels on the rows' GPUs (aiconfigurator 0.12.0's Hopper trtllm tables have no
    int4_wo dtype)."""
    engines = tables.load("engines")
    groups: dict = {}
    for e in entries:
        prof = pa.profile_of(e)
        if weight_only_rule(prof, _fmt(e["weight_dtype"])) and e["id"] not in pa.NOT_FITTED:
            groups.setdefault(prof, []).append(e)
    cur = {k: v for k, v in tables.load("fitted").items() if k != "weight_only"}
    out: dict = {}
    keys = ("gemv", "cutlass_memory", "cutlass_compute")
    for eng, rs in sorted(groups.items()):
        measured = [row_time(e, tables.load("fitted")) / (1 + pa.per_token_error(e["metric"], pa.predict(e), e["value"]))
                    for e in rs]
        memo: dict = {}

        def err(x):
            if x not in memo:
                doc = dict(cur, weight_only={eng: {"int4": {**dict(zip(keys, x)), "source": "-"}}})
                es = [abs(row_time(e, doc) / t - 1) for e, t in zip(rs, measured)]
                memo[x] = (statistics.median(es), statistics.fmean(es))
            return memo[x]

        x = (1.0, 1.0, 1.0)
        for _ in range(6):
            before = x
            for i in range(3):
                def at(v, i=i, x=x):
                    return x[:i] + (v,) + x[i + 1:]
                v = min(WEIGHT_ONLY_COARSE, key=lambda v: (err(at(v)), v))
                fine = [round(v + 0.05 * j, 2) for j in range(-5, 6) if v + 0.05 * j >= 0.5 - 1e-9]
                x = at(min(fine, key=lambda v: (err(at(v)), v)))
            if x == before:
                break
        cut = engines[eng]["weight_only_gemv_max_m"]
        out[eng] = {"int4": {**dict(zip(keys, x)), "rows": len(rs), "fit_median_abs_error": round(err(x)[0], 4),
                             "source": (
            f"benchmarks/latency/fit.py fit_weight_only: the median |error| of {len(rs)} fit-side {eng} int4 rows ("
            + ", ".join(sorted({f"{e['model']} on {e['gpu']}" for e in rs})) + f"; batches "
            + ", ".join(str(b) for b in sorted({e["batch"] for e in rs})) + "), the overheads of the fitted.yaml "
            f"before held; the GEMV (M <= {cut}) streams at 1 / gemv of the bf16 curve's rate, the CUTLASS mixed-input "
            "GEMM at 1 / cutlass_memory of it and computes at 1 / cutlass_compute of its tensor-core rate "
            "(engines.yaml weight_only_gemv_max_m_source); fitted, not measured: no table times these kernels on "
            "these GPUs")}}
    WEIGHT_ONLY.clear()
    WEIGHT_ONLY.update(out)
    return dict(WEIGHT_ONLY)


def per_seq_scan(rs: list[dict]) -> dict:
    """Whether the rows tell the per-sequence cost from the per-step one: for each per-sequence value, the graphs-on
    rows' best median |error| over the base and per-layer grids (a flat line: they cannot); empty where every row runs
    eager (hf: its per-sequence cost is searched with the eager constants, fit_engine)."""
    pick = [r for r in rs if not r["eager"] and r["w"] not in ("int4", "int8")] or [r for r in rs if not r["eager"]]
    if not pick:
        return {}
    return {ps: round(min(_err(pick, dict(ZERO, base_ms=b, per_layer_us_graphs=pl, per_seq_us=ps))
                          for b, pl in itertools.product(GRID[0] + BASE_WIDE, GRID[1])), 4) for ps in SCAN}


SCAN = [0.0, 20.0, 40.0, 80.0, 120.0, 200.0, 300.0]  # us a sequence a step (per_seq_scan)


def fit_profile(eng: str, rs: list[dict], fitted: dict | None = None) -> tuple[dict, dict]:
    """One profile's constants (and its dequant factors) from its rows; a profile whose engines.yaml entry names
    ``fit_per_seq_of`` keeps that profile's per-sequence cost as fitted (``fitted``: the engines fitted so far), one
    that names ``fit_per_seq_us`` keeps that cost (its rows cannot tell the per-sequence cost from the per-step one:
    ``fit_per_seq_source`` says why that value), and fits the rest."""
    ps = held_per_seq(eng, fitted)
    f = {}
    fams = {}  # (family, tables) -> its graphed rows of this profile, where they are FAMILY_MIN_ROWS or more
    for r in rs:
        if r.get("fam") and not r["eager"] and r["w"] not in ("int4", "int8"):
            fams.setdefault(r["fam"], []).append(r)
    fams = {k: v for k, v in fams.items() if len(v) >= FAMILY_MIN_ROWS}
    # a family's term is the engine's (every profile that runs its kernel tables pays it, in place of its own graphed
    # per-layer cost): fitted by the profile the tables are named for (vllm), held by the others (vllm_v06: round 15's
    # ROCm vLLM 0.7.3 rows), whose rows of the family are priced with it and fit neither it nor their constants
    held = {k: FAMILY[k[0]][k[1]]["per_layer_us_graphs"] for k in fams
            if k[1] != eng and k[1] in FAMILY.get(k[0], {})}
    fams = {k: v for k, v in fams.items() if k[1] == eng or (k[1] not in FAMILY.get(k[0], {}))}
    # the profile's constants on its other rows (a family's graphed rows fit its term alone, the constants held: fitted
    # together, the per-step, per-sequence and family terms trade off and the alternation cycles), then each family term
    base = [r for r in rs if r["eager"] or (r.get("fam") not in fams and r.get("fam") not in held)]

    def family_terms(c):
        return {**held, **{k: min(FAMILY_GRID, key=lambda x: (_err(v, dict(c, _fam={k: x})), x))
                           for k, v in fams.items()}}

    c = fit_engine(base, f, per_seq=ps, eng=eng)
    fam = c["_fam"] = family_terms(c)
    for _ in range(2):  # engines whose rows are mostly quantized: overhead and factor alternate (twice suffices)
        f = {fmt: fit_factor(rs, c, fmt) for fmt in ("int4", "int8")
             if any(r["w"] == fmt for r in rs) and not weight_only_rule(eng, fmt)}  # fit_weight_only's
        if not f or any(r["w"] not in f for r in rs):
            break
        c = fit_engine(base, f, per_seq=ps, eng=eng, fam=fam)
    pr = fit_front_end(rs, c, f)
    if pr:  # then the steps' constants again, with the front end in the served first tokens
        c = fit_engine(base, f, pr, per_seq=ps, eng=eng, fam=fam)
        c["per_request_source"] = (f"benchmarks/latency/fit.py: the front end of {sum(r['cr'] > 0 for r in rs)} "
                                   f"client-side TTFT rows of {eng} (fit side; served.yaml), the steps' constants "
                                   "fitted before and after it")
    if fams or held:  # each family's term on the final constants; the profile's rows (its constants fitted on ``base``'s)
        fam = c["_fam"] = family_terms(c)
        c.update(fit_rows=len(rs), graphs_rows=sum(not r["eager"] for r in rs), eager_rows=sum(r["eager"] for r in rs))
    c["fit_median_abs_error"] = round(_err(rs, c, f), 4)
    if f:
        c["dequant"] = {k: {"factor": v, "source": f"fitted on {sum(r['w'] == k for r in rs)} {k} rows of {eng} "
                            f"(fit side)"} for k, v in f.items()}
    if "versions_of" in tables.load("engines").get(eng, {}):  # a version's profile: the rows it rests on
        c["fit_row_ids"] = sorted(r["id"] for r in rs)
    for (family, tab), v in sorted(fams.items()):
        others = sum(1 for r in base if not r["eager"])
        FAMILY.setdefault(family, {})[tab] = {
            "per_layer_us_graphs": fam[(family, tab)], "rows": len(v), "fit_median_abs_error": round(_err(v, c), 4),
            "source": (f"benchmarks/latency/fit.py fit_profile ({eng}): the median |error| of its {len(v)} graphed "
                       f"16-bit / fp8 fit-side rows on {family}, the profile's constants held as fitted on its other "
                       f"{len(base)} rows ({others} graphed); what a graphed step costs a layer on {family} "
                       f"under {tab}'s kernels (the kernels and gaps no table prices there: norms, activation "
                       f"quantization, RoPE, the cache write, their launches), charged in place of the graphed "
                       f"per-layer cost of every profile that runs {tab}'s kernels there, attributed to no kernel")}
    c.pop("_fam", None)
    return c, f


def held_per_seq(eng: str, fitted: dict | None = None) -> float | None:
    """The per-sequence cost (us) ``eng``'s fit holds (engines.yaml ``fit_per_seq_of``: that profile's as fitted in
    ``fitted``; else ``fit_per_seq_us``), or None where the fit searches it."""
    cfg = tables.load("engines").get(eng, {})
    if "fit_per_seq_of" in cfg:
        return (fitted or {})[cfg["fit_per_seq_of"]]["per_seq_us"]
    return cfg.get("fit_per_seq_us")


def profile_entries(eng: str) -> list[dict]:
    """The fit side's rows that run profile ``eng`` (perf_accuracy.profile_of), less not_fitted.yaml's (rows through a
    kernel path kvplan does not price, each with its reason)."""
    nf = ROOT / "benchmarks" / "published" / "not_fitted.yaml"
    skip = {i for x in yaml.safe_load(nf.read_text()) for i in x["ids"]} if nf.exists() else set()
    return [e for e in fit_side_entries() if pa.profile_of(e) == eng and e["id"] not in skip]


def hold_fitted_terms(doc: dict) -> None:
    """Hold ``doc``'s terms that fitted_doc writes beside the engines (one_cta_decode, f16_gemm, mla_rest, moe_route):
    the rows' coefficients are priced under fitted_doc, so without them a ``--profile`` refit priced its rows' t0
    without them (llama.cpp's fp16 prompt GEMMs at the MAMF share, not its fitted f16_gemm, before session 20)."""
    for held, key in ((ONE_CTA, "one_cta_decode"), (F16_GEMM, "f16_gemm"), (MLA_REST, "mla_rest"),
                      (MOE_ROUTE, "moe_route")):
        held.clear()
        held.update(doc.get(key, {}))


def main_profile(eng: str) -> dict:
    """``--profile ENG``: that profile refitted on its fit-side rows alone, every other constant of the current
    fitted.yaml held (the median prior and dequant defaults too: the profile had no rows when they were fitted)."""
    doc = tables.load("fitted")
    hold_fitted_terms(doc)
    rs = [coefficients(e) for e in profile_entries(eng)]  # FAMILY empty: the rows' t0 hold no family term
    FAMILY.update(doc.get("family_overhead", {}))  # the other profiles' terms held
    if not rs:
        raise SystemExit(f"fit.py: no fit-side row runs the profile {eng!r}")
    print(f"# {eng}: graphs-on rows' best median |error| by per-sequence us (per_seq_scan): {per_seq_scan(rs)}")
    c, _ = fit_profile(eng, rs, doc["engines"])
    c["source"] = (f"benchmarks/latency/fit.py --profile {eng}: its {len(rs)} fit-side rows ("
                   + ("fit_row_ids; " if "fit_row_ids" in c else "") + "not_fitted.yaml's left out), the other "
                   "profiles' constants held" + ("" if held_per_seq(eng, doc["engines"]) is None else
                                                 ", the per-sequence cost held (engines.yaml fit_per_seq_source)"))
    engines = {k: v for k, v in {**doc["engines"], eng: c}.items() if k != "_prior"}
    head = {k: v for k, v in doc.items() if k not in ("family_overhead", "source", "engines", "dequant")}
    return {**head, **({"family_overhead": FAMILY} if FAMILY else {}), "source": doc["source"],
            "engines": {**dict(sorted(engines.items())), "_prior": doc["engines"]["_prior"]}, "dequant": doc["dequant"]}


def main() -> dict:
    entries = fit_side_entries()
    fit_one_cta(entries)
    fit_f16_gemm(entries)
    fit_mla_rest(entries)
    fit_moe_route(entries)
    fit_weight_only(entries)
    rows = [coefficients(e) for e in entries]
    engines, factors = {}, {}
    for eng in sorted({r["engine"] for r in rows}):
        rs = [r for r in rows if r["engine"] == eng]
        c, f = fit_profile(eng, rs, engines)  # sorted: a profile's fit_per_seq_of (vllm for vllm_v0) comes first
        for k, v in f.items():
            factors.setdefault(k, []).append(v)
        engines[eng] = c
    prior = {k: round(statistics.median(v[k] for v in engines.values()), 3) for k in ("base_ms", "per_layer_us_graphs",
                                                                          "per_layer_us_eager", "per_seq_us")}
    engines["_prior"] = prior
    dequant = {k: {"factor": round(statistics.median(v), 3), "source": f"median of the per-engine {k} factors "
                   f"({len(v)} engines with {k} rows on the fit side); used by engines with none"}
               for k, v in sorted(factors.items())}
    return fitted_doc(engines, dequant)


def main_eager_only() -> dict:
    """``--eager-only``: each profile whose fit has no eager rows takes graphs-on + eager_delta as its eager per-layer
    cost (and eager_source), every other constant of the current fitted.yaml held: what ``--profile`` gives such a
    profile's eager cost, without refitting its graphs-on constants (which its eager cost does not enter)."""
    doc = tables.load("fitted")
    engines = {}
    for eng, c in doc["engines"].items():
        if eng != "_prior" and c.get("eager_rows") == 0:
            d, why = eager_delta(eng)
            new = {}
            for k, v in c.items():  # fitted.yaml's order: eager_source after the four constants
                if k != "eager_source":
                    new[k] = round(c["per_layer_us_graphs"] + d, 2) if k == "per_layer_us_eager" else v
                if k == "per_seq_us":
                    new["eager_source"] = why
            c = new
        engines[eng] = c
    return {**doc, "engines": engines}


def main_f16_only() -> dict:
    """``--f16-gemm-only``: fit_f16_gemm alone, every other constant of the current fitted.yaml held (the engines'
    overheads were fitted with their fp16 prompt GEMMs at the MAMF share; a full run refits them with the share)."""
    doc = tables.load("fitted")
    fit_f16_gemm(fit_side_entries())
    return {**({"one_cta_decode": doc["one_cta_decode"]} if "one_cta_decode" in doc else {}), "f16_gemm": dict(F16_GEMM),
            **({"mla_rest": doc["mla_rest"]} if "mla_rest" in doc else {}),
            **({"moe_route": doc["moe_route"]} if "moe_route" in doc else {}),
            **({"family_overhead": doc["family_overhead"]} if "family_overhead" in doc else {}),
            "source": doc["source"], "engines": doc["engines"], "dequant": doc["dequant"]}


def main_moe_route_only() -> dict:
    """``--moe-route-only``: fit_moe_route alone, every other constant of the current fitted.yaml held (fitted.yaml's
    key order kept: moe_route where it stands; a new one goes after mla_rest)."""
    doc = tables.load("fitted")
    fit_moe_route(fit_side_entries())
    out = {}
    for k, v in doc.items():
        if k == "moe_route" and MOE_ROUTE:  # where fitted.yaml holds it (session 22: a refit moved it after mla_rest)
            out[k] = dict(MOE_ROUTE)
        elif k in ("family_overhead", "source") and "moe_route" not in out and "moe_route" not in doc and MOE_ROUTE:
            out["moe_route"] = dict(MOE_ROUTE)
        if k != "moe_route":
            out[k] = v
    return out


def main_mla_rest_only() -> dict:
    """``--mla-rest-only``: fit_mla_rest alone, every other constant of the current fitted.yaml held (a full run fits
    it before the overheads, with the overheads of the fitted.yaml before held, as fit_one_cta)."""
    doc = tables.load("fitted")
    fit_mla_rest(fit_side_entries())
    keys = [k for k in doc if k not in ("mla_rest", "source", "engines", "dequant")]
    return {**{k: doc[k] for k in keys}, **({"mla_rest": dict(MLA_REST)} if MLA_REST else {}),
            "source": doc["source"], "engines": doc["engines"], "dequant": doc["dequant"]}


def main_weight_only_only() -> dict:
    """``--weight-only-only``: fit_weight_only alone, every other constant of the current fitted.yaml held (a new
    weight_only goes before family_overhead, as fitted_doc writes it)."""
    doc = tables.load("fitted")
    fit_weight_only(fit_side_entries())
    out = {}
    for k, v in doc.items():
        if k in ("family_overhead", "source") and "weight_only" not in out and WEIGHT_ONLY:
            out["weight_only"] = dict(WEIGHT_ONLY)
        if k != "weight_only":
            out[k] = v
    return out


if __name__ == "__main__":
    if "--weight-only-only" in sys.argv:
        d = main_weight_only_only()
    elif "--f16-gemm-only" in sys.argv:
        d = main_f16_only()
    elif "--moe-route-only" in sys.argv:
        d = main_moe_route_only()
    elif "--mla-rest-only" in sys.argv:
        d = main_mla_rest_only()
    elif "--eager-only" in sys.argv:
        d = main_eager_only()
    elif "--profile" in sys.argv:
        d = main_profile(sys.argv[sys.argv.index("--profile") + 1])
    else:
        d = main()
    OUT.write_text("# Generated by benchmarks/latency/fit.py from the FIT side only; do not edit by hand.\n"
                   "# base_ms + per_layer_us × layers + per_seq_us × sequences per step; per_layer_us_eager applies when the\n"
                   "# step runs without CUDA graphs (fitted where the engine has such rows, else graphs-on + data/eager.yaml's\n"
                   "# published with/without CUDA graphs pairs' cost a layer: each entry's eager_source).\n"
                   + yaml.safe_dump(d, sort_keys=False, width=120))
    print(OUT.read_text())
