"""Data terms: the linear models' (:mod:`.linear`) and the networks' (:mod:`.network`)."""
