"""MkDocs with the kb plugin: the plugin, one build's state and the engine runner."""
