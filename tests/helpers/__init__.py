"""Helpers shared by the tests: builders of data, clients that walk the workflow, the services some tests need.

Test modules import from here, never from each other; fixtures stay in the conftest.py files
(tests/test_architecture_tests.py holds the suite to that)."""
