"""Exact figures and messages of issue 20's session-20 start-up rules (vLLM): the TP group's non-torch growth
while CUDA graphs are profiled inside the charged window (non_torch.py graph_profile_growth, startup.yaml
non_torch_graph_profile_tp_bytes) and the fused-MoE workspace kept beside the sampler pass (moe_workspace.py,
startup.yaml moe_workspace_kept_from). Written for session 20's mutation run (MUTATION.md)."""
from kvplan.engines import ServeOptions
from kvplan.engines.vllm import startup
from kvplan.engines.vllm.non_torch import graph_profile_growth, non_torch_part
from kvplan.sources import catalog

# startup.yaml non_torch_graph_profile_tp_bytes: round(2.13 × 2**30) − 150,323,855 − 440,234,148
GROW = 1_696_512_082
KEPT = 536_870_912  # Qwen3-30B-A3B, 8,192 tokens: top-8 × (2,048 + 2,048) values × 8,192 × 2 bytes
WHY = ("; vLLM {v} profiles its CUDA graphs inside the window it charges (gpu_worker.py determine_available_memory, "
       "V1 runner, 0.18.0 to before 0.27.0): the TP group's growth 1.58 GiB, fitted on four fit-side 0.19.0 H100 logs")
TAIL = ("; the fused-MoE workspace (0.50 GiB) stays allocated beside the sampler pass (v1/worker/workspace.py "
        "WorkspaceManager, from 0.13.0; engines/vllm/startup.yaml moe_workspace_kept_from)")


def _g(version, gpu="h100", tp=2, **kw):
    return graph_profile_growth(catalog.load_gpu(gpu), ServeOptions(vllm_version=version, **kw), tp)


def test_graph_profile_growth_word_for_word():
    # 1,696,512,082 / 2**30 = 1.58 GiB; the runner left out is the V1 runner (the cautious side)
    assert _g("0.19.0") == (GROW, 0, WHY.format(v="0.19.0"))
    unread = WHY.format(v="nightly").replace("nightly profiles", "nightly (release not read) may profile")
    assert _g("nightly") == (0, GROW, unread + ", carried as uncertainty")
    # no NVLink: the L40S (PCIe only) and the RTX 3090 (an NVLink bridge, but no peer access on the stock driver)
    for gpu in ("l40s", "rtx-3090"):
        no_nvlink = WHY.format(v="0.19.0") + "; no NVLink here (no log), carried as uncertainty"
        assert _g("0.19.0", gpu) == (0, GROW, no_nvlink)


def test_graph_profile_growth_release_edges_and_runner():
    # pre-releases sort before their release: 0.18.0rc1 is inside the range, 0.27.0rc1 already outside
    assert _g("0.18.0rc1")[:2] == (GROW, 0) and _g("0.26.9")[:2] == (GROW, 0)
    for version in ("0.17.1", "0.27.0rc1", "0.27.0"):
        assert _g(version) == (0, 0, "")
    assert graph_profile_growth(catalog.load_gpu("h100"), ServeOptions(vllm_version="0.24.0"), 2, True) == (0, 0, "")
    assert _g("0.19.0", tp=1) == _g("0.19.0", enforce_eager=True) == (0, 0, "")
    # non_torch_part left without the runner takes the V1 runner too: 150,323,855 + 440,234,148 + the growth
    nt = non_torch_part(catalog.load_gpu("h100"), ServeOptions(vllm_version="0.19.0"), 2, 1)
    assert (nt[0], nt[2]) == (150_323_855 + 440_234_148 + GROW, 0) and nt[1].endswith(WHY.format(v="0.19.0"))


def test_graph_profile_growth_with_a_drafter_on_a_v2_release():
    # dense Llama under 0.24.0 takes the V2 runner (which profiles no graph), but with a drafter kvplan
    # cannot tell the runner, so the V1 growth is charged: 150,323,855 + 440,234,148 + 1,696,512,082
    m, h100 = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")

    class Cfg:
        max_num_batched_tokens, max_num_seqs = 8192, 256

    def nt(**kw):
        return next(p for p in startup.overheads(m, h100, Cfg, ServeOptions(vllm_version="0.24.0", **kw), 2, 1)
                    if p.key == "non_torch")
    assert nt().bytes == 150_323_855 + 440_234_148
    assert nt(speculative_config=object()).bytes == 150_323_855 + 440_234_148 + GROW == 2_287_070_085


def _act(version, model="qwen3-30b-a3b"):
    class Cfg:
        max_num_batched_tokens, max_num_seqs = 8192, 1024
    return next(p for p in startup.overheads(catalog.load_model(model), catalog.load_gpu("h100"), Cfg,
                                             ServeOptions(vllm_version=version), 1, 1) if p.key == "activation")


def test_moe_workspace_beside_the_sampler_v1_uncertainty_and_source():
    # 0.19.0 (V1 runner): the Triton sampler's figure has no low side here (2,300,319,744 both), so the
    # uncertainty is the fitted activation figure alone, kept workspace or not
    q3 = catalog.load_model("qwen3-30b-a3b")
    assert startup.v1_sampler_peak(q3, 1, 8192, 1024, "0.19.0", None, 132)[:2] == (2_300_319_744, 2_300_319_744)
    a = _act("0.19.0")
    assert a.bytes == 2_300_319_744 + KEPT + 33_554_432 == 2_870_745_088
    assert a.uncertainty == startup.const("activation_non_torch_uncertainty_bytes") == 966_367_641
    assert a.source.startswith("profile run: max(forward over 8,192 tokens 0.56 GiB, sampler over 1,024 rows")
    assert a.source.endswith("(engines/vllm/startup.yaml v1_sampler)" + TAIL)


def test_moe_workspace_beside_the_v2_sampler():
    # 0.33.0 (V2 runner for MoE): max(forward, V2 sampler + kept) + cuBLAS 32 MiB + penalty counts
    q3 = catalog.load_model("qwen3-30b-a3b")
    smp, state = startup.sampler_peak(q3, 1, 8192, 1024, 14), startup.penalty_state(q3, 1, 1024)
    assert smp > startup.forward_peak(q3, 8192)
    a = _act("0.33.0")
    assert a.bytes == smp + KEPT + 33_554_432 + state
    assert a.source.endswith(TAIL)


def test_moe_workspace_carried_where_the_release_is_unread():
    # "nightly": the runner is unknown (V1 sampler charged, down to the logits alone carried) and the kept
    # workspace is carried as uncertainty, not charged
    q3 = catalog.load_model("qwen3-30b-a3b")
    fwd = startup.forward_peak(q3, 8192)
    smp = startup.sampler_peak(q3, 1, 8192, 1024, None)
    floor = max(fwd, startup.sampler_peak(q3, 1, 8192, 1024, 2))
    a = _act("nightly")
    assert a.bytes == max(fwd, smp) + 33_554_432
    assert a.uncertainty == 966_367_641 + KEPT + max(fwd, smp) - floor
    assert a.source.endswith(TAIL + ", carried as uncertainty: a release kvplan cannot read")
    assert "fused-MoE workspace" not in _act("nightly", "llama-3.1-8b").source  # dense: none kept
