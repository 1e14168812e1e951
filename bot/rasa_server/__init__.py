"""Code that runs inside the Rasa server (`rasa run`): channels, NLU components, tracker and lock
stores, the action-response check, screenshots and their OCR worker, the channels' shared state.

Imports Rasa (and so TensorFlow); the action server never imports this package."""
