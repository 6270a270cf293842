//! ACLs: create, describe, delete.

use kafkars_client::admin::{Acl, AclFilter};
use napi::Result;
use napi_derive::napi;

use super::NativeAdmin;
use crate::error::to_napi;

/// An ACL binding (every field set) or a filter of them (absent names match any).
#[napi(object)]
pub struct AclInput {
    pub resource_type: i32,
    pub resource_name: Option<String>,
    pub resource_pattern_type: i32,
    pub principal: Option<String>,
    pub host: Option<String>,
    pub operation: i32,
    pub permission_type: i32,
}

impl From<AclInput> for AclFilter {
    fn from(a: AclInput) -> Self {
        Acl {
            resource_type: a.resource_type as i8,
            resource_name: a.resource_name,
            resource_pattern_type: a.resource_pattern_type as i8,
            principal: a.principal,
            host: a.host,
            operation: a.operation as i8,
            permission_type: a.permission_type as i8,
        }
    }
}

#[napi(object)]
pub struct AclOutput {
    pub principal: String,
    pub host: String,
    pub operation: i32,
    pub permission_type: i32,
}

#[napi(object)]
pub struct ResourceAclsOutput {
    pub resource_type: i32,
    pub resource_name: String,
    pub resource_pattern_type: i32,
    pub acls: Vec<AclOutput>,
}

#[napi(object)]
pub struct MatchingAclOutput {
    pub error_code: i32,
    pub error_message: Option<String>,
    pub resource_type: i32,
    pub resource_name: String,
    pub resource_pattern_type: i32,
    pub principal: String,
    pub host: String,
    pub operation: i32,
    pub permission_type: i32,
}

#[napi(object)]
pub struct FilterResponseOutput {
    pub error_code: i32,
    pub error_message: Option<String>,
    pub matching_acls: Vec<MatchingAclOutput>,
}

#[napi]
impl NativeAdmin {
    #[napi]
    pub async fn create_acls(&self, acl: Vec<AclInput>) -> Result<()> {
        let acls = acl
            .into_iter()
            .map(|a| Acl {
                resource_type: a.resource_type as i8,
                resource_name: a.resource_name.unwrap_or_default(),
                resource_pattern_type: a.resource_pattern_type as i8,
                principal: a.principal.unwrap_or_default(),
                host: a.host.unwrap_or_default(),
                operation: a.operation as i8,
                permission_type: a.permission_type as i8,
            })
            .collect();
        self.admin.create_acls(acls).await.map_err(to_napi)
    }

    #[napi]
    pub async fn describe_acls(&self, filter: AclInput) -> Result<Vec<ResourceAclsOutput>> {
        let resources = self
            .admin
            .describe_acls(filter.into())
            .await
            .map_err(to_napi)?;
        Ok(resources
            .into_iter()
            .map(|r| ResourceAclsOutput {
                resource_type: r.resource_type as i32,
                resource_name: r.resource_name,
                resource_pattern_type: r.resource_pattern_type as i32,
                acls: r
                    .acls
                    .into_iter()
                    .map(|a| AclOutput {
                        principal: a.principal,
                        host: a.host,
                        operation: a.operation as i32,
                        permission_type: a.permission_type as i32,
                    })
                    .collect(),
            })
            .collect())
    }

    #[napi]
    pub async fn delete_acls(&self, filters: Vec<AclInput>) -> Result<Vec<FilterResponseOutput>> {
        let filters = filters.into_iter().map(Into::into).collect();
        let deleted = self.admin.delete_acls(filters).await.map_err(to_napi)?;
        Ok(deleted
            .into_iter()
            .map(|d| FilterResponseOutput {
                error_code: d.error_code as i32,
                error_message: d.error_message,
                matching_acls: d
                    .matching
                    .into_iter()
                    .map(|(code, message, a)| MatchingAclOutput {
                        error_code: code as i32,
                        error_message: message,
                        resource_type: a.resource_type as i32,
                        resource_name: a.resource_name,
                        resource_pattern_type: a.resource_pattern_type as i32,
                        principal: a.principal,
                        host: a.host,
                        operation: a.operation as i32,
                        permission_type: a.permission_type as i32,
                    })
                    .collect(),
            })
            .collect())
    }
}
