"""The held-out split of the start-up logs (issue 20) is the one the seeded script makes, and
covers every URL once."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import startup_log_split  # noqa: E402

SPLIT = json.loads((ROOT / "tests" / "data" / "startup_logs_split.json").read_text())


def test_split_is_the_seeded_one():
    assert startup_log_split.split() == SPLIT


def test_every_url_on_one_side():
    r2, r3, r4, r5 = SPLIT["round_2"], SPLIT["round_3"], SPLIT["round_4"], SPLIT["round_5"]
    sides = [set(SPLIT["held_out_urls"]), set(SPLIT["fit_urls"]), set(r2["held_out_urls"]), set(r2["fit_urls"]),
             set(r3["held_out_urls"]), set(r3["fit_urls"]), set(r4["held_out_urls"]), set(r4["fit_urls"]),
             set(r5["held_out_urls"]), set(r5["fit_urls"]),
             set(SPLIT["round_6"]["held_out_urls"]), set(SPLIT["round_6"]["fit_urls"]),
             set(SPLIT["round_7"]["held_out_urls"]), set(SPLIT["round_7"]["fit_urls"]),
             set(SPLIT["round_8"]["held_out_urls"]), set(SPLIT["round_8"]["fit_urls"]),
             set(SPLIT["round_9"]["held_out_urls"]), set(SPLIT["round_9"]["fit_urls"]),
             set(SPLIT["round_10"]["held_out_urls"]), set(SPLIT["round_10"]["fit_urls"]),
             set(SPLIT["round_11"]["held_out_urls"]), set(SPLIT["round_11"]["fit_urls"]),
             set(SPLIT["round_12"]["held_out_urls"]), set(SPLIT["round_12"]["fit_urls"]),
             set(SPLIT["round_13"]["held_out_urls"]), set(SPLIT["round_13"]["fit_urls"]),
             set(SPLIT["round_14"]["held_out_urls"]), set(SPLIT["round_14"]["fit_urls"]),
             set(SPLIT["round_15"]["held_out_urls"]), set(SPLIT["round_15"]["fit_urls"]),
             set(SPLIT["round_16"]["held_out_urls"]), set(SPLIT["round_16"]["fit_urls"]),
             set(SPLIT["round_17"]["held_out_urls"]), set(SPLIT["round_17"]["fit_urls"]),
             set(SPLIT["round_18"]["held_out_urls"]), set(SPLIT["round_18"]["fit_urls"]),
             set(SPLIT["round_19"]["held_out_urls"]), set(SPLIT["round_19"]["fit_urls"]),
             set(SPLIT["round_20"]["held_out_urls"]), set(SPLIT["round_20"]["fit_urls"]),
             set(SPLIT["round_21"]["held_out_urls"]), set(SPLIT["round_21"]["fit_urls"]),
             set(SPLIT["round_22"]["held_out_urls"]), set(SPLIT["round_22"]["fit_urls"])]
    assert sum(len(s) for s in sides) == len(set().union(*sides))  # no URL on two sides
    assert {e["url"] for e in startup_log_split.all_logs()} == set().union(*sides)
    assert SPLIT["scored_rows"]["held_out"] >= 10


def test_round_2_holds_only_its_own_batch_and_leaves_round_1_as_it_was():
    """Round 2 is split with its own seed; round 1's sides (whose held-out figures were seen) do not move."""
    r2 = SPLIT["round_2"]
    assert r2["seed"] != SPLIT["seed"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r2["held_out_urls"] + r2["fit_urls"]} == set(r2["batches"])
    assert not {u for u, b in batch.items() if b in r2["batches"]} & set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    assert r2["scored_rows"]["held_out"] >= 1 and r2["scored_rows"]["fit"] >= 1


def test_round_3_holds_only_its_own_batch_and_leaves_rounds_1_and_2_as_they_were():
    """Round 3 is split with a seed of its own; the URLs of rounds 1 and 2 (whose held-out figures were
    seen) do not move."""
    r2, r3 = SPLIT["round_2"], SPLIT["round_3"]
    assert len({SPLIT["seed"], r2["seed"], r3["seed"]}) == 3
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r3["held_out_urls"] + r3["fit_urls"]} == set(r3["batches"])
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"] + r2["held_out_urls"] + r2["fit_urls"])
    assert not {u for u, b in batch.items() if b in r3["batches"]} & earlier
    assert r3["scored_rows"]["held_out"] >= 1


