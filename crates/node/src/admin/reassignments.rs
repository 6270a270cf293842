//! Partition reassignments: moving replicas between brokers, and the moves under way.

use napi::Result;
use napi_derive::napi;

use super::{NativeAdmin, ReplicaAssignment};
use crate::error::to_napi;

#[napi(object)]
pub struct PartitionReassignment {
    pub topic: String,
    pub partition_assignment: Vec<ReplicaAssignment>,
}

#[napi(object)]
pub struct TopicPartitions {
    pub topic: String,
    pub partitions: Vec<i32>,
}

#[napi(object)]
pub struct OngoingPartitionOutput {
    pub partition: i32,
    pub replicas: Vec<i32>,
    pub adding_replicas: Vec<i32>,
    pub removing_replicas: Vec<i32>,
}

/// KafkaJS 2.2.4 names the topic `name` here (its types say `topic`; the runtime wins).
#[napi(object)]
pub struct OngoingTopicOutput {
    pub name: String,
    pub partitions: Vec<OngoingPartitionOutput>,
}

#[napi]
impl NativeAdmin {
    #[napi]
    pub async fn alter_partition_reassignments(
        &self,
        topics: Vec<PartitionReassignment>,
        timeout: i32,
    ) -> Result<()> {
        let topics = topics
            .into_iter()
            .map(|t| {
                let partitions = t
                    .partition_assignment
                    .into_iter()
                    .map(|a| (a.partition, a.replicas))
                    .collect();
                (t.topic, partitions)
            })
            .collect();
        self.admin
            .alter_partition_reassignments(topics, timeout)
            .await
            .map_err(to_napi)
    }

    /// `topics` absent: every reassignment under way.
    #[napi]
    pub async fn list_partition_reassignments(
        &self,
        topics: Option<Vec<TopicPartitions>>,
        timeout: i32,
    ) -> Result<Vec<OngoingTopicOutput>> {
        let topics = topics.map(|ts| ts.into_iter().map(|t| (t.topic, t.partitions)).collect());
        let ongoing = self
            .admin
            .list_partition_reassignments(topics, timeout)
            .await
            .map_err(to_napi)?;
        Ok(ongoing
            .into_iter()
            .map(|(name, partitions)| OngoingTopicOutput {
                name,
                partitions: partitions
                    .into_iter()
                    .map(|p| OngoingPartitionOutput {
                        partition: p.partition,
                        replicas: p.replicas,
                        adding_replicas: p.adding_replicas,
                        removing_replicas: p.removing_replicas,
                    })
                    .collect(),
            })
            .collect())
    }
}
