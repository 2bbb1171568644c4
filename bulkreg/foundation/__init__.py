"""The bottom of the stack: settings, logs, metrics and the names of tasks and queues.
Every other part of bulkreg may import it; it imports nothing of the project."""
