"""Checks that docs/ARCHITECTURE.md's crate graph says what the Cargo.toml files say.

Reads `cargo metadata` on standard input and the block between <!-- crate-graph --> markers;
prints every difference and exits 1 when there is one.
"""
import json
import re
import sys

meta = json.load(sys.stdin)
members = {p["name"]: p for p in meta["packages"] if p["id"] in meta["workspace_members"]}
actual = {
    name: sorted({d["name"] for d in p["dependencies"] if d["name"] in members and d["kind"] is None})
    for name, p in members.items()
}
doc = open("docs/ARCHITECTURE.md", encoding="utf-8").read()
block = re.search(r"<!-- crate-graph -->\s*```\n(.*?)```", doc, re.S)
if not block:
    sys.exit("docs/ARCHITECTURE.md has no crate-graph block")
written = {}
for line in block.group(1).splitlines():
    name, _, deps = line.partition("→")
    written[name.strip()] = sorted(d.strip() for d in deps.split(",") if d.strip())
problems = []
for name in sorted(set(actual) | set(written)):
    if actual.get(name) != written.get(name):
        problems.append(f"{name}: Cargo.toml says {actual.get(name)}, ARCHITECTURE.md says {written.get(name)}")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
