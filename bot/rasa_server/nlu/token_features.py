"""Drop the token-level copies of features that only sentence-level classification reads.

DIET and the question selector run with no transformer layers (config.yml). Rasa then passes
each token's features through to the output unchanged, and the intent and the question are
read from the sentence-level features alone: the token-level features of the n-gram
featurizers were turned into 256-wide vectors on every token and never used. They were half
of each model's weights and most of its arithmetic, in training and on every message.

Rasa's sequence layer needs some token-level features, so the featurizers named in
`keep` (the word shapes, a few dozen columns) keep theirs.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_server.nlu.component import StatelessComponent


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceFeaturesOnly(StatelessComponent):
    """Removes the text's token-level features of every featurizer but those in `keep`."""

    def __init__(self, keep: list[str]) -> None:
        self._keep = set(keep)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"keep": []}

    def _strip(self, message: Message) -> None:
        message.features = [
            f
            for f in message.features
            if not (f.attribute == TEXT and f.type == FEATURE_TYPE_SEQUENCE and f.origin not in self._keep)
        ]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._strip(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._strip(example)
        return training_data
