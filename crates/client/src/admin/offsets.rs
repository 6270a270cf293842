//! Offsets: a topic's watermarks and offsets by time, a group's committed offsets and setting them.

use std::collections::HashMap;

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{ListOffsetsRequest, OffsetFetchRequest};

use super::{describe_group, name, Admin};
use crate::cluster::Cluster;
use crate::config::RetryConfig;
use crate::consumer::{group, ConsumerConfig};
use crate::error::{Error, Result};
use crate::protocol::by_topic::by_topic;
use crate::retry::retry;

/// ListOffsets' timestamps for the log end and the log start.
const LATEST: i64 = -1;
const EARLIEST: i64 = -2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub partition: i32,
    pub high: i64,
    pub low: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub partition: i32,
    /// -1 when the group has no commit for the partition.
    pub offset: i64,
    pub metadata: Option<String>,
}

impl Admin {
    /// The partition ids of `topic`, loaded as a consumer's subscribe loads them.
    async fn topic_partitions(&self, topic: &str) -> Result<Vec<i32>> {
        self.cluster
            .add_target_topics(&[topic.to_string()], false)
            .await?;
        let metadata = self.cluster.metadata();
        let t = metadata.loaded_topic(topic)?;
        Ok(t.partitions.iter().map(|p| p.partition_id).collect())
    }

    async fn offsets_at(
        &self,
        topic: &str,
        partitions: &[i32],
        timestamp: i64,
    ) -> Result<HashMap<i32, i64>> {
        let offsets =
            list_offsets(&self.cluster, &self.retry, topic, partitions, timestamp).await?;
        Ok(offsets.into_iter().collect())
    }

    async fn partition_ids(&self, topic: &str) -> Result<Vec<i32>> {
        let topic_meta = self
            .fetch_topic_metadata(Some(vec![topic.to_string()]))
            .await?
            .remove(0);
        Ok(topic_meta
            .partitions
            .iter()
            .map(|p| p.partition_id)
            .collect())
    }

    /// Earliest and latest offsets of every partition of `topic`.
    pub async fn fetch_topic_offsets(&self, topic: &str) -> Result<Vec<PartitionOffsets>> {
        let partitions = self.partition_ids(topic).await?;
        let high = self.offsets_at(topic, &partitions, LATEST).await?;
        let low = self.offsets_at(topic, &partitions, EARLIEST).await?;
        Ok(partitions
            .iter()
            .map(|&p| PartitionOffsets {
                partition: p,
                high: high.get(&p).copied().unwrap_or(-1),
                low: low.get(&p).copied().unwrap_or(-1),
            })
            .collect())
    }

    /// The first offset of each partition of `topic` at or after `timestamp` (the latest when
    /// `None`), or the high watermark where no record is that recent.
    pub async fn fetch_topic_offsets_by_timestamp(
        &self,
        topic: &str,
        timestamp: Option<i64>,
    ) -> Result<Vec<(i32, i64)>> {
        let partitions = self.partition_ids(topic).await?;
        let high = self.offsets_at(topic, &partitions, LATEST).await?;
        let at = self
            .offsets_at(topic, &partitions, timestamp.unwrap_or(LATEST))
            .await?;
        Ok(partitions
            .iter()
            .map(|&p| {
                let offset = at.get(&p).copied().unwrap_or(-1);
                let offset = if offset >= 0 {
                    offset
                } else {
                    high.get(&p).copied().unwrap_or(-1)
                };
                (p, offset)
            })
            .collect())
    }

    /// A group's committed offsets for every partition of each topic; with `None`, the
    /// partitions the group has committed offsets for, by topic.
    pub async fn fetch_offsets(
        &self,
        group_id: &str,
        topics: Option<Vec<String>>,
    ) -> Result<Vec<(String, Vec<CommittedOffset>)>> {
        let Some(topics) = topics else {
            let committed = offset_fetch(&self.cluster, &self.retry, group_id, None).await?;
            return Ok(by_topic(committed));
        };
        // Each topic loaded as KafkaJS loads it: a missing one fails at once, not after retries.
        let mut wanted: Vec<(String, Vec<i32>)> = Vec::new();
        for topic in topics {
            let partitions = self.topic_partitions(&topic).await?;
            wanted.push((topic, partitions));
        }
        let committed = fetch_committed(&self.cluster, &self.retry, group_id, &wanted).await?;
        Ok(wanted
            .into_iter()
            .map(|(topic, partitions)| {
                let offsets = partitions
                    .into_iter()
                    .map(|p| {
                        committed
                            .iter()
                            .find(|(t, c)| *t == topic && c.partition == p)
                            .map(|(_, c)| c.clone())
                            .unwrap_or(CommittedOffset {
                                partition: p,
                                offset: -1,
                                metadata: None,
                            })
                    })
                    .collect();
                (topic, offsets)
            })
            .collect())
    }

