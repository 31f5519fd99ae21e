"""Find and load specs: catalog names and aliases, YAML spec files, Hugging Face config.json.

The catalog is data: ``model_specs/models/<name>.yaml`` (one model each, citing its
config.json), ``model_specs/aliases.yaml`` (alias -> name, so a lookup reads two small files,
not the whole catalog) and ``model_specs/gpus.yaml``.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import KvplanError, validation_message
from ..model.spec import ModelSpec

if TYPE_CHECKING:  # annotations only: a model query never imports the GPU module (benchmarks/startup.py)
    from ..model.hardware import GpuSpec


def specs_dir() -> Path:
    """``model_specs/``: inside the installed package, or beside it in a source checkout."""
    here = Path(__file__).resolve().parent.parent  # kvplan/
    for cand in (here / "model_specs", here.parent / "model_specs"):
        if (cand / "aliases.yaml").exists():
            return cand
    raise KvplanError("kvplan's model_specs/ folder is missing from this installation")


def _read_yaml(path: Path):
    from .readers import load_yaml  # UTF-8, depth-capped, one KvplanError for a bad file

    return load_yaml(path)


def load_spec_file(path: Path, trusted: bool = False) -> ModelSpec:
    """Load a YAML spec; ``trusted`` skips validation (only for the shipped catalog)."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise KvplanError(f"{path}: a model spec must be a YAML mapping")
    if trusted:
        from ..model.spec import trusted_model_spec

        return trusted_model_spec(data)
    from ..model.frozen import validation_error

    try:
        return ModelSpec.model_validate(data)
    except validation_error() as e:
        raise KvplanError(validation_message(path, e)) from None


BUNDLE = "catalog.json"


@lru_cache(maxsize=1)
def bundle() -> Mapping | None:
    """``model_specs/catalog.json``: the YAML catalog (aliases, models, GPUs) in one JSON file,
    which loads in a fraction of the time. scripts/build_bundle.py writes it from the YAML, the
    source; tests/sources/test_catalog.py checks that they agree. None when absent (the YAML is read).

    Each part is parsed when first asked for, and each model alone (``bundle_text``'s layout):
    a query about one model parses its own line, not the whole catalog (benchmarks/startup.py)."""
    try:
        raw = (specs_dir() / BUNDLE).read_bytes()
    except FileNotFoundError:
        return None
    return _Bundle(raw)


def bundle_text(data: dict) -> str:
    """catalog.json's text: one JSON object, laid out a part a line (the aliases, the GPUs, then
    one model a line) so that ``bundle`` can parse only the lines a query needs."""
    import json

    def dump(v) -> str:
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)

    models = ",\n".join(f"{dump(n)}:{dump(m)}" for n, m in data["models"].items())
    return (f'{{"aliases":{dump(data["aliases"])},\n"gpus":{dump(data["gpus"])},\n'
            f'"models":{{\n{models}\n}}}}\n')


class _Bundle(Mapping):
    """catalog.json as ``bundle_text`` lays it out, each part parsed on first use; any other
    layout (a file written some other way) is parsed whole."""

    def __init__(self, raw: bytes):
        lines = raw.split(b"\n")
        self._parts: dict = {}
        if (len(lines) >= 5 and lines[0].startswith(b'{"aliases":') and lines[0].endswith(b",")
                and lines[1].startswith(b'"gpus":') and lines[1].endswith(b",") and lines[2] == b'"models":{'
                and lines[-2:] == [b"}}", b""]):
            self._lines = {"aliases": lines[0][len(b'{"aliases":'):-1], "gpus": lines[1][len(b'"gpus":'):-1]}
            self._parts["models"] = _Models(lines[3:-2])
        else:
            import json

            self._lines = {}
            self._parts.update(json.loads(raw))

    def __getitem__(self, key: str):
        if key not in self._parts:
            import json

            self._parts[key] = json.loads(self._lines[key])  # KeyError for an unknown part
        return self._parts[key]

    def __iter__(self):
        return iter(("aliases", "gpus", "models") if self._lines else self._parts)

    def __len__(self) -> int:
        return len(list(iter(self)))


