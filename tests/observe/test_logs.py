"""kvplan check-log: start-up logs of vLLM, SGLang and llama.cpp read, kvplan's plan beside each figure.

tests/data/logs/ (see its README.md for where each line comes from):
* vllm_0.15.1_a100-40gb_llama-3.1-8b.log: a real log, the lines a user posted
  (https://github.com/ilseokoh/vllm-gce/blob/HEAD/README.md), as in tests/data/vllm_startup_logs.json;
* llamacpp_0c1e57098_gemma-2-9b-it_q8_0.log: llama.cpp's own log statements (src/llama-context.cpp:308-315,
  src/llama-kv-cache-iswa.cpp:83/100, src/llama-kv-cache.cpp:301) printed with the figures llama.cpp
  itself allocated for gemma-2-9b-it at n_ctx 8192, q8_0 K and V (tests/golden/llamacpp_0c1e57098.json);
* llamacpp_0c1e57098_gemma-2-9b-it_np4_unified.log: the same statements with the figures of
  -c 32768 --parallel 4 --kv-unified, f16 (the golden record 32768:f16:f16:on:512:4:0:1:2048);
* sglang_0.5.23_llama-3.1-8b_8gib-pool.log: SGLang 0.5.23's statements (entrypoints/engine.py:311,
  mem_cache/memory_pool.py:2088) with the pool SGLang's own configurator sized from an 8 GiB budget
  (tests/golden/sglang_0.5.23.json), not a GPU's profile.
"""
import json
import sys

import pytest
from typer.testing import CliRunner

from conftest import GOLDEN, ROOT
from kvplan.sources import catalog
from kvplan.observe import launch, log_flags, logs
from kvplan.engines import ServeOptions
from kvplan.cli import app
from kvplan.errors import KvplanError

sys.path.insert(0, str(ROOT / "scripts"))
import startup_log_errors  # noqa: E402

runner = CliRunner(env={"COLUMNS": "160"})
LOGS = ROOT / "tests" / "data" / "logs"
VLLM = LOGS / "vllm_0.15.1_a100-40gb_llama-3.1-8b.log"
LLAMA = LOGS / "llamacpp_0c1e57098_gemma-2-9b-it_q8_0.log"
SGLANG = LOGS / "sglang_0.5.23_llama-3.1-8b_8gib-pool.log"
GiB, MiB = 2**30, 2**20
DATA = json.loads((ROOT / "tests" / "data" / "vllm_startup_logs.json").read_text())["logs"]


def test_vllm_real_log_parsed():
    f = logs.parse(VLLM.read_text())
    assert f.engine == "vllm" and f.version == "0.15.1"
    assert f.model == "/home/admin_iloh_altostrat_com/models/Meta-Llama-3.1-8B-Instruct"
    assert f.flags["enforce_eager"] is True and f.flags["max_model_len"] == 131072
    assert f.flags["max_num_batched_tokens"] == 8192 and f.flags["tensor_parallel_size"] == "1"
    got = {x.key: (x.reported, x.line) for x in f.figures}
    assert got == {"weights": (14.99 * GiB, 5), "kv_budget": (19.28 * GiB, 6), "kv_tokens": (157_936, 7),
                   "max_concurrency": (1.20, 8)}


def test_vllm_prediction_is_the_scripts():
    """check-log and scripts/startup_log_errors.py plan through one function: the same budget."""
    c = logs.check(logs.parse(VLLM.read_text()), gpu="a100-sxm-40gb")
    entry = next(e for e in DATA if e["id"] == "a100-40g_llama31-8b_v0.15.1_eager")
    kv, weights = startup_log_errors.kvplan_budget(entry)
    rows = {r.figure.key: r for r in c.rows}
    assert rows["kv_budget"].predicted == kv and rows["weights"].predicted == weights
    assert abs(rows["kv_budget"].error_pct) < 5.0  # the bound test_vllm_startup_logs.py holds this log to
    assert c.model == "llama-3.1-8b" and c.gpu == "a100-sxm-40gb"


def _read_as_recorded_cases():
    """Rows whose lines are the engine's own, negative "Available KV cache memory: -2.14 GiB"
    included (issue 20: these two were strict xfails until check-log read the sign)."""
    for e in DATA:
        if (e.get("available_kv_cache_gib") or e.get("kv_cache_tokens")) and e.get("verbatim_kind", "log") == "log":
            yield pytest.param(e, id=e["id"])


