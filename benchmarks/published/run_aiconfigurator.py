"""NVIDIA aiconfigurator's prediction beside each published measurement in measurements.yaml.

Run by hand, in a virtual environment of its own (aiconfigurator is not a kvplan dependency):

    python3 -m venv /tmp/aic && /tmp/aic/bin/pip install aiconfigurator==0.12.0
    /tmp/aic/bin/python benchmarks/published/run_aiconfigurator.py    # rewrites aiconfigurator.yaml
    /tmp/aic/bin/python benchmarks/published/run_aiconfigurator.py --new    # only the entries the file lacks, appended

``--new`` (round 7) gives the file a full run would give when the new entries are the last of measurements.yaml (each
list keeps measurements.yaml's order) and nothing else changed; it saves re-estimating the 500 earlier entries.

It runs offline: aiconfigurator 0.12.0 predicts from kernel tables measured on its systems (shipped in the
wheel) and reads model shapes from its bundled config.json files, or, for models it does not bundle, from
kvplan's vendored copy in tests/fixtures/configs/. Every prediction is one call of
aiconfigurator.cli.api.cli_estimate in a static mode (one batch, fixed lengths, no in-flight batching), the
closest of its modes to these fixed-batch benchmarks.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import sysconfig
import tempfile
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach the network; bundled or local configs only

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent.parent / "tests" / "fixtures" / "configs"

# kvplan GPU -> aiconfigurator system with kernel data (a100_pcie, h100_pcie and l4 ship YAMLs without data)
SYSTEMS = {"a100-sxm-80gb": "a100_sxm", "h100-sxm-80gb": "h100_sxm", "h200-sxm-141gb": "h200_sxm", "l40s": "l40s",
           "b200": "b200_sxm"}
# kvplan model -> aiconfigurator's bundled config (model_configs/), else kvplan's vendored config.json
# (its bundled Mixtral-8x7B-v0.1 config is not registered as a default model, so 0.12.0 tries to download it)
BUNDLED = {"llama-3.1-8b": "meta-llama/Meta-Llama-3.1-8B", "llama-3.1-70b": "meta-llama/Meta-Llama-3.1-70B",
           "qwen3-235b-a22b": "Qwen/Qwen3-235B-A22B", "deepseek-r1": "deepseek-ai/DeepSeek-R1",
           "nemotron-3-nano-30b-a3b": "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16",
           "gpt-oss-120b": "openai/gpt-oss-120b"}
# MoE models: experts split by tensor parallelism (moe_tp = tp, ep 1), vLLM's and SGLang's default without --ep
MOE = ("mixtral-8x7b", "qwen3-235b-a22b", "deepseek-r1", "gemma-4-26b-a4b", "nemotron-3-nano-30b-a3b", "gpt-oss-120b")
# checkpoints whose fp8 weights are block-scaled (128 x 128): aiconfigurator's fp8_block GEMM and MoE modes
FP8_BLOCK = ("deepseek-r1",)
# checkpoints whose routed experts alone are int4 (the rest bf16), by kvplan model: aiconfigurator's bundled config of the
# checkpoint and its int4 weight-only MoE mode, bfloat16 GEMMs elsewhere (round 17: Kimi-K2.5's compressed-tensors INT4
# experts; 0.12.0's support matrix lists moonshotai/Kimi-K2.5 on h200_sxm / sglang, "moe quant mode 'int4_wo'")
INT4_EXPERTS = {"kimi-k2-instruct": "moonshotai/Kimi-K2.5"}
# checkpoints whose routed experts alone are MXFP4 (the rest bf16), by kvplan model (round 21: gpt-oss-120b under SGLang):
# bfloat16 GEMMs and aiconfigurator's MXFP4 MoE mode, by system as SGLang 0.5.x runs it (server_args
# model_specific_adjustments): on SM100 the flashinfer_mxfp4 runner, whose default precision quantizes the MoE input to
# MXFP8 (w4a8_mxfp4_mxfp8); elsewhere the triton_kernels runner with bfloat16 activations (w4a16_mxfp4)
MXFP4_EXPERTS = {"gpt-oss-120b": {"b200_sxm": "w4a8_mxfp4_mxfp8"}}
LOCAL = {"llama-2-7b": "Llama-2-7B.json", "llama-2-13b": "Llama-2-13B.json", "llama-2-70b": "Llama-2-70B.json", "llama-3-70b": "Meta-Llama-3-70B.json",
         "llama-3-8b": "Meta-Llama-3-8B.json", "mixtral-8x7b": "Mixtral-8x7B-v0.1.json",
         "gemma-4-26b-a4b": "gemma-4-26B-A4B.json", "llama-3.1-405b": "Llama-3.1-405B.json",
         # round 14 (the Qwen2.5 speed benchmark page's Instruct checkpoints; kvplan's vendored configs)
         "qwen2.5-7b": "Qwen2.5-7B-Instruct.json", "qwen2.5-14b": "Qwen2.5-14B.json",
         "qwen2.5-32b-instruct": "Qwen2.5-32B-Instruct.json"}
# aiconfigurator has no float16 GEMM mode; bfloat16 runs at the same tensor-core rate, so fp16 maps to it
# nvfp4 (round 13: DeepSeek-R1 FP4 on B200) is aiconfigurator's nvfp4 GEMM and MoE mode (every linear, as kvplan prices it)
GEMM = {"fp16": "bfloat16", "bf16": "bfloat16", "fp8": "fp8", "nvfp4": "nvfp4"}
KV = {"fp16": "bfloat16", "bf16": "bfloat16", "fp8": "fp8"}
BACKENDS = {"trtllm": "trtllm", "vllm": "vllm", "sglang": "sglang"}


def model_path(model: str, tmp: Path, weight_dtype: str = "") -> str | None:
    if weight_dtype == "int4" and model in INT4_EXPERTS:
        return INT4_EXPERTS[model]
    if model in BUNDLED:
        return BUNDLED[model]
    if model in LOCAL:
        d = tmp / model
        d.mkdir(exist_ok=True)
        shutil.copy(FIXTURES / LOCAL[model], d / "config.json")
        return str(d)
    return None


def plan(e: dict) -> tuple[dict | None, str, list[str]]:
    """(cli_estimate kwargs, reason if not modelled, assumptions) for one measurement."""
    notes = []
    backend = BACKENDS.get(e["engine"])
    if e["engine"] == "other" and "NIM" in e["engine_version"]:
        backend = "trtllm"
        notes.append("NIM does not state its backend; TensorRT-LLM assumed (NIM 1.x's optimized profiles)")
    if backend is None:
        return None, f"aiconfigurator 0.12.0 has no {e['engine']} backend (only trtllm, vllm, sglang)", notes
    system = SYSTEMS.get(e["gpu"])
    if system is None:
        return None, f"no aiconfigurator system with measured kernel data for GPU {e['gpu']}", notes
    int4_experts = e["weight_dtype"] == "int4" and e["model"] in INT4_EXPERTS
    mxfp4_experts = e["weight_dtype"] == "mxfp4" and e["model"] in MXFP4_EXPERTS
    if (e["weight_dtype"] not in GEMM and not int4_experts and not mxfp4_experts) or (e["kv_dtype"] or "fp16") not in KV:
        return None, f"weight/KV format {e['weight_dtype']}/{e['kv_dtype']} has no aiconfigurator quant mode", notes
    if e["kv_dtype"] is None:
        notes.append("KV dtype not stated by the source; bfloat16 assumed")
    if e["model"] not in BUNDLED and e["model"] not in LOCAL and not int4_experts:
        return None, f"model {e['model']} not mapped to an aiconfigurator config", notes
    metric = e["metric"]
    mode = "static_ctx" if metric in ("ttft_ms", "ttft_s", "ttft_ns", "prefill_tokens_per_s") else "static"
    if e["weight_dtype"] == "fp16":
        notes.append("fp16 weights modelled as bfloat16 GEMMs (aiconfigurator has no float16 GEMM mode)")
    kw = dict(system_name=system, mode=mode, backend_name=backend, backend_version="current",
              isl=max(e["input_len"], 1), osl=max(e["output_len"], 2) if mode == "static" else 1,
              batch_size=e["batch"], tp_size=e["num_gpus"],
              gemm_quant_mode="bfloat16" if int4_experts or mxfp4_experts else GEMM[e["weight_dtype"]],
              kvcache_quant_mode=KV[e["kv_dtype"] or "bf16"], fmha_quant_mode="bfloat16")
    if e["model"] in FP8_BLOCK and e["weight_dtype"] == "fp8":
        kw["gemm_quant_mode"] = "fp8_block"
        notes.append("block-scaled FP8 checkpoint: fp8_block GEMM and MoE modes")
    if e["model"] in MOE or int4_experts:
        kw.update(moe_tp_size=e["num_gpus"], moe_ep_size=1,
                  moe_quant_mode="int4_wo" if int4_experts else kw["gemm_quant_mode"])
        notes.append("MoE experts split by tensor parallelism (moe_tp = tp, ep 1), as vLLM and SGLang do by default")
    if int4_experts:
        notes.append(f"{INT4_EXPERTS[e['model']]}'s bundled config; routed experts int4 weight-only (int4_wo), every "
                     "other GEMM bfloat16, as the checkpoint stores them (checkpoints.yaml)")
    if mxfp4_experts:
        kw["moe_quant_mode"] = MXFP4_EXPERTS[e["model"]].get(system, "w4a16_mxfp4")
        notes.append(f"routed experts MXFP4 ({kw['moe_quant_mode']}: SGLang's MoE runner on this system), every other "
                     "GEMM bfloat16, as the release checkpoint stores them")
    return kw, "", notes


def predicted_value(metric: str, r, e: dict) -> float:
    raw = r.raw
    if metric == "ttft_ms":
        return r.ttft
    if metric == "ttft_s":
        return r.ttft / 1000
    if metric == "decode_s_per_token":
        return r.tpot / 1000
    if metric == "ttft_ns":
        return r.ttft * 1e6
    if metric == "decode_ns_per_token":
        return r.tpot * 1e6
    if metric == "decode_tokens_per_s_total":
        return e["batch"] * 1000 / r.tpot
    if metric == "prefill_tokens_per_s":
        return e["batch"] * e["input_len"] / (r.ttft / 1000)
    if metric == "decode_ms_per_token":
        return r.tpot
    if metric == "decode_tokens_per_s_per_seq":
        return 1000 / r.tpot
    if metric == "output_tokens_per_s_total":
        return raw["tokens/s"]  # batch x osl / request latency, static batching
    if metric == "prompt_and_output_tokens_per_s_total":  # (isl + osl) x batch over the request latency (round 15)
        return e["batch"] * (e["input_len"] + e["output_len"]) / (raw["request_latency"] / 1000)
    if metric == "output_tokens_per_s_per_gpu":
        return raw["tokens/s/gpu"]  # the same, divided by the GPUs of the run
    if metric == "e2e_latency_ms":
        return raw["request_latency"]  # context + all generation steps of the batch
    if metric == "e2e_latency_s":
        return raw["request_latency"] / 1000
    raise ValueError(metric)


def main(new_only: bool = False) -> None:
    from aiconfigurator.cli.api import cli_estimate

    entries = yaml.safe_load((HERE / "measurements.yaml").read_text())
    version = importlib.metadata.version("aiconfigurator")
    preds, skipped = [], []
    if new_only:
        old = yaml.safe_load((HERE / "aiconfigurator.yaml").read_text())
        preds, skipped = old["predictions"], old["not_modelled"]
        done = {x["id"] for x in preds + skipped}
        entries = [e for e in entries if e["id"] not in done]
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for e in entries:
            kw, why, notes = plan(e)
            if kw is None:
                skipped.append({"id": e["id"], "reason": why})
                continue
            mp = model_path(e["model"], tmp, e["weight_dtype"])
            try:
                r = cli_estimate(mp, **kw)
            except Exception as exc:  # an unsupported combination is reported, not hidden (no local path in the text)
                msg = str(exc).replace(sysconfig.get_paths()["purelib"], "<site-packages>")
                skipped.append({"id": e["id"], "reason": f"cli_estimate raised {type(exc).__name__}: {msg}"})
                continue
            shown_mp = mp if e["model"] in BUNDLED or mp in INT4_EXPERTS.values() else f"<dir with tests/fixtures/configs/{LOCAL[e['model']]} as config.json>"
            args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
            value = predicted_value(e["metric"], r, e)  # below 0.1 (seconds per token, round 13) kept to 4 figures
            preds.append({
                "id": e["id"], "metric": e["metric"], "measured": e["value"], "predicted": round(value, 3) if abs(value) >= 0.1 else float(f"{value:.4g}"),
                "error_pct": round(100 * (value - e["value"]) / e["value"], 1),
                "system": kw["system_name"], "backend": kw["backend_name"], "backend_version": r.raw.get("version"),
                "engine_version_measured": e["engine_version"],
                "call": f"aiconfigurator.cli.api.cli_estimate({shown_mp!r}, {args})",
                "outputs_ms": {"ttft": round(r.ttft, 3), "tpot": round(r.tpot, 3),
                               "request_latency": round(float(r.raw.get("request_latency") or 0), 3)},
                "assumptions": notes,
            })
    doc = {
        "aiconfigurator_version": version,
        "command": "python benchmarks/published/run_aiconfigurator.py  (in a venv with aiconfigurator==0.12.0, offline)",
        "note": ("Predictions from aiconfigurator's static modes (static_ctx for TTFT/prefill, static otherwise) with "
                 "backend_version 'current' of each system, which is a newer engine than most measurements used "
                 "(see engine_version_measured). error_pct = (predicted - measured) / measured."),
        "predictions": preds,
        "not_modelled": skipped,
    }
    out = HERE / "aiconfigurator.yaml"
    with out.open("w") as f:
        f.write("# Generated by benchmarks/published/run_aiconfigurator.py; do not edit by hand.\n")
        yaml.safe_dump(json.loads(json.dumps(doc)), f, sort_keys=False, width=120, allow_unicode=True)
    print(f"{len(preds)} predicted, {len(skipped)} not modelled -> {out}")


if __name__ == "__main__":
    import sys

    main("--new" in sys.argv)
