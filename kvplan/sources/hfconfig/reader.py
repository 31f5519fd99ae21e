"""Hugging Face ``config.json`` -> ``ModelSpec``, from the config alone (no transformers).

Each rule below notes the transformers code it mirrors (transformers 5.23,
``models/<family>/configuration_<family>.py`` unless said otherwise). A config the importer
cannot interpret fully is an error naming the key, never a silently wrong number: any key
that looks like it changes attention or the cache (window, chunk, lora, ssm, global, ...) must
be either understood here or listed as harmless in ``_HARMLESS``.
"""
from __future__ import annotations

import re
from pathlib import Path

from ...errors import KvplanError, validation_message
from ...model.spec import ModelSpec
from .attention import _falcon, _gemma4, _gpt2, _llama4, _llama_like, _mimo_v2, _opt
from .cfg import _DTYPES, _Cfg
from .hybrid import _jamba, _kimi_linear, _nemotron_h, _qwen3_next
from .latent import _deepseek, _deepseek_v4, _minimax_m3
from .quant import _weight_quant



def load_json(path: Path) -> dict:
    from ..readers import load_json as read  # UTF-8, depth-capped, one KvplanError for a bad file

    data = read(path)
    if not isinstance(data, dict):
        raise KvplanError(f"{path}: a config.json must hold a JSON object")
    return data


def _encoders(outer: dict, where: str) -> list[dict]:
    """Vision/audio towers named beside text_config. Gemma 4's and Gemma 3's vision towers are
    modelled; a tower of another kind is left out (the spec then counts the text decoder alone, as before)."""
    out = []
    v = outer.get("vision_config")
    if isinstance(v, dict) and v.get("model_type") == "gemma4_vision":
        vc = _Cfg(v, f"{where}: vision_config")
        out.append({"kind": "gemma4_vision", "layers": vc.count("num_hidden_layers"),
                    "hidden_size": vc.count("hidden_size"), "num_heads": vc.count("num_attention_heads"),
                    "num_kv_heads": vc.count("num_key_value_heads"), "head_dim": vc.count("head_dim"),
                    "intermediate_size": vc.count("intermediate_size"), "patch_size": vc.count("patch_size"),
                    "position_embedding_size": vc.count("position_embedding_size")})
    if (isinstance(v, dict) and v.get("model_type") == "siglip_vision_model"
            and outer.get("model_type") == "gemma3"):
        # Gemma 3's SigLIP tower and its projector (model/weights.py Gemma3Vision); a SigLIP tower
        # under another model type has another projector, and is left out as before
        vc = _Cfg(v, f"{where}: vision_config")
        if vc.get("vision_use_head", default=False):
            raise KvplanError(f"{where}: vision_config: a SigLIP pooling head (vision_use_head) is not "
                              "modelled for Gemma 3")
        out.append({"kind": "gemma3_vision", "layers": vc.count("num_hidden_layers"),
                    "hidden_size": vc.count("hidden_size"), "intermediate_size": vc.count("intermediate_size"),
                    "patch_size": vc.count("patch_size"), "image_size": vc.count("image_size"),
                    # SiglipVisionConfig's num_channels (transformers, default 3): the patch convolution's inputs
                    "channels": vc.count("num_channels") if "num_channels" in v else 3})
    return out


_ATTENTION_KINDS = {"full", "sliding", "chunked", "mla", "mla_gated", "mla_indexed", "full_indexed", "compressed", "none"}


# model types whose attention has no rotary embedding (learned positions; Mamba hybrids whose
# attention layers take no positions) or whose per-layer ropes kvplan does not read (Gemma 3/4:
# rope_local_base_freq or per-type rope_parameters; MiMo-V2, MiniMax-M3, DeepSeek-V4, Kimi-Linear):
# no Rope, so no rotary table is priced for them
_NO_ROPE = {"gpt2", "opt", "jamba", "nemotron_h", "gemma3", "gemma3_text", "gemma4", "gemma4_text",
            "mimo_v2_flash", "minimax_m3", "deepseek_v4", "kimi_linear"}


