from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "configs"
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _empty_hf_cache(tmp_path_factory, monkeypatch):
    """No test reads the Hugging Face cache of the machine it runs on: HF_HUB_CACHE is an empty
    folder unless a test lays one out (tests/sources/test_hfcache.py), and huggingface_hub stays offline."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path_factory.mktemp("empty_hf_cache")))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
