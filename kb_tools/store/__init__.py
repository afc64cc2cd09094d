"""What kb keeps on disk and runs beside: atomic files, caches and memos, background jobs, progress."""
