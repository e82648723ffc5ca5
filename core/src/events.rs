//! The audit log: one append-only sequence of [`Event`]s per organization.
//!
//! Every state change appends its events in the same transaction as the
//! change, so the log never disagrees with the state. Events never carry a
//! token, only ids, addresses, roles and permission names.

use crate::InviteKit;
use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::ids::{MemberId, OrgId};
pub use crate::model::{Event, EventKind, NewEvent};
use crate::store::{Store, WriteTx};

/// Appends one event in the caller's transaction.
pub(crate) fn record(
    tx: &mut dyn WriteTx,
    org_id: OrgId,
    at: Timestamp,
    actor_id: Option<MemberId>,
    kind: EventKind,
    details: serde_json::Value,
) -> Result<u64> {
    tx.append_event(NewEvent { org_id, at, actor_id, kind, details })
}

/// The most events one call returns.
pub const MAX_EVENTS_PAGE: usize = 1000;

impl<S: Store> InviteKit<S> {
    /// Pages through the organization's audit log after `after_seq` (from the
    /// start when `None`), at most `limit` events (1..=1000). Only members whose
    /// role manages the organization may read it.
    pub fn events(&self, actor: MemberId, after_seq: Option<u64>, limit: usize) -> Result<Vec<Event>> {
        if limit == 0 || limit > MAX_EVENTS_PAGE {
            return Err(Error::invalid(format!("`limit` must be between 1 and {MAX_EVENTS_PAGE}")));
        }
        self.store.read(|tx| {
            let actor = self.active_member(tx, actor)?;
            if !self.role_of(&actor)?.manages_organization() {
                return Err(Error::denied("only members who manage the organization may read its audit log"));
            }
            tx.events(actor.org_id, after_seq.unwrap_or(0), limit)
        })
    }
}
