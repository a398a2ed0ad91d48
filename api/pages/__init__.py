"""Server-rendered reviewer pages (Korean)."""
