"""vLLM's CUDA-graph capture list and the estimate it scales (kvplan/engines/vllm/graphs.py), the cold
torch.compile step of 0.29.0 to 0.30.0 (compile_part.py) and that range's profile run (startup.yaml
model_runner), pinned where session 21's mutation run (MUTATION.md "Session 21 (vLLM 0.29-0.30 ...)")
found them loose. Every figure is worked by hand in the comments: the capture list from vLLM 0.28.0 to
0.30.0 config/vllm.py VllmConfig._set_cudagraph_sizes (read in the wheels), the graph count from
v1/worker/gpu/cudagraph_utils.py _init_candidates (a PIECEWISE graph a capture size, a FULL decode graph a
size up to max_num_seqs), the bytes from startup.yaml."""
from pathlib import Path

from kvplan import api
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import startup
from kvplan.engines.vllm.compile_part import torch_compile_part
from kvplan.engines.vllm.graphs import capture_graphs, capture_sizes, cuda_graph_estimate
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
QWEN15 = ROOT / "tests/data/configs/Qwen2.5-1.5B-Instruct.json"  # hidden 1,536, MLP 8,960, vocab 151,936
FULL = 697_932_185  # startup.yaml cuda_graph_bytes: the fitted figure for 86 graphs or more


def test_capture_list_lengths_by_max_num_seqs():
    # max = min(2 x max_num_seqs, 512, batched tokens); [1, 2, 4] + 8..248 by 8 (31) + 256..max by 16
    assert len(capture_sizes(32, 2048)) == 3 + 8  # max 64: 8, 16, ..., 64
    assert len(capture_sizes(256, 2048)) == 3 + 31 + 17  # max 512: 256, 272, ..., 512
    assert len(capture_sizes(512, 8192)) == 3 + 31 + 17  # max still 512 off compute capability 10.x
    assert len(capture_sizes(1024, 8192)) == 51  # the default is not 10.x
    assert len(capture_sizes(512, 8192, sm100=True)) == 3 + 31 + 49  # max 1,024: 256..1,024 by 16
    assert capture_sizes(16, 2048) == [1, 2, 4, 8, 16, 24, 32]  # max 32
    assert capture_sizes(1, 2048) == [1, 2]  # max 2 x 1
    assert capture_sizes(0, 2048) == [1, 2]  # read as one sequence (vLLM asserts the max is >= 1)


def test_capture_list_under_a_batched_tokens_cap():
    # max = batched tokens; vLLM appends max_num_batched_tokens where it is the max and off the grid
    # ("ensure max_num_tokens is captured if within max capture size", 0.28.0 to 0.30.0)
    assert capture_sizes(256, 48) == [1, 2, 4, 8, 16, 24, 32, 40, 48]  # on the grid: nothing added
    assert capture_sizes(256, 50) == [1, 2, 4, 8, 16, 24, 32, 40, 48, 50]  # 50 added
    assert len(capture_sizes(256, 500)) == 3 + 31 + 16 + 1  # 256..496 by 16, then 500
    assert capture_sizes(256, 500)[-2:] == [496, 500]
    assert capture_sizes(300, 513)[-1] == 512  # max min(600, 512, 513) = 512: 513 is past it, not added
    assert capture_sizes(600, 1025, sm100=True)[-1] == 1024  # max min(1,200, 1,024, 1,025): 1,025 not added
    assert capture_sizes(600, 1000, sm100=True)[-2:] == [992, 1000]  # max 1,000: added
    assert capture_sizes(32, 1) == [1]  # max 1
    assert capture_sizes(32, 0) == [1]  # read as one token


def test_graph_counts_by_hand():
    # PIECEWISE: one a capture size; FULL: one a size <= max_num_seqs
    assert capture_graphs(32, 2048) == 11 + 7  # FULL 1, 2, 4, 8, 16, 24, 32
    assert capture_graphs(256, 2048) == 51 + 35  # FULL up to 256: 3 + 31 + 1
    assert capture_graphs(512, 8192) == 51 + 51
    assert capture_graphs(512, 8192, sm100=True) == 83 + 51  # FULL up to 512 only
    assert capture_graphs(1024, 8192, sm100=True) == 83 + 83
    assert capture_graphs(256, 50) == 10 + 10  # every size <= 256
    assert capture_graphs(256, 500) == 51 + 35  # 500 is PIECEWISE only
    assert capture_graphs(300, 300) == 38 + 38  # 3 + 31 + 256, 272, 288 + 300 appended, all <= 300


