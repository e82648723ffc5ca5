//! The role-based policy ([rules](crate::rules#roles)): the five thread permissions, the presets a
//! user picks from, the roles, and the rules on who may invite whom and who may
//! grant what in a thread (R2, R4, R5).
//!
//! A [`Policy`] is data: it loads from JSON, is validated once on load, and
//! keeps everything the hot checks need precomputed as bitsets, so that
//! [`Policy::check_grant`] and [`Policy::permission_options`] are a handful of
//! bit operations.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, GrantCheck, Result, quote};

/// The five thread permissions (fixed; a policy names them, it cannot invent new ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// See the conversation.
    Read,
    /// Send messages.
    Write,
    /// Schedule and run interviews.
    Interview,
    /// Make and change offers.
    Hire,
    /// Add and remove coworkers, change their permissions.
    ManagePeople,
}

impl Permission {
    /// Every permission, in declaration order.
    pub const ALL: [Permission; 5] =
        [Permission::Read, Permission::Write, Permission::Interview, Permission::Hire, Permission::ManagePeople];

    /// The order of [`PermissionSet::names`]: alphabetical by name.
    const BY_NAME: [Permission; 5] =
        [Permission::Hire, Permission::Interview, Permission::ManagePeople, Permission::Read, Permission::Write];

    /// The permission's name: `read`, `write`, `interview`, `hire` or `manage_people`.
    ///
    /// # Examples
    /// ```
    /// use invitekit::Permission;
    /// assert_eq!(Permission::ManagePeople.as_str(), "manage_people");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Write => "write",
            Permission::Interview => "interview",
            Permission::Hire => "hire",
            Permission::ManagePeople => "manage_people",
        }
    }

    /// The permission with exactly this name; anything else (`Read`, `read `)
    /// is `invalid_input` naming it.
    ///
    /// # Examples
    /// ```
    /// use invitekit::Permission;
    /// assert_eq!(Permission::parse("hire").ok(), Some(Permission::Hire));
    /// assert_eq!(Permission::parse("Hire").map_err(|e| e.code()), Err("invalid_input"));
    /// ```
    pub fn parse(name: &str) -> Result<Permission> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| Error::InvalidInput(format!("unknown permission `{}`", quote(name))))
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Permission`]s, stored as a bitset so that set operations are free.
///
/// Its `Debug` output lists the names alphabetically, like `{read, write}`.
///
/// # Examples
/// ```
/// use invitekit::{Permission, PermissionSet};
/// let set = PermissionSet::parse_names(&["write", "read"])?;
/// assert!(set.contains(Permission::Read));
/// assert_eq!(set.names(), ["read", "write"]);
/// assert_eq!(format!("{set:?}"), "{read, write}");
/// # Ok::<(), invitekit::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet(u8);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: PermissionSet = PermissionSet(0);
    /// All five permissions.
    pub const ALL: PermissionSet = PermissionSet(0b1_1111);

    /// The set of the given permissions.
    pub fn from_permissions(perms: impl IntoIterator<Item = Permission>) -> Self {
        perms.into_iter().collect()
    }

    /// The set named by `names`: each must be an exact permission name, or the
    /// whole call is `invalid_input` naming the first unknown one. Duplicates are fine.
    ///
    /// # Examples
    /// ```
    /// use invitekit::PermissionSet;
    /// assert_eq!(PermissionSet::parse_names(&["read", "read"])?.len(), 1);
    /// assert!(PermissionSet::parse_names(&["read", "admin"]).is_err());
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn parse_names<S: AsRef<str>>(names: &[S]) -> Result<Self> {
        let mut set = PermissionSet::EMPTY;
        for name in names {
            set.insert(Permission::parse(name.as_ref())?);
        }
        Ok(set)
    }

    /// Whether `p` is in the set.
    #[inline]
    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    /// Adds `p`.
    #[inline]
    pub fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    /// Removes `p`.
    #[inline]
    pub fn remove(&mut self, p: Permission) {
        self.0 &= !p.bit();
    }

    /// Whether every permission of `self` is in `other` (the empty set is a subset of anything).
    #[inline]
    pub fn is_subset(self, other: Self) -> bool {
        self.0 & !other.0 == 0
    }

    /// The permissions in either set.
    #[inline]
    pub fn union(self, other: Self) -> Self {
        PermissionSet(self.0 | other.0)
    }

    /// The permissions in both sets.
    #[inline]
    pub fn intersection(self, other: Self) -> Self {
        PermissionSet(self.0 & other.0)
    }

    /// The permissions in `self` but not in `other`.
    #[inline]
    pub fn difference(self, other: Self) -> Self {
        PermissionSet(self.0 & !other.0)
    }

    /// Whether the set has no permission.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many permissions the set has.
    #[inline]
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The permissions, in declaration order (`read` first, `manage_people` last).
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.into_iter().filter(move |p| self.contains(*p))
    }

    /// Names sorted alphabetically (hire, interview, manage_people, read, write) — the order
    /// every API returns.
    ///
    /// # Examples
    /// ```
    /// use invitekit::{Permission, PermissionSet};
    /// let set = PermissionSet::from_permissions([Permission::Write, Permission::Hire]);
    /// assert_eq!(set.names(), ["hire", "write"]);
    /// ```
    pub fn names(self) -> Vec<&'static str> {
        Permission::BY_NAME.into_iter().filter(|p| self.contains(*p)).map(Permission::as_str).collect()
    }

    /// The raw bits (read = 1, write = 2, interview = 4, hire = 8, manage_people = 16),
    /// for stores that keep a set as a small integer.
    #[inline]
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set with these bits, or `None` if any bit names no permission.
    #[inline]
    pub fn from_bits(bits: u8) -> Option<Self> {
        (bits & !Self::ALL.0 == 0).then_some(PermissionSet(bits))
    }
}

impl From<Permission> for PermissionSet {
    fn from(p: Permission) -> Self {
        PermissionSet(p.bit())
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = PermissionSet::EMPTY;
        for p in iter {
            set.insert(p);
        }
        set
    }
}

/// Serialized as the sorted list of names, the form every API shows.
impl Serialize for PermissionSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names().into_iter().map(NameOnly)).finish()
    }
}

// Prints a name without Debug's quotes, so a set reads `{read, write}`.
struct NameOnly(&'static str);

impl fmt::Debug for NameOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A named set of permissions: one of the options a user picks from when
/// bringing a coworker into a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    name: String,
    permissions: PermissionSet,
}

impl Preset {
    /// The preset's name, e.g. `interviewer`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The permissions the preset gives.
    pub fn permissions(&self) -> PermissionSet {
        self.permissions
    }
}

/// A role of the policy: what a member holding it may do in the organization
/// and the most they may hold or grant in a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    name: String,
    may_invite: bool,
    may_assign_team: bool,
    manages_organization: bool,
    invites_need_approval: bool,
    thread_ceiling: PermissionSet,
    grantable_presets: Vec<String>,
    grantable_permissions: PermissionSet,
    // Kept so that `to_json` writes `"*"` back rather than today's list of roles.
    invites_any_role: bool,
    invitable_roles: Vec<String>,
    // Bit i is role i of the policy; lets validation compare invitable sets cheaply.
    invitable_mask: u64,
}

impl Role {
    /// The role's name, e.g. `recruiter`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// May invite coworkers to the organization.
    pub fn may_invite(&self) -> bool {
        self.may_invite
    }

    /// May set a team on an invitation (R1).
    pub fn may_assign_team(&self) -> bool {
        self.may_assign_team
    }

    /// May manage the organization: set roles, deactivate members, change settings, see all
    /// invitations and the audit log, revoke anyone's invitation. `full` only by default.
    pub fn manages_organization(&self) -> bool {
        self.manages_organization
    }

    /// Whether this role's invitations wait for a manager's approval before
    /// they are sent ([approvals](crate::rules#approvals)): false for the
    /// default roles.
    pub fn invites_need_approval(&self) -> bool {
        self.invites_need_approval
    }

    /// The most a member with this role may hold in a thread; who starts a thread holds all
    /// of it (R3).
    pub fn thread_ceiling(&self) -> PermissionSet {
        self.thread_ceiling
    }

    /// The names of the presets this role may grant, in policy order.
    pub fn grantable_presets(&self) -> &[String] {
        &self.grantable_presets
    }

    /// Union of the grantable presets' permissions (precomputed).
    pub fn grantable_permissions(&self) -> PermissionSet {
        self.grantable_permissions
    }

