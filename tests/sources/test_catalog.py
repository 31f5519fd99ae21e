"""Every catalog spec loads, cites a source, and agrees with the config.json it came from."""
import re

import pytest

from kvplan.sources import catalog, hfconfig as hf
from kvplan.errors import KvplanError

NAMES = catalog.model_names()
# fields that are names and provenance rather than architecture
META = {"name", "display_name", "source", "hf_repo", "fixture", "notes", "family", "dtype", "dtype_note"}


def test_catalog_size():
    assert len(NAMES) >= 40
    families = {catalog.load_model(n).family for n in NAMES}
    assert {"llama", "mistral", "mixtral", "qwen2", "qwen3", "gemma2", "gemma3_text", "phi3", "falcon", "gpt2",
            "opt", "deepseek_v3", "gpt_oss", "llama4_text", "nemotron_h", "qwen3_next"} <= families


# vendored configs of other checkpoints that share a catalog spec's architecture
SAME_ARCHITECTURE = {"Llama-3.2-1B-Instruct.json": "llama-3.2-1b", "Llama-3.2-3B-Instruct.json": "llama-3.2-3b"}


@pytest.mark.parametrize("fixture,name", SAME_ARCHITECTURE.items())
def test_alias_checkpoints_share_architecture(fixture, name, fixtures):
    spec = catalog.load_model(name)
    assert hf.load(fixtures / fixture, name).model_dump(exclude=META) == spec.model_dump(exclude=META)


def test_every_fixture_is_used(fixtures):
    used = {catalog.load_model(n).fixture for n in NAMES} | set(SAME_ARCHITECTURE)
    assert sorted(p.name for p in fixtures.glob("*.json")) == sorted(used)


def test_lookup_reads_only_the_bundle(monkeypatch):
    # a query reads model_specs/catalog.json once and no YAML at all
    read = []
    real = catalog._read_yaml
    monkeypatch.setattr(catalog, "_read_yaml", lambda p: read.append(p.name) or real(p))
    catalog.aliases.cache_clear()
    catalog.bundle.cache_clear()
    assert catalog.load_model("llama-13b").name == "llama-2-13b"
    assert read == []


