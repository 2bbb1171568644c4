"""Email's words: the templates (text and HTML, in the recipient's language) and the message
the relay sends. Imports nothing of the API or persistence, so the workers may import it."""
