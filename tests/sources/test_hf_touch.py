"""`_Cfg.touch` marks keys a converter understands and ignores. `check_unread` refuses only unread
keys whose names look cache-relevant (`_SUSPICIOUS`) and are not `_HARMLESS`, so a key outside
that set is never refused and touching it changes nothing: every key a converter touches must be
one check_unread would otherwise refuse (no dead entries), checked over every vendored config."""
import pytest

from conftest import FIXTURES
from kvplan.sources import hfconfig as hf
from kvplan.sources.hfconfig import cfg as cfgmod

CONFIGS = sorted(p.name for p in FIXTURES.glob("*.json"))


@pytest.fixture
def touched(monkeypatch):
    seen: list = []
    orig = cfgmod._Cfg.touch

    def record(self, *keys):
        seen.extend(keys)
        return orig(self, *keys)

    monkeypatch.setattr(cfgmod._Cfg, "touch", record)
    return seen


@pytest.mark.parametrize("config", CONFIGS)
def test_every_touched_key_is_one_check_unread_would_refuse(config, touched):
    hf.load(FIXTURES / config)
    dead = [k for k in touched if not (isinstance(k, str) and cfgmod._SUSPICIOUS.search(k))
            or k in cfgmod._HARMLESS]
    assert dead == []


def test_the_families_that_touch_are_covered(touched):
    """The configs above reach every converter that touches keys (one key of each touch list but Falcon's new_decoder_architecture branch, which falcon-7b does not take)."""
    for config in CONFIGS:
        hf.load(FIXTURES / config)
    assert {"max_window_layers", "attention_chunk_size", "n_shared_experts", "use_mambapy",
            "num_expert_group", "index_topk", "indexer_rope_interleave", "sparse_topk_blocks"} <= set(touched)
