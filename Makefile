# Two commands on a fresh machine:  make book   |   make test
# PYTHON may point at another interpreter; the virtual environment is .venv.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= $(or $(MRCNN_PROFILE),imagenet-vgg19)
# tensorflow-cpu on machines without a GPU; on one with TensorFlow: make EXTRAS=dev,jax ...
EXTRAS ?= cpu,dev,jax

.PHONY: book test install clean notebooks bench results baselines verify

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(VENV)/.installed

book: install
	$(PY) -m mrcnn_core book --profile $(PROFILE)

# Re-run the computation of a profile into one store, results/<profile>/deterministic (resumes;
# a GPU job for imagenet-vgg19 or imagenet-vgg16: see the book's "How to re-run").
SWEEP = $(PY) -m mrcnn_core sweep --profile $(PROFILE)
RESULTS ?= results/$(PROFILE)/deterministic
PLANNED = $(PY) -c "from mrcnn_core.experiments import load_profile as p; print(' '.join(f'{d}:{e}' for d, e in p('$(PROFILE)').runs))"
results: install
	@for de in $$($(PLANNED)); do \
	  $(SWEEP) --dataset $${de%%:*} --experiment $${de##*:} --results $(RESULTS) || exit 1; \
	done

# The shallow baselines (CPU; resumes): each method into its own store, results/baselines/<name>.
#   make baselines                  every registered shallow method, one after the other
#   make baselines METHODS=tsvm     only TSVM (METHODS: names, separated by spaces or commas)
# Times measured from the committed stores' wall_time: `$(PY) benchmarks/baseline_times.py`.
# A store of that name that is committed already is resumed: move it away to remake it.
comma := ,
METHODS ?= $(shell $(PY) -m mrcnn_core methods --kind shallow --names 2>/dev/null)
baselines: install
	@for m in $(subst $(comma), ,$(METHODS)); do \
	  for ds in cifar100 corel; do \
	    $(PY) -m mrcnn_core sweep --profile baselines --dataset $$ds --methods $$m \
	      --results results/baselines/$$m || exit 1; \
	  done; \
	done

# Re-run a few stored runs of each committed store here and compare (book: How to re-run).
verify: install
	$(PY) -m mrcnn_core verify results/baselines --runs 2
	$(PY) -m mrcnn_core verify results/imagenet-vgg19 --runs 1 --methods mrcnn
	$(PY) -m mrcnn_core verify results/imagenet-vgg16 --runs 1 --methods mrcnn
	$(PY) -m mrcnn_core verify results/legacy --runs 1

# Two workers (the CI machine has 2 cores): the smoke book build runs beside the rest.
# Both book builds write the checkout's book/generated and _build: they are one test, collected
# first (tests/conftest.py), so one worker runs it while the other runs the rest.
test: install
	$(PY) -m pytest -q -n 2 --dist load

# The pages are MyST notebooks (notebooks/*.md); re-pair the .ipynb that Colab opens.
notebooks: install
	$(PY) -c "from mrcnn_core.book.colab_notebooks import sync_install_cells as s; print('install cells rewritten:', s('notebooks'))"
	$(PY) -c "from mrcnn_core.book.colab_notebooks import write_meta_notebooks as w; print('meta notebooks:', w('notebooks'))"
	$(VENV)/bin/jupytext --sync notebooks/*.md

bench: install
	$(PY) -m mrcnn_core bench

clean:
	rm -rf _build book/generated
