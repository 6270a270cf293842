//! The one conversion of engine errors at the boundary. The message carries the KafkaJS error as
//! JSON behind a marker; `lib/errors.js` rebuilds the class in JavaScript, because errors created
//! here are not `instanceof Error` inside Jest's VM context.

use kafkars_client::error::ErrorDetails;
use kafkars_client::{Error, ErrorClass};
use serde_json::{json, Map, Value};

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
pub fn description(e: &Error) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), e.class.name().into());
    out.insert("message".into(), e.message.clone().into());
    // KafkaJSAggregateError extends Error itself: it has no `retriable`.
    if e.class != ErrorClass::Aggregate {
        out.insert("retriable".into(), e.retriable.into());
    }
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
    match e.details.as_deref() {
        Some(ErrorDetails::Errors(errors)) => {
            out.insert("errors".into(), errors.iter().map(description).collect());
        }
        Some(ErrorDetails::Groups(groups)) => {
            let groups = groups.iter().map(|(group_id, error)| {
                let code = error.protocol.map_or(-1, |p| p.code);
                json!({ "groupId": group_id, "errorCode": code, "error": description(error) })
            });
            out.insert("groups".into(), groups.collect());
        }
        Some(ErrorDetails::Partitions(partitions)) => {
            let partitions = partitions.iter().map(|(partition, offset, error)| {
                json!({
                    "partition": partition,
                    "offset": offset.to_string(),
                    "error": description(error),
                })
            });
            out.insert("partitions".into(), partitions.collect());
        }
        None => {}
    }
    if let Some(c) = &e.cause {
        out.insert("cause".into(), description(c));
    }
    Value::Object(out)
}

/// The error a caught panic becomes: a bug in kafkars, said as such.
pub fn panic_error(cause: String) -> Error {
    Error::non_retriable(format!(
        "The kafkars engine panicked (a bug in kafkars): {cause}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafkars_client::admin;
    use kafkars_client::cluster::Metadata;
    use kafkars_client::error::{ErrorClass, TimedOutRequest};

    /// What each kind of engine error crosses as; `__test__/error-classes.test.js` rebuilds the
    /// same descriptions and compares them with KafkaJS's own errors.
    const FIXTURE: &str = include_str!("../../../__test__/fixtures/engine-errors.json");

    fn engine_errors() -> Vec<(&'static str, Error)> {
        let broker = "127.0.0.1:9092";
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let create_topic = admin::create_topic_error("orders", 40);
        let request = TimedOutRequest {
            correlation_id: 7,
            created_at: 1000.0,
            sent_at: 1002.0,
        };
        vec![
            ("connection closed", Error::connection_closed(broker)),
            ("connection refused", Error::io(broker, "connect", &refused)),
            (
                "request timeout",
                Error::request_timeout(broker, "Produce", 30000, request),
            ),
            (
                "retries exceeded",
                Error::retries_exceeded(Error::connection_closed(broker), 5, 300),
            ),
            ("protocol error", Error::protocol(10).at("orders", 0)),
            ("offset out of range", Error::protocol(1).at("orders", 3)),
            ("topic creation", create_topic.clone()),
            (
                "topic creation errors",
                admin::topic_creation_errors(vec![create_topic]),
            ),
            (
                "delete groups",
                admin::delete_groups_error(vec![("orders-app".into(), Error::protocol(68))]),
            ),
            (
                "delete topic records",
                admin::records_error(vec![(0, 10, {
                    let mut e = Error::protocol(1);
                    e.class = ErrorClass::Protocol;
                    e
                })]),
            ),
            (
                "topic metadata not loaded",
                Metadata::default().loaded_topic("orders").unwrap_err(),
            ),
            // The cluster raises these two inline, with no fields beyond KafkaJS's.
            (
                "broker not found",
                Error::new(
                    ErrorClass::BrokerNotFound,
                    "Broker 3 not found in the cached metadata",
                    true,
                ),
            ),
            (
                "coordinator not found",
                Error::new(
                    ErrorClass::GroupCoordinatorNotFound,
                    "Failed to find group coordinator for orders-app",
                    false,
                ),
            ),
        ]
    }

    #[test]
    fn engine_errors_cross_as_the_fixture_describes() {
        let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
        let errors = engine_errors();
        assert_eq!(errors.len(), fixture.as_object().unwrap().len());
        for (case, error) in errors {
            let crossed: Value = serde_json::from_str(&to_json(&error)).unwrap();
            assert_eq!(crossed, fixture[case], "{case}");
        }
    }
}
