"""Beanie documents and the pure domain rules that belong to them.

Nothing here imports from ``app`` or ``resolvers``.
"""