def test_round_4_holds_only_its_own_batch_and_leaves_rounds_1_to_3_as_they_were():
    """Round 4 is split with a seed of its own; the URLs of rounds 1 to 3 (whose held-out figures were
    seen) do not move."""
    r2, r3, r4 = SPLIT["round_2"], SPLIT["round_3"], SPLIT["round_4"]
    assert len({SPLIT["seed"], r2["seed"], r3["seed"], r4["seed"]}) == 4
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r4["held_out_urls"] + r4["fit_urls"]} == set(r4["batches"])
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in (r2, r3):
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r4["batches"]} & earlier
    assert r4["held_out_urls"] and r4["fit_urls"]


def test_round_5_holds_only_its_own_batch_and_leaves_rounds_1_to_4_as_they_were():
    """Round 5 is split with a seed of its own; the URLs of rounds 1 to 4 (whose held-out figures were
    seen) do not move, and the TensorRT-LLM file it adds holds no row of rounds 1 to 4."""
    r2, r3, r4, r5 = SPLIT["round_2"], SPLIT["round_3"], SPLIT["round_4"], SPLIT["round_5"]
    assert len({SPLIT["seed"], r2["seed"], r3["seed"], r4["seed"], r5["seed"]}) == 5
    logs = startup_log_split.all_logs()
    batch = {e["url"]: e.get("batch") for e in logs}
    assert {batch[u] for u in r5["held_out_urls"] + r5["fit_urls"]} == set(r5["batches"])
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in (r2, r3, r4):
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r5["batches"]} & earlier
    assert r5["held_out_urls"] and r5["fit_urls"] and r5["scored_rows"]["held_out"] >= 1
    later = SPLIT["round_6"]["batches"] + SPLIT["round_7"]["batches"] + SPLIT["round_8"]["batches"] + \
        SPLIT["round_9"]["batches"] + SPLIT["round_10"]["batches"] + SPLIT["round_11"]["batches"] + \
        SPLIT["round_12"]["batches"] + SPLIT["round_13"]["batches"] + SPLIT["round_14"]["batches"] + \
        SPLIT["round_15"]["batches"] + SPLIT["round_16"]["batches"] + SPLIT["round_17"]["batches"] + \
        SPLIT["round_18"]["batches"] + SPLIT["round_19"]["batches"] + SPLIT["round_20"]["batches"] + \
        SPLIT["round_21"]["batches"] + SPLIT["round_22"]["batches"]
    assert {e["batch"] for e in logs if e.get("engine") == "TRT-LLM"} <= set(r5["batches"] + later)


def test_first_batch_is_on_the_fit_side():
    """kvplan's current defaults were fitted to the first batch: none of it may be held out."""
    first = {e["url"] for e in startup_log_split.all_logs() if e.get("batch") == "2026-12-01"}
    assert first and first <= set(SPLIT["fit_urls"])


def test_round_6_holds_only_its_own_batch_and_leaves_rounds_1_to_5_as_they_were():
    """Round 6 is split with a seed of its own (2020261212); the URLs of rounds 1 to 5 do not move."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 7)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 6 and SPLIT["round_6"]["seed"] == 2020261212
    r6 = SPLIT["round_6"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r6["held_out_urls"] + r6["fit_urls"]} == set(r6["batches"]) == {"2026-12-06-r6"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r6["batches"]} & earlier
    assert r6["held_out_urls"] and r6["fit_urls"]


def test_round_7_holds_only_its_own_batch_and_leaves_rounds_1_to_6_as_they_were():
    """Round 7 is split with a seed of its own (2020261213); the URLs of rounds 1 to 6 do not move."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 8)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 7 and SPLIT["round_7"]["seed"] == 2020261213
    r7 = SPLIT["round_7"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r7["held_out_urls"] + r7["fit_urls"]} == set(r7["batches"]) == {"2026-12-06-r7"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r7["batches"]} & earlier
    assert r7["held_out_urls"] and r7["fit_urls"]


