"""vLLM's Triton top-k/top-p buffer by the card's SM count (issue 20, session 20): v1/sample/ops/
topk_topp_triton.py apply_top_k_top_p_triton (0.17.0 to 0.33.0) allocates min(next_power_of_2(min(SMs,
rows)), SMs) vocabulary rows of float32; SMs are model_specs/gpus.yaml multi_processor_count."""
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import startup
from kvplan.plan import fit
from kvplan.sources import catalog

GiB = 2**30


def test_buffer_rows_by_hand():
    """1,024 rows on 132 SMs: min(next_pow2(132), 132) = 132; 100 rows: min(128, 132) = 128; 9 rows: 16;
    256 rows on an RTX 4090's 128 SMs: 128. Without the SM count: next_power_of_2(rows)."""
    rows = startup.triton_buffer_rows
    assert (rows(1024, 132), rows(100, 132), rows(200, 132), rows(9, 132), rows(256, 128)) == (132, 128, 132, 16, 128)
    assert (rows(1024, None), rows(100, None), rows(129, None), rows(1, None)) == (1024, 128, 256, 1)
    assert rows(1, 132) == 1 and rows(132, 132) == 132 and rows(131, 132) == 132


def test_gpt_oss_20b_buffer_on_an_h100():
    """gpt-oss-20b (vocabulary 201,088) at 1,024 sequences, vLLM 0.19.0: the buffer is 132 rows on an
    H100 SXM, not 1,024: (1,024 - 132) x 201,088 x 4 = 717,481,984 bytes (0.67 GiB) less."""
    m = catalog.load_model("gpt-oss-20b")
    assert m.vocab_size == 201_088
    known = startup.v1_sampler_peak(m, 1, 8192, 1024, "0.19.0", None, 132)
    unknown = startup.v1_sampler_peak(m, 1, 8192, 1024, "0.19.0")
    assert unknown[0] - known[0] == 892 * 201_088 * 4 == 717_481_984
    assert known[0] == known[1] and known[2].endswith("its buffer of 132 rows, the card's 132 SMs)")
    # without the SM count the reason names no SMs: "... + its buffer of 1,024 rows)"
    assert unknown[2].endswith("(14 bytes a logit + its buffer of 1,024 rows)") and "SMs" not in unknown[2]


def test_llama_8b_profile_peak_matches_llm_d_log():
    """Llama-3.1-8B on one H100 SXM (132 SMs), vLLM 0.19.0's defaults (8,192 tokens, 1,024 sequences):
    1,024 x 128,256 x 14 + 132 x 128,256 x 4 + (8,192 + 2 x 1,024) x 4,096 x 2 = 1,990,283,264, above the
    forward; + the sm90 cuBLAS workspace 33,554,432 = 2,023,837,696 bytes = 1.8848 GiB, within 0.011 GiB of
    the 1.89 GiB (1.885 to 1.895) llm-d-planner's 0.19.0 logs print on that card (tests/data/
    vllm_startup_logs.json activation_peak_gib); the buffer of 1,024 rows charged before made it 2.31 GiB."""
    m, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    assert g.multi_processor_count == 132
    smp = startup.v1_sampler_peak(m, 1, 8192, 1024, "0.19.0", None, g.multi_processor_count)[0]
    assert smp == 1024 * 128_256 * 14 + 132 * 128_256 * 4 + (8192 + 2048) * 4096 * 2 == 1_990_283_264
    r = fit.fit(m, g, engine="vllm", opts=ServeOptions(vllm_version="0.19.0", max_num_seqs=1024,
                                                       max_num_batched_tokens=8192, max_model_len=8192))
    act = next(p.bytes for p in r.stages[0].budget if p.key == "activation")
    assert act == smp + startup.blas_workspace(g) == 2_023_837_696
    assert 1.885 - 0.011 < act / GiB < 1.885 and (act + 892 * 128_256 * 4) / GiB > 2.3


def test_gpu_catalog_sm_counts_have_their_source():
    """Each SM count in the catalog has a URL and a quote that states it; cards without one keep None
    (the cautious next_power_of_2(rows) buffer)."""
    counts = {g.name: g for g in catalog.gpus(trusted=False)}
    assert counts["h100-sxm-80gb"].multi_processor_count == 132
    assert counts["a100-sxm-80gb"].multi_processor_count == 108
    assert counts["rtx-4090"].multi_processor_count == 128
    for g in counts.values():
        if g.multi_processor_count is None:
            assert g.multi_processor_count_source is None, g.name
            continue
        src = g.multi_processor_count_source
        assert src["url"].startswith("https://") and str(g.multi_processor_count) in src["quote"], g.name
    assert any(g.multi_processor_count is None for g in counts.values())


def test_a_card_without_its_sm_count_takes_the_cautious_buffer():
    """A GPU whose entry gives no multi_processor_count (a user's card, validate's live card) has None, never
    a guess: the H100's entry without its SM count charges next_power_of_2(1,024) = 1,024 buffer rows, 892 x
    128,256 x 4 = 457,617,408 bytes more than its 132 SMs, 2,023,837,696 + 457,605,408 = 2,481,455,104."""
    from kvplan.model.hardware import GpuSpec
    entry = next(g for g in catalog.bundle()["gpus"] if g["name"] == "h100-sxm-80gb")
    bare = GpuSpec.model_validate({k: v for k, v in entry.items() if not k.startswith("multi_processor_count")})
    assert bare.multi_processor_count is None and bare.multi_processor_count_source is None
    r = fit.fit(catalog.load_model("llama-3.1-8b"), bare, engine="vllm", opts=ServeOptions(
        vllm_version="0.19.0", max_num_seqs=1024, max_num_batched_tokens=8192, max_model_len=8192))
    act = next(p.bytes for p in r.stages[0].budget if p.key == "activation")
    assert act == 2_023_837_696 + 892 * 128_256 * 4 == 2_481_455_104
