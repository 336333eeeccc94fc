"""Writes docs/vectors.json, koa-sodium-session's wire-format test vectors, from fixed keys, nonces
and tokens, with kss_format.py (PyNaCl): `python make_vectors.py` writes the file, `--check` fails
when the file differs from what this script makes. docs/format.md explains every field.

The package's own tests check the result independently: the Rust tests seal every vector the
package sealed, with its nonce, and compare byte for byte; the Rust and JavaScript tests open
every positive vector and refuse every negative one with the reason given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the sources

import kss_format as kss  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "docs" / "vectors.json"

KEYS = {
    "A": bytes(range(0x00, 0x20)),
    "B": bytes(range(0x20, 0x40)),
    "Z": bytes(range(0xFF, 0xDF, -1)),  # a key no reader below holds
}
ISSUED_AT = 1_764_600_000_000  # 2025-12-01T14:40:00Z
USER_SINCE = 1_764_600_123_456
EXPIRE = 4_102_444_800_000  # 2100-01-01: koa-session's _expire, so that no vector expires
MAX_AGE = 86_400_000
NAME = "koa.sess"


def derived(label: str, name: str, size: int) -> bytes:
    """Fixed bytes for one vector: SHA-256 of the label and the vector's name."""
    return hashlib.sha256(f"{label} {name}".encode()).digest()[:size]


def nonce_for(name: str) -> bytes:
    return derived("nonce", name, kss.NONCE_BYTES)


def token_for(name: str, user_since: int = 0) -> str:
    return kss.make_token(derived("session id", name, 16), ISSUED_AT, user_since)


def text(data: bytes) -> dict:
    """Bytes as text when they are UTF-8, else as hex."""
    try:
        return {"plaintext": data.decode()}
    except UnicodeDecodeError:
        return {"plaintext_hex": data.hex()}


def session(**fields) -> dict:
    return {**fields, "_expire": EXPIRE, "_maxAge": MAX_AGE}


def cart(items: int) -> dict:
    """A session that grows with `items`, with text a legacy cookie escapes and non-ASCII text."""
    lines = [{"sku": f"SKU-{i:04d}", "qty": i % 5 + 1, "note": f"größe {i}/ä+ö=ü; 中文"} for i in range(items)]
    return session(user="alice", cart=lines)


def opens(session_object: dict, token: str, *, stale: bool = False, adopted: bool = False) -> dict:
    return {"session": session_object, "token": token, "stale": stale, "adopted": adopted}


class Builder:
    def __init__(self):
        self.cookies, self.split, self.store, self.refused = [], [], [], []

    # A session sealed by the package: the cookie, what it opens to, and how it was sealed.
    def package_cookie(self, name, about, fmt, session_object, *, key="A", keys=("A",), cookie_name=NAME, user_since=0):
        token = token_for(name, user_since)
        json_text = kss.dumps(session_object).encode()
        nonce = nonce_for(name)
        seal = kss.seal_compact if fmt == "compact" else kss.seal_legacy
        cookie = seal(KEYS[key], cookie_name, token, json_text, nonce)
        plaintext = (
            token.encode() + json_text
            if fmt == "compact"
            else kss.with_member(json_text, token.encode(), KEYS[key], cookie_name)
        )
        vector = {
            "name": name,
            "about": about,
            "cookie_name": cookie_name,
            "keys": list(keys),
            "cookie": cookie,
            "opens": opens(session_object, token, stale=keys.index(key) > 0),
            "sealed": {
                "by": "package",
                "format": fmt,
                "key": key,
                "nonce": nonce.hex(),
                "token": token,
                "json": json_text.decode(),
                **text(plaintext),
            },
        }
        self.cookies.append(vector)
        return vector

    # A legacy cookie as koa-encrypted-session seals it: the plaintext alone, under the key itself.
    def foreign_cookie(self, name, plaintext: bytes, *, key="A"):
        nonce = nonce_for(name)
        cookie = kss.seal_like_koa_encrypted_session(KEYS[key], plaintext, nonce)
        sealed = {
            "by": "koa-encrypted-session",
            "format": "legacy",
            "key": key,
            "nonce": nonce.hex(),
            **text(plaintext),
        }
        return cookie, sealed, nonce

    # A compact box around any plaintext, as no package writes it (for refusals).
    def hand_compact(self, name, plaintext: bytes, *, key="A", purpose="compact cookie", cookie_name=NAME):
        nonce = nonce_for(name)
        box_key = kss.subkey(KEYS[key], purpose, cookie_name if purpose == "compact cookie" else "")
        cookie = kss.compact_value(kss.key_id(KEYS[key]), nonce, kss.secretbox(plaintext, nonce, box_key))
        sealed = {"by": "hand", "format": "compact", "key": key, "nonce": nonce.hex(), **text(plaintext)}
        return cookie, sealed

    def refuse(self, name, about, code, reason, detail, layer, *, keys=("A",), cookie_name=NAME, **fields):
        vector = {"name": name, "about": about, "cookie_name": cookie_name, "keys": list(keys), **fields}
        vector["refused"] = {"code": code, "reason": reason, "detail": detail, "layer": layer}
        self.refused.append(vector)