def test_round_8_holds_only_its_own_batch_and_leaves_rounds_1_to_7_as_they_were():
    """Round 8 is split with a seed of its own (2020261214); the URLs of rounds 1 to 7 do not move."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 9)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 8 and SPLIT["round_8"]["seed"] == 2020261214
    r8 = SPLIT["round_8"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r8["held_out_urls"] + r8["fit_urls"]} == set(r8["batches"]) == {"2026-12-06-r8"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r8["batches"]} & earlier
    assert r8["held_out_urls"] and r8["fit_urls"]


def test_round_9_holds_only_its_own_batch_and_leaves_rounds_1_to_8_as_they_were():
    """Round 9 is split with a seed of its own (2020261215); the URLs of rounds 1 to 8 do not move, and
    scored rows land on both sides."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 10)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 9 and SPLIT["round_9"]["seed"] == 2020261215
    r9 = SPLIT["round_9"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r9["held_out_urls"] + r9["fit_urls"]} == set(r9["batches"]) == {"2026-12-06-r9"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r9["batches"]} & earlier
    assert r9["scored_rows"]["held_out"] >= 1 and r9["scored_rows"]["fit"] >= 1


def test_round_10_holds_only_its_own_batch_and_leaves_rounds_1_to_9_as_they_were():
    """Round 10 is split with a seed of its own (2020261216); the URLs of rounds 1 to 9 do not move, and
    scored rows land on both sides."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 11)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 10 and SPLIT["round_10"]["seed"] == 2020261216
    r10 = SPLIT["round_10"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r10["held_out_urls"] + r10["fit_urls"]} == set(r10["batches"]) == \
        {"2026-12-06-r10", "2026-12-06-r10b"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r10["batches"]} & earlier
    assert r10["scored_rows"]["held_out"] >= 1 and r10["scored_rows"]["fit"] >= 1
    # the second pass (r10b) moves no URL of the first: round 10's own URLs alone fall where they fall with it
    count = {}
    for e in startup_log_split.all_logs():
        count[e["url"]] = count.get(e["url"], 0) + startup_log_split.split_scored(e)
    alone: dict = {"held_out": [], "fit": []}
    first = [u for u, b in batch.items() if b == "2026-12-06-r10"]
    startup_log_split._balance(first, count, r10["seed"], alone, {"held_out": 0, "fit": 0})
    assert set(alone["held_out"]) <= set(r10["held_out_urls"]) and set(alone["fit"]) <= set(r10["fit_urls"])
    assert {batch[u] for u in r10["held_out_urls"] + r10["fit_urls"]} - {"2026-12-06-r10"} == {"2026-12-06-r10b"}


def test_round_11_holds_only_its_own_batch_and_leaves_rounds_1_to_10_as_they_were():
    """Round 11 is split with a seed of its own (2020261217); the URLs of rounds 1 to 10 do not move. Its rows
    were all unscorable when it was split (models outside the catalog, cards not named, V0 engines, LoRA), so
    both its sides hold URLs and no scored row."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 12)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 11 and SPLIT["round_11"]["seed"] == 2020261217
    r11 = SPLIT["round_11"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r11["held_out_urls"] + r11["fit_urls"]} == set(r11["batches"]) == {"2026-12-06-r11"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r11["batches"]} & earlier
    assert r11["held_out_urls"] and r11["fit_urls"]
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r11["batches"]]
    assert r11["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r11["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r11["fit_urls"])}


