"""The ``bulkreg`` command: its entry point, the HTTP client that submits and follows jobs,
and the operator's commands (onboarding, exposure reports)."""
