"""Print how well the trained model understands people: held-out intents, question keys, cross-validation.

    python scripts/evaluate.py                       # held-out sets in tests/nlu/ (never trained on) and
                                                     # the development set tests/nlu_dev/ (changes chosen on it)
    python scripts/evaluate.py --cross-validation    # also 5-fold cross-validation of the intents on data/nlu

Rasa writes the full reports under results/ (`make eval` runs both).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.questions import GENERAL, MIN_CONFIDENCE  # noqa: E402
from deploy import processes  # noqa: E402

RASA = str(Path(sys.executable).parent / "rasa")
MODEL = processes.MODEL


def rasa_test_nlu(*args: str) -> None:
    subprocess.run([RASA, "test", "nlu", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def print_intents(title: str, report_dir: Path) -> None:
    report = json.loads((report_dir / "intent_report.json").read_text())
    print(f"\n{title}")
    print(f"{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}")
    for name, row in sorted(report.items()):
        if isinstance(row, dict) and "support" in row and name not in ("macro avg", "weighted avg", "micro avg"):
            print(f"{name:<22}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1-score']:>8.3f}{row['support']:>6}")
    macro = report["macro avg"]
    print(f"{'macro avg':<22}{macro['precision']:>10.3f}{macro['recall']:>8.3f}{macro['f1-score']:>8.3f}")
    print(f"accuracy {report['accuracy']:.3f}")
    errors = report_dir / "intent_errors.json"
    if errors.exists():
        pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in json.loads(errors.read_text()))
        print("confusions (true -> predicted, count):")
        for (true, predicted), count in pairs.most_common(12):
            print(f"  {true} -> {predicted}: {count}")


class Question(NamedTuple):
    """One held-out specific question as the bot read it."""

    topic_read: bool  # the classifier chose its topic, whose action answers specific questions
    key_picked: bool  # the selector's best key is the question's own
    confident: bool  # ... and sure enough for the action to answer it (actions/questions.py)

    @property
    def answered(self) -> bool:
        """What the person sees: this question's own answer."""
        return self.topic_read and self.key_picked and self.confident


def specific_questions(report_dir: Path) -> list[Question]:
    """The held-out specific questions (not a topic's general key) from `rasa test nlu --successes` reports.

    The question selector runs only for messages of a core topic (bot/rasa_server/nlu/question_selector.py),
    so a key is judged only where the topic was read right: elsewhere no answer of that topic is given.
    """

    def rows(kind: str) -> list[dict]:
        return [
            row
            for name in (f"{kind}_successes.json", f"{kind}_errors.json")
            if (report_dir / name).exists()
            for row in json.loads((report_dir / name).read_text())
        ]

    intents = {row["text"]: row["intent_prediction"]["name"] for row in rows("intent")}
    questions = []
    for row in rows("response_selection"):
        target = row["intent_response_key_target"]
        if target.endswith(f"/{GENERAL}"):
            continue
        prediction = row["intent_response_key_prediction"]
        questions.append(
            Question(
                topic_read=intents.get(row["text"]) == target.split("/")[0],
                key_picked=prediction.get("name") == target,
                confident=(prediction.get("confidence") or 0) >= MIN_CONFIDENCE,
            )
        )
    return questions


def print_questions(report_dir: Path, which: str = "held-out") -> None:
    """Key accuracy where the topic was read right, and how often the person gets the question's own answer."""
    questions = specific_questions(report_dir)
    if not questions:
        return
    read = [q for q in questions if q.topic_read]
    answered = sum(q.answered for q in questions)
    print(f"\n{which} specific questions: {len(questions)}; topic read right {len(read) / len(questions):.3f}")
    print(f"question keys where the topic was read right: accuracy {sum(q.key_picked for q in read) / len(read):.3f}")
    print(
        f"given their own answer (topic, key, confidence >= {MIN_CONFIDENCE}): "
        f"{answered}/{len(questions)} = {answered / len(questions):.3f}"
    )


def intent_only_config(folder: Path) -> Path:
    """config.yml without the ResponseSelector and the features only it reads: intents do not depend on them,
    and they are half of each fold's training."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    selectors = [c for c in config["pipeline"] if c["name"].endswith("QuestionSelector")]
    others = [c for c in config["pipeline"] if not c["name"].endswith("QuestionSelector")]
    needed = {name for c in others for name in c.get("featurizers", [])}
    only_selectors = {name for c in selectors for name in c.get("featurizers", [])} - needed
    config["pipeline"] = [c for c in others if c.get("alias") not in only_selectors]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config-intents.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross-validation", action="store_true", help="also run 5-fold cross-validation")
    parser.add_argument("--model", default=str(MODEL), help="the trained model to test (default: %(default)s)")
    args = parser.parse_args(argv)

    heldout = ROOT / "results" / "nlu"
    rasa_test_nlu("--model", args.model, "--nlu", "tests/nlu", "--out", str(heldout), "--successes")
    print_intents("held-out intents (tests/nlu/, never trained on)", heldout)
    print_questions(heldout)

    dev = ROOT / "results" / "nlu-dev"
    rasa_test_nlu("--model", args.model, "--nlu", "tests/nlu_dev", "--out", str(dev), "--successes")
    print_intents("development set intents (tests/nlu_dev/, never trained on; changes were chosen on it)", dev)
    print_questions(dev, "development set")

    if args.cross_validation:
        folds = ROOT / "results" / "cross-validation"
        config = intent_only_config(folds)
        rasa_test_nlu(
            "--nlu", "data/nlu", "--config", str(config), "--cross-validation", "--folds", "5", "--out", str(folds)
        )
        print_intents("5-fold cross-validation on data/nlu (test folds)", folds)


if __name__ == "__main__":
    main(sys.argv[1:])
