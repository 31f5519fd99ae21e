"""kvplan validate: the cache kvplan predicts, allocated with torch in the planned layout, must
take exactly the predicted bytes (for every layout and kind), and the command must behave.

Everything here runs on the CPU at small shapes. Tests that need CUDA skip without it; the
whole module skips without torch, except the test that simulates torch being absent.
"""
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from kvplan.sources import catalog
from kvplan.cli import app
from kvplan.errors import KvplanError

ZOO = str(ROOT / "tests" / "fixtures" / "validate" / "zoo.yaml")
runner = CliRunner()


def cli(*args):
    return runner.invoke(app, list(args))


# --- without torch ---------------------------------------------------------------------------

def _without_torch(*argv):
    code = ("import sys; sys.modules['torch'] = None; sys.argv = ['kvplan', *sys.argv[1:]]; "
            "from kvplan.cli import main; main()")
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT)


def test_without_torch_validate_is_one_line_naming_the_extra_and_size_still_works():
    p = _without_torch("validate", "llama-3.1-8b", "--ctx", "256")
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and "pip install 'kvplan[validate]'" in p.stderr
    p = _without_torch("size", "llama-3.1-8b", "--ctx", "256", "--json")
    assert p.returncode == 0, p.stderr
    # 32 layers × 2 (K, V) × 8 KV heads × 128 dims × 256 tokens × 2 bytes (bf16)
    assert json.loads(p.stdout)["kv_cache_bytes"] == 32 * 2 * 8 * 128 * 256 * 2


torch = pytest.importorskip("torch")

from kvplan.validate import blocks  # noqa: E402
from kvplan.validate import device as dev  # noqa: E402
from kvplan.validate import formats  # noqa: E402
from kvplan.validate import layout as lay  # noqa: E402
from kvplan.validate import speed as sp  # noqa: E402
from kvplan.validate import timing  # noqa: E402


def measured(plan):
    return lay.storage_bytes(lay.allocate(plan, "cpu"))


# --- the done-when -------------------------------------------------------------------

