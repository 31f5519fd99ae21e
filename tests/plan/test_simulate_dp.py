"""simulate with SGLang's DP attention (plan/simulate/dp.py, plan/latency/dp_attention.py): numbers
a reader can check by hand with a stand-in step model, and the real model's pieces."""
from __future__ import annotations

import pytest

from kvplan.engines import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.plan.latency.dp_attention import DataParallelStep
from kvplan.sources import catalog


class _Side:
    """A rank's own share: 1 ms per row of its batch."""

    decode_is_linear = True

    def mixed_sum(self, chunks, decodes, ctx_sum, ctx_max=0, seconds=False):
        rows = decodes + sum(n for _, n in chunks)
        self.last = (rows, decodes + len(chunks), bool(chunks))
        return 0.001 * rows


class _Step(DataParallelStep):
    """The slowest rank + 0.1 ms per row of every rank (the MLP side); records each step's parts."""

    def __init__(self, dp: int):
        self.dp, self.rank, self.decode_is_linear, self.seen = dp, _Side(), True, []

    def step(self, parts):
        self.seen.append(list(parts))
        return max(p[0] for p in parts) + 0.0001 * sum(p[1] for p in parts)


def _lim(seqs: int = 64) -> sim.Limits:
    return sim.Limits("sglang", 1, 100_000, seqs, 4096, 100_000, True, {}, "", (0.0,), output_reserve=1.0)


def _run(dp: int, clients: int, prompt: int = 10, output: int = 5, n: int | None = None):
    step = _Step(dp)
    reqs = [sim.Request(0.0, prompt, output) for _ in range(n or clients)]
    raw = sim.run(reqs, _lim(), step, concurrency=clients)
    return raw, step


def test_a_closed_loop_of_d_times_c_puts_c_on_each_rank():
    raw, step = _run(4, 12)
    assert len(raw["reps"]) == 4  # every rank's scheduler, for the summary
    assert [max(s[3] for s in x.samples) for x in raw["reps"]] == [3, 3, 3, 3]
    first = step.seen[0]  # the first step: every rank prefills its 3 prompts of 10 tokens
    assert [p[1] for p in first] == [30, 30, 30, 30]
    # the MLP side sees every rank's tokens: 1 ms × 30 (the slowest rank) + 0.1 ms × 120
    assert raw["reqs"][0].first_tok == pytest.approx(0.030 + 0.012)


def test_a_step_waits_for_the_slowest_rank():
    raw, step = _run(2, 3)  # round robin: ranks hold 2 and 1
    assert [p[1] for p in step.seen[0]] == [20, 10]
    firsts = [r.first_tok for r in raw["reqs"]]
    assert firsts == [pytest.approx(0.020 + 0.003)] * 3  # the lone request's rank waits for the other
    decode = step.seen[1]
    assert [p[1] for p in decode] == [2, 1] and [p[3] for p in decode] == [False, False]


def test_an_idle_rank_adds_nothing_but_waits():
    raw, step = _run(4, 1)  # one request: three ranks idle
    assert all(len(parts) == 1 for parts in step.seen)
    r = raw["reqs"][0]
    assert r.first_tok == pytest.approx(0.010 + 0.001)
    assert r.end == pytest.approx(r.first_tok + 4 * (0.001 + 0.0001))  # 4 decode steps of one row


def test_round_robin_dispatch():
    raw, _ = _run(3, 7, n=7)
    assert [x.admitted for x in raw["reps"]] == [3, 2, 2]


@pytest.fixture(scope="module")
def ds():
    return catalog.load_model("deepseek-r1"), catalog.load_gpu("h200-sxm-141gb")


