"""kvplan.model.frozen.Frozen on tiny classes whose every answer can be read off the class body:
the generic ``__init__``, ``__hash__``, ``model_dump``'s defaults and ``replace``'s message.

The classes are defined inside each test on purpose: ``validate`` turns every Frozen subclass
alive at that moment into a standard dataclass (with dataclasses' own ``__init__``), so a class
built at import time would no longer reach ``Frozen.__init__`` once any test has validated."""
from __future__ import annotations

import pytest

from kvplan.model.frozen import Frozen, field, model_validator, record, replace


def test_init_fills_defaults_and_names_the_class_in_its_errors():
    class Tiny(Frozen):
        a: int
        b: int | None = None
        tags: list = field(default_factory=list)

        @model_validator(mode="after")
        def _positive(self):
            if self.a < 0:
                raise ValueError("a < 0")

    t = Tiny(a=1)  # b's default, a fresh list from the factory
    assert (t.a, t.b, t.tags) == (1, None, [])
    assert Tiny(a=1, b=2, tags=[3]).b == 2 and Tiny(a=1).tags is not t.tags
    with pytest.raises(TypeError) as e:
        Tiny(a=1, colour=2)
    assert str(e.value) == "Tiny() got an unexpected keyword argument 'colour'"
    with pytest.raises(TypeError) as e:
        Tiny(b=2)
    assert str(e.value) == "Tiny() missing keyword argument 'a'"
    with pytest.raises(ValueError, match="a < 0"):  # the whole-object check runs on construction
        Tiny(a=-1)


def test_hash_follows_equality_and_tells_records_apart():
    # records are set members and dict keys (spec.counts(), len({a, b}) in test_frozen.py):
    # equal records hash alike, and records that differ (in a value, or in their class with the
    # same values) hash apart; ints hash to themselves, so the tuples (cls, 1) and (cls, 2)
    # differ, and two classes differ in their own hash (a collision is a 1-in-2**64 chance)
    class A(Frozen):
        x: int

    class B(Frozen):
        x: int

    assert A(x=1) == A(x=1) and hash(A(x=1)) == hash(A(x=1))
    assert hash(A(x=1)) != hash(A(x=2))
    assert A(x=1) != B(x=1) and hash(A(x=1)) != hash(B(x=1))


def test_dump_keeps_none_unless_told_and_leaves_it_out_inside_lists():
    # pydantic's defaults: model_dump() keeps every field, None included; exclude_none drops
    # None fields at every depth, in list elements too (render/tables.py dumps a spec's
    # encoders list with exclude_none=True for --json)
    class Item(Frozen):
        n: int
        note: str | None = None

    class Box(Frozen):
        items: list
        label: str | None = None

    box = Box(items=[Item(n=1), Item(n=2, note="x")])
    assert box.model_dump() == {"items": [{"n": 1, "note": None}, {"n": 2, "note": "x"}], "label": None}
    assert box.model_dump(mode="json") == box.model_dump()
    assert box.model_dump(exclude_none=True) == {"items": [{"n": 1}, {"n": 2, "note": "x"}]}


def test_replace_names_the_record_in_its_error():
    @record
    class Row:
        key: str
        size: int = 0

    assert replace(Row("kv"), size=3) == Row("kv", 3)
    with pytest.raises(TypeError) as e:
        replace(Row("kv"), colour=1)
    assert str(e.value) == "Row has no field 'colour'"


def test_validation_keeps_kvplans_init_on_the_spec_classes():
    # validate turns the spec classes into dataclasses for pydantic, keeping kvplan's own
    # __init__ (its docstring's promise): the catalog path builds and refuses alike before and
    # after a user's YAML has been validated in the same process
    from kvplan.model.frozen import validate
    from kvplan.model.kinds import FullAttention

    assert validate(FullAttention, {"num_heads": 8, "num_kv_heads": 2, "head_dim": 64}) == \
        FullAttention(num_heads=8, num_kv_heads=2, head_dim=64)
    assert FullAttention.__init__ is Frozen.__init__
    with pytest.raises(TypeError) as e:
        FullAttention(num_heads=8, num_kv_heads=2)
    assert str(e.value) == "FullAttention() missing keyword argument 'head_dim'"
