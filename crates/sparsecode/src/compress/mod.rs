//! Compression (measurement) matrices of localized sparse coding.
