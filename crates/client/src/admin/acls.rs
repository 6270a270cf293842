//! ACLs: create, describe, delete, all on the controller.

use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::{CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest};
use kafka_protocol::protocol::StrBytes;

use super::{name, not_controller, text, Admin};
use crate::error::{Error, Result};
use crate::retry::retry_only;

/// An ACL binding, or a filter of them where the names may be absent (matching any). The
/// numbers are KafkaJS's AclResourceTypes, ResourcePatternTypes, AclOperationTypes and
/// AclPermissionTypes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl<S = String> {
    pub resource_type: i8,
    pub resource_name: S,
    pub resource_pattern_type: i8,
    pub principal: S,
    pub host: S,
    pub operation: i8,
    pub permission_type: i8,
}

pub type AclFilter = Acl<Option<String>>;

/// The ACLs of one resource, as DescribeAcls groups them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceAcls {
    pub resource_type: i8,
    pub resource_name: String,
    pub resource_pattern_type: i8,
    /// Principal, host, operation and permission of each; the resource fields are the group's.
    pub acls: Vec<Acl>,
}

/// What one DeleteAcls filter matched (and so deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedAcls {
    pub error_code: i16,
    pub error_message: Option<String>,
    /// Each ACL with its own error code and message.
    pub matching: Vec<(i16, Option<String>, Acl)>,
}

fn optional(s: &Option<String>) -> Option<StrBytes> {
    s.as_deref().map(name)
}

impl Admin {
    pub async fn create_acls(&self, acls: Vec<Acl>) -> Result<()> {
        let request = CreateAclsRequest::default().with_creations(
            acls.iter()
                .map(|a| {
                    AclCreation::default()
                        .with_resource_type(a.resource_type)
                        .with_resource_name(name(&a.resource_name))
                        .with_resource_pattern_type(a.resource_pattern_type)
                        .with_principal(name(&a.principal))
                        .with_host(name(&a.host))
                        .with_operation(a.operation)
                        .with_permission_type(a.permission_type)
                })
                .collect(),
        );
        retry_only(&self.retry, not_controller, |_| async {
            let response = self.controller().await?.send(&request).await?;
            match response.results.iter().find(|r| r.error_code != 0) {
                Some(r) => Err(Error::protocol(r.error_code)),
                None => Ok(()),
            }
        })
        .await
    }

    pub async fn describe_acls(&self, filter: AclFilter) -> Result<Vec<ResourceAcls>> {
        let request = DescribeAclsRequest::default()
            .with_resource_type_filter(filter.resource_type)
            .with_resource_name_filter(optional(&filter.resource_name))
            .with_pattern_type_filter(filter.resource_pattern_type)
            .with_principal_filter(optional(&filter.principal))
            .with_host_filter(optional(&filter.host))
            .with_operation(filter.operation)
            .with_permission_type(filter.permission_type);
        let response = retry_only(&self.retry, not_controller, |_| async {
            let response = self.controller().await?.send(&request).await?;
            if response.error_code != 0 {
                return Err(Error::protocol(response.error_code));
            }
            Ok(response)
        })
        .await?;
        Ok(response
            .resources
            .into_iter()
            .map(|r| ResourceAcls {
                resource_type: r.resource_type,
                resource_name: text(&r.resource_name),
                resource_pattern_type: r.pattern_type,
                acls: r
                    .acls
                    .into_iter()
                    .map(|a| Acl {
                        resource_type: r.resource_type,
                        resource_name: text(&r.resource_name),
                        resource_pattern_type: r.pattern_type,
                        principal: text(&a.principal),
                        host: text(&a.host),
                        operation: a.operation,
                        permission_type: a.permission_type,
                    })
                    .collect(),
            })
            .collect())
    }

    /// Deletes the ACLs each filter matches; any error, the filter's or an ACL's, fails the call.
    pub async fn delete_acls(&self, filters: Vec<AclFilter>) -> Result<Vec<DeletedAcls>> {
        let request = DeleteAclsRequest::default().with_filters(
            filters
                .iter()
                .map(|f| {
                    DeleteAclsFilter::default()
                        .with_resource_type_filter(f.resource_type)
                        .with_resource_name_filter(optional(&f.resource_name))
                        .with_pattern_type_filter(f.resource_pattern_type)
                        .with_principal_filter(optional(&f.principal))
                        .with_host_filter(optional(&f.host))
                        .with_operation(f.operation)
                        .with_permission_type(f.permission_type)
                })
                .collect(),
        );
        let response = retry_only(&self.retry, not_controller, |_| async {
            let response = self.controller().await?.send(&request).await?;
            let results = &response.filter_results;
            let failed = results.iter().map(|r| r.error_code).find(|&c| c != 0);
            let failed = failed.or_else(|| {
                results
                    .iter()
                    .flat_map(|r| &r.matching_acls)
                    .map(|a| a.error_code)
                    .find(|&c| c != 0)
            });
            match failed {
                Some(code) => Err(Error::protocol(code)),
                None => Ok(response),
            }
        })
        .await?;
        Ok(response
            .filter_results
            .into_iter()
            .map(|r| DeletedAcls {
                error_code: r.error_code,
                error_message: r.error_message.as_ref().map(text),
                matching: r
                    .matching_acls
                    .into_iter()
                    .map(|a| {
                        let acl = Acl {
                            resource_type: a.resource_type,
                            resource_name: text(&a.resource_name),
                            resource_pattern_type: a.pattern_type,
                            principal: text(&a.principal),
                            host: text(&a.host),
                            operation: a.operation,
                            permission_type: a.permission_type,
                        };
                        (a.error_code, a.error_message.as_ref().map(text), acl)
                    })
                    .collect(),
            })
            .collect())
    }
}
