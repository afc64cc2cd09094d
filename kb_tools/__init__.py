"""kb_tools: build and check an evidence knowledge base."""

__version__ = "0.1.0"
