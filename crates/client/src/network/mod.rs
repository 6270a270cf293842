//! Connections to brokers.

mod connection;
mod versions;

pub use connection::Connection;
