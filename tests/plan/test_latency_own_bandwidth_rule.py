"""Session 22's mutation pass over lat22fit's change (main c76a656, MUTATION.md "Session 22 (the RTX 4090's measured
bandwidth, the narrow refit)"): which share of the datasheet bandwidth Profile streams at (a family's own, else the
card's own measured copy figure, fallback.yaml measured_memory_efficiency, else the physics fallback's 0.83), and
benchmarks/latency/fit.py --moe-route-only keeping fitted.yaml's key order. No refit is run: fit_moe_route and
fit_side_entries are stubbed, only main_moe_route_only's assembly is tested."""
import importlib.util
from pathlib import Path

import pytest

from kvplan.plan.latency import tables
from kvplan.plan.latency.profile import Profile
from kvplan.sources import catalog

ROOT = Path(__file__).resolve().parents[2]
FB = tables.load("fallback")
FAMILIES = {**tables.load("kernels")["families"], **tables.load("rocm")["families"]}


def _with_own(monkeypatch, entries):
    """fallback.yaml as stored plus these measured_memory_efficiency entries."""
    real = tables.load

    def load(name):
        doc = real(name)
        if name == "fallback":
            doc = {**doc, "measured_memory_efficiency": {**doc.get("measured_memory_efficiency", {}), **entries}}
        return doc
    monkeypatch.setattr(tables, "load", load)


def test_every_card_with_its_own_figure_is_outside_every_family():
    """fallback.yaml keeps a copy kernel's share only for a card no kernel family holds (its comment): a family card
    (kernels.yaml's A100/H100/H200/L40S/B200, rocm.yaml's MI300X) is priced by its family's curves, and Profile would
    read an own figure for an NVIDIA family's card (kernels.yaml's families keep no streaming share), so none is
    kept. Today one card: the RTX 4090 at 0.912 (919.5 / 1,008 GB/s, test_latency_measured_bandwidth.py)."""
    own = FB["measured_memory_efficiency"]
    assert set(own) == {"rtx-4090"} and own["rtx-4090"]["efficiency"] == 0.912
    for name, e in own.items():
        assert not any(name in f["gpus"] for f in FAMILIES.values()), name
        p = Profile(catalog.load_gpu(name), "vllm")
        assert p.family is None and p.mem_eff == e["efficiency"] and p.mem_source == "measured: " + e["source"]


def test_a_familys_own_share_comes_before_a_cards_own(monkeypatch):
    """With an own figure kept for the MI300X too (0.5, not stored), rocm.yaml's BabelStream share 0.803 (4,256 of
    5,300 GB/s) is still the one read, with its source; a card outside every family (the RTX 3090) reads its own."""
    _with_own(monkeypatch, {"mi300x": {"efficiency": 0.5, "source": "own mi300x"},
                            "rtx-3090": {"efficiency": 0.7, "source": "own 3090"}})
    mi = Profile(catalog.load_gpu("mi300x"), "vllm")
    fam = FAMILIES[mi.family]
    assert mi.mem_eff == fam["memory_efficiency"] == 0.803
    assert mi.mem_source == "measured: " + fam["memory_efficiency_source"]
    r = Profile(catalog.load_gpu("rtx-3090"), "vllm")
    assert (r.mem_eff, r.mem_source) == (0.7, "measured: own 3090")


def test_an_nvidia_family_card_never_reads_an_own_figure(monkeypatch):
    """Profile enforces the rule its comment states (elif own and self.family is None): with an own figure kept for
    the H100 SXM (0.5, not stored), a card of kernels.yaml's NVIDIA family, whose family keeps no streaming share, it
    still streams at the physics fallback's 0.83 its fitted constants assumed, with that source."""
    _with_own(monkeypatch, {"h100-sxm-80gb": {"efficiency": 0.5, "source": "own h100"}})
    h = Profile(catalog.load_gpu("h100-sxm"), "vllm")
    assert h.family is not None and "memory_efficiency" not in FAMILIES[h.family]
    assert h.mem_eff == FB["memory_efficiency"] == 0.83 and h.mem_source.startswith("physics fallback: ")


