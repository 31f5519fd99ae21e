"""Round 15's fit-side source, Qwen's Qwen3 speed benchmark (SGLang 0.4.6.post1 and Transformers 4.51.3 on the H20):
which of its 212 rows enter the fit (issue 21, session 17) and which stay in benchmarks/published/not_fitted.yaml, each
by a rule its reason states; and the figures those reasons quote, recomputed from the rows' published values."""
import importlib.util

import yaml
from conftest import ROOT

spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pa)

ROWS = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}
NF = yaml.safe_load((pa.PUB / "not_fitted.yaml").read_text())
FITTED = yaml.safe_load((ROOT / "kvplan" / "plan" / "latency" / "data" / "fitted.yaml").read_text())["engines"]
PAGE = "QwenLM/Qwen3/blob/c7f51a1a1ce3d4bb750bc545cd2673fff4c5a8f9"
QWEN3 = {i: e for i, e in ROWS.items() if PAGE in e["source"]}
MOE = {"qwen3-30b-a3b", "qwen3-235b-a22b"}


def _entry(words: str) -> dict:
    (x,) = [x for x in NF if words in " ".join(x["reason"].split())]
    return x


def _why(words: str) -> str:
    return " ".join(_entry(words)["reason"].split())


def _ms(i: str) -> float:
    """ms a generated token: the call's time ((prompt + generated) / the page's speed) / the generated tokens."""
    e = ROWS[i]
    return 1e3 * (e["input_len"] + e["output_len"]) / e["value"] / e["output_len"]


def test_every_row_of_the_page_is_fitted_or_left_out_by_its_rule():
    assert len(QWEN3) == 212
    sg = {i for i, e in QWEN3.items() if e["engine"] == "sglang"}
    int4_moe = {i for i in sg if QWEN3[i]["weight_dtype"] == "int4" and QWEN3[i]["model"] in MOE}
    hf = set(QWEN3) - sg
    hf_moe = {i for i in hf if QWEN3[i]["model"] in MOE}
    hf_fp8 = {i for i in hf - hf_moe if QWEN3[i]["weight_dtype"] == "fp8"}
    assert (len(sg), len(int4_moe), len(hf), len(hf_moe), len(hf_fp8)) == (132, 12, 80, 8, 24)
    assert set(_entry("SGLang 0.4.6.post1 on one to eight H20s")["ids"]) == sg - int4_moe
    assert set(_entry("SGLang 0.4.6.post1's GPTQ-Int4 MoE rows")["ids"]) == int4_moe
    assert set(_entry("Transformers 4.51.3's FP8 rows of the dense models")["ids"]) == hf_fp8
    assert set(_entry("Transformers 4.51.3's Qwen3-30B-A3B rows")["ids"]) == hf_moe
    # the rest, the dense models' bfloat16, AWQ and GPTQ-Int8 rows under Transformers, are fitted on hf_plain
    fitted = hf - hf_moe - hf_fp8
    assert len(fitted) == 48 and not fitted & pa.NOT_FITTED
    assert all(pa.profile_of(QWEN3[i]) == "hf_plain" for i in fitted)
    # session 16's deferral of the whole page is gone
    assert not [x for x in NF if "not fitted in session 16" in " ".join(x["reason"].split())]


def test_the_sglang_step_grows_with_the_weight_bytes():
    why = _why("SGLang 0.4.6.post1 on one to eight H20s")
    # kvplan perf qwen3-<size> --gpu h20 --json weights_bytes, as the source quotes them
    from kvplan.plan.roofline import Roofline
    from kvplan.sources import catalog

    gpu = catalog.load_gpu("h20")
    w = {m: Roofline(catalog.load_model(f"qwen3-{m}"), gpu).weights_bytes for m in ("8b", "14b", "32b")}
    assert w == {"8b": 16_381_470_720, "14b": 29_536_614_400, "32b": 65_524_246_528}
    assert "(16,381,470,720; 29,536,614,400; 65,524,246,528)" in " ".join(_entry("one to eight H20s")["source"].split())
    t = {m: _ms(f"qwen3-sglang-h20-qwen3-{m}-bf16-tp1-bs1-1-2048") for m in w}
    assert (f"{t['8b']:.2f} ms a generated token for Qwen3-8B ({w['8b'] / 1e9:.2f} GB" in why
            and f"{t['14b']:.2f} ms for Qwen3-14B ({w['14b'] / 1e9:.2f} GB" in why
            and f"{t['32b']:.2f} ms for Qwen3-32B ({w['32b'] / 1e9:.2f} GB" in why)
    margin = (w["32b"] - w["8b"]) / ((t["32b"] - t["8b"]) * 1e-3)  # bytes a second
    assert f"{margin / 1e12:.2f} TB/s at the margin" in why  # 1.36
    assert f"{margin / gpu.memory_bandwidth_bytes_per_s:.2f} of the 4.0 TB/s" in why  # 0.34
    hf = _ms("qwen3-hf-h20-qwen3-32b-bf16-tp1-bs1-1-2048")
    assert f"{hf:.2f} ms a token, its weights at {w['32b'] / (hf * 1e-3) / 1e12:.2f} TB/s or more" in why
    # the refit it quotes is session 17's, from that day's sglang constants (30 fit rows, 670 us eager, 18.0 %:
    # fitted.yaml until session 21's refit); with these 120 rows added: 150 rows
    assert "fit.py --profile sglang, session 17, these rows with the profile's 30" in " ".join(why.split())
    assert f"went from 18.0 % to 26.3 % ({30 + 120} rows), the eager per-layer cost from 670 to 960 us" in why


