# `make test` is the one test command (README); pass pytest arguments with ARGS="-k imap".
PY := $(shell [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)
ARGS ?=

.PHONY: test demo lint

test:
	bash scripts/test.sh $(ARGS)

demo:
	bash scripts/demo.sh

lint:
	$(PY) -m ruff check .
	$(PY) -m mypy
