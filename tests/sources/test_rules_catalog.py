"""The catalog's lookups, case by case (issue 25: the mutants of kvplan/sources/catalog.py).
Small made-up catalogs stand in where a rule needs an exact score or layout."""
import json

import pytest

from conftest import FIXTURES
from kvplan.errors import KvplanError
from kvplan.sources import catalog


def test_specs_dir_inside_an_installed_package_first(tmp_path, monkeypatch):
    # an installed wheel ships kvplan/model_specs/; a source checkout has model_specs/ beside kvplan/
    pkg = tmp_path / "kvplan"
    (pkg / "model_specs").mkdir(parents=True)
    (pkg / "model_specs" / "aliases.yaml").write_text("{}\n")
    (tmp_path / "model_specs").mkdir()
    (tmp_path / "model_specs" / "aliases.yaml").write_text("{}\n")
    monkeypatch.setattr(catalog, "__file__", str(pkg / "sources" / "catalog.py"))
    assert catalog.specs_dir() == pkg / "model_specs"
    (pkg / "model_specs" / "aliases.yaml").unlink()  # a folder without aliases.yaml is not the catalog
    assert catalog.specs_dir() == tmp_path / "model_specs"


def test_model_names_come_from_the_bundle_when_there_is_one(monkeypatch):
    monkeypatch.setattr(catalog, "bundle", lambda: {"models": {"b-model": {}, "a-model": {}}, "aliases": {}})
    assert catalog.model_names() == ["a-model", "b-model"]


def small_catalog(monkeypatch, names, aliases):
    monkeypatch.setattr(catalog, "model_names", lambda: sorted(names))
    monkeypatch.setattr(catalog, "aliases", lambda: dict(aliases))


def test_a_suggestion_needs_a_score_of_one_half(monkeypatch):
    # difflib's ratio is 2 × matches / total length: "abcd" beside "abef" is 2 × 2 / 8 = 0.5
    # (its beginnings score the same, × 0.9), exactly the bar; "abcd" beside "abxyz" is
    # 2 × 2 / 9 = 0.44, and its beginning "abxy" 0.5 × 0.9 = 0.45: below it
    small_catalog(monkeypatch, ["abef", "abxyz"], {})
    assert catalog.suggestions("abcd") == ["abef"]


def test_aliases_are_scored_by_their_last_part(monkeypatch):
    # the alias "org/qwen-tiny" is scored as "qwen-tiny": "qwen-tiny" typed scores 1.0 for its
    # target; scored whole ("org/qwen-tiny": 2 × 9 / 22 = 0.82) it would fall behind
    # "qwen-tinx" (2 × 8 / 18 = 0.89)
    small_catalog(monkeypatch, ["zeta-model", "qwen-tinx"], {"org/qwen-tiny": "zeta-model"})
    assert catalog.suggestions("qwen-tiny") == ["zeta-model", "qwen-tinx"]


def test_resolve_variant_under_two_org_levels():
    # the last part of the path is looked up ("llama-3.1-8b-instruct" is an alias), not "b/llama-..."
    assert catalog.resolve_variant("a/b/Llama-3.1-8B-Instruct") == ("llama-3.1-8b", "llama-3.1-8b-instruct")
    assert catalog.resolve_variant("nothing-like-it") is None


def test_with_stored_weights_keeps_the_spec_when_the_folder_has_none(tmp_path):
    spec = catalog.load_model("llama-3.1-8b")
    assert catalog.with_stored_weights(spec, tmp_path) is spec


# --- repo ids from the local Hugging Face cache ---------------------------------------------

hub = pytest.importorskip("huggingface_hub")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    from test_hfcache import cache_file

    root = tmp_path / "hub"
    root.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(root))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return lambda repo, data: cache_file(root, repo, "config.json", data)


