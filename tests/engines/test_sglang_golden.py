"""`--engine sglang` against SGLang 0.5.23's own pool configuration (tests/golden/sglang_0.5.23.json).

Measured by running SGLang's ModelConfig, server-argument defaults and pool configurators on the
CPU with the CUDA probes stubbed as an H100 (scripts/oracles/sglang/measure_sglang_kv.py); the
KV budget per GPU is given (8 GiB and 40 GiB), as `fit --kv-cache-memory` gives it. Compared:
max_total_num_tokens, the SWA pool of hybrid models, the Mamba slots of Mamba hybrids, and the
default mem_fraction_static for an H100, A100-40GB and L4 (the measured GPU memory in MiB).
falcon-7b.json as vendored names no architecture and SGLang fails on it (recorded as an
error); the same file with FalconForCausalLM added is measured and compared.
"""
import json
from types import SimpleNamespace

import pytest

from conftest import FIXTURES, GOLDEN
from kvplan.sources import catalog, hfconfig as hf
from kvplan.plan import fit
from kvplan.engines import ServeOptions
from kvplan.engines.sglang import default_mem_fraction_static

DATA = json.loads((GOLDEN / "sglang_0.5.23.json").read_text())
H100 = catalog.load_gpu("h100")
KV = {"auto": None, "fp8_e4m3": "fp8_e4m3"}
OK = [r for r in DATA["records"] if r["status"] == "ok" and r.get("variant") is None]


def spec_of(config):
    # falcon-7b.json names no architecture, which SGLang needs: the oracle added
    # FalconForCausalLM (the "__VARIANT_arch_" records); the shapes are the file's
    return hf.load(FIXTURES / (config.split("__VARIANT")[0] + ".json"))


def test_coverage():
    assert len({r["config"] for r in OK}) >= 23 and {r["tp"] for r in OK} == {1, 2, 8}


@pytest.mark.parametrize("config", sorted({r["config"] for r in OK}))
def test_pool_matches_sglang(config):
    spec = spec_of(config)
    for r in [r for r in OK if r["config"] == config]:
        got = fit.fit(spec, H100, tp=r["tp"], engine="sglang", kv_dtype=KV[r["kv_dtype"]],
                      opts=ServeOptions(kv_cache_memory=r["pool_memory_bytes"], block_size=r["page_size"]),
                      check_memory=False)
        where = f"{config} tp{r['tp']} {r['kv_dtype']} {r['pool_memory_bytes'] >> 30} GiB"
        d = got.capacity.detail
        assert got.capacity.kv_cache_tokens == r["max_total_num_tokens"], where
        assert d["cell_size_bytes"] == pytest.approx(r["cell_size_bytes"], abs=1e-6), where
        assert d.get("swa_tokens") == r["swa_tokens"], where
        assert d.get("max_mamba_cache_size") == r["max_mamba_cache_size"], where


@pytest.mark.parametrize("m", [m for m in DATA["mem_fraction_static_records"] if m["status"] == "ok"],
                         ids=lambda m: f"{m['config']}-{m['gpu']}-tp{m['tp']}")
def test_default_mem_fraction_static(m):
    spec = spec_of(m["config"])
    gpu = SimpleNamespace(smi_bytes=m["gpu_mem_mib"] * 2**20)  # SGLang reads nvidia-smi's total
    got = default_mem_fraction_static(gpu, m["tp"], 1, bool(m["use_mla_backend"]),
                                      spec.family.startswith("gemma4"), spec)
    assert got == pytest.approx(m["mem_fraction_static"], abs=1e-12)


def test_page_size_rounding():
    variants = [r for r in DATA["records"] if r.get("variant") == "page_size" and r["status"] == "ok"]
    assert len(variants) >= 32 and {r["page_size"] for r in variants} == {16, 64}
    for r in variants:
        got = fit.fit(spec_of(r["config"]), H100, tp=r["tp"], engine="sglang", kv_dtype=KV[r["kv_dtype"]],
                      opts=ServeOptions(kv_cache_memory=r["pool_memory_bytes"], block_size=r["page_size"]),
                      check_memory=False)
        assert got.capacity.kv_cache_tokens == r["max_total_num_tokens"], r
        assert got.capacity.detail.get("swa_tokens") == r["swa_tokens"], r
