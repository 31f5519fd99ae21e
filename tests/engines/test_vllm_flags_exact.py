"""Issue 25: the parsing of issue 23's vLLM flags (engines/vllm/flags.py) into ServeOptions,
field by field, and each refusal to its last word. The GiB conversion is vLLM 0.33's
(config/cache.py: ``kv_offloading_size`` in GiB; CPUOffloadingSpec takes int(size * 2**30));
the other numbers are the inputs themselves."""
import pytest

from kvplan.engines.base import ServeOptions
from kvplan.engines.vllm import flags, lmcache, speculative
from kvplan.errors import KvplanError
from kvplan.units import parse_size

GIB = 1 << 30


def _size(name, text):  # the CLI's size parser (cli/common.py _size): the flag's name first
    return parse_size(text, name)


NONE6 = dict(size=None, backend=None, transfer=None, spec_cfg=None, enable_lora=False)


def _x(**kw):
    """flags.extras on default options, engine vllm, LoRA 4 slots of rank 16."""
    a = {**NONE6, "engine": "vllm", **kw}
    return flags.extras(ServeOptions(), a.pop("engine"), a.pop("size"), a.pop("backend"), a.pop("transfer"),
                        a.pop("spec_cfg"), a.pop("enable_lora"), 4, 16, None, _size, **a)


def _raises(msg, **kw):
    with pytest.raises(KvplanError) as e:
        _x(**kw)
    assert str(e.value) == msg


def test_offloading_size_in_gib_or_with_a_unit():
    assert flags.offloading_bytes("64", _size) == 64 * GIB == 68_719_476_736
    assert flags.offloading_bytes(" 1.5 ", _size) == 1_610_612_736  # 1.5 x 2^30
    assert flags.offloading_bytes("60GB", _size) == 60_000_000_000
    with pytest.raises(KvplanError) as e:
        flags.offloading_bytes("lots", _size)
    assert str(e.value) == "--kv-offloading-size must be a size like 60GiB, 8GB or a byte count, got 'lots'"


def test_no_flag_keeps_the_options_and_other_engines_are_refused():
    o = ServeOptions()
    assert flags.extras(o, "sglang", None, None, None, None, False, 1, 8, None, _size) is o
    _raises("--kv-offloading-size, --kv-offloading-backend, --kv-transfer-config, --speculative-config, "
            "--enable-lora, --lmcache-config: vLLM flags; kvplan models them for --engine vllm only",
            engine="sglang", size="8", backend="native", transfer="{}", spec_cfg="{}", enable_lora=True,
            lmcache_config="{}")


def test_size_alone_sets_bytes_and_native_backend_only():
    out = _x(size="8")
    assert out.kv_offloading_size == 8 * GIB == 8_589_934_592
    assert out.kv_offloading_backend == "native"
    assert out.kv_connector_extra_config is None  # no --kv-transfer-config: nothing set
    assert out.kv_connector is None and out.lmcache is None
    assert out.speculative_config is None and out.lora is None


def test_transfer_config_keys_and_connectors():
    ok = '{"kv_connector":"OffloadingConnector","kv_role":"kv_both","kv_connector_extra_config":%s}'
    out = _x(size="8", transfer=ok % '{"block_size":64}')
    assert out.kv_connector_extra_config == {"block_size": 64}
    assert _x(size="8", transfer=ok % '{"blocks_per_chunk":4}').kv_connector_extra_config == {"blocks_per_chunk": 4}
    assert _x(size="8", transfer='{"kv_role":"kv_both"}').kv_connector_extra_config == {}
    _raises("--kv-transfer-config must be JSON: Expecting value", size="8", transfer="nope")
    keys = "--kv-transfer-config: kvplan reads kv_connector, kv_role and kv_connector_extra_config only"
    _raises(keys, size="8", transfer="[]")
    _raises(keys, size="8", transfer='{"kv_connector":"OffloadingConnector","kv_buffer_size":1}')
    _raises("--kv-transfer-config: kvplan models the connectors OffloadingConnector and LMCacheConnectorV1, "
            "not 'NixlConnector'", size="8", transfer='{"kv_connector":"NixlConnector"}')
    extra = "--kv-transfer-config: kvplan reads kv_connector_extra_config's block_size or blocks_per_chunk only"
    _raises(extra, size="8", transfer='{"kv_connector_extra_config":{"spill":1}}')
    _raises(extra, size="8", transfer='{"kv_connector_extra_config":5}')


def test_backend_or_transfer_need_a_size():
    # each names the flags given (session 19: --kv-transfer-config alone named --kv-offloading-backend too)
    tail = " --kv-offloading-size (or kv_connector LMCacheConnectorV1)"
    _raises("--kv-offloading-backend needs" + tail, backend="native")
    _raises("--kv-transfer-config needs" + tail, transfer='{"kv_connector":"OffloadingConnector"}')
    _raises("--kv-offloading-backend and --kv-transfer-config need" + tail, backend="native",
            transfer='{"kv_connector":"OffloadingConnector"}')
    sc = _x(spec_cfg='{"method":"ngram","num_speculative_tokens":3}')  # neither: no refusal
    assert sc.speculative_config == speculative.SpecConfig("ngram", 3, None)
    assert sc.kv_offloading_size is None and sc.lmcache is None


def test_lmcache_connector_and_backend():
    conn = '{"kv_connector":"LMCacheConnectorV1"}'
    out = _x(transfer=conn)
    assert out.kv_connector == "LMCacheConnectorV1" and out.kv_offloading_size is None
    assert out.lmcache == lmcache.LMCacheConfig()  # LMCache's defaults (5 GiB a rank)
    _raises("LMCacheConnectorV1 is sized by --lmcache-config (max_local_cpu_size per rank), not "
            "--kv-offloading-size", size="8", transfer=conn)
    _raises("LMCacheConnectorV1 is sized by --lmcache-config (max_local_cpu_size per rank), not "
            "--kv-offloading-size", backend="lmcache", transfer=conn)
    lb = _x(size="8", backend="LMCache")
    assert lb.kv_offloading_backend == "lmcache" and lb.lmcache == lmcache.LMCacheConfig()
    assert lb.kv_connector is None
    given = _x(size="8", backend="lmcache", lmcache_config='{"max_local_cpu_size": 10}')
    assert given.lmcache == lmcache.parse('{"max_local_cpu_size": 10}') != lmcache.LMCacheConfig()
    given = _x(transfer=conn, lmcache_config='{"max_local_cpu_size": 10}')
    assert given.lmcache.max_local_cpu_size == 10
    _raises("--lmcache-config needs --kv-offloading-backend lmcache or "
            "--kv-transfer-config '{\"kv_connector\":\"LMCacheConnectorV1\"}'",
            size="8", lmcache_config='{"max_local_cpu_size": 10}')


def test_lora_tuple():
    assert _x(enable_lora=True).lora == (4, 16, None)
    assert _x(enable_lora=False, size="1").lora is None
