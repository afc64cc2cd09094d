"""ProperDocs: the MkDocs build and kb plugin, run by ProperDocs in a child interpreter."""
