"""A two-layer network written as a function body with `@`, a ReLU hidden layer,
a sigmoid output and the mean squared error as an explicit cost. Correct."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_step(X, Y, W1, b1, W2, b2, lr):
    m = X.shape[1]
    Z1 = W1 @ X + b1
    A1 = np.maximum(0, Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    cost = np.sum((A2 - Y) ** 2) / m

    dA2 = 2 * (A2 - Y) / m
    dZ2 = dA2 * A2 * (1 - A2)
    dW2 = dZ2 @ A1.T
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    dW1 = dZ1 @ X.T
    db1 = np.sum(dZ1, axis=1, keepdims=True)

    W1 = W1 - lr * dW1
    b1 = b1 - lr * db1
    W2 = W2 - lr * dW2
    b2 = b2 - lr * db2
    return W1, b1, W2, b2, cost
