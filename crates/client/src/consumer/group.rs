//! Membership of one consumer group generation: join, sync, heartbeat, commit, leave.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, OffsetCommitRequest, SyncGroupRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::assigner::{self, ROUND_ROBIN};
use super::{AssignRequest, ConsumerConfig, ExternalAssigner};
use crate::cluster::Cluster;
use crate::error::{Error, ErrorClass, Result};
use crate::network::Connection;
use crate::protocol::by_topic::by_topic;
use crate::retry::retry_only;

const MEMBER_ID_REQUIRED: i16 = 79;
const UNKNOWN_MEMBER_ID: i16 = 25;
const ILLEGAL_GENERATION: i16 = 22;
const REBALANCE_IN_PROGRESS: i16 = 27;

/// The connection under a request was cut: sending again on a new one may well succeed.
pub fn is_cut(e: &Error) -> bool {
    e.class == ErrorClass::ConnectionClosed
}

/// Errors that mean "this generation is over: join again".
pub fn is_rebalancing(e: &Error) -> bool {
    matches!(
        e.protocol.map(|p| p.code),
        Some(REBALANCE_IN_PROGRESS | ILLEGAL_GENERATION | UNKNOWN_MEMBER_ID)
    ) || matches!(e.protocol_kind(), Some("NOT_COORDINATOR_FOR_GROUP"))
}

/// The result of joining: this member's place in one generation.
#[derive(Debug, Clone)]
pub struct Generation {
    /// The coordinator's address: its connection is looked up for each request, so a cut one
    /// is reopened (see [`Cluster::coordinator_at`]).
    pub coordinator: String,
    pub generation_id: i32,
    pub member_id: String,
    pub leader_id: String,
    pub group_protocol: String,
    /// This member's partitions in the topics it subscribes to.
    pub assignment: Vec<(String, Vec<i32>)>,
    /// Every topic the leader assigned this member, subscribed or not.
    pub assigned_topics: Vec<String>,
    pub duration: Duration,
}

impl Generation {
    pub fn is_leader(&self) -> bool {
        self.leader_id == self.member_id
    }
}

fn sb(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

/// Joins and syncs; `member_id` carries over between generations (empty on first join). A
/// rebalance that starts meanwhile (another member joining or leaving) means joining again, as
/// KafkaJS does, though the broker calls those errors non-retriable.
pub async fn join_and_sync(
    cluster: &Cluster,
    config: &ConsumerConfig,
    member_id: &mut String,
    topics: &[String],
    assigner: Option<&dyn ExternalAssigner>,
) -> Result<Generation> {
    const MAX_REJOINS: u32 = 20;
    let mut rejoins = 0;
    loop {
        match join_and_sync_once(cluster, config, member_id, topics, assigner).await {
            Err(e) if is_rebalancing(&e) && rejoins < MAX_REJOINS => {
                if e.protocol.map(|p| p.code) == Some(UNKNOWN_MEMBER_ID) {
                    member_id.clear();
                }
                rejoins += 1;
            }
            result => return result,
        }
    }
}

async fn join_and_sync_once(
    cluster: &Cluster,
    config: &ConsumerConfig,
    member_id: &mut String,
    topics: &[String],
    assigner: Option<&dyn ExternalAssigner>,
) -> Result<Generation> {
    let started = Instant::now();
    let protocols: Vec<JoinGroupRequestProtocol> = match assigner {
        Some(a) => a.protocols(),
        None => vec![(
            ROUND_ROBIN.to_string(),
            assigner::encode_member_metadata(topics),
        )],
    }
    .into_iter()
    .map(|(name, metadata)| {
        JoinGroupRequestProtocol::default()
            .with_name(sb(&name))
            .with_metadata(metadata)
    })
    .collect();
    let coordinator = cluster.coordinator(&config.group_id).await?;
    // JoinGroup is held by the coordinator until the rebalance completes.
    let join_timeout =
        Duration::from_millis(config.rebalance_timeout as u64) + cluster.config().request_timeout;
    let joined = loop {
        let request = JoinGroupRequest::default()
            .with_group_id(sb(&config.group_id).into())
            .with_session_timeout_ms(config.session_timeout)
            .with_rebalance_timeout_ms(config.rebalance_timeout)
            .with_member_id(sb(member_id))
            .with_protocol_type(sb("consumer"))
            .with_protocols(protocols.clone());
        let response = coordinator
            .send_with_timeout(&request, join_timeout)
            .await?;
        match response.error_code {
            0 => break response,
            // Since JoinGroup v4 the first join only hands out a member id.
            MEMBER_ID_REQUIRED => *member_id = response.member_id.as_str().to_string(),
            UNKNOWN_MEMBER_ID => member_id.clear(),
            code => return Err(Error::protocol(code)),
        }
    };
    *member_id = joined.member_id.as_str().to_string();
    let generation_id = joined.generation_id;
    let leader_id = joined.leader.as_str().to_string();
    let group_protocol = joined
        .protocol_name
        .as_ref()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| ROUND_ROBIN.to_string());
    let mut assignments = Vec::new();
    if leader_id == *member_id {
        let members: Vec<(String, bytes::Bytes)> = joined
            .members
            .iter()
            .map(|m| (m.member_id.as_str().to_string(), m.metadata.clone()))
            .collect();
        // As KafkaJS's, the leader assigns the topics it subscribes to itself, whatever the
        // others subscribe to: a member may be given a topic it did not ask for (reported as
        // RECEIVED_UNSUBSCRIBED_TOPICS), and one only others ask for goes unassigned.
        let group_topics: Vec<String> = topics.to_vec();
        cluster
            .refresh_metadata(&group_topics, config.allow_auto_topic_creation)
            .await?;
        let metadata = cluster.metadata();
        let decided: Vec<(String, bytes::Bytes)> = match assigner {
            Some(a) => {
                a.assign(AssignRequest {
                    protocol: group_protocol.clone(),
                    partitions: group_topics
                        .iter()
                        .filter_map(|t| metadata.topic(t).cloned())
                        .collect(),
                    members,
                    topics: group_topics,
                })
                .await?
            }
            None => {
                let ids: Vec<String> = members.into_iter().map(|(id, _)| id).collect();
                assigner::round_robin(&ids, &group_topics, &metadata)
                    .into_iter()
                    .map(|(member, a)| (member, assigner::encode_assignment(&a)))
                    .collect()
            }
        };
        for (member, assignment) in decided {
            assignments.push(
                SyncGroupRequestAssignment::default()
                    .with_member_id(sb(&member))
                    .with_assignment(assignment),
            );
        }
    }
    let synced = coordinator
        .send_with_timeout(
            &SyncGroupRequest::default()
                .with_group_id(sb(&config.group_id).into())
                .with_generation_id(generation_id)
                .with_member_id(sb(member_id))
                .with_protocol_type(Some(sb("consumer")))
                .with_protocol_name(Some(sb(&group_protocol)))
                .with_assignments(assignments),
            join_timeout,
        )
        .await?;
    if synced.error_code != 0 {
        return Err(Error::protocol(synced.error_code));
    }
    let all = assigner::decode_assignment(synced.assignment)?;
    let assigned_topics = all.iter().map(|(t, _)| t.clone()).collect();
    let assignment = all
        .into_iter()
        .filter(|(t, _)| topics.contains(t))
        .collect();
    Ok(Generation {
        coordinator: coordinator.address().to_string(),
        generation_id,
        member_id: member_id.clone(),
        leader_id,
        group_protocol,
        assignment,
        assigned_topics,
        duration: started.elapsed(),
    })
}