class _Models(Mapping):
    """The models' lines (``"name":{...},``), each parsed when first asked for."""

    def __init__(self, lines: list[bytes]):
        self._raw = {}
        for line in lines:
            if not line:  # bundle_text of a catalog with no models leaves one empty line
                continue
            end = line.index(b'":')  # a catalog name has no quote in it (SpecName)
            self._raw[line[1:end].decode()] = line[end + 2:].removesuffix(b",")
        self._parsed: dict = {}

    def __getitem__(self, name: str) -> dict:
        if name not in self._parsed:
            import json

            self._parsed[name] = json.loads(self._raw[name])
        return self._parsed[name]

    def __contains__(self, name) -> bool:
        return name in self._raw

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def make_bundle() -> dict:
    """The catalog as one object, read from the YAML files."""
    return {"aliases": _yaml_aliases(),
            "models": {n: _read_yaml(specs_dir() / "models" / f"{n}.yaml")
                       for n in sorted(p.stem for p in (specs_dir() / "models").glob("*.yaml"))},
            "gpus": _read_yaml(specs_dir() / "gpus.yaml") or []}


def _yaml_aliases() -> dict[str, str]:
    data = _read_yaml(specs_dir() / "aliases.yaml") or {}
    return {str(k).lower(): str(v) for k, v in data.items()}


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    b = bundle()
    return b["aliases"] if b else _yaml_aliases()


def model_names() -> list[str]:
    b = bundle()
    return sorted(b["models"]) if b else sorted(p.stem for p in (specs_dir() / "models").glob("*.yaml"))


def canonical_name(name: str) -> str | None:
    key = name.strip().lower()
    b = bundle()
    if "/" not in key and (key in b["models"] if b else
                           _probe(specs_dir() / "models" / f"{key}.yaml", "exists")):
        return key
    return aliases().get(key)


def catalog_spec(name: str) -> ModelSpec:
    """A shipped model, built without validation (CI validates every one)."""
    b = bundle()
    if b is None:
        return load_spec_file(specs_dir() / "models" / f"{name}.yaml", trusted=True)
    from ..model.spec import trusted_model_spec

    return trusted_model_spec(b["models"][name])


# Checkpoint variants that share their base model's architecture (same config.json shapes)
_VARIANT_WORDS = {"instruct", "chat", "hf", "it", "base"}


def resolve_variant(name: str) -> tuple[str, str] | None:
    """A spelling or checkpoint variant of a catalog model: case, ``_`` for ``-``, an org prefix,
    ``Meta-``, and the -Instruct / -Chat / -hf / -it / -Base suffixes of the same architecture.
    Returns (catalog name, what was matched) or None."""
    key = name.strip().lower().replace("_", "-")
    tail = key.rsplit("/", 1)[-1]
    tries = [key, tail, tail.removeprefix("meta-")]
    for t in list(tries):
        words = [w for w in t.split("-") if w not in _VARIANT_WORDS]
        tries.append("-".join(words))
    for t in dict.fromkeys(tries):
        found = canonical_name(t)
        if found:
            return found, t
    return None


def suggestions(name: str, n: int = 4) -> list[str]:
    """Catalog names closest to what was typed, best first: every name and alias is scored
    against the typed text with its org prefix and variant words removed, and each alias counts
    for the model it names. A name is scored whole and by its beginning (the typed length, and
    one more for a dropped letter), the beginning at 0.9: ``lama-3`` leads with the Llama 3
    models, not with the shorter ``llama-13b`` that happens to share as many letters."""
    import difflib  # only on the error path

    key = name.strip().lower().replace("_", "-").rsplit("/", 1)[-1].removeprefix("meta-")
    key = "-".join(w for w in key.split("-") if w not in _VARIANT_WORDS)
    best: dict[str, float] = {}
    pool = [(m, m) for m in model_names()] + [(a.rsplit("/", 1)[-1], t) for a, t in aliases().items()]
    def ratio(a: str, b: str) -> float:
        return difflib.SequenceMatcher(None, a, b).ratio()

    for cand, target in pool:
        score = max(ratio(key, cand), 0.9 * max(ratio(key, cand[:len(key)]), ratio(key, cand[:len(key) + 1])))
        if score >= 0.5 and score > best.get(target, 0):
            best[target] = score
    return sorted(best, key=lambda t: (-best[t], t))[:n]


def _probe(path: Path, what: str) -> bool:
    """path.exists() / is_dir() that answers False, not OSError, for a name the OS refuses
    (too long, bad bytes)."""
    try:
        return getattr(path, what)()
    except (OSError, ValueError):
        return False


