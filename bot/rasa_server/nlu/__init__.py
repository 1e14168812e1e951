"""Custom Rasa NLU components (loaded only by the Rasa server)."""
