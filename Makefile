# The two quick-start commands: `make serve` and `make test`.
.PHONY: serve test check-fast setup lint tables fuzz bench

serve:
	scripts/setup.sh
	.venv/bin/kb serve --build .

test:
	scripts/setup.sh --test
	.venv/bin/ruff check kb_tools tests benchmarks
	.venv/bin/ruff format --check kb_tools tests benchmarks
	.venv/bin/lint-imports
	.venv/bin/python -m pytest -q -n auto

check-fast:  # the quick loop while editing: lint, import contracts, and every test but the browser, engine and corpus ones
	.venv/bin/ruff check kb_tools tests benchmarks
	.venv/bin/lint-imports
	.venv/bin/python -m pytest -q -n auto -m 'not fuzz and not browser and not engines and not corpus and not slow'

lint:
	.venv/bin/ruff check --fix kb_tools tests benchmarks
	.venv/bin/ruff format kb_tools tests benchmarks

fuzz:  # replays hostile inputs (tests/fuzz, marked fuzz, left out of `make test`): minutes, not seconds
	scripts/setup.sh --test
	.venv/bin/python -m pytest -q -m fuzz tests/fuzz

tables:  # the docs' tables of finding codes and options, from kb_tools.codes and kb_tools.options
	.venv/bin/python -m tests.doc_tables

bench:  # the regression guard: S and M timed against this machine's recorded figures; exit 1 if any is >10% slower
	.venv/bin/python -m benchmarks.guard $(BENCH_ARGS)
