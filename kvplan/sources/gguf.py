"""A GGUF file -> ModelSpec and its weights as stored, from the file's own metadata and tensor table.

Read with the ``gguf`` package (llama.cpp's gguf-py; the optional extra ``kvplan[gguf]``),
imported here alone. What llama.cpp (0c1e57098, the tree kvplan's llamacpp engine follows) reads
to build its cache, by key (``{arch}`` is ``general.architecture``):

* ``{arch}.block_count`` layers; ``{arch}.attention.head_count`` and ``head_count_kv`` (a number,
  or an array with one entry per layer: llama_hparams n_head_arr / n_head_kv_arr);
  ``{arch}.attention.key_length`` / ``value_length`` (default n_embd / n_head);
* ``{arch}.attention.sliding_window`` (n_swa) and which layers slide: the
  ``{arch}.attention.sliding_window_pattern`` key (an array of one bool per layer, or a period
  n: layer il slides when il % n < n − 1), else the architecture's default period from
  ``load_swa_pattern(ml, n)`` in src/models/<arch>.cpp (``SWA_PERIOD`` below);
* ``{arch}.context_length`` (n_ctx_train).

The weights are the tensor table's: every tensor's ggml type and byte size (``n_bytes``, blocks of
the quantized types included), not a format times a parameter count.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import KvplanError, validation_message
from ..model.spec import ModelSpec, compress_pattern, layers_problem
from ..model.weights import StoredWeights

EXTRA = "pip install 'kvplan[gguf]'"

# llama.cpp 0c1e57098 src/models/<arch>.cpp: load_swa_pattern(ml, period) when the GGUF has no
# sliding_window_pattern key (gemma2.cpp:6, gemma3.cpp:7, gemma3n.cpp:5, cohere2.cpp:5,
# openai-moe.cpp:9, exaone4.cpp:7); phi3.cpp:23 set_swa_pattern(1): no layer slides.
SWA_PERIOD = {"gemma2": 2, "gemma3": 6, "gemma3n": 5, "cohere2": 4, "gpt-oss": 2, "exaone4": 4, "phi3": 1}
# architectures whose cache is not plain attention: refused rather than planned wrongly
NOT_ATTENTION = ("deepseek", "mamba", "rwkv", "jamba", "falcon-h1", "granitehybrid", "nemotron_h",
                 "qwen3next", "lfm2", "plamo2", "llama4", "t5", "bert")


def _fields(reader) -> dict:
    return {k: f.contents() for k, f in reader.fields.items()}


def _per_layer(value, layers: int, name: str, where: str) -> list[int]:
    vals = list(value) if isinstance(value, (list, tuple)) else [value] * layers
    if len(vals) != layers or any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in vals):
        raise KvplanError(f"{where}: {name} must be a count or one count per layer ({layers}), got {value!r}")
    return vals


def sliding_layers(meta: dict, arch: str, layers: int, where: str) -> list[bool]:
    """Which layers slide, as llama.cpp decides it (llama_hparams::set_swa_pattern)."""
    window = meta.get(f"{arch}.attention.sliding_window")
    pattern = meta.get(f"{arch}.attention.sliding_window_pattern")
    if not window:
        return [False] * layers
    if isinstance(pattern, list):
        if len(pattern) != layers:
            raise KvplanError(f"{where}: sliding_window_pattern has {len(pattern)} entries for {layers} layers")
        return [bool(p) for p in pattern]
    period = pattern if isinstance(pattern, int) else SWA_PERIOD.get(arch)
    if period is None:
        raise KvplanError(f"{where}: a sliding window ({window}) but no sliding_window_pattern, and kvplan "
                          f"does not know which of arch '{arch}''s layers llama.cpp slides")
    return [period == 0 or il % period < period - 1 for il in range(layers)]


def spec_from_meta(meta: dict, tensors: list[tuple[str, str, int, int]], name: str, source: str) -> ModelSpec:
    """A spec from GGUF metadata and its tensor table [(name, ggml type, elements, bytes)]."""
    arch = meta.get("general.architecture")
    where = source
    if not isinstance(arch, str):
        raise KvplanError(f"{where}: no general.architecture; not a model GGUF")
    if arch.startswith(NOT_ATTENTION):
        raise KvplanError(f"{where}: arch '{arch}' keeps more than full/sliding attention; kvplan plans "
                          "it from its config.json, not from a GGUF")

    def need(key):
        v = meta.get(f"{arch}.{key}")
        if v is None:
            raise KvplanError(f"{where}: missing {arch}.{key}")
        return v

    layers = need("block_count")
    if not isinstance(layers, int) or isinstance(layers, bool) or layers < 1:
        raise KvplanError(f"{where}: {arch}.block_count must be a positive integer, got {layers!r}")
    if layers_problem(layers):  # before one entry per layer is spelled out
        raise KvplanError(f"{where}: {arch}.block_count: {layers_problem(layers)}; is it a typo?")
    hidden = need("embedding_length")
    heads = _per_layer(need("attention.head_count"), layers, "head_count", where)
    kv = _per_layer(meta.get(f"{arch}.attention.head_count_kv", heads), layers, "head_count_kv", where)
    if 0 in heads or 0 in kv:
        raise KvplanError(f"{where}: layers with no attention heads (a recurrent hybrid); kvplan plans "
                          "those from their config.json")
    k_len = meta.get(f"{arch}.attention.key_length")
    v_len = meta.get(f"{arch}.attention.value_length")
    ff = meta.get(f"{arch}.feed_forward_length")
    experts = meta.get(f"{arch}.expert_count")
    window = meta.get(f"{arch}.attention.sliding_window")
    slides = sliding_layers(meta, arch, layers, where)
    ffs = _per_layer(ff if ff is not None else 0, layers, "feed_forward_length", where)
    vocab = meta.get(f"{arch}.vocab_size") or len(meta.get("tokenizer.ggml.tokens") or []) or None
    names = {t[0] for t in tensors}
    if vocab is None:
        emb = next((t for t in tensors if t[0] == "token_embd.weight"), None)
        vocab = emb[2] // hidden if emb else None
    if not vocab:
        raise KvplanError(f"{where}: no vocabulary size (no {arch}.vocab_size, tokens or token_embd.weight)")
    layer_types, order = {}, []
    for il in range(layers):
        hd = k_len or hidden // heads[il]
        mixer = {"kind": "sliding" if slides[il] else "full", "num_heads": heads[il], "num_kv_heads": kv[il],
                 "head_dim": hd, **({"v_head_dim": v_len} if v_len and v_len != hd else {}),
                 **({"window": window} if slides[il] else {})}
        mlp = None
        if experts:
            # for the architecture's parameter count only; the weights are the tensor table's
            mlp = {"kind": "moe", "num_experts": experts,
                   "experts_per_token": meta.get(f"{arch}.expert_used_count") or 1,
                   "intermediate_size": meta.get(f"{arch}.expert_feed_forward_length") or ffs[il] or 1}
        elif ffs[il]:
            mlp = {"kind": "dense", "intermediate_size": ffs[il]}
        key = ("local" if slides[il] else "global") if any(slides) else "attn"
        if len(set(kv)) > 1 or len(set(heads)) > 1 or len(set(ffs)) > 1:
            key += f"-h{heads[il]}-kv{kv[il]}" + (f"-ff{ffs[il]}" if len(set(ffs)) > 1 else "")
        layer_types.setdefault(key, {"mixer": mixer, "mlp": mlp})
        order.append(key)
    data = {"name": name, "display_name": meta.get("general.name") or name, "source": source,
            "family": arch, "dtype": "fp16",
            "dtype_note": "a GGUF: llama.cpp keeps K and V in f16 unless --cache-type-k/-v say otherwise",
            "hidden_size": hidden, "vocab_size": vocab, "tie_embeddings": "output.weight" not in names,
            "max_context": meta.get(f"{arch}.context_length"), "layer_types": layer_types,
            "pattern": compress_pattern(order)}
    try:
        spec = ModelSpec.model_validate(data)
    except ValidationError as e:
        raise KvplanError(validation_message(f"{where}: inconsistent GGUF", e)) from None
    return spec.model_copy(update={"stored_weights": stored(tensors, layers, source)})


def part_of(name: str, layers: int) -> str:
    if name.startswith(("v.", "mm.", "a.")):  # mmproj tensors (vision / audio) when in the same file
        return "audio tower" if name.startswith("a.") else "vision tower"
    if name.startswith("blk."):
        i = name.split(".")[1]
        if i.isdigit() and int(i) >= layers:
            return "layers beyond the decoder's"
    return "text decoder"


def stored(tensors: list[tuple[str, str, int, int]], layers: int, source: str) -> StoredWeights:
    parts_el: dict[str, int] = {}
    parts_b: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for name, ttype, n, nbytes in tensors:
        p = part_of(name, layers)
        parts_el[p] = parts_el.get(p, 0) + n
        parts_b[p] = parts_b.get(p, 0) + nbytes
        by_type[ttype] = by_type.get(ttype, 0) + nbytes
    return StoredWeights(bytes=sum(t[3] for t in tensors) or 1, source=f"the tensor table of {source}",
                         tensors=len(tensors), elements=sum(t[2] for t in tensors), part_elements=parts_el,
                         part_bytes=parts_b, dtype_bytes=by_type)


def read(path: Path) -> tuple[dict, list[tuple[str, str, int, int]]]:
    try:
        import gguf
    except ImportError:
        raise KvplanError(f"reading {path.name} needs the gguf package: {EXTRA}") from None
    try:
        reader = gguf.GGUFReader(str(path))
    except OSError as e:
        raise KvplanError(f"cannot read {path}: {e.strerror or e}") from None
    except Exception as e:  # gguf raises ValueError / struct errors on a file that is not GGUF
        why = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        with open(path, "rb") as f:
            head = f.read(4)
        if head == b"GGUF":  # GGUF's magic, then numpy's words for where the bytes ran out
            raise KvplanError(f"{path}: a truncated or damaged GGUF file ({path.stat().st_size:,} bytes; "
                              f"the reader stopped: {why})") from None
        raise KvplanError(f"{path}: not a GGUF file ({'empty' if not head else why})") from None
    tensors = [(t.name, t.tensor_type.name, int(t.n_elements), int(t.n_bytes)) for t in reader.tensors]
    return _fields(reader), tensors


def load(path: Path, notes: list | None = None) -> ModelSpec:
    """Plan a GGUF: its metadata as a spec, its tensor table as the weights."""
    import re

    meta, tensors = read(path)
    slug = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-.") or "model"
    spec = spec_from_meta(meta, tensors, slug, str(path))
    if notes is not None:
        st = spec.stored_weights
        notes.append(f"{path.name}: arch {spec.family}, {spec.num_layers} layers; weights {st.bytes:,} bytes "
                     f"from its tensor table ({st.describe_formats()})")
    return spec
