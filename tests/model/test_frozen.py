"""kvplan.model.frozen.record: the stand-in for @dataclass(frozen=True) on kvplan's result records.
Each behaviour the code relies on, checked against what dataclasses itself does."""
from __future__ import annotations

import dataclasses

import pytest

from kvplan.model.frozen import FrozenInstanceError, field, fields, record, replace


def test_spec_classes_init_repr_hash_before_any_validation():
    # the spec classes' own generic __init__ (kvplan.model.frozen.Frozen), as the catalog path uses
    # them: keyword-only, defaults filled, unknown and missing names refused, frozen
    from kvplan.model.kinds import FullAttention

    a = FullAttention(num_heads=8, num_kv_heads=2, head_dim=64)
    assert (a.num_heads, a.num_kv_heads, a.head_dim, a.v_head_dim, a.qkv_bias) == (8, 2, 64, None, False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        FullAttention(num_heads=8, num_kv_heads=2, head_dim=64, colour=1)
    with pytest.raises(TypeError, match="head_dim"):
        FullAttention(num_heads=8, num_kv_heads=2)
    with pytest.raises(AttributeError):  # kvplan's FrozenInstanceError, or dataclasses' after validation
        a.head_dim = 1
    b = FullAttention(num_heads=8, num_kv_heads=2, head_dim=64)
    assert a == b and hash(a) == hash(b) and len({a, b, a.model_copy(update={"head_dim": 128})}) == 2
    assert repr(a).startswith("FullAttention(") and "num_kv_heads=2, head_dim=64" in repr(a)
    data = {"num_heads": 8, "num_kv_heads": 2, "head_dim": 64}
    assert FullAttention.model_construct(**data) == a and data == {"num_heads": 8, "num_kv_heads": 2, "head_dim": 64}


def test_dump_leaves_defaults_out_at_every_depth():
    # `kvplan import` writes a spec's YAML without defaults (specyaml.dump): nested layer types,
    # their mixers and lists are dumped with the same exclusions
    from conftest import FIXTURES

    from kvplan.sources import hfconfig as hf

    spec = hf.load(FIXTURES / "gemma-2-9b-it.json")
    full = spec.model_dump(mode="json")
    slim = spec.model_dump(mode="json", exclude_defaults=True)
    mixers = [lt["mixer"] for lt in slim["layer_types"].values()]
    assert all("qkv_bias" not in m and "kind" not in m for m in mixers)  # False and the tag: defaults
    assert all("qkv_bias" in lt["mixer"] for lt in full["layer_types"].values())
    assert slim["layer_types"]["global"] == {"mixer": {"num_heads": 16, "num_kv_heads": 8, "head_dim": 256},
                                             "mlp": {"intermediate_size": 14336}, "norms": 4}
    # in a list too: Gemma 4's vision tower without its default kind and 3 channels
    vlm = hf.load(FIXTURES / "gemma-4-26B-A4B.json")
    enc = vlm.model_dump(mode="json", exclude_defaults=True)["encoders"][0]
    assert "kind" not in enc and "channels" not in enc and enc["layers"] == 27
    assert vlm.model_dump(mode="json")["encoders"][0]["channels"] == 3


@record
class Part:
    key: str
    bytes: int
    notes: list = field(default_factory=list)
    label: str = ""


@dataclasses.dataclass(frozen=True)
class PartDC:  # the same class as a real dataclass, to compare against
    key: str
    bytes: int
    notes: list = dataclasses.field(default_factory=list)
    label: str = ""


@record
class Child(Part):
    extra: int = 7


@record(frozen=False)
class Mutable:
    rows: list
    title: str = "t"


def test_positional_keyword_and_defaults_as_a_dataclass():
    for cls in (Part, PartDC):
        p = cls("kv", 3, label="x")
        assert (p.key, p.bytes, p.notes, p.label) == ("kv", 3, [], "x")
        assert cls(key="kv", bytes=3) == cls("kv", 3)
        assert cls("kv", 3) != cls("kv", 4)
    assert Part("a", 1).notes is not Part("a", 1).notes  # a factory per instance
    assert Part.label == ""  # the class attribute holds the default, as in a dataclass
    assert not hasattr(Part, "notes") or not isinstance(Part.__dict__.get("notes"), type(field()))


def test_argument_errors_as_a_dataclass():
    with pytest.raises(TypeError, match="missing argument 'bytes'"):
        Part("kv")
    with pytest.raises(TypeError, match="unexpected argument 'colour'"):
        Part("kv", 1, colour=2)
    with pytest.raises(TypeError, match="multiple values for argument 'key'"):
        Part("kv", 1, key="x")
    with pytest.raises(TypeError, match="takes 4 arguments, 5 given"):
        Part("kv", 1, [], "", 9)


def test_frozen_hash_and_repr():
    p = Part("kv", 3)
    with pytest.raises(FrozenInstanceError):
        p.bytes = 4
    with pytest.raises(FrozenInstanceError):
        del p.key
    assert hash(Part("kv", 3, (), "")) == hash(Part("kv", 3, (), ""))
    assert len({Part("kv", 3, ()), Part("kv", 3, ()), Part("kv", 4, ())}) == 2
    assert repr(p) == "Part(key='kv', bytes=3, notes=[], label='')"
    assert Part("kv", 3) != Child("kv", 3)  # equality needs the same class, as in a dataclass


def test_inheritance_replace_and_fields():
    c = Child("kv", 3, extra=1)
    assert [f.name for f in fields(Child)] == ["key", "bytes", "notes", "label", "extra"]
    assert [f.name for f in fields(c)] == [f.name for f in dataclasses.fields(PartDC)] + ["extra"]
    r = replace(c, bytes=5)
    assert (r.key, r.bytes, r.extra) == ("kv", 5, 1) and type(r) is Child and c.bytes == 3
    with pytest.raises(TypeError, match="no field 'colour'"):
        replace(c, colour=1)


def test_mutable_records_are_mutable_and_unhashable():
    m = Mutable([1])
    m.title = "u"
    assert m == Mutable([1], "u")
    with pytest.raises(TypeError):
        hash(m)


def test_post_init_runs():
    @record
    class Checked:
        n: int

        def __post_init__(self):
            if self.n < 0:
                raise ValueError("negative")

    assert Checked(1).n == 1
    with pytest.raises(ValueError):
        Checked(-1)


def test_field_default_is_the_class_attribute_and_private_names_are_not_fields():
    @record
    class R:
        a: int = field(default=3)
        _memo: dict  # a private annotation: not a field (no argument, no repr)

    assert R.a == 3 and R().a == 3 and [f.name for f in fields(R)] == ["a"]
    assert repr(R(4)).endswith(".R(a=4)")  # the qualified name, as a dataclass has it


def test_validation_uses_pydantics_constrained_types():
    # untrusted input (a user's YAML or config.json) is validated with pydantic's PositiveInt /
    # NonNegativeInt in place of the plain ints the catalog path uses
    from kvplan.model.frozen import validate, validation_error
    from kvplan.model.kinds import FullAttention

    assert validate(FullAttention, {"num_heads": 8, "num_kv_heads": 8, "head_dim": 64}).head_dim == 64
    with pytest.raises(validation_error(), match="greater than 0"):
        validate(FullAttention, {"num_heads": 8, "num_kv_heads": 8, "head_dim": 0})
