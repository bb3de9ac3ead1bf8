"""What patients send us by SMS: keywords and replies."""