def test_estimate_scaled_by_hand():
    gpu = catalog.load_gpu("rtx-4090")
    why = "; scaled by the graphs vLLM captures at max_num_seqs {:,}: {} of the 86 its default capture list gives " \
          "(config/vllm.py _set_cudagraph_sizes)"
    assert FULL * 18 // 86 == 146_078_829 and FULL * 20 // 86 == 162_309_810 and FULL * 76 // 86 == 616_777_279
    assert cuda_graph_estimate(gpu, 32, 2048) == (146_078_829, why.format(32, 18))
    assert cuda_graph_estimate(gpu, 256, 50) == (162_309_810, why.format(256, 20))
    assert cuda_graph_estimate(gpu, 300, 300) == (616_777_279, why.format(300, 76))
    assert cuda_graph_estimate(gpu, 256, 500) == (FULL, "")  # 86 with 500 appended: not scaled
    # no GPU given: read as not compute capability 10.x
    assert cuda_graph_estimate(None, 32, 2048) == (146_078_829, why.format(32, 18))
    # a setting not known: the fitted figure, no words
    for seqs, tokens in ((32, None), (None, 2048), (0, 2048), (32, 0)):
        assert cuda_graph_estimate(gpu, seqs, tokens) == (FULL, "")


def test_compute_capability_10_cannot_move_the_estimate():
    """Why graphs.py's sm100 term never changes cuda_graph_estimate (its mutants are equivalent, MUTATION.md
    session 21): the 1,024 cap binds only past 256 sequences and 512 batched tokens, where the list already
    holds all 51 sizes to 512 and their 35 FULL graphs up to 256, the reference's 86, and is not scaled."""
    ref = startup.const("cuda_graph_reference_graphs")
    for seqs in range(1, 1100, 3):
        for tokens in (64, 256, 500, 512, 513, 600, 1024, 2048, 8192):
            if capture_graphs(seqs, tokens, True) != capture_graphs(seqs, tokens, False):
                assert capture_graphs(seqs, tokens, False) >= ref, (seqs, tokens)
    b200, h100 = catalog.load_gpu("b200"), catalog.load_gpu("h100-sxm-80gb")
    assert cuda_graph_estimate(b200, 512, 8192) == cuda_graph_estimate(h100, 512, 8192) == (FULL, "")


def test_a_drafter_charges_the_fitted_figure_with_its_words():
    class Cfg32:
        max_num_seqs, max_num_batched_tokens = 32, 2048

    class Cfg256:
        max_num_seqs, max_num_batched_tokens = 256, 2048
    spec, gpu = catalog.load_model("qwen2.5-7b"), catalog.load_gpu("rtx-4090")

    def graphs(cfg, **kw):
        return next(p for p in startup.overheads(spec, gpu, cfg, ServeOptions(vllm_version="0.23.0", **kw), 1, 1)
                    if p.key == "cuda_graphs")
    drafted, plain = graphs(Cfg32, speculative_config=object()), graphs(Cfg256)
    # the drafter's source is the unscaled one word for word: nothing appended
    assert (drafted.bytes, drafted.source) == (plain.bytes, plain.source) == (FULL, plain.source)
    assert plain.source.endswith("(engines/vllm/startup.yaml)")
    # --enable-lora captures each size once per LoRA case: at 32 sequences the count would scale the figure
    # down to 18 of 86 graphs; with LoRA it is the full figure, as the drafter's, and without it the scaled one
    lora, scaled = graphs(Cfg32, lora=(1, 16, None)), graphs(Cfg32)
    assert (lora.bytes, lora.source) == (FULL, plain.source)
    assert scaled.bytes == FULL * 18 // 86 and "18 of the 86" in scaled.source


COLD_SOURCE = ("a cold compile in the profile run (gpu_worker.py determine_available_memory, memory_profiling's "
               "transient peak), charged unless the cache is warm (--compile-cache warm); FITTED on a fit-side log "
               "of this release range (engines/vllm/startup.yaml torch_compile_cold_bytes_0_29)")