def build() -> dict:
    b = Builder()

    # --- cookies the package wrote, both formats, several sizes -----------------------------------
    for fmt in ("compact", "legacy"):
        b.package_cookie(f"{fmt}-empty", "The empty session: the least a cookie holds.", fmt, {})
        b.package_cookie(
            f"{fmt}-small",
            "A small session as koa-session hands it over, with its _expire and _maxAge.",
            fmt,
            session(views=12),  # a length whose base64 has unused bits in both formats (refusals below)
        )
        b.package_cookie(
            f"{fmt}-text",
            "Text that needs care: characters percent-escapes and cookies use, and UTF-8 of 2 to 4 bytes.",
            fmt,
            session(text="a;b%c=d+e/f é ü 中文 🎉", nested={"list": [1, "%3B", None, True, 2.5]}),
        )
    for fmt, items, about in (
        ("compact", 10, "About 1 KB."),
        ("legacy", 9, "About 1 KB."),
        ("compact", 44, "Near the 4 KB a browser keeps for a cookie (name, value and attributes)."),
        ("legacy", 41, "Near the 4 KB a browser keeps for a cookie (name, value and attributes)."),
    ):
        size = "1k" if items < 20 else "4k"
        b.package_cookie(f"{fmt}-{size}", about, fmt, cart(items))
    b.package_cookie(
        "compact-user-since",
        "A token with both times set, for a cookie named __Host-app (the name is bound into the key).",
        "compact",
        session(user="alice"),
        cookie_name="__Host-app",
        user_since=USER_SINCE,
    )
    b.package_cookie(
        "legacy-user-since",
        "A token with both times set, for a cookie named __Host-app (the name is bound into the tag).",
        "legacy",
        session(user="alice"),
        cookie_name="__Host-app",
        user_since=USER_SINCE,
    )

    # --- key rotation: sealed by the older key of the ring ----------------------------------------
    for fmt in ("compact", "legacy"):
        b.package_cookie(
            f"{fmt}-rotated",
            "Sealed by key A; the reader holds [B, A]: it opens, and is stale (seal it again with B).",
            fmt,
            session(views=7),
            key="A",
            keys=("B", "A"),
        )

    # --- spellings of a legacy cookie the package reads as well -----------------------------------
    small = b.cookies[[v["name"] for v in b.cookies].index("legacy-small")]
    written = small["cookie"]
    for name, cookie, about in (
        (
            "legacy-unescaped",
            kss.percent_decode(written.encode()).decode(),
            "legacy-small without its percent-escapes (+, /, = and ; as they are): read the same.",
        ),
        (
            "legacy-lowercase-escapes",
            written.replace("%2B", "%2b").replace("%2F", "%2f").replace("%3D", "%3d").replace("%3B", "%3b"),
            "legacy-small with lower-case escapes: read the same.",
        ),
    ):
        b.cookies.append({**small, "name": name, "about": about, "cookie": cookie, "written": written})

    # --- koa-encrypted-session's cookies ----------------------------------------------------------
    for name, keys, about in (
        (
            "legacy-adopted",
            ("A",),
            "Sealed by koa-encrypted-session (no $kss): the id comes from the nonce, both times are unknown.",
        ),
        (
            "legacy-adopted-rotated",
            ("B", "A"),
            "The same under an older key: stale, and the id comes from the opening key's subkey.",
        ),
    ):
        plaintext = kss.dumps(session(views=3)).encode()
        cookie, sealed, nonce = b.foreign_cookie(name, plaintext)
        token = kss.adopted_token(nonce, KEYS["A"], NAME)
        b.cookies.append(
            {
                "name": name,
                "about": about,
                "cookie_name": NAME,
                "keys": list(keys),
                "cookie": cookie,
                "opens": opens(session(views=3), token, stale=len(keys) > 1, adopted=True),
                "sealed": sealed,
            }
        )
    token = token_for("legacy-moved-member")
    member = token + kss.legacy_tag(token.encode(), KEYS["A"], NAME)
    plaintext = ('{"views":2,"$kss":"%s","_expire":%d,"_maxAge":%d}' % (member, EXPIRE, MAX_AGE)).encode()
    cookie, sealed, _ = b.foreign_cookie("legacy-moved-member", plaintext)
    b.cookies.append(
        {
            "name": "legacy-moved-member",
            "about": "A package cookie that a koa-encrypted-session node opened and sealed again: $kss came "
            "along as session data, no longer last. Its tag still verifies: the token is kept.",
            "cookie_name": NAME,
            "keys": ["A"],
            "cookie": cookie,
            "opens": opens(session(views=2), token, adopted=True),
            "sealed": sealed,
        }
    )

    # --- a session split across cookies ------------------------------------------------------------
    for fmt, items, room in (("compact", 50, 1800), ("legacy", 45, 1800)):
        name = f"{fmt}-split"
        whole = b.package_cookie(name, "", fmt, cart(items))
        b.cookies.remove(whole)
        parts = kss.split(whole["cookie"], lambda index, room=room: room, 3)
        assert parts and len(parts) == 3, (name, len(whole["cookie"]))
        b.split.append(
            {
                "name": name,
                "about": f"A session too large for one cookie of {room} characters, in three parts.",
                "cookie_name": NAME,
                "keys": ["A"],
                "max_cookies": 3,
                "room": room,
                "cookies": [[kss.part_name(NAME, i), part] for i, part in enumerate(parts)],
                "value": whole["cookie"],
                "opens": whole["opens"],
                "sealed": whole["sealed"],
            }
        )

    # --- encryptedStore: store keys and values -----------------------------------------------------
    for name, keys, about in (
        ("store-value", ("A",), "A session encryptedStore hands a store, and the store key it goes under."),
        (
            "store-value-rotated",
            ("B", "A"),
            "Sealed by key A, read by [B, A]: found under A's store key, stale (moved to B's when saved).",
        ),
    ):
        token = token_for(name)
        store_id = token[: kss.ID_CHARS]
        stored = session(user="alice", roles=["admin"])
        json_text = kss.store_json(store_id, NAME, kss.dumps(stored))
        nonce = nonce_for(name)
        value = kss.seal_store_value(KEYS["A"], token, json_text, nonce)
        b.store.append(
            {
                "name": name,
                "about": about,
                "cookie_name": NAME,
                "keys": list(keys),
                "store_id": store_id,
                "store_keys": kss.store_keys([KEYS[k] for k in keys], NAME, store_id),
                "stored_under": keys.index("A"),
                "value": value,
                "opens": opens(stored, token, stale=keys.index("A") > 0),
                "sealed": {
                    "by": "package",
                    "format": "store",
                    "key": "A",
                    "nonce": nonce.hex(),
                    "token": token,
                    "json": json_text.decode(),
                    **text(token.encode() + json_text),
                },
            }
        )

    add_refusals(b)

    return {
        "about": "Test vectors of koa-sodium-session's wire formats; docs/format.md explains every field.",
        "generated_by": "interop/python/make_vectors.py (Python, PyNaCl); do not edit by hand",
        "keys": {
            label: {"base64": base64.b64encode(key).decode(), "hex": key.hex(), "key_id": kss.key_id(key).hex()}
            for label, key in KEYS.items()
        },
        "subkeys": [
            {
                "key": label,
                "purpose": purpose,
                "name": name,
                "message_hex": (f"koa-sodium-session v2 {purpose}".encode() + b"\0" + name.encode()).hex(),
                "subkey": kss.subkey(KEYS[label], purpose, name).hex(),
            }
            for label in ("A", "B")
            for purpose, name in (
                ("compact cookie", NAME),
                ("compact cookie", "__Host-app"),
                ("legacy metadata", NAME),
                ("legacy metadata", "__Host-app"),
                ("store value", ""),
                ("store id", ""),
                ("key id", ""),
            )
        ],
        "tokens": [
            {
                "session_id_hex": "00112233445566778899aabbccddeeff",
                "issued_at": ISSUED_AT,
                "user_since": 0,
                "token": kss.make_token(bytes.fromhex("00112233445566778899aabbccddeeff"), ISSUED_AT),
            },
            {
                "session_id_hex": "ff" * 16,
                "issued_at": ISSUED_AT,
                "user_since": USER_SINCE,
                "token": kss.make_token(b"\xff" * 16, ISSUED_AT, USER_SINCE),
            },
            {"session_id_hex": "00" * 16, "issued_at": 0, "user_since": 0, "token": kss.make_token(b"\0" * 16, 0)},
        ],
        "legacy_tags": [
            {
                "key": label,
                "cookie_name": name,
                "token": token,
                "tag": kss.legacy_tag(token.encode(), KEYS[label], name),
            }
            for label, name, token in (
                ("A", NAME, kss.make_token(bytes.fromhex("00112233445566778899aabbccddeeff"), ISSUED_AT)),
                ("A", "__Host-app", kss.make_token(bytes.fromhex("00112233445566778899aabbccddeeff"), ISSUED_AT)),
                ("B", NAME, kss.make_token(b"\xff" * 16, ISSUED_AT, USER_SINCE)),
            )
        ],
        "key_derivation": [
            {
                "secret": "correct horse battery staple, 32+ bytes long",
                "salt_base64": "r7bFNKlRQnpAjvuLawnvRQ==",
                "key_hex": "d9650e4069fb3230a460fc82c650e4f063d2d059bce9cb469ec8758c75dd6104",
            },
            {
                "secret": "correct horse battery staple, 32+ bytes long",
                "salt_base64": base64.b64encode(b"0123456789abcdef").decode(),
                "key_hex": "6e07be5d05aed442a22b47b4063cef209545678fa14173a6db026f7dee805cdf",
            },
        ],
        "cookies": b.cookies,
        "split": b.split,
        "store": b.store,
        "refused": b.refused,
    }


