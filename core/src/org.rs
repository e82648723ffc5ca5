//! Organizations, their members and teams, their settings, and the setup
//! operations a host uses to create and administer them ([rules](crate::rules#domain)).
//!
//! Role changes and deactivation apply rule R7 here: what a member can no
//! longer do is taken away in the same transaction.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::InviteKit;
use crate::clock::Timestamp;
use crate::email::{EmailAddress, normalize_domain};
use crate::error::{Error, Result, sanitize};
use crate::events::{EventKind, record};
use crate::ids::{MemberId, OrgId, TeamId};
use crate::input;
use crate::model::DomainJoin;
pub use crate::model::{Member, MemberStatus, OrgSettings, Organization, Team};
use crate::policy::Role;
use crate::store::{Store, WriteTx};
use crate::templates::{EmailContext, EmailKind, TemplateSource, render, validate_template};
use crate::token::validate_portal_url;

/// The most allowed or auto-join domains an organization may list.
pub const MAX_DOMAINS: usize = 100;
/// The most `max_emails_per_address_per_day` may be ([limits](crate::rules#limits)).
/// The SQL stores count an address's sends one by one, which stays cheap
/// because of this bound.
pub const MAX_EMAILS_PER_ADDRESS_PER_DAY: u32 = 100;

/// A change to an organization's settings: each field left `None` keeps its value.
///
/// # Examples
/// ```
/// let update = invitekit::SettingsUpdate::from_json(r#"{"resend_cooldown_secs": 120}"#).unwrap();
/// assert_eq!(update.resend_cooldown_secs, Some(120));
/// assert!(invitekit::SettingsUpdate::from_json(r#"{"colour": "red"}"#).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    /// See [`OrgSettings::invitation_expiry_secs`].
    pub invitation_expiry_secs: Option<i64>,
    /// See [`OrgSettings::resend_cooldown_secs`].
    pub resend_cooldown_secs: Option<i64>,
    /// See [`OrgSettings::max_invitations_per_inviter_per_day`].
    pub max_invitations_per_inviter_per_day: Option<u32>,
    /// See [`OrgSettings::max_invitations_per_org_per_day`].
    pub max_invitations_per_org_per_day: Option<u32>,
    /// See [`OrgSettings::max_emails_per_address_per_day`].
    pub max_emails_per_address_per_day: Option<u32>,
    /// See [`OrgSettings::max_pending_invitations`].
    pub max_pending_invitations: Option<u32>,
    /// See [`OrgSettings::max_message_chars`].
    pub max_message_chars: Option<u32>,
    /// See [`OrgSettings::allow_subdomains`].
    pub allow_subdomains: Option<bool>,
    /// See [`OrgSettings::auto_join_domains`].
    pub auto_join_domains: Option<Vec<String>>,
    /// See [`OrgSettings::domain_join`].
    pub domain_join: Option<DomainJoin>,
    /// See [`Organization::allowed_domains`].
    pub allowed_domains: Option<Vec<String>>,
    /// See [`OrgSettings::redirect_origins`].
    pub redirect_origins: Option<Vec<String>>,
}

impl SettingsUpdate {
    /// Reads an update from a JSON object whose keys are the field names; an
    /// unknown key or a value of the wrong type is `invalid_input`.
    pub fn from_json(json: &str) -> Result<SettingsUpdate> {
        serde_json::from_str(json)
            .map_err(|e| Error::invalid(format!("invalid settings: {}", sanitize(&e.to_string(), 300))))
    }

    /// Reads an update from a parsed JSON value (what the bindings build from keyword arguments).
    pub fn from_value(value: serde_json::Value) -> Result<SettingsUpdate> {
        serde_json::from_value(value)
            .map_err(|e| Error::invalid(format!("invalid settings: {}", sanitize(&e.to_string(), 300))))
    }

