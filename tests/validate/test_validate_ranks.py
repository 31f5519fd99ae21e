"""kvplan validate --tp/--pp: every rank of a tensor/pipeline-parallel deployment allocates its own
shard, and its bytes must equal the per-rank prediction (the split ``kvplan fit`` plans with).

Ranks are real processes joined by torch.distributed (gloo on the CPU), so each run here costs
a few seconds of interpreter start-up; runs without timing use --memory-only. The failure paths
use the test hooks KVPLAN_VALIDATE_FAIL_RANK / KVPLAN_VALIDATE_HANG_RANK (kvplan/validate/ranks.py).
"""
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from kvplan import engines
from kvplan.cli import app
from kvplan.errors import KvplanError
from kvplan.plan.fit import rank_stages
from kvplan.sources import catalog
from kvplan.validate import ranks as rk

ZOO = str(ROOT / "tests" / "fixtures" / "validate" / "zoo.yaml")
runner = CliRunner()


def cli(*args):
    return runner.invoke(app, list(args))


def one_line_error(r, code=2):
    assert r.exit_code == code, r.output
    assert r.stdout == "" and r.stderr.startswith("kvplan: error: ") and r.stderr.count("\n") == 1, r.output
    return r.stderr


# --- no process started: bad input is one line and exit 2 -----------------------------------

@pytest.mark.parametrize("args, says", [
    (["--tp", "0"], "--tp must be a positive whole number, got '0'"),
    (["--pp", "0"], "--pp must be a positive whole number, got '0'"),
    (["--tp", "3"], "--tp 3 does not divide the 32 attention heads"),
    (["--tp", "64"], "--tp 64 does not divide the 32 attention heads"),
    (["--pp", "33"], "--pp 33 is more than the model's 32 layers"),
    (["--tp", "2", "--layers", "33"], "--layers 33 is more than llama-3.1-8b's 32 layers"),
    (["--tp", "2", "--fit"], "leave them out with --tp/--pp"),
    (["--tp", "2", "--engine", "sglang"], "validate allocates the ideal, hf, vllm layouts, not 'sglang'"),
    (["--tp", "2", "--timeout", "0"], "--timeout must be a positive whole number"),
])
def test_bad_parallel_input_is_one_line_exit_2_before_any_rank_starts(args, says):
    err = one_line_error(cli("validate", "llama-3.1-8b", "--ctx", "256", "--device", "cpu", *args))
    assert says in err


def test_kv_heads_that_cannot_be_replicated_evenly_and_heads_that_do_not_split_are_refused(tmp_path):
    err = one_line_error(cli("validate", "falcon-7b", "--ctx", "256", "--device", "cpu", "--tp", "2"))
    assert "--tp 2 does not divide the 71 attention heads" in err
    spec = tmp_path / "odd.yaml"  # 12 heads, 4 KV heads: tp 6 splits the heads, not the KV heads
    spec.write_text("name: odd\ndisplay_name: odd\nsource: test\ndtype: bf16\nhidden_size: 48\n"
                    "vocab_size: 64\nmax_context: 256\nlayer_types:\n  a:\n    mixer: {kind: full, "
                    "num_heads: 12, num_kv_heads: 4, head_dim: 8}\npattern: a\n")
    err = one_line_error(cli("validate", str(spec), "--ctx", "64", "--device", "cpu", "--tp", "6"))
    assert "--tp 6 is not a multiple of the 4 KV heads, so they cannot be replicated evenly" in err


