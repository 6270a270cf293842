//! `NativeAdmin`: the admin calls, results shaped as KafkaJS returns them.

use std::sync::Arc;

use kafkars_client::admin::{Admin, NewTopic};
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
pub struct TopicToCreate {
    pub topic: String,
    pub num_partitions: Option<i32>,
    pub replication_factor: Option<i32>,
    pub config_entries: Option<Vec<ConfigEntry>>,
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

#[napi(object)]
pub struct TopicOffsetsOutput {
    pub partition: i32,
    pub offset: String,
    pub high: String,
    pub low: String,
}

#[napi(object)]
pub struct PartitionCommittedOutput {
    pub partition: i32,
    pub offset: String,
    pub metadata: Option<String>,
}

#[napi(object)]
pub struct TopicCommittedOutput {
    pub topic: String,
    pub partitions: Vec<PartitionCommittedOutput>,
}

#[napi]
pub struct NativeAdmin {
    admin: Admin,
    cluster: Arc<Cluster>,
}

#[napi]
impl NativeAdmin {
    #[napi(constructor)]
    /// `retry`, for the admin's operations: the Kafka-level `retry` merged with the admin's.
    pub fn new(client: ClientOptions, retry: RetryOptions) -> Self {
        let cluster = Cluster::new(client.to_config(None));
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

    #[napi]
    pub async fn fetch_topic_offsets(&self, topic: String) -> Result<Vec<TopicOffsetsOutput>> {
        let offsets = self
            .admin
            .fetch_topic_offsets(&topic)
            .await
            .map_err(to_napi)?;
        Ok(offsets
            .into_iter()
            .map(|o| TopicOffsetsOutput {
                partition: o.partition,
                offset: o.high.to_string(),
                high: o.high.to_string(),
                low: o.low.to_string(),
            })
            .collect())
    }

    #[napi]
    pub async fn fetch_offsets(
        &self,
        group_id: String,
        topics: Vec<String>,
    ) -> Result<Vec<TopicCommittedOutput>> {
        let committed = self
            .admin
            .fetch_offsets(&group_id, topics)
            .await
            .map_err(to_napi)?;
        Ok(committed
            .into_iter()
            .map(|(topic, partitions)| TopicCommittedOutput {
                topic,
                partitions: partitions
                    .into_iter()
                    .map(|c| PartitionCommittedOutput {
                        partition: c.partition,
                        offset: c.offset.to_string(),
                        metadata: c.metadata,
                    })
                    .collect(),
            })
            .collect())
    }
}
