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
    held, fit = set(SPLIT["held_out_urls"]), set(SPLIT["fit_urls"])
    assert not held & fit
    assert {e["url"] for e in startup_log_split.all_logs()} == held | fit
    assert SPLIT["scored_rows"]["held_out"] >= 10


def test_first_batch_is_on_the_fit_side():
    """kvplan's current defaults were fitted to the first batch: none of it may be held out."""
    first = {e["url"] for e in startup_log_split.all_logs() if e.get("batch") == "2026-12-01"}
    assert first and first <= set(SPLIT["fit_urls"])