    /// Commits `offsets` (partition, offset) of `topic` for a group without members, as
    /// KafkaJS's setOffsets does: in a generation of the group the admin joins alone and leaves.
    /// Partitions the topic does not have are skipped, as KafkaJS's seek skips them.
    pub async fn set_offsets(
        &self,
        group_id: &str,
        topic: &str,
        offsets: Vec<(i32, i64)>,
    ) -> Result<()> {
        let partitions = self.topic_partitions(topic).await?;
        let group = describe_group(&self.cluster, &self.retry, group_id).await?;
        if !["Empty", "Dead"].contains(&group.state.as_str()) {
            return Err(Error::non_retriable(format!(
                "The consumer group must have no running instances, current state: {}",
                group.state
            )));
        }
        let offsets: Vec<(i32, i64)> = offsets
            .into_iter()
            .filter(|(p, _)| partitions.contains(p))
            .collect();
        let offsets: Vec<(String, i32, i64)> = offsets
            .into_iter()
            .map(|(p, offset)| (topic.to_string(), p, offset))
            .collect();
        // As KafkaJS's consumer does it: join the group alone, commit, leave.
        let config = ConsumerConfig {
            retry: self.retry,
            ..ConsumerConfig::new(group_id)
        };
        let topics = [topic.to_string()];
        retry(&self.retry, |_| async {
            let mut member_id = String::new();
            let generation =
                group::join_and_sync(&self.cluster, &config, &mut member_id, &topics, None).await?;
            let committed = if offsets.is_empty() {
                Ok(())
            } else {
                group::commit(&self.cluster, &config, &generation, &offsets).await
            };
            let left = group::leave(&self.cluster, &config, &generation).await;
            committed.and(left)
        })
        .await
    }

    /// Sets every partition of `topic` to the log start (`earliest`) or end, as KafkaJS does:
    /// by committing ListOffsets' -2 or -1 for a consumer to resolve when it starts.
    pub async fn reset_offsets(&self, group_id: &str, topic: &str, earliest: bool) -> Result<()> {
        let partitions = self.topic_partitions(topic).await?;
        let offset = if earliest { EARLIEST } else { LATEST };
        let offsets = partitions.into_iter().map(|p| (p, offset)).collect();
        self.set_offsets(group_id, topic, offsets).await
    }
}

/// ListOffsets for `timestamp` (-1 latest, -2 earliest) on each partition's leader.
pub async fn list_offsets(
    cluster: &Cluster,
    retry_config: &RetryConfig,
    topic: &str,
    partitions: &[i32],
    timestamp: i64,
) -> Result<Vec<(i32, i64)>> {
    retry(retry_config, |attempt| async move {
        if attempt > 0 {
            cluster
                .refresh_metadata(&[topic.to_string()], false)
                .await?;
        }
        let metadata = cluster.metadata();
        let mut by_leader: HashMap<i32, Vec<i32>> = Default::default();
        for &p in partitions {
            by_leader
                .entry(metadata.leader(topic, p)?)
                .or_default()
                .push(p);
        }
        let mut out = Vec::new();
        for (leader, parts) in by_leader {
            let request = ListOffsetsRequest::default()
                .with_replica_id((-1).into())
                .with_isolation_level(1)
                .with_topics(vec![ListOffsetsTopic::default()
                    .with_name(name(topic).into())
                    .with_partitions(
                        parts
                            .iter()
                            .map(|&p| {
                                ListOffsetsPartition::default()
                                    .with_partition_index(p)
                                    .with_current_leader_epoch(-1)
                                    .with_timestamp(timestamp)
                            })
                            .collect(),
                    )]);
            let response = cluster.broker(leader).await?.send(&request).await?;
            for t in response.topics {
                for p in t.partitions {
                    if p.error_code != 0 {
                        return Err(Error::protocol(p.error_code).at(topic, p.partition_index));
                    }
                    out.push((p.partition_index, p.offset));
                }
            }
        }
        Ok(out)
    })
    .await
}

/// OffsetFetch on the group's coordinator.
pub async fn fetch_committed(
    cluster: &Cluster,
    retry_config: &RetryConfig,
    group_id: &str,
    topics: &[(String, Vec<i32>)],
) -> Result<Vec<(String, CommittedOffset)>> {
    let topics = topics
        .iter()
        .map(|(t, ps)| {
            OffsetFetchRequestTopic::default()
                .with_name(name(t).into())
                .with_partition_indexes(ps.clone())
        })
        .collect();
    offset_fetch(cluster, retry_config, group_id, Some(topics)).await
}

/// OffsetFetch of `topics`, or of every partition the group has committed for when `None`.
async fn offset_fetch(
    cluster: &Cluster,
    retry_config: &RetryConfig,
    group_id: &str,
    topics: Option<Vec<OffsetFetchRequestTopic>>,
) -> Result<Vec<(String, CommittedOffset)>> {
    let request = OffsetFetchRequest::default()
        .with_group_id(name(group_id).into())
        .with_topics(topics);
    retry(retry_config, |_| async {
        let response = cluster.coordinator(group_id).await?.send(&request).await?;
        if response.error_code != 0 {
            return Err(Error::protocol(response.error_code));
        }
        let mut out = Vec::new();
        for t in response.topics {
            for p in t.partitions {
                if p.error_code != 0 {
                    return Err(
                        Error::protocol(p.error_code).at(t.name.as_str(), p.partition_index)
                    );
                }
                out.push((
                    t.name.as_str().to_string(),
                    CommittedOffset {
                        partition: p.partition_index,
                        offset: p.committed_offset,
                        metadata: p.metadata.map(|m| m.as_str().to_string()),
                    },
                ));
            }
        }
        Ok(out)
    })
    .await
}
