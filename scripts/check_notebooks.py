"""Fail if a committed notebook carries outputs or execution counts (notebooks are committed clean)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def dirty_cells(path: Path) -> list[int]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        index
        for index, cell in enumerate(notebook.get("cells", []))
        if cell.get("cell_type") == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def main(folders: list[str]) -> int:
    bad = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            cells = dirty_cells(path)
            if cells:
                bad.append(f"{path} (cells {', '.join(map(str, cells))})")
    if bad:
        print(
            "Error: notebooks committed with outputs; clear them (jupyter nbconvert --clear-output --inplace): "
            + "; ".join(bad),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["notebooks"]))
