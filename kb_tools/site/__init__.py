"""Stage 5: each page's Markdown and HTML pieces, the generated pages, exports and the site's assets."""
