//! `NativePartitioner`: the engine's partitioner, for the callable partitioners KafkaJS's
//! `Partitioners.DefaultPartitioner()` and `LegacyPartitioner()` return, so a partitioner a user
//! wraps around them chooses exactly what the engine would.

use kafkars_client::cluster::{PartitionMetadata, TopicMetadata};
use kafkars_client::producer::{Partitioner, PartitionerKind};
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

/// What partitioning reads of an entry of KafkaJS's `partitionMetadata`.
#[napi(object)]
pub struct PartitionLeader {
    pub partition_id: i32,
    /// Absent or -1 while the partition has no leader.
    pub leader: Option<i32>,
}

#[napi]
pub struct NativePartitioner {
    partitioner: Partitioner,
}

#[napi]
impl NativePartitioner {
    /// `kind`: `"default"` or `"legacy"`.
    #[napi(constructor)]
    pub fn new(kind: String) -> Self {
        let kind = match kind.as_str() {
            "legacy" => PartitionerKind::Legacy,
            _ => PartitionerKind::Default,
        };
        NativePartitioner {
            partitioner: Partitioner::new(kind),
        }
    }

    /// The partition for a message without an explicit one: its key's hash, else the topic's
    /// next partition round-robin.
    #[napi]
    pub fn partition(
        &self,
        topic: String,
        partition_metadata: Vec<PartitionLeader>,
        key: Option<Buffer>,
    ) -> i32 {
        let topic = TopicMetadata {
            name: topic,
            partitions: partition_metadata
                .into_iter()
                .map(|p| PartitionMetadata {
                    partition_id: p.partition_id,
                    leader: p.leader.unwrap_or(-1),
                    leader_epoch: -1,
                    replicas: vec![],
                    isr: vec![],
                    offline_replicas: vec![],
                    error_code: 0,
                })
                .collect(),
        };
        let mut batch = self.partitioner.batch();
        batch.partition(&topic, key.as_deref())
    }
}
