"""catalog.json in bundle_text's layout is parsed a part at a time; any other layout whole, to the same
catalog (sources/catalog.py _Bundle). Each layout below breaks one of the checks _Bundle makes on the
first, second, third and last lines, so a check dropped or loosened parses it lazily and loses a part
(session 15's second mutation run: the survivors of _Bundle's layout check, listed in MUTATION.md)."""
import json

import pytest

from kvplan.sources import catalog

DATA = {"aliases": {"llama": "m1"}, "gpus": [{"name": "g"}], "models": {"m1": {"k": 1}, "m2": {"k": 2}}}
TEXT = catalog.bundle_text(DATA)


def _read(b) -> dict:
    return {k: (dict(v) if k == "models" else v) for k, v in b.items()}


def test_bundle_text_is_read_a_part_a_line():
    assert TEXT == ('{"aliases":{"llama":"m1"},\n"gpus":[{"name":"g"}],\n"models":{\n"m1":{"k":1},\n'
                    '"m2":{"k":2}\n}}\n')
    b = catalog._Bundle(TEXT.encode())
    assert b._lines and _read(b) == DATA and list(b) == ["aliases", "gpus", "models"]
    assert "nope" not in b and b.get("nope") is None


@pytest.mark.parametrize("raw", [
    json.dumps(DATA, indent=1),  # 16 lines, none of them the layout's
    TEXT[:-1],  # no final newline: the last line is "}}", not "" (a lazy read would drop m2)
    TEXT.replace(',\n"gpus"', ',"gpus"', 1),  # aliases and GPUs on one line, models laid out
    TEXT.replace(',\n"gpus"', ', \n"gpus"', 1),  # a space after the aliases' comma
], ids=["indented", "no-final-newline", "one-line-head", "space-after-comma"])
def test_another_layout_is_parsed_whole_to_the_same_catalog(raw):
    b = catalog._Bundle(raw.encode())
    assert not b._lines and _read(b) == DATA
    assert "nope" not in b and b.get("nope") is None  # an unknown part: absent (KeyError), as in a dict


def test_a_whole_parsed_bundle_keeps_its_files_order():
    raw = json.dumps({"gpus": DATA["gpus"], "aliases": DATA["aliases"], "models": DATA["models"]})
    b = catalog._Bundle(raw.encode())
    assert list(b) == ["gpus", "aliases", "models"] and _read(b) == DATA and len(b) == 3


def test_a_catalog_with_no_models_reads_back_empty():
    """bundle_text of no models writes an empty line between '"models":{' and '}}' (session 15's
    mutation run found the lazy reader failing on it, though the file is valid JSON)."""
    import json

    from kvplan.sources.catalog import _Bundle, bundle_text

    text = bundle_text({"aliases": {}, "gpus": {}, "models": {}})
    assert json.loads(text) == {"aliases": {}, "gpus": {}, "models": {}}
    b = _Bundle(text.encode())
    assert len(b["models"]) == 0 and list(b["models"]) == []
