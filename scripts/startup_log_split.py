"""The held-out split of the public start-up logs (issue 20), made before any constant is tuned.

    python scripts/startup_log_split.py        # rewrites tests/data/startup_logs_split.json

Unit: the source URL (every row from one URL lands on the same side). A row is scored when it
has kvplan inputs, is not marked ``excluded`` and is not a V0-engine log. Every URL of the first
collection (batch 2026-12-01) goes to the fit side: kvplan's current defaults
(engines/vllm_memory.py NON_TORCH_*, CUDA_GRAPH_BYTES) were fitted to those logs, so they cannot
be held out. The other URLs are sorted, shuffled with ``random.Random(SEED)``, then each goes to
the side with fewer scored rows so far (ties: fewer URLs, then held-out). It reads only what the
rows state (URL, batch, engine, kvplan inputs, exclusion), never an error.

Round 2 (``round_2``): the URLs of batch 2026-12-06-r2, collected after round 1's held-out figures had
been seen, are split the same way (shuffled with ``SEED_2``, each to the side with fewer scored rows)
before any constant or code is changed. Round 1's sides are unchanged; round 2's held-out half is the
headline, round 1's held-out half is reported as seen, and round 2's fit half joins the fit rows.

Round 3 (``round_3``): the URLs of batch 2026-12-06-r3, collected after round 2's held-out figures had
been seen, are split the same way with ``SEED_3``, before any constant or code is changed. Rounds 1 and
2 keep their sides; round 3's held-out half becomes the headline and round 2's held-out half is reported
as seen.

Round 4 (``round_4``): the URLs of batch 2026-12-06-r4, collected after round 3's held-out figures had
been seen, are split the same way with ``SEED_4``, before any constant or code is changed. Rounds 1 to 3
keep their sides; round 4's held-out half becomes the headline and round 3's held-out half is reported as
seen.

Round 5 (``round_5``): the URLs of batch 2026-12-06-r5, collected after round 4's held-out figures had
been seen (and after the CUDA-total change made with every earlier round seen), are split the same way with
``SEED_5``, before kvplan's figure for any round-5 log is computed and before any constant or code is
changed. Rounds 1 to 4 keep their sides; round 5's held-out half becomes the headline and round 4's
held-out half is reported as seen. tests/data/trtllm_startup_logs.json (TensorRT-LLM logs) joins the files
in this round; all its rows are round 5's.

Round 6 (``round_6``): the URLs of batch 2026-12-06-r6, collected after round 5's held-out figures had
been seen (and after the scoring path began to pass data and expert parallelism), are split the same way
with ``SEED_6``, before kvplan's figure for any round-6 log is computed and before any constant or code is
changed. Rounds 1 to 5 keep their sides (a row of theirs made scorable later counts as it did when its
round was split: ``split_scored``); round 6's held-out half becomes the headline and round 5's held-out
half is reported as seen.

Round 7 (``round_7``): the URLs of batch 2026-12-06-r7, collected after round 6's held-out figures had
been seen, are split the same way with ``SEED_7``, before kvplan's figure for any round-7 log is computed and
before any constant or code is changed. Rounds 1 to 6 keep their sides; round 7's held-out half becomes the
headline and round 6's held-out half is reported as seen.

Round 8 (``round_8``): the URLs of batch 2026-12-06-r8, collected after round 7's held-out figures had
been seen, are split the same way with ``SEED_8``, before kvplan's figure for any round-8 log is computed and
before any constant or code is changed. Rounds 1 to 7 keep their sides; round 8's held-out half becomes the
headline and round 7's held-out half is reported as seen.

Round 9 (``round_9``): the URLs of batch 2026-12-06-r9, collected after round 8's held-out figures had
been seen, are split the same way with ``SEED_9``, before kvplan's figure for any round-9 log is computed and
before any constant or code is changed. Rounds 1 to 8 keep their sides; round 9's held-out half becomes the
headline and round 8's held-out half is reported as seen.

Round 10 (``round_10``): the URLs of batch 2026-12-06-r10, collected after round 9's held-out figures had
been seen, are split the same way with ``SEED_10``, before kvplan's figure for any round-10 log is computed and
before any constant or code is changed. Rounds 1 to 9 keep their sides; round 10's held-out half becomes the
headline and round 9's held-out half is reported as seen. Rows found in round 10's second pass (batch
2026-12-06-r10b: read after round 10's split was committed, before any round-10 figure was computed, none
scored) are placed after round 10's own URLs with the same seed and counts, so no committed side moves.

Round 11 (``round_11``): the URLs of batch 2026-12-06-r11, collected after round 10's held-out figures had
been seen, are split the same way with ``SEED_11``, before kvplan's figure for any round-11 log is computed and
before any constant or code is changed. Rounds 1 to 10 keep their sides; round 11's held-out half becomes the
headline and round 10's held-out half is reported as seen.

Round 12 (``round_12``): the URLs of batch 2026-12-07-r12, collected after round 11's held-out figures had
been seen, are split the same way with ``SEED_12``, before kvplan's figure for any round-12 log is computed and
before any constant or code is changed. Rounds 1 to 11 keep their sides; round 12's held-out half becomes the
headline and round 11's held-out half is reported as seen.

Round 13 (``round_13``): the URLs of batch 2026-12-07-r13, collected after round 12's held-out figures had
been seen, are split the same way with ``SEED_13``, before kvplan's figure for any round-13 log is computed and
before any constant or code is changed. Rounds 1 to 12 keep their sides; round 13's held-out half becomes the
headline and round 12's held-out half is reported as seen.

Round 14 (``round_14``): the URLs of batch 2026-12-07-r14, collected after round 13's held-out figures had
been seen, are split the same way with ``SEED_14``, before kvplan's figure for any round-14 log is computed and
before any constant or code is changed. Rounds 1 to 13 keep their sides; round 14's held-out half becomes the
headline and round 13's held-out half is reported as seen.

Round 15 (``round_15``): the URLs of batch 2026-12-07-r15, collected after round 14's held-out figures had
been seen, are split the same way with ``SEED_15``, before kvplan's figure for any round-15 log is computed and
before any constant or code is changed. Rounds 1 to 14 keep their sides; round 15's held-out half becomes the
headline and round 14's held-out half is reported as seen.

Round 16 (``round_16``): the URLs of batch 2026-12-07-r16, collected after round 15's held-out figures had
been seen, are split the same way with ``SEED_16``, before kvplan's figure for any round-16 log is computed and
before any constant or code is changed. Rounds 1 to 15 keep their sides; round 16's held-out half becomes the
headline and round 15's held-out half is reported as seen.

Round 17 (``round_17``): the URLs of batch 2026-12-07-r17, collected after round 16's held-out figures had
been seen, are split the same way with ``SEED_17``, before kvplan's figure for any round-17 log is computed and
before any constant or code is changed. Rounds 1 to 16 keep their sides; round 17's held-out half becomes the
headline and round 16's held-out half is reported as seen.

Round 18 (``round_18``): the URLs of batch 2026-12-07-r18, collected after round 17's held-out figures had
been seen, are split the same way with ``SEED_18``, before kvplan's figure for any round-18 log is computed and
before any constant or code is changed. Rounds 1 to 17 keep their sides; round 18's held-out half becomes the
headline and round 17's held-out half is reported as seen.

Round 19 (``round_19``): the URLs of batch 2026-12-07-r19, collected after round 18's held-out figures had
been seen, are split the same way with ``SEED_19``, before kvplan's figure for any round-19 log is computed and
before any constant or code is changed. Rounds 1 to 18 keep their sides; round 19's held-out half becomes the
headline and round 18's held-out half is reported as seen. Rows found in round 19's second pass (batch
2026-12-07-r19b: read after round 19's split was committed, before any round-19 figure was computed) are placed
after round 19's own URLs with the same seed and counts, so no committed side moves.

Round 20 (``round_20``): the URLs of batch 2026-12-07-r20, collected after round 19's held-out figures had
been seen, are split the same way with ``SEED_20``, before kvplan's figure for any round-20 log is computed and
before any constant or code is changed. Rounds 1 to 19 keep their sides; round 20's held-out half becomes the
headline and round 19's held-out half is reported as seen. Rows found in round 20's second pass (batch
2026-12-07-r20b: read after round 20's split was committed, before any round-20 figure was computed) are placed
after round 20's own URLs with the same seed and counts, so no committed side moves; rows of its third pass (batch
2026-12-07-r20c: read after the second pass's split was committed, still before any round-20 figure) are placed
after the second pass's URLs the same way.

Round 21 (``round_21``): the URLs of batch 2026-12-07-r21, collected after round 20's held-out figures had
been seen, are split the same way with ``SEED_21``, before kvplan's figure for any round-21 log is computed and
before any constant or code is changed. Rounds 1 to 20 keep their sides; round 21's held-out half becomes the
headline and round 20's held-out half is reported as seen.

Round 22 (``round_22``): the URLs of batch 2026-12-08-r22, collected after round 21's held-out figures had
been seen, are split the same way with ``SEED_22``, before kvplan's figure for any round-22 log is computed and
before any constant or code is changed. Rounds 1 to 21 keep their sides; round 22's held-out half becomes the
headline and round 21's held-out half is reported as seen. Rows found in round 22's second pass (batch
2026-12-08-r22b: read after round 22's split was committed, before any round-22 figure was computed) are placed
after round 22's own URLs with the same seed and counts, so no committed side moves.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FILES = ("vllm_startup_logs.json", "sglang_startup_logs.json", "trtllm_startup_logs.json")
OUT = DATA / "startup_logs_split.json"
SEED = 20_2026_12_06  # issue 20, the day the split was made
ROUND_1 = ("2026-12-01", "2026-12-06")
# Round 2 (batch 2026-12-06-r2): the logs collected after round 1's held-out error had been seen. Round 1
# stays as it was; round 2's URLs are split the same way with a new seed, before any constant or code
# changes, and round 2's held-out half is the headline from then on.
SEED_2 = 20_2026_12_08
ROUND_2 = ("2026-12-06-r2",)
# Round 3 (batch 2026-12-06-r3): collected after round 2's held-out error had been seen; split with its
# own seed before any constant or code changes.
SEED_3 = 20_2026_12_09
ROUND_3 = ("2026-12-06-r3",)
# Round 4 (batch 2026-12-06-r4): collected after round 3's held-out error had been seen; split with its
# own seed before any constant or code changes.
SEED_4 = 20_2026_12_10
ROUND_4 = ("2026-12-06-r4",)
# Round 5 (batch 2026-12-06-r5): collected after round 4's held-out error had been seen; split with its
# own seed before kvplan's figure for any round-5 log is computed.
SEED_5 = 20_2026_12_11
ROUND_5 = ("2026-12-06-r5",)
# Round 6: batch 2026-12-06-r6, collected after round 5's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-6 log is computed.
SEED_6 = 20_2026_12_12
ROUND_6 = ("2026-12-06-r6",)
# Round 7: batch 2026-12-06-r7, collected after round 6's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-7 log is computed.
SEED_7 = 20_2026_12_13
ROUND_7 = ("2026-12-06-r7",)
# Round 8: batch 2026-12-06-r8, collected after round 7's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-8 log is computed.
SEED_8 = 20_2026_12_14
ROUND_8 = ("2026-12-06-r8",)
# Round 9: batch 2026-12-06-r9, collected after round 8's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-9 log is computed.
SEED_9 = 20_2026_12_15
ROUND_9 = ("2026-12-06-r9",)
# Round 10: batch 2026-12-06-r10, collected after round 9's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-10 log is computed.
SEED_10 = 20_2026_12_16
ROUND_10 = ("2026-12-06-r10", "2026-12-06-r10b")
# Round 11: batch 2026-12-06-r11, collected after round 10's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-11 log is computed.
SEED_11 = 20_2026_12_17
ROUND_11 = ("2026-12-06-r11",)
# Round 12: batch 2026-12-07-r12, collected after round 11's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-12 log is computed.
SEED_12 = 20_2026_12_18
ROUND_12 = ("2026-12-07-r12",)
# Round 13: batch 2026-12-07-r13, collected after round 12's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-13 log is computed.
SEED_13 = 20_2026_12_19
ROUND_13 = ("2026-12-07-r13",)
# Round 14: batch 2026-12-07-r14, collected after round 13's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-14 log is computed.
SEED_14 = 20_2026_12_20
ROUND_14 = ("2026-12-07-r14",)
# Round 15: batch 2026-12-07-r15, collected after round 14's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-15 log is computed.
SEED_15 = 20_2026_12_21
ROUND_15 = ("2026-12-07-r15",)
# Round 16: batch 2026-12-07-r16, collected after round 15's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-16 log is computed.
SEED_16 = 20_2026_12_22
ROUND_16 = ("2026-12-07-r16",)
# Round 17: batch 2026-12-07-r17, collected after round 16's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-17 log is computed.
SEED_17 = 20_2026_12_23
ROUND_17 = ("2026-12-07-r17",)
# Round 18: batch 2026-12-07-r18, collected after round 17's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-18 log is computed.
SEED_18 = 20_2026_12_24
ROUND_18 = ("2026-12-07-r18",)
# Round 19: batch 2026-12-07-r19, collected after round 18's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-19 log is computed.
SEED_19 = 20_2026_12_25
ROUND_19 = ("2026-12-07-r19", "2026-12-07-r19b")
# Round 20: batch 2026-12-07-r20, collected after round 19's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-20 log is computed.
SEED_20 = 20_2026_12_26
ROUND_20 = ("2026-12-07-r20", "2026-12-07-r20b", "2026-12-07-r20c")
# Round 21: batch 2026-12-07-r21, collected after round 20's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-21 log is computed.
SEED_21 = 20_2026_12_27
ROUND_21 = ("2026-12-07-r21",)
# Round 22: batch 2026-12-08-r22, collected after round 21's held-out figures had been seen, split with its
# own seed before kvplan's figure for any round-22 log is computed.
SEED_22 = 20_2026_12_28
ROUND_22 = ("2026-12-08-r22", "2026-12-08-r22b")


def all_logs() -> list[dict]:
    return [e for f in FILES for e in json.loads((DATA / f).read_text())["logs"]]


def scored(e: dict) -> bool:
    return "kvplan" in e and not e.get("excluded") and e.get("engine") != "V0"


def split_scored(e: dict) -> bool:
    """Whether the row counted as scored when its round was split: a row made scorable later
    (``scored_since``: the scoring path learned its flags or model) keeps its URL's side and moves no
    other URL, so it counts as it did then."""
    return scored(e) and not e.get("scored_since")


def _balance(urls: list[str], count: dict[str, int], seed: int, sides: dict, n: dict) -> None:
    """Shuffle ``urls`` with ``seed``; each goes to the side with fewer scored rows so far (ties: fewer
    URLs, then held-out)."""
    urls = sorted(urls)
    random.Random(seed).shuffle(urls)
    for u in urls:
        key = {k: (n[k], len(sides[k]), k != "held_out") for k in sides}
        side = min(sides, key=key.get)
        sides[side].append(u)
        n[side] += count[u]


def split() -> dict:
    count: dict[str, int] = {}
    first: set[str] = set()
    batch: dict[str, str] = {}
    for e in all_logs():
        count[e["url"]] = count.get(e["url"], 0) + split_scored(e)
        batch.setdefault(e["url"], e.get("batch"))
        if e.get("batch") == "2026-12-01":
            first.add(e["url"])
    round_2 = {u for u, b in batch.items() if b in ROUND_2}
    round_3 = {u for u, b in batch.items() if b in ROUND_3}
    round_4 = {u for u, b in batch.items() if b in ROUND_4}
    round_5 = {u for u, b in batch.items() if b in ROUND_5}
    round_6 = {u for u, b in batch.items() if b in ROUND_6}
    round_7 = {u for u, b in batch.items() if b in ROUND_7}
    round_8 = {u for u, b in batch.items() if b in ROUND_8}
    round_9 = {u for u, b in batch.items() if b in ROUND_9}
    round_10 = {u for u, b in batch.items() if b == ROUND_10[0]}
    round_10b = {u for u, b in batch.items() if b == ROUND_10[1]}
    round_11 = {u for u, b in batch.items() if b in ROUND_11}
    round_12 = {u for u, b in batch.items() if b in ROUND_12}
    round_13 = {u for u, b in batch.items() if b in ROUND_13}
    round_14 = {u for u, b in batch.items() if b in ROUND_14}
    round_15 = {u for u, b in batch.items() if b in ROUND_15}
    round_16 = {u for u, b in batch.items() if b in ROUND_16}
    round_17 = {u for u, b in batch.items() if b in ROUND_17}
    round_18 = {u for u, b in batch.items() if b in ROUND_18}
    round_19 = {u for u, b in batch.items() if b == ROUND_19[0]}
    round_19b = {u for u, b in batch.items() if b == ROUND_19[1]}
    round_20 = {u for u, b in batch.items() if b == ROUND_20[0]}
    round_20b = {u for u, b in batch.items() if b == ROUND_20[1]}
    round_20c = {u for u, b in batch.items() if b == ROUND_20[2]}
    round_21 = {u for u, b in batch.items() if b in ROUND_21}
    round_22 = {u for u, b in batch.items() if b == ROUND_22[0]}
    round_22b = {u for u, b in batch.items() if b == ROUND_22[1]}
    sides = {"held_out": [], "fit": sorted(first)}
    n = {"held_out": 0, "fit": sum(count[u] for u in first)}
    later = (round_2 | round_3 | round_4 | round_5 | round_6 | round_7 | round_8 | round_9 | round_10 | round_10b
             | round_11 | round_12 | round_13 | round_14 | round_15 | round_16 | round_17 | round_18 | round_19
             | round_19b | round_20 | round_20b | round_20c | round_21 | round_22 | round_22b)
    _balance(sorted(set(count) - first - later), count, SEED, sides, n)
    sides_2: dict = {"held_out": [], "fit": []}
    n_2 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_2), count, SEED_2, sides_2, n_2)
    sides_3: dict = {"held_out": [], "fit": []}
    n_3 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_3), count, SEED_3, sides_3, n_3)
    sides_4: dict = {"held_out": [], "fit": []}
    n_4 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_4), count, SEED_4, sides_4, n_4)
    sides_5: dict = {"held_out": [], "fit": []}
    n_5 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_5), count, SEED_5, sides_5, n_5)
    sides_6: dict = {"held_out": [], "fit": []}
    n_6 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_6), count, SEED_6, sides_6, n_6)
    sides_7: dict = {"held_out": [], "fit": []}
    n_7 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_7), count, SEED_7, sides_7, n_7)
    sides_8: dict = {"held_out": [], "fit": []}
    n_8 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_8), count, SEED_8, sides_8, n_8)
    sides_9: dict = {"held_out": [], "fit": []}
    n_9 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_9), count, SEED_9, sides_9, n_9)
    sides_10: dict = {"held_out": [], "fit": []}
    n_10 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_10), count, SEED_10, sides_10, n_10)
    _balance(sorted(round_10b), count, SEED_10, sides_10, n_10)  # the second pass: after, so nothing moves
    sides_11: dict = {"held_out": [], "fit": []}
    n_11 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_11), count, SEED_11, sides_11, n_11)
    sides_12: dict = {"held_out": [], "fit": []}
    n_12 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_12), count, SEED_12, sides_12, n_12)
    sides_13: dict = {"held_out": [], "fit": []}
    n_13 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_13), count, SEED_13, sides_13, n_13)
    sides_14: dict = {"held_out": [], "fit": []}
    n_14 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_14), count, SEED_14, sides_14, n_14)
    sides_15: dict = {"held_out": [], "fit": []}
    n_15 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_15), count, SEED_15, sides_15, n_15)
    sides_16: dict = {"held_out": [], "fit": []}
    n_16 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_16), count, SEED_16, sides_16, n_16)
    sides_17: dict = {"held_out": [], "fit": []}
    n_17 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_17), count, SEED_17, sides_17, n_17)
    sides_18: dict = {"held_out": [], "fit": []}
    n_18 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_18), count, SEED_18, sides_18, n_18)
    sides_19: dict = {"held_out": [], "fit": []}
    n_19 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_19), count, SEED_19, sides_19, n_19)
    _balance(sorted(round_19b), count, SEED_19, sides_19, n_19)  # the second pass: after, so nothing moves
    sides_20: dict = {"held_out": [], "fit": []}
    n_20 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_20), count, SEED_20, sides_20, n_20)
    _balance(sorted(round_20b), count, SEED_20, sides_20, n_20)  # the second pass: after, so nothing moves
    _balance(sorted(round_20c), count, SEED_20, sides_20, n_20)  # the third pass: after the second
    sides_21: dict = {"held_out": [], "fit": []}
    n_21 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_21), count, SEED_21, sides_21, n_21)
    sides_22: dict = {"held_out": [], "fit": []}
    n_22 = {"held_out": 0, "fit": 0}
    _balance(sorted(round_22), count, SEED_22, sides_22, n_22)
    _balance(sorted(round_22b), count, SEED_22, sides_22, n_22)  # the second pass: after, so nothing moves
    return {"seed": SEED, "method": " ".join(__doc__.split("\n\n")[2].split()),
            "files": list(FILES), "scored_rows": n,
            "held_out_urls": sorted(sides["held_out"]), "fit_urls": sorted(sides["fit"]),
            "round_2": {"seed": SEED_2, "batches": list(ROUND_2),
                        "method": " ".join(__doc__.split("\n\n")[3].split()), "scored_rows": n_2,
                        "held_out_urls": sorted(sides_2["held_out"]), "fit_urls": sorted(sides_2["fit"])},
            "round_3": {"seed": SEED_3, "batches": list(ROUND_3),
                        "method": " ".join(__doc__.split("\n\n")[4].split()), "scored_rows": n_3,
                        "held_out_urls": sorted(sides_3["held_out"]), "fit_urls": sorted(sides_3["fit"])},
            "round_4": {"seed": SEED_4, "batches": list(ROUND_4),
                        "method": " ".join(__doc__.split("\n\n")[5].split()), "scored_rows": n_4,
                        "held_out_urls": sorted(sides_4["held_out"]), "fit_urls": sorted(sides_4["fit"])},
            "round_5": {"seed": SEED_5, "batches": list(ROUND_5),
                        "method": " ".join(__doc__.split("\n\n")[6].split()), "scored_rows": n_5,
                        "held_out_urls": sorted(sides_5["held_out"]), "fit_urls": sorted(sides_5["fit"])},
            "round_6": {"seed": SEED_6, "batches": list(ROUND_6),
                        "method": " ".join(__doc__.split("\n\n")[7].split()), "scored_rows": n_6,
                        "held_out_urls": sorted(sides_6["held_out"]), "fit_urls": sorted(sides_6["fit"])},
            "round_7": {"seed": SEED_7, "batches": list(ROUND_7),
                        "method": " ".join(__doc__.split("\n\n")[8].split()), "scored_rows": n_7,
                        "held_out_urls": sorted(sides_7["held_out"]), "fit_urls": sorted(sides_7["fit"])},
            "round_8": {"seed": SEED_8, "batches": list(ROUND_8),
                        "method": " ".join(__doc__.split("\n\n")[9].split()), "scored_rows": n_8,
                        "held_out_urls": sorted(sides_8["held_out"]), "fit_urls": sorted(sides_8["fit"])},
            "round_9": {"seed": SEED_9, "batches": list(ROUND_9),
                        "method": " ".join(__doc__.split("\n\n")[10].split()), "scored_rows": n_9,
                        "held_out_urls": sorted(sides_9["held_out"]), "fit_urls": sorted(sides_9["fit"])},
            "round_10": {"seed": SEED_10, "batches": list(ROUND_10),
                         "method": " ".join(__doc__.split("\n\n")[11].split()), "scored_rows": n_10,
                         "held_out_urls": sorted(sides_10["held_out"]), "fit_urls": sorted(sides_10["fit"])},
            "round_11": {"seed": SEED_11, "batches": list(ROUND_11),
                         "method": " ".join(__doc__.split("\n\n")[12].split()), "scored_rows": n_11,
                         "held_out_urls": sorted(sides_11["held_out"]), "fit_urls": sorted(sides_11["fit"])},
            "round_12": {"seed": SEED_12, "batches": list(ROUND_12),
                         "method": " ".join(__doc__.split("\n\n")[13].split()), "scored_rows": n_12,
                         "held_out_urls": sorted(sides_12["held_out"]), "fit_urls": sorted(sides_12["fit"])},
            "round_13": {"seed": SEED_13, "batches": list(ROUND_13),
                         "method": " ".join(__doc__.split("\n\n")[14].split()), "scored_rows": n_13,
                         "held_out_urls": sorted(sides_13["held_out"]), "fit_urls": sorted(sides_13["fit"])},
            "round_14": {"seed": SEED_14, "batches": list(ROUND_14),
                         "method": " ".join(__doc__.split("\n\n")[15].split()), "scored_rows": n_14,
                         "held_out_urls": sorted(sides_14["held_out"]), "fit_urls": sorted(sides_14["fit"])},
            "round_15": {"seed": SEED_15, "batches": list(ROUND_15),
                         "method": " ".join(__doc__.split("\n\n")[16].split()), "scored_rows": n_15,
                         "held_out_urls": sorted(sides_15["held_out"]), "fit_urls": sorted(sides_15["fit"])},
            "round_16": {"seed": SEED_16, "batches": list(ROUND_16),
                         "method": " ".join(__doc__.split("\n\n")[17].split()), "scored_rows": n_16,
                         "held_out_urls": sorted(sides_16["held_out"]), "fit_urls": sorted(sides_16["fit"])},
            "round_17": {"seed": SEED_17, "batches": list(ROUND_17),
                         "method": " ".join(__doc__.split("\n\n")[18].split()), "scored_rows": n_17,
                         "held_out_urls": sorted(sides_17["held_out"]), "fit_urls": sorted(sides_17["fit"])},
            "round_18": {"seed": SEED_18, "batches": list(ROUND_18),
                         "method": " ".join(__doc__.split("\n\n")[19].split()), "scored_rows": n_18,
                         "held_out_urls": sorted(sides_18["held_out"]), "fit_urls": sorted(sides_18["fit"])},
            "round_19": {"seed": SEED_19, "batches": list(ROUND_19),
                         "method": " ".join(__doc__.split("\n\n")[20].split()), "scored_rows": n_19,
                         "held_out_urls": sorted(sides_19["held_out"]), "fit_urls": sorted(sides_19["fit"])},
            "round_20": {"seed": SEED_20, "batches": list(ROUND_20),
                         "method": " ".join(__doc__.split("\n\n")[21].split()), "scored_rows": n_20,
                         "held_out_urls": sorted(sides_20["held_out"]), "fit_urls": sorted(sides_20["fit"])},
            "round_21": {"seed": SEED_21, "batches": list(ROUND_21),
                         "method": " ".join(__doc__.split("\n\n")[22].split()), "scored_rows": n_21,
                         "held_out_urls": sorted(sides_21["held_out"]), "fit_urls": sorted(sides_21["fit"])},
            "round_22": {"seed": SEED_22, "batches": list(ROUND_22),
                         "method": " ".join(__doc__.split("\n\n")[23].split()), "scored_rows": n_22,
                         "held_out_urls": sorted(sides_22["held_out"]), "fit_urls": sorted(sides_22["fit"])}}


if __name__ == "__main__":
    OUT.write_text(json.dumps(split(), indent=1) + "\n")
    print(f"wrote {OUT}")
