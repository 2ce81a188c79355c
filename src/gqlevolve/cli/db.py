"""gqlevolve db commands (being written; see the module list in gqlevolve.cli)."""
