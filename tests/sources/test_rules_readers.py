"""The file readers' exact messages and boundaries (issue 25: the mutants of
kvplan/sources/readers.py and hfcache.py). Files are tiny and made up here."""
import pytest

from kvplan.errors import KvplanError
from kvplan.sources import hfcache, readers


def test_read_text_drops_a_bom_and_names_the_bad_byte(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b"\xef\xbb\xbf{}")
    assert readers.read_text(p) == "{}"
    # "ab" then 0xe9 (latin-1 é): the bad byte is at offset 2; no NUL in it: another encoding
    p.write_bytes(b"ab\xe9")
    with pytest.raises(KvplanError, match=r"^.*a\.json: not UTF-8 text \(text in another encoding: byte 0xe9 at "
                                          r"offset 2\); a file must be UTF-8$"):
        readers.read_text(p)
    # 5,000 bytes of "a", then 0xff: the offset has a thousands separator; a NUL in the first
    # 4,096 bytes makes it a binary file
    p.write_bytes(b"\x00" + b"a" * 4999 + b"\xff")
    with pytest.raises(KvplanError, match=r"not UTF-8 text \(a binary file: byte 0xff at offset 5,000\); a "
                                          r"config\.json must be UTF-8$"):
        readers.read_text(p, "config.json")
    # a NUL only past the first 4,096 bytes does not make it binary
    p.write_bytes(b"a" * 4096 + b"\x00\xff")
    with pytest.raises(KvplanError, match=r"\(text in another encoding: byte 0xff at offset 4,097\)"):
        readers.read_text(p)


def test_read_text_of_a_missing_file(tmp_path):
    p = tmp_path / "nope.json"
    with pytest.raises(KvplanError, match=r"^cannot read .*nope\.json: No such file or directory$"):
        readers.read_text(p)


@pytest.mark.parametrize("text,depth", [
    ("", 0), ("1", 0), ("[]", 1), ("[[]]", 2), ("[[], []]", 2), ('{"a": [1, {"b": 2}]}', 3),
    ('{"a": "[[[[["}', 1),  # brackets inside a string are not nesting
    ('{"a": "x\\"[[["}', 1),  # nor after an escaped quote in the string
    ("][[", 1),  # a stray closing bracket first: -1, 0, 1
])
def test_nesting_depth(text, depth):
    assert readers.nesting_depth(text) == depth


def test_nesting_depth_stops_just_past_the_cap():
    # 10 levels with stop 3: counting stops at the first level past 3, i.e. 4
    assert readers.nesting_depth("[" * 10 + "]" * 10, stop=3) == 4
    assert readers.nesting_depth("[" * 3 + "]" * 3, stop=3) == 3
    assert readers.nesting_depth("[" * 150, ) == readers.MAX_DEPTH + 1 == 101


def test_load_json_at_and_past_the_depth_cap(tmp_path):
    p = tmp_path / "c.json"
    p.write_text("[" * 100 + "]" * 100)  # exactly MAX_DEPTH = 100 levels: read
    assert readers.load_json(p) is not None
    p.write_text("[" * 101 + "]" * 101)
    with pytest.raises(KvplanError, match=r"c\.json: nested more than 100 levels deep; no model config is$"):
        readers.load_json(p)


def test_load_json_values_and_errors(tmp_path):
    p = tmp_path / "c.json"
    p.write_text('{"a": Infinity, "b": 1}')
    d = readers.load_json(p)
    assert d["a"] == float("inf") and d["b"] == 1
    p.write_text('{\n  "a": 1,\n  "b": }')
    with pytest.raises(KvplanError, match=r"c\.json: malformed JSON at line 3 column 8: Expecting value$"):
        readers.load_json(p)


