"""Inboxes agents already use (Chatwoot): kefu's drafts delivered where the agent works."""
