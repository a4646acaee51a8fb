"""The case builders of tests/workflows (a case of any workflow in any state)."""

from tests.workflows.conftest import bodies, case_in, registered  # noqa: F401
