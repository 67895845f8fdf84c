"""Feedback that teaches the shop: what kefu drafted, what the agent sent, and the reports built on both."""
