#!/usr/bin/env python
"""Mutation testing of kvplan's arithmetic and rules with mutmut, outside CI.

    python scripts/mutate.py                 # every module in MODULES
    python scripts/mutate.py dtypes spec     # some of them (names as in MODULES, or paths)
    python scripts/mutate.py --survivors     # also print each surviving mutant's diff

mutmut rewrites the files it mutates, so this never runs in the checkout: it copies the
working tree (tracked and untracked-but-not-ignored files, via `git ls-files`) to --workdir,
writes the [tool.mutmut] section there, runs `mutmut run`, and reads the results from
mutants/**/*.py.meta. It prints, per module: mutants, killed (a failing test or a timeout),
survived (a test run that passed, or no test reaching the mutated code), and the score; and
which survivors MUTATION.md lists as equivalent (by mutant name, in backticks) and which it
does not. Mutant names are positional (``kvplan.sources.hfconfig.attention.x__falcon__mutmut_12``
is the 12th mutant of ``_falcon``), so a source edit can renumber them: rerun and re-read the
list after one.

Tests run for each mutant are the ones mutmut saw reach the mutated function, minus
EXCLUDED_TESTS: the README snapshot (it re-runs every README example per mutant, ~20 s, and a
snapshot is not the kind of test this measures) and three CLI tests that start a new Python
process each (import cost and usage errors; they test no arithmetic). With those out, all
modules take about 20 minutes on 2 cores.

mutmut 3 leaves decorated functions alone, and every engine rule is a ``functools.singledispatch``
function, so kvplan/engines/ideal.py and hf.py yield no mutmut mutants. For them the script
applies ENGINE_MUTANTS, written by hand (each rule's number off by one, its dtype swapped, a
state or tensor dropped), one at a time in the copy, and runs the fast tests against each.

mutmut also cannot reach code that runs when a module is imported: it imports kvplan once,
before it forks a child per mutant, so a mutant in kvplan/model/frozen.py's class builders (``record``,
``_collect``, ``Frozen.__init_subclass__``) or in its once-per-process pydantic set-up never
runs. Their survivors are counted apart (IMPORT_TIME), and FROZEN_MUTANTS, written by hand, are
applied in the copy and tested in a fresh process, as for the engines.

Requires: pip install -e '.[dev]' (mutmut >= 3.4).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = {  # short name -> file or package folder; the modules that hold arithmetic and rules
    "dtypes": "kvplan/model/dtypes.py",
    "kinds": "kvplan/model/kinds",  # a package: every module in it
    "memory": "kvplan/plan/size.py",
    "spec": "kvplan/model/spec.py",
    "weights": "kvplan/model/weights.py",
    "hardware": "kvplan/model/hardware.py",
    "hf": "kvplan/sources/hfconfig",  # a package: every module in it
    "engines.ideal": "kvplan/engines/ideal.py",
    "engines.hf": "kvplan/engines/transformers.py",
    "engines.llamacpp": "kvplan/engines/llamacpp.py",
    "perf": "kvplan/plan/perf.py",
    "whatif": "kvplan/plan/whatif.py",
    "sweep": "kvplan/plan/sweep.py",
    "frozen": "kvplan/model/frozen.py",
    "catalog": "kvplan/sources/catalog.py",
    "fit": "kvplan/plan/fit.py",
    "copies": "kvplan/plan/copies.py",  # fit.py's copies (split from it in session 19)
    "traffic": "kvplan/plan/traffic.py",
    "engines.base": "kvplan/engines/base.py",
    "engines.vllm": "kvplan/engines/vllm/__init__.py",
    "engines.vllm.pages": "kvplan/engines/vllm/pages.py",
    "engines.vllm.planner": "kvplan/engines/vllm/planner.py",
    "engines.vllm.settings": "kvplan/engines/vllm/settings.py",
    "engines.vllm.startup": "kvplan/engines/vllm/startup.py",
    "engines.vllm.non_torch": "kvplan/engines/vllm/non_torch.py",
    "engines.vllm.after_sizing": "kvplan/engines/vllm/after_sizing.py",  # session 20: the after-sizing detail
    "engines.vllm.startup_data": "kvplan/engines/vllm/startup_data.py",
    "engines.vllm.loaded": "kvplan/engines/vllm/loaded.py",
    "engines.vllm.moe_workspace": "kvplan/engines/vllm/moe_workspace.py",
    "engines.vllm.dsv4": "kvplan/engines/vllm/dsv4.py",  # session 21: DeepSeek-V4 on ROCm
    "engines.vllm.graphs": "kvplan/engines/vllm/graphs.py",  # session 21: CUDA graphs by capture size
    "engines.vllm.compile_part": "kvplan/engines/vllm/compile_part.py",  # session 21: the torch.compile term
    "engines.sglang": "kvplan/engines/sglang.py",
    "engines.trtllm": "kvplan/engines/trtllm.py",
    "logs": "kvplan/observe/logs.py",
    "log_flags": "kvplan/observe/log_flags.py",
    "server": "kvplan/observe/server.py",
    "engines.vllm.offload": "kvplan/engines/vllm/offload.py",
    "engines.vllm.lmcache": "kvplan/engines/vllm/lmcache.py",
    "engines.vllm.speculative": "kvplan/engines/vllm/speculative.py",
    "engines.vllm.lora": "kvplan/engines/vllm/lora.py",
    "engines.vllm.extras": "kvplan/engines/vllm/extras.py",
    "engines.sglang_startup": "kvplan/engines/sglang_startup.py",
    "engines.sglang_hicache": "kvplan/engines/sglang_hicache.py",
    "engines.llamacpp_offload": "kvplan/engines/llamacpp_offload.py",
    "engines.tier_flags": "kvplan/engines/tier_flags.py",
    "bench": "kvplan/observe/bench.py",
    "bench_read": "kvplan/observe/bench_read.py",  # bench.py's file readers (split from it in session 19)
    "launch": "kvplan/observe/launch.py",
    "gguf": "kvplan/sources/gguf.py",
    "safetensors": "kvplan/sources/safetensors.py",
    "readers": "kvplan/sources/readers.py",
    "hfcache": "kvplan/sources/hfcache.py",
    "latency": "kvplan/plan/latency",  # a package: every module in it
    "roofline": "kvplan/plan/roofline.py",
    "verdict": "kvplan/plan/verdict.py",
    "longest": "kvplan/plan/longest.py",
    "parallel": "kvplan/plan/parallel.py",
    "fit_tiers": "kvplan/plan/fit_tiers.py",
    "reuse": "kvplan/plan/reuse.py",
    "reload": "kvplan/plan/reload.py",
    "speculative": "kvplan/plan/speculative.py",
    "simulate": "kvplan/plan/simulate",  # a package: every module in it
    "deploy": "kvplan/plan/deploy.py",
    "costs": "kvplan/plan/costs.py",
    "engines.vllm.ep_buffers": "kvplan/engines/vllm/ep_buffers.py",
    "engines.vllm.flags": "kvplan/engines/vllm/flags.py",
    "engines.transformers_static": "kvplan/engines/transformers_static.py",
    "engines.launch": "kvplan/engines/launch.py",
    "units": "kvplan/units.py",
    "sharegpt": "kvplan/observe/sharegpt.py",
    "api": "kvplan/api.py",  # the public functions: defaults, dispatch, check_bench's calibration note
    "cli.common": "kvplan/cli/common.py",  # session 21: the flag helpers (--engine-version's routing, SGLang's names)
}
EXCLUDED_TESTS = [
    "--ignore=tests/cli/test_readme.py",
    "--ignore=tests/cli/test_docs.py",  # the docs site: a build and generated pages, no arithmetic
    "--deselect=tests/cli/test_cli.py::test_size_does_not_import_heavy_modules",
    "--deselect=tests/cli/test_cli.py::test_python_dash_m",
    "--deselect=tests/cli/test_cli.py::test_usage_errors_are_one_line",
    "--deselect=tests/cli/test_api.py::test_show_completion_prints_a_script",  # runs the console script
    # matplotlib in a forked mutant process can deadlock on a lock held at fork; the plot is
    # styling, not arithmetic (sweep's rows are tested without it)
    "--deselect=tests/plan/test_perf.py::test_sweep_plot_writes_a_real_png",
    "--deselect=tests/plan/test_perf.py::test_sweep_plot_without_matplotlib_is_one_line",
    # torch in a forked mutant process deadlocks the same way (its thread pools); validate's
    # byte checks compare against kv_size, which the other tests pin directly
    "--ignore=tests/validate/test_validate.py",
    # the package's shape (module length, imports): mutmut's copy of a module holds every mutant
    # as a function (18,708 lines for sglang.py), so it always fails there; no arithmetic
    "--ignore=tests/test_architecture.py",
]
ENGINE_TESTS = ["tests/plan/test_memory.py", "tests/sources/test_hf_golden.py", "tests/model/test_dtypes.py", "tests/cli/test_cli.py",
                "tests/sources/test_hf.py", "tests/model/test_weights.py", "tests/engines/test_rules.py", "tests/engines/test_rules_json.py",
                "tests/engines/test_frontier.py", "tests/engines/test_hf_static_golden.py",
                "tests/engines/test_rules_misc.py"]
ENGINE_MUTANTS = [  # (file, original text, mutated text)
    # transformers' StaticCache (hf-static): the whole window / chunk, not window − 1; the rest as hf
    ("kvplan/engines/transformers_static.py", "return Holding(mixer.kv_rows(), min(ctx, mixer.window))",
     "return Holding(mixer.kv_rows(), min(ctx, mixer.window - 1))"),
    ("kvplan/engines/transformers_static.py", "return Holding(mixer.kv_rows(), min(ctx, mixer.chunk))",
     "return Holding(mixer.kv_rows(), min(ctx, mixer.chunk - 1))"),
    ("kvplan/engines/transformers_static.py", "    return hf(mixer, ctx, run_dtype)", "    return hf(mixer, ctx + 1, run_dtype)"),
    ("kvplan/engines/transformers_static.py", "    state_in_kv_dtype = True\n", "    state_in_kv_dtype = False\n"),
    ("kvplan/engines/transformers_static.py", "    rule = staticmethod(hf_static)", "    rule = staticmethod(hf)"),
    ("kvplan/engines/transformers.py", "return Holding(mixer.kv_rows(), min(ctx, mixer.window - 1))",
     "return Holding(mixer.kv_rows(), min(ctx, mixer.window))"),
    ("kvplan/engines/transformers.py", "return Holding(mixer.kv_rows(), min(ctx, mixer.window - 1))",
     "return Holding(mixer.kv_rows(), min(ctx, mixer.window + mixer.sink_tokens - 1))"),
    ("kvplan/engines/transformers.py", "    tokens = min(ctx, mixer.window - 1)\n", "    tokens = min(ctx, mixer.window)\n"),
    ("kvplan/engines/transformers.py", "min(ctx, mixer.chunk - 1)", "min(ctx, mixer.chunk)"),
    ("kvplan/engines/transformers.py", "[(1, mixer.kv_lora_rank), (1, mixer.qk_rope_head_dim)], ctx)",
     "[(1, mixer.kv_lora_rank + mixer.qk_rope_head_dim)], ctx)"),
    ("kvplan/engines/transformers.py", "(1, mixer.qk_rope_head_dim)], ctx)", "(1, mixer.qk_rope_head_dim)], ctx - 1)"),
    ("kvplan/engines/transformers.py", "[mixer.conv_state(mixer.conv_kernel, run_dtype),\n                           "
     "StateTensor(name=\"ssm\", elements=mixer.num_heads",
     "[mixer.conv_state(mixer.conv_kernel - 1, run_dtype),\n                           "
     "StateTensor(name=\"ssm\", elements=mixer.num_heads"),
    ("kvplan/engines/transformers.py", "* mixer.state_size, dtype=\"fp32\")])\n\n\n@hf.register\ndef _(mixer: Mamba,",
     "* mixer.state_size, dtype=run_dtype)])\n\n\n@hf.register\ndef _(mixer: Mamba,"),
    ("kvplan/engines/transformers.py", "elements=mixer.inner * mixer.state_size, dtype=\"fp32\")",
     "elements=mixer.inner * mixer.state_size, dtype=run_dtype)"),
    ("kvplan/engines/transformers.py", "[mixer.conv_state(mixer.conv_kernel, run_dtype),\n                           "
     "StateTensor(name=\"ssm\", elements=mixer.inner",
     "[mixer.conv_state(mixer.conv_kernel - 1, run_dtype),\n                           "
     "StateTensor(name=\"ssm\", elements=mixer.inner"),
    ("kvplan/engines/transformers.py", "mixer.recurrent_state(\"fp32\")", "mixer.recurrent_state(run_dtype)"),
    ("kvplan/engines/transformers.py", "[mixer.conv_state(mixer.conv_kernel, run_dtype), mixer.recurrent_state",
     "[mixer.conv_state(mixer.conv_kernel - 1, run_dtype), mixer.recurrent_state"),
    ("kvplan/engines/transformers.py", "state_in_kv_dtype = True", "state_in_kv_dtype = False"),
    ("kvplan/engines/transformers.py", "return ideal(mixer, ctx, run_dtype)", "return Holding(mixer.kv_rows(), ctx)"),
    ("kvplan/engines/ideal.py", "Holding(mixer.kv_rows(), mixer.span(ctx), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))",
     "Holding(mixer.kv_rows(), ctx, mixer.state(run_dtype), sides=side_holdings(mixer, ctx))"),
    ("kvplan/engines/ideal.py", "Holding(mixer.kv_rows(), mixer.span(ctx), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))",
     "Holding(mixer.kv_rows(), mixer.span(ctx + 1), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))"),
    ("kvplan/engines/ideal.py", "Holding(mixer.kv_rows(), mixer.span(ctx), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))",
     "Holding(mixer.kv_rows(), mixer.span(ctx), [], sides=side_holdings(mixer, ctx))"),
    ("kvplan/engines/ideal.py", "Holding(mixer.kv_rows(), mixer.span(ctx), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))",
     "Holding(mixer.kv_rows(), mixer.span(ctx), mixer.state(\"bf16\"), sides=side_holdings(mixer, ctx))"),
    ("kvplan/engines/ideal.py", "Holding(mixer.kv_rows(), mixer.span(ctx), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))",
     "Holding(mixer.kv_rows()[:1], mixer.span(ctx), mixer.state(run_dtype), sides=side_holdings(mixer, ctx))"),
]
FROZEN_TESTS = ["tests/model/test_frozen.py", "tests/sources/test_catalog.py", "tests/engines/test_rules_errors.py",
                "tests/engines/test_rules_misc.py", "tests/plan/test_memory.py", "tests/plan/test_fit.py"]
FROZEN_MUTANTS = [  # (file, original text, mutated text): bugs a class builder could have
    ("kvplan/model/frozen.py", "if len(args) > len(names):", "if len(args) > len(names) + 1:"),
    ("kvplan/model/frozen.py", "                if name in kw:\n                    raise",
     "                if name in kw and False:\n                    raise"),
    ("kvplan/model/frozen.py", "        return f.default_factory()\n", "        return f.default_factory\n"),
    ("kvplan/model/frozen.py", "            found.update(vars(klass)[\"__record_fields__\"])\n", ""),
    ("kvplan/model/frozen.py", "                    setattr(klass, name, f.default)", "                    pass"),
    ("kvplan/model/frozen.py", "        if frozen:\n            def __setattr__", "        if not frozen:\n            def __setattr__"),
    ("kvplan/model/frozen.py", "            if post is not None:\n                post()", "            if post is not None:\n                pass"),
    ("kvplan/model/frozen.py", "            if kw:\n                raise", "            if kw and False:\n                raise"),
    ("kvplan/model/frozen.py", "    kw.update(changes)\n", ""),
    ("kvplan/model/frozen.py", "            if name.startswith(\"_\") or name == \"model_fields\" or \"ClassVar\" in str(note):",
     "            if name == \"model_fields\" or \"ClassVar\" in str(note):"),
    ("kvplan/model/frozen.py", "            elif d is not MISSING or name not in found:", "            elif d is not MISSING:"),
    ("kvplan/model/frozen.py", "                        default=dataclasses.MISSING if d.default is MISSING else d.default,",
     "                        default=d.default,"),
    ("kvplan/model/frozen.py", "    types = {\"PositiveInt\": PI, \"NonNegativeInt\": NNI,", "    types = {\"PositiveInt\": NNI, \"NonNegativeInt\": NNI,"),
    ("kvplan/model/frozen.py", "        if len(members) > 1:\n            tagged", "        if len(members) > 99:\n            tagged"),
    ("kvplan/model/frozen.py", "        cls.__kvplan_checks__ = tuple(", "        cls.__kvplan_checks__ = () and tuple("),
    ("kvplan/model/frozen.py", "        return f.default\n    if f.default_factory", "        return None\n    if f.default_factory"),
    # the spec classes' generic __init__ and dump, tested here as well: before session 9's fix to
    # _as_dataclasses (it now keeps the inherited Frozen.__init__), validation in mutmut's parent
    # process replaced it with dataclasses' own, so mutmut's children never reached it
    ("kvplan/model/frozen.py", "        _fill(self, data, pop=True)", "        _fill(self, data, pop=False)"),
    ("kvplan/model/frozen.py", "            out[name] = _dump(x, exclude_none, exclude_defaults)",
     "            out[name] = _dump(x, exclude_none, False)"),
]
HAND_MUTANTS = {"kvplan/engines/": (ENGINE_MUTANTS, ENGINE_TESTS), "kvplan/model/frozen.py": (FROZEN_MUTANTS, FROZEN_TESTS)}
IMPORT_TIME = ("kvplan.model.frozen.x_record__", "kvplan.model.frozen.x__collect__", "kvplan.model.frozen.xǁFrozenǁ__init_subclass__",
               "kvplan.model.frozen.x__pydantic_types__", "kvplan.model.frozen.x__as_dataclasses__", "kvplan.model.frozen.x_field__",
               "kvplan.model.frozen.x_tagged_union__", "kvplan.model.frozen.x_model_validator__", "kvplan.model.frozen.x__default__")
LLAMACPP_TESTS = ["tests/engines/test_llamacpp_golden.py", "tests/observe/test_logs.py"]
LLAMACPP_MUTANTS = [  # the slots and streams of --parallel / --kv-unified (session 4)
    ("kvplan/engines/llamacpp.py", "    slots = cfg.parallel or batch\n", "    slots = cfg.parallel or 1\n"),
    ("kvplan/engines/llamacpp.py", "    n_ctx = pad(n_req)\n", "    n_ctx = n_req\n"),
    ("kvplan/engines/llamacpp.py", "    n_ubatch = min(n_req, N_BATCH, cfg.n_ubatch_req)", "    n_ubatch = min(ctx, N_BATCH, cfg.n_ubatch_req)"),
    ("kvplan/engines/llamacpp.py", "        return slots, 1, n_ctx, n_ubatch", "        return slots, slots, n_ctx, n_ubatch"),
    ("kvplan/engines/llamacpp.py", "    return slots, slots, pad(n_ctx // slots), n_ubatch", "    return slots, slots, n_ctx // slots, n_ubatch"),
    ("kvplan/engines/llamacpp.py", "cells = pad(min(n_ctx_seq, window * swa_slots + n_ubatch))",
     "cells = pad(min(n_ctx_seq, window + n_ubatch))"),
    ("kvplan/engines/llamacpp.py", "slots if cfg.kv_unified else 1)", "slots)"),
    ("kvplan/engines/llamacpp.py", "elements=st.elements * slots,", "elements=st.elements,"),
    ("kvplan/engines/llamacpp.py", "for w in workers) <= budget", "for w in workers) < budget"),
    ("kvplan/engines/llamacpp.py", "        return largest(ok, hi)", "        return largest(ok, hi) - 1"),
    ("kvplan/engines/llamacpp.py", "if (cfg is None or cfg.parallel is None and not cfg.kv_unified)",
     "if (cfg is None or not cfg.kv_unified)"),
]
HAND_MUTANTS["kvplan/engines/llamacpp.py"] = (LLAMACPP_MUTANTS, LLAMACPP_TESTS)
HAND_MUTANTS["kvplan/engines/ideal.py"] = ([("kvplan/engines/ideal.py", "sides=side_holdings(mixer, ctx))",
                                             "sides=side_holdings(mixer, ctx + 1))")], ENGINE_TESTS + ["tests/engines/test_frontier.py"])
# Issue 25: the kinds of one-line bug an independent check made and the suite missed, each
# guarded by tests/engines/test_rules_engines.py (numbers worked out by hand). Applied whenever their
# module is selected, beside mutmut's own mutants of it.
ISSUE25_TESTS = ["tests/engines/test_rules_engines.py", "tests/plan/test_fit.py", "tests/engines/test_trtllm.py",
                 "tests/engines/test_sglang_golden.py", "tests/observe/test_logs.py"]
ISSUE25_MUTANTS = {
    "kvplan/engines/vllm/__init__.py": [
        ("kvplan/engines/vllm/__init__.py", "            check = b - p.bytes_per_block\n", "            check = b\n"),
        ("kvplan/engines/vllm/__init__.py", "            if need > check:", "            if need >= check:"),
        ("kvplan/engines/vllm/__init__.py", "usable = w.kv_budget_bytes // p.bytes_per_block - 1",
         "usable = w.kv_budget_bytes // p.bytes_per_block"),
        ("kvplan/engines/vllm/__init__.py", "        in_flight = (pp + 1) * mnbt", "        in_flight = 2 * mnbt"),
    ],
    "kvplan/engines/vllm/settings.py": [
        ("kvplan/engines/vllm/settings.py", '"fp8_e5m2": "fp8_e5m2"', '"fp8_e5m2": "fp8_e4m3"'),
        ("kvplan/engines/vllm/settings.py", '"float16": "fp16"}', '"float16": "bf16"}'),
        ("kvplan/engines/vllm/settings.py", '"fp8": "fp8_e4m3", ', '"fp8": "fp8_e5m2", '),
    ],
    "kvplan/engines/sglang.py": [
        ("kvplan/engines/sglang.py", "tp * pp / 8 * 1024", "tp / 8 * 1024"),
        ("kvplan/engines/sglang.py", "default_mem_fraction_static(gpu, tp, pp, mla,", "default_mem_fraction_static(gpu, tp, 1, mla,"),
    ],
    "kvplan/engines/trtllm.py": [
        ("kvplan/engines/trtllm.py", "        free = total - sum(p.bytes for p in parts)\n",
         "        free = total - sum(p.bytes for p in parts[:1])\n"),
        ("kvplan/engines/trtllm.py", "        kv = int(free * fraction)\n", "        kv = int(total * fraction) - (total - free)\n"),
        ("kvplan/engines/trtllm.py", "(NON_TORCH_PER_TP if tp * pp > 1 else 0)", "(NON_TORCH_PER_TP if tp * pp > 2 else 0)"),
        ("kvplan/engines/trtllm.py", "        return blocks // cdiv(ctx, TOKENS_PER_BLOCK)", "        return blocks * TOKENS_PER_BLOCK // ctx"),
        ("kvplan/engines/trtllm.py", "cdiv(ctx, TOKENS_PER_BLOCK) * TOKENS_PER_BLOCK)", "ctx)"),
        ("kvplan/engines/trtllm.py", "MAX_NUM_TOKENS = 8192", "MAX_NUM_TOKENS = 2048"),
    ],
    "kvplan/observe/logs.py": [
        ("kvplan/observe/logs.py", '"k": 10**3,', '"k": 2**10,'),
        ("kvplan/observe/logs.py", '"K": 2**10,', '"K": 10**3,'),
        ("kvplan/observe/logs.py", "            k, tk = _gib(m.group(2))\n", "            k, tk = _num(m.group(2)) * 10**9, 0.005 * 10**9\n"),
        ("kvplan/observe/logs.py", "            b, tol = _gib(m.group(2))\n", "            b, tol = _num(m.group(2)) * 10**9, 0.005 * 10**9\n"),
    ],
    "kvplan/plan/whatif.py": [
        ("kvplan/plan/whatif.py", "v_head_dim=m.v_dim)", "v_head_dim=m.head_dim)"),
    ],
}
# Session 6: vLLM's page rules (singledispatch, out of mutmut's reach) and Page's properties
VLLM_PAGE_TESTS = ["tests/engines/test_vllm_golden.py", "tests/engines/test_frontier.py", "tests/engines/test_rules_engines.py",
                   "tests/engines/test_rules_misc.py", "tests/engines/test_rules.py", "tests/engines/test_rules_vllm_pages.py"]
_P = "kvplan/engines/vllm/pages.py"
VLLM_PAGE_MUTANTS = [
    (_P, "return self.padded if self.padded is not None else self.real_bytes", "return self.real_bytes"),
    (_P, "return self.state_bytes if self.kind == \"mamba\" else self.block_size * self.token_bytes",
     "return self.block_size * self.token_bytes"),
    (_P, "return Page(\"full\", cfg.block_size, _kv_token_bytes(mixer, fmt))\n", "return Page(\"full\", 16, _kv_token_bytes(mixer, fmt))\n"),
    (_P, "_kv_token_bytes(mixer, fmt), window=mixer.window)", "_kv_token_bytes(mixer, fmt), window=mixer.window - 1)"),
    (_P, "_kv_token_bytes(mixer, fmt), window=mixer.chunk)", "_kv_token_bytes(mixer, fmt), window=mixer.chunk - 1)"),
    (_P, "latent = dtypes.get(dsa_latent_format(fmt)) if cfg.sparse_mla else fmt", "latent = fmt"),
    (_P, "return Page(\"mla\", cfg.block_size, latent.row_bytes(mixer.kv_lora_rank + mixer.qk_rope_head_dim))",
     "return Page(\"mla\", cfg.block_size, latent.row_bytes(mixer.kv_lora_rank))"),
    (_P, "    latent = dtypes.get(dsa_latent_format(fmt)).row_bytes(", "    latent = fmt.row_bytes("),
    (_P, "Page(\"mla\", cfg.block_size, _indexer_bytes(mixer))", "Page(\"mla\", cfg.block_size, mixer.index_head_dim)"),
    (_P, "index = dtypes.get(mixer.index_format or \"bf16\")", "index = dtypes.get(mixer.index_format or fmt.name)"),
    (_P, "(mixer.num_heads * mixer.head_dim * mixer.state_size,\n                         mixer.ssm_state_dtype or cfg.ssm_default_dtype or model_dtype)],\n                       checkpoint_blocks=1)",
     "(mixer.num_heads * mixer.head_dim * mixer.state_size,\n                         mixer.ssm_state_dtype or cfg.ssm_default_dtype or model_dtype)],\n                       checkpoint_blocks=0)"),
    (_P, "mixer.ssm_state_dtype or cfg.ssm_default_dtype or model_dtype)", "mixer.ssm_state_dtype or model_dtype)"),
    (_P, "return _state_page([(mixer.conv_dim * (mixer.conv_kernel - 1), model_dtype),\n                        (mixer.num_heads",
     "return _state_page([(mixer.conv_dim * mixer.conv_kernel, model_dtype),\n                        (mixer.num_heads"),
    (_P, "[(mixer.inner * (mixer.conv_kernel - 1), model_dtype)", "[(mixer.inner * mixer.conv_kernel, model_dtype)"),
    (_P, "(mixer.inner * mixer.state_size, mixer.ssm_state_dtype or model_dtype)", "(mixer.inner * mixer.state_size, \"fp32\")"),
    (_P, "mixer.recurrent_state_dtype or model_dtype)])", "mixer.recurrent_state_dtype or \"fp32\")])"),
    (_P, "mixer.recurrent_state_dtype or \"fp32\")], checkpoint_blocks=1)", "mixer.recurrent_state_dtype or model_dtype)], checkpoint_blocks=1)"),
    (_P, "mixer.recurrent_state_dtype or \"fp32\")], checkpoint_blocks=1)", "mixer.recurrent_state_dtype or \"fp32\")])"),
    (_P, "window=mixer.window,\n                  padded=_aligned(DSV4_SWA_BLOCK * DSV4_ROW)", "window=mixer.window,\n                  padded=DSV4_SWA_BLOCK * DSV4_ROW"),
    (_P, "padded=_aligned(DSV4_BLOCK // r * DSV4_ROW), packed=True)", "padded=_aligned(DSV4_BLOCK * DSV4_ROW), packed=True)"),
    (_P, "row = mixer.index_head_dim + mixer.index_head_dim // 128 * 4", "row = mixer.index_head_dim"),
    (_P, "state_block = {4: 4, 128: 8}.get(r)", "state_block = {4: 8, 128: 8}.get(r)"),
    (_P, "dims = [mixer.head_dim] + ([mixer.index_head_dim] if mixer.indexed else [])", "dims = [mixer.head_dim]"),
    (_P, "row = 2 * coff * d * 4  # float32", "row = coff * d * 4  # float32"),
    (_P, "window=coff * r,", "window=r,"),
]
HAND_MUTANTS[_P] = (VLLM_PAGE_MUTANTS, VLLM_PAGE_TESTS)
# Session 12: PlanResult.rows, a @property mutmut skips (the survivors merged by max_num_seqs)
_D = "kvplan/plan/deploy.py"
DEPLOY_ROWS_MUTANTS = [
    (_D, "        for c in self.ranked:\n            key", "        for c in self.candidates:\n            key"),
    (_D, "c.usd_per_m_output, c.transfer_ms)", "c.usd_per_m_output, c.transfer_ms, c.max_num_seqs)"),
    (_D, "c.dp_attention, c.ttft_p90_ms, c.itl_p90_ms,", "c.dp_attention, c.itl_p90_ms,"),
    (_D, "c.usd_per_m_output, c.transfer_ms)", "c.usd_per_m_output)"),
    (_D, "out[key][1].append(c.max_num_seqs)", "out[key] = (c, out[key][1] + [out[key][0].max_num_seqs])"),
    (_D, "tuple((c, tuple(alike)) for", "tuple((c, alike) for"),
]
HAND_MUTANTS[_D] = (DEPLOY_ROWS_MUTANTS, ["tests/plan/test_deploy_parts.py"])
# Session 6: fit's smallest --tp search after its fix (a model without attention heads tries every
# power of two), by hand: mutmut's run of fit mutated the code before the fix
ISSUE25_MUTANTS["kvplan/plan/fit.py"] = [
    ("kvplan/plan/fit.py", "if not heads or min(heads) % t == 0]", "if heads and min(heads) % t == 0]"),
    ("kvplan/plan/fit.py", "if not heads or min(heads) % t == 0]", "if not heads and min(heads) % t == 0]"),
    ("kvplan/plan/fit.py", "return [t for t in (1, 2, 4, 8, 16, 32, 64) if not heads",
     "return [t for t in (1, 2, 4, 8, 16, 64) if not heads"),
]
ISSUE25_TESTS.append("tests/plan/test_fit_headless.py")
for _f, _ms in ISSUE25_MUTANTS.items():
    _old = HAND_MUTANTS.get(_f, ([], []))
    HAND_MUTANTS[_f] = (_old[0] + _ms, sorted(set(_old[1]) | set(ISSUE25_TESTS)))
KILLED = {1, 3, 36, 24, -24, 152, 255}  # mutmut's exit codes for a failing test run or a timeout
SURVIVED = {0: "survived", 5: "no tests", 33: "no tests"}


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


def copy_tree(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    for f in tracked_files():
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dest / f)


def write_config(dest: Path, files: list[str], tests: list[str] | None = None) -> None:
    """Replace (or add) the [tool.mutmut] section of the copy's pyproject.toml.

    ``tests`` (paths under tests/) narrows the suite mutmut runs, for its clean run and for
    every mutant: a lower bound on the score, for a run that must finish on a loaded machine."""
    py = dest / "pyproject.toml"
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", py.read_text()).rstrip() + "\n"
    top = sorted({p.split("/")[0] + "/" for p in tracked_files()
                  if "/" in p and not p.startswith(("kvplan/", "tests/"))} | {".ci/"})
    text += "\n[tool.mutmut]\n" + "\n".join([
        'source_paths = ["kvplan/"]',
        f"only_mutate = {json.dumps(files)}",
        f"also_copy = {json.dumps([t for t in top if (dest / t).exists()] + ['README.md'])}",
        f"pytest_add_cli_args = {json.dumps(['-p', 'no:cacheprovider', *EXCLUDED_TESTS])}",
        *([f"pytest_add_cli_args_test_selection = {json.dumps(tests)}"] if tests else []),
    ]) + "\n"
    py.write_text(text)


def results(dest: Path, files: list[str]) -> dict[str, dict[str, int]]:
    """exit code per mutant name, per mutated file."""
    out = {}
    for f in files:
        meta = dest / "mutants" / (f + ".meta")
        out[f] = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
    return out


def print_diffs(dest: Path, names: list[str], env: dict) -> None:
    """Each survivor's diff against its original function, read from mutmut's mutants/ copy in
    one pass per file (``mutmut show`` is a new process per mutant: minutes for a few hundred).
    Line numbers are the function's own; a name not found falls back to ``mutmut show``."""
    import ast
    import difflib
    by_module: dict[str, list[str]] = {}
    for name in names:
        module, _, func = name.rpartition(".")
        by_module.setdefault(module, []).append(func)
    for module, funcs in by_module.items():
        rel = Path(*module.split("."))
        path = dest / "mutants" / rel.with_suffix(".py")
        if not path.exists():
            path = dest / "mutants" / rel / "__init__.py"
        rel = path.relative_to(dest / "mutants")
        src = path.read_text() if path.exists() else ""
        lines = src.splitlines()
        defs = {n.name: "\n".join(lines[n.lineno - 1:n.end_lineno]) for n in ast.walk(ast.parse(src))
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))} if src else {}
        for func in funcs:
            base = func.rsplit("__mutmut_", 1)[0]
            orig, mutant = defs.get(base + "__mutmut_orig"), defs.get(func)
            if orig is None or mutant is None:
                subprocess.run([sys.executable, "-m", "mutmut", "show", f"{module}.{func}"], cwd=dest, env=env)
                continue
            mutant = mutant.replace(func, base + "__mutmut_orig", 1)
            print(f"# {module}.{func}: survived")
            print("\n".join(difflib.unified_diff(orig.splitlines(), mutant.splitlines(), str(rel), str(rel),
                                                 lineterm="", n=2)))


