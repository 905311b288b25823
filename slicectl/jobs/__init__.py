"""One small module per job (floor 6): DictConfig in, run directory out."""
