"""Hybrid models' all-reduces and per-layer overhead, counted per residual block (issue 21, round 11's
Nemotron 3 Nano rows): a layer's blocks are its token mixer (unless ``kind: none``) and its MLP or MoE
(``LayerType.blocks``); tensor parallelism all-reduces once after each (vLLM's RowParallelLinear
o_proj / out_proj / down_proj, a FusedMoE's one reduce) plus once for the vocabulary-parallel
embedding; the engine's per-layer overhead, fitted on two-block layers, is charged per two blocks.
Every count below is worked out by hand from the pattern."""
import pytest

from kvplan.model.spec import ModelSpec
from kvplan.plan.latency import comm, overhead
from kvplan.plan.latency.step import OpLatency
from kvplan.plan.roofline import Roofline
from kvplan.sources import catalog

ATTN = {"kind": "full", "num_heads": 8, "num_kv_heads": 2, "head_dim": 64}
MAMBA = {"kind": "mamba2", "num_heads": 16, "head_dim": 64, "state_size": 16, "n_groups": 2, "conv_kernel": 4}
MLP = {"kind": "dense", "intermediate_size": 1024, "gated": False}


def small_hybrid() -> ModelSpec:
    """Nemotron-H's "M-M*-" plus one transformer layer: mamba, mlp, mamba, attention, mlp, both.
    Blocks: 1 + 1 + 1 + 1 + 1 + 2 = 7 (a transformer count would say 2 × 6 = 12)."""
    return ModelSpec.model_validate(dict(
        name="tiny-hybrid", display_name="tiny hybrid", source="test", dtype="bf16", hidden_size=512,
        vocab_size=1024,
        layer_types={"mamba": {"mixer": MAMBA, "norms": 1}, "attention": {"mixer": ATTN, "norms": 1},
                     "mlp": {"mixer": {"kind": "none"}, "mlp": MLP, "norms": 1},
                     "both": {"mixer": ATTN, "mlp": MLP}},
        pattern="mamba mlp mamba attention mlp both"))


def test_blocks_of_a_small_hybrid_by_hand():
    s = small_hybrid()
    assert {n: lt.blocks() for n, lt in s.layer_types.items()} == {"mamba": 1, "attention": 1, "mlp": 1, "both": 2}
    assert (s.num_layers, s.blocks()) == (6, 7)
    assert comm.allreduces_per_step(s) == 8  # 7 blocks + the embedding's
    assert overhead.layer_equivalents(s) == 3.5


def test_a_small_hybrids_step_prices_its_blocks():
    """TP 2 on an H100: 8 all-reduces of rows × 512 × 2 bytes, and the overhead of 3.5 layers."""
    r = OpLatency(small_hybrid(), catalog.load_gpu("h100"), tp=2)
    st = r.decode(100, 3)
    ops = {o[0]: o for o in st.ops}
    one, _ = r.prof.allreduce(2, 3072)
    assert ops["all-reduce (8 × 3,072 bytes)"][1] == pytest.approx(8 * one)
    assert ops["engine overhead (per step)"][1] == r.prof.overhead(3.5, 3)[0]
    # bytes each GPU sends: 7 blocks × 2 (2 − 1) / 2 × 3,072 = 21,504
    assert st.comm_bytes == 21_504
    assert Roofline(small_hybrid(), catalog.load_gpu("h100"), tp=2).decode(100, 3).comm_bytes == 21_504


def test_nemotron_3_nano_by_hand():
    """hybrid_override_pattern "MEMEM*E" × 5 + "MEMEMEM*E" + "MEMEMEME": 23 Mamba2 + 23 MoE + 6 attention = 52
    one-block layers: 52 + 1 = 53 all-reduces (not 2 × 52 + 1 = 105) and 26 layers of overhead (not 52)."""
    s = catalog.load_model("nemotron-3-nano-30b-a3b")
    assert sorted(s.counts().items()) == [("attention", 6), ("mamba", 23), ("moe", 23)]
    assert (s.num_layers, s.blocks(), comm.allreduces_per_step(s), overhead.layer_equivalents(s)) == (52, 52, 53, 26.0)
    r = OpLatency(s, catalog.load_gpu("b200"), tp=2, weight_dtype="fp8")
    names = [o[0] for o in r.decode(2048, 1).ops]
    assert "all-reduce (53 × 5,376 bytes)" in names  # 1 row × 2,688 hidden × 2 bytes
    assert r.decode(2048, 1).ops[-1][1] == r.prof.overhead(26.0, 1)[0]


def test_hybrids_with_a_mixer_and_an_mlp_in_every_layer_keep_two():
    """Jamba (Mamba + MLP or MoE: 32 layers), Qwen3-Next (Gated DeltaNet or attention, + MoE: 48 layers):
    vLLM's JambaMambaDecoderLayer / Qwen3NextDecoderLayer run a mixer and a feed-forward each."""
    assert comm.allreduces_per_step(catalog.load_model("jamba-v0.1")) == 65
    assert comm.allreduces_per_step(catalog.load_model("qwen3-next-80b-a3b")) == 97


def test_every_catalog_model_but_nemotron_h_has_two_blocks_a_layer():
    """Why the per-layer overhead's fit does not move: the fitted rows' models (every catalog model but the
    Nemotron-H family, which no fit row runs) have a mixer and an MLP in every layer, so blocks / 2 = layers."""
    import yaml

    single = []
    for f in sorted((catalog.specs_dir() / "models").glob("*.yaml")):
        s = catalog.load_model(f.stem)
        if s.blocks() != 2 * s.num_layers:
            single.append((f.stem, yaml.safe_load(f.read_text())["family"]))
    assert single == [("nemotron-3-nano-30b-a3b", "nemotron_h"), ("nemotron-h-56b", "nemotron_h")]