def load_model(ref: str, notes: list | None = None) -> ModelSpec:
    """A catalog name or alias, a YAML spec path, or a config.json path (or its folder)."""
    if len(ref) > 1024:
        raise KvplanError(f"unknown model '{ref[:40]}…' ({len(ref):,} characters); see `kvplan models`")
    path = Path(ref).expanduser()
    looks_like_file = ref.endswith((".json", ".yaml", ".yml", ".gguf")) or ref.startswith((".", "/", "~"))
    # a folder that merely shares a catalog name (./gpt2 without a config.json) is not the model
    is_dir = _probe(path, "is_dir")
    shadowed = is_dir and not _probe(path / "config.json", "exists") and canonical_name(ref) is not None
    if (_probe(path, "exists") or looks_like_file) and not shadowed:
        if is_dir or path.suffix == ".json":
            from . import hfconfig as hf

            spec = hf.load(path)
            folder = path if is_dir else path.parent if path.name == "config.json" else None
            return spec if folder is None else with_stored_weights(spec, folder)
        if not _probe(path, "exists"):
            raise KvplanError(f"no such file: {ref}")
        if path.suffix == ".gguf":
            from . import gguf

            return gguf.load(path, notes)
        return load_spec_file(path)
    name = canonical_name(ref)
    if name is None and (v := resolve_variant(ref)) is not None:
        name = v[0]
        if notes is not None:  # not the catalog name itself (canonical_name found none): say how it was read
            notes.append(f"'{ref}' read as {name}: the same architecture (a variant checkpoint shares "
                         "its config's shapes, so its cache and weights are the same size)")
    if name is None and "/" in ref:
        from . import hfcache

        if hfcache.looks_like_repo_id(ref):
            return from_hf_cache(ref.strip(), notes)
    if name is None:
        hint = suggestions(ref)
        more = f"; did you mean: {', '.join(hint)}" if hint else "; see `kvplan models`"
        shown = f"'{ref}'" if len(ref) <= 80 else f"'{ref[:40]}…' ({len(ref):,} characters)"
        raise KvplanError(f"unknown model {shown}{more}")
    return catalog_spec(name)


def with_stored_weights(spec: ModelSpec, folder: Path) -> ModelSpec:
    """The spec with the weights its folder stores (safetensors headers or index), if any."""
    from . import safetensors as checkpoint

    stored = checkpoint.read(folder, spec.num_layers)
    return spec if stored is None else spec.model_copy(update={"stored_weights": stored})


def from_hf_cache(repo_id: str, notes: list | None = None) -> ModelSpec:
    """A repo id's config.json (and stored weights) from the local Hugging Face cache."""
    import re

    from . import hfconfig as hf, hfcache

    found = hfcache.find(repo_id)
    if found is None:
        hint = suggestions(repo_id)
        raise hfcache.not_found(repo_id, f"; did you mean: {', '.join(hint)}" if hint else "")
    slug = re.sub(r"[^a-z0-9._-]+", "-", repo_id.rsplit("/", 1)[-1].lower()).strip("-.") or "model"
    source = f"{repo_id} from the local Hugging Face cache: {found.config}"
    spec = hf.from_config(hf.load_json(found.config), slug, source=source, where=str(found.config))
    spec = spec.model_copy(update={"hf_repo": repo_id, "display_name": repo_id})
    if notes is not None:
        notes.append(f"'{repo_id}' is not in kvplan's catalog: config.json from the local Hugging Face "
                     f"cache, snapshot {found.revision[:12]} ({found.config})")
    return with_stored_weights(spec, found.snapshot)


def all_models() -> list[ModelSpec]:
    """Every shipped model, built without validation (tests/sources/test_catalog.py validates each file)."""
    return [catalog_spec(n) for n in model_names()]


@lru_cache(maxsize=2)
def gpus(trusted: bool = True) -> list[GpuSpec]:
    """The GPU catalog; ``trusted`` builds it without validation (CI validates the shipped file:
    tests/sources/test_catalog.py calls ``gpus(trusted=False)``)."""
    from ..model.hardware import GpuSpec

    path = specs_dir() / "gpus.yaml"
    b = bundle() if trusted else None
    data = b["gpus"] if b else (_read_yaml(path) or [])
    if trusted:
        return [GpuSpec.model_construct(**item) for item in data]
    from ..model.frozen import validation_error

    out = []
    for i, item in enumerate(data):
        try:
            out.append(GpuSpec.model_validate(item))
        except validation_error() as e:
            raise KvplanError(validation_message(f"{path}[{i}]", e)) from None
    return out


def load_gpu(ref: str) -> GpuSpec:
    key = ref.strip().lower()
    for g in gpus():
        if key == g.name or key in g.aliases:
            return g
    import difflib

    canonical = {**{a: g.name for g in gpus() for a in g.aliases}, **{g.name: g.name for g in gpus()}}
    close = difflib.get_close_matches(key, list(canonical), n=len(canonical), cutoff=0.5)
    hint = list(dict.fromkeys(canonical[c] for c in close))[:4]  # each GPU once, by its own name
    more = f"; did you mean: {', '.join(hint)}" if hint else "; see `kvplan gpus`"
    raise KvplanError(f"unknown GPU '{ref}'{more}")
