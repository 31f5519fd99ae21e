"""transformers StaticCache bytes on the meta device (scratch oracle for kvplan's hf-static layout).

    /work/scratch/vllm_oracle/venv/bin/python measure_static.py OUT.json
Builds each model from its config.json on the meta device, passes StaticCache(config,
max_cache_len=L) into one forward over 8 tokens, sums numel*element_size of every tensor the
cache holds (K/V separately from other state). Based on shared/recipes/measure_hf_cache.py.
"""
import json, pathlib, sys, tempfile, traceback
import torch, transformers
import transformers.masking_utils as masking
from transformers import AutoConfig, AutoModelForCausalLM, StaticCache

_find = masking.find_packed_sequence_indices
masking.find_packed_sequence_indices = lambda p: None if getattr(p, "is_meta", False) else _find(p)


def tensors(obj, seen, path="cache", depth=0):
    if isinstance(obj, torch.Tensor):
        if id(obj) not in seen:
            seen.add(id(obj)); yield path, obj
        return
    if depth > 8 or obj is None or isinstance(obj, (int, float, str, bool, type, torch.nn.Module, torch.dtype,
                                                      torch.device, transformers.PretrainedConfig)):
        return
    items = (enumerate(obj) if isinstance(obj, (list, tuple)) else obj.items() if isinstance(obj, dict)
             else vars(obj).items() if hasattr(obj, "__dict__") else ())
    for k, v in items:
        yield from tensors(v, seen, f"{path}.{k}", depth + 1)


out = []
for f in sorted(pathlib.Path("/work/shared/hf_configs").glob("*.json")):
    raw = json.loads(f.read_text())
    for h in (raw, raw.get("text_config") if isinstance(raw.get("text_config"), dict) else None):
        if h: h.pop("quantization_config", None)
    try:
        with tempfile.TemporaryDirectory() as d:
            (pathlib.Path(d) / "config.json").write_text(json.dumps(raw))
            cfg = AutoConfig.from_pretrained(d)
        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16).eval()
    except Exception as e:
        out.append({"config": f.name, "status": "build_error", "error": repr(e)[:300]}); continue
    for L in (100, 5000, 9000):
        for batch in (1, 2):
            rec = {"config": f.name, "max_cache_len": L, "batch": batch, "dtype": "bfloat16",
                   "transformers": transformers.__version__}
            try:
                cache = StaticCache(config=model.config, max_cache_len=L)
                ids = torch.zeros((batch, 8), dtype=torch.long)
                with torch.no_grad():
                    model(input_ids=ids, past_key_values=cache, use_cache=True,
                          cache_position=torch.arange(8))
                kv = other = 0
                for path, t in tensors(cache, set()):
                    n = t.numel() * t.element_size()
                    if path.endswith(".keys") or path.endswith(".values"):
                        kv += n
                    else:
                        other += n
                rec.update(status="ok", kv_bytes=kv, other_bytes=other)
            except Exception as e:
                rec.update(status="error", error=repr(e)[:300], tb=traceback.format_exc()[-600:])
            out.append(rec)
            print(rec.get("config"), L, batch, rec.get("status"), rec.get("kv_bytes"), rec.get("error", "")[:100], flush=True)
pathlib.Path(sys.argv[1]).write_text(json.dumps(out, indent=1))
