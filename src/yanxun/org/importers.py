"""School and teacher importers (registered with the core import framework)."""
