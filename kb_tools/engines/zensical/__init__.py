"""Zensical: kb stages ``docs/`` with its generated pages and renders citations itself."""
