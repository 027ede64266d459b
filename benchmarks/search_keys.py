"""How fast is the search key on city-like text, against its definition?

Run from the project root::

    .venv/bin/python benchmarks/search_keys.py               # 20,000 rows, best of 5
    .venv/bin/python benchmarks/search_keys.py --rows 100000 --repeat 3

It keys the names and descriptions of the city-like rows of ``import_speed.py``
(full-width forms, 「」, katakana, notes: what an import keys for every project)
two ways in one process, each the best of ``--repeat``:

- ``budgets.text.search_key``, the character table (``search_fold``) where no
  character reacts with its neighbours;
- the definition on each whole text (look-alikes fixed, NFKC, casefold, katakana to
  hiragana, single spaces): the baseline.

It checks the two agree on every text, and prints both, their ratio, and how long
the character table took to build on first use (a process pays it once).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_speed import ROOT, generate_rows


def best_of(repeat: int, key, texts: list[str]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            key(text)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from budgets import text

    def definition(s: str) -> str:
        return " ".join(text._key_by_definition(s).split())

    rows = generate_rows(args.rows)
    texts = [row.name for row in rows] + [row.description for row in rows]
    started = time.perf_counter()
    text.search_fold()
    built = time.perf_counter() - started
    wrong = [t for t in texts if text.search_key(t) != definition(t)]
    if wrong:
        raise SystemExit(f"{len(wrong)} texts keyed unlike the definition: {wrong[:3]}")
    fast = best_of(args.repeat, text.search_key, texts)
    slow = best_of(args.repeat, definition, texts)
    print(f"{len(texts):,} names and descriptions of {args.rows:,} city-like rows,")
    print(f"best of {args.repeat}; load average {os.getloadavg()[0]:.2f}")
    print(f"  search_key (the character table)   {fast:6.3f} s")
    print(f"  the definition (the baseline)      {slow:6.3f} s")
    print(f"  ratio                              {fast / slow:6.2f}x")
    print(f"  the character table, built once    {built:6.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
