"""Weights as an engine loads them: quantized checkpoints and encoder towers."""
from kvplan.sources import catalog
from kvplan.plan import fit
from kvplan.engines import ServeOptions


def test_gemma4_vision_tower_counts_like_transformers():
    # transformers 5.20.2, Gemma4ForConditionalGeneration(Gemma4Config(**gemma-4-26B-A4B.json)) on
    # the meta device: 25,805,933,872 parameters in all, 25,233,141,760 in the language model.
    # By hand: position table 2 × 10,240 × 1,152 = 23,592,960; patch projection 1,152 × 768
    # (3 × 16 × 16) = 884,736; per layer q, k, v, o 4 × 1,152 × 1,152 + q/k norms 2 × 72 +
    # gated MLP 3 × 1,152 × 4,304 + 4 norms × 1,152 = 20,187,792, × 27 layers = 545,070,384;
    # projector 2,816 × 1,152 = 3,244,032. Sum: 572,792,112.
    spec = catalog.load_model("gemma-4-26b-a4b")
    assert spec.encoder_params() == 572_792_112 == 25_805_933_872 - 25_233_141_760
    assert spec.parameters() == 25_233_141_760
    assert spec.weight_bytes() == (2 * 25_805_933_872, "bf16")
    assert spec.weight_bytes(text_only=True) == (2 * 25_233_141_760, "bf16")


def test_towers_load_on_the_first_stage_split_by_tp():
    spec = catalog.load_model("gemma-4-26b-a4b")
    gpu = catalog.load_gpu("h100")
    opts = ServeOptions(max_model_len=8192)
    with_towers = fit.fit(spec, gpu, tp=2, opts=opts)
    text = fit.fit(spec, gpu, tp=2, opts=opts, text_only=True)
    assert with_towers.stages[0].parameters - text.stages[0].parameters == 572_792_112 // 2
    two = fit.fit(spec, gpu, pp=2, opts=opts)
    two_text = fit.fit(spec, gpu, pp=2, opts=opts, text_only=True)
    assert two.stages[0].parameters - two_text.stages[0].parameters == 572_792_112
    assert two.stages[1].parameters == two_text.stages[1].parameters


def test_text_models_have_no_towers():
    assert catalog.load_model("llama-3.1-8b").encoder_params() == 0
