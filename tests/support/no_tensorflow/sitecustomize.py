"""On PYTHONPATH, hides TensorFlow from a process: `import tensorflow` fails and
`importlib.util.find_spec("tensorflow")` says None, as if it were not installed.

Tests put this folder first on PYTHONPATH to show a JAX or PyTorch run needs no TensorFlow.
"""

import sys

sys.modules["tensorflow"] = None  # the import system's own "not available" marker