def test_done_when_llama_cpu_json_reports_equal_bytes_and_says_scaled():
    r = cli("validate", "llama-3.1-8b", "--device", "cpu", "--ctx", "256", "--batch", "2",
            "--layers", "2", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    # 2 layers × 2 (K, V) × batch 2 × 8 KV heads × 256 tokens × 128 dims × 2 bytes
    assert d["predicted_kv_bytes"] == d["measured_kv_bytes"] == 2 * 2 * 2 * 8 * 256 * 128 * 2 == 4_194_304
    assert (d["layers_allocated"], d["layers_total"], d["scaled"]) == (2, 32, True)
    assert d["predicted_kv_bytes_all_layers"] == 16 * 4_194_304
    assert d["device"] == "cpu" and d["device_chosen"] == "--device cpu"
    assert d["torch_version"] == torch.__version__ and d["date"] and d["driver"] is None
    s = d["speed"]
    assert s["judged"] is False and s["scaled"] and s["layers_timed"] == 2
    assert s["step_s"] > 0 and s["bandwidth_bytes_per_s"] > 0 and len(s["growth"]) == 3
    # the LM head (128,256 × 4,096 bf16) once, plus 2 layers' weights; the cache read is the
    # 2 layers' K/V at 256 tokens (4,194,304 bytes, as allocated above)
    head = 128256 * 4096 * 2
    layer_w = (4096 * (4096 + 1024 + 1024) + 4096 * 4096 + 3 * 4096 * 14336) * 2
    assert s["weights_bytes_timed"] == head + 2 * layer_w
    assert s["bytes_moved_timed"] == head + 2 * layer_w + 4_194_304
    assert d["prediction"] is None and "this run is on the CPU" in d["prediction_note"]


# --- byte-exact for every layout, kind and format -----------------------------------------

CASES = [  # (model, engine, kv dtype, layers): every kind in every layout
    ("llama-3.1-8b", "ideal", None, 2), ("llama-3.1-8b", "hf", "fp8", 2), ("llama-3.1-8b", "vllm", None, 2),
    ("llama-3.1-8b", "ideal", "q8_0", 2), ("llama-3.1-8b", "vllm", "fp8_e5m2", 2),
    ("mistral-7b", "hf", None, 1), ("mistral-7b", "vllm", "fp8", 1),  # sliding
    ("gemma-2-2b", "ideal", "q4_0", 4), ("gemma-2-2b", "hf", "kivi2", 4), ("gemma-2-2b", "vllm", None, 4),
    ("gpt-oss-20b", "vllm", "fp8", 4), ("gemma-3-27b", "vllm", None, 12),
    ("deepseek-v3", "ideal", None, 4), ("deepseek-v3", "hf", "q8_0", 4), ("deepseek-v3", "vllm", "fp8", 4),
    ("nemotron-h-56b", "ideal", None, 8), ("nemotron-h-56b", "hf", "fp8", 8), ("nemotron-h-56b", "vllm", None, 8),
    ("jamba-v0.1", "ideal", "q8_0", 8), ("jamba-v0.1", "hf", None, 8), ("jamba-v0.1", "vllm", None, 8),
    ("qwen3-next-80b-a3b", "ideal", "int4", 4), ("qwen3-next-80b-a3b", "hf", None, 4),
    ("qwen3-next-80b-a3b", "vllm", None, 4), ("gemma-4-26b-a4b", "vllm", "fp8", 6),
    (ZOO, "ideal", None, None), (ZOO, "hf", "q5_1", None), (ZOO, "ideal", "mxfp4", None),
    (ZOO, "hf", "iq4_nl", None), (ZOO, "ideal", "q4_1", None), (ZOO, "hf", "q5_0", None),
]


@pytest.mark.parametrize("model,engine,kv,layers", CASES, ids=[f"{m.split('/')[-1]}-{e}-{k}-{n}" for m, e, k, n in CASES])
def test_allocated_bytes_equal_predicted(model, engine, kv, layers):
    spec = catalog.load_model(model)
    plan = lay.plan_layout(spec, 100, 3, kv, engine, layers)
    assert plan.tensors and not plan.notes
    assert measured(plan) == plan.planned_tensor_bytes == plan.predicted_bytes
    if engine != "vllm":  # the tight layouts' prediction is `kvplan size`'s
        from kvplan.plan import size as memory
        from kvplan.plan.fit import stage_spec
        sub = stage_spec(spec, 0, layers) if layers else spec
        assert plan.predicted_bytes == memory.kv_size(sub, 100, 3, kv, engine).total_bytes


def test_by_hand_q8_0_rows_are_34_bytes_per_32_values():
    plan = lay.plan_layout(catalog.load_model("llama-3.1-8b"), 256, 2, "q8_0", "hf", 2)
    # a 128-value row = 4 blocks × (fp16 scale + 32 int8) = 136 bytes;
    # 2 layers × 2 (K, V) × batch 2 × 8 heads × 256 tokens × 136
    assert measured(plan) == plan.predicted_bytes == 2 * 2 * 2 * 8 * 256 * 136 == 2_228_224
    names = {t.name.split(".")[-1]: t for t in plan.tensors[:2]}
    assert names["d"].shape == (2, 8, 256, 4, 1) and names["d"].dtype == "float16"
    assert names["qs"].shape == (2, 8, 256, 4, 32) and names["qs"].dtype == "int8"


def test_by_hand_vllm_pool_has_the_null_block():
    plan = lay.plan_layout(catalog.load_model("llama-3.1-8b"), 256, 2, None, "vllm", 2)
    d = plan.detail
    # 256 tokens / 16-token blocks = 16 blocks a request; 2 requests + the null block = 33;
    # a block: 2 layers × 16 tokens × 8 heads × (128 + 128) dims × 2 bytes = 131,072
    assert (d["blocks_per_request"], d["num_blocks"], d["bytes_per_block"]) == (16, 33, 131_072)
    assert measured(plan) == plan.predicted_bytes == 33 * 131_072
    assert plan.tensors[0].shape == (33, 16, 8, 128)


def test_by_hand_mla_latent_is_one_576_value_row_per_token():
    plan = lay.plan_layout(catalog.load_model("deepseek-v3"), 100, 3, None, "ideal", 2)
    # 2 layers × batch 3 × 100 tokens × (512 + 64) × 2 bytes
    assert [t.shape for t in plan.tensors] == [(3, 1, 100, 576)] * 2
    assert measured(plan) == plan.predicted_bytes == 2 * 3 * 100 * 576 * 2


def test_by_hand_mamba2_state_in_hf_keeps_k_columns_and_fp32_ssm():
    spec = catalog.load_model("nemotron-h-56b")  # layer 0 is Mamba2: 256 heads × 64 × N 256, 8 groups
    plan = lay.plan_layout(spec, 100, 1, None, "hf", 1)
    conv = 256 * 64 + 2 * 8 * 256  # conv_dim = inner + 2 × groups × state
    assert [(t.shape, t.dtype) for t in plan.tensors] == [((1, conv, 4), "bfloat16"),
                                                          ((1, 256, 64, 256), "float32")]
    assert measured(plan) == plan.predicted_bytes == conv * 4 * 2 + 256 * 64 * 256 * 4


def test_a_wrong_rule_is_caught(monkeypatch):
    """The check can fail: break the format table (q8_0 at 33 bytes a block) or a kind's state
    arithmetic, and the tensors shaped from the spec disagree with the plan."""
    from kvplan.model import dtypes
    from kvplan.model.kinds import Mamba2

    spec = catalog.load_model("llama-3.1-8b")
    monkeypatch.setitem(dtypes._GROUPED, "q8_0", (8, 32, 33, "wrong"))
    plan = lay.plan_layout(spec, 256, 2, "q8_0", "ideal", 2)
    assert measured(plan) - plan.predicted_bytes == 2 * 2 * 2 * 8 * 256 * 4  # one byte per block
    monkeypatch.undo()
    real = Mamba2.ssm_state
    monkeypatch.setattr(Mamba2, "ssm_state", lambda self, d: real(self, d).model_copy(
        update={"elements": self.num_heads * self.state_size}))  # forgets head_dim
    plan = lay.plan_layout(catalog.load_model("nemotron-h-56b"), 100, 1, None, "ideal", 1)
    assert measured(plan) != plan.predicted_bytes


def test_formats_agree_with_dtypes_for_every_named_format():
    from kvplan.model import dtypes

    for name in [n for n in dtypes.names() if not n.startswith("kivi<")] + ["kivi2", "kivi4-g64", "kivi3-g20"]:
        f = dtypes.get(name)
        for n in (1, 31, 32, 33, 128, 576):
            got = sum(lay.Tensor("", p.shape, p.dtype).nbytes for p in formats.parts(name, (), n))
            assert got == f.row_bytes(n), (name, n)


def test_layer_and_engine_errors_are_one_line():
    spec = catalog.load_model("llama-3.1-8b")
    with pytest.raises(KvplanError, match="more than llama-3.1-8b's 32 layers"):
        lay.plan_layout(spec, 10, 1, None, "ideal", 33)
    with pytest.raises(KvplanError, match="not 'sglang'"):
        lay.plan_layout(spec, 10, 1, None, "sglang")


# --- device, guard, the command ------------------------------------------------------------

def test_device_choice():
    from types import SimpleNamespace

    def fake(have):
        return SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: have), __version__="x",
                               version=SimpleNamespace(cuda=None))
    assert dev.choose(fake(True), None) == ("cuda", "default: torch sees a CUDA device")
    assert dev.choose(fake(False), None) == ("cpu", "default: torch sees no CUDA device")
    assert dev.choose(fake(True), "cpu") == ("cpu", "--device cpu")
    with pytest.raises(KvplanError, match="sees no CUDA device"):
        dev.choose(fake(False), "cuda")
    with pytest.raises(KvplanError, match="cuda or cpu"):
        dev.choose(fake(False), "tpu")


