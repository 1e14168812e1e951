"""Input channels: REST (web page), Telegram and WeChat, with shared safety checks."""
