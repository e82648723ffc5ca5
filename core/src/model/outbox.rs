//! Emails in the outbox.

use std::fmt;

use crate::clock::Timestamp;
use crate::ids::{EmailId, InvitationId, OrgId};
use crate::templates::EmailKind;

/// Where an outbox email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting for delivery, or leased to a worker.
    Pending,
    /// Acknowledged by the host.
    Sent,
    /// Its [`MAX_ATTEMPTS`](crate::outbox::MAX_ATTEMPTS) delivery attempts failed or ran out unacknowledged.
    Dead,
    /// No longer worth sending: its invitation was revoked or given a new token.
    Cancelled,
}

impl OutboxStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Dead => "dead",
            OutboxStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        [OutboxStatus::Pending, OutboxStatus::Sent, OutboxStatus::Dead, OutboxStatus::Cancelled]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// An email in the outbox. Its bodies hold the join link, a secret: `Debug`
/// shows only their lengths, and they are cleared once the email is sent,
/// dead or cancelled.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The outbox id, for `outbox_ack` and `outbox_fail`.
    pub id: EmailId,
    /// The organization it is sent for.
    pub org_id: OrgId,
    /// Which email.
    pub kind: EmailKind,
    /// The invitation it belongs to.
    pub invitation_id: Option<InvitationId>,
    /// Recipient address.
    pub to: String,
    /// Subject line (one line, no control characters).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Delivery attempts so far: the times it was handed out by
    /// `outbox_pending`, this hand-out included (plus a failure recorded for
    /// an email never handed out).
    pub attempts: u32,
    /// Where it stands.
    pub status: OutboxStatus,
    /// When it may next be handed out.
    pub next_attempt_at: Timestamp,
    /// The last failure reason the host gave.
    pub last_error: Option<String>,
}

impl fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutgoingEmail")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("text", &format_args!("<{} bytes>", self.text.len()))
            .field("html", &format_args!("<{} bytes>", self.html.len()))
            .field("attempts", &self.attempts)
            .field("status", &self.status)
            .finish()
    }
}

impl OutgoingEmail {
    pub(crate) fn finish(&mut self, status: OutboxStatus) {
        self.status = status;
        // The bodies carry the join link; nothing needs them once delivery is over.
        self.text.clear();
        self.html.clear();
    }
}
