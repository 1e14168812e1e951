"""Rasa's ResponseSelector, asked only when its answer can be used.

The actions read the selector's ranking only for the topic the message was classified as
(`actions/questions.py`), and only the four core topics have specific questions. A greeting,
a statistics question or a walk-through answer gains nothing from a second TensorFlow call,
about a fifth of a turn's time. A story of something handed over is still asked: the
HandoverRouter after it may turn any such message into `lost_money`.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.text.handover import handed_over


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class QuestionSelector(ResponseSelector):
    """Selects the specific question for messages of a retrieval intent; leaves the others alone."""

    def _may_be_asked(self, message: Message) -> bool:
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        text = message.get(TEXT)
        return intent in self.all_retrieval_intents or (isinstance(text, str) and handed_over(text))

    def process(self, messages: list[Message]) -> list[Message]:
        super().process([m for m in messages if self._may_be_asked(m)])
        return messages
