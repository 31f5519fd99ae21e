"""Issue 25: the launch lines ``kvplan plan`` prints (engines/launch.py), each flag combination as the
exact command a user pastes, and each refusal whole. Flag names: vLLM 0.33's ``vllm serve`` CLI
reference and docs/features/nixl_connector_usage.md; SGLang 0.5's server arguments and
docs/advanced_features/pd_disaggregation.md (the module's docstring)."""
import pytest

from kvplan.engines.launch import serve_command
from kvplan.errors import KvplanError

NIXL = """'{"kv_connector":"NixlConnector","kv_role":"kv_both"}'"""  # shlex-quoted: one shell word


def _raises(msg, *args, **kw):
    with pytest.raises(KvplanError) as e:
        serve_command(*args, **kw)
    assert str(e.value) == msg


def test_vllm_lines():
    assert serve_command("vllm", "m/x", 1) == "vllm serve m/x --tensor-parallel-size 1"
    assert serve_command("vllm", "m/x", 2, 64, None, 8192) == (
        "vllm serve m/x --tensor-parallel-size 2 --max-num-seqs 64 --max-model-len 8192")
    # data parallel 2 is the smallest that is said; 1 is vLLM's default and left out
    assert serve_command("vllm", "m/x", 4, data_parallel_size=2) == (
        "vllm serve m/x --tensor-parallel-size 4 --data-parallel-size 2")
    assert serve_command("vllm", "m/x", 4, data_parallel_size=1, enable_expert_parallel=True) == (
        "vllm serve m/x --tensor-parallel-size 4 --enable-expert-parallel")
    # disaggregated: both roles start the NIXL connector as kv_both, after every other flag
    for role in ("prefill", "decode"):
        assert serve_command("vllm", "m/x", 2, 64, role, 4096) == (
            f"vllm serve m/x --tensor-parallel-size 2 --max-num-seqs 64 --max-model-len 4096 "
            f"--kv-transfer-config {NIXL}")
    assert serve_command("vllm", "m/x", 1, None, "prefill") == (
        f"vllm serve m/x --tensor-parallel-size 1 --kv-transfer-config {NIXL}")


def test_sglang_lines():
    base = "python -m sglang.launch_server --model-path m/x --tp 2"
    assert serve_command("sglang", "m/x", 2) == base
    assert serve_command("sglang", "m/x", 2, 64, None, 8192) == (
        f"{base} --max-running-requests 64 --context-length 8192")
    assert serve_command("sglang", "m/x", 2, None, "prefill", 8192) == (
        f"{base} --context-length 8192 --disaggregation-mode prefill")
    assert serve_command("sglang", "m/x", 2, data_parallel_size=1) == base


def test_sglang_dp_attention_lines():
    # DP attention is said from 2 ranks on (--dp-size 2 --enable-dp-attention); with 1 rank the
    # flags are left out: attn_dp_size 1 is SGLang's layout without them (engines/sglang.py attn_dp_size)
    base = "python -m sglang.launch_server --model-path m/x --tp 2"
    assert serve_command("sglang", "m/x", 2, data_parallel_size=2, dp_attention=True) == (
        f"{base} --dp-size 2 --enable-dp-attention")
    assert serve_command("sglang", "m/x", 2, data_parallel_size=1, dp_attention=True) == base


def test_refusals_whole():
    _raises("role must be prefill or decode, got 'both'", "vllm", "m/x", 1, None, "both")
    _raises("no launch command for engine 'trtllm' (vllm or sglang)", "trtllm", "m/x", 1)
    msg = "no SGLang launch command for vLLM's data/expert-parallel flags"
    _raises(msg, "sglang", "m/x", 1, data_parallel_size=2)
    _raises(msg, "sglang", "m/x", 1, enable_expert_parallel=True)
