"""One module per `vitbench` subcommand, each exposing a click command named `command`."""
