"""SGLang refuses a request longer than its context length (managers/tokenizer_manager.py
TokenizerManager._validate_one_request at sgl-project/sglang 001067ff: input >= context_len, or
input + max_new_tokens > context_len, raises ValueError without --allow-auto-truncate), so `fit`
never says "fits" for --ctx past --max-model-len (SGLang's --context-length)."""
import json

from typer.testing import CliRunner

from kvplan.cli import app
from kvplan.engines.sglang import SGLang


def _fit(ctx: int) -> dict:
    res = CliRunner().invoke(app, ["fit", "llama-3.1-8b", "--gpu", "h100", "--engine", "sglang",
                                   "--max-model-len", "4096", "--ctx", str(ctx), "--json"])
    return json.loads(res.output)


def test_sglang_declares_it_rejects_longer_requests():
    assert SGLang.rejects_beyond_max_model_len is True
    assert SGLang.display == "SGLang"


def test_one_token_past_the_context_length_does_not_fit():
    at, past = _fit(4096), _fit(4097)  # input + new tokens == context_len is accepted; one more is not
    assert at["fits"] is True and at["max_batch"] >= 1
    assert past["fits"] is False and past["max_batch"] == 0
    assert "--ctx 4,097 is beyond --max-model-len 4,096: SGLang rejects such requests" in past["notes"]
