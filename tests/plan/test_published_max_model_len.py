"""measurements.yaml's optional max_model_len (issue 21, session 16): a row whose source states the engine's context
limit is planned at it. Qwen's Qwen2.5 speed benchmark ran Qwen2.5-32B-Instruct in bfloat16 on one A100 80 GB with [Setting 1]
(max_model_len 32768): at the model's own 131,072 tokens vLLM's memory plan refuses to start, at 32,768 it fits."""
import importlib.util
from pathlib import Path

import pytest
import yaml

from kvplan.errors import KvplanError

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("perf_accuracy", ROOT / "scripts" / "perf_accuracy.py")
pa = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pa)
ROWS = {e["id"]: e for e in yaml.safe_load((pa.PUB / "measurements.yaml").read_text())}
SETTING1 = [f"qwen25-vllm-a100-qwen2.5-32b-bf16-tp1-bs1-{i}-2048" for i in (1, 6144, 14336)]


def test_stated_rows_carry_it():
    assert [ROWS[i]["max_model_len"] for i in SETTING1] == [32768] * 3
    assert all("[Setting 1]" in ROWS[i]["notes"] for i in SETTING1)


@pytest.mark.parametrize("rid", SETTING1[:1])
def test_planned_at_the_stated_length(rid):
    e = ROWS[rid]
    r = pa.model_for(e)
    assert pa.closed_batch_seconds(e, r) is None  # one 2,049-token request fits the plan at 32,768: it runs as a batch
    p = pa.predict(e, r)
    assert 0 < p < 1e3
    without = {k: v for k, v in e.items() if k != "max_model_len"}
    with pytest.raises(KvplanError, match="131072"):  # at the model's own length the engine does not start
        pa.closed_batch_seconds(without, r)
