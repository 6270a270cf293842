//! Topics and partitions: create, delete, grow, describe, delete records; and the cluster itself.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex;

use kafka_protocol::messages::create_partitions_request::{
    CreatePartitionsAssignment, CreatePartitionsTopic,
};
use kafka_protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use kafka_protocol::messages::delete_records_request::{
    DeleteRecordsPartition, DeleteRecordsTopic,
};
use kafka_protocol::messages::{
    BrokerId, CreatePartitionsRequest, CreateTopicsRequest, DeleteRecordsRequest,
    DeleteTopicsRequest,
};

use super::{name, not_controller, Admin};
use crate::cluster::TopicMetadata;
use crate::error::{Error, ErrorClass, ErrorDetails, Result};
use crate::retry::{retry, retry_only};

#[derive(Debug, Clone, Default)]
pub struct NewTopic {
    pub topic: String,
    /// -1 lets the broker choose (and must be -1 with a replica assignment).
    pub num_partitions: i32,
    pub replication_factor: i16,
    /// Each partition and the brokers holding its replicas, leader first.
    pub replica_assignment: Vec<(i32, Vec<i32>)>,
    pub config_entries: Vec<(String, String)>,
}

/// A topic's new partition count, and optionally the replicas of each new partition.
#[derive(Debug, Clone, Default)]
pub struct NewPartitions {
    pub topic: String,
    pub count: i32,
    pub assignments: Vec<Vec<i32>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerDescription {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDescription {
    pub brokers: Vec<BrokerDescription>,
    /// None when no controller is known.
    pub controller: Option<i32>,
    pub cluster_id: Option<String>,
}

const TOPIC_ALREADY_EXISTS: i16 = 36;

fn broker_ids(ids: &[i32]) -> Vec<BrokerId> {
    ids.iter().map(|&id| BrokerId(id)).collect()
}

impl Admin {
    /// Creates topics on the controller. `Ok(false)` when some already existed and none failed
    /// otherwise, as KafkaJS reports it; other failures are one KafkaJSAggregateError of a
    /// KafkaJSCreateTopicError per topic.
    pub async fn create_topics(
        &self,
        topics: Vec<NewTopic>,
        validate_only: bool,
        timeout_ms: i32,
        wait_for_leaders: bool,
    ) -> Result<bool> {
        let request = CreateTopicsRequest::default()
            .with_timeout_ms(timeout_ms)
            .with_validate_only(validate_only)
            .with_topics(topics.iter().map(creatable_topic).collect());
        // As KafkaJS: only NOT_CONTROLLER is retried; a broker that cannot be reached fails at once.
        let response = retry_only(&self.retry, not_controller, |_| async {
            let conn = self.controller().await?;
            conn.send(&request).await
        })
        .await?;
        let mut failed: Vec<_> = response
            .topics
            .iter()
            .filter(|t| t.error_code != 0)
            .map(|t| (t.name.as_str().to_string(), t.error_code))
            .collect();
        failed.sort();
        if !failed.is_empty() {
            if failed.iter().all(|(_, code)| *code == TOPIC_ALREADY_EXISTS) {
                return Ok(false);
            }
            let errors = failed
                .iter()
                .map(|(topic, code)| create_topic_error(topic, *code))
                .collect();
            return Err(topic_creation_errors(errors));
        }
        if wait_for_leaders && !validate_only {
            let names: Vec<String> = topics.into_iter().map(|t| t.topic).collect();
            self.wait_for_leaders(&names).await?;
        }
        Ok(true)
    }

    async fn wait_for_leaders(&self, topics: &[String]) -> Result<()> {
        retry(&self.retry, |_| async {
            self.cluster.fetch_metadata(Some(topics), false).await?;
            let metadata = self.cluster.metadata();
            let ready = topics.iter().all(|t| {
                metadata.topic(t).is_some_and(|m| {
                    !m.partitions.is_empty() && m.partitions.iter().all(|p| p.leader >= 0)
                })
            });
            if ready {
                Ok(())
            } else {
                Err(Error::protocol(5))
            }
        })
        .await
    }

    /// Grows topics to `count` partitions on the controller.
    pub async fn create_partitions(
        &self,
        topics: Vec<NewPartitions>,
        validate_only: bool,
        timeout_ms: i32,
    ) -> Result<()> {
        let request = CreatePartitionsRequest::default()
            .with_timeout_ms(timeout_ms)
            .with_validate_only(validate_only)
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        CreatePartitionsTopic::default()
                            .with_name(name(&t.topic).into())
                            .with_count(t.count)
                            // KafkaJS sends no assignments as null: the broker places them.
                            .with_assignments((!t.assignments.is_empty()).then(|| {
                                t.assignments
                                    .iter()
                                    .map(|ids| {
                                        CreatePartitionsAssignment::default()
                                            .with_broker_ids(broker_ids(ids))
                                    })
                                    .collect()
                            }))
                    })
                    .collect(),
            );
        let response = retry_only(&self.retry, not_controller, |_| async {
            let conn = self.controller().await?;
            conn.send(&request).await
        })
        .await?;
        // KafkaJS reports the first failing topic in name order.
        let mut failed: Vec<_> = response
            .results
            .iter()
            .filter(|r| r.error_code != 0)
            .map(|r| (r.name.as_str().to_string(), r.error_code))
            .collect();
        failed.sort();
        match failed.first() {
            Some((_, code)) => Err(Error::protocol(*code)),
            None => Ok(()),
        }
    }

    pub async fn delete_topics(&self, topics: Vec<String>, timeout_ms: i32) -> Result<()> {
        let request = DeleteTopicsRequest::default()
            .with_timeout_ms(timeout_ms)
            .with_topic_names(topics.iter().map(|t| name(t).into()).collect());
        // KafkaJS retries a controller that moved and a topic not known yet (metadata may lag
        // its creation), and gives up on anything else at once.
        retry_only(
            &self.retry,
            |e| {
                matches!(
                    e.protocol_kind(),
                    Some("NOT_CONTROLLER" | "UNKNOWN_TOPIC_OR_PARTITION")
                )
            },
            |_| async {
                let response = self.controller().await?.send(&request).await?;
                for r in &response.responses {
                    if r.error_code != 0 {
                        let topic = r.name.as_ref().map(|n| n.as_str()).unwrap_or("");
                        return Err(Error::protocol(r.error_code).at(topic, -1));
                    }
                }
                Ok(())
            },
        )
        .await
    }

    pub async fn list_topics(&self) -> Result<Vec<String>> {
        retry(&self.retry, |_| self.cluster.fetch_metadata(None, false)).await?;
        let mut topics: Vec<String> = self.cluster.metadata().topics.keys().cloned().collect();
        topics.sort();
        Ok(topics)
    }

    /// Metadata for `topics`, or for every topic when `None`.
    pub async fn fetch_topic_metadata(
        &self,
        topics: Option<Vec<String>>,
    ) -> Result<Vec<Arc<TopicMetadata>>> {
        retry(&self.retry, |_| {
            self.cluster.fetch_metadata(topics.as_deref(), false)
        })
        .await?;
        let metadata = self.cluster.metadata();
        let names: Vec<String> = match topics {
            Some(t) => t,
            None => {
                let mut all: Vec<String> = metadata.topics.keys().cloned().collect();
                all.sort();
                all
            }
        };
        names
            .iter()
            .map(|t| {
                metadata
                    .topic(t)
                    .cloned()
                    .ok_or_else(|| Error::protocol(3).at(t, -1))
            })
            .collect()
    }

    /// The brokers, the controller and the cluster id, from a Metadata request for no topic.
    pub async fn describe_cluster(&self) -> Result<ClusterDescription> {
        retry(&self.retry, |_| {
            self.cluster.fetch_metadata(Some(&[]), false)
        })
        .await?;
        let metadata = self.cluster.metadata();
        let mut brokers: Vec<BrokerDescription> = metadata
            .brokers
            .iter()
            .map(|(&node_id, address)| {
                let (host, port) = address.rsplit_once(':').unwrap_or((address, "0"));
                BrokerDescription {
                    node_id,
                    host: host.to_string(),
                    port: port.parse().unwrap_or(0),
                }
            })
            .collect();
        brokers.sort_by_key(|b| b.node_id);
        Ok(ClusterDescription {
            brokers,
            controller: (metadata.controller_id >= 0).then_some(metadata.controller_id),
            cluster_id: metadata.cluster_id.clone(),
        })
    }

    /// Deletes the records of `topic` before each partition's offset (-1: the high watermark),
    /// on each leader as cached metadata names it. A partition without a known leader fails
    /// before any request, as in KafkaJS; the others retry until each has succeeded.
    pub async fn delete_records(&self, topic: &str, partitions: Vec<(i32, i64)>) -> Result<()> {
        let metadata = self.cluster.metadata();
        let known: HashSet<i32> = metadata
            .topic(topic)
            .map(|t| {
                t.partitions
                    .iter()
                    .filter(|p| p.leader >= 0)
                    .map(|p| p.partition_id)
                    .collect()
            })
            .unwrap_or_default();
        let leaderless: Vec<(i32, i64, Error)> = partitions
            .iter()
            .filter(|(p, _)| !known.contains(p))
            .map(|&(p, offset)| {
                let e = Error::new(
                    ErrorClass::BrokerNotFound,
                    "Could not find the leader for the partition",
                    false,
                );
                (p, offset, e)
            })
            .collect();
        if !leaderless.is_empty() {
            return Err(records_error(leaderless));
        }
        let pending = Mutex::new(partitions);
        retry(&self.retry, |attempt| {
            let pending = &pending;
            async move {
                if attempt > 0 {
                    self.cluster
                        .refresh_metadata(&[topic.to_string()], false)
                        .await?;
                }
                let todo = pending.lock().unwrap().clone();
                let metadata = self.cluster.metadata();
                let mut by_leader: BTreeMap<i32, Vec<(i32, i64)>> = BTreeMap::new();
                for &(p, offset) in &todo {
                    by_leader
                        .entry(metadata.leader(topic, p)?)
                        .or_default()
                        .push((p, offset));
                }
                let mut failures = Vec::new();
                for (leader, entries) in by_leader {
                    let request = DeleteRecordsRequest::default()
                        .with_timeout_ms(5000)
                        .with_topics(vec![DeleteRecordsTopic::default()
                            .with_name(name(topic).into())
                            .with_partitions(
                                entries
                                    .iter()
                                    .map(|&(p, offset)| {
                                        DeleteRecordsPartition::default()
                                            .with_partition_index(p)
                                            .with_offset(offset)
                                    })
                                    .collect(),
                            )]);
                    let response = self.cluster.broker(leader).await?.send(&request).await?;
                    for t in response.topics {
                        for r in t.partitions {
                            let offset = entries
                                .iter()
                                .find(|(p, _)| *p == r.partition_index)
                                .map_or(-1, |(_, o)| *o);
                            if r.error_code == 0 {
                                pending
                                    .lock()
                                    .unwrap()
                                    .retain(|(p, _)| *p != r.partition_index);
                            } else {
                                // KafkaJS names OFFSET_OUT_OF_RANGE here with the plain
                                // protocol error class, not the fetch's KafkaJSOffsetOutOfRange.
                                let mut e = Error::protocol(r.error_code);
                                e.class = ErrorClass::Protocol;
                                failures.push((r.partition_index, offset, e));
                            }
                        }
                    }
                }
                if failures.is_empty() {
                    Ok(())
                } else {
                    Err(records_error(failures))
                }
            }
        })
        .await
        // KafkaJS's call site throws rather than bails, so its retrier wraps a final failure.
        .map_err(|e| {
            if e.class == ErrorClass::DeleteTopicRecords && !e.retriable {
                Error::non_retriable(e.message.clone()).with_cause(e)
            } else {
                e
            }
        })
    }
}

