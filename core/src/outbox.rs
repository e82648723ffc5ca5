//! The outbox: every email InviteKit wants sent, written in the same
//! transaction as the change that caused it ([rules](crate::rules#outbox)).
//!
//! The host polls [`outbox_pending`](InviteKit::outbox_pending), delivers, and
//! acknowledges. Emails handed out are leased for a while rather than marked
//! sent, so a worker that crashes mid-delivery loses nothing: the lease runs
//! out and the email is handed out again (at-least-once delivery). Each
//! hand-out counts as a delivery attempt, so an email whose every lease runs
//! out (one that crashes its worker, say) is `dead` after [`MAX_ATTEMPTS`]
//! rather than handed out forever.

use crate::InviteKit;
use crate::clock::Timestamp;
use crate::error::{Error, Result, is_unprintable};
use crate::ids::{EmailId, InvitationId, OrgId};
use crate::input;
pub use crate::model::{OutboxStatus, OutgoingEmail};
use crate::store::{Store, WriteTx};
use crate::templates::{Email, EmailKind};

/// How long an email handed out by `outbox_pending` is kept from other workers.
pub const LEASE_SECS: i64 = 300;
/// Delivery attempts (hand-outs) before an email is `dead`.
pub const MAX_ATTEMPTS: u32 = 5;
/// The first retry's delay; each further failure doubles it.
pub const RETRY_BASE_SECS: i64 = 60;
/// The longest failure reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 1000;
/// The most emails one `outbox_pending` call returns.
pub const MAX_OUTBOX_PAGE: usize = 1000;

/// The `last_error` of an email whose last lease ran out.
const LEASE_EXPIRED: &str = "the last lease ran out without an ack or a fail";

/// Cancels the pending emails of an invitation whose token was replaced or
/// revoked, in the caller's transaction: their bodies hold a link that no
/// longer works, so they are cleared too.
pub(crate) fn cancel_for(tx: &mut dyn WriteTx, invitation: InvitationId) -> Result<()> {
    for mut email in tx.pending_emails_for(invitation)? {
        email.finish(OutboxStatus::Cancelled);
        tx.update_email(&email)?;
    }
    Ok(())
}

/// Queues `email` in the caller's transaction.
pub(crate) fn enqueue(
    tx: &mut dyn WriteTx,
    org_id: OrgId,
    kind: EmailKind,
    invitation_id: Option<InvitationId>,
    email: &Email,
    now: Timestamp,
) -> Result<EmailId> {
    let id = EmailId::new();
    tx.insert_email(&OutgoingEmail {
        id,
        org_id,
        kind,
        invitation_id,
        to: email.to.clone(),
        subject: email.subject.clone(),
        text: email.text.clone(),
        html: email.html.clone(),
        created_at: now,
        attempts: 0,
        status: OutboxStatus::Pending,
        next_attempt_at: now,
        last_error: None,
    })?;
    Ok(id)
}

impl<S: Store> InviteKit<S> {
    /// Hands out up to `limit` (1..=1000) emails that are due, earliest first,
    /// and leases them for [`LEASE_SECS`]: acknowledge each with
    /// [`outbox_ack`](Self::outbox_ack) or [`outbox_fail`](Self::outbox_fail).
    ///
    /// Each hand-out is a delivery attempt (`attempts` counts it). An email
    /// whose lease runs out unacknowledged is handed out again, unless that
    /// was its [`MAX_ATTEMPTS`]th attempt: then it is `dead` and never handed
    /// out again, so a poison email cannot circulate forever.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutgoingEmail>> {
        if limit == 0 || limit > MAX_OUTBOX_PAGE {
            return Err(Error::invalid(format!("`limit` must be between 1 and {MAX_OUTBOX_PAGE}")));
        }
        let now = self.now();
        self.store.write(|tx| {
            let mut leased = Vec::new();
            // Every email read is leased or made dead, so it is not due again
            // in this transaction: each round makes progress, and emails that
            // died here do not take the place of live ones in the page.
            while leased.len() < limit {
                let due = tx.due_emails(now, limit - leased.len())?;
                if due.is_empty() {
                    break;
                }
                for mut e in due {
                    if e.attempts >= MAX_ATTEMPTS {
                        // Its last lease ran out without an ack or a fail.
                        e.last_error = Some(LEASE_EXPIRED.to_owned());
                        e.finish(OutboxStatus::Dead);
                    } else {
                        e.attempts += 1;
                        e.next_attempt_at = now.plus_secs(LEASE_SECS);
                        leased.push(e.clone());
                    }
                    tx.update_email(&e)?;
                }
            }
            Ok(leased)
        })
    }

    /// Marks an email delivered. Acknowledging it again is harmless.
    pub fn outbox_ack(&self, email_id: EmailId) -> Result<()> {
        self.store.write(|tx| {
            let mut e = tx.email(email_id)?.ok_or(Error::NotFound("email"))?;
            match e.status {
                OutboxStatus::Pending => {
                    e.finish(OutboxStatus::Sent);
                    tx.update_email(&e)
                }
                OutboxStatus::Sent => Ok(()),
                OutboxStatus::Dead | OutboxStatus::Cancelled => {
                    Err(Error::Conflict(format!("the email is {} and cannot be acknowledged", e.status.as_str())))
                }
            }
        })
    }

    /// Records a failed delivery of the email handed out last. It is retried
    /// after 60 s, 120 s, 240 s, ... and is `dead` once its [`MAX_ATTEMPTS`]th
    /// attempt fails. The hand-out already counted the attempt; failing an
    /// email that was never handed out counts one. `reason` (at most 1,000
    /// characters, no NUL) is kept for the host's own diagnostics.
    pub fn outbox_fail(&self, email_id: EmailId, reason: &str) -> Result<()> {
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(Error::invalid(format!("`reason` is longer than {MAX_REASON_CHARS} characters")));
        }
        input::no_nul("reason", reason)?;
        let reason = quote_reason(reason);
        let now = self.now();
        self.store.write(|tx| {
            let mut e = tx.email(email_id)?.ok_or(Error::NotFound("email"))?;
            if e.status != OutboxStatus::Pending {
                return Err(Error::Conflict(format!("the email is {} and cannot fail", e.status.as_str())));
            }
            if e.attempts == 0 {
                e.attempts = 1;
            }
            e.last_error = Some(reason.clone());
            if e.attempts >= MAX_ATTEMPTS {
                e.finish(OutboxStatus::Dead);
            } else {
                let backoff = RETRY_BASE_SECS << (e.attempts - 1).min(20);
                e.next_attempt_at = now.plus_secs(backoff);
            }
            tx.update_email(&e)
        })
    }
}

/// A failure reason comes from a mail server and ends up in the host's logs:
/// keep it on one line, with nothing invisible or reordering in it.
fn quote_reason(reason: &str) -> String {
    let one_line: String = reason.chars().map(|c| if is_unprintable(c) { ' ' } else { c }).collect();
    one_line.trim().to_owned()
}
