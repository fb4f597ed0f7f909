"""A writer for the crash and concurrency tests (not collected: the name starts with _).

    python _store_writer.py PATH KEY_HEX USER COUNT [GO_FILE]

Adds COUNT items (forever when COUNT is 0) to USER, in single writes and small batches, and
prints ``ack ID TEXT`` once each write has returned, i.e. been acknowledged. With GO_FILE it
prints ``ready`` once the store is open and waits for that file before writing, so several
writers can be started together.
"""

from __future__ import annotations

import os
import sys
import time

from edgealign import Comment
from edgealign.store import PersonaStore


def main(path: str, key_hex: str, user: str, count: int, go_file: str | None) -> None:
    with PersonaStore.open(path, bytes.fromhex(key_hex)) as store:
        store.add_user(user)
        if go_file:
            print("ready", flush=True)
            while not os.path.exists(go_file):
                time.sleep(0.005)
        i = 0
        while count == 0 or i < count:
            if i % 5 == 4:
                texts = [f"{user}-{i}-{k}" for k in range(3)]
                ids = store.records.add_items(user, [Comment("batch", t) for t in texts])
            else:
                texts = [f"{user}-{i}"]
                ids = [store.records.add_item(user, Comment("single", texts[0]))]
            if i % 7 == 6:
                store.records.set_override(user, i % 90, 1.0, locked=bool(i % 2))
            for item_id, text in zip(ids, texts):
                sys.stdout.write(f"ack {item_id} {text}\n")
            sys.stdout.flush()
            i += 1
    sys.stdout.write("done\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else None)
