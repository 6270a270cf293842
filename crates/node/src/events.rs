//! Instrumentation events as they cross to JavaScript: a KafkaJS type suffix and a JSON payload,
//! delivered through a weak threadsafe function so a listener never keeps Node alive.

use std::sync::Arc;

use kafkars_client::cluster::Cluster;
use kafkars_client::network::{RequestEvent, RequestInfo};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

use serde_json::{json, Value};

/// An instrumentation event: its KafkaJS type suffix and a JSON payload.
#[napi(object)]
pub struct EngineEvent {
    pub kind: String,
    pub payload: String,
}

pub type EventCallback = ThreadsafeFunction<EngineEvent, (), EngineEvent, Status, false, true>;

/// KafkaJS's request payload; a timed-out request has no size and no duration.
fn request_json(r: &RequestInfo, timed_out: bool) -> Value {
    let mut payload = json!({
        "broker": r.broker,
        "clientId": r.client_id,
        "correlationId": r.correlation_id,
    });
    let fields = payload.as_object_mut().expect("an object");
    if !timed_out {
        fields.insert("size".into(), r.size.into());
    }
    fields.insert("createdAt".into(), r.created_at.into());
    fields.insert("sentAt".into(), r.sent_at.into());
    fields.insert("pendingDuration".into(), r.pending_duration.into());
    if !timed_out {
        fields.insert("duration".into(), r.duration.into());
    }
    fields.insert("apiName".into(), r.api_name.clone().into());
    fields.insert("apiKey".into(), r.api_key.into());
    fields.insert("apiVersion".into(), r.api_version.into());
    payload
}

fn request_event(event: &RequestEvent) -> EngineEvent {
    let (kind, payload) = match event {
        RequestEvent::Request(r) => ("network.request", request_json(r, false)),
        RequestEvent::Timeout(r) => ("network.request_timeout", request_json(r, true)),
        RequestEvent::QueueSize {
            broker,
            client_id,
            queue_size,
        } => (
            "network.request_queue_size",
            json!({ "broker": broker, "clientId": client_id, "queueSize": queue_size }),
        ),
    };
    EngineEvent {
        kind: kind.to_string(),
        payload: payload.to_string(),
    }
}

/// Sends the cluster's request events to `callback` (one call per request), or stops.
pub fn observe_requests(cluster: &Cluster, callback: Option<EventCallback>) {
    cluster.observe_requests(callback.map(|callback| {
        Arc::new(move |event: RequestEvent| {
            callback.call(
                request_event(&event),
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        }) as _
    }));
}