def test_v0_profiling_formats_are_read():
    """V0 worker.py's budget lines: the tabular one of Dec 2024 (vllm#10511) and 0.7-0.8's sentence
    (vllm#16570, negative in vllm#13882); both read as the V0 profile's kv_cache_size."""
    for line, gib in (("INFO 12-13 19:54:18 worker.py:243] available_kv_cache_memory    53.29GiB", 53.29),
                      ("INFO 02-26 09:54:05 worker.py:267] model weights take 5.20GiB; non_torch_memory takes 0.03GiB; "
                       "PyTorch activation peak memory takes 1.42GiB; the rest of the memory reserved for KV Cache is "
                       "-1.05GiB.", -1.05)):
        f = logs.parse(line)
        assert f.engine == "vllm" and [x.reported for x in f.figures if x.key == "kv_budget"] == [gib * GiB]


def test_negative_available_kv_is_read():
    f = logs.parse("(EngineCore_0 pid=1) INFO 08-20 18:04:22 [gpu_worker.py:276] Available KV cache memory: -2.14 GiB")
    assert [x.reported for x in f.figures if x.key == "kv_budget"] == [-2.14 * GiB]
    # llm-d's Markdown copy of the same line
    f = logs.parse("- **Available KV cache memory:** -1.44 GiB (NEGATIVE - INSUFFICIENT)")
    assert [x.reported for x in f.figures if x.key == "kv_budget"] == [-1.44 * GiB]


@pytest.mark.parametrize("entry", list(_read_as_recorded_cases()))
def test_every_real_vllm_log_reads_as_recorded(entry):
    """The public logs' lines: each figure check-log reads is the one recorded by hand."""
    f = logs.parse("\n".join(entry["verbatim"]))
    got = {}
    for x in f.figures:
        got.setdefault(x.key, x.reported)
    if entry["available_kv_cache_gib"] is not None and "kv_budget" in got:
        assert got["kv_budget"] == pytest.approx(entry["available_kv_cache_gib"] * GiB)
    if entry["kv_cache_tokens"] is not None and "kv_tokens" in got:
        assert got["kv_tokens"] == entry["kv_cache_tokens"]
    if entry["max_concurrency"] is not None and "max_concurrency" in got:
        assert got["max_concurrency"] == entry["max_concurrency"]
    if entry.get("refusal") and entry["refusal"].get("needed_gib") is not None and "request_bytes" in got:
        assert got["request_bytes"] == pytest.approx(entry["refusal"]["needed_gib"] * GiB)
    assert set(got) & {"kv_budget", "kv_tokens", "max_concurrency", "request_bytes"}


def test_vllm_033_one_line_capacity():
    """vLLM 0.33 prints capacity and concurrency in one line (v1/core/kv_cache_utils.py:1148)."""
    line = ("(EngineCore pid=1) INFO 11-30 10:00:00 [kv_cache_utils.py:1148] GPU KV cache size: 157,936 "
            "tokens, Maximum concurrency for 131,072 tokens per request: 1.20x")
    f = logs.parse(line)
    assert [(x.key, x.reported) for x in f.figures] == [("kv_tokens", 157_936), ("max_concurrency", 1.2)]
    assert f.flags["max_model_len"] == 131072


def test_vllm_serve_line_and_refusal():
    text = ("vllm serve --trust-remote-code --tensor_parallel_size 2 --gpu_memory_utilization=0.98  /m/Qwen2.5-14B\n"
            "ValueError: The model's max seq len (131072) is larger than the maximum number of tokens that "
            "can be stored in KV cache (81536). ...")
    f = logs.parse(text)
    assert f.model == "/m/Qwen2.5-14B"
    assert f.flags["tensor_parallel_size"] == "2" and f.flags["gpu_memory_utilization"] == "0.98"
    assert [(x.key, x.reported) for x in f.figures] == [("kv_tokens", 81_536)]
    assert "vLLM refused max seq len 131072" in f.notes[0]


def llama_lines_from_golden(case="8192:q8_0:q8_0:on:512:1:0:0:2048"):
    """The cache lines llama.cpp prints (src/llama-kv-cache.cpp:301's format string: cells per
    stream, n_seq_max/n_stream seqs) for the golden record a sample log holds."""
    recs = json.loads((GOLDEN / "llamacpp_0c1e57098.json").read_text())["records"]
    r = next(r for r in recs if r["config"] == "gemma-2-9b-it" and r["case"] == case)
    n_seq = r["n_seq_max"]
    streams = 1 if r["kv_unified"] else n_seq
    fmt = "llama_kv_cache: size = %7.2f MiB (%6u cells, %3d layers, %2u/%u seqs), K (%s): %7.2f MiB, V (%s): %7.2f MiB"
    tk, tv = r["cache_type_k"], r["cache_type_v"]
    return [fmt % ((k + v) / MiB, cells, layers, n_seq, streams, tk, k / MiB, tv, v / MiB)
            for _, cells, layers, k, v in r["caches"]], r


