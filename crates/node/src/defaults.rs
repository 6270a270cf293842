//! The engine's option defaults, which are KafkaJS's, in KafkaJS's option names: lib/defaults.js
//! takes them from here, so each default is written once, in the engine.

use std::time::Duration;

use kafkars_client::config::{ClientConfig, RetryConfig};
use kafkars_client::consumer::{ConsumerConfig, RunConfig};
use kafkars_client::producer::{ProducerConfig, SendOptions};
use napi_derive::napi;
use serde_json::json;

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// The defaults as JSON: `{ retry, client, producer, send, consumer, run }`.
#[napi]
pub fn engine_defaults() -> String {
    let RetryConfig {
        max_retry_time,
        initial_retry_time,
        factor,
        multiplier,
        retries,
    } = RetryConfig::default();
    let client = ClientConfig::default();
    let producer = ProducerConfig::default();
    let send = SendOptions::default();
    let consumer = ConsumerConfig::new("");
    let run = RunConfig::default();
    json!({
        "retry": {
            "maxRetryTime": max_retry_time,
            "initialRetryTime": initial_retry_time,
            "factor": factor,
            "multiplier": multiplier,
            "retries": retries,
        },
        "client": {
            "clientId": client.client_id,
            "connectionTimeout": ms(client.connection_timeout),
            "requestTimeout": ms(client.request_timeout),
            "authenticationTimeout": ms(client.authentication_timeout),
            "reauthenticationThreshold": ms(client.reauthentication_threshold),
        },
        "producer": {
            "allowAutoTopicCreation": producer.allow_auto_topic_creation,
            "idempotent": producer.idempotent,
            "transactionTimeout": producer.transaction_timeout,
            "metadataMaxAge": ms(client.metadata_max_age),
        },
        "send": {
            "acks": send.acks,
            "timeout": send.timeout_ms,
            "compression": send.compression as i32,
        },
        "consumer": {
            "sessionTimeout": consumer.session_timeout,
            "rebalanceTimeout": consumer.rebalance_timeout,
            "heartbeatInterval": ms(consumer.heartbeat_interval),
            "maxBytesPerPartition": consumer.max_bytes_per_partition,
            "minBytes": consumer.min_bytes,
            "maxBytes": consumer.max_bytes,
            "maxWaitTimeInMs": consumer.max_wait_time,
            "retry": { "retries": consumer.retry.retries },
            "allowAutoTopicCreation": consumer.allow_auto_topic_creation,
            "readUncommitted": consumer.read_uncommitted,
            "rackId": consumer.rack_id,
            "metadataMaxAge": ms(client.metadata_max_age),
        },
        "run": {
            "autoCommit": run.auto_commit,
            "partitionsConsumedConcurrently": run.partitions_consumed_concurrently,
        },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_lib_defaults_reads_is_an_object() {
        let defaults: serde_json::Value = serde_json::from_str(&engine_defaults()).unwrap();
        for group in ["retry", "client", "producer", "send", "consumer", "run"] {
            assert!(defaults[group].is_object(), "{group}");
        }
        assert_eq!(defaults["consumer"]["heartbeatInterval"], 3000);
    }
}
