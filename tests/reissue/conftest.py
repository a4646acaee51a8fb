"""Fixtures for 换发 / 补发 and branches: the workflows' registered agencies and case bodies."""

from tests.workflows.conftest import bodies, case_in, registered  # noqa: F401 (fixtures)