    /// Applies the update to `org`, checking every range; `org` is unchanged on error.
    fn apply(&self, org: &mut Organization) -> Result<serde_json::Value> {
        fn range<T: PartialOrd + std::fmt::Display + Copy>(
            name: &str,
            v: Option<T>,
            lo: T,
            hi: T,
        ) -> Result<Option<T>> {
            match v {
                Some(x) if x < lo || x > hi => Err(Error::invalid(format!("`{name}` must be between {lo} and {hi}"))),
                other => Ok(other),
            }
        }
        let mut s = org.settings.clone();
        let mut allowed = org.allowed_domains.clone();
        if let Some(v) = range("invitation_expiry_secs", self.invitation_expiry_secs, 3600, 30 * 24 * 3600)? {
            s.invitation_expiry_secs = v;
        }
        if let Some(v) = range("resend_cooldown_secs", self.resend_cooldown_secs, 0, 86_400)? {
            s.resend_cooldown_secs = v;
        }
        if let Some(v) =
            range("max_invitations_per_inviter_per_day", self.max_invitations_per_inviter_per_day, 1, 10_000)?
        {
            s.max_invitations_per_inviter_per_day = v;
        }
        if let Some(v) = range("max_invitations_per_org_per_day", self.max_invitations_per_org_per_day, 1, 100_000)? {
            s.max_invitations_per_org_per_day = v;
        }
        if let Some(v) = range(
            "max_emails_per_address_per_day",
            self.max_emails_per_address_per_day,
            1,
            MAX_EMAILS_PER_ADDRESS_PER_DAY,
        )? {
            s.max_emails_per_address_per_day = v;
        }
        if let Some(v) = range("max_pending_invitations", self.max_pending_invitations, 1, 100_000)? {
            s.max_pending_invitations = v;
        }
        let ceiling = u32::try_from(input::MAX_MESSAGE_CHARS_CEILING).unwrap_or(u32::MAX);
        if let Some(v) = range("max_message_chars", self.max_message_chars, 0, ceiling)? {
            s.max_message_chars = v;
        }
        if let Some(v) = self.allow_subdomains {
            s.allow_subdomains = v;
        }
        if let Some(v) = &self.auto_join_domains {
            s.auto_join_domains = domains("auto_join_domains", v)?;
            if let Some(free) = s.auto_join_domains.iter().find(|d| crate::domains::is_free_mail(d)) {
                return Err(Error::invalid(format!(
                    "`auto_join_domains`: `{free}` is a free mail domain, which no organization owns \
                     (docs/rules.md#verified-domains)"
                )));
            }
        }
        if let Some(v) = self.domain_join {
            s.domain_join = v;
        }
        if let Some(v) = &self.allowed_domains {
            allowed = domains("allowed_domains", v)?;
        }
        if let Some(v) = &self.redirect_origins {
            s.redirect_origins = crate::extras::origins(v)?;
        }
        org.settings = s;
        org.allowed_domains = allowed;
        serde_json::to_value(self).map_err(|e| Error::Storage(e.to_string()))
    }
}

