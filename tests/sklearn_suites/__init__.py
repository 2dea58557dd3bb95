"""scikit-learn's own test suites run against our estimators (issue #13)."""
