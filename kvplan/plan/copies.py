"""What a tp × pp plan holds more than once: each GPU's weights summed over all GPUs beside the model's own, by part
(``kvplan fit``'s copies line)."""
from __future__ import annotations

from ..model.frozen import record
from ..model.spec import ModelSpec


@record
class Copies:
    """Weights over all GPUs of a tp × pp plan beside the model's own: the difference is what
    ranks hold twice, by part (``parameters``: extra parameters over all GPUs, exact)."""

    all_gpus_bytes: int  # Σ over every GPU of its weights
    model_bytes: int  # the whole model, priced as ``size`` prices it
    parameters: dict  # part -> extra parameters held over all GPUs

    @property
    def replicated_bytes(self) -> int:
        return self.all_gpus_bytes - self.model_bytes


def copies(spec: ModelSpec, rank: ModelSpec, tp: int, stages: list, weight_dtype: str | None,
           text_only: bool) -> Copies:
    """What a tp × pp split holds more than once: a layer part whose rank slice × tp exceeds
    the whole part (a latent or KV projection every rank keeps whole, a router, norms), and the
    rest (vocabulary padding, a tied LM head's copy on the last stage, encoder rounding)."""
    whole_params = spec.parameters() + (0 if text_only else spec.encoder_params())
    extra = tp * sum(st.parameters for st in stages) - whole_params
    parts: dict[str, int] = {}
    h = spec.hidden_size
    for lt, count in spec.counts().items():
        full, part = spec.layer_types[lt], rank.layer_types[lt]
        for name in ("mixer", "mlp"):
            a, b = getattr(full, name), getattr(part, name)
            if a is not None and b is not None:
                n = count * (tp * b.params(h) - a.params(h))
                if n:
                    parts[f"{lt} {name}"] = n
    rest = extra - sum(parts.values())
    if rest:
        parts["norms, embeddings and head"] = rest
    model = spec.model_copy(update={"stored_weights": None}).weight_bytes(weight_dtype, text_only)[0]
    return Copies(tp * sum(st.weights_bytes for st in stages), model, parts)
