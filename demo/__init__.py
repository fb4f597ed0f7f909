"""The end-to-end walk-through (`edgealign demo`): it may use everything (sdk, training, export),
and nothing imports it."""
