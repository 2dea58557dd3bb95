"""The algorithms, one module each; they see objectives and penalties, never the policy or an estimator."""
