"""benchmarks/published/: every published measurement is complete, names catalog entries, and quotes its value.

The figures themselves are copied from their sources (benchmarks/published/README.md); what a test can check is
that each entry is usable by `kvplan perf` (catalog model and GPU, known dtypes and metric, whole-number lengths)
and that the number in `value` is the one in the quoted source line.
"""
import re
from pathlib import Path

import pytest
import yaml

from kvplan.sources import catalog
from kvplan.model import dtypes

DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "published"
ENTRIES = yaml.safe_load((DIR / "measurements.yaml").read_text())
AIC = yaml.safe_load((DIR / "aiconfigurator.yaml").read_text())
FIELDS = ["id", "source", "quote", "retrieved", "engine", "engine_version", "model", "weight_dtype", "kv_dtype", "gpu",
          "num_gpus", "batch", "input_len", "output_len", "max_model_len", "metric", "value", "notes"]
OPTIONAL = {"max_model_len"}  # only where the source states it (README's schema)
ENGINES = {"llamacpp", "vllm", "sglang", "trtllm", "hf", "gptfast", "mlc", "exllamav2", "lmdeploy", "other"}
METRICS = {"decode_tokens_per_s_per_seq", "decode_ms_per_token", "prefill_tokens_per_s", "ttft_ms",
           "output_tokens_per_s_total", "output_tokens_per_s_per_gpu", "e2e_latency_ms",
           "e2e_latency_s", "decode_s_per_token", "ttft_s", "decode_tokens_per_s_total", "ttft_ns", "decode_ns_per_token",
           "prompt_and_output_tokens_per_s_total"}
GPUS = {g.name for g in catalog.gpus()}


def test_enough_entries_with_unique_ids():
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) >= 100  # issue 21: at least 100 rows from at least 8 source documents (test_split below)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("e", ENTRIES, ids=lambda e: e["id"])
def test_entry_is_complete(e):
    assert list(e) == [k for k in FIELDS if k not in OPTIONAL or k in e]
    assert e["source"].startswith("https://")
    assert e["engine"] in ENGINES and e["engine_version"]
    assert e["metric"] in METRICS
    assert catalog.canonical_name(e["model"]) == e["model"]
    assert e["gpu"] in GPUS
    dtypes.get(e["weight_dtype"])
    if e["kv_dtype"] is not None:  # null only where the source does not say (stated in notes)
        dtypes.get(e["kv_dtype"])
    else:
        assert "not stated" in e["notes"]
    for k in ("num_gpus", "batch", "input_len", "output_len"):
        assert type(e[k]) is int and e[k] >= 0
    assert e["num_gpus"] >= 1 and e["batch"] >= 1 and e["input_len"] + e["output_len"] > 0
    if "max_model_len" in e:  # the engine's stated context limit: a whole number that holds the row's request
        assert type(e["max_model_len"]) is int and e["max_model_len"] >= e["input_len"] + e["output_len"]
        assert f"max_model_len {e['max_model_len']}" in e["notes"]
    assert isinstance(e["value"], (int, float)) and e["value"] > 0


@pytest.mark.parametrize("e", ENTRIES, ids=lambda e: e["id"])
def test_value_is_in_the_quote(e):
    # the quote's numbers with thousands separators removed ("6,818" -> 6818), compared as numbers
    numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", e["quote"].replace(",", ""))}
    assert float(e["value"]) in numbers


def test_aiconfigurator_covers_every_entry_once():
    predicted = {p["id"] for p in AIC["predictions"]}
    skipped = {s["id"] for s in AIC["not_modelled"]}
    assert not predicted & skipped
    assert predicted | skipped == {e["id"] for e in ENTRIES}
    assert all(s["reason"] for s in AIC["not_modelled"])
    by_id = {e["id"]: e for e in ENTRIES}
    for p in AIC["predictions"]:
        assert p["metric"] == by_id[p["id"]]["metric"] and p["predicted"] > 0


