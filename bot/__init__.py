"""反诈助手 core: knowledge store, text checks and channels."""
