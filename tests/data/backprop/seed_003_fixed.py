# seed_003.py with its mistakes corrected; `derive check-code` must pass it.
# - `dA2 = 2(A2 - y)` -> `2 * (A2 - y)` (the gradient of the sum of squared errors);
# - `dZ2 = W1.T.dot(dA2) * d_sigmoid(Z2)` -> `dA2 * d_sigmoid(Z2)`;
# - the repeated block after the updates is dropped.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def d_sigmoid(z):
    s = sigmoid(z)
    return s * (1 - s)


# layer 1
Z1 = W1 @ X + B1
A1 = sigmoid(Z1)
# layer 2
Z2 = W2 @ A1 + B2
A2 = sigmoid(Z2)

dA2 = 2 * (A2 - y)
dZ2 = dA2 * d_sigmoid(Z2)
dW2 = dZ2.dot(A1.T)
dB2 = np.sum(dZ2, axis=1, keepdims=True)
dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)
dW1 = dZ1.dot(X.T)
dB1 = np.sum(dZ1, axis=1, keepdims=True)
W1 -= dW1 * lr
B1 -= dB1 * lr
W2 -= dW2 * lr
B2 -= dB2 * lr
