"""One module per ``kb`` verb; each is a thin adapter over kb_tools' stages."""
