"""Typed, JSON-ready answers to the spec's API questions, for one organisation at a time."""

from .alerts import AlertsAnswer, alerts
from .benchmarks import IndustryBenchmarks, industry_benchmarks
from .churn_risk import ChurnRiskAnswer, churn_risk
from .client import ClientAnalytics, client_analytics
from .compare import ClientComparison, compare_clients
from .cross_client import CrossClientAnalytics, cross_client
from .overview import ServiceProviderOverview, overview
from .revenue import RevenueAnswer, revenue

__all__ = [
    "AlertsAnswer",
    "ChurnRiskAnswer",
    "ClientAnalytics",
    "ClientComparison",
    "CrossClientAnalytics",
    "IndustryBenchmarks",
    "RevenueAnswer",
    "ServiceProviderOverview",
    "alerts",
    "churn_risk",
    "client_analytics",
    "compare_clients",
    "cross_client",
    "industry_benchmarks",
    "overview",
    "revenue",
]
