"""Write a vLLM 0.33.0 /metrics page for kvplan's check-server tests, with vLLM's own code.

    /path/to/venv-with-vllm-0.33.0/bin/python scripts/oracles/vllm/metrics_page.py tests/data
    # writes vllm_0.33.0_metrics.txt (GET /metrics) and vllm_0.33.0_models.json (GET /v1/models)

vLLM's CacheConfig (vllm/config/cache.py, metrics_info at line 440: every field as a string)
gives the labels of ``vllm:cache_config_info``, registered as PrometheusStatLogger.log_metrics_info
does (vllm/v1/metrics/loggers.py:1114-1135: a gauge set to 1, multiprocess_mode "mostrecent",
label engine="0"); ``vllm:kv_cache_usage_perc`` as loggers.py:620 declares it (labels model_name,
engine). prometheus_client's generate_latest renders the page as the server's /metrics does.
/v1/models: vLLM's own ModelList / ModelCard / ModelPermission (entrypoints/serve/engine/protocol.py:90-118),
filled as OpenAIServingModels.show_available_models does (entrypoints/openai/models/serving.py:69-74).

The figures are those of a real start-up log (tests/data/logs/vllm_0.15.1_a100-40gb_llama-3.1-8b.log,
https://github.com/ilseokoh/vllm-gce/blob/HEAD/README.md): GPU KV cache size 157,936 tokens at the
default block size 16 = 9,871 blocks, max_model_len 131,072 (concurrency 157,936 / 131,072),
gpu_memory_utilization 0.9. vLLM 0.33 did not produce them; the page's format is 0.33's.
"""
import sys
from pathlib import Path

import prometheus_client
from vllm.config.cache import CacheConfig
from vllm.entrypoints.serve.engine.protocol import ModelCard, ModelList, ModelPermission

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
registry = prometheus_client.CollectorRegistry()
cache = CacheConfig(gpu_memory_utilization=0.9)
cache.num_gpu_blocks = 157_936 // 16
cache.kv_cache_size_tokens = 157_936
cache.kv_cache_max_concurrency = 157_936 / 131_072
info = {**cache.metrics_info(), "engine": "0"}
gauge = prometheus_client.Gauge("vllm:cache_config_info", "Information of the LLMEngine CacheConfig",
                                labelnames=list(info), registry=registry)
gauge.labels(**info).set(1)
usage = prometheus_client.Gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
                                labelnames=["model_name", "engine"], registry=registry)
usage.labels(model_name=MODEL, engine="0").set(0.0)
out = Path(sys.argv[1])
(out / "vllm_0.33.0_metrics.txt").write_bytes(prometheus_client.generate_latest(registry))
models = ModelList(data=[ModelCard(id=MODEL, max_model_len=131_072, root=MODEL, permission=[ModelPermission()])])
(out / "vllm_0.33.0_models.json").write_text(models.model_dump_json() + "\n")