def test_quoted_ratios_of_the_left_out_paths():
    def ratio(i: str) -> float:  # the row's time over the same model's bfloat16 row at the same prompt length
        e = ROWS[i]
        same = [b for b in QWEN3.values() if b["engine"] == e["engine"] and b["model"] == e["model"]
                and b["weight_dtype"] == "bf16" and b["input_len"] == e["input_len"]]
        (b,) = same
        return b["value"] / e["value"]

    r = [ratio(i) for i in _entry("GPTQ-Int4 MoE rows")["ids"]]
    assert f"{min(r):.1f} to {max(r):.1f} times slower" in _why("GPTQ-Int4 MoE rows")  # 2.0 to 5.1
    r = [ratio(i) for i in _entry("FP8 rows of the dense models")["ids"]]
    assert f"{min(r):.1f} to {max(r):.1f} times slower" in _why("FP8 rows of the dense models")  # 1.3 to 3.6
    a, b = ROWS["qwen3-sglang-h20-qwen3-30b-a3b-gptq-int4-tp1-bs1-1-2048"], ROWS[
        "qwen3-sglang-h20-qwen3-30b-a3b-bf16-tp1-bs1-1-2048"]
    assert f"{a['value']:.2f} tokens/s against {b['value']:.2f}" in _why("GPTQ-Int4 MoE rows")
    a, b = ROWS["qwen3-hf-h20-qwen3-0.6b-fp8-tp1-bs1-1-2048"], ROWS["qwen3-hf-h20-qwen3-0.6b-bf16-tp1-bs1-1-2048"]
    assert f"{a['value']:.2f} tokens/s against {b['value']:.2f}" in _why("FP8 rows of the dense models")
    a, b = ROWS["qwen3-hf-h20-qwen3-30b-a3b-bf16-tp1-bs1-1-2048"], ROWS["qwen3-hf-h20-qwen3-30b-a3b-fp8-tp1-bs1-1-2048"]
    assert f"{a['value']:.2f} (bfloat16) and {b['value']:.2f} (FP8) tokens/s" in _why("Qwen3-30B-A3B rows")
    # 128 experts a layer, 48 layers: the loop's iterations a step
    spec = __import__("kvplan.sources.catalog", fromlist=["load_model"]).load_model("qwen3-30b-a3b")
    (moe,) = {lt.mlp.num_experts for lt in spec.layer_types.values()}
    assert f"{moe * spec.num_layers:,} iterations a step" in _why("Qwen3-30B-A3B rows") and moe == 128


def test_the_sglang_step_grows_by_the_weight_bytes_at_equal_layers():
    """Session 22's addendum: two Qwen3 sizes of equal layer count and attention (8 KV heads of 128: the same K/V
    bytes, the same per-step and per-layer work) differ in the SGLang step by the weight bytes alone."""
    why = _why("SGLang 0.4.6.post1 on one to eight H20s")
    from kvplan.plan.roofline import Roofline
    from kvplan.sources import catalog

    gpu = catalog.load_gpu("h20")
    for small, big, layers in (("0.6b", "1.7b", 28), ("4b", "8b", 36)):
        ms, w = {}, {}
        for m in (small, big):
            spec = catalog.load_model(f"qwen3-{m}")
            (lt,) = spec.layer_types.values()
            assert (lt.mixer.num_kv_heads, lt.mixer.head_dim) == (8, 128)
            assert spec.num_layers == layers
            w[m] = Roofline(spec, gpu).weights_bytes
            ms[m] = _ms(f"qwen3-sglang-h20-qwen3-{m}-bf16-tp1-bs1-1-2048")
        more = w[big] - w[small]
        rate = more / ((ms[big] - ms[small]) * 1e-3)
        # 0.6b -> 1.7b: 2.249 GB / (4.392 - 2.416) ms = 1.14 TB/s; 4b -> 8b: 8.337 GB / (12.241 - 7.515) ms (7.5153 rounds to 7.52) = 1.76 TB/s
        text = (f"to {big.upper()} ({layers} layers) {ms[small]:.2f} to {ms[big]:.2f} ms"
                f"{' a token' if small == '0.6b' else ''} for {more / 1e9:.2f} GB more, {rate / 1e12:.2f} TB/s")
        assert text in why, text
    assert "a copy kernel on an H20 measured 3.3 TB/s (NVIDIA/cuda-samples#366" in why
