//! Wire formats kafkars writes itself; request and response messages come from kafka-protocol.

pub mod aborted;
mod decompress;
pub mod error_codes;
pub mod records;
mod varint;
