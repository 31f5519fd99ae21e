"""check-bench --calibrate's output name (plan/latency/calibrate.py check_output, ux18) where session
19's mutation run (mut19a) found no test: a profile named .yml, in either case, is taken as .yaml
is (the suffix is compared lower-cased); .json and .yaml.bak are not, in the library's words
(`calibrate`; the CLI says `--calibrate`)."""
import pytest

from kvplan.errors import KvplanError
from kvplan.plan.latency import calibrate


@pytest.mark.parametrize("name", ["p.yml", "p.YML", "p.Yml", "p.yaml", "p.YAML"])
def test_a_yml_or_yaml_name_that_does_not_exist_is_taken(tmp_path, name):
    assert calibrate.check_output(tmp_path / name) is None


@pytest.mark.parametrize("name", ["p.json", "p.yaml.bak", "p.ymlx", "yml"])
def test_other_names_are_refused_word_for_word(tmp_path, name):
    with pytest.raises(KvplanError) as e:
        calibrate.check_output(tmp_path / name)
    assert str(e.value) == f"calibrate writes a YAML profile: give a name ending .yaml, got '{tmp_path / name}'"