def equivalent_names() -> set[str]:
    md = ROOT / "MUTATION.md"
    return set(re.findall(r"`(kvplan\.[^`\s]+__mutmut_\d+)`", md.read_text())) if md.exists() else set()


def hand_pass(dest: Path, files: list[str], env: dict) -> tuple[int, int, list[str]]:
    """HAND_MUTANTS for the selected files: (mutants, killed, descriptions of survivors)."""
    todo = [(m, tests) for prefix, (mutants, tests) in HAND_MUTANTS.items() for m in mutants
            if m[0] in files and m[0].startswith(prefix)]
    killed, alive = 0, []
    for (f, old, new), tests in todo:
        p = dest / f
        text = p.read_text()
        if text.count(old) != 1:
            alive.append(f"{f}: source changed, mutant not applicable: {old!r}")
            continue
        p.write_text(text.replace(old, new))
        try:
            r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                               cwd=dest, env=env, capture_output=True, text=True)
        finally:
            p.write_text(text)
        if r.returncode == 1:
            killed += 1
        else:
            alive.append(f"{f}: {old!r} -> {new!r} (pytest exit {r.returncode})")
    return len(todo), killed, alive


def package_files(path: str) -> list[str]:
    """A module's file, or every module of a package folder (sorted)."""
    if not (ROOT / path).is_dir():
        return [path]
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / path).glob("*.py"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help=f"short names ({', '.join(MODULES)}) or paths; default all")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kvplan-mutate",
                    help="where the copy is made (replaced on each run)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    ap.add_argument("--survivors", action="store_true", help="print the diff of every unexplained survivor")
    ap.add_argument("--hand-only", action="store_true", help="only the hand-written mutants (no mutmut run)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the copy and mutmut's cache in --workdir (re-test only what changed)")
    ap.add_argument("--tests", nargs="+", metavar="PATH",
                    help="run only these test files or folders (a lower bound on the score, "
                         "faster on a loaded machine; say so beside the figure)")
    args = ap.parse_args()
    for t in args.tests or []:
        if not (ROOT / t).exists():
            ap.error(f"no such test path: {t}")

    files = [MODULES.get(m, m) for m in args.modules] or list(MODULES.values())
    for f in files:
        if not (ROOT / f).is_file() and not (ROOT / f).is_dir():
            ap.error(f"no such module: {f}")
    files = [g for f in files for g in package_files(f)]
    dest = args.workdir.resolve()
    if ROOT == dest or ROOT in dest.parents:
        ap.error("--workdir must be outside the checkout")
    if not args.reuse or not dest.exists():
        copy_tree(dest)
    else:  # refresh sources and tests, keep mutants/ (mutmut re-tests the functions that changed)
        for f in tracked_files():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
    hand_files = [f for f in files if any(f.startswith(p) for p in HAND_MUTANTS)]
    # engine modules go to both: mutmut mutates their plain functions and methods, and skips the
    # singledispatch rules, which the hand-written pass covers
    files = [] if args.hand_only else files
    write_config(dest, files, args.tests)
    from importlib.metadata import PackageNotFoundError, version
    try:
        print(f"mutmut {version('mutmut')}; copy in {dest}")
    except PackageNotFoundError:
        ap.error("mutmut is not installed: pip install -e '.[dev]'")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    rc = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs)],
                        cwd=dest, env=env).returncode if files else 0
    if rc not in (0, 1):
        print(f"mutmut run exited {rc}", file=sys.stderr)
        return rc
    hand = hand_pass(dest, hand_files, env) if hand_files else None

    equivalent = equivalent_names()
    unexplained = []
    print(f"\n{'module':28} {'mutants':>8} {'killed':>8} {'survived':>9} {'no tests':>9} {'score':>7}  unexplained")
    for f, codes in results(dest, files).items():
        c = Counter("killed" if v in KILLED else SURVIVED.get(v, f"other({v})") for v in codes.values())
        alive = [k for k, v in codes.items() if v not in KILLED]
        late = [k for k in alive if k.startswith(IMPORT_TIME)]
        todo = sorted(k for k in alive if k not in equivalent and k not in late)
        unexplained += todo
        total = len(codes) - len(late)
        c["survived"] -= sum(1 for k in late if codes[k] == 0)
        c["no tests"] -= sum(1 for k in late if codes[k] != 0)
        score = f"{100 * c['killed'] / total:.1f}%" if total else "-"
        print(f"{f:28} {total:8} {c['killed']:8} {c['survived']:9} {c['no tests']:9} {score:>7}  {len(todo)}")
        if late:
            print(f"    (+ {len(late)} mutants in code run at import, out of mutmut's reach: see the hand-written pass)")
        others = {k: v for k, v in c.items() if k.startswith("other")}
        if others:
            print(f"    {others}")
    if hand:
        n, k, alive = hand
        print(f"{'hand-written mutants':28} {n:8} {k:8} {len(alive):9} {0:9} "
              f"{f'{100 * k / n:.1f}%' if n else '-':>7}  {len(alive)}")
        for a in alive:
            print(f"    survived: {a}")
    if unexplained:
        print(f"\n{len(unexplained)} survivors not listed in MUTATION.md:")
        if args.survivors:
            print_diffs(dest, unexplained, env)
        else:
            for name in unexplained:
                print(f"  {name}")
        if not args.survivors:
            print(f"(see one: cd {dest} && mutmut show NAME; or rerun with --survivors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
