"""``edgealign serve`` on edgealign.testing's deterministic fakes, for the server tests.

Takes ``edgealign serve``'s own arguments plus ``--home`` and ``--fake-delay S`` (a pause per
streamed chunk, so a reply can be long enough to interrupt). A task containing ``LONG``
gets a 50,000-word reply (minutes at any --fake-delay the tests use); one containing ``ECHO``
gets the whole prompt its conditioning built, so a test sees what the model was given. The server code is the CLI's; only the models are fakes.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Iterator

from edgealign import Personalizer
from edgealign.cli import _show_progress
from edgealign.cli.serve import config_from, run_server, serve_arguments
from edgealign.testing import FakeBridge, FakeLLM


class SlowFakeLLM(FakeLLM):
    """FakeLLM with a pause before each chunk and a long reply on request."""

    def __init__(self, delay: float, n_ctx: int) -> None:
        super().__init__(n_ctx=n_ctx)
        self.delay = delay

    def reply_text(self, task: Any, conditioning: str, info: Any) -> str:
        text = super().reply_text(task, conditioning, info)
        if "ECHO" in text:  # the whole prompt the conditioning builds: what a model would read
            from edgealign import conditioning as registry
            from edgealign._turns import split_messages
            from edgealign.prompts import ChatTemplate

            request = split_messages(task)[0]
            return ChatTemplate().render(registry.get(conditioning).build(request, info, None, None, None))
        return text + " lorem" * 50_000 if "LONG" in text else text

    def chat(self, task: Any, *, stream: bool = False, **kw: Any) -> Any:
        out = super().chat(task, stream=True, **kw)
        inner = out._chunks

        def slow() -> Iterator[str]:
            try:
                for piece in inner:
                    time.sleep(self.delay)
                    yield piece
            finally:
                inner.close()
        out._chunks = slow()
        if stream:
            return out
        from edgealign._stream import Reply

        with out:
            return Reply.of("".join(out), out)


def main() -> None:
    parser = argparse.ArgumentParser()
    serve_arguments(parser)
    parser.add_argument("--home", required=True)
    parser.add_argument("--fake-delay", type=float, default=0.0)
    args = parser.parse_args()
    _show_progress()  # what `edgealign` itself does: library log lines on stderr
    config = config_from(args, "fake-model")
    p = Personalizer.open(args.home, bridge=FakeBridge(), llm=SlowFakeLLM(args.fake_delay, args.n_ctx))
    run_server(p, config)


if __name__ == "__main__":
    main()
