"""validate's check that a count was given as an integer reaches into lists (session 19's mutation run of
ux19's change, mut19d): gemma-4-26b-a4b's YAML lists its vision encoder; a layer count there given as
the string '27' or the float 27.0 is refused under encoders.0, as a top-level count is."""
import pytest

from kvplan.errors import KvplanError
from kvplan.sources import catalog

SPEC = "model_specs/models/gemma-4-26b-a4b.yaml"


@pytest.mark.parametrize("value,shown", [("'27'", "'27'"), ("27.0", "27.0"), ("true", "True")])
def test_an_encoder_count_in_a_list_given_as_another_type_is_refused(tmp_path, value, shown):
    text = open(SPEC).read()
    assert "encoders:\n- kind: gemma4_vision\n  layers: 27\n" in text
    assert catalog.load_model(SPEC).encoders[0].layers == 27
    p = tmp_path / "m.yaml"
    p.write_text(text.replace("  layers: 27\n", f"  layers: {value}\n", 1))
    with pytest.raises(KvplanError, match=rf"encoders\.0\.layers: Input should be a valid integer, got {shown}"):
        catalog.load_model(str(p))
