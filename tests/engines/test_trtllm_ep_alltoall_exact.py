"""engines/trtllm.py ep_alltoall_part, word for word (session 22's mutation run of st22trt's change): the
term's label and source are what a reader of --explain sees, so a changed word must fail here.
TensorRT-LLM's rule (fused_moe/ select_alltoall_method_type, WideEPMoE and CutlassFusedMoE; TRTLLMGenFusedMoE
enable_alltoall, read in the code index): an all-to-all method, and its workspaces, only with
enable_attention_dp; NotEnabled without it."""
from kvplan.engines import ServeOptions
from kvplan.engines.trtllm import ALLTOALL_SRC, ep_alltoall_part
from kvplan.sources import catalog

SRC = ("fused_moe/ select_alltoall_method_type (WideEPMoE, CutlassFusedMoE) and TRTLLMGenFusedMoE "
       "enable_alltoall, read in the code index")


def _part(model, **kw):
    return ep_alltoall_part(catalog.load_model(model), ServeOptions(**kw))


def test_with_attention_dp_the_workspaces_are_unmodelled_word_for_word():
    assert ALLTOALL_SRC == SRC
    # Qwen3-30B-A3B (MoE), EP on, two data-parallel attention replicas: a method is chosen, sizes not read
    p = _part("qwen3-30b-a3b", enable_expert_parallel=True, data_parallel_size=2)
    assert (p.key, p.label, p.bytes, p.uncertainty, p.unmodelled) == (
        "ep_alltoall", "all-to-all workspaces (EP, attention DP)", 0, 0, True)
    assert p.source == (
        "with enable_attention_dp and more than one rank TensorRT-LLM chooses an all-to-all method "
        "(MNNVL where the NVLink fabric supports it, DeepEP with TRTLLM_CAN_USE_DEEP_EP=1, NVLinkOneSided "
        f"in later releases; {SRC}) and allocates its workspaces, whose sizes kvplan has not read")


def test_without_attention_dp_none_is_allocated_word_for_word():
    # data_parallel_size 1 (the default): NotEnabled, 0 bytes, said
    p = _part("qwen3-30b-a3b", enable_expert_parallel=True)
    assert (p.key, p.label, p.bytes, p.uncertainty, p.unmodelled) == (
        "ep_alltoall", "all-to-all workspaces (EP, no attention DP)", 0, 0, False)
    assert p.source == ("none: without enable_attention_dp the all-to-all method is NotEnabled (unless "
                        f"TRTLLM_FORCE_ALLTOALL_METHOD names one; {SRC}), the MoE layers take the "
                        "allgather / reducescatter path")


def test_no_term_without_ep_or_without_experts():
    assert _part("qwen3-30b-a3b", data_parallel_size=2) is None  # EP off
    assert _part("llama-3.1-8b", enable_expert_parallel=True, data_parallel_size=2) is None  # no MoE layer
