"""Stage 2: every claim and source judged against the editorial policy, into a ``Report``."""
