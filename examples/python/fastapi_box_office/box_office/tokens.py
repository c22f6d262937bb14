"""Who is asking: bearer tokens mapped to holdfast buyer ids.

The same token file as the C++ box_office (examples/box_office/buyer_tokens.h):
one "token buyer_id" pair a line, '#' starts a comment. Tokens are 16 to 128
characters of RFC 6750's b64token alphabet, so a short guessable token is
refused when the file is read, not accepted later.

    tokens = load_tokens(pathlib.Path("tokens.txt").read_text())
    buyer = tokens.get(bearer)   # None: 401

The table is a plain dict built once and never changed, so every request
thread reads it without a lock.
"""

from __future__ import annotations

import re
import secrets
from typing import Dict, Mapping, Optional

import holdfast

TOKEN_CHARS_MIN = 16
TOKEN_CHARS_MAX = 128
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{%d,%d}" % (TOKEN_CHARS_MIN, TOKEN_CHARS_MAX))


def _check(token: str, buyer: int, where: str, seen: Mapping[str, int]) -> None:
    if not _TOKEN.fullmatch(token):
        raise ValueError(
            f"{where}: a token is {TOKEN_CHARS_MIN} to {TOKEN_CHARS_MAX} characters of "
            "[A-Za-z0-9._~+/=-]")
    if token in seen:
        raise ValueError(f"{where}: token repeated")
    if buyer <= 0 or buyer == holdfast.RESERVED_BUYER:
        raise ValueError(f"{where}: buyer id {buyer} is reserved or not positive")


def load_tokens(text: str) -> Dict[str, int]:
    """The token -> buyer table of a token file's text. Raises ValueError naming
    the line for a malformed line, a bad or repeated token or a reserved buyer id."""
    tokens: Dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) != 2 or not words[1].isdigit():
            raise ValueError(f"line {number}: expected \"token buyer_id\"")
        _check(words[0], int(words[1]), f"line {number}", tokens)
        tokens[words[0]] = int(words[1])
    return tokens


def parse_token_list(text: str) -> Dict[str, int]:
    """The table of "token:buyer,token:buyer" (the HOLDFAST_BOX_OFFICE_TOKENS
    variable). Raises ValueError naming the entry."""
    tokens: Dict[str, int] = {}
    for index, entry in enumerate(filter(None, (e.strip() for e in text.split(",")))):
        token, _, buyer = entry.rpartition(":")
        if not token or not buyer.isdigit():
            raise ValueError(f"entry {index}: expected \"token:buyer_id\"")
        _check(token, int(buyer), f"entry {index}", tokens)
        tokens[token] = int(buyer)
    return tokens


def generate_tokens(count: int, first_buyer: int = 1) -> Dict[str, int]:
    """`count` fresh tokens (128 random bits each) for buyers first_buyer ..
    first_buyer + count - 1."""
    return {secrets.token_hex(16): first_buyer + i for i in range(count)}


def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an "Authorization: Bearer <token>" header value; None if
    absent or another scheme (the scheme is case-insensitive, RFC 7235 §2.1)."""
    if authorization is None:
        return None
    value = authorization.strip()
    if len(value) < 7 or value[:7].lower() != "bearer ":
        return None
    return value[7:].lstrip()