/// Normalizes a list of configured domains, refusing duplicates and overlong lists.
fn domains(field: &str, list: &[String]) -> Result<Vec<String>> {
    if list.len() > MAX_DOMAINS {
        return Err(Error::invalid(format!("`{field}` lists more than {MAX_DOMAINS} domains")));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for d in list {
        let d = normalize_domain(d)?;
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

impl<S: Store> InviteKit<S> {
    /// Creates an organization. `portal_url` must be an https URL; `allowed_domains`
    /// (empty for any) are normalized like email domains. A taken slug is `conflict`.
    ///
    /// # Examples
    /// ```
    /// let kit = invitekit::InviteKit::in_memory();
    /// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"]).unwrap();
    /// assert_eq!(org.allowed_domains, ["acme.com"]);
    /// ```
    pub fn create_organization<D: AsRef<str>>(
        &self,
        name: &str,
        slug: &str,
        portal_url: &str,
        allowed_domains: &[D],
    ) -> Result<Organization> {
        let list: Vec<String> = allowed_domains.iter().map(|d| d.as_ref().to_owned()).collect();
        let org = Organization {
            id: OrgId::new(),
            name: input::name("name", name, input::MAX_NAME_CHARS)?,
            slug: input::slug(slug)?,
            portal_url: validate_portal_url(portal_url)?,
            allowed_domains: domains("allowed_domains", &list)?,
            settings: OrgSettings::default(),
            created_at: self.now(),
        };
        self.store.write(|tx| {
            tx.insert_org(&org)?;
            record(
                tx,
                org.id,
                org.created_at,
                None,
                EventKind::OrganizationCreated,
                json!({"org_id": org.id, "name": org.name, "slug": org.slug}),
            )?;
            Ok(org.clone())
        })
    }

    /// An organization by id (host-level look-up).
    pub fn get_organization(&self, org_id: OrgId) -> Result<Organization> {
        self.store.read(|tx| tx.org(org_id)?.ok_or(Error::NotFound("organization")))
    }

    /// Changes an organization's settings (a role that manages the organization only).
    pub fn set_organization_settings(
        &self,
        actor: MemberId,
        org_id: OrgId,
        update: &SettingsUpdate,
    ) -> Result<Organization> {
        let now = self.now();
        self.store.write(|tx| {
            let admin = self.admin_of(tx, actor, org_id)?;
            let mut org = tx.org(org_id)?.ok_or(Error::NotFound("organization"))?;
            let details = update.apply(&mut org)?;
            tx.update_org(&org)?;
            record(tx, org.id, now, Some(admin.id), EventKind::SettingsChanged, details)?;
            Ok(org)
        })
    }

    /// Adds a member directly, bypassing invitation: the founding member, or
    /// one the host provisions. The address must be in an allowed domain.
    /// A deactivated member with the same address is reactivated.
    pub fn add_member(&self, org_id: OrgId, email: &str, name: &str, role: &str) -> Result<Member> {
        let email = EmailAddress::parse(email)?;
        let name = input::name("name", name, input::MAX_NAME_CHARS)?;
        let role = self.policy.require_role(role)?.name().to_owned();
        let now = self.now();
        self.store.write(|tx| {
            let org = tx.org(org_id)?.ok_or(Error::NotFound("organization"))?;
            if !org.allows(&email) {
                return Err(Error::DomainNotAllowed { domain: email.domain().to_owned() });
            }
            let member = match tx.member_by_email(org_id, email.key())? {
                Some(m) if m.is_active() => return Err(Error::AlreadyMember { email: m.email }),
                Some(mut m) => {
                    m.name = name.clone();
                    m.role = role.clone();
                    m.status = crate::org::MemberStatus::Active;
                    m.team_ids.clear();
                    m.joined_at = now;
                    tx.update_member(&m)?;
                    m
                }
                None => {
                    let m = Member {
                        id: MemberId::new(),
                        org_id,
                        email: email.as_str().to_owned(),
                        name: name.clone(),
                        role: role.clone(),
                        team_ids: Vec::new(),
                        status: MemberStatus::Active,
                        joined_at: now,
                    };
                    tx.insert_member(&m)?;
                    m
                }
            };
            record(
                tx,
                org_id,
                now,
                None,
                EventKind::MemberAdded,
                json!({"member_id": member.id, "email": member.email, "role": member.role, "via": "provisioned"}),
            )?;
            Ok(member)
        })
    }

    /// A member by id (host-level look-up).
    pub fn get_member(&self, member_id: MemberId) -> Result<Member> {
        self.store.read(|tx| tx.member(member_id)?.ok_or(Error::NotFound("member")))
    }

    /// Every member of an organization, oldest first (host-level look-up).
    pub fn list_members(&self, org_id: OrgId) -> Result<Vec<Member>> {
        self.store.read(|tx| {
            tx.org(org_id)?.ok_or(Error::NotFound("organization"))?;
            tx.members(org_id)
        })
    }

    /// Changes a member's role (R10): the actor's role must manage the
    /// organization and may give, on invite, both the member's current role
    /// and the new one; nobody raises their own role. Applies R7 in the same
    /// transaction: their pending invitations that the new role could not
    /// send are revoked, or their team or thread grants clamped, and their
    /// thread permissions are clamped to the new ceiling. Demoting the last
    /// active member who manages the organization (oneself included) is
    /// `conflict`; a deactivated member is `conflict` too.
    ///
    /// # Examples
    /// ```
    /// # use invitekit::*;
    /// let kit = InviteKit::in_memory();
    /// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"])?;
    /// let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")?;
    /// let bob = kit.add_member(org.id, "bob@acme.com", "Bob Jones", "member")?;
    /// assert_eq!(kit.set_role(alice.id, bob.id, "recruiter")?.role, "recruiter");
    /// // Bob's role does not manage the organization: he cannot promote himself.
    /// let err = kit.set_role(bob.id, bob.id, "full").unwrap_err();
    /// assert_eq!(err.code(), "permission_denied");
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn set_role(&self, actor: MemberId, member_id: MemberId, role: &str) -> Result<Member> {
        let new_role = self.policy.require_role(role)?;
        let now = self.now();
        self.store.write(|tx| {
            let target = tx.member(member_id)?.ok_or(Error::NotFound("member"))?;
            let admin = self.member_manager(tx, actor, &target)?;
            if !target.is_active() {
                return Err(Error::Conflict("the member is deactivated".into()));
            }
            let admin_role = self.role_of(&admin)?;
            if !admin_role.may_give_role(new_role.name()) {
                return Err(Error::denied(format!(
                    "the role `{}` may not give the role `{}` (docs/rules.md#r10)",
                    admin.role,
                    new_role.name()
                )));
            }
            if admin.id == target.id && !self.policy.is_at_most(new_role, admin_role) {
                return Err(Error::denied("nobody raises their own role (docs/rules.md#r10)"));
            }
            if target.role == new_role.name() {
                return Ok(target);
            }
            if !new_role.manages_organization() {
                self.ensure_not_last_admin(tx, &target)?;
            }
            let mut m = target.clone();
            m.role = new_role.name().to_owned();
            tx.update_member(&m)?;
            record(
                tx,
                m.org_id,
                now,
                Some(admin.id),
                EventKind::MemberRoleChanged,
                json!({"member_id": m.id, "from": target.role, "to": m.role}),
            )?;
            self.clamp_invitations(tx, &m, Some(admin.id), now)?;
            self.clamp_threads(tx, &m, Some(admin.id), now)?;
            Ok(m)
        })
    }

    /// Deactivates a member (R10: the actor's role must manage the
    /// organization and may give the member's role on invite). R7: they leave
    /// every thread and their pending invitations are revoked, in the same
    /// transaction. Deactivating the last active member who manages the
    /// organization (oneself included) is `conflict`; deactivating twice
    /// changes nothing. Only [`reactivate_member`](Self::reactivate_member) or
    /// an invitation from a member allowed to do so brings them back (R11).
    pub fn deactivate_member(&self, actor: MemberId, member_id: MemberId) -> Result<Member> {
        let now = self.now();
        self.store.write(|tx| {
            let target = tx.member(member_id)?.ok_or(Error::NotFound("member"))?;
            let admin = self.member_manager(tx, actor, &target)?;
            if !target.is_active() {
                return Ok(target);
            }
            self.ensure_not_last_admin(tx, &target)?;
            let mut m = target;
            m.status = MemberStatus::Deactivated;
            tx.update_member(&m)?;
            record(tx, m.org_id, now, Some(admin.id), EventKind::MemberDeactivated, json!({"member_id": m.id}))?;
            self.clamp_invitations(tx, &m, Some(admin.id), now)?;
            self.clamp_threads(tx, &m, Some(admin.id), now)?;
            Ok(m)
        })
    }

    /// Makes a deactivated member active again, with the role they had (R11).
    /// The actor is held to R10: a role that manages the organization and may
    /// give the member's role on invite. No thread seat comes back: whoever
    /// may adds them to threads again. The address must still be in the
    /// organization's allowed domains. Reactivating an active member changes nothing.
    ///
    /// # Examples
    /// ```
    /// # use invitekit::*;
    /// let kit = InviteKit::in_memory();
    /// let org = kit.create_organization("Acme Corp", "acme", "https://acme.example.com/portal", &["acme.com"])?;
    /// let alice = kit.add_member(org.id, "alice@acme.com", "Alice Smith", "full")?;
    /// let bob = kit.add_member(org.id, "bob@acme.com", "Bob Jones", "member")?;
    /// kit.deactivate_member(alice.id, bob.id)?;
    /// let bob = kit.reactivate_member(alice.id, bob.id)?;
    /// assert_eq!((bob.status, bob.role.as_str()), (MemberStatus::Active, "member"));
    /// # Ok::<(), invitekit::Error>(())
    /// ```
    pub fn reactivate_member(&self, actor: MemberId, member_id: MemberId) -> Result<Member> {
        let now = self.now();
        self.store.write(|tx| {
            let target = tx.member(member_id)?.ok_or(Error::NotFound("member"))?;
            let admin = self.member_manager(tx, actor, &target)?;
            if target.is_active() {
                return Ok(target);
            }
            let org = tx.org(target.org_id)?.ok_or(Error::NotFound("organization"))?;
            let email = EmailAddress::parse(&target.email)?;
            if !org.allows(&email) {
                return Err(Error::DomainNotAllowed { domain: email.domain().to_owned() });
            }
            let mut m = target;
            m.status = MemberStatus::Active;
            tx.update_member(&m)?;
            record(
                tx,
                m.org_id,
                now,
                Some(admin.id),
                EventKind::MemberReactivated,
                json!({"member_id": m.id, "role": m.role}),
            )?;
            Ok(m)
        })
    }

    /// Creates a team; a name already used in the organization, in any case, is `conflict`.
    pub fn create_team(&self, org_id: OrgId, name: &str) -> Result<Team> {
        let team = Team { id: TeamId::new(), org_id, name: input::name("name", name, input::MAX_NAME_CHARS)? };
        let now = self.now();
        self.store.write(|tx| {
            tx.org(org_id)?.ok_or(Error::NotFound("organization"))?;
            tx.insert_team(&team)?;
            record(tx, org_id, now, None, EventKind::TeamCreated, json!({"team_id": team.id, "name": team.name}))?;
            Ok(team.clone())
        })
    }

    /// Registers the organization's own template for one kind of email,
    /// replacing the built-in one. It is compiled and rendered once with
    /// sample values now, so a broken template is refused here (`invalid_input`
    /// naming the part) rather than when someone invites.
    pub fn set_email_template(&self, org_id: OrgId, kind: EmailKind, template: &TemplateSource) -> Result<()> {
        validate_template(kind, template)?;
        let sample = EmailContext {
            to: "someone@example.com".into(),
            inviter_name: "Sample Inviter".into(),
            organization_name: "Sample Company".into(),
            team_names: vec!["Sample Team".into()],
            metadata: crate::JsonObject::new(),
            message: Some("Sample message".into()),
            link: "https://example.com/join/sample".into(),
            expires_at: Timestamp::from_millis(0).human(),
            thread_title: Some("Sample conversation".into()),
            freelancer_name: Some("Sample Freelancer".into()),
            invitee_email: Some("invitee@example.com".into()),
            role: Some("member".into()),
            reason: Some("Sample reason".into()),
            reviewer_name: Some("Sample Manager".into()),
            requester_name: Some("Sample Requester".into()),
        };
        render(kind, Some(template), &sample)?;
        self.store.write(|tx| {
            tx.org(org_id)?.ok_or(Error::NotFound("organization"))?;
            tx.put_template(org_id, kind, template)
        })
    }

    /// The active member `actor`, who must manage organization `org_id`.
    /// A member of another organization gets `not_found`, as if it did not exist.
    pub(crate) fn admin_of(&self, tx: &dyn crate::store::ReadTx, actor: MemberId, org_id: OrgId) -> Result<Member> {
        let admin = self.active_member(tx, actor)?;
        if admin.org_id != org_id {
            return Err(Error::NotFound("organization"));
        }
        if !self.role_of(&admin)?.manages_organization() {
            return Err(Error::denied(format!("the role `{}` does not manage the organization", admin.role)));
        }
        Ok(admin)
    }

    /// R10: the active member `actor`, whose role must manage `target`'s
    /// organization and may give `target`'s current role on invite. A member
    /// of another organization gets `not_found`, as if it did not exist.
    fn member_manager(&self, tx: &dyn crate::store::ReadTx, actor: MemberId, target: &Member) -> Result<Member> {
        let admin = self.admin_of(tx, actor, target.org_id)?;
        if !self.reaches(self.role_of(&admin)?, target) {
            return Err(Error::denied(format!(
                "the role `{}` may not manage a member whose role is `{}` (docs/rules.md#r10)",
                admin.role, target.role
            )));
        }
        Ok(admin)
    }

    /// R11: an invitation to the address of `existing`, a deactivated member,
    /// may come only from an inviter who could reactivate them (R10).
    pub(crate) fn check_rehire(&self, inviter: &Member, existing: &Member) -> Result<()> {
        if self.reaches(self.role_of(inviter)?, existing) {
            return Ok(());
        }
        Err(Error::denied(format!(
            "the address belongs to a deactivated member, whom the role `{}` may not bring back (docs/rules.md#r11)",
            inviter.role
        )))
    }

    /// Makes the person at `email` a member of `org` as `role` in `team_ids`,
    /// on behalf of `admitter` (an invitation's inviter, a manager approving
    /// a request to join): a new member, or, for a deactivated member's
    /// address, that member back, only if `admitter` could reactivate them
    /// (R11). An active member's address is `already_member`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn admit(
        &self,
        tx: &mut dyn WriteTx,
        admitter: &Member,
        org: OrgId,
        email: &str,
        name: &str,
        role: &str,
        team_ids: Vec<TeamId>,
        now: Timestamp,
    ) -> Result<Member> {
        let key = email.to_ascii_lowercase();
        match tx.member_by_email(org, &key)? {
            Some(m) if m.is_active() => Err(Error::AlreadyMember { email: m.email }),
            Some(mut m) => {
                self.check_rehire(admitter, &m)?;
                m.name = name.to_owned();
                m.role = role.to_owned();
                m.team_ids = team_ids;
                m.status = MemberStatus::Active;
                m.joined_at = now;
                tx.update_member(&m)?;
                Ok(m)
            }
            None => {
                let m = Member {
                    id: MemberId::new(),
                    org_id: org,
                    email: email.to_owned(),
                    name: name.to_owned(),
                    role: role.to_owned(),
                    team_ids,
                    status: MemberStatus::Active,
                    joined_at: now,
                };
                tx.insert_member(&m)?;
                Ok(m)
            }
        }
    }

    /// R10's reach: a role that manages the organization and may give
    /// `member`'s role. A role the policy no longer has grants nothing, so
    /// any role that manages the organization reaches its holder.
    fn reaches(&self, role: &Role, member: &Member) -> bool {
        let known = self.policy.role(&member.role).is_some();
        role.manages_organization() && (!known || role.may_manage_member(&member.role))
    }

    fn ensure_not_last_admin(&self, tx: &dyn WriteTx, target: &Member) -> Result<()> {
        if !self.role_of(target).map(|r| r.manages_organization()).unwrap_or(false) {
            return Ok(());
        }
        let others = tx.members(target.org_id)?.into_iter().any(|m| {
            m.id != target.id && m.is_active() && self.policy.role(&m.role).is_some_and(|r| r.manages_organization())
        });
        if others {
            Ok(())
        } else {
            Err(Error::Conflict("the organization must keep one active member who manages it".into()))
        }
    }
}