LLAMA_UNIFIED = LOGS / "llamacpp_0c1e57098_gemma-2-9b-it_np4_unified.log"
UNIFIED_CASE = "32768:f16:f16:on:512:4:0:1:2048"


def test_llamacpp_sample_is_llamacpps_own_allocation():
    for log, case in ((LLAMA, "8192:q8_0:q8_0:on:512:1:0:0:2048"), (LLAMA_UNIFIED, UNIFIED_CASE)):
        lines, r = llama_lines_from_golden(case)
        assert [ln for ln in log.read_text().splitlines() if ln.startswith("llama_kv_cache:")] == lines


def test_llamacpp_unified_log_checked_exactly():
    # llama-server -c 32768 -np 4 --kv-unified: one stream of 32,768 global cells, and a sliding
    # cache holding the 4 slots' windows, pad(min(32,768, 4 × 4,096 + 512)) = 16,896 cells
    c = logs.check(logs.parse(LLAMA_UNIFIED.read_text()), model="gemma-2-9b")
    rows = {r.figure.key: r for r in c.rows}
    assert rows["cache1_cells"].predicted == 32768 and rows["cache2_cells"].predicted == 16896
    _, r = llama_lines_from_golden(UNIFIED_CASE)
    assert [rows["cache1_bytes"].predicted, rows["cache2_bytes"].predicted] == [k + v for *_, k, v in r["caches"]]
    for x in c.rows:
        assert abs(x.predicted - x.figure.reported) <= x.figure.tolerance + 1e-9, x


def test_llamacpp_log_checked_exactly():
    c = logs.check(logs.parse(LLAMA.read_text()), model="gemma-2-9b")
    rows = {r.figure.key: r for r in c.rows}
    assert rows["cache1_cells"].figure.reported == 8192 and rows["cache1_cells"].predicted == 8192
    assert rows["cache2_cells"].figure.reported == 4608 and rows["cache2_cells"].predicted == 4608
    # llama.cpp allocated 2 × 374,341,632 and 2 × 210,567,168 bytes (golden); kvplan plans the same bytes
    assert rows["cache1_bytes"].predicted == 2 * 374_341_632
    assert rows["cache2_bytes"].predicted == 2 * 210_567_168
    for r in c.rows:  # each printed MiB figure agrees within its rounding
        assert abs(r.predicted - r.figure.reported) <= r.figure.tolerance + 1e-9, r


