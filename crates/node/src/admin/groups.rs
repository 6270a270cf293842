//! Consumer groups: list, describe, delete.

use kafkars_client::admin::GroupDescription;
use napi::bindgen_prelude::Buffer;
use napi::Result;
use napi_derive::napi;

use super::NativeAdmin;
use crate::error::to_napi;

#[napi(object)]
pub struct GroupOverviewOutput {
    pub group_id: String,
    pub protocol_type: String,
}

#[napi(object)]
pub struct GroupMemberOutput {
    pub member_id: String,
    pub client_id: String,
    pub client_host: String,
    pub member_metadata: Buffer,
    pub member_assignment: Buffer,
}

/// KafkaJS's `GroupDescription`.
#[napi(object)]
pub struct GroupDescriptionOutput {
    pub error_code: i32,
    pub group_id: String,
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub members: Vec<GroupMemberOutput>,
}

impl From<GroupDescription> for GroupDescriptionOutput {
    fn from(g: GroupDescription) -> Self {
        GroupDescriptionOutput {
            error_code: g.error_code as i32,
            group_id: g.group_id,
            state: g.state,
            protocol_type: g.protocol_type,
            protocol: g.protocol,
            members: g
                .members
                .into_iter()
                .map(|m| GroupMemberOutput {
                    member_id: m.member_id,
                    client_id: m.client_id,
                    client_host: m.client_host,
                    member_metadata: m.member_metadata.to_vec().into(),
                    member_assignment: m.member_assignment.to_vec().into(),
                })
                .collect(),
        }
    }
}

#[napi(object)]
pub struct DeletedGroupOutput {
    pub group_id: String,
    pub error_code: i32,
}

#[napi]
impl NativeAdmin {
    #[napi]
    pub async fn list_groups(&self) -> Result<Vec<GroupOverviewOutput>> {
        let groups = self.admin.list_groups().await.map_err(to_napi)?;
        Ok(groups
            .into_iter()
            .map(|g| GroupOverviewOutput {
                group_id: g.group_id,
                protocol_type: g.protocol_type,
            })
            .collect())
    }

    #[napi]
    pub async fn describe_groups(
        &self,
        group_ids: Vec<String>,
    ) -> Result<Vec<GroupDescriptionOutput>> {
        let groups = self
            .admin
            .describe_groups(group_ids)
            .await
            .map_err(to_napi)?;
        Ok(groups.into_iter().map(Into::into).collect())
    }

    #[napi]
    pub async fn delete_groups(&self, group_ids: Vec<String>) -> Result<Vec<DeletedGroupOutput>> {
        let results = self.admin.delete_groups(group_ids).await.map_err(to_napi)?;
        Ok(results
            .into_iter()
            .map(|(group_id, code)| DeletedGroupOutput {
                group_id,
                error_code: code as i32,
            })
            .collect())
    }
}
