"""On PYTHONPATH, hides TensorFlow from a process: `import tensorflow` fails as if not installed.

Tests put this folder first on PYTHONPATH to show a JAX or PyTorch run needs no TensorFlow.
"""

import importlib.abc
import sys


class _NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)", name=name)
        return None


sys.meta_path.insert(0, _NoTensorFlow())
