"""vLLM's start-up budget (kvplan/engines/vllm/startup.py) and SGLang's (engines/sglang_startup.py),
term by term, with numbers a reader can check by hand (issue 25: the mutants these kill are listed
in MUTATION.md, session 6)."""
import pytest

from kvplan.engines import ServeOptions
from kvplan.engines.sglang_startup import (PRE_LOAD_TP1, PRE_LOAD_UNCERTAINTY, budget_parts,
                                           custom_all_reduce_bytes, used_before)
from kvplan.engines.vllm import startup
from kvplan.sources import catalog

GiB = 2**30


def replace(obj, **changes):
    return obj.model_copy(update=changes)


def _with_mlp(spec, **changes):
    """``spec`` with every layer's MLP changed (to make another term the widest)."""
    lts = {k: replace(lt, mlp=replace(lt.mlp, **changes)) for k, lt in spec.layer_types.items()}
    return replace(spec, layer_types=lts)


def test_forward_peak_dense_mlp_is_widest():
    # Llama 3.1 8B: hidden 4,096; attention (2 × 32 + 2 × 8) × 128 = 10,240; MLP 3 × 14,336 = 43,008
    # 8,192 tokens × (2 × 4,096 + 43,008) × 2 bytes = 838,860,800
    assert startup.forward_peak(catalog.load_model("llama-3.1-8b"), 8192) == 838_860_800


def test_forward_peak_attention_is_widest():
    # Llama 3.1 8B with an MLP of 1,000 (3,000 < attention's 10,240):
    # 10 tokens × (8,192 + 10,240) × 2 = 368,640
    m = _with_mlp(catalog.load_model("llama-3.1-8b"), intermediate_size=1000)
    assert startup.forward_peak(m, 10) == 368_640


def test_forward_peak_mla_is_widest():
    # DeepSeek V3 with every MLP 100 wide and one expert a token (dense 300; MoE workspaces
    # 1 × (7,168 + 7,168) + 3 × 100 shared = 14,636): MLA 128 × (128 + 64 + 128) + 512 = 41,472;
    # 10 × (2 × 7,168 + 41,472) × 2 = 1,116,160
    m = _with_mlp(catalog.load_model("deepseek-v3"), intermediate_size=100)
    lts = {k: replace(lt, mlp=replace(lt.mlp, shared_intermediate_size=100, experts_per_token=1))
           if k == "moe" else lt for k, lt in m.layer_types.items()}
    assert startup.forward_peak(replace(m, layer_types=lts), 10) == 1_116_160


def test_forward_peak_moe_workspaces_and_shared_expert():
    # vLLM 0.15.1 TritonExperts.workspace_shapes: (M, top-k, max(I, K)) + (M, top-k, max(2I, K)).
    # Qwen3 30B-A3B (I = 768 < K/2 = 1,024): 8 × (2,048 + 2,048) = 32,768 + 0 shared > attention
    # (64 + 8) × 128 = 9,216; 1,000 × (2 × 2,048 + 32,768) × 2 = 73,728,000 (3 × 768 × 8 =
    # 18,432 before: the workspaces are as wide as the hidden size, not the intermediate)
    assert startup.forward_peak(catalog.load_model("qwen3-30b-a3b"), 1000) == 73_728_000
    # Llama 4 Scout (I = 8,192 ≥ K = 5,120): 1 × (8,192 + 16,384) + 3 × 8,192 shared = 49,152;
    # 100 × (10,240 + 49,152) × 2
    assert startup.forward_peak(catalog.load_model("llama-4-scout"), 100) == 11_878_400
    # at TP 4 Scout's experts are 2,048 wide, under K: 1 × (5,120 + 5,120) + 3 × 2,048 = 16,384,
    # where 3 × I would give 6,144 + 6,144; 100 × (10,240 + 16,384) × 2, against attention
    # (2 × 10 + 2 × 2) × 128 = 3,072
    assert startup.forward_peak(catalog.load_model("llama-4-scout").shard(4), 100) == 5_324_800
    # between the two: Qwen3 30B-A3B with experts 1,500 wide (K/2 ≤ I < K): 8 × (max(1,500, 2,048)
    # + max(3,000, 2,048)) = 8 × 5,048 = 40,384; 10 × (4,096 + 40,384) × 2
    m = _with_mlp(catalog.load_model("qwen3-30b-a3b"), intermediate_size=1500)
    assert startup.forward_peak(m, 10) == 889_600


def test_forward_peak_widest_over_every_layer_type():
    # Nemotron-H 56B: layer types mamba (no attention, no MLP), mlp (3 × 32,768 = 98,304, the
    # widest) and attention last ((2 × 64 + 2 × 8) × 128 = 18,432): the widest of all, not the
    # last: 10 × (2 × 8,192 + 98,304) × 2 = 2,293,760
    assert startup.forward_peak(catalog.load_model("nemotron-h-56b"), 10) == 2_293_760


def test_forward_peak_of_layers_with_neither_attention_nor_mlp():
    # Nemotron-H's Mamba-2 layers alone: nothing but the residual stream and hidden state:
    # 10 × 2 × 8,192 × 2 = 327,680
    m = catalog.load_model("nemotron-h-56b")
    mamba = replace(m, layer_types={"mamba": m.layer_types["mamba"]}, pattern="mamba*4")
    assert mamba.counts() == {"mamba": 4}
    assert startup.forward_peak(mamba, 10) == 327_680


def test_sampler_peak_rows_vocab_and_tp():
    m = catalog.load_model("llama-3.1-8b")  # vocabulary 128,256, hidden 4,096; 38 bytes per logit from code
    # min(256 seqs, 8,192 tokens) = 256 rows: 256 × 128,256 × 38 = 1,247,674,368 for the sort, plus the
    # held hidden states (8,192 tokens + 2 × 256 rows) × 4,096 × 2 = 71,303,168
    assert startup.sampler_peak(m, 1, 8192, 256) == 1_247_674_368 + 71_303_168 == 1_318_977_536
    # fewer tokens than seqs: 100 rows: 100 × 128,256 × 38 = 487,372,800 + (100 + 200) × 4,096 × 2
    assert startup.sampler_peak(m, 1, 100, 256) == 487_372_800 + 2_457_600
    # the rank's vocabulary share gathered over tp 2: 2 × 64,128 × 100 rows × 38, hidden not sharded
    half = replace(m, vocab_size=64_128)
    assert startup.sampler_peak(half, 2, 100, 256) == 489_830_400
    # 1 row × 3 × 38 = 114, plus (1 + 2) × 4,096 × 2 = 24,576
    assert startup.sampler_peak(replace(m, vocab_size=3), 1, 1, 1) == 24_690
    # no sampler pass (0 seqs: TensorRT-LLM's estimation run): nothing, not even the held states
    assert startup.sampler_peak(m, 1, 8192, 0) == 0


def test_activation_peak_is_the_larger_of_forward_and_sampler():
    m = catalog.load_model("llama-3.1-8b")
    # forward 838,860,800 < sampler 1,318,977,536 (256 rows)
    assert startup.activation_peak(m, 8192, 256) == 1_318_977_536
    # no rows (TensorRT-LLM's call): the forward alone
    assert startup.activation_peak(m, 8192, 0) == 838_860_800
    # tp defaults to 1: 100 rows × 64,128 × 38 + 2,457,600 = 246,144,000 > forward 100 × 51,200 × 2
    assert startup.activation_peak(replace(m, vocab_size=64_128), 100, 100) == 246_144_000
    assert startup.activation_peak(replace(m, vocab_size=64_128), 100, 100, 2) == 489_830_400


def test_blas_workspace_by_architecture():
    # PyTorch's cuBLAS workspace: ":4096:8" = 32 MiB on sm90 / sm100, ":4096:2:16:8" = 8.125 MiB else
    assert startup.blas_workspace(catalog.load_gpu("h100")) == 32 * 2**20
    assert startup.blas_workspace(catalog.load_gpu("b200")) == 32 * 2**20
    assert startup.blas_workspace(catalog.load_gpu("a100")) == (4096 * 2 + 16 * 8) * 1024
    assert startup.blas_workspace(None) == 8_519_680