def test_guard_refuses_past_free_less_margin():
    dev.guard("x", 10, None, 0, "cpu")  # free unknown: no refusal
    dev.guard("x", 90, 100, 10, "cuda")
    with pytest.raises(KvplanError, match=r"needs 91 bytes .* less the .* safety margin"):
        dev.guard("x", 91, 100, 10, "cuda")
    assert dev.round512(1) == 512 and dev.round512(512) == 512 and dev.round512(0) == 0


def test_cli_refuses_what_does_not_fit_in_one_line():
    r = cli("validate", "llama-3.1-8b", "--device", "cpu", "--ctx", "131072", "--batch", "64",
            "--memory-only", "--safety-margin", "1TiB")
    assert r.exit_code == 2 and "safety margin" in r.output and r.output.count("\n") == 1


@pytest.mark.parametrize("args,msg", [
    (["--fit"], "--fit needs a CUDA device"),
    (["--cuda-graph"], "--cuda-graph needs a CUDA device"),
    (["--engine", "llamacpp"], "not 'llamacpp'"),
    (["--layers", "0"], "--layers must be a positive whole number"),
])
def test_cli_errors_on_cpu(args, msg):
    r = cli("validate", ZOO, "--device", "cpu", "--ctx", "16", *args)
    assert r.exit_code == 2 and msg in r.output and r.output.count("\n") == 1, r.output


