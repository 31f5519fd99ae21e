"""The eager per-layer cost of a profile whose fit has no eager rows (issue 21): graphs-on + the published
with/without CUDA graphs pairs of data/eager.yaml (benchmarks/latency/fit.py eager_delta), not a guessed 40 us."""
import importlib.util
import statistics

import pytest
import yaml
from conftest import ROOT

DATA = ROOT / "kvplan" / "plan" / "latency" / "data"
EAGER = yaml.safe_load((DATA / "eager.yaml").read_text())
FITTED = yaml.safe_load((DATA / "fitted.yaml").read_text())["engines"]

_fs = importlib.util.spec_from_file_location("fit", ROOT / "benchmarks" / "latency" / "fit.py")
fit = importlib.util.module_from_spec(_fs)
_fs.loader.exec_module(fit)

# each pair's eager cost a layer a step (us), worked by hand from the figures its source states (eager.yaml quote):
# the eager decode step minus the graphed one, divided by the model's layers
BY_HAND = {
    # vLLM PR #1440: about 1.2 s vs about 1.05 s for 100 output tokens, 99 of them decode steps, Llama 2 7B (32 layers)
    "vllm-pr1440-llama2-7b-bs1": (1.2 - 1.05) / 99 / 32 * 1e6,
    # vLLM-Omni issue #7960: thinker TPOT ~23 -> ~13 ms (text), ~22 -> ~13 ms (use_audio), Qwen2.5-7B (28 layers)
    "vllm-omni-7960-qwen2.5-omni-7b-thinker-a800-text": (23 - 13) / 28 * 1e3,
    "vllm-omni-7960-qwen2.5-omni-7b-thinker-a800-use_audio": (22 - 13) / 28 * 1e3,
    # SGLang PR #1401: decode median latency 0.00928 vs 0.00706 s (triton), 0.00823 vs 0.00735 s (flashinfer), Llama 3 8B
    "sglang-pr1401-llama3-8b-triton-bs1": (9.28 - 7.06) / 32 * 1e3,
    "sglang-pr1401-llama3-8b-flashinfer-bs1": (8.23 - 7.35) / 32 * 1e3,
    # llama.cpp PR #6766: tg 116.31 -> 128.27 t/s (RTX 3090), 138.31 -> 146.81 t/s (RTX 4090), LLaMA 2 7B q4_0
    "llamacpp-pr6766-llama2-7b-q4_0-rtx3090-tg": (1000 / 116.31 - 1000 / 128.27) / 32 * 1e3,
    "llamacpp-pr6766-llama2-7b-q4_0-rtx4090-tg": (1000 / 138.31 - 1000 / 146.81) / 32 * 1e3,
}


def test_every_pair_is_sourced_and_worked_out():
    assert {p["id"] for p in EAGER["pairs"]} == set(BY_HAND)
    for p in EAGER["pairs"]:
        assert p["source"].startswith("https://github.com/") and p["quote"] and p["date"] and p["engine_version"]
        assert p["layers"] in (28, 32) and p["model"] and p["gpu"] and p["batch"]
        assert fit.pair_delta_us(p) == pytest.approx(BY_HAND[p["id"]], abs=1e-6)
    # every family a profile is sent to has a pair; V0's and V1's vLLM are told apart
    assert set(EAGER["families"].values()) <= {p["family"] for p in EAGER["pairs"]}
    assert EAGER["families"]["vllm"] == "vllm_v1" and EAGER["families"]["vllm_v0"] == "vllm_v0"


def _median(ids):
    return statistics.median(BY_HAND[i] for i in ids)


V1 = ["vllm-omni-7960-qwen2.5-omni-7b-thinker-a800-text", "vllm-omni-7960-qwen2.5-omni-7b-thinker-a800-use_audio"]
LLAMACPP = ["llamacpp-pr6766-llama2-7b-q4_0-rtx3090-tg", "llamacpp-pr6766-llama2-7b-q4_0-rtx4090-tg"]
SGLANG = ["sglang-pr1401-llama3-8b-triton-bs1", "sglang-pr1401-llama3-8b-flashinfer-bs1"]
EXPECTED = {"vllm": _median(V1), "vllm_v0": BY_HAND["vllm-pr1440-llama2-7b-bs1"], "llamacpp": _median(LLAMACPP),
            "sglang": _median(SGLANG), "trtllm": _median(BY_HAND), "gptfast": _median(BY_HAND),
            "mlc": _median(BY_HAND), "other": _median(BY_HAND)}


@pytest.mark.parametrize("eng", sorted(EXPECTED))
def test_eager_delta_is_its_familys_median(eng):
    # its family's pairs (vLLM V1, vLLM V0, llama.cpp, SGLang), else every pair: to within 0.01 us (2 decimals)
    us, words = fit.eager_delta(eng)
    assert us == pytest.approx(EXPECTED[eng], abs=0.006)
    assert "eager.yaml" in words and "not a fit" in words and f"{us:g} us" in words
    assert ("every engine's" in words) == (eng not in EAGER["families"])


def test_the_families_figures_differ():
    # a profile given another family's figure fails here: V1's eager step is far dearer than V0's or llama.cpp's
    got = {e: fit.eager_delta(e)[0] for e in ("vllm", "vllm_v0", "llamacpp", "sglang")}
    assert len({round(v) for v in got.values()}) == 4
    assert got["vllm"] > 300 > got["sglang"] > got["vllm_v0"] > got["llamacpp"]


# llama.cpp left the list in session 21's refit: its prompt passes run eager since session 20 (lat21cpp), so its fit has
# eager rows of its own (16) and keeps its fit (test_profiles_with_eager_rows_keep_their_fit)
@pytest.mark.parametrize("eng", ["vllm", "vllm_v0", "mlc", "gptfast", "other", "trtllm"])
def test_fitted_profiles_without_eager_rows_take_the_pairs(eng):
    # fitted.yaml (python benchmarks/latency/fit.py --profile ENG, session 16): eager = graphs-on + the pairs' figure,
    # to within 0.5 us (an error of 1 us, or another family's figure, fails), and the entry says where it came from
    f = FITTED[eng]
    assert f["eager_rows"] == 0
    assert f["per_layer_us_eager"] - f["per_layer_us_graphs"] == pytest.approx(EXPECTED[eng], abs=0.5)
    assert f["eager_source"] == fit.eager_delta(eng)[1]


def test_profiles_with_eager_rows_keep_their_fit():
    # the pairs price only profiles whose fit has no eager rows: SGLang's prefill rows, vLLM 0.6's eager rows fit theirs
    for eng, f in FITTED.items():
        if eng != "_prior" and f.get("eager_rows"):
            assert "eager_source" not in f


def test_eager_note_names_the_pairs():
    from kvplan.plan.latency.profile import Profile
    from kvplan.sources import catalog

    note = Profile(catalog.load_gpu("h100"), "vllm").eager_note()
    assert "eager.yaml" in note and "vllm_v1's 2 published" in note and "40 us" not in note
    assert f"{FITTED['vllm']['per_layer_us_eager']:g} us per layer" in note
    v06 = Profile(catalog.load_gpu("h100"), "vllm_v06").eager_note()  # its own eager rows: no pairs named
    assert f"fitted on {FITTED['vllm_v06']['eager_rows']} eager rows" in v06 and "eager.yaml" not in v06