    /// Whether an invitation sent by this role may give role `role` (R2).
    /// Only exact names of the policy's roles can answer `true`.
    pub fn may_give_role(&self, role: &str) -> bool {
        self.invitable_roles.iter().any(|r| r == role)
    }

    /// The roles this role may give on invite, `"*"` expanded to every role, in policy order.
    pub fn invitable_roles(&self) -> &[String] {
        &self.invitable_roles
    }

    /// R10: whether a member with this role may change the role of, deactivate
    /// or reactivate a member whose role is `member_role`: the role must manage
    /// the organization and be one that may give `member_role` on invite.
    ///
    /// # Examples
    /// ```
    /// let policy = invitekit::Policy::default();
    /// let full = policy.require_role("full")?;
    /// let recruiter = policy.require_role("recruiter")?;
    /// assert!(full.may_manage_member("recruiter"));
    /// // Only a role that manages the organization moves others' roles.
    /// assert!(!recruiter.may_manage_member("member"));
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn may_manage_member(&self, member_role: &str) -> bool {
        self.manages_organization && self.may_give_role(member_role)
    }
}

/// Roles, presets and the [grant rules](crate::rules#roles), validated and precomputed.
///
/// Build one with [`Policy::default`] ([the default policy](crate::rules#default-policy))
/// or [`Policy::from_json`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    presets: Vec<Preset>,
    roles: Vec<Role>,
    role_index: HashMap<String, usize>,
    preset_index: HashMap<String, usize>,
    default_role: usize,
    // For each of the 32 possible sets of "permissions the actor may pass on",
    // bit i says whether preset i fits in it: R5 becomes one table look-up.
    options_by_allowed: [u64; 32],
}

/// The largest policy document [`Policy::from_json`] reads.
pub const MAX_POLICY_JSON_BYTES: usize = 1 << 20;
/// The most roles, and the most presets, a policy may define.
// Bitsets of roles and presets are one `u64`; no real policy comes close.
pub const MAX_POLICY_ENTRIES: usize = 64;
const MAX_NAME_LEN: usize = 64;

impl Default for Policy {
    /// [The default policy](crate::rules#default-policy): presets `viewer`,
    /// `participant`, `interviewer`, `hiring`, `full`; roles `full`,
    /// `hiring_manager`, `recruiter`, `member`; the default role is `member`, and
    /// only `full` manages the organization.
    ///
    /// # Examples
    /// ```
    /// use invitekit::{Permission, Policy};
    /// let policy = Policy::default();
    /// assert_eq!(policy.default_role(), "member");
    /// let recruiter = policy.role("recruiter").ok_or("no recruiter")?;
    /// assert!(recruiter.may_give_role("member"));
    /// assert!(!recruiter.may_give_role("full"));
    /// assert!(!recruiter.thread_ceiling().contains(Permission::Hire));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn default() -> Self {
        use Permission::{Hire, Interview, ManagePeople, Read, Write};
        let set = |ps: &[Permission]| ps.iter().copied().collect::<PermissionSet>();
        let presets = vec![
            ("viewer", set(&[Read])),
            ("participant", set(&[Read, Write])),
            ("interviewer", set(&[Read, Write, Interview])),
            ("hiring", set(&[Read, Write, Interview, Hire])),
            ("full", PermissionSet::ALL),
        ];
        // Indices into the preset and role lists just above and below.
        let roles = vec![
            RoleSpec {
                name: "full",
                may_invite: true,
                may_assign_team: true,
                manages_organization: true,
                invites_need_approval: false,
                thread_ceiling: PermissionSet::ALL,
                grantable: vec![0, 1, 2, 3, 4],
                invitable: Invitable::Any,
            },
            RoleSpec {
                name: "hiring_manager",
                may_invite: true,
                may_assign_team: true,
                manages_organization: false,
                invites_need_approval: false,
                thread_ceiling: PermissionSet::ALL,
                grantable: vec![0, 1, 2, 3],
                invitable: Invitable::Listed(vec![2, 3]),
            },
            RoleSpec {
                name: "recruiter",
                may_invite: true,
                may_assign_team: false,
                manages_organization: false,
                invites_need_approval: false,
                thread_ceiling: set(&[Read, Write, Interview, ManagePeople]),
                grantable: vec![0, 1, 2],
                invitable: Invitable::Listed(vec![3]),
            },
            RoleSpec {
                name: "member",
                may_invite: true,
                may_assign_team: false,
                manages_organization: false,
                invites_need_approval: false,
                thread_ceiling: set(&[Read, Write]),
                grantable: vec![],
                invitable: Invitable::Listed(vec![3]),
            },
        ];
        assemble(presets, roles, 3)
    }
}

impl Policy {
    /// Loads and validates a policy from JSON.
    ///
    /// The document has `presets` (each a `name` and its `permissions`),
    /// `roles` (each with `name`, `may_invite`, `may_assign_team`,
    /// `manages_organization`, `invitable_roles` — `"*"` or a list of role names —,
    /// `thread_ceiling`, `grantable_presets` and, optionally,
    /// `invites_need_approval`, false when absent) and `default_role`; no other field.
    /// Every problem is `invalid_input` naming the culprit: malformed JSON (with
    /// its line and column), an unknown permission, preset or role, a duplicate,
    /// a badly formed name (`[a-z][a-z0-9_]{0,63}`), a preset with no
    /// permissions, a role that may grant beyond its own thread ceiling, a role
    /// that may invite a more powerful role than itself, invitable roles on a
    /// role that may not invite (or none on one that may), no role that manages
    /// the organization, more than 64 roles or presets, or a document over 1 MiB.
    ///
    /// # Examples
    /// ```
    /// use invitekit::Policy;
    /// let policy = Policy::from_json(r#"{
    ///   "presets": [{"name": "viewer", "permissions": ["read"]}],
    ///   "roles": [{"name": "owner", "may_invite": true, "may_assign_team": true,
    ///              "manages_organization": true, "invitable_roles": "*",
    ///              "thread_ceiling": ["read", "manage_people"],
    ///              "grantable_presets": ["viewer"]}],
    ///   "default_role": "owner"
    /// }"#)?;
    /// assert_eq!(policy.roles().len(), 1);
    ///
    /// let err = Policy::from_json(r#"{"presets": [], "roles": [], "default_role": "x"}"#);
    /// assert_eq!(err.map_err(|e| e.code()).err(), Some("invalid_input"));
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn from_json(json: &str) -> Result<Policy> {
        if json.len() > MAX_POLICY_JSON_BYTES {
            return Err(Error::invalid(format!(
                "the policy is {} bytes long, over the limit of {MAX_POLICY_JSON_BYTES} bytes",
                json.len()
            )));
        }
        let raw: RawPolicy =
            serde_json::from_str(json).map_err(|e| Error::invalid(format!("policy json: {}", json_error(&e))))?;
        let policy = resolve(raw)?;
        validate(&policy)?;
        Ok(policy)
    }

    /// The policy as JSON, in the format [`Policy::from_json`] reads back to an equal policy.
    pub fn to_json(&self) -> String {
        let raw = RawPolicy {
            presets: self
                .presets
                .iter()
                .map(|p| RawPreset { name: p.name.clone(), permissions: owned_names(p.permissions) })
                .collect(),
            roles: self
                .roles
                .iter()
                .map(|r| RawRole {
                    name: r.name.clone(),
                    may_invite: r.may_invite,
                    may_assign_team: r.may_assign_team,
                    manages_organization: r.manages_organization,
                    invites_need_approval: r.invites_need_approval,
                    invitable_roles: if r.invites_any_role {
                        RawInvitable::Any
                    } else {
                        RawInvitable::List(r.invitable_roles.clone())
                    },
                    thread_ceiling: owned_names(r.thread_ceiling),
                    grantable_presets: r.grantable_presets.clone(),
                })
                .collect(),
            default_role: self.default_role().to_owned(),
        };
        // Plain strings, booleans and lists serialize into a String without fail.
        serde_json::to_string_pretty(&raw).unwrap_or_default()
    }