def test_cli_memory_only_table_and_json():
    r = cli("validate", ZOO, "--device", "cpu", "--ctx", "40", "--batch", "2", "--engine", "hf", "--memory-only")
    assert r.exit_code == 0, r.output
    assert "0 (equal)" in r.stdout and "EQUAL" in r.stdout and "decode step" not in r.stdout
    d = json.loads(cli("validate", ZOO, "--device", "cpu", "--ctx", "40", "--memory-only", "--json").stdout)
    assert d["equal"] and d["speed"] is None and d["scaled"] is False and d["layers_total"] == 7


# --- speed (reported, not judged, on the CPU) ----------------------------------------------

@pytest.mark.parametrize("engine,kv", [("ideal", None), ("hf", "fp8"), ("vllm", "q8_0")])
def test_speed_runs_every_kind_and_counts_its_bytes(engine, kv):
    from kvplan.plan import size as memory

    spec = catalog.load_model(ZOO)
    fmt = kv or "bf16"
    r = sp.run_speed(torch, spec, spec, 40, 2, fmt, engine, "cpu", 2, 1, False, [4, 8])
    assert r.step_s > 0 and r.bytes_timed == r.bytes_step and not (r.layers_timed - 7)
    assert [g["tokens"] for g in r.growth] == [4, 8]
    if engine != "vllm":
        # what a step reads besides weights: the cache the layout holds plus the state, read and written
        size = memory.kv_size(spec, 40, 2, fmt, engine)
        assert r.bytes_timed - r.weights_bytes == size.kv_cache_bytes + 2 * size.state_bytes


def test_mla_absorbed_step_equals_naive_attention():
    """The absorbed decode (query into latent space, attention over the latent) is the same
    function as expanding the latent into per-head K and V."""
    from kvplan.model.kinds import MLA

    m = MLA(num_heads=4, kv_lora_rank=12, qk_rope_head_dim=4, qk_nope_head_dim=6, v_head_dim=5)
    mk = blocks._Maker(torch, "cpu", "float32")
    a = blocks.LatentAttention(torch, mk, m, 16, 2, 7, "fp32", torch.float32)
    F = torch.nn.functional
    x = torch.randn(2, 16)
    out = a.step(F, x)
    C = a.C  # the new token's latent is now at position 6
    q = F.linear(x, a.wqb).view(2, 4, 10)
    wkvb = a.wkvb.view(4, 11, 12)
    k_nope = torch.einsum("btr,hnr->bhtn", C[..., :12], wkvb[:, :6])
    v = torch.einsum("btr,hvr->bhtv", C[..., :12], wkvb[:, 6:])
    k = torch.cat([k_nope, C[:, None, :, 12:].expand(2, 4, 7, 4)], -1)
    o = F.scaled_dot_product_attention(q[:, :, None], k, v)[:, :, 0]
    assert torch.allclose(out, F.linear(o.reshape(2, 20), a.wo), atol=1e-5)


# --- the matrix runner --------------------------------------------------------------------

