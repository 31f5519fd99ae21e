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
    # card less the weights: a card of tp 2's weights per GPU plus one request's state leaves tp 2
    # just the room to start (session 21: the hint is a --tp that fit then says fits), and tp 1
    # (twice the weights, as the message says) does not fit
    f = tmp_path / "m1.yaml"
    f.write_text(PURE_MAMBA)
    spec = catalog.load_model(str(f))
    r2 = fit.fit(spec, h100, engine="ideal", tp=2)
    card = r2.stages[0].weights_bytes + r2.capacity.kv_bytes_per_request
    r = fit.fit(spec, h100.model_copy(update={"cuda_memory_bytes": card}), engine="ideal")
    assert not r.fits and r.min_tp == 2
    assert r.message.endswith("the smallest --tp that fits is 2")



def test_smallest_tp_can_be_32():
    # Llama 3.1 405B (128 query heads, so every power of two up to 64 divides them) in the ideal
    # layout, on a card of its tp-32 share of the weights (about 25 GB) plus one 131,072-token
    # request's cache at tp 32 (about 8.5 GB: 126 layers × 1 KV head × 128 × 2 × 2 bytes a token):
    # tp 16 holds about twice that share of weights and does not fit, tp 32 just starts, so the
    # hint is 32, not 64
    h100 = catalog.load_gpu("h100")
    spec = catalog.load_model("llama-3.1-405b")
    r32 = fit.fit(spec, h100, engine="ideal", tp=32)
    card = r32.stages[0].weights_bytes + r32.capacity.kv_bytes_per_request
    r = fit.fit(spec, h100.model_copy(update={"cuda_memory_bytes": card}), engine="ideal")
    assert r.min_tp == 32 and r.message.endswith("the smallest --tp that fits is 32")
