"""The package's one JSON converter: every result type becomes JSON-safe Python."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd

from thrive_analytics.results import HIDDEN, JsonResult, jsonable


def test_json_conversion_of_odd_values():
    from types import MappingProxyType

    value = {
        "numpy": np.float64(0.5),
        "nan": np.float64("nan"),
        "decimal_nan": Decimal("NaN"),
        "decimal": Decimal("12.30"),
        "mapping": MappingProxyType({"a": float("inf")}),
        "when": pd.Timestamp("2026-06-30"),
        1: (np.int64(3), None),
    }
    assert jsonable(value) == {
        "numpy": 0.5,
        "nan": None,
        "decimal_nan": None,
        "decimal": 12.3,
        "mapping": {"a": None},
        "when": "2026-06-30T00:00:00",
        "1": [3, None],
    }


@dataclasses.dataclass
class _Example(JsonResult):
    amount: Decimal
    when: dt.date
    frame: pd.DataFrame = dataclasses.field(default=None, metadata=HIDDEN)
    rows: object = None


def test_dataclasses_money_hidden_fields_and_frames():
    example = _Example(
        Decimal("10.005"), dt.date(2026, 6, 30), pd.DataFrame({"a": [1]}), pd.DataFrame({"x": [np.nan]})
    )
    data = example.to_dict()
    assert data == {
        "amount": 10.0,
        "when": "2026-06-30",
        "rows": [{"x": None}],
    }  # half-even to cents; frame hidden
    json.dumps(data, allow_nan=False)
    assert jsonable(pd.Series({"a": np.int64(2)})) == {"a": 2}
    assert jsonable(np.array([1.5, np.inf])) == [1.5, None]
    assert jsonable(pd.NaT) is None and jsonable(complex(1, 2)) == "(1+2j)"
