"""Plain text functions shared by the Rasa server and the action server: the traditional→simplified
normaliser, redaction, handover detection, red flags, message analysis and scam-type matching.

No Rasa, no I/O of their own: they read only the knowledge models they are given."""
