"""The only code that talks to AWS: repositories, mail, storage. Each translates AWS errors into
``civicdesk.domain.errors``."""
