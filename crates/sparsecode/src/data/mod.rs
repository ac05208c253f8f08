//! Images, patches, whitening and data-set loaders.
