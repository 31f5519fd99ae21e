"""simulate's scheduler rules by release (plan/simulate/release.py ``for_release``, ux21, session 21) and the per-step
profile a release prices (plan/latency/versions.py ``release_profile``), word for word at each release's edges
(mut21c, session 21: the survivors of their mutation run).

The edges are limits.py's (``for_engine_version``: admission by the first chunk before 0.19.0, ASYNC_SCHEDULING since
0.14.0) and vllm_v0.py's (``v0_engine``: the V0 engine before 0.8.0, V0_MAX_NUM_SEQS 256 where --max-num-seqs is not
given); the profiles are engines.yaml's (vllm_v0 for 0.2.5-0.5.x, vllm_v06 for 0.6.0-0.7.x)."""
import pytest

from kvplan import api
from kvplan.engines import ServeOptions
from kvplan.model.frozen import replace
from kvplan.plan import simulate as sim
from kvplan.plan.latency.versions import release_profile
from kvplan.plan.simulate.release import for_release
from kvplan.sources import catalog

HEAD = "vLLM {} (--engine-version): "
ADMIT = "admission checks the first chunk's blocks only (before 0.19.0)"
ASYNC = "async scheduling off (before 0.14.0)"
V0 = "the V0 engine (before 0.8.0): prefill-first steps of whole prompts (vllm_v0.py)"
OWN = "its start-up; its scheduler and steps as kvplan's vLLM 0.33.0"


@pytest.fixture(scope="module")
def llama():
    return catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")


def _release(llama, version, engine="vllm", **given):
    spec, gpu = llama
    opts = ServeOptions(vllm_version=version, **given)
    return sim.engine_limits(spec, gpu, engine=engine, opts=opts), opts


@pytest.mark.parametrize("version, said", [
    ("0.20.0", [OWN]),                                  # after every edge: nothing differs but the start-up
    ("0.19.0", [OWN]),                                  # admission reserves the whole prompt from 0.19.0
    ("0.18.1", [ADMIT]),                                # before 0.19.0: the first chunk's blocks only
    ("0.14.0", [ADMIT]),                                # async scheduling on by default from 0.14.0
    ("0.13.0", [ADMIT, ASYNC]),
    ("0.8.0", [ADMIT, ASYNC]),                          # V1 by default from 0.8.0: kvplan's own step profile
    ("0.7.3", [V0, ASYNC, "steps priced by engines.yaml's vllm_v06 profile"]),  # V0: no admission line (V0's own)
    ("0.5.4", [V0, ASYNC, "steps priced by engines.yaml's vllm_v0 profile"]),
])
def test_the_note_says_each_rule_the_release_changes(llama, version, said):
    lim, opts = _release(llama, version)
    assert lim.note == "" and lim.reserve_full_isl and lim.async_scheduling and not lim.v0  # 0.33.0's rules
    out = for_release(lim, opts)
    assert out.note == HEAD.format(version) + "; ".join(said)
    assert (out.v0, out.reserve_full_isl, out.async_scheduling) == \
        (V0 in said, said == [OWN], ASYNC not in said)


def test_a_note_fit_gave_is_kept_before_the_releases(llama):
    lim, opts = _release(llama, "0.20.0")
    out = for_release(replace(lim, note="fit's note"), opts)
    assert out.note == "fit's note; " + HEAD.format("0.20.0") + OWN


def test_no_release_or_another_engine_is_the_limits_themselves(llama):
    lim, _ = _release(llama, None)
    assert for_release(lim, ServeOptions()) is lim and for_release(lim, None) is lim
    sgl, _ = _release(llama, None, engine="sglang")
    assert for_release(sgl, ServeOptions(vllm_version="0.7.3")) is sgl  # the release is vLLM's only


def test_v0_keeps_the_limits_the_user_gave(llama):
    # V0's EngineArgs default is 256 sequences (vllm_v0.py V0_MAX_NUM_SEQS) where --max-num-seqs is not given, and
    # max(max_model_len 131,072, V0_BATCHED_TOKENS_FLOOR) tokens: a given 64 / 4,096 stays (opts reach v0_limits)
    lim, opts = _release(llama, "0.7.3", max_num_seqs=64, max_num_batched_tokens=4096)
    out = for_release(lim, opts)
    assert (out.max_num_seqs, out.max_num_batched_tokens) == (64, 4096)
    lim, opts = _release(llama, "0.7.3")
    out = for_release(lim, opts)
    assert (lim.max_num_seqs, out.max_num_seqs, out.max_num_batched_tokens) == (1024, 256, 131072)


def test_release_profile_by_engine_and_release():
    assert release_profile("vllm", "0.7.3") == "vllm_v06" and release_profile(" VLLM ", "0.5.4") == "vllm_v0"
    assert release_profile("vllm", ServeOptions(vllm_version="0.7.3")) == "vllm_v06"
    assert release_profile("vllm", "0.8.0") == "vllm" and release_profile("vllm", None) == "vllm"
    assert release_profile("vllm", ServeOptions()) == "vllm"
    # a release given with another engine is not vLLM's: that engine's own profile, whatever the text says
    assert release_profile("trtllm", "1.0.0rc3") == "trtllm" and release_profile("sglang", "0.7.3") == "sglang"
    assert release_profile("sglang", ServeOptions(vllm_version="0.7.3")) == "sglang"


def test_perf_prices_trtllms_release_with_trtllms_profile():
    # api.perf passes --engine-version to release_profile as text: under --engine trtllm it is TensorRT-LLM's release
    # (1.0.0rc3) and the step stays TensorRT-LLM's profile, not vLLM's (release_profile's engine check)
    kw = dict(model="llama-3.1-8b", gpu="h100", ctx=8000, batch=8, engine="trtllm")
    own, rel = api.perf(**kw), api.perf(**kw, engine_version="1.0.0rc3")
    vllm = api.perf(**{**kw, "engine": "vllm"})
    assert rel.decode.seconds == own.decode.seconds != vllm.decode.seconds
