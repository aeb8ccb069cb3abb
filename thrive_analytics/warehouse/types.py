"""Column types that keep money and other fixed-point numbers exact on every backend.

PostgreSQL stores them as NUMERIC. SQLite has no exact decimal type (its NUMERIC affinity turns 12.34 into
a binary float), so there they are stored as scaled integers (cents for money) and come back as Decimal.
SUM() over a column keeps the column's type, so totals are exact on both backends.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator


class Fixed(TypeDecorator):
    """An exact decimal with ``scale`` digits after the point: NUMERIC on PostgreSQL, scaled integer on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 14, scale: int = 2):
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = 10**scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def to_decimal(self, value: Any) -> Decimal:
        if isinstance(value, float):
            value = repr(value)
        return Decimal(value).quantize(self._quantum, rounding=ROUND_HALF_EVEN)

    def to_storage(self, value: Any, dialect_name: str) -> Any:
        """The value as the backend stores it (used by the bulk writer as well as by bind processing)."""
        if value is None:
            return None
        exact = self.to_decimal(value)
        if dialect_name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def process_bind_param(self, value, dialect):
        return self.to_storage(value, dialect.name)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):  # AVG() and friends: round back to the column's scale
                return self.to_decimal(value / self._factor)
            return Decimal(int(value)).scaleb(-self.scale)
        return self.to_decimal(value)

    @property
    def python_type(self):
        return Decimal


def Money() -> Fixed:
    """Money: two decimal places, exact."""
    return Fixed(14, 2)


JSONType = JSON().with_variant(JSONB(), "postgresql")
