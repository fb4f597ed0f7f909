"""An app written against the OpenAI API, personalized by pointing it at ``edgealign serve``.

    export EDGEALIGN_PASSPHRASE='choose a long passphrase'
    edgealign user add ada
    edgealign token create notes-app --users ada      # prints the token once
    edgealign serve &                                 # http://127.0.0.1:8088, this machine only
    python examples/openai_client.py --token ea_... --user ada \\
        --remember "Keep answers short, I read them on my phone."

What is edgealign-specific: the ``base_url``, the token, and the standard ``user`` field that
names the person (optionally ``extra_body={"edgealign": {...}}`` to choose the conditioning or
record the turn). The rest is the stock ``openai`` client. ``--remember`` adds a comment to the
user's history through the server's persona API (plain HTTP, standard library).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request

from openai import OpenAI


def persona_call(base_url: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    """One call to the persona API (``/v1/users/...``), which the openai client does not cover."""
    request = urllib.request.Request(base_url.rstrip("/") + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    with opener.open(request, timeout=60) as response:
        return json.load(response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8088/v1")
    parser.add_argument("--token", default=os.environ.get("EDGEALIGN_TOKEN"), help="default: $EDGEALIGN_TOKEN")
    parser.add_argument("--user", required=True, help="the person to answer for")
    parser.add_argument("--question", default="How should I spend a free weekend?")
    parser.add_argument("--remember", metavar="TEXT", help="first record TEXT as something the user wrote")
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    if not args.token:
        sys.exit("give --token or set EDGEALIGN_TOKEN (`edgealign token create APP --users NAME` makes one)")

    client = OpenAI(base_url=args.base_url, api_key=args.token)
    model = client.models.list().data[0].id
    print(f"model: {model}")
    user = urllib.parse.quote(args.user, safe="")
    if args.remember:
        added = persona_call(args.base_url, args.token, "POST", f"/users/{user}/comments",
                             {"prompt": "How do you like your answers?", "comment": args.remember})
        print(f"remembered as history item {added['id']}")

    # An ordinary chat completion; `user` picks whose profile conditions it.
    reply = client.chat.completions.create(
        model=model, user=args.user, max_tokens=args.max_tokens, temperature=0,
        messages=[{"role": "user", "content": args.question}])
    usage = reply.usage
    print(f"answer: {reply.choices[0].message.content.strip()}")
    print(f"tokens: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion "
          f"({reply.choices[0].finish_reason})")

    # The same, streamed.
    print("streamed: ", end="", flush=True)
    stream = client.chat.completions.create(
        model=model, user=args.user, max_tokens=args.max_tokens, temperature=0, stream=True,
        messages=[{"role": "user", "content": args.question}])
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()

    profile = persona_call(args.base_url, args.token, "GET", f"/users/{user}/profile?top=3")
    print(f"profile: {profile['text'] or '(neutral on every dimension)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