    /// This policy, but the invitations of each role named in `roles` wait
    /// for a manager's approval ([approvals](crate::rules#approvals)). An
    /// unknown role is `invalid_input`, and so is a result that the policy's
    /// rules refuse (a role needing approval that may invite one that does
    /// not: mark that one too).
    ///
    /// # Examples
    /// ```
    /// let policy = invitekit::Policy::default().with_invites_needing_approval(&["member"])?;
    /// assert!(policy.require_role("member")?.invites_need_approval());
    /// assert!(!policy.require_role("recruiter")?.invites_need_approval());
    /// // A recruiter needing approval could invite a member who does not.
    /// let refused = invitekit::Policy::default().with_invites_needing_approval(&["recruiter"]);
    /// assert_eq!(refused.unwrap_err().code(), "invalid_input");
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn with_invites_needing_approval(mut self, roles: &[&str]) -> Result<Policy> {
        for name in roles {
            let i =
                *self.role_index.get(*name).ok_or_else(|| Error::invalid(format!("unknown role `{}`", quote(name))))?;
            if let Some(role) = self.roles.get_mut(i) {
                role.invites_need_approval = true;
            }
        }
        validate(&self)?;
        Ok(self)
    }

    /// The role with exactly this name.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.role_index.get(name).and_then(|&i| self.roles.get(i))
    }

    /// Like [`Policy::role`], but an unknown name is `invalid_input` (``unknown role `x` ``).
    pub fn require_role(&self, name: &str) -> Result<&Role> {
        self.role(name).ok_or_else(|| Error::invalid(format!("unknown role `{}`", quote(name))))
    }

    /// The preset with exactly this name.
    pub fn preset(&self, name: &str) -> Option<&Preset> {
        self.preset_index.get(name).and_then(|&i| self.presets.get(i))
    }

    /// Like [`Policy::preset`], but an unknown name is `invalid_input` (``unknown preset `x` ``).
    pub fn require_preset(&self, name: &str) -> Result<&Preset> {
        self.preset(name).ok_or_else(|| Error::invalid(format!("unknown preset `{}`", quote(name))))
    }

    /// Every preset, in policy order.
    pub fn presets(&self) -> &[Preset] {
        &self.presets
    }

    /// Every role, in policy order.
    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// Whether role `lower` can do nothing that role `upper` cannot: its thread
    /// ceiling, grantable permissions and invitable roles are within `upper`'s,
    /// each of its flags (invite, assign teams, manage the organization) is
    /// one `upper` has too, and its invitations need approval if `upper`'s do.
    /// Roles are only partly ordered: two roles may
    /// each be able to do something the other cannot.
    ///
    /// # Examples
    /// ```
    /// let policy = invitekit::Policy::default();
    /// let role = |name| policy.require_role(name);
    /// assert!(policy.is_at_most(role("member")?, role("recruiter")?));
    /// assert!(!policy.is_at_most(role("full")?, role("recruiter")?));
    /// assert!(policy.is_at_most(role("full")?, role("full")?));
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn is_at_most(&self, lower: &Role, upper: &Role) -> bool {
        (!lower.may_invite || upper.may_invite) && more_powerful(lower, upper, self).is_none()
    }

    /// The role an invitation gets when none is given, and `join_by_domain`'s role.
    pub fn default_role(&self) -> &str {
        self.roles.get(self.default_role).map_or("", |r| r.name.as_str())
    }

    /// R4: may an actor with role `actor` who holds `actor_holds` in a thread
    /// give `perms` to a member whose role is `target`?
    ///
    /// The actor needs `manage_people` in the thread, else
    /// [`GrantCheck::ActorHoldings`]; then `perms` must be a subset of (a)
    /// `actor_holds` ([`GrantCheck::ActorHoldings`]), (b) the actor role's
    /// [grantable permissions](Role::grantable_permissions)
    /// ([`GrantCheck::RoleGrantable`]) and (c) the target role's
    /// [thread ceiling](Role::thread_ceiling) ([`GrantCheck::TargetCeiling`]),
    /// checked in that order; the first failure is returned.
    ///
    /// An empty `perms` is a subset of everything and passes: callers reject an
    /// empty grant as `invalid_input` before asking.
    ///
    /// # Examples
    /// ```
    /// use invitekit::{GrantCheck, Policy};
    /// let policy = Policy::default();
    /// let recruiter = policy.require_role("recruiter")?;
    /// let member = policy.require_role("member")?;
    /// let interviewer = policy.require_preset("interviewer")?.permissions();
    /// let hiring = policy.require_preset("hiring")?.permissions();
    /// let holds = recruiter.thread_ceiling();
    ///
    /// // A recruiter never holds `hire` in a thread, so (a) refuses it.
    /// let check = policy.check_grant(recruiter, holds, member, hiring);
    /// assert_eq!(check, Err(GrantCheck::ActorHoldings));
    /// // A `member` cannot hold `interview`: (c).
    /// let check = policy.check_grant(recruiter, holds, member, interviewer);
    /// assert_eq!(check, Err(GrantCheck::TargetCeiling));
    /// assert_eq!(policy.check_grant(recruiter, holds, recruiter, interviewer), Ok(()));
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    #[inline]
    pub fn check_grant(
        &self,
        actor: &Role,
        actor_holds: PermissionSet,
        target: &Role,
        perms: PermissionSet,
    ) -> std::result::Result<(), GrantCheck> {
        if !actor_holds.contains(Permission::ManagePeople) || !perms.is_subset(actor_holds) {
            Err(GrantCheck::ActorHoldings)
        } else if !perms.is_subset(actor.grantable_permissions) {
            Err(GrantCheck::RoleGrantable)
        } else if !perms.is_subset(target.thread_ceiling) {
            Err(GrantCheck::TargetCeiling)
        } else {
            Ok(())
        }
    }

    /// [`Policy::check_grant`] as an [`Error::PermissionDenied`] whose reason
    /// names the failed part of R4 and the permissions concerned, and whose
    /// `check` says which part it was.
    pub fn require_grant(
        &self,
        actor: &Role,
        actor_holds: PermissionSet,
        target: &Role,
        perms: PermissionSet,
    ) -> Result<()> {
        let check = match self.check_grant(actor, actor_holds, target, perms) {
            Ok(()) => return Ok(()),
            Err(check) => check,
        };
        let reason = match check {
            GrantCheck::ActorHoldings if !actor_holds.contains(Permission::ManagePeople) => {
                "(a) changing who takes part in this thread needs `manage_people` in it".to_owned()
            }
            GrantCheck::ActorHoldings => {
                format!("(a) the actor does not hold {} in this thread", backticked(perms.difference(actor_holds)))
            }
            GrantCheck::RoleGrantable => format!(
                "(b) the role `{}` may not grant {}",
                actor.name,
                backticked(perms.difference(actor.grantable_permissions))
            ),
            GrantCheck::TargetCeiling => format!(
                "(c) a member with the role `{}` cannot hold {}",
                target.name,
                backticked(perms.difference(target.thread_ceiling))
            ),
        };
        Err(Error::PermissionDenied { reason, check: Some(check) })
    }

    /// R5: the presets, in policy order, that [`Policy::check_grant`]'s (a) and
    /// (b) let this actor give; none unless `actor_holds` has `manage_people`.
    ///
    /// Check (c) depends on the target, so a UI may grey out the options a
    /// particular coworker's role cannot hold.
    ///
    /// # Examples
    /// ```
    /// use invitekit::{Permission, PermissionSet, Policy};
    /// let policy = Policy::default();
    /// let recruiter = policy.require_role("recruiter")?;
    /// let names = |holds| -> Vec<&str> {
    ///     policy.permission_options(recruiter, holds).iter().map(|p| p.name()).collect()
    /// };
    /// assert_eq!(names(recruiter.thread_ceiling()), ["viewer", "participant", "interviewer"]);
    /// // Without `manage_people` in the thread there is nothing to offer.
    /// let read_write = PermissionSet::from_permissions([Permission::Read, Permission::Write]);
    /// assert!(names(read_write).is_empty());
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn permission_options(&self, actor: &Role, actor_holds: PermissionSet) -> Vec<&Preset> {
        self.iter_permission_options(actor, actor_holds).collect()
    }

    /// [`Policy::permission_options`] without allocating.
    #[inline]
    pub fn iter_permission_options<'p>(
        &'p self,
        actor: &Role,
        actor_holds: PermissionSet,
    ) -> impl Iterator<Item = &'p Preset> + 'p {
        let mut mask = if actor_holds.contains(Permission::ManagePeople) {
            let allowed = actor_holds.intersection(actor.grantable_permissions);
            self.options_by_allowed[usize::from(allowed.bits() & PermissionSet::ALL.bits())]
        } else {
            0
        };
        std::iter::from_fn(move || {
            while mask != 0 {
                let i = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                if let Some(p) = self.presets.get(i) {
                    return Some(p);
                }
            }
            None
        })
    }
}

