import numpy as np

Z1 = W1 @ X + b1
dZ1 = (Z1 - Y
