"""kvplan.frozen.record: the stand-in for @dataclass(frozen=True) on kvplan's result records.
Each behaviour the code relies on, checked against what dataclasses itself does."""
from __future__ import annotations

import dataclasses

import pytest

from kvplan.frozen import FrozenInstanceError, field, fields, record, replace


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
    from kvplan.frozen import validate, validation_error
    from kvplan.layers import FullAttention

    assert validate(FullAttention, {"num_heads": 8, "num_kv_heads": 8, "head_dim": 64}).head_dim == 64
    with pytest.raises(validation_error(), match="greater than 0"):
        validate(FullAttention, {"num_heads": 8, "num_kv_heads": 8, "head_dim": 0})
