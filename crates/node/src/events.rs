//! Instrumentation events as they cross to JavaScript: a KafkaJS type suffix and a JSON payload,
//! delivered through a weak threadsafe function so a listener never keeps Node alive.

use std::sync::Arc;

use kafkars_client::cluster::Cluster;
use kafkars_client::network::{RequestEvent, RequestInfo};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

use crate::error::quote;

/// An instrumentation event: its KafkaJS type suffix and a JSON payload.
#[napi(object)]
pub struct EngineEvent {
    pub kind: String,
    pub payload: String,
}

pub type EventCallback = ThreadsafeFunction<EngineEvent, (), EngineEvent, Status, false, true>;

fn request_json(r: &RequestInfo, timed_out: bool) -> String {
    let size = if timed_out {
        String::new()
    } else {
        format!("\"size\":{},", r.size)
    };
    let duration = if timed_out {
        String::new()
    } else {
        format!("\"duration\":{},", r.duration)
    };
    format!(
        "{{\"broker\":{},\"clientId\":{},\"correlationId\":{},{size}\"createdAt\":{},\"sentAt\":{},\"pendingDuration\":{},{duration}\"apiName\":{},\"apiKey\":{},\"apiVersion\":{}}}",
        quote(&r.broker),
        quote(&r.client_id),
        r.correlation_id,
        r.created_at,
        r.sent_at,
        r.pending_duration,
        quote(&r.api_name),
        r.api_key,
        r.api_version
    )
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
            format!(
                "{{\"broker\":{},\"clientId\":{},\"queueSize\":{queue_size}}}",
                quote(broker),
                quote(client_id)
            ),
        ),
    };
    EngineEvent {
        kind: kind.to_string(),
        payload,
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
