"""Operator tools behind the CLI: pushing documents in, inspecting and replaying dead letters."""
