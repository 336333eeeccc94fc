"""The Python reader against the package: run by interop/python/run.sh (and .ci/run).

1. docs/vectors.json is exactly what make_vectors.py makes;
2. kss_format.py opens every positive vector to its session and token, seals each one the package
   sealed to the same bytes, and refuses every negative vector with the code the package reports;
3. kss_format.py seals cookies (compact, legacy, split) and a store value with fresh keys and
   nonces, and the package opens them (interop/python/package.mjs, run under node); the package
   seals cookies and a store value, and kss_format.py opens them.

Prints one line per part, and fails with every mismatch listed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nacl
from nacl import pwhash

sys.dont_write_bytecode = True  # no __pycache__ beside the sources

import kss_format as kss  # noqa: E402
import make_vectors  # noqa: E402

HERE = Path(__file__).resolve().parent
failures: list[str] = []


def expect(ok: bool, what: str) -> None:
    if not ok:
        failures.append(what)


def check_generated() -> None:
    on_disk = make_vectors.VECTORS.read_text(encoding="utf-8")
    expect(
        on_disk == make_vectors.render(make_vectors.build()) + "\n",
        "docs/vectors.json is not what make_vectors.py makes: run it and commit the result",
    )


def check_doc(vectors: dict) -> int:
    """The cookies docs/format.md shows are vectors, and so is each plaintext it gives."""
    doc = (make_vectors.ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    cookies = {vector["cookie"]: vector for vector in vectors["cookies"]}
    shown = re.findall(r"^(v2\.[\w-]{40,}|[\w%]{40,}%3B[\w%]+)$", doc, re.M)
    for cookie in shown:
        vector = cookies.get(cookie)
        expect(vector is not None, f"docs/format.md shows a cookie that is no vector: {cookie}")
        if vector:
            plaintext = vector["sealed"]["plaintext"]
            expect(f"plaintext {plaintext}" in doc, f"docs/format.md: the plaintext of {vector['name']}")
    expect(len(shown) >= 2, "docs/format.md shows its example cookies")
    return len(shown)


def keys_of(vectors: dict, labels) -> list[bytes]:
    return [bytes.fromhex(vectors["keys"][label]["hex"]) for label in labels]


def same_opened(opened: kss.Opened, expected: dict, name: str) -> None:
    got = {"session": opened.session, "token": opened.token, "stale": opened.stale, "adopted": opened.adopted}
    expect(got == expected, f"{name}: opened to {got}, expected {expected}")


def resealed(vectors: dict, sealed: dict, cookie_name: str) -> str | None:
    """The value the package wrote for `sealed`, sealed again here with its nonce."""
    if sealed["by"] != "package":
        return None
    key = keys_of(vectors, [sealed["key"]])[0]
    nonce, token, json_text = bytes.fromhex(sealed["nonce"]), sealed["token"], sealed["json"].encode()
    if sealed["format"] == "compact":
        return kss.seal_compact(key, cookie_name, token, json_text, nonce)
    if sealed["format"] == "legacy":
        return kss.seal_legacy(key, cookie_name, token, json_text, nonce)
    return kss.seal_store_value(key, token, json_text, nonce)


def check_vectors(vectors: dict) -> int:
    count = 0
    for entry in vectors["subkeys"]:
        key = keys_of(vectors, [entry["key"]])[0]
        expect(kss.subkey(key, entry["purpose"], entry["name"]).hex() == entry["subkey"], f"subkey {entry}")
    for label, entry in vectors["keys"].items():
        expect(kss.key_id(bytes.fromhex(entry["hex"])).hex() == entry["key_id"], f"key id of {label}")
    for entry in vectors["tokens"]:
        token = kss.make_token(bytes.fromhex(entry["session_id_hex"]), entry["issued_at"], entry["user_since"])
        expect(
            token == entry["token"] and kss.token_times(token) == (entry["issued_at"], entry["user_since"]),
            f"token {entry}",
        )
    for entry in vectors["legacy_tags"]:
        key = keys_of(vectors, [entry["key"]])[0]
        expect(kss.legacy_tag(entry["token"].encode(), key, entry["cookie_name"]) == entry["tag"], f"tag {entry}")

    for vector in vectors["cookies"]:
        name, keys = vector["name"], keys_of(vectors, vector["keys"])
        try:
            same_opened(kss.open_value(vector["cookie"], keys, vector["cookie_name"]), vector["opens"], name)
        except kss.Refused as err:
            failures.append(f"{name}: refused: {err}")
        again = resealed(vectors, vector["sealed"], vector["cookie_name"])
        expect(again in (None, vector.get("written", vector["cookie"])), f"{name}: sealed again to {again}")
        count += 1
    for vector in vectors["split"]:
        name, keys, cookies = vector["name"], keys_of(vectors, vector["keys"]), dict(vector["cookies"])
        try:
            opened = kss.open_cookies(cookies.get, keys, vector["cookie_name"], vector["max_cookies"])
            same_opened(opened, vector["opens"], name)
        except kss.Refused as err:
            failures.append(f"{name}: refused: {err}")
        room = vector["room"]
        parts = kss.split(vector["value"], lambda index, room=room: room, vector["max_cookies"])
        expect(parts == [value for _, value in vector["cookies"]], f"{name}: laid out differently")
        expect(resealed(vectors, vector["sealed"], vector["cookie_name"]) == vector["value"], f"{name}: sealed again")
        count += 1
    for vector in vectors["store"]:
        name, keys = vector["name"], keys_of(vectors, vector["keys"])
        expect(
            kss.store_keys(keys, vector["cookie_name"], vector["store_id"]) == vector["store_keys"],
            f"{name}: store keys",
        )
        try:
            opened = kss.open_store_value(vector["value"], keys, vector["store_id"], vector["cookie_name"])
            same_opened(opened, vector["opens"], name)
        except kss.Refused as err:
            failures.append(f"{name}: refused: {err}")
        expect(resealed(vectors, vector["sealed"], vector["cookie_name"]) == vector["value"], f"{name}: sealed again")
        count += 1

    for vector in vectors["refused"]:
        name, keys, want = vector["name"], keys_of(vectors, vector["keys"]), vector["refused"]
        try:
            if "cookies" in vector:
                cookies = dict(vector["cookies"])
                kss.open_cookies(cookies.get, keys, vector["cookie_name"], vector["max_cookies"])
            elif "store_value" in vector:
                kss.open_store_value(vector["store_value"], keys, vector["store_id"], vector["cookie_name"])
            else:
                kss.open_value(vector["cookie"], keys, vector["cookie_name"])
            failures.append(f"{name}: opened, but must be refused with {want['code']}")
        except kss.Refused as err:
            got = (err.code, err.reason)
            expect(
                got == (want["code"], want["reason"]) and want["detail"] in str(err),
                f"{name}: refused with {err}, expected {want['code']} ({want['reason']}): {want['detail']}",
            )
        count += 1
    return count


def check_key_derivation(vectors: dict) -> None:
    for entry in vectors["key_derivation"]:
        key = pwhash.argon2id.kdf(
            32,
            entry["secret"].encode(),
            base64.b64decode(entry["salt_base64"]),
            opslimit=pwhash.argon2id.OPSLIMIT_MODERATE,
            memlimit=pwhash.argon2id.MEMLIMIT_MODERATE,
        )
        expect(key.hex() == entry["key_hex"], f"key derivation with salt {entry['salt_base64']}")


def check_with_package() -> int:
    """Cookies sealed here open in the package, and the package's open here."""
    old, new = os.urandom(32), os.urandom(32)
    name = "__Host-interop"
    sessions = [
        {"views": 1, "text": "a;b%c=d+e/f é 中文 🎉", "_expire": 4102444800000, "_maxAge": 86400000},
        {"cart": [{"sku": f"SKU-{i}", "note": "größe ä+ö=ü"} for i in range(60)]},
    ]
    to_open = []
    for index, session in enumerate(sessions):
        token = kss.make_token(os.urandom(16), int(time.time() * 1000), 0 if index else 1_764_600_123_456)
        json_text = kss.dumps(session).encode()
        for seal in (kss.seal_compact, kss.seal_legacy):
            for key in (new, old):
                value = seal(key, name, token, json_text, os.urandom(24))
                expected = {"session": session, "token": token, "stale": key is old, "adopted": False}
                if len(value) <= 2000:
                    to_open.append({"kind": "cookie", "cookie": value, "expected": expected})
                else:
                    parts = kss.split(value, lambda i: 2000, 5)
                    cookies = [[kss.part_name(name, i), part] for i, part in enumerate(parts)]
                    to_open.append({"kind": "cookies", "cookies": cookies, "max_cookies": 5, "expected": expected})
        plain = kss.seal_like_koa_encrypted_session(old, json_text, nonce := os.urandom(24))
        to_open.append(
            {
                "kind": "cookie",
                "cookie": plain,
                "expected": {
                    "session": session,
                    "token": kss.adopted_token(nonce, old, name),
                    "stale": True,
                    "adopted": True,
                },
            }
        )
        store_id = token[: kss.ID_CHARS]
        value = kss.seal_store_value(old, token, kss.store_json(store_id, name, kss.dumps(session)), os.urandom(24))
        to_open.append(
            {
                "kind": "store",
                "value": value,
                "store_id": store_id,
                "store_keys": kss.store_keys([new, old], name, store_id),
                "expected": {"session": session, "token": token, "stale": True, "adopted": False},
            }
        )
    request = {
        "keys": [base64.b64encode(new).decode(), base64.b64encode(old).decode()],
        "name": name,
        "open": to_open,
        "seal": sessions,
    }
    node = os.environ.get("KSS_NODE", "node")
    result = subprocess.run(
        [node, str(HERE / "package.mjs")], input=json.dumps(request), capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0:
        failures.append(f"package.mjs failed ({result.returncode}): {result.stderr.strip()}")
        return 0
    answer = json.loads(result.stdout)
    for case, got in zip(to_open, answer["opened"], strict=True):
        expect(
            got == case["expected"],
            f"the package opened a {case['kind']} sealed here to {got}, expected {case['expected']}",
        )
    keys = [new, old]
    for sealed in answer["sealed"]:
        session, fmt = sealed["session"], sealed["format"]
        try:
            if fmt == "store":
                opened = kss.open_store_value(sealed["value"], keys, sealed["store_id"], name)
                expect(opened.token == sealed["token"], "a store value the package sealed: token")
            else:
                opened = kss.open_cookies(dict(sealed["cookies"]).get, keys, name, 5)
            expect(
                opened.session == session
                and not opened.stale
                and not opened.adopted
                and kss.is_token(opened.token.encode()),
                f"a {fmt} value the package sealed opened to {opened}",
            )
        except kss.Refused as err:
            failures.append(f"a {fmt} value the package sealed was refused here: {err}")
    return len(to_open) + len(answer["sealed"])


def main() -> int:
    started = time.monotonic()
    vectors = json.loads(make_vectors.VECTORS.read_text(encoding="utf-8"))
    check_generated()
    count = check_vectors(vectors)
    print(f"python reader: {count} vectors of docs/vectors.json checked")
    print(f"python reader: {check_doc(vectors)} example cookies of docs/format.md are vectors")
    check_key_derivation(vectors)
    print(f"python reader: {len(vectors['key_derivation'])} Argon2id key derivations checked")
    crossed = check_with_package()
    print(f"python reader: {crossed} values crossed between this reader and the package")
    if failures:
        print(f"\n{len(failures)} failures:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    print(f"python reader: all checks passed in {time.monotonic() - started:.1f} s (PyNaCl {nacl.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
