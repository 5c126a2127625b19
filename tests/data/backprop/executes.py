# If this file were ever executed or imported, it would fail loudly: the checker must
# read it only. (The first statement raises; the import does not exist.)
raise SystemExit("derive check-code executed the file it checks")
import derive_checkcode_must_not_import_this  # noqa: F401
import numpy as np

Z = W @ X + b
A = np.tanh(Z)
J = np.sum((A - Y) ** 2)
dA = 2 * (A - Y)
dZ = dA * (1 - A ** 2)
dW = dZ @ X.T
db = np.sum(dZ, axis=1, keepdims=True)
