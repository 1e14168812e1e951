"""反诈助手 core, grouped by where the code runs: `rasa_server/` (Rasa server only), `text/` (both
servers), `knowledge/` and `replies/` (action server), `ops/` (command line), `settings.py` (all)."""
