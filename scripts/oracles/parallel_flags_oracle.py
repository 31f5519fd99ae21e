#!/usr/bin/env python3
"""How vLLM 0.33's and SGLang 0.5.23's own argument parsers read the parallel flags check-log takes
from launch lines (tests/observe/test_rules_logs_parallel.py cites this output).

RERUN (each in its engine's scratch venv; no GPU needed)
    /work/scratch/vllm/venv/bin/python scripts/oracles/parallel_flags_oracle.py vllm
    /work/scratch/sglang/venv/bin/python scripts/oracles/parallel_flags_oracle.py sglang

vLLM: EngineArgs.add_cli_args (vllm/engine/arg_utils.py) on FlexibleArgumentParser
(vllm/utils/argparse_utils.py); only DeviceConfig.__post_init__ is stubbed (it fails on a box
without a GPU and has no part in the arguments' spellings or defaults).
SGLang: ServerArgs.add_cli_args (sglang/srt/server_args.py; the fields in
sglang/srt/arg_groups/fields/parallel.py) on argparse.ArgumentParser, then the parallel hook's
handle_deprecated_dp_attention (sglang/srt/arg_groups/parallel_hook.py) and
ServerArgs.resolved_dict, which is what entrypoints/engine.py logs as ``server_args={...}``.
"""
import argparse
import sys

VLLM = (["-tp", "2", "-dp", "4", "-ep", "--all2all-backend", "deepep_low_latency"],
        ["--tensor-parallel-size", "2", "--data-parallel-size", "4", "--enable-expert-parallel"],
        ["--data_parallel_size=3", "--enable_expert_parallel", "--all2all_backend", "naive"],
        ["--enable-expert-parallel", "--no-enable-expert-parallel"], [], ["--dp", "4"], ["--tp", "2"],
        ["--tp-size", "2"], ["--ep"])
SGLANG = (["--tp", "4", "--ep", "2"], ["--tensor-parallel-size", "4", "--expert-parallel-size", "4"],
          ["--tp-size", "4", "--dp-size", "4", "--enable-dp-attention"],
          ["--tp", "4", "--data-parallel-size", "4", "--enable-dp-attention", "--ep-size", "4"],
          ["--tp", "4", "--attn-dp-size", "4"], ["--tp", "4", "--attention-data-parallel-size", "2"],
          ["--tp", "4", "--dp", "2"], ["--tp", "4"], ["--tp", "4", "--enable-ep-moe"])


def _parse(p, argv, first):
    try:
        return p.parse_args(first + argv)
    except SystemExit:
        return None


def vllm():
    import vllm.config.device as dev
    dev.DeviceConfig.__post_init__ = lambda self: setattr(self, "device_type", "cuda")
    from vllm.engine.arg_utils import EngineArgs
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    p = EngineArgs.add_cli_args(FlexibleArgumentParser())
    for argv in VLLM:
        a = _parse(p, argv, ["--model", "m"])
        print(" ".join(argv) or "(none)", "->", "refused" if a is None else
              dict(tp=a.tensor_parallel_size, dp=a.data_parallel_size, ep=a.enable_expert_parallel,
                   all2all=a.all2all_backend))


def sglang():
    from sglang.srt.arg_groups.parallel_hook import handle_deprecated_dp_attention
    from sglang.srt.server_args import ServerArgs

    p = argparse.ArgumentParser()
    ServerArgs.add_cli_args(p)
    for argv in SGLANG:
        a = _parse(p, argv, ["--model-path", "m"])
        if a is None:
            print(" ".join(argv), "-> refused")
            continue
        sa = ServerArgs.from_cli_args(a)
        sa._input_frozen = True  # as resolve_once sets it around the pipeline
        handle_deprecated_dp_attention(sa)
        sa._input_frozen = False
        d = sa.resolved_dict()
        print(" ".join(argv), "->", {k: d[k] for k in ("tp_size", "dp_size", "attn_dp_size", "ep_size",
                                                        "enable_dp_attention")})


if __name__ == "__main__":
    {"vllm": vllm, "sglang": sglang}[sys.argv[1]]()
