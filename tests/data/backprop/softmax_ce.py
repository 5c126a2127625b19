"""Softmax output with cross-entropy, written as `dZ2 = (A2 - Y) / m` and no cost line:
the checker must infer the mean cross-entropy. tanh hidden layer, `.sum` methods. Correct."""
import numpy as np


def softmax(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


m = X.shape[1]
Z1 = W1 @ X + b1
A1 = np.tanh(Z1)
Z2 = W2 @ A1 + b2
A2 = softmax(Z2)

dZ2 = (A2 - Y) / m
dW2 = dZ2 @ A1.T
db2 = dZ2.sum(axis=1, keepdims=True)
dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
dW1 = dZ1 @ X.T
db1 = dZ1.sum(axis=1, keepdims=True)
