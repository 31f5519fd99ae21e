"""Write a ModelSpec as the YAML the catalog stores (defaults left out)."""
from __future__ import annotations

import yaml

from ..model.spec import ModelSpec


def _kind_first(block, dumped: dict) -> dict:
    """The ``kind`` tag is a class default, so exclude_defaults drops it; put it back, first."""
    return {"kind": block.kind, **{k: v for k, v in dumped.items() if k != "kind"}}


def dump(spec: ModelSpec) -> str:
    data = spec.model_dump(mode="json", exclude_defaults=True)
    for name, lt in spec.layer_types.items():
        entry = data["layer_types"][name]
        entry["mixer"] = _kind_first(lt.mixer, entry.get("mixer", {}))
        if lt.mlp is not None:
            entry["mlp"] = _kind_first(lt.mlp, entry.get("mlp", {}))
    for i, enc in enumerate(spec.encoders):
        data["encoders"][i] = _kind_first(enc, data["encoders"][i])
    return yaml.safe_dump(data, sort_keys=False, width=100, allow_unicode=True)
