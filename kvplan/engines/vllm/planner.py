"""vLLM 0.33's planner: layers grouped into KV-cache groups, page sizes unified, blocks counted
(v1/core/kv_cache_planning.py; see the package docstring for the functions)."""
from __future__ import annotations


from ...model.dtypes import cdiv
from ...errors import KvplanError
from ...model.frozen import record, replace
from .pages import Config, Page


def _approximate_gcd(values: list[int], lower_bound: int) -> int:
    """kv_cache_planning._approximate_gcd: the d >= lower_bound (up to max(values)) with the
    least total round-up padding of values to multiples of d; ties prefer the larger d."""
    best, best_pad = lower_bound, None
    for d in range(lower_bound, max(values) + 1):
        pad = sum((d - x % d) % d for x in values)
        if best_pad is None or pad <= best_pad:
            best, best_pad = d, pad
    return best


def _packed_groups(specs: list[Page]) -> list[Group]:
    """kv_cache_planning._get_packed_kv_cache_groups for attention-only layouts: layers bucketed
    by spec type (UniformTypeKVCacheSpecs), a bucket whose page sizes come in equal numbers is a
    repeating pattern split into groups of about repeats_per_group repeats (the approximate gcd
    of those buckets' largest counts, at least the largest mixed-size balanced bucket's), every
    other bucket one group. A group's page is the sum of its layers' pages."""
    buckets: dict[tuple, list[Page]] = {}
    for p in specs:
        buckets.setdefault(p.type_key(), []).append(p)
    info = []
    for pages in buckets.values():
        sizes: dict[int, list[Page]] = {}
        for p in pages:
            sizes.setdefault(p.bytes, []).append(p)
        balanced = len({len(v) for v in sizes.values()}) == 1
        info.append((pages, sizes, balanced))
    floor = max((max(len(v) for v in sizes.values()) for _, sizes, balanced in info
                 if balanced and len(sizes) > 1), default=0)
    repeats = _approximate_gcd([max(len(v) for v in sizes.values()) for _, sizes, balanced in info if balanced],
                               floor) if floor else None
    groups = []
    for pages, sizes, balanced in info:
        n = cdiv(max(len(v) for v in sizes.values()), repeats) if balanced and repeats else 1
        pattern = list(zip(*sizes.values())) if n > 1 else [pages]
        for i in range(n):
            members = [p for rep in pattern[i::n] for p in rep]
            groups.append(Group(replace(members[0], padded=sum(p.bytes for p in members)), 1))
    return groups


# --- the planner: groups, block bytes, the start-up check ---------------------------------

@record
class Group:
    page: Page
    layers: int  # layers in the group (a block of this group holds one page of each)


@record
class Plan:
    groups: list[Group]
    bytes_per_block: int  # _get_kv_cache_bytes_per_block: the largest group's pages
    cfg: Config

    def blocks_per_request(self, max_len: int) -> int:
        return sum(g.page.blocks(max_len, self.cfg) for g in self.groups)

    def request_bytes(self, max_len: int) -> int:
        """_max_memory_usage_bytes_from_groups: bytes_per_block × Σ groups' blocks."""
        return self.bytes_per_block * self.blocks_per_request(max_len)


def _unify(pages: list[Page]) -> list[Page]:
    """unify_kv_cache_spec_page_size: smaller pages grow their block size by the ratio to the
    largest page; a Mamba page, or an attention page that does not divide it, is padded."""
    top = max(p.bytes for p in pages)
    out = []
    for p in pages:
        if p.bytes == top:
            out.append(p)
        elif p.kind != "mamba" and top % p.bytes == 0:
            out.append(replace(p, block_size=p.block_size * (top // p.bytes)))
        elif p.kind != "mla":
            out.append(replace(p, padded=top))
        else:
            raise KvplanError("vLLM cannot unify this model's MLA page with its other layers' pages")
    return out


def plan(pages: list[Page], cfg: Config) -> Plan:
    """get_kv_cache_groups, for the layer specs of one worker (None = layer without cache)."""
    specs = [p for p in pages if p is not None]
    if not specs:
        return Plan([], 0, cfg)
    if any(p.packed for p in specs):
        groups = _packed_groups(specs)
        return Plan(groups, max(g.page.bytes for g in groups), cfg)
    keys = {p.key() for p in specs}
    attention = all(p.kind in ("full", "mla") for p in specs)
    if len(keys) == 1:  # is_kv_cache_spec_uniform: one group, every layer
        return Plan([Group(specs[0], len(specs))], len(specs) * specs[0].bytes, cfg)
    # full and MLA specs of one block size are one uniform type (measured for MiniMax-M3, whose
    # index keys are MLA specs beside full-attention K/V)
    if attention and (len({p.kind for p in specs}) == 1 or len({p.block_size for p in specs}) == 1) or \
            all(p.kind == "sliding" for p in specs) and len({p.window for p in specs}) == 1:
        # UniformTypeKVCacheSpecs: same kind and token span, different page sizes: one group
        # whose block holds one page of every layer.
        total = sum(p.bytes for p in specs)
        return Plan([Group(replace(specs[0], padded=total), 1)], total, cfg)
    specs = _unify(specs)
    buckets: dict[tuple, list[Page]] = {}
    for p in specs:  # _get_kv_cache_groups_uniform_page_size: bucket equal specs
        buckets.setdefault(p.key(), []).append(p)
    sizes = [len(b) for b in buckets.values()]
    group_size = max(sizes) if max(sizes) < min(sizes) * 1.5 else min(sizes)
    groups = []
    for bucket in buckets.values():  # layers[i::n] for i in range(n), n = cdiv(len, group_size)
        n = cdiv(len(bucket), group_size)
        for i in range(n):
            groups.append(Group(bucket[0], len(bucket[i::n])))
    return Plan(groups, max(g.layers * g.page.bytes for g in groups), cfg)


