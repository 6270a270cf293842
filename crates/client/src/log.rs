//! KafkaJS's logging, for the engine: entries with KafkaJS's levels, namespaces, messages and
//! extra fields, handed to a sink the binding gives (the user's `logCreator`, in the end). The
//! level is checked before an entry is built, so a level that is off costs one atomic load.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use serde_json::Value;

/// KafkaJS's `logLevel`, with its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Level {
    Nothing = 0,
    Error = 1,
    Warn = 2,
    Info = 4,
    Debug = 5,
}

/// Where entries go: level, namespace, message and the extra fields (a JSON object).
pub type LogSink = Arc<dyn Fn(Level, &'static str, String, Value) + Send + Sync>;

/// A client's logger: cheap to clone, all clones sharing one level, which the binding may change
/// at any time (KafkaJS's `setLogLevel`). The default logs nothing.
#[derive(Clone, Default)]
pub struct Logger {
    level: Arc<AtomicU8>,
    sink: Option<LogSink>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger")
            .field("level", &self.level.load(Ordering::Relaxed))
            .field("sink", &self.sink.is_some())
            .finish()
    }
}

impl Logger {
    /// Entries at `level` (a KafkaJS level number) and below go to `sink`.
    pub fn new(level: Arc<AtomicU8>, sink: LogSink) -> Self {
        Logger {
            level,
            sink: Some(sink),
        }
    }

    pub fn enabled(&self, level: Level) -> bool {
        self.sink.is_some()
            && level != Level::Nothing
            && level as u8 <= self.level.load(Ordering::Relaxed)
    }

    /// Logs the entry `entry` builds, only called when `level` is enabled.
    pub fn log(
        &self,
        level: Level,
        namespace: &'static str,
        entry: impl FnOnce() -> (String, Value),
    ) {
        if let Some(sink) = self.sink.as_ref().filter(|_| self.enabled(level)) {
            let (message, extra) = entry();
            sink(level, namespace, message, extra);
        }
    }

    pub fn error(&self, namespace: &'static str, entry: impl FnOnce() -> (String, Value)) {
        self.log(Level::Error, namespace, entry);
    }

    pub fn debug(&self, namespace: &'static str, entry: impl FnOnce() -> (String, Value)) {
        self.log(Level::Debug, namespace, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;

    type Entries = Arc<Mutex<Vec<(Level, &'static str, String, Value)>>>;

    fn capturing(level: u8) -> (Logger, Arc<AtomicU8>, Entries) {
        let entries: Entries = Arc::default();
        let into = entries.clone();
        let shared = Arc::new(AtomicU8::new(level));
        let sink: LogSink = Arc::new(move |level, namespace, message, extra| {
            into.lock()
                .unwrap()
                .push((level, namespace, message, extra));
        });
        (Logger::new(shared.clone(), sink), shared, entries)
    }

    #[test]
    fn entries_above_the_level_are_never_built() {
        let (logger, _, entries) = capturing(Level::Info as u8);
        logger.debug("Connection", || unreachable!("built while DEBUG is off"));
        logger.error("Connection", || {
            ("Connection error".into(), json!({ "a": 1 }))
        });
        let entries = entries.lock().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, Level::Error);
        assert_eq!(entries[0].1, "Connection");
        assert_eq!(entries[0].3, json!({ "a": 1 }));
    }

    #[test]
    fn a_level_changed_later_holds_for_every_clone() {
        let (logger, shared, entries) = capturing(Level::Nothing as u8);
        let clone = logger.clone();
        clone.error("BrokerPool", || ("before".into(), json!({})));
        shared.store(Level::Debug as u8, Ordering::Relaxed);
        clone.debug("BrokerPool", || ("after".into(), json!({})));
        let messages: Vec<_> = entries
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.2.clone())
            .collect();
        assert_eq!(messages, ["after"]);
    }

    #[test]
    fn the_default_logger_is_off() {
        let logger = Logger::default();
        assert!(!logger.enabled(Level::Error));
        logger.error("Connection", || unreachable!("no sink"));
    }
}