def test_sglang_log():
    f = logs.parse(SGLANG.read_text())
    assert f.engine == "sglang" and f.model == "meta-llama/Llama-3.1-8B-Instruct" and f.flags["tp_size"] == 1
    c = logs.check(f, gpu="h100")
    rows = {r.figure.key: r for r in c.rows}
    assert rows["kv_tokens"].figure.reported == 65536
    # 32 layers × 8 KV heads × 128 × 2 (K, V) × 2 bytes = 131,072 bytes per token; SGLang's golden cell
    assert rows["cell_bytes"].predicted == 131_072 == rows["cell_bytes"].figure.reported
    # kvplan's H100 pool is its own plan (the log's 8 GiB pool was given to SGLang, not profiled)
    from kvplan.plan import fit
    want = fit.fit(catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100"), engine="sglang")
    assert rows["kv_tokens"].predicted == want.capacity.kv_cache_tokens


def test_cli_table_json_and_stdin():
    r = runner.invoke(app, ["check-log", str(LLAMA), "--model", "gemma-2-9b"])
    assert r.exit_code == 0, r.output
    assert "  12 │ SWA cache size (21 layers)      │ 401.62 MiB │ 401.62 MiB │ +0.00 %" in r.stdout
    r = runner.invoke(app, ["check-log", "-", "--gpu", "a100-sxm-40gb", "--json"], input=VLLM.read_text())
    d = json.loads(r.stdout)
    assert d["engine"] == "vllm" and d["model"] == "llama-3.1-8b"
    assert [x["key"] for x in d["figures"]] == ["weights", "kv_budget", "kv_tokens", "max_concurrency"]


@pytest.mark.parametrize("args,text,message", [
    ([], "hello\nworld\n", "not a vLLM, SGLang or llama.cpp start-up log"),
    ([], "INFO vLLM API server version 0.33.0\n", "none of the figures kvplan compares"),
    ([], VLLM.read_text(), "does not say which GPU it ran on; give --gpu"),
    (["--gpu", "h100"], "GPU KV cache size: 10 tokens\n", "the log does not name the model; give --model"),
    (["--gpu", "h100"], "non-default args: {'model': '/x/NoSuchModel-7B'}\nGPU KV cache size: 10 tokens\n",
     "the log's model '/x/NoSuchModel-7B' is not a file here nor a model kvplan knows; give --model"),
])
def test_errors_are_one_line(args, text, message):
    r = runner.invoke(app, ["check-log", "-", *args], input=text)
    assert r.exit_code == 2, r.output
    assert r.stderr.count("\n") == 1 and message in r.stderr


def test_missing_file_is_one_line(tmp_path):
    r = runner.invoke(app, ["check-log", str(tmp_path / "nope.log")])
    assert r.exit_code == 2 and "cannot read" in r.stderr and r.stderr.count("\n") == 1


def test_parse_errors_are_library_errors():
    with pytest.raises(KvplanError):
        logs.parse("")


# --- launch lines, weight format, V0 (issue 20) -----------------------------------------------
KV_LINE = "INFO [gpu_worker.py:276] Available KV cache memory: 20.00 GiB"


def test_model_and_flags_from_an_llm_call():
    f = logs.parse('llm = LLM(model="meta-llama/Llama-3.1-8B-Instruct", tensor_parallel_size=2, '
                   'gpu_memory_utilization=0.8, quantization="fp8")\n' + KV_LINE)
    assert f.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert (f.flags["tensor_parallel_size"], f.flags["gpu_memory_utilization"], f.flags["quantization"]) == \
        ("2", "0.8", "fp8")


@pytest.mark.parametrize("flag", ["--tp", "--tensor-parallel-size", "--tp-size", "-tp"])
def test_vllm_serve_tp_spellings(flag):
    f = logs.parse(f"vllm serve Qwen/Qwen3-32B {flag} 4 --enable-expert-parallel\n" + KV_LINE)
    assert f.model == "Qwen/Qwen3-32B" and f.flags["tensor_parallel_size"] == "4"
    assert f.flags["enable_expert_parallel"] is True


def test_sglang_launch_line():
    e = next(x for x in json.loads((ROOT / "tests" / "data" / "sglang_startup_logs.json").read_text())["logs"]
             if x["id"] == "vllm21348_sglang_4xh100_qwen3-235b-a22b-fp8_tp4_mfs0.93")
    f = logs.parse("\n".join(e["verbatim"]))
    assert f.engine == "sglang" and f.model == "/path/to/Qwen3-235B-A22B-FP8"
    assert (f.flags["tp_size"], f.flags["mem_fraction_static"]) == ("4", "0.93")
    f = logs.parse("python -m sglang.launch_server --model-path deepseek-ai/DeepSeek-V3 --tp-size 8 --ep-size 8 "
                   "--enable-dp-attention --dp 8\nKV Cache is allocated. #tokens: 100, KV size: 1.00 GB")
    assert f.model == "deepseek-ai/DeepSeek-V3"
    assert (f.flags["tp_size"], f.flags["ep_size"], f.flags["dp_size"], f.flags["enable_dp_attention"]) == \
        ("8", "8", "8", True)


def test_fp8_name_priced_as_vllm_loads_it():
    """Llama-3.3-70B FP8-dynamic: linear layers fp8 + one fp32 scale per output channel; the
    embedding and LM head stay bf16 (2 × 128,256 × 8,192 × 2 bytes = 4,202,692,608 bytes)."""
    text = "vllm serve RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic --max-model-len 16000\n" + KV_LINE
    c = logs.check(logs.parse(text), "h100", "llama-3.1-70b")
    w = next(r for r in c.rows if r.figure.key == "kv_budget")
    assert w.predicted is not None
    assert any("fp8_dynamic read from the model's name" in n for n in c.notes)
    from kvplan.plan import fit as fitmod
    spec = catalog.load_model("llama-3.1-70b")
    all_fp8 = fitmod.fit(spec, catalog.load_gpu("h100"), weight_dtype="fp8",
                         opts=ServeOptions(max_model_len=16000)).weights_bytes
    as_loaded = log_flags.vllm_fit(launch.checkpoint_quant(spec, "fp8_dynamic"), catalog.load_gpu("h100"),
                              {"max_model_len": 16000}).weights_bytes
    embed_head = 2 * 128_256 * 8_192
    assert as_loaded - all_fp8 >= embed_head  # the 16-bit embedding and head, plus the channel scales
    assert as_loaded - all_fp8 - embed_head < 0.01 * all_fp8  # the scales are small


def test_weight_dtype_and_tp_when_the_log_does_not_say():
    text = "vllm serve /models/llama-3.1-8b\n" + KV_LINE
    one = logs.check(logs.parse(text), "h100")
    two = logs.check(logs.parse(text), "h100", tp=2, weight_dtype="fp8")
    w1 = next(r.predicted for r in one.rows if r.figure.key == "kv_budget")
    w2 = next(r.predicted for r in two.rows if r.figure.key == "kv_budget")
    assert w2 > w1  # half the weights per GPU, in one byte each
    said = logs.check(logs.parse("vllm serve /models/llama-3.1-8b --tp 4\n" + KV_LINE), "h100", tp=2)
    assert any("--tp 2 ignored" in n for n in said.notes)


def test_cli_check_log_tp_and_weight_dtype(tmp_path):
    p = tmp_path / "a.log"
    p.write_text("vllm serve /models/llama-3.1-8b\n" + KV_LINE)
    r = CliRunner().invoke(app, ["check-log", str(p), "--gpu", "h100", "--tp", "2", "--weight-dtype", "fp8"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["check-log", str(p), "--gpu", "h100", "--weight-dtype", "fp7"])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_v0_log_is_out_of_scope_in_one_line():
    text = ("INFO 10-01 [llm_engine.py:237] Initializing an LLM engine (v0.6.3) with config: "
            "model='meta-llama/Llama-3.1-8B-Instruct', tensor_parallel_size=1\n"
            "INFO [model_runner.py:1067] Loading model weights took 14.9888 GB\n"
            "INFO [gpu_executor.py:122] # GPU blocks: 2000, # CPU blocks: 2048\n")
    f = logs.parse(text)
    assert f.flags["v0"] and sum("V0" in n for n in f.notes) == 1
    c = logs.check(f, "rtx-3090")
    rows = {r.figure.key: r for r in c.rows}
    assert rows["gpu_blocks"].predicted is None and rows["gpu_blocks"].why_not == "vLLM V0: out of scope"
    assert rows["weights"].predicted is not None


def test_v1_log_before_0_11_on_several_gpus_notes_the_snapshot_before_nccl():
    # vLLM 0.10.x (gpu_worker.py Worker.init_device) snapshots before NCCL; 0.11.0 after
    head = ("INFO 08-16 [core.py:71] Initializing a V1 LLM engine (v{v}) with config: "
            "model='Qwen/Qwen3-32B', tensor_parallel_size={tp}, pipeline_parallel_size=1\n")
    kv = "INFO [gpu_worker.py:255] Available KV cache memory: 55.71 GiB\n"
    said = [n for n in logs.parse(head.format(v="0.10.0", tp=8) + kv).notes if "before NCCL" in n]
    assert len(said) == 1 and said[0].startswith("vLLM 0.10.0 took its start-up snapshot before NCCL")
    for v, tp in (("0.11.0", 8), ("0.10.0", 1), ("0.18.1", 4)):
        assert not any("before NCCL" in n for n in logs.parse(head.format(v=v, tp=tp) + kv).notes), (v, tp)
    assert logs.snapshot_before_nccl(None, {"tensor_parallel_size": 2}) is None
    assert logs.snapshot_before_nccl("0.10.2", {"tensor_parallel_size": 1, "pipeline_parallel_size": 2})


def test_snapshot_note_counts_a_missing_parallel_flag_as_one_gpu_and_says_why_in_full():
    # a log without the config line states neither size: one GPU (tp 1 x pp 1), no NCCL, no note;
    # either size alone at 1 is still one GPU; 2 x 1 is two
    for flags in ({}, {"tensor_parallel_size": 1}, {"pipeline_parallel_size": "1"}):
        assert logs.snapshot_before_nccl("0.10.0", flags) is None, flags
    assert logs.snapshot_before_nccl("0.10.2", {"tensor_parallel_size": "2"}) == (
        "vLLM 0.10.2 took its start-up snapshot before NCCL was initialized (0.11.0 and later take it after): "
        "this log's budget also pays for NCCL's communicators and custom all-reduce buffers, which kvplan, "
        "following the later accounting, does not charge, so the log's KV budget may be below kvplan's by that much")


def test_vllm_fit_plans_at_the_logged_tensor_parallel_size():
    # --tensor-parallel-size 2 in the log: kvplan's plan for the same set-up is TP 2 (default 1)
    spec, g = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    assert (log_flags.vllm_fit(spec, g, {"tensor_parallel_size": "2"}).tp, log_flags.vllm_fit(spec, g, {}).tp) == (2, 1)
