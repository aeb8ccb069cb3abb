"""Batch writes: executemany on SQLite, COPY on PostgreSQL. Never row by row through ORM objects.

``write_frame`` takes a DataFrame whose columns are columns of the table, converts each column to what the
backend stores (dates as ISO text and money as integer cents on SQLite, CSV text for COPY on PostgreSQL) and
writes it inside the caller's transaction, so a failed batch leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Connection, Date, DateTime, Table
from sqlalchemy.types import JSON

from ..exceptions import DataValidationError
from .types import Fixed

_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _is_missing(value: Any) -> bool:
    return (
        value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))
    )


def _column_values(series: pd.Series, coltype, dialect: str) -> list:
    """One column as a list of Python values the driver accepts for ``dialect``."""
    if isinstance(coltype, Fixed):
        return [None if _is_missing(v) else coltype.to_storage(v, dialect) for v in series.tolist()]
    if isinstance(coltype, DateTime):
        values = pd.to_datetime(series, utc=True)
        if dialect == "sqlite":
            text = values.dt.tz_convert(None).dt.strftime(_SQLITE_DATETIME)
            return [None if _is_missing(v) else v for v in text.tolist()]
        return [None if _is_missing(v) else v.to_pydatetime() for v in values.tolist()]
    if isinstance(coltype, Date):
        values = series.dt.date if pd.api.types.is_datetime64_any_dtype(series) else series
        if dialect == "sqlite":
            # Convert each distinct date once: metric tables repeat a few hundred dates millions of times.
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            iso = [u.isoformat() if isinstance(u, dt.date) else str(u) for u in uniques]
            lookup = np.array([*iso, None], dtype=object)
            return lookup[codes].tolist()
        return [None if _is_missing(v) else v for v in values.tolist()]
    if isinstance(coltype, Boolean):
        return [None if _is_missing(v) else bool(v) for v in series.tolist()]
    if isinstance(coltype, JSON):
        return [None if v is None else json.dumps(v, sort_keys=True) for v in series.tolist()]
    if series.dtype.kind == "f":
        return [None if _is_missing(v) else v for v in series.tolist()]
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        return [None if _is_missing(v) else v for v in series.tolist()]
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return [None if _is_missing(v) else v for v in series.astype(object).tolist()]
    return series.tolist()


def _check_columns(table: Table, frame: pd.DataFrame) -> None:
    unknown = [c for c in frame.columns if c not in table.c]
    if unknown:
        raise DataValidationError(
            f"Cannot write to {table.name}: unknown column(s) {', '.join(map(str, unknown))}; "
            f"the table has {', '.join(table.c.keys())}."
        )

    def generated(column) -> bool:  # a single-column integer primary key the database numbers itself
        return (
            column.primary_key
            and len(table.primary_key.columns) == 1
            and column.autoincrement in (True, "auto")
        )

    missing = [
        c.name
        for c in table.c
        if not c.nullable and c.server_default is None and not generated(c) and c.name not in frame.columns
    ]
    if missing:
        raise DataValidationError(
            f"Cannot write to {table.name}: required column(s) {', '.join(missing)} missing."
        )


def write_frame(conn: Connection, table: Table, frame: pd.DataFrame, chunk_rows: int = 100_000) -> int:
    """Insert every row of ``frame`` into ``table`` in the caller's transaction; return the row count."""
    if frame.empty:
        return 0
    _check_columns(table, frame)
    dialect = conn.dialect.name
    names = list(frame.columns)
    total = 0
    for start in range(0, len(frame), chunk_rows):
        part = frame.iloc[start : start + chunk_rows]
        columns = [_column_values(part[name], table.c[name].type, dialect) for name in names]
        rows = list(zip(*columns, strict=True))
        if dialect == "postgresql":
            _copy_rows(conn, table, names, rows)
        else:
            placeholders = ", ".join("?" for _ in names)
            sql = f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({placeholders})'
            conn.exec_driver_sql(sql, rows)
        total += len(rows)
    return total


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date | Decimal):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    text = str(value)
    if any(ch in text for ch in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_rows(conn: Connection, table: Table, names: list[str], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(v) for v in row))
        buffer.write("\n")
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({", ".join(names)}) FROM STDIN') as copy:
        copy.write(buffer.getvalue())


def reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """After writing explicit ids on PostgreSQL, move each identity sequence past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'GREATEST((SELECT COALESCE(MAX(id), 0) FROM "{table.name}"), 1))'
            )