def add_refusals(b: Builder) -> None:
    by_name = {v["name"]: v for v in b.cookies}
    compact, legacy = by_name["compact-small"]["cookie"], by_name["legacy-small"]["cookie"]
    compact_body = kss.decode_b64url(compact[3:].encode())
    legacy_parsed = kss.parse(legacy)

    def flipped_compact(at):
        body = bytearray(compact_body)
        body[at] ^= 0x01
        return "v2." + kss.b64url(bytes(body))

    def flipped_legacy(at):
        boxed = bytearray(legacy_parsed.boxed)
        boxed[at] ^= 0x01
        return kss.legacy_value(legacy_parsed.nonce, bytes(boxed))

    core, js = "core", "js"
    auth = ("ERR_COOKIE_AUTHENTICATION", "authentication", "cookie failed authentication")
    malformed = ("ERR_COOKIE_MALFORMED", "malformed")
    metadata = ("ERR_COOKIE_METADATA", "metadata")
    chunks = ("ERR_COOKIE_CHUNKS", "chunks")

    # Tampering, keys and names.
    b.refuse(
        "compact-tampered-bit",
        "compact-small with one bit of its ciphertext flipped.",
        *auth,
        core,
        cookie=flipped_compact(kss.HEADER_BYTES + kss.MAC_BYTES + 3),
    )
    b.refuse(
        "compact-tampered-nonce",
        "compact-small with one bit of its nonce flipped.",
        *auth,
        core,
        cookie=flipped_compact(kss.KEY_ID_BYTES),
    )
    b.refuse(
        "legacy-tampered-bit",
        "legacy-small with one bit of its ciphertext flipped.",
        *auth,
        core,
        cookie=flipped_legacy(kss.MAC_BYTES + 3),
    )
    b.refuse(
        "legacy-tampered-mac",
        "legacy-small with one bit of its Poly1305 tag flipped.",
        *auth,
        core,
        cookie=flipped_legacy(0),
    )
    b.refuse(
        "compact-wrong-key",
        "compact-small read with key Z only: no key has its key id.",
        *auth,
        core,
        keys=("Z",),
        cookie=compact,
    )
    b.refuse(
        "legacy-wrong-key",
        "legacy-small read with keys [Z, B]: none opens it.",
        *auth,
        core,
        keys=("Z", "B"),
        cookie=legacy,
    )
    b.refuse(
        "compact-wrong-cookie-name",
        "compact-small read as the cookie app.sess.",
        *auth,
        core,
        cookie_name="app.sess",
        cookie=compact,
    )
    b.refuse(
        "legacy-wrong-cookie-name",
        "legacy-small read as the cookie app.sess: the key opens it, the tag of its $kss does not verify.",
        *metadata,
        "the session metadata was not sealed with this cookie's key and name",
        core,
        cookie_name="app.sess",
        cookie=legacy,
    )
    kid = kss.key_id(KEYS["A"])
    forged_kid = bytes([kid[0] ^ 1]) + kid[1:]
    b.refuse(
        "compact-other-key-id",
        "compact-small with its key id changed: no key has it.",
        *auth,
        core,
        cookie="v2." + kss.b64url(forged_kid + compact_body[kss.KEY_ID_BYTES :]),
    )

    # Metadata.
    token = token_for("legacy-forged-tag")
    forged = token + "A" * kss.TAG_CHARS
    for name, plaintext, about, layer in (
        (
            "legacy-forged-tag",
            '{"views":1,"$kss":"%s"}' % forged,
            "Sealed with the key itself (as an app on a koa-encrypted-session node could make it) with a $kss "
            "whose tag is not the token's.",
            core,
        ),
        (
            "legacy-forged-tag-moved",
            '{"views":1,"$kss":"%s","_expire":%d,"_maxAge":%d}' % (forged, EXPIRE, MAX_AGE),
            "The same with $kss not last: found in the session object and refused there.",
            js,
        ),
        (
            "legacy-member-malformed",
            '{"views":1,"$kss":"%s"}' % ("X" * 62),
            "A $kss member last whose value is not a token and its tag.",
            core,
        ),
    ):
        cookie, sealed, _ = b.foreign_cookie(name, plaintext.encode())
        detail = (
            "the session metadata is not a token and its tag"
            if "malformed" in name
            else "the session metadata was not sealed with this cookie's key and name"
        )
        b.refuse(name, about, *metadata, detail, layer, cookie=cookie, sealed=sealed)
    for name, plaintext, about in (
        ("compact-no-token", b'{"views":1}', "A compact box whose plaintext has no token before the JSON."),
        (
            "compact-bad-token",
            b"+" + token_for("x").encode()[1:] + b"{}",
            "A compact box whose token has a character no token has.",
        ),
    ):
        cookie, sealed = b.hand_compact(name, plaintext)
        b.refuse(
            name,
            about,
            *metadata,
            "the compact plaintext does not start with a metadata token",
            core,
            cookie=cookie,
            sealed=sealed,
        )

    # Versions, escapes, base64, lengths.
    body = compact[3:]
    b.refuse(
        "unknown-version-v3",
        "compact-small's body behind v3.: a version this reader does not know.",
        *malformed,
        "unknown format version",
        core,
        cookie="v3." + body,
    )
    b.refuse(
        "unknown-version-v1",
        "v1 was never released and is not read.",
        *malformed,
        "unknown format version",
        core,
        cookie="v1." + body,
    )
    b.refuse(
        "legacy-bad-escape",
        "legacy-small with %3B written %3G.",
        *malformed,
        "broken percent-escape",
        core,
        cookie=legacy.replace("%3B", "%3G"),
    )
    b.refuse(
        "legacy-truncated-escape",
        "legacy-small cut inside its last escape.",
        *malformed,
        "broken percent-escape",
        core,
        cookie=legacy + "%3",
    )
    b.refuse(
        "legacy-no-separator",
        "legacy-small without its ; (%3B).",
        *malformed,
        "expected two parts separated by ';'",
        core,
        cookie=legacy.replace("%3B", ""),
    )
    b.refuse(
        "legacy-two-separators",
        "legacy-small with a second ; and its nonce again.",
        *malformed,
        "expected two parts separated by ';'",
        core,
        cookie=legacy + "%3B" + legacy.split("%3B")[1],
    )
    nonce_text = base64.b64encode(legacy_parsed.nonce[:16]).decode()
    b.refuse(
        "legacy-nonce-16-bytes",
        "A legacy cookie whose nonce is 16 bytes.",
        *malformed,
        "nonce is not 24 bytes",
        core,
        cookie=legacy.split("%3B")[0] + "%3B" + kss.escape(nonce_text),
    )
    b.refuse(
        "legacy-short-box",
        "A legacy cookie whose box is 15 bytes, shorter than its tag.",
        *malformed,
        "ciphertext is shorter than its 16-byte tag",
        core,
        cookie=kss.legacy_value(legacy_parsed.nonce, legacy_parsed.boxed[:15]),
    )

    boxed_b64 = base64.b64encode(legacy_parsed.boxed).decode()
    assert boxed_b64.endswith("="), "legacy-small's box needs padding: change its session"
    last = kss.STANDARD.decode()
    body_end = len(boxed_b64.rstrip("="))
    changed = last[last.index(boxed_b64[body_end - 1]) + 1]  # sets an unused bit
    noncanonical = boxed_b64[: body_end - 1] + changed + boxed_b64[body_end:]
    nonce_b64 = kss.escape(base64.b64encode(legacy_parsed.nonce).decode())
    b.refuse(
        "legacy-noncanonical-base64",
        "legacy-small with the last character before its padding changed so that its unused bits are "
        "not zero: the same bytes, spelled another way.",
        *malformed,
        "ciphertext is not padded base64",
        core,
        cookie=kss.escape(noncanonical) + "%3B" + nonce_b64,
    )
    b.refuse(
        "legacy-unpadded-base64",
        "legacy-small without the padding of its box.",
        *malformed,
        "ciphertext is not padded base64",
        core,
        cookie=kss.escape(boxed_b64.rstrip("=")) + "%3B" + nonce_b64,
    )
    b.refuse(
        "legacy-base64url",
        "legacy-small in the base64url alphabet: _ and - where + and / belong.",
        *malformed,
        "is not padded base64",
        core,
        cookie=kss.escape(boxed_b64.replace("+", "-").replace("/", "_"))
        + "%3B"
        + kss.escape(base64.urlsafe_b64encode(legacy_parsed.nonce).decode()),
    )
    assert len(compact_body) % 3 != 0, "compact-small needs unused bits in its last character"
    url = kss.URL_SAFE.decode()
    b.refuse(
        "compact-noncanonical-base64",
        "compact-small with unused bits of its last character set.",
        *malformed,
        "compact body is not unpadded base64url",
        core,
        cookie=compact[:-1] + url[url.index(compact[-1]) + 1],
    )
    b.refuse(
        "compact-padded",
        "compact-small with = padding.",
        *malformed,
        "compact body is not unpadded base64url",
        core,
        cookie=compact + "=" * (-len(body) % 4),
    )
    assert "-" in body or "_" in body, "compact-small needs a - or _ to respell"
    b.refuse(
        "compact-standard-alphabet",
        "compact-small in the standard alphabet: + and / for - and _.",
        *malformed,
        "compact body is not unpadded base64url",
        core,
        cookie=compact.replace("-", "+").replace("_", "/"),
    )
    cut = len(body) % 4 + 4  # what is left is whole groups of 4: canonical base64url
    b.refuse(
        "compact-truncated",
        f"compact-small without its last {cut} characters (still canonical base64url).",
        *auth,
        core,
        cookie=compact[:-cut],
    )
    b.refuse(
        "compact-too-short",
        "A compact body of 43 bytes: shorter than key id, nonce and tag.",
        *malformed,
        "compact body is too short",
        core,
        cookie="v2." + kss.b64url(compact_body[:43]),
    )
    b.refuse(
        "oversized",
        "8193 characters: longer than any cookie the package reads (8192).",
        "ERR_COOKIE_TOO_LARGE",
        "oversized",
        "more than the 8192 this codec reads",
        core,
        cookie="v2." + "A" * 8190,
    )

    # Plaintext that is not a session.
    for name, plaintext, code, reason, detail, layer, about in (
        (
            "not-utf8",
            token_for("n").encode() + b'{"a":"\xff"}',
            "ERR_COOKIE_NOT_TEXT",
            "not-json",
            "not UTF-8 text",
            core,
            "A compact box whose JSON holds a byte that is not UTF-8.",
        ),
        (
            "not-json",
            token_for("n").encode() + b'{"a":',
            "ERR_COOKIE_NOT_JSON",
            "not-json",
            "not JSON",
            js,
            "A compact box whose text after the token is not JSON.",
        ),
        (
            "compact-not-object",
            token_for("n").encode() + b'"text"',
            "ERR_COOKIE_NOT_OBJECT",
            "not-object",
            "not an object",
            js,
            "A compact box whose JSON is a string.",
        ),
    ):
        cookie, sealed = b.hand_compact(name, plaintext)
        b.refuse(name, about, code, reason, detail, layer, cookie=cookie, sealed=sealed)
    cookie, sealed, _ = b.foreign_cookie("legacy-not-object", b"[1,2,3]")
    b.refuse(
        "legacy-not-object",
        "A legacy cookie whose JSON is an array (no $kss: adopted, then refused).",
        "ERR_COOKIE_NOT_OBJECT",
        "not-object",
        "not an object",
        js,
        cookie=cookie,
        sealed=sealed,
    )

    # Store values and cookies are not each other.
    store = b.store[0]
    b.refuse("store-value-as-cookie", "store-value presented as a cookie.", *auth, core, cookie=store["value"])
    b.refuse(
        "cookie-as-store-value",
        "compact-small presented as a store value.",
        *auth,
        core,
        store_value=compact,
        store_id=store["store_id"],
    )
    b.refuse(
        "legacy-as-store-value",
        "legacy-small presented as a store value.",
        *malformed,
        "a store value is never in the legacy format",
        core,
        store_value=legacy,
        store_id=store["store_id"],
    )
    b.refuse(
        "store-value-moved",
        "store-value read for another session id (moved in the store).",
        "ERR_STORE_VALUE_ID",
        "wrong-id",
        "another session id",
        js,
        store_value=store["value"],
        store_id="A" * kss.ID_CHARS,
    )
    b.refuse(
        "store-value-other-cookie",
        "store-value read for the cookie app.sess.",
        "ERR_STORE_VALUE_ID",
        "wrong-id",
        "another session id",
        js,
        cookie_name="app.sess",
        store_value=store["value"],
        store_id=store["store_id"],
    )

    # Split sessions.
    split = b.split[0]
    parts = [value for _, value in split["cookies"]]
    other = kss.split(
        kss.seal_compact(
            KEYS["A"], NAME, split["opens"]["token"], split["sealed"]["json"].encode(), nonce_for("another save")
        ),
        lambda index: split["room"],
        3,
    )
    names = [name for name, _ in split["cookies"]]
    tag = parts[0].split(".")[1]
    common = {"max_cookies": split["max_cookies"]}
    b.refuse(
        "split-from-two-saves",
        "compact-split with its last part from another save of the session.",
        *chunks,
        "from another save",
        js,
        cookies=[[names[0], parts[0]], [names[1], parts[1]], [names[2], other[2]]],
        **common,
    )
    b.refuse(
        "split-missing-part",
        "compact-split without its cookie koa.sess.1.",
        *chunks,
        "missing",
        js,
        cookies=[[names[0], parts[0]], [names[2], parts[2]]],
        **common,
    )
    head, body0 = parts[0][: len(tag) + 4], parts[0][len(tag) + 4 :]
    body1 = parts[1][len(tag) + 1 :]
    b.refuse(
        "split-reordered",
        "compact-split with the contents of its first two parts swapped (headers kept): "
        "the joined value ends with its tag but is no value the package wrote.",
        *chunks,
        "do not open together",
        js,
        cookies=[[names[0], head + body1], [names[1], f"{tag}.{body0}"], [names[2], parts[2]]],
        **common,
    )
    b.refuse(
        "split-last-parts-swapped",
        "compact-split with its last two cookies' values swapped.",
        *chunks,
        "do not end with their tag",
        js,
        cookies=[[names[0], parts[0]], [names[1], parts[2]], [names[2], parts[1]]],
        **common,
    )
    b.refuse(
        "split-over-max-cookies",
        "compact-split read with maxCookies 2.",
        *chunks,
        "more than maxCookies",
        js,
        cookies=split["cookies"],
        max_cookies=2,
    )
    b.refuse(
        "split-one-part",
        "compact-split's whole value behind a first-part header that counts one part: no split "
        "session (a count is 2 or more), so the cookie is opened whole, and is no value.",
        *malformed,
        "expected two parts separated by ';'",
        core,
        cookies=[[names[0], f"c1.{split['value'][-8:]}.{split['value']}"]],
        **common,
    )
    retagged = [p.replace(tag, "ZZZZZZZZ", 1) for p in parts]
    b.refuse(
        "split-tag-not-at-end",
        "compact-split with another tag in every header: the value does not end with it.",
        *chunks,
        "do not end with their tag",
        js,
        cookies=[[n, p] for n, p in zip(names, retagged, strict=True)],
        **common,
    )