def test_blas_workspace_by_major_not_by_exact_capability():
    # PyTorch tests the capability's major (9 or 10), so B300's 10.3 (settings._CAPABILITY 103,
    # NVIDIA's CUDA GPUs page) takes the 32 MiB of B200's 10.0; the catalog has no B300, so the
    # record is B200's renamed (capability() reads only the name)
    b300 = catalog.load_gpu("b200").model_copy(update={"name": "b300"})
    assert startup.blas_workspace(b300) == 32 * 2**20


def test_constants_keep_values_only_and_are_ints():
    c = startup.constants()
    assert all(isinstance(v, dict) and "value" in v for v in c.values())
    assert startup.const("cuda_graph_bytes") == 697_932_185
    assert startup.const("sampler_bytes_per_logit") == 2 + 4 + 4 + 8 + 8 + 4 + 8 == 38
    # fitted on fit and seen rows (session 11): 0.14 GiB at TP 1, 0.55 GiB beyond
    assert startup.const("non_torch_tp1_bytes") == round(0.14 * GiB)
    assert startup.const("non_torch_tp1_bytes") + startup.const("non_torch_extra_tp_bytes") == round(0.55 * GiB)


def test_non_torch_tp1_and_extra_beyond_one_gpu(monkeypatch):
    # the formula's shape with 1 and 10
    from kvplan.engines.vllm import startup_data  # startup.yaml's home (startup.py re-exports it)

    monkeypatch.setattr(startup_data, "constants", lambda: {"non_torch_tp1_bytes": {"value": 1},
                                                            "non_torch_extra_tp_bytes": {"value": 10}})
    assert startup.non_torch(1, 1) == 1
    assert startup.non_torch(2, 1) == 11 and startup.non_torch(1, 2) == 11 and startup.non_torch(2, 2) == 11


def test_non_torch_extra_not_charged_without_peer_access():
    # RTX 3090: no peer access (startup.yaml no_peer_access_gpus, NVIDIA/nccl#1127), NCCL's SHM
    # transport keeps its buffers in host memory: at TP 4 only the TP 1 growth is charged, the
    # 0.41 GiB extra becomes the non-torch part's uncertainty; an H100 (peer access) keeps both
    rtx, h100 = catalog.load_gpu("rtx-3090"), catalog.load_gpu("h100")
    tp1, extra = startup.const("non_torch_tp1_bytes"), startup.const("non_torch_extra_tp_bytes")
    assert startup.no_peer_access(rtx) and not startup.no_peer_access(h100) and not startup.no_peer_access(None)
    assert startup.non_torch(4, 1, rtx) == tp1 == 150_323_855 and startup.non_torch(1, 2, rtx) == tp1
    assert startup.non_torch(4, 1, h100) == tp1 + extra == 590_558_003
    m = catalog.load_model("llama-3.1-8b")
    n = {k: next(p for p in startup.overheads(m, g, _Cfg, ServeOptions(), 4, 1) if p.key == "non_torch")
         for k, g in (("rtx", rtx), ("h100", h100))}
    assert (n["rtx"].bytes, n["rtx"].uncertainty) == (150_323_855, 440_234_148)
    assert (n["h100"].bytes, n["h100"].uncertainty) == (590_558_003, 0)
    assert "SHM transport" in n["rtx"].source and "SHM" not in n["h100"].source
    # at TP 1 nothing changes on either card
    one = next(p for p in startup.overheads(m, rtx, _Cfg, ServeOptions(), 1, 1) if p.key == "non_torch")
    assert (one.bytes, one.uncertainty) == (150_323_855, 0)


