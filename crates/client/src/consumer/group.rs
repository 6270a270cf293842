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
use super::ConsumerConfig;
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::network::Connection;

const MEMBER_ID_REQUIRED: i16 = 79;
const UNKNOWN_MEMBER_ID: i16 = 25;
const ILLEGAL_GENERATION: i16 = 22;
const REBALANCE_IN_PROGRESS: i16 = 27;

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
    pub coordinator: Arc<Connection>,
    pub generation_id: i32,
    pub member_id: String,
    pub leader_id: String,
    pub group_protocol: String,
    pub assignment: Vec<(String, Vec<i32>)>,
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
) -> Result<Generation> {
    const MAX_REJOINS: u32 = 20;
    let mut rejoins = 0;
    loop {
        match join_and_sync_once(cluster, config, member_id, topics).await {
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
) -> Result<Generation> {
    let started = Instant::now();
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
            .with_protocols(vec![JoinGroupRequestProtocol::default()
                .with_name(sb(ROUND_ROBIN))
                .with_metadata(assigner::encode_member_metadata(topics))]);
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
    let mut assignments = Vec::new();
    if leader_id == *member_id {
        cluster
            .refresh_metadata(topics, config.allow_auto_topic_creation)
            .await?;
        let members: Vec<String> = joined
            .members
            .iter()
            .map(|m| m.member_id.as_str().to_string())
            .collect();
        let metadata = cluster.metadata();
        for (member, assignment) in assigner::round_robin(&members, topics, &metadata) {
            assignments.push(
                SyncGroupRequestAssignment::default()
                    .with_member_id(sb(&member))
                    .with_assignment(assigner::encode_assignment(&assignment)),
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
                .with_protocol_name(Some(sb(ROUND_ROBIN)))
                .with_assignments(assignments),
            join_timeout,
        )
        .await?;
    if synced.error_code != 0 {
        return Err(Error::protocol(synced.error_code));
    }
    let assignment = assigner::decode_assignment(synced.assignment)?
        .into_iter()
        .filter(|(t, _)| topics.contains(t))
        .collect();
    Ok(Generation {
        coordinator,
        generation_id,
        member_id: member_id.clone(),
        leader_id,
        group_protocol: joined
            .protocol_name
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| ROUND_ROBIN.to_string()),
        assignment,
        duration: started.elapsed(),
    })
}

pub async fn heartbeat(config: &ConsumerConfig, generation: &Generation) -> Result<()> {
    let response = generation
        .coordinator
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

/// Commits `offsets` (topic, partition, next offset to consume).
pub async fn commit(
    config: &ConsumerConfig,
    generation: &Generation,
    offsets: &[(String, i32, i64)],
) -> Result<()> {
    let mut topics: Vec<OffsetCommitRequestTopic> = Vec::new();
    for (topic, partition, offset) in offsets {
        let p = OffsetCommitRequestPartition::default()
            .with_partition_index(*partition)
            .with_committed_offset(*offset)
            .with_committed_leader_epoch(-1);
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.partitions.push(p),
            None => topics.push(
                OffsetCommitRequestTopic::default()
                    .with_name(sb(topic).into())
                    .with_partitions(vec![p]),
            ),
        }
    }
    let response = generation
        .coordinator
        .send(
            &OffsetCommitRequest::default()
                .with_group_id(sb(&config.group_id).into())
                .with_generation_id_or_member_epoch(generation.generation_id)
                .with_member_id(sb(&generation.member_id))
                .with_retention_time_ms(-1)
                .with_topics(topics),
        )
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

pub async fn leave(config: &ConsumerConfig, generation: &Generation) -> Result<()> {
    let coordinator = &generation.coordinator;
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
