//! Pictures: atom tiles (PNG), learning as GIF, loss curves.
