"""Answering a reader's query from the claim index: parsing, matching, ranking, facets, results."""