fn owned_names(set: PermissionSet) -> Vec<String> {
    set.names().into_iter().map(str::to_owned).collect()
}

fn backticked(set: PermissionSet) -> String {
    set.names().iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn json_error(e: &serde_json::Error) -> String {
    // serde_json's one capitalized word; messages here are lowercase.
    sanitize(&e.to_string().replace("EOF", "end of input"))
}

// serde_json echoes field names from the input; keep a hostile one from
// forging log lines, flipping the text or flooding the message.
fn sanitize(msg: &str) -> String {
    crate::error::sanitize(msg, 300)
}

fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && name.len() <= MAX_NAME_LEN
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

fn check_name(kind: &str, name: &str) -> Result<()> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{kind} name `{}` is not valid: use 1 to 64 characters among a-z, 0-9 and _, \
             starting with a letter",
            quote(name)
        )))
    }
}

// --- The JSON form -------------------------------------------------------------

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a policy object with `presets`, `roles` and `default_role`")]
struct RawPolicy {
    presets: Vec<RawPreset>,
    roles: Vec<RawRole>,
    default_role: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a preset object with `name` and `permissions`")]
struct RawPreset {
    name: String,
    permissions: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a role object")]
struct RawRole {
    name: String,
    may_invite: bool,
    may_assign_team: bool,
    manages_organization: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    invites_need_approval: bool,
    invitable_roles: RawInvitable,
    thread_ceiling: Vec<String>,
    grantable_presets: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

// `"*"` or a list of role names; a hand-written visitor because an untagged
// enum's error would name a Rust type instead of saying what is expected.
enum RawInvitable {
    Any,
    List(Vec<String>),
    // Any string but `*`: rejected later, where the role's name is known.
    Other(String),
}

impl Serialize for RawInvitable {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            RawInvitable::Any => s.serialize_str("*"),
            RawInvitable::List(names) => names.serialize(s),
            RawInvitable::Other(name) => s.serialize_str(name),
        }
    }
}

impl<'de> Deserialize<'de> for RawInvitable {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawInvitable;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`*` or a list of role names")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<RawInvitable, E> {
                Ok(if v == "*" { RawInvitable::Any } else { RawInvitable::Other(v.to_owned()) })
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<RawInvitable, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(RawInvitable::List(names))
            }
        }
        d.deserialize_any(Visitor)
    }
}

// --- Building a policy -------------------------------------------------------

enum Invitable {
    Any,
    Listed(Vec<usize>),
}

// A role with its names resolved to indices, before precomputation.
struct RoleSpec<'a> {
    name: &'a str,
    may_invite: bool,
    may_assign_team: bool,
    manages_organization: bool,
    invites_need_approval: bool,
    thread_ceiling: PermissionSet,
    grantable: Vec<usize>,
    invitable: Invitable,
}

fn parse_permissions(names: &[String], owner: impl Fn() -> String) -> Result<PermissionSet> {
    let mut set = PermissionSet::EMPTY;
    for name in names {
        let p = Permission::parse(name)
            .map_err(|_| Error::invalid(format!("{} names unknown permission `{}`", owner(), quote(name))))?;
        set.insert(p);
    }
    Ok(set)
}

fn too_many(what: &str, n: usize) -> Error {
    Error::invalid(format!("the policy has {n} {what}, more than the limit of {MAX_POLICY_ENTRIES}"))
}

// Turns names into indices and checks everything that is about one entry at a
// time; the rules between roles are left to `validate`.
fn resolve(raw: RawPolicy) -> Result<Policy> {
    if raw.roles.is_empty() {
        return Err(Error::invalid("the policy has no roles"));
    }
    if raw.roles.len() > MAX_POLICY_ENTRIES {
        return Err(too_many("roles", raw.roles.len()));
    }
    if raw.presets.len() > MAX_POLICY_ENTRIES {
        return Err(too_many("presets", raw.presets.len()));
    }

    let mut preset_index: HashMap<&str, usize> = HashMap::new();
    let mut presets = Vec::with_capacity(raw.presets.len());
    for (i, p) in raw.presets.iter().enumerate() {
        check_name("preset", &p.name)?;
        if preset_index.insert(&p.name, i).is_some() {
            return Err(Error::invalid(format!("preset `{}` is defined twice", p.name)));
        }
        let perms = parse_permissions(&p.permissions, || format!("preset `{}`", p.name))?;
        if perms.is_empty() {
            return Err(Error::invalid(format!("preset `{}` has no permissions", p.name)));
        }
        presets.push((p.name.as_str(), perms));
    }

    let mut role_index: HashMap<&str, usize> = HashMap::new();
    for (i, r) in raw.roles.iter().enumerate() {
        check_name("role", &r.name)?;
        if role_index.insert(&r.name, i).is_some() {
            return Err(Error::invalid(format!("role `{}` is defined twice", r.name)));
        }
    }

    let mut roles = Vec::with_capacity(raw.roles.len());
    for r in &raw.roles {
        let thread_ceiling =
            parse_permissions(&r.thread_ceiling, || format!("the `thread_ceiling` of role `{}`", r.name))?;
        let mut grantable = Vec::with_capacity(r.grantable_presets.len());
        for name in &r.grantable_presets {
            let i = *preset_index.get(name.as_str()).ok_or_else(|| {
                Error::invalid(format!("role `{}` may grant unknown preset `{}`", r.name, quote(name)))
            })?;
            if grantable.contains(&i) {
                return Err(Error::invalid(format!(
                    "role `{}` lists preset `{name}` twice in `grantable_presets`",
                    r.name
                )));
            }
            grantable.push(i);
        }
        let invitable = match &r.invitable_roles {
            RawInvitable::Any => Invitable::Any,
            RawInvitable::Other(s) => {
                return Err(Error::invalid(format!(
                    "the `invitable_roles` of role `{}` must be `*` or a list of role names, \
                     not `{}`",
                    r.name,
                    quote(s)
                )));
            }
            RawInvitable::List(names) => {
                let mut listed = Vec::with_capacity(names.len());
                for name in names {
                    let i = *role_index.get(name.as_str()).ok_or_else(|| {
                        Error::invalid(format!("role `{}` may invite unknown role `{}`", r.name, quote(name)))
                    })?;
                    if listed.contains(&i) {
                        return Err(Error::invalid(format!(
                            "role `{}` lists role `{name}` twice in `invitable_roles`",
                            r.name
                        )));
                    }
                    listed.push(i);
                }
                Invitable::Listed(listed)
            }
        };
        roles.push(RoleSpec {
            name: &r.name,
            may_invite: r.may_invite,
            may_assign_team: r.may_assign_team,
            manages_organization: r.manages_organization,
            invites_need_approval: r.invites_need_approval,
            thread_ceiling,
            grantable,
            invitable,
        });
    }

    let default_role = *role_index.get(raw.default_role.as_str()).ok_or_else(|| {
        Error::invalid(format!("the default role `{}` is not a role of the policy", quote(&raw.default_role)))
    })?;
    Ok(assemble(presets, roles, default_role))
}

// Precomputes everything the checks read. Indices must be in range (resolve
// and the default table guarantee it); an out-of-range one is skipped.
fn assemble(presets: Vec<(&str, PermissionSet)>, specs: Vec<RoleSpec<'_>>, default_role: usize) -> Policy {
    let presets: Vec<Preset> =
        presets.into_iter().map(|(name, permissions)| Preset { name: name.to_owned(), permissions }).collect();
    let role_names: Vec<String> = specs.iter().map(|s| s.name.to_owned()).collect();
    let roles = specs
        .into_iter()
        .map(|s| {
            let grantable: Vec<&Preset> = s.grantable.iter().filter_map(|&i| presets.get(i)).collect();
            let (invites_any_role, invitable): (bool, Vec<usize>) = match s.invitable {
                Invitable::Any => (true, (0..role_names.len()).collect()),
                Invitable::Listed(list) => (false, list),
            };
            Role {
                name: s.name.to_owned(),
                may_invite: s.may_invite,
                may_assign_team: s.may_assign_team,
                manages_organization: s.manages_organization,
                invites_need_approval: s.invites_need_approval,
                thread_ceiling: s.thread_ceiling,
                grantable_presets: grantable.iter().map(|p| p.name.clone()).collect(),
                grantable_permissions: grantable.iter().fold(PermissionSet::EMPTY, |acc, p| acc.union(p.permissions)),
                invites_any_role,
                invitable_roles: invitable.iter().filter_map(|&i| role_names.get(i).cloned()).collect(),
                invitable_mask: invitable.iter().filter(|&&i| i < 64).fold(0, |m, &i| m | 1 << i),
            }
        })
        .collect();

    let mut options_by_allowed = [0u64; 32];
    for (allowed, mask) in (0u8..).zip(options_by_allowed.iter_mut()) {
        for (i, p) in presets.iter().enumerate().take(64) {
            if p.permissions.is_subset(PermissionSet(allowed)) {
                *mask |= 1 << i;
            }
        }
    }

    Policy {
        role_index: role_names.into_iter().enumerate().map(|(i, n)| (n, i)).collect(),
        preset_index: presets.iter().enumerate().map(|(i, p)| (p.name.clone(), i)).collect(),
        presets,
        roles,
        default_role,
        options_by_allowed,
    }
}