def render(value, indent: str = "", prefix: str = "", suffix: str = "") -> str:
    """JSON as the repository's formatter (Biome) writes it: two-space indents, every non-empty
    object expanded, an array of plain values on one line when that line fits in 120 columns."""
    scalar = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = list(value.items())
        lines = [
            render(v, inner, f"{scalar(k)}: ", "," if i < len(items) - 1 else "") for i, (k, v) in enumerate(items)
        ]
        return f"{indent}{prefix}{{\n" + "\n".join(lines) + f"\n{indent}}}{suffix}"
    if isinstance(value, list) and value:
        flat = "[" + ", ".join(render(v) for v in value) + "]"
        plain = not any(isinstance(v, dict) and v for v in value) and "\n" not in flat
        if plain and len(indent + prefix + flat + suffix) <= 120:
            return indent + prefix + flat + suffix
        lines = [render(v, inner, "", "," if i < len(value) - 1 else "") for i, v in enumerate(value)]
        return f"{indent}{prefix}[\n" + "\n".join(lines) + f"\n{indent}]{suffix}"
    return indent + prefix + scalar(value) + suffix


def main(argv: list[str]) -> int:
    vectors = build()
    if "--check" in argv:
        if VECTORS.read_text(encoding="utf-8") != render(vectors) + "\n":
            print(
                f"{VECTORS.relative_to(ROOT)} is not what make_vectors.py makes: run it and commit the result",
                file=sys.stderr,
            )
            return 1
        print(f"{VECTORS.relative_to(ROOT)} is what make_vectors.py makes")
        return 0
    VECTORS.write_text(render(vectors) + "\n", encoding="utf-8")
    print(
        f"wrote {VECTORS.relative_to(ROOT)}: {sum(len(vectors[k]) for k in ('cookies', 'split', 'store'))} "
        f"positive and {len(vectors['refused'])} negative vectors"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
