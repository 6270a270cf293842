//! A generation of a group with the admin as its only member. KafkaJS's setOffsets commits
//! through a consumer of the group that joins, commits and leaves; the admin does the same, so
//! the group it leaves behind is the one KafkaJS leaves (an Empty group of protocol type
//! `consumer`), not a bare offset store.

use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    JoinGroupRequest, LeaveGroupRequest, OffsetCommitRequest, SyncGroupRequest,
};

use super::name;
use crate::cluster::Cluster;
use crate::consumer::{encode_assignment, encode_member_metadata, ROUND_ROBIN};
use crate::error::{Error, Result};
use crate::network::Connection;

const MEMBER_ID_REQUIRED: i16 = 79;
/// A member the coordinator already let go has left.
const UNKNOWN_MEMBER_ID: i16 = 25;
/// KafkaJS's consumer defaults, which its setOffsets' consumer joins with.
const SESSION_TIMEOUT_MS: i32 = 30_000;
const REBALANCE_TIMEOUT_MS: i32 = 60_000;

/// The admin's place in one generation of `group_id`.
pub struct Visit {
    coordinator: Arc<Connection>,
    group_id: String,
    generation_id: i32,
    member_id: String,
}

impl Visit {
    /// Joins `group_id` subscribed to `topic` and, as its leader, takes all of `partitions`.
    pub async fn join(
        cluster: &Cluster,
        group_id: &str,
        topic: &str,
        partitions: &[i32],
    ) -> Result<Visit> {
        let coordinator = cluster.coordinator(group_id).await?;
        // The coordinator holds JoinGroup until the rebalance completes.
        let timeout =
            Duration::from_millis(REBALANCE_TIMEOUT_MS as u64) + cluster.config().request_timeout;
        let protocol = JoinGroupRequestProtocol::default()
            .with_name(name(ROUND_ROBIN))
            .with_metadata(encode_member_metadata(&[topic.to_string()]));
        let mut member_id = String::new();
        let joined = loop {
            let request = JoinGroupRequest::default()
                .with_group_id(name(group_id).into())
                .with_session_timeout_ms(SESSION_TIMEOUT_MS)
                .with_rebalance_timeout_ms(REBALANCE_TIMEOUT_MS)
                .with_member_id(name(&member_id))
                .with_protocol_type(name("consumer"))
                .with_protocols(vec![protocol.clone()]);
            let response = coordinator.send_with_timeout(&request, timeout).await?;
            match response.error_code {
                0 => break response,
                // Since JoinGroup v4 the first join only hands out a member id.
                MEMBER_ID_REQUIRED => member_id = response.member_id.as_str().to_string(),
                code => return Err(Error::protocol(code)),
            }
        };
        let member_id = joined.member_id.as_str().to_string();
        let assignments = if joined.leader.as_str() == member_id {
            let assignment = encode_assignment(&[(topic.to_string(), partitions.to_vec())]);
            vec![SyncGroupRequestAssignment::default()
                .with_member_id(name(&member_id))
                .with_assignment(assignment)]
        } else {
            Vec::new()
        };
        let visit = Visit {
            coordinator,
            group_id: group_id.to_string(),
            generation_id: joined.generation_id,
            member_id,
        };
        let synced = visit
            .coordinator
            .send_with_timeout(
                &SyncGroupRequest::default()
                    .with_group_id(name(group_id).into())
                    .with_generation_id(visit.generation_id)
                    .with_member_id(name(&visit.member_id))
                    .with_protocol_type(Some(name("consumer")))
                    .with_protocol_name(Some(name(ROUND_ROBIN)))
                    .with_assignments(assignments),
                timeout,
            )
            .await;
        match synced {
            Ok(r) if r.error_code == 0 => Ok(visit),
            Ok(r) => Err(visit.leaving(Error::protocol(r.error_code)).await),
            Err(e) => Err(visit.leaving(e).await),
        }
    }

    /// Commits `offsets` (partition, offset) of `topic` in this generation.
    pub async fn commit(&self, topic: &str, offsets: &[(i32, i64)]) -> Result<()> {
        let partitions = offsets
            .iter()
            .map(|&(p, offset)| {
                OffsetCommitRequestPartition::default()
                    .with_partition_index(p)
                    .with_committed_offset(offset)
                    .with_committed_leader_epoch(-1)
            })
            .collect();
        let request = OffsetCommitRequest::default()
            .with_group_id(name(&self.group_id).into())
            .with_generation_id_or_member_epoch(self.generation_id)
            .with_member_id(name(&self.member_id))
            .with_retention_time_ms(-1)
            .with_topics(vec![OffsetCommitRequestTopic::default()
                .with_name(name(topic).into())
                .with_partitions(partitions)]);
        let response = self.coordinator.send(&request).await?;
        for t in &response.topics {
            for p in &t.partitions {
                if p.error_code != 0 {
                    return Err(Error::protocol(p.error_code).at(topic, p.partition_index));
                }
            }
        }
        Ok(())
    }

    /// Leaves the group, which is Empty again once the admin has gone.
    pub async fn leave(&self) -> Result<()> {
        let mut request = LeaveGroupRequest::default().with_group_id(name(&self.group_id).into());
        // Since v3 a request names the members leaving; before, the one member.
        if self.coordinator.version_for::<LeaveGroupRequest>()? >= 3 {
            request.members = vec![MemberIdentity::default().with_member_id(name(&self.member_id))];
        } else {
            request.member_id = name(&self.member_id);
        }
        let response = self.coordinator.send(&request).await?;
        let code = match response.members.first() {
            Some(member) if response.error_code == 0 => member.error_code,
            _ => response.error_code,
        };
        match code {
            0 | UNKNOWN_MEMBER_ID => Ok(()),
            code => Err(Error::protocol(code)),
        }
    }

    /// Leaves after `failure`, which is what the caller hears of either way.
    async fn leaving(&self, failure: Error) -> Error {
        let _ = self.leave().await;
        failure
    }
}
