"""Training-data importer: Rasa's files plus a stand-in response for every question key.

The ResponseSelector learns which specific question inside a topic was asked
(`lost_money/evidence_materials`), and Rasa wants a response for every such key. The
answers live in `data/knowledge/questions.yml` and the action server says them from the
store, reading only the selector's ranking; Rasa never says these responses. So each key
stands in for its own response: the answers stay out of the domain Rasa sends to the form
validator (13 KB of JSON instead of 55) and out of every message's parse data, which is sent
to the action server on each call and stored in the tracker.
"""

from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.training_data import TrainingData


def retrieval_responses(nlu: TrainingData) -> dict[str, list[dict[str, str]]]:
    """A domain response for every retrieval key used in the NLU data: the key itself."""
    keys = {ex.get_full_intent() for ex in nlu.intent_examples if "/" in ex.get_full_intent()}
    return {f"utter_{key}": [{"text": key}] for key in sorted(keys)}


class QuestionKeysImporter(RasaFileImporter):
    """RasaFileImporter whose domain also holds a response for every question key."""

    def get_domain(self) -> Domain:
        domain = super().get_domain()
        return domain.merge(Domain.from_dict({"responses": retrieval_responses(self.get_nlu_data())}))
