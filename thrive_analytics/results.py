"""JSON-ready results: one converter for every typed result in the package.

``jsonable(value)`` walks dataclasses, mappings, sequences, DataFrames and Series without copying them
(``dataclasses.asdict`` deep-copies, which costs more than computing a 500-client answer) and returns plain
Python: NaN and infinity become None, Decimal money becomes a float rounded to cents, numpy scalars become
Python numbers, dates become ISO strings, anything else its ``str``; dataclass fields with metadata
``{"json": False}`` (:data:`HIDDEN`) are left out. ``json.dumps(jsonable(x), allow_nan=False)`` always works.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pandas as pd

CENT = Decimal("0.01")
HIDDEN = {"json": False}  # dataclass field metadata: not part of the JSON form (models, frames)


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)  # HIDDEN fields (fitted models, frames) stay out
        }
    if isinstance(value, Decimal):  # money: rounded half-even to cents in Decimal, then a float
        return float(value.quantize(CENT, ROUND_HALF_EVEN)) if value.is_finite() else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict("records")]
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if value is pd.NA or value is pd.NaT:  # before the date checks: NaT is a datetime
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


class JsonResult:
    """Mixin for result dataclasses: ``to_dict()`` is :func:`jsonable` of the instance."""

    def to_dict(self) -> dict:
        return jsonable(self)
