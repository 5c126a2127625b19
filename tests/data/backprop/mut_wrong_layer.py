# mlp_dot.py with one mutation on line 25: W1 where W2 belongs.
# (generated; the other lines are unchanged)
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def d_sigmoid(z):
    s = sigmoid(z)
    return s * (1 - s)


Z1 = W1.dot(X) + B1
A1 = sigmoid(Z1)
Z2 = W2.dot(A1) + B2
A2 = sigmoid(Z2)
J = np.sum((A2 - y) ** 2)

dA2 = 2 * (A2 - y)
dZ2 = dA2 * d_sigmoid(Z2)
dW2 = dZ2.dot(A1.T)
dB2 = np.sum(dZ2, axis=1, keepdims=True)
dZ1 = W1.T.dot(dZ2) * d_sigmoid(Z1)
dW1 = dZ1.dot(X.T)
dB1 = np.sum(dZ1, axis=1, keepdims=True)
W1 -= dW1 * lr
B1 -= dB1 * lr
W2 -= dW2 * lr
B2 -= dB2 * lr