EXCLUDED = yaml.safe_load((DIR / "excluded.yaml").read_text())
SPLIT = yaml.safe_load((DIR / "split.yaml").read_text())


R2 = SPLIT["round2"]
R3 = SPLIT["round3"]
R4 = SPLIT["round4"]
R5 = SPLIT["round5"]
R6 = SPLIT["round6"]
R7 = SPLIT["round7"]
R8 = SPLIT["round8"]
R9 = SPLIT["round9"]
R10 = SPLIT["round10"]
R11 = SPLIT["round11"]
R12 = SPLIT["round12"]
R13 = SPLIT["round13"]
R14 = SPLIT["round14"]
R15 = SPLIT["round15"]
R16 = SPLIT["round16"]
R17 = SPLIT["round17"]
R18 = SPLIT["round18"]
R19 = SPLIT["round19"]
R20 = SPLIT["round20"]
R21 = SPLIT["round21"]
NCCL = yaml.safe_load((DIR / "nccl_tests.yaml").read_text())


def _source_of(url):
    hits = [s["id"] for s in SPLIT["sources"] + R2["sources"] + R3["sources"] + R4["sources"] + R5["sources"] + R6["sources"]
            + R7["sources"] + R8["sources"] + R9["sources"] + R10["sources"] + R11["sources"] + R12["sources"] + R13["sources"] + R14["sources"] + R15["sources"] + R16["sources"] + R17["sources"] + R18["sources"] + R19["sources"] + R20["sources"] + R21["sources"] if any(url.startswith(p) for p in s["url_prefixes"])]
    assert len(hits) == 1, url
    return hits[0]


def test_excluded_rows_say_why():
    assert EXCLUDED
    for x in EXCLUDED:
        assert list(x) == ["source", "quote", "reason"] and x["quote"].strip() and x["reason"].strip()
        if x["source"] not in {t["source"] for t in NCCL["tables"]}:  # a page used only for its NCCL table
            _source_of(x["source"])  # a row left out belongs to a source document that is used


def test_nccl_tables_are_sourced_and_grow():
    for t in NCCL["tables"]:
        assert t["source"].startswith("https://") and t["quote"].strip() and t["num_gpus"] > 1
        sizes = [r["bytes"] for r in t["busbw_gb_per_s"]]
        assert sizes == sorted(sizes) and all(isinstance(b, int) for b in sizes)
        assert all(r["busbw"] > 0 for r in t["busbw_gb_per_s"])


