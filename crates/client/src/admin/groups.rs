//! Consumer groups: list, describe, delete.

use std::sync::{Arc, Mutex};

use kafka_protocol::messages::describe_groups_response::DescribedGroup;
use kafka_protocol::messages::{DeleteGroupsRequest, DescribeGroupsRequest, ListGroupsRequest};

use super::{name, text, Admin};
use crate::cluster::Cluster;
use crate::config::RetryConfig;
use crate::error::{Error, ErrorClass, ErrorDetails, Result};
use crate::network::Connection;
use crate::retry::{retry, retry_only};

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

/// A group as ListGroups names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOverview {
    pub group_id: String,
    pub protocol_type: String,
}

impl From<DescribedGroup> for GroupDescription {
    fn from(group: DescribedGroup) -> Self {
        GroupDescription {
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
        }
    }
}

/// Each group's coordinator, and the groups it coordinates, in the order first named.
async fn by_coordinator(
    cluster: &Cluster,
    group_ids: &[String],
) -> Result<Vec<(Arc<Connection>, Vec<String>)>> {
    let mut out: Vec<(Arc<Connection>, Vec<String>)> = Vec::new();
    for group_id in group_ids {
        let coordinator = cluster.coordinator(group_id).await?;
        match out
            .iter_mut()
            .find(|(c, _)| c.address() == coordinator.address())
        {
            Some((_, ids)) => ids.push(group_id.clone()),
            None => out.push((coordinator, vec![group_id.clone()])),
        }
    }
    Ok(out)
}

impl Admin {
    /// Every group every broker knows.
    pub async fn list_groups(&self) -> Result<Vec<GroupOverview>> {
        self.cluster.refresh_metadata(&[], false).await?;
        let mut nodes: Vec<i32> = self.cluster.metadata().brokers.keys().copied().collect();
        nodes.sort();
        let mut groups = Vec::new();
        for node in nodes {
            let response = self
                .cluster
                .broker(node)
                .await?
                .send(&ListGroupsRequest::default())
                .await?;
            if response.error_code != 0 {
                return Err(Error::protocol(response.error_code));
            }
            groups.extend(response.groups.into_iter().map(|g| GroupOverview {
                group_id: text(&g.group_id),
                protocol_type: text(&g.protocol_type),
            }));
        }
        Ok(groups)
    }

    /// The groups as their coordinators describe them; a group's error fails the call.
    pub async fn describe_groups(&self, group_ids: Vec<String>) -> Result<Vec<GroupDescription>> {
        let mut groups = Vec::new();
        for (coordinator, ids) in by_coordinator(&self.cluster, &group_ids).await? {
            let request = DescribeGroupsRequest::default()
                .with_groups(ids.iter().map(|g| name(g).into()).collect());
            let described = retry(&self.retry, |_| async {
                let response = coordinator.send(&request).await?;
                match response.groups.iter().find(|g| g.error_code != 0) {
                    Some(g) => Err(Error::protocol(g.error_code)),
                    None => Ok(response.groups),
                }
            })
            .await?;
            groups.extend(described.into_iter().map(GroupDescription::from));
        }
        Ok(groups)
    }

    /// Deletes groups on their coordinators; any group that fails makes one
    /// KafkaJSDeleteGroupsError naming each failed group. The results are every group's
    /// (id, error code 0).
    pub async fn delete_groups(&self, group_ids: Vec<String>) -> Result<Vec<(String, i16)>> {
        if group_ids.is_empty() {
            return Ok(Vec::new());
        }
        // KafkaJS retries only the groups that failed, so a retry does not repeat a deletion.
        let remaining = Mutex::new(group_ids);
        retry_only(
            &self.retry,
            |e| {
                matches!(
                    e.protocol_kind(),
                    Some("NOT_CONTROLLER" | "COORDINATOR_NOT_AVAILABLE")
                )
            },
            |_| {
                let remaining = &remaining;
                async move {
                    self.cluster.refresh_metadata(&[], false).await?;
                    let ids = remaining.lock().unwrap().clone();
                    let mut results = Vec::new();
                    for (coordinator, ids) in by_coordinator(&self.cluster, &ids).await? {
                        let request = DeleteGroupsRequest::default()
                            .with_groups_names(ids.iter().map(|g| name(g).into()).collect());
                        let response = coordinator.send(&request).await?;
                        results.extend(
                            response
                                .results
                                .into_iter()
                                .map(|r| (text(&r.group_id), r.error_code)),
                        );
                    }
                    let failed: Vec<(String, Error)> = results
                        .iter()
                        .filter(|(_, code)| *code != 0)
                        .map(|(id, code)| (id.clone(), Error::protocol(*code)))
                        .collect();
                    *remaining.lock().unwrap() = failed.iter().map(|(id, _)| id.clone()).collect();
                    if failed.is_empty() {
                        Ok(results)
                    } else {
                        Err(delete_groups_error(failed))
                    }
                }
            },
        )
        .await
    }
}

/// KafkaJSDeleteGroupsError: each group that was not deleted, and why. KafkaJS leaves it
/// retriable, and bails with it rather than retrying.
pub fn delete_groups_error(failed: Vec<(String, Error)>) -> Error {
    Error::collecting(
        ErrorClass::DeleteGroups,
        "Error in DeleteGroups",
        true,
        ErrorDetails::Groups(failed),
    )
}

/// DescribeGroups of one group on its coordinator; the group's error code is left to the caller.
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
    Ok(group.into())
}
