//! Instrumentation events as they cross to JavaScript: a KafkaJS type suffix and a JSON payload,
//! delivered through a weak threadsafe function so a listener never keeps Node alive.

use std::sync::Arc;

use kafkars_client::cluster::Cluster;
use kafkars_client::consumer::ConsumerEvent;
use kafkars_client::network::{RequestEvent, RequestInfo};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;

use serde_json::{json, Value};

use crate::error::description;

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

fn assignment_json(assignment: &[(String, Vec<i32>)]) -> Value {
    Value::Object(
        assignment
            .iter()
            .map(|(topic, partitions)| (topic.clone(), json!(partitions)))
            .collect(),
    )
}

/// A consumer event as KafkaJS's instrumentation payload: its type suffix and fields, in
/// KafkaJS's order.
fn event_json(event: &ConsumerEvent) -> (&'static str, Value) {
    match event {
        ConsumerEvent::GroupJoin {
            duration,
            group_id,
            is_leader,
            leader_id,
            group_protocol,
            member_id,
            member_assignment,
        } => (
            "group_join",
            json!({
                "duration": duration.as_millis() as u64,
                "groupId": group_id,
                "isLeader": is_leader,
                "leaderId": leader_id,
                "groupProtocol": group_protocol,
                "memberId": member_id,
                "memberAssignment": assignment_json(member_assignment),
            }),
        ),
        ConsumerEvent::Heartbeat {
            group_id,
            member_id,
            generation_id,
        } => (
            "heartbeat",
            json!({ "groupId": group_id, "memberId": member_id, "groupGenerationId": generation_id }),
        ),
        ConsumerEvent::CommitOffsets {
            group_id,
            member_id,
            generation_id,
            offsets,
        } => {
            // Offsets are strings, as KafkaJS's are; topics in the order first committed.
            let mut topics: Vec<(&String, Vec<Value>)> = Vec::new();
            for (topic, partition, offset) in offsets {
                let entry =
                    json!({ "partition": partition.to_string(), "offset": offset.to_string() });
                match topics.iter_mut().find(|(name, _)| *name == topic) {
                    Some((_, partitions)) => partitions.push(entry),
                    None => topics.push((topic, vec![entry])),
                }
            }
            let topics: Vec<Value> = topics
                .into_iter()
                .map(|(topic, partitions)| json!({ "topic": topic, "partitions": partitions }))
                .collect();
            (
                "commit_offsets",
                json!({
                    "groupId": group_id,
                    "memberId": member_id,
                    "groupGenerationId": generation_id,
                    "topics": topics,
                }),
            )
        }
        ConsumerEvent::Rebalancing {
            group_id,
            member_id,
        } => (
            "rebalancing",
            json!({ "groupId": group_id, "memberId": member_id }),
        ),
        // KafkaJS's node ids here are the strings its broker pool is keyed by.
        ConsumerEvent::FetchStart { node_id } => {
            ("fetch_start", json!({ "nodeId": node_id.to_string() }))
        }
        ConsumerEvent::Fetch {
            node_id,
            number_of_batches,
            duration,
        } => (
            "fetch",
            json!({
                "numberOfBatches": number_of_batches,
                "duration": duration.as_millis() as u64,
                "nodeId": node_id.to_string(),
            }),
        ),
        ConsumerEvent::Warn { message } => ("warn", json!({ "message": message })),
        ConsumerEvent::ReceivedUnsubscribedTopics {
            group_id,
            generation_id,
            member_id,
            assigned_topics,
            topics_subscribed,
            topics_not_subscribed,
        } => (
            "received_unsubscribed_topics",
            json!({
                "groupId": group_id,
                "generationId": generation_id,
                "memberId": member_id,
                "assignedTopics": assigned_topics,
                "topicsSubscribed": topics_subscribed,
                "topicsNotSubscribed": topics_not_subscribed,
            }),
        ),
        ConsumerEvent::Crash {
            error,
            handler_failed,
        } => (
            "crash",
            json!({ "error": description(error), "handlerFailed": handler_failed }),
        ),
    }
}

/// A consumer event as it crosses to JavaScript.
pub fn engine_event(event: &ConsumerEvent) -> EngineEvent {
    let (kind, payload) = event_json(event);
    EngineEvent {
        kind: kind.to_string(),
        payload: payload.to_string(),
    }
}
