# One command each: `make run` (install + default job), `make test`, `make bench`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast bench golden clean

install: $(STAMP)

# torch first and pinned: 2.13.0 is a CPU build on these machines' disk, while
# an unpinned torch may pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,cluster,bench]'
	touch $(STAMP)

run: install
	$(BIN)/slicectl train

# one pytest worker per core (pytest-xdist), each torch and numba single-threaded: the
# suite is many small CPU-bound processes (fresh-clone CI: 16.4 -> 12.8 min on 2 cores)
test: install
	OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 $(BIN)/python -m pytest -q -n auto --durations=15

test-fast: install
	OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 $(BIN)/python -m pytest -q -n auto -m "not slow"

bench: install
	$(BIN)/python -m benchmarks

# every job's and baseline's smoke CSVs against tests/golden/smoke.json (about 4 min)
golden: install
	OMP_NUM_THREADS=1 $(BIN)/python tests/golden/record.py /tmp/slicectl-golden.json --diff tests/golden/smoke.json

clean:
	rm -rf $(VENV) outputs .pytest_cache