def test_split_is_by_source_and_matches_its_seed():
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_split", DIR / "make_split.py")
    ms = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ms)
    assert (DIR / "split.yaml").read_text() == ms.render()  # redrawing after results would show here
    held, fit = set(SPLIT["held_out_sources"]), set(SPLIT["fit_sources"])
    assert not held & fit and held | fit == {s["id"] for s in SPLIT["sources"]}
    used = {_source_of(e["source"]) for e in ENTRIES}
    held2, fit2 = set(R2["held_out_sources"]), set(R2["fit_sources"])
    assert not held2 & fit2 and held2 | fit2 == {s["id"] for s in R2["sources"]}
    held3, fit3 = set(R3["held_out_sources"]), set(R3["fit_sources"])
    assert not held3 & fit3 and held3 | fit3 == {s["id"] for s in R3["sources"]} and abs(len(held3) - len(fit3)) <= 1
    assert set(R3["seen_sources"]) == held2 and R3["seed"] not in (SPLIT["seed"], R2["seed"])
    held4, fit4 = set(R4["held_out_sources"]), set(R4["fit_sources"])
    assert not held4 & fit4 and held4 | fit4 == {s["id"] for s in R4["sources"]} and abs(len(held4) - len(fit4)) <= 1
    assert set(R4["seen_sources"]) == held3 and R4["seed"] not in (SPLIT["seed"], R2["seed"], R3["seed"])
    held5, fit5 = set(R5["held_out_sources"]), set(R5["fit_sources"])
    assert not held5 & fit5 and held5 | fit5 == {s["id"] for s in R5["sources"]} and abs(len(held5) - len(fit5)) <= 1
    assert set(R5["seen_sources"]) == held4 and R5["seed"] not in (SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"])
    held6, fit6 = set(R6["held_out_sources"]), set(R6["fit_sources"])
    assert not held6 & fit6 and held6 | fit6 == {s["id"] for s in R6["sources"]} and abs(len(held6) - len(fit6)) <= 1
    assert set(R6["seen_sources"]) == held5 and R6["seed"] not in (SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"],
                                                                  R5["seed"])
    held7, fit7 = set(R7["held_out_sources"]), set(R7["fit_sources"])
    assert not held7 & fit7 and held7 | fit7 == {s["id"] for s in R7["sources"]} and abs(len(held7) - len(fit7)) <= 1
    assert set(R7["seen_sources"]) == held6 and R7["seed"] == 2026120707 and R7["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"])
    held8, fit8 = set(R8["held_out_sources"]), set(R8["fit_sources"])
    assert not held8 & fit8 and held8 | fit8 == {s["id"] for s in R8["sources"]} and abs(len(held8) - len(fit8)) <= 1
    assert set(R8["seen_sources"]) == held7 and R8["seed"] == 2026120808 and R8["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"])
    held9, fit9 = set(R9["held_out_sources"]), set(R9["fit_sources"])
    assert not held9 & fit9 and held9 | fit9 == {s["id"] for s in R9["sources"]} and abs(len(held9) - len(fit9)) <= 1
    assert set(R9["seen_sources"]) == held8 and R9["seed"] == 2026120909 and R9["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"])
    held10, fit10 = set(R10["held_out_sources"]), set(R10["fit_sources"])
    assert not held10 & fit10 and held10 | fit10 == {s["id"] for s in R10["sources"]} and abs(len(held10) - len(fit10)) <= 1
    assert set(R10["seen_sources"]) == held9 and R10["seed"] == 2026121010 and R10["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"])
    held11, fit11 = set(R11["held_out_sources"]), set(R11["fit_sources"])
    assert not held11 & fit11 and held11 | fit11 == {s["id"] for s in R11["sources"]} and abs(len(held11) - len(fit11)) <= 1
    assert set(R11["seen_sources"]) == held10 and R11["seed"] == 2026121111 and R11["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"])
    held12, fit12 = set(R12["held_out_sources"]), set(R12["fit_sources"])
    assert not held12 & fit12 and held12 | fit12 == {s["id"] for s in R12["sources"]} and abs(len(held12) - len(fit12)) <= 1
    assert set(R12["seen_sources"]) == held11 and R12["seed"] == 2026121212 and R12["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"])
    held13, fit13 = set(R13["held_out_sources"]), set(R13["fit_sources"])
    assert not held13 & fit13 and held13 | fit13 == {s["id"] for s in R13["sources"]} and abs(len(held13) - len(fit13)) <= 1
    assert set(R13["seen_sources"]) == held12 and R13["seed"] == 2026121413 and R13["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"])
    held14, fit14 = set(R14["held_out_sources"]), set(R14["fit_sources"])
    assert not held14 & fit14 and held14 | fit14 == {s["id"] for s in R14["sources"]} and abs(len(held14) - len(fit14)) <= 1
    assert set(R14["seen_sources"]) == held13 and R14["seed"] == 2026121521 and R14["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"])
    held15, fit15 = set(R15["held_out_sources"]), set(R15["fit_sources"])
    assert not held15 & fit15 and held15 | fit15 == {s["id"] for s in R15["sources"]} and abs(len(held15) - len(fit15)) <= 1
    assert set(R15["seen_sources"]) == held14 and R15["seed"] == 2026121615 and R15["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"], R14["seed"])
    held16, fit16 = set(R16["held_out_sources"]), set(R16["fit_sources"])
    assert not held16 & fit16 and held16 | fit16 == {s["id"] for s in R16["sources"]} and abs(len(held16) - len(fit16)) <= 1
    assert set(R16["seen_sources"]) == held15 and R16["seed"] == 2026121716 and R16["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"], R14["seed"], R15["seed"])
    held17, fit17 = set(R17["held_out_sources"]), set(R17["fit_sources"])
    assert not held17 & fit17 and held17 | fit17 == {s["id"] for s in R17["sources"]} and abs(len(held17) - len(fit17)) <= 1
    assert set(R17["seen_sources"]) == held16 and R17["seed"] == 2026121717 and R17["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"], R14["seed"], R15["seed"], R16["seed"])
    held18, fit18 = set(R18["held_out_sources"]), set(R18["fit_sources"])
    assert not held18 & fit18 and held18 | fit18 == {s["id"] for s in R18["sources"]} and abs(len(held18) - len(fit18)) <= 1
    assert set(R18["seen_sources"]) == held17 and R18["seed"] == 2026121718 and R18["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"], R14["seed"], R15["seed"], R16["seed"], R17["seed"])
    held19, fit19 = set(R19["held_out_sources"]), set(R19["fit_sources"])
    assert not held19 & fit19 and held19 | fit19 == {s["id"] for s in R19["sources"]} and abs(len(held19) - len(fit19)) <= 1
    assert set(R19["seen_sources"]) == held18 and R19["seed"] == 2026121719 and R19["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"], R14["seed"], R15["seed"], R16["seed"], R17["seed"], R18["seed"])
    held20, fit20 = set(R20["held_out_sources"]), set(R20["fit_sources"])
    assert not held20 & fit20 and held20 | fit20 == {s["id"] for s in R20["sources"]} and abs(len(held20) - len(fit20)) <= 1
    assert set(R20["seen_sources"]) == held19 and R20["seed"] == 2026121720 and R20["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"], R14["seed"], R15["seed"], R16["seed"], R17["seed"], R18["seed"],
        R19["seed"])
    held21, fit21 = set(R21["held_out_sources"]), set(R21["fit_sources"])
    assert not held21 & fit21 and held21 | fit21 == {s["id"] for s in R21["sources"]} and abs(len(held21) - len(fit21)) <= 1
    assert set(R21["seen_sources"]) == held20 and R21["seed"] == 2026121721 and R21["seed"] not in (
        SPLIT["seed"], R2["seed"], R3["seed"], R4["seed"], R5["seed"], R6["seed"], R7["seed"], R8["seed"], R9["seed"],
        R10["seed"], R11["seed"], R12["seed"], R13["seed"], R14["seed"], R15["seed"], R16["seed"], R17["seed"], R18["seed"],
        R19["seed"], R20["seed"])
    assert used == (held | fit | held2 | fit2 | held3 | fit3 | held4 | fit4 | held5 | fit5 | held6 | fit6 | held7
                    | fit7 | held8 | fit8 | held9 | fit9 | held10 | fit10 | held11 | fit11 | held12 | fit12 | held13
                    | fit13 | held14 | fit14 | held15 | fit15 | held16 | fit16 | held17 | fit17 | held18 | fit18 | held19 | fit19
                    | held20 | fit20 | held21 | fit21)
    assert len(held | fit) >= 8
    assert abs(len(held) - len(fit)) <= 1 and abs(len(held2) - len(fit2)) <= 1
    assert set(R2["seen_sources"]) == held and len(held2 | fit2) >= 5  # round 1's held-out sources are now "seen"
    assert R2["seed"] != SPLIT["seed"]


def test_rows_before_issue_21_are_marked():
    old = [ln for ln in (DIR / "rows_before_issue_21.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    ids = {e["id"] for e in ENTRIES}
    assert len(old) == 38 and set(old) <= ids
    seen = {s["id"] for s in SPLIT["sources"] if s["seen_before_issue_21"]}
    assert {_source_of(e["source"]) for e in ENTRIES if e["id"] in old} <= seen
