#!/usr/bin/env python3
"""Checks that every C++ snippet in docs/ is compiled code.

Each ```cpp block in a Markdown file must follow a marker line
    <!-- snippet: examples/FILE.cpp#NAME -->
and equal the region of that file between the comment lines `// [NAME]`
and `// [end]`, with its common indentation removed. Code blocks without a
language are refused, so that no C++ escapes the check.

Usage: check_snippets.py ROOT [--write]
  --write  rewrites the blocks from the sources instead of checking them.
Exits non-zero, naming each mismatch.
"""
import pathlib
import re
import sys
import textwrap

root = pathlib.Path(sys.argv[1])
write = "--write" in sys.argv[2:]
marker = re.compile(r"<!-- snippet: (\S+)#(\S+) -->")
failures = []
checked = 0


def region(path, name):
    lines = (root / path).read_text().splitlines()
    stripped = [x.strip() for x in lines]
    try:
        start = stripped.index(f"// [{name}]") + 1
        end = stripped.index("// [end]", start)
    except ValueError:
        return None
    return textwrap.dedent("\n".join(lines[start:end])).splitlines()


for doc in sorted((root / "docs").glob("*.md")):
    lines = doc.read_text().splitlines()
    out = []
    i = 0
    fences_seen = 0
    while i < len(lines):
        line = lines[i]
        where = f"{doc.relative_to(root)}:{i + 1}"
        if not line.strip().startswith("```"):
            out.append(line)
            i += 1
            continue
        opening = fences_seen % 2 == 0
        fences_seen += 1
        out.append(line)
        i += 1
        if not opening:
            continue
        if line.strip() == "```":
            failures.append(f"{where}: code block without a language")
            continue
        if line.strip() != "```cpp":
            continue
        end = lines.index("```", i)
        block = lines[i:end]
        m = marker.match(lines[i - 2].strip()) if i >= 2 else None
        expected = region(m.group(1), m.group(2)) if m else None
        if not m:
            failures.append(f"{where}: C++ block without a snippet marker")
        elif expected is None:
            failures.append(f"{where}: no region [{m.group(2)}] in {m.group(1)}")
        elif block != expected and not write:
            failures.append(f"{where}: differs from {m.group(1)}#{m.group(2)}")
        checked += 1
        out.extend(expected if (write and expected is not None) else block)
        i = end
    if write:
        doc.write_text("\n".join(out) + "\n")

for f in failures:
    print(f)
print(f"{checked} snippets {'written' if write else 'checked'}, {len(failures)} problems")
sys.exit(1 if failures or checked == 0 else 0)
