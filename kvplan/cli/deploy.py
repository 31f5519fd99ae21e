"""kvplan plan: the cheapest deployment that meets a latency SLA (simulated, priced, ranked)."""
from __future__ import annotations

import sys
from typing import Optional

import typer

from ..errors import KvplanError
from .root import app
from .common import (ENGINE_VERSION_HELP, MODEL_HELP, _complete_model, _count, _fraction, _json, _max_model_len,
                     _number, _run, _whole, flag)


def _counts(name: str, text: str) -> tuple[int, ...]:
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        raise KvplanError(f"{name} needs at least one value, e.g. 1,2,4")
    return tuple(sorted({_count(name, p) for p in parts}))


@app.command("plan")
def plan_cmd(
    model: str = typer.Argument(..., metavar="MODEL", autocompletion=_complete_model, help=MODEL_HELP),
    rate: str = typer.Option(..., "--rate", metavar="R", help="requests per second the deployment must serve"),
    prompt_tokens: str = typer.Option(..., "--prompt-tokens", metavar="DIST", help="N or a distribution (as simulate)"),
    output_tokens: str = typer.Option(..., "--output-tokens", metavar="DIST", help="N or a distribution (as simulate)"),
    ttft_p90: str = typer.Option(..., "--ttft-p90", metavar="MS", help="time to first token target, ms (p90)"),
    itl_p90: str = typer.Option(..., "--itl-p90", metavar="MS", help="inter-token latency target, ms (p90)"),
    gpus: str = typer.Option("h100,h200,a100-sxm-80gb,l40s", "--gpus", metavar="G,...", help="GPU types to consider"),
    engine: str = typer.Option("vllm", "--engine", metavar="ENGINE", help="vllm or sglang"),
    tps: str = typer.Option("1,2,4,8", "--tp", metavar="N,...", help="tensor-parallel sizes to consider"),
    seqs: str = typer.Option("32,64,128,256", "--max-num-seqs", metavar="N,...", help="max_num_seqs values to consider"),
    max_gpus: str = typer.Option("64", "--max-gpus", metavar="N", help="GPUs a deployment may use at most"),
    disaggregated: bool = typer.Option(True, "--disaggregated/--no-disaggregated",
                                       help="also search prefill/decode pools sized apart"),
    link: str = typer.Option("auto", "--link", metavar="LINK", help="KV transfer link for disaggregated pairs: auto, "
                             "nvlink, infiniband, ethernet"),
    prices: Optional[str] = typer.Option(None, "--prices", metavar="FILE.yaml", help="YAML of GPU hourly prices (default: "
                                         "the sourced table in model_specs/gpu_prices.yaml)"),
    requests: str = typer.Option("200", "--requests", metavar="N", help="requests simulated per candidate"),
    seed: str = typer.Option("0", "--seed", metavar="N"),
    max_model_len: Optional[str] = typer.Option(None, "--max-model-len", metavar="N"),
    gpu_memory_utilization: Optional[str] = typer.Option(None, "--gpu-memory-utilization", "--mem-fraction-static",
                                                         metavar="F", help="the engine's share of each GPU (as "
                                                         "kvplan fit; SGLang's --mem-fraction-static)"),
    engine_version: Optional[str] = typer.Option(None, "--engine-version", metavar="VERSION", help=ENGINE_VERSION_HELP),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="FILE", help="a calibrated profile (check-bench --calibrate)"),
    workers: Optional[str] = typer.Option(None, "--workers", metavar="N", help="processes (default: every core)"),
    ray: Optional[str] = typer.Option(None, "--ray", metavar="ADDRESS", help="a Ray cluster address (e.g. auto, ray://host:10001)"),
    explain: bool = typer.Option(False, "--explain", help="say why each survivor won or lost"),
    top: str = typer.Option("10", "--top", metavar="N", help="deployments shown"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
):
    """The cheapest deployment that meets a TTFT and ITL target, with its launch command.

    Exit status: 0 when a deployment meets the SLA, 1 when none does (the report, or --json, is
    printed all the same), 2 on bad input.

    \b
    Example:
      kvplan plan llama-3.1-8b --rate 8 --prompt-tokens 2048 \\
        --output-tokens 250 --ttft-p90 500 --itl-p90 50"""
    from .. import api
    from ..render.deploy import as_dict, render

    def go():
        n_top = _count("--top", top)  # before the search, which can take minutes
        args = (model, _number("--rate", rate, 0), prompt_tokens, output_tokens, _number("--ttft-p90", ttft_p90, 0),
                _number("--itl-p90", itl_p90, 0), gpus, engine, _counts("--tp", tps), _counts("--max-num-seqs", seqs),
                _count("--max-gpus", max_gpus), disaggregated, link, prices, _count("--requests", requests),
                _whole("--seed", seed),
                _max_model_len(max_model_len), profile,
                None if workers is None else _count("--workers", workers), ray)
        gmu = _fraction("--gpu-memory-utilization", gpu_memory_utilization)
        if sys.stderr.isatty():  # the search can take minutes: a bar on the terminal, gone when done
            from rich.console import Console
            from rich.progress import Progress

            with Progress(console=Console(stderr=True), transient=True) as bar:  # stdout stays the answer
                def start(total):
                    task = bar.add_task("simulating deployments", total=total)
                    return lambda n: bar.advance(task, n)

                res = api.plan_deployment(*args, progress=start, gpu_memory_utilization=gmu, engine_version=engine_version)
        else:
            res = api.plan_deployment(*args, gpu_memory_utilization=gmu, engine_version=engine_version)
        if as_json:
            _json(as_dict(res, flag))
        else:
            sys.stdout.write(render(res, explain, n_top, words=flag))
        if not res.ranked:  # exit 1, as fit's "does not fit": a script can test it (--help, docs/commands/plan.md)
            raise typer.Exit(1)

    _run(go)
