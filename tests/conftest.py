"""Shared pytest setup: pytester runs the plugin and README examples in a subprocess."""

pytest_plugins = ["pytester"]
