"""Code the tests share, one module a concern; tests import it as ``from tests.support.<module> import …``."""
