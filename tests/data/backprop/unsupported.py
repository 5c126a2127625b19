# Code outside the supported subset: every such line must be reported "not checked"
# with its line number, never guessed at. Lines 12, 16, 19-20 and 22 are outside.
import numpy as np

Z1 = W1 @ X + b1
A1 = np.tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = 1 / (1 + np.exp(-Z2))
J = np.sum((A2 - Y) ** 2)
dA2 = 2 * (A2 - Y)
dZ2 = dA2 * A2 * (1 - A2)
dW2 = np.einsum("ik,jk->ij", dZ2, A1)
db2 = np.sum(dZ2, axis=1, keepdims=True)
dA1 = W2.T @ dZ2
dZ1 = dA1 * (1 - A1 ** 2)
print("cost", J)
dW1 = dZ1 @ X.T
db1 = np.sum(dZ1, axis=1, keepdims=True)
if clip:
    db1 = np.clip(db1, -1, 1)
W2 -= lr * dW2
dW1 = dW1[0]
