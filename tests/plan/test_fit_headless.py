"""The smallest --tp that fits, for a model without attention heads (a bug found by mutation
testing, issue 25 session 6: the search tried only tp 1 and said no --tp up to 64 fits)."""
from kvplan.plan import fit
from kvplan.sources import catalog


PURE_MAMBA = """name: m1
display_name: m1
source: hand-made for a test
dtype: bf16
hidden_size: 1024
vocab_size: 1024
max_context: 4096
layer_types:
  ssm:
    mixer: {kind: mamba, inner: 2048, state_size: 16, conv_kernel: 4, dt_rank: 64}
pattern: "ssm*4"
"""


def test_smallest_tp_of_a_model_without_attention_heads(tmp_path):
    h100 = catalog.load_gpu("h100")
    # a pure Mamba-1 model has no attention heads to divide: the search tries every power of two
    # (the inner channels, 2,048, split evenly over tp 2). Ideal layout, so the KV budget is the
    # card less the weights: a card one byte larger than tp 2's weights per GPU leaves 1 byte at
    # tp 2, and tp 1 (twice the weights, as the message says) does not fit
    f = tmp_path / "m1.yaml"
    f.write_text(PURE_MAMBA)
    spec = catalog.load_model(str(f))
    w2 = fit.fit(spec, h100, engine="ideal", tp=2).stages[0].weights_bytes
    r = fit.fit(spec, h100.model_copy(update={"cuda_memory_bytes": w2 + 1}), engine="ideal")
    assert not r.fits and r.min_tp == 2
    assert r.message.endswith("the smallest --tp that fits is 2")



def test_smallest_tp_can_be_32():
    # Llama 3.1 405B (128 query heads, so every power of two up to 64 divides them) in the ideal
    # layout, on a card one byte larger than its tp-32 share of the weights: tp 16 holds about
    # twice that share and does not fit, tp 32 leaves 1 byte, so the hint is 32, not 64
    h100 = catalog.load_gpu("h100")
    spec = catalog.load_model("llama-3.1-405b")
    w32 = fit.fit(spec, h100, engine="ideal", tp=32).stages[0].weights_bytes
    r = fit.fit(spec, h100.model_copy(update={"cuda_memory_bytes": w32 + 1}), engine="ideal")
    assert r.min_tp == 32 and r.message.endswith("the smallest --tp that fits is 32")