def test_torchrun_environment_is_read_and_checked():
    assert rk.torchrun_env({}) is None
    assert rk.torchrun_env({"RANK": "1", "WORLD_SIZE": "4", "LOCAL_RANK": "1"}) == \
        {"rank": 1, "world_size": 4, "local_rank": 1}
    with pytest.raises(KvplanError, match="outside WORLD_SIZE"):
        rk.torchrun_env({"RANK": "4", "WORLD_SIZE": "4", "LOCAL_RANK": "0"})
    with pytest.raises(KvplanError, match="must be integers"):
        rk.torchrun_env({"RANK": "a", "WORLD_SIZE": "4", "LOCAL_RANK": "0"})
    spec = catalog.load_model("llama-3.1-8b")
    env = {"RANK": "0", "WORLD_SIZE": "4", "LOCAL_RANK": "0", "MASTER_ADDR": "x"}
    with pytest.raises(KvplanError, match=r"torchrun started 4 processes \(WORLD_SIZE\) but --tp 2 × --pp 1 needs 2"):
        rk.validate_ranks(spec, 2, 1, 256, 1, device="cpu", environ=env)


def test_ranks_are_numbered_tp_adjacent():
    # vLLM / Megatron: rank = pp_rank × tp + tp_rank, so one stage's TP group sits on one node
    assert [rk.rank_coords(r, 4) for r in (0, 3, 4, 7)] == [(0, 0), (3, 0), (0, 1), (3, 1)]


def test_each_rank_is_what_fit_plans_for_that_gpu():
    """The per-rank spec comes from fit.rank_stages, which fit's own workers use: vLLM's page
    per block for a rank equals fit's (70B at tp 4 × pp 2: 20 layers per stage, 2 KV heads)."""
    from kvplan.plan.fit import fit
    from kvplan.validate import layout as lay

    spec, gpu = catalog.load_model("llama-3.1-70b"), catalog.load_gpu("h100-sxm")
    r = fit(spec, gpu, tp=4, pp=2, engine="vllm", ctx=8192)
    stages = rank_stages(spec, 4, 2, engines.get("vllm"))
    assert [(f, c) for f, c, _ in stages] == [(s.first_layer, s.layers) for s in r.stages] == [(0, 40), (40, 40)]
    plan = lay.plan_layout(stages[0][2], 8192, 1, None, "vllm", None)
    # 40 layers × block 16 × 2 (K, V) × 2 KV heads × 128 dims × 2 bytes
    assert plan.detail["bytes_per_block"] == r.capacity.detail["bytes_per_block"] == 40 * 16 * 2 * 2 * 128 * 2


# --- the supervisor, with plain processes (no torch) ----------------------------------------

def _gone(pids):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and
                 open(f"/proc/{p}/stat").read().split(")")[-1].split()[0] != "Z"]
        if not alive:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_supervisor_stops_every_rank_when_none_reports():
    mark = uuid.uuid4().hex
    cmd = [sys.executable, "-c", "import time; time.sleep(60)"]
    t0 = time.monotonic()
    with pytest.raises(rk.RankFailure, match=r"no rank reported for 0.5 s \(rank 0 starting; rank 1 starting\)"):
        rk.supervise([(cmd, {"KVPLAN_TEST_MARK": mark}, b"")] * 2, idle_s=0.5)
    assert time.monotonic() - t0 < 10
    assert _gone(_marked(mark))


def test_supervisor_names_a_rank_that_exits_without_a_word():
    ok = [sys.executable, "-c", "import time; time.sleep(60)"]
    bad = [sys.executable, "-c", "import sys; sys.stderr.write('boom\\n'); sys.exit(3)"]
    with pytest.raises(rk.RankFailure, match=r"rank 1 exited with code 3 while starting, without a result "
                                             r"\(its last words: boom\)"):
        rk.supervise([(ok, {}, b""), (bad, {}, b"")], idle_s=30)


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries the mark (orphans of a run would)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"KVPLAN_TEST_MARK={mark}".encode() in f.read():
                    out.append(int(pid))
        except OSError:
            pass
    return out


# --- real ranks (gloo on the CPU) -------------------------------------------------------------

torch = pytest.importorskip("torch")


