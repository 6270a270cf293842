//! Wire formats kafkars writes itself; request and response messages come from kafka-protocol,
//! decoded in one place (`response`).

pub mod aborted;
pub mod by_topic;
mod decompress;
pub mod error_codes;
pub mod records;
pub mod response;
mod varint;
