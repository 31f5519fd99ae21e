"""vLLM's start-up budget after session 16's changes (the V1 sampler path by release, the whole non-torch use of
releases up to 0.9.0, startup.py split into non_torch.py and startup_data.py), checked where session 16's mutation
run found no test looking (MUTATION.md, "Session 16: engines/vllm/startup.py, non_torch.py, startup_data.py").
Every figure is worked out by hand below from the model's config and startup.yaml; every wording is vLLM's
source as startup.py states it.

Llama 3.1 8B: vocabulary 128,256, hidden 4,096, MLP 3 × 14,336 = 43,008. H100: cuBLAS workspace 32 MiB
(33,554,432). The 0.90 GiB activation doubt is startup.yaml's activation_non_torch_uncertainty_bytes, 966,367,641."""
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import startup
from kvplan.engines.vllm.startup_data import _release
from kvplan.sources import catalog

V = 128_256
WS = 33_554_432
UNC = 966_367_641


class _Small:  # 256 tokens and 256 sequences: the sampler, not the forward, is the peak
    max_num_batched_tokens = 256
    max_num_seqs = 256


def _parts(gpu="h100", tp=1, cfg=_Small, **kw):
    m = catalog.load_model("llama-3.1-8b")
    return {p.key: p for p in startup.overheads(m, catalog.load_gpu(gpu), cfg, ServeOptions(**kw), tp, 1)}


# forward over 256 tokens: 256 × (2 × 4,096 + 43,008) × 2 = 26,214,400 (0.02 GiB)
# the V1 sort over 256 rows: 256 × 128,256 × 38 + (256 + 2 × 256) × 4,096 × 2 = 1,253,965,824 (1.17 GiB)
# the logits alone (2 bytes a logit, the V2 form): 256 × 128,256 × 2 + 256 × ceil(128,256 / 1,024) × 12
#   + (256 + 256) × 4,096 × 2 = 65,667,072 + 387,072 + 4,194,304 = 70,248,448
SORT, LOGITS = 1_253_965_824, 70_248_448


def test_unread_release_charges_the_sort_at_risk_down_to_the_logits():
    """A release whose model runner kvplan has not read: the V1 sort is charged, and what the logits alone would
    leave is the doubt: 1,253,965,824 − 70,248,448 = 1,183,717,376 on top of the 0.90 GiB."""
    assert startup.sampler_peak(catalog.load_model("llama-3.1-8b"), 1, 256, 256) == SORT
    assert 256 * V * 38 + 768 * 4096 * 2 == SORT and 256 * V * 2 + 256 * 126 * 12 + 512 * 4096 * 2 == LOGITS
    a = _parts(vllm_version="nightly")["activation"]
    assert (a.bytes, a.uncertainty) == (SORT + WS, UNC + SORT - LOGITS) == (1_287_520_256, 2_150_085_017)
    assert a.source == ("profile run: max(forward over 256 tokens 0.02 GiB, sampler over 256 rows × vocab 1.17 GiB) "
                        "+ cuBLAS workspace 32 MiB; sampler from vLLM's code (engines/vllm/startup.yaml); "
                        "vLLM nightly: a release whose model runner kvplan has not read; the V1 runner's sampler "
                        "charged, at risk down to the logits alone")


def test_a_drafter_on_a_v2_release_is_not_told():
    """vLLM 0.24.0 runs Llama on the V2 runner by default (6 bytes a logit), but with a drafter kvplan cannot tell
    which runner: the V1 sort is charged as for an unread release, not the V2 pass."""
    a = _parts(vllm_version="0.24.0", speculative_config=object())["activation"]
    assert (a.bytes, a.uncertainty) == (SORT + WS, UNC + SORT - LOGITS)
    assert "vLLM 0.24.0 with a drafter: the V2 runner takes some methods and not others" in a.source


def test_v1_runner_on_a_v2_release_keeps_its_graphs():
    """vLLM 0.22.0 runs Llama on the V1 runner (only Qwen3 is listed for V2 there), whose CUDA graphs are
    estimated (the fitted 697,932,185 ± 1,320,702,443, for vLLM's default 86 graphs), not the V2 runner's
    none; 0.24.0 lists Llama: V2, none. At 256 batched tokens the capture sizes stop at 256: [1, 2, 4] +
    8..248 step 8 + [256] = 35, each a PIECEWISE and a FULL graph = 70 of 86: 697,932,185 × 70 // 86
    = 568,084,336 (startup.py cuda_graph_estimate)."""
    g = _parts(vllm_version="0.22.0")["cuda_graphs"]
    assert (g.bytes, g.uncertainty) == (568_084_336, 1_320_702_443)
    assert ", whose one dummy sampler pass" not in _parts(vllm_version="0.22.0")["activation"].source
    v2 = _parts(vllm_version="0.24.0")["cuda_graphs"]
    assert (v2.bytes, v2.uncertainty) == (0, 0)
    assert v2.source == ("the V2 model runner estimates none (v1/worker/gpu/model_runner.py profile_cudagraph_memory "
                         "returns 0, vLLM 0.21.0 to 0.28.0): captured after the KV cache is sized, checked against "
                         "what the share leaves")


