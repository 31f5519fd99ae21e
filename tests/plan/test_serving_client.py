"""benchmarks/serving/accuracy.py: a source's own client, replayed as it ran (round 9's
ree2raz/inference-bench, after its print): its prompts counted and grouped, its warm-up batch,
and its throughput as the source computed it. Numbers counted by hand."""
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from kvplan.observe import bench
from kvplan.sources import catalog

DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "serving"


@pytest.fixture(scope="module")
def acc():
    spec = importlib.util.spec_from_file_location("serving_accuracy_client", DIR / "accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def prompts(tmp_path, toks, groups):
    f = tmp_path / "prompts.json"
    f.write_text(json.dumps({"workloads": {"c": {"short": {"prompt_tokens": toks, "group": groups}}}}))
    return str(f)  # absolute: accuracy.py's HERE / it is itself


def run(file, **cp):
    return {"table": "t", "tp": 1, "replicas": 1,
            "client_prompts": {"file": file, "commit": "c", "regime": "short"} | cp,
            "levels": [{"concurrency": 1, "requests": 4, "isl": 200, "osl": 5},
                       {"concurrency": 4, "requests": 4, "isl": 200, "osl": 5}]}


def test_the_client_prompts_are_replayed_in_its_order_after_its_warm_up(acc, tmp_path):
    """Prompts of 10, 12, 10, 11 tokens (groups 0 1 0 2). One client warms up with the first 2
    (2 x C), then sends all 4: 6 requests, 2 of them warm-up; four clients warm up with all 4
    (2 x 4 = 8, but there are 4). The shared prefix is the shortest prompt less one: 9."""
    f = prompts(tmp_path, [10, 12, 10, 11], [0, 1, 0, 2])
    r = run(f, groups=True, warmup_per_client=2)
    one, four = acc.with_client_prompts(r, acc.table_levels(r))
    assert one.lengths == ((10, 5), (12, 5), (10, 5), (12, 5), (10, 5), (11, 5)) and one.warmup == 2
    assert one.prefix_ids == ("p0", "p1", "p0", "p1", "p0", "p2") and one.shared_prefix == 9
    assert one.requests == 4 and one.prompt_tokens == "11" and one.measured["mean_prompt_tokens"] == 10.75
    assert four.warmup == 4 and [p for p, _ in four.lengths] == [10, 12, 10, 11] * 2
    # counted lengths alone: no groups, no warm-up
    plain = run(f)
    a, _ = acc.with_client_prompts(plain, acc.table_levels(plain))
    assert a.lengths == ((10, 5), (12, 5), (10, 5), (11, 5)) and (a.warmup, a.prefix_ids, a.shared_prefix) == (0, (), 0)


def test_per_request_sum_is_c_times_the_tokens_over_the_summed_latencies(acc):
    """reaggregate.py's figure: two clients, 4 requests of 10 tokens, each 2 s: 2 x 40 / 8 s =
    10 tok/s, whatever the replay's wall-clock figure (7 tok/s here)."""
    lv = acc.table_levels({"table": "t", "tp": 1, "replicas": 1, "levels": [
        {"concurrency": 2, "requests": 4, "isl": 8, "osl": 10, "output_throughput": 9.0,
         "median_ttft_ms": 50.0, "median_tpot_ms": 100.0}]})[0]
    pred = {"ttft_ms": {"p50": 40.0}, "itl_ms": {}, "tpot_ms": {"p50": 100.0}, "e2e_ms": {"mean": 2000.0},
            "output_tokens": 40, "requests": 4, "output_tokens_per_s": 7.0, "saturated": False}
    spec, gpu = catalog.load_model("qwen2.5-7b"), catalog.load_gpu("l4")
    base = {"tp": 1, "replicas": 1, "engine": "vllm", "table": "t", "itl_metric": "tpot"}
    got = acc.row("s", "seen", base | {"throughput": "per_request_sum"}, spec, gpu, bench.Row(lv, pred))
    assert got["out"] == (9.0, 10.0)
    assert acc.row("s", "seen", base, spec, gpu, bench.Row(lv, pred))["out"] == (9.0, 7.0)


def test_the_round9_source_says_how_its_client_ran():
    src = yaml.safe_load((DIR / "runs.yaml").read_text())["sources"]["ree2raz-inference-bench"]
    counted = json.loads((DIR / "files" / "ree2raz-inference-bench" / "prompts.json").read_text())["workloads"]
    for run in src["runs"]:
        cp = run["client_prompts"]
        d = counted[cp["commit"]][cp["regime"]]
        assert len(d["prompt_tokens"]) == len(d["group"]) == 100 == max(lv["requests"] for lv in run["levels"])
        # the L4 summary is reaggregate.py's (C x tokens / summed latency); the v2 A100 files are not
        assert (run.get("throughput") == "per_request_sum") == (run["gpu"] == "l4")
    long = counted["5b60d5a"]["long"]
    assert len(set(long["group"])) == 10 and all(long["group"].count(g) == 10 for g in range(10))


def test_a_shared_prefix_client_sends_each_group_its_system_prompt(acc):
    """inference-perf's shared_prefix data (runs.yaml ``shared_prefix``): 2 system prompts of 30
    tokens, 2 users each: requests 0..5 go to users 0 1 2 3 0 1, groups 0 0 1 1 0 0; a run
    without the key keeps no groups."""
    levels = acc.table_levels({"table": "t", "tp": 1, "replicas": 1,
                               "levels": [{"rate": 5, "requests": 6, "isl": 200, "osl": 5}]})
    sp = {"shared_prefix": {"groups": 2, "users_per_group": 2, "tokens": 30}}
    (lv,) = acc.with_shared_prefix(sp, levels)
    assert lv.prefix_ids == ("p0", "p0", "p1", "p1", "p0", "p0") and lv.shared_prefix == 30
    assert acc.with_shared_prefix({}, levels) == levels and levels[0].prefix_ids == ()


def test_the_round19_source_replays_the_prompts_its_client_sent():
    """Each inference-sim-training run replays the prompt set its inference-perf build sent (its
    results/config.yaml: 10 groups x 10 prompts, the profile's system-prompt length, which the workload
    line states in words, '... system prompts of 100 x ...'), each prompt repeated whole."""
    src = yaml.safe_load((DIR / "runs.yaml").read_text())["sources"]["inference-sim-training-h100"]
    for run in src["runs"]:
        sp = run["shared_prefix"]
        assert (sp["groups"], sp["users_per_group"], sp["whole_prompt_repeats"]) == (10, 10, True), run["file"]
        assert f" system prompts of {sp['tokens']} x " in run["workload"], run["file"]


def test_whole_prompt_repeats_cycle_the_prompt_set(acc):
    """inference-perf's 'i = n % len(self.prompts)': with 2 x 2 prompts, request n sends prompt n mod 4
    again, and identical prompts share all but their last token (vLLM hits at most num_tokens - 1)."""
    levels = acc.table_levels({"table": "t", "tp": 1, "replicas": 1,
                               "levels": [{"rate": 5, "requests": 6, "isl": 200, "osl": 5}]})
    sp = {"shared_prefix": {"groups": 2, "users_per_group": 2, "tokens": 30, "whole_prompt_repeats": True}}
    (lv,) = acc.with_shared_prefix(sp, levels)
    assert lv.prefix_ids == ("q0", "q1", "q2", "q3", "q0", "q1") and lv.shared_prefix == 199


def test_a_repeated_whole_prompt_prefills_its_last_block_only(acc):
    """The rule on: 8 requests cycling 2 prompts of 566 tokens (Llama-2-7B, one H100, 1/s, so none
    queues): each of the last 6 finds 35 blocks (560 tokens) cached and computes 6 tokens, so its first
    token is faster than the first two's full prefill (17.6 ms against 22.4 ms for every request cold: the
    front end's FIFO and one step's floor stay; the rule off, both medians are equal)."""
    lv = acc.table_levels({"table": "t", "tp": 1, "replicas": 1,
                           "levels": [{"rate": 1, "requests": 8, "isl": 566, "osl": 4}]})
    spec, gpu = catalog.load_model("llama-2-7b"), catalog.load_gpu("h100-sxm-80gb")
    sp = {"shared_prefix": {"groups": 1, "users_per_group": 2, "tokens": 100, "whole_prompt_repeats": True}}
    rep = acc.with_shared_prefix(sp, lv)
    (r,) = bench.replay(rep, spec, gpu, tp=1, replicas=1, engine="vllm", prefix_caching=True)
    (cold,) = bench.replay(lv, spec, gpu, tp=1, replicas=1, engine="vllm", prefix_caching=True)
    assert r.predicted["ttft_ms"]["p50"] < 0.85 * cold.predicted["ttft_ms"]["p50"]


def test_shared_system_prompts_make_the_first_tokens_faster(acc):
    """The rule on: a level whose requests share a system prompt replays with prefix-cache hits, so
    its median TTFT falls against the same level replayed without them (Llama-2-7B, one H100, 5/s
    of 566 -> 20, 100 shared tokens in 2 groups)."""
    lv = acc.table_levels({"table": "t", "tp": 1, "replicas": 1,
                           "levels": [{"rate": 5, "requests": 60, "isl": 566, "osl": 20}]})
    spec, gpu = catalog.load_model("llama-2-7b"), catalog.load_gpu("h100-sxm-80gb")
    shared = acc.with_shared_prefix({"shared_prefix": {"groups": 2, "users_per_group": 4, "tokens": 100}}, lv)

    def ttft(levels):
        (r,) = bench.replay(levels, spec, gpu, tp=1, replicas=1, engine="vllm", prefix_caching=True)
        return r.predicted["ttft_ms"]["p50"]
    assert ttft(shared) < ttft(lv)


def test_a_line_stamped_tpot_is_scored_in_the_files_units(acc):
    """inference-perf's line-by-line reader stamps 2 (N + 1) times for N tokens, so its TPOT is span / (2N + 1):
    a replay of N = 248 at 10 ms a token (span 2,470 ms) reads 2,470 / 497 = 4.97 ms; its 248 tokens a request
    count as the file's 200 (its tokenizer's count of the text), so 2,480 tok/s reads 2,000."""
    run = {"max_tokens_sent": 248, "tpot_lines_per_token": 2}
    out, tpot = acc.in_file_units(run, 200, 2480.0, 10.0)
    assert out == pytest.approx(2000.0) and tpot == pytest.approx(2470 / 497)
    assert acc.in_file_units(run, 200, None, None) == (None, None)
    # a dataset's lengths (no one max_tokens): N is the file's mean, the throughput stays as replayed
    out, tpot = acc.in_file_units({"tpot_lines_per_token": 2}, 116, 1000.0, 10.0)
    assert out == pytest.approx(1000.0) and tpot == pytest.approx(10.0 * 115 / 233)


def test_the_round19_runs_state_the_tokens_their_client_asked_for():
    """Each inference-sim-training run replays its config's output_len (ignore_eos: the tokens generated), which
    the files' line stamps agree with: (mean latency - mean TTFT) / mean TPOT + 1 = 2 (N + 1) within 1 %."""
    src = yaml.safe_load((DIR / "runs.yaml").read_text())["sources"]["inference-sim-training-h100"]
    for run in src["runs"]:
        d = json.loads((DIR / run["file"]).read_text())["successes"]["latency"]
        stamps = ((d["request_latency"]["mean"] - d["time_to_first_token"]["mean"])
                  / d["time_per_output_token"]["mean"] + 1)
        n, k = run["max_tokens_sent"], run["tpot_lines_per_token"]
        assert stamps == pytest.approx(k * (n + 1), rel=0.01), run["file"]