// The rules between entries: no role grants beyond what it can hold, and no
// role can invite someone more powerful than itself (else inviting would be a
// way to escalate privileges).
fn validate(policy: &Policy) -> Result<()> {
    for role in &policy.roles {
        for name in &role.grantable_presets {
            let Some(preset) = policy.preset(name) else {
                continue;
            };
            let beyond = preset.permissions.difference(role.thread_ceiling);
            if !beyond.is_empty() {
                return Err(Error::invalid(format!(
                    "role `{}` may grant preset `{name}`, which gives {} beyond the role's \
                     thread ceiling",
                    role.name,
                    backticked(beyond)
                )));
            }
        }
        if !role.may_invite && !role.invitable_roles.is_empty() {
            return Err(Error::invalid(format!(
                "role `{}` has `invitable_roles` but `may_invite` is false",
                role.name
            )));
        }
        if role.may_invite && role.invitable_roles.is_empty() {
            return Err(Error::invalid(format!("role `{}` may invite but its `invitable_roles` is empty", role.name)));
        }
    }
    for inviter in &policy.roles {
        for name in &inviter.invitable_roles {
            let Some(invitee) = policy.role(name) else {
                continue;
            };
            if let Some(why) = more_powerful(invitee, inviter, policy) {
                return Err(Error::invalid(format!(
                    "role `{}` may invite role `{name}`, which is more powerful: {why}",
                    inviter.name
                )));
            }
        }
    }
    if !policy.roles.iter().any(|r| r.manages_organization) {
        return Err(Error::invalid(
            "no role manages the organization: set `manages_organization` on at least one role",
        ));
    }
    Ok(())
}

