import random

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("derive", deadline=None, max_examples=60, derandomize=True)
settings.load_profile("derive")


@pytest.fixture(autouse=True)
def _seed():
    random.seed(1234)
    np.random.seed(1234)
