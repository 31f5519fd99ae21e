"""A model by repo id from a local Hugging Face cache, laid out by huggingface_hub's own
conventions in a temporary folder: models--ORG--NAME/{refs/main, snapshots/<commit>/, blobs/}."""
import hashlib
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, ROOT
from kvplan.sources import catalog
from kvplan.cli import app
from kvplan.errors import KvplanError

pytest.importorskip("huggingface_hub")
runner = CliRunner()
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def cache_file(cache, repo_id: str, name: str, data: bytes, commit: str = COMMIT):
    """One file in the cache as huggingface_hub stores it: the bytes in blobs/<sha256>, a
    relative symlink from snapshots/<commit>/<name>, and refs/main naming the commit."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data)
    link = repo / "snapshots" / commit / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(f"../../blobs/{blob.name}")
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return link


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    cache = tmp_path / "hub"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def test_repo_id_found_offline(hf_cache):
    cache_file(hf_cache, "acme/Llama-Clone-8B", "config.json", (FIXTURES / "Llama-3.1-8B.json").read_bytes())
    r = runner.invoke(app, ["size", "acme/Llama-Clone-8B", "--ctx", "4096", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    # 32 layers × 4096 tokens × 2 (K, V) × 8 KV heads × 128 × 2 bytes (bf16) = 536,870,912
    assert d["kv_cache_bytes"] == 32 * 4096 * 2 * 8 * 128 * 2 == 536_870_912
    assert d["model"] == "llama-clone-8b"
    assert "from the local Hugging Face cache" in d["source"] and COMMIT in d["source"]
    assert d["stored_weights"] is None  # only the config is cached
    assert "config.json from the local Hugging Face cache, snapshot 0123456789ab" in " ".join(r.stderr.split())


def test_table_says_where_the_config_came_from(hf_cache):
    cache_file(hf_cache, "acme/Llama-Clone-8B", "config.json", (FIXTURES / "Llama-3.1-8B.json").read_bytes())
    r = runner.invoke(app, ["show", "acme/Llama-Clone-8B"])
    assert r.exit_code == 0, r.output
    assert "source: acme/Llama-Clone-8B from the local Hugging Face cache" in r.stdout
    assert "kvplan: note: 'acme/Llama-Clone-8B' is not in kvplan's catalog" in r.stderr


def test_catalog_names_win(hf_cache):
    # a cached repo whose id is also a catalog alias: the catalog's spec is used, not the cache
    cache_file(hf_cache, "meta-llama/Llama-3.1-8B", "config.json", b"{not json")
    spec = catalog.load_model("meta-llama/Llama-3.1-8B")
    assert spec.name == "llama-3.1-8b" and "huggingface.co" in spec.source


def test_not_cached_is_one_line(hf_cache):
    r = runner.invoke(app, ["size", "acme/Nothing-Here", "--ctx", "4096"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unknown model 'acme/Nothing-Here': neither in kvplan's catalog nor in the local Hugging Face cache" in lines[0]
    assert str(hf_cache) in lines[0] and "config.json" in lines[0]


def test_not_cached_keeps_the_catalogs_suggestions(hf_cache):
    with pytest.raises(KvplanError, match=r"did you mean: .*mistral-7b"):
        catalog.load_model("mistralai/Mistral-7B-Instruct-v0.2")


def test_hf_home_is_honoured(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    cache_file(tmp_path / "hub", "acme/Tiny", "config.json", (FIXTURES / "Qwen3-0.6B.json").read_bytes())
    assert catalog.load_model("acme/Tiny").hf_repo == "acme/Tiny"


def test_ref_points_to_the_newest_commit(hf_cache):
    old, new = "a" * 40, "b" * 40
    cache_file(hf_cache, "acme/Moving", "config.json", (FIXTURES / "Qwen3-0.6B.json").read_bytes(), old)
    cache_file(hf_cache, "acme/Moving", "config.json", (FIXTURES / "Qwen3-8B.json").read_bytes(), new)
    assert catalog.load_model("acme/Moving").num_layers == 36  # Qwen3-8B's, refs/main = new


def test_without_huggingface_hub_names_the_extra(hf_cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails as if not installed
    r = runner.invoke(app, ["size", "acme/Llama-Clone-8B", "--ctx", "4096"])
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        "kvplan: error: unknown model 'acme/Llama-Clone-8B': not in kvplan's catalog, and reading it from the "
        "local Hugging Face cache needs huggingface_hub: pip install 'kvplan[hf]'"]


def test_cache_lookup_never_imports_the_network_stack_for_catalog_models():
    code = ("import sys; from kvplan.sources import catalog; catalog.load_model('llama-3.1-8b'); "
            "print('huggingface_hub' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr
