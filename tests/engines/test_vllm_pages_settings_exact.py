"""Issue 25: vLLM 0.33's sliding-window admission cap at a block edge (engines/vllm/pages.py
Page.blocks) and the hybrid alignment's note (engines/vllm/settings.py align_hybrid)."""
from kvplan.engines.vllm.pages import Config, Page
from kvplan.engines.vllm.settings import align_hybrid
from kvplan.sources import catalog


def _cfg(block=16, max_len=32768, in_flight=2048, note=""):
    return Config(block, max_len, 2048, 256, in_flight, "align", "bf16", block_size_note=note)


def test_sliding_admission_cap_at_the_block_edge():
    """SlidingWindowSpec.max_admission_blocks_per_request: cdiv(min(window − 1 + in-flight, max_len),
    block) + 1. Window 4,096, block 16: in-flight 1 → cdiv(4,096, 16) + 1 = 257; in-flight 2 →
    cdiv(4,097, 16) + 1 = 258; 17 → cdiv(4,112, 16) + 1 = 258; max_len 4,000 → 250 + 1 = 251.
    Measured with vLLM 0.33.0's own class (/work/scratch/vllm/venv):
    SlidingWindowSpec(block_size=16, num_kv_heads=8, head_size=128, dtype=torch.bfloat16,
    sliding_window=4096).max_admission_blocks_per_request(f, 32768) for f = 1, 2, 17 printed 257, 258,
    258, and (2, 4000) printed 251."""
    p = Page("sliding", 16, 4096, window=4096)
    assert p.blocks(32768, _cfg(in_flight=1)) == 257
    assert p.blocks(32768, _cfg(in_flight=2)) == 258
    assert p.blocks(32768, _cfg(in_flight=17)) == 258
    assert p.blocks(4000, _cfg(in_flight=2)) == 251


def test_hybrid_alignment_note_when_raised_and_when_not():
    """Jamba-v0.1: attention 8 KV heads × (128 + 128) × 2 bytes = 4,096 bytes a token; Mamba state
    (4 − 1) × 8,192 × 2 (conv) + 8,192 × 16 × 2 (SSM) = 49,152 + 262,144 = 311,296 bytes.
    From block 16: 16 × cdiv(311,296, 16 × 4,096) = 16 × 5 = 80 tokens, a 327,680-byte page.
    From block 4,096 (given): one page already holds the state, so the block and its note stay."""
    spec = catalog.load_model("jamba-v0.1")
    raised = align_hybrid(spec, _cfg(16, note="vLLM's default"), "bf16")
    assert (raised.block_size, raised.mamba_page_bytes) == (80, 327_680)
    assert raised.block_size_note == ("raised from 16 so one attention page (4,096 bytes/token) holds the "
                                      "311,296-byte Mamba state (_align_hybrid_block_size)")
    kept = align_hybrid(spec, _cfg(4096, note="--block-size 4096"), "bf16")
    assert (kept.block_size, kept.mamba_page_bytes) == (4096, 4096 * 4096)
    assert kept.block_size_note == "--block-size 4096"