def test_round_12_holds_only_its_own_batch_and_leaves_rounds_1_to_11_as_they_were():
    """Round 12 is split with a seed of its own (2020261218); the URLs of rounds 1 to 11 do not move. It was
    split with one scored row on each side (Qwen3-8B and Qwen3-4B-Instruct-2507 on one H100, vLLM 0.23), and
    every other row listed with its reason, before kvplan's figure for any of them was computed."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 13)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 12 and SPLIT["round_12"]["seed"] == 2020261218
    r12 = SPLIT["round_12"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r12["held_out_urls"] + r12["fit_urls"]} == set(r12["batches"]) == {"2026-12-07-r12"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r12["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r12["batches"]]
    assert r12["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r12["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r12["fit_urls"])} == {"held_out": 1, "fit": 1}
    assert all(startup_log_split.scored(e) or e.get("kvplan_skip") for e in rows)


def test_round_13_holds_only_its_own_batch_and_leaves_rounds_1_to_12_as_they_were():
    """Round 13 is split with a seed of its own (2020261219); the URLs of rounds 1 to 12 do not move. It was
    split with one scored row on each side (a Llama-4-Scout refusal on 2 H100 NVL, vLLM; Qwen3-32B on one H100,
    SGLang 0.5.19), and every other row listed with its reason, before kvplan's figure for any of them was
    computed."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 14)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 13 and SPLIT["round_13"]["seed"] == 2020261219
    r13 = SPLIT["round_13"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r13["held_out_urls"] + r13["fit_urls"]} == set(r13["batches"]) == {"2026-12-07-r13"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r13["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r13["batches"]]
    assert r13["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r13["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r13["fit_urls"])} == {"held_out": 1, "fit": 1}
    assert all(startup_log_split.scored(e) or e.get("kvplan_skip") for e in rows)


def test_round_14_holds_only_its_own_batch_and_leaves_rounds_1_to_13_as_they_were():
    """Round 14 is split with a seed of its own (2020261220); the URLs of rounds 1 to 13 do not move. No
    round-14 row was scorable when it was split (models or cards outside the catalog, launch flags not in
    the posts, a 2507 release whose positions the catalog's entry does not reach): every row is listed
    with its reason, and the eight URLs alternate between the sides by the seeded order."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 15)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 14 and SPLIT["round_14"]["seed"] == 2020261220
    r14 = SPLIT["round_14"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r14["held_out_urls"] + r14["fit_urls"]} == set(r14["batches"]) == {"2026-12-07-r14"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r14["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r14["batches"]]
    assert r14["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r14["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r14["fit_urls"])} == {"held_out": 0, "fit": 0}
    assert len(r14["held_out_urls"]) == len(r14["fit_urls"]) == 4
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows)


def test_round_15_holds_only_its_own_batch_and_leaves_rounds_1_to_14_as_they_were():
    """Round 15 is split with a seed of its own (2020261221); the URLs of rounds 1 to 14 do not move. No
    round-15 row was scorable when it was split (a docs table without the release or utilization, a recipe
    whose model serves more positions than the catalog's entry, a model outside the catalog, a TensorRT-engine
    log): every row is listed with its reason, and the four URLs alternate between the sides by the seeded
    order."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 16)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 15 and SPLIT["round_15"]["seed"] == 2020261221
    r15 = SPLIT["round_15"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r15["held_out_urls"] + r15["fit_urls"]} == set(r15["batches"]) == {"2026-12-07-r15"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r15["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r15["batches"]]
    assert r15["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r15["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r15["fit_urls"])} == {"held_out": 0, "fit": 0}
    assert len(r15["held_out_urls"]) == len(r15["fit_urls"]) == 2
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows)


def test_round_16_holds_only_its_own_batch_and_leaves_rounds_1_to_15_as_they_were():
    """Round 16 is split with a seed of its own (2020261222); the URLs of rounds 1 to 15 do not move. Nine
    round-16 rows were scorable when it was split, from six URLs (1 + 1 + 3 + 1 + 2 + 1 scored rows); the seeded
    order sends each URL to the side with fewer scored rows so far, which left three URLs on each side and the
    Cursor export's three Llama-4-Scout rows on the fit side with the blog post's two Qwen2.5-7B rows."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 17)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 16 and SPLIT["round_16"]["seed"] == 2020261222
    r16 = SPLIT["round_16"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r16["held_out_urls"] + r16["fit_urls"]} == set(r16["batches"]) == {"2026-12-07-r16"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r16["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r16["batches"]]
    assert r16["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r16["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r16["fit_urls"])} == {"held_out": 3, "fit": 6}
    assert len(r16["held_out_urls"]) == len(r16["fit_urls"]) == 3
    # session 18 scored its Qwen3-14B-AWQ rows (st20fmt: a weight format priced since), sides unchanged
    assert not any(e.get("scored_since") and "session 18 (issue 20, st20fmt)" not in e["scored_since"] for e in rows)
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows if "kvplan" not in e)


def test_round_17_holds_only_its_own_batch_and_leaves_rounds_1_to_16_as_they_were():
    """Round 17 is split with a seed of its own (2020261223); the URLs of rounds 1 to 16 do not move. Two
    round-17 rows were scorable when it was split, from two URLs (Qwen3-14B on an L40S with vLLM 0.29.0's
    defaults, and a Qwen3-Coder-30B-A3B FP8 refusal on an RTX 5090); the seeded order sent one to each side.
    The other 13 rows (12 URLs) are listed, each with its reason."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 18)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 17 and SPLIT["round_17"]["seed"] == 2020261223
    r17 = SPLIT["round_17"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r17["held_out_urls"] + r17["fit_urls"]} == set(r17["batches"]) == {"2026-12-07-r17"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r17["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r17["batches"]]
    assert len(rows) == 15 and len(r17["held_out_urls"]) + len(r17["fit_urls"]) == 14
    assert r17["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r17["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r17["fit_urls"])} == {"held_out": 1, "fit": 1}
    assert not any(e.get("scored_since") and "session 18 (issue 20, st20fmt)" not in e["scored_since"] for e in rows)
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows if "kvplan" not in e)


def test_round_18_holds_only_its_own_batch_and_leaves_rounds_1_to_17_as_they_were():
    """Round 18 is split with a seed of its own (2020261224); the URLs of rounds 1 to 17 do not move. Three
    round-18 rows were scorable when it was split, from three URLs (Qwen3-32B on an H100 in llm-d's pod-snapshot
    guide, Qwen2.5-7B on a V100 with LLM()'s defaults, Llama-3.1-8B on a card only the log's budget names, an
    H200); the seeded order sent one to the held-out side and two to the fit side. The other 19 rows (18 URLs)
    are listed, each with its reason."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 19)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 18 and SPLIT["round_18"]["seed"] == 2020261224
    r18 = SPLIT["round_18"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r18["held_out_urls"] + r18["fit_urls"]} == set(r18["batches"]) == {"2026-12-07-r18"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r18["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r18["batches"]]
    assert len(rows) == 22 and len(r18["held_out_urls"]) + len(r18["fit_urls"]) == 21
    assert r18["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r18["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r18["fit_urls"])} == {"held_out": 1, "fit": 2}
    assert not any(e.get("scored_since") for e in rows)
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows if "kvplan" not in e)


def test_a_row_scored_later_keeps_its_rounds_split():
    """recipes#12's rows became scorable after round 1 was split; they count as unscored for it."""
    rows = [e for e in startup_log_split.all_logs() if e.get("scored_since")]
    assert rows and all(startup_log_split.scored(e) and not startup_log_split.split_scored(e) for e in rows)


def test_round_19_holds_only_its_own_batch_and_leaves_rounds_1_to_18_as_they_were():
    """Round 19 is split with a seed of its own (2020261225); the URLs of rounds 1 to 18 do not move. 82 rows from
    82 URLs: 74 start-up logs of llm-d-planner's vLLM 0.19.0 campaign on H100s and 4 parsed runs of its version
    sweep (0.15 to 0.18; one file, one URL each), a Llama 3 70B AWQ log on two L40S and three SGLang logs. 41 were
    scorable when it was split (40 of the campaign's, the L40S one); the seeded order sent 20 to the held-out side
    and 21 to the fit side. The other 41 rows are listed, each with its reason. Its second pass (batch r19b, read
    after the split was committed and before any round-19 figure) adds one scorable URL, LLMServingSim's RTX 4090
    bundle, placed after the first pass's URLs with the same seed and counts: held out (20 < 21), nothing moved."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 20)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 19 and SPLIT["round_19"]["seed"] == 2020261225
    r19 = SPLIT["round_19"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r19["held_out_urls"] + r19["fit_urls"]} == set(r19["batches"]) == {"2026-12-07-r19",
                                                                                                  "2026-12-07-r19b"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r19["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r19["batches"]]
    assert len(rows) == 83 and len(r19["held_out_urls"]) + len(r19["fit_urls"]) == 83
    second = [e["url"] for e in rows if e["batch"] == "2026-12-07-r19b"]
    assert len(second) == 1 and second[0] in r19["held_out_urls"]
    assert r19["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r19["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r19["fit_urls"])} == {"held_out": 21, "fit": 21}
    assert not any(e.get("scored_since") for e in rows)
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows if "kvplan" not in e)


def test_round_20_holds_only_its_own_batch_and_leaves_rounds_1_to_19_as_they_were():
    """Round 20 is split with a seed of its own (2020261226); the URLs of rounds 1 to 19 do not move. 26 rows from
    26 URLs, from independent sources: akamaslabs' vLLM 0.29.0 tuning study on an L40S (two probe logs of Gemma 4
    26B-A4B FP8-dynamic, KV auto and fp8), SRO-SA's TensorRT-LLM 1.1.0 trtllm-serve log of TinyLlama on an RTX 6000
    Ada, a TensorRT-LLM refusal of Qwen3-235B-A22B-FP8 at TP 8 / EP 8 on H200s (TensorRT-LLM#5872), and 22 rows
    listed with their reason (vLLM, SGLang and TensorRT-LLM issue threads: refusals whose card or flags the excerpts
    do not give, V0 logs, engine-backend TensorRT-LLM logs, models outside the catalog). 4 were scorable when it was
    split; the seeded order sent 2 to the held-out side (the K-fp8 probe, the TensorRT-LLM refusal) and 2 to the fit
    side. Its second pass (batch r20b, read after the split was committed and before any round-20 figure) adds two
    scorable URLs, StellaLee's two vLLM 0.23.0 server logs of Qwen2.5-Coder-7B on an RTX 4090, placed after the first
    pass's URLs with the same seed and counts: one held out (a 2-2 tie in rows, 11 < 15 URLs), then one to the fit
    side (3 > 2); nothing moved. Its third pass (batch r20c, read after the second pass's split was committed, still
    before any round-20 figure) adds two more, eslam-ahmed43/llm-lab's vLLM 0.30.0 logs of Qwen2.5-1.5B-Instruct on a
    Tesla T4 (config stored beside the data), placed after the second pass's URLs the same way: one each side."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 21)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 20 and SPLIT["round_20"]["seed"] == 2020261226
    r20 = SPLIT["round_20"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r20["held_out_urls"] + r20["fit_urls"]} == set(r20["batches"]) == {"2026-12-07-r20",
                                                                                                  "2026-12-07-r20b",
                                                                                                  "2026-12-07-r20c"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r20["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r20["batches"]]
    assert len(rows) == 30 and len(r20["held_out_urls"]) + len(r20["fit_urls"]) == 30
    first = {e["url"] for e in rows if e["batch"] == "2026-12-07-r20"}
    assert len(first & set(r20["held_out_urls"])) == 11 and len(first & set(r20["fit_urls"])) == 15
    second = sorted(e["url"] for e in rows if e["batch"] == "2026-12-07-r20b")
    assert len(second) == 2 and set(second) & set(r20["held_out_urls"]) == {second[1]}  # dynchunk1, as committed
    third = sorted(e["url"] for e in rows if e["batch"] == "2026-12-07-r20c")
    assert len(third) == 2 and len(set(third) & set(r20["held_out_urls"])) == 1
    assert r20["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r20["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r20["fit_urls"])} == {"held_out": 4, "fit": 4}
    assert not any(e.get("scored_since") for e in rows)
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows if "kvplan" not in e)


def test_round_21_holds_only_its_own_batch_and_leaves_rounds_1_to_20_as_they_were():
    """Round 21 is split with a seed of its own (2020261227); the URLs of rounds 1 to 20 do not move. 25 rows from
    25 URLs: wrbooth/vllm-serve-bench's eight vLLM 0.29.0 engine logs on one RTX 5090 (Qwen2.5-7B-Instruct cold and
    warm, online FP8, its own FP8-dynamic checkpoint, max_num_batched_tokens 8192, prefix caching off, and
    Qwen2.5-0.5B-Instruct, whose config is stored beside the data), jxm020202/aimo3's two vLLM 0.11.2 logs of
    gpt-oss-120b on a Kaggle H100, parallelworks/activate-rag-vllm's vLLM 0.15.1 log of gpt-oss-120b at TP 2 (the
    card named by its budget: H200), a vLLM refusal of DeepSeek-V4-Pro at TP 8 on MI300X (vllm#53961), and 13 rows
    listed with their reason (models outside the catalog, V0 logs, forks and prototypes, a TensorRT engine-backend
    log, cards the excerpts do not name, a refusal from memory another process held). 12 were scorable when it was
    split; the seeded order sent 6 to each side."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 22)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 21 and SPLIT["round_21"]["seed"] == 2020261227
    r21 = SPLIT["round_21"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r21["held_out_urls"] + r21["fit_urls"]} == set(r21["batches"]) == {"2026-12-07-r21"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r21["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r21["batches"]]
    assert len(rows) == 25 and len(r21["held_out_urls"]) + len(r21["fit_urls"]) == 25
    assert len(r21["held_out_urls"]) == 12 and len(r21["fit_urls"]) == 13
    assert r21["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r21["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r21["fit_urls"])} == {"held_out": 6, "fit": 6}
    assert not any(e.get("scored_since") for e in rows)
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows if "kvplan" not in e)


def test_round_22_holds_only_its_own_batch_and_leaves_rounds_1_to_21_as_they_were():
    """Round 22 is split with a seed of its own (2020261228); the URLs of rounds 1 to 21 do not move. 30 rows from
    30 URLs, 4 of them scorable when it was split: Gemma 4 26B-A4B on an H200 (vLLM 0.20.2, Michal1337's committed
    log), DeepSeek-R1-Distill-Qwen-7B on a card named by its budget (RTX A6000; vLLM 0.11.0, abi2024/narcbench),
    a start-up OOM of Qwen2.5-7B on a Colab T4 (vLLM 0.19.1, mobambas; a refusal), and Llama-3.2-1B on a card named
    by its budget (A100 40GB; vLLM 0.9.0.1, vllm-project/production-stack, tokens only); 26 listed with their reason
    (cards two catalog cards fit, models outside the catalog, bitsandbytes, V0 logs, runs that never started, an
    SGLang reference log whose mem_fraction_static is not printed). The seeded order sent 2 scored rows to each
    side. Its second pass (batch 2026-12-08-r22b, read after the split was committed at b15a325, before any
    round-22 figure) adds 3 listed rows from 3 URLs (Qwen3.6-27B on two A100s, gemma-3-12b AWQ, and a trtllm-bench
    PyTorch-backend log whose pool is capped by max_tokens), placed after the first pass's URLs: none of them
    moves."""
    rs = [SPLIT[f"round_{i}"] for i in range(2, 23)]
    assert len({SPLIT["seed"]} | {r["seed"] for r in rs}) == 22 and SPLIT["round_22"]["seed"] == 2020261228
    r22 = SPLIT["round_22"]
    batch = {e["url"]: e.get("batch") for e in startup_log_split.all_logs()}
    assert {batch[u] for u in r22["held_out_urls"] + r22["fit_urls"]} == set(r22["batches"]) == {"2026-12-08-r22",
                                                                                                  "2026-12-08-r22b"}
    earlier = set(SPLIT["held_out_urls"] + SPLIT["fit_urls"])
    for r in rs[:-1]:
        earlier |= set(r["held_out_urls"] + r["fit_urls"])
    assert not {u for u, b in batch.items() if b in r22["batches"]} & earlier
    rows = [e for e in startup_log_split.all_logs() if e.get("batch") in r22["batches"]]
    assert len(rows) == 33 and len(r22["held_out_urls"]) + len(r22["fit_urls"]) == 33
    assert len(r22["held_out_urls"]) == 24 and len(r22["fit_urls"]) == 9
    second = {e["url"] for e in rows if e["batch"] == "2026-12-08-r22b"}
    assert len(second) == 3 and second <= set(r22["fit_urls"])  # the seeded order after the first pass's URLs
    assert r22["scored_rows"] == {"held_out": sum(startup_log_split.split_scored(e) for e in rows
                                                  if e["url"] in r22["held_out_urls"]),
                                  "fit": sum(startup_log_split.split_scored(e) for e in rows
                                             if e["url"] in r22["fit_urls"])} == {"held_out": 2, "fit": 2}
    assert not any(e.get("scored_since") for e in rows)
    assert all(e.get("excluded") and e.get("kvplan_skip") for e in rows if "kvplan" not in e)
