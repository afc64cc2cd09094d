"""Stage 3: each page's citations found and formatted with pandoc in the KB's CSL style."""