def test_matrix_writes_markdown_from_cpu_runs(tmp_path):
    cases = tmp_path / "m.yaml"
    cases.write_text(f"defaults: {{steps: 2, lengths: [4]}}\ncases:\n"
                     f"  - {{model: '{ZOO}', ctx: 40, batch: 2, engine: hf, kv_dtype: fp8}}\n"
                     f"  - {{model: llama-3.1-8b, ctx: 64, layers: 1, speed: false}}\n")
    out = tmp_path / "report.md"
    r = cli("validate", "--matrix", str(cases), "--device", "cpu", "--out", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "Device: CPU" in text and "reported, not judged" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "0 (equal)" in line]
    assert len(rows) == 2
    assert "`kvplan validate llama-3.1-8b --ctx 64 --batch 1 --layers 1 --device cpu --memory-only`" in text
    # 1 layer × 2 (K, V) × 8 heads × 64 tokens × 128 dims × 2 bytes
    assert f"| {2 * 8 * 64 * 128 * 2:,} | {2 * 8 * 64 * 128 * 2:,} |" in rows[1]


@pytest.mark.parametrize("body,msg", [("- {model: x}\n", "names no ctx"), ("- {model: x, ctx: 4, bogus: 1}\n", "unknown option 'bogus'"),
                                      ("{}\n", "expected a list"), ("- {model: x, ctx: -1}\n", "ctx must be a positive integer")])
def test_matrix_errors_are_one_line(tmp_path, body, msg):
    f = tmp_path / "m.yaml"
    f.write_text(body)
    r = cli("validate", "--matrix", str(f), "--device", "cpu")
    assert r.exit_code == 2 and msg in r.output and r.output.count("\n") == 1, r.output


def test_shipped_matrix_reads():
    from kvplan.validate.matrix import read_cases

    cases = read_cases(str(ROOT / "benchmarks" / "validation_matrix.yaml"))
    assert len(cases) >= 5
    for c in cases:
        catalog.load_model(c["model"])


# --- CUDA only ------------------------------------------------------------------------------

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda
def test_cuda_memory_allocated_is_the_tensors_rounded_to_512():
    from kvplan.validate.run import validate

    r = validate(catalog.load_model("llama-3.1-8b"), 256, 2, None, "vllm", "cuda", 2, speed=False)
    assert r.memory_equal
    # each tensor rounded up to 512 bytes; a large block may keep an unsplittable ≤ 1 MiB rest
    assert r.cuda_allocated_expected <= r.cuda_allocated_delta <= r.cuda_allocated_expected + len(r.layout.tensors) * 2**20


@cuda
def test_cuda_fit_fills_the_budget_and_one_more_does_not_fit():
    from kvplan.validate.run import validate

    r = validate(catalog.load_model("qwen3-0.6b"), 4096, 1, None, "vllm", "cuda", None, fit=True, speed=False)
    assert r.fit.fits and r.fit.one_more_exceeds and r.fit.cache_bytes == r.fit.cache_bytes_predicted


@pytest.mark.parametrize("engine", ["vllm", "ideal"])
def test_fit_path_on_a_pretended_card(engine):
    """--fit's arithmetic and allocation, run on the CPU against a pretended 4 GiB card
    (the command itself refuses --fit off CUDA; torch.empty leaves the pages untouched): the cache for fit's max batch is allocated
    next to the weights' stand-in, equals the plan, fits the budget; one more would not."""
    from kvplan.validate.run import _fit

    spec = catalog.load_model("smollm2-135m")
    free = total = 4 * 2**30
    info = dev.info(torch, "cpu", "test")
    f = _fit(torch, spec, 2048, None, engine, None, info, 0, None, lambda *a: None,
             device="cpu", mem_info=lambda: (free, total))
    assert f.max_batch >= 1 and f.fits and f.one_more_exceeds
    assert f.cache_bytes == f.cache_bytes_predicted <= f.kv_budget_bytes < f.one_more_bytes
    assert f.weights_bytes == spec.weight_bytes()[0] and f.total == total
    with pytest.raises(KvplanError, match="safety margin"):
        _fit(torch, spec, 2048, None, engine, None, info, free, None, lambda *a: None,
             device="cpu", mem_info=lambda: (free, total))


