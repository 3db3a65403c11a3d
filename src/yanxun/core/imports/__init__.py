"""The import framework (see framework.py)."""
