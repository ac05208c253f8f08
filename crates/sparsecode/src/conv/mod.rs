//! Convolutional sparse coding with FFTs.
