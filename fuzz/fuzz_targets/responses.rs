//! Every response the engine decodes, at every version it may send: whatever the bytes, decoding
//! returns a message or an error, never a panic or an allocation the bytes do not justify.
//! The process allocator is the one the binding installs, as decoding would run under it.
#![no_main]

use bytes::Bytes;
use kafka_protocol::messages::*;
use kafkars_client::allocator::ReservingAllocator;
use kafkars_client::network::versions::SPOKEN;
use kafkars_client::protocol::response;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: ReservingAllocator = ReservingAllocator;

/// Decodes `body` as the answer to the request named by `key`.
macro_rules! decode_as {
    ($key:expr, $body:expr, $version:expr; $($api:ident => $request:ty),* $(,)?) => {
        match $key {
            $(ApiKey::$api => {
                let _ = response::decode::<$request>($body, $version);
            })*
            other => panic!("{other:?} is spoken but has no decoder here: add it"),
        }
    };
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the API, the second its version; the rest is the frame's body.
    let [api, version, body @ ..] = data else {
        return;
    };
    let (key, max) = SPOKEN[usize::from(*api) % SPOKEN.len()];
    let version = i16::from(*version) % (max + 1);
    let body = Bytes::copy_from_slice(body);
    decode_as!(key, body, version;
        Produce => ProduceRequest,
        Fetch => FetchRequest,
        ListOffsets => ListOffsetsRequest,
        Metadata => MetadataRequest,
        OffsetCommit => OffsetCommitRequest,
        OffsetFetch => OffsetFetchRequest,
        FindCoordinator => FindCoordinatorRequest,
        JoinGroup => JoinGroupRequest,
        Heartbeat => HeartbeatRequest,
        LeaveGroup => LeaveGroupRequest,
        SyncGroup => SyncGroupRequest,
        DescribeGroups => DescribeGroupsRequest,
        ApiVersions => ApiVersionsRequest,
        CreateTopics => CreateTopicsRequest,
        DeleteTopics => DeleteTopicsRequest,
        InitProducerId => InitProducerIdRequest,
        AddPartitionsToTxn => AddPartitionsToTxnRequest,
        AddOffsetsToTxn => AddOffsetsToTxnRequest,
        TxnOffsetCommit => TxnOffsetCommitRequest,
        EndTxn => EndTxnRequest,
        SaslHandshake => SaslHandshakeRequest,
        SaslAuthenticate => SaslAuthenticateRequest,
        CreatePartitions => CreatePartitionsRequest,
        ListGroups => ListGroupsRequest,
        DeleteGroups => DeleteGroupsRequest,
        DeleteRecords => DeleteRecordsRequest,
        DescribeConfigs => DescribeConfigsRequest,
        AlterConfigs => AlterConfigsRequest,
        CreateAcls => CreateAclsRequest,
        DescribeAcls => DescribeAclsRequest,
        DeleteAcls => DeleteAclsRequest,
        AlterPartitionReassignments => AlterPartitionReassignmentsRequest,
        ListPartitionReassignments => ListPartitionReassignmentsRequest,
    );
});
