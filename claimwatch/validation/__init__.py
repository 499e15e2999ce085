"""Validate staged releases with Great Expectations suites kept in expectations/ (write, audit, publish)."""

from claimwatch.validation.runner import Finding, ReleaseValidation, Validator
from claimwatch.validation.suites import SuiteFile, expectations_dir, load_suites

__all__ = ["Finding", "ReleaseValidation", "SuiteFile", "Validator", "expectations_dir", "load_suites"]
