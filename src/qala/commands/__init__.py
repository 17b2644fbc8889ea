"""The CLI's commands, one module each; ``qala.cli`` assembles them."""
