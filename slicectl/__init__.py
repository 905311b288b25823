"""slicectl: deep-RL experiment runner for 5G RAN slicing."""
__version__ = "0.1.0"
