"""Reply formatting for the action server: the lost-money report and list helpers."""
