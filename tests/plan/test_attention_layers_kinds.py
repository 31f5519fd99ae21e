"""Which mixer kinds run an attention kernel (latency/attention.py NO_KV_KERNEL, step.attention_layers), one model
per kind, counted by hand from its config (session 15's mutation run)."""
import pytest

from kvplan.plan.latency.step import attention_layers
from kvplan.sources import catalog


@pytest.mark.parametrize("model, layers, attention", [
    ("jamba-v0.1", 32, 4),  # Mamba (v1) mixers; attention every 8th layer (attn_layer_period 8, offset 4): 32 / 8
    ("qwen3-next-80b-a3b", 48, 12),  # gated delta net, full attention every 4th layer (full_attention_interval 4)
    ("kimi-k3", 93, 24),  # KDA mixers; linear_attn_config.full_attn_layers: 4, 8, ..., 92 and 93, 24 gated-MLA layers
    ("mistral-7b", 32, 32),  # sliding window: an attention kernel on every layer
    ("gemma-2-9b", 42, 42),  # sliding and full alternating: all 42
])
def test_attention_kernels_by_mixer_kind(model, layers, attention):
    s = catalog.load_model(model)
    assert (s.num_layers, attention_layers(s)) == (layers, attention)
