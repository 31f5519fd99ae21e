"""Frozen spec classes without pydantic on the query path.

Every spec class (kinds, MLPs, layer types, ModelSpec, GpuSpec) subclasses ``Frozen``: each
subclass becomes a frozen, keyword-only standard dataclass, so building one from the shipped
catalog costs what a dataclass costs. pydantic is imported only to validate untrusted input (a
user's YAML or config.json, and CI's check of the catalog): ``validate`` builds a pydantic
``TypeAdapter`` over the same dataclasses, with the constrained types below swapped for
pydantic's in the modules that use them, so a bad value gets pydantic's message and location.

What the classes keep from pydantic's interface, because the code and its readers use it:
``model_copy(update=...)``, ``model_dump(mode="json", exclude_none=..., exclude_defaults=...)``,
``model_fields``, ``model_construct`` (no checks: the shipped catalog) and ``model_validate``.
A check that needs the whole object is a method decorated with ``model_validator``; it runs
in ``__post_init__`` (so on every construction, and under validation as a value error).
"""
from __future__ import annotations

import sys
from dataclasses import MISSING, dataclass
from dataclasses import Field as DataclassField
from typing import Annotated, Union

# Constrained types: plain at run time, pydantic's own under ``validate`` (see _PYDANTIC_TYPES).
PositiveInt = int
NonNegativeInt = int
SpecName = str  # ^[a-z0-9][a-z0-9._-]*$
Sources = list  # list[str], at least one

_MODULES = ["kvplan.layers", "kvplan.spec"]  # modules whose annotations name the types above
_UNIONS: dict[tuple[str, str], tuple] = {}  # (module, alias) -> member classes, tagged by ``kind``


def model_validator(mode: str = "after"):
    """Mark a method as a whole-object check, run after construction (pydantic's name)."""
    def mark(fn):
        fn.__kvplan_check__ = True
        return fn
    return mark


def tagged_union(module: str, alias: str, *members):
    """A union of kinds told apart by their ``kind`` field: a plain Union at run time,
    pydantic's discriminated union under ``validate``."""
    _UNIONS[(module, alias)] = members
    return Union[members] if len(members) > 1 else members[0]


class _Field:
    """A field's name and default, read from the class body (what dataclasses.Field holds)."""

    __slots__ = ("name", "default", "default_factory")

    def __init__(self, name, default, default_factory):
        self.name, self.default, self.default_factory = name, default, default_factory


class FrozenInstanceError(AttributeError):
    pass


class Frozen:
    """Base of every spec class: frozen, keyword-only, fields from the annotations.

    Built without ``dataclasses`` (whose generated code costs about a millisecond a class at
    import): one generic ``__init__``, ``__eq__`` and ``__repr__`` here. ``validate`` turns the
    classes into real dataclasses (in place, once) so that pydantic can validate them."""

    __pydantic_config__ = {"extra": "forbid"}
    __slots__ = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        found: dict[str, _Field] = {}
        for klass in reversed(cls.__mro__):
            for name in vars(klass).get("__annotations__", {}):
                if name.startswith("_") or name == "model_fields":
                    continue
                d = vars(klass).get(name, MISSING)
                if isinstance(d, DataclassField):
                    found[name] = _Field(name, d.default, d.default_factory)
                elif d is not MISSING or name not in found:
                    found[name] = _Field(name, d, MISSING)
        cls.model_fields = found
        cls.__kvplan_checks__ = tuple(
            name for klass in reversed(cls.__mro__) for name, v in vars(klass).items()
            if getattr(v, "__kvplan_check__", False))

    def __init__(self, **data):
        _fill(self, data, pop=True)
        if data:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument '{next(iter(data))}'")
        self.__post_init__()

    def __post_init__(self):
        for name in self.__kvplan_checks__:
            getattr(self, name)()

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to field '{name}'")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete field '{name}'")

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in type(self).model_fields)

    def __hash__(self):
        return hash((type(self), *(getattr(self, n) for n in type(self).model_fields)))

    def __repr__(self):
        body = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self).model_fields)
        return f"{type(self).__name__}({body})"

    # --- pydantic's interface, as far as kvplan uses it -------------------------------------
    def __iter__(self):  # dict(obj): its fields
        return ((name, getattr(self, name)) for name in type(self).model_fields)

    def model_copy(self, update: dict | None = None):
        return type(self)(**{**dict(self), **(update or {})})

    @classmethod
    def model_construct(cls, **data):
        """Build without running any check (the shipped catalog, validated in CI)."""
        obj = object.__new__(cls)
        _fill(obj, data, pop=False)
        return obj

    @classmethod
    def model_validate(cls, data):
        return validate(cls, data)

    def model_dump(self, mode: str = "python", exclude_none: bool = False,
                   exclude_defaults: bool = False, exclude: set | None = None) -> dict:
        out = _dump(self, exclude_none, exclude_defaults)
        return {k: v for k, v in out.items() if k not in exclude} if exclude else out


