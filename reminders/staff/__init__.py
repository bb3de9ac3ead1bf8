"""What staff see and what the service keeps for them: the attention list, data retention."""
