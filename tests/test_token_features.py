"""SentenceFeaturesOnly: token-level features go only where nothing reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import yaml
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import ACTION_TEXT, FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_server.nlu.token_features import SentenceFeaturesOnly

ROOT = Path(__file__).resolve().parents[1]


def featurized() -> Message:
    message = Message(data={TEXT: "有人要租我的银行卡"})
    for origin in ("words", "word_shape"):
        message.add_features(Features(scipy.sparse.coo_matrix(np.ones((3, 4))), FEATURE_TYPE_SEQUENCE, TEXT, origin))
        message.add_features(Features(scipy.sparse.coo_matrix(np.ones((1, 4))), FEATURE_TYPE_SENTENCE, TEXT, origin))
    message.add_features(Features(np.ones((2, 4)), FEATURE_TYPE_SEQUENCE, ACTION_TEXT, "words"))
    return message


def kinds(message: Message) -> set[tuple[str, str, str]]:
    return {(f.attribute, f.type, f.origin) for f in message.features}


@pytest.mark.parametrize("through", ["process", "process_training_data"])
def test_drops_only_the_text_token_features_of_featurizers_not_kept(through):
    component, message = SentenceFeaturesOnly(["word_shape"]), featurized()
    if through == "process":
        component.process([message])
    else:
        component.process_training_data(TrainingData([message]))
    assert kinds(message) == {
        (TEXT, FEATURE_TYPE_SENTENCE, "words"),
        (TEXT, FEATURE_TYPE_SEQUENCE, "word_shape"),
        (TEXT, FEATURE_TYPE_SENTENCE, "word_shape"),
        (ACTION_TEXT, FEATURE_TYPE_SEQUENCE, "words"),
    }


def test_the_classifiers_after_it_read_sentences_only():
    """The component is right only while no classifier after it mixes tokens (transformer layers) or
    tags them (entity recognition); this fails if config.yml gives them either."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    names = [c["name"] for c in pipeline]
    after = pipeline[names.index("bot.rasa_server.nlu.token_features.SentenceFeaturesOnly") + 1 :]
    classifiers = [c for c in after if "featurizers" in c]
    assert len(classifiers) == 2
    for config in classifiers:
        base = DIETClassifier if config["name"] == "DIETClassifier" else ResponseSelector
        merged = {**base.get_default_config(), **config}
        assert merged["number_of_transformer_layers"] == 0, config["name"]
        if base is DIETClassifier:  # the ResponseSelector never tags entities
            assert not merged["entity_recognition"]
        assert not merged["use_masked_language_model"], config["name"]
