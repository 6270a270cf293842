//! Consumer