def test_limits_per_rank_are_fits_and_sglangs_split(ds):
    from kvplan.plan.fit import fit

    spec, gpu = ds
    o = ServeOptions(data_parallel_size=8, dp_attention=True, max_num_seqs=64)
    lim = sim.engine_limits(spec, gpu, 8, "sglang", o)
    f = fit(spec, gpu, tp=8, engine="sglang", opts=o)
    assert lim.kv_tokens == f.capacity.detail["max_total_num_tokens"]  # one rank's pool, fit's
    assert lim.max_num_seqs == 64 // 8  # resolve_max_num_reqs: per DP worker
    assert lim.max_num_batched_tokens == 8192 // 8  # H200's chunked_prefill_size // attn_dp_size
    assert lim.output_reserve == pytest.approx(0.7 * 0.14 * 0.3)


def test_dp_one_is_the_old_result_byte_for_byte(ds):
    spec, gpu = ds
    kw = dict(tp=8, engine="sglang", concurrency=16, prompt_tokens="1000", output_tokens="50", requests=40)
    old = sim.simulate(spec, gpu, **kw).as_dict()
    assert sim.simulate(spec, gpu, opts=ServeOptions(dp_attention=True), **kw).as_dict() == old


def test_the_step_model_joins_ranks_as_stated(ds):
    spec, gpu = ds
    m = DataParallelStep(spec, gpu, 8, 8)
    own = [m.rank.mixed_sum((), 32, 32 * 3000, seconds=True) for _ in range(8)]
    rows, seqs, prompt = m.rank.last
    assert (rows, seqs, prompt) == (32, 32, False)
    parts = [(s, 32, 32, False) for s in own]
    want = own[0] + m.mlp_seconds(256) + m.rank.overhead_seconds(32, False)
    assert m.step(parts) == pytest.approx(want)
    assert m.mlp_seconds(256) > m.mlp_seconds(32)  # the MLP runs on every rank's tokens
    # a rank's own share is its whole pass less the MLP and the overhead, priced once a step
    whole = m.rank.price(32, 32, 32, 0, 0, 0, 0, 0, 0)
    assert own[0] < sum(o[1] for o in whole)


def test_dp_attention_errors(ds):
    spec, gpu = ds
    kw = dict(tp=8, concurrency=4, prompt_tokens="100", output_tokens="10", requests=8)
    with pytest.raises(KvplanError, match="must divide"):
        sim.simulate(spec, gpu, engine="sglang", opts=ServeOptions(data_parallel_size=3, dp_attention=True), **kw)
    with pytest.raises(KvplanError, match="--replicas"):
        sim.simulate(spec, gpu, engine="sglang", opts=ServeOptions(data_parallel_size=2), **kw)
    with pytest.raises(KvplanError, match="--engine sglang"):
        sim.simulate(spec, gpu, engine="vllm", opts=ServeOptions(data_parallel_size=2, dp_attention=True), **kw)


def test_plan_searches_dp_attention_for_moe_mla_on_sglang_only(ds):
    from kvplan.plan import deploy

    spec, _ = ds
    assert deploy.dp_attention_layouts((4, 8), spec, "sglang") == [(4, 2), (4, 4), (8, 2), (8, 4), (8, 8)]
    assert deploy.dp_attention_layouts((8,), spec, "vllm") == []
    assert deploy.dp_attention_layouts((8,), catalog.load_model("llama-3.1-8b"), "sglang") == []
    c = deploy.Candidate("aggregated", "h200", 8, 2, 64, dp=8, dp_attention=True)
    assert c.gpus == 16 and c.layout == "2×tp8 dp-attn8"


def test_launch_command_spells_sglangs_flags():
    from kvplan.engines.launch import serve_command

    assert serve_command("sglang", "deepseek-ai/DeepSeek-R1", 8, 64, data_parallel_size=8, dp_attention=True) == (
        "python -m sglang.launch_server --model-path deepseek-ai/DeepSeek-R1 --tp 8 --dp-size 8 "
        "--enable-dp-attention --max-running-requests 64")
    with pytest.raises(KvplanError):
        serve_command("sglang", "m", 8, data_parallel_size=2)