/// KafkaJSCreateTopicError: the broker's error for one topic.
pub fn create_topic_error(topic: &str, code: i16) -> Error {
    let mut e = Error::protocol(code);
    e.class = ErrorClass::CreateTopic;
    e.topic = Some(topic.to_string());
    e
}

/// The KafkaJSAggregateError createTopics fails with.
pub fn topic_creation_errors(errors: Vec<Error>) -> Error {
    Error::collecting(
        ErrorClass::Aggregate,
        "Topic creation errors",
        false,
        ErrorDetails::Errors(errors),
    )
}

/// KafkaJSDeleteTopicRecordsError: worth retrying only when every partition's error is.
pub fn records_error(failures: Vec<(i32, i64, Error)>) -> Error {
    let retriable = failures.iter().all(|(_, _, e)| e.retriable);
    Error::collecting(
        ErrorClass::DeleteTopicRecords,
        "Error while deleting records",
        retriable,
        ErrorDetails::Partitions(failures),
    )
}

fn creatable_topic(t: &NewTopic) -> CreatableTopic {
    CreatableTopic::default()
        .with_name(name(&t.topic).into())
        .with_num_partitions(t.num_partitions)
        .with_replication_factor(t.replication_factor)
        .with_assignments(
            t.replica_assignment
                .iter()
                .map(|(partition, replicas)| {
                    CreatableReplicaAssignment::default()
                        .with_partition_index(*partition)
                        .with_broker_ids(broker_ids(replicas))
                })
                .collect(),
        )
        .with_configs(
            t.config_entries
                .iter()
                .map(|(k, v)| {
                    CreatableTopicConfig::default()
                        .with_name(name(k))
                        .with_value(Some(name(v)))
                })
                .collect(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleting_records_is_worth_retrying_only_when_every_partition_failed_retriably() {
        let not_leader = || Error::protocol(6);
        let out_of_range = || Error::protocol(1);
        assert!(records_error(vec![(0, 5, not_leader()), (1, 5, not_leader())]).retriable);
        assert!(!records_error(vec![(0, 5, not_leader()), (1, 9, out_of_range())]).retriable);
    }

    #[test]
    fn a_topic_creation_error_names_the_topic_and_no_partition() {
        let e = create_topic_error("orders", 40);
        assert_eq!(e.class, ErrorClass::CreateTopic);
        assert_eq!(e.protocol_kind(), Some("INVALID_CONFIG"));
        assert_eq!((e.topic.as_deref(), e.partition), (Some("orders"), None));
    }
}
