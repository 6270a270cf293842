//! The one conversion of engine errors at the boundary. The message carries the KafkaJS error as
//! JSON behind a marker; `lib/errors.js` rebuilds the class in JavaScript, because errors created
//! here are not `instanceof Error` inside Jest's VM context.

use kafkars_client::Error;
use serde_json::{Map, Value};

/// Prefix of a native rejection's message that `lib/errors.js` recognises.
pub const MARKER: &str = "kafkars-error:";

pub fn to_napi(e: Error) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, to_message(&e))
}

/// The marked message `lib/errors.js` recognises, for errors returned as values.
pub fn to_message(e: &Error) -> String {
    format!("{MARKER}{}", to_json(e))
}

pub fn to_json(e: &Error) -> String {
    description(e).to_string()
}

/// KafkaJS's fields of `e`, as `lib/errors.js` reads them.
fn description(e: &Error) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), e.class.name().into());
    out.insert("message".into(), e.message.clone().into());
    out.insert("retriable".into(), e.retriable.into());
    if let Some(b) = &e.broker {
        out.insert("broker".into(), b.clone().into());
    }
    if let Some(code) = e.errno {
        out.insert("code".into(), code.into());
    }
    if let Some(p) = &e.protocol {
        out.insert("type".into(), p.kind.into());
        out.insert("code".into(), p.code.into());
    }
    if let Some(t) = &e.topic {
        out.insert("topic".into(), t.clone().into());
    }
    if let Some(p) = e.partition {
        out.insert("partition".into(), p.into());
    }
    if let Some(n) = e.retry_count {
        out.insert("retryCount".into(), n.into());
    }
    if let Some(n) = e.retry_time {
        out.insert("retryTime".into(), n.into());
    }
    if let Some(r) = &e.request {
        out.insert("correlationId".into(), r.correlation_id.into());
        out.insert("createdAt".into(), r.created_at.into());
        out.insert("sentAt".into(), r.sent_at.into());
        out.insert("pendingDuration".into(), (r.sent_at - r.created_at).into());
    }
    if let Some(c) = &e.cause {
        out.insert("cause".into(), description(c));
    }
    Value::Object(out)
}

/// A JSON string literal.
pub fn quote(s: &str) -> String {
    Value::from(s).to_string()
}

/// The error a caught panic becomes: a bug in kafkars, said as such.
pub fn panic_error(panic: Box<dyn std::any::Any + Send>) -> Error {
    let cause = match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "no message".to_string(),
    };
    Error::non_retriable(format!(
        "The kafkars engine panicked (a bug in kafkars): {cause}"
    ))
}