def test_mxfp4_growth_per_capability():
    # gpt-oss-20b: 2 × 1,152 expert matrices of 2,880 × 2,880 in MXFP4, each 2,880² / 2 +
    # 2,880² / 32 scales = 4,406,400 bytes: 10,152,345,600 bytes
    m = catalog.load_model("gpt-oss-20b")
    assert startup.mxfp4_growth(m, catalog.load_gpu("h100")) == 10_152_345_600 * 91_065 // 1_000_000 == 924_523_352
    assert startup.mxfp4_growth(m, catalog.load_gpu("a100")) == 10_152_345_600 * 111_092 // 1_000_000 == 1_127_844_377
    assert startup.mxfp4_growth(m, None) == 1_127_844_377  # no GPU: the sm80 figure
    assert startup.mxfp4_growth(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")) == 0
    assert startup.mxfp4_growth(catalog.load_model("deepseek-v3"), catalog.load_gpu("h100")) == 0  # fp8



def test_mxfp4_growth_sm100_from_code():
    # vLLM 0.13.0 / 0.15.1 mxfp4.py on capability 10.x: intermediate and hidden padded to 256,
    # uint8 weights (2 values a byte) with a uint8 scale per 32, float32 biases, three float32
    # per expert (gemm1_alpha, beta, clamp_limit). gpt-oss-120b at TP 8: I = 360 -> 512,
    # H = 2,880 -> 3,072. Loaded per expert: 2·512·3072/2 + 2·512·3072/32 + 3072·512/2 +
    # 3072·512/32 + (2·512 + 3072)·4 + 12 = 2,523,148 bytes. kvplan's checkpoint price: two
    # 360 × 2,880 MXFP4 matrices (90 blocks of 17 bytes a row: 550,800 each), one 2,880 × 360
    # (12 blocks a row: 587,520) and bf16 biases (720 + 2,880)·2 = 7,200: 1,696,320 bytes.
    # Growth: (2,523,148 - 1,696,320) × 128 experts × 36 layers.
    b200 = catalog.load_gpu("b200")
    m = catalog.load_model("gpt-oss-120b").shard(8)
    assert startup.mxfp4_growth(m, b200) == (2_523_148 - 1_696_320) * 128 * 36 == 3_810_023_424
    # gpt-oss-20b at TP 1: 2,880 -> 3,072 both ways; loaded 15,077,388 bytes per expert,
    # checkpoint 3 × 4,406,400 + (5,760 + 2,880)·2 = 13,236,480; 32 experts × 24 layers
    m20 = catalog.load_model("gpt-oss-20b")
    assert startup.mxfp4_growth(m20, b200) == (15_077_388 - 13_236_480) * 32 * 24
    assert startup.mxfp4_from_code(b200) and startup.mxfp4_from_code(catalog.load_gpu("gb200"))
    assert not startup.mxfp4_from_code(catalog.load_gpu("h100")) and not startup.mxfp4_from_code(None)
    assert startup.mxfp4_growth(catalog.load_model("deepseek-v3"), b200) == 0  # fp8, not MXFP4


def test_mxfp4_growth_sm100_session12_survivors():
    # mutation pass, session 12 (MUTATION.md): the growth is an int of bytes (ip, hp are multiples
    # of 256, so every // is exact, but `/` would give a float); gpt-oss-20b's figure from above
    b200 = catalog.load_gpu("b200")
    m20 = catalog.load_model("gpt-oss-20b")
    g = startup.mxfp4_growth_sm100(m20)
    assert type(g) is int and g == (15_077_388 - 13_236_480) * 32 * 24 == 1_413_817_344
    # a dense layer type before the MoE ones adds nothing and does not stop the sum: the same
    # 1,413,817,344 bytes with one dense layer (no MXFP4 experts) put first
    from kvplan.model.spec import DenseMlp
    lt = m20.layer_types["local"].model_copy(update={"mlp": DenseMlp(intermediate_size=2_880)})
    dense_first = m20.model_copy(update={"layer_types": {"dense": lt, **m20.layer_types},
                                         "pattern": "dense " + m20.pattern})
    assert list(dense_first.counts()) == ["dense", "local", "global"]
    assert startup.mxfp4_growth_sm100(dense_first) == 1_413_817_344
    # B300 is compute capability 10.3 (settings._CAPABILITY): vLLM's is_device_capability_family(100)
    # tests the major (103 // 10 == 10), so it takes the code path too
    b300 = b200.model_copy(update={"name": "b300"})
    assert startup.mxfp4_from_code(b300)


def test_non_torch_extra_tp_pair():
    # (bytes charged, uncertainty): an H100 (peer access) is charged the fitted extra
    # 590,558,003 - 150,323,855 = 440,234,148 with no uncertainty; an RTX 3090 (no peer access)
    # nothing, the same figure carried as the uncertainty
    assert startup.non_torch_extra_tp(catalog.load_gpu("h100")) == (440_234_148, 0)
    assert startup.non_torch_extra_tp(catalog.load_gpu("rtx-3090")) == (0, 440_234_148)
    assert startup.non_torch_extra_tp(None) == (440_234_148, 0)
    # session 15: a card with no NVLink at all is charged the PCIe figure, round(0.21 GiB) - 150,323,855
    # = 75,161,928 (the 8 x L40S vLLM 0.10.2 log), the rest of the NVLink figure,
    # 440,234,148 - 75,161,928 = 365,072,220, carried as the uncertainty
    assert startup.const("non_torch_extra_tp_pcie_bytes") == round(0.21 * GiB) - 150_323_855 == 75_161_928
    assert startup.non_torch_extra_tp(catalog.load_gpu("l40s")) == (75_161_928, 365_072_220)


@pytest.mark.parametrize("gpu,pcie", [
    ("l40s", True), ("l4", True), ("rtx-4090", True), ("a10g", True), ("t4", True),  # "(no NVLink ...)" reads as none
    ("rtx-3090", False), ("a6000", False),  # an optional NVLink bridge: the NVLink figure, the cautious side
    ("h100-pcie", False), ("a100-pcie", False), ("h100", False), ("mi300x", False)])
def test_pcie_only(gpu, pcie):
    assert startup.pcie_only(catalog.load_gpu(gpu)) is pcie
    assert startup.pcie_only(None) is False


def test_non_torch_on_pcie_only_cards_at_two_gpus():
    # L40S at TP 2: 150,323,855 + 75,161,928 = 225,485,783 charged, 365,072,220 uncertain; at TP 1 neither
    m, l40s = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("l40s")
    two = next(p for p in startup.overheads(m, l40s, _Cfg, ServeOptions(), 2, 1) if p.key == "non_torch")
    assert (two.bytes, two.uncertainty) == (225_485_783, 365_072_220)
    assert "NCCL over PCIe" in two.source
    assert startup.non_torch(2, 1, l40s) == startup.non_torch(1, 2, l40s) == 225_485_783
    one = next(p for p in startup.overheads(m, l40s, _Cfg, ServeOptions(), 1, 1) if p.key == "non_torch")
    assert (one.bytes, one.uncertainty) == (150_323_855, 0)


def test_overheads_without_peer_access_at_two_gpus():
    # overheads: any split over more than one GPU (tp × pp > 1) on a card without peer access
    # moves the extra into the uncertainty: TP 2 × PP 1 and TP 1 × PP 2 as TP 4 above
    m = catalog.load_model("llama-3.1-8b")
    rtx = catalog.load_gpu("rtx-3090")
    for tp, pp in ((2, 1), (1, 2)):
        n = next(p for p in startup.overheads(m, rtx, _Cfg, ServeOptions(), tp, pp) if p.key == "non_torch")
        assert (n.bytes, n.uncertainty) == (150_323_855, 440_234_148)
        assert n.source == ("growth after the start-up snapshot; fitted on fit and seen rows (session 11, "
                            "engines/vllm/startup.yaml); no NCCL buffers on a card without peer access "
                            "(NCCL's SHM transport keeps them in host memory), their fitted size carried "
                            "as the uncertainty")


def test_budget_passes_the_gpu_to_the_overheads():
    # VLLM.budget on an RTX 3090 (no peer access) at TP 2: the non-torch part is the 150,323,855
    # bytes without NCCL buffers, their 590,558,003 − 150,323,855 = 440,234,148 carried as the
    # uncertainty (as test_overheads_without_peer_access_at_two_gpus); an H100 keeps them, ± 0
    from kvplan.engines.vllm import VLLM
    from kvplan.model import dtypes

    m = catalog.load_model("llama-3.1-8b")
    for gpu, want in (("rtx-3090", (150_323_855, 440_234_148)), ("h100", (590_558_003, 0))):
        parts = VLLM().budget(catalog.load_gpu(gpu), 8_030_261_248, m, ServeOptions(), 2, 1, dtypes.get("bf16"))
        n = next(p for p in parts if p.key == "non_torch")
        assert (n.bytes, n.uncertainty) == want


class _Cfg:
    max_num_batched_tokens = 8192
    max_num_seqs = 256


def _parts(**kw):
    m = catalog.load_model("llama-3.1-8b")
    return {p.key: p for p in startup.overheads(m, catalog.load_gpu("h100"), _Cfg, ServeOptions(**kw), 1, 1)}


def test_overheads_estimated():
    """vLLM 0.16.0 (the V1 runner, startup.yaml model_runner; FlashInfer's sampler opt-in and no Triton
    top-k/top-p yet, startup.yaml v1_sampler): the V1 sampler's sort, no extra doubt."""
    p = _parts(vllm_version="0.16.0")
    assert [k for k in p] == ["activation", "cuda_graphs", "non_torch", "torch_compile"]
    a, g, n = p["activation"], p["cuda_graphs"], p["non_torch"]
    # a compiled start-up: no bytes, the cold-cache band (startup.yaml torch_compile_cold_uncertainty_bytes)
    assert (p["torch_compile"].bytes, p["torch_compile"].uncertainty) == (0, 612_032_840)
    # the sampler 1,318,977,536 + the H100's 32 MiB cuBLAS workspace, ± 0.90 GiB
    assert (a.bytes, a.uncertainty) == (1_318_977_536 + 33_554_432, 966_367_641) == (1_352_531_968, 966_367_641)
    assert a.label == "activation peak (profile forward + sampler)"
    # 838,860,800 / 2³⁰ = 0.78 GiB; 1,318,977,536 / 2³⁰ = 1.23 GiB
    assert a.source == ("profile run: max(forward over 8,192 tokens 0.78 GiB, sampler over 256 rows × vocab "
                        "1.23 GiB) + cuBLAS workspace 32 MiB; vLLM 0.16.0: the V1 model runner (V2 only with "
                        "VLLM_USE_V2_MODEL_RUNNER=1); the V1 sampler's sort: 38 bytes a logit "
                        "(engines/vllm/startup.yaml v1_sampler)")
    # 0.16.0 subtracts no graph estimate (startup.yaml cuda_graph_estimate_charged_from): none in the budget
    assert (g.bytes, g.uncertainty, g.label) == (0, 0, "CUDA graphs")
    assert g.source == ("vLLM 0.16.0 subtracts no CUDA-graph estimate (gpu_worker.py determine_available_memory, "
                        "up to 0.19; engines/vllm/startup.yaml cuda_graph_estimate_charged_from): captured after "
                        "the KV cache is sized, checked against what the share leaves")
    assert (n.bytes, n.uncertainty, n.label) == (150_323_855, 0, "non-torch growth (after vLLM's snapshot)")
    assert n.source == "growth after the start-up snapshot; fitted on fit and seen rows (session 11, " \
                       "engines/vllm/startup.yaml)"


def test_graphs_charged_by_release():
    """startup.yaml cuda_graph_estimate_charged_from (each release's gpu_worker.py
    determine_available_memory and envs.py VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS): no estimate up
    to 0.17, one computed but not subtracted ("0") in 0.18.0-0.19.0, subtracted ("1") from 0.20.0 (its
    pre-releases too, the cautious side); 0.19.1 and the like were not read, nor unreadable strings."""
    f = startup.graphs_charged
    assert [f(v) for v in ("0.8.5.post1", "0.9.0", "0.9.0.1", "0.10.1.dev101", "0.12.0", "0.17.1",
                           "0.18.1", "0.19.0")] == [False] * 8
    assert [f(v) for v in ("0.20.0", "0.20.0rc1.dev3", "0.21.0", "0.26.1rc1.dev156+g0eec856cc", "0.33.0")] == [True] * 5
    assert [f(v) for v in ("0.19.1", "0.19.2rc1.dev206+g95995bbef", "not printed (Feb 2026)", None)] == [None] * 4
    assert (f("0.11.x (Oct 2025)"), f("0.19.x"), f("0.20.x"), f("0.21.x")) == (False, None, True, True)


def test_overheads_graphs_charged_from_0_20():
    """0.20.0 and 0.21.0 (the V1 runner) subtract the fitted estimate; 0.19.0 and 0.12.0 none;
    a release not read keeps it (the cautious side); the user's size and --enforce-eager win."""
    g = {v: _parts(vllm_version=v)["cuda_graphs"] for v in ("0.12.0", "0.19.0", "0.19.1", "0.20.0", "0.21.0")}
    assert {v: (p.bytes, p.uncertainty) for v, p in g.items()} == {
        "0.12.0": (0, 0), "0.19.0": (0, 0), "0.19.1": (697_932_185, 1_320_702_443),
        "0.20.0": (697_932_185, 1_320_702_443), "0.21.0": (697_932_185, 1_320_702_443)}
    assert g["0.20.0"].source == ("profile_cudagraph_memory estimate; fitted on the fit half of the start-up logs "
                                  "(engines/vllm/startup.yaml)")
    assert _parts(vllm_version="0.12.0", cuda_graph_bytes=7)["cuda_graphs"].bytes == 7
    assert _parts(vllm_version="0.20.0", enforce_eager=True)["cuda_graphs"].bytes == 0


def test_graphs_after_sizing_by_release():
    """The graph pool a release captures after sizing and charges in no budget (plan/verdict.py
    _post_sizing checks it against what the share leaves): the V1 runner up to 0.19, the V2 runner of
    0.22-0.28 (Llama on 0.23.0); none where the budget charges them (0.20.0, 0.33.0), under eager, or
    with the user's size."""
    m = catalog.load_model("llama-3.1-8b")
    est = (697_932_185, 1_320_702_443)

    def after(**kw):
        return startup.graphs_after_sizing(m, ServeOptions(**kw))
    assert [after(vllm_version=v) for v in ("0.9.0.1", "0.12.0", "0.19.0", "0.23.0")] == [est] * 4
    assert [after(vllm_version=v) for v in ("0.19.1", "0.20.0", "0.21.0", "0.33.0")] == [(0, 0)] * 4
    assert after(vllm_version="0.12.0", enforce_eager=True) == (0, 0)
    assert after(vllm_version="0.12.0", cuda_graph_bytes=0) == (0, 0)
    # Llama on 0.22.0 runs the V1 runner (only Qwen3 on V2 there), which charges graphs from 0.20
    assert after(vllm_version="0.22.0") == (0, 0)
    assert after(vllm_version="0.22.0") != startup.graphs_after_sizing(catalog.load_model("qwen3-8b"),
                                                                       ServeOptions(vllm_version="0.22.0"))


def test_graphs_with_a_drafter_on_a_v2_release_stay_in_the_budget():
    """Qwen3-8B on vLLM 0.23.0 runs the V2 runner (startup.yaml model_runner), which estimates no
    graphs: none in the budget, the fitted 697,932,185 (±1,320,702,443) after sizing. With an ngram
    drafter kvplan cannot tell the runner (model_runner None), so the budget keeps the estimate (the
    cautious side) and nothing is checked after sizing."""
    from kvplan.engines.vllm import speculative

    m, h100 = catalog.load_model("qwen3-8b"), catalog.load_gpu("h100")
    ngram = speculative.parse('{"method":"ngram","num_speculative_tokens":3}')
    est = (697_932_185, 1_320_702_443)

    def both(sc):
        o = ServeOptions(vllm_version="0.23.0", speculative_config=sc)
        g = next(p for p in startup.overheads(m, h100, _Cfg, o, 1, 1) if p.key == "cuda_graphs")
        return (g.bytes, g.uncertainty), startup.graphs_after_sizing(m, o)
    assert both(None) == ((0, 0), est)
    assert both(ngram) == (est, (0, 0))


def test_sampler_v2_by_hand():
    """The V2 runner's one dummy pass (vLLM 0.22.0 to 0.27.1: bf16 logits 2 + their float32 copy 4
    bytes a logit), Llama-3.1-8B, 256 rows, 8,192 tokens: 256 × 128,256 × 6 = 197,001,216; gumbel's
    buffers 256 × ceil(128,256 / 1,024) = 126 blocks × 12 = 387,072; the forward's hidden states and
    the gathered rows (8,192 + 256) × 4,096 × 2 = 69,206,016. 0.28.0 keeps no float32 copy (2)."""
    m = catalog.load_model("llama-3.1-8b")
    assert startup.sampler_peak(m, 1, 8192, 256, 6) == 197_001_216 + 387_072 + 69_206_016 == 266_594_304
    assert startup.sampler_peak(m, 1, 8192, 256, 2) == 65_667_072 + 387_072 + 69_206_016
    assert startup.sampler_peak(m, 1, 8192, 256) == 1_318_977_536  # the V1 runner's 38 bytes
    assert startup.sampler_peak(m, 1, 8192, 0, 6) == 0


def test_overheads_v2_runner_0_23():
    """vLLM 0.23.0 runs a dense, unquantized Llama on the V2 runner: its sampler (266,594,304) is
    below the forward over 8,192 tokens (8,192 × (2 × 4,096 + 3 × 14,336) × 2 = 838,860,800), and
    the V2 runner estimates no CUDA graphs (profile_cudagraph_memory returns 0)."""
    p = _parts(vllm_version="0.23.0")
    a, g = p["activation"], p["cuda_graphs"]
    assert (a.bytes, a.uncertainty) == (838_860_800 + 33_554_432, 966_367_641)
    assert a.source.endswith("vLLM 0.23.0: the V2 model runner by default (dense, llama), whose one dummy "
                             "sampler pass holds 6 bytes a logit")
    assert (g.bytes, g.uncertainty) == (0, 0) and "profile_cudagraph_memory returns 0" in g.source
    # the user's own figures still win
    assert _parts(vllm_version="0.23.0", cuda_graph_bytes=7)["cuda_graphs"].bytes == 7


def test_overheads_v2_runner_penalty_counts_from_0_27():
    """From vLLM 0.27.0 memory_profiling charges every persistent allocation since init_snapshot
    (utils/mem_utils.py total_consumed), so the V2 runner's penalty counts, built in load_model after
    the weights are measured (penalties.py PenaltiesState.__init__), are in the budget: 256 × (128,256 +
    4,008) × 4 = 135,438,336 on top of the forward 838,860,800 and the 32 MiB cuBLAS workspace. Up to
    0.26.0 the torch peak was counted over what was allocated when profiling started: not charged
    (startup.yaml v2_penalty_state_0_27_source)."""
    fwd, ws, counts = 838_860_800, 33_554_432, 135_438_336
    for v in ("0.27.0", "0.27.1", "0.28.0"):
        a = _parts(vllm_version=v)["activation"]
        assert a.bytes == fwd + ws + counts, v
        assert a.source.endswith("whose one dummy sampler pass holds %d bytes a logit, plus its penalty counts "
                                 "over 256 sequences 0.13 GiB" % (2 if v == "0.28.0" else 6)), v
    for v in ("0.23.0", "0.25.1", "0.26.0"):
        assert _parts(vllm_version=v)["activation"].bytes == fwd + ws, v


def test_sampler_v2_0_33_by_hand():
    """vLLM 0.33.0's V2 warm-up pass (startup.yaml v2_sampler_0_33_source): bf16 logits 2, the
    float32 copy 4, FlashInfer's top_k_mask_logits output 4 and its softmax 4 = 14 bytes a logit.
    Llama-3.1-8B, 256 rows, 8,192 tokens: 256 × 128,256 = 32,833,536 logits × 14 = 459,669,504;
    gumbel's buffers 387,072 and the held rows 69,206,016 as in 0.22-0.28. The penalty counts:
    256 × (128,256 + 128,256 / 32 = 4,008) × 4 bytes = 135,438,336."""
    m = catalog.load_model("llama-3.1-8b")
    assert startup.sampler_peak(m, 1, 8192, 256, 14) == 459_669_504 + 387_072 + 69_206_016 == 529_262_592
    assert startup.penalty_state(m, 1, 256) == 135_438_336
    # a vocabulary not a multiple of 32 rounds its bitmask words up: 2 × (100 + 4) × 4
    assert startup.penalty_state(m.model_copy(update={"vocab_size": 100}), 1, 2) == 832
    assert startup.penalty_state(m, 2, 1) == (256_512 + 8_016) * 4  # the whole vocabulary at TP 2


def test_overheads_v2_runner_0_33():
    """vLLM 0.33.0 (kvplan's default) runs Llama on the V2 runner: its warm-up sampler
    (529,262,592) is below the forward over 8,192 tokens (838,860,800); the penalty counts
    (135,438,336) are kept, so added: 838,860,800 + 33,554,432 + 135,438,336 = 1,007,853,568, with
    no uncertainty beyond the 0.90 GiB (the V1 figure and its at-risk extra before). Its CUDA
    graphs are estimated by capture, so the fitted cuda_graph_bytes stays."""
    for kw in ({}, {"vllm_version": "0.33.0"}):
        a, g = _parts(**kw)["activation"], _parts(**kw)["cuda_graphs"]
        assert (a.bytes, a.uncertainty) == (1_007_853_568, 966_367_641), kw
        assert a.source.endswith("vLLM 0.33.0: the V2 model runner by default (dense, llama), whose dummy "
                                 "sampler warm-up holds 14 bytes a logit, plus its penalty counts over 256 "
                                 "sequences 0.13 GiB")
        assert (g.bytes, g.uncertainty) == (697_932_185, 1_320_702_443), kw


def test_overheads_runner_not_told_keeps_v1_and_is_at_risk():
    """0.31.0 is a release not read (0.30.0 was until session 21): the V1 sampler (the cautious side)
    is charged and what the logits alone would leave is carried as uncertainty: 1,318,977,536 −
    max(forward 838,860,800, floor 65,667,072 + 387,072 + 69,206,016) = 480,116,736, on top of the
    966,367,641."""
    a = _parts(vllm_version="0.31.0")["activation"]
    assert (a.bytes, a.uncertainty) == (1_352_531_968, 966_367_641 + 480_116_736)
    assert a.source.endswith("the V1 runner's sampler charged, at risk down to the logits alone")
    assert "not read" in a.source


def test_model_runner_by_release():
    """startup.yaml model_runner, per release (vllm/config/vllm.py _is_default_v2_model_runner_model)."""
    q8, llama, moe = (catalog.load_model(n) for n in ("qwen3-8b", "llama-3.1-8b", "qwen3-30b-a3b"))
    fp8 = llama.model_copy(update={"weight_quant": catalog.load_model("gpt-oss-20b").weight_quant})
    opts = ServeOptions()
    run = lambda spec, v: startup.model_runner(spec, opts, v)[0]  # noqa: E731
    assert [run(q8, v) for v in ("0.21.0", "0.22.0", "0.23.0", "0.25.1", "0.28.0", "0.33.0")] == \
        ["v1", "v2", "v2", "v2", "v2", "v2"]
    assert [run(llama, v) for v in ("0.22.1", "0.23.0", "0.24.0", "0.26.0")] == ["v1", "v2", "v2", "v2"]
    assert [run(fp8, v) for v in ("0.23.0", "0.24.0", "0.25.0")] == ["v1", "v2", "v2"]  # quantized
    assert [run(moe, v) for v in ("0.23.0", "0.24.0", "0.27.1", "0.33.0")] == ["v1", "v1", "v1", "v2"]
    # releases not read, dev builds before a read release, strings with no release: not told
    for v in ("0.31.0", "0.22.0rc1.dev5", "0.26.1rc1.dev156+g0eec856cc", "not printed (June 2025)", None):
        assert run(q8, v) is None, v
    assert run(q8, "0.19.2rc1.dev206+g95995bbef") == run(q8, "0.10.1.1") == "v1"
    assert run(q8, "0.11.x (Oct 2025, gpu_worker.py:298)") == "v1" and run(q8, "0.22.x") is None
    assert run(q8, "0.10.2") == "v1"  # no V2 default before 0.22
    spec_opts = ServeOptions(speculative_config=object())
    assert startup.model_runner(q8, spec_opts, "0.23.0")[0] is None  # a drafter: not told


def test_overheads_given_by_the_user():
    p = _parts(activation_bytes=5, cuda_graph_bytes=7, non_torch_bytes=11)
    assert {k: (v.bytes, v.uncertainty, v.source) for k, v in p.items()} == {
        "activation": (5, 0, "--activation-memory"), "cuda_graphs": (7, 0, "--cuda-graph-memory"),
        "non_torch": (11, 0, "--non-torch-memory")}  # both measured: no torch.compile band
    assert "torch_compile" in _parts(activation_bytes=5, cuda_graph_bytes=7)  # non-torch still estimated
    e = _parts(enforce_eager=True, cuda_graph_bytes=7)["cuda_graphs"]  # eager wins over a size
    assert (e.bytes, e.uncertainty, e.source) == (0, 0, "--enforce-eager: none")


def test_sglang_budget_on_two_gpus_by_hand():
    # 80 GiB card, 0.9, 10 GiB of weights, TP 2 on a datacenter card (no display): used before
    # 681,826,058 (PRE_LOAD_TP1 datacenter) + 1,340,153,712 (NCCL_TP) + 3 × 8,388,608 (custom
    # all-reduce) = 2,047,145,594; int((85,899,345,920 − 2,047,145,594) × 0.9) = 75,466,980,293;
    # KV = that − 10,737,418,240 − 219,911,823 (LOAD_EXTRA) = 64,509,650,230; slack = the rest
    parts = budget_parts(80 * GiB, 0.9, 10 * GiB, 2, catalog.load_gpu("h100"))
    assert [(p.key, p.bytes, p.uncertainty) for p in parts] == [
        ("weights", 10 * GiB, 0), ("non_torch", 2_047_145_594, 536_870_912),
        ("load_extra", 219_911_823, 219_911_823), ("kv_cache", 64_509_650_230, 0), ("unused", 8_385_220_033, 0)]
    assert sum(p.bytes for p in parts) == 80 * GiB
    assert PRE_LOAD_UNCERTAINTY["value"] == 2**29


def test_sglang_budget_on_one_gpu_is_the_default():
    # gpus defaults to 1, no card given: the desktop context, 864,362,168 (the larger, cautious)
    # int((85,899,345,920 − 864,362,168) × 0.5) = 42,517,491,876; − 10 GiB − 219,911,823 = 31,560,161,813
    parts = {p.key: p for p in budget_parts(80 * GiB, 0.5, 10 * GiB)}
    assert parts["non_torch"].bytes == PRE_LOAD_TP1["display"]["value"] == 864_362_168
    assert parts["kv_cache"].bytes == 31_560_161_813
    assert parts["unused"].bytes == 80 * GiB - 864_362_168 - 10 * GiB - 219_911_823 - 31_560_161_813


def test_sglang_budget_labels_and_sources():
    w, nt, le, kv, un = budget_parts(80 * GiB, 0.9, 10 * GiB, 2, catalog.load_gpu("h100"))
    assert (w.label, w.source) == ("weights (this GPU's share)", "parameters × weight format")
    assert (nt.label, nt.source) == ("CUDA context, NCCL (before the baseline)",
                                     "a datacenter card's context + NCCL + custom all-reduce, from the fit half "
                                     "of the SGLang logs (engines/sglang_startup.py)")
    assert (le.label, le.source) == ("allocated while loading, beyond the weights",
                                     "from the fit half of the SGLang logs (engines/sglang_startup.py LOAD_EXTRA)")
    assert (kv.label, kv.source) == ("KV cache", "(total − used before the baseline) × mem_fraction_static 0.9 − "
                                     "loaded (kv_cache_configurator.py _profile_available_bytes)")
    assert (un.label, un.source) == ("slack: activations, CUDA graphs",
                                     "(total − used before the baseline) × (1 − 0.9)")
    assert budget_parts(80 * GiB, 0.9, 0, 1, catalog.load_gpu("rtx-3090"))[1].source.startswith(
        "a desktop card's context, from")


@pytest.mark.parametrize("gpu,tp,gpus,used", [
    ("h100", 1, 1, 681_826_058), ("l4", 1, 1, 681_826_058), ("rtx-3090", 1, 1, 864_362_168),
    ("rtx-6000-ada", 1, 1, 864_362_168), ("h100", 2, 2, 681_826_058 + 1_340_153_712 + 25_165_824),
    ("h200", 8, 8, 681_826_058 + 1_340_153_712 + 25_165_824),
    ("h100", 1, 2, 681_826_058 + 1_340_153_712),  # PP 2: NCCL, no custom all-reduce on a TP group of 1
    ("h100", 16, 16, 681_826_058 + 1_340_153_712),  # world size 16: SGLang's custom all-reduce is off
    # PCIe-only cards (no scale-up fabric): NCCL_TP_PCIE 139,586,437 instead of NCCL_TP; custom
    # all-reduce kept at 2 GPUs, off past two (custom_all_reduce.py: "not supported on more than two
    # PCIe-only GPUs"); H100 PCIe's NVLink bridge joins pairs only, so 4 of them are PCIe-only
    ("rtx-4090", 2, 2, 864_362_168 + 139_586_437 + 25_165_824),
    ("l4", 4, 4, 681_826_058 + 139_586_437), ("l40s", 8, 8, 681_826_058 + 139_586_437),
    ("h100-pcie", 4, 4, 681_826_058 + 139_586_437), ("h100-pcie", 2, 2, 681_826_058 + 139_586_437 + 25_165_824)])
def test_sglang_used_before_by_card_and_parallelism(gpu, tp, gpus, used):
    assert used_before(catalog.load_gpu(gpu), tp, gpus) == used
    assert budget_parts(80 * GiB, 0.9, 0, gpus, catalog.load_gpu(gpu), tp)[1].bytes == used


def test_sglang_nccl_on_pcie_only_cards_is_an_estimate_at_risk():
    """NCCL_TP_PCIE from the seen 4 × L4 SGLang log's own line ("Init torch distributed ends. mem
    usage=0.13 GB": round(0.13 × 2**30) = 139,586,437 bytes), charged with the fit-side 8 × L40S vLLM
    0.10.2 log's figure as its uncertainty: 44.42 − 43.93 GiB used at start-up plus 0.21 GiB of
    non-torch memory = 0.70 GiB."""
    import json
    import re

    from kvplan.engines.sglang_startup import NCCL_TP_PCIE, NCCL_TP_PCIE_UNCERTAINTY

    sgl = next(r for r in json.load(open("tests/data/sglang_startup_logs.json"))["logs"]
               if r["id"] == "llmsinclouds_sglang0.4.3_4xl4_qwq-32b_tp4_mfs0.85")
    usage = float(re.search(r"Init torch distributed ends\. mem usage=([\d.]+) GB", " ".join(sgl["verbatim"]))[1])
    assert round(usage * 2**30) == NCCL_TP_PCIE["value"] == 139_586_437
    row = next(r for r in json.load(open("tests/data/vllm_startup_logs.json"))
               ["logs"] if r["id"] == "8xl40s_qwen3-235b-a22b-fp8_tp8ep_v0.10.2")
    free, total = map(float, re.search(r"Free memory on device \(([\d.]+)/([\d.]+) GiB\)",
                                       " ".join(row["verbatim"])).groups())
    assert int(round(total - free + row["non_torch_gib"], 2) * 2**30) == 751_619_276
    assert NCCL_TP_PCIE_UNCERTAINTY["value"] == 751_619_276
    nt = budget_parts(22 * GiB, 0.85, 0, 4, catalog.load_gpu("l4"))[1]
    assert nt.bytes == 681_826_058 + 139_586_437
    assert nt.uncertainty == 536_870_912 + 751_619_276
    assert nt.source == ("a datacenter card's context from the fit half of the SGLang logs + NCCL on PCIe-only "
                         "cards, read from one seen SGLang log at 4 GPUs, up to a vLLM log's figure; no custom "
                         "all-reduce past two PCIe-only GPUs (engines/sglang_startup.py NCCL_TP_PCIE)")
    # one GPU: no NCCL, no extra uncertainty
    assert budget_parts(22 * GiB, 0.85, 0, 1, catalog.load_gpu("l4"))[1].uncertainty == 536_870_912


def test_sglang_custom_all_reduce_from_its_code():
    # custom_all_reduce.py: meta (8 MiB + meta_size), buffer (8 MiB), rank_data (8 MiB) on world sizes 2, 4, 6, 8
    assert [custom_all_reduce_bytes(n) for n in (1, 2, 3, 4, 6, 8, 16)] == [0, 25_165_824, 0, 25_165_824,
                                                                           25_165_824, 25_165_824, 0]
    l4 = catalog.load_gpu("l4")  # PCIe only: kept at world size 2, off past two
    assert [custom_all_reduce_bytes(n, l4) for n in (2, 4, 8)] == [25_165_824, 0, 0]
    assert custom_all_reduce_bytes(8, catalog.load_gpu("h100")) == 25_165_824


# --- session 15: NCCL's communicators inside the growth of vLLM releases before 0.11.0 ---------------


@pytest.mark.parametrize("version,before", [
    ("0.10.0", True), ("0.10.2", True), ("0.10.1.1", True), ("0.9.2", True),
    ("0.11.0rc1", True),  # a pre-release of 0.11.0 counts as before it (the cautious side)
    ("0.11.0", False), ("0.11.2", False), ("0.33.0", False), ("0.10.x", True), ("0.11.x", False),
    ("not printed", None), (None, None)])
def test_snapshot_before_nccl_by_release(version, before):
    # gpu_worker.py Worker.init_device: 0.10.0 / 0.10.2 snapshot, then init_worker_distributed_environment;
    # 0.11.0 the other way round (startup.yaml snapshot_after_distributed_from)
    assert startup.snapshot_before_nccl(version) is before


@pytest.mark.parametrize("gpu,tp,pp,nvls", [
    ("h100", 8, 1, True), ("h100", 3, 1, True), ("h100", 2, 1, False),  # NCCL: no NVLS when gpuCount <= 2
    ("h100", 1, 4, True), ("h100", 2, 2, False), ("h200", 4, 1, True), ("b200", 4, 1, True), ("h20", 8, 1, True),
    ("a100", 8, 1, False),  # compute capability 8.0: no multicast
    ("l40s", 8, 1, False), ("h100-pcie", 4, 1, False),  # PCIe only; an NVLink bridge joins pairs
])
def test_nvls_group(gpu, tp, pp, nvls):
    assert startup.nvls_group(catalog.load_gpu(gpu), tp, pp) is nvls
    assert startup.nvls_group(None, 8, 1) is False


def test_nccl_before_snapshot_charged_with_its_uncertainty():
    # H100 at TP 8: 150,323,855 (TP 1) + 440,234,148 (TP > 1) + 1,731,604,758 (NCCL before the
    # snapshot, vLLM < 0.11) = 2,322,162,761 bytes, the last carried as the uncertainty
    m, h100 = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    assert startup.const("nccl_before_snapshot_nvls_bytes") == 1_731_604_758

    def nt(version, tp=8, gpu=h100):
        return next(p for p in startup.overheads(m, gpu, _Cfg, ServeOptions(vllm_version=version), tp, 1)
                    if p.key == "non_torch")
    old = nt("0.10.0")
    assert (old.bytes, old.uncertainty) == (150_323_855 + 440_234_148 + 1_731_604_758, 1_731_604_758)
    assert old.bytes == 2_322_162_761
    assert "vLLM 0.10.0 takes its snapshot before NCCL's communicators exist" in old.source
    unread = nt("not printed")  # a release kvplan cannot read: charged, the cautious side
    # (plus, as uncertainty only, the datacenter CUDA context a release up to 0.9.0 would charge and
    # the TP group's growth a release that profiles its graphs in the window would: see below)
    assert (unread.bytes, unread.uncertainty) == (2_322_162_761, 1_731_604_758 + 681_826_058 + 1_696_512_082)
    assert "cannot read" in unread.source
    for version in ("0.11.0", None):  # from 0.11.0 on (None: kvplan's 0.33.0) NCCL is outside the growth
        assert (nt(version).bytes, nt(version).uncertainty) == (590_558_003, 0)
    assert nt("0.10.0", tp=2).bytes == 590_558_003  # two GPUs: no NVLS
    assert nt("0.10.0", gpu=catalog.load_gpu("a100")).bytes == 590_558_003
    # --non-torch-memory replaces the whole term
    given = next(p for p in startup.overheads(m, h100, _Cfg, ServeOptions(vllm_version="0.10.0", non_torch_bytes=7),
                                               8, 1) if p.key == "non_torch")
    assert (given.bytes, given.uncertainty) == (7, 0)


def _nt(model, version, tp, gpu="h100", **kw):
    m, g = catalog.load_model(model), catalog.load_gpu(gpu)
    return next(p for p in startup.overheads(m, g, _Cfg, ServeOptions(vllm_version=version, **kw), tp, 1)
                if p.key == "non_torch")


def test_graph_profile_growth_by_release_runner_and_card():
    # startup.yaml non_torch_graph_profile_tp_bytes: the largest fit-side print (2.13 GiB, vLLM
    # 0.19.0, llm-d-planner's llama-3.1-8b TP 4 on H100 SXM) less 0.14 + 0.41 GiB already charged
    grow = startup.const("non_torch_graph_profile_tp_bytes")
    assert grow == round(2.13 * GiB) - 150_323_855 - 440_234_148 == 1_696_512_082
    base = 150_323_855 + 440_234_148
    # V1 runner, 0.18.0 up to before 0.27.0 (gpu_worker.py determine_available_memory calls
    # profile_cudagraph_memory inside memory_profiling in 0.19.0, 0.24.0 and 0.26.0; after it from 0.27.0)
    for version in ("0.18.0", "0.19.0", "0.26.1rc1.dev156+g0eec856cc"):
        p = _nt("llama-3.1-8b", version, 2)
        assert (p.bytes, p.uncertainty) == (base + grow, 0) and p.bytes == round(2.13 * GiB)
        assert "profiles its CUDA graphs inside the window" in p.source
    assert _nt("mixtral-8x7b", "0.26.0", 2).bytes == base + grow  # MoE: the V1 runner in 0.26.0
    for version in ("0.17.1", "0.27.0", "0.33.0", None):  # before the call existed / after it left the window
        assert (_nt("llama-3.1-8b", version, 2).bytes, _nt("llama-3.1-8b", version, 2).uncertainty) == (base, 0)
    assert _nt("llama-3.1-8b", "0.24.0", 2).bytes == base  # dense Llama: the V2 runner, which captures none
    assert _nt("llama-3.1-8b", "0.19.0", 1).bytes == 150_323_855  # TP 1: no TP all-reduce captured
    assert _nt("llama-3.1-8b", "0.19.0", 2, enforce_eager=True).bytes == base  # no graph profiled
    pcie = _nt("llama-3.1-8b", "0.19.0", 2, gpu="l40s")  # no NVLink: carried, not charged
    assert pcie.bytes == 150_323_855 + startup.const("non_torch_extra_tp_pcie_bytes")
    assert pcie.uncertainty == 440_234_148 - startup.const("non_torch_extra_tp_pcie_bytes") + grow


def test_graph_profile_growth_on_the_round_19_scout_and_mixtral_logs():
    # llm-d-planner, vLLM 0.19.0, H100 80GB HBM3, utilization 0.95: the logs' "non-torch forward
    # increase memory" is 2.17 GiB (Llama-4-Scout, TP 4) and 2.07 GiB (Mixtral-8x7B, TP 2); kvplan's
    # is now 2.13 GiB on both, 0.55 GiB before (seen rows, not fitted on)
    for model, tp, logged in (("llama-4-scout", 4, 2.17), ("mixtral-8x7b", 2, 2.07)):
        p = _nt(model, "0.19.0", tp)
        assert p.bytes == round(2.13 * GiB)
        assert abs(p.bytes / GiB - logged) <= 0.06


def test_nccl_before_snapshot_is_the_fit_row_to_the_byte():
    """startup.yaml nccl_before_snapshot_nvls_bytes is what the fit-side evalds Qwen3-32B TP 8 log
    (vLLM 0.10.0, 8 × H100) leaves under kvplan's budget without it (scripts/fit_startup_constants.py)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    import fit_startup_constants

    need, err = fit_startup_constants.fit_nccl_before_snapshot()
    assert need == startup.const("nccl_before_snapshot_nvls_bytes")
    assert err == 0


def test_v1_sampler_path_by_release():
    """Which top-k/top-p path the V1 runner's profile sampler pass takes (startup.yaml v1_sampler, read in
    the 0.10.1.1 to 0.21.0 wheels): FlashInfer where installed up to 0.11, opt-in from 0.12.0, the Triton
    top-k/top-p of forward_native from 0.17.0, FlashInfer by default (and a second, native pass) from
    0.21.0. The edges, each a release on both sides."""
    rule = lambda v: (startup.v1_sampler_range(v) or {}).get("rule")  # noqa: E731
    assert [rule(v) for v in ("0.9.2", "0.10.1.1", "0.11.0", "0.11.2", "0.11.x")] == ["flashinfer_if_installed"] * 5
    assert [rule(v) for v in ("0.12.0", "0.13.0", "0.15.1", "0.16.0", "0.16.9")] == ["opt_in_sort"] * 5
    assert [rule(v) for v in ("0.17.0", "0.17.1", "0.19.1", "0.20.0")] == ["opt_in_triton"] * 4
    assert [rule(v) for v in ("0.21.0", "0.21.1", "0.33.0")] == ["flashinfer_default_two_passes"] * 3
    # a pre-release of an edge release may predate the change: in no range
    assert [rule(v) for v in ("0.12.0rc1", "0.17.0rc1", "0.21.0rc2", "not printed")] == [None] * 4


def test_v1_sampler_peak_by_hand():
    """Llama-3.1-8B (vocabulary 128,256, hidden 4,096), 8,192 tokens, 256 rows: 256 × 128,256 = 32,833,536
    logits; the profile run holds (8,192 + 2 × 256) × 4,096 × 2 = 71,303,168 besides. FlashInfer's
    top_k_top_p_sampling_from_logits: 14 bytes a logit = 459,669,504 (+ held = 530,972,672); the Triton
    path: 14 bytes + its buffer of next_power_of_2(256) = 256 rows × 128,256 × 4 = 131,334,144
    (662,306,816); the sort: 38 bytes (1,318,977,536)."""
    m = catalog.load_model("llama-3.1-8b")
    fi, tri, sort = 530_972_672, 662_306_816, 1_318_977_536
    assert startup.sampler_peak(m, 1, 8192, 256) == sort
    peak = lambda v, f=None, seqs=256: startup.v1_sampler_peak(m, 1, 8192, seqs, v, f)[:2]  # noqa: E731
    # up to 0.11: the log decides; not said: the sort charged, FlashInfer's figure the lowest
    assert (peak("0.10.1.1", True), peak("0.10.1.1", False), peak("0.10.1.1")) == ((fi, fi), (sort, sort), (sort, fi))
    # 0.12 to 0.16: the sort unless the log shows FlashInfer opted in
    assert (peak("0.16.0"), peak("0.16.0", True), peak("0.12.0", False)) == ((sort, sort), (fi, fi), (sort, sort))
    # 0.17 to 0.20: the Triton path for 8 rows or more
    assert (peak("0.17.0"), peak("0.20.0", True)) == ((tri, tri), (fi, fi))
    # 0.21 on: FlashInfer first, then forward_native's second pass, whatever the log says
    assert peak("0.21.0") == peak("0.21.0", True) == peak("0.21.0", False) == (tri, tri)
    # a release in no range (a pre-release at an edge): the sort charged, at risk down to FlashInfer's
    assert peak("0.17.0rc1") == peak("not printed") == (sort, fi)


def test_v1_sampler_triton_edges():
    """The Triton path needs 8 rows (apply_top_k_top_p: ``logits.shape[0] >= 8``); 7 rows sort. Its
    buffer is next_power_of_2(rows) vocabulary rows: 100 rows -> 128."""
    m = catalog.load_model("llama-3.1-8b")
    v = 128_256
    held = lambda rows: (8192 + 2 * rows) * 4096 * 2  # noqa: E731
    assert startup.v1_sampler_peak(m, 1, 8192, 7, "0.19.0")[0] == 7 * v * 38 + held(7)
    assert startup.v1_sampler_peak(m, 1, 8192, 8, "0.19.0")[0] == 8 * v * 14 + 8 * v * 4 + held(8)
    assert startup.v1_sampler_peak(m, 1, 8192, 100, "0.19.0")[0] == 100 * v * 14 + 128 * v * 4 + held(100)
    assert startup.v1_sampler_peak(m, 1, 8192, 7, "0.21.0")[0] == 7 * v * 38 + held(7)
    assert startup.v1_sampler_peak(m, 1, 8192, 0, "0.21.0") == (0, 0, "")


def test_overheads_v1_sampler_not_told_leans_at_risk():
    """vLLM 0.10.1.1 with no FlashInfer line: the sort is charged (1,318,977,536 + 32 MiB) and the gap
    to FlashInfer's 530,972,672 (below it the forward, 838,860,800) is added to the 0.90 GiB:
    1,318,977,536 − 838,860,800 = 480,116,736 more; with the line, FlashInfer's pass is below the
    forward, so the forward is the peak, no extra doubt."""
    a = _parts(vllm_version="0.10.1.1")["activation"]
    assert (a.bytes, a.uncertainty) == (1_318_977_536 + 33_554_432, 966_367_641 + 480_116_736)
    assert "vLLM before 0.12 takes FlashInfer's sampler (14) where FlashInfer is installed" in a.source
    b = _parts(vllm_version="0.10.1.1", flashinfer_sampler=True)["activation"]
    assert (b.bytes, b.uncertainty) == (838_860_800 + 33_554_432, 966_367_641)
    assert "the V1 sampler through FlashInfer (the log says so)" in b.source


# --- session 16: vLLM up to 0.9.0 charges everything outside torch, the CUDA context included ----------


@pytest.mark.parametrize("version,whole", [
    ("0.8.5", True), ("0.9.0", True),  # determine_available_memory: (total - free) - torch's allocated
    ("0.9.1", False), ("0.9.2", False), ("0.10.0", False), ("0.33.0", False),  # growth after init_snapshot
    ("0.9.1rc1", False),  # a pre-release of 0.9.1 sorts after 0.9.0
    ("0.8.x", True), ("0.9.x", None), ("0.10.x", False), ("not printed", None), (None, None)])
def test_whole_non_torch_by_release(version, whole):
    # startup.yaml whole_non_torch_until: 0.9.0 the last release (0.9.1's Worker.init_device takes
    # MemorySnapshot() and charges memory_profiling's non_torch_increase)
    assert startup.whole_non_torch(version) is whole


def test_whole_non_torch_charges_the_context_by_card_kind():
    # RTX 5090 (a desktop card) at TP 1 under 0.9.0: the growth 150,323,855 + SGLang's display-card
    # context 864,362,168 = 1,014,686,023 bytes, ± 536,870,912; an H100 takes the datacenter
    # 681,826,058; 0.9.1 charges the growth alone, ± 0
    m = catalog.load_model("llama-3.1-8b")
    assert (PRE_LOAD_TP1["display"]["value"], PRE_LOAD_TP1["datacenter"]["value"]) == (864_362_168, 681_826_058)

    def nt(version, gpu):
        return next(p for p in startup.overheads(m, catalog.load_gpu(gpu), _Cfg, ServeOptions(vllm_version=version),
                                                 1, 1) if p.key == "non_torch")
    old = nt("0.9.0", "rtx-5090")
    assert (old.bytes, old.uncertainty) == (1_014_686_023, PRE_LOAD_UNCERTAINTY["value"]) == (1_014_686_023, 536_870_912)
    assert "determine_available_memory, up to 0.9.0" in old.source
    assert nt("0.9.0", "h100").bytes == 150_323_855 + 681_826_058 == 832_149_913
    for version in ("0.9.1", "0.10.0", None):
        assert (nt(version, "rtx-5090").bytes, nt(version, "rtx-5090").uncertainty) == (150_323_855, 0)


def test_outside_share_by_release_and_group():
    """What sits on each GPU before vLLM's snapshot and outside its share (non_torch.py outside_share): nothing
    up to 0.9.0 (the share charges everything outside torch); the CUDA context alone at TP 1, and at TP 2 before
    0.11.0 (NCCL inside the growth then); context, NCCL and custom all-reduce from 0.11.0; a release that cannot
    be read takes the larger figure. The figures are SGLang's logs' (sglang_startup.used_before, their one home):
    0.635 GiB of context on a datacenter card."""
    from kvplan.engines.sglang_startup import used_before
    from kvplan.engines.vllm.non_torch import outside_share
    h100 = catalog.load_gpu("h100-sxm-80gb")
    ctx, nccl = used_before(h100, 1, 1), used_before(h100, 2, 2)
    assert ctx == 681_826_058 and nccl > ctx  # 0.635 GiB (PRE_LOAD_TP1, datacenter)
    assert outside_share(h100, 2, 1, "0.9.0") == (0, 0, "")
    assert outside_share(h100, 1, 1, "0.19.0")[:2] == (ctx, 536_870_912)
    assert outside_share(h100, 2, 1, "0.10.2")[0] == ctx
    assert outside_share(h100, 2, 1, "0.11.0")[0] == nccl == 681_826_058 + 1_340_153_712 + 25_165_824
    assert outside_share(h100, 1, 2, "0.19.0")[0] == 681_826_058 + 1_340_153_712  # PP 2: no custom all-reduce
    assert outside_share(h100, 2, 1, "nightly")[0] == nccl


def test_moe_workspace_kept_beside_the_sampler_by_release():
    # startup.yaml moe_workspace_kept_from (v1/worker/workspace.py WorkspaceManager from 0.13.0):
    # Qwen3-30B-A3B at TP 1, 8,192 batched tokens: top-8 × (max(768, 2,048) + max(1,536, 2,048)) =
    # 32,768 values a token × 8,192 tokens × 2 bytes = 536,870,912 (0.5 GiB)
    from kvplan.engines.vllm.moe_workspace import kept, kept_bytes

    q3 = catalog.load_model("qwen3-30b-a3b")
    assert kept_bytes(q3, 8192, "0.19.0") == kept_bytes(q3, 8192, "0.13.0") == (536_870_912, 0)
    assert 8 * (2048 + 2048) * 8192 * 2 == 536_870_912
    assert kept_bytes(q3, 8192, "0.12.0") == (0, 0)  # per-call workspaces, freed after each layer
    assert kept_bytes(q3, 8192, "not printed") == (0, 536_870_912)  # unread: carried, not charged
    assert kept("0.13.0rc1") is True and kept("0.12.1") is False and kept(None) is None  # pre-releases: kept
    assert kept_bytes(catalog.load_model("llama-3.1-8b"), 8192, "0.19.0") == (0, 0)  # dense
    assert kept_bytes(catalog.load_model("gpt-oss-20b"), 8192, "0.19.0") == (0, 0)  # MXFP4: other kernels
    # Mixtral-8x7B at TP 1: top-2 × (14,336 + 28,672) × 8,192 × 2 = 1,409,286,144
    assert kept_bytes(catalog.load_model("mixtral-8x7b"), 8192, "0.19.0")[0] == 1_409_286_144


def test_moe_workspace_raises_the_profile_peak_over_the_sampler_pass():
    # the V1 runner's peak is max(forward, sampler + kept workspace) + cuBLAS workspace (0.19.0);
    # under 0.12.0 the same model's peak has no kept workspace
    q3, h100 = catalog.load_model("qwen3-30b-a3b"), catalog.load_gpu("h100")

    class Cfg:
        max_num_batched_tokens, max_num_seqs = 8192, 1024

    def act(version):
        return next(p for p in startup.overheads(q3, h100, Cfg, ServeOptions(vllm_version=version), 1, 1)
                    if p.key == "activation")
    fwd = startup.forward_peak(q3, 8192)
    smp = startup.v1_sampler_peak(q3, 1, 8192, 1024, "0.19.0", None, h100.multi_processor_count)[0]
    assert smp > fwd  # the sampler pass sets the peak here, so the kept workspace adds in full
    a = act("0.19.0")
    assert a.bytes == smp + 536_870_912 + startup.blas_workspace(h100)
    assert "fused-MoE workspace (0.50 GiB) stays allocated" in a.source
    assert "fused-MoE workspace" not in act("0.12.0").source
