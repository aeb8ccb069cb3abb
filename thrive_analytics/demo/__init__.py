"""Deterministic demo data for the warehouse (see :mod:`thrive_analytics.demo.generator`)."""

from .generator import DemoSummary, generate_demo, org_slugs

__all__ = ["DemoSummary", "generate_demo", "org_slugs"]
