"""edgealign.export: turns training checkpoints into device artifacts (ONNX, GGUF).

Every export is checked against its source before it is written as done.
"""
