"""One package per paper. Each ``__init__`` declares the paper to the
registry (slicectl/registry.py); the core finds them there and never imports
a paper by name. A paper imports only the core, never another paper."""
