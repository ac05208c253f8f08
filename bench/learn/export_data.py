"""What the peers of bench/learn share: the training set `sparsecode train --export DIR` wrote
(train.npy, validation.npy, correlation.npy, d0.npy, phi.npy) and the arguments that name it."""

import argparse
import os

import numpy as np


def arguments(batch):
    """A parser with the arguments of every peer: the export directory, the number of passes
    (``--epochs``) and the mini-batch size (``--batch``, default ``batch``)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=batch)
    return ap


def load(data, name):
    """The exported array ``name`` (``data/name.npy``)."""
    return np.load(os.path.join(data, name + ".npy"))