def _rope(cfg: _Cfg, mt: str) -> dict | None:
    """The rotary embedding's parameters as the config states them (spec.Rope), or None."""
    if mt in _NO_ROPE:
        return None
    rs = cfg.get("rope_scaling", "rope_parameters") or {}
    if not isinstance(rs, dict) or any(isinstance(v, dict) for v in rs.values()):
        return None  # per-layer-type parameters: not read
    kind = str(rs.get("rope_type") or rs.get("type") or "default")
    if kind in ("mrope", "su"):  # older names: Qwen2-VL's mrope is the default rope with sections
        kind = "default" if kind == "mrope" else "longrope"
    factor = rs.get("factor")
    # Phi-3's longrope states it beside rope_scaling (vLLM copies it in: transformers_utils/config.py)
    orig = rs.get("original_max_position_embeddings") or cfg.get("original_max_position_embeddings")
    prf = cfg.get("partial_rotary_factor", default=rs.get("partial_rotary_factor", 1.0))
    return {"type": kind, **({"factor": float(factor)} if factor is not None else {}),
            **({"original_max_position": int(orig)} if orig else {}),
            **({"partial_rotary_factor": float(prf)} if float(prf) != 1.0 else {}),
            **({"mrope": True} if rs.get("mrope_section") else {})}


# config.json keys that state a context length, besides max_position_embeddings: the union of
# those vLLM 0.33 reads (transformers_utils/model_arch_config_convertor.py
# derive_max_model_len_and_key: max_position_embeddings, n_positions, max_seq_len, seq_length,
# model_max_length, max_target_positions, max_sequence_length, max_seq_length, seq_len) and
# SGLang's (utils/hf_transformers_utils.py CONTEXT_LENGTH_KEYS: max_sequence_length, seq_length,
# max_seq_len, model_max_length, max_position_embeddings)
LENGTH_KEYS = ("n_positions", "max_seq_len", "seq_length", "model_max_length", "max_target_positions",
               "max_sequence_length", "max_seq_length", "seq_len")


def _length_keys(cfg: _Cfg) -> dict[str, int]:
    """The context-length keys the config states other than the one ``max_context`` is read from
    (max_position_embeddings, or GPT-2's n_positions where it states none)."""
    own = "max_position_embeddings" if cfg.get("max_position_embeddings") is not None else "n_positions"
    out = {}
    for k in LENGTH_KEYS:
        v = cfg.get(k)
        if k != own and isinstance(v, int) and not isinstance(v, bool) and v > 0:
            out[k] = v
    return out


def from_config(raw: dict, name: str, source: str = "", where: str = "config.json") -> ModelSpec:
    """Build a spec from a parsed config.json. A value of a type the converters do not expect (a list
    where a count is, a string where a step is) is one line, not a traceback, naming the keys read
    whose values are of a type Python's message names: the converters check the keys they know can
    be wrong, not every type of every key."""
    seen: list[_Cfg] = []
    try:
        return _from_config(raw, name, source, where, seen)
    except (TypeError, ValueError, ArithmeticError, AttributeError, IndexError, KeyError) as e:
        msg = f"{type(e).__name__}: {e}"
        data = seen[0].data if seen else {}
        named = [k for k in sorted(seen[0].used if seen else ()) if k in data and k not in _WORDS
                 and not isinstance(data[k], (int, float)) and type(data[k]).__name__ in msg
                 or isinstance(data.get(k), bool) and "Zero" in msg]
        near = "; check " + ", ".join(f"'{k}' = {repr(data[k])[:30]}" for k in named) if 0 < len(named) <= 3 else ""
        raise KvplanError(f"{where}: a value of the wrong kind ({msg}){near}") from None


# keys whose values are words, never counts: not named when a converter trips on a string
_WORDS = {"model_type", "torch_dtype", "dtype", "hidden_act", "architectures", "transformers_version",
          "activation_function", "layer_types", "hybrid_override_pattern"}