/// The generation's coordinator connection, reopened if it was cut.
async fn coordinator(cluster: &Cluster, generation: &Generation) -> Result<Arc<Connection>> {
    cluster
        .coordinator_at(&generation.coordinator, "group")
        .await
}

pub async fn heartbeat(
    cluster: &Cluster,
    config: &ConsumerConfig,
    generation: &Generation,
) -> Result<()> {
    let response = coordinator(cluster, generation)
        .await?
        .send(
            &HeartbeatRequest::default()
                .with_group_id(sb(&config.group_id).into())
                .with_generation_id(generation.generation_id)
                .with_member_id(sb(&generation.member_id)),
        )
        .await?;
    match response.error_code {
        0 => Ok(()),
        code => Err(Error::protocol(code)),
    }
}

/// Commits `offsets` (topic, partition, next offset to consume). A commit whose connection was
/// cut is sent again on a new one, under the retry policy: the generation outlives a socket.
pub async fn commit(
    cluster: &Cluster,
    config: &ConsumerConfig,
    generation: &Generation,
    offsets: &[(String, i32, i64)],
) -> Result<()> {
    let partitions = offsets.iter().map(|(topic, partition, offset)| {
        let p = OffsetCommitRequestPartition::default()
            .with_partition_index(*partition)
            .with_committed_offset(*offset)
            .with_committed_leader_epoch(-1);
        (topic, p)
    });
    let topics = by_topic(partitions)
        .into_iter()
        .map(|(topic, partitions)| {
            OffsetCommitRequestTopic::default()
                .with_name(sb(topic).into())
                .with_partitions(partitions)
        })
        .collect();
    let request = OffsetCommitRequest::default()
        .with_group_id(sb(&config.group_id).into())
        .with_generation_id_or_member_epoch(generation.generation_id)
        .with_member_id(sb(&generation.member_id))
        .with_retention_time_ms(-1)
        .with_topics(topics);
    let response = retry_only(&config.retry, is_cut, |_| async {
        coordinator(cluster, generation).await?.send(&request).await
    })
    .await?;
    for t in response.topics {
        for p in t.partitions {
            if p.error_code != 0 {
                return Err(Error::protocol(p.error_code).at(t.name.as_str(), p.partition_index));
            }
        }
    }
    Ok(())
}

pub async fn leave(
    cluster: &Cluster,
    config: &ConsumerConfig,
    generation: &Generation,
) -> Result<()> {
    let coordinator = coordinator(cluster, generation).await?;
    let mut request = LeaveGroupRequest::default().with_group_id(sb(&config.group_id).into());
    // Since v3 a request names the members leaving; before, the one member.
    if coordinator.version_for::<LeaveGroupRequest>()? >= 3 {
        request.members = vec![MemberIdentity::default().with_member_id(sb(&generation.member_id))];
    } else {
        request.member_id = sb(&generation.member_id);
    }
    let response = coordinator.send(&request).await?;
    let code = match response.members.first() {
        Some(member) if response.error_code == 0 => member.error_code,
        _ => response.error_code,
    };
    match code {
        0 | UNKNOWN_MEMBER_ID => Ok(()),
        code => Err(Error::protocol(code)),
    }
}