def test_cuda_report_renders_every_row():
    """The report's CUDA rows (allocator deltas, --fit, the perf prediction, a CUDA graph) with
    made-up inputs, rendering only: no figure here is a measurement."""
    from types import SimpleNamespace

    from rich.console import Console

    from kvplan.validate import report
    from kvplan.validate.run import FitCheck, Result

    plan = lay.plan_layout(catalog.load_model("llama-3.1-8b"), 256, 2, None, "vllm", 2)
    info = dev.DeviceInfo("cuda", "made-up card", "default: torch sees a CUDA device", "2.x", "999.1", "12.x",
                          80 * 2**30, "2026-01-01 00:00 UTC")
    t = timing.Timing(0.010, 0.009, 0.012, 0.009, 0.013, 50, True)
    speed = timing.SpeedResult(2, 32, t, t, 0.170, 1000, 16000, 900, [{"tokens": 64, "cached_step_s": 0.01,
                                                                   "recomputed_step_s": 0.02}], [])
    fit = FitCheck("h100-sxm-80gb", 7, 100, 800, 700, 700, 900, 10_000, 8_000, 12_000,
                   [{"part": "weights", "bytes": 100, "source": ""}], True, True)
    r = Result("llama-3.1-8b", "kvplan validate ...", info, plan, plan.predicted_bytes, 4_326_400, 20 * 2**20,
               4_326_400, speed, SimpleNamespace(seconds=0.2, bytes=20000, flops=1, bound="memory"), "", fit)
    d = json.loads(json.dumps(report.to_json(r), allow_nan=False))
    assert d["cuda_memory"]["memory_allocated_delta"] == 4_326_400 and d["driver"] == "999.1"
    assert d["speed"]["judged"] and d["fit"]["max_batch"] == 7 and d["prediction"]["bound"] == "memory"
    rows = {q: (p, m, e) for q, p, m, e in report.rows(r)}
    assert rows["decode step (scaled to 32 layers + LM head)"] == ("200.000 ms", "170.000 ms", "-15.0 %")
    assert rows["bytes moved per step (scaled to 32 layers)"][2] == "-20.0 %"
    assert rows["--fit: cache for 8 sequences"][1] == "over the budget"
    console = Console(width=200, record=True)
    console.print(report.table(r))
    assert "CUDA graph" in console.export_text()
    assert "driver 999.1" in report.footer(r)[0]
    assert "| -15.0 % |" in report.markdown([r])


def test_recompute_lengths():
    from kvplan.validate.run import lengths_for

    assert lengths_for("cpu", 256, None) == [4, 8, 16]
    assert lengths_for("cpu", 6, None) == [4, 6]
    assert lengths_for("cuda", 32768, None) == [1024, 2048, 4096]
    assert lengths_for("cuda", 100, None) == [25, 50, 100]
    assert lengths_for("cuda", 100, [300, 10]) == [10, 100] and lengths_for("cpu", 100, []) == []


@pytest.mark.parametrize("engine,perf_engine", [("vllm", "vllm"), ("ideal", "vllm"), ("sglang", "sglang")])
def test_predicted_step_is_kvplan_perfs_decode_step(engine, perf_engine):
    """ux16b: validate put the bare roofline (19.74 ms for Llama 3.1 8B at 4,096 × 64 on an H100) beside
    its measurement while its report calls it kvplan perf's step (23.11 ms, per operation)."""
    from kvplan.plan import perf
    from kvplan.validate import speed as sp

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    step, note = sp.predicted_step(spec, gpu, 4096, 64, "bf16", None, engine)
    assert note == "" and step.ops  # priced per operation
    want = perf.perf(spec, gpu, 4096, 64, kv_dtype="bf16", engine=perf_engine).decode
    assert (step.seconds, step.bound, step.bytes) == (want.seconds, want.bound, want.bytes)
    fp8, _ = sp.predicted_step(spec, gpu, 4096, 64, "fp8_e4m3", None, engine)
    assert fp8.seconds == perf.perf(spec, gpu, 4096, 64, kv_dtype="fp8_e4m3", engine=perf_engine).decode.seconds