def test_cold_compile_step_word_for_word():
    band = startup.const("torch_compile_cold_uncertainty_bytes")
    (part,) = torch_compile_part(ServeOptions(), "torch_compile_cold_bytes_0_29")
    assert (part.key, part.label, part.bytes, part.source, part.uncertainty) == (
        "torch_compile", "torch.compile, cold cache (estimated)", 1_335_503_093, COLD_SOURCE, band)
    # through the fit: vLLM 0.30.0's range names the constant
    r = api.fit("qwen3-14b", "l40s", engine="vllm", max_model_len=40960, gpu_memory_utilization=0.92,
                vllm_version="0.30.0")
    got = next(p for p in r.stages[0].budget if p.key == "torch_compile")
    assert (got.label, got.bytes, got.source) == ("torch.compile, cold cache (estimated)", 1_335_503_093, COLD_SOURCE)


def test_cold_compile_constant_reproduces_from_its_fit_row():
    """startup.yaml torch_compile_cold_bytes_0_29's fitted_on row: "2.02 GiB for peak activation" less the
    "0.54 GiB (estimated)" graphs = 1.48 GiB, 1.49 at most (two prints rounded to 0.01), less kvplan's
    transient tensors from code: forward 2,048 x (2 x 5,120 + 3 x 17,408) x 2 = 255,852,544 + cuBLAS on the
    L40S 8,519,680 = 264,372,224; int(1.49 x 2^30) - 264,372,224 = 1,335,503,093."""
    entry = startup._data()["torch_compile_cold_bytes_0_29"]
    (row,) = entry["fitted_on"]
    assert entry["kind"] == "FITTED"
    assert row["kvplan_transient_bytes"] == 264_372_224 == (
        startup.forward_peak(catalog.load_model("qwen3-14b"), 2048) + startup.blas_workspace(catalog.load_gpu("l40s")))
    top = round(row["peak_activation_gib"] - row["cuda_graph_estimate_gib"] + 0.01, 2)
    assert top == 1.49
    assert int(top * 2**30) - row["kvplan_transient_bytes"] == entry["value"] == 1_335_503_093


def test_unread_releases_beside_0_29_and_0_30_have_no_runner():
    """startup.yaml model_runner's 0.29.0 to 0.30.0 range, its edges: 0.28.0 is its own range (V1 for an
    MoE model), 0.28.1 and 0.30.1 were not read (None); a pre-release sorts before its release, so 0.29.0rc1
    is not in the range (None) and 0.30.0rc1 is."""
    moe = catalog.load_model("qwen3-30b-a3b")
    run = lambda v: startup.model_runner(moe, ServeOptions(), v)[0]  # noqa: E731
    assert [run(v) for v in ("0.28.0", "0.28.1", "0.29.0rc1", "0.29.0", "0.30.0rc1", "0.30.0",
                                   "0.30.1")] == ["v1", None, None, "v2", "v2", "v2", None]


def test_v2_sampler_pass_above_the_forward_by_hand():
    """vLLM 0.30.0 (V2 runner), Qwen2.5-1.5B on a T4, 512 batched tokens, 256 sequences: forward 512 x
    (2 x 1,536 + 3 x 8,960) x 2 = 30,670,848; the dummy sampler pass at 2 bytes a logit 256 x 151,936 x 2 =
    77,791,232 + gumbel 256 x 149 blocks x 12 = 457,728 + held rows (512 + 256) x 1,536 x 2 = 2,359,296 =
    80,608,256, above the forward; + cuBLAS on sm75 8,519,680 + penalty counts 256 x (151,936 + 4,748) x 4 =
    160,444,416: 249,572,352."""
    spec = api.load_model(str(QWEN15))
    assert startup.forward_peak(spec, 512) == 30_670_848
    assert startup.sampler_peak(spec, 1, 512, 256, 2) == 80_608_256
    r = api.fit(spec, "t4", engine="vllm", max_model_len=4096, gpu_memory_utilization=0.85,
                max_num_batched_tokens=512, max_num_seqs=256, vllm_version="0.30.0")
    assert r.stages[0].part("activation") == 80_608_256 + 8_519_680 + 160_444_416 == 249_572_352
