"""Format readers: each turns one file into Drafts and reports problems through a Sink."""
