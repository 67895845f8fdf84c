"""Proactive drafts: messages the agent sends first (催付, shipping notice, address check, COD, 回访, review reply)."""
