"""The lengths of a ShareGPT benchmark, for replaying a run that states only their means.

``vllm bench serve`` / ``benchmark_serving.py --dataset-name sharegpt`` (and SGLang's
``bench_serving``) send the first turn of ShareGPT conversations: prompts of 4-1,024 tokens whose
prompt + answer is at most 2,048 (``sample_sharegpt_requests`` / ``is_valid_sequence``), each with
``max_tokens`` = its ShareGPT answer's length. A file that keeps only the means (a printed summary)
loses the spread, and at rate inf a run lasts as long as its longest answers, so replaying every
request at the mean finishes far too soon.

``PAIRS``: the (prompt, output) tokens of every request of one measured ShareGPT run, copied
unchanged from its result file's ``input_lens`` / ``output_lens``:
LambdaLabsML/vllm-benchmark @ a4f9f4371a1ccac781293837fce2bce0cc6d25cc,
results/prompt_320/1xH100-80GB-SXM/Meta-Llama-3-8B-Instruct_tp1_len2048.json (vLLM's
benchmark_serving.py, --dataset-name sharegpt --num-prompts 320, seed 0, the Llama 3 tokenizer;
totals 65,578 prompt and 65,331 output tokens, as the file's own totals). Its 15 outputs of 0
tokens (requests that streamed nothing back) are replayed as 1 token.
"""
from __future__ import annotations

import random

# input_lens and output_lens of the file named above, in its order
_IN = (13, 25, 27, 10, 329, 29, 399, 328, 4, 205, 16, 372, 403, 9, 12, 770, 227, 8, 14, 390, 659, 59, 76, 744,
       619, 279, 344, 9, 10, 45, 11, 4, 80, 768, 317, 40, 619, 8, 298, 16, 17, 696, 575, 11, 7, 281, 12, 147,
       481, 770, 336, 6, 331, 9, 45, 222, 802, 481, 93, 641, 22, 15, 16, 77, 32, 689, 178, 9, 628, 480, 42, 336,
       24, 515, 761, 112, 113, 348, 82, 467, 245, 11, 24, 343, 13, 387, 258, 32, 28, 225, 248, 35, 133, 98, 27,
       23, 58, 363, 203, 140, 140, 230, 310, 521, 768, 317, 298, 336, 491, 19, 10, 59, 48, 20, 20, 54, 107, 53,
       72, 18, 10, 768, 7, 933, 239, 277, 26, 35, 462, 386, 25, 23, 17, 20, 44, 661, 631, 349, 53, 71, 37, 10,
       21, 37, 496, 8, 9, 353, 10, 595, 5, 49, 286, 305, 56, 43, 52, 310, 35, 7, 7, 238, 10, 143, 660, 191, 72,
       39, 258, 312, 49, 9, 15, 561, 76, 561, 501, 8, 66, 15, 303, 19, 455, 27, 143, 688, 9, 31, 361, 21, 117, 8,
       12, 775, 338, 176, 349, 166, 419, 401, 307, 169, 647, 21, 9, 34, 12, 37, 45, 154, 8, 10, 18, 253, 486,
       611, 96, 19, 62, 529, 15, 30, 10, 445, 680, 762, 441, 77, 12, 276, 178, 22, 159, 95, 366, 4, 7, 770, 8,
       45, 480, 90, 32, 329, 768, 72, 86, 53, 83, 419, 44, 14, 56, 28, 707, 235, 27, 668, 17, 427, 44, 370, 8,
       674, 455, 185, 68, 19, 132, 304, 9, 34, 39, 54, 768, 661, 404, 240, 25, 95, 60, 24, 12, 85, 66, 62, 462,
       22, 241, 25, 32, 13, 175, 31, 342, 43, 339, 144, 233, 16, 10, 11, 269, 587, 8, 233, 10, 48, 9, 335, 22,
       61, 29, 692, 7, 332, 512, 13, 128, 24)
_OUT = (120, 613, 233, 194, 101, 741, 9, 3, 6, 31, 392, 84, 396, 45, 291, 9, 173, 277, 334, 37, 587, 372, 36,
        135, 26, 45, 450, 118, 226, 4, 5, 146, 59, 11, 567, 192, 476, 130, 13, 223, 188, 16, 35, 276, 202, 492,
        239, 129, 26, 79, 17, 204, 11, 207, 78, 340, 17, 9, 123, 6, 559, 5, 316, 26, 417, 206, 151, 42, 25, 18,
        159, 0, 25, 267, 19, 12, 768, 67, 628, 11, 218, 296, 382, 49, 125, 0, 26, 237, 350, 13, 490, 408, 58,
        29, 512, 413, 526, 16, 416, 434, 451, 17, 573, 0, 7, 8, 11, 22, 0, 249, 281, 392, 611, 572, 23, 256, 31,
        39, 300, 355, 340, 9, 172, 458, 147, 240, 154, 768, 0, 141, 42, 26, 780, 334, 125, 4, 4, 721, 63, 24,
        331, 482, 110, 216, 184, 99, 285, 22, 355, 40, 150, 46, 0, 0, 574, 572, 214, 0, 419, 163, 162, 77, 482,
        170, 510, 53, 16, 384, 57, 9, 170, 356, 173, 19, 390, 339, 77, 17, 520, 8, 8, 198, 510, 478, 304, 398,
        16, 475, 91, 54, 509, 608, 36, 425, 15, 25, 12, 363, 0, 0, 44, 43, 267, 474, 334, 31, 261, 402, 346, 176,
        22, 22, 159, 203, 8, 16, 16, 216, 86, 0, 234, 258, 247, 23, 47, 16, 447, 221, 702, 0, 44, 142, 740, 18,
        76, 299, 250, 24, 300, 178, 5, 373, 25, 23, 76, 322, 87, 389, 21, 7, 527, 485, 339, 394, 11, 27, 254,
        313, 392, 111, 365, 0, 79, 11, 275, 22, 99, 373, 38, 0, 657, 283, 503, 250, 16, 407, 0, 7, 261, 322, 322,
        91, 56, 365, 342, 316, 25, 441, 646, 241, 222, 4, 27, 290, 7, 21, 336, 16, 360, 199, 381, 297, 18, 338,
        301, 189, 373, 478, 394, 23, 230, 455, 283, 0, 201, 0, 20, 308, 30, 295)
PAIRS = tuple(zip(_IN, _OUT))


def pairs(n: int, mean_prompt: float, mean_output: float, seed: int = 0) -> list[tuple[int, int]]:
    """``n`` (prompt, output) pairs drawn from ``PAIRS`` (with replacement, ``seed``), each side
    scaled so that the sample's spread is kept and its means are the run's (another tokenizer or
    sample of the same data set shifts the means a little: 217 / 202 tokens in gpustack's Qwen3
    runs against 205 / 204 here)."""
    mp = sum(p for p, _ in PAIRS) / len(PAIRS)
    mo = sum(o for _, o in PAIRS) / len(PAIRS)
    kp, ko = mean_prompt / mp, mean_output / mo
    rng = random.Random(seed)
    return [(max(1, round(p * kp)), max(1, round(o * ko))) for p, o in rng.choices(PAIRS, k=n)]
