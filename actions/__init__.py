"""Custom actions of 反诈助手, served by the rasa-sdk action server."""
