"""Regenerate model_specs/models/*.yaml and model_specs/aliases.yaml from vendored configs.

    python scripts/build_catalog.py

Each entry names the real config.json it is imported from (tests/fixtures/configs/, with
their sources in SOURCES*.md there) and the upstream URL the spec cites. The importer
(kvplan/sources/hfconfig/) does the arithmetic; this table only adds names, aliases and, where the
vendored file is known to differ from the published one, the published dtype with a note.
tests/sources/test_catalog.py re-imports every fixture and checks the YAML still agrees.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kvplan.sources import hfconfig as hf, yaml_spec as specyaml  # noqa: E402

HF = "https://huggingface.co/{}/blob/main/config.json"

# name, display name, fixture file, upstream hub id, extra aliases, (dtype, why) or None, notes
ENTRIES = [
    ("llama-2-7b", "Llama 2 7B", "Llama-2-7B.json", "meta-llama/Llama-2-7b-hf", ["llama-7b", "llama2-7b"], None, ""),
    ("llama-2-13b", "Llama 2 13B", "Llama-2-13B.json", "meta-llama/Llama-2-13b-hf", ["llama-13b", "llama2-13b"],
     ("fp16", "the vendored copy is re-saved with torch_dtype float32; Meta's file says float16"), ""),
    ("llama-2-70b", "Llama 2 70B", "Llama-2-70B.json", "meta-llama/Llama-2-70b-hf", ["llama-70b", "llama2-70b"], None, ""),
    ("llama-3.1-8b", "Llama 3.1 8B", "Llama-3.1-8B.json", "meta-llama/Meta-Llama-3.1-8B",
     ["meta-llama/llama-3.1-8b", "llama3.1-8b", "meta-llama/llama-3.1-8b-instruct", "llama-3.1-8b-instruct"], None, ""),
    ("llama-3.1-70b", "Llama 3.1 70B", "Llama-3.1-70B.json", "meta-llama/Meta-Llama-3.1-70B",
     ["meta-llama/llama-3.1-70b", "llama3.1-70b", "llama-3.1-70b-instruct"], None, ""),
    ("llama-3.1-405b", "Llama 3.1 405B", "Llama-3.1-405B.json", "meta-llama/Meta-Llama-3.1-405B",
     ["meta-llama/llama-3.1-405b", "llama3.1-405b", "llama-3.1-405b-instruct"], None, ""),
    ("mistral-7b", "Mistral 7B v0.1", "Mistral-7B-v0.1.json", "mistralai/Mistral-7B-v0.1", ["mistral-7b-v0.1"], None, ""),
    ("mistral-7b-v0.3", "Mistral 7B v0.3", "Mistral-7B-v0.3.json", "mistralai/Mistral-7B-v0.3",
     ["mistralai/mistral-7b-v0.3", "mistral-7b-instruct-v0.3", "mistralai/mistral-7b-instruct-v0.3"], None,
     "Imported from the Instruct-v0.3 config (an instruct fine-tune of Mistral-7B-v0.3, its model card says); "
     "the base's geometry agrees (litgpt's Mistral-7B-v0.3 entry). v0.3 has no sliding window (sliding_window "
     "null: every layer full attention) and a 32,768-token vocabulary, where v0.1 (mistral-7b) has a 4,096 "
     "window and 32,000."),
    ("mixtral-8x7b", "Mixtral 8x7B v0.1", "Mixtral-8x7B-v0.1.json", "mistralai/Mixtral-8x7B-v0.1",
     ["mixtral-8x7b-v0.1", "mixtral"], None, ""),
    ("qwen2.5-7b", "Qwen2.5 7B (Instruct config)", "Qwen2.5-7B-Instruct.json", "Qwen/Qwen2.5-7B-Instruct",
     ["qwen2.5-7b-instruct", "qwen/qwen2.5-7b"], None,
     "Imported from the Instruct config; the base model has the same attention and layers "
     "(its config differs only in max_position_embeddings, 131072)."),
    ("qwen3-8b", "Qwen3 8B", "Qwen3-8B.json", "Qwen/Qwen3-8B", [], None, ""),
    ("qwen3-30b-a3b", "Qwen3 30B-A3B", "Qwen3-30B-A3B.json", "Qwen/Qwen3-30B-A3B", [], None, ""),
    ("gemma-2-9b", "Gemma 2 9B (IT config)", "gemma-2-9b-it.json", "google/gemma-2-9b-it", ["gemma-2-9b-it", "gemma2-9b", "google/gemma-2-9b"], None,
     "Imported from the -it config; the base and instruction-tuned models share the architecture."),
    ("phi-3-mini", "Phi-3 mini 4k instruct", "Phi-3-mini-4k-instruct.json",
     "microsoft/Phi-3-mini-4k-instruct", ["phi-3-mini-4k-instruct", "phi3-mini"], None,
     "Phi-3 sets sliding_window 2047 on every layer."),
    ("falcon-7b", "Falcon 7B", "falcon-7b.json", "tiiuae/falcon-7b", [],
     ("bf16", "the vendored file is transformers' FalconConfig() defaults (dtype null); the published file says bfloat16"),
     "multi_query: one KV head for 71 query heads."),
    ("gpt2", "GPT-2 (124M)", "GPT-2.json", "openai-community/gpt2", ["gpt-2", "openai-community/gpt2-small"], None, ""),
    ("opt-125m", "OPT 125M", "OPT-125m.json", "facebook/opt-125m", [], None, ""),
    ("smollm2-1.7b", "SmolLM2 1.7B", "SmolLM2-1.7B.json", "HuggingFaceTB/SmolLM2-1.7B", [], None,
     "Imported from a checkpoint pre-trained with the SmolLM2-1.7B architecture (see SOURCES.md)."),
    ("deepseek-v2-lite", "DeepSeek-V2-Lite", "DeepSeek-V2-Lite.json", "deepseek-ai/DeepSeek-V2-Lite", [], None, ""),
    ("deepseek-v3", "DeepSeek-V3", "DeepSeek-V3.json", "deepseek-ai/DeepSeek-V3", [], None,
     "The multi-token-prediction layer (num_nextn_predict_layers: 1) is not counted in layers or parameters."),
    ("gpt-oss-20b", "gpt-oss-20b", "gpt-oss-20b.json", "openai/gpt-oss-20b", [],
     ("bf16", "config.json has no torch_dtype; attention, embeddings and router are kept unquantized (bf16) "
              "per its quantization_config, MoE experts are mxfp4"), ""),
    ("gpt-oss-120b", "gpt-oss-120b", "gpt-oss-120b.json", "openai/gpt-oss-120b", [],
     ("bf16", "config.json has no torch_dtype; attention, embeddings and router are kept unquantized (bf16) "
              "per its quantization_config, MoE experts are mxfp4"), ""),
    ("llama-4-scout", "Llama 4 Scout 17B-16E Instruct", "Llama-4-Scout-17B-16E-Instruct.json",
     "meta-llama/Llama-4-Scout-17B-16E-Instruct", ["llama-4-scout-17b-16e", "llama4-scout"], None,
     "Text decoder only (text_config); every 4th layer is global NoPE attention, the rest chunked (8192)."),
    ("nemotron-h-56b", "Nemotron-H 56B Base 8K", "Nemotron-H-56B-Base-8K.json", "nvidia/Nemotron-H-56B-Base-8K", [], None, ""),
    ("nemotron-3-nano-30b-a3b", "Nemotron 3 Nano 30B-A3B", "Nemotron-3-Nano-30B-A3B.json",
     "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", ["nemotron-3-nano"], None, ""),
    ("gemma-4-26b-a4b", "Gemma 4 26B-A4B", "gemma-4-26B-A4B.json", "google/gemma-4-26B-A4B", [], None,
     "Text decoder only (text_config)."),
    ("llama-3-8b", "Llama 3 8B", "Meta-Llama-3-8B.json", "meta-llama/Meta-Llama-3-8B",
     ["llama3-8b", "meta-llama-3-8b", "llama-3-8b-instruct"], None, ""),
    ("llama-3-70b", "Llama 3 70B", "Meta-Llama-3-70B.json", "meta-llama/Meta-Llama-3-70B",
     ["llama3-70b", "meta-llama-3-70b", "llama-3-70b-instruct"], None, ""),
    ("llama-3.2-1b", "Llama 3.2 1B", "Llama-3.2-1B.json", "meta-llama/Llama-3.2-1B",
     ["llama3.2-1b", "llama-3.2-1b-instruct", "meta-llama/llama-3.2-1b-instruct"], None,
     "The Instruct model has the same architecture (tests/fixtures/configs/Llama-3.2-1B-Instruct.json)."),
    ("llama-3.2-3b", "Llama 3.2 3B", "Llama-3.2-3B.json", "meta-llama/Llama-3.2-3B",
     ["llama3.2-3b", "llama-3.2-3b-instruct", "meta-llama/llama-3.2-3b-instruct"], None,
     "The Instruct model has the same architecture (tests/fixtures/configs/Llama-3.2-3B-Instruct.json)."),
    ("llama-4-maverick", "Llama 4 Maverick 17B-128E Instruct", "Llama-4-Maverick-17B-128E-Instruct.json",
     "meta-llama/Llama-4-Maverick-17B-128E-Instruct", ["llama-4-maverick-17b-128e", "llama4-maverick"], None,
     "Text decoder only (text_config); MoE on every other layer."),
    ("codellama-34b-instruct", "Code Llama 34B Instruct", "CodeLlama-34b-Instruct-hf.json",
     "codellama/CodeLlama-34b-Instruct-hf", ["codellama-34b"], None, ""),
    ("mistral-nemo-instruct-2407", "Mistral NeMo 12B Instruct 2407", "Mistral-Nemo-Instruct-2407.json",
     "mistralai/Mistral-Nemo-Instruct-2407", ["mistral-nemo", "mistral-nemo-12b"], None, ""),
    ("mixtral-8x22b", "Mixtral 8x22B v0.1", "Mixtral-8x22B-v0.1.json", "mistralai/Mixtral-8x22B-v0.1",
     ["mixtral-8x22b-v0.1"], None, ""),
    ("mixtral-8x22b-instruct", "Mixtral 8x22B Instruct v0.1", "Mixtral-8x22B-Instruct-v0.1.json",
     "mistralai/Mixtral-8x22B-Instruct-v0.1", ["mixtral-8x22b-instruct-v0.1"], None,
     "Vocabulary of 32768 (the base model has 32000)."),
    ("yi-34b", "Yi 34B", "Yi-34B.json", "01-ai/Yi-34B", [], None, ""),
    ("qwen2.5-3b", "Qwen2.5 3B", "Qwen2.5-3B.json", "Qwen/Qwen2.5-3B",
     ["qwen2.5-3b-instruct", "qwen/qwen2.5-3b-instruct"], None,
     "Imported from the base config; the Instruct model's published config.json has the same layers, heads, "
     "sizes and vocabulary (it differs in eos_token_id, max_window_layers 70 and transformers_version; "
     "tests/fixtures/configs/SOURCES_EXTRA.md)."),
    ("qwen2.5-14b", "Qwen2.5 14B", "Qwen2.5-14B.json", "Qwen/Qwen2.5-14B", [], None, ""),
    ("qwen2.5-32b", "Qwen2.5 32B", "Qwen2.5-32B.json", "Qwen/Qwen2.5-32B", [], None, ""),
    ("qwen2.5-32b-instruct", "Qwen2.5 32B Instruct", "Qwen2.5-32B-Instruct.json", "Qwen/Qwen2.5-32B-Instruct", [],
     None, ""),
    ("qwen3-0.6b", "Qwen3 0.6B", "Qwen3-0.6B.json", "Qwen/Qwen3-0.6B", [], None, ""),
    ("qwen3-1.7b", "Qwen3 1.7B", "Qwen3-1.7B.json", "Qwen/Qwen3-1.7B", [], None, ""),
    ("qwen3-4b", "Qwen3 4B", "Qwen3-4B.json", "Qwen/Qwen3-4B", [], None, ""),
    ("qwen3-14b", "Qwen3 14B", "Qwen3-14B.json", "Qwen/Qwen3-14B", [], None, ""),
    ("qwen3-32b", "Qwen3 32B", "Qwen3-32B.json", "Qwen/Qwen3-32B", [], None, ""),
    ("qwen3-235b-a22b", "Qwen3 235B-A22B", "Qwen3-235B-A22B.json", "Qwen/Qwen3-235B-A22B", [], None, ""),
    ("qwen3-next-80b-a3b", "Qwen3-Next 80B-A3B Instruct", "Qwen3-Next-80B-A3B-Instruct.json",
     "Qwen/Qwen3-Next-80B-A3B-Instruct", ["qwen3-next", "qwen3-next-80b-a3b-instruct"], None,
     "Gated DeltaNet linear attention on 3 of every 4 layers; full attention on the 4th."),
    ("gemma-2-2b", "Gemma 2 2B (IT config)", "gemma-2-2b-it.json", "google/gemma-2-2b-it", ["gemma-2-2b-it"], None, ""),
    ("gemma-2-27b", "Gemma 2 27B (IT config)", "gemma-2-27b-it.json", "google/gemma-2-27b-it", ["gemma-2-27b-it"],
     None, ""),
    ("gemma-3-1b", "Gemma 3 1B (IT config)", "gemma-3-1b-it.json", "google/gemma-3-1b-it", ["gemma-3-1b-it"], None, ""),
    ("gemma-3-27b", "Gemma 3 27B (IT config)", "gemma-3-27b-it.json", "google/gemma-3-27b-it", ["gemma-3-27b-it"],
     None, "Text decoder (text_config) and its SigLIP vision tower with the projector (vision_config); "
     "--text-only leaves the tower out."),
    ("phi-3.5-mini", "Phi-3.5 mini instruct", "Phi-3.5-mini-instruct.json", "microsoft/Phi-3.5-mini-instruct",
     ["phi-3.5-mini-instruct"], None, ""),
    ("phi-4", "Phi-4 (14B)", "phi-4.json", "microsoft/phi-4", ["phi4"], None, ""),
    ("smollm2-135m", "SmolLM2 135M (Instruct config)", "SmolLM2-135M-Instruct.json",
     "HuggingFaceTB/SmolLM2-135M-Instruct", ["smollm2-135m-instruct"], None, ""),
    ("smollm2-360m", "SmolLM2 360M (Instruct config)", "SmolLM2-360M-Instruct.json",
     "HuggingFaceTB/SmolLM2-360M-Instruct", ["smollm2-360m-instruct"], None, ""),
    ("gpt2-medium", "GPT-2 medium (355M)", "gpt2-medium.json", "openai-community/gpt2-medium", [], None, ""),
    ("deepseek-r1", "DeepSeek-R1", "DeepSeek-R1.json", "deepseek-ai/DeepSeek-R1", [], None,
     "Same architecture as DeepSeek-V3; the MTP layer is not counted."),
    ("kimi-k2-instruct", "Kimi K2 Instruct", "Kimi-K2-Instruct.json", "moonshotai/Kimi-K2-Instruct", ["kimi-k2"],
     None, "DeepSeek-V3 architecture (MLA) with 384 experts."),
    ("jamba-v0.1", "Jamba v0.1 (52B)", "Jamba-v0.1.json", "ai21labs/Jamba-v0.1", ["jamba"],
     ("bf16", "the vendored file is transformers' JambaConfig() defaults, documented as ai21labs/Jamba-v0.1 "
              "(dtype null); the published checkpoint is bfloat16"),
     "Mamba-1 layers with 1 attention layer in 8, MoE on every other layer."),
    # 2026 frontier kinds (issue 13); configs vendored from ai-dynamo/aiconfigurator @095f58a5
    ("deepseek-v3.2", "DeepSeek-V3.2", "DeepSeek-V3.2.json", "deepseek-ai/DeepSeek-V3.2", ["deepseek-v32"], None,
     "DeepSeek Sparse Attention: MLA plus a lightning indexer whose fp8 keys (128 values + an fp32 scale) are "
     "cached per token beside the latent. The MTP layer is not counted."),
    ("glm-5", "GLM-5", "GLM-5.json", "zai-org/GLM-5", ["glm5"], None,
     "glm_moe_dsa: MLA with a lightning indexer on every layer (as DeepSeek-V3.2). The MTP layer is not counted."),
    ("glm-5.2", "GLM-5.2", "GLM-5.2.json", "zai-org/GLM-5.2", ["glm5.2"], None,
     "IndexShare: a lightning indexer (and its cached keys) on the 21 layers indexer_types calls full; the 57 "
     "shared layers reuse the previous full layer's top-k and cache only the MLA latent. The MTP layer is not "
     "counted."),
    ("deepseek-v4-flash", "DeepSeek-V4-Flash", "DeepSeek-V4-Flash.json", "deepseek-ai/DeepSeek-V4-Flash",
     [], None,
     "Every layer keeps a 128-token window of one shared K=V head (512); 21 CSA layers add one compressed entry "
     "per 4 tokens plus indexer keys, 20 HCA layers one per 128 tokens, 2 layers are window-only. "
     "Routed experts are stored in FP4 (expert_dtype: fp4, priced as MXFP4: vLLM loads them with its Mxfp4 MoE "
     "method), the other linears in fp8 with 128×128-block scales. The MTP layer is not counted."),
    ("deepseek-v4-pro", "DeepSeek-V4-Pro", "DeepSeek-V4-Pro.json", "deepseek-ai/DeepSeek-V4-Pro", [], None,
     "As DeepSeek-V4-Flash at 61 layers: 30 CSA layers (1/4 + indexer keys) and 31 HCA layers (1/128), each with a "
     "128-token window. Routed experts in FP4 (MXFP4), other linears fp8. The MTP layer is not counted."),
    ("kimi-k3", "Kimi-K3", "Kimi-K3.json", "moonshotai/Kimi-K3", [], None,
     "Text decoder only (text_config, kimi_linear): 69 Kimi Delta Attention layers (fixed state per sequence) and "
     "24 gated MLA layers. Parameters (latent MoE at 3584, full-rank KDA gate, MLA output gate, attention "
     "residuals) equal vLLM 0.33's Kimi-K3 model less the routers' e_score_correction_bias (no transformers class "
     "builds Kimi-K3); routed experts MXFP4 per its compressed-tensors quantization_config."),
    ("minimax-m3", "MiniMax-M3", "MiniMax-M3.json", "MiniMaxAI/MiniMax-M3", [], None,
     "GQA on every layer; 57 block-sparse layers also cache one shared 128-value index key per token. "
     "Parameters equal vLLM 0.33's model less the routers' e_score_correction_bias (no MiniMax-M3 text class "
     "in transformers 5.20)."),
    ("mimo-v2-flash", "MiMo-V2-Flash", "MiMo-V2-Flash.json", "XiaomiMiMo/MiMo-V2-Flash", [], None,
     "K heads 192 wide, V heads 128; 9 full-attention layers (4 KV heads) and 39 sliding layers (8 KV heads, "
     "window 128 + the query = 129 as transformers reads sliding_window_size; vLLM uses 128)."),
]


def build(entries=ENTRIES) -> None:
    fixtures = ROOT / "tests" / "fixtures" / "configs"
    out = ROOT / "model_specs" / "models"
    out.mkdir(parents=True, exist_ok=True)
    aliases: dict[str, str] = {}
    for name, display, fixture, repo, extra, dtype, notes in entries:
        spec = hf.load(fixtures / fixture, name)
        update = {"display_name": display, "source": HF.format(repo), "hf_repo": repo,
                  "notes": notes, "fixture": fixture}
        if dtype:
            update.update(dtype=dtype[0], dtype_note=dtype[1])
        spec = spec.model_copy(update=update)
        header = f"# {display}: imported by scripts/build_catalog.py from tests/fixtures/configs/{fixture}\n" \
                 f"# (a copy of {HF.format(repo)}; provenance in tests/fixtures/configs/SOURCES*.md)\n"
        (out / f"{name}.yaml").write_text(header + specyaml.dump(spec))
        for a in [repo.lower(), *extra]:
            if a in aliases and aliases[a] != name:
                raise SystemExit(f"alias {a} is claimed by {aliases[a]} and {name}")
            if a != name:
                aliases[a] = name
    lines = ["# alias -> catalog name (lowercase). Generated by scripts/build_catalog.py.\n"]
    lines += [f"{a}: {n}\n" for a, n in sorted(aliases.items())]
    (ROOT / "model_specs" / "aliases.yaml").write_text("".join(lines))
    print(f"{len(entries)} specs, {len(aliases)} aliases")
    import build_bundle

    build_bundle.main()


if __name__ == "__main__":
    build()
