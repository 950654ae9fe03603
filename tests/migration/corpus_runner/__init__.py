"""Running legacy_corpus's call sites: the machinery behind tests/migration/test_corpus_runs.py."""
