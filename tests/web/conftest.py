"""The features' fixtures, so the document's schemas can be checked against real answers."""

from tests.annual_reports.conftest import licensed, officer, report  # noqa: F401 (fixtures)
from tests.job_fairs.conftest import register  # noqa: F401 (fixture)
from tests.revocations.conftest import registry  # noqa: F401 (fixture)
from tests.workflows.conftest import bodies, case_in, registered  # noqa: F401 (fixtures)
