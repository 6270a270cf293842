//! Admin
