//! The napi-rs binding of kafkars-client: translation between JavaScript values and the engine,
//! one module per native class. No Kafka logic lives here.

mod admin;
mod config;
mod consumer;
mod error;
mod events;
mod producer;
mod wire;

use napi_derive::napi;

/// Panics on purpose, so tests can show a Rust panic rejects a Promise instead of killing Node.
#[napi(js_name = "__panicForTesting")]
pub async fn panic_for_testing() -> napi::Result<()> {
    panic!("deliberate panic for the boundary test")
}
