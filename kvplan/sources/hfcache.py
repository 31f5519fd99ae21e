"""A model by its Hugging Face repo id, from the local cache only: never the network.

``huggingface_hub`` (the optional extra ``kvplan[hf]``) does the lookup with its own cache
layout (``models--ORG--NAME/refs/main`` -> ``snapshots/<commit>/config.json`` -> ``blobs/``):
``try_to_load_from_cache`` reads files already on disk and makes no request. It is imported here
alone, and only when a model reference is a repo id that the catalog does not know. The cache
folder is the one huggingface_hub documents, read when the lookup runs (so a changed
environment is honoured): ``HF_HUB_CACHE``, else ``HF_HOME/hub``, else its default
(``~/.cache/huggingface/hub``).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import KvplanError
from ..model.frozen import record

# ORG/NAME as the Hub spells a repo id (huggingface_hub validate_repo_id: letters, digits, - _ .)
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
EXTRA = "pip install 'kvplan[hf]'"


def looks_like_repo_id(ref: str) -> bool:
    return bool(REPO_ID.match(ref.strip())) and ".." not in ref


@record
class CachedConfig:
    repo_id: str
    config: Path  # the snapshot's config.json (a link into blobs/)
    snapshot: Path  # the snapshot folder: where the weights of the same commit lie
    revision: str  # the commit hash the snapshot is named by


def cache_dir() -> str | None:
    """The cache folder huggingface_hub would use, from the environment as it is now."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return os.path.join(os.environ["HF_HOME"], "hub")
    return None  # huggingface_hub's own default


def find(repo_id: str) -> CachedConfig | None:
    """The cached config.json of ``repo_id`` at its ``main`` ref, or None when it is not cached.
    Raises KvplanError naming the extra when huggingface_hub is not installed."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: nothing below goes online
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        raise KvplanError(f"unknown model '{repo_id}': not in kvplan's catalog, and reading it from the local "
                          f"Hugging Face cache needs huggingface_hub: {EXTRA}") from None
    try:
        found = try_to_load_from_cache(repo_id, "config.json", cache_dir=cache_dir())
    except ValueError:  # huggingface_hub's HFValidationError: not a valid repo id
        return None
    if not isinstance(found, str):  # None (not cached) or _CACHED_NO_EXIST
        return None
    config = Path(found)
    return CachedConfig(repo_id, config, config.parent, config.parent.name)


def not_found(repo_id: str, hint: str = "") -> KvplanError:
    """``hint``: the catalog's closest names (``; did you mean: ...``), as for any unknown model."""
    where = cache_dir()
    if where is None:
        from huggingface_hub import constants  # find() has imported it: the default it used

        where = constants.HF_HUB_CACHE
    return KvplanError(f"unknown model '{repo_id}': neither in kvplan's catalog nor in the local Hugging Face "
                       f"cache ({where}); download its config.json (hf download {repo_id} config.json) or "
                       f"give the path of a config.json or its folder{hint}")
