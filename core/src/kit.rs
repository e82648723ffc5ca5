//! The [`InviteKit`] facade: one value holding the store, the policy and the
//! clock, through which every operation goes.

use std::fmt;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock, Timestamp};
use crate::error::{Error, Result};
use crate::ids::MemberId;
use crate::org::Member;
use crate::policy::{Policy, Role};
use crate::store::{AnyStore, MemoryStore, ReadTx, Store};

/// InviteKit: invitations, conversations and their rules over a [`Store`].
///
/// Cheap to share: it is `Send + Sync`, and every method takes `&self`, so
/// one value (or an `Arc` of it) serves every thread of a host.
///
/// # Examples
/// ```
/// let kit = invitekit::InviteKit::in_memory();
/// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"]).unwrap();
/// let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full").unwrap();
/// assert_eq!(alice.role, "full");
/// ```
pub struct InviteKit<S: Store = MemoryStore> {
    pub(crate) store: S,
    pub(crate) policy: Arc<Policy>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl<S: Store> fmt::Debug for InviteKit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteKit").field("roles", &self.policy.roles().len()).finish_non_exhaustive()
    }
}

impl InviteKit<MemoryStore> {
    /// An InviteKit on a new in-memory store, with the default policy and the system clock.
    pub fn in_memory() -> Self {
        InviteKitBuilder::new().build(MemoryStore::new())
    }

    /// A builder to choose the policy and the clock, then the store.
    pub fn builder() -> InviteKitBuilder {
        InviteKitBuilder::new()
    }
}

impl<S: Store> InviteKit<S> {
    /// An InviteKit on `store`, with the default policy and the system clock.
    pub fn new(store: S) -> Self {
        InviteKitBuilder::new().build(store)
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The current time on this InviteKit's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The member `id`, who must exist and be active to act.
    pub(crate) fn active_member(&self, tx: &dyn ReadTx, id: MemberId) -> Result<Member> {
        let m = tx.member(id)?.ok_or(Error::NotFound("member"))?;
        if !m.is_active() {
            return Err(Error::denied("the member is deactivated"));
        }
        Ok(m)
    }

    /// The policy's role for `member`. A role the policy no longer has grants nothing.
    pub(crate) fn role_of(&self, member: &Member) -> Result<&Role> {
        self.policy
            .role(&member.role)
            .ok_or_else(|| Error::denied(format!("the role `{}` is not in the policy", member.role)))
    }
}

/// Builds an [`InviteKit`].
///
/// # Examples
/// ```
/// use invitekit::{InviteKit, ManualClock, Policy};
/// let clock = ManualClock::new();
/// let kit = InviteKit::builder().policy(Policy::default()).clock(clock.clone()).in_memory();
/// assert_eq!(kit.now(), ManualClock::START);
/// ```
#[derive(Default)]
pub struct InviteKitBuilder {
    policy: Option<Policy>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for InviteKitBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteKitBuilder").field("custom_policy", &self.policy.is_some()).finish_non_exhaustive()
    }
}

impl InviteKitBuilder {
    /// The default policy and the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// The policy (default: [`Policy::default`], the
    /// [default policy](crate::rules#default-policy)).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The clock, already shared.
    pub fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// An InviteKit over `store`.
    pub fn build<S: Store>(self, store: S) -> InviteKit<S> {
        InviteKit {
            store,
            policy: Arc::new(self.policy.unwrap_or_default()),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
        }
    }

    /// An InviteKit over a new in-memory store.
    pub fn in_memory(self) -> InviteKit<MemoryStore> {
        self.build(MemoryStore::new())
    }
}

impl InviteKit<AnyStore> {
    /// An InviteKit on the store `url` names (see [`open`](crate::store::open)),
    /// with the default policy and the system clock.
    ///
    /// # Examples
    /// ```
    /// # #[cfg(feature = "sqlite")] {
    /// let kit = invitekit::InviteKit::open("sqlite::memory:")?; // or "sqlite:acme.db"
    /// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com", &["acme.com"])?;
    /// # let _ = org;
    /// # }
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn open(url: &str) -> Result<Self> {
        InviteKitBuilder::new().open(url)
    }
}

impl InviteKitBuilder {
    /// An InviteKit over the store `url` names (see [`open`](crate::store::open)).
    ///
    /// # Examples
    /// ```
    /// use invitekit::{InviteKit, ManualClock};
    /// let kit = InviteKit::builder().clock(ManualClock::new()).open("memory:")?;
    /// assert_eq!(kit.now(), ManualClock::START);
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn open(self, url: &str) -> Result<InviteKit<AnyStore>> {
        Ok(self.build(crate::store::open(url)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitekit_can_be_shared_between_threads() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<InviteKit<MemoryStore>>();
        shared::<InviteKitBuilder>();
    }
}
