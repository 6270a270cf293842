//! Offsets: a topic's, a group's, and setting a group's.

use napi::Result;
use napi_derive::napi;

use super::{int64, partition_offsets, NativeAdmin, PartitionOffset};
use crate::error::to_napi;

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
impl NativeAdmin {
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

    /// `timestamp` in ms since the epoch (an Int64, as a string); the latest offsets when absent.
    #[napi]
    pub async fn fetch_topic_offsets_by_timestamp(
        &self,
        topic: String,
        timestamp: Option<String>,
    ) -> Result<Vec<PartitionOffset>> {
        let timestamp = timestamp.map(|t| int64(&t, "timestamp")).transpose()?;
        let offsets = self
            .admin
            .fetch_topic_offsets_by_timestamp(&topic, timestamp)
            .await
            .map_err(to_napi)?;
        Ok(offsets
            .into_iter()
            .map(|(partition, offset)| PartitionOffset {
                partition,
                offset: offset.to_string(),
            })
            .collect())
    }

    /// `topics` absent: every topic the group has committed offsets for.
    #[napi]
    pub async fn fetch_offsets(
        &self,
        group_id: String,
        topics: Option<Vec<String>>,
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

    #[napi]
    pub async fn set_offsets(
        &self,
        group_id: String,
        topic: String,
        partitions: Vec<PartitionOffset>,
    ) -> Result<()> {
        let partitions = partition_offsets(partitions)?;
        self.admin
            .set_offsets(&group_id, &topic, partitions)
            .await
            .map_err(to_napi)
    }

    #[napi]
    pub async fn reset_offsets(
        &self,
        group_id: String,
        topic: String,
        earliest: bool,
    ) -> Result<()> {
        self.admin
            .reset_offsets(&group_id, &topic, earliest)
            .await
            .map_err(to_napi)
    }
}
