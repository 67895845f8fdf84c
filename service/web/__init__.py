"""The pages kefu serves to people: the agent console and the knowledge editor (static files, no build step)."""
