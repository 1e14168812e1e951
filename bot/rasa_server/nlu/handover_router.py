"""Route stories of money, codes or cards already handed over to `lost_money`.

DIET reads most such stories right, but a victim's narrative that it takes for a
suspicious call (or chit-chat) would get "nothing has happened yet" advice. The
rule in `bot.text.handover` is deterministic, so it runs last, after the FallbackClassifier
(whose ambiguity check would otherwise undo it); card and app topics keep their
intent (their replies deal with a card already given), and the channels add the 110
line in any case.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_server.nlu.component import StatelessComponent
from bot.text.handover import handed_over

LOST_MONEY = "lost_money"
# Intents a handed-over story may be mistaken for; the others already lead to fitting advice.
OVERRIDDEN = frozenset(
    {"suspected_scam_call", "nlu_fallback", "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny", "stop"}
)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class HandoverRouter(StatelessComponent):
    """Sets the intent to `lost_money` (confidence 1.0, ranked first) when the text says it was handed over."""

    @staticmethod
    def route(message: Message) -> None:
        intent = message.get(INTENT) or {}
        text = message.get(TEXT)
        if intent.get(INTENT_NAME_KEY) not in OVERRIDDEN or not isinstance(text, str):
            return
        if not handed_over(text):
            return
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != LOST_MONEY]
        message.set(INTENT, {INTENT_NAME_KEY: LOST_MONEY, "confidence": 1.0}, add_to_output=True)
        message.set(
            INTENT_RANKING_KEY,
            [{INTENT_NAME_KEY: LOST_MONEY, "confidence": 1.0}, *ranking],
            add_to_output=True,
        )

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.route(message)
        return messages
