//! Custom partition assigners: the engine asks JavaScript's `assign` when this member leads
//! the group, with every member's metadata and the topics' partitions.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::FutureExt;
use kafkars_client::consumer::{AssignRequest, ExternalAssigner};
use napi::bindgen_prelude::{Buffer, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;

use crate::admin::TopicMetadataOutput;

#[napi(object)]
pub struct ProtocolInput {
    pub name: String,
    pub metadata: Buffer,
}

/// What a custom assigner's `assign` is called with, plus what the JavaScript side needs to
/// answer `cluster.findTopicPartitionMetadata`.
#[napi(object)]
pub struct AssignInput {
    pub protocol: String,
    pub members: Vec<MemberInput>,
    pub topics: Vec<String>,
    pub partitions: Vec<TopicMetadataOutput>,
}

#[napi(object)]
pub struct MemberInput {
    pub member_id: String,
    pub member_metadata: Buffer,
}

#[napi(object)]
pub struct AssignmentInput {
    pub member_id: String,
    pub member_assignment: Buffer,
}

pub type AssignCallback =
    ThreadsafeFunction<AssignInput, Promise<Vec<AssignmentInput>>, AssignInput, Status, false>;

/// The user's assigners, run in JavaScript when this member leads the group.
struct JsAssigner {
    protocols: Vec<(String, Bytes)>,
    assign: Arc<AssignCallback>,
}

impl ExternalAssigner for JsAssigner {
    fn protocols(&self) -> Vec<(String, Bytes)> {
        self.protocols.clone()
    }

    fn assign(
        &self,
        request: AssignRequest,
    ) -> BoxFuture<'static, kafkars_client::error::Result<Vec<(String, Bytes)>>> {
        let assign = self.assign.clone();
        async move {
            let failed = |what: String| {
                kafkars_client::error::Error::kafka(format!(
                    "The partition assigner {:?} failed: {what}",
                    request.protocol
                ))
            };
            let input = AssignInput {
                protocol: request.protocol.clone(),
                members: request
                    .members
                    .iter()
                    .map(|(id, metadata)| MemberInput {
                        member_id: id.clone(),
                        member_metadata: metadata.to_vec().into(),
                    })
                    .collect(),
                topics: request.topics.clone(),
                partitions: request
                    .partitions
                    .iter()
                    .map(|t| TopicMetadataOutput::from(t.as_ref()))
                    .collect(),
            };
            let promise = assign
                .call_async_catch(input)
                .await
                .map_err(|e| failed(e.reason.clone()))?;
            let assignments = promise.await.map_err(|e| failed(e.reason.clone()))?;
            Ok(assignments
                .into_iter()
                .map(|a| (a.member_id, Bytes::copy_from_slice(&a.member_assignment)))
                .collect())
        }
        .boxed()
    }
}

/// The assigners whose JoinGroup `protocols` JavaScript gave, run by its `assign`.
pub fn js_assigner(
    protocols: Vec<ProtocolInput>,
    assign: AssignCallback,
) -> Arc<dyn ExternalAssigner> {
    Arc::new(JsAssigner {
        protocols: protocols
            .into_iter()
            .map(|p| (p.name, Bytes::copy_from_slice(&p.metadata)))
            .collect(),
        assign: Arc::new(assign),
    })
}
