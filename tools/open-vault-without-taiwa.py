#!/usr/bin/env python3
"""Open a Taiwa vault with the passphrase and no Taiwa code: the proof that nobody is locked in.

Follows docs/SECURITY.md ("Opening a vault without Taiwa") step by step, using only standard,
independent libraries: argon2-cffi (Argon2id), cryptography (AES-256-GCM) and sqlcipher3
(SQLCipher 4). Reads the passphrase from TAIWA_PASSPHRASE (never from an argument), then runs the
SQL given on the command line, or lists the tables and their row counts.

    pip install argon2-cffi cryptography sqlcipher3-binary
    TAIWA_PASSPHRASE=… python3 tools/open-vault-without-taiwa.py VAULT_DIR ["SELECT body FROM notes"]
"""

import base64
import hashlib
import json
import os
import sys
import unicodedata

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlcipher3 import dbapi2 as sqlcipher


def unwrap_data_key(key_file_bytes: bytes, passphrase: str) -> bytes:
    text = key_file_bytes.decode("utf-8")
    json_line, sum_line = text.split("\n")[0], text.split("\n")[1]
    # Line 2 is "sha256:" + hex SHA-256 of line 1.
    if sum_line != "sha256:" + hashlib.sha256(json_line.encode("utf-8")).hexdigest():
        raise SystemExit("the key file is damaged: its checksum does not match")
    body = json.loads(json_line)
    assert body["format"] == "taiwa-vault-key" and body["version"] == 1, body["format"]
    slot = next(s for s in body["slots"] if s["kind"] == "passphrase")
    kdf = slot["kdf"]
    assert kdf["name"] == "argon2id" and kdf["version"] == 19
    kek = hash_secret_raw(
        secret=unicodedata.normalize("NFC", passphrase).encode("utf-8"),
        salt=base64.b64decode(kdf["salt"]),
        time_cost=kdf["t_cost"],
        memory_cost=kdf["m_cost_kib"],
        parallelism=kdf["p_cost"],
        hash_len=32,
        type=Type.ID,
        version=19,
    )
    aad = f"taiwa-vault-key/v{body['version']}/{body['vault_id']}/passphrase".encode("utf-8")
    try:
        return AESGCM(kek).decrypt(base64.b64decode(slot["nonce"]), base64.b64decode(slot["wrapped"]), aad)
    except Exception:
        raise SystemExit("wrong passphrase")


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    vault = sys.argv[1]
    passphrase = os.environ.get("TAIWA_PASSPHRASE")
    if passphrase is None:
        raise SystemExit("set TAIWA_PASSPHRASE")
    with open(os.path.join(vault, "vault.key"), "rb") as f:
        data_key = unwrap_data_key(f.read(), passphrase)
    db = sqlcipher.connect(os.path.join(vault, "vault.db"))
    # The data key is a SQLCipher raw key; every other setting is SQLCipher 4's default.
    db.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    db.execute("PRAGMA cipher_compatibility = 4")
    if len(sys.argv) > 2:
        for row in db.execute(sys.argv[2]):
            print("\t".join("" if v is None else str(v) for v in row))
        return
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in tables:
        (count,) = db.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        print(f"{table}\t{count}")


if __name__ == "__main__":
    main()
