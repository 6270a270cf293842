//! Configs of topics, brokers and broker loggers: describe and alter.

use kafkars_client::admin::{AlteredResource, ConfigResource};
use napi::Result;
use napi_derive::napi;

use super::{ConfigEntry, NativeAdmin};
use crate::error::to_napi;

#[napi(object)]
pub struct ConfigResourceInput {
    /// A ConfigResourceTypes value.
    #[napi(js_name = "type")]
    pub resource_type: i32,
    pub name: String,
    /// For describing: the configs wanted, all when absent or empty.
    pub config_names: Option<Vec<String>>,
    /// For altering: the configs to set.
    pub config_entries: Option<Vec<ConfigEntry>>,
}

impl From<ConfigResourceInput> for ConfigResource {
    fn from(r: ConfigResourceInput) -> Self {
        ConfigResource {
            resource_type: r.resource_type as i8,
            name: r.name,
            config_names: r.config_names.unwrap_or_default(),
            config_entries: r
                .config_entries
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.name, e.value))
                .collect(),
        }
    }
}

#[napi(object)]
pub struct ConfigSynonymOutput {
    pub config_name: String,
    pub config_value: Option<String>,
    pub config_source: i32,
}

#[napi(object)]
pub struct ConfigEntryOutput {
    pub config_name: String,
    pub config_value: Option<String>,
    pub read_only: bool,
    pub is_default: bool,
    pub config_source: i32,
    pub is_sensitive: bool,
    pub config_synonyms: Vec<ConfigSynonymOutput>,
}

#[napi(object)]
pub struct ResourceOutput {
    pub error_code: i32,
    pub error_message: Option<String>,
    pub resource_type: i32,
    pub resource_name: String,
    /// Absent for altered resources.
    pub config_entries: Option<Vec<ConfigEntryOutput>>,
}

fn resource_output(r: AlteredResource, entries: Option<Vec<ConfigEntryOutput>>) -> ResourceOutput {
    ResourceOutput {
        error_code: r.error_code as i32,
        error_message: r.error_message,
        resource_type: r.resource_type as i32,
        resource_name: r.resource_name,
        config_entries: entries,
    }
}

#[napi]
impl NativeAdmin {
    #[napi]
    pub async fn describe_configs(
        &self,
        resources: Vec<ConfigResourceInput>,
        include_synonyms: bool,
    ) -> Result<Vec<ResourceOutput>> {
        let resources = resources.into_iter().map(Into::into).collect();
        let described = self
            .admin
            .describe_configs(resources, include_synonyms)
            .await
            .map_err(to_napi)?;
        Ok(described
            .into_iter()
            .map(|d| {
                let entries = d
                    .entries
                    .into_iter()
                    .map(|c| ConfigEntryOutput {
                        config_name: c.name,
                        config_value: c.value,
                        read_only: c.read_only,
                        is_default: c.is_default,
                        config_source: c.source as i32,
                        is_sensitive: c.is_sensitive,
                        config_synonyms: c
                            .synonyms
                            .into_iter()
                            .map(|s| ConfigSynonymOutput {
                                config_name: s.name,
                                config_value: s.value,
                                config_source: s.source as i32,
                            })
                            .collect(),
                    })
                    .collect();
                resource_output(d.resource, Some(entries))
            })
            .collect())
    }

    #[napi]
    pub async fn alter_configs(
        &self,
        resources: Vec<ConfigResourceInput>,
        validate_only: bool,
    ) -> Result<Vec<ResourceOutput>> {
        let resources = resources.into_iter().map(Into::into).collect();
        let altered = self
            .admin
            .alter_configs(resources, validate_only)
            .await
            .map_err(to_napi)?;
        Ok(altered
            .into_iter()
            .map(|r| resource_output(r, None))
            .collect())
    }
}
