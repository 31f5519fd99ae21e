"""Frozen classes without pydantic or generated code on the query path.

Every spec class (kinds, MLPs, layer types, ModelSpec, GpuSpec) subclasses ``Frozen``: frozen,
keyword-only, its fields read from the annotations, with one generic ``__init__`` (building one
from the shipped catalog costs no validation). pydantic is imported only to validate untrusted
input (a user's YAML or config.json, and CI's check of the catalog): ``validate`` turns the
classes into standard dataclasses once and builds a pydantic ``TypeAdapter`` over them, with the
constrained types below swapped for pydantic's in the modules that use them, so a bad value gets
pydantic's message and location.

kvplan's own result records (what an engine holds, a budget part, a report) are ``@record``
classes: ``@dataclass(frozen=True)``'s behaviour without the code ``dataclasses`` generates and
compiles for each class at every start (about 0.7 ms a class; benchmarks/startup.py).

What the classes keep from pydantic's interface, because the code and its readers use it:
``model_copy(update=...)``, ``model_dump(mode="json", exclude_none=..., exclude_defaults=...)``,
``model_fields``, ``model_construct`` (no checks: the shipped catalog) and ``model_validate``.
A check that needs the whole object is a method decorated with ``model_validator``; it runs
in ``__post_init__`` (so on every construction, and under validation as a value error).
"""
from __future__ import annotations

import sys
from typing import Annotated, Union


class _Missing:
    __slots__ = ()

    def __repr__(self):
        return "MISSING"


MISSING = _Missing()  # no default (dataclasses' sentinel, kept out of the query path)

# Constrained types: plain at run time, pydantic's own under ``validate`` (see _PYDANTIC_TYPES).
PositiveInt = int
NonNegativeInt = int
SpecName = str  # ^[a-z0-9][a-z0-9._-]*$
Sources = list  # list[str], at least one

# modules whose annotations name the types above
_MODULES = ["kvplan.model.kinds", "kvplan.model.kinds.base", "kvplan.model.kinds.attention", "kvplan.model.kinds.mla",
            "kvplan.model.kinds.recurrent", "kvplan.model.kinds.compressed", "kvplan.model.kinds.none",
            "kvplan.model.spec", "kvplan.model.weights", "kvplan.model.hardware"]
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

    def __repr__(self):
        return f"field({self.name!r}, default={self.default!r}, default_factory={self.default_factory!r})"


def field(*, default=MISSING, default_factory=MISSING) -> _Field:
    """A field's default or default factory in a class body (``dataclasses.field``'s two uses)."""
    return _Field("", default, default_factory)


class FrozenInstanceError(AttributeError):
    pass


def _collect(cls) -> dict[str, _Field]:
    """Every field of ``cls``, parents' first, from the annotations and the class bodies: what
    ``dataclasses`` reads, without its generated code (about 0.7 ms a class at import)."""
    found: dict[str, _Field] = {}
    for klass in reversed(cls.__mro__):
        if "__record_fields__" in vars(klass):  # a record parent: its fields as it collected them
            found.update(vars(klass)["__record_fields__"])
            continue
        for name, note in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or name == "model_fields" or "ClassVar" in str(note):
                continue
            d = vars(klass).get(name, MISSING)
            if isinstance(d, _Field):
                found[name] = _Field(name, d.default, d.default_factory)
            elif d is not MISSING or name not in found:
                found[name] = _Field(name, d, MISSING)
    return found


def _default(cls, f: _Field):
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    raise TypeError(f"{cls.__name__}() missing argument '{f.name}'")


