"""Hugging Face ``config.json`` -> ``ModelSpec``, from the config alone (no transformers).

``reader`` reads the file and assembles the spec; ``cfg`` is the config view that records which
keys were read; ``quant`` reads ``quantization_config``; ``attention``, ``latent`` and ``hybrid``
hold the per-family converters.
"""
from .reader import from_config, load, load_json, resolve_config_path

__all__ = ["from_config", "load", "load_json", "resolve_config_path"]
