"""Fees are paid for applications: the services tests' catalogue, citizen and reviewer serve here too."""

from tests.services.conftest import catalogue, holder, holder_api, reviewer, reviewer_api, run_on_commit_callbacks  # noqa: F401
