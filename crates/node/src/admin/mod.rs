//! `NativeAdmin`: the admin calls, results shaped as KafkaJS returns them. Its methods are
//! grouped by concern as the engine's are; this file holds the client and the topics.

mod acls;
mod configs;
mod groups;
mod offsets;
mod reassignments;

/// KafkaJS's `GroupDescription`, which the consumer's describeGroup returns too.
pub use groups::GroupDescriptionOutput;

use std::sync::Arc;

use kafkars_client::admin::{Admin, NewPartitions, NewTopic};
use kafkars_client::cluster::{Cluster, TopicMetadata};
use napi::Result;
use napi_derive::napi;

use crate::config::{ClientOptions, RetryOptions};
use crate::error::to_napi;
use crate::events::{observe_requests, EventCallback};

#[napi(object)]
pub struct ConfigEntry {
    pub name: String,
    pub value: String,
}

#[napi(object)]
pub struct ReplicaAssignment {
    pub partition: i32,
    /// Broker ids, the preferred leader first.
    pub replicas: Vec<i32>,
}

#[napi(object)]
pub struct TopicToCreate {
    pub topic: String,
    pub num_partitions: Option<i32>,
    pub replication_factor: Option<i32>,
    pub replica_assignment: Option<Vec<ReplicaAssignment>>,
    pub config_entries: Option<Vec<ConfigEntry>>,
}

#[napi(object)]
pub struct TopicPartitionsToCreate {
    pub topic: String,
    /// The partition count the topic grows to.
    pub count: i32,
    /// The replicas of each new partition, in partition order.
    pub assignments: Option<Vec<Vec<i32>>>,
}

#[napi(object)]
pub struct BrokerOutput {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
}

#[napi(object)]
pub struct ClusterOutput {
    pub brokers: Vec<BrokerOutput>,
    pub controller: Option<i32>,
    pub cluster_id: Option<String>,
}

/// A partition and an offset (an Int64, as a string).
#[napi(object)]
pub struct PartitionOffset {
    pub partition: i32,
    pub offset: String,
}

#[napi(object)]
pub struct PartitionMetadataOutput {
    pub partition_error_code: i32,
    pub partition_id: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    pub offline_replicas: Vec<i32>,
}

#[napi(object)]
pub struct TopicMetadataOutput {
    pub name: String,
    pub partitions: Vec<PartitionMetadataOutput>,
}

impl From<&TopicMetadata> for TopicMetadataOutput {
    fn from(t: &TopicMetadata) -> Self {
        TopicMetadataOutput {
            name: t.name.clone(),
            partitions: t
                .partitions
                .iter()
                .map(|p| PartitionMetadataOutput {
                    partition_error_code: p.error_code as i32,
                    partition_id: p.partition_id,
                    leader: p.leader,
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    offline_replicas: p.offline_replicas.clone(),
                })
                .collect(),
        }
    }
}

#[napi]
pub struct NativeAdmin {
    admin: Admin,
    cluster: Arc<Cluster>,
}

/// An Int64 that crossed as a string.
fn int64(value: &str, what: &str) -> Result<i64> {
    value.parse().map_err(|_| {
        napi::Error::new(
            napi::Status::InvalidArg,
            format!("Invalid {what}, expected a long received {value}"),
        )
    })
}

/// Partitions and their offsets, as the engine takes them.
fn partition_offsets(partitions: Vec<PartitionOffset>) -> Result<Vec<(i32, i64)>> {
    partitions
        .into_iter()
        .map(|p| Ok((p.partition, int64(&p.offset, "offset")?)))
        .collect()
}

#[napi]
impl NativeAdmin {
    #[napi(constructor)]
    /// `retry`, for the admin's operations: the Kafka-level `retry` merged with the admin's.
    pub fn new(client: ClientOptions, retry: RetryOptions) -> Self {
        let cluster = Cluster::new(client.into_config(None));
        NativeAdmin {
            admin: Admin::new(cluster.clone(), (&retry).into()),
            cluster,
        }
    }

    /// Reports each request's network.* event to `onEvent`, or stops when it is absent.
    #[napi]
    pub fn observe_requests(&self, on_event: Option<EventCallback>) {
        observe_requests(&self.cluster, on_event);
    }

    #[napi]
    pub async fn connect(&self) -> Result<()> {
        self.admin.connect().await.map_err(to_napi)
    }

    #[napi]
    pub async fn disconnect(&self) -> Result<()> {
        self.admin.disconnect().await;
        Ok(())
    }

    #[napi]
    pub async fn create_topics(
        &self,
        topics: Vec<TopicToCreate>,
        validate_only: bool,
        timeout: i32,
        wait_for_leaders: bool,
    ) -> Result<bool> {
        let topics = topics
            .into_iter()
            .map(|t| NewTopic {
                topic: t.topic,
                num_partitions: t.num_partitions.unwrap_or(-1),
                replication_factor: t.replication_factor.unwrap_or(-1) as i16,
                replica_assignment: t
                    .replica_assignment
                    .unwrap_or_default()
                    .into_iter()
                    .map(|a| (a.partition, a.replicas))
                    .collect(),
                config_entries: t
                    .config_entries
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| (c.name, c.value))
                    .collect(),
            })
            .collect();
        self.admin
            .create_topics(topics, validate_only, timeout, wait_for_leaders)
            .await
            .map_err(to_napi)
    }

    #[napi]
    pub async fn create_partitions(
        &self,
        topic_partitions: Vec<TopicPartitionsToCreate>,
        validate_only: bool,
        timeout: i32,
    ) -> Result<()> {
        let topics = topic_partitions
            .into_iter()
            .map(|t| NewPartitions {
                topic: t.topic,
                count: t.count,
                assignments: t.assignments.unwrap_or_default(),
            })
            .collect();
        self.admin
            .create_partitions(topics, validate_only, timeout)
            .await
            .map_err(to_napi)
    }

    #[napi]
    pub async fn describe_cluster(&self) -> Result<ClusterOutput> {
        let cluster = self.admin.describe_cluster().await.map_err(to_napi)?;
        Ok(ClusterOutput {
            brokers: cluster
                .brokers
                .into_iter()
                .map(|b| BrokerOutput {
                    node_id: b.node_id,
                    host: b.host,
                    port: b.port,
                })
                .collect(),
            controller: cluster.controller,
            cluster_id: cluster.cluster_id,
        })
    }

    /// Deletes the records before each offset (`-1`: the high watermark).
    #[napi]
    pub async fn delete_topic_records(
        &self,
        topic: String,
        partitions: Vec<PartitionOffset>,
    ) -> Result<()> {
        let partitions = partition_offsets(partitions)?;
        self.admin
            .delete_records(&topic, partitions)
            .await
            .map_err(to_napi)
    }

    #[napi]
    pub async fn delete_topics(&self, topics: Vec<String>, timeout: i32) -> Result<()> {
        self.admin
            .delete_topics(topics, timeout)
            .await
            .map_err(to_napi)
    }

    #[napi]
    pub async fn list_topics(&self) -> Result<Vec<String>> {
        self.admin.list_topics().await.map_err(to_napi)
    }

    #[napi]
    pub async fn fetch_topic_metadata(
        &self,
        topics: Option<Vec<String>>,
    ) -> Result<Vec<TopicMetadataOutput>> {
        let metas = self
            .admin
            .fetch_topic_metadata(topics)
            .await
            .map_err(to_napi)?;
        Ok(metas.iter().map(|t| t.as_ref().into()).collect())
    }
}
