"""Stage 4: the Whoosh claim index, its schema and the process that writes it."""
