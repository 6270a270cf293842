//! The cached cluster metadata: brokers, topics, partitions and their leaders.

use std::collections::HashMap;
use std::sync::Arc;

use kafka_protocol::messages::MetadataResponse;

use crate::error::{Error, ErrorClass, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMetadata {
    pub partition_id: i32,
    /// -1 while the partition has no leader.
    pub leader: i32,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
    pub error_code: i16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub name: String,
    /// Sorted by partition id.
    pub partitions: Vec<PartitionMetadata>,
}

#[derive(Debug, Default)]
pub struct Metadata {
    /// Node id to `host:port`.
    pub brokers: HashMap<i32, String>,
    pub controller_id: i32,
    pub cluster_id: Option<String>,
    pub topics: HashMap<String, Arc<TopicMetadata>>,
}

impl Metadata {
    /// The new metadata and the first topic-level error the broker reported (the topics without
    /// one are still cached). A partial answer keeps the topics it did not mention; a listing of
    /// every topic (`complete`) replaces them, so deleted topics drop out.
    pub fn from_response(
        response: &MetadataResponse,
        previous: &Metadata,
        complete: bool,
    ) -> (Metadata, Option<Error>) {
        let mut topics = if complete {
            HashMap::new()
        } else {
            previous.topics.clone()
        };
        let mut failure = None;
        for t in &response.topics {
            let Some(name) = t.name.as_ref().map(|n| n.as_str().to_string()) else {
                continue;
            };
            if t.error_code != 0 {
                topics.remove(&name);
                failure.get_or_insert_with(|| Error::protocol(t.error_code).at(&name, -1));
                continue;
            }
            let mut partitions: Vec<PartitionMetadata> = t
                .partitions
                .iter()
                .map(|p| PartitionMetadata {
                    partition_id: p.partition_index,
                    leader: *p.leader_id,
                    leader_epoch: p.leader_epoch,
                    replicas: p.replica_nodes.iter().map(|b| **b).collect(),
                    isr: p.isr_nodes.iter().map(|b| **b).collect(),
                    offline_replicas: p.offline_replicas.iter().map(|b| **b).collect(),
                    error_code: p.error_code,
                })
                .collect();
            partitions.sort_by_key(|p| p.partition_id);
            topics.insert(name.clone(), Arc::new(TopicMetadata { name, partitions }));
        }
        let metadata = Metadata {
            brokers: response
                .brokers
                .iter()
                .map(|b| (*b.node_id, format!("{}:{}", b.host.as_str(), b.port)))
                .collect(),
            controller_id: *response.controller_id,
            cluster_id: response.cluster_id.as_ref().map(|c| c.as_str().to_string()),
            topics,
        };
        (metadata, failure)
    }

    pub fn topic(&self, topic: &str) -> Option<&Arc<TopicMetadata>> {
        self.topics.get(topic)
    }

    /// The topic's metadata, or KafkaJS's retriable error for a topic it does not hold.
    pub fn loaded_topic(&self, topic: &str) -> Result<&Arc<TopicMetadata>> {
        self.topic(topic).ok_or_else(|| {
            let mut e = Error::new(
                ErrorClass::TopicMetadataNotLoaded,
                format!("Topic metadata not loaded for {topic}"),
                true,
            );
            e.topic = Some(topic.to_string());
            e
        })
    }

    pub fn leader(&self, topic: &str, partition: i32) -> Result<i32> {
        let t = self.loaded_topic(topic)?;
        match t.partitions.iter().find(|p| p.partition_id == partition) {
            Some(p) if p.leader >= 0 => Ok(p.leader),
            Some(_) => Err(Error::protocol(5).at(topic, partition)),
            None => Err(Error::protocol(3).at(topic, partition)),
        }
    }
}