// Why `invitee` can do something `inviter` cannot, if it can. `may_invite`
// needs no comparison: an inviter has it by definition.
fn more_powerful(invitee: &Role, inviter: &Role, policy: &Policy) -> Option<String> {
    let ceiling = invitee.thread_ceiling.difference(inviter.thread_ceiling);
    if !ceiling.is_empty() {
        return Some(format!("its thread ceiling adds {}", backticked(ceiling)));
    }
    let grantable = invitee.grantable_permissions.difference(inviter.grantable_permissions);
    if !grantable.is_empty() {
        return Some(format!("it may grant {}", backticked(grantable)));
    }
    if invitee.may_assign_team && !inviter.may_assign_team {
        return Some("it may assign teams".to_owned());
    }
    if invitee.manages_organization && !inviter.manages_organization {
        return Some("it manages the organization".to_owned());
    }
    // Else a role whose invitations wait for approval could send, without
    // it, a role whose invitations do not (an escalation by proxy).
    if !invitee.invites_need_approval && inviter.invites_need_approval {
        return Some("its invitations need no approval".to_owned());
    }
    let extra = invitee.invitable_mask & !inviter.invitable_mask;
    if extra != 0 {
        let name = policy.roles.get(extra.trailing_zeros() as usize).map_or("", |r| r.name.as_str());
        return Some(format!("it may invite role `{name}`"));
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use Permission::{Hire, Interview, ManagePeople, Read, Write};

    fn set(ps: &[Permission]) -> PermissionSet {
        PermissionSet::from_permissions(ps.iter().copied())
    }

    fn preset_names(ps: &[&Preset]) -> Vec<String> {
        ps.iter().map(|p| p.name().to_owned()).collect()
    }

    // --- Permissions ----------------------------------------------------------

    #[test]
    fn permission_names_are_exact() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()).unwrap(), p);
        }
        for bad in ["Read", "read ", " read", "READ", "", "admin", "manage-people", "read\n"] {
            let err = Permission::parse(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_input");
            assert!(err.to_string().contains(&format!("`{}`", quote(bad))), "{err}");
        }
    }

    #[test]
    fn permission_sets_behave_like_sets() {
        let rw = set(&[Read, Write]);
        assert_eq!(rw.len(), 2);
        assert!(rw.contains(Read) && !rw.contains(Hire));
        assert!(rw.is_subset(PermissionSet::ALL));
        assert!(PermissionSet::EMPTY.is_subset(rw));
        assert!(!PermissionSet::ALL.is_subset(rw));
        assert_eq!(rw.union(set(&[Hire])), set(&[Read, Write, Hire]));
        assert_eq!(rw.intersection(set(&[Write, Hire])), set(&[Write]));
        assert_eq!(rw.difference(set(&[Write])), set(&[Read]));
        let mut s = rw;
        s.insert(ManagePeople);
        s.remove(Read);
        assert_eq!(s, set(&[Write, ManagePeople]));
        assert_eq!(s.iter().collect::<Vec<_>>(), [Write, ManagePeople]);
        assert!(PermissionSet::EMPTY.is_empty() && PermissionSet::default().is_empty());
        assert_eq!(PermissionSet::ALL.len(), 5);
        assert_eq!(PermissionSet::ALL.names(), ["hire", "interview", "manage_people", "read", "write"]);
        assert_eq!(format!("{rw:?}"), "{read, write}");
        assert_eq!(format!("{:?}", PermissionSet::EMPTY), "{}");
    }

    #[test]
    fn permission_set_bits_round_trip_and_reject_unknown_bits() {
        for b in 0..=u8::MAX {
            match PermissionSet::from_bits(b) {
                Some(s) => assert_eq!(s.bits(), b),
                None => assert!(b >= 32),
            }
        }
        assert_eq!(PermissionSet::from_bits(0b1_1111), Some(PermissionSet::ALL));
    }

    #[test]
    fn parse_names_rejects_any_unknown_name_and_allows_duplicates() {
        assert_eq!(PermissionSet::parse_names(&["read", "write", "read"]).unwrap(), set(&[Read, Write]));
        assert_eq!(PermissionSet::parse_names::<&str>(&[]).unwrap(), PermissionSet::EMPTY);
        let err = PermissionSet::parse_names(&["read", "Write"]).unwrap_err();
        assert_eq!(err, Error::InvalidInput("unknown permission `Write`".into()));
        let owned = vec!["hire".to_string()];
        assert_eq!(PermissionSet::parse_names(&owned).unwrap(), set(&[Hire]));
    }

    // --- The default policy ---------------------------------------------------

    #[test]
    fn default_presets_are_specs_table() {
        let p = Policy::default();
        let got: Vec<(&str, PermissionSet)> = p.presets().iter().map(|p| (p.name(), p.permissions())).collect();
        assert_eq!(
            got,
            [
                ("viewer", set(&[Read])),
                ("participant", set(&[Read, Write])),
                ("interviewer", set(&[Read, Write, Interview])),
                ("hiring", set(&[Read, Write, Interview, Hire])),
                ("full", PermissionSet::ALL),
            ]
        );
    }

    #[test]
    fn default_roles_are_specs_table() {
        let p = Policy::default();
        assert_eq!(p.default_role(), "member");
        let names: Vec<&str> = p.roles().iter().map(Role::name).collect();
        assert_eq!(names, ["full", "hiring_manager", "recruiter", "member"]);
        let all_roles = ["full", "hiring_manager", "recruiter", "member"];

        // name, may invite, assign team, manages org, invitable, ceiling, grantable presets
        type Row<'a> = (&'a str, bool, bool, bool, &'a [&'a str], PermissionSet, &'a [&'a str]);
        let table: [Row; 4] = [
            (
                "full",
                true,
                true,
                true,
                &all_roles,
                PermissionSet::ALL,
                &["viewer", "participant", "interviewer", "hiring", "full"],
            ),
            (
                "hiring_manager",
                true,
                true,
                false,
                &["recruiter", "member"],
                PermissionSet::ALL,
                &["viewer", "participant", "interviewer", "hiring"],
            ),
            (
                "recruiter",
                true,
                false,
                false,
                &["member"],
                set(&[Read, Write, Interview, ManagePeople]),
                &["viewer", "participant", "interviewer"],
            ),
            ("member", true, false, false, &["member"], set(&[Read, Write]), &[]),
        ];
        for (name, invite, team, org, invitable, ceiling, grantable) in table {
            let r = p.require_role(name).unwrap();
            assert_eq!(r.name(), name);
            assert_eq!(r.may_invite(), invite, "{name}");
            assert_eq!(r.may_assign_team(), team, "{name}");
            assert_eq!(r.manages_organization(), org, "{name}");
            assert_eq!(r.invitable_roles(), invitable, "{name}");
            for other in all_roles {
                assert_eq!(r.may_give_role(other), invitable.contains(&other), "{name} gives {other}");
            }
            assert_eq!(r.thread_ceiling(), ceiling, "{name}");
            assert_eq!(r.grantable_presets(), grantable, "{name}");
            let union = grantable
                .iter()
                .fold(PermissionSet::EMPTY, |acc, g| acc.union(p.require_preset(g).unwrap().permissions()));
            assert_eq!(r.grantable_permissions(), union, "{name}");
        }
        assert!(!p.require_role("full").unwrap().may_give_role("admin"));
    }

    #[test]
    fn default_policy_passes_its_own_validation() {
        let p = Policy::default();
        validate(&p).unwrap();
        assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
    }

    #[test]
    fn names_are_exact_for_roles_and_presets() {
        let p = Policy::default();
        for bad in ["Full", "full,admin", "full ", " full", "", "FULL", "full\n"] {
            let e = p.require_role(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
            assert_eq!(e.to_string(), format!("invalid input: unknown role `{}`", quote(bad)));
            let e = p.require_preset(bad).unwrap_err();
            assert_eq!(e.to_string(), format!("invalid input: unknown preset `{}`", quote(bad)));
            assert!(p.role(bad).is_none() && p.preset(bad).is_none());
        }
        assert_eq!(p.require_role("full").unwrap().name(), "full");
        assert_eq!(p.require_preset("full").unwrap().permissions(), PermissionSet::ALL);
    }

    // --- R4 and R5 on the default policy ----------------------------------------

    #[test]
    fn permission_options_on_the_default_policy() {
        let p = Policy::default();
        let options = |role: &str| {
            preset_names(&p.permission_options(p.role(role).unwrap(), p.role(role).unwrap().thread_ceiling()))
        };
        assert_eq!(options("full"), ["viewer", "participant", "interviewer", "hiring", "full"]);
        assert_eq!(options("hiring_manager"), ["viewer", "participant", "interviewer", "hiring"]);
        assert_eq!(options("recruiter"), ["viewer", "participant", "interviewer"]);
        assert!(options("member").is_empty());

        for role in p.roles() {
            for bits in 0..32 {
                let holds = PermissionSet::from_bits(bits).unwrap();
                if !holds.contains(ManagePeople) {
                    assert!(p.permission_options(role, holds).is_empty(), "{} {holds:?}", role.name());
                }
            }
        }
        // What the actor holds in the thread limits the options too.
        let full = p.role("full").unwrap();
        let holds = set(&[Read, Write, ManagePeople]);
        assert_eq!(preset_names(&p.permission_options(full, holds)), ["viewer", "participant"]);
    }

    #[test]
    fn check_grant_names_the_failed_part_in_order() {
        let p = Policy::default();
        let full = p.role("full").unwrap();
        let hm = p.role("hiring_manager").unwrap();
        let recruiter = p.role("recruiter").unwrap();
        let member = p.role("member").unwrap();
        let rw = set(&[Read, Write]);

        // Without manage_people nothing can be given, not even what one holds.
        assert_eq!(
            p.check_grant(full, set(&[Read, Write, Hire]), member, set(&[Read])),
            Err(GrantCheck::ActorHoldings)
        );
        // (a) more than the actor holds, even though role and target would allow it.
        assert_eq!(p.check_grant(full, set(&[Read, ManagePeople]), full, rw), Err(GrantCheck::ActorHoldings));
        // (b) the role may not grant it although the actor holds it.
        assert_eq!(p.check_grant(hm, PermissionSet::ALL, full, PermissionSet::ALL), Err(GrantCheck::RoleGrantable));
        // (c) the target's role cannot hold it.
        assert_eq!(
            p.check_grant(full, PermissionSet::ALL, member, set(&[Read, Interview])),
            Err(GrantCheck::TargetCeiling)
        );
        // (a) is reported before (b) and (c), (b) before (c).
        assert_eq!(
            p.check_grant(hm, set(&[Read, ManagePeople]), member, PermissionSet::ALL),
            Err(GrantCheck::ActorHoldings)
        );
        assert_eq!(p.check_grant(recruiter, PermissionSet::ALL, member, set(&[Hire])), Err(GrantCheck::RoleGrantable));
        assert_eq!(p.check_grant(full, PermissionSet::ALL, member, rw), Ok(()));
        // An empty grant is a subset of everything; callers reject it earlier.
        assert_eq!(p.check_grant(member, set(&[ManagePeople]), member, PermissionSet::EMPTY), Ok(()));
    }

    #[test]
    fn recruiter_is_refused_hiring() {
        let p = Policy::default();
        let recruiter = p.role("recruiter").unwrap();
        let hiring = p.require_preset("hiring").unwrap().permissions();
        // A recruiter cannot hold `hire` at all, so (a) fails first...
        assert_eq!(
            p.check_grant(recruiter, recruiter.thread_ceiling(), p.role("full").unwrap(), hiring),
            Err(GrantCheck::ActorHoldings)
        );
        // ...and were they given it anyway, their role still may not grant it.
        assert_eq!(
            p.check_grant(recruiter, PermissionSet::ALL, p.role("full").unwrap(), hiring),
            Err(GrantCheck::RoleGrantable)
        );
        assert!(!preset_names(&p.permission_options(recruiter, PermissionSet::ALL)).contains(&"hiring".to_owned()));
    }

    #[test]
    fn require_grant_explains_the_failure() {
        let p = Policy::default();
        let full = p.role("full").unwrap();
        let recruiter = p.role("recruiter").unwrap();
        let member = p.role("member").unwrap();
        let denied = |r: Result<()>| match r {
            Err(Error::PermissionDenied { reason, check }) => (reason, check),
            other => panic!("{other:?}"),
        };
        let (reason, check) = denied(p.require_grant(full, set(&[Read]), member, set(&[Read])));
        assert_eq!(check, Some(GrantCheck::ActorHoldings));
        assert!(reason.contains("`manage_people`"), "{reason}");
        let (reason, _) = denied(p.require_grant(full, set(&[Read, ManagePeople]), member, set(&[Read, Write])));
        assert!(reason.starts_with("(a)") && reason.contains("`write`"), "{reason}");
        let (reason, check) = denied(p.require_grant(recruiter, PermissionSet::ALL, full, set(&[Hire])));
        assert_eq!(check, Some(GrantCheck::RoleGrantable));
        assert!(reason.starts_with("(b)") && reason.contains("`recruiter`") && reason.contains("`hire`"), "{reason}");
        let (reason, check) = denied(p.require_grant(full, PermissionSet::ALL, member, set(&[Read, Hire])));
        assert_eq!(check, Some(GrantCheck::TargetCeiling));
        assert!(reason.starts_with("(c)") && reason.contains("`member`") && reason.contains("`hire`"), "{reason}");
        assert!(p.require_grant(full, PermissionSet::ALL, member, set(&[Read])).is_ok());
    }

    // --- Loading and validation --------------------------------------------------

    fn default_json() -> Value {
        serde_json::from_str(&Policy::default().to_json()).unwrap()
    }

    fn role_mut<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
        doc["roles"].as_array_mut().unwrap().iter_mut().find(|r| r["name"] == name).unwrap()
    }

    // Loads `doc`, expects invalid_input whose message contains every `needle`.
    fn rejects(doc: &Value, needles: &[&str]) {
        rejects_text(&doc.to_string(), needles);
    }

    fn rejects_text(text: &str, needles: &[&str]) {
        let err = Policy::from_json(text).unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{err}");
        let msg = err.to_string();
        for needle in needles {
            assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
        }
        assert!(!msg.ends_with('.'), "{msg}");
        assert!(!msg.contains("Raw") && !msg.contains("Vec<") && !msg.contains("struct "), "{msg}");
        // Lowercase except for the user's input, which is quoted in backticks.
        let prose: String = msg.split('`').step_by(2).collect();
        assert_eq!(prose, prose.to_lowercase(), "lowercase: {msg}");
    }

    #[test]
    fn default_json_loads_and_round_trips() {
        let doc = default_json();
        assert_eq!(doc["roles"][0]["invitable_roles"], json!("*"));
        assert_eq!(doc["roles"][2]["invitable_roles"], json!(["member"]));
        let p = Policy::from_json(&doc.to_string()).unwrap();
        assert_eq!(p, Policy::default());
        assert_eq!(p.to_json(), Policy::default().to_json());
    }

    #[test]
    fn bad_json_says_where() {
        rejects_text("{\"presets\": [,]}", &["policy json", "line 1 column"]);
        rejects_text("", &["end of input", "line 1 column 0"]);
        rejects_text("[]", &["policy object"]);
        rejects_text("{\"presets\": 3}", &["line 1"]);
        let mut doc = default_json();
        doc["roles"][0]["invitable_roles"] = json!(7);
        rejects(&doc, &["`*` or a list of role names"]);
    }

    #[test]
    fn unknown_and_missing_fields_are_rejected() {
        let mut doc = default_json();
        doc["admins"] = json!([]);
        rejects(&doc, &["unknown field `admins`"]);
        let mut doc = default_json();
        doc["presets"][0]["colour"] = json!("red");
        rejects(&doc, &["unknown field `colour`"]);
        let mut doc = default_json();
        role_mut(&mut doc, "member")["superuser"] = json!(true);
        rejects(&doc, &["unknown field `superuser`"]);
        let mut doc = default_json();
        role_mut(&mut doc, "member").as_object_mut().unwrap().remove("may_invite");
        rejects(&doc, &["missing field `may_invite`"]);
        let mut doc = default_json();
        doc["presets"][0]["bad\nfield"] = json!(1);
        let msg = Policy::from_json(&doc.to_string()).unwrap_err().to_string();
        assert!(!msg.contains('\n') && msg.contains("bad\\nfield"), "{msg}");
    }

    #[test]
    fn oversized_input_is_rejected_before_parsing() {
        let big = format!("{}{}", " ".repeat(MAX_POLICY_JSON_BYTES), Policy::default().to_json());
        rejects_text(&big, &["bytes", "1048576"]);
    }

    #[test]
    fn empty_roles_are_rejected() {
        let mut doc = default_json();
        doc["roles"] = json!([]);
        rejects(&doc, &["no roles"]);
    }

    #[test]
    fn too_many_entries_are_rejected() {
        let mut doc = default_json();
        let extra: Vec<Value> =
            (0..MAX_POLICY_ENTRIES).map(|i| json!({"name": format!("p{i}"), "permissions": ["read"]})).collect();
        doc["presets"].as_array_mut().unwrap().extend(extra);
        rejects(&doc, &["presets", "64"]);
    }

    #[test]
    fn unknown_permissions_are_named() {
        let mut doc = default_json();
        doc["presets"][1]["permissions"] = json!(["read", "Write"]);
        rejects(&doc, &["preset `participant`", "unknown permission `Write`"]);
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["thread_ceiling"] = json!(["read", "fly"]);
        rejects(&doc, &["role `recruiter`", "unknown permission `fly`", "thread_ceiling"]);
    }

    #[test]
    fn duplicates_are_rejected() {
        let mut doc = default_json();
        doc["presets"][2]["name"] = json!("viewer");
        rejects(&doc, &["preset `viewer` is defined twice"]);
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["name"] = json!("member");
        rejects(&doc, &["role `member` is defined twice"]);
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["grantable_presets"] = json!(["viewer", "viewer"]);
        rejects(&doc, &["role `recruiter`", "preset `viewer` twice"]);
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["invitable_roles"] = json!(["member", "member"]);
        rejects(&doc, &["role `recruiter`", "role `member` twice"]);
    }

    #[test]
    fn badly_formed_names_are_rejected() {
        for bad in ["Full", "full,admin", "", "1st", "_x", "a-b", "a b", "é", &"a".repeat(65)] {
            let mut doc = default_json();
            doc["presets"][0]["name"] = json!(bad);
            rejects(&doc, &[&format!("preset name `{}`", quote(bad))]);
            let mut doc = default_json();
            role_mut(&mut doc, "recruiter")["name"] = json!(bad);
            rejects(&doc, &[&format!("role name `{}`", quote(bad))]);
        }
        for good in ["a", "a_1", &"a".repeat(64)] {
            assert!(valid_name(good), "{good}");
        }
    }

    #[test]
    fn empty_presets_are_rejected() {
        let mut doc = default_json();
        doc["presets"][0]["permissions"] = json!([]);
        rejects(&doc, &["preset `viewer` has no permissions"]);
    }

    #[test]
    fn unknown_grantable_preset_is_rejected() {
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["grantable_presets"] = json!(["viewer", "Viewer"]);
        rejects(&doc, &["role `recruiter`", "unknown preset `Viewer`"]);
    }

    #[test]
    fn granting_beyond_the_ceiling_is_rejected() {
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["grantable_presets"] = json!(["viewer", "hiring"]);
        rejects(&doc, &["role `recruiter`", "preset `hiring`", "`hire`", "thread ceiling"]);
    }

    #[test]
    fn unknown_invitable_role_is_rejected() {
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["invitable_roles"] = json!(["member", "admin"]);
        rejects(&doc, &["role `recruiter`", "unknown role `admin`"]);
        let mut doc = default_json();
        role_mut(&mut doc, "recruiter")["invitable_roles"] = json!("all");
        rejects(&doc, &["role `recruiter`", "`*` or a list", "`all`"]);
    }

    // `owner` runs the organization; `a` may invite `b`, and `b` is weaker in
    // every way, so each test can make `b` stronger in exactly one.
    fn two_role_doc() -> Value {
        let all = ["read", "write", "interview", "hire", "manage_people"];
        let role = |name: &str, invitable: &[&str], ceiling: &[&str], grantable: &[&str]| {
            json!({
                "name": name,
                "may_invite": !invitable.is_empty(),
                "may_assign_team": name == "owner",
                "manages_organization": name == "owner",
                "invitable_roles": invitable,
                "thread_ceiling": ceiling,
                "grantable_presets": grantable,
            })
        };
        json!({
            "presets": [
                {"name": "viewer", "permissions": ["read"]},
                {"name": "participant", "permissions": ["read", "write"]},
                {"name": "interviewer", "permissions": ["read", "write", "interview"]},
                {"name": "full", "permissions": all},
            ],
            "roles": [
                role("owner", &["owner"], &all, &["viewer", "participant", "interviewer", "full"]),
                role(
                    "a",
                    &["b"],
                    &["read", "write", "interview", "manage_people"],
                    &["viewer", "participant"],
                ),
                role("b", &[], &["read", "write"], &[]),
            ],
            "default_role": "b",
        })
    }

    #[test]
    fn inviting_a_more_powerful_role_is_rejected() {
        Policy::from_json(&two_role_doc().to_string()).unwrap();
        let culprit = "role `a` may invite role `b`, which is more powerful";

        let mut doc = two_role_doc();
        role_mut(&mut doc, "b")["thread_ceiling"] = json!(["read", "write", "hire"]);
        rejects(&doc, &[culprit, "its thread ceiling adds `hire`"]);

        let mut doc = two_role_doc();
        role_mut(&mut doc, "b")["thread_ceiling"] = json!(["read", "write", "interview"]);
        role_mut(&mut doc, "b")["grantable_presets"] = json!(["interviewer"]);
        rejects(&doc, &[culprit, "it may grant `interview`"]);

        let mut doc = two_role_doc();
        role_mut(&mut doc, "b")["may_assign_team"] = json!(true);
        rejects(&doc, &[culprit, "it may assign teams"]);

        let mut doc = two_role_doc();
        role_mut(&mut doc, "b")["manages_organization"] = json!(true);
        rejects(&doc, &[culprit, "it manages the organization"]);

        let mut doc = two_role_doc();
        role_mut(&mut doc, "b")["may_invite"] = json!(true);
        role_mut(&mut doc, "b")["invitable_roles"] = json!(["b", "a"]);
        rejects(&doc, &[culprit, "it may invite role `a`"]);

        let mut doc = two_role_doc();
        role_mut(&mut doc, "a")["invitable_roles"] = json!("*");
        rejects(&doc, &["role `a` may invite role `owner`", "more powerful"]);

        // The same on the default table: a hiring manager may not invite a `full` member.
        let mut doc = default_json();
        role_mut(&mut doc, "hiring_manager")["invitable_roles"] = json!(["recruiter", "member", "full"]);
        rejects(&doc, &["role `hiring_manager` may invite role `full`", "`manage_people`"]);
    }

    #[test]
    fn invite_flags_must_agree_with_invitable_roles() {
        let mut doc = default_json();
        role_mut(&mut doc, "member")["may_invite"] = json!(false);
        rejects(&doc, &["role `member`", "`invitable_roles`", "`may_invite` is false"]);
        let mut doc = default_json();
        role_mut(&mut doc, "member")["invitable_roles"] = json!([]);
        rejects(&doc, &["role `member` may invite", "empty"]);
        // Consistent both ways is fine.
        let mut doc = default_json();
        role_mut(&mut doc, "member")["may_invite"] = json!(false);
        role_mut(&mut doc, "member")["invitable_roles"] = json!([]);
        let p = Policy::from_json(&doc.to_string()).unwrap();
        assert!(!p.role("member").unwrap().may_invite());
        assert!(p.role("member").unwrap().invitable_roles().is_empty());
    }

    #[test]
    fn unknown_default_role_is_rejected() {
        let mut doc = default_json();
        doc["default_role"] = json!("Member");
        rejects(&doc, &["default role `Member`"]);
    }

    #[test]
    fn a_role_must_manage_the_organization() {
        let mut doc = default_json();
        role_mut(&mut doc, "full")["manages_organization"] = json!(false);
        rejects(&doc, &["no role manages the organization"]);
    }

    #[test]
    fn a_star_inviter_must_dominate_every_role() {
        let mut doc = default_json();
        role_mut(&mut doc, "hiring_manager")["invitable_roles"] = json!("*");
        rejects(&doc, &["role `hiring_manager` may invite role `full`"]);
    }

    // --- Properties ---------------------------------------------------------------

    // A random role: ceiling bits, which presets it may grant (bit j = preset j,
    // kept only if within the ceiling), which roles it may invite (bit j = role
    // j, pruned to the rules), may assign teams, manages the organization.
    type RoleDraw = (u8, u64, u64, bool, bool);

    // A random policy that satisfies every rule, plus a role `target_all` whose
    // ceiling is every permission, to isolate (a) and (b) of R4.
    fn arb_policy() -> impl Strategy<Value = Value> {
        let presets = prop::collection::vec(1u8..32, 0..8);
        let role = (0u8..32, any::<u64>(), any::<u64>(), any::<bool>(), any::<bool>());
        let roles = prop::collection::vec(role, 1..7);
        (presets, roles, any::<prop::sample::Index>(), any::<bool>())
            .prop_map(|(presets, roles, default_pick, boss)| policy_doc(&presets, roles, default_pick, boss))
    }

    fn policy_doc(presets: &[u8], mut draws: Vec<RoleDraw>, default_pick: prop::sample::Index, boss: bool) -> Value {
        struct R {
            ceiling: u8,
            grantable: Vec<usize>,
            grant_bits: u8,
            team: bool,
            org: bool,
            invitable: u64,
        }
        // Often make role 0 an all-powerful `*` inviter, which random draws
        // would almost never produce.
        if boss {
            draws[0] = (31, u64::MAX, u64::MAX, true, true);
        }
        let n = draws.len();
        let mut rs: Vec<R> = draws
            .iter()
            .enumerate()
            .map(|(i, &(ceiling, gpick, ipick, team, org))| {
                let grantable: Vec<usize> =
                    (0..presets.len()).filter(|&j| gpick >> j & 1 == 1 && presets[j] & !ceiling == 0).collect();
                let grant_bits = grantable.iter().fold(0, |a, &j| a | presets[j]);
                // Role 0 always manages the organization, so one does.
                let org = org || i == 0;
                R { ceiling, grantable, grant_bits, team, org, invitable: ipick & ((1 << n) - 1) }
            })
            .collect();
        // Drop invitees that would out-power their inviter, until stable:
        // shrinking one list can break the rule for those who invite that role.
        loop {
            let mut changed = false;
            for i in 0..n {
                for j in 0..n {
                    if rs[i].invitable >> j & 1 == 0 {
                        continue;
                    }
                    let (a, b) = (&rs[i], &rs[j]);
                    let weaker = b.ceiling & !a.ceiling == 0
                        && b.grant_bits & !a.grant_bits == 0
                        && (!b.team || a.team)
                        && (!b.org || a.org)
                        && b.invitable & !a.invitable == 0;
                    if !weaker {
                        rs[i].invitable &= !(1 << j);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let names = |m: u64| -> Vec<String> { (0..n).filter(|j| m >> j & 1 == 1).map(|j| format!("r{j}")).collect() };
        let perm_names = |b: u8| PermissionSet(b).names();
        let preset_names_of = |js: &[usize]| -> Vec<String> { js.iter().map(|j| format!("p{j}")).collect() };
        let mut role_docs: Vec<Value> = rs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                // `*` also covers `target_all`, so only a role that may hold everything qualifies.
                let star = r.invitable == (1 << n) - 1 && r.ceiling == 31;
                json!({
                    "name": format!("r{i}"),
                    "may_invite": r.invitable != 0,
                    "may_assign_team": r.team,
                    "manages_organization": r.org,
                    "invitable_roles": if star { json!("*") } else { json!(names(r.invitable)) },
                    "thread_ceiling": perm_names(r.ceiling),
                    "grantable_presets": preset_names_of(&r.grantable),
                })
            })
            .collect();
        role_docs.push(json!({
            "name": "target_all",
            "may_invite": false,
            "may_assign_team": false,
            "manages_organization": false,
            "invitable_roles": [],
            "thread_ceiling": perm_names(31),
            "grantable_presets": [],
        }));
        let preset_docs: Vec<Value> = presets
            .iter()
            .enumerate()
            .map(|(j, &b)| json!({"name": format!("p{j}"), "permissions": perm_names(b)}))
            .collect();
        json!({
            "presets": preset_docs,
            "roles": role_docs,
            "default_role": format!("r{}", default_pick.index(n)),
        })
    }

    fn load(doc: &Value) -> std::result::Result<Policy, TestCaseError> {
        Policy::from_json(&doc.to_string()).map_err(|e| TestCaseError::fail(format!("{e}: {doc}")))
    }

    proptest! {
        #[test]
        fn permission_options_are_exactly_what_check_grant_allows(
            doc in arb_policy(),
            holds_bits in 0u8..32,
        ) {
            let p = load(&doc)?;
            let holds = PermissionSet::from_bits(holds_bits).unwrap();
            let target = p.role("target_all").unwrap();
            for actor in p.roles() {
                let offered = p.permission_options(actor, holds);
                for preset in p.presets() {
                    let passes = p.check_grant(actor, holds, target, preset.permissions()).is_ok();
                    let listed = offered.iter().any(|o| std::ptr::eq(*o, preset));
                    prop_assert_eq!(
                        passes, listed,
                        "actor {} holds {:?} preset {}", actor.name(), holds, preset.name()
                    );
                }
                // Policy order, no duplicates.
                let position = |o: &Preset| p.presets().iter().position(|q| std::ptr::eq(q, o));
                let positions: Vec<_> = offered.iter().map(|o| position(o)).collect();
                prop_assert!(positions.windows(2).all(|w| w[0] < w[1]));
            }
        }

        #[test]
        fn random_valid_policies_round_trip(doc in arb_policy()) {
            let p = load(&doc)?;
            let again = load(&serde_json::from_str(&p.to_json()).unwrap())?;
            prop_assert_eq!(&again, &p);
            // Nobody may grant beyond what they can hold.
            for r in p.roles() {
                prop_assert!(r.grantable_permissions().is_subset(r.thread_ceiling()));
            }
        }

        #[test]
        fn from_json_never_panics_on_random_strings(s in ".{0,300}") {
            let _ = Policy::from_json(&s);
        }

        #[test]
        fn from_json_never_panics_on_near_valid_documents(
            doc in arb_policy(),
            cut in any::<prop::sample::Index>(),
            junk in "[\\[\\]{}\":,*a-z0-9 ]{0,8}",
        ) {
            let text = doc.to_string();
            let mut at = cut.index(text.len() + 1);
            while !text.is_char_boundary(at) { at -= 1; }
            let mutated = format!("{}{}{}", &text[..at], junk, &text[at..]);
            if let Err(e) = Policy::from_json(&mutated) {
                prop_assert_eq!(e.code(), "invalid_input");
            }
        }
    }
}
