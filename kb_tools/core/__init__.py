"""The records, finding codes, grades and small rules every stage shares; imports nothing else of kb_tools."""
