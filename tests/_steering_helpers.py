"""A steering basis written as `edgealign export steering` writes one, for the tests."""

from __future__ import annotations

import numpy as np

from edgealign.artifacts import Manifest, sha256_file
from edgealign.steering import file_name

CONCISE, HUMOR = 16, 73  # "Concise communication style" is 16's positive pole, "Likes humor" 73's
N_EMBD, N_LAYER = 576, 30  # the bundled SmolLM2-135M


def write_basis(folder, model, dims=(CONCISE, HUMOR), *, n_embd=N_EMBD, n_layer=N_LAYER, scale=1.0,
                norm=6.0, layers=(8, 20), seed=0, tamper=None):
    """A basis as `edgealign export steering` writes it: one llama.cpp control-vector file per
    dimension (direction.<layer>, float32 n_embd) and a manifest binding it to ``model``."""
    import gguf

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for dim in dims:
        writer = gguf.GGUFWriter(str(folder / file_name(dim)), "controlvector")
        writer.add_string("controlvector.model_hint", "llama")
        writer.add_uint32("controlvector.layer_count", layers[1] - layers[0] + 1)
        for il in range(layers[0], layers[1] + 1):
            v = rng.standard_normal(n_embd).astype(np.float32)
            v *= norm / np.linalg.norm(v)
            if tamper == "nan" and il == layers[0]:
                v[0] = np.nan
            writer.add_tensor(f"direction.{il}", v)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
    details = {"base_model_sha256": sha256_file(model), "base_model_file": model.name, "n_embd": n_embd,
               "n_layer": n_layer, "layers": list(layers), "method": "caa", "scale": scale, "dimensions": list(dims)}
    Manifest.for_files(folder, "steering", [file_name(d) for d in dims], details=details).write(folder)
    return folder
