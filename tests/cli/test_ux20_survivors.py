"""Survivors of session 20's mutation run mut20d on ux20's library lines (MUTATION.md, session 20): what no test
gave them, each answer word for word."""
import json
import shlex

import pytest
from typer.testing import CliRunner

from kvplan import api
from kvplan.cli import app
from kvplan.engines.base import ServeOptions
from kvplan.errors import KvplanError
from kvplan.plan import simulate as sim
from kvplan.sources import catalog


# api.serve_options builds the options no plan has checked yet (fit's own check, engines/base.py, catches 1.5
# again, serve_options' does not): its range is (0, 1], both ends said by the numbers just outside them.
@pytest.mark.parametrize("g, shown", [(0, "0"), (0.0, "0.0"), (1.5, "1.5"), (1.0000001, "1.0000001"), (2, "2")])
def test_serve_options_refuses_a_utilization_outside_zero_to_one(g, shown):
    with pytest.raises(KvplanError) as e:
        api.serve_options(gpu_memory_utilization=g)
    assert str(e.value) == f"gpu_memory_utilization must be in (0, 1], got {shown}"


def test_serve_options_keeps_a_utilization_inside_zero_to_one():
    got = [api.serve_options(gpu_memory_utilization=g).gpu_memory_utilization for g in (1, 0.5, 1e-9)]
    assert got == [1, 0.5, 1e-9]


# A release as vLLM prints it ("v0.15.1", vllm --version's and the logs' form) names a patch release: kept as given.
def test_an_engine_version_with_its_v_is_a_release():
    assert api.engine_version("vllm", "v0.15.1") == "v0.15.1"
    assert api.engine_version("vllm", "0.15.1") == "0.15.1"
    with pytest.raises(KvplanError) as e:
        api.engine_version("vllm", "v0.15")
    assert str(e.value) == "--engine-version v0.15 names no release; give its patch too, such as 0.15.0"


# --compile-cache on ServeOptions is vLLM's (its start-up's torch.compile band): the fit command simulate names for
# SGLang leaves it out, as it leaves out a vLLM release (fit's SGLang plan does not read either), and that command,
# run, plans the pool simulate took.
def test_the_named_fit_command_leaves_vllms_compile_cache_out_for_sglang():
    spec, gpu = catalog.load_model("llama-3.1-8b"), catalog.load_gpu("h100")
    lim = sim.engine_limits(spec, gpu, 1, "sglang", ServeOptions(compile_cache="warm"))
    command = lim.sources["num_blocks"].split(": ")[0]
    assert command == "kvplan fit llama-3.1-8b --gpu h100-sxm-80gb --tp 1 --engine sglang"
    r = CliRunner().invoke(app, [*shlex.split(command)[1:], "--json"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["kv_cache_tokens"] == lim.fit_tokens
