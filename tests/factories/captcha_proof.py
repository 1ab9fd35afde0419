"""Solve a captcha's proof of work the way a script would have to.

Tries counters until SHA-256(salt + nonce + counter) gives the puzzle's
prefix (the ALTCHA v2 "SHA-256" algorithm, as ``altcha.solve_challenge`` and
the browser do, only faster than the library's loop), then builds the ALTCHA
payload the form sends as ``captcha_proof``.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time

import altcha


def solve(pow_json: str) -> str:
    """The proof (base64 ALTCHA payload) for a challenge's ``pow`` JSON."""
    challenge = altcha.Challenge.from_dict(json.loads(pow_json))
    params = challenge.parameters
    head = bytes.fromhex(params.salt) + bytes.fromhex(params.nonce)
    prefix = params.key_prefix.lower()
    started = time.monotonic()
    for counter in range(2**32):
        key = hashlib.sha256(head + struct.pack(">I", counter)).hexdigest()
        if key.startswith(prefix):
            break
    took = round((time.monotonic() - started) * 1000)
    return altcha.Payload(challenge, altcha.Solution(counter, key, took)).to_base64()
