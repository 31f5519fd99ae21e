"""model/weights.py Gemma3Vision.params on a tower small enough to count by hand (session 22's mutation
run of st22vllm's change). transformers' SiglipVisionEmbeddings: num_patches = (image_size // patch_size)
** 2, a floor, as the stride-patch_size Conv2d over an image_size picture gives
floor((image_size - patch_size) / patch_size) + 1 patches a side."""
from kvplan.model.weights import Gemma3Vision


def test_params_by_hand_with_an_image_size_the_patch_does_not_divide():
    # hidden 2, intermediate 3, patch 2, image 5 (5 // 2 = 2 patches a side, 4 positions), one layer,
    # text hidden 7:
    #   embed: conv 2 x 3 x 2^2 + 2 bias = 26, positions 4 x 2 = 8              -> 34
    #   layer: q/k/v/out 4 x (2^2 + 2) = 24, two LayerNorms 2 x (2 x 2) = 8,
    #          fc1 2 x 3 + 3 = 9, fc2 3 x 2 + 2 = 8                              -> 49
    #   final LayerNorm 2 x 2 = 4; projector 2 x 7 + RMSNorm 2 = 16
    # 34 + 49 + 4 + 16 = 103 (with (5 / 2)^2 = 6.25 positions it would be 107.5)
    t = Gemma3Vision(layers=1, hidden_size=2, intermediate_size=3, patch_size=2, image_size=5)
    n = t.params(7)
    assert n == 103 and type(n) is int
    # three layers: 103 + 2 x 49 = 201; four channels: the conv grows by 2 x 1 x 2^2 = 8
    assert Gemma3Vision(layers=3, hidden_size=2, intermediate_size=3, patch_size=2, image_size=5).params(7) == 201
    assert Gemma3Vision(layers=1, hidden_size=2, intermediate_size=3, patch_size=2, image_size=5,
                        channels=4).params(7) == 111


# sources/hfconfig/reader.py _encoders: the tower of gemma-3-27b-it's vision_config
# (tests/fixtures/configs/gemma-3-27b-it.json), read only under a "gemma3" model
SIGLIP = {"model_type": "siglip_vision_model", "hidden_size": 1152, "image_size": 896, "intermediate_size": 4304,
          "num_hidden_layers": 27, "patch_size": 14}


def test_reader_takes_gemma3s_siglip_tower_and_nothing_else():
    import pytest

    from kvplan.errors import KvplanError
    from kvplan.sources.hfconfig.reader import _encoders

    tower = {"kind": "gemma3_vision", "layers": 27, "hidden_size": 1152, "intermediate_size": 4304, "patch_size": 14,
             "image_size": 896, "channels": 3}
    # vision_use_head absent or false: no pooling head (transformers' default for Gemma 3), the tower read
    assert _encoders({"model_type": "gemma3", "vision_config": SIGLIP}, "g3") == [tower]
    assert _encoders({"model_type": "gemma3", "vision_config": {**SIGLIP, "vision_use_head": False}}, "g3") == [tower]
    # a SigLIP tower under another model type (PaliGemma's projector differs) and a Gemma 3 without a
    # vision_config (the text-only 1B) add nothing
    assert _encoders({"model_type": "paligemma", "vision_config": SIGLIP}, "pg") == []
    # num_channels read where the config states it (SiglipVisionConfig's default 3 where it does not)
    assert _encoders({"model_type": "gemma3", "vision_config": {**SIGLIP, "num_channels": 4}}, "g3") == [
        {**tower, "channels": 4}]
    assert _encoders({"model_type": "gemma3"}, "g3") == []
    # the pooling head is refused in one line, and a missing size names where it is missing
    with pytest.raises(KvplanError) as e:
        _encoders({"model_type": "gemma3", "vision_config": {**SIGLIP, "vision_use_head": True}}, "g3.json")
    assert str(e.value) == ("g3.json: vision_config: a SigLIP pooling head (vision_use_head) is not modelled "
                            "for Gemma 3")
    with pytest.raises(KvplanError) as e:
        _encoders({"model_type": "gemma3", "vision_config": {k: v for k, v in SIGLIP.items() if k != "image_size"}},
                  "g3.json")
    assert str(e.value) == "g3.json: vision_config: missing required key 'image_size'"
