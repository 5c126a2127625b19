# The NumPy backprop program of seed 003_9db18c687e116490 (a blog post), reconstructed
# faithfully so that `derive check-code` can be tested on it. It is never run.
#
# * The forward pass (layer 1, layer 2) and the backward pass are copied verbatim from
#   the post, in its order, mistakes included: `dA2 = 2(A2 - y)` (maths notation; in
#   Python it calls the number 2) and `dZ2 = W1.T.dot(dA2) * d_sigmoid(Z2)`.
# * The post repeats the block from `dZ2 = ...` to `B2 -= dB2 * lr` a second time, after
#   the updates; that repetition is kept too (lines 43-52).
# * The post uses `sigmoid` and `d_sigmoid` without defining them ("the network we used
#   in the other blog"); the two helpers below are supplied from the post's own words,
#   dA2/dZ2 = A2(1 - A2). W1, B1, W2, B2, X, y and lr are the post's inputs.
# * The post's text defines J = (1/M) sum (A2 - y)^2 but the code has no cost line.
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

dA2 = 2(A2 - y)
dZ2 = W1.T.dot(dA2) * d_sigmoid(Z2)
dW2 = dZ2.dot(A1.T)
dB2 = np.sum(dZ2, axis=1, keepdims=True)
dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)
dW1 = dZ1.dot(X.T)
dB1 = np.sum(dZ1, axis=1, keepdims=True)
W1 -= dW1 * lr
B1 -= dB1 * lr
W2 -= dW2 * lr
B2 -= dB2 * lr
dZ2 = W1.T.dot(dA2) * d_sigmoid(Z2)
dW2 = dZ2.dot(A1.T)
dB2 = np.sum(dZ2, axis=1, keepdims=True)
dZ1 = W2.T.dot(dZ2) * d_sigmoid(Z1)
dW1 = dZ1.dot(X.T)
dB1 = np.sum(dZ1, axis=1, keepdims=True)
W1 -= dW1 * lr
B1 -= dB1 * lr
W2 -= dW2 * lr
B2 -= dB2 * lr