def test_load_yaml_values_depth_and_errors(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("a: [1, {b: 2}]\n")
    assert readers.load_yaml(p) == {"a": [1, {"b": 2}]}
    p.write_text("[" * 101 + "]" * 101)
    with pytest.raises(KvplanError, match=r"nested more than 100 levels deep"):
        readers.load_yaml(p)
    # a tab where YAML wants spaces: a scanner error with a mark (1-based line and column)
    p.write_text("a: 1\nb:\n\t- 2\n")
    with pytest.raises(KvplanError, match=r"s\.yaml: malformed YAML at line 3 column 1: found character "
                                          r"(.\\t. )?that cannot start any token$"):
        readers.load_yaml(p)
    p.write_text("a: 1\n  b: 2\n")
    with pytest.raises(KvplanError, match=r"s\.yaml: malformed YAML at line 2 column 4: mapping values are not "
                                          r"allowed (here|in this context)$"):
        readers.load_yaml(p)


def test_load_yaml_error_without_a_mark(tmp_path, monkeypatch):
    import yaml

    p = tmp_path / "s.yaml"
    p.write_text("a: 1\n")

    def bad(text, Loader):
        raise yaml.YAMLError("first line\nsecond line")
    monkeypatch.setattr(yaml, "load", bad)
    with pytest.raises(KvplanError, match=r"s\.yaml: malformed YAML: first line$"):
        readers.load_yaml(p)


# --- hfcache --------------------------------------------------------------------------------

@pytest.mark.parametrize("ref,ok", [
    ("meta-llama/Llama-3.1-8B", True), (" org/name ", True), ("a/b", True), ("o_r.g/N-a_m.e", True),
    ("org/na..me", False), ("-org/name", False), ("org/.name", False), ("org", False), ("a/b/c", False),
    ("org/", False), ("/name", False), ("org/na me", False),
])
def test_looks_like_repo_id(ref, ok):
    assert hfcache.looks_like_repo_id(ref) is ok


def test_cache_dir_from_the_environment(monkeypatch):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_HOME", raising=False)
    assert hfcache.cache_dir() is None
    monkeypatch.setenv("HF_HOME", "/h")
    assert hfcache.cache_dir() == "/h/hub"
    monkeypatch.setenv("HF_HUB_CACHE", "/c")
    assert hfcache.cache_dir() == "/c"  # HF_HUB_CACHE first
    monkeypatch.setenv("HF_HUB_CACHE", "")
    assert hfcache.cache_dir() == "/h/hub"  # an empty one is not set


def test_find_sets_offline_and_reads_the_snapshot(monkeypatch, tmp_path):
    hub = pytest.importorskip("huggingface_hub")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    asked = []

    def lookup(repo_id, filename, cache_dir=None):
        asked.append((repo_id, filename, cache_dir))
        return str(tmp_path / "models--o--n" / "snapshots" / "abc123" / "config.json")
    monkeypatch.setattr(hub, "try_to_load_from_cache", lookup)
    found = hfcache.find("o/n")
    import os
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert asked == [("o/n", "config.json", str(tmp_path))]
    assert found.repo_id == "o/n" and found.revision == "abc123"
    assert found.snapshot == tmp_path / "models--o--n" / "snapshots" / "abc123"
    assert found.config == found.snapshot / "config.json"
    monkeypatch.setattr(hub, "try_to_load_from_cache", lambda *a, **k: object())  # _CACHED_NO_EXIST
    assert hfcache.find("o/n") is None

    def invalid(*a, **k):
        raise ValueError("bad repo id")
    monkeypatch.setattr(hub, "try_to_load_from_cache", invalid)
    assert hfcache.find("o/n") is None


def test_not_found_message(monkeypatch):
    pytest.importorskip("huggingface_hub")
    monkeypatch.setenv("HF_HUB_CACHE", "/c")
    e = hfcache.not_found("o/n", "; did you mean: x")
    assert str(e) == ("unknown model 'o/n': neither in kvplan's catalog nor in the local Hugging Face cache (/c); "
                      "download its config.json (hf download o/n config.json) or give the path of a config.json "
                      "or its folder; did you mean: x")
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.delenv("HF_HOME", raising=False)
    from huggingface_hub import constants
    assert f"({constants.HF_HUB_CACHE})" in str(hfcache.not_found("o/n"))
    assert str(hfcache.not_found("o/n")).endswith("or its folder")


# --- the defaults each reader names, the depth cap of YAML, the loader ---------------------

def test_default_names_in_the_encoding_message(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(b"\xe9")
    with pytest.raises(KvplanError, match=r"; a config\.json must be UTF-8$"):
        readers.load_json(p)
    with pytest.raises(KvplanError, match=r"; a YAML spec must be UTF-8$"):
        readers.load_yaml(p)
    with pytest.raises(KvplanError, match=r"; a price table must be UTF-8$"):
        readers.load_yaml(p, "price table")


def test_load_yaml_at_and_past_the_depth_cap(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("[" * 100 + "]" * 100)  # exactly MAX_DEPTH = 100 flow levels: read
    assert readers.load_yaml(p) is not None
    p.write_text("[" * 101 + "]" * 101)
    with pytest.raises(KvplanError, match=r"^.*s\.yaml: nested more than 100 levels deep; no model config is$"):
        readers.load_yaml(p)


def test_a_parser_recursion_error_names_the_file(tmp_path, monkeypatch):
    # a parser that recurses too deep below the bracket cap (block-style YAML nests by indent,
    # which nesting_depth does not count) is the same one-line error, naming the file
    import json
    import yaml

    def deep(*a, **k):
        raise RecursionError
    p = tmp_path / "c.json"
    p.write_text("{}")
    monkeypatch.setattr(json, "loads", deep)
    with pytest.raises(KvplanError, match=r"^.*c\.json: nested more than 100 levels deep; no model config is$"):
        readers.load_json(p)
    monkeypatch.setattr(yaml, "load", deep)
    with pytest.raises(KvplanError, match=r"^.*c\.json: nested more than 100 levels deep; no model config is$"):
        readers.load_yaml(p)


def test_load_yaml_uses_libyaml_when_built_and_the_python_loader_otherwise(tmp_path, monkeypatch):
    # the C loader (libyaml) reads the catalog's specs ~10× faster; without it, the pure-Python
    # SafeLoader: never yaml's unsafe loaders
    import yaml

    p = tmp_path / "s.yaml"
    p.write_text("a: [1, 2]\n")
    used = []
    real = yaml.load

    def spy(text, Loader):
        used.append(Loader)
        return real(text, Loader=yaml.SafeLoader)
    monkeypatch.setattr(yaml, "load", spy)
    fast = type("CSafeLoader", (), {})
    monkeypatch.setattr(yaml, "CSafeLoader", fast, raising=False)
    assert readers.load_yaml(p) == {"a": [1, 2]} and used == [fast]
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert readers.load_yaml(p) == {"a": [1, 2]} and used == [fast, yaml.SafeLoader]