def record(cls=None, *, frozen: bool = True):
    """``@dataclass(frozen=True)`` for kvplan's own result records (what an engine holds, a
    budget part, a report): positional or keyword arguments, defaults and default factories,
    equality, hashing when frozen, a repr; ``replace`` and ``fields`` below stand in for the
    ``dataclasses`` functions. One generic ``__init__`` instead of generated code, so that a
    query does not pay for compiling a dozen classes at every start (benchmarks/startup.py)."""
    def wrap(klass):
        spec = _collect(klass)
        for name, f in spec.items():  # a class attribute holds the default, as in a dataclass
            if isinstance(vars(klass).get(name), _Field):
                if f.default is MISSING:
                    delattr(klass, name)
                else:
                    setattr(klass, name, f.default)
        names = tuple(spec)
        klass.__record_fields__ = spec
        klass.__match_args__ = names

        def __init__(self, *args, **kw):
            if len(args) > len(names):
                raise TypeError(f"{klass.__name__}() takes {len(names)} arguments, {len(args)} given")
            put = object.__setattr__
            for name, v in zip(names, args):
                if name in kw:
                    raise TypeError(f"{klass.__name__}() got multiple values for argument '{name}'")
                put(self, name, v)
            for name in names[len(args):]:
                put(self, name, kw.pop(name) if name in kw else _default(klass, spec[name]))
            if kw:
                raise TypeError(f"{klass.__name__}() got an unexpected argument '{next(iter(kw))}'")
            post = getattr(self, "__post_init__", None)
            if post is not None:
                post()

        def __eq__(self, other):
            if other.__class__ is not self.__class__:
                return NotImplemented
            return all(getattr(self, n) == getattr(other, n) for n in names)

        def __repr__(self):
            return f"{klass.__qualname__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

        klass.__init__, klass.__eq__, klass.__repr__ = __init__, __eq__, __repr__
        if frozen:
            def __setattr__(self, name, value):
                raise FrozenInstanceError(f"cannot assign to field '{name}'")

            def __delattr__(self, name):
                raise FrozenInstanceError(f"cannot delete field '{name}'")

            klass.__setattr__, klass.__delattr__ = __setattr__, __delattr__
            klass.__hash__ = lambda self: hash(tuple(getattr(self, n) for n in names))
        else:
            klass.__hash__ = None
        return klass

    return wrap if cls is None else wrap(cls)


def fields(obj) -> tuple[_Field, ...]:
    """A record's (or record class's) fields, in order (``dataclasses.fields``)."""
    return tuple(obj.__record_fields__.values())


def replace(obj, **changes):
    """A copy of the record ``obj`` with ``changes`` (``dataclasses.replace``)."""
    kw = {n: getattr(obj, n) for n in obj.__record_fields__}
    unknown = set(changes) - set(kw)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field '{sorted(unknown)[0]}'")
    kw.update(changes)
    return type(obj)(**kw)


class Frozen:
    """Base of every spec class: frozen, keyword-only, fields from the annotations.

    Built without ``dataclasses`` (whose generated code costs about a millisecond a class at
    import): one generic ``__init__``, ``__eq__`` and ``__repr__`` here. ``validate`` turns the
    classes into real dataclasses (in place, once) so that pydantic can validate them."""

    __pydantic_config__ = {"extra": "forbid"}
    __slots__ = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls.model_fields = _collect(cls)
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
    import dataclasses

    todo = [c for c in Frozen.__subclasses__()]
    while todo:
        cls = todo.pop(0)
        if "__dataclass_fields__" not in vars(cls) and cls.model_fields:
            for name, d in list(vars(cls).items()):  # kvplan's field() markers, as dataclasses'
                if isinstance(d, _Field):
                    setattr(cls, name, dataclasses.field(
                        default=dataclasses.MISSING if d.default is MISSING else d.default,
                        default_factory=dataclasses.MISSING if d.default_factory is MISSING else d.default_factory))
            keep = {"__init__": cls.__init__}  # its own or inherited: dataclasses would write one
            dataclasses.dataclass(frozen=True, kw_only=True, eq=False, repr=False)(cls)
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
    out = ta.validate_python(data)
    bad = _coerced(data, out, ())
    if bad is not None:  # pydantic's lax mode reads "8", 8.0 and true as 8, 8 and 1: a count is an int
        from pydantic import ValidationError

        raise ValidationError.from_exception_data(cls.__name__, [{"type": "int_type", "loc": bad[0], "input": bad[1]}])
    return out


def _coerced(given, built, loc: tuple):
    """The first integer field that validation made from something other than an integer (a
    string, a float, a bool), as (location, value given); None if there is none."""
    if type(built) is int:
        return None if isinstance(given, int) and not isinstance(given, bool) else (loc, given)
    if isinstance(built, Frozen) and isinstance(given, dict):
        items = ((k, given[k], getattr(built, k)) for k in type(built).model_fields if k in given)
    elif isinstance(built, dict) and isinstance(given, dict):
        items = ((k, given[k], built[k]) for k in built if k in given)
    elif isinstance(built, (list, tuple)) and isinstance(given, (list, tuple)) and len(built) == len(given):
        items = ((i, g, b) for i, (g, b) in enumerate(zip(given, built)))
    else:
        return None
    for k, g, b in items:
        bad = _coerced(g, b, (*loc, k))
        if bad is not None:
            return bad
    return None


def validation_error():
    """pydantic's ValidationError class (imported only when a caller needs to catch it)."""
    from pydantic import ValidationError

    return ValidationError
