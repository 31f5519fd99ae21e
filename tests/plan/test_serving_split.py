"""benchmarks/serving's split (issue 22, part 4): each round's halves are disjoint, name only
sources runs.yaml has, and the latest round places every source; its seed's shuffle is recorded."""
import random
from pathlib import Path

import yaml

DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "serving"
SPLIT = yaml.safe_load((DIR / "split.yaml").read_text())
RUNS = yaml.safe_load((DIR / "runs.yaml").read_text())["sources"]
ROUNDS = {k: v for k, v in SPLIT.items() if k.startswith("round")}


def test_the_latest_round_places_every_source_once():
    last = ROUNDS[max(ROUNDS, key=lambda k: int(k[5:]))]
    halves = [set(last[h]) for h in ("held_out", "fit", "seen")]
    assert sum(len(h) for h in halves) == len(set().union(*halves))  # disjoint
    assert set().union(*halves) == set(RUNS)


def test_each_round_names_known_sources_and_earlier_held_outs_are_seen_later():
    names = sorted(ROUNDS, key=lambda k: int(k[5:]))
    for prev, cur in zip(names, names[1:]):
        assert set(ROUNDS[prev]["held_out"]) <= set(ROUNDS[cur]["seen"])
    for r in ROUNDS.values():
        assert set(r["held_out"]) | set(r["fit"]) | set(r.get("seen", [])) <= set(RUNS)


def test_round5_held_out_is_its_seeded_draw():
    r5 = ROUNDS["round5"]
    new = sorted(set(RUNS) - set(ROUNDS["round4"]["held_out"]) - set(ROUNDS["round4"]["fit"])
                 - set(ROUNDS["round4"]["seen"]))
    random.Random(r5["seed"]).shuffle(new)
    assert r5["held_out"] == new[: -(-len(new) // 3)]
