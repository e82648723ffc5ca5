//! Conversations with freelancers: threads, participants, messages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::ids::{MemberId, MessageId, OrgId, ThreadId};
use crate::policy::PermissionSet;

/// A conversation between an organization's members and one freelancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thread {
    /// Its id.
    pub id: ThreadId,
    /// The organization.
    pub org_id: OrgId,
    /// Its title.
    pub title: String,
    /// The host's id for the freelancer.
    pub freelancer_id: String,
    /// The freelancer's display name.
    pub freelancer_name: String,
    /// Who started it.
    pub created_by: MemberId,
    /// When it was started.
    pub created_at: Timestamp,
    /// When the last message was posted (or when it was started).
    pub last_activity_at: Timestamp,
}

/// A member's place in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    /// The thread.
    pub thread_id: ThreadId,
    /// The member.
    pub member_id: MemberId,
    /// What they may do there.
    pub permissions: PermissionSet,
    /// Who added them (`None` for the thread's creator).
    pub added_by: Option<MemberId>,
    /// When.
    pub added_at: Timestamp,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// A member of the organization.
    Member(MemberId),
    /// The thread's freelancer (recorded by the host).
    Freelancer,
}

/// A message in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// The thread.
    pub thread_id: ThreadId,
    /// The organization.
    pub org_id: OrgId,
    /// Who wrote it.
    pub author: Author,
    /// Its text: 1..=10,000 characters.
    pub body: String,
    /// When it was posted.
    pub sent_at: Timestamp,
}

/// Where a page of [`search_threads`](crate::InviteKit::search_threads) ended. Its
/// string form is opaque to callers; a forged one only moves where a page
/// starts, never what the actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadCursor {
    /// The last thread's activity time.
    pub last_activity_at: Timestamp,
    /// The last thread's id.
    pub thread_id: ThreadId,
}

impl ThreadCursor {
    /// The opaque string form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{}:{}", self.last_activity_at.as_millis(), self.thread_id))
    }

    /// Reads the opaque string form; anything else is `invalid_input`.
    pub fn decode(s: &str) -> Result<ThreadCursor> {
        let bad = || Error::invalid("the cursor is not valid");
        if s.len() > 200 {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = raw.splitn(3, ':');
        if parts.next() != Some("v1") {
            return Err(bad());
        }
        let ms: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let thread_id = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
        Ok(ThreadCursor { last_activity_at: Timestamp::from_millis(ms), thread_id })
    }
}
