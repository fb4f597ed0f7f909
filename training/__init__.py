"""edgealign.training: server-side training of the preference bridge and the aligners.

Imports nothing heavy at module level: the synthetic generator runs without torch, and each
trainer imports torch, transformers and accelerate inside the functions that need them.
"""