def test_v1_sampler_paths_say_which():
    """Llama 3.1 8B, 8,192 tokens, 256 rows (tests/engines/test_rules_startup.py test_v1_sampler_peak_by_hand):
    FlashInfer 530,972,672, the Triton path 662,306,816, the sort 1,318,977,536; each path named as startup.py's
    v1_sampler_peak names it."""
    m = catalog.load_model("llama-3.1-8b")
    fi, tri, sort = 530_972_672, 662_306_816, 1_318_977_536

    def run(v, f=None, seqs=256):
        return startup.v1_sampler_peak(m, 1, 8192, seqs, v, f)

    assert run("0.10.1.1", True) == (fi, fi, "the V1 sampler through FlashInfer (the log says so): 14 bytes a logit")
    assert run("0.10.1.1", False) == (sort, sort, "the V1 sampler's sort (FlashInfer not in use, as the log says): "
                                                  "38 bytes a logit")
    assert run("0.15.1", True) == (fi, fi, "the V1 sampler through FlashInfer (VLLM_USE_FLASHINFER_SAMPLER=1, as the "
                                           "log says): 14 bytes a logit")
    assert run("0.19.0") == (tri, tri, "the V1 sampler pass: forward_native's Triton top-k/top-p (14 bytes a logit "
                                       "+ its buffer of 256 rows)")
    assert run("0.21.0") == (tri, tri, "the V1 sampler pass: FlashInfer first, then forward_native's Triton "
                                       "top-k/top-p (14 bytes a logit + its buffer of 256 rows)")
    # 7 rows: below apply_top_k_top_p's 8, the sort: 7 × 128,256 × 38 + (8,192 + 14) × 4,096 × 2 = 101,339,648
    assert run("0.19.0", seqs=7) == (101_339_648, 101_339_648, "the V1 sampler pass: the sort (38 bytes a logit)")
    assert run("not printed") == (sort, fi, "the V1 sampler's sort charged (38 bytes a logit); a release whose "
                                            "sampler path kvplan has not read, so at risk down to FlashInfer's 14")


def test_v1_sampler_one_row_and_nine():
    """One row is a sampler pass too: 1 × 128,256 × 38 + (8,192 + 2) × 4,096 × 2 = 71,998,976. Nine rows on the
    Triton path take a buffer of next_power_of_2(9) = 16 rows: 9 × 128,256 × 14 + 16 × 128,256 × 4
    + (8,192 + 18) × 4,096 × 2 = 91,624,960."""
    m = catalog.load_model("llama-3.1-8b")
    assert startup.v1_sampler_peak(m, 1, 8192, 1, "0.16.0")[:2] == (71_998_976, 71_998_976)
    assert 1 * V * 38 + 8194 * 4096 * 2 == 71_998_976
    nine = startup.v1_sampler_peak(m, 1, 8192, 9, "0.19.0")
    assert nine[:2] == (91_624_960, 91_624_960) and nine[2].endswith("its buffer of 16 rows)")
    assert 9 * V * 14 + 16 * V * 4 + 8210 * 4096 * 2 == 91_624_960


def test_whole_non_torch_source_and_its_doubt_with_nccl():
    """vLLM 0.9.0 on an H100 at TP 1: the growth 150,323,855 + the datacenter context 681,826,058 = 832,149,913,
    ± 536,870,912 (0.63 GiB, ±0.50 GiB), the growth's source kept in front. An unread release on two L40S (PCIe
    only) keeps NCCL's PCIe doubt 365,072,220 and adds the context's 681,826,058 and the graph profile's TP growth
    1,696,512,082 (a release that may profile its graphs in the charged window, startup.yaml
    non_torch_graph_profile_tp_bytes) to it: 2,743,410,360."""
    n = _parts(vllm_version="0.9.0")["non_torch"]
    assert (n.bytes, n.uncertainty) == (832_149_913, 536_870_912)
    assert n.source == ("growth after the start-up snapshot; fitted on fit and seen rows (session 11, "
                        "engines/vllm/startup.yaml); vLLM 0.9.0 charges everything outside torch's allocator "
                        "(gpu_worker.py determine_available_memory, up to 0.9.0): the CUDA context and other "
                        "processes, 0.63 GiB estimated by card kind (SGLang's logs), ±0.50 GiB")
    u = _parts("l40s", 2, vllm_version="not printed")["non_torch"]
    assert (u.bytes, u.uncertainty) == (150_323_855 + 75_161_928, 365_072_220 + 681_826_058 + 1_696_512_082) == \
        (225_485_783, 2_743_410_360)


def test_release_with_a_v_prefix():
    """``v0.10.1.1`` (a tag as git names it) is the release 0.10.1.1: the same key, the same rules."""
    assert _release("v0.10.1.1") == _release("0.10.1.1") == (0, 10, 1, 1)
    assert startup.whole_non_torch("v0.9.0") is True and startup.whole_non_torch("v0.9.1") is False


def test_mla_counts_as_attention_for_the_v2_default():
    """vLLM 0.25.0 takes V2 for an attention model that is dense or listed (config/vllm.py _is_default_v2_mode);
    DeepSeek-V2-Lite (family deepseek_v2, listed; MLA, no num_kv_heads) is such a model: V2, as 0.24.0 lists it."""
    m = catalog.load_model("deepseek-v2-lite")
    assert m.family == "deepseek_v2"
    assert [startup.model_runner(m, ServeOptions(), v)[0] for v in ("0.24.0", "0.25.0", "0.27.0")] == ["v2", "v2", "v2"]


def test_penalty_state_by_hand():
    """The V2 sampler's penalty counts (vLLM 0.33.0 PenaltiesState): max_num_seqs × (vocab + cdiv(vocab, 32)) int32:
    256 × (128,256 + 4,008) × 4 = 135,438,336 bytes; no sequences, none."""
    m = catalog.load_model("llama-3.1-8b")
    assert startup.penalty_state(m, 1, 256) == 256 * (V + 4008) * 4 == 135_438_336
    assert startup.penalty_state(m, 1, 0) == 0
