"""The answer plan: what the reply must say, built from the conversation, the order and the shop's facts."""
