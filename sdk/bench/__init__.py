"""Benchmarks behind ``edgealign bench``: the store (:mod:`.store`), the local LLM (:mod:`.llm`).
Measurement code only; the runtime path never imports it."""
