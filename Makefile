# Two commands on a fresh machine:  make book   |   make test
# PYTHON may point at another interpreter; the virtual environment is .venv.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= $(or $(MRCNN_PROFILE),smoke)
# tensorflow-cpu on machines without a GPU; on one with TensorFlow: make EXTRAS=dev,jax ...
EXTRAS ?= cpu,dev,jax

.PHONY: book test install clean notebooks bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(VENV)/.installed

book: install
	$(PY) -m mrcnn_core book --profile $(PROFILE)

test: install
	$(PY) -m pytest -q

notebooks: install
	$(PY) tools/make_notebooks.py

bench: install
	$(PY) -m mrcnn_core bench

clean:
	rm -rf _build book/generated
