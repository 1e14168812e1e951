"""Training-data importer: Rasa's files plus the question layer's responses from the knowledge store data.

The ResponseSelector learns which specific question inside a topic was asked
(`lost_money/evidence_materials`); Rasa wants a response for every such key. The
answers live in `data/knowledge/questions.yml` and are said by the action server
from the store, so this importer lends Rasa those texts at training time instead
of copying them into domain.yml. Keys without an entry (`<topic>/general`) get a
placeholder: their reply is the topic's guidance, never this text.
"""

from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import settings
from bot.knowledge.loader import read_file
from bot.knowledge.models import Question

QUESTIONS_FILE = settings.KNOWLEDGE_DIR / "questions.yml"
GENERAL_KEY = "general"


def question_answers() -> dict[str, str]:
    """Answer text per question key, as written in data/knowledge/questions.yml (validated by the
    knowledge loader with its model, `bot.knowledge.models.Question`: a bad entry names file, entry and field)."""
    return {question.key: "\n".join(question.answer) for question in read_file(QUESTIONS_FILE, Question)}


def retrieval_responses(nlu: TrainingData, answers: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """A domain response for every retrieval key used in the NLU data."""
    keys = {ex.get_full_intent() for ex in nlu.intent_examples if "/" in ex.get_full_intent()}
    return {f"utter_{key}": [{"text": answers.get(key, key)}] for key in sorted(keys)}


class KnowledgeImporter(RasaFileImporter):
    """RasaFileImporter whose domain also holds the question layer's responses."""

    def get_domain(self) -> Domain:
        domain = super().get_domain()
        responses = retrieval_responses(self.get_nlu_data(), question_answers())
        return domain.merge(Domain.from_dict({"responses": responses}))
