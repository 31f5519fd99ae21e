"""Parsing of issue 23's vLLM flags (--kv-offloading-size, --kv-offloading-backend,
--kv-transfer-config, --speculative-config, --enable-lora, --max-loras, --max-lora-rank,
--max-cpu-loras) into ServeOptions; one clear KvplanError for bad input."""
from __future__ import annotations

import json
import re

from ...errors import KvplanError
from ...model.frozen import replace
from . import lmcache, offload, speculative


def offloading_bytes(text: str, size_parser) -> int:
    """vLLM's --kv-offloading-size is a number of GiB (config/cache.py); kvplan also takes a
    size with its unit (64GiB, 60GB). GiB numbers convert as vLLM does: int(x * 2**30)."""
    t = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        from ...units import MAX_SIZE, check_size

        gib = float(t)
        return check_size(offload.flag_bytes(gib) if gib <= MAX_SIZE else MAX_SIZE + 1, "--kv-offloading-size", t)
    return size_parser("--kv-offloading-size", t)


def extras(opts, engine: str, size, backend, transfer, spec_cfg, enable_lora: bool, max_loras: int,
           rank: int, max_cpu_loras, size_parser, lmcache_config: str | None = None):
    given = [n for n, v in (("--kv-offloading-size", size), ("--kv-offloading-backend", backend),
                            ("--kv-transfer-config", transfer), ("--speculative-config", spec_cfg),
                            ("--enable-lora", enable_lora or None), ("--lmcache-config", lmcache_config))
             if v is not None]
    if not given:
        return opts
    if engine != "vllm":
        raise KvplanError(f"{', '.join(given)}: vLLM flags; kvplan models them for --engine vllm only")
    up = {}
    d = None
    if transfer is not None:
        try:
            d = json.loads(transfer)
        except json.JSONDecodeError as e:
            raise KvplanError(f"--kv-transfer-config must be JSON: {e.msg}") from None
        if not isinstance(d, dict) or set(d) - {"kv_connector", "kv_role", "kv_connector_extra_config"}:
            raise KvplanError("--kv-transfer-config: kvplan reads kv_connector, kv_role and "
                              "kv_connector_extra_config only")
    connector = (d or {}).get("kv_connector")
    if connector not in (None, "OffloadingConnector", "LMCacheConnectorV1"):
        raise KvplanError(f"--kv-transfer-config: kvplan models the connectors OffloadingConnector and "
                          f"LMCacheConnectorV1, not {connector!r}")
    if connector == "LMCacheConnectorV1":  # LMCache in each worker, sized by LMCache's own settings
        if size is not None or backend is not None:
            raise KvplanError("LMCacheConnectorV1 is sized by --lmcache-config (max_local_cpu_size per rank), "
                              "not --kv-offloading-size")
        up["kv_connector"] = connector
    elif size is not None:
        up["kv_offloading_size"] = offloading_bytes(size, size_parser)
        up["kv_offloading_backend"] = offload.parse_backend(backend)
        extra = (d or {}).get("kv_connector_extra_config", {})
        if not isinstance(extra, dict) or set(extra) - {"block_size", "blocks_per_chunk"}:
            raise KvplanError("--kv-transfer-config: kvplan reads kv_connector_extra_config's block_size or "
                              "blocks_per_chunk only")
        if d is not None:
            up["kv_connector_extra_config"] = extra
    elif backend is not None or transfer is not None:  # name the flags given, not both
        given = [f for f, v in (("--kv-offloading-backend", backend), ("--kv-transfer-config", transfer)) if v is not None]
        raise KvplanError(f"{' and '.join(given)} need{'s' if len(given) == 1 else ''} --kv-offloading-size "
                          "(or kv_connector LMCacheConnectorV1)")
    if lmcache_config is not None:
        if up.get("kv_connector") != "LMCacheConnectorV1" and up.get("kv_offloading_backend") != "lmcache":
            raise KvplanError("--lmcache-config needs --kv-offloading-backend lmcache or "
                              "--kv-transfer-config '{\"kv_connector\":\"LMCacheConnectorV1\"}'")
        up["lmcache"] = lmcache.parse(lmcache_config)
    elif up.get("kv_connector") == "LMCacheConnectorV1" or up.get("kv_offloading_backend") == "lmcache":
        up["lmcache"] = lmcache.LMCacheConfig()
    if spec_cfg is not None:
        up["speculative_config"] = speculative.parse(spec_cfg)
    if enable_lora:
        up["lora"] = (max_loras, rank, max_cpu_loras)
    return replace(opts, **up)
