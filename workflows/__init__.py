"""The case workflows: one engine and one module per case type (built on the foundation)."""
