"""Stage 6: the staged site and index swapped in for the live ones, and what kb may replace."""
