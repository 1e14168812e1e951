# 反诈助手: `make run` starts the bot with its chat page, `make test` runs every test.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PY := .venv/bin/python
RASA := .venv/bin/rasa
MODEL := models/fanzha.tar.gz
TRAINING_DATA := data/nlu data/rules data/stories
TRAINING_FILES := config.yml domain.yml bot/text/handover.py bot/text/textnorm.py \
	$(wildcard data/nlu/*.yml data/rules/*.yml data/stories/*.yml data/jieba/* bot/rasa_server/nlu/*.py)
KNOWLEDGE_FILES := $(wildcard data/knowledge/*.yml) $(wildcard bot/knowledge/*.py)
# Runtime files (SQLite databases, credentials, logs): FANZHA_VAR_DIR, as bot/settings.py reads it.
VAR := $(or $(FANZHA_VAR_DIR),var)

.PHONY: install web test-deps cluster-deps knowledge train run cluster shell lint test test-without-model test-fast eval bench retention clean

.venv/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

install: .venv/.synced

# The chat page's widget (ChatUI, React) comes from npm and is served locally.
web/vendor/.installed: web/package.json web/package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	cd web && npm ci --no-audit --no-fund
	@touch $@

web: web/vendor/.installed

$(VAR)/knowledge.db: $(KNOWLEDGE_FILES) .venv/.synced
	$(PY) -m bot.knowledge.loader

knowledge: $(VAR)/knowledge.db

# Rasa retrains only when config, domain or training data changed. `make test` passes
# TRAIN_FLAGS=--skip-validation: its own test runs Rasa's validator beside the training.
$(MODEL): $(TRAINING_FILES) .venv/.synced
	$(RASA) train $(TRAIN_FLAGS) --data $(TRAINING_DATA) --fixed-model-name fanzha --out models

train: $(MODEL)

run: install web knowledge train
	bash scripts/run.sh

# Two Rasa servers and two action servers behind nginx, PostgreSQL and Redis: local processes on loopback.
cluster: install web train cluster-deps
	$(PY) -m deploy.cluster

shell: install knowledge train
	bash scripts/run.sh shell

# Debian packages of the cluster and its test: PostgreSQL, Redis, nginx.
cluster-deps:
	@(ls /usr/lib/postgresql/*/bin/postgres && command -v redis-server && test -x /usr/sbin/nginx) >/dev/null 2>&1 \
		|| (apt-get update -qq && apt-get install -y -qq postgresql redis-server nginx)

# Debian packages the browser tests need: Chromium, and a CJK font so the saved
# screenshots show Chinese rather than empty boxes.
test-deps: cluster-deps
	@(command -v chromium && fc-list :lang=zh family | grep -q .) >/dev/null 2>&1 \
		|| (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)

# ruff: lint rules and formatting as configured in pyproject.toml.
lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

# Training keeps about one core busy, so the tests that need no model run beside it on the
# other; then the tests of the trained model, the real servers and the cluster.
test: lint install web test-deps knowledge
	$(MAKE) --no-print-directory -j2 train test-without-model TRAIN_FLAGS=--skip-validation
	$(PY) -m pytest -m "e2e or cluster"

test-without-model: install knowledge
	$(PY) -m pytest -m "not e2e and not cluster"

# The unit, channels and integration tests: no trained model, no Rasa server, no real OCR reads or
# browser; two pytest-xdist workers, one a core.
test-fast: lint install knowledge
	$(PY) -m pytest -n 2 -m "not e2e and not cluster and not slow"

# Held-out intent and question figures, confusions, and 5-fold cross-validation (about 10 minutes here).
eval: install train
	$(PY) scripts/evaluate.py --cross-validation

bench: install knowledge train cluster-deps
	$(PY) scripts/bench.py
	$(PY) scripts/bench_ocr.py

# Delete conversations older than RETENTION_DAYS (default 30) from the tracker store.
retention: install
	$(PY) -m bot.ops.retention

clean:
	rm -rf models results var .rasa
