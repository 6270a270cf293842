//! The admin client: topics, offsets, group offsets. Admin never creates topics implicitly.

use std::sync::Arc;

use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::{
    CreateTopicsRequest, DeleteTopicsRequest, DescribeGroupsRequest, ListOffsetsRequest,
    OffsetFetchRequest,
};
use kafka_protocol::protocol::StrBytes;

use crate::cluster::{Cluster, TopicMetadata};
use crate::config::RetryConfig;
use crate::error::{Error, ErrorClass, Result};
use crate::retry::{retry, retry_only};

#[derive(Debug, Clone, Default)]
pub struct NewTopic {
    pub topic: String,
    /// -1 lets the broker choose.
    pub num_partitions: i32,
    pub replication_factor: i16,
    pub config_entries: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub partition: i32,
    pub high: i64,
    pub low: i64,
}

/// A group as its coordinator describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    pub error_code: i16,
    pub group_id: String,
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub members: Vec<GroupMemberDescription>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMemberDescription {
    pub member_id: String,
    pub client_id: String,
    pub client_host: String,
    pub member_metadata: bytes::Bytes,
    pub member_assignment: bytes::Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub partition: i32,
    /// -1 when the group has no commit for the partition.
    pub offset: i64,
    pub metadata: Option<String>,
}

pub struct Admin {
    cluster: Arc<Cluster>,
    /// How its operations retry: KafkaJS's Kafka-level `retry` merged with the admin's.
    retry: RetryConfig,
}

fn name(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

impl Admin {
    pub fn new(cluster: Arc<Cluster>, retry: RetryConfig) -> Self {
        Admin { cluster, retry }
    }

    pub async fn connect(&self) -> Result<()> {
        self.cluster.connect().await
    }

    pub async fn disconnect(&self) {
        self.cluster.disconnect().await
    }

    /// Creates topics on the controller. `Ok(false)` when every one of them already existed,
    /// as KafkaJS reports it.
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
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        CreatableTopic::default()
                            .with_name(name(&t.topic).into())
                            .with_num_partitions(t.num_partitions)
                            .with_replication_factor(t.replication_factor)
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
                    })
                    .collect(),
            );
        // As KafkaJS: only NOT_CONTROLLER is retried; a broker that cannot be reached fails at once.
        let response = retry_only(
            &self.retry,
            |e| e.protocol_kind() == Some("NOT_CONTROLLER"),
            |_| async {
                let conn = self.controller().await?;
                conn.send(&request).await
            },
        )
        .await?;
        let mut created = Vec::new();
        let mut failure = None;
        for t in &response.topics {
            match t.error_code {
                0 => created.push(t.name.as_str().to_string()),
                36 => {} // TOPIC_ALREADY_EXISTS
                code => {
                    let mut e = Error::protocol(code).at(t.name.as_str(), -1);
                    e.class = ErrorClass::CreateTopic;
                    failure.get_or_insert(e);
                }
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        if wait_for_leaders && !validate_only && !created.is_empty() {
            self.wait_for_leaders(&created).await?;
        }
        Ok(!created.is_empty() || validate_only)
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

    pub async fn delete_topics(&self, topics: Vec<String>, timeout_ms: i32) -> Result<()> {
        let request = DeleteTopicsRequest::default()
            .with_timeout_ms(timeout_ms)
            .with_topic_names(topics.iter().map(|t| name(t).into()).collect());
        let response = retry(&self.retry, |_| async {
            let conn = self.controller().await?;
            conn.send(&request).await
        })
        .await?;
        for r in &response.responses {
            if r.error_code != 0 {
                let topic = r.name.as_ref().map(|n| n.as_str()).unwrap_or("");
                return Err(Error::protocol(r.error_code).at(topic, -1));
            }
        }
        Ok(())
    }

    /// The controller as fresh metadata names it (KafkaJS refreshes before each attempt, so a
    /// NOT_CONTROLLER retry finds the new one).
    async fn controller(&self) -> Result<Arc<crate::network::Connection>> {
        self.cluster.fetch_metadata(Some(&[]), false).await?;
        let controller = self.cluster.metadata().controller_id;
        if controller >= 0 {
            self.cluster.broker(controller).await
        } else {
            self.cluster.any_connection().await
        }
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

    /// Earliest and latest offsets of every partition of `topic`.
    pub async fn fetch_topic_offsets(&self, topic: &str) -> Result<Vec<PartitionOffsets>> {
        let topic_meta = self
            .fetch_topic_metadata(Some(vec![topic.to_string()]))
            .await?
            .remove(0);
        let partitions: Vec<i32> = topic_meta
            .partitions
            .iter()
            .map(|p| p.partition_id)
            .collect();
        let high = list_offsets(&self.cluster, &self.retry, topic, &partitions, -1).await?;
        let low = list_offsets(&self.cluster, &self.retry, topic, &partitions, -2).await?;
        Ok(partitions
            .iter()
            .map(|&p| PartitionOffsets {
                partition: p,
                high: high.iter().find(|o| o.0 == p).map_or(-1, |o| o.1),
                low: low.iter().find(|o| o.0 == p).map_or(-1, |o| o.1),
            })
            .collect())
    }

    /// A group's committed offsets for every partition of each topic.
    pub async fn fetch_offsets(
        &self,
        group_id: &str,
        topics: Vec<String>,
    ) -> Result<Vec<(String, Vec<CommittedOffset>)>> {
        let metas = self.fetch_topic_metadata(Some(topics.clone())).await?;
        let wanted: Vec<(String, Vec<i32>)> = metas
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.partitions.iter().map(|p| p.partition_id).collect(),
                )
            })
            .collect();
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
        let mut by_leader: std::collections::HashMap<i32, Vec<i32>> = Default::default();
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

/// DescribeGroups on the group's coordinator.
pub async fn describe_group(
    cluster: &Cluster,
    retry_config: &RetryConfig,
    group_id: &str,
) -> Result<GroupDescription> {
    let request = DescribeGroupsRequest::default().with_groups(vec![name(group_id).into()]);
    let response = retry(retry_config, |_| async {
        cluster.coordinator(group_id).await?.send(&request).await
    })
    .await?;
    let group = response.groups.into_iter().next().ok_or_else(|| {
        Error::kafka(format!("The coordinator did not describe group {group_id}"))
    })?;
    let text = |s: &StrBytes| s.as_str().to_string();
    Ok(GroupDescription {
        error_code: group.error_code,
        group_id: text(&group.group_id),
        state: text(&group.group_state),
        protocol_type: text(&group.protocol_type),
        protocol: text(&group.protocol_data),
        members: group
            .members
            .into_iter()
            .map(|m| GroupMemberDescription {
                member_id: text(&m.member_id),
                client_id: text(&m.client_id),
                client_host: text(&m.client_host),
                member_metadata: m.member_metadata,
                member_assignment: m.member_assignment,
            })
            .collect(),
    })
}

/// OffsetFetch on the group's coordinator.
pub async fn fetch_committed(
    cluster: &Cluster,
    retry_config: &RetryConfig,
    group_id: &str,
    topics: &[(String, Vec<i32>)],
) -> Result<Vec<(String, CommittedOffset)>> {
    let request = OffsetFetchRequest::default()
        .with_group_id(name(group_id).into())
        .with_topics(Some(
            topics
                .iter()
                .map(|(t, ps)| {
                    OffsetFetchRequestTopic::default()
                        .with_name(name(t).into())
                        .with_partition_indexes(ps.clone())
                })
                .collect(),
        ));
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
