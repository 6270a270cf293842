//! The engine's log entries as they cross to JavaScript, where the client's logger writes them:
//! only entries at the level the user's logger enables are built and sent, through a weak
//! threadsafe function so logging never keeps Node alive.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use kafkars_client::log::{Level, LogSink, Logger};
use napi::bindgen_prelude::{External, ExternalRef};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

/// One entry: KafkaJS's level number, namespace and message, and the extra fields as a JSON
/// object's text.
#[napi(object)]
pub struct EngineLog {
    pub level: u32,
    pub namespace: String,
    pub message: String,
    pub extra: String,
}

pub type LogCallback = ThreadsafeFunction<EngineLog, (), EngineLog, Status, false, true>;

/// The level a Kafka's clients log at, shared by their engines: the logger's `setLogLevel`
/// changes it for all of them at once.
pub type SharedLevel = Arc<AtomicU8>;

// napi-rs registers exported functions outside test builds only: there they are used.

/// KafkaJS's level numbers fit a byte; anything larger enables every level.
#[cfg_attr(test, allow(dead_code))]
fn level_byte(level: u32) -> u8 {
    level.min(u8::MAX.into()) as u8
}

#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn create_log_level(level: u32) -> External<SharedLevel> {
    External::new(Arc::new(AtomicU8::new(level_byte(level))))
}

#[cfg_attr(test, allow(dead_code))]
#[napi]
pub fn set_log_level(shared: &External<SharedLevel>, level: u32) {
    shared.store(level_byte(level), Ordering::Relaxed);
}

/// The client options' `log`: the Kafka's shared level and the function that writes an entry.
#[napi(object, object_to_js = false)]
pub struct LogOptions {
    pub level: ExternalRef<SharedLevel>,
    pub write: LogCallback,
}

impl From<LogOptions> for Logger {
    fn from(options: LogOptions) -> Self {
        let write = options.write;
        let sink: LogSink = Arc::new(move |level: Level, namespace, message, extra| {
            let entry = EngineLog {
                level: level as u32,
                namespace: namespace.to_string(),
                message,
                extra: extra.to_string(),
            };
            write.call(entry, ThreadsafeFunctionCallMode::NonBlocking);
        });
        Logger::new((*options.level).clone(), sink)
    }
}
