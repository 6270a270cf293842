//! One turn's sends and their outcomes, each kept flat: every message of every send in one
//! vector, every send's result in another. With a hundred single-message sends a turn, a
//! vector, a topic name and a result vector per send were most of the engine's allocations.

use std::collections::HashMap;
use std::ops::Range;

use super::{Message, RecordMetadata, SendOptions, TopicMessages};
use crate::error::{Error, Result};

/// A run of one send's messages for one topic.
#[derive(Debug, Clone, Copy)]
pub(super) struct Part {
    /// Index into [`Sends::topics`].
    pub topic: usize,
    pub len: usize,
}

#[derive(Debug)]
pub(super) struct Entry {
    pub options: SendOptions,
    /// Its parts, as a range of [`Sends::parts`].
    pub parts: Range<usize>,
    /// Why it cannot be sent, found while it was read.
    pub rejected: Option<Error>,
}

/// Sends built in order: [`Sends::send`] opens one, [`Sends::topic`] starts its messages for a
/// topic, [`Sends::message`] adds one.
#[derive(Debug, Default)]
pub struct Sends {
    /// Every topic named, once.
    pub(super) topics: Vec<String>,
    index: HashMap<String, usize>,
    pub(super) messages: Vec<Message>,
    pub(super) parts: Vec<Part>,
    pub(super) entries: Vec<Entry>,
}

impl Sends {
    pub fn with_capacity(sends: usize) -> Self {
        Sends {
            messages: Vec::with_capacity(sends),
            parts: Vec::with_capacity(sends),
            entries: Vec::with_capacity(sends),
            ..Sends::default()
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Opens the next send.
    pub fn send(&mut self, options: SendOptions) {
        let at = self.parts.len();
        self.entries.push(Entry {
            options,
            parts: at..at,
            rejected: None,
        });
    }

    /// The open send fails with `error` and writes nothing.
    pub fn reject(&mut self, error: Error) {
        self.open().rejected = Some(error);
    }

    /// Starts the open send's messages for `topic`.
    pub fn topic(&mut self, topic: &str) {
        // Sends name the topic the previous one named far more often than not.
        let last = self.parts.last().map(|p| p.topic);
        let topic = match last {
            Some(t) if self.topics[t] == topic => t,
            _ => match self.index.get(topic) {
                Some(&t) => t,
                None => {
                    self.topics.push(topic.to_string());
                    self.index.insert(topic.to_string(), self.topics.len() - 1);
                    self.topics.len() - 1
                }
            },
        };
        self.parts.push(Part { topic, len: 0 });
        self.open().parts.end += 1;
    }

    /// Adds a message to the open send's current topic.
    pub fn message(&mut self, message: Message) {
        self.parts
            .last_mut()
            .expect("a message follows its topic")
            .len += 1;
        self.messages.push(message);
    }

    /// A whole send.
    pub fn push(&mut self, batch: Vec<TopicMessages>, options: SendOptions) {
        self.send(options);
        for tm in batch {
            self.topic(&tm.topic);
            for m in tm.messages {
                self.message(m);
            }
        }
    }

    /// Rejects, with `error`, each send whose options fail `allowed`.
    pub(super) fn reject_unless(
        &mut self,
        allowed: impl Fn(&SendOptions) -> bool,
        error: impl Fn() -> Error,
    ) {
        for entry in &mut self.entries {
            if entry.rejected.is_none() && !allowed(&entry.options) {
                entry.rejected = Some(error());
            }
        }
    }

    /// The topics of the sends not rejected, each once: those whose metadata the turn needs.
    pub(super) fn live_topics(&self) -> Vec<String> {
        let mut named = vec![false; self.topics.len()];
        for entry in self.entries.iter().filter(|e| e.rejected.is_none()) {
            for part in &self.parts[entry.parts.clone()] {
                named[part.topic] = true;
            }
        }
        self.topics
            .iter()
            .zip(named)
            .filter(|(_, named)| *named)
            .map(|(topic, _)| topic.clone())
            .collect()
    }

    /// Every send failed with `error`, but those rejected already, with their own.
    pub(super) fn failed(self, error: &Error) -> Outcomes {
        let mut outcomes = Outcomes::with_capacity(self.entries.len());
        for entry in self.entries {
            outcomes.push(Err::<[Written; 0], _>(
                entry.rejected.unwrap_or_else(|| error.clone()),
            ));
        }
        outcomes
    }

    fn open(&mut self) -> &mut Entry {
        self.entries.last_mut().expect("a send is open")
    }

    /// The sends one by one, as batches (or why one cannot be sent).
    pub fn into_batches(self) -> Vec<Result<(Vec<TopicMessages>, SendOptions)>> {
        let mut messages = self.messages.into_iter();
        let parts = &self.parts;
        let topics = &self.topics;
        self.entries
            .into_iter()
            .map(|entry| {
                let batch: Vec<TopicMessages> = parts[entry.parts]
                    .iter()
                    .map(|p| TopicMessages {
                        topic: topics[p.topic].clone(),
                        messages: messages.by_ref().take(p.len).collect(),
                    })
                    .collect();
                match entry.rejected {
                    Some(e) => Err(e),
                    None => Ok((batch, entry.options)),
                }
            })
            .collect()
    }
}

/// What a send wrote to one topic-partition: KafkaJS's `RecordMetadata`, with the topic as
/// the index of the send's first part that names it (its place in KafkaJS's `topicMessages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub topic: usize,
    pub partition: i32,
    pub error_code: i16,
    /// The first offset the send wrote there.
    pub base_offset: i64,
    pub log_append_time: i64,
    pub log_start_offset: i64,
}

impl Written {
    /// The entries of a send's `RecordMetadata`, as the per-send paths give them; `topics`
    /// are its parts' topic names, in order.
    pub(super) fn from_metadata<'a>(
        records: Vec<RecordMetadata>,
        topics: &'a [String],
    ) -> impl Iterator<Item = Written> + 'a {
        records.into_iter().map(|r| {
            let topic = topics.iter().position(|t| *t == r.topic_name);
            Written::of(&r, topic.unwrap_or(0))
        })
    }

    /// KafkaJS's `RecordMetadata` for it, `topics` being its send's parts' topic names.
    pub(super) fn metadata(&self, topics: &[String]) -> RecordMetadata {
        RecordMetadata {
            topic_name: topics[self.topic].clone(),
            partition: self.partition,
            error_code: self.error_code,
            base_offset: self.base_offset,
            log_append_time: self.log_append_time,
            log_start_offset: self.log_start_offset,
        }
    }

    pub(super) fn of(r: &RecordMetadata, topic: usize) -> Self {
        Written {
            topic,
            partition: r.partition,
            error_code: r.error_code,
            base_offset: r.base_offset,
            log_append_time: r.log_append_time,
            log_start_offset: r.log_start_offset,
        }
    }
}

