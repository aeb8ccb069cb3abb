"""Fail unless every analytics module has at least 90 % line coverage (spec 7.4), from coverage's JSON report."""

from __future__ import annotations

import json
import sys

ANALYTICS = (
    "metrics",
    "stats",
    "rankings",
    "health",
    "churn",
    "retention",
    "revenue",
    "forecast",
    "anomaly",
    "insights",
)
THRESHOLD = 90.0


def main(path: str = "coverage.json") -> int:
    with open(path, encoding="utf-8") as fh:
        files = json.load(fh)["files"]
    short = []
    for name in ANALYTICS:
        key = next((k for k in files if k.replace("\\", "/").endswith(f"thrive_analytics/{name}.py")), None)
        percent = files[key]["summary"]["percent_covered"] if key else 0.0
        print(f"  {name:<10} {percent:5.1f}%")
        if percent < THRESHOLD:
            short.append(f"{name} ({percent:.1f}%)")
    if short:
        print(
            f"Error: analytics modules under {THRESHOLD:.0f}% line coverage: {', '.join(short)}.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
