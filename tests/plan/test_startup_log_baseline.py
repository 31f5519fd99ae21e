"""docs/startup-logs.md is what scripts/startup_log_baseline.py prints (issue 20's ground truth),
and the collected rows keep their sources."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import startup_log_baseline  # noqa: E402
import startup_log_split  # noqa: E402


def test_doc_is_the_script_output():
    """Regenerate with `python scripts/startup_log_baseline.py > docs/startup-logs.md`."""
    assert (ROOT / "docs" / "startup-logs.md").read_text() == startup_log_baseline.doc()


def test_rows_are_sourced_and_unscored_rows_say_why():
    logs = startup_log_split.all_logs()
    assert len(logs) >= 60
    assert len({e["id"] for e in logs}) == len(logs)
    for e in logs:
        assert e["url"].startswith("https://") and e["verbatim"], e["id"]
    for r in startup_log_baseline.rows():
        assert r["scored"] or r["why_not"], r["id"]


def test_both_sides_hold_refusals_and_scored_logs():
    rs = startup_log_baseline.rows()
    for side in ("held-out", "fit"):
        s = startup_log_baseline.summary(rs, side)
        assert s["scored"] >= 10 and s["refused"] >= 2 and s["with_error"] >= 8, (side, s)


def test_sglang_rows_parallel_schema():
    d = json.loads((ROOT / "tests" / "data" / "sglang_startup_logs.json").read_text())
    for e in d["logs"]:
        assert e["engine"] == "SGLang" and ("kvplan" in e) != ("kvplan_skip" in e), e["id"]