/// Each send's outcome, in the order the sends were built.
#[derive(Debug, Default)]
pub struct Outcomes {
    written: Vec<Written>,
    sends: Vec<Result<Range<usize>>>,
}

impl Outcomes {
    pub(super) fn with_capacity(sends: usize) -> Self {
        Outcomes {
            written: Vec::with_capacity(sends),
            sends: Vec::with_capacity(sends),
        }
    }

    pub fn len(&self) -> usize {
        self.sends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sends.is_empty()
    }

    /// Send `i`'s outcome: one entry per topic-partition written (none for acks 0).
    pub fn get(&self, i: usize) -> std::result::Result<&[Written], &Error> {
        match &self.sends[i] {
            Ok(range) => Ok(&self.written[range.clone()]),
            Err(e) => Err(e),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = std::result::Result<&[Written], &Error>> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Appends a send's outcome, written entry by entry.
    pub(super) fn push(&mut self, written: Result<impl IntoIterator<Item = Written>>) {
        let start = self.written.len();
        let outcome = written.map(|w| {
            self.written.extend(w);
            start..self.written.len()
        });
        self.sends.push(outcome);
    }

    /// Sets send `i`'s outcome, for outcomes that arrive out of order (after a retry).
    pub(super) fn set(&mut self, i: usize, written: Result<impl IntoIterator<Item = Written>>) {
        let start = self.written.len();
        self.sends[i] = written.map(|w| {
            self.written.extend(w);
            start..self.written.len()
        });
    }
}