def test_without_an_own_figure_the_physics_fallback_word_for_word(monkeypatch):
    """A fallback.yaml without measured_memory_efficiency (as before session 21): the RTX 4090 streams at 0.83, its
    source "physics fallback: " + gpt-fast's A100 figure (1,700 / 2,039 GB/s)."""
    real = tables.load
    monkeypatch.setattr(tables, "load", lambda n: {k: v for k, v in real(n).items() if k != "measured_memory_efficiency"}
                        if n == "fallback" else real(n))
    p = Profile(catalog.load_gpu("rtx-4090"), "vllm")
    assert p.mem_eff == 0.83 and p.mem_source == "physics fallback: " + FB["memory_efficiency_source"]


def _fit(monkeypatch, doc, route):
    spec = importlib.util.spec_from_file_location("fit", ROOT / "benchmarks" / "latency" / "fit.py")
    fit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fit)
    monkeypatch.setattr(fit, "fit_side_entries", lambda: [])

    def fake_fit(entries):  # what fit_moe_route leaves in MOE_ROUTE, without a fit
        fit.MOE_ROUTE.clear()
        fit.MOE_ROUTE.update(route)
        return dict(route)
    monkeypatch.setattr(fit, "fit_moe_route", fake_fit)
    real = fit.tables.load
    monkeypatch.setattr(fit.tables, "load", lambda n: doc if n == "fitted" else real(n))
    return fit.main_moe_route_only()


NEW = {"llamacpp": {"per_layer_us": 1.0, "source": "new"}}


def test_moe_route_only_keeps_moe_route_where_fitted_yaml_holds_it(monkeypatch):
    """The stored fitted.yaml's keys in their order (moe_route among them, wherever it stands), only moe_route's value
    new, every other value the same object."""
    doc = tables.load("fitted")
    assert "moe_route" in doc
    out = _fit(monkeypatch, doc, NEW)
    assert list(out) == list(doc) and out["moe_route"] == NEW
    assert all(out[k] is doc[k] for k in doc if k != "moe_route")
    # moe_route last but two (after mla_rest, as session 22's refit wrote it): still there
    doc2 = {"mla_rest": 1, "moe_route": {"old": 1}, "family_overhead": 2, "source": "s", "engines": {}, "dequant": 3}
    out2 = _fit(monkeypatch, doc2, NEW)
    assert list(out2) == list(doc2) and out2["moe_route"] == NEW and out2["family_overhead"] == 2
    # moe_route after family_overhead and source (a hand-edited file): where it stands too, not moved before them
    doc3 = {"mla_rest": 1, "family_overhead": 2, "source": "s", "engines": {}, "dequant": 3, "moe_route": {"old": 1}}
    out3 = _fit(monkeypatch, doc3, NEW)
    assert list(out3) == list(doc3) and out3["moe_route"] == NEW


def test_moe_route_only_puts_a_new_one_before_family_overhead_else_source(monkeypatch):
    doc = {"mla_rest": 1, "family_overhead": 2, "source": "s", "engines": {}, "dequant": 3}
    out = _fit(monkeypatch, doc, NEW)
    assert list(out) == ["mla_rest", "moe_route", "family_overhead", "source", "engines", "dequant"]
    assert out["moe_route"] == NEW
    doc = {"mla_rest": 1, "source": "s", "engines": {}, "dequant": 3}
    out = _fit(monkeypatch, doc, NEW)
    assert list(out) == ["mla_rest", "moe_route", "source", "engines", "dequant"]


def test_moe_route_only_without_rows_writes_no_moe_route(monkeypatch):
    """fit_moe_route found no rows (MOE_ROUTE empty): no moe_route is written, a stored one dropped too, as a full
    run's fitted_doc writes moe_route only where MOE_ROUTE holds one."""
    doc = {"mla_rest": 1, "family_overhead": 2, "source": "s", "engines": {}, "dequant": 3}
    assert list(_fit(monkeypatch, doc, {})) == list(doc)
    doc = {"mla_rest": 1, "moe_route": {"old": 1}, "family_overhead": 2, "source": "s", "engines": {}, "dequant": 3}
    assert list(_fit(monkeypatch, doc, {})) == ["mla_rest", "family_overhead", "source", "engines", "dequant"]


@pytest.mark.parametrize("name", ["h100-sxm-80gb", "rtx-3090"])
def test_a_profile_without_a_family_share_or_own_figure_reads_0_83(name):
    p = Profile(catalog.load_gpu(name), "vllm")
    assert p.mem_eff == FB["memory_efficiency"] == 0.83
