"""Evaluation on the device: alignment accuracy of local models (:mod:`.alignment`) and the
preference bridge's metrics (:mod:`.bridge`). Nothing the runtime path imports lives here."""
