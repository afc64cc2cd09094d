"""Stage 1: the KB's inputs read into records (BibTeX, findings records, pages, citations, conditions)."""