def _from_config(raw: dict, name: str, source: str, where: str, seen: list) -> ModelSpec:
    outer = raw
    if isinstance(raw.get("text_config"), dict):  # multimodal: the decoder is under text_config
        raw = raw["text_config"]
    cfg = _Cfg(raw, where)
    seen.append(cfg)
    mt = cfg.get("model_type", default="") or outer.get("model_type", "")
    family = _FAMILIES.get(mt, _llama_like)
    spec_data = family(cfg, mt)
    dtype_name = cfg.get("torch_dtype", "dtype") or outer.get("torch_dtype") or outer.get("dtype")
    dtype = _DTYPES.get(str(dtype_name)) if dtype_name else None
    encoders = _encoders(outer, where) if outer is not raw else []
    layers = raw.get("num_hidden_layers")
    weight_quant = _weight_quant(outer.get("quantization_config") or raw.get("quantization_config"), where,
                                 layers if isinstance(layers, int) else None)
    if weight_quant and weight_quant.get("method") and weight_quant["scope"] != "linear":
        # an ignore list that leaves "attention" out says nothing of recurrent mixers (Mamba,
        # DeltaNet): whether they are quantized cannot be told
        other = sorted({lt["mixer"]["kind"] for lt in spec_data["layer_types"].values()} - _ATTENTION_KINDS)
        if other:
            raise KvplanError(f"{where}: quantization_config leaves attention unquantized but does not say "
                              f"whether the {', '.join(other)} mixers are; kvplan cannot price them")
    expert_dtype = cfg.get("expert_dtype")  # DeepSeek-V4: the routed experts' own storage format
    if expert_dtype is not None:
        if expert_dtype != "fp4" or not weight_quant:
            raise KvplanError(f"{where}: key 'expert_dtype' = {expert_dtype!r} is not understood")
        # vLLM 0.33 (models/deepseek_v4 quant_config.py) resolves 'fp4' and loads the experts
        # with its Mxfp4 MoE method: MXFP4, 32 values + one E8M0 scale in 17 bytes
        weight_quant["expert_format"] = "mxfp4"
    cfg.check_unread()
    data = {
        "name": name, "display_name": name, "source": source or where, "family": mt,
        "dtype": dtype or "fp32",
        "dtype_note": None if dtype else "config.json states no torch_dtype; transformers defaults to float32"
        if not dtype_name else f"config.json's torch_dtype {str(dtype_name)!r} is not one kvplan reads "
        f"({', '.join(_DTYPES)}); priced as float32, transformers' default and the largest",
        "vocab_size": cfg.count("vocab_size"),
        "tie_embeddings": bool(cfg.get("tie_word_embeddings", default=outer.get("tie_word_embeddings",
                                                                                  spec_data.pop("_tie_default", False)))),
        "max_context": cfg.get("max_position_embeddings", "n_positions"),
        **({"context_keys": keys} if (keys := _length_keys(cfg)) else {}),
        **({"rope": rope} if (rope := _rope(cfg, mt)) else {}),
        **({"weight_quant": weight_quant} if weight_quant else {}),
        **({"encoders": encoders} if encoders else {}),
        **spec_data,
    }
    from ...model.frozen import validation_error

    try:
        return ModelSpec.model_validate(data)
    except validation_error() as e:

        raise KvplanError(validation_message(f"{where}: inconsistent config", e)) from None


_FAMILIES = {"deepseek_v2": _deepseek, "deepseek_v3": _deepseek, "kimi_k2": _deepseek,
             "llama4": _llama4, "llama4_text": _llama4, "gpt2": _gpt2, "opt": _opt,
             "falcon": _falcon, "nemotron_h": _nemotron_h,
             "gemma4": _gemma4, "gemma4_text": _gemma4, "qwen3_next": _qwen3_next,
             "jamba": _jamba, "deepseek_v32": _deepseek, "glm_moe_dsa": _deepseek,
             "deepseek_v4": _deepseek_v4, "minimax_m3": _minimax_m3, "mimo_v2_flash": _mimo_v2,
             "kimi_linear": _kimi_linear}


def resolve_config_path(path: Path) -> Path:
    if path.is_dir():
        if not (path / "config.json").exists():  # `kvplan size .`: say which folder, not a bare config.json
            raise KvplanError(f"no config.json in the folder {path}")
        path = path / "config.json"
    if not path.exists():
        raise KvplanError(f"no such file: {path}")
    return path


def load(path: Path, name: str | None = None) -> ModelSpec:
    """Import a config.json file (or a folder holding one)."""
    path = resolve_config_path(path)
    stem = path.parent.name if path.name == "config.json" else path.stem
    slug = re.sub(r"[^a-z0-9._-]+", "-", (name or stem).lower()).strip("-") or "model"
    return from_config(load_json(path), slug, source=str(path), where=str(path))