def _fill(obj, data: dict, pop: bool) -> None:
    """Set every field of ``obj`` from ``data`` or its default (taken out of ``data`` with ``pop``,
    so that what is left over is unknown)."""
    for name, f in type(obj).model_fields.items():
        if name in data:
            v = data.pop(name) if pop else data[name]
        elif f.default is not MISSING:
            v = f.default
        elif f.default_factory is not MISSING:
            v = f.default_factory()
        else:
            raise TypeError(f"{type(obj).__name__}() missing keyword argument '{name}'")
        object.__setattr__(obj, name, v)


def _dump(v, exclude_none: bool, exclude_defaults: bool):
    if isinstance(v, Frozen):
        out = {}
        for name, f in type(v).model_fields.items():
            x = getattr(v, name)
            if exclude_none and x is None:
                continue
            if exclude_defaults and f.default is not MISSING and x == f.default:
                continue
            if exclude_defaults and f.default_factory is not MISSING and x == f.default_factory():
                continue
            out[name] = _dump(x, exclude_none, exclude_defaults)
        return out
    if isinstance(v, dict):
        return {k: _dump(x, exclude_none, exclude_defaults) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_dump(x, exclude_none, exclude_defaults) for x in v]
    return v


_READY = False


def _pydantic_types() -> None:
    """Swap the constrained names for pydantic's in the spec modules (once)."""
    global _READY
    if _READY:
        return
    from pydantic import Field, StringConstraints
    from pydantic import NonNegativeInt as NNI
    from pydantic import PositiveInt as PI

    types = {"PositiveInt": PI, "NonNegativeInt": NNI,
             "SpecName": Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$")],
             "Sources": Annotated[list[str], Field(min_length=1)]}
    for mod in _MODULES:
        m = sys.modules.get(mod)
        if m is None:
            continue
        for name, t in types.items():
            if name in vars(m):
                setattr(m, name, t)
    for (_, alias), members in _UNIONS.items():
        if len(members) > 1:
            tagged = Annotated[Union[members], Field(discriminator="kind")]
            for mod in _MODULES:  # where it is defined and where it is imported
                m = sys.modules.get(mod)
                if m is not None and alias in vars(m):
                    setattr(m, alias, tagged)
    _READY = True


def _as_dataclasses() -> None:
    """Make every spec class a real (frozen, keyword-only) dataclass, parents first, keeping
    kvplan's own __init__, __eq__, __repr__ and __hash__: what pydantic needs to validate them."""
    todo = [c for c in Frozen.__subclasses__()]
    while todo:
        cls = todo.pop(0)
        if "__dataclass_fields__" not in vars(cls) and cls.model_fields:
            keep = {k: vars(cls)[k] for k in ("__init__",) if k in vars(cls)}
            dataclass(frozen=True, kw_only=True, eq=False, repr=False)(cls)
            for k, v in keep.items():
                setattr(cls, k, v)
        todo += cls.__subclasses__()


_ADAPTERS: dict = {}


def validate(cls, data):
    """``cls`` built from untrusted ``data`` with every constraint checked; a pydantic
    ValidationError on bad input (callers turn it into one line)."""
    from pydantic import TypeAdapter

    _pydantic_types()
    _as_dataclasses()
    ta = _ADAPTERS.get(cls)
    if ta is None:
        ta = _ADAPTERS[cls] = TypeAdapter(cls)
    return ta.validate_python(data)


def validation_error():
    """pydantic's ValidationError class (imported only when a caller needs to catch it)."""
    from pydantic import ValidationError

    return ValidationError
