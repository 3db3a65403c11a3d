"""Sidebar entries of 师干训 (added by each part as its pages land)."""

from yanxun.training import rules  # noqa: F401
