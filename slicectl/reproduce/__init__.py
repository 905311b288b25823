"""`slicectl reproduce`: a paper's headline claims, measured.

Each paper's package holds a ``claims.yaml`` (``spec``): the runs its claims
need, and each claim as data (the paper's table or figure, its numbers,
the arms, the metric and the comparison). ``plan`` runs what is missing
through Hydra's launcher, ``measure`` and ``stats`` judge every claim on
paired seeds, ``figures`` and ``write`` put the result on disk."""
