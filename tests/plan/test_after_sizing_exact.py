"""vLLM's after-sizing check word for word (issue 20, session 20; mutation testing, MUTATION.md session 20's
after-sizing section): plan/verdict.py _post_sizing and _after_sizing_terms with every term present,
engines/vllm/non_torch.py outside_share by group and release, engines/vllm/after_sizing.py at its edges. Every
figure is worked by hand from the bytes given."""
from kvplan.engines import BudgetPart, Capacity, ServeOptions
from kvplan.engines.vllm import after_sizing
from kvplan.engines.vllm.non_torch import outside_share
from kvplan.plan.fit import Stage
from kvplan.plan.verdict import judge
from kvplan.sources import catalog

GiB = 2**30


def _stage(unused: int, unc: int = 0) -> Stage:
    parts = [BudgetPart("weights", "weights", 10 * GiB), BudgetPart("cuda_graphs", "g", GiB, "estimated", unc),
             BudgetPart("kv_cache", "KV cache", 8 * GiB), BudgetPart("unused", "unused", unused)]
    return Stage(0, 0, 1, 1, 10 * GiB, parts)


def _cap(**after) -> Capacity:
    return Capacity(True, 1000, 0, 0.0, GiB, detail={"bytes_per_block": 0, "groups": [{"block_size": 16}] * 2,
                                                      **after})


ALL = {"post_sizing_bytes": GiB, "post_sizing_graph_bytes": GiB // 2, "post_sizing_graph_uncertainty": GiB // 4,
       "outside_share_bytes": 3 * GiB // 4, "outside_share_uncertainty": GiB // 2,
       "outside_share_what": "the CUDA context", "warmup_fragmentation_bytes": GiB // 8}
TERMS = ("post_sizing: after the KV cache is sized with the CUDA context on the GPU before vLLM's snapshot (0.75 "
         "GiB, outside its share; engines/vllm/non_torch.py outside_share) and vLLM rebuilds its input batch with a "
         "block table for each of 2 KV cache groups (1 × 1.00 GiB = 1.00 GiB more, charged in no budget; "
         "gpu_model_runner.py may_reinitialize_input_batch, block_table.py BlockTable) and vLLM captures its CUDA "
         "graphs (0.50 GiB estimated, ±0.25 GiB, charged in no budget; gpu_worker.py compile_or_warm_up_model, "
         "capture_model) and warms its sampler up again (the profile's sampler pass, given back, with up to 0.12 GiB "
         "of the headroom unusable to PyTorch's allocator, measured at two OOMs; engines/vllm/after_sizing.py) "
         "against the 4.00 GiB the share leaves")


def test_every_after_sizing_term_word_for_word():
    """4 GiB left: 4 - 0.75 (outside) - 1 (one more table) - 0.5 (graphs) = 1.75 GiB to spare; the band is one
    table 1 + the estimated parts' 0.0625 + the graphs' 0.25 + the outside part's 0.5 + the warm-up's 0.125 =
    1.9375 GiB, more than 1.75: at risk, every term named."""
    v = judge("vllm", [_stage(4 * GiB, GiB // 16)], _cap(**ALL), True)
    assert (v.verdict, v.deciding_term, v.margin_bytes) == ("at_risk", "post_sizing", 7 * GiB // 4)
    assert v.uncertainty_bytes == GiB + GiB // 16 + GiB // 4 + GiB // 2 + GiB // 8 == 2_080_374_784
    assert v.why == (TERMS + ": 1.75 GiB to spare, within one group's table and the ±0.06 GiB the estimated parts "
                     "may err and the ±0.25 GiB the graphs' estimate may err and the ±0.50 GiB what sits outside the "
                     "share may err and the 0.12 GiB the sampler warm-up may find unusable")
    short = judge("vllm", [_stage(2 * GiB, GiB // 16)], _cap(**ALL), True)
    assert (short.verdict, short.margin_bytes) == ("does_not_fit", -GiB // 4)
    assert short.why == TERMS.replace("4.00 GiB the share", "2.00 GiB the share") + ": short by 0.25 GiB"


def test_vllm_refuses_where_what_sits_outside_is_more_than_the_unused_share():
    """3 GiB before the snapshot against the 2 GiB the share leaves: vLLM's request_memory refuses at start-up;
    the margin is 2 - 3 = -1 GiB, the need and the estimated parts' band as without the after-sizing terms."""
    held = {"outside_share_bytes": 3 * GiB, "outside_share_uncertainty": GiB // 2, "warmup_fragmentation_bytes": 1,
            "outside_share_what": "the CUDA context, NCCL and the custom all-reduce buffers"}
    base = judge("vllm", [_stage(2 * GiB, GiB // 8)], _cap(), True)
    v = judge("vllm", [_stage(2 * GiB, GiB // 8)], _cap(**held), True)
    assert (base.need_bytes, base.uncertainty_bytes) == (GiB, GiB // 8)
    assert (v.verdict, v.deciding_term, v.margin_bytes) == ("does_not_fit", "post_sizing", -GiB)
    assert (v.need_bytes, v.uncertainty_bytes) == (GiB, GiB // 8)
    assert v.why == ("post_sizing: the CUDA context, NCCL and the custom all-reduce buffers (3.00 GiB) are on the GPU "
                     "before vLLM starts, more than the 2.00 GiB its share leaves: vLLM refuses at start-up (\"Free "
                     "memory on device ... is less than desired GPU memory utilization\"; v1/worker/utils.py "
                     "request_memory)")


def test_outside_share_at_tp_2_pp_2_and_its_words():
    """TP 2 × PP 2 (four GPUs, two in each all-reduce group) on an H100 from 0.11.0: the context 681,826,058,
    NCCL 1,340,153,712 and TP 2's custom all-reduce 25,165,824 = 2,047,145,594 bytes, as at TP 2 alone."""
    h100 = catalog.load_gpu("h100-sxm-80gb")
    words = "the CUDA context, NCCL and the custom all-reduce buffers"
    assert outside_share(h100, 2, 2, "0.19.0") == (681_826_058 + 1_340_153_712 + 25_165_824, 536_870_912, words)
    assert outside_share(h100, 2, 2, "0.19.0")[0] == 2_047_145_594 == outside_share(h100, 2, 1, "0.19.0")[0]
    assert outside_share(h100, 1, 1, "0.19.0")[2] == "the CUDA context"


def test_after_sizing_detail_reads_the_plan_release_and_its_edges():
    """vLLM 0.9.0 charges everything outside torch inside its share: no outside part, the warm-up's fragmentation
    only (eager: no graphs), ceil(2.320 × 1,024 × 128,256 × 4) = 1,218,780,857 for Llama-3.1-8B; no sequence, no
    logits block."""
    m, h100 = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100-sxm-80gb")
    d = after_sizing.detail(m, h100, ServeOptions(vllm_version="0.9.0", enforce_eager=True), 1, 1, 1024, 8192)
    assert d == {"warmup_fragmentation_bytes": 1_218_780_857}  # eager: no graphs captured after sizing
    assert after_sizing.logits_block(m, 1, 0, 8192) == 0 and after_sizing.fragmentation(m, 1, 0, 8192) == 0