def ranks_json(*args):
    r = cli("validate", *args, "--device", "cpu", "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_done_when_llama_tp2_each_rank_allocates_its_half_of_the_kv_heads():
    d = ranks_json("llama-3.1-8b", "--tp", "2", "--layers", "2", "--ctx", "256", "--batch", "2")
    assert (d["tp"], d["pp"], d["world_size"], d["launcher"], d["backend"]) == (2, 1, 2, "spawn", "gloo")
    assert [(x["rank"], x["tp_rank"], x["pp_rank"]) for x in d["ranks"]] == [(0, 0, 0), (1, 1, 0)]
    # 2 layers × 2 (K, V) × batch 2 × 4 KV heads (8 / tp 2) × 256 tokens × 128 dims × 2 bytes
    for x in d["ranks"]:
        assert x["predicted_bytes"] == x["allocated_bytes"] == 2 * 2 * 2 * 4 * 256 * 128 * 2 == 2_097_152
        assert x["equal"] and x["kv_heads"] == {"full": 4}
        assert x["predicted_stage_bytes"] == 16 * 2_097_152  # all 32 layers of the rank
        assert x["vocab_rows"] == 128256 // 2
        # two all-reduces per layer (after attention and after the MLP), 32 layers
        assert x["allreduces_per_step"] == 64 and x["allreduce_bytes"] == 2 * 4096 * 2
        assert x["allreduce_s"] > 0 and x["stage_step_s"] > 0 and x["send_recv_s"] is None
    s = d["speed"]
    assert s["judged"] is False and s["allreduce_s"] > 0 and s["step_s"] > 0
    assert s["allreduce_step_s"] == pytest.approx(64 * s["allreduce_s"], rel=0.5)
    assert s["predicted_step_s"] is None and "this run is on the CPU" in s["prediction_note"]
    assert d["equal"] is True and "--tp 2 --pp 1" in d["command"]


def test_done_when_llama_pp2_each_stage_allocates_its_own_layers():
    d = ranks_json("llama-3.1-8b", "--pp", "2", "--layers", "2", "--ctx", "256", "--batch", "2",
                   "--memory-only")
    assert [(x["rank"], x["tp_rank"], x["pp_rank"], x["first_layer"], x["stage_layers"])
            for x in d["ranks"]] == [(0, 0, 0, 0, 16), (1, 0, 1, 16, 16)]
    for x in d["ranks"]:  # all 8 KV heads: no tensor parallelism
        assert x["predicted_bytes"] == x["allocated_bytes"] == 2 * 2 * 2 * 8 * 256 * 128 * 2 == 4_194_304
        assert x["predicted_stage_bytes"] == 8 * 4_194_304
    assert d["speed"] is None and d["equal"]


def test_fewer_kv_heads_than_ranks_each_rank_keeps_a_replica():
    """gemma-3-1b: 4 query heads, 1 KV head. At tp 2 each rank has 2 query heads and its own copy
    of the one KV head (vLLM QKVParallelLinear replicates it), so a rank holds what tp 1 holds."""
    d = ranks_json("gemma-3-1b", "--tp", "2", "--layers", "2", "--ctx", "256", "--batch", "2",
                   "--memory-only")
    # 2 sliding layers (window 512 > 256) × 2 (K, V) × batch 2 × 1 KV head × 256 tokens × 256 dims × 2 bytes
    for x in d["ranks"]:
        assert x["predicted_bytes"] == x["allocated_bytes"] == 2 * 2 * 2 * 1 * 256 * 256 * 2 == 1_048_576
        assert x["kv_heads"] == {"local": 1, "global": 1}


def test_mla_latent_is_whole_on_every_rank_in_vllm_pages():
    """deepseek-v2-lite at tp 2: the 512 + 64 latent is one "head" every rank keeps whole. vLLM's
    pool per rank: batch 2 × ceil(300 / 16) blocks + the null block = 39 blocks of 16 tokens."""
    d = ranks_json("deepseek-v2-lite", "--tp", "2", "--engine", "vllm", "--layers", "2", "--ctx", "300",
                   "--batch", "2", "--memory-only")
    for x in d["ranks"]:
        # 2 layers × 39 blocks × 16 tokens × (512 + 64) × 2 bytes
        assert x["predicted_bytes"] == x["allocated_bytes"] == 2 * 39 * 16 * 576 * 2 == 1_437_696
        assert x["kv_heads"] == {"mla": 1} or set(x["kv_heads"].values()) == {1}


@pytest.fixture(scope="module")
def zoo_tp2_pp2():
    """One run of the zoo (full, sliding with 1 KV head, MLA, Mamba2, Mamba, DeltaNet, MLP-only)
    over 4 ranks, timed, shared by the JSON and the table tests."""
    return rk.validate_ranks(catalog.load_model(ZOO), 2, 2, 64, 2, device="cpu", steps=1,
                             command="kvplan validate zoo.yaml --tp 2 --pp 2")


def test_every_kind_over_tp2_pp2_with_all_reduce_and_send_recv_timed(zoo_tp2_pp2):
    from kvplan.validate import ranks_report as rr

    d = json.loads(json.dumps(rr.to_json(zoo_tp2_pp2)))
    got = [(x["rank"], x["tp_rank"], x["pp_rank"], x["first_layer"], x["stage_layers"]) for x in d["ranks"]]
    assert got == [(0, 0, 0, 0, 4), (1, 1, 0, 0, 4), (2, 0, 1, 4, 3), (3, 1, 1, 4, 3)]
    # stage 0, per rank (bf16 = 2 bytes, batch 2, ctx 64):
    full = 2 * 2 * 1 * 64 * 16 * 2  # 2 KV heads / 2: K and V, 1 head × 16 dims
    sliding = 2 * 2 * 1 * 24 * 16 * 2  # 1 KV head replicated; the window holds 24 tokens
    mla = 2 * 64 * (40 + 8) * 2  # the latent whole on each rank
    # Mamba2 at tp 2: 2 heads × 8 dims, groups 2 → 1: conv (16 + 2 × 16 = 48 channels × 3) bf16,
    # SSM 2 × 8 × 16 in fp32
    mamba2 = 2 * (48 * 3 * 2 + 2 * 8 * 16 * 4)
    stage0 = full + sliding + mla + mamba2
    # stage 1: Mamba (inner 48 / 2 = 24: conv 24 × 3, SSM 24 × 8), DeltaNet (1 key head, 2 value
    # heads: conv (2 × 8 + 2 × 12 = 40) × 3, state 2 × 8 × 12), the MLP-only layer keeps nothing
    stage1 = 2 * (24 * 3 + 24 * 8) * 2 + 2 * (40 * 3 + 2 * 8 * 12) * 2
    assert [x["predicted_bytes"] for x in d["ranks"]] == [stage0, stage0, stage1, stage1] == \
        [x["allocated_bytes"] for x in d["ranks"]] == [26_176, 26_176, 2_304, 2_304]
    assert d["ranks"][0]["kv_heads"] == {"full": 1, "sliding": 1, "mla": 1}
    # all-reduces per step: stage 0 has 4 mixers and 3 MLPs (Mamba2 has none), stage 1 2 mixers
    # (the MLP-only layer has no mixer) and 2 MLPs
    assert [x["allreduces_per_step"] for x in d["ranks"]] == [7, 7, 4, 4]
    assert d["ranks"][0]["send_recv_s"] > 0 and d["ranks"][2]["send_recv_s"] is None
    assert d["ranks"][2]["head_s"] > 0 and d["ranks"][0]["head_s"] is None
    s = d["speed"]
    assert s["send_recv_s"] > 0 and s["step_s"] >= max(x["stage_step_s"] for x in d["ranks"])
    assert d["equal"] and (d["tp"], d["pp"], d["world_size"]) == (2, 2, 4)


def test_table_has_one_row_per_rank_and_fits_80_columns(zoo_tp2_pp2):
    from kvplan.render.sheet import to_text
    from kvplan.validate import ranks_report as rr

    text = to_text([rr.table(zoo_tp2_pp2), "\n".join(rr.footer(zoo_tp2_pp2))], 80)
    lines = text.splitlines()
    assert max(len(ln) for ln in lines) <= 80
    rows = [ln for ln in lines if ln.lstrip()[:1].isdigit() and "│" in ln]
    assert [ln.split("│")[0].strip() for ln in rows] == ["0", "1", "2", "3"]
    assert all("26,176 │      26,176" in ln for ln in rows[:2]) and all("2,304" in ln for ln in rows[2:])
    assert "memory: EQUAL on every rank" in text and "stage send/receive" in text
    assert "all-reduce of [2, hidden] (256 bytes)" in text


# --- a rank that fails or hangs ---------------------------------------------------------------

def _run_marked(env_extra, *args):
    mark = uuid.uuid4().hex
    env = {**os.environ, "KVPLAN_TEST_MARK": mark, **env_extra}
    p = subprocess.run([sys.executable, "-m", "kvplan", "validate", ZOO, "--ctx", "64", "--device", "cpu",
                        "--tp", "2", "--memory-only", *args], capture_output=True, text=True, env=env,
                       cwd=ROOT, timeout=120)
    return p, mark


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_failing_rank_is_one_line_exit_1_and_no_rank_is_left():
    p, mark = _run_marked({rk.FAIL_ENV: "1"})
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == ("kvplan: error: rank 1 failed while joining the process group: injected "
                        "failure (KVPLAN_VALIDATE_FAIL_RANK=1)\n")
    assert _gone(_marked(mark))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_hanging_rank_times_the_collective_out_one_line_and_no_rank_is_left():
    p, mark = _run_marked({rk.HANG_ENV: "1"}, "--timeout", "2")
    assert p.returncode == 1 and p.stdout == "" and p.stderr.count("\n") == 1, p.stderr
    assert p.stderr.startswith("kvplan: error: rank 0 failed while creating the tensor-parallel groups: ")
    assert "another rank failed or hangs" in p.stderr
    assert _gone(_marked(mark))


def test_under_torchrun_each_process_is_its_rank_and_rank_0_reports():
    """Two processes started with the environment torchrun gives its workers (RANK, WORLD_SIZE,
    LOCAL_RANK, MASTER_ADDR, MASTER_PORT), as ``torchrun --nproc-per-node 2 -m kvplan validate``
    starts them (torchrun's agent itself is left out: it adds seconds, not code paths)."""
    port = str(rk._free_port())
    procs = []
    for r in range(2):
        env = {**os.environ, "RANK": str(r), "WORLD_SIZE": "2", "LOCAL_RANK": str(r),
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port, "OMP_NUM_THREADS": "1"}
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "kvplan", "validate", ZOO, "--ctx", "64", "--batch", "2", "--device",
             "cpu", "--tp", "2", "--memory-only", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT))
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[1][0] == ""  # rank 1 prints nothing: rank 0 reports for every rank
    d = json.loads(outs[0][0])
    assert d["launcher"] == "torchrun" and [x["rank"] for x in d["ranks"]] == [0, 1]
    assert [x["allocated_bytes"] for x in d["ranks"]] == [28_480, 28_480]


def test_ranks_prediction_is_kvplan_perfs_step_with_its_all_reduce():
    """ux16b: validate-ranks predicted the bare roofline's step (a bandwidth-only all-reduce) while saying
    it shows kvplan perf's; a CUDA run at tp 2 now gets perf's step and its all-reduce ops."""
    from types import SimpleNamespace

    from kvplan.plan import perf

    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    job = SimpleNamespace(device="cuda", pp=1, gpu="h100", spec=spec, ctx=2048, batch=8, weight_dtype=None,
                          engine="vllm", tp=2)
    r = SimpleNamespace(kv_format="bf16", predicted_step_s=None, predicted_allreduce_step_s=None)
    assert rk._predict(r, job) == ""
    want = perf.perf(spec, gpu, 2048, 8, tp=2, kv_dtype="bf16").decode
    assert r.predicted_step_s == want.seconds and r.predicted_allreduce_step_s == want.comm_s > 0
    assert any(name.startswith("all-reduce") for name, *_ in want.ops)
