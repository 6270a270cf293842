//! The one conversion of engine errors at the boundary. The message carries the KafkaJS error as
//! JSON behind a marker; `lib/errors.js` rebuilds the class in JavaScript, because errors created
//! here are not `instanceof Error` inside Jest's VM context.

use kafkars_client::Error;

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
    let mut out = String::from("{");
    field(&mut out, "name", &quote(e.class.name()));
    field(&mut out, "message", &quote(&e.message));
    field(
        &mut out,
        "retriable",
        if e.retriable { "true" } else { "false" },
    );
    if let Some(b) = &e.broker {
        field(&mut out, "broker", &quote(b));
    }
    if let Some(code) = e.errno {
        field(&mut out, "code", &quote(code));
    }
    if let Some(p) = &e.protocol {
        field(&mut out, "type", &quote(p.kind));
        field(&mut out, "code", &p.code.to_string());
    }
    if let Some(t) = &e.topic {
        field(&mut out, "topic", &quote(t));
    }
    if let Some(p) = e.partition {
        field(&mut out, "partition", &p.to_string());
    }
    if let Some(n) = e.retry_count {
        field(&mut out, "retryCount", &n.to_string());
    }
    if let Some(n) = e.retry_time {
        field(&mut out, "retryTime", &n.to_string());
    }
    if let Some(c) = &e.cause {
        field(&mut out, "cause", &to_json(c));
    }
    out.push('}');
    out
}

fn field(out: &mut String, key: &str, value: &str) {
    if out.len() > 1 {
        out.push(',');
    }
    out.push_str(&quote(key));
    out.push(':');
    out.push_str(value);
}

/// A JSON string literal.
pub fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            c if (c as u32) < 0x20 => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
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
