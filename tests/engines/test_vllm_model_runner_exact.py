"""vLLM's default model runner per release (engines/vllm/startup.py model_runner, startup.yaml model_runner;
vllm/config/vllm.py VllmConfig._is_default_v2_model_runner_model: from 0.25.0 a model takes V2 when its
architecture is listed or it is dense, and never when it is hybrid or attention-free), its words, and ``.x``
release strings at a range's edge, by hand (session 14's mutation run)."""
from kvplan.engines.base import ServeOptions
from kvplan.engines.vllm import startup
from kvplan.sources import catalog


def _run(spec, version):
    return startup.model_runner(spec, ServeOptions(), version)


def test_a_dense_hybrid_takes_v1_until_every_model_takes_v2():
    """Nemotron-H-56B: dense, 10 attention layers beside 54 Mamba-2 layers (a conv state: hybrid). 0.25.0's
    rule (dense_or_listed, nemotron_h not listed) gives V1; 0.33.0's (all) V2. The same model with its Mamba-2
    mixers replaced by attention-free, stateless ones (as Nemotron-NAS's no-op layers) is dense and not
    hybrid: V2 at 0.25.0."""
    nh = catalog.load_model("nemotron-h-56b")
    assert _run(nh, "0.25.0") == ("v1", "vLLM 0.25.0: the V1 model runner by default (dense, nemotron_h)")
    assert _run(nh, "0.33.0") == ("v2", "vLLM 0.33.0: the V2 model runner by default (dense, nemotron_h)")
    none = next(lt.mixer for lt in nh.layer_types.values() if lt.mixer.kind == "none")
    lts = {n: lt.model_copy(update={"mixer": none}) if lt.mixer.kind == "mamba2" else lt
           for n, lt in nh.layer_types.items()}
    stateless = nh.model_copy(update={"layer_types": lts})
    assert sorted(stateless.layer_types[n].mixer.kind for n in stateless.counts()) == ["full", "none", "none"]
    assert _run(stateless, "0.25.0") == ("v2", "vLLM 0.25.0: the V2 model runner by default (dense, nemotron_h)")


def test_the_runner_said_in_full():
    moe = catalog.load_model("qwen3-30b-a3b")
    assert _run(moe, "0.24.0") == ("v1", "vLLM 0.24.0: the V1 model runner by default (MoE, qwen3_moe)")
    llama = catalog.load_model("llama-3.1-8b")
    fp8 = llama.model_copy(update={"weight_quant": catalog.load_model("gpt-oss-20b").weight_quant, "family": None})
    assert _run(fp8, "0.25.0") == ("v2", "vLLM 0.25.0: the V2 model runner by default "
                                         "(dense, quantized, family not given)")
    assert _run(llama, None) == (None, "vLLM (release not given): a release whose model runner kvplan has not read")


def test_a_dot_x_release_is_told_only_where_its_every_build_is_read():
    """startup.yaml's ranges: 0.0.0-0.21.0 (V1), 0.22.0-0.22.1, ..., 0.25.0-0.26.0. "0.21.x" may be 0.21.1 (no
    range holds it); "0.25.x" may be a 0.25.0 release candidate (before the range's first release): neither is
    told. "0.11.x" lies wholly in the first range."""
    assert startup.runner_range("0.21.x") is None and startup.runner_range("0.25.x") is None
    assert startup.runner_range("0.25.0")["first"] == startup.runner_range("0.25.9")["first"] == "0.25.0"
    assert startup.runner_range("0.11.x")["rule"] == "v1"
