"""Weights as stored under vLLM's --data-parallel-size: a dense model's DP ranks are whole replicas,
each loading the whole checkpoint, so `fit` uses the stored bytes on every rank; a mixture of experts'
DP ranks split the experts (over tp × DP, with or without --enable-expert-parallel), so each rank's
share is computed, and the note says which was used."""
from kvplan.engines.base import ServeOptions
from kvplan.model.weights import StoredWeights
from kvplan.plan.fit import fit
from kvplan.sources import catalog

H100 = catalog.load_gpu("h100")


def test_a_dense_dp_rank_loads_the_whole_checkpoint():
    """llama-3.1-8b computes to 8,030,261,248 parameters × 2 B = 16,060,522,496 B; a checkpoint that
    stores 1,000,000,000 B more (extra tensors) is 17,060,522,496 B on each DP rank, as on one GPU."""
    spec = catalog.load_model("llama-3.1-8b")
    stored = spec.model_copy(update={"stored_weights": StoredWeights(bytes=17_060_522_496, source="a test")})
    one = fit(stored, H100, ctx=8192)
    dp2 = fit(stored, H100, ctx=8192, opts=ServeOptions(data_parallel_size=2))
    assert one.weights_bytes == dp2.weights_bytes == 17_060_522_496
    assert dp2.max_batch == one.max_batch
    assert "weights: 17,060,522,496 bytes as stored, read from a test" in dp2.notes
    assert fit(spec, H100, ctx=8192).weights_bytes == 16_060_522_496


def test_a_moe_dp_rank_holds_its_share_and_says_so():
    """mixtral-8x7b at tp 1 × DP 2 holds half of each expert (no EP) or 4 of its 8 experts (EP): not
    the checkpoint's bytes, which the note must not claim."""
    spec = catalog.load_model("mixtral-8x7b")
    st = StoredWeights(bytes=spec.weight_bytes()[0] + 1_000_000_000, source="a test")
    stored = spec.model_copy(update={"stored_weights": st})
    for ep in (False, True):
        opts = ServeOptions(data_parallel_size=2, enable_expert_parallel=ep)
        r = fit(stored, H100, ctx=8192, opts=opts)
        assert r.weights_bytes == fit(spec, H100, ctx=8192, opts=opts).weights_bytes < spec.weight_bytes()[0]
        assert not any("as stored, read from" in n for n in r.notes)
        assert any(n.startswith(f"weights as stored ({st.bytes:,} bytes) are used on one GPU only; each GPU's "
                                "share over tp 1 × pp 1 × 2 DP ranks (the experts split)") for n in r.notes)


def test_a_tp_and_pp_split_names_no_dp_ranks():
    """llama-3.1-8b over tp 2 × pp 2 (tp = pp, so tp / pp would be 1 where tp × pp is 4): each GPU's
    share is computed over tp and pp only; the note names no DP ranks."""
    spec = catalog.load_model("llama-3.1-8b")
    st = StoredWeights(bytes=17_060_522_496, source="a test")
    r = fit(spec.model_copy(update={"stored_weights": st}), H100, tp=2, pp=2, ctx=8192)
    assert (f"weights as stored ({st.bytes:,} bytes) are used on one GPU only; each GPU's share over "
            "tp 2 × pp 2 is computed from the architecture") in r.notes