def test_lookup_without_the_bundle_reads_only_the_spec_it_needs(monkeypatch):
    read = []
    real = catalog._read_yaml
    monkeypatch.setattr(catalog, "_read_yaml", lambda p: read.append(p.name) or real(p))
    monkeypatch.setattr(catalog, "bundle", lambda: None)
    catalog.aliases.cache_clear()
    catalog.load_model("llama-13b")
    catalog.aliases.cache_clear()
    assert sorted(read) == ["aliases.yaml", "llama-2-13b.yaml"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_loads_and_cites_source(name):
    path = catalog.specs_dir() / "models" / f"{name}.yaml"
    spec = catalog.load_spec_file(path)  # full validation
    assert catalog.load_model(name) == spec  # the unvalidated fast path a query takes agrees
    assert catalog.load_model(name).parameters() == spec.parameters()
    assert spec.name == name
    assert re.match(r"https://huggingface\.co/[^/]+/[^/]+/blob/main/config\.json$", spec.source)
    assert spec.parameters() > 0


@pytest.mark.parametrize("name", [n for n in NAMES if catalog.load_model(n).fixture])
def test_spec_agrees_with_its_config(name, fixtures):
    spec = catalog.load_model(name)
    imported = hf.load(fixtures / spec.fixture, name)
    assert spec.model_dump(exclude=META) == imported.model_dump(exclude=META)
    if spec.dtype != imported.dtype:  # a dtype that differs from the vendored file says why
        assert spec.dtype_note


@pytest.mark.parametrize("alias,name", [
    ("llama-13b", "llama-2-13b"), ("meta-llama/Llama-3.1-8B", "llama-3.1-8b"),
    ("LLAMA-2-13B", "llama-2-13b"), ("meta-llama/Llama-2-13b-hf", "llama-2-13b"),
    ("gemma-2-9b-it", "gemma-2-9b"), ("phi-3-mini-4k-instruct", "phi-3-mini"),
])
def test_aliases(alias, name):
    assert catalog.load_model(alias).name == name


def test_every_alias_points_at_a_spec():
    for alias, name in catalog.aliases().items():
        assert name in NAMES, alias


def test_unknown_model_suggests():
    with pytest.raises(KvplanError, match=r"unknown model 'llama-14b'; did you mean: .*llama-2-13b"):
        catalog.load_model("llama-14b")


def test_malformed_yaml_names_file(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("name: [unclosed\n")
    with pytest.raises(KvplanError, match=r"m\.yaml: malformed YAML at line"):
        catalog.load_model(str(p))


def test_bad_field_names_file_and_field(tmp_path):
    good = (catalog.specs_dir() / "models" / "llama-2-7b.yaml").read_text()
    p = tmp_path / "bad.yaml"
    p.write_text(good.replace("num_kv_heads: 32", "num_kv_heads: 5"))
    with pytest.raises(KvplanError, match=r"bad\.yaml: .*num_heads \(32\) is not divisible by num_kv_heads \(5\)"):
        catalog.load_model(str(p))
    p.write_text(good.replace("head_dim: 128", "head_dim: 128\n      head_dims: 7"))
    with pytest.raises(KvplanError, match=r"bad\.yaml: .*head_dims: Extra inputs are not permitted"):
        catalog.load_model(str(p))


def test_yaml_spec_roundtrip(tmp_path):
    from kvplan.sources import yaml_spec as specyaml

    spec = catalog.load_model("gemma-4-26b-a4b")
    p = tmp_path / "g.yaml"
    p.write_text(specyaml.dump(spec))
    assert catalog.load_model(str(p)) == spec


def test_gpus():
    gs = catalog.gpus(trusted=False)  # validated, as shipped
    assert gs == catalog.gpus()  # the trusted path builds equal objects
    assert len(gs) >= 20
    seen = set()
    for g in gs:
        for key in [g.name, *g.aliases]:
            assert key not in seen, key
            seen.add(key)
        assert g.sources and all(s.startswith("http") for s in g.sources)
    assert catalog.load_gpu("h100").name == "h100-sxm-80gb"
    assert catalog.load_gpu("a100").name == "a100-sxm-80gb"
    assert catalog.load_gpu("h200").name.startswith("h200")
    assert catalog.load_gpu("b200").name.startswith("b200")
    with pytest.raises(KvplanError, match="unknown GPU"):
        catalog.load_gpu("h300")


def test_a_folder_named_like_a_model_does_not_shadow_it(tmp_path, monkeypatch):
    (tmp_path / "gpt2").mkdir()
    monkeypatch.chdir(tmp_path)
    assert catalog.load_model("gpt2").name == "gpt2"


@pytest.mark.parametrize("ref,name", [
    ("meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-70b"), ("Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"),
    ("meta-llama/Llama-2-13b-chat-hf", "llama-2-13b"), ("llama_3.1_8b", "llama-3.1-8b"),
    ("mistralai/Mistral-7B-Instruct-v0.1", "mistral-7b")])
def test_variants_resolve_to_their_architecture(ref, name):
    notes = []
    assert catalog.load_model(ref, notes).name == name
    assert notes and "same architecture" in notes[0]


def test_a_different_version_is_not_a_variant():
    with pytest.raises(KvplanError, match="unknown model"):
        catalog.load_model("mistralai/Mistral-7B-Instruct-v0.2")  # 32k context, no window: not v0.1


def test_suggestions_rank_by_closeness():
    assert catalog.suggestions("meta-llama/Llama-3.1-70B-Instructt")[0] == "llama-3.1-70b"
    assert catalog.suggestions("qwen3-9b")[:2] == ["qwen3-4b", "qwen3-8b"]
    # a dropped letter at the start: the Llama 3 models lead, not llama-13b (an alias of
    # llama-2-13b, shorter, sharing as many letters)
    assert catalog.suggestions("lama-3")[:2] == ["llama-3-70b", "llama-3-8b"]
    assert catalog.suggestions("gpt-os-20b")[0] == "gpt-oss-20b"


@pytest.mark.parametrize("typed,best", [
    # an org prefix (one or two levels), case, "_" for "-", "Meta-", variant words and a typo
    ("unsloth/Lama_3.1_70B", ["llama-3.1-70b", "llama-3-70b", "llama-3.1-405b", "llama-3.1-8b"]),
    ("Meta-Lama-3.1-8B", ["llama-3.1-8b", "llama-3-8b", "llama-3.1-70b", "llama-3.1-405b"]),
    ("meta-llama/Meta-Llama-3-8B-Instruct-XYZ", ["llama-3-8b", "llama-3.1-8b", "llama-3-70b", "llama-2-13b"]),
    ("qwen3_8", ["qwen3-8b", "qwen3-4b", "qwen3-0.6b", "qwen3-1.7b"]),
    ("org/sub/gemma-2-9", ["gemma-2-9b", "gemma-2-2b", "gemma-2-27b", "gemma-3-1b"]),
    ("gpt-oss-20b-it-chat", ["gpt-oss-20b", "gpt-oss-120b", "gpt2"]),
    ("gpt_oss_120", ["gpt-oss-120b", "gpt-oss-20b", "gpt2", "opt-125m"]),
    ("gemma_2_9", ["gemma-2-9b", "gemma-2-2b", "gemma-2-27b", "gemma-3-1b"]),
    ("deepsek-v3", ["deepseek-v3", "deepseek-v3.2", "deepseek-v2-lite", "deepseek-v4-flash"]),
    ("zz", []),  # nothing scores 0.5: no suggestion rather than a random one
])
def test_suggestions_as_typed(typed, best):
    # the whole ranking for names as people type them (catalog.suggestions' docstring): a change
    # to any of its normalisations or weights moves at least one of these lists
    assert catalog.suggestions(typed) == best


def test_json_bundle_equals_the_yaml():
    # a query reads model_specs/catalog.json; the YAML is the source (scripts/build_bundle.py)
    import json

    text = (catalog.specs_dir() / catalog.BUNDLE).read_text()
    assert json.loads(text) == catalog.make_bundle(), "run `python scripts/build_bundle.py`"
    assert text == catalog.bundle_text(catalog.make_bundle()), "run `python scripts/build_bundle.py`"
    assert [catalog.catalog_spec(n) for n in catalog.model_names()] == \
        [catalog.load_spec_file(catalog.specs_dir() / "models" / f"{n}.yaml") for n in catalog.model_names()]


@pytest.mark.parametrize("ref", ["missing.json", "missing.yaml", "missing.yml", "missing.gguf",
                                 "./gpt2", "/nonexistent/gpt2", "~/nonexistent-kvplan/gpt2"])
def test_what_looks_like_a_file_is_read_as_one(ref):
    # a name ending in a spec suffix, or a path, is a file: a missing one says so (not "unknown
    # model", and never the catalog model that shares its last part)
    with pytest.raises(KvplanError, match=r"^no such file: "):
        catalog.load_model(ref)


def test_a_folder_with_a_config_is_the_model_even_named_like_one(tmp_path, monkeypatch):
    from conftest import FIXTURES

    d = tmp_path / "gpt2"
    d.mkdir()
    (d / "config.json").write_text((FIXTURES / "Qwen3-8B.json").read_text())
    monkeypatch.chdir(tmp_path)
    assert catalog.load_model("gpt2").num_layers == 36  # the folder's Qwen3-8B, not the catalog's GPT-2


def test_stored_weights_are_read_beside_a_config_json_only(tmp_path):
    from test_checkpoint import folder, llama_tensors

    d, total = folder(tmp_path, {"model.safetensors": llama_tensors()})
    assert catalog.load_model(str(d / "config.json")).stored_weights.bytes == total
    (d / "other.json").write_text((d / "config.json").read_text())
    assert catalog.load_model(str(d / "other.json")).stored_weights is None  # not a checkpoint's config


def test_variant_notes_only_when_asked_and_only_for_a_variant():
    assert catalog.load_model("Meta-Llama-3.1-8B-Instruct").name == "llama-3.1-8b"  # notes=None: no crash
    notes = []
    catalog.load_model("llama_3.1_8b", notes)  # a spelling of the name: a note says how it was read
    assert notes == ["'llama_3.1_8b' read as llama-3.1-8b: the same architecture (a variant checkpoint shares "
                     "its config's shapes, so its cache and weights are the same size)"]
    notes = []
    catalog.load_model("llama-3.1-8b", notes)
    assert notes == []


def test_unknown_model_messages_whole():
    with pytest.raises(KvplanError) as e:
        catalog.load_model("llama-14b")
    assert str(e.value) == ("unknown model 'llama-14b'; did you mean: llama-2-13b, llama-2-7b, llama-3.2-1b, "
                            "llama-3.1-405b")
    with pytest.raises(KvplanError) as e:
        catalog.load_model("zz")
    assert str(e.value) == "unknown model 'zz'; see `kvplan models`"
    for n in (81, 3000):  # past 80 characters the name is cut at 40 and its length said
        with pytest.raises(KvplanError) as e:
            catalog.load_model("q" * n)
        assert str(e.value) == f"unknown model '{'q' * 40}…' ({n:,} characters); see `kvplan models`"


def test_without_the_bundle_the_yaml_gives_the_same_catalog(monkeypatch):
    # an installation without model_specs/catalog.json reads the YAML files: same names,
    # aliases, lookups and specs as the bundle
    with_bundle = (catalog.model_names(), dict(catalog.aliases()),
                   [catalog.canonical_name(n) for n in ("LLAMA-3.1-8B", "llama-13b", "meta-llama/x", "nope")],
                   catalog.catalog_spec("gemma-2-9b"), len(catalog.all_models()))
    monkeypatch.setattr(catalog, "bundle", lambda: None)
    catalog.aliases.cache_clear()
    try:
        without = (catalog.model_names(), dict(catalog.aliases()),
                   [catalog.canonical_name(n) for n in ("LLAMA-3.1-8B", "llama-13b", "meta-llama/x", "nope")],
                   catalog.catalog_spec("gemma-2-9b"), len(catalog.all_models()))
    finally:
        catalog.aliases.cache_clear()
    assert without == with_bundle
    assert with_bundle[2] == ["llama-3.1-8b", "llama-2-13b", None, None]
    assert with_bundle[4] == len(with_bundle[0]) > 60


def test_malformed_yaml_says_where(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nlayers: [1, 2\n")
    with pytest.raises(KvplanError) as e:
        catalog.load_model(str(p))
    # line and column counted from 1 as editors do; the problem in PyYAML's words (libyaml's when
    # PyYAML has it: "did not find expected ',' or ']'")
    assert str(e.value).startswith(f"{p}: malformed YAML at line 3 column 1: ")
    assert "expected ',' or ']'" in str(e.value) and "\n" not in str(e.value)
    p.write_text("- a list\n")
    with pytest.raises(KvplanError) as e:
        catalog.load_model(str(p))
    assert str(e.value) == f"{p}: a model spec must be a YAML mapping"


def test_unknown_gpu_message_whole():
    with pytest.raises(KvplanError) as e:
        catalog.load_gpu("h300")
    assert str(e.value).startswith("unknown GPU 'h300'; did you mean: ")
    hints = str(e.value).split("did you mean: ")[1].split(", ")
    known = {g.name for g in catalog.gpus()} | {a for g in catalog.gpus() for a in g.aliases}
    assert len(hints) == 4 and set(hints) <= known  # the four closest names or aliases
    with pytest.raises(KvplanError) as e:
        catalog.load_gpu("zzzz")
    assert str(e.value) == "unknown GPU 'zzzz'; see `kvplan gpus`"


def test_a_variant_under_a_longer_path_still_resolves():
    notes = []
    assert catalog.load_model("models/meta-llama/Llama-3.1-8B-Instruct", notes).name == "llama-3.1-8b"
    assert "read as llama-3.1-8b" in notes[0]


def test_an_unreadable_spec_and_a_missing_catalog_are_one_line(tmp_path, monkeypatch):
    from pathlib import Path

    p = tmp_path / "spec.yaml"
    p.write_text("name: x\n")

    def refuse(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)  # specs are read as bytes, then decoded (to name a bad encoding)
    with pytest.raises(KvplanError) as e:
        catalog.load_model(str(p))
    assert str(e.value) == f"cannot read {p}: Permission denied"
    monkeypatch.undo()
    monkeypatch.setattr(catalog, "__file__", str(tmp_path / "pkg" / "catalog.py"))
    with pytest.raises(KvplanError) as e:
        catalog.specs_dir()
    assert str(e.value) == "kvplan's model_specs/ folder is missing from this installation"


def test_the_bundle_parses_only_what_a_lookup_needs(monkeypatch):
    # catalog.json is laid out a part a line (bundle_text): a query about one model parses the
    # aliases and that model's line, not the other models nor the GPUs (benchmarks/startup.py)
    import json

    parsed = []
    real = json.loads
    monkeypatch.setattr(json, "loads", lambda s, *a, **k: parsed.append(len(s)) or real(s, *a, **k))
    catalog.bundle.cache_clear()
    catalog.aliases.cache_clear()
    try:
        assert catalog.load_model("llama-13b").name == "llama-2-13b"
        b = catalog.bundle()
    finally:
        catalog.bundle.cache_clear()
        catalog.aliases.cache_clear()
    raw = (catalog.specs_dir() / catalog.BUNDLE).read_bytes()
    assert len(parsed) == 2 and sum(parsed) < len(raw) / 5
    assert b._lines and "gpus" not in b._parts and list(b["models"]._parsed) == ["llama-2-13b"]


def test_a_bundle_in_another_layout_reads_the_same(tmp_path):
    # a catalog.json written compactly (not bundle_text's layout) is parsed whole: same catalog
    import json

    raw = (catalog.specs_dir() / catalog.BUNDLE).read_bytes()
    lazy = catalog._Bundle(raw)
    whole = catalog._Bundle(json.dumps(json.loads(raw), separators=(",", ":")).encode())
    assert lazy._lines and not whole._lines
    assert list(lazy) == list(whole) == ["aliases", "gpus", "models"] and len(lazy) == 3
    for part in ("aliases", "gpus"):
        assert lazy[part] == whole[part]
    assert list(lazy["models"]) == list(whole["models"]) and len(lazy["models"]) == len(whole["models"]) > 60
    assert {n: lazy["models"][n] for n in lazy["models"]} == dict(whole["models"])
    assert "llama-2-13b" in lazy["models"] and "llama-13b" not in lazy["models"]