def test_cached_repo_slug_and_note(cache):
    # a repo id's name part, lower-cased (the Hub allows only letters, digits, "-", "_" and "." in
    # it, none at either end: huggingface_hub validate_repo_id, which hfcache.find runs first)
    link = cache("acme/Tiny.Qwen_3", (FIXTURES / "Qwen3-0.6B.json").read_bytes())
    notes = []
    spec = catalog.from_hf_cache("acme/Tiny.Qwen_3", notes)
    assert spec.name == "tiny.qwen_3" and spec.hf_repo == spec.display_name == "acme/Tiny.Qwen_3"
    assert spec.source == f"acme/Tiny.Qwen_3 from the local Hugging Face cache: {link}"
    # the first 12 characters of the snapshot's commit
    assert notes == ["'acme/Tiny.Qwen_3' is not in kvplan's catalog: config.json from the local Hugging Face "
                     f"cache, snapshot 0123456789ab ({link})"]


def test_a_bad_cached_config_names_its_path(cache):
    d = json.loads((FIXTURES / "Qwen3-0.6B.json").read_text())
    del d["num_hidden_layers"]
    link = cache("acme/Broken", json.dumps(d).encode())
    with pytest.raises(KvplanError) as e:
        catalog.from_hf_cache("acme/Broken")
    assert str(e.value).startswith(f"{link}: ")


def test_not_cached_with_and_without_suggestions(cache):
    with pytest.raises(KvplanError) as e:
        catalog.from_hf_cache("acme/qwen3-8")
    assert str(e.value).endswith("or give the path of a config.json or its folder; did you mean: qwen3-8b, qwen3-4b, "
                                 "qwen3-0.6b, qwen3-1.7b")
    with pytest.raises(KvplanError) as e:
        catalog.from_hf_cache("acme/zz")
    assert str(e.value).endswith("or give the path of a config.json or its folder")


def test_typed_names_lose_every_org_level(monkeypatch):
    # "a-long-org/sub-org/qw" is scored as "qw": 1.0 beside "qw"; scored as "sub-org/qw" it would
    # be 2 × 2 / 12 = 0.33, under the bar
    small_catalog(monkeypatch, ["qw"], {})
    assert catalog.suggestions("a-long-org/sub-org/qw") == ["qw"]


def test_a_cached_repo_without_an_org(cache):
    # a repo id without an org ("gpt2"-style) is valid for huggingface_hub; from_hf_cache takes
    # its whole name (load_model sends only ids with a "/" here)
    cache("Tiny", (FIXTURES / "Qwen3-0.6B.json").read_bytes())
    assert catalog.from_hf_cache("Tiny").name == "tiny"


def test_canonical_name_reads_the_bundle_when_there_is_one(monkeypatch):
    # a name only the bundle holds is found (the YAML files are not probed for it)
    monkeypatch.setattr(catalog, "bundle", lambda: {"models": {"only-in-bundle": {}}, "aliases": {}})
    assert catalog.canonical_name(" Only-In-Bundle ") == "only-in-bundle"


def test_long_names_shown_whole_up_to_80_characters():
    with pytest.raises(KvplanError) as e:
        catalog.load_model("q" * 80)
    assert str(e.value) == f"unknown model '{'q' * 80}'; see `kvplan models`"


def test_a_name_the_os_refuses_as_a_path_is_a_name():
    # 300 characters: longer than a file name may be (255), so the path probes raise OSError
    # (ENAMETOOLONG); it is an unknown model, not a file
    with pytest.raises(KvplanError) as e:
        catalog.load_model("q" * 300)
    assert str(e.value) == f"unknown model '{'q' * 40}…' (300 characters); see `kvplan models`"


def test_unknown_gpu_hints_from_a_score_of_one_half():
    # "a6" beside "a6000": 2 × 2 / 7 = 0.57, over difflib's 0.5 cutoff kvplan asks for (its
    # default, 0.6, would give no hint)
    with pytest.raises(KvplanError) as e:
        catalog.load_gpu("a6")
    assert str(e.value) == "unknown GPU 'a6'; did you mean: a6000"
